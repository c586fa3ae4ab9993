"""The IFEval benchmark: 541 prompts, each with one to three verifiable instructions."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator

from evalscope.benchmarks.base import Benchmark, BenchmarkOptions, Sample
from evalscope.benchmarks.hub_files import check_local_path, jsonl_file_rows, local_data_file
from evalscope.errors import DataError
from evalscope_ifeval.instructions import prompt_instructions

DATA_DIR = Path(__file__).parent / "data"
BUNDLED_FILE = DATA_DIR / "input_data.jsonl"
HUB_FILE_NAME = "ifeval_input_data.jsonl"  # google/IFEval's layout: the file at the folder's root


class IFEvalOptions(BenchmarkOptions):
    """The ``--dataset-args`` of ``ifeval``; unknown keys are rejected with the closest valid name."""

    local_path: str | None = Field(
        None,
        description=f"A folder in google/IFEval's layout ({HUB_FILE_NAME} at its root) or a JSONL file of "
        "key, prompt, instruction_id_list, kwargs rows (default: the bundled copy)",
    )

    @field_validator("local_path")
    @classmethod
    def _check_local_path(cls, value: str | None) -> str | None:
        return check_local_path(value, HUB_FILE_NAME, "google/IFEval's layout")

    @field_validator("subset_list")
    @classmethod
    def _check_subsets(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and (not value or any(subset != "main" for subset in value)):
            raise ValueError("ifeval has one subset: 'main'")
        return value


class IFEval(Benchmark):
    """IFEval (Zhou et al., 2023): prompts with verifiable instructions, scored by rule, strictly and loosely.

    Each prompt is sent as it is, in one user turn. Sample ids are the rows' ``key``. The rows'
    instructions are checked when loading, so a malformed row stops the run before any request.
    """

    name = "ifeval"
    scorer = "ifeval"
    subsets = ["main"]
    Options = IFEvalOptions
    # Greedy, as the paper's runs; room for the longest asked-for answers (several hundred words).
    generation_config = {"do_sample": False, "max_new_tokens": 2048}

    def data_file(self) -> Path:
        """The JSONL file read: the ``local_path`` file, ``ifeval_input_data.jsonl`` in that folder, or the
        bundled copy."""
        return local_data_file(self.options.local_path, HUB_FILE_NAME, BUNDLED_FILE)

    def load(self, subset: str) -> list[Sample]:
        """Every prompt, in file order; ``Sample.raw`` is the row (nulls in ``kwargs`` kept as read)."""
        samples = []
        seen: set[str] = set()
        for number, row in jsonl_file_rows(self.data_file(), name="ifeval"):
            where = f"{self.data_file()}:{number}"
            for field in ("key", "prompt", "instruction_id_list", "kwargs"):
                if field not in row:
                    raise DataError(f"{where}: the row has no {field!r}")
            if not isinstance(row["prompt"], str) or not row["prompt"].strip():
                raise DataError(f"{where}: prompt is {row['prompt']!r}, expected text")
            try:
                prompt_instructions(row["key"], row["instruction_id_list"], row["kwargs"])
            except DataError as exc:
                raise DataError(f"{where}: {exc}") from None
            sample_id = str(row["key"])
            if sample_id in seen:
                raise DataError(f"{where}: key {row['key']!r} appears twice")
            seen.add(sample_id)
            samples.append(Sample(id=sample_id, input=row["prompt"], target="", raw=row))
        return samples

    def build_prompt(self, sample: Sample) -> dict:
        """One user turn: the prompt as written."""
        return self.chat_prompt(sample.input)
