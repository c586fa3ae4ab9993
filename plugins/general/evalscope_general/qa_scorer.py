"""The ``general_qa`` scorers: the answer against the reference, by exact match, token F1 and ROUGE-L.

The three scorers differ only in which metric is the score; each review's explanation records all
three. A closed ``<think>`` block is left out of the answer (see ``evalscope_general.thinking``).
"""

from __future__ import annotations

from evalscope.benchmarks.base import Sample
from evalscope.scorers.base import Score, Scorer
from evalscope_general.qa_metrics import METRICS
from evalscope_general.thinking import after_thinking


class GeneralQAScorer(Scorer):
    """Scores the answer with the metric ``metric`` (``exact_match``, ``f1`` or ``rouge_l``)."""

    def __init__(self, metric: str = "f1") -> None:
        if metric not in METRICS:
            raise ValueError(f"unknown metric {metric!r}; one of {', '.join(METRICS)}")
        self.metric = metric

    def score(self, completion: str, sample: Sample) -> Score:
        """Every metric of the answer against ``sample.target``; the score is ``metric``'s."""
        answer = after_thinking(completion or "").strip()
        values = {name: metric(answer, sample.target) if answer else 0.0 for name, metric in METRICS.items()}
        explanation = ", ".join(f"{name} {value:.4g}" for name, value in values.items())
        return Score(values[self.metric], prediction=answer, gold=sample.target, explanation=explanation)
