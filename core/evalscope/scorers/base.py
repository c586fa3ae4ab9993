"""The base class a scorer subclasses, and the score it gives one sample."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

from evalscope.benchmarks.base import Sample


@dataclass
class Score:
    """The grade of one sample: ``value`` in [0, 1], with what was extracted and compared.

    ``metrics`` optionally names more measures of the same answer (``{"exact_match": 1.0, "f1": 1.0}``),
    each a number in [0, 1]; the review keeps them and the report averages each one beside the score.
    A measure may carry a weight (``weighted(0.75, 4)``, kept as ``{"value": 0.75, "weight": 4}``): the
    report's mean of that metric is then sum(weight * value) / sum(weight) over the samples (a share
    of items counted over the whole set, e.g. instructions followed out of all instructions).
    """

    value: float
    prediction: Any = None
    gold: Any = None
    explanation: str | None = None
    metrics: dict[str, float] | None = None


class Scorer(ABC):
    """Grades a model's answer text against a sample's target.

    ``metric`` names the aggregate in reports (the mean of the values).

    A scorer that waits on I/O (an LLM judge) may also define ``async def ascore(completion,
    sample) -> Score``: the run then calls it instead of ``score``, on its event loop, with up to
    ``--eval-batch-size`` calls at once, beside the model's requests; and, if the scorer defines
    ``async def aclose()``, awaits that once at the end of the run, on the same loop.
    """

    metric: ClassVar[str] = "AverageAccuracy"

    @abstractmethod
    def score(self, completion: str, sample: Sample) -> Score:
        """Grade ``completion`` (the model's text) for ``sample``."""


def build_scorer(factory: Any, options: Any = None) -> Any:
    """Call a registered scorer ``factory`` as the runner does: ``factory(options=options)`` when it takes an
    ``options`` parameter (``options`` being its benchmark's validated ``--dataset-args``, which say how the
    answers are scored: a judge, a metric), else ``factory()``."""
    import inspect

    try:
        takes_options = "options" in inspect.signature(factory).parameters
    except (TypeError, ValueError):  # a callable whose signature cannot be read
        takes_options = False
    return factory(options=options) if takes_options else factory()


def is_async_scorer(scorer: Any) -> bool:
    """Whether the run grades with ``scorer.ascore`` (a coroutine function) rather than ``scorer.score``."""
    import inspect

    return inspect.iscoroutinefunction(getattr(scorer, "ascore", None))


def unit_number(value: Any) -> bool:
    """Whether ``value`` is a number (not a bool) in [0, 1]; NaN is not."""
    return not isinstance(value, bool) and isinstance(value, int | float) and 0 <= value <= 1


def weighted(value: float, weight: float) -> dict[str, float]:
    """A named metric's entry that counts ``weight`` times in the report's mean: ``{"value": ..., "weight": ...}``.

    ``value`` is a number in [0, 1], ``weight`` a number above 0 (e.g. the instructions a prompt has).
    """
    return {"value": value, "weight": weight}


def metric_value(entry: Any) -> float | None:
    """The number of a named metric's entry (a number, or a ``weighted`` mapping), None when it has none."""
    if isinstance(entry, dict):
        entry = entry.get("value")
    return entry if unit_number(entry) else None


def _weighted_problem(entry: dict) -> str | None:
    if set(entry) != {"value", "weight"}:
        return f"has keys {sorted(entry)}, expected value and weight"
    if not unit_number(entry["value"]):
        return f"has value {entry['value']!r}, expected a number in [0, 1]"
    weight = entry["weight"]
    if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 < weight < float("inf"):
        return f"has weight {weight!r}, expected a number above 0"
    return None


def metrics_problem(metrics: Any) -> str | None:
    """What is wrong with a ``Score``'s ``metrics`` (``metric 'f1' is 1.5, ...``), or None when it is
    None or maps non-empty names to numbers in [0, 1] or to ``weighted`` entries."""
    if metrics is None:
        return None
    if not isinstance(metrics, dict):
        return f"metrics is a {type(metrics).__name__}, expected a dict"
    for name, value in metrics.items():
        if not isinstance(name, str) or not name:
            return f"metric name {name!r} is not a non-empty string"
        if isinstance(value, dict):
            problem = _weighted_problem(value)
            if problem:
                return f"metric {name!r} {problem}"
        elif not unit_number(value):
            return f"metric {name!r} is {value!r}, expected a number in [0, 1]"
    return None
