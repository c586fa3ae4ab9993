"""The base class a scorer subclasses, and the score it gives one sample."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

from evalscope.benchmarks.base import Sample


@dataclass
class Score:
    """The grade of one sample: ``value`` in [0, 1], with what was extracted and compared."""

    value: float
    prediction: Any = None
    gold: Any = None
    explanation: str | None = None


class Scorer(ABC):
    """Grades a model's answer text against a sample's target.

    ``metric`` names the aggregate in reports (the mean of the values).
    """

    metric: ClassVar[str] = "AverageAccuracy"

    @abstractmethod
    def score(self, completion: str, sample: Sample) -> Score:
        """Grade ``completion`` (the model's text) for ``sample``."""
