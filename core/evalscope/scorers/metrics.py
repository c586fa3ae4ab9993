"""Aggregate per-sample scores: mean, standard error and a 95% confidence interval."""

from __future__ import annotations

import math
from collections.abc import Iterable

Z_95 = 1.959963984540054


class ScoreTally:
    """Running aggregates of scores (count, sum, spread, whether all are 0 or 1), for ``mean_with_ci``.

    ``add`` one value at a time: the tally keeps a few numbers, not the values, so a run of any
    size aggregates in constant memory. The mean is the sum over the count (as ``sum(values) / n``);
    the spread is Welford's running sum of squared deviations.
    """

    def __init__(self) -> None:
        self.n = 0
        self.total = 0.0
        self.mean = 0.0
        self.squares = 0.0
        self.binary = True

    def add(self, value: float) -> None:
        """Count one score."""
        self.n += 1
        self.total += value
        delta = value - self.mean
        self.mean += delta / self.n
        self.squares += delta * (value - self.mean)
        self.binary = self.binary and value in (0, 1)

    def result(self) -> dict[str, float | int | None]:
        """The mean with its standard error and 95% confidence interval (see ``mean_with_ci``)."""
        n = self.n
        if n == 0:
            return {"score": None, "stderr": None, "ci_low": None, "ci_high": None, "num": 0}
        mean = self.total / n
        variance = self.squares / (n - 1) if n > 1 else 0.0
        stderr = math.sqrt(variance / n)
        if self.binary:
            low, high = wilson_interval(mean, n)
        else:
            low, high = max(0.0, mean - Z_95 * stderr), min(1.0, mean + Z_95 * stderr)
        return {"score": mean, "stderr": stderr, "ci_low": low, "ci_high": high, "num": n}


class WeightedTally:
    """Running aggregates of values that each count with a weight: the mean is sum(w * v) / sum(w).

    While every value came with the default weight 1 the result is exactly ``ScoreTally``'s. Once a
    weight is given, the mean is the ratio of sums, its standard error the ratio estimator's
    (sqrt(n / (n - 1) * sum(w² (v - mean)²)) / sum(w)), its interval the normal one clipped to [0, 1],
    and the result adds ``weight``, the summed weights.
    """

    def __init__(self) -> None:
        self.plain = ScoreTally()
        self.weighted = False
        self.weights = 0.0
        self.products = 0.0
        self.squared_weights = 0.0
        self.squared_products = 0.0
        self.weighted_squares = 0.0

    def add(self, value: float, weight: float | None = None) -> None:
        """Count one value with its ``weight`` (None: the default weight 1)."""
        self.plain.add(value)
        self.weighted = self.weighted or weight is not None
        weight = 1.0 if weight is None else weight
        self.weights += weight
        self.products += weight * value
        self.squared_weights += weight * weight
        self.squared_products += weight * weight * value
        self.weighted_squares += weight * weight * value * value

    def result(self) -> dict[str, float | int | None]:
        """The (weighted) mean with its standard error and 95% confidence interval."""
        if not self.weighted:
            return self.plain.result()
        n = self.plain.n
        mean = self.products / self.weights
        spread = self.weighted_squares - 2 * mean * self.squared_products + mean * mean * self.squared_weights
        stderr = math.sqrt(max(spread, 0.0) * n / (n - 1)) / self.weights if n > 1 else 0.0
        low, high = max(0.0, mean - Z_95 * stderr), min(1.0, mean + Z_95 * stderr)
        return {"score": mean, "stderr": stderr, "ci_low": low, "ci_high": high, "num": n, "weight": self.weights}


def mean_with_ci(values: Iterable[float]) -> dict[str, float | int | None]:
    """The mean of ``values`` with its standard error and a 95% confidence interval.

    The standard error uses the sample standard deviation (n - 1). When every value is 0
    or 1 (accuracy), the interval is the Wilson score interval, which stays inside [0, 1]
    and does not collapse to a point at 0% or 100% accuracy; otherwise it is the normal
    interval, clipped to [0, 1]. With no values there is no score: every figure is None.
    """
    tally = ScoreTally()
    for value in values:
        tally.add(value)
    return tally.result()


def wilson_interval(proportion: float, n: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of a proportion observed in ``n`` trials."""
    denominator = 1 + z * z / n
    centre = (proportion + z * z / (2 * n)) / denominator
    half_width = z * math.sqrt(proportion * (1 - proportion) / n + z * z / (4 * n * n)) / denominator
    low = 0.0 if proportion == 0 else max(0.0, centre - half_width)  # exact at the edges, free of rounding
    high = 1.0 if proportion == 1 else min(1.0, centre + half_width)
    return low, high
