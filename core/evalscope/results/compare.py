"""Compare two runs sample by sample: paired differences, their 95% interval and a significance test.

Samples are paired by ``sample_id`` within each dataset and subset present in both runs, and only
samples scored in both runs count. The score compared is each sample's score, or one of its named
metrics (``Score.metrics``) when one is asked for. ``diff`` is B's mean score minus A's. Its 95% confidence interval
is the paired t interval: the mean of the per-sample differences plus or minus Student's t quantile
(n - 1 degrees of freedom) times their standard error. ``p_value`` is two-sided:

- every score 0 or 1: McNemar's exact test, the binomial test of the discordant pairs (``a_only``
  right in A only, ``b_only`` right in B only) against an even split;
- other scores: the paired t-test on the per-sample differences.
"""

from __future__ import annotations

import math
from typing import Any

from evalscope.results.reader import Run, metric_names, scored
from evalscope.utils.table import text_table

FLIPS_SHOWN = 5


def mcnemar_exact(a_only: int, b_only: int) -> float:
    """Two-sided p-value of McNemar's exact test: ``min(1, 2 * P(X <= min(a_only, b_only)))``, X ~ Bin(n, 1/2)."""
    n = a_only + b_only
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, k) for k in range(min(a_only, b_only) + 1))
    return min(1.0, 2 * tail / 2**n)


def student_t_cdf(t: float, df: int) -> float:
    """P(T <= t) for Student's t distribution with ``df`` degrees of freedom."""
    if math.isinf(t):
        return 1.0 if t > 0 else 0.0
    tail = 0.5 * _regularized_beta(df / (df + t * t), df / 2, 0.5)
    return 1 - tail if t > 0 else tail


def student_t_quantile(p: float, df: int) -> float:
    """The ``p`` quantile of Student's t with ``df`` degrees of freedom (found by bisection on the CDF)."""
    low, high = -1e3, 1e3
    for _ in range(200):
        middle = (low + high) / 2
        if student_t_cdf(middle, df) < p:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def paired_statistics(pairs: list[tuple[float, float]]) -> dict[str, Any]:
    """``n``, ``score_a``, ``score_b``, ``diff`` (B - A) with ``ci_low``/``ci_high``, ``a_only``, ``b_only``,
    ``p_value`` and ``test`` (``mcnemar_exact`` or ``paired_t``) for a list of (score A, score B) pairs.

    ``a_only`` counts the pairs where A scored higher, ``b_only`` where B did. With fewer than two
    pairs the interval is None; with no pairs every figure is None.
    """
    n = len(pairs)
    a_only = sum(a > b for a, b in pairs)
    b_only = sum(b > a for a, b in pairs)
    if n == 0:
        return dict.fromkeys(("score_a", "score_b", "diff", "ci_low", "ci_high", "p_value", "test"), None) | {
            "n": 0,
            "a_only": 0,
            "b_only": 0,
        }
    diffs = [b - a for a, b in pairs]
    mean = sum(diffs) / n
    binary = all(a in (0, 1) and b in (0, 1) for a, b in pairs)
    ci_low = ci_high = None
    p_value = None
    if n > 1:
        stderr = math.sqrt(sum((d - mean) ** 2 for d in diffs) / (n - 1) / n)
        half = student_t_quantile(0.975, n - 1) * stderr
        ci_low, ci_high = mean - half, mean + half
        if not binary:
            p_value = (1.0 if mean == 0 else 0.0) if stderr == 0 else 2 * (1 - student_t_cdf(abs(mean) / stderr, n - 1))
    if binary:
        p_value = mcnemar_exact(a_only, b_only)
    return {
        "n": n,
        "score_a": sum(a for a, _ in pairs) / n,
        "score_b": sum(b for _, b in pairs) / n,
        "diff": mean,
        "ci_low": ci_low,
        "ci_high": ci_high,
        "a_only": a_only,
        "b_only": b_only,
        "p_value": p_value,
        "test": "mcnemar_exact" if binary else "paired_t",
    }


def compare_runs(run_a: Run, run_b: Run, metric: str | None = None) -> list[dict[str, Any]]:
    """One row per dataset and subset present in both runs (paired per model when both have it,
    else the single model of each): ``dataset``, ``subset``, the ``paired_statistics`` and the first
    sample ids of each flip direction (``a_only_ids``, ``b_only_ids``), and how many pairs were asked
    different prompts (``prompts_differ``). With ``metric``, the samples' named metric of that name
    is compared instead of their score, and only subsets where both runs have it give a row."""
    rows = []
    for model_a, model_b, subset_a, subset_b in _matching_subsets(run_a, run_b):
        if metric is not None and not (metric in metric_names(subset_a) and metric in metric_names(subset_b)):
            continue
        scores_a, scores_b = scored(subset_a, metric), scored(subset_b, metric)
        ids = [sample_id for sample_id in scores_a if sample_id in scores_b]
        pairs = [(scores_a[i], scores_b[i]) for i in ids]
        stats = paired_statistics(pairs)
        prompts_a = {item["sample_id"]: item["messages"] for item in subset_a.samples}
        prompts_b = {item["sample_id"]: item["messages"] for item in subset_b.samples}
        rows.append(
            {
                "dataset": subset_a.dataset,
                "subset": subset_a.subset,
                "model_a": model_a,
                "model_b": model_b,
                **stats,
                "a_only_ids": [i for i in ids if scores_a[i] > scores_b[i]],
                "b_only_ids": [i for i in ids if scores_b[i] > scores_a[i]],
                "prompts_differ": sum(prompts_a[i] != prompts_b[i] for i in ids),
            }
        )
    return rows


JSON_KEYS = ("dataset", "subset", "n", "score_a", "score_b", "diff", "ci_low", "ci_high", "a_only", "b_only", "p_value")


def config_differences(run_a: Run, run_b: Run) -> list[str]:
    """One warning per dataset whose prompt, dataset options or generation config differ between the runs
    (from the reports' ``provenance`` and ``generation_config``)."""
    warnings = []
    reports_b = {report.get("dataset_name"): report for report in run_b.reports}
    for report_a in run_a.reports:
        dataset = report_a.get("dataset_name")
        report_b = reports_b.get(dataset)
        if report_b is None:
            continue
        prov_a, prov_b = report_a.get("provenance") or {}, report_b.get("provenance") or {}
        checks = (
            ("dataset options (prompt included)", prov_a.get("dataset_options"), prov_b.get("dataset_options")),
            ("generation config", report_a.get("generation_config"), report_b.get("generation_config")),
        )
        for what, value_a, value_b in checks:
            if value_a != value_b:
                warnings.append(f"{dataset}: the runs differ in {what}: A {_short(value_a)}, B {_short(value_b)}")
    return warnings


def compare_table(rows: list[dict[str, Any]]) -> str:
    """The comparison as a plain-text table, followed by the first flipped sample ids of each row."""
    header = ["Dataset", "Subset", "N", "Score A", "Score B", "Diff (B-A)", "95% CI", "A only", "B only", "p", "Test"]
    body = [
        [
            row["dataset"],
            row["subset"],
            str(row["n"]),
            _num(row["score_a"]),
            _num(row["score_b"]),
            _num(row["diff"], signed=True),
            "n/a" if row["ci_low"] is None else f"[{row['ci_low']:+.4f}, {row['ci_high']:+.4f}]",
            str(row["a_only"]),
            str(row["b_only"]),
            "n/a" if row["p_value"] is None else f"{row['p_value']:.4g}",
            row["test"] or "-",
        ]
        for row in rows
    ]
    lines = [text_table(header, body)]
    for row in rows:
        for direction, label in (("a_only_ids", "right in A only"), ("b_only_ids", "right in B only")):
            ids = row[direction]
            if ids:
                more = f" (+{len(ids) - FLIPS_SHOWN} more)" if len(ids) > FLIPS_SHOWN else ""
                lines.append(f"{row['dataset']}/{row['subset']} {label}: {', '.join(ids[:FLIPS_SHOWN])}{more}")
    return "\n".join(lines)


def _matching_subsets(run_a: Run, run_b: Run):
    models_a = sorted({item.model_id for item in run_a.subsets})
    models_b = sorted({item.model_id for item in run_b.subsets})
    for item_a in run_a.subsets:
        if item_a.model_id in models_b:
            model_b = item_a.model_id
        elif len(models_a) == 1 and len(models_b) == 1:
            model_b = models_b[0]
        else:
            continue
        item_b = run_b.subset(model_b, item_a.dataset, item_a.subset)
        if item_b is not None:
            yield item_a.model_id, model_b, item_a, item_b


def _num(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "n/a"
    return f"{value:+.4f}" if signed else f"{value:.4f}"


def _short(value: Any) -> str:
    import json

    text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    return text if len(text) <= 120 else text[:117] + "..."


def _regularized_beta(x: float, a: float, b: float) -> float:
    """I_x(a, b), the regularized incomplete beta function, by its continued fraction (Lentz's method)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x))
    if x > (a + 1) / (a + b + 2):
        return 1 - _regularized_beta(1 - x, b, a)
    tiny = 1e-300
    c, d = 1.0, 1 - (a + b) * x / (a + 1)
    d = 1 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, 300):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1 + numerator * d
            d = 1 / (d if abs(d) > tiny else tiny)
            c = 1 + numerator / c
            c = c if abs(c) > tiny else tiny
            result *= c * d
        if abs(c * d - 1) < 1e-15:
            break
    return front * result / a
