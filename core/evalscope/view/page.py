"""Build the ``evalscope view`` page: the runs' data embedded as JSON in one HTML file with its own script.

The page works offline and from ``file://``: its script and style are inlined, and a
Content-Security-Policy meta tag allows nothing but that script (by its SHA-256 hash) and that style
(by hash), so no network access. Run data is embedded in a ``<script type="application/json">``
block with every ``<``, ``>`` and ``&`` written as a JSON escape, so no text from a run can end the
block or open a comment; the script inserts all of it as text, never as markup.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from importlib import resources
from typing import Any

from evalscope.results.compare import compare_runs
from evalscope.results.reader import Run, run_reports
from evalscope.view.questions import last_user_text, own_questions

PREFIX_MIN = 200  # shorter common prompt prefixes are not worth factoring out


def page_data(runs: list[Run]) -> dict[str, Any]:
    """The plain data the page is built from.

    ``runs``: each run's ``name``, ``path``, ``reports`` and ``unscored`` subsets. ``groups``: one
    per dataset and subset, with ``columns`` (each run and model that has it) and ``samples``, one
    per sample id: ``id``, ``messages`` (the prompt), ``question`` (the sample's own question: the
    review's, else its prompt without what all prompts of the group share, see
    ``evalscope.view.questions``; left out when it is the last user message) and ``cells`` (that
    sample in each column, or None: the fields of ``evalscope.results.reader.sample`` that are not None or
    False, with ``messages`` only where a run's prompt differs). Message contents may be ``[prefix index, rest]``: the
    group's common prompt prefix is stored once in ``prefixes``. ``compare``: the first run against each other run (see
    ``evalscope.results.compare``), with ``a`` and ``b`` the run indexes.
    """
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    prefixes: list[str] = []
    for index, run in enumerate(runs):
        models = {item.model_id for item in run.subsets}
        for item in run.subsets:
            group = groups.setdefault((item.dataset, item.subset), {"dataset": item.dataset, "subset": item.subset})
            label = run.name if len(models) == 1 else f"{run.name} ({item.model_id})"
            group.setdefault("columns", []).append({"run": index, "model_id": item.model_id, "label": label})
            group.setdefault("_subsets", []).append(item)
    for group in groups.values():
        subsets = group.pop("_subsets")
        prefix = _common_prefix([m.get("content") for s in subsets for x in s.samples for m in x["messages"]])
        prefix_id = None
        if len(prefix) >= PREFIX_MIN:
            prefix_id = len(prefixes)
            prefixes.append(prefix)
        order: dict[str, dict[str, Any]] = {}
        prompts: dict[str, str] = {}
        for column, item in enumerate(subsets):
            for sample in item.samples:
                entry = order.setdefault(
                    sample["sample_id"], {"id": sample["sample_id"], "cells": [None] * len(subsets)}
                )
                cell = _cell(sample, prefix, prefix_id)
                if "messages" not in entry:
                    entry["messages"] = cell["messages"]
                    prompts[sample["sample_id"]] = last_user_text(sample["messages"])
                if not entry.get("question"):
                    entry["question"] = sample.get("question")
                if cell["messages"] == entry["messages"]:  # the prompt is stored once per sample
                    del cell["messages"]
                entry["cells"][column] = cell
        questions = own_questions(prompts)
        for entry in order.values():
            question = entry.pop("question") or questions[entry["id"]]
            if question != prompts[entry["id"]].strip():  # else the page reads it from the prompt
                entry["question"] = question
        group["samples"] = list(order.values())
    compare = []
    for b in range(1, len(runs)):
        for row in compare_runs(runs[0], runs[b]):
            compare.append({**row, "a": 0, "b": b})
    return {
        "runs": [_run_summary(run) for run in runs],
        "groups": list(groups.values()),
        "prefixes": prefixes,
        "compare": compare,
    }


def render_page(data: dict[str, Any]) -> str:
    """The HTML page for ``data`` (from ``page_data``)."""
    files = resources.files("evalscope.view")
    script = (files / "app.js").read_text(encoding="utf-8")
    style = (files / "style.css").read_text(encoding="utf-8")
    template = (files / "page.html").read_text(encoding="utf-8")
    csp = (
        "default-src 'none'; "
        f"script-src '{_hash(script)}'; style-src '{_hash(style)}'; "
        "img-src 'none'; connect-src 'none'; font-src 'none'; base-uri 'none'; form-action 'none'"
    )
    replacements = {"@CSP@": csp, "@STYLE@": style, "@DATA@": embedded_json(data), "@SCRIPT@": script}
    parts = [template]
    for marker, value in replacements.items():  # each marker replaced once, in the template only
        head, _, tail = parts.pop().partition(marker)
        parts += [head, value, tail]
    return "".join(parts)


def embedded_json(data: Any) -> str:
    """``data`` as JSON that is safe inside a ``<script>`` block: ``<``, ``>`` and ``&`` as ``\\u`` escapes."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def write_view(run_dirs: list[str], output: str | None) -> str:
    """Write the page for ``run_dirs`` and return its path (default: see ``default_output``)."""
    from evalscope.errors import ConfigError
    from evalscope.results.reader import load_run

    runs = [load_run(run_dir) for run_dir in run_dirs]
    output = output or default_output(run_dirs)
    html = render_page(page_data(runs))
    try:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(html)
    except OSError as exc:
        raise ConfigError(f"cannot write {output!r}: {exc.strerror}") from None
    return output


def default_output(run_dirs: list[str]) -> str:
    """In the current folder, never in a run folder (a run folder holds what the run wrote, nothing
    else): ``evalscope-view-<run folder name>.html`` for one run, ``evalscope-view.html`` for several."""
    if len(run_dirs) == 1:
        name = os.path.basename(os.path.normpath(os.path.abspath(run_dirs[0])))
        return f"evalscope-view-{name}.html"
    return "evalscope-view.html"


def _run_summary(run: Run) -> dict[str, Any]:
    reports, unscored = run_reports(run)
    return {"name": run.name, "path": str(run.root), "reports": reports, "unscored": unscored}


def _cell(sample: dict[str, Any], prefix: str, prefix_id: int | None) -> dict[str, Any]:
    """The sample without the fields that are empty (None, False) or only used here."""
    cell = {key: value for key, value in sample.items() if value is not None and value is not False}
    cell.pop("reviewed", None)
    cell["messages"] = sample["messages"]
    if prefix_id is not None:
        cell["messages"] = [
            {**m, "content": [prefix_id, m["content"][len(prefix) :]]}
            if isinstance(m.get("content"), str) and m["content"].startswith(prefix)
            else m
            for m in sample["messages"]
        ]
    return cell


def _common_prefix(texts: list[Any]) -> str:
    strings = [text for text in texts if isinstance(text, str)]
    if len(strings) < 2:
        return ""
    prefix = os.path.commonprefix(strings)
    return prefix


def _hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
