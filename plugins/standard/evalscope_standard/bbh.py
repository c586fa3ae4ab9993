"""BIG-Bench Hard: 27 tasks, 6,511 questions, with the 3-shot chain-of-thought prompts of ``cot-prompts/``.

The task files and prompts ship with this package (MIT, ``data/bbh/LICENSE``); ``local_path`` or
``--dataset-dir`` read ``lukaemon/bbh`` in its hub layout (``{task}/test-00000-of-00001.parquet``) instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from evalscope.benchmarks.base import Sample
from evalscope.benchmarks.declarative import HubBenchmark, Question
from evalscope.benchmarks.hub_files import read_rows
from evalscope_standard.subjects import BBH_TASKS

DATA_DIR = Path(__file__).with_name("data") / "bbh"
EXEMPLAR_SEPARATOR = "\n\nQ: "


def cot_prompt(task: str, shots: int) -> str:
    """The task's description and its first ``shots`` solved exemplars, from ``cot-prompts/{task}.txt``."""
    text = (DATA_DIR / "cot-prompts" / f"{task}.txt").read_text(encoding="utf-8")
    body = text.split("-----\n", 1)[1].strip() if "-----\n" in text else text.strip()
    description, *exemplars = body.split(EXEMPLAR_SEPARATOR)
    return EXEMPLAR_SEPARATOR.join([description, *exemplars[:shots]])


class BBH(HubBenchmark):
    """BIG-Bench Hard (Suzgun et al., 2022): each task a subset; 3 chain-of-thought exemplars before each
    question, the answer read after ``So the answer is``. Ids are row positions (causal_judgement repeats inputs)."""

    name = "bbh"
    scorer = "bbh"
    hub_id = "lukaemon/bbh"
    subsets = BBH_TASKS
    eval_split = "test"
    max_few_shot = 3
    default_few_shot = 3
    prompt_template = "{few_shot}Q: {question}\nA: Let's think step by step."

    def use_dataset_dir(self, dataset_dir: str) -> None:
        """Read ``dataset_dir/lukaemon/bbh/`` when it is there; otherwise the bundled files stay in use."""
        if (Path(dataset_dir).expanduser() / self.hub_id).is_dir():
            super().use_dataset_dir(dataset_dir)

    def rows(self, subset: str, split: str) -> Iterator[dict[str, Any]]:
        """The task's rows: the bundled file, unless ``local_path`` or ``--dataset-dir`` give a hub copy."""
        if self.options.local_path or self.options.dataset_dir:
            yield from super().rows(subset, split)
        else:
            yield from read_rows(DATA_DIR / "tasks" / f"{subset}.json")

    def question(self, row: dict[str, Any]) -> Question:
        """``input`` and ``target``."""
        return Question(row["input"], target=row["target"])

    def build_prompt(self, sample: Sample) -> dict:
        """The prompt template (default: ``Q: {question}`` and ``A: Let's think step by step.``) after the task's
        chain-of-thought exemplars."""
        shots = self.few_shot_num
        head = f"{cot_prompt(sample.subset, shots)}\n\n" if shots else ""
        return self.chat_prompt(self.format_prompt(sample, head))

    def gold_completion(self, sample: Sample) -> str:
        """A right answer in the exemplars' phrasing."""
        return f"Let's see. So the answer is {sample.target}."
