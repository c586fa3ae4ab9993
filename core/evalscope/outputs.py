"""The run folder on disk, and the prediction store that makes a run resumable.

Layout of ``<work_dir>/<timestamp>/`` (or ``<work_dir>/`` with ``no_timestamp``)::

    configs/task_config.yaml
    logs/eval_log.log
    predictions/<model_id>/<dataset>_<subset>.jsonl   one line per finished sample, flushed
    reviews/<model_id>/<dataset>_<subset>.jsonl       one line per scored sample
    reports/<model_id>/<dataset>.json                 the dataset's report
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from pathlib import Path
from typing import Any

from evalscope.errors import ConfigError
from evalscope.utils.logger import redact


def safe_name(name: str) -> str:
    """A file-system-safe form of a model or dataset name."""
    return re.sub(r"[^\w.\-]+", "_", name).strip("._") or "_"


class RunDir:
    """The folder of one run and the paths inside it."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def create(cls, work_dir: str, no_timestamp: bool, use_cache: str | None) -> RunDir:
        """The folder to write: the ``use_cache`` folder, ``work_dir``, or a new timestamped one in it."""
        if use_cache:
            root = Path(use_cache)
            if not (root / "configs" / "task_config.yaml").is_file():
                problem = (
                    "does not exist"
                    if not root.exists()
                    else "is not a run folder (it has no configs/task_config.yaml)"
                )
                raise ConfigError(f"use_cache: {use_cache!r} {problem}")
        elif no_timestamp:
            root = Path(work_dir)
        else:
            root = Path(work_dir) / time.strftime("%Y%m%d_%H%M%S")
            suffix = 1
            while root.exists():
                root = Path(work_dir) / f"{time.strftime('%Y%m%d_%H%M%S')}_{suffix}"
                suffix += 1
        try:
            for sub in ("configs", "logs", "predictions", "reviews", "reports"):
                (root / sub).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"work_dir: cannot create the run folder {str(root)!r}: {exc.strerror}") from None
        return cls(root)

    @property
    def config_path(self) -> Path:
        """``configs/task_config.yaml``."""
        return self.root / "configs" / "task_config.yaml"

    @property
    def log_path(self) -> Path:
        """``logs/eval_log.log``."""
        return self.root / "logs" / "eval_log.log"

    def predictions_path(self, model_id: str, dataset: str, subset: str) -> Path:
        """``predictions/<model_id>/<dataset>_<subset>.jsonl``."""
        return self._file("predictions", model_id, f"{safe_name(dataset)}_{safe_name(subset)}.jsonl")

    def reviews_path(self, model_id: str, dataset: str, subset: str) -> Path:
        """``reviews/<model_id>/<dataset>_<subset>.jsonl``."""
        return self._file("reviews", model_id, f"{safe_name(dataset)}_{safe_name(subset)}.jsonl")

    def report_path(self, model_id: str, dataset: str) -> Path:
        """``reports/<model_id>/<dataset>.json``."""
        return self._file("reports", model_id, f"{safe_name(dataset)}.json")

    def _file(self, kind: str, model_id: str, name: str) -> Path:
        folder = self.root / kind / safe_name(model_id)
        folder.mkdir(parents=True, exist_ok=True)
        return folder / name


def cache_key(model: Any, prompt: dict, infer_cfg: dict) -> str:
    """A digest of everything that determines a sample's prediction.

    ``model`` describes the model (JSON-able: its id, class or served name, and settings).
    """
    payload = json.dumps([model, prompt, infer_cfg], sort_keys=True, ensure_ascii=False, default=_stable_text)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:24]


def _stable_text(value: Any) -> str:
    # An object whose text carries its memory address would change the key on every run.
    text = str(value)
    return f"<{type(value).__module__}.{type(value).__qualname__}>" if " at 0x" in text else text


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


class PredictionStore:
    """An append-only JSONL file of predictions, each line flushed as soon as it is written.

    With ``resume`` the existing records are kept and reused (a line cut short by a crash
    is dropped); without it the file starts empty. ``index`` says where each sample's last
    successful record is, and ``read`` reads one back, so a resumed run holds no records.
    """

    def __init__(self, path: Path, resume: bool) -> None:
        self.path = path
        self.resume = resume
        self._file = None
        self._reader = None
        self._started = False

    def index(self) -> dict[str, tuple[Any, int]]:
        """``{sample_id: (cache_key, offset)}`` of the last successful record of each sample.

        Failed records are left out (they are retried); so are lines that are not JSON records.
        """
        found: dict[str, tuple[Any, int]] = {}
        if not self.resume or not self.path.exists():
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
                if isinstance(record, dict) and record.get("error") is None and "sample_id" in record:
                    found[str(record["sample_id"])] = (record.get("cache_key"), start)
        return found

    def read(self, offset: int) -> dict[str, Any]:
        """The record at ``offset`` (from ``index``)."""
        if self._reader is None:
            self._reader = self.path.open("rb")
        self._reader.seek(offset)
        return decode_line(self._reader.readline())

    def append(self, record: dict[str, Any]) -> None:
        """Write one record and push it to the operating system at once."""
        if self._file is None:
            append = self.resume or self._started
            if append:
                self._drop_partial_tail()
            self._file = self.path.open("ab" if append else "wb")
            self._started = True
        self._file.write(redact(encode_line(record).decode("utf-8")).encode("utf-8"))
        self._file.flush()

    def close(self) -> None:
        """Close the file (safe to call twice)."""
        for handle in (self._file, self._reader):
            if handle is not None:
                handle.close()
        self._file = self._reader = None

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


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> None:
    """Write ``records`` to ``path`` as JSONL, replacing it atomically."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(redact(json.dumps(record, ensure_ascii=False)) + "\n")
    os.replace(tmp, path)


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` to ``path`` as indented JSON, replacing it atomically."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(redact(json.dumps(data, ensure_ascii=False, indent=2)) + "\n", encoding="utf-8")
    os.replace(tmp, path)
