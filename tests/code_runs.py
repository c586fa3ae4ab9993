"""Whole runs of the code benchmarks with a model that replays answers built from each sample's dataset row."""

from __future__ import annotations

from pathlib import Path

from evalscope import TaskConfig, run_task
from evalscope.models import CustomModel


class ReplayModel(CustomModel):
    """Answers each prompt with ``answer(origin_input)`` (the item holds the sample's dataset row as ``raw``)."""

    def __init__(self, answer, **kwargs):
        super().__init__(**kwargs)
        self.answer = answer

    def predict(self, prompts, **kwargs):
        """One chat.completion per prompt."""
        return [
            {
                "choices": [{"index": 0, "message": {"role": "assistant", "content": self.answer(item)}}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            }
            for item in kwargs["origin_inputs"]
        ]


def replay_run(tmp_path: Path, dataset: str, answer, dataset_args: dict | None = None, **config) -> dict:
    """Run ``dataset`` with ``ReplayModel(answer)`` into ``tmp_path``; return its report."""
    task = TaskConfig(
        model=ReplayModel(answer),
        model_id="replay",
        datasets=[dataset],
        dataset_args={dataset: {"timeout": 30, **(dataset_args or {})}},
        eval_type="custom",
        work_dir=str(tmp_path),
        no_timestamp=True,
        eval_batch_size=config.pop("eval_batch_size", 32),
        **config,
    )
    return run_task(task)[dataset]
