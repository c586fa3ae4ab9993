"""Reports: per-dataset aggregates of the reviews, and the summary table printed at the end.

A report counts apart the samples it could not score: ``errors`` (the model gave no answer) and
``scoring_errors`` (the scorer raised on the answer); neither enters the score.
"""

from __future__ import annotations

from typing import Any

from evalscope.scorers.metrics import mean_with_ci

USAGE_KEYS = ("prompt_tokens", "completion_tokens", "total_tokens")


def scored_values(reviews: list[dict[str, Any]]) -> list[float]:
    """The scores of the reviews that have one: failed predictions and scoring errors have none."""
    return [review["score"] for review in reviews if review.get("error") is None and not review.get("scoring_error")]


def subset_result(subset: str, reviews: list[dict[str, Any]]) -> dict[str, Any]:
    """Aggregate one subset's reviews; failed samples and scoring errors are counted apart, not scored.

    ``truncated`` counts the scored answers that hit ``max_tokens``; ``no_prediction`` the scored
    answers from which the scorer extracted nothing (``prediction`` null), and
    ``no_prediction_rate`` their share of the scored answers.
    """
    errors = sum(review.get("error") is not None for review in reviews)
    scoring_errors = sum(bool(review.get("scoring_error")) for review in reviews)
    truncated = sum(1 for review in reviews if review.get("error") is None and review.get("truncated"))
    scored = scored_values(reviews)
    no_prediction = sum(
        1
        for review in reviews
        if review.get("error") is None and not review.get("scoring_error") and review.get("prediction") is None
    )
    return {
        "name": subset,
        **mean_with_ci(scored),
        "errors": errors,
        "scoring_errors": scoring_errors,
        "truncated": truncated,
        **_no_prediction(no_prediction, len(scored)),
    }


def _no_prediction(count: int, scored: int) -> dict[str, Any]:
    return {"no_prediction": count, "no_prediction_rate": count / scored if scored else None}


def response_summary(responses: list[dict[str, Any]]) -> dict[str, Any]:
    """Token usage summed over ``responses``, with ``responses`` and ``responses_with_usage`` counts.

    A count that no response carried is None (unknown), not 0.
    """
    usage: dict[str, Any] = dict.fromkeys(USAGE_KEYS)
    with_usage = 0
    for response in responses:
        counts = response.get("usage")
        if not isinstance(counts, dict):
            continue
        with_usage += 1
        for key in USAGE_KEYS:
            count = counts.get(key)
            if isinstance(count, int):
                usage[key] = (usage[key] or 0) + count
    return {**usage, "responses": len(responses), "responses_with_usage": with_usage}


def served_models(responses: list[dict[str, Any]]) -> list[str]:
    """The model names the responses carried (their ``model`` field), sorted."""
    return sorted({response["model"] for response in responses if isinstance(response.get("model"), str)})


def truncation_warning(report: dict[str, Any]) -> str | None:
    """The warning for answers that hit ``max_tokens`` in ``report``, or None when none did."""
    subsets = [subset for metric in report["metrics"] for subset in metric["subsets"]]
    truncated = sum(subset.get("truncated", 0) for subset in subsets)
    if not truncated:
        return None
    answers = sum(subset["num"] for subset in subsets)
    config = report.get("generation_config") or {}
    limit = config.get("max_new_tokens", config.get("max_tokens"))
    shown = limit if limit is not None else "the server's default"
    return f"{truncated} of {answers} answers hit max_tokens ({shown}); raise --generation-config max_new_tokens=..."


def build_report(
    model_id: str,
    dataset: str,
    metric: str,
    subsets: list[dict[str, Any]],
    values: list[float],
    usage: dict[str, Any],
) -> dict[str, Any]:
    """The report of one dataset: overall score with its uncertainty, and each subset's.

    The overall ``score`` is the mean over samples (micro); ``macro_score`` is the mean of the
    subsets' scores, each subset counting once.
    """
    overall = mean_with_ci(values)
    errors = sum(subset["errors"] for subset in subsets)
    scoring_errors = sum(subset["scoring_errors"] for subset in subsets)
    truncated = sum(subset["truncated"] for subset in subsets)
    subset_scores = [subset["score"] for subset in subsets if subset["score"] is not None]
    macro = sum(subset_scores) / len(subset_scores) if subset_scores else None
    no_prediction = _no_prediction(sum(subset["no_prediction"] for subset in subsets), overall["num"])
    return {
        "name": f"{model_id}@{dataset}",
        "model_name": model_id,
        "dataset_name": dataset,
        "score": overall["score"],
        "metrics": [
            {
                "name": metric,
                **overall,
                "macro_score": macro,
                "errors": errors,
                "scoring_errors": scoring_errors,
                "truncated": truncated,
                **no_prediction,
                "subsets": subsets,
            }
        ],
        "errors": errors,
        "scoring_errors": scoring_errors,
        "truncated": truncated,
        "usage": usage,
    }


def summary_table(reports: list[dict[str, Any]]) -> str:
    """A plain-text table of every report: one row per dataset and subset.

    A dataset with several subsets gets two more rows: ``OVERALL (micro)``, the mean over samples,
    and ``OVERALL (macro)``, the mean of the subsets' scores (no interval). The ``Scoring errors``
    column (samples the scorer failed on) and the ``Truncated`` column (answers that hit
    ``max_tokens``) are shown when any of their counts is not 0.
    """
    header = ["Model", "Dataset", "Metric", "Subset", "Num", "Score", "95% CI", "Errors"]
    rows, results = [], []
    for report in reports:
        for metric in report["metrics"]:
            shown = list(metric["subsets"])
            if len(metric["subsets"]) > 1:
                shown.append({**metric, "name": "OVERALL (micro)"})
                shown.append({**metric, "name": "OVERALL (macro)", "score": metric.get("macro_score"), "ci_low": None})
            for result in shown:
                rows.append(_row(report, metric["name"], result))
                results.append(result)
    for column, key in (("Scoring errors", "scoring_errors"), ("Truncated", "truncated")):
        counts = [str(result.get(key, 0)) for result in results]
        if any(count != "0" for count in counts):
            header.append(column)
            rows = [[*row, count] for row, count in zip(rows, counts)]
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
        "n/a"
        if result["score"] is None or result["ci_low"] is None
        else f"[{result['ci_low']:.4f}, {result['ci_high']:.4f}]",
        str(result["errors"]),
    ]
