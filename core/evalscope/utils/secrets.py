"""Recognise secrets in settings (API keys, tokens, passwords) so they are never written out."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

SECRET_WORDS = frozenset(
    {"key", "apikey", "auth", "authorization", "token", "secret", "password", "passwd", "credential", "credentials"}
)
MASK = "***"
_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


def is_secret_name(name: object) -> bool:
    """Whether a setting, header or query parameter called ``name`` holds a secret.

    The name is split into words (``X-Api-Key`` -> x, api, key; ``accessToken`` -> access,
    token), so ``api_key`` is a secret while ``max_new_tokens`` is not.
    """
    return any(word.lower() in SECRET_WORDS for word in _WORD.findall(str(name)))


def redact_mapping(value: Any) -> Any:
    """A copy of ``value`` with every entry under a secret-looking name replaced by ``***``."""
    if isinstance(value, dict):
        return {
            key: (MASK if is_secret_name(key) and item is not None else redact_mapping(item))
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [redact_mapping(item) for item in value]
    return value


def secret_values(value: Any, inside_secret: bool = False) -> Iterator[str]:
    """Every value stored under a secret-looking name in ``value``, as text (nested dicts and lists too)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from secret_values(item, inside_secret or is_secret_name(key))
    elif isinstance(value, list):
        for item in value:
            yield from secret_values(item, inside_secret)
    elif inside_secret and value is not None and not isinstance(value, bool):
        yield str(value)


def url_secrets(url: str) -> list[str]:
    """The password and secret query values of ``url``."""
    parts = urlsplit(url)
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
