"""Secrets stay out of every file, log and stream, while model output and dataset text are written as received."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from evalscope_echo_quiz import QUESTIONS
from openai_server import FakeOpenAIServer
from quiz_api import NO_KEYS, QUIZ_MODEL, quiz_api_args
from run_folders import read_jsonl

from evalscope import run_task
from evalscope.models import CustomModel
from evalscope.store.records import completion
from evalscope.utils.secrets import add_secret, redact, start_run_secrets

ODD_KEY = 'LEAKHEAD-"quo\\te-ключ-☃-LEAKTAIL'  # a quote, a backslash and non-ASCII text


def assert_nowhere(secret: str, streams: str, folder: Path, run_folder_kept: bool = True) -> None:
    """``secret`` is in no stream and no file under ``folder``, neither plain nor escaped in any way.

    Its first and last 8 characters survive quoting and escaping, so neither may appear. A run stopped
    before its first answer (``run_folder_kept=False``) leaves no file at all.
    """
    files = [path for path in folder.rglob("*") if path.is_file()]
    assert any(path.name == "eval_log.log" for path in files) if run_folder_kept else files == []
    for part in (secret, secret[:8], secret[-8:]):
        assert part not in streams
        for path in files:
            assert part not in path.read_text(encoding="utf-8"), path


def test_a_key_with_quotes_backslashes_and_unicode_is_in_no_file_log_or_stream(run_cli, tmp_path):
    with FakeOpenAIServer(answers=dict(QUESTIONS), api_key=ODD_KEY) as server:
        right = run_cli(*quiz_api_args(server, tmp_path / "right", "--api-key", ODD_KEY, "--debug"), env=NO_KEYS)
        wrong_key = ODD_KEY.replace("LEAKHEAD", "WRONGKEY")
        wrong = run_cli(
            *quiz_api_args(server, tmp_path / "wrong", "--debug"), env={**NO_KEYS, "OPENAI_API_KEY": wrong_key}
        )
    assert right.returncode == 0, right.stderr
    assert wrong.returncode == 1 and "the API rejected the key (HTTP 401" in wrong.stderr  # its body quotes the key
    assert_nowhere(ODD_KEY, right.stdout + right.stderr, tmp_path / "right")
    assert_nowhere(wrong_key, wrong.stdout + wrong.stderr, tmp_path / "wrong", run_folder_kept=False)


@pytest.mark.parametrize("key", ["EMPTY", "mountain"])
def test_a_placeholder_or_word_key_leaves_every_completion_intact(run_cli, tmp_path, key):
    answers = {question: f"EMPTY? No: the mountain says {answer}" for question, answer in QUESTIONS}
    with FakeOpenAIServer(answers=answers) as server:
        result = run_cli(*quiz_api_args(server, tmp_path, "--api-key", key), env=NO_KEYS)
    assert result.returncode == 0, result.stderr
    predictions = read_jsonl(tmp_path / "predictions" / QUIZ_MODEL / "quiz_main.jsonl")
    reviews = read_jsonl(tmp_path / "reviews" / QUIZ_MODEL / "quiz_main.jsonl")
    assert sorted(completion(p) for p in predictions) == sorted(answers.values())
    assert sorted(p["response"]["choices"][0]["message"]["content"] for p in predictions) == sorted(answers.values())
    assert sorted(r["prediction"] for r in reviews) == sorted(answers.values())  # exact_match extracts it whole


class Leaky(CustomModel):
    """Answers with ``answer``; on sample 3 raises an error quoting its config's ``api_key`` and endpoint."""

    def predict(self, prompts, **kwargs):
        answers = []
        for item in kwargs["origin_inputs"]:
            if item["index"] == "3":
                raise PermissionError(f"auth failed for {self.config['api_key']} at {self.config['endpoint']}")
            if item["index"] == "4":
                raise KeyError(self.config["api_key"])  # quoted with repr(): backslashes doubled
            answers.append({"choices": [{"message": {"role": "assistant", "content": self.config["answer"]}}]})
        return answers


def test_secrets_in_a_custom_models_config_and_dataset_args_are_written_nowhere(tmp_path, capfd):
    key, password, hub_token = ODD_KEY, "pw-LEAK-5512", "hf_LEAKtoken_8832"
    model = Leaky(config={"api_key": key, "endpoint": f"https://user:{password}@host/v1", "answer": "2"})
    reports = run_task(
        model=model,
        model_id="leaky",
        datasets=["quiz"],
        dataset_args={"quiz": {"hf_token": hub_token}},
        eval_batch_size=1,
        ignore_errors=True,
        work_dir=str(tmp_path),
        no_timestamp=True,
    )
    captured = capfd.readouterr()
    assert reports["quiz"]["errors"] == 2
    predictions = read_jsonl(tmp_path / "predictions" / "leaky" / "quiz_main.jsonl")
    errors = {p["sample_id"]: p["error"] for p in predictions if p["error"]}
    assert errors["3"].endswith("PermissionError: auth failed for *** at https://user:***@host/v1")
    assert errors["4"].endswith("KeyError: '***'")
    saved = yaml.safe_load((tmp_path / "configs" / "task_config.yaml").read_text())
    assert saved["dataset_args"] == {"quiz": {"hf_token": "***"}}
    for secret in (key, password, hub_token):
        assert_nowhere(secret, captured.out + captured.err, tmp_path)


def test_two_runs_in_one_process_do_not_scrub_each_others_text(tmp_path):
    first_secret = "sunflower-field-42"
    run_task(
        model_plugin="echo-answer", model_args={"api_key": first_secret}, datasets=["quiz"], work_dir=str(tmp_path)
    )
    # The second run's model talks about the first run's secret: to this run it is just text.
    second = Leaky(config={"api_key": "EMPTY", "endpoint": first_secret, "answer": f"I like {first_secret}"})
    run_task(
        model=second,
        model_id="second",
        datasets=["quiz"],
        ignore_errors=True,
        work_dir=str(tmp_path / "second"),
        no_timestamp=True,
    )
    predictions = read_jsonl(tmp_path / "second" / "predictions" / "second" / "quiz_main.jsonl")
    assert {completion(p) for p in predictions if not p["error"]} == {f"I like {first_secret}"}
    [error] = [p["error"] for p in predictions if p["error"] and "PermissionError" in p["error"]]
    assert error.endswith(f"PermissionError: auth failed for EMPTY at {first_secret}")


@pytest.mark.parametrize(
    ("where", "extra_body", "message"),
    [
        ("--model-args", {"extra_body": {"model": "other"}}, "--model-args: extra_body cannot set 'model'"),
        ("--generation-config", {"extra_body": {"messages": []}}, "--generation-config: extra_body cannot set"),
        ("--generation-config", {"extra_body": {"stream": True}}, "extra_body cannot set 'stream', which evalscope"),
        ("--model-args", {"extra_body": {"prompt": "x"}}, "--model-args: extra_body cannot set 'prompt'"),
    ],
)
def test_extra_body_cannot_replace_what_evalscope_sends(run_cli, tmp_path, where, extra_body, message):
    with FakeOpenAIServer(answers=dict(QUESTIONS)) as server:
        result = run_cli(*quiz_api_args(server, tmp_path, where, json.dumps(extra_body)), env=NO_KEYS)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("evalscope: error: ")]
    assert len(errors) == 1 and message in errors[0], result.stderr
    assert server.stats.requests == 0


def test_short_values_and_placeholders_are_never_scrubbed():
    start_run_secrets()
    for value in ("EMPTY", "none", "null", "test", "sk-1234", "changeme", "Placeholder"):
        add_secret(value)
    text = "EMPTY none null test sk-1234 changeme Placeholder"
    assert redact(text) == text


def test_a_secret_is_scrubbed_from_error_text_however_it_is_quoted():
    start_run_secrets()
    add_secret(ODD_KEY)
    for text in (ODD_KEY, json.dumps({"key": ODD_KEY}), json.dumps(ODD_KEY, ensure_ascii=False), repr(ODD_KEY)):
        assert "ключ" not in redact(text), text
    start_run_secrets()  # a new run
    assert redact(ODD_KEY) == ODD_KEY


SCORER_KEY = "sk-scorer-LEAK-7d41c9e2"


def test_a_scorer_that_quotes_the_runs_key_from_its_thread_leaves_it_in_no_file(
    tmp_path, capfd, counting_benchmark, run_plugins
):
    """Sync scoring runs on a worker thread: its errors and log lines are scrubbed like the run's own."""
    from evalscope.scorers.base import Score, Scorer
    from evalscope.utils.logger import get_logger

    class KeyQuotingScorer(Scorer):
        """Logs the key on every sample and raises with it on sample 1."""

        def score(self, completion, sample):
            get_logger().warning(f"scoring with key {SCORER_KEY}")
            if sample.id == "1":
                raise RuntimeError(f"grader refused key {SCORER_KEY}")
            return Score(value=1.0, prediction=completion, gold=sample.target)

    name = counting_benchmark(3, "keyed")
    run_plugins.benchmarks.get(name).factory.scorer = "key_quoting"
    plugins = run_plugins
    plugins.scorers.add("key_quoting", KeyQuotingScorer, plugins.scorers.get("exact_match").plugin)
    echo = Leaky(config={"api_key": SCORER_KEY, "endpoint": "http://127.0.0.1:9/v1", "answer": "2"})
    reports = run_task(
        model=echo,
        model_id="keyed",
        datasets=[name],
        ignore_errors=True,
        work_dir=str(tmp_path),
        no_timestamp=True,
        plugins=run_plugins,
    )
    captured = capfd.readouterr()
    assert reports[name]["scoring_errors"] == 1
    reviews = read_jsonl(tmp_path / "reviews" / "keyed" / f"{name}_main.jsonl")
    [error] = [review["scoring_error"] for review in reviews if review.get("scoring_error")]
    assert error.endswith("RuntimeError: grader refused key ***")
    assert "scoring with key ***" in (tmp_path / "logs" / "eval_log.log").read_text()
    assert_nowhere(SCORER_KEY, captured.out + captured.err, tmp_path)
