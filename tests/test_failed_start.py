"""A run that stops before its first answer (the start-up model check fails) leaves no run folder behind."""

from __future__ import annotations

import pytest
from openai_server import FakeOpenAIServer

from evalscope.config import TaskConfig
from evalscope.errors import ModelError
from evalscope.run.runner import run_task


@pytest.fixture
def counting(counting_benchmark):
    return counting_benchmark(3)


def task(server: FakeOpenAIServer, work_dir, **fields) -> TaskConfig:
    return TaskConfig(model="x", api_url=server.base_url, datasets=["counting"], work_dir=str(work_dir), **fields)


def files_under(root) -> set[str]:
    return {str(path.relative_to(root)) for path in root.rglob("*")}


def test_a_run_whose_model_is_not_served_leaves_no_run_folder(counting, run_plugins, tmp_path, run_cli):
    with FakeOpenAIServer(models=["other"]) as server:
        with pytest.raises(ModelError, match="model 'x' is not served"):
            run_task(task(server, tmp_path / "outputs"), plugins=run_plugins)
        with pytest.raises(ModelError, match="model 'x' is not served"):
            run_task(task(server, tmp_path / "named", no_timestamp=True), plugins=run_plugins)
    assert list((tmp_path / "outputs").iterdir()) == []
    assert not (tmp_path / "named").exists()


def test_a_folder_that_was_there_before_the_run_is_kept(counting, run_plugins, tmp_path):
    given = tmp_path / "given"
    given.mkdir()
    (given / "notes.txt").write_text("mine", encoding="utf-8")
    with FakeOpenAIServer(models=["other"]) as server, pytest.raises(ModelError):
        run_task(task(server, given, no_timestamp=True), plugins=run_plugins)
    assert (given / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert "logs/eval_log.log" in files_under(given)


def test_a_resumed_run_that_fails_its_model_check_keeps_its_folder(counting, run_plugins, tmp_path):
    out = tmp_path / "run"
    with FakeOpenAIServer(models=["x"]) as server:
        server.add_fault("status", match="counting 2", status=400)  # one sample is left to retry
        run_task(task(server, out, no_timestamp=True, ignore_errors=True), plugins=run_plugins)
    before = files_under(out)
    assert "predictions/x/counting_main.jsonl" in before
    with FakeOpenAIServer(models=["other"]) as server, pytest.raises(ModelError, match="model 'x' is not served"):
        run_task(TaskConfig(use_cache=str(out), api_url=server.base_url), plugins=run_plugins)
    assert before <= files_under(out)


def test_a_folder_holding_what_an_engine_wrote_is_kept(tmp_path):
    from evalscope.run.resume import RunFolder, remove_if_unused
    from evalscope.store.outputs import RunDir

    run_dir = RunDir.create(str(tmp_path / "run"), no_timestamp=True)
    (run_dir.root / "logs" / "engine-0.log").touch()  # named in the error the user reads
    assert not remove_if_unused(RunFolder(run_dir, run_dir.config_path, created=True))
    (run_dir.root / "logs" / "engine-0.log").unlink()
    run_dir.predictions_path("m", "counting", "main").touch()  # opened, nothing written
    assert remove_if_unused(RunFolder(run_dir, run_dir.config_path, created=True))
    assert not run_dir.root.exists()
