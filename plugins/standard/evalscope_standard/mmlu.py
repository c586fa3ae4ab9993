"""MMLU: 14,042 four-option questions in 57 subjects (``cais/mmlu``, config ``all``, split test)."""

from __future__ import annotations

from typing import Any

from evalscope.benchmarks.declarative import HubBenchmark, Question
from evalscope_standard.subjects import MMLU_SUBJECTS


class MMLU(HubBenchmark):
    """MMLU (Hendrycks et al., 2021): each subject a subset, 0-shot by default, up to 5 exemplars from dev."""

    name = "mmlu"
    scorer = "simple_evals_mcq"
    hub_id = "cais/mmlu"
    revision = "c30699e8356da336a370243923dbaf21066bb9fe"
    config = "all"
    subset_field = "subject"
    subsets = MMLU_SUBJECTS
    eval_split = "test"
    few_shot_split = "dev"
    max_few_shot = 5

    def question(self, row: dict[str, Any]) -> Question:
        """``question``, ``choices`` (four texts) and ``answer`` (their index)."""
        return Question(row["question"], list(row["choices"]), int(row["answer"]))
