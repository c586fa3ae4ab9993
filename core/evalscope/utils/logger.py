"""The framework's logger; its lines are scrubbed of the current run's secrets."""

from __future__ import annotations

import logging
import sys

from evalscope.utils.secrets import add_secret, redact

LOGGER_NAME = "evalscope"
_FORMAT = "%(asctime)s - evalscope - %(levelname)s - %(message)s"

__all__ = ["LOGGER_NAME", "RedactSecrets", "add_file_handler", "add_secret", "get_logger", "redact"]


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


def add_file_handler(path: str) -> logging.Handler:
    """Also write the evalscope log to ``path``; returns the handler so the caller can remove it."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter(_FORMAT))
    handler.addFilter(RedactSecrets())
    logging.getLogger(LOGGER_NAME).addHandler(handler)
    return handler
