"""The API model against behaviours of real servers (llama.cpp, vLLM, minimal ones), each made by
tests/openai_server.py the way the real server makes it."""

from __future__ import annotations

import json
import re
import threading
import time
from pathlib import Path

import pytest
from evalscope_echo_quiz import QUESTIONS
from openai_server import FakeOpenAIServer
from quiz_api import QUIZ

from evalscope.config import TaskConfig
from evalscope.errors import APIStoppedError, ModelError, SampleErrors
from evalscope.models.breaker import ConnectionBreaker
from evalscope.models.openai_api import STREAM_CUT, server_message
from evalscope.run.runner import run_task
from evalscope.store.records import completion, full_prompt

QUESTION_OF = {str(index): question for index, (question, _) in enumerate(QUESTIONS)}  # by sample id
FAULTY = "Capital of France?"


def run(server: FakeOpenAIServer, tmp_path: Path, dataset: str = "quiz", **options) -> dict:
    """Evaluate ``dataset`` through the API model; returns its report."""
    config = {
        "model": "qwen-test",
        "api_url": server.base_url,
        "datasets": [dataset],
        "work_dir": str(tmp_path / "out"),
        "no_timestamp": True,
        "retries": 2,
        "timeout": 5,
        **options,
        "model_args": {"retry_backoff": 0.01, **options.get("model_args", {})},
    }
    return run_task(TaskConfig(**config))[dataset]


def read_jsonl(tmp_path: Path, kind: str, name: str = "quiz_main") -> list[dict]:
    """The lines of ``out/<kind>/qwen-test/<name>.jsonl``."""
    path = tmp_path / "out" / kind / "qwen-test" / f"{name}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def run_log(tmp_path: Path) -> str:
    """The run's log file."""
    return (tmp_path / "out" / "logs" / "eval_log.log").read_text(encoding="utf-8")


# -- 1. cut-off streams ------------------------------------------------------------------------


def test_a_stream_cut_off_without_finish_reason_is_retried(server, tmp_path):
    cut = server.add_fault("cut_stream", match=FAULTY, times=1, after=1)  # the whole word, no finish_reason
    report = run(server, tmp_path, stream=True)
    assert cut.hits == 1
    assert report["score"] == 1.0 and report["errors"] == 0
    assert len(server.arrivals(FAULTY)) == 2


def test_a_stream_that_keeps_being_cut_off_is_an_error_never_scored_nor_cached(server, tmp_path):
    server.add_fault("cut_stream", match=FAULTY, times=None, after=1)  # one chunk, then `data: [DONE]`
    with pytest.raises(SampleErrors, match="1 samples failed"):
        run(server, tmp_path, stream=True, eval_batch_size=4)
    assert len(server.arrivals(FAULTY)) == 3
    failed = [record for record in read_jsonl(tmp_path, "predictions") if record["error"]]
    assert len(failed) == 1 and failed[0]["response"] is None
    assert failed[0]["error"] == f"APIRequestError: {STREAM_CUT} (after 3 attempts)"
    assert STREAM_CUT == (
        "the stream ended before the answer finished (no finish_reason); the server may cut off streams when "
        "several are in flight: try without --stream or with --eval-batch-size 1"
    )
    review = next(review for review in read_jsonl(tmp_path, "reviews") if QUESTION_OF[review["sample_id"]] == FAULTY)
    assert review["error"] and review["prediction"] is None

    server.faults.clear()
    before = server.stats.requests
    report = run(server, tmp_path, stream=True, use_cache=str(tmp_path / "out"))
    assert server.stats.requests - before == 1  # the cut-off answer was not reused
    assert report["errors"] == 0 and report["score"] == 1.0


def test_a_one_slot_server_cuts_streams_in_flight_and_the_suggested_fix_works(tmp_path):
    with FakeOpenAIServer(answers=QUIZ, one_slot=True) as server:
        server.add_fault("slow_chunks", times=None, delay=0.2)
        with pytest.raises(SampleErrors):
            run(server, tmp_path / "a", stream=True, eval_batch_size=4, retries=0)
        records = read_jsonl(tmp_path / "a", "predictions")
        failed = [record for record in records if record["error"]]
        assert failed and all(record["error"] == f"APIRequestError: {STREAM_CUT}" for record in failed)
        answered = [record for record in records if not record["error"]]
        assert all(completion(record) == QUIZ[full_prompt(record["prompt"])["data"][0]] for record in answered)

        assert run(server, tmp_path / "b", stream=True, eval_batch_size=1, retries=0)["score"] == 1.0


def test_an_answer_without_finish_reason_is_kept_with_one_warning(server, tmp_path):
    server.add_fault("no_finish_reason", times=None)
    report = run(server, tmp_path)
    assert report["score"] == 1.0 and report["errors"] == 0
    assert server.stats.requests == len(QUIZ)
    assert run_log(tmp_path).count("the server does not say whether its answers finished (no finish_reason)") == 1


# -- 2. finish_reason "length" ----------------------------------------------------------------


def test_answers_that_hit_max_tokens_are_counted_shown_and_warned_about(tmp_path, capsys):
    answers = {**QUIZ, FAULTY: "Paris is the capital", "Sky colour?": "blue most days"}
    with FakeOpenAIServer(answers=answers) as server:
        report = run(server, tmp_path, generation_config={"max_new_tokens": 2}, ignore_errors=True)
    assert server.stats.bodies[0]["max_tokens"] == 2
    truncated = {QUESTION_OF[review["sample_id"]]: review["truncated"] for review in read_jsonl(tmp_path, "reviews")}
    assert truncated == {question: question in (FAULTY, "Sky colour?") for question in QUIZ}
    assert report["metrics"][0]["subsets"][0]["truncated"] == 2
    assert report["truncated"] == 2 and report["errors"] == 0
    table = capsys.readouterr().out
    assert "| Truncated |" in table and re.search(r"\| 2 +\|\n", table)
    warning = "2 of 5 answers hit max_tokens (2); raise --generation-config max_new_tokens=..."
    assert run_log(tmp_path).count(warning) == 1


def test_the_table_has_no_truncated_column_when_nothing_was_cut(server, tmp_path, capsys):
    run(server, tmp_path)
    assert "Truncated" not in capsys.readouterr().out
    assert "hit max_tokens" not in run_log(tmp_path)


# -- 3. a server that dies mid-run ------------------------------------------------------------


def stop_after(server: FakeOpenAIServer, requests: int) -> threading.Thread:
    """Stop ``server`` (really: its port closes) once it has received ``requests`` requests."""
    stopped = threading.Event()

    def watch() -> None:
        while server.stats.requests < requests and not stopped.wait(0.01):
            pass
        server.stop()

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("in_flight", [1, 16])
def test_a_server_that_dies_mid_run_stops_the_run_and_finished_predictions_are_kept(
    run_plugins, counting_benchmark, tmp_path, in_flight
):
    counting = counting_benchmark(200)
    out = tmp_path / "out"
    server = FakeOpenAIServer(latency=0.02).start()
    port = server.port
    watcher = stop_after(server, 40)
    config = {
        "model": "m",
        "model_id": "qwen-test",
        "api_url": server.base_url,
        "datasets": [counting],
        "eval_batch_size": in_flight,
        "work_dir": str(out),
        "no_timestamp": True,
        "debug": True,
    }  # default retries and backoff: the breaker, not the retry budget, ends the run
    with pytest.raises(APIStoppedError) as caught:
        run_task(TaskConfig(**config), plugins=run_plugins)
    watcher.join(10)
    kept = [record for record in read_jsonl(tmp_path, "predictions", "counting_main") if record["error"] is None]
    message = str(caught.value)
    pattern = (
        rf"the API at http://127\.0\.0\.1:{port}/v1 stopped answering \((connection refused) since "
        rf"\d\d:\d\d:\d\d\); (\d+) finished predictions are kept; "
        rf"resume with --use-cache {re.escape(str(out))}"
    )
    match = re.fullmatch(pattern, message)
    assert match, message
    assert int(match.group(2)) == len(kept) >= 40 - in_flight
    assert all(completion(record) == full_prompt(record["prompt"])["data"][0] for record in kept)
    # Each sample in flight at the death spent at most a few attempts; the rest were never sent.
    failed_attempts = run_log(tmp_path).count("failed (connection error")
    assert 3 <= failed_attempts <= in_flight * 6
    assert len(read_jsonl(tmp_path, "predictions", "counting_main")) < 200

    with FakeOpenAIServer() as revived:  # resuming against a server that is back asks only for the rest
        run_task(TaskConfig(**{**config, "api_url": revived.base_url, "use_cache": str(out)}), plugins=run_plugins)
    assert revived.stats.requests == 200 - len(kept)


def test_a_server_back_within_seconds_does_not_stop_the_run(run_plugins, counting_benchmark, tmp_path):
    counting = counting_benchmark(200)
    server = FakeOpenAIServer(latency=0.02).start()
    port = server.port

    def restart() -> None:
        while server.stats.requests < 40:
            time.sleep(0.01)
        server.stop()
        time.sleep(1.0)
        server.start(port)

    restarter = threading.Thread(target=restart, daemon=True)
    restarter.start()
    config = {
        "model": "m",
        "model_id": "qwen-test",
        "api_url": server.base_url,
        "datasets": [counting],
        "eval_batch_size": 4,
        "work_dir": str(tmp_path / "out"),
        "no_timestamp": True,
        "model_args": {"retry_backoff": 0.5},
        "debug": True,
    }
    try:
        report = run_task(TaskConfig(**config), plugins=run_plugins)[counting]
    finally:
        restarter.join(10)
        server.stop()
    assert report["errors"] == 0 and report["score"] == 1.0
    assert "Cannot connect to host" in run_log(tmp_path)  # it was down, and the run waited for it


def test_the_breaker_trips_on_failures_across_samples_over_a_window_only_after_an_answer():
    now = [0.0]
    breaker = ConnectionBreaker(window=5.0, min_failures=3, clock=lambda: now[0])
    assert not breaker.failed("connection refused")  # never answered: the run's start-up check handles it
    breaker.answered()
    for moment in (0.0, 0.1, 0.2, 4.9):  # many failures at once: a blip, not yet a death
        now[0] = moment
        assert not breaker.failed("connection refused")
    now[0] = 5.1
    assert breaker.failed("connection refused")
    breaker.answered()  # any answer resets the history
    now[0] = 20.0
    assert not breaker.failed("connection refused")
    now[0] = 26.0
    assert not breaker.failed("connection refused")  # two failures in 6 s: too few
    assert breaker.failed("connection refused")


# -- 4. the model name ------------------------------------------------------------------------


def test_a_model_the_server_does_not_serve_stops_the_run_before_any_request(tmp_path):
    with FakeOpenAIServer(answers=QUIZ, models=["tiny.gguf"]) as server:
        with pytest.raises(ModelError) as caught:
            run(server, tmp_path, model="gpt-4o", eval_batch_size=3)
        assert str(caught.value) == f"model 'gpt-4o' is not served at {server.base_url}; it serves: tiny.gguf"
        assert server.stats.requests == 0 and server.stats.paths == ["/v1/models"]

        report = run(server, tmp_path, model="gpt-4o", model_args={"check_model": False})
    assert report["score"] == 1.0
    assert report["served_models"] == ["gpt-4o"]  # what the responses carried (llama.cpp echoes the name)


def test_a_served_model_and_a_server_without_a_model_list_pass(server, tmp_path):
    report = run(server, tmp_path)  # no GET /v1/models: 404
    assert report["score"] == 1.0 and report["served_models"] == ["qwen-test"]
    with FakeOpenAIServer(answers=QUIZ, models=["other", "qwen-test"]) as listing:
        assert run(listing, tmp_path)["score"] == 1.0
        assert listing.stats.paths.count("/v1/models") == 1


# -- 5. repeatable runs -----------------------------------------------------------------------


def test_two_default_runs_give_the_same_answers_from_a_server_that_samples(tmp_path):
    with FakeOpenAIServer(sampling=True) as server:
        run(server, tmp_path / "a", dataset="gsm8k", limit=4)
        run(server, tmp_path / "b", dataset="gsm8k", limit=4)
        run(server, tmp_path / "c", dataset="gsm8k", limit=4, generation_config={"do_sample": True})
    answers = {
        name: [completion(record) for record in read_jsonl(tmp_path / name, "predictions", "gsm8k_main")]
        for name in "abc"
    }
    assert answers["a"] == answers["b"]
    assert answers["c"] != answers["a"]  # the server does sample when asked to
    body = server.stats.bodies[0]
    assert (body["temperature"], body["seed"], body["max_tokens"]) == (0.0, 42, 2048)
    report = json.loads((tmp_path / "a" / "out" / "reports" / "qwen-test" / "gsm8k.json").read_text())
    assert report["generation_config"] == {"do_sample": False, "max_new_tokens": 2048, "seed": 42}


def test_user_generation_config_overrides_the_benchmark_key_by_key_and_seed_is_sent(server, tmp_path):
    report = run(server, tmp_path, dataset="gsm8k", limit=1, seed=7, generation_config={"max_new_tokens": 64})
    body = server.stats.bodies[-1]
    assert (body["temperature"], body["seed"], body["max_tokens"]) == (0.0, 7, 64)
    assert report["generation_config"] == {"do_sample": False, "max_new_tokens": 64, "seed": 7}
    run(server, tmp_path, dataset="gsm8k", limit=1, seed=7, generation_config={"seed": 3, "temperature": 0.6})
    body = server.stats.bodies[-1]
    assert (body["temperature"], body["seed"]) == (0.6, 3)


def test_a_user_setting_under_the_api_name_replaces_the_benchmark_default_of_the_same_setting(server, tmp_path):
    report = run(server, tmp_path, dataset="gsm8k", limit=1, generation_config={"max_tokens": 300})
    assert server.stats.bodies[-1]["max_tokens"] == 300
    assert report["generation_config"] == {"do_sample": False, "max_tokens": 300, "seed": 42}


# -- 6. usage the server did not send ---------------------------------------------------------


def test_usage_a_streaming_server_did_not_send_is_unknown_not_zero(tmp_path):
    with FakeOpenAIServer(answers=QUIZ, stream_usage=False) as server:
        report = run(server, tmp_path, stream=True)
    assert server.stats.bodies[0]["stream_options"] == {"include_usage": True}
    assert report["usage"] == {
        "prompt_tokens": None,
        "completion_tokens": None,
        "total_tokens": None,
        "responses": 5,
        "responses_with_usage": 0,
    }


def test_stream_usage_false_sends_no_stream_options(server, tmp_path):
    report = run(server, tmp_path, stream=True, model_args={"stream_usage": False})
    assert report["score"] == 1.0
    assert all("stream_options" not in body for body in server.stats.bodies)


# -- 7. timeouts ------------------------------------------------------------------------------


def test_the_timeout_bounds_the_silence_between_chunks_not_the_whole_stream(server, tmp_path):
    server.add_fault("slow_chunks", match=FAULTY, times=None, delay=0.25)
    answers = {**QUIZ, FAULTY: "Paris it is of course"}  # five chunks: 1.25 s in all, 0.25 s apart
    server.answers = answers
    report = run(server, tmp_path, stream=True, timeout=0.8, ignore_errors=True)
    assert report["errors"] == 0
    assert len(server.arrivals(FAULTY)) == 1


def test_a_stream_silent_past_the_timeout_is_retried_timeout_retries_times(server, tmp_path):
    server.add_fault("slow_chunks", match=FAULTY, times=None, delay=1.0)
    with pytest.raises(SampleErrors):
        run(server, tmp_path, stream=True, timeout=0.3, retries=5, model_args={"timeout_retries": 0})
    assert len(server.arrivals(FAULTY)) == 1
    failed = next(record for record in read_jsonl(tmp_path, "predictions") if record["error"])
    assert failed["error"] == "APIRequestError: the stream was silent for the timeout of 0.3 s"


# -- 8. reasoning models ----------------------------------------------------------------------


@pytest.mark.parametrize("field", ["reasoning_content", "reasoning"])
@pytest.mark.parametrize("stream", [False, True])
def test_reasoning_is_kept_once_in_the_prediction(server, tmp_path, field, stream):
    thought = "France is a country; its capital is Paris."
    server.add_fault("reasoning", match=FAULTY, times=None, reasoning=thought, field=field)
    report = run(server, tmp_path, stream=stream)
    assert report["score"] == 1.0
    predictions = read_jsonl(tmp_path, "predictions")
    record = next(record for record in predictions if QUESTION_OF[record["sample_id"]] == FAULTY)
    assert record["response"]["choices"][0]["message"][field] == thought
    assert completion(record) == "Paris"
    assert "reasoning" not in record  # stored once, in the response
    review = next(review for review in read_jsonl(tmp_path, "reviews") if review["sample_id"] == record["sample_id"])
    assert review["correct"] and thought not in json.dumps(review)


@pytest.mark.parametrize("stream", [False, True])
def test_a_reasoning_model_cut_off_while_thinking_is_a_truncated_empty_answer(server, tmp_path, stream):
    server.add_fault("reasoning", match=FAULTY, times=None, reasoning="one two three four five six")
    report = run(server, tmp_path, stream=stream, generation_config={"max_new_tokens": 4})
    assert len(server.arrivals(FAULTY)) == 1  # not retried
    assert report["errors"] == 0 and report["truncated"] == 1
    predictions = read_jsonl(tmp_path, "predictions")
    record = next(record for record in predictions if QUESTION_OF[record["sample_id"]] == FAULTY)
    assert completion(record) == "" and record["error"] is None
    if not stream:
        assert record["response"]["choices"][0]["message"]["content"] is None  # kept as the server sent it
    review = next(review for review in read_jsonl(tmp_path, "reviews") if QUESTION_OF[review["sample_id"]] == FAULTY)
    assert review["truncated"] is True and review["score"] == 0.0


# -- 9. errors --------------------------------------------------------------------------------


def test_a_4xx_shows_the_servers_message_as_text_cut_to_300_characters(server, tmp_path):
    long = 'the "prompt" is too long: ' + "é" * 400
    server.add_fault("status", match=FAULTY, times=None, status=400, message=long)
    with pytest.raises(SampleErrors):
        run(server, tmp_path)
    failed = next(record for record in read_jsonl(tmp_path, "predictions") if record["error"])
    assert failed["error"] == f"APIRequestError: HTTP 400: {long[:300]}..."
    assert server_message('{"detail": "Not Found"}') == "Not Found"
    assert server_message("<html>bad gateway</html>") == "<html>bad gateway</html>"


def test_loopback_urls_do_not_go_through_the_environments_proxy(server, tmp_path, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert run(server, tmp_path)["score"] == 1.0


def test_errors_through_a_proxy_name_it(tmp_path, monkeypatch):
    import socket

    with socket.socket() as probe:  # a port on this machine that nobody listens on
        probe.bind(("127.0.0.1", 0))
        proxy = f"http://127.0.0.1:{probe.getsockname()[1]}"
    monkeypatch.setenv("HTTP_PROXY", proxy)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    config = {
        "model": "m",
        "api_url": "http://api.example.invalid/v1",
        "datasets": ["quiz"],
        "work_dir": str(tmp_path),
        "no_timestamp": True,
        "retries": 0,
    }
    with pytest.raises(ModelError) as caught:
        run_task(TaskConfig(**config))
    assert f"(through the proxy {proxy})" in str(caught.value)


# -- 10. n choices ----------------------------------------------------------------------------


def test_a_server_that_returns_fewer_choices_than_n_is_named_once(server, tmp_path):
    run(server, tmp_path, generation_config={"n": 3})
    assert len(read_jsonl(tmp_path, "predictions")[0]["response"]["choices"]) == 3
    assert "choices per prompt" not in run_log(tmp_path)

    server.add_fault("ignore_n", times=None)
    run(server, tmp_path, generation_config={"n": 3})
    assert len(read_jsonl(tmp_path, "predictions")[0]["response"]["choices"]) == 1
    log = run_log(tmp_path)
    assert log.count("asked for n=3 choices per prompt, the server returned 1: it does not support n") == 1
