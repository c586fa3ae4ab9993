"""Reports: per-dataset aggregates of the reviews (the summary table printed from them is in ``summary``).

A report counts apart the samples it could not score: ``errors`` (the model gave no answer) and
``scoring_errors`` (the scorer raised on the answer); neither enters the score. When the reviews carry
named ``metrics`` (see ``Score.metrics``), each subset and the dataset also get ``metric_scores``:
every metric's mean with its interval, as for the score.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypedDict

from evalscope.scorers.base import metric_value
from evalscope.scorers.metrics import ScoreTally, WeightedTally

if TYPE_CHECKING:
    from typing_extensions import NotRequired

USAGE_KEYS = ("prompt_tokens", "completion_tokens", "total_tokens")


class Report(TypedDict):
    """A dataset's report (``reports/<model>/<dataset>.json``), in the order written: ``build_report`` makes the
    aggregates, the runner adds the rest. ``metrics`` holds one entry: the score's ``name``, ``num``, ``score``,
    ``stderr``, ``ci_low``, ``ci_high``, ``macro_score``, the counts, ``metric_scores`` and ``subsets``."""

    name: str
    model_name: str
    dataset_name: str
    score: float | None
    metrics: list[dict[str, Any]]
    errors: int
    scoring_errors: int
    truncated: int
    usage: dict[str, Any]
    generation_config: NotRequired[dict[str, Any]]
    served_models: NotRequired[list[str]]
    complete: NotRequired[bool]
    provenance: NotRequired[dict[str, Any]]


class SampleCounts(TypedDict):
    """The per-sample counts of report entries (subsets, or whole reports) summed: the answers ``scored`` (their
    ``num``), ``errors``, ``scoring_errors``, ``truncated`` and ``no_prediction``."""

    scored: int
    errors: int
    scoring_errors: int
    truncated: int
    no_prediction: int


def summed_counts(entries: Iterable[Mapping[str, Any]]) -> SampleCounts:
    """The counts of ``entries`` summed (a count an entry lacks is 0): the one place the report, its provenance,
    the truncation warning and the run's end check add them up."""
    totals = SampleCounts(scored=0, errors=0, scoring_errors=0, truncated=0, no_prediction=0)
    for entry in entries:
        totals["scored"] += entry.get("num", 0)
        totals["errors"] += entry.get("errors", 0)
        totals["scoring_errors"] += entry.get("scoring_errors", 0)
        totals["truncated"] += entry.get("truncated", 0)
        totals["no_prediction"] += entry.get("no_prediction", 0)
    return totals


class MetricTallies:
    """Running aggregates of each named metric of the scored reviews (their ``metrics``), in first-seen order.

    A metric given as a ``weighted`` entry (``{"value": v, "weight": w}``, see ``Score.metrics``) is
    averaged as sum(w * v) / sum(w); a plain number counts with weight 1.
    """

    def __init__(self) -> None:
        self.tallies: dict[str, WeightedTally] = {}

    def add(self, metrics: dict[str, Any] | None) -> None:
        """Count one review's ``metrics`` (None or missing in reviews without them)."""
        for name, entry in (metrics or {}).items():
            value = metric_value(entry)
            if value is not None:
                weight = entry["weight"] if isinstance(entry, dict) else None
                self.tallies.setdefault(name, WeightedTally()).add(value, weight)

    def result(self) -> dict[str, dict[str, Any]]:
        """``{"metric_scores": {name: mean with interval}}``, or {} when no review had metrics."""
        if not self.tallies:
            return {}
        return {"metric_scores": {name: tally.result() for name, tally in self.tallies.items()}}


class SubsetTally:
    """Running aggregates of one subset's reviews: the scores, the samples not scored, the truncated answers.

    Failed samples (``errors``: the model gave no answer) and ``scoring_errors`` (the scorer raised)
    are counted apart, not scored; ``truncated`` counts the scored answers that hit ``max_tokens``;
    ``no_prediction`` the scored answers from which the scorer extracted nothing (``prediction``
    null), and ``no_prediction_rate`` their share of the scored answers. ``metrics`` tallies the
    scored reviews' named metrics.
    """

    def __init__(self) -> None:
        self.scores = ScoreTally()
        self.metrics = MetricTallies()
        self.samples = 0
        self.errors = 0
        self.scoring_errors = 0
        self.first_scoring_error: tuple[str, str] | None = None  # (sample id, what the scorer did)
        self.truncated = 0
        self.no_prediction = 0

    def add(self, review: Mapping[str, Any]) -> bool:
        """Count one review; returns whether it was scored."""
        self.samples += 1
        if review.get("error") is not None:
            self.errors += 1
            return False
        if review.get("scoring_error"):
            self.scoring_errors += 1
            self.first_scoring_error = self.first_scoring_error or (review["sample_id"], review["scoring_error"])
            return False
        self.scores.add(review["score"])
        self.metrics.add(review.get("metrics"))
        self.truncated += bool(review.get("truncated"))
        self.no_prediction += review.get("prediction") is None
        return True

    def result(self, subset: str) -> dict[str, Any]:
        """The subset's entry in the report."""
        return {
            "name": subset,
            **self.scores.result(),
            "errors": self.errors,
            "scoring_errors": self.scoring_errors,
            "truncated": self.truncated,
            **_no_prediction(self.no_prediction, self.scores.n),
            **self.metrics.result(),
        }


def _no_prediction(count: int, scored: int) -> dict[str, Any]:
    return {"no_prediction": count, "no_prediction_rate": count / scored if scored else None}


class UsageTally:
    """Token usage summed over responses, and the model names they carried."""

    def __init__(self) -> None:
        self.usage: dict[str, Any] = dict.fromkeys(USAGE_KEYS)
        self.responses = 0
        self.with_usage = 0
        self.models: set[str] = set()

    def add(self, response: dict[str, Any]) -> None:
        """Count one response."""
        self.responses += 1
        if isinstance(response.get("model"), str):
            self.models.add(response["model"])
        counts = response.get("usage")
        if not isinstance(counts, dict):
            return
        self.with_usage += 1
        for key in USAGE_KEYS:
            count = counts.get(key)
            if isinstance(count, int):
                self.usage[key] = (self.usage[key] or 0) + count

    def summary(self) -> dict[str, Any]:
        """The summed usage (a count that no response carried is None: unknown, not 0), with the
        ``responses`` and ``responses_with_usage`` counts."""
        return {**self.usage, "responses": self.responses, "responses_with_usage": self.with_usage}


def truncation_warning(report: Mapping[str, Any]) -> str | None:
    """The warning for answers that hit ``max_tokens`` in ``report``, or None when none did."""
    counts = summed_counts(subset for metric in report["metrics"] for subset in metric["subsets"])
    truncated, answers = counts["truncated"], counts["scored"]
    if not truncated:
        return None
    config = report.get("generation_config") or {}
    limit = config.get("max_new_tokens", config.get("max_tokens"))
    shown = limit if limit is not None else "the server's default"
    return f"{truncated} of {answers} answers hit max_tokens ({shown}); raise --generation-config max_new_tokens=..."


def build_report(
    model_id: str,
    dataset: str,
    metric: str,
    subsets: list[dict[str, Any]],
    scores: ScoreTally,
    usage: dict[str, Any],
    metrics: MetricTallies | None = None,
) -> Report:
    """The report of one dataset: overall score with its uncertainty (from ``scores``), and each subset's.

    The overall ``score`` is the mean over samples (micro); ``macro_score`` is the mean of the
    subsets' scores, each subset counting once. Named metrics (``metrics``, over the whole dataset)
    go in ``metric_scores`` the same way: each metric's micro mean with its interval and its
    ``macro_score`` over the subsets that have it.
    """
    overall = scores.result()
    counts = summed_counts(subsets)
    errors, scoring_errors, truncated = counts["errors"], counts["scoring_errors"], counts["truncated"]
    subset_scores = [subset["score"] for subset in subsets if subset["score"] is not None]
    macro = sum(subset_scores) / len(subset_scores) if subset_scores else None
    no_prediction = _no_prediction(counts["no_prediction"], scores.n)
    return {
        "name": f"{model_id}@{dataset}",
        "model_name": model_id,
        "dataset_name": dataset,
        "score": overall["score"],
        "metrics": [
            {
                "name": metric,
                **overall,
                "macro_score": macro,
                "errors": errors,
                "scoring_errors": scoring_errors,
                "truncated": truncated,
                **no_prediction,
                **_dataset_metric_scores(metrics, subsets),
                "subsets": subsets,
            }
        ],
        "errors": errors,
        "scoring_errors": scoring_errors,
        "truncated": truncated,
        "usage": usage,
    }


def _dataset_metric_scores(metrics: MetricTallies | None, subsets: list[dict[str, Any]]) -> dict[str, Any]:
    micro = metrics.result().get("metric_scores", {}) if metrics is not None else {}
    if not micro:
        return {}
    entries = {}
    for name, result in micro.items():
        means = [
            subset["metric_scores"][name]["score"]
            for subset in subsets
            if name in subset.get("metric_scores", {}) and subset["metric_scores"][name]["score"] is not None
        ]
        entries[name] = {**result, "macro_score": sum(means) / len(means) if means else None}
    return {"metric_scores": entries}
