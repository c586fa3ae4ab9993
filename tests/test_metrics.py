"""The uncertainty a report gives for a score."""

from __future__ import annotations

import pytest

from evalscope.scorers.metrics import mean_with_ci


def test_accuracy_gets_a_wilson_interval_that_does_not_collapse_at_the_edges():
    none_right = mean_with_ci([0.0] * 5)
    all_right = mean_with_ci([1.0] * 5)
    assert (none_right["score"], none_right["ci_low"]) == (0.0, 0.0)
    assert none_right["ci_high"] == pytest.approx(0.4345, abs=1e-4)  # 0 of 5 right does not prove 0%
    assert all_right["ci_low"] == pytest.approx(0.5655, abs=1e-4)
    assert all_right["ci_high"] == 1.0


def test_half_right_matches_the_textbook_values():
    result = mean_with_ci([1.0, 0.0] * 50)
    assert result["score"] == 0.5
    assert result["stderr"] == pytest.approx(0.05025, abs=1e-5)  # sample standard deviation / sqrt(n)
    assert (result["ci_low"], result["ci_high"]) == (pytest.approx(0.4038, abs=1e-4), pytest.approx(0.5962, abs=1e-4))


def test_partial_credit_gets_a_normal_interval_clipped_to_the_score_range():
    result = mean_with_ci([0.5, 1.0, 1.0])
    assert result["score"] == pytest.approx(5 / 6)
    assert result["stderr"] == pytest.approx(1 / 6)  # sd sqrt(1/12) over sqrt(3)
    assert result["ci_high"] == 1.0
    assert result["ci_low"] == pytest.approx(0.50668, abs=1e-5)


def test_no_scored_samples_is_no_score_rather_than_zero():
    assert mean_with_ci([]) == {"score": None, "stderr": None, "ci_low": None, "ci_high": None, "num": 0}
