"""GPQA Diamond: 198 graduate-level questions (``Idavidrein/gpqa``, config gpqa_diamond, split train; gated).

Never shipped: its authors ask that it never appear in plain text where crawlers read it. Users bring it
(``local_path``, ``--dataset-dir``, or the gated hub set after accepting its terms).
"""

from __future__ import annotations

from typing import Any

from evalscope_standard.shuffle import ShuffledOptions

FIELDS = ("Correct Answer", "Incorrect Answer 1", "Incorrect Answer 2", "Incorrect Answer 3")


class GPQADiamond(ShuffledOptions):
    """GPQA Diamond (Rein et al., 2023): four options shuffled with the run's seed, the order kept in each prompt."""

    name = "gpqa_diamond"
    scorer = "simple_evals_mcq"
    hub_id = "Idavidrein/gpqa"
    config = "gpqa_diamond"
    subsets = ["gpqa_diamond"]
    eval_split = "train"

    def original_options(self, row: dict[str, Any]) -> tuple[str, list[tuple[str, str]], int, str | None]:
        """``Question``, the correct answer then the three incorrect ones, and ``Record ID``."""
        options = [(name, str(row[name]).strip()) for name in FIELDS]
        return str(row["Question"]).strip(), options, 0, row.get("Record ID")
