"""The datasets' own solutions, replayed as model answers through whole runs, pass every test in the sandbox:
HumanEval 164/164 (as a completion and as a chat answer), MBPP 500/500 on test and 974/974 over all splits."""

from __future__ import annotations

import json

import pytest
from code_runs import replay_run


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
    report = replay_run(tmp_path, "humaneval", lambda item: shape(item["raw"]))
    assert (report["score"], report["metrics"][0]["num"], report["scoring_errors"]) == (1.0, 164, 0)
    scoring = report["provenance"]["scoring"]
    assert scoring["sandbox"]["sandbox"] in ("bwrap", "process")
    assert scoring["limits"]["wall_time_s"] == 30
    reviews = (tmp_path / "reviews" / "replay" / "humaneval_main.jsonl").read_text(encoding="utf-8").splitlines()
    assert all(json.loads(line)["explanation"] == "passed" for line in reviews)


def test_mbpp_reference_code_scores_500_on_test_and_974_over_all_splits(tmp_path):
    splits = ["test", "train", "validation", "prompt"]
    report = replay_run(tmp_path, "mbpp", lambda item: item["raw"]["code"], {"subset_list": splits})
    assert subset_counts(report) == {
        "test": (1.0, 500),
        "train": (1.0, 374),
        "validation": (1.0, 90),
        "prompt": (1.0, 10),
    }
    assert report["score"] == 1.0 and report["metrics"][0]["num"] == 974
