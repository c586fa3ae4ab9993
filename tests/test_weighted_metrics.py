"""Named metrics that carry a weight: the report's mean is sum(weight * value) / sum(weight)."""

from __future__ import annotations

import pytest
from run_folders import write_run

from evalscope.results.reader import load_run, run_reports, scored
from evalscope.results.report import MetricTallies
from evalscope.scorers.base import metrics_problem, weighted

# Three prompts with 1, 2 and 4 instructions, of which 1, 1 and 3 were followed.
FOLLOWED = [(1, 1), (1, 2), (3, 4)]


def weighted_metrics() -> list[dict]:
    return [{"share": weighted(done / total, total), "plain": done / total} for done, total in FOLLOWED]


def test_a_weighted_metric_is_counted_over_the_whole_set_not_as_the_mean_of_fractions():
    tallies = MetricTallies()
    for metrics in weighted_metrics():
        tallies.add(metrics)
    result = tallies.result()["metric_scores"]
    assert result["share"]["score"] == pytest.approx(5 / 7)  # 5 instructions followed of 7
    assert result["share"]["weight"] == 7
    assert result["share"]["num"] == 3
    # the ratio estimator's standard error: sqrt(n / (n - 1) * sum(w² (v - 5/7)²)) / sum(w) = sqrt(3/2 * 2/7) / 7
    assert result["share"]["stderr"] == pytest.approx((3 / 7) ** 0.5 / 7)
    assert result["share"]["ci_low"] == pytest.approx(5 / 7 - 1.959964 * (3 / 7) ** 0.5 / 7)
    assert result["plain"]["score"] == pytest.approx((1 + 0.5 + 0.75) / 3)  # unweighted: the mean, as before
    assert "weight" not in result["plain"]


def test_unit_weights_give_the_plain_mean():
    plain, unit = MetricTallies(), MetricTallies()
    for value in (0.25, 1.0, 0.5):
        plain.add({"m": value})
        unit.add({"m": weighted(value, 1)})
    assert unit.result()["metric_scores"]["m"]["score"] == pytest.approx(plain.result()["metric_scores"]["m"]["score"])


def test_a_report_rebuilt_from_the_reviews_keeps_the_weights_and_old_plain_reviews_still_read(tmp_path):
    samples = [
        {"id": str(index), "question": "q", "completion": "a", "score": float(done == total), "metrics": metrics}
        for index, ((done, total), metrics) in enumerate(zip(FOLLOWED, weighted_metrics()))
    ]
    run = load_run(write_run(tmp_path / "run", samples, dataset="ifeval"))
    reports, _ = run_reports(run)
    metric = reports[0]["metrics"][0]
    assert metric["score"] == pytest.approx(1 / 3)
    assert metric["metric_scores"]["share"]["score"] == pytest.approx(5 / 7)
    assert scored(run.subsets[0], "share") == {"0": 1.0, "1": 0.5, "2": 0.75}

    old = [{"id": "0", "question": "q", "completion": "a", "score": 1.0, "metrics": {"f1": 0.5}}]
    old_reports, _ = run_reports(load_run(write_run(tmp_path / "old", old)))
    assert old_reports[0]["metrics"][0]["metric_scores"]["f1"]["score"] == 0.5


@pytest.mark.parametrize(
    ("metrics", "problem"),
    [
        ({"share": {"value": 0.5, "weight": 0}}, "metric 'share' has weight 0, expected a number above 0"),
        ({"share": {"value": 1.5, "weight": 2}}, "metric 'share' has value 1.5, expected a number in [0, 1]"),
        ({"share": {"value": 0.5}}, "metric 'share' has keys ['value'], expected value and weight"),
        ({"share": {"value": 0.5, "weight": True}}, "metric 'share' has weight True, expected a number above 0"),
    ],
)
def test_a_bad_weighted_entry_is_named(metrics, problem):
    assert metrics_problem(metrics) == problem
    assert metrics_problem({"share": weighted(0.5, 3)}) is None
