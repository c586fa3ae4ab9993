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
            own_data = [entry.name for entry in self if getattr(entry.factory, "own_data", False)]
            raise ConfigError(unknown_name_message(self.kind, name, self.names(), own_data)) from None

    def for_eval_type(self, eval_type: str, own: tuple[str, ...] = ()) -> Registration:
        """The model whose factory lists ``eval_type`` in its ``eval_types`` (EvalScope's ``service``, say);
        an unknown one fails naming every eval type known (``own``: those the caller handles itself)."""
        for registration in self:
            if eval_type in getattr(registration.factory, "eval_types", ()):
                return registration
        known = [*own, *self.eval_types()]
        raise ConfigError(
            f"unknown eval_type {eval_type!r}{closest_hint(eval_type, known)}; known eval types: {', '.join(known)}",
            cli_message=f"unknown --eval-type {eval_type!r}{closest_hint(eval_type, known)}; known: {', '.join(known)}",
            fields=("eval_type",),
        )

    def eval_types(self) -> list[str]:
        """Every eval type a registered model declares (its factory's ``eval_types``), in name order."""
        return [name for registration in self for name in getattr(registration.factory, "eval_types", ())]

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


def unknown_name_message(kind: str, name: str, known: list[str], own_data: list[str] | None = None) -> str:
    """A one-line message for an unknown ``name``: the closest match, the known names, where to look.

    ``own_data`` names the benchmarks that read a user's own files (their factory sets ``own_data = True``):
    the message suggests them too.
    """
    listing = ", ".join(known) if known else "none installed"
    message = f"unknown {kind} {name!r}{closest_hint(name, known)}; known {kind}s: {listing} (see `evalscope plugins`)"
    if own_data:
        choices = " or ".join(own_data)
        message += f"; for questions of your own, use {choices} with a local_path (see 'Your own data' in the README)"
    return message
