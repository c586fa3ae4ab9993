"""MBPP (Austin et al., 2021): 974 short Python programming problems, each checked by three asserts."""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from evalscope.benchmarks.base import Sample
from evalscope_code.benchmark import CodeBenchmark
from evalscope_code.data import MBPP_FILE, read_rows
from evalscope_code.options import CodeOptions
from evalscope_code.scorer import CodeSample

FIELDS = ("task_id", "text", "code", "test_list", "test_setup_code")
# The paper's split of the task ids (inclusive ranges).
SPLITS = {"test": (11, 510), "train": (601, 974), "validation": (511, 600), "prompt": (1, 10)}
DEFAULT_PROMPT_TEMPLATE = (
    "You are an expert Python programmer, and here is your task: {text} Your code should pass these tests:\n\n"
    "{tests}\n\nReply with your code in one ```python code block."
)
SANITIZED_MISSING = (
    "the 'sanitized' subset of MBPP is not bundled (this release ships the full set only: test, train, "
    "validation, prompt)"
)


class MBPPOptions(CodeOptions):
    """The ``--dataset-args`` of ``mbpp``; ``subset_list`` picks splits (default: test)."""

    subset_list: list[str] | None = Field(
        None, description="The splits to evaluate: test (the default), train, validation, prompt"
    )

    prompt_template: str = Field(
        DEFAULT_PROMPT_TEMPLATE,
        description="The prompt; {text} is the problem statement, {tests} its asserts, one per line",
    )

    @field_validator("prompt_template")
    @classmethod
    def _check_template(cls, value: str) -> str:
        if "{text}" not in value:
            raise ValueError("must contain {text}, where the problem statement goes (and optionally {tests})")
        return value

    @field_validator("subset_list")
    @classmethod
    def _check_subsets(cls, value: list[str] | None) -> list[str] | None:
        if value is not None:
            if "sanitized" in value:
                raise ValueError(SANITIZED_MISSING)
            unknown = [subset for subset in value if subset not in SPLITS]
            if unknown or not value:
                raise ValueError(f"unknown subset {unknown[0] if unknown else None!r}; mbpp has {', '.join(SPLITS)}")
        return value


class MBPP(CodeBenchmark):
    """MBPP, the full set: the model writes a function from a one-line statement and the tests it must pass.

    The program that runs is the model's code, then the problem's ``test_setup_code``, then its asserts.
    Sample ids are the task ids; subsets are the paper's splits (test 11-510, train 601-974, validation
    511-600, prompt 1-10), test by default.
    """

    name = "mbpp"
    subsets = list(SPLITS)
    Options = MBPPOptions

    def subset_list(self) -> list[str]:
        """``subset_list`` from the options, else the test split alone."""
        return list(self.options.subset_list or ["test"])

    def load(self, subset: str) -> list[Sample]:
        """The problems of ``subset`` in task order; ``target`` is the reference code."""
        low, high = SPLITS[subset]
        samples = []
        for row in read_rows(MBPP_FILE, FIELDS):
            if not low <= row["task_id"] <= high:
                continue
            samples.append(
                CodeSample(
                    id=str(row["task_id"]),
                    input=row["text"],
                    target=row["code"],
                    raw=row,
                    entry_point=tested_function(row),
                    tests=f"{row['test_setup_code']}\n" + "\n".join(row["test_list"]) + "\n",
                    executor=self.executor,
                )
            )
        return samples

    def build_prompt(self, sample: Sample) -> dict:
        """One user turn: ``prompt_template`` with the statement and the asserts."""
        tests = "\n".join(sample.raw["test_list"])
        text = self.options.prompt_template.replace("{tests}", tests).replace("{text}", sample.input)
        return self.chat_prompt(text)


def tested_function(row: dict) -> str:
    """The function of the reference code that the first assert calls (empty when none is found)."""
    first_test = row["test_list"][0] if row["test_list"] else ""
    for name in re.findall(r"^def\s+(\w+)\s*\(", row["code"], re.MULTILINE):
        if re.search(rf"\b{re.escape(name)}\s*\(", first_test):
            return name
    return ""
