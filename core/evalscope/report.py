"""Reports: per-dataset aggregates of the reviews, and the summary table printed at the end.

A report counts apart the samples it could not score: ``errors`` (the model gave no answer) and
``scoring_errors`` (the scorer raised on the answer); neither enters the score.
"""

from __future__ import annotations

from typing import Any

from evalscope.scorers.metrics import mean_with_ci


def scored_values(reviews: list[dict[str, Any]]) -> list[float]:
    """The scores of the reviews that have one: failed predictions and scoring errors have none."""
    return [review["score"] for review in reviews if review.get("error") is None and not review.get("scoring_error")]


def subset_result(subset: str, reviews: list[dict[str, Any]]) -> dict[str, Any]:
    """Aggregate one subset's reviews; failed samples and scoring errors are counted apart, not scored."""
    errors = sum(review.get("error") is not None for review in reviews)
    scoring_errors = sum(bool(review.get("scoring_error")) for review in reviews)
    return {"name": subset, **mean_with_ci(scored_values(reviews)), "errors": errors, "scoring_errors": scoring_errors}


def build_report(
    model_id: str,
    dataset: str,
    metric: str,
    subsets: list[dict[str, Any]],
    values: list[float],
    usage: dict[str, int],
) -> dict[str, Any]:
    """The report of one dataset: overall score with its uncertainty, and each subset's."""
    overall = mean_with_ci(values)
    errors = sum(subset["errors"] for subset in subsets)
    scoring_errors = sum(subset["scoring_errors"] for subset in subsets)
    return {
        "name": f"{model_id}@{dataset}",
        "model_name": model_id,
        "dataset_name": dataset,
        "score": overall["score"],
        "metrics": [
            {"name": metric, **overall, "errors": errors, "scoring_errors": scoring_errors, "subsets": subsets}
        ],
        "errors": errors,
        "scoring_errors": scoring_errors,
        "usage": usage,
    }


def summary_table(reports: list[dict[str, Any]]) -> str:
    """A plain-text table of every report: one row per dataset and subset."""
    header = ["Model", "Dataset", "Metric", "Subset", "Num", "Score", "95% CI", "Errors", "Scoring errors"]
    rows = []
    for report in reports:
        for metric in report["metrics"]:
            for subset in metric["subsets"]:
                rows.append(_row(report, metric["name"], subset))
            if len(metric["subsets"]) > 1:
                rows.append(_row(report, metric["name"], {**metric, "name": "OVERALL"}))
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows)]
    line = "+" + "+".join("-" * (width + 2) for width in widths) + "+"

    def fmt(cells: list[str]) -> str:
        return "| " + " | ".join(str(cell).ljust(width) for cell, width in zip(cells, widths)) + " |"

    return "\n".join([line, fmt(header), line, *(fmt(row) for row in rows), line])


def _row(report: dict[str, Any], metric: str, result: dict[str, Any]) -> list[str]:
    return [
        report["model_name"],
        report["dataset_name"],
        metric,
        result["name"],
        str(result["num"]),
        "n/a" if result["score"] is None else f"{result['score']:.4f}",
        "n/a" if result["score"] is None else f"[{result['ci_low']:.4f}, {result['ci_high']:.4f}]",
        str(result["errors"]),
        str(result.get("scoring_errors", 0)),
    ]
