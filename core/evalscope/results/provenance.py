"""Provenance: what produced a report (when, with which software, which model and which settings)."""

from __future__ import annotations

import json
import math
import platform
from datetime import datetime, timezone
from typing import Any

from evalscope.results.report import summed_counts
from evalscope.utils.secrets import redact_mapping


def software(plugin_infos: list[Any]) -> dict[str, Any]:
    """evalscope's version, the Python version, and each loaded plugin's name, distribution and version."""
    from evalscope.version import __version__

    plugins = [
        {"name": info.name, "distribution": info.distribution, "version": info.version}
        for info in plugin_infos
        if info.error is None
    ]
    return {"evalscope": __version__, "python": platform.python_version(), "plugins": plugins}


def sample_counts(subsets: list[dict[str, Any]]) -> dict[str, int]:
    """The samples a report covers (``n``): how many were scored, failed (``errors``) or not scorable
    (``scoring_errors``), and how many scored answers hit ``max_tokens`` (``truncated``).

    The one place where a new per-sample count joins the provenance.
    """
    counts = summed_counts(subsets)
    return {
        "n": counts["scored"] + counts["errors"] + counts["scoring_errors"],
        "scored": counts["scored"],
        "errors": counts["errors"],
        "scoring_errors": counts["scoring_errors"],
        "truncated": counts["truncated"],
    }


def provenance(
    *,
    started: float,
    finished: float,
    software: dict[str, Any],
    model: dict[str, Any],
    generation_config: dict[str, Any],
    dataset_options: dict[str, Any],
    limit: int | float | None,
    seed: int,
    resumed_from: str | None,
    subsets: list[dict[str, Any]],
    endpoints: list[dict[str, Any]] | None = None,
    scoring: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The ``provenance`` of one dataset's report; secrets in the settings are masked.

    ``started`` and ``finished`` are epoch seconds of this process's work on the dataset (a resume
    counts from its own start; ``resumed_from`` names the folder whose predictions it reused).
    Both are cut to the millisecond first, so ``duration_s`` is the difference of the times shown.
    ``endpoints`` lists, for a model with several endpoints, the answers each gave for the dataset in
    this process (``[{"url": ..., "answers": ...}]``); None otherwise. ``scoring`` is what the
    benchmark says its scoring ran on (``Benchmark.scoring_provenance``: for code benchmarks, the
    sandbox and the protections in force); None when it says nothing.
    """
    started, finished = math.floor(started * 1000) / 1000, math.floor(finished * 1000) / 1000
    return {
        "started_at": _iso(started),
        "finished_at": _iso(finished),
        "duration_s": round(finished - started, 3),
        **software,
        "model": _plain(redact_mapping(model)),
        "generation_config": _plain(redact_mapping(generation_config)),
        "dataset_options": _plain(redact_mapping(dataset_options)),
        "limit": limit,
        "seed": seed,
        "resumed_from": resumed_from,
        "counts": sample_counts(subsets),
        "endpoints": endpoints,
        "scoring": _plain(redact_mapping(scoring)) if scoring is not None else None,
    }


def _iso(epoch_seconds: float) -> str:
    return datetime.fromtimestamp(epoch_seconds, timezone.utc).isoformat(timespec="milliseconds")


def _plain(value: Any) -> Any:
    # Objects in a custom model's config are named by their text, so the report stays JSON.
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))
