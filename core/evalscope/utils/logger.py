"""The framework's logger; its lines are scrubbed of the current run's secrets."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from evalscope.utils.secrets import add_secret, redact

LOGGER_NAME = "evalscope"
_FORMAT = "%(asctime)s - evalscope - %(levelname)s - %(message)s"

__all__ = ["LOGGER_NAME", "RedactSecrets", "add_file_handler", "add_secret", "get_logger", "redact", "run_scope"]

# The run whose code is executing (an object of its own per run), inherited by the run's tasks and threads.
_current_run: ContextVar[object | None] = ContextVar("evalscope_current_run", default=None)


class RedactSecrets(logging.Filter):
    """Replace the current run's secrets in a log record with ``***`` (see ``evalscope.utils.secrets``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message without secrets; never drops a record."""
        message = record.getMessage()
        scrubbed = redact(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        return True


def get_logger(name: str = LOGGER_NAME, log_level: int | None = None) -> logging.Logger:
    """Return the evalscope logger (configured once: stderr, secrets redacted)."""
    logger = logging.getLogger(name)
    root = logging.getLogger(LOGGER_NAME)
    if not getattr(root, "_evalscope_configured", False):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(_FORMAT))
        handler.addFilter(RedactSecrets())
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        root.propagate = False
        root._evalscope_configured = True  # type: ignore[attr-defined]
    if log_level is not None:
        logger.setLevel(log_level)
    return logger


class OnlyRun(logging.Filter):
    """Keep only the records logged by one run (in its context: its own thread, tasks and the threads it starts
    with a copy of its context)."""

    def __init__(self, run: object) -> None:
        super().__init__()
        self.run = run

    def filter(self, record: logging.LogRecord) -> bool:
        """True for a record logged while ``run`` is the current run."""
        return _current_run.get() is self.run


@contextmanager
def run_scope(debug: bool = False) -> Iterator[object]:
    """Mark the code run inside as one run's (see ``add_file_handler``), with the evalscope logger at DEBUG
    (``debug``) or INFO meanwhile; the logger's level before is restored after."""
    logger = logging.getLogger(LOGGER_NAME)
    level = logger.level
    run = object()
    token = _current_run.set(run)
    logger.setLevel(logging.DEBUG if debug else logging.INFO)
    try:
        yield run
    finally:
        logger.setLevel(level)
        _current_run.reset(token)


def add_file_handler(path: str) -> logging.Handler:
    """Also write the evalscope log to ``path``; returns the handler so the caller can remove it.

    Inside ``run_scope``, the file gets only that run's records, not those of other runs in the process.
    """
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter(_FORMAT))
    handler.addFilter(RedactSecrets())
    run = _current_run.get()
    if run is not None:
        handler.addFilter(OnlyRun(run))
    logging.getLogger(LOGGER_NAME).addHandler(handler)
    return handler
