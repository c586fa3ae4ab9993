"""Reading the bundled problem files (HumanEval's gzip JSONL, MBPP's JSONL), every row checked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evalscope.benchmarks.hub_files import jsonl_file_rows

DATA_DIR = Path(__file__).with_name("data")
HUMANEVAL_FILE = DATA_DIR / "HumanEval.jsonl.gz"
MBPP_FILE = DATA_DIR / "mbpp.jsonl"


def read_rows(path: Path, fields: tuple[str, ...]) -> list[dict[str, Any]]:
    """The JSON rows of ``path`` (gzip when it ends in ``.gz``), each required to hold ``fields``."""

    def missing_field(row: Any) -> str | None:
        missing = [name for name in fields if isinstance(row, dict) and name not in row]
        return f"the row has no {missing[0]!r}" if missing else None

    return [row for _, row in jsonl_file_rows(path, missing_field)]
