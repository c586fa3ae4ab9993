"""Exceptions the framework raises for problems a user can fix.

The CLI prints these as one line (a traceback only with ``--debug``).
"""

from __future__ import annotations

from typing import Any


class EvalscopeError(Exception):
    """Base class of the errors shown to users as one line."""


class ConfigError(EvalscopeError):
    """A task configuration, a flag or a benchmark option is invalid.

    The message names config fields (``eval_type``, ``model=...``), as Python users write them.
    ``cli_message`` says the same in flags (``--eval-type``, ``--model``); the command line shows it
    instead when the problem is about settings a user gives as flags: when one of ``fields`` was
    given as a flag, or always when ``fields`` is empty (a setting that is missing).
    """

    def __init__(self, message: str, *, cli_message: str | None = None, fields: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.cli_message = cli_message
        self.fields = fields
        self.validation_error: Any = None  # the pydantic ValidationError behind it, when there is one


class PluginError(EvalscopeError):
    """A plugin failed to load or registered something invalid."""


class ModelError(EvalscopeError):
    """A model broke its contract (for example, returned a malformed response)."""


class BatchError(ModelError):
    """A local model's batch failed: the model raised, or broke the response contract.

    Fatal, unless failed samples are tolerated (``--ignore-errors``, ``--fail-on-error``): then each
    sample of the batch records it as its error (see ``evalscope.stop_policy``).
    """


class ScorerStopped(EvalscopeError):
    """A scorer met a problem no later sample could overcome (a judge whose key is refused); the run stopped."""


class TooManyFailures(EvalscopeError):
    """More samples failed than ``--fail-on-error`` allows; the run stopped after the batch in hand."""


class DataError(EvalscopeError):
    """A data file is missing or malformed."""


class SampleErrors(EvalscopeError):
    """Some samples failed; they are recorded in the outputs and were not scored as correct."""


class APIStoppedError(ModelError):
    """An API that had answered stopped answering mid-run; the runner adds what was kept and how to resume."""


def one_line(exc: BaseException) -> str:
    """``TypeName: first line of the message`` of ``exc``, with registered secrets masked."""
    from evalscope.utils.logger import redact

    text = str(exc).strip().splitlines()
    return redact(f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__)
