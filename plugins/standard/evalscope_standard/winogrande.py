"""WinoGrande: 1,267 validation sentences with a blank and two options (``allenai/winogrande``, winogrande_xl)."""

from __future__ import annotations

from typing import Any

from evalscope.benchmarks.declarative import HubBenchmark, Question

TEMPLATE = (
    "Which option fills the blank (_) in the sentence? The last line of your response should be of the "
    "following format: 'Answer: $LETTER' (without quotes) where LETTER is one of {letters}.\n\n"
    "{few_shot}{question}\n\n{options}"
)


class WinoGrande(HubBenchmark):
    """WinoGrande (Sakaguchi et al., 2019): the option that fills the ``_`` of ``sentence``."""

    name = "winogrande"
    hub_id = "allenai/winogrande"
    config = "winogrande_xl"
    subsets = ["winogrande_xl"]
    eval_split = "validation"
    prompt_template = TEMPLATE

    def question(self, row: dict[str, Any]) -> Question:
        """``sentence``, ``option1`` and ``option2``, ``answer`` ("1" or "2")."""
        return Question(row["sentence"], [row["option1"], row["option2"]], int(row["answer"]) - 1)
