"""Several endpoints of one API model (``--api-url A --api-url B``), each a real test server on 127.0.0.1."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import pytest
from openai_server import FakeOpenAIServer

from evalscope.config import TaskConfig
from evalscope.errors import ModelError
from evalscope.run.runner import run_task
from evalscope.store.records import completion, full_prompt

SAMPLES = 400


@pytest.fixture
def counting(counting_benchmark):
    """The ``counting`` benchmark of ``SAMPLES`` questions (the test server echoes each), for one test."""
    return counting_benchmark(SAMPLES)


@pytest.fixture
def two_servers():
    """Two echoing servers, A and B (stopped at the end, whatever the test did to them)."""
    servers = [FakeOpenAIServer(latency=0.02).start() for _ in range(2)]
    yield servers
    for server in servers:
        server.stop()


def config(servers: list[FakeOpenAIServer], out: Path, **options) -> TaskConfig:
    model_args = {"retry_backoff": 0.05, "retry_max_backoff": 0.5, **options.pop("model_args", {})}
    fields = {
        "model": "m",
        "model_id": "qwen-test",
        "api_url": [server.base_url for server in servers],
        "datasets": ["counting"],
        "eval_batch_size": 4,
        "work_dir": str(out),
        "no_timestamp": True,
        "retries": 20,
        "model_args": model_args,
        **options,
    }
    return TaskConfig(**fields)


def predictions(out: Path) -> list[dict]:
    path = out / "predictions" / "qwen-test" / "counting_main.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def all_echoed(out: Path, count: int = SAMPLES) -> bool:
    """Every sample has one prediction, without error, whose answer is its own prompt."""
    records = predictions(out)
    ids = {record["sample_id"] for record in records}
    good = [r for r in records if r["error"] is None and completion(r) == full_prompt(r["prompt"])["data"][0]]
    return len(ids) == count and len(good) == len(records) == count


def run_log(out: Path) -> str:
    return (out / "logs" / "eval_log.log").read_text(encoding="utf-8")


def when(condition, then) -> threading.Thread:
    """Run ``then()`` in a thread as soon as ``condition()`` holds (checked every 10 ms)."""
    stop = threading.Event()

    def watch() -> None:
        while not condition() and not stop.wait(0.01):
            pass
        then()

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def test_both_endpoints_take_requests_and_each_share_is_logged(run_plugins, counting, two_servers, tmp_path):
    a, b = two_servers
    report = run_task(config(two_servers, tmp_path), plugins=run_plugins)[counting]

    assert report["score"] == 1.0 and report["errors"] == 0
    assert a.stats.requests >= 1 and b.stats.requests >= 1
    assert a.stats.requests + b.stats.requests == SAMPLES
    shares = ", ".join(
        f"{server.base_url} {server.stats.requests} ({100 * server.stats.requests / SAMPLES:.0f}%)"
        for server in two_servers
    )
    assert f"openai_api: answers per endpoint: {shares}" in run_log(tmp_path)


def test_each_reports_provenance_records_the_answers_each_endpoint_gave_for_its_dataset(
    run_plugins, counting_benchmark, two_servers, tmp_path
):
    datasets = [counting_benchmark(150, "counting"), counting_benchmark(150, "tally")]
    reports = run_task(config(two_servers, tmp_path, datasets=datasets), plugins=run_plugins)

    for dataset in datasets:
        # what each server was asked for this dataset, as the servers saw it
        expected = [
            {"url": server.base_url, "answers": sum(p.startswith(f"{dataset} ") for p in server.prompts())}
            for server in two_servers
        ]
        assert sum(share["answers"] for share in expected) == 150
        assert reports[dataset]["provenance"]["endpoints"] == expected
        written = json.loads((tmp_path / "reports" / "qwen-test" / f"{dataset}.json").read_text(encoding="utf-8"))
        assert written["provenance"]["endpoints"] == expected


def test_with_one_endpoint_the_provenance_names_no_endpoints(run_plugins, counting, two_servers, tmp_path):
    report = run_task(config(two_servers[:1], tmp_path), plugins=run_plugins)[counting]

    assert report["score"] == 1.0
    assert report["provenance"]["endpoints"] is None


def test_an_endpoint_killed_mid_run_leaves_the_others_to_answer_every_sample(
    run_plugins, counting, two_servers, tmp_path
):
    a, b = two_servers
    killer = when(lambda: a.stats.requests >= 30, a.stop)
    report = run_task(config(two_servers, tmp_path, model_args={"retry_backoff": 0.2}), plugins=run_plugins)[counting]
    killer.join(10)

    assert report["score"] == 1.0 and report["errors"] == 0
    assert all_echoed(tmp_path)
    answered_by_a = SAMPLES - b.stats.requests
    assert 1 <= answered_by_a <= a.stats.requests
    log = run_log(tmp_path)
    share = re.search(
        rf"answers per endpoint: {re.escape(a.base_url)} (\d+) \(\d+%\), {re.escape(b.base_url)} (\d+)", log
    )
    assert share and int(share.group(1)) == answered_by_a and int(share.group(2)) == b.stats.requests


def test_an_endpoint_that_left_the_rotation_comes_back_after_its_cool_down(
    run_plugins, counting, two_servers, tmp_path
):
    a, b = two_servers
    port = a.port
    out = tmp_path / "out"
    seen = {}

    def restart_a_then_kill_b() -> None:
        # The run can now finish only if A, back on its port, rejoins the rotation after its cool-down.
        seen["a_before"] = a.stats.requests
        a.latency = 0.01  # the slow answers were only to keep the run going until A left
        a.start(port)
        b.stop()

    left = f"openai_api: {a.base_url} left the rotation"
    killer = when(lambda: a.stats.requests >= 30, a.stop)
    reviver = when(lambda: (out / "logs" / "eval_log.log").is_file() and left in run_log(out), restart_a_then_kill_b)
    # 0.1 s an answer, 2 in flight: B alone needs far longer than A's breaker takes to trip (5 s).
    a.latency = b.latency = 0.1
    options = {"eval_batch_size": 2, "model_args": {"endpoint_cooldown": 0.5}}
    report = run_task(config(two_servers, out, **options), plugins=run_plugins)[counting]
    killer.join(10)
    reviver.join(10)

    assert report["score"] == 1.0 and report["errors"] == 0
    assert all_echoed(out)
    assert a.stats.requests > seen["a_before"]  # A answered again after it came back
    log = run_log(out)
    assert f"{left} (connection refused since " in log and "it is tried again after 0.5 s" in log
    assert f"openai_api: {a.base_url} is tried again after its cool-down" in log


def test_all_endpoints_down_stops_with_one_line_and_the_run_resumes(run_cli, tmp_path):
    out = tmp_path / "out"
    servers = [FakeOpenAIServer(latency=0.02).start() for _ in range(2)]
    killers = [when(lambda s=server: s.stats.requests >= 10, server.stop) for server in servers]
    args = ["--model", "m", "--datasets", "gsm8k", "--limit", "60", "--eval-batch-size", "4"]
    urls = [arg for server in servers for arg in ("--api-url", server.base_url)]
    result = run_cli(*args, *urls, "--work-dir", str(out), "--no-timestamp", "--model-args", "retry_backoff=0.2")
    for killer in killers:
        killer.join(10)

    assert result.returncode == 1
    error = result.stderr.strip().splitlines()[-1]  # the last line: it says how to resume, said once
    assert result.stderr.count("resume with --use-cache") == 1
    each = ", ".join(rf"{re.escape(s.base_url)} \(connection refused since \d\d:\d\d:\d\d\)" for s in servers)
    pattern = (
        rf"evalscope: error: every endpoint of the API stopped answering: {each}; "
        rf"(\d+) finished predictions are kept; resume with --use-cache {re.escape(str(out))}"
    )
    match = re.fullmatch(pattern, error)
    assert match, result.stderr
    records = [json.loads(line) for line in (out / "predictions" / "m" / "gsm8k_main.jsonl").read_text().splitlines()]
    kept = [record for record in records if record["error"] is None]
    assert int(match.group(1)) == len(kept) >= 1

    with FakeOpenAIServer() as c, FakeOpenAIServer() as d:
        resumed = run_cli("--use-cache", str(out), "--api-url", c.base_url, "--api-url", d.base_url)
        assert resumed.returncode == 0, resumed.stderr
        assert c.stats.requests + d.stats.requests == 60 - len(kept)


def test_a_config_file_lists_the_endpoints_and_the_cache_does_not_depend_on_them(run_cli, tmp_path):
    out = tmp_path / "out"
    with FakeOpenAIServer() as a, FakeOpenAIServer() as b:
        first = run_cli(
            "--model",
            "m",
            "--api-url",
            a.base_url,
            "--datasets",
            "gsm8k",
            "--limit",
            "8",
            "--work-dir",
            str(out),
            "--no-timestamp",
        )
        assert first.returncode == 0, first.stderr
        evaluated = (out / "configs" / "evaluated.json").read_text(encoding="utf-8")

        task = tmp_path / "task.yaml"
        task.write_text(
            f"model: m\napi_url:\n  - {b.base_url}\n  - {a.base_url}\ndatasets: [gsm8k]\nlimit: 12\n"
            f"eval_batch_size: 4\nwork_dir: {tmp_path / 'listed'}\nno_timestamp: true\n",
            encoding="utf-8",
        )
        listed = run_cli("--config", str(task))
        assert listed.returncode == 0, listed.stderr
        assert a.stats.requests == 8 + 12 - b.stats.requests and b.stats.requests >= 1
        saved = (tmp_path / "listed" / "configs" / "task_config.yaml").read_text(encoding="utf-8")
        assert f"api_url:\n- {b.base_url}\n- {a.base_url}\n" in saved
        listed_model = json.loads((tmp_path / "listed" / "configs" / "evaluated.json").read_text())["model_key"]
        assert listed_model == json.loads(evaluated)["model_key"]  # the same model, whichever URLs serve it

        before = a.stats.requests + b.stats.requests
        again = run_cli("--use-cache", str(out), "--api-url", b.base_url, "--api-url", a.base_url)
        assert again.returncode == 0, again.stderr
        assert a.stats.requests + b.stats.requests == before  # all 8 answers reused: same cache keys
        assert (out / "configs" / "evaluated.json").read_text(encoding="utf-8") == evaluated


def test_each_endpoint_is_checked_at_start(run_plugins, counting, two_servers, tmp_path):
    a, b = two_servers
    with FakeOpenAIServer(models=["other-model"]) as wrong:
        with pytest.raises(ModelError) as caught:
            run_task(config([a, wrong], tmp_path / "wrong"), plugins=run_plugins)
        assert str(caught.value) == f"model 'm' is not served at {wrong.base_url}; it serves: other-model"
        assert a.stats.requests == 0 and wrong.stats.requests == 0

    b.stop()  # B cannot be reached: it starts out of the rotation, and A answers everything
    report = run_task(config(two_servers, tmp_path / "one_down"), plugins=run_plugins)[counting]
    assert report["errors"] == 0 and a.stats.requests == SAMPLES
    assert f"openai_api: {b.base_url} left the rotation (connection refused since " in run_log(tmp_path / "one_down")

    a.stop()
    with pytest.raises(ModelError) as caught:
        run_task(config(two_servers, tmp_path / "none"), plugins=run_plugins)
    each = ", ".join(rf"{re.escape(s.base_url)} \(connection refused since \d\d:\d\d:\d\d\)" for s in two_servers)
    assert re.fullmatch(rf"cannot reach any endpoint of the API: {each}; are the servers running\?", str(caught.value))


def test_credentials_in_the_urls_stay_out_of_every_output(run_cli, tmp_path):
    out = tmp_path / "out"
    with FakeOpenAIServer() as a, FakeOpenAIServer() as b:
        urls = [f"http://user:pw-{name}-9f8e7d6c@127.0.0.1:{server.port}/v1" for name, server in (("a", a), ("b", b))]
        result = run_cli(
            "--model",
            "m",
            "--api-url",
            urls[0],
            "--api-url",
            urls[1],
            "--datasets",
            "gsm8k",
            "--limit",
            "8",
            "--eval-batch-size",
            "4",
            "--work-dir",
            str(out),
            "--no-timestamp",
            "--debug",
        )
        assert result.returncode == 0, result.stderr
        assert a.stats.headers[0]["Authorization"].startswith("Basic ")  # the credentials were sent
    for secret in ("pw-a-9f8e7d6c", "pw-b-9f8e7d6c"):
        assert secret not in result.stdout and secret not in result.stderr
        for path in out.rglob("*"):
            assert not path.is_file() or secret.encode() not in path.read_bytes(), path
    saved = (out / "configs" / "task_config.yaml").read_text(encoding="utf-8")
    assert f"- http://127.0.0.1:{a.port}/v1\n- http://127.0.0.1:{b.port}/v1\n" in saved
