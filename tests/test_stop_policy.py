"""The run's stop policy: how each failure is classified, the --fail-on-error threshold, and a judge whose key
is refused (a real server on 127.0.0.1 answering HTTP 401) stopping the run with one line that names it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from evalscope_general.judge import judge_messages
from openai_server import FakeOpenAIServer

from evalscope import TaskConfig, run_task
from evalscope.errors import (
    APIStoppedError,
    BatchError,
    ConfigError,
    ModelError,
    SampleErrors,
    ScorerStopped,
    TooManyFailures,
)
from evalscope.stop_policy import Outcome, Stage, StopPolicy

RIGHT_KEY, WRONG_KEY = "sk-judge-right-5309", "sk-judge-wrong-8812"
ROWS = [{"id": f"q{n}", "query": f"What is {n} plus {n}?", "response": str(2 * n)} for n in range(6)]


# --------------------------------------------------------------------------- classification


@pytest.mark.parametrize("stage", list(Stage))
@pytest.mark.parametrize("ignore_errors", [False, True])
@pytest.mark.parametrize(
    "exc", [ConfigError("bad setting"), ModelError("HTTP 401"), APIStoppedError("gone"), ScorerStopped("x")]
)
def test_a_wrong_setting_key_url_or_model_is_fatal_wherever_it_is_raised(exc, stage, ignore_errors):
    policy = StopPolicy(ignore_errors=ignore_errors, fail_on_error=False)
    assert policy.classify(exc, stage) is Outcome.FATAL


def test_any_other_exception_is_the_samples_error_or_its_scoring_error():
    policy = StopPolicy()
    assert policy.classify(RuntimeError("timeout"), Stage.MODEL) is Outcome.SAMPLE_ERROR
    assert policy.classify(RuntimeError("no grade"), Stage.SCORING) is Outcome.SCORING_ERROR
    assert policy.sample_error(RuntimeError("timeout")) == "RuntimeError: timeout"
    assert policy.scoring_error(ValueError("no grade"), "judge") == "ValueError: no grade"
    assert policy.classify(KeyboardInterrupt(), Stage.MODEL) is Outcome.FATAL


@pytest.mark.parametrize(
    ("ignore_errors", "fail_on_error", "outcome"),
    [
        (False, None, Outcome.FATAL),  # today's default: a local model's failed batch stops the run
        (False, True, Outcome.FATAL),
        (True, None, Outcome.SAMPLE_ERROR),
        (False, False, Outcome.SAMPLE_ERROR),
        (False, 3, Outcome.SAMPLE_ERROR),
        (False, 0.2, Outcome.SAMPLE_ERROR),
    ],
)
def test_a_local_models_failed_batch_is_fatal_unless_failures_are_tolerated(ignore_errors, fail_on_error, outcome):
    policy = StopPolicy(ignore_errors=ignore_errors, fail_on_error=fail_on_error)
    assert policy.classify(BatchError("model 'm' raised on batch 0"), Stage.BATCH) is outcome


def test_a_fatal_scoring_failure_names_the_scorer_and_what_was_refused():
    with pytest.raises(ScorerStopped, match=r"^scorer 'my_judge' stopped the run: ModelError: HTTP 401 refused$"):
        StopPolicy(ignore_errors=True).scoring_error(ModelError("HTTP 401 refused"), "my_judge")


def counted(policy: StopPolicy, outcomes: str) -> StopPolicy:
    """``policy`` after counting one finished sample per letter: ``e`` failed, ``s`` a scoring error, ``.`` fine."""
    for n, outcome in enumerate(outcomes):
        policy.count({"sample_id": str(n), "error": "boom" if outcome == "e" else None,
                      "scoring_error": "no grade" if outcome == "s" else None})  # fmt: skip
    return policy


@pytest.mark.parametrize(
    ("fail_on_error", "outcomes", "stops"),
    [
        (None, "eeeee", False),  # the default never stops the run midway
        (False, "eeeee", False),
        (True, "....e", True),
        (True, ".....", False),
        (2, "e.s..", False),  # a count: more than 2 failed samples
        (2, "e.s.e", True),
        (0.2, "e", False),  # a fraction is judged from the fifth finished sample on
        (0.2, "e.....", False),  # 1 of 6
        (0.2, "e.s...", True),  # 2 of 6, a scoring error counted as a failure
        (0.2, "ee", False),  # too few finished samples to judge
    ],
)
def test_failed_samples_stop_the_run_after_the_batch_once_over_the_threshold(fail_on_error, outcomes, stops):
    assert counted(StopPolicy(fail_on_error=fail_on_error), outcomes).stop_after_batch() is stops


def test_the_end_of_the_run_fails_it_as_the_settings_say():
    problem = "2 samples failed"
    with pytest.raises(SampleErrors, match="2 samples failed"):
        counted(StopPolicy(), "e.e").check_end(problem)
    counted(StopPolicy(ignore_errors=True), "e.e").check_end(problem)
    counted(StopPolicy(fail_on_error=False), "e.e").check_end(problem)
    counted(StopPolicy(fail_on_error=0.5), "e.e.").check_end(problem)  # 2 of 4: not more than half
    with pytest.raises(SampleErrors):
        counted(StopPolicy(fail_on_error=0.5), "e.e").check_end(problem)  # 2 of 3, however few samples
    StopPolicy().check_end(None)


def test_the_stop_message_counts_the_failures_and_names_the_first():
    policy = counted(StopPolicy(fail_on_error=True), "..s")
    with pytest.raises(TooManyFailures, match=r"^stopped after the batch in hand: 1 of 3 finished samples failed, "
                       r"--fail-on-error true allows none \(first: sample 2: no grade\)$"):  # fmt: skip
        policy.check_stopped()
    counted(StopPolicy(fail_on_error=3), "eee").check_stopped()  # not more than 3: goes on


def test_ctrl_c_stops_the_run_after_the_batch():
    pressed = []
    policy = StopPolicy(interrupted=lambda: bool(pressed))
    assert not policy.stop_after_batch()
    pressed.append(True)
    assert policy.stop_after_batch()


@pytest.mark.parametrize("value", [0, -1, 1.5, 0.0, "x"])
def test_a_bad_threshold_is_one_line_naming_the_field(value):
    with pytest.raises(ConfigError, match="fail_on_error"):
        TaskConfig(fail_on_error=value)


def test_the_threshold_flag_takes_a_count_a_fraction_or_a_truth_value(run_cli, tmp_path):
    from evalscope.cli.main import parse_fail_on_error

    assert [parse_fail_on_error(text) for text in ("true", "False", "3", "0.1")] == [True, False, 3, 0.1]
    result = run_cli("--model-plugin", "dummy", "--datasets", "gsm8k", "--fail-on-error", "lots")
    assert result.returncode == 2
    assert "--fail-on-error: expected true, false, a count or a fraction, got 'lots'" in result.stderr


# --------------------------------------------------------------------------- the threshold in a run

EARLY = ("counting 2", "counting 3", "counting 4", "counting 5", "counting 6")  # 5 of 20 samples, early on
SPREAD = ("counting 3", "counting 7", "counting 11", "counting 15", "counting 19")  # 5 of 20, one in four


def threshold_run(server: FakeOpenAIServer, tmp_path: Path, plugins, failing: tuple, **options) -> dict:
    for prompt in failing:  # HTTP 400 is not retried: each is that sample's error
        server.add_fault("status", match=prompt, status=400, times=None)
    config = TaskConfig(
        model="served",
        api_url=server.base_url,
        datasets=["counting"],
        work_dir=str(tmp_path),
        no_timestamp=True,
        retries=0,
        **options,
    )
    return run_task(config, plugins=plugins)["counting"]


@pytest.mark.parametrize("fail_on_error", [0.1, 4])
def test_a_run_stops_when_its_failures_exceed_the_threshold(counting_benchmark, run_plugins, tmp_path, fail_on_error):
    counting_benchmark(20)
    with FakeOpenAIServer() as server:
        with pytest.raises(TooManyFailures) as stopped:
            threshold_run(server, tmp_path, run_plugins, EARLY, fail_on_error=fail_on_error)
        asked = server.stats.requests
    assert asked < 20  # stopped early, after the batch in hand
    message = str(stopped.value)
    assert re.match(
        rf"stopped after the batch in hand: (\d+) of (\d+) finished samples failed, more than --fail-on-error "
        rf"{fail_on_error:g} allows \(first: counting/main sample 2: APIRequestError: HTTP 400",
        message,
    )
    assert message.endswith(f"finished predictions are kept; resume with --use-cache {tmp_path}")
    kept = (tmp_path / "predictions" / "served" / "counting_main.jsonl").read_text("utf-8").splitlines()
    assert len(kept) == asked  # every answer that came back is stored


@pytest.mark.parametrize("fail_on_error", [0.3, 5])
def test_a_run_never_above_the_threshold_goes_on_to_the_end_and_succeeds(
    counting_benchmark, run_plugins, tmp_path, fail_on_error
):
    counting_benchmark(20)
    with FakeOpenAIServer() as server:
        report = threshold_run(server, tmp_path, run_plugins, SPREAD, fail_on_error=fail_on_error)
        assert server.stats.requests == 20
    assert (report["errors"], report["metrics"][0]["num"], report["score"]) == (5, 15, 1.0)


# --------------------------------------------------------------------------- a judge whose key is refused


class Answers:
    """The model under test: answers each question right (a CustomModel); ``asked`` counts the questions."""

    def __new__(cls):
        from evalscope.models import CustomModel

        class Right(CustomModel):
            asked = 0

            def predict(self, prompts, **kwargs):
                Right.asked += len(prompts)
                rows = {row["id"]: row for row in ROWS}
                return [
                    {"choices": [{"message": {"role": "assistant", "content": rows[item["index"]]["response"]}}]}
                    for item in kwargs["origin_inputs"]
                ]

        return Right()


def judge_config(tmp_path: Path, server: FakeOpenAIServer, model, **options) -> TaskConfig:
    data = tmp_path / "data" / "sums.jsonl"
    data.parent.mkdir(parents=True, exist_ok=True)
    data.write_text("".join(json.dumps(row) + "\n" for row in ROWS), encoding="utf-8")
    judge = {"api_url": server.base_url, "model": "judge-model", "retries": 0}
    return TaskConfig(
        model=model,
        model_id="answers",
        datasets=["general_qa"],
        dataset_args={"general_qa": {"local_path": str(data.parent), "judge": judge}},
        work_dir=str(tmp_path / "out"),
        no_timestamp=True,
        **options,
    )


def grades() -> dict[str, str]:
    return {judge_messages(r["query"], r["response"], r["response"])[-1]["content"]: "CORRECT" for r in ROWS}


@pytest.mark.parametrize("ignore_errors", [False, True])
def test_a_judge_whose_key_is_refused_stops_the_run_at_once_naming_the_judge(tmp_path, monkeypatch, ignore_errors):
    monkeypatch.setenv("EVALSCOPE_JUDGE_API_KEY", WRONG_KEY)
    model = Answers()
    with FakeOpenAIServer(answers=grades(), api_key=RIGHT_KEY) as server:
        with pytest.raises(ScorerStopped) as stopped:
            run_task(judge_config(tmp_path, server, model, ignore_errors=ignore_errors))
        assert server.stats.requests == 1  # no grade after the refusal
    message = str(stopped.value)
    assert message.startswith(
        "scorer 'general_qa_judge' stopped the run: ModelError: judge 'judge-model': the API rejected the key "
        "(HTTP 401: "
    )
    assert "check the judge's api_key option or EVALSCOPE_JUDGE_API_KEY" in message
    assert message.endswith(f"finished predictions are kept; resume with --use-cache {tmp_path / 'out'}")
    out = tmp_path / "out"
    assert not (out / "reviews" / "answers" / "general_qa_sums.jsonl").exists()  # no sample scored as failed
    assert "run failed: scorer 'general_qa_judge' stopped the run" in (out / "logs" / "eval_log.log").read_text()
    written = "".join(path.read_text("utf-8") for path in out.rglob("*") if path.is_file())
    assert WRONG_KEY not in written and WRONG_KEY not in message

    monkeypatch.setenv("EVALSCOPE_JUDGE_API_KEY", RIGHT_KEY)  # the key fixed, the kept answers are graded
    asked = model.asked
    with FakeOpenAIServer(answers=grades(), api_key=RIGHT_KEY) as server:
        config = judge_config(tmp_path, server, model, use_cache=str(out))
        report = run_task(config)["general_qa"]
    assert model.asked - asked == len(ROWS) - asked  # only the questions not answered before are asked
    assert (report["metrics"][0]["num"], report["score"]) == (len(ROWS), 1.0)


def test_the_last_line_of_the_command_names_the_judge_and_the_refused_key(run_cli, tmp_path):
    data = tmp_path / "data" / "sums.jsonl"
    data.parent.mkdir()
    data.write_text("".join(json.dumps(row) + "\n" for row in ROWS), encoding="utf-8")
    model_key = "sk-model-key-1234"
    answers = {row["query"]: row["response"] for row in ROWS}
    with FakeOpenAIServer(answers={**answers, **grades()}, api_key=model_key) as server:
        judge = {"api_url": server.base_url, "model": "judge-model", "retries": 0}
        result = run_cli(
            "--model", "served", "--api-url", server.base_url, "--api-key", model_key,
            "--datasets", "general_qa", "--work-dir", str(tmp_path / "out"), "--no-timestamp", "--ignore-errors",
            "--dataset-args", json.dumps({"general_qa": {"local_path": str(data.parent), "judge": judge}}),
            env={"EVALSCOPE_JUDGE_API_KEY": WRONG_KEY},
        )  # fmt: skip
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(
        "evalscope: error: scorer 'general_qa_judge' stopped the run: ModelError: judge 'judge-model': "
        "the API rejected the key (HTTP 401"
    )
    assert last.endswith(f"resume with --use-cache {tmp_path / 'out'}")
    assert WRONG_KEY not in result.stderr + result.stdout


def test_a_scorer_on_the_scoring_thread_that_raises_config_error_stops_the_run(
    counting_benchmark, run_plugins, tmp_path
):
    from evalscope.scorers.base import Scorer

    class Refused(Scorer):
        """A grader whose service refuses its settings."""

        def score(self, completion, sample):
            raise ConfigError("the grading service at http://127.0.0.1:9 refused the token (HTTP 403)")

    name = counting_benchmark(20)
    run_plugins.benchmarks.get(name).factory.scorer = "refused"
    run_plugins.scorers.add("refused", Refused, run_plugins.scorers.get("exact_match").plugin)
    with FakeOpenAIServer() as server:
        with pytest.raises(ScorerStopped) as stopped:
            threshold_run(server, tmp_path, run_plugins, (), ignore_errors=True)
        assert server.stats.requests < 20  # stopped before the last question
    assert str(stopped.value).startswith(
        "scorer 'refused' stopped the run: ConfigError: the grading service at http://127.0.0.1:9 refused the token"
    )


def test_a_resume_stopped_again_counts_the_predictions_it_reused_as_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("EVALSCOPE_JUDGE_API_KEY", WRONG_KEY)
    model = Answers()
    predictions = tmp_path / "out" / "predictions" / "answers" / "general_qa_sums.jsonl"
    with FakeOpenAIServer(answers=grades(), api_key=RIGHT_KEY) as server:
        with pytest.raises(ScorerStopped) as first:
            run_task(judge_config(tmp_path, server, model))
        kept_first = int(re.search(r"; (\d+) finished predictions are kept", str(first.value)).group(1))
        assert kept_first == len(predictions.read_text("utf-8").splitlines()) > 0
        with pytest.raises(ScorerStopped) as again:
            run_task(judge_config(tmp_path, server, model, use_cache=str(tmp_path / "out")))
    kept_again = int(re.search(r"; (\d+) finished predictions are kept", str(again.value)).group(1))
    assert kept_again == len(predictions.read_text("utf-8").splitlines()) >= kept_first  # reused ones count too
