"""Turn pydantic validation problems into one-line messages that name the field."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from evalscope.errors import ConfigError


def check_known_keys(data: Mapping[str, Any], allowed: Iterable[str], what: str) -> None:
    """Fail on the first key of ``data`` not in ``allowed``, suggesting the closest valid name."""
    allowed = sorted(allowed)
    for key in data:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f"did you mean {close[0]!r}?" if close else "allowed: " + ", ".join(allowed)
            raise ConfigError(f"{what}: unknown option {key!r}; {hint}")


def parse_model(model_cls: Any, data: Mapping[str, Any] | None, what: str) -> Any:
    """Validate ``data`` with the pydantic ``model_cls``; errors become one ``ConfigError`` line."""
    from pydantic import ValidationError

    data = dict(data or {})
    check_known_keys(data, model_cls.model_fields, what)
    try:
        return model_cls(**data)
    except ValidationError as exc:
        raise ConfigError(f"{what}: {describe_validation_error(exc)}") from None


def describe_validation_error(exc: Any, flags: Collection[str] = ()) -> str:
    """The first problem of a pydantic ``ValidationError`` as 'option X: what is wrong (got Y)'.

    A field named in ``flags`` (set from the command line) is named as its flag, in the flag's words:
    ``--eval-batch-size must be at least 1 (got 0)``.
    """
    error = exc.errors()[0]
    loc = [str(part) for part in error.get("loc", ())]
    got = error.get("input")
    from evalscope.utils.secrets import is_secret_name

    hide = any(is_secret_name(part) for part in loc)  # never echo a secret back
    got_text = f" (got {got!r})" if got is not None and not isinstance(got, dict) and not hide else ""
    message = error.get("msg", "invalid").removeprefix("Value error, ")
    if loc and loc[0] in flags:
        flag = " ".join(["--" + loc[0].replace("_", "-"), ".".join(loc[1:])]).strip()
        message = _in_flag_words(message)
        separator = " " if message.startswith(("must ", "is ")) else ": "
        return f"{flag}{separator}{message}{got_text}"
    where = ".".join(loc) or "value"
    return f"option {where!r}: {message}{got_text}"


_PYDANTIC_WORDS = (
    ("Input should be greater than or equal to ", "must be at least "),
    ("Input should be less than or equal to ", "must be at most "),
    ("Input should be a valid integer", "must be a whole number"),
    ("Input should be a valid number", "must be a number"),
    ("Input should be ", "must be "),
    ("Field required", "is required"),
)


def _in_flag_words(message: str) -> str:
    """pydantic's 'Input should be greater than or equal to 1' as 'must be at least 1'."""
    for pydantic_words, words in _PYDANTIC_WORDS:
        if message.startswith(pydantic_words):
            message = words + message.removeprefix(pydantic_words)
            return message.split(", unable to parse")[0]
    return message
