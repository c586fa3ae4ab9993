"""TruthfulQA mc1: 817 questions, one true answer among several (``truthfulqa/truthful_qa``, multiple_choice)."""

from __future__ import annotations

from typing import Any

from evalscope.benchmarks.base import Sample
from evalscope_standard.shuffle import ShuffledOptions


class TruthfulQA(ShuffledOptions):
    """TruthfulQA (Lin et al., 2022), mc1: the options (true one first in the source) shuffled with the run's seed.

    Prompt items also carry ``data`` as ``(question, option)`` pairs, the shape custom models written
    for evalscope 0.x read.
    """

    name = "truthful_qa"
    hub_id = "truthfulqa/truthful_qa"
    revision = "741b8276f2d1982aa3d5b832d3ee81ed3b896490"
    config = "multiple_choice"
    subsets = ["multiple_choice"]
    eval_split = "validation"

    def original_options(self, row: dict[str, Any]) -> tuple[str, list[tuple[str, str]], int, str | None]:
        """``question``; ``mc1_targets`` ``{choices, labels}``, the true one labelled 1."""
        targets = row["mc1_targets"]
        options = [(f"mc1_targets.choices[{index}]", str(text)) for index, text in enumerate(targets["choices"])]
        return str(row["question"]), options, list(targets["labels"]).index(1), None

    def build_prompt(self, sample: Sample) -> dict:
        """The prompt, with ``data`` as ``(question, " " + option)`` pairs in the order asked."""
        prompt = super().build_prompt(sample)
        prompt["data"] = [(f"Q: {sample.input}\nA:", f" {text}") for text in (sample.options or {}).values()]
        return prompt
