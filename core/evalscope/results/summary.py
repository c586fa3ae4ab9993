"""The summary table printed at the end of a run and by ``evalscope report``: one row per dataset, subset and
metric."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from evalscope.utils.table import text_table


def summary_table(reports: Sequence[Mapping[str, Any]]) -> str:
    """A plain-text table of every report: one row per dataset and subset.

    A dataset with several subsets gets two more rows: ``OVERALL (micro)``, the mean over samples,
    and ``OVERALL (macro)``, the mean of the subsets' scores (no interval). The ``Scoring errors``
    column (samples the scorer failed on) and the ``Truncated`` column (answers that hit
    ``max_tokens``) are shown when any of their counts is not 0. Named metrics (``metric_scores``)
    get a column each, with their mean (micro or macro as the row says), when any report has them.
    """
    header = ["Model", "Dataset", "Metric", "Subset", "Num", "Score", "95% CI", "Errors"]
    rows, results = [], []
    for report in reports:
        for metric in report["metrics"]:
            shown = list(metric["subsets"])
            if len(metric["subsets"]) > 1:
                shown.append({**metric, "name": "OVERALL (micro)"})
                macro_metrics = {
                    name: {"score": entry.get("macro_score")} for name, entry in metric.get("metric_scores", {}).items()
                }
                shown.append(
                    {
                        **metric,
                        "name": "OVERALL (macro)",
                        "score": metric.get("macro_score"),
                        "ci_low": None,
                        "metric_scores": macro_metrics,
                    }
                )
            for result in shown:
                rows.append(_row(report, metric["name"], result))
                results.append(result)
    for column, key in (("Scoring errors", "scoring_errors"), ("Truncated", "truncated")):
        counts = [str(result.get(key, 0)) for result in results]
        if any(count != "0" for count in counts):
            header.append(column)
            rows = [[*row, count] for row, count in zip(rows, counts)]
    names = list(dict.fromkeys(name for result in results for name in result.get("metric_scores") or {}))
    for name in names:
        header.append(name)
        cells = [_number(((result.get("metric_scores") or {}).get(name) or {}).get("score")) for result in results]
        rows = [[*row, cell] for row, cell in zip(rows, cells)]
    return text_table(header, rows)


def _row(report: Mapping[str, Any], metric: str, result: dict[str, Any]) -> list[str]:
    return [
        report["model_name"],
        report["dataset_name"],
        metric,
        result["name"],
        str(result["num"]),
        _number(result["score"]),
        "n/a"
        if result["score"] is None or result["ci_low"] is None
        else f"[{result['ci_low']:.4f}, {result['ci_high']:.4f}]",
        str(result["errors"]),
    ]


def _number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"
