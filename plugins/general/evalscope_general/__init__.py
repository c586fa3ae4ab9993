"""evalscope plugin: your own data without code, ``general_mcq`` and ``general_qa``, and their scorers.

This module is imported at every start of evalscope, so it imports nothing but ``evalscope``'s
hook marker: the benchmark and scorer modules, and ``rouge-score``, load only when a run asks for them.
"""

from __future__ import annotations

from typing import Any

from evalscope import hookimpl

__version__ = "0.1.0"

QA_METRICS = ("exact_match", "f1", "rouge_l")  # general_qa's metrics, in the order reviews list them


def general_mcq_benchmark(options: dict | None = None, seed: int = 42) -> Any:
    """Your own multiple-choice questions: ``{subset}_val.csv`` or ``.jsonl`` files under ``local_path``
    (columns ``question``, ``A``, ``B``, ..., ``answer``), scored on the letter the answer chooses.

    Builds the benchmark from its ``--dataset-args`` options (``local_path`` is required).
    """
    from evalscope_general.mcq import GeneralMCQ

    return GeneralMCQ(options=options, seed=seed)


general_mcq_benchmark.Options = "evalscope_general.mcq:GeneralMCQOptions"  # for `evalscope plugins show`
general_mcq_benchmark.own_data = True  # an unknown benchmark's error suggests it for questions of one's own


def general_mcq_scorer() -> Any:
    """Build the ``general_mcq`` scorer (the chosen letter, read from free text)."""
    from evalscope.scorers.mcq_scorer import GeneralMCQScorer

    return GeneralMCQScorer()


def general_qa_benchmark(options: dict | None = None, seed: int = 42) -> Any:
    """Your own open questions: ``{subset}.jsonl`` files under ``local_path`` (``query`` and ``response``,
    or ``messages``), scored against the reference by token F1, exact match or ROUGE-L, or by an LLM judge.

    Builds the benchmark from its ``--dataset-args`` options (``local_path`` is required).
    """
    from evalscope_general.qa import GeneralQA

    return GeneralQA(options=options, seed=seed)


general_qa_benchmark.Options = "evalscope_general.qa:GeneralQAOptions"  # for `evalscope plugins show`
general_qa_benchmark.own_data = True


def general_qa_scorer(metric: str) -> Any:
    """A factory of the ``general_qa`` scorer whose score is ``metric`` (all three are in each review)."""

    def factory() -> Any:
        from evalscope_general.qa_scorer import GeneralQAScorer

        return GeneralQAScorer(metric)

    factory.__doc__ = f"Build the general_qa scorer scored by {metric}."
    return factory


def general_qa_judge_scorer(options: Any = None) -> Any:
    """Build the ``general_qa_judge`` scorer (an LLM judge's grade) from general_qa's options: the judge
    of its ``judge`` option grades every answer."""
    from evalscope_general.qa_scorer import GeneralQAJudgeScorer

    return GeneralQAJudgeScorer(getattr(options, "judge", None))


@hookimpl
def register_benchmarks(register):
    """Register the benchmarks ``general_mcq`` and ``general_qa``."""
    register("general_mcq", general_mcq_benchmark)
    register("general_qa", general_qa_benchmark)


@hookimpl
def register_scorers(register):
    """Register the scorers of ``general_mcq`` and ``general_qa``."""
    register("general_mcq", general_mcq_scorer)
    for metric in QA_METRICS:
        register(f"general_qa_{metric}", general_qa_scorer(metric))
    register("general_qa_judge", general_qa_judge_scorer)
