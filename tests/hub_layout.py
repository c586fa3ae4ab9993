"""Local copies of hub datasets in the hub repository's own layout, written by tests from rows they give."""

from __future__ import annotations

import json
from pathlib import Path

TEST_DATA = Path(__file__).with_name("data")  # compressed copies of whole splits (see its README)


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
    """The rows of a split kept in ``tests/data`` (``mmlu/test.jsonl`` reads ``tests/data/mmlu/test.jsonl.xz``)."""
    import lzma

    with lzma.open(TEST_DATA / f"{name}.xz", "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]
