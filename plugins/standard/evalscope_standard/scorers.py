"""Scorers that add the ``reference`` metric (the authors' own rules, see ``reference``) to our score."""

from __future__ import annotations

import re

from evalscope.benchmarks.base import Sample
from evalscope.scorers.base import Score, Scorer
from evalscope.scorers.mcq_scorer import GeneralMCQScorer
from evalscope.scorers.thinking import after_thinking
from evalscope_standard.reference import bbh_answer, mmlu_pro_letter, simple_evals_letter

_ANSWER_IS = re.compile(r"(?i)the answer is[:\s]*([^\n]*)")
_BRACKETED = re.compile(r"^\(([A-Z])\)")


class SimpleEvalsMCQScorer(GeneralMCQScorer):
    """The letter scorer, and ``reference``: simple-evals' ``Answer\\s*:\\s*([A-D])`` equals the gold letter."""

    def score(self, completion: str, sample: Sample) -> Score:
        """Our letter, with the reference metric beside it."""
        score = super().score(completion, sample)
        score.metrics = {"reference": float(simple_evals_letter(completion or "") == score.gold)}
        return score


class MMLUProScorer(GeneralMCQScorer):
    """The letter scorer, and ``reference``: MMLU-Pro's ``compute_accuracy.py`` letter equals the gold letter."""

    def score(self, completion: str, sample: Sample) -> Score:
        """Our letter, with the reference metric beside it."""
        score = super().score(completion, sample)
        score.metrics = {"reference": float(mmlu_pro_letter(completion or "") == score.gold)}
        return score


def bbh_prediction(completion: str) -> str | None:
    """Our reading of a BBH answer: the rest of the line after the last "the answer is" (any case), without
    surrounding markdown, quotes and a final full stop; ``(A) text`` is ``(A)``."""
    found = _ANSWER_IS.findall(after_thinking(completion or ""))
    if not found:
        return None
    answer = found[-1].strip().strip("*_`\"'").strip()
    answer = answer[:-1].rstrip() if answer.endswith(".") else answer
    bracketed = _BRACKETED.match(answer)
    return f"({bracketed.group(1)})" if bracketed else answer


class BBHScorer(Scorer):
    """1.0 when our reading of the answer equals the target, ignoring case (``A`` accepted for ``(A)``), and
    ``reference``: the BIG-Bench-Hard rule (after the first ``So the answer is ``) equals the target."""

    metric = "AverageAccuracy"

    def score(self, completion: str, sample: Sample) -> Score:
        """Compare our reading and the reference reading with the target."""
        gold = sample.target.strip()
        prediction = bbh_prediction(completion)
        if prediction is not None and gold.startswith("(") and re.fullmatch(r"[A-Z]", prediction):
            prediction = f"({prediction})"
        right = prediction is not None and prediction.lower() == gold.lower()
        reference = float(bbh_answer(completion or "") == gold)
        return Score(float(right), prediction=prediction, gold=gold, metrics={"reference": reference})
