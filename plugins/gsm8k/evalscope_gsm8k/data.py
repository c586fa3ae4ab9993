"""Reading GSM8K rows: the bundled JSONL copy, a user's own files, or the Hugging Face hub.

Local files are read with the standard library (``datasets`` alone takes seconds to import, longer
than the whole evaluation of the bundled test split); every line is checked, and a broken one fails
with ``file:line`` and what is wrong with it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from evalscope.benchmarks.hub_files import jsonl_file_rows
from evalscope.errors import DataError

DATA_DIR = Path(__file__).with_name("data")
HUB_DATASET = "openai/gsm8k"
HUB_CONFIG = "main"
SPLITS = ("test", "train")

_GOLD = re.compile(r"-?\d+(?:\.\d+)?")
_CALCULATOR = re.compile(r"<<[^<>]*>>")


def row_problem(row: Any) -> str | None:
    """Say what is wrong with one GSM8K row, or None when it is valid."""
    if not isinstance(row, dict):
        return f"expected a JSON object with 'question' and 'answer', got {type(row).__name__}"
    for key in ("question", "answer"):
        if key not in row:
            return f"row has no {key!r} (keys: {', '.join(map(str, row)) or 'none'})"
        if not isinstance(row[key], str) or not row[key].strip():
            return f"{key!r} must be a non-empty string, got {row[key]!r}"
    if "####" not in row["answer"]:
        return "'answer' has no final '#### <number>' line"
    gold = gold_answer(row["answer"])
    if not _GOLD.fullmatch(gold):
        return f"the final answer after '####' is not a number: {gold!r}"
    return None


def gold_answer(answer: str) -> str:
    """The number after the last ``####`` of a solution, without thousands separators."""
    return answer.rsplit("####", 1)[1].strip().replace(",", "")


def clean_solution(answer: str) -> str:
    """A solution as a few-shot exemplar: calculator annotations ``<<...>>`` removed, ``#### X`` as a sentence."""
    body, final = answer.rsplit("####", 1)
    body = _CALCULATOR.sub("", body).rstrip()
    ending = f"The answer is {final.strip()}."
    return f"{body}\n{ending}" if body else ending


def read_jsonl(path: Path, limit: int | None = None) -> list[dict[str, Any]]:
    """The rows of a GSM8K JSONL file (the first ``limit`` of them), each checked; blank lines are skipped."""
    return list(islice(iter_jsonl(path), limit))


def iter_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """The rows of a GSM8K JSONL file one at a time, each checked as it is read; blank lines are skipped."""
    for _, row in jsonl_file_rows(path, row_problem, "gsm8k"):
        yield row


def local_split_path(local_path: str | None, split: str) -> Path | None:
    """The file of ``split`` in ``local_path`` (a folder, or a file that is the test split), or the bundled file.

    Returns None when a user's folder or file has no train split; the caller then uses the bundled one.
    """
    if local_path is None:
        return DATA_DIR / f"{split}.jsonl"
    path = Path(local_path).expanduser()
    if path.is_dir():
        candidate = path / f"{split}.jsonl"
        return candidate if candidate.is_file() else None
    return path if split == "test" else None


def hub_rows(split: str, limit: int | None = None) -> list[dict[str, Any]]:
    """The rows of ``split`` of ``openai/gsm8k`` (config ``main``) from the Hugging Face hub, checked."""
    try:
        import datasets
    except ImportError:
        raise DataError("gsm8k: dataset_hub 'huggingface' needs the 'datasets' package: pip install datasets") from None
    try:
        dataset = datasets.load_dataset(HUB_DATASET, HUB_CONFIG, split=split)
    except Exception as exc:  # network, authentication, cache: all end the same way for the user
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise DataError(
            f"gsm8k: cannot load {HUB_DATASET} (config {HUB_CONFIG}, split {split}) from the Hugging Face hub: "
            f"{type(exc).__name__}: {reason}; set dataset_hub to 'local' to use the bundled copy"
        ) from None
    rows = []
    for index, row in enumerate(islice(dataset, limit)):
        problem = row_problem(row)
        if problem:
            raise DataError(f"{HUB_DATASET} {split} row {index}: {problem}")
        rows.append(dict(row))
    return rows
