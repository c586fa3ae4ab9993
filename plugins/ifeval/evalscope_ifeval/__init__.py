"""evalscope plugin: the IFEval benchmark (``--datasets ifeval``) and its scorer ``ifeval``.

This module is imported at every start of evalscope, so it imports nothing heavy: the benchmark,
the scorer and the tokenizers they use load only when a run asks for them.
"""

from __future__ import annotations

from typing import Any

from evalscope import hookimpl

__version__ = "0.1.0"


def ifeval_benchmark(options: dict | None = None, seed: int = 42) -> Any:
    """IFEval: 541 prompts with verifiable instructions (length, format, keywords, case, language...).

    Builds ``IFEval`` from its ``--dataset-args`` options and the run's seed.
    """
    from evalscope_ifeval.benchmark import IFEval

    return IFEval(options=options, seed=seed)


ifeval_benchmark.Options = "evalscope_ifeval.benchmark:IFEvalOptions"  # shown by `evalscope plugins show ifeval`


def ifeval_scorer() -> Any:
    """Each instruction of the prompt checked by rule, strictly and loosely; the score is prompt-level strict.

    Builds ``IFEvalScorer``.
    """
    from evalscope_ifeval.scorer import IFEvalScorer

    return IFEvalScorer()


@hookimpl
def register_benchmarks(register):
    """Register the benchmark ``ifeval``."""
    register("ifeval", ifeval_benchmark)


@hookimpl
def register_scorers(register):
    """Register the scorer ``ifeval``."""
    register("ifeval", ifeval_scorer)
