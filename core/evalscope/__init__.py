"""evalscope: a plugin-first framework for evaluating large language models.

``from evalscope import run_task, TaskConfig`` runs an evaluation from Python;
``from evalscope import CustomModel, AsyncModel`` gives the model base classes (also in
``evalscope.models``); ``from evalscope import hookimpl`` is the marker plugins use for their hooks.
Everything but ``hookimpl`` and ``__version__`` loads on first use, so importing this package stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from evalscope.plugins.hookspecs import hookimpl
from evalscope.version import __version__

if TYPE_CHECKING:
    from evalscope.config import TaskConfig
    from evalscope.models.base import AsyncModel, CustomModel
    from evalscope.run.runner import run_task

__all__ = ["AsyncModel", "CustomModel", "TaskConfig", "__version__", "hookimpl", "run_task"]

_LAZY = {
    "AsyncModel": "evalscope.models.base",
    "CustomModel": "evalscope.models.base",
    "TaskConfig": "evalscope.config",
    "run_task": "evalscope.run.runner",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'evalscope' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
