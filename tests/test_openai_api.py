"""The OpenAI-compatible API model against a real HTTP server on 127.0.0.1 (tests/openai_server.py)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from openai_server import FakeOpenAIServer
from quiz_api import QUIZ

from evalscope.config import TaskConfig
from evalscope.errors import ConfigError, ModelError, SampleErrors
from evalscope.models.openai_api import backoff_delay, request_params, retry_after_seconds
from evalscope.run.runner import run_task
from evalscope.store.records import completion, full_prompt

FAULTY = "Capital of France?"


def run(server: FakeOpenAIServer, tmp_path: Path, **options) -> dict:
    """Evaluate the quiz through the API model; returns the quiz report."""
    config = {
        "model": "qwen-test",
        "api_url": server.base_url,
        "datasets": ["quiz"],
        "work_dir": str(tmp_path / "out"),
        "no_timestamp": True,
        "retries": 2,
        "timeout": 5,
        "model_args": {"retry_backoff": 0.01},
        **options,
    }
    return run_task(TaskConfig(**config))["quiz"]


def predictions(tmp_path: Path) -> list[dict]:
    """Every line of the quiz's prediction file."""
    path = tmp_path / "out" / "predictions" / "qwen-test" / "quiz_main.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_answers_are_scored_and_token_usage_is_summed(server, tmp_path):
    report = run(server, tmp_path, api_key="sk-test-abcdef")
    assert report["score"] == 1.0
    assert report["errors"] == 0
    assert report["usage"] == {
        "prompt_tokens": server.stats.prompt_tokens,
        "completion_tokens": server.stats.completion_tokens,
        "total_tokens": server.stats.prompt_tokens + server.stats.completion_tokens,
        "responses": len(QUIZ),
        "responses_with_usage": len(QUIZ),
    }
    assert report["usage"]["total_tokens"] > 0
    assert sorted(server.prompts()) == sorted(QUIZ)
    assert set(server.stats.paths) == {"/v1/chat/completions"}
    assert set(server.stats.auth) == {"Bearer sk-test-abcdef"}
    body = server.stats.bodies[0]
    assert body["model"] == "qwen-test"
    assert body["messages"][-1]["role"] == "user"
    assert "stream" not in body


def test_generation_config_maps_to_api_names_and_passes_unknown_keys_through(server, tmp_path):
    generation = {
        "max_new_tokens": 7,
        "temperature": 0.5,
        "top_p": 0.9,
        "stop": ["\n\n"],
        "n": 1,
        "seed": 3,
        "top_k": 20,
        "repetition_penalty": 1.1,
        "do_sample": True,
        "presence_penalty": None,
    }
    run(server, tmp_path, generation_config=generation, limit=1)
    body = server.stats.bodies[0]
    sent = {key: value for key, value in body.items() if key not in ("model", "messages")}
    assert sent == {
        "max_tokens": 7,
        "temperature": 0.5,
        "top_p": 0.9,
        "stop": ["\n\n"],
        "n": 1,
        "seed": 3,
        "top_k": 20,
        "repetition_penalty": 1.1,
    }


def test_greedy_decoding_sends_temperature_zero():
    assert request_params({"do_sample": False, "max_new_tokens": 5}) == {"temperature": 0.0, "max_tokens": 5}
    assert request_params({"do_sample": False, "temperature": 0.7}) == {"temperature": 0.7}
    assert request_params({"extra_body": {"chat_template_kwargs": {"enable_thinking": False}}}) == {
        "chat_template_kwargs": {"enable_thinking": False}
    }


@pytest.mark.parametrize(
    ("generation", "message"),
    [
        ({"max_new_tokens": 5, "max_tokens": 6}, "give 'max_new_tokens' or 'max_tokens', not both"),
        ({"messages": []}, "'messages' is set by evalscope"),
        ({"stream": True}, "use --stream"),
    ],
)
def test_conflicting_generation_config_is_named(generation, message):
    with pytest.raises(ConfigError, match=message):
        request_params(generation)


def test_full_chat_completions_url_is_accepted(server, tmp_path):
    report = run(server, tmp_path, api_url=server.base_url + "/chat/completions/")
    assert report["score"] == 1.0
    assert set(server.stats.paths) == {"/v1/chat/completions"}


@pytest.mark.parametrize("how", ["api_mode", "url"])
def test_completion_mode_posts_the_prompt_text(server, tmp_path, how):
    options = {"api_mode": "completion"} if how == "api_mode" else {"api_url": server.base_url + "/completions"}
    report = run(server, tmp_path, **options)
    assert report["score"] == 1.0
    assert set(server.stats.paths) == {"/v1/completions"}
    assert sorted(body["prompt"] for body in server.stats.bodies) == sorted(QUIZ)
    assert report["usage"]["total_tokens"] == server.stats.prompt_tokens + server.stats.completion_tokens


@pytest.mark.parametrize("api_mode", ["chat", "completion"])
def test_streamed_answers_are_joined_and_usage_counted(server, tmp_path, api_mode):
    report = run(server, tmp_path, stream=True, api_mode=api_mode)
    assert report["score"] == 1.0
    assert all(body["stream"] is True for body in server.stats.bodies)
    assert report["usage"]["completion_tokens"] == server.stats.completion_tokens > 0
    record = predictions(tmp_path)[0]
    assert completion(record) == QUIZ[full_prompt(record["prompt"])["data"][0]]


@pytest.mark.parametrize("in_flight", [1, 4, 16])
def test_eval_batch_size_is_the_number_of_requests_in_flight(run_plugins, counting_benchmark, tmp_path, in_flight):
    counting = counting_benchmark(16)
    with FakeOpenAIServer(latency=0.05) as server:
        config = TaskConfig(
            model="m",
            api_url=server.base_url,
            datasets=[counting],
            eval_batch_size=in_flight,
            work_dir=str(tmp_path),
            no_timestamp=True,
        )
        report = run_task(config, plugins=run_plugins)[counting]
    assert report["score"] == 1.0
    assert server.stats.requests == 16
    assert server.stats.max_in_flight == in_flight


# -- faults ------------------------------------------------------------------------------------

TRANSIENT_FAULTS = {
    "500": ("status", {"status": 500}),
    "503": ("status", {"status": 503}),
    "dropped connection": ("drop", {}),
    "malformed JSON": ("bad_json", {}),
    "empty choices": ("empty_choices", {}),
    "null content": ("null_content", {}),
}


@pytest.mark.parametrize("fault", sorted(TRANSIENT_FAULTS))
def test_transient_fault_is_retried_and_the_run_succeeds(server, tmp_path, fault):
    kind, params = TRANSIENT_FAULTS[fault]
    injected = server.add_fault(kind, match=FAULTY, times=2, **params)
    report = run(server, tmp_path)
    assert injected.hits == 2
    assert report["score"] == 1.0 and report["errors"] == 0
    assert server.stats.requests == len(QUIZ) + 2
    assert len(predictions(tmp_path)) == len(QUIZ)


def test_429_waits_for_retry_after(server, tmp_path):
    server.add_fault("status", match=FAULTY, times=1, status=429, retry_after="0.4")
    report = run(server, tmp_path)
    first, second = server.arrivals(FAULTY)
    assert report["score"] == 1.0
    assert second - first >= 0.4  # the backoff alone (retry_backoff 0.01) would be far shorter


def test_retry_after_as_an_http_date_and_backoff_bounds():
    from email.utils import formatdate

    assert retry_after_seconds("3") == 3.0
    assert 8 <= retry_after_seconds(formatdate(time.time() + 10, usegmt=True)) <= 10
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None
    for attempt in range(6):
        delay = backoff_delay(attempt, base=1.0, ceiling=10.0, retry_after=None)
        ceiling = min(10.0, 2.0**attempt)
        assert ceiling / 2 <= delay <= ceiling
    assert backoff_delay(0, base=1.0, ceiling=10.0, retry_after=99.0) == 10.0


def test_slow_answer_past_the_timeout_is_retried(server, tmp_path):
    server.add_fault("slow", match=FAULTY, times=1, delay=2.0)
    report = run(server, tmp_path, timeout=0.4)
    assert report["score"] == 1.0
    assert len(server.arrivals(FAULTY)) == 2  # the slow answer was given up on and asked again


PERSISTENT_FAULTS = {
    "500": (("status", {"status": 500}), "HTTP 500: injected 500"),
    "429": (("status", {"status": 429, "retry_after": "0"}), "HTTP 429: "),
    "timeout": (("slow", {"delay": 1.0}), "no answer within the timeout of 0.3 s"),
    "dropped connection": (("drop", {}), "connection error: ServerDisconnectedError"),
    "malformed JSON": (("bad_json", {}), "the answer is not valid JSON"),
    "empty choices": (("empty_choices", {}), "'choices' is missing or empty"),
    "null content": (("null_content", {}), "choices[0].message.content is NoneType, expected a string"),
}


@pytest.mark.parametrize("fault", sorted(PERSISTENT_FAULTS))
def test_sample_that_keeps_failing_is_an_error_and_the_others_are_kept(server, tmp_path, fault):
    (kind, params), reason = PERSISTENT_FAULTS[fault]
    server.add_fault(kind, match=FAULTY, times=None, **params)
    with pytest.raises(SampleErrors) as caught:
        run(server, tmp_path, timeout=0.3, eval_batch_size=5)
    assert "1 samples failed" in str(caught.value)
    assert "--use-cache" in str(caught.value)
    # One attempt and two retries; a timeout is retried once (timeout_retries).
    attempts = 2 if fault == "timeout" else 3
    assert len(server.arrivals(FAULTY)) == attempts

    records = {full_prompt(record["prompt"])["data"][0]: record for record in predictions(tmp_path)}
    assert len(records) == len(QUIZ)
    failed = records.pop(FAULTY)
    assert failed["response"] is None
    assert reason in failed["error"] and f"after {attempts} attempts" in failed["error"]
    assert all(record["error"] is None and completion(record) == QUIZ[q] for q, record in records.items())

    # Resuming sends only the failed sample again.
    server.faults.clear()
    before = server.stats.requests
    report = run(server, tmp_path, use_cache=str(tmp_path / "out"))
    assert server.stats.requests - before == 1
    assert report["score"] == 1.0 and report["errors"] == 0


def test_ignore_errors_scores_the_failed_sample_apart(server, tmp_path):
    server.add_fault("status", match=FAULTY, times=None, status=502)
    report = run(server, tmp_path, ignore_errors=True)
    assert report["errors"] == 1
    assert report["score"] == 1.0  # the four answered samples; the failed one is counted apart


def test_client_error_is_not_retried(server, tmp_path):
    server.add_fault("status", match=FAULTY, times=None, status=400)
    with pytest.raises(SampleErrors):
        run(server, tmp_path)
    assert len(server.arrivals(FAULTY)) == 1
    failed = [record for record in predictions(tmp_path) if record["error"]]
    assert len(failed) == 1 and failed[0]["error"].startswith("APIRequestError: HTTP 400: ")


@pytest.mark.parametrize("ignore_errors", [False, True])
def test_rejected_key_stops_the_run_and_never_shows_the_key(tmp_path, ignore_errors):
    wrong = "sk-wrong-key-0123456789"
    with FakeOpenAIServer(answers=QUIZ, api_key="sk-right") as server, pytest.raises(ModelError) as caught:
        run(server, tmp_path, api_key=wrong, ignore_errors=ignore_errors)  # no sample could succeed
    assert server.stats.requests == 1  # the run stops at the first rejection
    assert str(caught.value).startswith("the API rejected the key (HTTP 401")
    assert wrong not in str(caught.value)
    for path in (tmp_path / "out").rglob("*"):
        if path.is_file():
            assert wrong not in path.read_text(encoding="utf-8"), path


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"api_url": "localhost:8000/v1"}, "api_url 'localhost:8000/v1' is not an http(s) URL"),
        ({"model_args": {"retry_backof": 1}}, "unknown option 'retry_backof'; did you mean 'retry_backoff'?"),
        ({"model_args": {"retry_backoff": -1}}, "retry_backoff"),
        (
            {"api_mode": "completion", "api_url": "http://127.0.0.1:9/v1/chat/completions"},
            "api_url ends with /chat/completions but api_mode is 'completion'",
        ),
    ],
)
def test_bad_settings_fail_before_any_request_with_one_line(server, tmp_path, options, message):
    with pytest.raises(ConfigError) as caught:
        run(server, tmp_path, **options)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)
    assert server.stats.requests == 0


def test_extra_headers_are_sent_and_secret_ones_are_hidden(server, tmp_path):
    from evalscope.models.openai_api import OpenAIAPIModel

    headers = {"X-Api-Key": "hdr-secret-4411", "X-Team": "evals"}
    report = run(server, tmp_path, api_key="sk-model-9876", model_args={"retry_backoff": 0.01, "headers": headers})
    assert report["score"] == 1.0
    sent = server.stats.headers[0]
    assert sent["X-Api-Key"] == "hdr-secret-4411" and sent["X-Team"] == "evals"
    assert sent["Authorization"] == "Bearer sk-model-9876"
    config = {"model": "m", "api_url": server.base_url, "api_key": "sk-model-9876", "headers": headers}
    model = OpenAIAPIModel(config=config)
    shown = f"{model!r} {model.config} {model.options!r}"
    assert "sk-model-9876" not in shown and "hdr-secret-4411" not in shown
    assert model.config["headers"] == {"X-Api-Key": "***", "X-Team": "evals"}
