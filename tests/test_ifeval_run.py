"""Runs of ``ifeval``: a small set in google/IFEval's layout, the bundled 541 prompts offline, bad rows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from run_folders import read_jsonl

from evalscope import TaskConfig, run_task
from evalscope.models import CustomModel

METRICS = ("prompt_level_strict_acc", "inst_level_strict_acc", "prompt_level_loose_acc", "inst_level_loose_acc")
HUB_KWARGS = ("keywords", "num_words", "relation", "letter", "end_phrase")  # hub rows carry every kwarg, most null

ROWS = [
    (1, ["punctuation:no_comma"], [{}]),
    (2, ["startend:quotation", "punctuation:no_comma"], [{}, {}]),
    (
        3,
        ["detectable_format:title", "keywords:existence", "length_constraints:number_words"],
        [{}, {"keywords": ["apple"]}, {"num_words": 3, "relation": "less than"}],
    ),
]
ANSWERS = {1: "No commas here.", 2: 'Sure, here it is:\n"Quoted."', 3: "<<Fruit>>\nI like pears a lot."}


class KeyedModel(CustomModel):
    """Answers each IFEval prompt with ``ANSWERS[key]``."""

    def predict(self, prompts, **kwargs):
        """One chat.completion per prompt."""
        return [
            {"choices": [{"index": 0, "message": {"role": "assistant", "content": ANSWERS[item["raw"]["key"]]}}]}
            for item in kwargs["origin_inputs"]
        ]


def hub_row(key: int, ids: list[str], kwargs: list[dict]) -> dict:
    return {
        "key": key,
        "prompt": f"Prompt {key}",
        "instruction_id_list": ids,
        "kwargs": [{**dict.fromkeys(HUB_KWARGS), **given} for given in kwargs],
    }


def write_folder(root: Path, rows: list[dict]) -> Path:
    root.mkdir()
    lines = "".join(json.dumps(row) + "\n" for row in rows)
    (root / "ifeval_input_data.jsonl").write_text(lines, encoding="utf-8")
    return root


def test_instruction_level_counts_instructions_over_the_whole_set(tmp_path):
    folder = write_folder(tmp_path / "IFEval", [hub_row(*row) for row in ROWS])
    config = TaskConfig(
        model=KeyedModel(config={}),
        model_id="keyed",
        datasets=["ifeval"],
        dataset_args={"ifeval": {"local_path": str(folder)}},
        eval_type="custom",
        work_dir=str(tmp_path / "out"),
        no_timestamp=True,
    )
    report = run_task(config)["ifeval"]
    metric = report["metrics"][0]
    assert metric["name"] == "prompt_level_strict_acc"
    assert report["score"] == pytest.approx(1 / 3)
    scores = metric["metric_scores"]
    assert list(scores) == list(METRICS)
    assert scores["prompt_level_strict_acc"]["score"] == pytest.approx(1 / 3)
    assert scores["inst_level_strict_acc"]["score"] == pytest.approx(2 / 6)  # not (1 + 0 + 1/3) / 3
    assert scores["prompt_level_loose_acc"]["score"] == pytest.approx(2 / 3)
    assert scores["inst_level_loose_acc"]["score"] == pytest.approx(5 / 6)  # not (1 + 1 + 2/3) / 3
    assert scores["inst_level_strict_acc"]["weight"] == 6

    reviews = {review["sample_id"]: review for review in read_jsonl(tmp_path / "out/reviews/keyed/ifeval_main.jsonl")}
    assert reviews["2"]["prediction"] == [
        {"instruction": "startend:quotation", "strict": False, "loose": True},
        {"instruction": "punctuation:no_comma", "strict": False, "loose": True},
    ]
    assert reviews["3"]["metrics"]["inst_level_strict_acc"] == {"value": pytest.approx(1 / 3), "weight": 3}


def test_the_bundled_set_runs_offline_from_the_command_line(tmp_path, run_cli):
    work = tmp_path / "out"
    result = run_cli("--model-plugin", "dummy", "--datasets", "ifeval", "--work-dir", str(work), "--no-timestamp")
    assert result.returncode == 0, result.stderr
    for name in METRICS:
        assert name in result.stdout  # a column each in the summary table

    report = json.loads((work / "reports/dummy/ifeval.json").read_text(encoding="utf-8"))
    metric = report["metrics"][0]
    assert metric["num"] == 541
    reviews = read_jsonl(work / "reviews/dummy/ifeval_main.jsonl")
    results = [item for review in reviews for item in review["prediction"]]
    assert len(results) == 834 == metric["metric_scores"]["inst_level_strict_acc"]["weight"]
    for level in ("strict", "loose"):
        followed = sum(item[level] for item in results) / len(results)
        assert metric["metric_scores"][f"inst_level_{level}_acc"]["score"] == pytest.approx(followed)
        prompts = sum(all(item[level] for item in review["prediction"]) for review in reviews) / len(reviews)
        assert metric["metric_scores"][f"prompt_level_{level}_acc"]["score"] == pytest.approx(prompts)
    assert metric["score"] == metric["metric_scores"]["prompt_level_strict_acc"]["score"]


def run_on(run_cli, local_path: Path, work: Path):
    """``evalscope --model-plugin dummy --datasets ifeval`` on ``local_path``."""
    args = json.dumps({"ifeval": {"local_path": str(local_path)}})
    return run_cli("--model-plugin", "dummy", "--datasets", "ifeval", "--dataset-args", args, "--work-dir", str(work))


def test_a_malformed_row_stops_the_run_with_one_line(tmp_path, run_cli):
    bad = hub_row(9, ["keywords:letter_frequency"], [{"letter": "ab", "let_frequency": 2, "let_relation": "at least"}])
    data = tmp_path / "rows.jsonl"
    data.write_text(json.dumps(hub_row(*ROWS[0])) + "\n" + json.dumps(bad) + "\n", encoding="utf-8")
    result = run_on(run_cli, data, tmp_path / "out")
    assert result.returncode != 0
    expected = (
        f"{data}:2: ifeval prompt 9, instruction keywords:letter_frequency: kwarg 'letter' is 'ab', "
        "expected one character"
    )
    assert expected in result.stderr
    assert len([line for line in result.stderr.splitlines() if "ifeval prompt 9" in line]) == 1


def test_a_folder_without_the_hub_file_is_named(tmp_path, run_cli):
    (tmp_path / "empty").mkdir()
    result = run_on(run_cli, tmp_path / "empty", tmp_path / "out")
    assert result.returncode != 0
    assert "has no ifeval_input_data.jsonl" in result.stderr
