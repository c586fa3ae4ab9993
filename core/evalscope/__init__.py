"""evalscope: a plugin-first framework for evaluating large language models.

``from evalscope import run_task, TaskConfig`` runs an evaluation from Python;
``from evalscope import hookimpl`` is the marker plugins use for their hooks.
Heavy modules load on first use, so importing this package stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from evalscope.hookspecs import hookimpl
from evalscope.version import __version__

if TYPE_CHECKING:
    from evalscope.config import TaskConfig
    from evalscope.runner import run_task

__all__ = ["TaskConfig", "__version__", "hookimpl", "run_task"]


def __getattr__(name: str) -> Any:
    if name == "TaskConfig":
        from evalscope.config import TaskConfig

        return TaskConfig
    if name == "run_task":
        from evalscope.runner import run_task

        return run_task
    raise AttributeError(f"module 'evalscope' has no attribute {name!r}")
