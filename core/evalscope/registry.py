"""Registries of the components (models, benchmarks, scorers) that plugins provide."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from evalscope.errors import ConfigError, PluginError


@dataclass(frozen=True)
class Registration:
    """One named component and the plugin that registered it."""

    kind: str
    name: str
    factory: Callable[..., Any]
    plugin: str


class Registry:
    """Named factories of one kind (``model``, ``benchmark`` or ``scorer``)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, Registration] = {}
        self.conflicts: dict[str, list[str]] = {}

    def add(self, name: str, factory: Callable[..., Any], plugin: str) -> None:
        """Add ``factory`` under ``name``.

        A name registered by two plugins is recorded as a conflict: using it is an error
        that names both plugins, while the other names keep working.
        """
        if not isinstance(name, str) or not name:
            raise PluginError(f"plugin {plugin!r} registered a {self.kind} with an invalid name {name!r}")
        if not callable(factory):
            raise PluginError(f"plugin {plugin!r} registered {self.kind} {name!r} with a non-callable factory")
        existing = self._entries.get(name)
        if existing is not None:
            self.conflicts.setdefault(name, [existing.plugin]).append(plugin)
            return
        self._entries[name] = Registration(self.kind, name, factory, plugin)

    def conflict_message(self, name: str) -> str:
        """The error for a name that more than one plugin registered."""
        plugins = " and ".join(repr(plugin) for plugin in self.conflicts[name])
        return (
            f"{self.kind} {name!r} is registered by more than one plugin: {plugins}; "
            "uninstall one, or choose which load with EVALSCOPE_LOAD_PLUGINS"
        )

    def get(self, name: str) -> Registration:
        """Return the registration for ``name``, or fail with the list of known names."""
        if name in self.conflicts:
            raise PluginError(self.conflict_message(name))
        try:
            return self._entries[name]
        except KeyError:
            raise ConfigError(unknown_name_message(self.kind, name, self.names())) from None

    def names(self) -> list[str]:
        """All registered names, sorted."""
        return sorted(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[Registration]:
        return iter(self._entries[name] for name in self.names())


def closest_hint(name: str, known: list[str]) -> str:
    """`` (did you mean 'x'?)`` for the known name closest to ``name``, or an empty string."""
    close = difflib.get_close_matches(name, known, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


OWN_DATA_BENCHMARKS = ("general_mcq", "general_qa")


def unknown_name_message(kind: str, name: str, known: list[str]) -> str:
    """A one-line message for an unknown ``name``: the closest match, the known names, where to look.

    For a benchmark it also says how to evaluate data of one's own (``general_mcq``, ``general_qa``).
    """
    listing = ", ".join(known) if known else "none installed"
    message = f"unknown {kind} {name!r}{closest_hint(name, known)}; known {kind}s: {listing} (see `evalscope plugins`)"
    if kind == "benchmark":
        installed = all(own in known for own in OWN_DATA_BENCHMARKS)
        where = "see 'Your own data' in the README" if installed else "pip install evalscope-general"
        message += f"; for questions of your own, use general_mcq or general_qa with a local_path ({where})"
    return message
