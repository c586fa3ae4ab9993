"""The ``general_qa`` benchmark: a user's own open questions with reference answers, from JSONL files.

Layout (the same as EvalScope's): ``local_path`` is a folder of ``{subset}.jsonl`` files, or one such
file. A row holds ``query`` (or ``question``), ``response`` (or ``answer``) and optionally ``system``
and ``id``; or ``messages`` in the OpenAI chat format, whose last message is the assistant's reference
answer and whose earlier messages are the prompt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator

from evalscope.benchmarks.base import Benchmark, BenchmarkOptions, Sample
from evalscope.errors import ConfigError, DataError
from evalscope_general.judge import JUDGE_KEY_ENV, Judge, JudgeOptions
from evalscope_general.qa_metrics import METRICS
from evalscope_general.rows import (
    check_unique_ids,
    choose_subsets,
    find_subset_files,
    folder_listing,
    read_rows,
    row_id,
    text_field,
)

NAME = "general_qa"
ROLES = ("system", "user", "assistant")


class GeneralQAOptions(BenchmarkOptions):
    """The ``--dataset-args`` of ``general_qa``."""

    local_path: str | None = Field(None, description="Required: a folder of {subset}.jsonl files, or one such file")
    prompt_template: str = Field("{query}", description="The prompt; {query} is the question")
    metric: str = Field("f1", description="The report's score: exact_match, f1 or rouge_l (reviews hold all three)")
    judge: JudgeOptions | None = Field(
        None,
        description='An LLM judge grades each answer instead: {"api_url": URL, "model": NAME}, optionally '
        f"api_key (default: ${JUDGE_KEY_ENV}), timeout ({JudgeOptions.model_fields['timeout'].default:g}) "
        f"and retries ({JudgeOptions.model_fields['retries'].default})",
    )

    @field_validator("prompt_template")
    @classmethod
    def _check_template(cls, value: str) -> str:
        if "{query}" not in value:
            raise ValueError("must contain {query}, where the question goes")
        return value

    @field_validator("metric")
    @classmethod
    def _check_metric(cls, value: str) -> str:
        if value not in METRICS:
            raise ValueError(f"must be one of {', '.join(METRICS)} (the score in the report; reviews hold all three)")
        return value


@dataclass
class QASample(Sample):
    """A question with the conversation that leads to it (``messages`` without the reference answer)."""

    messages: list[dict[str, str]] = field(default_factory=list)


class GeneralQA(Benchmark):
    """Open questions from a user's JSONL files, one subset per file, scored against the reference answer.

    The prompt is the row's conversation: its ``system`` (else ``system_prompt``) and the question
    filled into ``prompt_template``, or the ``messages`` before the reference. ``metric`` picks the
    report's score (``exact_match``, ``f1`` or ``rouge_l``); every review records all three. With
    ``judge``, the scorer ``general_qa_judge`` grades each answer with that model instead.
    """

    name = NAME
    Options = GeneralQAOptions

    def __init__(self, options: dict | None = None, seed: int = 42) -> None:
        super().__init__(options, seed)
        self.scorer = f"{NAME}_{self.options.metric}"
        self.judge = Judge(self.options.judge) if self.options.judge is not None else None
        if self.judge is not None:
            self.scorer = f"{NAME}_judge"
        self.files = discover(self.options.local_path)
        self.subsets = sorted(self.files)

    def subset_list(self) -> list[str]:
        """``subset_list`` from the options (each must have a file), else every subset found, sorted."""
        return choose_subsets(NAME, self.options.subset_list, self.subsets, self.options.local_path, "{subset}.jsonl")

    def load(self, subset: str) -> list[Sample]:
        """The questions of ``subset``'s file, in file order, each checked."""
        return load_questions(self.files[subset])

    def scoring_config(self) -> dict[str, Any]:
        """What changes a grade: ``metric``, and the judge's model and rubric (``Judge.identity``) when judged."""
        return {"metric": self.options.metric, "judge": self.judge.identity() if self.judge is not None else None}

    def build_prompt(self, sample: Sample) -> dict:
        """The conversation up to the question, the question filled into ``prompt_template``."""
        messages = [dict(message) for message in sample.messages]
        last = messages[-1]
        last["content"] = self.options.prompt_template.replace("{query}", last["content"])
        system = messages[0]["content"] if messages[0]["role"] == "system" else self.options.system_prompt
        if messages[0]["role"] != "system" and system:
            messages.insert(0, {"role": "system", "content": system})
        return {"messages": messages, "data": [last["content"]], "system_prompt": system}

    def gold_completion(self, sample: Sample) -> str:
        """The reference answer itself."""
        return sample.target


def discover(local_path: str | None) -> dict[str, Path]:
    """``{subset: file}`` under ``local_path`` (a folder of ``{subset}.jsonl`` files, or one file)."""
    if local_path is None:
        raise ConfigError(
            f"dataset-args of {NAME}: option 'local_path' is required: a folder holding {{subset}}.jsonl files, "
            "or one such file"
        )
    path = Path(local_path).expanduser()
    if path.is_file():
        return {path.stem: path}
    if not path.is_dir():
        raise ConfigError(f"dataset-args of {NAME}: option 'local_path': no such file or folder: {path}")
    files = {subset: file for subset, file in find_subset_files(path, "").items() if file.suffix.lower() == ".jsonl"}
    if not files:
        raise DataError(f"{NAME}: {path} has no {{subset}}.jsonl file; found: {folder_listing(path)}")
    return files


def load_questions(path: Path) -> list[QASample]:
    """Every row of one file, checked; a bad row fails with ``file:line: what is wrong``."""
    samples, ids = [], []
    for index, (line, row) in enumerate(read_rows(path)):
        messages, reference, problem = conversation(row)
        if problem:
            raise DataError(f"{path}:{line}: {problem}")
        if "id" in row and text_field(row, "id") is None:
            raise DataError(f"{path}:{line}: empty id (leave the field out to number the rows)")
        sample_id = row_id(row, index)
        ids.append((line, sample_id))
        query = messages[-1]["content"]
        samples.append(QASample(id=sample_id, input=query, target=reference, raw=row, messages=messages))
    check_unique_ids(path, ids)
    return samples


def conversation(row: dict[str, Any]) -> tuple[list[dict[str, str]], str, str | None]:
    """``(prompt messages, reference answer, problem)`` of one row; ``problem`` is None when it is valid."""
    if "messages" in row:
        return _from_messages(row["messages"])
    query = _first_text(row, "query", "question")
    reference = _first_text(row, "response", "answer")
    if query is None:
        return [], "", "no question: give a non-empty 'query' (or 'question'), or 'messages'"
    if reference is None:
        return [], "", "no reference answer: give a non-empty 'response' (or 'answer')"
    system = row.get("system")
    if system is not None and not isinstance(system, str):
        return [], "", f"'system' must be a string, got {type(system).__name__}"
    messages = [{"role": "system", "content": system}] if system else []
    return [*messages, {"role": "user", "content": query}], reference, None


def _first_text(row: dict[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = text_field(row, key)
        if value is not None:
            return value
    return None


def _from_messages(messages: Any) -> tuple[list[dict[str, str]], str, str | None]:
    if not isinstance(messages, list) or len(messages) < 2:
        return [], "", "'messages' must be a list of at least a user message and the assistant's reference answer"
    for number, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in ROLES:
            return [], "", f"messages[{number}] needs a role of {', '.join(ROLES)}"
        if not isinstance(message.get("content"), str) or not message["content"].strip():
            return [], "", f"messages[{number}] needs a non-empty string 'content'"
    if messages[-1]["role"] != "assistant":
        return [], "", "the last message must be the assistant's reference answer"
    if messages[-2]["role"] != "user":
        return [], "", "the message before the reference answer must be the user's question"
    prompt = [{"role": message["role"], "content": message["content"]} for message in messages[:-1]]
    return prompt, messages[-1]["content"], None
