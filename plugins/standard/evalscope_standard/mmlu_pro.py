"""MMLU-Pro: 12,032 questions with up to 10 options in 14 categories (``TIGER-Lab/MMLU-Pro``, split test)."""

from __future__ import annotations

from typing import Any

from evalscope.benchmarks.declarative import HubBenchmark, Question
from evalscope_standard.subjects import MMLU_PRO_CATEGORIES


class MMLUPro(HubBenchmark):
    """MMLU-Pro (Wang et al., 2024): each category a subset (``computer science`` is ``computer_science``)."""

    name = "mmlu_pro"
    scorer = "mmlu_pro"
    hub_id = "TIGER-Lab/MMLU-Pro"
    revision = "b189ec765aa7ed75c8acfea42df31fdae71f97be"
    subset_field = "category"
    subsets = [category.replace(" ", "_") for category in MMLU_PRO_CATEGORIES]
    subset_values = {category.replace(" ", "_"): category for category in MMLU_PRO_CATEGORIES}
    eval_split = "test"
    few_shot_split = "validation"
    max_few_shot = 5

    def question(self, row: dict[str, Any]) -> Question:
        """``question``, ``options`` (3 to 10 texts), ``answer_index``; the id is ``question_id``."""
        return Question(row["question"], list(row["options"]), int(row["answer_index"]), id=row.get("question_id"))
