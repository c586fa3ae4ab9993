"""evalscope plugin: the standard knowledge and reasoning benchmarks (mmlu, mmlu_pro, arc_easy, arc_challenge,
hellaswag, truthful_qa, winogrande, ceval, cmmlu, gpqa_diamond, bbh) and their scorers.

This module is imported at every start of evalscope, so it imports nothing but ``evalscope``'s hook marker:
each benchmark's module loads only when a run asks for it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from evalscope import hookimpl

__version__ = "0.1.0"

OPTIONS = "evalscope.benchmarks.declarative:HubOptions"

# name: (module:class, what `evalscope plugins show NAME` says about it)
BENCHMARKS = {
    "mmlu": (
        "mmlu:MMLU",
        "MMLU: 14,042 four-option questions in 57 subjects (cais/mmlu, config all, split test; MIT), each subject "
        "a subset; 0-shot by default, few_shot_num up to 5 from dev. Scored on the letter chosen, with the "
        "reference metric of simple-evals (Answer: X).",
    ),
    "mmlu_pro": (
        "mmlu_pro:MMLUPro",
        "MMLU-Pro: 12,032 questions with up to 10 options in 14 categories (TIGER-Lab/MMLU-Pro, split test; MIT). "
        "Scored on the letter chosen, with the reference metric of TIGER-AI-Lab/MMLU-Pro's compute_accuracy.py.",
    ),
    "arc_easy": (
        "arc:ARCEasy",
        "ARC-Easy: 2,376 science questions (allenai/ai2_arc, config ARC-Easy, split test; CC-BY-SA-4.0), options "
        "labelled A-E or 1-5 asked as A-E. Scored on the letter chosen.",
    ),
    "arc_challenge": (
        "arc:ARCChallenge",
        "ARC-Challenge: 1,172 science questions (allenai/ai2_arc, config ARC-Challenge, split test; CC-BY-SA-4.0), "
        "options labelled A-E or 1-5 asked as A-E. Scored on the letter chosen.",
    ),
    "hellaswag": (
        "hellaswag:HellaSwag",
        "HellaSwag: 10,042 contexts with four endings (Rowan/hellaswag, split validation; MIT), asked as a "
        "multiple-choice question; prompt items carry data as (context, ending) pairs. Scored on the letter chosen.",
    ),
    "truthful_qa": (
        "truthful_qa:TruthfulQA",
        "TruthfulQA mc1: 817 questions (truthfulqa/truthful_qa, config multiple_choice, split validation; "
        "Apache-2.0), options shuffled with the run's seed; prompt items carry data as (question, option) pairs. "
        "Scored on the letter chosen.",
    ),
    "winogrande": (
        "winogrande:WinoGrande",
        "WinoGrande: 1,267 sentences with a blank and two options (allenai/winogrande, config winogrande_xl, "
        "split validation; CC-BY). Scored on the letter chosen.",
    ),
    "ceval": (
        "chinese:CEval",
        "C-Eval: Chinese exam questions in 52 subjects (ceval/ceval-exam, split val; CC-BY-NC-SA-4.0, not "
        "shipped), few_shot_num up to 5 from dev. Scored on the letter chosen.",
    ),
    "cmmlu": (
        "chinese:CMMLU",
        "CMMLU: 11,582 Chinese questions in 67 subjects (haonan-li/cmmlu, split test; CC-BY-NC-SA-4.0, never "
        "shipped: bring your copy), few_shot_num up to 5 from dev. Scored on the letter chosen.",
    ),
    "gpqa_diamond": (
        "gpqa:GPQADiamond",
        "GPQA Diamond: 198 graduate-level questions (Idavidrein/gpqa, config gpqa_diamond, split train; gated, "
        "never shipped: bring your copy), options shuffled with the run's seed and recorded in each prompt "
        "(options_asked). Scored on the letter chosen, with the reference metric of simple-evals (Answer: X).",
    ),
    "bbh": (
        "bbh:BBH",
        "BIG-Bench Hard: 27 tasks, 6,511 questions (suzgunmirac/BIG-Bench-Hard, bundled; MIT; lukaemon/bbh in "
        "the hub layout with local_path), each task a subset, with its 3-shot chain-of-thought prompt. Scored on "
        "the answer after 'the answer is', with the reference metric of the authors' 'So the answer is' rule.",
    ),
}

SCORERS = {
    "simple_evals_mcq": "SimpleEvalsMCQScorer",
    "mmlu_pro": "MMLUProScorer",
    "bbh": "BBHScorer",
}


def _load(module: str, attribute: str) -> Any:
    return getattr(importlib.import_module(f"evalscope_standard.{module}"), attribute)


def benchmark_factory(name: str) -> Callable[..., Any]:
    """The factory registered for benchmark ``name``: it imports the benchmark's module only when called."""
    target, description = BENCHMARKS[name]
    module, attribute = target.split(":")

    def factory(options: dict | None = None, seed: int = 42) -> Any:
        return _load(module, attribute)(options=options, seed=seed)

    factory.__doc__ = f"{description}\n\nBuilds the benchmark from its --dataset-args options and the run's seed."
    factory.__qualname__ = factory.__name__ = f"{name}_benchmark"
    factory.Options = OPTIONS
    return factory


def scorer_factory(name: str) -> Callable[[], Any]:
    """The factory registered for scorer ``name``: it imports the scorer's module only when called."""
    attribute = SCORERS[name]

    def factory() -> Any:
        return _load("scorers", attribute)()

    factory.__doc__ = f"Build {attribute} (see evalscope_standard.scorers): our score plus the reference metric."
    factory.__qualname__ = factory.__name__ = f"{name}_scorer"
    return factory


@hookimpl
def register_benchmarks(register):
    """Register the standard benchmarks."""
    for name in BENCHMARKS:
        register(name, benchmark_factory(name))


@hookimpl
def register_scorers(register):
    """Register the scorers that add the reference metric: ``simple_evals_mcq``, ``mmlu_pro`` and ``bbh``."""
    for name in SCORERS:
        register(name, scorer_factory(name))
