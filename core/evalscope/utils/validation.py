"""Turn pydantic validation problems into one-line messages that name the field."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
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


def describe_validation_error(exc: Any) -> str:
    """The first problem of a pydantic ``ValidationError`` as 'option X: what is wrong (got Y)'."""
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error.get("loc", ())) or "value"
    got = error.get("input")
    from evalscope.utils.secrets import is_secret_name

    hide = any(is_secret_name(part) for part in error.get("loc", ()))  # never echo a secret back
    got_text = f" (got {got!r})" if got is not None and not isinstance(got, dict) and not hide else ""
    message = error.get("msg", "invalid").removeprefix("Value error, ")
    return f"option {where!r}: {message}{got_text}"
