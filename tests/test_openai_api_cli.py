"""``evalscope eval --api-url ...`` as a user runs it: exit codes, messages, and the key kept secret."""

from __future__ import annotations

import json
from pathlib import Path

from openai_server import FakeOpenAIServer
from quiz_api import NO_KEYS, QUIZ, quiz_api_args


def assert_nowhere(secret: str, result, work_dir: Path) -> None:
    """``secret`` is in no output stream and no file of the run folder."""
    assert secret not in result.stdout
    assert secret not in result.stderr
    files = [path for path in work_dir.rglob("*") if path.is_file()]
    assert any(path.name == "eval_log.log" for path in files)
    for path in files:
        assert secret.encode() not in path.read_bytes(), path


def test_all_answered_exits_0_with_n_requests_in_flight(run_cli, server, tmp_path):
    server.latency = 0.2
    result = run_cli(*quiz_api_args(server, tmp_path, "--api-key", "EMPTY", "--eval-batch-size", "5"), env=NO_KEYS)
    assert result.returncode == 0, result.stderr
    assert server.stats.requests == 5
    assert server.stats.max_in_flight == 5
    assert "| qwen-test | quiz" in result.stdout and "1.0000" in result.stdout


def test_failed_sample_exits_1_with_one_line_and_keeps_the_others(run_cli, server, tmp_path):
    key = "sk-cli-secret-7f3a9c"
    server.add_fault("status", match="Capital of France?", times=None, status=500)
    result = run_cli(*quiz_api_args(server, tmp_path, "--api-key", key, "--eval-batch-size", "2"), env=NO_KEYS)
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("evalscope: error: 1 samples failed")
    assert f"--use-cache {tmp_path}" in last
    assert "openai_api: a sample failed: HTTP 500" in result.stderr
    lines = (tmp_path / "predictions" / "qwen-test" / "quiz_main.jsonl").read_text().splitlines()
    assert len(lines) == 5 and sum(json.loads(line)["error"] is None for line in lines) == 4
    assert_nowhere(key, result, tmp_path)

    server.faults.clear()
    before = server.stats.requests
    result = run_cli(*quiz_api_args(server, tmp_path, "--api-key", key, "--use-cache", str(tmp_path)), env=NO_KEYS)
    assert result.returncode == 0, result.stderr
    assert server.stats.requests - before == 1
    assert_nowhere(key, result, tmp_path)


def test_key_from_the_environment_is_sent_and_never_shown_even_with_debug(run_cli, server, tmp_path):
    key, other = "sk-env-secret-51e2d0", "sk-openai-secret-93bb41"
    server.add_fault("status", match="3*3?", times=None, status=503)
    server.add_fault("null_content", match="Sky colour?", times=1)
    env = {"EVALSCOPE_API_KEY": key, "OPENAI_API_KEY": other}
    result = run_cli(*quiz_api_args(server, tmp_path, "--debug"), env=env)
    assert result.returncode != 0
    assert "SampleErrors" in result.stderr  # --debug shows the traceback
    assert set(server.stats.auth) == {f"Bearer {key}"}  # EVALSCOPE_API_KEY comes before OPENAI_API_KEY
    assert "retrying in" in result.stderr  # debug lines about retries are shown
    assert_nowhere(key, result, tmp_path)
    assert_nowhere(other, result, tmp_path)


def test_rejected_key_is_reported_without_the_key(run_cli, tmp_path):
    wrong = "sk-wrong-cli-key-2b7e"
    with FakeOpenAIServer(answers=QUIZ, api_key="sk-right") as server:
        result = run_cli(*quiz_api_args(server, tmp_path, "--api-key", wrong), env=NO_KEYS)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("evalscope: error: ")]
    assert len(errors) == 1 and errors[0].startswith("evalscope: error: the API rejected the key (HTTP 401")
    assert result.stderr.count("the API rejected the key") == 1  # printed once, not also as a warning
    assert "Incorrect API key provided" in errors[0]  # the server's error.message, as text
    assert server.stats.requests == 1
    assert_nowhere(wrong, result, tmp_path)


def test_url_without_scheme_is_a_one_line_error(run_cli, tmp_path):
    result = run_cli("--model", "m", "--api-url", "localhost:8000/v1", "--datasets", "quiz", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "evalscope: error: api_url 'localhost:8000/v1' is not an http(s) URL (e.g. http://127.0.0.1:8000/v1)"
    )


def test_secrets_in_model_args_and_the_url_are_written_nowhere(run_cli, tmp_path):
    header_token, arg_key, query_key, password = "hdr-LEAK-4821", "arg-LEAK-9313", "qry-LEAK-7730", "pw-LEAK-5512"
    model_args = json.dumps(
        {
            "retry_backoff": 0.01,
            "headers": {"X-Api-Key": header_token, "X-Trace": "visible"},
            "extra_body": {"api_key": arg_key},
        }
    )
    with FakeOpenAIServer(answers=QUIZ) as server:
        url = server.base_url.replace("http://", f"http://user:{password}@") + f"?api-key={query_key}"
        args = [*quiz_api_args(server, tmp_path, "--debug"), "--model-args", model_args, "--api-url", url]
        result = run_cli(*args, env=NO_KEYS)
    assert result.returncode == 0, result.stderr
    for secret in (header_token, arg_key, query_key, password):
        assert_nowhere(secret, result, tmp_path)
    saved = (tmp_path / "configs" / "task_config.yaml").read_text()
    assert "X-Trace: visible" in saved  # only secrets are masked
    assert "X-Api-Key: '***'" in saved


def test_a_server_that_cannot_be_reached_stops_the_run_with_one_line(run_cli, tmp_path):
    import socket

    with socket.socket() as probe:  # a port on this machine that nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/v1"
    args = ["--model", "m", "--api-url", url, "--datasets", "quiz", "--work-dir", str(tmp_path), "--no-timestamp"]
    result = run_cli(
        *args, "--eval-batch-size", "5", "--retries", "1", "--model-args", "retry_backoff=0.01", env=NO_KEYS
    )
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("evalscope: error: ")]
    assert errors == [errors[0]]
    assert errors[0].startswith(
        f"evalscope: error: cannot reach the API at {url}/chat/completions; is the server running?"
    )


def test_the_progress_bar_says_what_is_being_retried(run_cli, server, tmp_path):
    server.add_fault("status", match="Capital of France?", times=1, status=503, retry_after="1.5")
    result = run_cli(*quiz_api_args(server, tmp_path), env=NO_KEYS)
    assert result.returncode == 0, result.stderr
    assert "retrying: HTTP 503, attempt 2/2" in result.stderr


def test_a_server_that_dies_mid_run_ends_it_with_one_line(run_cli, tmp_path):
    import threading
    import time

    server = FakeOpenAIServer(latency=0.02, default_answer="The answer is 1.").start()

    def stop_when_busy() -> None:
        while server.stats.requests < 30:
            time.sleep(0.01)
        server.stop()

    watcher = threading.Thread(target=stop_when_busy, daemon=True)
    watcher.start()
    args = ["--model", "m", "--api-url", server.base_url, "--datasets", "gsm8k", "--limit", "300"]
    result = run_cli(*args, "--work-dir", str(tmp_path), "--no-timestamp", "--eval-batch-size", "8", env=NO_KEYS)
    watcher.join(10)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("evalscope: error: ")]
    assert len(errors) == 1 and "Traceback" not in result.stderr
    assert errors[0].startswith(f"evalscope: error: the API at {server.base_url} stopped answering (connection refused")
    assert errors[0].endswith(f"finished predictions are kept; resume with --use-cache {tmp_path}")
