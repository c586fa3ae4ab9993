"""Local copies of hub datasets in the hub repository's own layout, written by tests from rows they give."""

from __future__ import annotations

import json
from pathlib import Path


def _shared_data() -> Path | None:
    """The benchmark data kept beside the repository: ``shared/data`` in a folder above it (or
    ``$EVALSCOPE_BENCHMARK_DATA``)."""
    import os

    if os.environ.get("EVALSCOPE_BENCHMARK_DATA"):
        return Path(os.environ["EVALSCOPE_BENCHMARK_DATA"])
    for parent in Path(__file__).resolve().parents:
        if (parent / "shared" / "data" / "SOURCES.md").is_file():
            return parent / "shared" / "data"
    return None


SHARED_DATA = _shared_data()


def write_split(root: Path, rows: list[dict], split: str, config: str | None = None, fmt: str = "parquet") -> Path:
    """Write ``rows`` as ``root/{config or data}/{split}-00000-of-00001.parquet`` (or ``{split}.jsonl``)."""
    folder = root / (config or "data")
    folder.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        path = folder / f"{split}-00000-of-00001.parquet"
        pq.write_table(pa.Table.from_pylist(rows), path)
    else:
        path = folder / f"{split}.jsonl"
        path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    return path


def shared_rows(name: str) -> list[dict]:
    """The rows of a JSONL file under the shared benchmark data (``mmlu/test.jsonl``)."""
    import pytest

    if SHARED_DATA is None or not (SHARED_DATA / name).is_file():
        pytest.skip(f"no copy of the benchmark data file {name} beside the repository")
    text = (SHARED_DATA / name).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.split("\n") if line.strip()]
