"""Where the scheduler's samples come from and where their lines go, one subset at a time.

``SubsetSource`` is the run folder as the scheduler sees it: it opens a subset (its samples, read lazily,
limited by ``--limit``, each with its prompt built; its prediction store; the predictions and reviews a
resumed run may reuse), answers whether a sample's prediction (and its review) can be reused, builds each
new prediction line, and finishes a subset (its earlier reviews closed, its report written through
``write_report``).
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from evalscope.benchmarks.base import Sample
from evalscope.errors import DataError
from evalscope.models.driver import Generation
from evalscope.repeats import AnswerKeys, answer_id, reused_answer
from evalscope.results.report import SubsetTally
from evalscope.run.jobs import DatasetRun, SubsetRun
from evalscope.run.review_reuse import EarlierReviews, ReviewCounts, drop_earlier_partials
from evalscope.store.jsonl import PredictionStore
from evalscope.store.outputs import RunDir
from evalscope.store.records import PredictionLine, current_shape, prediction_record
from evalscope.utils.logger import get_logger

logger = get_logger()


class SubsetSource:
    """The subsets of one run for the scheduler (see the module docstring).

    ``use_cache``: the run resumes; ``cache_from``: the older run folder it reads (a resume that changed what is
    evaluated), None when it resumes in place. ``write_report(dataset, started)`` writes ``dataset``'s report
    when one of its subsets is complete.
    """

    def __init__(
        self,
        model_id: str,
        model_identity: dict[str, Any],
        datasets: list[DatasetRun],
        run_dir: RunDir,
        limit: int | float | None,
        use_cache: bool,
        cache_from: RunDir | None,
        write_report: Callable[[DatasetRun, float], None],
    ) -> None:
        self.model_id = model_id
        self.run_dir = run_dir
        self.limit = limit
        self.use_cache = use_cache
        self.cache_from = cache_from
        self.write_report = write_report
        self.keys = {dataset.name: AnswerKeys(model_identity, dataset.infer_cfg) for dataset in datasets}
        self.started: dict[str, float] = {}
        self._resume = use_cache and cache_from is None
        self._previous: dict[Any, tuple[Any, int]] = {}
        self._source: PredictionStore | None = None
        self._reviews: dict[str, EarlierReviews] = {}  # by reviews file, while its subset is open
        self._review_counts = ReviewCounts()

    def open(self, dataset: DatasetRun, subset: str, position: int) -> tuple[Iterable[tuple[Sample, dict]], SubsetRun]:
        """``subset``'s samples with their ready prompts (read and built one at a time), and its ``SubsetRun``, its
        reusable records indexed."""
        self.started.setdefault(dataset.name, time.time())
        loaded = unique_samples(dataset.job.benchmark.load(subset), dataset.name, subset)
        samples = apply_limit(loaded, self.limit)
        run_dir, cache_from = self.run_dir, self.cache_from
        store = PredictionStore(run_dir.predictions_path(self.model_id, dataset.name, subset), resume=self._resume)
        if self._source is not None:
            self._source.close()
        if cache_from is None:
            self._source = store
        else:  # a resume that changed what is evaluated: read the old folder, copy what it reuses
            self._source = PredictionStore(cache_from.predictions_path(self.model_id, dataset.name, subset), True)
        self._previous = dict(self._source.index())
        reviews_path = run_dir.reviews_path(self.model_id, dataset.name, subset)
        if self.use_cache:
            old_reviews = (cache_from or run_dir).reviews_path(self.model_id, dataset.name, subset)
            self._reviews[str(reviews_path)] = EarlierReviews(
                old_reviews, self._review_counts, in_place=cache_from is None
            )
        build_prompt = dataset.job.benchmark.build_prompt
        prompted = ((sample, build_prompt(sample)) for sample in samples)
        return prompted, SubsetRun(dataset, subset, position, store, reviews_path)

    def cached(
        self, subset: SubsetRun, sample: Sample, prompt: dict, repeat: int | None
    ) -> tuple[str | None, dict | None]:
        """``(key, record)``: the stored prediction of ``sample`` (answer ``repeat``) when it can be reused; ``key``
        None when it was not computed (no stored prediction: it is computed once the model answered)."""
        previous = self._previous
        found = previous.get(sample.id if repeat is None else (sample.id, repeat))
        if found is None and self.cache_from is not None and repeat in (None, 0):  # --repeats changed: answer 0 kept
            found = previous.get((sample.id, 0) if repeat is None else sample.id)
        if found is None:
            return None, None
        key = self.keys[subset.dataset.name].key(prompt, repeat)
        if found[0] != key or self._source is None:
            return key, None
        record = reused_answer(self._source.read(found[1]), repeat)
        if self.cache_from is not None:
            subset.store.append(current_shape(record))
        return key, record

    def earlier_review(self, subset: SubsetRun, sample: Sample, record: dict) -> tuple[dict, bytes] | None:
        """The ``(review, line)`` kept for the reused prediction ``record``, or None to score it again."""
        earlier = self._reviews.get(str(subset.reviews_path))
        if earlier is None:
            return None
        return earlier.take(answer_id(record), subset.dataset.job.scorer_keys.key(sample, record))

    def make_record(
        self,
        sample: Sample,
        prompt: dict,
        key: str | None,
        generation: Generation,
        dataset: DatasetRun,
        repeat: int | None,
    ) -> PredictionLine:
        """The prediction line of ``sample``'s new ``generation`` (answer ``repeat``, None without ``--repeats``)."""
        key = key or self.keys[dataset.name].key(prompt, repeat)
        return prediction_record(self.model_id, sample.id, prompt, key, generation, repeat)

    def fed(self) -> None:
        """Every sample was looked up: say how many earlier reviews a resume keeps."""
        if self.use_cache:
            logger.info(self._review_counts.summary())

    def done(self, subset: SubsetRun) -> None:
        """``subset`` is scored (called in the scoring thread): close its earlier reviews, write the report."""
        earlier = self._reviews.pop(str(subset.reviews_path), None)
        if earlier is not None:
            earlier.close()
        drop_earlier_partials(subset.reviews_path)
        warn_scoring_errors(f"{subset.dataset.name}/{subset.name}", subset.dataset.job.benchmark.scorer, subset.tally)
        self.write_report(subset.dataset, self.started[subset.dataset.name])

    def close(self) -> None:
        """Close the files still open (safe to call twice)."""
        if self._source is not None:
            self._source.close()
        for earlier in self._reviews.values():
            earlier.close()


def unique_samples(samples: Iterable[Sample], benchmark: str, subset: str) -> Iterable[Sample]:
    """``samples``, each id checked against the ids before it (one id is one prediction and one review).

    A list is checked whole at once, so a repeated id stops the run before any request; samples that
    are yielded lazily are checked as they come, before the model is asked about the repeated one.
    """
    if isinstance(samples, list):
        for _ in _checked_ids(samples, benchmark, subset):
            pass
        return samples
    return _checked_ids(samples, benchmark, subset)


def _checked_ids(samples: Iterable[Sample], benchmark: str, subset: str) -> Iterator[Sample]:
    seen: set[str] = set()
    for sample in samples:
        if sample.id in seen:
            raise DataError(
                f"benchmark {benchmark!r} yields the sample id {sample.id!r} twice in subset {subset!r}; "
                "sample ids must be unique"
            )
        seen.add(sample.id)
        yield sample


def apply_limit(samples: Iterable[Sample], limit: int | float | None) -> Iterable[Sample]:
    """The first ``limit`` samples (a count, read lazily; or a fraction of them rounded up, which needs the
    subset's size, so the samples are read first)."""
    if limit is None:
        return samples
    if isinstance(limit, float) and limit < 1:
        samples = list(samples)
        return samples[: math.ceil(len(samples) * limit)]
    return itertools.islice(samples, int(limit))


def warn_scoring_errors(where: str, scorer_name: str, tally: SubsetTally) -> None:
    """Log one warning when the scorer could not score some of ``where``'s samples."""
    first = tally.first_scoring_error
    if tally.scoring_errors and first is not None:
        sample_id, problem = first
        logger.warning(
            f"{where}: scorer {scorer_name!r} failed on {tally.scoring_errors} of {tally.samples} samples "
            f"(sample {sample_id}: {problem}); they are counted as scoring_errors, not scored"
        )
