"""The ``general_qa`` scorers: the answer against the reference, by exact match, token F1 and ROUGE-L,
or by an LLM judge.

The three metric scorers differ only in which metric is the score; each review records all three in
its ``metrics`` (so the report averages each one) and in its explanation. A closed ``<think>`` block
is left out of the answer (see ``evalscope.scorers.thinking``).
"""

from __future__ import annotations

from collections.abc import Callable

from evalscope.benchmarks.base import Sample
from evalscope.errors import ConfigError
from evalscope.scorers.base import Score, Scorer
from evalscope.scorers.thinking import after_thinking
from evalscope_general.judge import GRADES, Judge, JudgeOptions, Verdict
from evalscope_general.qa_metrics import METRICS


class GeneralQAScorer(Scorer):
    """Scores the answer with the metric ``metric`` (``exact_match``, ``f1`` or ``rouge_l``)."""

    def __init__(self, metric: str = "f1") -> None:
        if metric not in METRICS:
            raise ValueError(f"unknown metric {metric!r}; one of {', '.join(METRICS)}")
        self.metric = metric

    def score(self, completion: str, sample: Sample) -> Score:
        """Every metric of the answer against ``sample.target`` (in ``metrics``); the score is ``metric``'s."""
        answer = after_thinking(completion or "").strip()
        values = metric_values(answer, sample.target)
        return Score(values[self.metric], answer, sample.target, describe(values), metrics=values)


def metric_values(answer: str, reference: str) -> dict[str, float]:
    """Every metric of ``answer`` against ``reference`` (all 0.0 for an empty answer)."""
    return {name: metric(answer, reference) if answer else 0.0 for name, metric in METRICS.items()}


def describe(values: dict[str, float]) -> str:
    """``exact_match 0, f1 0.6667, rouge_l 0.6667``."""
    return ", ".join(f"{name} {value:.4g}" for name, value in values.items())


class GeneralQAJudgeScorer(Scorer):
    """1.0 when the LLM judge grades the answer CORRECT (see ``evalscope_general.judge``).

    ``judge`` is general_qa's ``judge`` option (``JudgeOptions``); without it the scorer cannot be
    built (a ``ConfigError``). The review's
    ``prediction`` holds the answer, the grade, the judge's prompt and its reply; ``metrics`` holds
    the three metrics and the grade (``judge_accuracy``), and the explanation says them. An empty
    answer is graded 0.0 without asking the judge. A judge that fails or replies without a grade
    raises ``JudgeError``: the runner records it as the sample's scoring error. A run grades
    through ``ascore``, on its event loop, up to ``--eval-batch-size`` answers at once; ``score``
    does the same from synchronous code.
    """

    metric = "judge_accuracy"

    def __init__(self, judge: JudgeOptions | None = None) -> None:
        if judge is None:
            raise ConfigError("scorer general_qa_judge grades general_qa run with its 'judge' option, which is not set")
        self.judge = Judge(judge)

    def score(self, completion: str, sample: Sample) -> Score:
        """Ask the judge for a grade of the answer (from code without an event loop)."""
        return self._graded(completion, sample, lambda *texts: self.judge.grade(*texts))

    async def ascore(self, completion: str, sample: Sample) -> Score:
        """Ask the judge for a grade of the answer, on the run's event loop."""
        answer = after_thinking(completion or "").strip()
        verdict = await self.judge.agrade(sample.input, sample.target, answer) if answer else None
        return self._graded(completion, sample, lambda *_: verdict)

    async def aclose(self) -> None:
        """Close the judge's connections."""
        await self.judge.aclose()

    def _graded(self, completion: str, sample: Sample, ask: Callable[..., Verdict | None]) -> Score:
        answer = after_thinking(completion or "").strip()
        values = metric_values(answer, sample.target)
        if not answer:
            prediction = {"answer": answer, "grade": None, "judge_prompt": None, "judge_reply": None}
            explanation = f"empty answer, not sent to the judge; {describe(values)}"
            return Score(0.0, prediction, sample.target, explanation, metrics={**values, self.metric: 0.0})
        verdict = ask(sample.input, sample.target, answer)
        prediction = {
            "answer": answer,
            "grade": verdict.grade,
            "judge_prompt": verdict.prompt,
            "judge_reply": verdict.reply,
        }
        grade = GRADES[verdict.grade]
        explanation = f"judge: {verdict.grade}; {describe(values)}"
        return Score(grade, prediction, sample.target, explanation, metrics={**values, self.metric: grade})
