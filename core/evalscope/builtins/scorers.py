"""Built-in generic scorers: ``exact_match``, ``includes`` and ``multiple_choice`` (the letter an answer chooses)."""

from __future__ import annotations

from evalscope.benchmarks.base import Sample
from evalscope.plugins.hookspecs import hookimpl
from evalscope.scorers.base import Score, Scorer


class ExactMatch(Scorer):
    """1.0 when the answer, stripped of surrounding white space, equals the target."""

    def score(self, completion: str, sample: Sample) -> Score:
        """Compare the stripped answer with the stripped target."""
        prediction = completion.strip()
        return Score(float(prediction == sample.target.strip()), prediction, sample.target)


class Includes(Scorer):
    """1.0 when the target occurs anywhere in the answer."""

    def score(self, completion: str, sample: Sample) -> Score:
        """Look for the target in the answer."""
        return Score(float(sample.target in completion), completion, sample.target)


def multiple_choice_scorer() -> Scorer:
    """The letter a free-text answer chooses among the sample's options, compared with the gold letter.

    Builds ``evalscope.scorers.mcq_scorer.GeneralMCQScorer`` (imported only when a run asks for it).
    """
    from evalscope.scorers.mcq_scorer import GeneralMCQScorer

    return GeneralMCQScorer()


@hookimpl
def register_scorers(register):
    """Register the generic scorers."""
    register("exact_match", ExactMatch)
    register("includes", Includes)
    register("multiple_choice", multiple_choice_scorer)
