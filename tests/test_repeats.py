"""``--repeats K``: each sample asked K times (seed + k), one prediction and one review line per answer, the
sample scored by the mean of its answers, and the report's mean@K and unbiased pass@k."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from openai_server import FakeOpenAIServer
from quiz_api import NO_KEYS, QUIZ, QUIZ_MODEL, quiz_api_args
from run_folders import read_jsonl, wait_for_lines

from evalscope import TaskConfig, run_task
from evalscope.models.base import CustomModel
from evalscope.repeats import AnswerKeys, pass_at_k
from evalscope.results.reader import read_samples
from evalscope.store.cache_keys import cache_key

RIGHT = {"0": 0, "1": 1, "2": 2, "3": 4}  # how many of its 4 answers are right, by sample id


class RightSometimes(CustomModel):
    """Right on sample i only for its last ``RIGHT[i]`` answers (answer k has seed 42 + k); records what it was
    asked as (sample id, seed)."""

    asked: list[tuple[str, int]] = []
    failing_seed: int | None = None  # raise on every prompt asked with this seed

    def predict(self, prompts, **kwargs):
        seed = kwargs["infer_cfg"]["seed"]
        if seed == RightSometimes.failing_seed:
            raise RuntimeError("out of memory")
        answers = []
        for item in kwargs["origin_inputs"]:
            RightSometimes.asked.append((item["index"], seed))
            right = seed - 42 >= 4 - RIGHT[item["index"]]
            text = item["data"][0] if right else "wrong"
            answers.append({"choices": [{"index": 0, "message": {"role": "assistant", "content": text}}]})
        return answers


def run_counting(tmp_path: Path, name: str, plugins, **settings) -> dict:
    RightSometimes.asked = []
    config = TaskConfig(
        model=RightSometimes(),
        model_id="sometimes",
        datasets=[name],
        work_dir=str(tmp_path),
        no_timestamp=True,
        eval_batch_size=3,
        **settings,
    )
    return run_task(config, plugins=plugins)[name]


def test_four_repeats_store_four_answers_per_sample_and_report_mean_and_unbiased_pass_at_k(
    counting_benchmark, run_plugins, tmp_path
):
    name = counting_benchmark(4)
    report = run_counting(tmp_path, name, run_plugins, repeats=4)

    assert sorted(RightSometimes.asked) == sorted((str(i), 42 + k) for i in range(4) for k in range(4))
    predictions = read_jsonl(tmp_path / "predictions" / "sometimes" / f"{name}_main.jsonl")
    reviews = read_jsonl(tmp_path / "reviews" / "sometimes" / f"{name}_main.jsonl")
    for lines in (predictions, reviews):
        assert sorted((line["sample_id"], line["repeat"]) for line in lines) == [
            (str(i), k) for i in range(4) for k in range(4)
        ]
        assert all(list(line)[:2] == ["sample_id", "repeat"] for line in lines)
    assert len({line["cache_key"] for line in predictions}) == 16  # every answer has a key of its own
    right = {(review["sample_id"], review["repeat"]) for review in reviews if review["score"] == 1.0}
    assert right == {(i, k) for i, count in RIGHT.items() for k in range(4 - count, 4)}

    # By hand: right answers per sample 0, 1, 2, 4 of n = 4.
    # pass@1 = c/4: 0, 1/4, 1/2, 1;  pass@2 = 1 - C(4-c, 2)/C(4, 2): 0, 1 - 3/6, 1 - 1/6, 1;  pass@4: 0, 1, 1, 1.
    mean = (0 + 0.25 + 0.5 + 1) / 4
    expected = {"mean@4": mean, "pass@1": mean, "pass@2": (0 + 0.5 + 5 / 6 + 1) / 4, "pass@4": 0.75}
    metric = report["metrics"][0]
    assert metric["num"] == 4  # samples, not answers
    assert report["score"] == pytest.approx(mean)
    assert {name: entry["score"] for name, entry in metric["metric_scores"].items()} == pytest.approx(expected)
    assert list(metric["metric_scores"]) == ["mean@4", "pass@1", "pass@2", "pass@4"]
    saved = json.loads((tmp_path / "reports" / "sometimes" / f"{name}.json").read_text())
    assert saved["metrics"][0]["subsets"][0]["num"] == 4
    assert saved["metrics"][0]["subsets"][0]["metric_scores"]["pass@2"]["score"] == pytest.approx(expected["pass@2"])


def test_a_finished_run_with_repeats_resumes_without_asking_and_keeps_its_reviews(
    counting_benchmark, run_plugins, tmp_path
):
    name = counting_benchmark(4)
    run_counting(tmp_path, name, run_plugins, repeats=4)
    reviews = tmp_path / "reviews" / "sometimes" / f"{name}_main.jsonl"
    before = reviews.read_bytes()

    RightSometimes.asked = []
    report = run_task(TaskConfig(use_cache=str(tmp_path), model=RightSometimes()), plugins=run_plugins)[name]
    assert RightSometimes.asked == []
    assert reviews.read_bytes() == before
    assert report["metrics"][0]["metric_scores"]["pass@2"]["score"] == pytest.approx((0.5 + 5 / 6 + 1) / 4)
    answers = read_samples(tmp_path, name, "main")
    assert len(answers) == 16
    for answer in answers:  # each review is joined to its own answer's prediction
        assert (answer["completion"] == answer["gold"]) == (answer["score"] == 1.0)
        assert answer["response"] is not None


def test_repeats_below_one_is_a_one_line_error(run_cli, tmp_path):
    result = run_cli("--model-plugin", "dummy", "--datasets", "gsm8k", "--repeats", "0", "--work-dir", str(tmp_path))
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == ["evalscope: error: --repeats must be at least 1 (got 0)"]


def test_a_sample_with_a_failed_answer_is_an_error_and_the_resume_asks_only_for_that_answer(
    counting_benchmark, run_plugins, tmp_path
):
    name = counting_benchmark(4)
    RightSometimes.asked = []
    config = dict(model_id="sometimes", datasets=[name], work_dir=str(tmp_path), no_timestamp=True, repeats=4)
    RightSometimes.failing_seed = 43  # answer 1
    try:
        failed = run_task(
            TaskConfig(model=RightSometimes(), eval_batch_size=3, ignore_errors=True, **config), plugins=run_plugins
        )[name]
    finally:
        RightSometimes.failing_seed = None
    assert failed["errors"] == 4 and failed["metrics"][0]["num"] == 0 and failed["score"] is None
    reviews = read_jsonl(tmp_path / "reviews" / "sometimes" / f"{name}_main.jsonl")
    assert sorted((review["sample_id"], review["repeat"]) for review in reviews if review["error"]) == [
        (str(i), 1) for i in range(4)
    ]

    RightSometimes.asked = []
    report = run_task(TaskConfig(use_cache=str(tmp_path), model=RightSometimes()), plugins=run_plugins)[name]
    assert sorted(RightSometimes.asked) == [(str(i), 43) for i in range(4)]
    assert report["errors"] == 0 and report["metrics"][0]["num"] == 4
    assert report["score"] == pytest.approx(0.4375)


class FirstAnswerRight(CustomModel):
    """Boxes the AIME answer with seed 42 (answer 0), and 0 (never an AIME 2024 answer) with any other seed."""

    def predict(self, prompts, **kwargs):
        right = kwargs["infer_cfg"]["seed"] == 42
        return [
            {"choices": [{"index": 0, "message": {"role": "assistant", "content": f"\\boxed{{{text}}}"}}]}
            for text in (item["raw"]["answer"] if right else "0" for item in kwargs["origin_inputs"])
        ]


def test_aime_with_repeats_averages_the_scorers_own_metric_over_the_answers(tmp_path):
    config = TaskConfig(
        model=FirstAnswerRight(), datasets=["aime24"], limit=3, repeats=2, work_dir=str(tmp_path), no_timestamp=True
    )
    report = run_task(config)["aime24"]
    metric = report["metrics"][0]
    assert metric["num"] == 3 and report["score"] == 0.5
    scores = {name: entry["score"] for name, entry in metric["metric_scores"].items()}
    assert scores == {"mean@2": 0.5, "pass@1": 0.5, "pass@2": 1.0, "reference": 0.5}


def test_every_answer_has_its_own_cache_key_and_answer_0_keeps_the_key_without_repeats():
    prompt, model = {"messages": [{"role": "user", "content": "2 + 2?"}]}, {"model_id": "m"}
    for config in ({"seed": 42, "temperature": 0.6}, {"seed": None}):  # a seed set to null still tells answers apart
        keys = AnswerKeys(model, config)
        assert keys.key(prompt) == keys.key(prompt, 0) == cache_key(model, prompt, config)
        assert len({keys.key(prompt, k) for k in range(4)}) == 4


def test_pass_at_k_is_the_unbiased_estimator():
    assert pass_at_k(4, 1, 2) == pytest.approx(0.5)  # "right within the first 2" would say 0 or 1
    assert pass_at_k(5, 2, 3) == pytest.approx(1 - 1 / 10)
    assert pass_at_k(4, 0, 4) == 0.0 and pass_at_k(4, 1, 4) == 1.0


def test_one_repeat_writes_the_lines_it_always_wrote(counting_benchmark, run_plugins, tmp_path):
    name = counting_benchmark(4)
    default, one = tmp_path / "default", tmp_path / "one"
    run_counting(default, name, run_plugins)
    report = run_counting(one, name, run_plugins, repeats=1)

    assert "metric_scores" not in report["metrics"][0]
    for kind in ("predictions", "reviews"):
        lines = {folder: read_jsonl(folder / kind / "sometimes" / f"{name}_main.jsonl") for folder in (default, one)}
        assert all("repeat" not in line for line in lines[one])
        for line in (*lines[default], *lines[one]):
            line.pop("time", None)
        assert lines[one] == lines[default]
    evaluated = json.loads((one / "configs" / "evaluated.json").read_text())
    assert "repeats" not in evaluated  # folders written before --repeats existed resume in place


def test_raising_the_repeats_keeps_the_first_answers_in_a_new_folder(counting_benchmark, run_plugins, tmp_path):
    name = counting_benchmark(4)
    run_counting(tmp_path, name, run_plugins)
    RightSometimes.asked = []
    report = run_task(TaskConfig(use_cache=str(tmp_path), model=RightSometimes(), repeats=4), plugins=run_plugins)[name]

    assert sorted(RightSometimes.asked) == sorted((str(i), 42 + k) for i in range(4) for k in range(1, 4))
    assert report["metrics"][0]["num"] == 4
    assert report["metrics"][0]["metric_scores"]["pass@4"]["score"] == pytest.approx(0.75)


def start_quiz_run(server: FakeOpenAIServer, out: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "evalscope", *quiz_api_args(server, out, "--repeats", "4")],
        env={**os.environ, **NO_KEYS},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def asked_pairs(bodies: list[dict]) -> list[tuple[str, int]]:
    return [(body["messages"][-1]["content"], body["seed"]) for body in bodies]


def test_a_run_killed_mid_way_resumes_asking_only_for_the_missing_answers(run_cli, tmp_path):
    out = tmp_path / "run"
    with FakeOpenAIServer(answers=QUIZ, latency=0.2) as server:
        process = start_quiz_run(server, out)
        predictions = out / "predictions" / QUIZ_MODEL / "quiz_main.jsonl"
        wait_for_lines(predictions, 6)
        process.send_signal(signal.SIGKILL)
        process.wait()
        finished = [line for line in read_jsonl(predictions) if line["error"] is None]
        assert 6 <= len(finished) < 20
        done = {(line["prompt"]["messages"][-1]["content"], 42 + line["repeat"]) for line in finished}
        asked_before = len(server.stats.bodies)

        resumed = run_cli(*quiz_api_args(server, out, "--use-cache", str(out)), env=NO_KEYS)
        assert resumed.returncode == 0, resumed.stderr
        asked_on_resume = asked_pairs(server.stats.bodies[asked_before:])

    everything = {(question, 42 + k) for question in QUIZ for k in range(4)}
    assert sorted(asked_on_resume) == sorted(everything - done)
    lines = read_jsonl(predictions)
    assert {(line["sample_id"], line["repeat"]) for line in lines} == {(str(i), k) for i in range(5) for k in range(4)}
    reviews = read_jsonl(out / "reviews" / QUIZ_MODEL / "quiz_main.jsonl")
    assert len(reviews) == 20
    report = json.loads((out / "reports" / QUIZ_MODEL / "quiz.json").read_text())
    metric = report["metrics"][0]
    assert metric["num"] == 5 and report["score"] == 1.0
    assert {name: entry["score"] for name, entry in metric["metric_scores"].items()} == {
        "mean@4": 1.0,
        "pass@1": 1.0,
        "pass@2": 1.0,
        "pass@4": 1.0,
    }


def test_report_compare_and_view_read_a_folder_with_repeats(counting_benchmark, run_plugins, run_cli, tmp_path):
    name = counting_benchmark(4)
    run_counting(tmp_path / "a", name, run_plugins, repeats=4)
    run_counting(tmp_path / "b", name, run_plugins)
    (tmp_path / "a" / "reports" / "sometimes" / f"{name}.json").unlink()  # rebuilt from the reviews

    shown = run_cli("report", str(tmp_path / "a"), "--json")
    assert shown.returncode == 0, shown.stderr
    [report] = json.loads(shown.stdout)["reports"]
    metric = report["metrics"][0]
    assert metric["num"] == 4 and metric["score"] == pytest.approx(0.4375)
    assert metric["metric_scores"]["pass@2"]["score"] == pytest.approx((0.5 + 5 / 6 + 1) / 4)

    compared = run_cli("compare", str(tmp_path / "a"), str(tmp_path / "b"), "--json")
    assert compared.returncode == 0, compared.stderr
    [row] = json.loads(compared.stdout)
    assert row["n"] == 4

    page = tmp_path / "page.html"
    viewed = run_cli("view", str(tmp_path / "a"), "--output", str(page))
    assert viewed.returncode == 0, viewed.stderr
    assert page.exists()
