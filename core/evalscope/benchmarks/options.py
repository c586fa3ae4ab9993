"""Validated benchmark options (``--dataset-args``); subclass ``BenchmarkOptions`` to add more."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class BenchmarkOptions(BaseModel):
    """Options every benchmark accepts in ``--dataset-args``; unknown keys are rejected."""

    model_config = ConfigDict(extra="forbid")

    subset_list: list[str] | None = Field(None, description="The subsets to evaluate (default: all)")
    system_prompt: str | None = Field(None, description="A system message before each prompt")
