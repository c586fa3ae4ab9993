"""The typed work of a run: a benchmark ready to run (``BenchmarkJob``), and the running state of each of its
datasets (``DatasetRun``) and subsets (``SubsetRun``) as the scheduler fills them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evalscope.benchmarks.base import Benchmark
from evalscope.repeats import AnswerGroups
from evalscope.results.report import MetricTallies, Report, SubsetTally, UsageTally
from evalscope.run.review_reuse import ScorerKeys
from evalscope.scorers.base import Scorer
from evalscope.scorers.metrics import ScoreTally
from evalscope.store.jsonl import PredictionStore


@dataclass
class BenchmarkJob:
    """A benchmark ready to run: the scorer that grades it, the subsets to evaluate (checked up front) and
    the ``scorer_key`` of its reviews."""

    name: str
    benchmark: Benchmark
    scorer: Scorer
    subsets: list[str]
    scorer_keys: ScorerKeys


@dataclass
class DatasetRun:
    """One dataset of the run: its job, generation config, subsets and running aggregates."""

    job: BenchmarkJob
    infer_cfg: dict[str, Any]
    subsets: list[str]
    scores: ScoreTally = field(default_factory=ScoreTally)
    metrics: MetricTallies = field(default_factory=MetricTallies)
    usage: UsageTally = field(default_factory=UsageTally)
    results: dict[int, dict[str, Any]] = field(default_factory=dict)
    report: Report | None = None

    @property
    def name(self) -> str:
        """The dataset's name."""
        return self.job.name

    def finished_subsets(self) -> list[dict[str, Any]]:
        """The results of the subsets scored so far, in the benchmark's subset order."""
        return [self.results[position] for position in sorted(self.results)]

    @property
    def complete(self) -> bool:
        """Whether every subset is scored."""
        return len(self.results) == len(self.subsets)


@dataclass
class SubsetRun:
    """One subset of a dataset: its prediction store, reviews file and running aggregates.

    ``remaining`` is how many of its samples are fed but not yet scored, and ``counted`` whether all
    are fed; both change in the scoring thread only, which finishes the subset when both say so.
    """

    dataset: DatasetRun
    name: str
    position: int
    store: PredictionStore
    reviews_path: Path
    remaining: int = 0
    counted: bool = False
    tally: SubsetTally = field(default_factory=SubsetTally)
    reviews: Any = None
    answers: AnswerGroups = field(default_factory=lambda: AnswerGroups(1))
