"""The plugin manager: loads the built-in plugins and those installed as entry points.

Environment variables:

- ``EVALSCOPE_LOAD_PLUGINS``: a comma-separated list of plugin names (entry point names
  or distribution names) to load; the others are skipped. Empty means none.
  Unset means all. Built-in plugins always load. ``load_plugins(select=...)`` takes the same
  selection as a parameter.
- ``EVALSCOPE_STRICT_PLUGINS=1``: a plugin that fails to import is an error instead of a
  warning.
- ``EVALSCOPE_TRACE_PLUGINS=1``: pluggy's trace of every hook call (which plugin, the hook,
  its arguments and result) is printed to stderr.

Hooks are called through pluggy, one plugin at a time (``PluginManager.subset_hook_caller``),
so one plugin that raises does not stop the others, and pluggy passes each implementation only
the arguments it names. Wrapper implementations (``wrapper=True``, ``hookwrapper=True``) are
refused: a registration hook has nothing to wrap.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

import pluggy

from evalscope.errors import PluginError
from evalscope.plugins import hookspecs
from evalscope.plugins.registry import Registry
from evalscope.utils.logger import get_logger

ENTRY_POINT_GROUP = "evalscope"
BUILTIN_PLUGINS = ("evalscope.builtins.models", "evalscope.builtins.scorers")
HOOKS = (
    ("model", "register_models"),
    ("benchmark", "register_benchmarks"),
    ("scorer", "register_scorers"),
    ("sandbox", "register_sandboxes"),
)

logger = get_logger()


@dataclass
class PluginInfo:
    """One loaded (or failed) plugin, as ``evalscope plugins`` shows it."""

    name: str
    distribution: str
    version: str
    module: str
    builtin: bool = False
    error: str | None = None
    registers: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Plugins:
    """The loaded plugins and the registries they filled."""

    manager: pluggy.PluginManager
    infos: list[PluginInfo]
    models: Registry
    benchmarks: Registry
    scorers: Registry
    sandboxes: Registry

    def registry(self, kind: str) -> Registry:
        """The registry of ``kind`` (``model``, ``benchmark``, ``scorer`` or ``sandbox``)."""
        return {"model": self.models, "benchmark": self.benchmarks, "scorer": self.scorers, "sandbox": self.sandboxes}[
            kind
        ]


_cached: Plugins | None = None


def get_plugins(reload: bool = False) -> Plugins:
    """The process's plugins, loaded once (for ``evalscope plugins`` and lookups outside a run); a run loads its
    own (``evalscope.run.runner.Runner``)."""
    global _cached
    if _cached is None or reload:
        _cached = load_plugins()
    return _cached


_run_plugins: ContextVar[Plugins | None] = ContextVar("evalscope_run_plugins", default=None)


@contextmanager
def plugins_of_run(plugins: Plugins) -> Iterator[None]:
    """Make ``plugins`` what ``current_plugins()`` returns in this context (the runner's, for the run's duration;
    the scoring thread and the run's event loop inherit it)."""
    token = _run_plugins.set(plugins)
    try:
        yield
    finally:
        _run_plugins.reset(token)


def current_plugins() -> Plugins:
    """The plugins of the run in progress in this context, or the process's (``get_plugins()``) outside a run: what
    a component asks for another one it builds (an engine model's API model, a judge's model, a sandbox)."""
    return _run_plugins.get() or get_plugins()


def forget_plugins() -> None:
    """Drop the loaded plugins, so the next ``get_plugins()`` loads them again."""
    global _cached
    _cached = None


def _entry_points():
    from importlib.metadata import entry_points

    return entry_points(group=ENTRY_POINT_GROUP)


def _selected_names() -> set[str] | None:
    raw = os.environ.get("EVALSCOPE_LOAD_PLUGINS")
    if raw is None:
        return None
    return {name.strip() for name in raw.split(",") if name.strip()}


def _flag(name: str) -> bool:
    return os.environ.get(name, "").lower() in ("1", "true", "yes")


def load_plugins(select: Collection[str] | None = None) -> Plugins:
    """Create a plugin manager, register built-ins and entry points, and fill the registries.

    ``select`` names the plugins to load (entry point or distribution names; built-ins always load);
    None: those ``EVALSCOPE_LOAD_PLUGINS`` names, or all when it is unset.
    """
    manager = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    manager.add_hookspecs(hookspecs)
    if _flag("EVALSCOPE_TRACE_PLUGINS"):
        manager.trace.root.setwriter(sys.stderr.write)
        manager.enable_tracing()
    infos: list[PluginInfo] = []

    for module_name in BUILTIN_PLUGINS:
        module = importlib.import_module(module_name)
        manager.register(module, name=module_name)
        infos.append(PluginInfo(module_name, "evalscope", _core_version(), module_name, builtin=True))

    selected = set(select) if select is not None else _selected_names()
    seen: dict[str, str] = {}
    for entry_point in _entry_points():
        dist = getattr(entry_point, "dist", None)
        dist_name = dist.name if dist is not None else "?"
        version = dist.version if dist is not None else "?"
        if entry_point.name in seen:
            if seen[entry_point.name] != dist_name:
                logger.warning(
                    f"plugin name {entry_point.name!r} is declared by {seen[entry_point.name]} and by {dist_name}; "
                    f"only {seen[entry_point.name]}'s is loaded"
                )
            continue
        seen[entry_point.name] = dist_name
        if selected is not None and entry_point.name not in selected and dist_name not in selected:
            continue
        info = PluginInfo(entry_point.name, dist_name, version, entry_point.value)
        infos.append(info)
        try:
            plugin = entry_point.load()
            manager.register(plugin, name=entry_point.name)
        except Exception as exc:  # a broken plugin must not break the others
            _plugin_failed(info, f"failed to load: {type(exc).__name__}: {exc}", "skipped", exc)

    _drop_plugins_with_unknown_hooks(manager, infos)
    _drop_plugins_with_wrapper_hooks(manager, infos)
    plugins = Plugins(manager, infos, Registry("model"), Registry("benchmark"), Registry("scorer"), Registry("sandbox"))
    by_name = {info.name: info for info in infos}
    trace = manager.trace.root.get("evalscope")
    for kind, hook_name in HOOKS:
        registry = plugins.registry(kind)
        for impl in reversed(getattr(manager.hook, hook_name).get_hookimpls()):
            info = by_name[impl.plugin_name]

            def register(name, factory, _plugin=impl.plugin_name, _registry=registry, _info=info, _kind=kind):
                _registry.add(name, factory, _plugin)
                _info.registers.setdefault(_kind, []).append(name)

            others = [plugin for name, plugin in manager.list_name_plugin() if name != impl.plugin_name]
            trace(f"plugin {impl.plugin_name!r}: {hook_name}")
            try:
                manager.subset_hook_caller(hook_name, remove_plugins=others)(register=register)
            except Exception as exc:  # one plugin's bad registration must not break the others
                what = f"failed: {hook_name} raised {type(exc).__name__}: {exc}"
                _plugin_failed(info, what, "its other registrations are kept", exc)
        for name in registry.conflicts:
            logger.warning(registry.conflict_message(name))
    return plugins


def _drop_plugins_with_wrapper_hooks(manager: pluggy.PluginManager, infos: list[PluginInfo]) -> None:
    """Unregister each plugin whose hook is a wrapper (``wrapper=True`` or ``hookwrapper=True``)."""
    by_name = {info.name: info for info in infos}
    for _, hook_name in HOOKS:
        for impl in getattr(manager.hook, hook_name).get_hookimpls():
            if impl.wrapper or impl.hookwrapper:
                manager.unregister(impl.plugin)
                what = (
                    f"failed to load: its {hook_name} hook is a wrapper (wrapper=True or hookwrapper=True); "
                    "register with a plain @hookimpl"
                )
                _plugin_failed(by_name[impl.plugin_name], what, "skipped")


def _drop_plugins_with_unknown_hooks(manager: pluggy.PluginManager, infos: list[PluginInfo]) -> None:
    """Unregister each plugin that implements a hook no spec declares (a misspelt hook name)."""
    by_name = {info.name: info for info in infos}
    while True:
        try:
            manager.check_pending()
            return
        except pluggy.PluginValidationError as exc:
            info = by_name[str(manager.get_name(exc.plugin))]
            manager.unregister(exc.plugin)
            _plugin_failed(info, f"failed to load: {exc}", "skipped", exc)


def _plugin_failed(info: PluginInfo, what: str, consequence: str, exc: BaseException | None = None) -> None:
    """Record a plugin's failure; warn and go on, or raise when EVALSCOPE_STRICT_PLUGINS is set."""
    info.error = what.split(": ", 1)[1]
    message = f"plugin {info.name!r} ({info.distribution} {info.version}) {what}"
    if _flag("EVALSCOPE_STRICT_PLUGINS"):
        raise PluginError(message + " (EVALSCOPE_STRICT_PLUGINS is set)") from exc
    logger.warning(f"{message}; {consequence}")


def _core_version() -> str:
    from evalscope.version import __version__

    return __version__
