"""The GSM8K benchmark: 1319 grade-school math word problems, prompted with chain-of-thought exemplars."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator

from evalscope.benchmarks.base import Benchmark, BenchmarkOptions, Sample
from evalscope.benchmarks.hub_files import check_local_path
from evalscope.errors import ConfigError, DataError
from evalscope.utils.logger import get_logger
from evalscope_gsm8k.data import (
    DATA_DIR,
    clean_solution,
    gold_answer,
    hub_rows,
    iter_jsonl,
    local_split_path,
    read_jsonl,
)

logger = get_logger()

MAX_FEW_SHOT = 8
DATASET_HUBS = ("local", "huggingface")
DEFAULT_PROMPT_TEMPLATE = (
    "Solve the following math word problem. Let's think step by step, "
    'then finish with "The answer is N." where N is the final number.\n\n'
    "{few_shot}Question: {query}\nAnswer:"
)
_PLACEHOLDER = re.compile(r"\{(few_shot|query)\}")


class GSM8KOptions(BenchmarkOptions):
    """The ``--dataset-args`` of ``gsm8k``; unknown keys are rejected with the closest valid name."""

    local_path: str | None = Field(
        None, description="A folder with test.jsonl (and train.jsonl), or a JSONL file (default: the bundled copy)"
    )
    dataset_hub: str = Field("local", description="local (the bundled copy) or huggingface (openai/gsm8k)")
    few_shot_num: int = Field(4, description=f"Solved train problems before each question, 0 to {MAX_FEW_SHOT}")
    few_shot_random: bool = Field(False, description="Draw the exemplars at random (seeded by --seed), not the first")
    prompt_template: str = Field(
        DEFAULT_PROMPT_TEMPLATE, description="The prompt; {query} is the question, {few_shot} the exemplars"
    )

    @field_validator("local_path")
    @classmethod
    def _check_local_path(cls, value: str | None) -> str | None:
        return check_local_path(value, "test.jsonl", "expected test.jsonl and optionally train.jsonl")

    @field_validator("dataset_hub")
    @classmethod
    def _check_hub(cls, value: str) -> str:
        if value not in DATASET_HUBS:
            raise ValueError(
                "must be 'local' (the copy bundled with the plugin) or 'huggingface' (openai/gsm8k, needs internet)"
            )
        return value

    @field_validator("few_shot_num")
    @classmethod
    def _check_few_shot_num(cls, value: int) -> int:
        if not 0 <= value <= MAX_FEW_SHOT:
            raise ValueError(f"must be a whole number from 0 to {MAX_FEW_SHOT} (exemplars before each question)")
        return value

    @field_validator("prompt_template")
    @classmethod
    def _check_template(cls, value: str) -> str:
        if "{query}" not in value:
            raise ValueError("must contain {query}, where the question goes (and optionally {few_shot})")
        return value

    @field_validator("subset_list")
    @classmethod
    def _check_subsets(cls, value: list[str] | None) -> list[str] | None:
        if value is not None:
            if not value:
                raise ValueError("must name at least one subset; gsm8k has one: 'main'")
            unknown = [subset for subset in value if subset != "main"]
            if unknown:
                raise ValueError(f"unknown subset {unknown[0]!r}; gsm8k has one subset: 'main'")
        return value


class GSM8K(Benchmark):
    """GSM8K (Cobbe et al., 2021): the test split, scored on the final number of the model's answer.

    The prompt is one user turn: an instruction, ``few_shot_num`` solved train problems (the first
    ones, or a seeded random draw with ``few_shot_random``), then the question. Sample ids are the
    row indexes in the test split.
    """

    name = "gsm8k"
    scorer = "gsm8k"
    subsets = ["main"]
    Options = GSM8KOptions
    # Greedy, so runs repeat; room for a long chain of thought (a typical solution is 100-300 tokens).
    generation_config = {"do_sample": False, "max_new_tokens": 2048}

    def __init__(self, options: dict | None = None, seed: int = 42) -> None:
        super().__init__(options, seed)
        if self.options.local_path is not None and self.options.dataset_hub != "local":
            raise ConfigError(
                f"dataset-args of gsm8k: local_path and dataset_hub {self.options.dataset_hub!r} exclude each other; "
                "drop one of them"
            )
        self._few_shot_text: str | None = None

    def load(self, subset: str) -> Iterator[Sample]:
        """The test split, in file order, read one row at a time; ``Sample.id`` is the row index, ``target``
        the gold number."""
        rows = hub_rows("test") if self.options.dataset_hub == "huggingface" else iter_jsonl(self._path("test"))
        for index, row in enumerate(rows):
            yield Sample(id=str(index), input=row["question"], target=gold_answer(row["answer"]), raw=row)

    def build_prompt(self, sample: Sample) -> dict:
        """One user turn holding the instruction, the exemplars and the question."""
        return self.chat_prompt(self.format_prompt(sample.input))

    def format_prompt(self, question: str) -> str:
        """The prompt text for ``question``: ``prompt_template`` with ``{few_shot}`` and ``{query}`` filled in.

        A template without ``{few_shot}`` gets the exemplars in front of it.
        """
        template = self.options.prompt_template
        few_shot = self.few_shot_text()
        if "{few_shot}" not in template:
            template = "{few_shot}" + template
        values = {"few_shot": few_shot, "query": question}
        return _PLACEHOLDER.sub(lambda match: values[match.group(1)], template)

    def few_shot_text(self) -> str:
        """The exemplars as ``Question: ...`` / ``Answer: ...`` blocks, each followed by a blank line."""
        if self._few_shot_text is None:
            blocks = [
                f"Question: {row['question'].strip()}\nAnswer: {clean_solution(row['answer'])}\n\n"
                for row in self.few_shot_examples()
            ]
            self._few_shot_text = "".join(blocks)
        return self._few_shot_text

    def few_shot_examples(self) -> list[dict[str, Any]]:
        """The train rows shown before each question: the first ``few_shot_num``, or a draw seeded by the run."""
        count = self.options.few_shot_num
        if count == 0:
            return []
        if self.options.few_shot_random:
            rows = self._rows("train")
            if len(rows) < count:
                raise DataError(f"gsm8k: few_shot_num is {count} but the train split has {len(rows)} rows")
            return random.Random(self.seed).sample(rows, count)
        rows = self._rows("train", limit=count)
        if len(rows) < count:
            raise DataError(f"gsm8k: few_shot_num is {count} but the train split has {len(rows)} rows")
        return rows

    def _rows(self, split: str, limit: int | None = None) -> list[dict[str, Any]]:
        if self.options.dataset_hub == "huggingface":
            return hub_rows(split, limit)
        return read_jsonl(self._path(split), limit)

    def _path(self, split: str) -> Path:
        path = local_split_path(self.options.local_path, split)
        if path is None:
            path = DATA_DIR / f"{split}.jsonl"
            logger.info(f"gsm8k: local_path has no {split} split; using the bundled {split}.jsonl")
        return path
