"""The plugin system: hook specifications, the plugin manager, the registries and what plugins provide.

- ``hookspecs``: the hooks a plugin implements (``hookimpl`` marks them).
- ``manager``: loads the built-in plugins and the installed ones; ``get_plugins()`` is the loaded set.
- ``registry``: the registries of models, benchmarks, scorers and sandboxes the plugins fill.
- ``info``: ``evalscope plugins`` and ``plugins show NAME``, and the options a component declares.

``from evalscope.plugins import get_plugins`` keeps working: the manager's names load on first use.
"""

from __future__ import annotations

import importlib
from typing import Any


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    manager = importlib.import_module("evalscope.plugins.manager")
    try:
        return getattr(manager, name)
    except AttributeError:
        raise AttributeError(f"module 'evalscope.plugins' has no attribute {name!r}") from None
