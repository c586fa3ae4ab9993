"""HumanEval (Chen et al., 2021): 164 Python functions to complete, each checked by its unit tests."""

from __future__ import annotations

from pydantic import Field, field_validator

from evalscope.benchmarks.base import Sample
from evalscope_code.benchmark import CodeBenchmark
from evalscope_code.data import HUMANEVAL_FILE, read_rows
from evalscope_code.options import CodeOptions
from evalscope_code.scorer import CodeSample

FIELDS = ("task_id", "prompt", "canonical_solution", "test", "entry_point")
DEFAULT_PROMPT_TEMPLATE = (
    "Complete the following Python function. Reply with the whole function, its signature included, "
    "in one ```python code block.\n\n```python\n{prompt}```"
)


class HumanEvalOptions(CodeOptions):
    """The ``--dataset-args`` of ``humaneval``."""

    prompt_template: str = Field(
        DEFAULT_PROMPT_TEMPLATE,
        description="The chat prompt; {prompt} is the function's signature and docstring (a completion endpoint "
        "gets the bare signature and docstring to continue)",
    )

    @field_validator("prompt_template")
    @classmethod
    def _check_template(cls, value: str) -> str:
        if "{prompt}" not in value:
            raise ValueError("must contain {prompt}, where the function's signature and docstring go")
        return value


class HumanEval(CodeBenchmark):
    """HumanEval: the model completes each function; the problem's tests run on it in a sandbox.

    A chat model gets ``prompt_template`` and answers with the whole function (in a ```python block); a
    completion endpoint gets the function's head and continues it (human-eval runs prompt + completion).
    Sample ids are the task ids (``HumanEval/0`` ...).
    """

    name = "humaneval"
    subsets = ["main"]
    Options = HumanEvalOptions

    def load(self, subset: str) -> list[Sample]:
        """The 164 problems in file order; ``target`` is the canonical solution (the body of the function)."""
        return [
            CodeSample(
                id=row["task_id"],
                input=row["prompt"],
                target=row["canonical_solution"],
                raw=row,
                code_prompt=row["prompt"],
                entry_point=row["entry_point"],
                tests=f"{row['test']}\n\ncheck({row['entry_point']})\n",
                executor=self.executor,
            )
            for row in read_rows(HUMANEVAL_FILE, FIELDS)
        ]

    def build_prompt(self, sample: Sample) -> dict:
        """The chat turn from ``prompt_template``; ``data`` holds the function's head for completion endpoints."""
        item = self.chat_prompt(self.options.prompt_template.replace("{prompt}", sample.input))
        item["data"] = [sample.input]
        return item
