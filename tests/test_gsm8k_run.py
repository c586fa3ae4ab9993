"""Whole-test-set runs of ``gsm8k``: gold solutions replayed as model output, and the offline CLI run."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from run_folders import read_jsonl

from evalscope import TaskConfig, run_task
from evalscope.models import CustomModel
from evalscope.plugins import get_plugins
from evalscope.store.records import completion

NUM_TEST = 1319


class ReplayModel(CustomModel):
    """Answers each question with a text built from its gold solution (``origin_inputs[i]['raw']['answer']``)."""

    def __init__(self, answer=lambda item: item["raw"]["answer"], **kwargs):
        super().__init__(**kwargs)
        self.answer = answer
        self.seen: list[dict] = []

    def predict(self, prompts, **kwargs):
        """One chat.completion per prompt, holding ``answer(origin_input)``."""
        self.seen.extend(kwargs["origin_inputs"])
        return [
            {
                "choices": [{"index": 0, "message": {"role": "assistant", "content": self.answer(item)}}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            }
            for item in kwargs["origin_inputs"]
        ]


def run(tmp_path: Path, model: CustomModel, dataset_args: dict | None = None) -> tuple[dict, Path]:
    config = TaskConfig(
        model=model,
        model_id="replay",
        datasets=["gsm8k"],
        dataset_args={"gsm8k": dataset_args} if dataset_args else {},
        eval_type="custom",
        work_dir=str(tmp_path),
        no_timestamp=True,
        eval_batch_size=64,
    )
    return run_task(config)["gsm8k"], tmp_path


@pytest.mark.parametrize("dataset_args", [None, {"few_shot_num": 0}], ids=["default-4-shot", "0-shot"])
def test_gold_solutions_score_one_on_the_whole_test_set(tmp_path, dataset_args):
    model = ReplayModel()
    report, root = run(tmp_path, model, dataset_args)

    on_disk = json.loads((root / "reports" / "replay" / "gsm8k.json").read_text(encoding="utf-8"))
    assert on_disk == report
    metric = on_disk["metrics"][0]
    assert (on_disk["score"], metric["num"], metric["stderr"], metric["errors"]) == (1.0, NUM_TEST, 0.0, 0)
    assert metric["ci_high"] == 1.0
    assert metric["ci_low"] == pytest.approx(0.99709, abs=1e-5)  # Wilson interval of 1319 out of 1319

    reviews = read_jsonl(root / "reviews" / "replay" / "gsm8k_main.jsonl")
    assert [review["sample_id"] for review in reviews] == [str(index) for index in range(NUM_TEST)]
    assert all(review["correct"] and review["prediction"] == review["gold"] for review in reviews)
    assert all(review["explanation"].startswith("####: ") for review in reviews)

    predictions = read_jsonl(root / "predictions" / "replay" / "gsm8k_main.jsonl")
    assert sorted(int(record["sample_id"]) for record in predictions) == list(range(NUM_TEST))
    prompt = predictions[0]["prompt"]["messages"][-1]["content"]
    assert prompt.count("Question: ") == (1 if dataset_args else 5)
    assert [item["index"] for item in model.seen] == [str(index) for index in range(NUM_TEST)]


def test_report_gives_accuracy_with_stderr_and_confidence_interval(tmp_path):
    """Right on even ids, one off on odd ids: the report shows the exact accuracy and its uncertainty."""

    def answer(item):
        gold = int(item["raw"]["answer"].rsplit("####", 1)[1].replace(",", ""))
        return f"The answer is {gold if int(item['index']) % 2 == 0 else gold + 1}."

    report, root = run(tmp_path, ReplayModel(answer), {"few_shot_num": 0})
    right = (NUM_TEST + 1) // 2
    mean = right / NUM_TEST
    stderr = math.sqrt((right * (1 - mean) ** 2 + (NUM_TEST - right) * mean**2) / (NUM_TEST - 1) / NUM_TEST)
    metric = report["metrics"][0]
    assert metric["num"] == NUM_TEST
    assert metric["score"] == pytest.approx(mean)
    assert metric["stderr"] == pytest.approx(stderr)
    z = 1.959964  # Wilson score interval, as accuracy is a proportion
    centre = (mean + z * z / (2 * NUM_TEST)) / (1 + z * z / NUM_TEST)
    half = z * math.sqrt(mean * (1 - mean) / NUM_TEST + z * z / (4 * NUM_TEST**2)) / (1 + z * z / NUM_TEST)
    assert metric["ci_low"] == pytest.approx(centre - half)
    assert metric["ci_high"] == pytest.approx(centre + half)
    reviews = read_jsonl(root / "reviews" / "replay" / "gsm8k_main.jsonl")
    wrong = reviews[1]
    assert (wrong["correct"], wrong["gold"], wrong["prediction"]) == (False, "3", "4")
    assert wrong["explanation"] == "answer phrase: 'answer is 4' -> 4, which differs from the gold 3"


def test_cli_runs_the_whole_test_set_offline_with_the_dummy_model(tmp_path, run_cli):
    work = tmp_path / "out"
    result = run_cli("--model-plugin", "dummy", "--datasets", "gsm8k", "--work-dir", str(work), "--no-timestamp")
    assert result.returncode == 0, result.stderr
    assert "gsm8k" in result.stdout and str(NUM_TEST) in result.stdout  # the summary table

    report = json.loads((work / "reports" / "dummy" / "gsm8k.json").read_text(encoding="utf-8"))
    assert report["dataset_name"] == "gsm8k"
    assert report["metrics"][0]["num"] == NUM_TEST
    assert report["errors"] == 0
    reviews = read_jsonl(work / "reviews" / "dummy" / "gsm8k_main.jsonl")
    assert [review["sample_id"] for review in reviews] == [str(index) for index in range(NUM_TEST)]
    benchmark = get_plugins().benchmarks.get("gsm8k").factory(options={}, seed=42)
    assert [review["gold"] for review in reviews] == [sample.target for sample in benchmark.load("main")]
    assert all(review["explanation"] for review in reviews)
    assert report["score"] == pytest.approx(sum(review["score"] for review in reviews) / NUM_TEST)
    predictions = read_jsonl(work / "predictions" / "dummy" / "gsm8k_main.jsonl")
    assert len(predictions) == NUM_TEST
    assert completion(predictions[0]).startswith("Dummy response for prompt:")
    assert (work / "configs" / "task_config.yaml").is_file()


def test_cli_reports_a_misspelt_option_in_one_line(tmp_path, run_cli):
    result = run_cli(
        "--model-plugin",
        "dummy",
        "--datasets",
        "gsm8k",
        "--dataset-args",
        '{"gsm8k": {"few_shot_nmu": 2}}',
        "--work-dir",
        str(tmp_path),
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "evalscope: error: --dataset-args gsm8k: unknown option 'few_shot_nmu'; did you mean 'few_shot_num'?"
    )
