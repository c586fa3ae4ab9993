"""Benchmarks declared from hub data: a hub id and revision, subsets, splits, a row mapping, a prompt, a scorer.

A benchmark subclasses ``HubBenchmark``, sets the class attributes below and writes ``question(row)``,
the mapping of one row to a ``Question``; loading (a local copy in the hub's layout, ``--dataset-dir``,
or the hub), sample ids, few-shot exemplars and the prompt come from here. See docs/plugins.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import Field, field_validator

from evalscope.benchmarks.base import Benchmark, Sample
from evalscope.benchmarks.hub import local_root, split_rows
from evalscope.benchmarks.options import BenchmarkOptions
from evalscope.errors import ConfigError, DataError
from evalscope.scorers.choices import LETTERS

MULTIPLE_CHOICE_TEMPLATE = (
    "Answer the following multiple choice question. The last line of your response should be of the following "
    "format: 'Answer: $LETTER' (without quotes) where LETTER is one of {letters}. Think step by step before "
    "answering.\n\n{few_shot}{question}\n\n{options}"
)
_PLACEHOLDER = re.compile(r"\{(few_shot|question|options|letters)\}")


@dataclass
class Question:
    """One row as the benchmark asks it: the question, its options in the order asked and the right one's
    position (``answer``), or, for an open question, the ``target`` text; ``id`` is the row's own id, if any."""

    text: str
    options: list[str] = field(default_factory=list)
    answer: int | None = None
    target: str | None = None
    id: str | None = None


class HubOptions(BenchmarkOptions):
    """The ``--dataset-args`` of a benchmark declared from hub data."""

    local_path: str | None = Field(
        None, description="A local copy of the hub repository, in its layout (default: --dataset-dir, else the hub)"
    )
    dataset_dir: str | None = Field(None, description="A folder with one copy per hub id (default: --dataset-dir)")
    few_shot_num: int | None = Field(None, ge=0, description="Solved exemplars before each question")
    prompt_template: str | None = Field(
        None, description="The prompt: {question}, {options}, {letters} and {few_shot} are filled in"
    )

    @field_validator("prompt_template")
    @classmethod
    def _check_template(cls, value: str | None) -> str | None:
        if value is not None and "{question}" not in value:
            raise ValueError("must contain {question}, where the question goes")
        return value


def option_lines(options: dict[str, str]) -> str:
    """The options as the prompts show them: one ``X) text`` line each."""
    return "\n".join(f"{letter}) {text}" for letter, text in options.items())


class HubBenchmark(Benchmark):
    """A benchmark whose rows come from a hub dataset (``hub_id`` at ``revision``) or a local copy of it.

    Each subset is a hub config (``subset_configs[subset]``, else ``config``, else the subset's name),
    or, with ``subset_field``, the rows of ``config`` whose field equals ``subset_values.get(subset,
    subset)``. ``eval_split`` is evaluated; ``few_shot_split`` gives up to ``max_few_shot`` exemplars.
    Sample ids are the row's own id (``Question.id``), else its position among the subset's rows;
    ``Sample.raw`` is the row as loaded. Multiple-choice questions get the letters A, B, ... and are
    scored by ``multiple_choice`` unless ``scorer`` says otherwise.
    """

    hub_id: ClassVar[str] = ""
    revision: ClassVar[str | None] = None
    config: ClassVar[str | None] = None
    subset_configs: ClassVar[dict[str, str]] = {}
    subset_field: ClassVar[str | None] = None
    subset_values: ClassVar[dict[str, str]] = {}
    eval_split: ClassVar[str] = "test"
    few_shot_split: ClassVar[str | None] = None
    max_few_shot: ClassVar[int] = 0
    default_few_shot: ClassVar[int] = 0
    prompt_template: ClassVar[str] = MULTIPLE_CHOICE_TEMPLATE
    scorer = "multiple_choice"
    Options = HubOptions
    generation_config: ClassVar[dict[str, Any]] = {"do_sample": False, "max_new_tokens": 2048}

    def __init__(self, options: dict | None = None, seed: int = 42) -> None:
        super().__init__(options, seed)
        asked = self.options.few_shot_num
        if asked is not None and asked > self.max_few_shot:
            source = f" from the {self.few_shot_split} split" if self.few_shot_split else ""
            raise ConfigError(
                f"dataset-args of {self.name}: few_shot_num is {asked}; at most {self.max_few_shot}{source}"
            )
        self._few_shot: dict[str, str] = {}
        local_root(self.hub_id, self.options.local_path, self.options.dataset_dir)  # a missing folder fails now

    @property
    def few_shot_num(self) -> int:
        """How many exemplars go before each question (the option, else the benchmark's default)."""
        asked = self.options.few_shot_num
        return self.default_few_shot if asked is None else asked

    def use_dataset_dir(self, dataset_dir: str) -> None:
        """Read the data from ``dataset_dir/<hub id>/`` (the run's ``--dataset-dir``) unless the options say where."""
        if self.options.local_path is None and self.options.dataset_dir is None:
            local_root(self.hub_id, None, dataset_dir)  # a missing folder fails before the run starts
            self.options.dataset_dir = dataset_dir

    def question(self, row: dict[str, Any]) -> Question:
        """The mapping of one row to what is asked; every benchmark writes its own."""
        raise NotImplementedError(f"{type(self).__name__} must define question(row)")

    def hub_config(self, subset: str) -> str | None:
        """The hub config holding ``subset``."""
        if subset in self.subset_configs:
            return self.subset_configs[subset]
        return self.config if (self.config is not None or self.subset_field) else subset

    def rows(self, subset: str, split: str) -> Iterator[dict[str, Any]]:
        """The rows of ``subset`` in ``split``, one at a time, as loaded."""
        where = (self.subset_field, self.subset_values.get(subset, subset)) if self.subset_field else None
        yield from split_rows(
            self.hub_id,
            self.hub_config(subset),
            split,
            revision=self.revision,
            local_path=self.options.local_path,
            dataset_dir=self.options.dataset_dir,
            where=where,
        )

    def load(self, subset: str) -> Iterator[Sample]:
        """The samples of ``subset``'s evaluation split, lazily, in the split's order."""
        for position, row in enumerate(self.rows(subset, self.eval_split)):
            yield self.sample(row, position, subset)

    def sample(self, row: dict[str, Any], position: int, subset: str) -> Sample:
        """The sample of one row: id, question, gold (a letter, or the target), options and the row itself."""
        try:
            asked = self.question(row)
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise DataError(
                f"{self.name}/{subset} row {position}: cannot read it ({type(exc).__name__}: {exc}); "
                f"keys: {', '.join(map(str, row))}"
            ) from None
        sample_id = str(asked.id) if asked.id not in (None, "") else str(position)
        if not asked.options:
            return Sample(
                id=sample_id,
                input=asked.text,
                target="" if asked.target is None else str(asked.target),
                raw=row,
                subset=subset,
            )
        if len(asked.options) > len(LETTERS) or asked.answer is None or not 0 <= asked.answer < len(asked.options):
            raise DataError(
                f"{self.name}/{subset} row {position}: answer {asked.answer!r} is not one of its "
                f"{len(asked.options)} options (at most {len(LETTERS)})"
            )
        options = dict(zip(LETTERS, (str(option) for option in asked.options)))
        return Sample(sample_id, asked.text, LETTERS[asked.answer], raw=row, options=options, subset=subset)

    def build_prompt(self, sample: Sample) -> dict:
        """One user turn: the prompt template with the exemplars, the question and its options."""
        return self.chat_prompt(self.format_prompt(sample, self.few_shot_text(self._subset_of(sample))))

    def format_prompt(self, sample: Sample, few_shot: str = "") -> str:
        """The prompt text of ``sample`` with ``few_shot`` (exemplar blocks, each ending in a blank line)."""
        template = self.options.prompt_template or self.prompt_template
        if few_shot and "{few_shot}" not in template:
            template = "{few_shot}" + template
        options = sample.options or {}
        values = {
            "few_shot": few_shot,
            "question": sample.input.strip(),
            "options": option_lines(options),
            "letters": "".join(options),
        }
        return _PLACEHOLDER.sub(lambda match: values[match.group(1)], template).strip()

    def exemplar(self, sample: Sample) -> str:
        """One solved exemplar: the question, its options and ``Answer: X``."""
        options = option_lines(sample.options or {})
        body = f"{sample.input.strip()}\n\n{options}" if options else sample.input.strip()
        return f"{body}\nAnswer: {sample.target}\n\n"

    def few_shot_text(self, subset: str) -> str:
        """The exemplars of ``subset``: the first ``few_shot_num`` rows of the few-shot split."""
        count = self.few_shot_num
        if count == 0 or not self.few_shot_split:
            return ""
        if subset not in self._few_shot:
            samples: list[Sample] = []
            for position, row in enumerate(self.rows(subset, self.few_shot_split)):
                if len(samples) == count:
                    break
                samples.append(self.sample(row, position, subset))
            if len(samples) < count:
                raise DataError(
                    f"{self.name}/{subset}: few_shot_num is {count} but the {self.few_shot_split} split has "
                    f"{len(samples)} rows"
                )
            self._few_shot[subset] = "".join(self.exemplar(sample) for sample in samples)
        return self._few_shot[subset]

    def _subset_of(self, sample: Sample) -> str:
        return sample.subset or self.subsets[0]

    def gold_completion(self, sample: Sample) -> str:
        """A right answer in the phrasing the prompt asks for (``Answer: X``)."""
        return f"Answer: {sample.target}"
