"""evalscope plugin: math benchmarks (``math_500``, ``competition_math``, ``aime24``, ``aime25``) and their
scorers ``math`` and ``aime`` (math-verify, with the benchmarks' original comparison as ``reference``).

This module is imported at every start of evalscope, so it imports nothing heavy: the benchmark,
scorer and math-verify modules load only when a run asks for them.
"""

from __future__ import annotations

from typing import Any

from evalscope import hookimpl

__version__ = "0.1.0"

_OPTIONS = "evalscope_math.benchmarks:MathOptions"


def math_500_benchmark(options: dict | None = None, seed: int = 42) -> Any:
    """MATH-500: 500 MATH test problems, 0-shot, the answer boxed; scored with math-verify."""
    from evalscope_math.benchmarks import Math500

    return Math500(options=options, seed=seed)


def competition_math_benchmark(options: dict | None = None, seed: int = 42) -> Any:
    """MATH: the 5,000 test problems in 7 subject subsets, 0-shot, the answer boxed; scored with math-verify."""
    from evalscope_math.benchmarks import CompetitionMath

    return CompetitionMath(options=options, seed=seed)


def aime24_benchmark(options: dict | None = None, seed: int = 42) -> Any:
    """AIME 2024: 30 problems with whole-number answers, 0-shot, the answer boxed; scored with math-verify."""
    from evalscope_math.benchmarks import AIME24

    return AIME24(options=options, seed=seed)


def aime25_benchmark(options: dict | None = None, seed: int = 42) -> Any:
    """AIME 2025: 30 problems with whole-number answers, 0-shot, the answer boxed; scored with math-verify."""
    from evalscope_math.benchmarks import AIME25

    return AIME25(options=options, seed=seed)


math_500_benchmark.Options = _OPTIONS  # shown by `evalscope plugins show math`
competition_math_benchmark.Options = "evalscope_math.benchmarks:CompetitionMathOptions"
aime24_benchmark.Options = "evalscope_math.benchmarks:AIME24Options"
aime25_benchmark.Options = "evalscope_math.benchmarks:AIME25Options"


def math_scorer() -> Any:
    """The last box (else the last 'answer is X') compared with the gold by math-verify; ``reference``: MATH's
    string normalisation. Builds ``MathScorer``."""
    from evalscope_math.scorer import MathScorer

    return MathScorer()


def aime_scorer() -> Any:
    """The last box (else 'answer is N', else the last whole number) compared by math-verify; ``reference``:
    integer equality. Builds ``AIMEScorer``."""
    from evalscope_math.scorer import AIMEScorer

    return AIMEScorer()


@hookimpl
def register_benchmarks(register):
    """Register the benchmarks ``math_500``, ``competition_math``, ``aime24`` and ``aime25``."""
    register("math_500", math_500_benchmark)
    register("competition_math", competition_math_benchmark)
    register("aime24", aime24_benchmark)
    register("aime25", aime25_benchmark)


@hookimpl
def register_scorers(register):
    """Register the scorers ``math`` and ``aime``."""
    register("math", math_scorer)
    register("aime", aime_scorer)
