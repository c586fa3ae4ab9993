"""Scoring the run's predictions: the scorer object the scheduler asks, and the review of one sample.

``SampleScorer`` grades each prediction with its dataset's scorer (``ascore`` when the scorer has one), keys the
review with its ``scorer_key`` (see ``evalscope.run.review_reuse``) and lets the run's ``StopPolicy`` classify what
a scorer raises: a scoring error recorded in the review, or fatal (``ScorerStopped``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from evalscope.benchmarks.base import Sample
from evalscope.models.driver import finish_reason
from evalscope.run.jobs import BenchmarkJob, DatasetRun
from evalscope.scorers.base import Score, Scorer, is_async_scorer, metrics_problem, unit_number
from evalscope.stop_policy import StopPolicy
from evalscope.store.records import ReviewLine, completion, repeat_field


class SampleScorer:
    """Grades predictions for the scheduler: each dataset's scorer, the review keyed, failures classified by
    ``policy``."""

    def __init__(self, policy: StopPolicy) -> None:
        self.policy = policy

    def scores_async(self, dataset: DatasetRun) -> bool:
        """Whether ``dataset``'s scorer is awaited on the event loop (it has ``ascore``)."""
        return is_async_scorer(dataset.job.scorer)

    def score(self, dataset: DatasetRun, sample: Sample, record: Mapping[str, Any]) -> ReviewLine:
        """The keyed review of ``sample``'s prediction ``record`` (in the scoring thread)."""
        job = dataset.job
        return keyed(score_sample(job.scorer, sample, record, self.policy, job.benchmark.scorer), job, sample, record)

    async def ascore(self, dataset: DatasetRun, sample: Sample, record: Mapping[str, Any]) -> ReviewLine:
        """``score`` through the scorer's ``ascore``."""
        job = dataset.job
        review = await ascore_sample(job.scorer, sample, record, self.policy, job.benchmark.scorer)
        return keyed(review, job, sample, record)

    async def close(self, jobs: list[BenchmarkJob]) -> None:
        """Await the ``aclose()`` of each job's scorer that defines one (see ``Scorer``)."""
        for job in jobs:
            close = getattr(job.scorer, "aclose", None)
            if close is not None:
                await close()


def score_sample(
    scorer: Scorer, sample: Sample, record: Mapping[str, Any], policy: StopPolicy | None = None, name: str | None = None
) -> ReviewLine:
    """The review of one sample: what scoring added to its prediction (see ``evalscope.store.records``).

    ``truncated`` says the answer hit ``max_tokens``. A scorer that raises (or returns something
    other than a ``Score``) does not stop the run: the review records the reason in
    ``scoring_error`` and has no score; except when ``policy`` finds the exception fatal (a judge
    whose key is refused): ``ScorerStopped``, naming the scorer ``name``, stops the run.
    """
    review = unscored_review(sample, record)
    if review["error"] is not None:
        return review
    try:
        score = scorer.score(completion(record) or "", sample)  # a prediction without an error has a response
    except Exception as exc:
        return graded_review(review, None, scoring_failure(exc, policy, name or type(scorer).__name__))
    return graded_review(review, score)


async def ascore_sample(
    scorer: Any, sample: Sample, record: Mapping[str, Any], policy: StopPolicy | None = None, name: str | None = None
) -> ReviewLine:
    """``score_sample`` through the scorer's ``ascore`` (see ``Scorer``)."""
    review = unscored_review(sample, record)
    if review["error"] is not None:
        return review
    try:
        score = await scorer.ascore(completion(record) or "", sample)  # as score_sample gives it
    except Exception as exc:
        return graded_review(review, None, scoring_failure(exc, policy, name or type(scorer).__name__))
    return graded_review(review, score)


def scoring_failure(exc: Exception, policy: StopPolicy | None, scorer: str) -> str:
    """The scoring error ``exc`` records, as ``policy`` (by default, the run's default one) classifies it."""
    return (policy or StopPolicy()).scoring_error(exc, scorer)


def keyed(review: ReviewLine, job: BenchmarkJob, sample: Sample, record: Mapping[str, Any]) -> ReviewLine:
    """``review`` with its ``scorer_key`` (see ``evalscope.run.review_reuse``)."""
    review["scorer_key"] = job.scorer_keys.key(sample, record)
    return review


def unscored_review(sample: Sample, record: Mapping[str, Any]) -> ReviewLine:
    """The review of ``sample``'s prediction before its score: ``error`` is the prediction's."""
    response = record.get("response")
    return {
        "sample_id": sample.id,
        **repeat_field(record.get("repeat")),
        "prediction": None,
        "gold": None,
        "score": 0.0,
        "correct": False,
        "explanation": None,
        "truncated": response is not None and finish_reason(response) == "length",
        "error": record.get("error"),
        "scoring_error": None,
    }


def graded_review(review: ReviewLine, score: Any, failure: str | None = None) -> ReviewLine:
    """``review`` with the scorer's ``score``, or with ``scoring_error`` set (to ``failure``, the
    scorer's exception, or what is wrong with ``score``) and no score."""
    problem = failure or score_problem(score)
    if problem is not None:
        review["score"], review["correct"], review["scoring_error"] = None, None, problem
        return review
    review["prediction"], review["gold"] = score.prediction, score.gold
    review["score"], review["correct"], review["explanation"] = score.value, score.value == 1.0, score.explanation
    if score.metrics:
        review["metrics"] = dict(score.metrics)
    return review


def score_problem(score: Any) -> str | None:
    """Say what is wrong with a scorer's result, or None if it is a ``Score`` with a number in [0, 1]
    whose ``metrics``, if any, map names to numbers in [0, 1]."""
    if not isinstance(score, Score):
        return f"the scorer returned {type(score).__name__}, expected a Score"
    if not unit_number(score.value):
        return f"the scorer returned a Score whose value is {score.value!r}, expected a number in [0, 1]"
    problem = metrics_problem(score.metrics)
    return f"the scorer returned a Score whose {problem}" if problem else None
