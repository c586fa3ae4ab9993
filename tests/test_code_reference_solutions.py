"""The datasets' own solutions, replayed as model answers through whole runs, pass every test in the sandbox:
HumanEval 164/164 (as a completion and as a chat answer), MBPP 500/500 on test and 974/974 over all splits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalscope import TaskConfig, run_task
from evalscope.models import CustomModel


class ReplayModel(CustomModel):
    """Answers each prompt with ``answer(origin_input)``."""

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


def run(tmp_path: Path, dataset: str, answer, dataset_args: dict | None = None) -> dict:
    config = TaskConfig(
        model=ReplayModel(answer),
        model_id="replay",
        datasets=[dataset],
        dataset_args={dataset: {"timeout": 30, **(dataset_args or {})}},
        eval_type="custom",
        work_dir=str(tmp_path),
        no_timestamp=True,
        eval_batch_size=32,
    )
    return run_task(config)[dataset]


def subset_counts(report: dict) -> dict[str, tuple[float, int]]:
    return {subset["name"]: (subset["score"], subset["num"]) for subset in report["metrics"][0]["subsets"]}


@pytest.mark.parametrize(
    "shape",
    [
        pytest.param(lambda raw: raw["canonical_solution"], id="completion"),
        pytest.param(lambda raw: f"```python\n{raw['prompt']}{raw['canonical_solution']}```\n", id="chat"),
    ],
)
def test_humaneval_canonical_solutions_score_164_of_164(tmp_path, shape):
    report = run(tmp_path, "humaneval", lambda item: shape(item["raw"]))
    assert (report["score"], report["metrics"][0]["num"], report["scoring_errors"]) == (1.0, 164, 0)
    scoring = report["provenance"]["scoring"]
    assert scoring["sandbox"]["sandbox"] in ("bwrap", "process")
    assert scoring["limits"]["wall_time_s"] == 30
    reviews = (tmp_path / "reviews" / "replay" / "humaneval_main.jsonl").read_text(encoding="utf-8").splitlines()
    assert all(json.loads(line)["explanation"] == "passed" for line in reviews)


def test_mbpp_reference_code_scores_500_on_test_and_974_over_all_splits(tmp_path):
    splits = ["test", "train", "validation", "prompt"]
    report = run(tmp_path, "mbpp", lambda item: item["raw"]["code"], {"subset_list": splits})
    assert subset_counts(report) == {
        "test": (1.0, 500),
        "train": (1.0, 374),
        "validation": (1.0, 90),
        "prompt": (1.0, 10),
    }
    assert report["score"] == 1.0 and report["metrics"][0]["num"] == 974
