"""The llama_cpp model plugin against llama.cpp's own server (xllamacpp) on a tiny GGUF made here.

Skipped when xllamacpp or the plugin is not installed, except in CI (``CI=true``), where the
README's install command installs both and these tests must run.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from tiny_gguf import write_tiny_gguf

INSTALLED = all(importlib.util.find_spec(name) is not None for name in ("xllamacpp", "evalscope_llama_cpp"))
pytestmark = pytest.mark.skipif(
    not INSTALLED and os.environ.get("CI") != "true",
    reason="xllamacpp or evalscope-llama-cpp is not installed (pip install -e plugins/llama_cpp)",
)

GENERATION = json.dumps({"max_new_tokens": 12, "do_sample": False})
ZERO_SHOT = json.dumps({"gsm8k": {"few_shot_num": 0}})
PATIENCE = 120.0  # seconds a test waits for something to happen before it gives up (not a speed requirement)


@pytest.fixture(scope="module")
def gguf_path(tmp_path_factory) -> Path:
    return write_tiny_gguf(tmp_path_factory.mktemp("model") / "tiny.gguf")


def evalscope_args(model: Path, work: Path, *extra: str, limit: int = 3) -> list[str]:
    return [
        sys.executable,
        "-m",
        "evalscope",
        "--model-plugin",
        "llama_cpp",
        "--model",
        str(model),
        "--model-id",
        "tiny",
        "--datasets",
        "gsm8k",
        "--dataset-args",
        ZERO_SHOT,
        "--limit",
        str(limit),
        "--generation-config",
        GENERATION,
        "--work-dir",
        str(work),
        "--no-timestamp",
        *extra,
    ]


def run_evalscope(model: Path, work: Path, *extra: str, limit: int = 3) -> subprocess.CompletedProcess:
    return subprocess.run(evalscope_args(model, work, *extra, limit=limit), capture_output=True, text=True, timeout=600)


def engine_pids(model: Path) -> list[int]:
    """The processes running the plugin's server on ``model`` (a path unique to the test)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if b"evalscope_llama_cpp.serve" in argv and str(model).encode() in argv and state != "Z":
            pids.append(int(entry.name))
    return pids


def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + PATIENCE
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.2)


def predictions(work: Path) -> list[dict]:
    path = work / "predictions" / "tiny" / "gsm8k_main.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def engine_log(work: Path, n: int = 0) -> str:
    return (work / "logs" / f"engine-{n}.log").read_text(encoding="utf-8", errors="replace")


SLOT_EVENT = re.compile(r"(launch_slot_|release): id\s+(\d+) \| task")


def answered_tasks(log: str) -> int:
    """How many requests the server's slots finished, from its log."""
    return sum(1 for match in SLOT_EVENT.finditer(log) if match[1] == "release")


def most_slots_busy(log: str) -> int:
    """The most slots that were computing an answer at the same moment, from the order of the log's slot lines."""
    busy: set[str] = set()
    most = 0
    for match in SLOT_EVENT.finditer(log):
        if match[1] == "launch_slot_":
            busy.add(match[2])
        else:
            busy.discard(match[2])
        most = max(most, len(busy))
    return most


def slots(log: str) -> int:
    """The number of parallel slots the server was started with, from its log."""
    return int(re.search(r"n_slots = (\d+)", log)[1])


def listening_addresses(port: int) -> list[str]:
    """The addresses (IPv4 hex as in /proc/net/tcp, IPv6 likewise) with a socket listening on ``port``."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                address, port_hex = local.rsplit(":", 1)
                if state == "0A" and int(port_hex, 16) == port:
                    found.append(address)
    return found


def answer(record: dict) -> str:
    """The text of a stored prediction, as the server sent it."""
    return record["response"]["choices"][0]["message"]["content"]


def started_run(model: Path, work: Path, stderr_path: Path, own_session: bool = False) -> subprocess.Popen:
    """An evalscope run of many samples, returned once its engine answers and its first answer is stored
    (``own_session``: evalscope leads its own process group, as a command run in a terminal does)."""
    with open(stderr_path, "wb") as stderr:
        process = subprocess.Popen(
            evalscope_args(model, work, "--eval-batch-size", "1", limit=500),
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=own_session,
        )
    predictions_file = work / "predictions" / "tiny" / "gsm8k_main.jsonl"
    wait_for(
        lambda: process.poll() is not None or (predictions_file.is_file() and predictions_file.stat().st_size),
        "the first prediction",
    )
    assert process.poll() is None, stderr_path.read_text()
    assert engine_pids(model)
    return process


def test_a_gsm8k_run_on_a_gguf_file_goes_through_a_real_llama_cpp_server_that_stops_with_it(gguf_path, tmp_path):
    work = tmp_path / "out"
    result = run_evalscope(gguf_path, work)

    assert result.returncode == 0, result.stderr
    report = json.loads((work / "reports" / "tiny" / "gsm8k.json").read_text(encoding="utf-8"))
    assert report["metrics"][0]["num"] == 3 and report["errors"] == 0
    records = predictions(work)
    assert len(records) == 3
    assert all(isinstance(answer(record), str) and answer(record) for record in records)
    assert answered_tasks(engine_log(work)) == 3  # the answers came from the engine
    assert engine_pids(gguf_path) == []


def test_greedy_runs_of_the_same_model_repeat_exactly(gguf_path, tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    assert run_evalscope(gguf_path, first).returncode == 0
    assert run_evalscope(gguf_path, second).returncode == 0

    assert [answer(r) for r in predictions(first)] == [answer(r) for r in predictions(second)]


def test_the_engine_listens_on_loopback_with_a_key_of_this_run_that_no_output_shows(gguf_path, tmp_path):
    work = tmp_path / "out"
    stderr_path = tmp_path / "stderr.txt"
    process = started_run(gguf_path, work, stderr_path)
    (pid,) = engine_pids(gguf_path)
    argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
    key, port = argv[argv.index("--api-key") + 1], argv[argv.index("--port") + 1]
    assert listening_addresses(int(port)) == ["0100007F"]  # 127.0.0.1 only
    models = f"http://127.0.0.1:{port}/v1/models"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(models, timeout=30)
    assert refused.value.code == 401
    with urllib.request.urlopen(urllib.request.Request(models, headers={"Authorization": f"Bearer {key}"})) as answer:
        assert [model["id"] for model in json.load(answer)["data"]] == [str(gguf_path)]

    process.send_signal(signal.SIGINT)
    assert process.wait(PATIENCE) == 130
    assert len(key) >= 32 and key.encode() not in stderr_path.read_bytes()
    assert not [path for path in work.rglob("*") if path.is_file() and key.encode() in path.read_bytes()]


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT], ids=["kill", "term", "ctrl-c"])
def test_the_engine_never_outlives_evalscope(gguf_path, tmp_path, signum):
    process = started_run(gguf_path, tmp_path / "out", tmp_path / "stderr.txt")

    process.send_signal(signum)
    if signum == signal.SIGINT:
        process.send_signal(signum)  # the second Ctrl-C aborts at once
    process.wait(PATIENCE)
    wait_for(lambda: engine_pids(gguf_path) == [], "the engine to exit")


def test_ctrl_c_in_the_terminal_stops_the_run_after_the_batch_in_hand_not_the_engine_first(gguf_path, tmp_path):
    work = tmp_path / "out"
    stderr_path = tmp_path / "stderr.txt"
    process = started_run(gguf_path, work, stderr_path, own_session=True)

    os.killpg(process.pid, signal.SIGINT)  # the terminal sends Ctrl-C to its foreground process group
    assert process.wait(PATIENCE) == 130
    assert "exited" not in stderr_path.read_text()  # the engine was not stopped under the run's feet
    assert "stopped by Ctrl-C after the batch in hand" in (work / "logs" / "eval_log.log").read_text()
    assert all(record["error"] is None for record in predictions(work))
    wait_for(lambda: engine_pids(gguf_path) == [], "the engine to exit")


def test_an_engine_that_dies_mid_run_stops_the_run_with_one_line_naming_its_log(gguf_path, tmp_path):
    work = tmp_path / "out"
    stderr_path = tmp_path / "stderr.txt"
    process = started_run(gguf_path, work, stderr_path)

    for pid in engine_pids(gguf_path):
        os.kill(pid, signal.SIGKILL)
    assert process.wait(PATIENCE) == 1
    errors = [line for line in stderr_path.read_text().splitlines() if line.startswith("evalscope: error:")]
    assert errors == [
        f"evalscope: error: llama.cpp server exited with code -9 during the run; see its log {work}/logs/engine-0.log"
    ]
    assert predictions(work)  # what was answered before is kept


def test_a_model_file_the_engine_cannot_load_fails_at_start_with_the_engine_log_tail(tmp_path):
    missing = tmp_path / "missing.gguf"
    work = tmp_path / "out"
    result = run_evalscope(missing, work)

    assert result.returncode == 1
    log = work / "logs" / "engine-0.log"
    assert f"evalscope: error: llama.cpp server exited with code 1 before it answered; see {log}" in result.stderr
    last_line = log.read_text(encoding="utf-8").strip().splitlines()[-1]
    assert last_line.strip() in result.stderr
    assert engine_pids(missing) == []


def reviews(work: Path) -> list[dict]:
    path = work / "reviews" / "tiny" / "gsm8k_main.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def streamed_run(model: Path, work: Path, *model_args: str) -> subprocess.CompletedProcess:
    """8 streamed answers, 4 in flight (a stream cut off on every attempt shows as that sample's error)."""
    flags = ("--stream", "--eval-batch-size", "4", *model_args)
    return run_evalscope(model, work, *flags, limit=8)


def test_concurrent_streamed_answers_all_finish(gguf_path, tmp_path):
    work = tmp_path / "out"
    result = streamed_run(gguf_path, work)

    assert result.returncode == 0, result.stderr
    assert "(chat, streaming), 4 in flight" in (work / "logs" / "eval_log.log").read_text(encoding="utf-8")
    records = predictions(work)
    assert len(records) == 8 and all(record["error"] is None for record in records)
    assert all(record["response"]["choices"][0]["finish_reason"] in ("stop", "length") for record in records)


def test_one_engine_computes_several_answers_at_once_with_a_slot_for_each_request_in_flight(gguf_path, tmp_path):
    work = tmp_path / "out"
    generation = json.dumps({"max_new_tokens": 32, "do_sample": False})
    result = run_evalscope(gguf_path, work, "--eval-batch-size", "4", "--generation-config", generation, limit=8)

    assert result.returncode == 0, result.stderr
    log = engine_log(work)
    assert slots(log) == 4  # n_parallel followed --eval-batch-size
    assert most_slots_busy(log) >= 2
    assert answered_tasks(log) == 8
    assert all(record["error"] is None for record in predictions(work))


def test_n_parallel_from_model_args_wins_over_the_requests_in_flight(gguf_path, tmp_path):
    work = tmp_path / "out"
    result = run_evalscope(gguf_path, work, "--eval-batch-size", "4", "--model-args", '{"n_parallel": 2}', limit=6)

    assert result.returncode == 0, result.stderr
    log = engine_log(work)
    assert slots(log) == 2 and most_slots_busy(log) <= 2
    assert answered_tasks(log) == 6


def test_model_args_reach_the_server_as_llama_cpp_settings(gguf_path, tmp_path):
    work = tmp_path / "out"
    settings = {"model_alias": "tiny-chat", "n_threads": 1, "flash_attn_type": "disabled"}
    result = run_evalscope(gguf_path, work, "--model-args", json.dumps(settings), limit=2)

    assert result.returncode == 0, result.stderr
    assert [record["response"]["model"] for record in predictions(work)] == ["tiny-chat", "tiny-chat"]
    assert "threadpool init, n_threads = 1" in engine_log(work)


@pytest.mark.parametrize(
    ("settings", "line"),
    [
        ({"n_ctx": "big"}, "llama.cpp server: setting 'n_ctx' cannot be 'big'"),
        ({"n_cxt": 4096}, "llama.cpp server: unknown setting 'n_cxt' (not a field of xllamacpp.CommonParams)"),
        ({"flash_attn_type": "sometimes"}, "llama.cpp server: flash_attn_type: 'sometimes' is not one of"),
    ],
    ids=["wrong-type", "unknown", "not-a-choice"],
)
def test_a_setting_the_server_cannot_take_stops_the_run_at_start_naming_it(gguf_path, tmp_path, settings, line):
    work = tmp_path / "out"
    result = run_evalscope(gguf_path, work, "--model-args", json.dumps(settings))

    assert result.returncode == 1
    log = work / "logs" / "engine-0.log"
    assert f"evalscope: error: llama.cpp server exited with code 1 before it answered; see {log}" in result.stderr
    assert line in result.stderr
    assert not list(work.rglob("*.jsonl"))  # nothing was asked


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
def test_answers_the_server_ends_with_finish_reason_length_are_recorded_as_truncated(gguf_path, tmp_path, stream):
    work = tmp_path / "out"
    generation = json.dumps({"max_new_tokens": 1, "do_sample": False})
    flags = ("--generation-config", generation, *(("--stream",) if stream else ()))
    result = run_evalscope(gguf_path, work, *flags, limit=4)

    assert result.returncode == 0, result.stderr
    finish = [record["response"]["choices"][0]["finish_reason"] for record in predictions(work)]
    cut = finish.count("length")
    assert cut  # the real server said so
    assert [review["truncated"] for review in reviews(work)] == [reason == "length" for reason in finish]
    report = json.loads((work / "reports" / "tiny" / "gsm8k.json").read_text(encoding="utf-8"))
    assert report["truncated"] == cut
    assert f"gsm8k: {cut} of 4 answers hit max_tokens (1)" in result.stderr


def test_two_replicas_both_answer(gguf_path, tmp_path):
    work = tmp_path / "out"
    result = run_evalscope(gguf_path, work, "--model-args", '{"replicas": 2}', "--eval-batch-size", "2", limit=6)

    assert result.returncode == 0, result.stderr
    logs = [engine_log(work, n) for n in (0, 1)]
    assert [slots(log) for log in logs] == [1, 1]  # each replica has a slot for its share of the 2 in flight
    assert all(answered_tasks(log) for log in logs)
    assert sum(answered_tasks(log) for log in logs) == 6
    assert len(predictions(work)) == 6
