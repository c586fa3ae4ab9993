"""HellaSwag: 10,042 validation contexts with four endings (``Rowan/hellaswag``, split validation)."""

from __future__ import annotations

from typing import Any

from evalscope.benchmarks.base import Sample
from evalscope.benchmarks.declarative import HubBenchmark, Question

TEMPLATE = (
    "Choose the most plausible continuation of the text. The last line of your response should be of the "
    "following format: 'Answer: $LETTER' (without quotes) where LETTER is one of {letters}.\n\n"
    "{few_shot}{question}\n\n{options}"
)


class HellaSwag(HubBenchmark):
    """HellaSwag (Zellers et al., 2019): the ending that continues ``ctx``; the test split has no labels.

    Prompt items also carry ``data`` as ``(context, " " + ending)`` pairs, the shape custom models
    written for evalscope 0.x read.
    """

    name = "hellaswag"
    hub_id = "Rowan/hellaswag"
    subsets = ["default"]
    config = None
    subset_configs = {"default": None}
    eval_split = "validation"
    prompt_template = TEMPLATE

    def question(self, row: dict[str, Any]) -> Question:
        """``activity_label: ctx``, the four ``endings`` and ``label`` (a string "0"-"3")."""
        context = f"{row['activity_label']}: {row['ctx']}" if row.get("activity_label") else row["ctx"]
        return Question(context, list(row["endings"]), int(row["label"]))

    def build_prompt(self, sample: Sample) -> dict:
        """The prompt, with ``data`` as ``(context, " " + ending)`` pairs."""
        prompt = super().build_prompt(sample)
        prompt["data"] = [(sample.input, f" {ending}") for ending in (sample.options or {}).values()]
        return prompt
