"""``evalscope plugins new``: write a complete, pip-installable plugin package.

The package registers one component (a model, a benchmark with its scorer, a benchmark declared
from hub data with ``evalscope.benchmarks.declarative``, or a scorer) under the name given,
through an entry point in the group ``evalscope``; it has a ``test`` extra, a README and tests
that use ``evalscope.testing``. The files come from ``templates/common`` and ``templates/<kind>``:
``{{ variable }}`` placeholders are filled in, ``__module__`` in a path becomes the module name,
``gitignore`` becomes ``.gitignore`` and the ``.tmpl`` suffix is dropped.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass
from pathlib import Path

from evalscope.errors import ConfigError

KINDS = ("model", "benchmark", "hub-benchmark", "scorer")
TEMPLATES = Path(__file__).parent / "templates"
NAME_PATTERN = re.compile(r"[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*")
MAX_NAME_LENGTH = 64
_PLACEHOLDER = re.compile(r"{{\s*(\w+)\s*}}")


@dataclass(frozen=True)
class PluginNames:
    """The names derived from the component name: distribution, module and class prefix."""

    name: str
    distribution: str
    module: str
    class_prefix: str


def plugin_names(name: str) -> PluginNames:
    """Validate ``name`` and derive its names: ``acme-echo`` -> ``evalscope-acme-echo``, ``evalscope_acme_echo``."""
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name) or len(name) > MAX_NAME_LENGTH:
        raise ConfigError(
            f"plugin name {name!r} is invalid: use lowercase letters, digits and single '-' or '_' between them, "
            f"starting with a letter, at most {MAX_NAME_LENGTH} characters (e.g. acme-echo)"
        )
    if name == "evalscope":
        raise ConfigError("plugin name 'evalscope' is the core's own name; choose another (e.g. acme-echo)")
    distribution = name.replace("_", "-")
    if not distribution.startswith("evalscope-"):
        distribution = f"evalscope-{distribution}"
    module = distribution.replace("-", "_")
    stem = distribution.removeprefix("evalscope-")
    class_prefix = "".join(part.capitalize() for part in re.split(r"[-_]", stem))
    if not class_prefix.isidentifier() or keyword.iskeyword(class_prefix):
        class_prefix = f"Plugin{class_prefix}"
    return PluginNames(name, distribution, module, class_prefix)


def builtin_names(kind: str) -> list[str]:
    """The names the core's built-in plugins register for ``kind``, which a new plugin cannot reuse."""
    import importlib

    from evalscope.plugins.manager import BUILTIN_PLUGINS

    names: list[str] = []
    for module_name in BUILTIN_PLUGINS:
        hook = getattr(importlib.import_module(module_name), f"register_{kind}s", None)
        if hook is not None:
            hook(register=lambda registered, factory: names.append(registered))
    return names


def generate(name: str, kind: str = "model", path: str | Path | None = None) -> list[Path]:
    """Write the plugin package for the component ``name`` of ``kind`` into ``path`` (default ``./name``).

    Returns the files written. Raises ``ConfigError`` (one line) for an invalid name or
    kind, a name a built-in already registers, or a ``path`` that exists and is not an
    empty folder; nothing is written then.
    """
    if kind not in KINDS:
        raise ConfigError(f"plugin kind {kind!r} is invalid; choose one of: {', '.join(KINDS)}")
    names = plugin_names(name)
    registered_kinds = {"benchmark": ("benchmark", "scorer"), "hub-benchmark": ("benchmark",)}.get(kind, (kind,))
    for registered_kind in registered_kinds:
        if name in builtin_names(registered_kind):
            raise ConfigError(f"plugin name {name!r} is taken: evalscope has a built-in {registered_kind} of that name")
    installed = _installed_version(names.distribution)
    if installed is not None:
        raise ConfigError(
            f"plugin name {name!r} is taken: {names.distribution} {installed} is installed, and a new package of "
            "that name would replace it; choose another name"
        )
    target = Path(path) if path is not None else Path(name)
    if target.exists():
        if not target.is_dir():
            raise ConfigError(f"--path {str(target)!r} is a file; give a new or empty folder")
        if any(target.iterdir()):
            raise ConfigError(f"--path {str(target)!r} already exists and is not empty; give a new or empty folder")

    from evalscope.version import __version__

    variables = {
        "name": names.name,
        "distribution": names.distribution,
        "module": names.module,
        "cls": names.class_prefix,
        "kind": kind,
        "core_version": __version__,
        "package_data": (
            f'\n[tool.setuptools.package-data]\n{names.module} = ["data/*.jsonl"]\n' if kind == "benchmark" else ""
        ),
    }
    rendered = []
    for folder in (TEMPLATES / "common", TEMPLATES / kind):
        for source in sorted(folder.rglob("*")):
            if source.is_file() and "__pycache__" not in source.parts:
                relative = _output_path(source.relative_to(folder), names.module)
                rendered.append((relative, render(source.read_text(encoding="utf-8"), variables, source)))
    written = []
    try:
        for relative, text in rendered:
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_text(text, encoding="utf-8")
            written.append(destination)
    except OSError as exc:
        raise ConfigError(f"--path {str(target)!r}: cannot write {exc.filename}: {exc.strerror}") from None
    return written


def _installed_version(distribution: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return None


def render(text: str, variables: dict[str, str], source: Path | str = "template") -> str:
    """Fill the ``{{ variable }}`` placeholders of ``text``; an unknown one is an error naming the template."""

    def replace(match: re.Match) -> str:
        key = match.group(1)
        if key not in variables:
            raise ConfigError(f"template {source}: unknown placeholder {{{{ {key} }}}}")
        return variables[key]

    return _PLACEHOLDER.sub(replace, text)


def _output_path(relative: Path, module: str) -> Path:
    parts = [module if part == "__module__" else part for part in relative.parts]
    if parts[-1] == "gitignore.tmpl":
        parts[-1] = ".gitignore"
    parts[-1] = parts[-1].removesuffix(".tmpl")
    return Path(*parts)


def command_new(name: str, kind: str, path: str | None) -> int:
    """``evalscope plugins new``: generate the package and print what to do next."""
    target = Path(path) if path is not None else Path(name)
    names = plugin_names(name)
    written = generate(name, kind, target)
    print(f"created {names.distribution} ({kind} {name!r}) in {target}: {len(written)} files")
    print("next:")
    print(f"  pip install -e '{target}[test]'")
    print("  evalscope plugins")
    print(f"  cd {target} && pytest")
    return 0
