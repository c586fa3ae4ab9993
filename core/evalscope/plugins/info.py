"""``evalscope plugins`` (list) and ``evalscope plugins show NAME``: what the installed plugins provide.

A registered component declares its options with an ``Options`` attribute on what it registers
(the class, or the factory function): a pydantic model class, or the string
``"package.module:ClassName"`` naming one, imported only when the options are shown or checked,
so a factory that imports its component lazily stays lazy. A ``Benchmark`` subclass that sets no
``Options`` takes ``BenchmarkOptions``. ``show`` reads the description (the first paragraph of the
docstring) and the options (name, type, default, description) from the plugin itself.
"""

from __future__ import annotations

import importlib
import inspect
import json
import re
from typing import TYPE_CHECKING, Any

from evalscope.errors import ConfigError, PluginError
from evalscope.plugins.registry import Registration

if TYPE_CHECKING:
    from pydantic import BaseModel

KINDS = ("benchmark", "model", "scorer", "sandbox")
PLURALS = {"benchmark": "benchmarks", "model": "models", "scorer": "scorers", "sandbox": "sandboxes"}
NO_OPTIONS = {
    "benchmark": "options: not declared (the plugin sets no Options; see its documentation)",
    "model": "options: not declared (the plugin sets no Options; --model-args reach the model as given)",
    "scorer": "options: none (the runner builds a scorer with no arguments)",
    "sandbox": "options: none (a sandbox is built with no arguments; the benchmark that uses it sets its limits)",
}


def declared_options(factory: Any) -> type[BaseModel] | None:
    """The pydantic model class ``factory`` declares as its options, or None when it declares none.

    Raises ``PluginError`` when ``Options`` names something that cannot be imported or is not a
    pydantic model class.
    """
    options = getattr(factory, "Options", None)
    if options is None:
        from evalscope.benchmarks.base import Benchmark

        if isinstance(factory, type) and issubclass(factory, Benchmark):
            from evalscope.benchmarks.options import BenchmarkOptions

            return BenchmarkOptions
        return None
    where = f"{_qualified_name(factory)}.Options"
    if isinstance(options, str):
        module_name, _, attribute = options.partition(":")
        try:
            target: Any = importlib.import_module(module_name)
            for part in attribute.split("."):
                target = getattr(target, part)
        except Exception as exc:
            raise PluginError(
                f"{where} is {options!r}, which cannot be imported ({type(exc).__name__}: {exc}); "
                "give 'package.module:ClassName'"
            ) from None
        options = target
    from pydantic import BaseModel

    if not (isinstance(options, type) and issubclass(options, BaseModel)):
        raise PluginError(f"{where} is {options!r}; it must be a pydantic model class or 'package.module:ClassName'")
    return options


def describe(registration: Registration, distribution: str = "?", version: str = "?") -> dict[str, Any]:
    """One registered component as plain data: kind, name, plugin (with its distribution and version),
    description and options.

    ``options`` is a list of ``{name, type, default, required, description}``, or None when the
    component declares none. A model registered for eval types (its factory's ``eval_types``) has
    them under ``eval_types``.
    """
    options = declared_options(registration.factory)
    eval_types = list(getattr(registration.factory, "eval_types", ())) if registration.kind == "model" else []
    entry = {
        "kind": registration.kind,
        "name": registration.name,
        "plugin": registration.plugin,
        "distribution": distribution,
        "version": version,
        "description": _description(registration.factory),
        "options": None
        if options is None
        else [_describe_field(name, field) for name, field in options.model_fields.items()],
    }
    if eval_types:
        entry["eval_types"] = eval_types
    return entry


def _describe_field(name: str, field: Any) -> dict[str, Any]:
    from pydantic_core import PydanticUndefined, to_jsonable_python

    required = field.is_required()
    if required:
        default = None
    elif field.default_factory is not None:
        default = field.default_factory()
    else:
        default = field.default
    if default is not None and default is not PydanticUndefined:
        default = to_jsonable_python(default, fallback=repr)
    return {
        "name": name,
        "type": _type_name(field.annotation),
        "default": default,
        "required": required,
        "description": field.description or "",
    }


def _type_name(annotation: Any) -> str:
    """``int``, ``str | None``, ``list[str]``, ``JudgeOptions | None``: names without their modules."""
    if isinstance(annotation, type) and not getattr(annotation, "__args__", None):
        return annotation.__name__
    return re.sub(r"\b(?:\w+\.)+(\w+)", r"\1", str(annotation))


def _description(factory: Any) -> str:
    doc = inspect.getdoc(factory) or ""
    return " ".join(doc.split("\n\n", 1)[0].split()).replace("``", "`")


def _qualified_name(factory: Any) -> str:
    return f"{getattr(factory, '__module__', '?')}.{getattr(factory, '__qualname__', type(factory).__name__)}"


def find(name: str) -> list[Registration]:
    """Every registration named ``name``, one per kind; a ``ConfigError`` listing the known names if none."""
    from evalscope.plugins.manager import get_plugins
    from evalscope.plugins.registry import closest_hint

    plugins = get_plugins()
    found = [plugins.registry(kind).get(name) for kind in KINDS if name in plugins.registry(kind)]
    if found:
        return found
    known = {kind: plugins.registry(kind).names() for kind in KINDS}
    listing = "; ".join(f"{PLURALS[kind]}: {', '.join(names) or 'none'}" for kind, names in known.items())
    hint = closest_hint(name, [known_name for names in known.values() for known_name in names])
    raise ConfigError(f"no benchmark, model, scorer or sandbox is named {name!r}{hint}; {listing}")


def format_component(entry: dict[str, Any]) -> str:
    """The text ``evalscope plugins show`` prints for one component."""
    lines = [f"{entry['kind']} {entry['name']} (plugin {entry['plugin']}, {entry['distribution']} {entry['version']})"]
    if entry["description"]:
        lines.append(f"  {entry['description']}")
    if entry.get("eval_types"):
        lines.append(f"eval types (--eval-type NAME selects it): {', '.join(entry['eval_types'])}")
    options = entry["options"]
    if options is None:
        lines.append(NO_OPTIONS[entry["kind"]])
        return "\n".join(lines)
    if not options:
        lines.append("options: none")
        return "\n".join(lines)
    how = {
        "benchmark": f' (--dataset-args \'{{"{entry["name"]}": {{"OPTION": VALUE}}}}\')',
        "model": " (--model-args key=value,...)",
    }
    lines.append(f"options{how.get(entry['kind'], '')}:")
    for option in options:
        default = "required" if option["required"] else f"default {json.dumps(option['default'], ensure_ascii=False)}"
        lines.append(f"  {option['name']}: {option['type']} ({default})")
        if option["description"]:
            lines.append(f"      {option['description']}")
    return "\n".join(lines)


def command_show(name: str, as_json: bool) -> int:
    """Print the description and options of every component registered as ``name``."""
    from evalscope.plugins.manager import get_plugins

    infos = {info.name: info for info in get_plugins().infos}
    entries = []
    for registration in find(name):
        info = infos[registration.plugin]
        entries.append(describe(registration, info.distribution, info.version))
    if as_json:
        print(json.dumps(entries, indent=2, ensure_ascii=False))
    else:
        print("\n\n".join(format_component(entry) for entry in entries))
    return 0


def command_list(as_json: bool) -> int:
    """Print the loaded plugins, their versions and what each registers."""
    from evalscope.plugins.manager import get_plugins

    infos = get_plugins().infos
    if as_json:
        rows = [
            {
                "name": info.name,
                "distribution": info.distribution,
                "version": info.version,
                "builtin": info.builtin,
                "registers": info.registers,
                "error": info.error,
            }
            for info in infos
        ]
        print(json.dumps(rows, indent=2))
        return 0
    table = [("PLUGIN", "DISTRIBUTION", "VERSION", "REGISTERS")]
    for info in infos:
        registers = "; ".join(f"{kind}: {', '.join(names)}" for kind, names in info.registers.items())
        if info.error:
            registers = f"FAILED TO LOAD: {info.error}"
        table.append((info.name, info.distribution, info.version, registers or "-"))
    widths = [max(len(row[i]) for row in table) for i in range(3)]
    for row in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths)) + "  " + row[3])
    return 0
