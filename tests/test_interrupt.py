"""A run that stops early says why in its log, and Ctrl-C says what it does: once stops, twice aborts."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

QUIZ = ["--model-plugin", "echo-answer", "--datasets", "quiz", "--no-timestamp"]
FIRST_PRESS = "stopping after the batch in hand; Ctrl-C again to abort"


def wait_for_text(path: Path, text: str, process: subprocess.Popen, patience: float = 120) -> None:
    """Wait until ``path`` contains ``text``; fail if the process ends first, or kill it when it never comes."""
    give_up = time.monotonic() + patience
    while not (path.exists() and text in path.read_text()):
        assert process.poll() is None, f"the run ended before {path} had {text!r}: {process.communicate()}"
        if time.monotonic() > give_up:
            process.kill()
            raise AssertionError(f"{path} never had {text!r}: {process.communicate()}")
        time.sleep(0.02)


def sample_ids(path: Path) -> list[str]:
    return [json.loads(line)["sample_id"] for line in path.read_text().splitlines()]


def test_first_ctrl_c_says_it_stops_after_the_batch_in_hand_and_the_log_keeps_the_reason(tmp_path):
    out, asked = tmp_path / "run", tmp_path / "asked.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "evalscope", *QUIZ, "--work-dir", str(out), "--model-args", "delay=0.3"],
        env={**os.environ, "ECHO_QUIZ_LOG": str(asked)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    predictions = out / "predictions" / "echo-answer" / "quiz_main.jsonl"
    wait_for_text(predictions, "\n", process)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=300)

    assert process.returncode == 130
    assert FIRST_PRESS in stderr and "Traceback" not in stderr
    assert sample_ids(predictions) == asked.read_text().split()  # every answer the model gave is stored
    assert len(sample_ids(predictions)) < 5
    log = (out / "logs" / "eval_log.log").read_text()
    assert FIRST_PRESS in log
    assert (
        f"run stopped by Ctrl-C after the batch in hand; finished predictions are kept; resume with --use-cache {out}"
        in log
    )


SLOW_SECOND_SAMPLE = """
import sys, time
from evalscope import TaskConfig, run_task
from evalscope.models import CustomModel

class SlowOnSecond(CustomModel):
    def predict(self, prompts, **kwargs):
        index = kwargs["origin_inputs"][0]["index"]
        with open(sys.argv[2], "a") as started:
            started.write(f"started {index}\\n")
        if index != "0":
            time.sleep(600)
        return [{"choices": [{"index": 0, "message": {"role": "assistant", "content": "2"}}]}]

try:
    run_task(TaskConfig(model=SlowOnSecond(), model_id="slow", datasets=["quiz"], work_dir=sys.argv[1]))
except KeyboardInterrupt:
    sys.exit(130)
"""


def test_second_ctrl_c_aborts_the_batch_in_hand(tmp_path):
    script, work_dir, started = tmp_path / "run_slow.py", tmp_path / "outputs", tmp_path / "started.log"
    script.write_text(textwrap.dedent(SLOW_SECOND_SAMPLE))
    process = subprocess.Popen(
        [sys.executable, str(script), str(work_dir), str(started)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for_text(started, "started 1", process)  # sample 0 is stored; sample 1 is in hand for 600 s
    [out] = list(work_dir.iterdir())
    log = out / "logs" / "eval_log.log"
    process.send_signal(signal.SIGINT)
    wait_for_text(log, FIRST_PRESS, process)
    process.send_signal(signal.SIGINT)
    try:
        process.communicate(timeout=300)
    finally:
        if process.poll() is None:  # the abort did not work: do not leave the sleeper behind
            process.kill()
            process.communicate()

    assert process.returncode == 130
    assert sample_ids(out / "predictions" / "slow" / "quiz_main.jsonl") == ["0"]  # the batch in hand was abandoned
    assert "run aborted by a second Ctrl-C; finished predictions are kept" in log.read_text()


def test_a_failed_run_writes_its_reason_into_the_log(run_cli, tmp_path):
    result = run_cli(*QUIZ, "--work-dir", str(tmp_path), "--model-args", "mode=raise")
    assert result.returncode == 1
    reason = "model 'echo-answer' raised on batch 3 (samples 3..3): RuntimeError: the GPU caught fire"
    assert f"evalscope: error: {reason}" in result.stderr
    assert f"ERROR - run failed: {reason}" in (tmp_path / "logs" / "eval_log.log").read_text()


def test_first_ctrl_c_lets_the_api_requests_in_flight_finish_and_stores_them(tmp_path):
    from evalscope_echo_quiz import QUESTIONS
    from openai_server import FakeOpenAIServer

    with FakeOpenAIServer(answers=dict(QUESTIONS)) as server:
        server.latency = 2.0  # long enough for the signal to arrive while both requests are at the server
        process = subprocess.Popen(
            [sys.executable, "-m", "evalscope", "--model", "qwen-test", "--api-url", server.base_url]
            + ["--datasets", "quiz", "--eval-batch-size", "2", "--work-dir", str(tmp_path), "--no-timestamp"],
            env={**os.environ, "EVALSCOPE_API_KEY": "EMPTY"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        while server.stats.requests < 2:
            assert process.poll() is None, process.communicate()
            time.sleep(0.01)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=300)

        assert process.returncode == 130 and FIRST_PRESS in stderr
        assert server.stats.requests == 2  # no request was started after Ctrl-C
    assert len(sample_ids(tmp_path / "predictions" / "qwen-test" / "quiz_main.jsonl")) == 2  # both answers kept
