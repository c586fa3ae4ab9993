"""The math scorers: the final answer, checked against the gold answer by math-verify.

``math`` (MATH-500, MATH) reads the last box, else the last ``answer is X``; its ``reference``
metric is MATH's original string normalisation. ``aime`` reads the last box, else the last
``answer is N``, else the last whole number; its ``reference`` metric compares whole numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from evalscope.benchmarks.base import Sample
from evalscope.scorers.base import Score, Scorer
from evalscope_math.extract import Fallback, answer_phrase, final_answer, last_integer
from evalscope_math.latex import as_latex
from evalscope_math.reference import integer_equal, math_equivalent
from evalscope_math.verifier import MathVerifier


class MathScorer(Scorer):
    """Scores 1.0 when math-verify finds the final answer equal to ``sample.target`` (gold first).

    The review's ``metrics`` add ``reference``: 1.0 when the benchmark's original comparison agrees.
    A check that overruns its time limit raises ``VerificationTimeout``: the run records a scoring
    error for that sample and goes on.
    """

    metric = "AverageAccuracy"
    fallbacks: ClassVar[Sequence[Fallback]] = (answer_phrase,)
    reference: ClassVar[Callable[[str | None, str], bool]] = staticmethod(math_equivalent)
    described: ClassVar[str] = "no boxed answer and no 'answer is' phrase"

    def __init__(self, verifier: MathVerifier | None = None) -> None:
        self.verifier = verifier or MathVerifier()

    def score(self, completion: str, sample: Sample) -> Score:
        """Extract the final answer of ``completion`` and compare it with ``sample.target``."""
        gold = sample.target
        found = final_answer(completion or "", self.fallbacks)
        if found is None:
            return Score(0.0, prediction=None, gold=gold, explanation=self.described, metrics={"reference": 0.0})
        verdict = self.verifier.check(as_latex(gold), as_latex(found.answer))
        reference = float(self.reference(found.answer, gold))
        relation = "equals" if verdict.equal else "differs from"
        explanation = (
            f"{found.rule}: {found.answer!r}; math-verify: {verdict.answer_parsed} {relation} the gold "
            f"{verdict.gold_parsed}; reference: {'equal' if reference else 'different'}"
        )
        return Score(
            float(verdict.equal), prediction=found.answer, gold=gold, explanation=explanation,
            metrics={"reference": reference},
        )  # fmt: skip

    async def aclose(self) -> None:
        """Stop the verification worker at the end of the run."""
        self.verifier.close()


class AIMEScorer(MathScorer):
    """``MathScorer`` for whole-number answers: falls back to the last whole number; ``reference`` compares integers."""

    fallbacks = (answer_phrase, last_integer)
    reference = staticmethod(integer_equal)
    described = "no boxed answer, no 'answer is' phrase and no whole number"
