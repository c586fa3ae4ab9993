"""C-Eval and CMMLU: Chinese four-option exams, one hub config per subject, options in columns A-D."""

from __future__ import annotations

from typing import Any

from evalscope.benchmarks.declarative import HubBenchmark, Question
from evalscope_standard.subjects import CEVAL_SUBJECTS, CMMLU_SUBJECTS

TEMPLATE = (
    "以下是单项选择题，请先逐步思考，最后一行以 'Answer: $LETTER' 的格式给出答案（LETTER 为 {letters} 之一）。\n\n"
    "{few_shot}{question}\n\n{options}"
)


class CEval(HubBenchmark):
    """C-Eval (Huang et al., 2023): 52 subjects, the val split (the test split's answers are withheld)."""

    name = "ceval"
    hub_id = "ceval/ceval-exam"
    subsets = CEVAL_SUBJECTS
    eval_split = "val"
    few_shot_split = "dev"
    max_few_shot = 5
    prompt_template = TEMPLATE

    def question(self, row: dict[str, Any]) -> Question:
        """``question``, ``A``-``D``, ``answer`` (a letter); the id is ``id``."""
        return Question(row["question"], [row[letter] for letter in "ABCD"], "ABCD".index(row["answer"]), id=row["id"])


class CMMLU(HubBenchmark):
    """CMMLU (Li et al., 2023): 67 subjects, split test. Licensed CC-BY-NC-SA-4.0: users bring the data."""

    name = "cmmlu"
    hub_id = "haonan-li/cmmlu"
    subsets = CMMLU_SUBJECTS
    eval_split = "test"
    few_shot_split = "dev"
    max_few_shot = 5
    prompt_template = TEMPLATE

    def question(self, row: dict[str, Any]) -> Question:
        """``Question``, ``A``-``D``, ``Answer`` (a letter)."""
        return Question(row["Question"], [row[letter] for letter in "ABCD"], "ABCD".index(row["Answer"]))
