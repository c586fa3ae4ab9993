"""The commands that read finished (or interrupted) run folders: ``report``, ``compare`` and ``view``."""

from __future__ import annotations

import json
import sys


def command_report(run_dir: str, as_json: bool) -> int:
    """Print the summary table of the run in ``run_dir`` from its files (``--json``: the reports)."""
    from evalscope.results.reader import load_run, run_reports
    from evalscope.results.summary import summary_table

    run = load_run(run_dir)
    reports, unscored = run_reports(run)
    if as_json:
        print(json.dumps({"reports": reports, "unscored": unscored}, indent=2, ensure_ascii=False))
        return 0
    if reports:
        print(summary_table(reports))
    for item in unscored:
        print(
            f"{item['model_id']}/{item['dataset']}/{item['subset']}: {item['predictions']} predictions, not scored "
            f"(the run stopped before scoring it; resume with --use-cache {run_dir})"
        )
    if not reports and not unscored:
        print(f"{run_dir}: no predictions or reports yet", file=sys.stderr)
        return 1
    return 0


def command_compare(run_a: str, run_b: str, as_json: bool, metric: str | None = None) -> int:
    """Print the paired comparison of two runs (``--json``: a list of objects, see ``evalscope.results.compare``);
    with ``metric``, of that named metric of the samples instead of their score."""
    from evalscope.errors import ConfigError
    from evalscope.results.compare import JSON_KEYS, compare_runs, compare_table, config_differences
    from evalscope.results.reader import load_run, metric_names

    first, second = load_run(run_a), load_run(run_b)
    rows = compare_runs(first, second, metric)
    if not rows and metric is not None and compare_runs(first, second):
        names_a, names_b = (
            ", ".join(sorted({n for s in run.subsets for n in metric_names(s)})) for run in (first, second)
        )
        raise ConfigError(
            f"--metric {metric}: not a metric of both runs' samples "
            f"(A has: {names_a or 'none'}; B has: {names_b or 'none'})"
        )
    if not rows:
        raise ConfigError(f"{run_a} and {run_b} have no dataset and subset in common to compare")
    for warning in config_differences(first, second):
        print(f"warning: {warning}", file=sys.stderr)
    for row in rows:
        if row["prompts_differ"]:
            print(
                f"warning: {row['dataset']}/{row['subset']}: {row['prompts_differ']} of {row['n']} paired samples "
                "were asked different prompts",
                file=sys.stderr,
            )
    if as_json:
        print(json.dumps([{key: row[key] for key in JSON_KEYS} for row in rows], indent=2, ensure_ascii=False))
    else:
        print(f"A: {run_a}\nB: {run_b}" + (f"\nmetric: {metric}" if metric else ""))
        print(compare_table(rows))
    return 0


def command_view(run_dirs: list[str], output: str | None, open_it: bool) -> int:
    """Write the HTML page for ``run_dirs``, print its path (and on stderr that it replaced an earlier
    file, when it did) and, with ``--open``, open it in a browser."""
    import os

    from evalscope.view.page import default_output, write_view

    target = output or default_output(run_dirs)
    existed = os.path.exists(target)
    path = write_view(run_dirs, target)
    print(path)
    if existed:
        print(f"evalscope: replaced the earlier {path}", file=sys.stderr)
    if open_it:
        import pathlib
        import webbrowser

        webbrowser.open(pathlib.Path(path).resolve().as_uri())
    return 0
