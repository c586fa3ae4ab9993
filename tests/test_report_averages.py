"""Reports over several subsets: the mean over samples (micro), over subsets (macro), and unparsed answers."""

from __future__ import annotations

import pytest

from evalscope.results.report import SubsetTally, build_report
from evalscope.results.summary import summary_table
from evalscope.scorers.metrics import ScoreTally


def subset_result(name: str, reviews: list[dict], overall: ScoreTally) -> dict:
    """The subset's report entry, its scores also counted in the dataset's ``overall``, as the scheduler does."""
    tally = SubsetTally()
    for review in reviews:
        if tally.add(review):
            overall.add(review["score"])
    return tally.result(name)


def reviews(scores: list[float], predictions: list[str | None], errors: int = 0) -> list[dict]:
    scored = [{"score": s, "prediction": p, "error": None, "scoring_error": None} for s, p in zip(scores, predictions)]
    failed = [{"score": None, "prediction": None, "error": None, "scoring_error": "ValueError: judge down"}]
    lines = scored + [{"score": 0.0, "prediction": None, "error": "timeout", "scoring_error": None}] * errors + failed
    return [{"sample_id": str(index), **line} for index, line in enumerate(lines)]


def test_micro_and_macro_means_and_the_no_prediction_rate():
    overall = ScoreTally()
    big = subset_result("big", reviews([1, 1, 1, 0], ["A", "B", "C", None]), overall)
    small = subset_result("small", reviews([0, 0], [None, "D"], errors=1), overall)
    assert (big["no_prediction"], big["no_prediction_rate"]) == (1, 0.25)
    assert (small["no_prediction"], small["no_prediction_rate"]) == (1, 0.5)  # failed samples are not counted
    report = build_report("m", "d", "AverageAccuracy", [big, small], overall, {})
    metric = report["metrics"][0]
    assert report["score"] == metric["score"] == pytest.approx(3 / 6)  # micro: every sample counts once
    assert metric["macro_score"] == pytest.approx((3 / 4 + 0 / 2) / 2)  # macro: every subset counts once
    assert (metric["no_prediction"], metric["no_prediction_rate"]) == (2, pytest.approx(2 / 6))

    table = summary_table([report])
    assert "| OVERALL (micro) | 6   | 0.5000 | [0.1876, 0.8124] | 1      |" in table
    assert "| OVERALL (macro) | 6   | 0.3750 | n/a              | 1      |" in table


def test_one_subset_has_no_overall_rows_and_no_score_means_no_macro():
    overall = ScoreTally()
    only = subset_result("main", reviews([], [], errors=2), overall)
    report = build_report("m", "d", "AverageAccuracy", [only], overall, {})
    assert report["metrics"][0]["macro_score"] is None
    assert report["metrics"][0]["no_prediction_rate"] is None
    assert "OVERALL" not in summary_table([report])
