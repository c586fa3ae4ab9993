"""The one JSONL codec of the run folder (``encode_line``, ``decode_line``, ``read_jsonl``) and its record files.

``JsonlRecords`` indexes a predictions or reviews file without holding it; ``PredictionStore`` is the append-only,
flushed-per-batch predictions file that makes a run resumable.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO


def encode_line(record: Any) -> bytes:
    """``record`` as one JSONL line: UTF-8 JSON (non-ASCII text kept as is) and a newline.

    orjson writes it (about 15 times faster than the standard library on these records, see
    ``benchmarks/record_encoding.py``); what orjson refuses (an integer beyond 64 bits) is
    written by the standard library.
    """
    import orjson

    try:
        return orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE | orjson.OPT_NON_STR_KEYS)
    except TypeError:
        return (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")


def decode_line(line: bytes | str) -> Any:
    """The value of one JSONL line; ``ValueError`` if it is not JSON (``NaN`` and ``Infinity`` are read)."""
    import orjson

    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        return json.loads(line)


class JsonlRecords:
    """Reads back a JSONL file of per-sample records (predictions or reviews) without holding them.

    ``index_by`` says where each sample's last usable record is, and ``read`` (or ``read_line``, its
    bytes as written) reads one back.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._reader: BinaryIO | None = None

    def index_by(self, key_field: str, usable: Callable[[dict], bool]) -> dict[str | tuple[str, int], tuple[Any, int]]:
        """``{answer_id: (record[key_field], offset)}`` of the last record of each sample (of each answer of it,
        under ``--repeats``: see ``evalscope.repeats.answer_id``) for which ``usable`` is true; lines that are
        not JSON records, and a last line cut short by a crash, are left out."""
        from evalscope.repeats import answer_id

        found: dict[str | tuple[str, int], tuple[Any, int]] = {}
        if not self.path.exists():
            return found
        offset = 0
        with self.path.open("rb") as handle:
            for line in handle:
                start, offset = offset, offset + len(line)
                if not line.endswith(b"\n"):
                    break  # cut short by a crash
                try:
                    record = decode_line(line)
                except ValueError:
                    continue
                if isinstance(record, dict) and "sample_id" in record and usable(record):
                    found[answer_id(record)] = (record.get(key_field), start)
        return found

    def read_line(self, offset: int) -> bytes:
        """The line at ``offset`` (from ``index``), as written."""
        if self._reader is None:
            self._reader = self.path.open("rb")
        reader = self._reader
        reader.seek(offset)
        return reader.readline()

    def read(self, offset: int) -> dict[str, Any]:
        """The record at ``offset`` (from ``index``)."""
        return decode_line(self.read_line(offset))

    def close(self) -> None:
        """Close the file (safe to call twice)."""
        if self._reader is not None:
            self._reader.close()
        self._reader = None


class PredictionStore(JsonlRecords):
    """An append-only JSONL file of predictions, each line flushed as soon as it is written.

    With ``resume`` the existing records are kept and reused (a line cut short by a crash
    is dropped); without it the file starts empty. ``index`` says where each sample's last
    successful record is, and ``read`` reads one back, so a resumed run holds no records.
    """

    def __init__(self, path: Path, resume: bool) -> None:
        super().__init__(path)
        self.resume = resume
        self._file: BinaryIO | None = None
        self._started = False

    def index(self) -> dict[str | tuple[str, int], tuple[Any, int]]:
        """``{sample_id: (cache_key, offset)}`` of the last successful record of each sample (with ``resume``).

        Failed records are left out (they are retried); so are lines that are not JSON records.
        """
        return self.index_by("cache_key", lambda record: record.get("error") is None) if self.resume else {}

    def append(self, record: dict[str, Any]) -> None:
        """Write one record and push it to the operating system at once."""
        self.append_many([record])

    def append_many(self, records: list[dict[str, Any]]) -> None:
        """Write ``records`` (a batch that finished together) and push them to the operating system at once."""
        if self._file is None:
            append = self.resume or self._started
            if append:
                self._drop_partial_tail()
            self._file = self.path.open("ab" if append else "wb")
            self._started = True
        file = self._file
        file.write(b"".join(encode_line(record) for record in records))
        file.flush()

    def close(self) -> None:
        """Close the file (safe to call twice)."""
        if self._file is not None:
            self._file.close()
        self._file = None
        super().close()

    def _drop_partial_tail(self) -> None:
        if not self.path.exists():
            return
        with self.path.open("rb+") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            if size == 0:
                return
            handle.seek(size - 1)
            if handle.read(1) == b"\n":
                return
            position = size - 1
            while position > 0:
                step = min(4096, position)
                handle.seek(position - step)
                chunk = handle.read(step)
                newline = chunk.rfind(b"\n")
                if newline != -1:
                    handle.truncate(position - step + newline + 1)
                    return
                position -= step
            handle.truncate(0)


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """The records of a JSONL file ([] when it is missing); a line cut short by a crash is skipped."""
    if not Path(path).exists():
        return []
    records = []
    with Path(path).open("rb") as handle:
        for line in handle:
            try:
                record = decode_line(line)
            except ValueError:
                continue
            if isinstance(record, dict) and "sample_id" in record:
                records.append(record)
    return records
