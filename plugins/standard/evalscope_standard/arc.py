"""ARC: grade-school science questions (``allenai/ai2_arc``, configs ARC-Easy and ARC-Challenge, split test)."""

from __future__ import annotations

from typing import Any

from evalscope.benchmarks.declarative import HubBenchmark, Question


class ARCEasy(HubBenchmark):
    """ARC-Easy (Clark et al., 2018): 2,376 test questions; options labelled A-E or 1-5 are asked as A-E."""

    name = "arc_easy"
    hub_id = "allenai/ai2_arc"
    revision = "210d026faf9955653af8916fad021475a3f00453"
    config = "ARC-Easy"
    subsets = ["ARC-Easy"]
    eval_split = "test"

    def question(self, row: dict[str, Any]) -> Question:
        """``question``, ``choices`` ``{text, label}`` and ``answerKey`` (one of the labels); the id is ``id``."""
        labels = [str(label) for label in row["choices"]["label"]]
        return Question(
            row["question"], list(row["choices"]["text"]), labels.index(str(row["answerKey"])), id=row["id"]
        )


class ARCChallenge(ARCEasy):
    """ARC-Challenge (Clark et al., 2018): 1,172 test questions; options labelled A-E or 1-5 are asked as A-E."""

    name = "arc_challenge"
    config = "ARC-Challenge"
    subsets = ["ARC-Challenge"]
