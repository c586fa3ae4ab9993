"""Reading the math benchmarks' rows: the bundled JSONL files, or a user's own file or folder.

Files are read with the standard library; every line is checked, and a broken one fails with
``file:line`` and what is wrong with it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evalscope.benchmarks.hub_files import RowCheck, jsonl_file_rows

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
    if local_path is None:
        return DATA_DIR / file_name
    path = Path(local_path).expanduser()
    return path / file_name if path.is_dir() else path


def check_local_path(value: str | None, file_name: str) -> str | None:
    """``value`` when it is None, a JSONL file or a folder holding ``file_name``; else ValueError saying why."""
    if value is None:
        return None
    path = Path(value).expanduser()
    if path.is_dir():
        if not (path / file_name).is_file():
            raise ValueError(f"the folder has no {file_name} (give a folder with {file_name}, or a JSONL file)")
    elif not path.is_file():
        raise ValueError(f"no such file or folder (give a JSONL file, or a folder with {file_name})")
    return value
