"""Aggregate per-sample scores: mean, standard error and a 95% confidence interval."""

from __future__ import annotations

import math

Z_95 = 1.959963984540054


def mean_with_ci(values: list[float]) -> dict[str, float | int]:
    """The mean of ``values`` with its standard error and a normal 95% confidence interval.

    The standard error uses the sample standard deviation (n - 1); the interval is
    clipped to [0, 1] since scores are in that range.
    """
    n = len(values)
    if n == 0:
        return {"score": 0.0, "stderr": 0.0, "ci_low": 0.0, "ci_high": 0.0, "num": 0}
    mean = sum(values) / n
    variance = sum((v - mean) ** 2 for v in values) / (n - 1) if n > 1 else 0.0
    stderr = math.sqrt(variance / n)
    return {
        "score": mean,
        "stderr": stderr,
        "ci_low": max(0.0, mean - Z_95 * stderr),
        "ci_high": min(1.0, mean + Z_95 * stderr),
        "num": n,
    }
