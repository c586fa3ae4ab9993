"""Finding and reading a split in a local copy of a hub dataset repository, row by row.

A local copy keeps the repository's own layout: ``{config}/{split}-00000-of-00001.parquet``,
``data/{split}-....parquet``, ``{config}/{split}.jsonl`` and the like. Rows are streamed (parquet in
record batches, JSONL line by line), so a split is never held in memory whole.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from evalscope.errors import DataError

SUFFIXES = (".parquet", ".jsonl", ".json")
_BATCH_ROWS = 512
RowCheck = Callable[[Any], "str | None"]  # a parsed JSONL line -> its problem, or None


def split_files(root: Path, config: str | None, split: str) -> list[Path]:
    """The files holding ``split`` of ``config`` under ``root``, in shard order; empty when there are none.

    Looked for, in order: ``{config}/``, ``data/{config}/``, ``data/``, then ``root`` itself; in each
    folder, ``{split}-*`` shards or a ``{split}.*`` file (``.parquet``, ``.jsonl`` or ``.json``).
    """
    folders = [root / config, root / "data" / config] if config else []
    folders += [root / "data", root]
    for folder in folders:
        if not folder.is_dir():
            continue
        found = [
            path
            for path in sorted(folder.iterdir())
            if path.suffix in SUFFIXES and (path.stem == split or path.stem.startswith(f"{split}-"))
        ]
        if found:
            return found
    return []


def check_local_path(value: str | None, file_name: str, layout: str | None = None) -> str | None:
    """A benchmark's ``local_path`` option: ``value`` when it is None, a file, or a folder holding ``file_name``;
    else ValueError saying why (``layout`` describes the folder expected)."""
    if value is None:
        return None
    path = Path(value).expanduser()
    if path.is_dir():
        if not (path / file_name).is_file():
            raise ValueError(
                f"the folder has no {file_name} ({layout or f'give a folder with {file_name}, or a JSONL file'})"
            )
    elif not path.is_file():
        raise ValueError(f"no such file or folder (give a folder with {file_name}, or a JSONL file)")
    return value


def local_data_file(local_path: str | None, file_name: str, bundled: Path) -> Path:
    """The file a benchmark reads: ``bundled`` without ``local_path``, else ``local_path`` itself, or ``file_name``
    inside that folder."""
    if local_path is None:
        return bundled
    path = Path(local_path).expanduser()
    return path / file_name if path.is_dir() else path


def read_rows(path: Path, where: tuple[str, Any] | None = None) -> Iterator[dict[str, Any]]:
    """The rows of one parquet, JSONL or JSON file, one at a time, as loaded; with ``where=(field, value)``
    only those whose field equals the value (a parquet file is filtered before its rows are built)."""
    if path.suffix == ".parquet":
        rows = _parquet_rows(path, where)
    elif path.suffix == ".jsonl":
        rows = _jsonl_rows(path)
    else:
        rows = _json_rows(path)
    if where is None or path.suffix == ".parquet":
        yield from rows
        return
    field, value = where
    for row in rows:
        if field not in row:
            raise DataError(f"{path}: a row has no field {field!r} (keys: {', '.join(map(str, row))})")
        if row[field] == value:
            yield row


def _parquet_rows(path: Path, where: tuple[str, Any] | None) -> Iterator[dict[str, Any]]:
    try:
        import pyarrow.compute as compute
        import pyarrow.parquet as parquet
    except ImportError:
        raise DataError(f"reading {path} needs pyarrow: pip install pyarrow") from None
    try:
        handle = parquet.ParquetFile(path)
        if where is not None and where[0] not in handle.schema_arrow.names:
            raise DataError(f"{path}: no column {where[0]!r} (columns: {', '.join(handle.schema_arrow.names)})")
        for batch in handle.iter_batches(batch_size=_BATCH_ROWS):
            if where is not None:
                batch = batch.filter(compute.equal(batch.column(where[0]), where[1]))
            yield from batch.to_pylist()
    except OSError as exc:
        raise DataError(f"{path}: not a readable parquet file ({exc})") from None


def _jsonl_rows(path: Path) -> Iterator[dict[str, Any]]:
    for _, row in jsonl_file_rows(path, require_rows=False):
        yield row


def jsonl_file_rows(
    path: Path, check: RowCheck | None = None, name: str | None = None, require_rows: bool = True
) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, row)`` for each JSON object line of the JSONL file ``path`` (gzip-compressed when it ends in
    ``.gz``), read one line at a time; blank lines are skipped. ``check`` sees each parsed line first and returns its
    problem or None; a file without rows is a ``DataError`` when ``require_rows``. ``name`` (the benchmark's) starts
    the error of a file that cannot be opened."""
    opener: Callable[..., IO[str]] = gzip.open if path.suffix == ".gz" else open
    count = 0
    try:
        with opener(path, "rt", encoding="utf-8") as handle:
            for number, row in numbered_jsonl_rows(path, handle, check):
                count += 1
                yield number, row
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        prefix = f"{name}: " if name else ""
        raise DataError(f"{prefix}cannot read {path}: {exc.strerror or exc}") from None
    if require_rows and not count:
        raise DataError(f"{path}: no rows")


def numbered_jsonl_rows(
    path: Path, lines: Iterable[str], check: RowCheck | None = None
) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, row)`` for each JSON object line of ``lines`` (read from ``path``); blank lines are skipped.
    ``check`` sees each parsed line first and returns its problem (the error, after ``path:line:``) or None."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line.rstrip("\r\n"))  # without its line ending, a cut-off line's error column is in it
        except json.JSONDecodeError as exc:
            raise DataError(f"{path}:{number}: not valid JSON ({exc.msg} at column {exc.colno})") from None
        problem = check(row) if check is not None else None
        if problem is None and not isinstance(row, dict):
            problem = f"expected a JSON object, got {type(row).__name__}"
        if problem:
            raise DataError(f"{path}:{number}: {problem}")
        yield number, row


def _json_rows(path: Path) -> Iterator[dict[str, Any]]:
    """A JSON list of rows, or an object holding one such list (``{"examples": [...]}``)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"cannot read {path} as JSON: {exc}") from None
    if isinstance(data, dict):
        lists = [value for value in data.values() if isinstance(value, list)]
        if len(lists) != 1:
            raise DataError(f"{path}: expected a list of rows, or an object with one list of rows")
        data = lists[0]
    if not isinstance(data, list):
        raise DataError(f"{path}: expected a list of rows, got {type(data).__name__}")
    for position, row in enumerate(data):
        if not isinstance(row, dict):
            raise DataError(f"{path}: row {position} is a {type(row).__name__}, expected an object")
        yield row
