"""Keeping the reviews of a resumed run: a reused prediction keeps its review when nothing it depends on changed.

Every review carries a ``scorer_key``: a digest, made as prediction cache keys are (``CacheKeys``), of

- the scorer: its registered name, the distribution of the plugin that registered it and its version,
  and the benchmark's ``scoring_config()`` (the options that change how answers are scored, for
  ``general_qa`` its metric and its judge's model and rubric, never a secret);
- what it graded: the prediction's ``cache_key`` and completion, and the sample's ``input``,
  ``target`` and ``raw`` row (and its ``options`` as asked, when it has them).

On resume, the review of a reused prediction is kept as written, byte for byte, when its
``scorer_key`` is the one the run computes now and it has no ``scoring_error``; otherwise the sample
is scored again (a review without a ``scorer_key``, from an earlier version, too). The reviews come
from the resumed folder's reviews file and from the ``.partial`` one a stopped run leaves, the newer
review of a sample first. In the resumed folder itself, the ``.partial`` file is first renamed
``….partial-<n>`` (the new one is written beside it); those are deleted once the subset's reviews
file is complete.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evalscope.benchmarks.base import Benchmark, Sample
from evalscope.store.cache_keys import CacheKeys
from evalscope.store.jsonl import JsonlRecords, decode_line
from evalscope.store.records import completion

SCORER_KEY = "scorer_key"
EARLIER_PARTIAL = ".partial-"


def scorer_identity(scorer: str, distribution: str, version: str, benchmark: Benchmark) -> dict[str, Any]:
    """What identifies how ``benchmark``'s answers are scored (the first part of every ``scorer_key``)."""
    return {
        "scorer": scorer,
        "distribution": distribution,
        "version": version,
        "config": benchmark.scoring_config(),
    }


class ScorerKeys:
    """``scorer_key`` of the reviews of one dataset: the scorer's identity digested with what it grades."""

    def __init__(self, identity: dict[str, Any]) -> None:
        self._keys = CacheKeys(identity, {})

    def key(self, sample: Sample, record: Mapping[str, Any]) -> str:
        """The ``scorer_key`` of the review of ``record`` (a prediction line) for ``sample``."""
        graded_sample: dict[str, Any] = {"input": sample.input, "target": sample.target, "raw": sample.raw}
        if sample.options is not None:  # options as asked (a shuffled order is part of what was graded)
            graded_sample["options"] = sample.options
        graded = {"cache_key": record.get("cache_key"), "completion": completion(record), "sample": graded_sample}
        return self._keys.key(graded)


@dataclass
class ReviewCounts:
    """How the reviews of reused predictions fared on resume."""

    kept: int = 0
    scoring_errors: int = 0
    scorer_changed: int = 0
    without_key: int = 0

    def summary(self) -> str:
        """``kept 120 reviews, re-scoring 3 (scoring errors) and 0 (scorer changed)``, and ``… and 5 (no
        scorer_key: an earlier version)`` when some reviews have no key."""
        parts = [f"{self.scoring_errors} (scoring errors)", f"{self.scorer_changed} (scorer changed)"]
        if self.without_key:
            parts.append(f"{self.without_key} (no {SCORER_KEY}: an earlier version)")
        return f"kept {self.kept} reviews, re-scoring {', '.join(parts[:-1])} and {parts[-1]}"


class EarlierReviews:
    """A subset's reviews in a run folder being resumed, looked up by sample id (and ``repeat``, see
    ``evalscope.repeats.answer_id``); counts what ``take`` finds."""

    def __init__(self, reviews_path: Path, counts: ReviewCounts, in_place: bool) -> None:
        """Read ``reviews_path``'s reviews (and its partial ones); with ``in_place`` (the resume writes the same
        folder) its ``.partial`` file is moved aside first, so the run's new one does not overwrite it."""
        partial: Path | None = partial_path(reviews_path)
        if in_place and partial is not None and partial.exists():
            number = 1 + max((_partial_number(path) for path in earlier_partials(reviews_path)), default=0)
            partial.rename(reviews_path.with_name(f"{partial.name}-{number}"))
            partial = None
        paths = [reviews_path, *earlier_partials(reviews_path), *([partial] if partial else [])]
        self.files = [JsonlRecords(path) for path in paths]
        self.counts = counts
        self._index: dict[str | tuple[str, int], tuple[JsonlRecords, int]] = {}
        for file in self.files:  # oldest first: a later review of a sample replaces an earlier one
            for answer, (_, offset) in file.index_by(SCORER_KEY, lambda review: True).items():
                self._index[answer] = (file, offset)

    def take(self, answer: str | tuple[str, int], scorer_key: str) -> tuple[dict, bytes] | None:
        """``(review, line)`` of ``answer`` (a sample id, or ``(sample id, repeat)``) when it has no
        ``scoring_error`` and ``scorer_key`` is its key; else None (it is scored again)."""
        found = self._index.get(answer)
        if found is None:
            return None
        line = found[0].read_line(found[1])
        review = decode_line(line)
        if review.get(SCORER_KEY) is None:
            self.counts.without_key += 1
        elif review[SCORER_KEY] != scorer_key:
            self.counts.scorer_changed += 1
        elif review.get("scoring_error") is not None:
            self.counts.scoring_errors += 1
        else:
            self.counts.kept += 1
            return review, line
        return None

    def close(self) -> None:
        """Close the files."""
        for file in self.files:
            file.close()


def partial_path(path: Path) -> Path:
    """Where a reviews file is written until its subset is complete."""
    return path.with_suffix(path.suffix + ".partial")


def earlier_partials(reviews_path: Path) -> list[Path]:
    """The ``….partial-<n>`` files that resumes in this folder moved aside, oldest first."""
    prefix = reviews_path.name + EARLIER_PARTIAL
    found = [path for path in reviews_path.parent.glob(prefix + "*") if path.name[len(prefix) :].isdigit()]
    return sorted(found, key=_partial_number)


def drop_earlier_partials(reviews_path: Path) -> None:
    """Delete the ``….partial-<n>`` files of a reviews file that is now complete (it holds every review they
    could give)."""
    for path in earlier_partials(reviews_path):
        path.unlink()


def _partial_number(path: Path) -> int:
    return int(path.name.rsplit("-", 1)[1])
