"""Reading the bundled problem files (HumanEval's gzip JSONL, MBPP's JSONL), every row checked."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

from evalscope.benchmarks.hub_files import numbered_jsonl_rows
from evalscope.errors import DataError

DATA_DIR = Path(__file__).with_name("data")
HUMANEVAL_FILE = DATA_DIR / "HumanEval.jsonl.gz"
MBPP_FILE = DATA_DIR / "mbpp.jsonl"


def read_rows(path: Path, fields: tuple[str, ...]) -> list[dict[str, Any]]:
    """The JSON rows of ``path`` (gzip when it ends in ``.gz``), each required to hold ``fields``."""
    opener = gzip.open if path.suffix == ".gz" else open
    rows = []
    try:
        with opener(path, "rt", encoding="utf-8") as handle:
            for number, row in numbered_jsonl_rows(path, handle):
                missing = [name for name in fields if name not in row]
                if missing:
                    raise DataError(f"{path}:{number}: the row has no {missing[0]!r}")
                rows.append(row)
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror or exc}") from None
    if not rows:
        raise DataError(f"{path}: no rows")
    return rows
