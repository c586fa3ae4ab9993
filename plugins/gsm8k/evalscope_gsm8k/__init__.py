"""evalscope plugin: the GSM8K benchmark (``--datasets gsm8k``) and its scorer ``gsm8k``.

This module is imported at every start of evalscope, so it imports nothing heavy: the
benchmark and the scorer modules load only when a run asks for them.
"""

from __future__ import annotations

from typing import Any

from evalscope import hookimpl

__version__ = "0.1.0"


def gsm8k_benchmark(options: dict | None = None, seed: int = 42) -> Any:
    """GSM8K: 1319 grade-school math word problems with chain-of-thought exemplars, scored on the final number.

    Builds ``GSM8K`` from its ``--dataset-args`` options and the run's seed.
    """
    from evalscope_gsm8k.benchmark import GSM8K

    return GSM8K(options=options, seed=seed)


gsm8k_benchmark.Options = "evalscope_gsm8k.benchmark:GSM8KOptions"  # shown by `evalscope plugins show gsm8k`


def gsm8k_scorer() -> Any:
    """The final number of the answer (``#### N``, "The answer is N", ``\\boxed{N}``, else the last), compared by value.

    Builds ``GSM8KScorer``.
    """
    from evalscope_gsm8k.scorer import GSM8KScorer

    return GSM8KScorer()


@hookimpl
def register_benchmarks(register):
    """Register the benchmark ``gsm8k``."""
    register("gsm8k", gsm8k_benchmark)


@hookimpl
def register_scorers(register):
    """Register the scorer ``gsm8k``."""
    register("gsm8k", gsm8k_scorer)
