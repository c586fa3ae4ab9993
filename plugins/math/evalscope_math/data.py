"""Reading the math benchmarks' rows: the bundled JSONL files, or a user's own file or folder.

Files are read with the standard library; every line is checked, and a broken one fails with
``file:line`` and what is wrong with it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evalscope.benchmarks.hub_files import RowCheck, jsonl_file_rows, local_data_file

DATA_DIR = Path(__file__).with_name("data")


def text_fields_problem(row: Any, fields: tuple[str, ...]) -> str | None:
    """What is wrong with ``row`` when it is not an object whose ``fields`` are non-empty strings, or None."""
    if not isinstance(row, dict):
        return f"expected a JSON object with {', '.join(map(repr, fields))}, got {type(row).__name__}"
    for key in fields:
        if key not in row:
            return f"row has no {key!r} (keys: {', '.join(map(str, row)) or 'none'})"
        if not isinstance(row[key], str) or not row[key].strip():
            return f"{key!r} must be a non-empty string, got {row[key]!r}"
    return None


def read_rows(path: Path, check: RowCheck, name: str) -> list[dict[str, Any]]:
    """The rows of the JSONL file ``path``, each passed through ``check`` (None: valid); blank lines skipped."""
    return [row for _, row in jsonl_file_rows(path, check, name)]


def data_file(local_path: str | None, file_name: str) -> Path:
    """The file to read: the bundled ``file_name``, ``local_path`` itself, or ``file_name`` inside that folder."""
    return local_data_file(local_path, file_name, DATA_DIR / file_name)
