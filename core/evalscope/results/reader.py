"""Read a run folder back into plain data: its reports, and each sample's prediction joined to its review.

One reader serves ``evalscope report``, ``evalscope compare`` and ``evalscope view``. It reads both
record shapes: predictions that carry a ``completion`` beside the response and reviews that repeat
``input``, ``target`` and ``completion``; and predictions that keep only the raw response, with
reviews that keep only what scoring added. The completion is the review's when it has one, else the
text of the prediction's response (``choices[0].message.content``, or ``.text``).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evalscope.errors import ConfigError
from evalscope.store.jsonl import read_jsonl
from evalscope.store.outputs import safe_name
from evalscope.store.records import completion, full_prompt


@dataclass
class Subset:
    """The samples of one model, dataset and subset, in prediction order, joined by ``sample_id``."""

    model_id: str
    dataset: str
    subset: str
    samples: list[dict[str, Any]] = field(default_factory=list)

    @property
    def reviewed(self) -> bool:
        """Whether the subset has reviews (an interrupted run may have predictions only)."""
        return any(sample["reviewed"] for sample in self.samples)


@dataclass
class Run:
    """A run folder read back: its reports (one per model and dataset) and its subsets."""

    root: Path
    reports: list[dict[str, Any]]
    subsets: list[Subset]

    @property
    def name(self) -> str:
        """The run folder's name."""
        return self.root.name

    def subset(self, model_id: str, dataset: str, subset: str) -> Subset | None:
        """The subset of that model, dataset and name, or None."""
        for item in self.subsets:
            if (item.model_id, item.dataset, item.subset) == (model_id, dataset, subset):
                return item
        return None


def load_run(path: str | Path) -> Run:
    """Read the run folder at ``path``; ``ConfigError`` names it when it is not one."""
    root = Path(path)
    if not root.is_dir():
        raise ConfigError(f"run folder {str(root)!r} does not exist")
    if not any((root / kind).is_dir() for kind in ("reports", "predictions", "reviews")):
        raise ConfigError(f"{str(root)!r} is not a run folder: it has no reports/, predictions/ or reviews/")
    reports = [_read_json(file) for file in sorted(root.glob("reports/*/*.json"))]
    names = _subset_names(root, reports)
    found: dict[tuple[str, str, str], Subset] = {}
    for kind in ("predictions", "reviews"):
        for file in sorted(root.glob(f"{kind}/*/*.jsonl")):
            key = names.get((kind, file.parent.name, file.name)) or _guess_names(root, file)
            found.setdefault(key, Subset(*key))
    for (model_id, dataset, subset), item in found.items():
        model_dir = _model_dir(root, model_id)
        item.samples = join_records(
            read_jsonl(root / "predictions" / model_dir / _file_name(dataset, subset)),
            read_jsonl(root / "reviews" / model_dir / _file_name(dataset, subset)),
        )
    return Run(root=root, reports=reports, subsets=list(found.values()))


def join_records(predictions: list[dict[str, Any]], reviews: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One sample per id: its last prediction line joined to its review (``sample`` describes the fields).

    The answers of a run with ``--repeats`` (lines with a ``repeat``) are joined answer by answer, then
    made one sample each (see ``evalscope.repeats.repeated_sample``).
    """
    from evalscope.repeats import answer_id, repeated_samples

    latest: dict[str | tuple[str, int], dict[str, Any]] = {}
    for record in predictions:  # a resumed run appends: the last line of an id is the one reviewed
        latest[answer_id(record)] = record
    by_id = {answer_id(review): review for review in reviews}
    order = list(latest) + [key for key in by_id if key not in latest]
    joined = [sample(latest.get(key), by_id.get(key), key if isinstance(key, str) else key[0]) for key in order]
    if all(isinstance(key, str) for key in order):
        return joined
    return repeated_samples(joined, [None if isinstance(key, str) else key[1] for key in order])


def sample(prediction: dict[str, Any] | None, review: dict[str, Any] | None, sample_id: str) -> dict[str, Any]:
    """One sample as plain data, from its prediction line and review line (either may be missing).

    Keys: ``sample_id``, ``messages`` (the prompt), ``question`` (the dataset's input, when the
    review kept it), ``completion``, ``reasoning``, ``prediction`` (what the scorer extracted),
    ``gold``, ``score`` (None when not scored), ``metrics`` (the scorer's named metrics, None when
    it gave none or the sample was not scored), ``explanation``, ``error``, ``scoring_error``,
    ``truncated``, ``finish_reason``, ``usage``, ``time`` (when the prediction finished, seconds
    since the epoch) and ``reviewed``.
    """
    prediction = prediction or {}
    review = review or {}
    response = prediction.get("response") if isinstance(prediction.get("response"), dict) else None
    choice = _first_choice(response)
    message = choice.get("message")
    message = message if isinstance(message, dict) else {}
    completion = review.get("completion")
    if completion is None:
        completion = prediction.get("completion")
    if completion is None and choice:
        text = message.get("content") if message else choice.get("text")
        completion = text if isinstance(text, str) else ("" if response is not None else None)
    reasoning = review.get("reasoning")
    if reasoning is None:
        reasoning = next(
            (message[k] for k in ("reasoning_content", "reasoning") if isinstance(message.get(k), str)), None
        )
    prompt = prediction.get("prompt")
    prompt = prompt if isinstance(prompt, dict) else {}
    messages = prompt.get("messages")
    messages = messages if isinstance(messages, list) else []
    if not messages and isinstance(prompt.get("data"), list):
        messages = [{"role": "user", "content": str(item)} for item in prompt["data"]]
    error = review.get("error", prediction.get("error"))
    scoring_error = review.get("scoring_error")
    score = review.get("score") if review and error is None and not scoring_error else None
    truncated = review.get("truncated")
    if truncated is None:
        truncated = choice.get("finish_reason") == "length"
    return {
        "sample_id": sample_id,
        "messages": messages,
        "question": _as_text(review.get("input")),
        "completion": completion,
        "reasoning": reasoning,
        "prediction": review.get("prediction"),
        "gold": review.get("gold", review.get("target")),
        "score": score,
        "metrics": review.get("metrics") if score is not None and isinstance(review.get("metrics"), dict) else None,
        "explanation": review.get("explanation"),
        "error": error,
        "scoring_error": scoring_error,
        "truncated": bool(truncated) and error is None,
        "finish_reason": choice.get("finish_reason"),
        "usage": response.get("usage") if response and isinstance(response.get("usage"), dict) else None,
        "time": prediction.get("time"),
        "reviewed": bool(review),
    }


def _as_text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def scored(subset: Subset, metric: str | None = None) -> dict[str, float]:
    """The score of each scored sample of ``subset``, by sample id; with ``metric``, that named metric
    of each scored sample that has it (see ``Score.metrics``)."""
    if metric is None:
        return {item["sample_id"]: item["score"] for item in subset.samples if item["score"] is not None}
    from evalscope.scorers.base import metric_value

    values = {
        item["sample_id"]: metric_value(item["metrics"].get(metric))
        for item in subset.samples
        if item["metrics"] is not None
    }
    return {sample_id: value for sample_id, value in values.items() if value is not None}


def metric_names(subset: Subset) -> list[str]:
    """The named metrics the scored samples of ``subset`` carry, in first-seen order."""
    return list(dict.fromkeys(name for item in subset.samples for name in item["metrics"] or {}))


def _first_choice(response: dict[str, Any] | None) -> dict[str, Any]:
    choices = response.get("choices") if response else None
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        return choices[0]
    return {}


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: not a readable report: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("metrics"), list):
        raise ConfigError(f"{path}: not a report (no metrics)")
    return data


def _file_name(dataset: str, subset: str) -> str:
    return f"{safe_name(dataset)}_{safe_name(subset)}.jsonl"


def _model_dir(root: Path, model_id: str) -> str:
    return safe_name(model_id) if (root / "predictions" / safe_name(model_id)).exists() else model_id


def _subset_names(root: Path, reports: list[dict[str, Any]]) -> dict[tuple[str, str, str], tuple[str, str, str]]:
    """The (model, dataset, subset) of each file named by a report, keyed by (kind, folder, file name)."""
    names = {}
    for report in reports:
        model_id, dataset = report.get("model_name", "?"), report.get("dataset_name", "?")
        for metric in report["metrics"]:
            for subset in metric.get("subsets", []):
                for kind in ("predictions", "reviews"):
                    key = (kind, safe_name(model_id), _file_name(dataset, subset["name"]))
                    names[key] = (model_id, dataset, subset["name"])
    return names


def _guess_names(root: Path, file: Path) -> tuple[str, str, str]:
    """Names of a file no report covers (an interrupted run): datasets from ``configs/evaluated.json``."""
    datasets: list[str] = []
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        datasets = list(json.loads((root / "configs" / "evaluated.json").read_text(encoding="utf-8"))["datasets"])
    stem = file.stem
    for dataset in sorted(datasets, key=len, reverse=True):
        if stem.startswith(safe_name(dataset) + "_"):
            return file.parent.name, dataset, stem[len(safe_name(dataset)) + 1 :]
    dataset, _, subset = stem.rpartition("_")
    return file.parent.name, dataset or stem, subset or "default"


def run_reports(run: Run) -> tuple[list[Mapping[str, Any]], list[dict[str, Any]]]:
    """The run's reports, and the subsets it has predictions for but no scores (an interrupted run).

    A dataset without a report file gets one built from its reviews (metric ``score``), the way the
    runner builds it, without usage, generation config or provenance.
    """
    from evalscope.results.report import MetricTallies, SubsetTally, build_report
    from evalscope.scorers.metrics import ScoreTally

    reported = {(report.get("model_name"), report.get("dataset_name")) for report in run.reports}
    built: dict[tuple[str, str], list[Subset]] = {}
    unscored = []
    for item in run.subsets:
        if (item.model_id, item.dataset) in reported:
            continue
        if item.reviewed:
            built.setdefault((item.model_id, item.dataset), []).append(item)
        else:
            unscored.append(
                {
                    "model_id": item.model_id,
                    "dataset": item.dataset,
                    "subset": item.subset,
                    "predictions": len(item.samples),
                }
            )
    reports: list[Mapping[str, Any]] = list(run.reports)
    for (model_id, dataset), subsets in built.items():
        overall, metrics, results = ScoreTally(), MetricTallies(), []
        for item in subsets:
            tally = SubsetTally()
            for sample in item.samples:
                if sample["reviewed"] and tally.add(sample):
                    overall.add(sample["score"])
                    metrics.add(sample["metrics"])
            results.append(tally.result(item.subset))
        reports.append(build_report(model_id, dataset, "score", results, overall, usage={}, metrics=metrics))
    return reports, unscored


def read_samples(run_dir: str | Path, dataset: str, subset: str, model_id: str | None = None) -> list[dict]:
    """Each sample of one subset of a run folder, with its prediction and its review joined by ``sample_id``.

    Every item has the review's fields, plus ``prompt`` (as the benchmark built it, see
    ``full_prompt``), ``response`` and ``completion`` from the sample's last prediction line, in the
    order of the reviews file (under ``--repeats``, one item per answer, joined by sample id and
    ``repeat``). ``model_id`` may be left out when the folder holds one model. The whole subset is
    read into memory: this is for tests and small runs.
    """
    from evalscope.repeats import answer_id

    root = Path(run_dir)
    if model_id is None:
        models = sorted(path.name for path in (root / "reviews").iterdir() if path.is_dir())
        if len(models) != 1:
            raise ValueError(f"{root} holds the models {models}; pass model_id")
        folder = models[0]
    else:
        folder = safe_name(model_id)
    name = f"{safe_name(dataset)}_{safe_name(subset)}.jsonl"
    predictions_file, reviews_file = (root / kind / folder / name for kind in ("predictions", "reviews"))
    for path in (predictions_file, reviews_file):
        if not path.is_file():
            raise FileNotFoundError(f"no such file: {path}")
    predictions = {answer_id(record): record for record in read_jsonl(predictions_file)}
    samples = []
    for review in read_jsonl(reviews_file):
        record = predictions.get(answer_id(review), {})
        prompt = record.get("prompt")
        samples.append(
            {
                **review,
                "prompt": full_prompt(prompt) if isinstance(prompt, dict) else prompt,
                "response": record.get("response"),
                "completion": completion(record) if record else None,
            }
        )
    return samples
