"""The framework's logger, and the redaction of secrets in everything it writes."""

from __future__ import annotations

import logging
import sys

LOGGER_NAME = "evalscope"
_FORMAT = "%(asctime)s - evalscope - %(levelname)s - %(message)s"
_secrets: set[str] = set()


class RedactSecrets(logging.Filter):
    """Replace every registered secret in a log record with ``***``."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message without secrets; never drops a record."""
        if _secrets:
            message = record.getMessage()
            for secret in _secrets:
                message = message.replace(secret, "***")
            record.msg, record.args = message, None
        return True


def add_secret(secret: str | None) -> None:
    """Never show ``secret`` in a log line from now on."""
    if secret and len(secret) >= 4:
        _secrets.add(secret)


def redact(text: str) -> str:
    """Return ``text`` with every registered secret replaced by ``***``."""
    if not _secrets:
        return text
    for secret in _secrets:
        text = text.replace(secret, "***")
    return text


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
