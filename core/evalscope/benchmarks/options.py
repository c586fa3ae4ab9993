"""Validated benchmark options (``--dataset-args``); subclass ``BenchmarkOptions`` to add more."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class BenchmarkOptions(BaseModel):
    """Options every benchmark accepts in ``--dataset-args``; unknown keys are rejected."""

    model_config = ConfigDict(extra="forbid")

    subset_list: list[str] | None = None
    system_prompt: str | None = None
