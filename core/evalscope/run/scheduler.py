"""One scheduler for the whole run: every sample of every subset and dataset flows through one pool.

The samples are fed lazily, dataset after dataset and subset after subset, to the model
driver's workers (``--eval-batch-size`` requests in flight for an API model, batches of that
size for a local one), so the pool stays full across subset and dataset boundaries. Each
finished prediction is appended to its subset's prediction file at once, then scored. A scorer
with ``ascore`` (see ``Scorer``) is awaited on the event loop in a task of its own, up to
``--eval-batch-size`` at once, so its calls overlap with the model's requests and with each other
(a worker waits for a free slot before handing over more); any other scorer runs in one scoring
thread, off the loop, which does not wait for it (unless it is ``SCORING_BACKLOG`` hand-overs
behind). Either way the scoring thread writes each review line and adds it to the subset's running
aggregates; when the last sample of a subset is scored, its reviews file and its dataset's report
are written. No record is kept in memory once it is scored: only the aggregates the reports need.
A cached prediction whose earlier review can be kept (see ``evalscope.run.review_reuse``) is not scored:
the scoring thread writes that review's line as it was and adds it to the aggregates.

With ``repeats`` K > 1 (see ``evalscope.repeats``) each sample is K work items, one per answer: the
samples of a subset are read a batch at a time, and each batch is fed K times (answer 0 of each,
then answer 1, ...), so a batch asks for one answer index, with its own seed. Each answer's review
is written as it comes; the sample enters the aggregates once all K are scored.
"""

from __future__ import annotations

import asyncio
import contextvars
import itertools
import os
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from evalscope.benchmarks.base import Sample
from evalscope.models.driver import ModelDriver
from evalscope.repeats import AnswerGroups, request_config
from evalscope.run.jobs import DatasetRun, SubsetRun
from evalscope.run.review_reuse import partial_path
from evalscope.stop_policy import StopPolicy
from evalscope.store.jsonl import encode_line
from evalscope.utils.logger import get_logger

if TYPE_CHECKING:
    from evalscope.run.scoring import SampleScorer
    from evalscope.run.subset_source import SubsetSource

logger = get_logger()

SCORING_BACKLOG = 256
"""How many hand-overs (a batch, or up to ``CACHED_CHUNK`` cached predictions) may wait for the scorer
before the workers wait for it."""

CACHED_CHUNK = 64
"""Cached predictions handed to the scorer at once."""


@dataclass
class WorkItem:
    """A sample on its way through the pool: to predict (``record`` None) or already predicted (cached),
    with its earlier ``(review, line)`` when that is kept; ``repeat`` is the answer's index under
    ``--repeats`` (None without)."""

    subset: SubsetRun
    sample: Sample
    prompt: dict
    key: str | None
    record: dict | None = None
    review: tuple[dict, bytes] | None = None
    repeat: int | None = None


@dataclass
class Finished:
    """A predicted sample on its way to the scorer; ``review`` is its earlier ``(review, line)`` when kept."""

    subset: SubsetRun
    sample: Sample
    record: Mapping[str, Any]  # a new PredictionLine, or a stored line reused as read
    review: tuple[Mapping[str, Any], bytes] | None = None


class Scheduler:
    """Runs every sample of ``datasets`` through ``driver`` and the scorer; see the module docstring.

    What is specific to the run comes in two objects: ``source`` (a ``SubsetSource``) opens each subset, says
    which stored predictions and reviews can be reused, builds each prediction line and finishes each subset;
    ``scorer`` (a ``SampleScorer``) grades each prediction, awaited on the loop when ``scores_async`` says so.
    ``policy`` (the run's ``StopPolicy``) counts each scored sample and says when to start no new batch; an
    exception out of the model or a scorer that it found fatal stops the run at once (``run`` raises it), the
    samples finished so far kept.
    """

    def __init__(
        self,
        driver: ModelDriver,
        datasets: list[DatasetRun],
        source: SubsetSource,
        scorer: SampleScorer,
        policy: StopPolicy,
        repeats: int = 1,
    ) -> None:
        self.driver = driver
        self.datasets = datasets
        self.source = source
        self.scorer = scorer
        self.policy = policy
        self.repeats = repeats
        self.kept = 0
        self._feed: Iterator[WorkItem] = self._items()
        self._peeked: WorkItem | None = None
        self._batches = 0
        self._scorer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="evalscope-scorer")
        self._scoring_failure: BaseException | None = None
        # Bound to the event loop, so made when ``run`` starts:
        self._failed: asyncio.Future
        self._loop: asyncio.AbstractEventLoop
        self._slots: asyncio.Semaphore
        self._ascore_slots: asyncio.Semaphore
        self._scoring_tasks: set[asyncio.Task] = set()
        self._open: list[SubsetRun] = []
        self._progress: Any = None

    async def run(self) -> None:
        """Predict and score everything; returns when every subset is scored (or raises)."""
        from tqdm import tqdm

        self._loop = loop = asyncio.get_running_loop()
        self._failed = loop.create_future()
        self._slots = asyncio.Semaphore(SCORING_BACKLOG)
        self._ascore_slots = asyncio.Semaphore(max(self.driver.concurrency, self.driver.batch_size))
        self._progress = tqdm(total=0, unit="sample", desc="evaluating")
        workers = [asyncio.ensure_future(self._worker(loop)) for _ in range(self.driver.concurrency)]
        status = asyncio.ensure_future(show_retry_status(self._progress, self.driver.model))
        try:
            await self._unless_failed(asyncio.gather(*workers))
            while self._scoring_tasks:
                await self._unless_failed(asyncio.gather(*self._scoring_tasks))
            await self._unless_failed(loop.run_in_executor(None, self._scorer.shutdown, True))
        finally:
            scoring = list(self._scoring_tasks)
            for task in (*workers, status, *scoring):
                task.cancel()
            await asyncio.gather(*workers, status, *scoring, return_exceptions=True)
            self._scorer.shutdown(wait=True, cancel_futures=True)
            for subset in self._open:
                subset.store.close()
                if subset.reviews is not None:
                    subset.reviews.close()
            self._progress.close()

    async def _unless_failed(self, awaitable: Awaitable) -> None:
        """Await ``awaitable``, unless a fatal scoring failure comes first: that is raised at once, even while
        every worker waits on the model."""
        future = asyncio.ensure_future(awaitable)
        try:
            await asyncio.wait([future, self._failed], return_when=asyncio.FIRST_COMPLETED)
            self._raise_scoring_failure()
            await future
        finally:
            if not future.done():
                future.cancel()
                await asyncio.gather(future, return_exceptions=True)

    # -- feeding ---------------------------------------------------------------------------

    def _items(self) -> Iterator[WorkItem]:
        """Every sample of the run, in order; each subset is opened when the pool reaches it."""
        for dataset in self.datasets:
            for position, name in enumerate(dataset.subsets):
                prompted, subset = self.source.open(dataset, name, position)
                subset.answers = AnswerGroups(self.repeats)
                self._open.append(subset)
                self._progress.set_description_str(f"{dataset.name}/{name}", refresh=False)
                self._progress.refresh()
                count = from_cache = 0
                for sample, prompt, repeat in self._answers(prompted):
                    count += 1
                    self._progress.total += 1
                    key, record = self.source.cached(subset, sample, prompt, repeat)
                    from_cache += record is not None
                    review = self.source.earlier_review(subset, sample, record) if record is not None else None
                    yield WorkItem(subset, sample, prompt, key, record, review, repeat)
                self._submit(self._subset_fed, subset, count)
                what = "samples" if self.repeats == 1 else f"answers ({count // self.repeats} samples × {self.repeats})"
                logger.info(
                    f"{dataset.name}/{name}: {count} {what}, {from_cache} from cache, {count - from_cache} to predict"
                )
        self.source.fed()

    def _answers(self, prompted: Iterable[tuple[Sample, dict]]) -> Iterator[tuple[Sample, dict, int | None]]:
        """``(sample, prompt, repeat)`` of each answer to ask for: each sample once (``repeat`` None), or, with
        ``repeats`` > 1, each batch of samples once per answer index."""
        if self.repeats == 1:
            for sample, prompt in prompted:
                yield sample, prompt, None
            return
        iterator = iter(prompted)
        while chunk := list(itertools.islice(iterator, self.driver.batch_size)):
            for repeat in range(self.repeats):
                for sample, prompt in chunk:
                    yield sample, prompt, repeat

    async def _next_batch(self) -> list[WorkItem]:
        """Up to the driver's batch size of samples to predict, all of one dataset; cached ones are scored."""
        batch: list[WorkItem] = []
        cached: list[Finished] = []
        while len(batch) < self.driver.batch_size:
            item, self._peeked = self._peeked or next(self._feed, None), None
            if item is None:
                break
            if item.record is not None:
                self.kept += item.record.get("error") is None  # a reused prediction is kept too
                cached.append(Finished(item.subset, item.sample, item.record, item.review))
                if len(cached) == CACHED_CHUNK:
                    await self._score(cached)
                    cached = []
                continue
            if batch and (item.subset.dataset is not batch[0].subset.dataset or item.repeat != batch[0].repeat):
                self._peeked = item
                break
            batch.append(item)
        if cached:
            await self._score(cached)
        return batch

    # -- predicting ------------------------------------------------------------------------

    async def _worker(self, loop: asyncio.AbstractEventLoop) -> None:
        while not self.policy.stop_after_batch():
            batch = await self._next_batch()
            if not batch:
                return
            dataset = batch[0].subset.dataset
            prompts = [item.prompt for item in batch]
            origin_inputs = [{**item.prompt, "raw": item.sample.raw, "index": item.sample.id} for item in batch]
            label = f"batch {self._batches} (samples {batch[0].sample.id}..{batch[-1].sample.id})"
            repeat = batch[0].repeat
            if repeat is not None:
                label += f", answer {repeat}"
            infer_cfg = request_config(dataset.infer_cfg, repeat)
            self._batches += 1
            generations = await self.driver.generate(prompts, origin_inputs, infer_cfg, label, dataset.name)
            finished = [
                Finished(
                    item.subset,
                    item.sample,
                    self.source.make_record(item.sample, item.prompt, item.key, generation, dataset, item.repeat),
                )
                for item, generation in zip(batch, generations)
            ]
            for subset, group in itertools.groupby(finished, key=lambda entry: entry.subset):
                subset.store.append_many([entry.record for entry in group])
            self.kept += sum(entry.record["error"] is None for entry in finished)
            await self._score(finished)

    # -- scoring (in the scoring thread) ---------------------------------------------------

    async def _score(self, finished: list[Finished]) -> None:
        """Score ``finished`` predictions: in tasks on the loop for an async scorer (waiting for free
        slots), else in the scoring thread (waiting while it is far behind), which also records the
        earlier reviews that are kept."""
        self._raise_scoring_failure()
        in_thread = [entry for entry in finished if entry.review or not self.scorer.scores_async(entry.subset.dataset)]
        for entry in finished:
            if not entry.review and self.scorer.scores_async(entry.subset.dataset):
                await self._ascore_slots.acquire()
                task = asyncio.ensure_future(self._ascore_one(entry.subset, entry.sample, entry.record))
                self._scoring_tasks.add(task)
                task.add_done_callback(self._scoring_tasks.discard)
        if not in_thread:
            return
        await self._slots.acquire()
        loop, slots = asyncio.get_running_loop(), self._slots
        future = self._submit(self._score_many, in_thread)
        future.add_done_callback(lambda _: loop.call_soon_threadsafe(slots.release))

    async def _ascore_one(self, subset: SubsetRun, sample: Sample, record: Mapping[str, Any]) -> None:
        try:
            review = await self.scorer.ascore(subset.dataset, sample, record)
        except Exception as exc:  # found fatal by the stop policy: the run stops
            self._fail(exc)
            return
        finally:
            self._ascore_slots.release()
        self._submit(self._record_one, subset, review, record)

    def _submit(self, function: Callable, *args: Any) -> Future:
        # The scoring thread runs in a copy of the run's context, so its errors and log lines are scrubbed of
        # the run's secrets (evalscope.utils.secrets keeps them in a context variable).
        return self._scorer.submit(contextvars.copy_context().run, self._guarded, function, *args)

    def _guarded(self, function: Callable, *args: Any) -> None:
        if self._scoring_failure is not None:
            return
        try:
            function(*args)
        except BaseException as exc:  # reported to the event loop at once
            self._scoring_failure = exc
            self._loop.call_soon_threadsafe(self._fail, exc)

    def _fail(self, exc: BaseException) -> None:
        """Stop the run with ``exc`` (the first failure wins)."""
        if self._scoring_failure is None:
            self._scoring_failure = exc
        if not self._failed.done():
            self._failed.set_result(None)

    def _raise_scoring_failure(self) -> None:
        if self._scoring_failure is not None:
            raise self._scoring_failure

    def _score_many(self, finished: list[Finished]) -> None:
        for entry in finished:
            if entry.review is not None:
                self._record(entry.subset, entry.review[0], entry.record, line=entry.review[1])
            else:
                self._record(
                    entry.subset, self.scorer.score(entry.subset.dataset, entry.sample, entry.record), entry.record
                )
        self._progress.update(len(finished))

    def _record_one(self, subset: SubsetRun, review: Mapping[str, Any], record: Mapping[str, Any]) -> None:
        self._record(subset, review, record)
        self._progress.update(1)

    def _record(
        self, subset: SubsetRun, review: Mapping[str, Any], record: Mapping[str, Any], line: bytes | None = None
    ) -> None:
        if subset.reviews is None:
            subset.reviews = partial_path(subset.reviews_path).open("wb")
        subset.reviews.write(line if line is not None else encode_line(review))
        self.policy.count(review, f"{subset.dataset.name}/{subset.name} ")
        sample_review = subset.answers.add(review)
        if sample_review is not None and subset.tally.add(sample_review):
            subset.dataset.scores.add(sample_review["score"])
            subset.dataset.metrics.add(sample_review.get("metrics"))
        response = record.get("response")
        if response is not None:
            subset.dataset.usage.add(response)
        subset.remaining -= 1
        if subset.counted and subset.remaining == 0:
            self._finish_subset(subset)

    def _subset_fed(self, subset: SubsetRun, count: int) -> None:
        """All ``count`` samples of ``subset`` are fed: finish it now if they are all scored already."""
        subset.remaining += count
        subset.counted = True
        if subset.remaining == 0:
            self._finish_subset(subset)

    def _finish_subset(self, subset: SubsetRun) -> None:
        if subset.reviews is None:
            subset.reviews = partial_path(subset.reviews_path).open("wb")
        subset.reviews.close()
        os.replace(partial_path(subset.reviews_path), subset.reviews_path)
        subset.store.close()
        subset.dataset.results[subset.position] = subset.tally.result(subset.name)
        self.source.done(subset)


async def show_retry_status(progress: Any, model: Any, every: float = 0.5) -> None:
    """Show the model's ``retry_status`` (what it is retrying) beside the progress bar while it lasts."""
    shown = None
    while True:
        await asyncio.sleep(every)
        status = getattr(model, "retry_status", None)
        if status != shown:
            progress.set_postfix_str(status or "")
            shown = status
