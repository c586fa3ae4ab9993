"""The ``general_mcq`` benchmark: a user's own multiple-choice questions from CSV or JSONL files.

Layout (the same as EvalScope's): ``local_path`` is a folder holding ``{subset}_val.csv`` or
``{subset}_val.jsonl`` (evaluated) and optionally ``{subset}_dev.csv`` / ``{subset}_dev.jsonl``
(few-shot exemplars), or one such file. Columns: ``id`` (optional), ``question``, ``A``, ``B``, ...
(2 to 10 consecutive letters) and ``answer`` (one of the row's letters).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator

from evalscope.benchmarks.base import Benchmark, BenchmarkOptions, Sample
from evalscope.errors import ConfigError, DataError
from evalscope.scorers.choices import format_choices, option_columns, options_problem, question_options
from evalscope_general.rows import (
    DATA_SUFFIXES,
    check_unique_ids,
    choose_subsets,
    find_subset_files,
    folder_listing,
    read_rows,
    row_id,
    text_field,
)

NAME = "general_mcq"
EVAL_SUFFIX = "_val"
FEW_SHOT_SUFFIX = "_dev"
DEFAULT_PROMPT_TEMPLATE = (
    "{question}\n\n{choices}\n\n"
    'Think it through if you need to, then end your answer with a line "Answer: X", '
    "where X is the letter of the correct option ({letters})."
)
_PLACEHOLDER = re.compile(r"\{(question|choices|letters)\}")


class GeneralMCQOptions(BenchmarkOptions):
    """The ``--dataset-args`` of ``general_mcq``."""

    local_path: str | None = Field(
        None, description="Required: a folder of {subset}_val.csv/.jsonl (and {subset}_dev) files, or one such file"
    )
    few_shot_num: int = Field(0, description="Solved questions from the subset's {subset}_dev file before each one")
    prompt_template: str = Field(
        DEFAULT_PROMPT_TEMPLATE,
        description="The prompt; {question} is the question, {choices} its 'A. text' lines, {letters} its letters",
    )

    @field_validator("few_shot_num")
    @classmethod
    def _check_few_shot_num(cls, value: int) -> int:
        if value < 0:
            raise ValueError("must be 0 or more (exemplars from the {subset}_dev file before each question)")
        return value

    @field_validator("prompt_template")
    @classmethod
    def _check_template(cls, value: str) -> str:
        missing = [name for name in ("{question}", "{choices}") if name not in value]
        if missing:
            raise ValueError(f"must contain {' and '.join(missing)} (it may also use {{letters}})")
        return value


class GeneralMCQ(Benchmark):
    """Multiple-choice questions from a user's files, one subset per ``{subset}_val`` file.

    The prompt is one user turn: ``few_shot_num`` solved exemplars from the subset's dev file (the
    first rows), then ``prompt_template`` filled with the question and its ``A. text`` lines.
    Sample ids are the ``id`` column, else the row's position in the file.
    """

    name = NAME
    scorer = NAME
    Options = GeneralMCQOptions

    def __init__(self, options: dict | None = None, seed: int = 42) -> None:
        super().__init__(options, seed)
        self.eval_files, self.dev_files = discover(self.options.local_path)
        self.subsets = sorted(self.eval_files)
        self._few_shot: dict[str, str] = {}

    def subset_list(self) -> list[str]:
        """``subset_list`` from the options (each must have a file), else every subset found, sorted."""
        files = f"{{subset}}{EVAL_SUFFIX}.csv or .jsonl"
        return choose_subsets(NAME, self.options.subset_list, self.subsets, self.options.local_path, files)

    def load(self, subset: str) -> list[Sample]:
        """The questions of ``subset``'s eval file, in file order, each checked."""
        return load_questions(self.eval_files[subset], subset)

    def build_prompt(self, sample: Sample) -> dict:
        """One user turn: the exemplars, then the question with its options."""
        return self.chat_prompt(self.few_shot_text(getattr(sample, "subset", "")) + self.format_question(sample))

    def format_question(self, sample: Sample) -> str:
        """``prompt_template`` filled with the question, its ``A. text`` lines and its letters."""
        options = question_options(sample.raw)
        values = {
            "question": sample.input.strip(),
            "choices": format_choices(options),
            "letters": ", ".join(options),
        }
        return _PLACEHOLDER.sub(lambda match: values[match.group(1)], self.options.prompt_template)

    def few_shot_text(self, subset: str) -> str:
        """The exemplars of ``subset``: the first ``few_shot_num`` dev questions, each with ``Answer: X``."""
        count = self.options.few_shot_num
        if count == 0:
            return ""
        if subset not in self._few_shot:
            dev_file = self.dev_files.get(subset)
            if dev_file is None:
                raise DataError(
                    f"{NAME}: few_shot_num is {count} but subset {subset!r} has no "
                    f"{subset}{FEW_SHOT_SUFFIX}.csv or .jsonl beside {self.eval_files[subset].name}"
                )
            exemplars = load_questions(dev_file, subset)
            if len(exemplars) < count:
                raise DataError(f"{NAME}: few_shot_num is {count} but {dev_file} has {len(exemplars)} questions")
            self._few_shot[subset] = "".join(
                f"{exemplar.input.strip()}\n{format_choices(question_options(exemplar.raw))}\n"
                f"Answer: {exemplar.target}\n\n"
                for exemplar in exemplars[:count]
            )
        return self._few_shot[subset]

    def gold_completion(self, sample: Sample) -> str:
        """A right answer phrased the way the prompt asks for it."""
        return f"Answer: {sample.target}"


@dataclass
class MCQSample(Sample):
    """A question with the subset it belongs to (which picks its few-shot exemplars)."""

    subset: str = ""


def discover(local_path: str | None) -> tuple[dict[str, Path], dict[str, Path]]:
    """The eval and dev files under ``local_path``: ``({subset: file}, {subset: file})``."""
    if local_path is None:
        raise ConfigError(
            f"dataset-args of {NAME}: option 'local_path' is required: a folder holding {{subset}}{EVAL_SUFFIX}.csv "
            f"or .jsonl files, or one such file"
        )
    path = Path(local_path).expanduser()
    if path.is_file():
        if path.suffix.lower() not in DATA_SUFFIXES:
            raise ConfigError(f"dataset-args of {NAME}: option 'local_path': {path} is not a .csv or .jsonl file")
        stem = path.name[: -len(path.suffix)]
        subset = stem.removesuffix(EVAL_SUFFIX) or stem
        dev_files = {
            name: file
            for name, file in find_subset_files(path.parent, FEW_SHOT_SUFFIX).items()
            if name == subset and file != path
        }
        return {subset: path}, dev_files
    if not path.is_dir():
        raise ConfigError(f"dataset-args of {NAME}: option 'local_path': no such file or folder: {path}")
    eval_files = find_subset_files(path, EVAL_SUFFIX)
    if not eval_files:
        raise DataError(
            f"{NAME}: {path} has no {{subset}}{EVAL_SUFFIX}.csv or {{subset}}{EVAL_SUFFIX}.jsonl file; "
            f"found: {folder_listing(path)}"
        )
    return eval_files, find_subset_files(path, FEW_SHOT_SUFFIX)


def load_questions(path: Path, subset: str) -> list[MCQSample]:
    """Every question of one file, checked; a bad row fails with ``file:line: what is wrong``."""
    rows = read_rows(path)
    samples, ids = [], []
    for index, (line, row) in enumerate(rows):
        problem = question_problem(row)
        if problem:
            raise DataError(f"{path}:{line}: {problem}")
        sample_id = row_id(row, index)
        ids.append((line, sample_id))
        target = text_field(row, "answer").strip().upper()
        samples.append(
            MCQSample(id=sample_id, input=text_field(row, "question"), target=target, raw=row, subset=subset)
        )
    check_unique_ids(path, ids)
    return samples


def question_problem(row: dict[str, Any]) -> str | None:
    """What is wrong with one question row, or None."""
    for column in ("question", "answer"):
        if column not in row:
            return f"missing column {column!r} (columns: {', '.join(map(str, row)) or 'none'})"
    _, columns_problem = option_columns([str(key) for key in row])
    if columns_problem:
        return columns_problem
    if text_field(row, "question") is None:
        return "empty question"
    if "id" in row and text_field(row, "id") is None:
        return "empty id (leave the column out to number the rows)"
    options = question_options(row)
    problem = options_problem(options)
    if problem:
        return problem
    answer = text_field(row, "answer")
    if answer is None:
        return f"empty answer (one of {', '.join(options)})"
    if answer.strip().upper() not in options:
        return f"answer {answer!r} is not among the options {', '.join(options)}"
    return None
