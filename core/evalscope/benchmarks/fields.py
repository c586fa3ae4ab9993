"""Reading one field of a data row as text."""

from __future__ import annotations

from typing import Any


def text_field(row: dict[str, Any], key: str) -> str | None:
    """The text of ``row[key]``: a string as it is, a number written out, None when absent or empty."""
    value = row.get(key)
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value
    return None
