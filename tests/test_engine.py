"""The managed engine (``evalscope.models.engine``) with a stand-in engine: the test OpenAI server run as a child.

The stand-in is ``tests/openai_server.py --until-terminated``, which, like a real engine, listens on
the port and key it is given, lists its model at ``GET /v1/models`` and serves until SIGTERM. The
llama.cpp tests (``test_llama_cpp.py``) run the same lifecycle with a real engine.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import pytest

from evalscope import TaskConfig, run_task
from evalscope.errors import ModelError
from evalscope.models.engine import EngineModel

SERVER = Path(__file__).parent / "openai_server.py"


class StandInEngine(EngineModel):
    """Serves ``model`` with the test server; ``script`` (engine setting) runs that Python code instead."""

    engine_name = "stand-in engine"

    def engine_command(self, port: int, api_key: str) -> list[str]:
        script = self.engine_settings.get("script")
        if script:
            return [sys.executable, "-c", script]
        latency = str(self.engine_settings.get("latency", 0))
        return [sys.executable, str(SERVER), "--port", str(port), "--api-key", api_key, "--echo"] + [
            "--model",
            self.config["model"],
            "--latency",
            latency,
            "--until-terminated",
        ]


def run(tmp_path: Path, model: EngineModel, plugins=None) -> dict:
    config = TaskConfig(
        model=model,
        model_id="stand-in",
        datasets=["quiz"],
        eval_type="custom",
        work_dir=str(tmp_path),
        no_timestamp=True,
    )
    return run_task(config, plugins=plugins)


def test_a_run_starts_the_engine_evaluates_through_it_and_stops_it(tmp_path):
    model = StandInEngine(config={"model": "stand-in-7b"})
    run(tmp_path, model)

    predictions = (tmp_path / "predictions" / "stand-in" / "quiz_main.jsonl").read_text(encoding="utf-8")
    assert predictions.count("\n") == 5 and "Capital of France?" in predictions  # the stand-in echoes
    assert model.engine.exit_code() is not None  # stopped
    log = (tmp_path / "logs" / "engine-0.log").read_text(encoding="utf-8")
    assert "READY http://127.0.0.1:" in log
    key = model.engine.api_key.encode()
    assert not [path for path in tmp_path.rglob("*") if path.is_file() and key in path.read_bytes()]


def test_the_engine_is_asked_through_the_api_model_of_the_runs_own_plugins(tmp_path, run_plugins, api_model_configs):
    model = StandInEngine(config={"model": "stand-in-7b"})
    run(tmp_path, model, plugins=run_plugins)
    assert [config["model"] for config in api_model_configs] == ["stand-in-7b"]
    assert api_model_configs[0]["api_url"] == [model.engine.base_url]


def test_each_run_gets_a_fresh_key_and_its_own_log(tmp_path):
    first, second = StandInEngine(config={"model": "m"}), StandInEngine(config={"model": "m"})
    run(tmp_path, first)
    run(tmp_path, second)

    assert first.engine.api_key != second.engine.api_key
    assert (tmp_path / "logs" / "engine-0.log").is_file() and (tmp_path / "logs" / "engine-1.log").is_file()


def test_an_engine_that_exits_at_start_fails_with_its_last_log_lines(tmp_path):
    script = "import sys; print('loading weights'); print('error: bad magic in model.gguf'); sys.exit(3)"
    with pytest.raises(ModelError) as failure:
        run(tmp_path, StandInEngine(config={"model": "m", "script": script}))

    log = tmp_path / "logs" / "engine-0.log"
    lines = str(failure.value).splitlines()
    assert lines[0] == f"stand-in engine exited with code 3 before it answered; see {log}"
    assert lines[-2:] == ["  loading weights", "  error: bad magic in model.gguf"]


def test_an_engine_that_never_answers_is_stopped_after_startup_timeout(tmp_path):
    model = StandInEngine(
        config={
            "model": "m",
            "startup_timeout": 0.5,
            "script": "import time; print('loading', flush=True); time.sleep(600)",
        }
    )
    with pytest.raises(ModelError, match=r"did not answer GET /v1/models within startup_timeout=0.5 s") as failure:
        run(tmp_path, model)

    assert str(failure.value).splitlines()[-1] == "  loading"
    eval_log = (tmp_path / "logs" / "eval_log.log").read_text(encoding="utf-8")
    assert f"waiting for stand-in engine to answer (0 s so far; its log: {tmp_path / 'logs' / 'engine-0.log'})" in (
        eval_log
    )  # the wait shows from its start
    assert model.engine.exit_code() is not None


def test_an_engine_that_dies_mid_run_stops_the_run_with_one_line_naming_its_log(tmp_path):
    model = StandInEngine(config={"model": "m", "latency": 0.5})
    predictions = tmp_path / "predictions" / "stand-in" / "quiz_main.jsonl"

    def kill_after_first_answer() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if predictions.is_file() and predictions.read_text(encoding="utf-8").count("\n") >= 1:
                model.engine.process.kill()
                return
            time.sleep(0.02)

    killer = threading.Thread(target=kill_after_first_answer)
    killer.start()
    with pytest.raises(ModelError) as failure:
        run(tmp_path, model)
    killer.join()

    assert str(failure.value) == (
        f"stand-in engine exited with code -9 during the run; see its log {tmp_path / 'logs' / 'engine-0.log'}"
    )
    assert predictions.read_text(encoding="utf-8").count("\n") >= 1  # what was answered is kept


def test_settings_the_managed_engine_makes_cannot_be_given(tmp_path):
    with pytest.raises(Exception, match="api_url is set by the managed engine"):
        StandInEngine(config={"model": "m", "api_url": "http://example.com/v1"})


def test_the_contract_kit_checks_an_engine_model_through_its_engine():
    from evalscope.testing import check_model

    model = StandInEngine(config={"model": "m"})
    check_model(model)

    assert model.engine.exit_code() is not None  # the kit's run stopped the engine


def test_the_contract_kit_reports_an_engine_that_does_not_start():
    from evalscope.testing import check_model

    script = "import sys; print('no such model'); sys.exit(2)"
    with pytest.raises(AssertionError, match=r"open_run\(run_folder\) raised ModelError: stand-in engine exited"):
        check_model(StandInEngine, {"model": "m", "script": script})


def test_replicas_each_get_requests_and_their_own_log_and_gpus(tmp_path):
    model = StandInEngine(config={"model": "m", "replicas": 2, "latency": 0.2})
    options = {"datasets": ["quiz"], "eval_type": "custom", "eval_batch_size": 2, "no_timestamp": True}
    report = run_task(TaskConfig(model=model, model_id="stand-in", work_dir=str(tmp_path), **options))["quiz"]

    served = []
    for n in (0, 1):
        log = (tmp_path / "logs" / f"engine-{n}.log").read_text(encoding="utf-8")
        served.append(int(log.split("SERVED requests=")[1].split()[0]))
    assert all(count >= 1 for count in served) and sum(served) >= 5
    answers = [endpoint.answers for endpoint in model.api.endpoints.all]
    assert answers[0] >= 1 and answers[1] >= 1 and sum(answers) == 5
    eval_log = (tmp_path / "logs" / "eval_log.log").read_text(encoding="utf-8")
    urls = [engine.base_url for engine in model.engines]
    shares = ", ".join(f"{url} {count} ({100 * count / 5:.0f}%)" for url, count in zip(urls, answers))
    assert f"answers per endpoint: {shares}" in eval_log
    assert report["provenance"]["endpoints"] == [
        {"url": url, "answers": count} for url, count in zip(urls, answers)
    ]  # the one dataset got every answer
    for engine in model.engines:
        assert f"ready on {engine.base_url} after" in eval_log and f"(its log: {engine.log_path.name})" in eval_log
    gpus = StandInEngine(config={"model": "m", "replicas": 2, "gpus_per_replica": 2})
    assert [gpus.replica_env(index) for index in (0, 1)] == [
        {"CUDA_VISIBLE_DEVICES": "0,1"},
        {"CUDA_VISIBLE_DEVICES": "2,3"},
    ]


def test_engine_keys_never_read_as_a_flag_on_the_engine_command_line(tmp_path):
    from evalscope.models.engine import ManagedEngine

    keys = {ManagedEngine("e", None, tmp_path / "log").api_key for _ in range(300)}
    assert len(keys) == 300
    assert all(len(key) >= 32 and not key.startswith("-") for key in keys)
