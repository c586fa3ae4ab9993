"""Run folders written as the runner writes them, in the earlier record shape and the current one."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any


def read_jsonl(path: Path) -> list[dict]:
    """The JSON lines of ``path`` (split at newlines only: a model's text may hold U+2028, which is no line end)."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line]


def response(text: str | None, finish_reason: str = "stop", reasoning: str | None = None) -> dict[str, Any]:
    """An OpenAI chat.completion as a server sends it."""
    message: dict[str, Any] = {"role": "assistant", "content": text}
    if reasoning is not None:
        message["reasoning_content"] = reasoning
    return {
        "id": "x",
        "object": "chat.completion",
        "model": "m",
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 3, "total_tokens": 13},
    }


def write_run(
    root: Path,
    samples: list[dict[str, Any]],
    model_id: str = "m",
    dataset: str = "gsm8k",
    subset: str = "main",
    shape: str = "lean",
    report: dict[str, Any] | None = None,
) -> Path:
    """A run folder with one subset. Each sample: ``id``, ``question``, ``completion`` (None: failed),
    ``score`` (None: a scoring error), optional ``gold``, ``prediction``, ``finish_reason``, ``reasoning``,
    ``metrics`` (the scorer's named metrics; reviews of runs before them have none).

    ``shape`` "full" writes predictions with a ``completion`` copy and reviews that repeat input,
    target and completion; "lean" writes the raw response only and reviews with what scoring added.
    """
    predictions, reviews = [], []
    for item in samples:
        failed = item["completion"] is None
        answer = (
            None if failed else response(item["completion"], item.get("finish_reason", "stop"), item.get("reasoning"))
        )
        prediction = {
            "sample_id": item["id"],
            "cache_key": "k",
            "model_id": model_id,
            "prompt": {"messages": [{"role": "user", "content": item["question"]}]},
            "response": answer,
            "error": "HTTP 500: boom" if failed else None,
            "time": 1764300000.0,
        }
        review = {
            "sample_id": item["id"],
            "prediction": item.get("prediction"),
            "gold": item.get("gold", "18"),
            "score": None if item["score"] is None and not failed else (0.0 if failed else item["score"]),
            "correct": item["score"] == 1,
            "explanation": item.get("explanation"),
            "truncated": item.get("finish_reason") == "length",
            "error": prediction["error"],
            "scoring_error": "ValueError: bad" if item["score"] is None and not failed else None,
        }
        if "metrics" in item:
            review["metrics"] = item["metrics"]
        if shape == "full":
            prediction["prompt"]["data"] = [item["question"]]
            prediction["completion"] = item["completion"]
            review = {"input": item["question"], "target": review["gold"], "completion": item["completion"], **review}
        predictions.append(prediction)
        reviews.append(review)
    for kind, records in (("predictions", predictions), ("reviews", reviews)):
        folder = root / kind / model_id
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / f"{dataset}_{subset}.jsonl").open("w", encoding="utf-8") as handle:
            for record in records:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    if report is not None:
        (root / "reports" / model_id).mkdir(parents=True, exist_ok=True)
        (root / "reports" / model_id / f"{dataset}.json").write_text(json.dumps(report), encoding="utf-8")
    return root


def wait_for_lines(path: Path, count: int, timeout: float = 60) -> None:
    """Wait until the file a running run writes at ``path`` has ``count`` lines (AssertionError after ``timeout``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and len(path.read_text().splitlines()) >= count:
            return
        time.sleep(0.02)
    raise AssertionError(f"{path} did not reach {count} lines")
