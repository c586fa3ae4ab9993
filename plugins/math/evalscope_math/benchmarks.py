"""The math benchmarks: MATH-500, MATH (competition_math), AIME 2024 and AIME 2025.

Each asks one question per sample, 0-shot, with the usual instruction to reason step by step and
put the final answer within ``\\boxed{}``; generation defaults leave room for long reasoning.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from pydantic import Field, field_validator

from evalscope.benchmarks.base import Benchmark, BenchmarkOptions, Sample
from evalscope.benchmarks.hub_files import check_local_path
from evalscope.errors import DataError
from evalscope_math.data import data_file, read_rows, text_fields_problem
from evalscope_math.extract import last_boxed

DEFAULT_PROMPT_TEMPLATE = "{query}\nPlease reason step by step, and put your final answer within \\boxed{}."
_QUERY = re.compile(r"\{query\}")
# Greedy, so runs repeat; 32k new tokens, room for a reasoning model's long chain of thought.
GENERATION_CONFIG = {"do_sample": False, "max_new_tokens": 32768}

MATH_SUBJECTS = {
    "algebra": "Algebra",
    "counting_and_probability": "Counting & Probability",
    "geometry": "Geometry",
    "intermediate_algebra": "Intermediate Algebra",
    "number_theory": "Number Theory",
    "prealgebra": "Prealgebra",
    "precalculus": "Precalculus",
}


class MathOptions(BenchmarkOptions):
    """The ``--dataset-args`` of a math benchmark; unknown keys are rejected with the closest valid name."""

    bundled_file: ClassVar[str] = "math500_test.jsonl"

    local_path: str | None = Field(
        None, description="Your own copy: a JSONL file, or a folder holding the bundled file's name"
    )
    prompt_template: str = Field(DEFAULT_PROMPT_TEMPLATE, description="The prompt; {query} is the problem")

    @field_validator("local_path")
    @classmethod
    def _check_local_path(cls, value: str | None) -> str | None:
        return check_local_path(value, cls.bundled_file)

    @field_validator("prompt_template")
    @classmethod
    def _check_template(cls, value: str) -> str:
        if "{query}" not in value:
            raise ValueError("must contain {query}, where the problem goes")
        return value


class CompetitionMathOptions(MathOptions):
    """The ``--dataset-args`` of ``competition_math``."""

    bundled_file = "math_test.jsonl"


class AIME24Options(MathOptions):
    """The ``--dataset-args`` of ``aime24``."""

    bundled_file = "aime24_test.jsonl"


class AIME25Options(MathOptions):
    """The ``--dataset-args`` of ``aime25``."""

    bundled_file = "aime25_test.jsonl"


class MathBenchmark(Benchmark):
    """A math benchmark read from one JSONL file: subclasses say which rows form a subset and what their gold is."""

    scorer = "math"
    subsets: ClassVar[list[str]] = ["default"]
    Options = MathOptions
    generation_config = GENERATION_CONFIG
    required_fields: ClassVar[tuple[str, ...]] = ("problem", "answer")

    def load(self, subset: str) -> list[Sample]:
        """The rows of ``subset``, in file order."""
        path = data_file(self.options.local_path, self.Options.bundled_file)
        rows = read_rows(path, self.row_problem, self.name)
        samples = [self.sample(index, row) for index, row in enumerate(rows) if self.in_subset(row, subset)]
        if not samples:
            raise DataError(f"{self.name}: {path} has no rows of subset {subset!r}")
        return samples

    def build_prompt(self, sample: Sample) -> dict:
        """One user turn: ``prompt_template`` with the problem in place of ``{query}``."""
        return self.chat_prompt(_QUERY.sub(lambda _: sample.input, self.options.prompt_template))

    def gold_completion(self, sample: Sample) -> str:
        """The gold answer written as a model would: the row's worked solution when it has one (its last box
        is the answer), else ``The final answer is $\\boxed{target}$.``"""
        solution = sample.raw.get("solution")
        if isinstance(solution, str) and solution.strip():
            return solution
        return f"The final answer is $\\boxed{{{sample.target}}}$."

    def row_problem(self, row: Any) -> str | None:
        """What is wrong with one row, or None."""
        return text_fields_problem(row, self.required_fields)

    def in_subset(self, row: dict[str, Any], subset: str) -> bool:
        """Whether ``row`` belongs to ``subset`` (every row, for a benchmark with one subset)."""
        return True

    def sample(self, index: int, row: dict[str, Any]) -> Sample:
        """The sample of the ``index``-th row: id, problem and gold answer."""
        return Sample(id=str(index), input=row["problem"], target=str(row["answer"]).strip(), raw=row)


class Math500(MathBenchmark):
    """MATH-500 (Lightman et al., 2023): 500 MATH test problems; ids are their ``unique_id`` (else the row index)."""

    name = "math_500"

    def sample(self, index: int, row: dict[str, Any]) -> Sample:
        """The sample of one row, its id the row's ``unique_id`` (``test/algebra/1.json``) when it has one."""
        sample = super().sample(index, row)
        sample.id = str(row.get("unique_id") or index)
        return sample


class CompetitionMath(MathBenchmark):
    """MATH (Hendrycks et al., 2021): the 5,000 test problems, one subset per subject (its ``type``).

    The gold answer is the last box of the solution; ids are the rows' ``idx`` (else the row index).
    """

    name = "competition_math"
    subsets = list(MATH_SUBJECTS)
    Options = CompetitionMathOptions
    required_fields = ("problem", "solution", "type")

    def row_problem(self, row: Any) -> str | None:
        """What is wrong with one row (a missing field, an unknown subject, a solution without a box), or None."""
        problem = super().row_problem(row)
        if problem:
            return problem
        if row["type"] not in MATH_SUBJECTS.values():
            return f"unknown subject 'type' {row['type']!r}; known: {', '.join(MATH_SUBJECTS.values())}"
        if last_boxed(row["solution"]) is None:
            return "the solution has no \\boxed{...} answer"
        return None

    def in_subset(self, row: dict[str, Any], subset: str) -> bool:
        """Whether the row's subject (``type``) is ``subset``'s."""
        return row["type"] == MATH_SUBJECTS[subset]

    def sample(self, index: int, row: dict[str, Any]) -> Sample:
        """The sample of one row: the gold is the last box of its solution."""
        found = last_boxed(row["solution"])
        return Sample(id=str(row.get("idx", index)), input=row["problem"], target=found.answer, raw=row)


class AIME(MathBenchmark):
    """An AIME year: 30 problems whose answers are whole numbers from 0 to 999; ids are the row indexes."""

    scorer = "aime"

    def row_problem(self, row: Any) -> str | None:
        """What is wrong with one row (a missing field, an answer that is not a whole number), or None."""
        problem = text_fields_problem(row, ("problem",))
        if problem is None and "answer" not in row:
            problem = f"row has no 'answer' (keys: {', '.join(map(str, row))})"
        if problem is None and not re.fullmatch(r"\s*\d+\s*", str(row["answer"])):
            problem = f"'answer' must be a whole number, got {row['answer']!r}"
        return problem


class AIME24(AIME):
    """AIME 2024, I and II."""

    name = "aime24"
    Options = AIME24Options


class AIME25(AIME):
    """AIME 2025, I and II."""

    name = "aime25"
    Options = AIME25Options
