"""Generation settings: the names under which one setting can be given."""

from __future__ import annotations

from typing import Any

# The Hugging Face name of a setting -> the OpenAI API's name for it.
GENERATION_RENAMES = {"max_new_tokens": "max_tokens", "num_return_sequences": "n"}


def setting_name(key: str) -> str:
    """The API name of generation setting ``key`` (``max_new_tokens`` -> ``max_tokens``)."""
    return GENERATION_RENAMES.get(key, key)


def override(defaults: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """``defaults`` overridden key by key by ``overrides``; a key of ``overrides`` also replaces a default that
    names the same setting another way (``max_tokens`` replaces a default ``max_new_tokens``)."""
    given = {setting_name(key) for key in overrides}
    kept = {key: value for key, value in defaults.items() if setting_name(key) not in given}
    return {**kept, **overrides}
