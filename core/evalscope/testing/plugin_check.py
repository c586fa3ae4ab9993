"""``check_plugin_registers``: an installed plugin's entry point registers what it says."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from evalscope.testing.common import _declared_options, _environment


def check_plugin_registers(
    entry_point_name: str,
    *,
    models: Sequence[str] | None = None,
    benchmarks: Sequence[str] | None = None,
    scorers: Sequence[str] | None = None,
    sandboxes: Sequence[str] | None = None,
) -> Any:
    """Check that the installed entry point ``entry_point_name`` loads and registers exactly what it says.

    The plugin is loaded the way the core loads it (with the built-in plugins, through
    the entry point group ``evalscope``). For each of ``models``, ``benchmarks``,
    ``scorers`` and ``sandboxes`` that is given, the names the plugin registers of that kind must be
    exactly those; a name another loaded plugin also registers is a failure. Returns the
    loaded ``Plugins`` so a test can build what was registered.
    """
    from importlib.metadata import entry_points

    from evalscope.plugins.manager import ENTRY_POINT_GROUP, load_plugins

    label = f"check_plugin_registers({entry_point_name!r})"
    installed = sorted({entry_point.name for entry_point in entry_points(group=ENTRY_POINT_GROUP)})
    if entry_point_name not in installed:
        raise AssertionError(
            f"{label}: no entry point named {entry_point_name!r} in the group {ENTRY_POINT_GROUP!r} is installed "
            f"(installed: {', '.join(installed) or 'none'}); declare it in pyproject.toml under "
            f'[project.entry-points.{ENTRY_POINT_GROUP}] as {entry_point_name} = "your_module" and reinstall '
            "the package (pip install -e .)"
        )
    with _environment(EVALSCOPE_LOAD_PLUGINS=entry_point_name, EVALSCOPE_STRICT_PLUGINS=None):
        try:
            plugins = load_plugins()
        except Exception as exc:  # a misspelt hook or a bad registration, in the author's words
            raise AssertionError(f"{label}: loading the plugin failed: {type(exc).__name__}: {exc}") from None
    info = next(info for info in plugins.infos if info.name == entry_point_name)
    where = f"plugin {entry_point_name!r} ({info.distribution} {info.version}, module {info.module})"
    if info.error:
        raise AssertionError(f"{label}: {where} failed to load: {info.error}")
    for kind, names in info.registers.items():
        for name in names:
            registry = plugins.registry(kind)
            if name not in registry.conflicts and registry.get(name).plugin == entry_point_name:
                _declared_options(registry.get(name).factory, f"{label}: {kind} {name!r}")
    for kind, expected in (("model", models), ("benchmark", benchmarks), ("scorer", scorers), ("sandbox", sandboxes)):
        got = list(info.registers.get(kind, []))
        conflicts = getattr(plugins.registry(kind), "conflicts", {})
        for name in got:
            if name in conflicts:
                others = [plugin for plugin in conflicts[name] if plugin != entry_point_name]
                raise AssertionError(
                    f"{label}: {where} registers the {kind} {name!r}, which {', '.join(map(repr, others))} also "
                    "registers; choose another name"
                )
        if expected is None:
            continue
        missing = [name for name in expected if name not in got]
        unexpected = [name for name in got if name not in expected]
        if missing or unexpected:
            parts = []
            if missing:
                parts.append(f"missing {', '.join(map(repr, missing))}")
            if unexpected:
                parts.append(f"unexpected {', '.join(map(repr, unexpected))}")
            raise AssertionError(
                f"{label}: {where} registers the {kind}s {got}, expected {list(expected)} ({'; '.join(parts)}); "
                f"check its register_{kind}s hook"
            )
    return plugins
