"""Reading a user's data files row by row: CSV through the standard ``csv`` module, JSONL line by line.

Every row comes with the line it starts on, so a problem is reported as ``file:line: what is wrong``.
Files are read as UTF-8, with or without a byte order mark, with LF or CRLF line ends.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from evalscope.benchmarks.fields import text_field
from evalscope.benchmarks.hub_files import numbered_jsonl_rows
from evalscope.errors import ConfigError, DataError

DATA_SUFFIXES = (".csv", ".jsonl")


def read_rows(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """``(line, row)`` for every row of a ``.csv`` or ``.jsonl`` file; blank JSONL lines are skipped."""
    reader = _csv_rows if path.suffix.lower() == ".csv" else numbered_jsonl_rows
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror or exc}") from None
    with handle:
        try:
            rows = list(reader(path, handle))
        except UnicodeDecodeError as exc:
            raise DataError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    if not rows:
        raise DataError(f"{path}: no rows")
    return rows


def _csv_rows(path: Path, handle) -> Iterator[tuple[int, dict[str, Any]]]:
    reader = csv.reader(handle, strict=True)
    try:
        header = next(reader, None)
        if header is None:
            return
        header = [name.strip() for name in header]
        duplicates = sorted({name for name in header if header.count(name) > 1})
        if duplicates:
            raise DataError(f"{path}:1: column {duplicates[0]!r} appears twice in the header")
        line = reader.line_num + 1
        for cells in reader:
            start, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(header):
                raise DataError(
                    f"{path}:{start}: {len(cells)} cells but the header has {len(header)} columns "
                    "(a comma or line break inside a cell needs the cell in double quotes)"
                )
            yield start, dict(zip(header, cells))
    except csv.Error as exc:
        raise DataError(f"{path}:{reader.line_num}: not valid CSV ({exc})") from None


def row_id(row: dict[str, Any], index: int) -> str:
    """The sample id of a row: its ``id`` field when it has one, else its position among the rows."""
    given = text_field(row, "id")
    return given.strip() if given is not None else str(index)


def check_unique_ids(path: Path, ids: list[tuple[int, str]]) -> None:
    """Fail on the first id that repeats, naming both lines."""
    seen: dict[str, int] = {}
    for line, sample_id in ids:
        if sample_id in seen:
            raise DataError(f"{path}:{line}: id {sample_id!r} is already used on line {seen[sample_id]}")
        seen[sample_id] = line


def find_subset_files(folder: Path, suffix: str) -> dict[str, Path]:
    """``{subset: file}`` for the files of ``folder`` named ``{subset}{suffix}.csv`` or ``.jsonl``.

    A subset with both a CSV and a JSONL file is an error naming both.
    """
    found: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.suffix.lower() not in DATA_SUFFIXES:
            continue
        stem = path.name[: -len(path.suffix)]
        if not stem.endswith(suffix) or stem == suffix:
            continue
        subset = stem[: len(stem) - len(suffix)] if suffix else stem
        if subset in found:
            raise DataError(
                f"{folder}: subset {subset!r} has two files, {found[subset].name} and {path.name}; keep one"
            )
        found[subset] = path
    return found


def folder_listing(folder: Path, limit: int = 10) -> str:
    """The names in ``folder`` for an error message: ``a.csv, b.txt`` (or ``nothing``)."""
    names = sorted(path.name for path in folder.iterdir())
    if not names:
        return "nothing"
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def choose_subsets(
    benchmark: str, chosen: list[str] | None, found: list[str], local_path: str, file_names: str
) -> list[str]:
    """The subsets to run: ``chosen`` (``subset_list``), each of which must be ``found``, else all found.

    ``file_names`` says which files make a subset, with ``{subset}`` in it (``{subset}.jsonl``).
    """
    if chosen is None:
        return list(found)
    if not chosen:
        raise ConfigError(f"dataset-args of {benchmark}: subset_list is empty; found: {', '.join(found)}")
    for subset in chosen:
        if subset not in found:
            raise ConfigError(
                f"dataset-args of {benchmark}: subset {subset!r} not found in {local_path} "
                f"(no {file_names.format(subset=subset)}); found: {', '.join(found)}"
            )
    return list(chosen)
