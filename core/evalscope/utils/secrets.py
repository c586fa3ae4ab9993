"""Secrets (API keys, tokens, passwords): recognised in settings and kept out of everything written.

Two mechanisms, used in this order:

- Structural: settings are masked field by field (``redact_mapping``, ``redact_url``) before
  they are serialized, so a secret never enters a record. Records (predictions, reviews,
  reports) are then written byte for byte, never scrubbed as text.
- Textual, for log lines and error messages only: the values registered with ``add_secret``
  during a run are replaced by ``***`` (``redact``). The set belongs to the run: ``Runner.run``
  starts a fresh one (``start_run_secrets``) in the current context, so two runs in one
  process do not scrub each other's text. Values under ``MIN_SECRET_LENGTH`` characters and
  placeholders (``EMPTY``, ``none``, ``null``, ...) are never registered: scrubbing them would
  rewrite ordinary words.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

SECRET_WORDS = frozenset(
    {"key", "apikey", "auth", "authorization", "token", "secret", "password", "passwd", "credential", "credentials"}
)
MASK = "***"
MIN_SECRET_LENGTH = 8
PLACEHOLDERS = frozenset(
    {
        "empty", "none", "null", "nil", "no", "false", "dummy", "test", "testing", "secret", "password",
        "changeme", "placeholder", "unused", "not-needed", "not_needed", "no-key", "nokey", "sk-no-key-required",
        "your-api-key", "your_api_key", "api-key", "api_key", "apikey", "token", "xxx", "sk-xxx", "***",
    }
)  # fmt: skip
_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


def is_secret_name(name: object) -> bool:
    """Whether a setting, header or query parameter called ``name`` holds a secret.

    The name is split into words (``X-Api-Key`` -> x, api, key; ``accessToken`` -> access,
    token), so ``api_key`` is a secret while ``max_new_tokens`` is not.
    """
    return any(word.lower() in SECRET_WORDS for word in _WORD.findall(str(name)))


def redact_mapping(value: Any) -> Any:
    """A copy of ``value`` with every entry under a secret-looking name replaced by ``***``.

    Nested dicts, lists and tuples are masked too, and so are the credentials of a URL given
    as a string anywhere inside (``http://user:pw@host`` -> ``http://host``).
    """
    if isinstance(value, dict):
        return {
            key: (MASK if is_secret_name(key) and item is not None else redact_mapping(item))
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [redact_mapping(item) for item in value]
    if isinstance(value, tuple):
        return tuple(redact_mapping(item) for item in value)
    if isinstance(value, str) and "://" in value and url_secrets(value):
        return redact_url(value)
    return value


def secret_values(value: Any, inside_secret: bool = False) -> Iterator[str]:
    """Every value stored under a secret-looking name in ``value``, as text (nested dicts and lists too)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from secret_values(item, inside_secret or is_secret_name(key))
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from secret_values(item, inside_secret)
    elif inside_secret and value is not None and not isinstance(value, bool):
        yield str(value)
    elif isinstance(value, str) and "://" in value:
        yield from url_secrets(value)


def url_secrets(url: str) -> list[str]:
    """The password and secret query values of ``url``."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - a malformed port raises here, not later
    except ValueError:
        return []
    found = [parts.password] if parts.password else []
    found += [value for name, value in parse_qsl(parts.query) if is_secret_name(name) and value]
    return found


def redact_url(url: str) -> str:
    """``url`` without ``user:password@`` and with secret query values replaced by ``***``."""
    parts = urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(name, MASK if is_secret_name(name) else value) for name, value in pairs], safe="*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


class RunSecrets:
    """The secret values of one run, scrubbed from its log lines and error messages."""

    def __init__(self) -> None:
        self._forms: set[str] = set()
        self._ordered: list[str] = []

    def add(self, secret: object) -> None:
        """Scrub ``secret`` from now on, unless it is short or a placeholder (see the module docstring)."""
        if secret is None or isinstance(secret, bool):
            return
        text = str(secret)
        if len(text) < MIN_SECRET_LENGTH or text.strip().lower() in PLACEHOLDERS:
            return
        forms = {text}
        for _ in range(2):  # escaped once or twice, e.g. an error body's JSON quoted with repr()
            forms |= {escaped for form in forms for escaped in _escaped_forms(form)}
        new = forms - self._forms
        if new:
            self._forms |= new
            self._ordered = sorted(self._forms, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        """``text`` with every registered secret replaced by ``***``."""
        for form in self._ordered:
            if form in text:
                text = text.replace(form, MASK)
        return text

    def __bool__(self) -> bool:
        return bool(self._forms)


def _escaped_forms(text: str) -> set[str]:
    """The forms ``text`` takes inside quoted or escaped text: JSON, ``repr()`` and URL encoding."""
    return {json.dumps(text)[1:-1], json.dumps(text, ensure_ascii=False)[1:-1], repr(text)[1:-1], quote(text, safe="")}


_run_secrets: ContextVar[RunSecrets | None] = ContextVar("evalscope_run_secrets", default=None)


def start_run_secrets() -> RunSecrets:
    """Give the current context a fresh, empty set of secrets (a run calls this as it starts).

    The set stays in place after the run, so the caller's report of the run's error is
    scrubbed too; the next run replaces it.
    """
    secrets = RunSecrets()
    _run_secrets.set(secrets)
    return secrets


def clear_run_secrets() -> None:
    """Forget the current context's secrets (nothing is scrubbed until a run registers some)."""
    _run_secrets.set(None)


def add_secret(secret: object) -> None:
    """Scrub ``secret`` from the current run's log lines and error messages.

    Outside a run, this starts the set that the next run replaces.
    """
    secrets = _run_secrets.get()
    if secrets is None:
        secrets = start_run_secrets()
    secrets.add(secret)


def redact(text: str) -> str:
    """``text`` with the current run's secrets replaced by ``***`` (for log lines and error messages only)."""
    secrets = _run_secrets.get()
    return secrets.scrub(text) if secrets else text
