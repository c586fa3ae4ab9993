"""Run state belongs to the run: its plugins, its log file and the log level."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest

from evalscope import TaskConfig, run_task
from evalscope.errors import ConfigError
from evalscope.models import CustomModel
from evalscope.plugins import get_plugins, load_plugins
from evalscope.utils.logger import LOGGER_NAME, get_logger


class Named(CustomModel):
    """Answers every question "2". On each batch: waits at ``meet`` when given (a barrier both runs reach, so
    they are surely in flight together), then logs ``answering as NAME`` and, at debug level, the batch's size."""

    def __init__(self, name: str, meet: threading.Barrier | None = None) -> None:
        super().__init__(config={"model_id": name})
        self.name, self.meet = name, meet

    def predict(self, prompts, **kwargs):
        """One answer per prompt."""
        if self.meet is not None:
            self.meet.wait(timeout=60)
        get_logger().info(f"answering as {self.name}")
        get_logger().debug(f"{self.name}: a batch of {len(prompts)}")
        return [{"choices": [{"message": {"role": "assistant", "content": "2"}}]} for _ in prompts]


def quiz(model: Named, work_dir: Path, **options) -> TaskConfig:
    fields = {"datasets": ["quiz"], "eval_batch_size": 5, "work_dir": str(work_dir), "no_timestamp": True, **options}
    return TaskConfig(model=model, **fields)


def test_two_runs_at_once_in_two_threads_each_log_only_their_own_records(tmp_path):
    meet = threading.Barrier(2)
    failures: list[BaseException] = []

    def run(name: str) -> None:
        try:
            run_task(quiz(Named(name, meet), tmp_path / name, ignore_errors=True))
        except BaseException as exc:  # reported by the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(name,)) for name in ("alpha", "beta")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    for name, other in (("alpha", "beta"), ("beta", "alpha")):
        log = (tmp_path / name / "logs" / "eval_log.log").read_text("utf-8")
        assert f"answering as {name}" in log and f"evaluating '{name}' on quiz" in log
        assert other not in log


def test_a_run_restores_the_log_level_it_found(tmp_path):
    logger = logging.getLogger(LOGGER_NAME)
    logger.setLevel(logging.WARNING)
    run_task(quiz(Named("alpha"), tmp_path / "debug", debug=True, ignore_errors=True))
    assert "DEBUG - alpha: a batch of 5" in (tmp_path / "debug" / "logs" / "eval_log.log").read_text("utf-8")
    assert logger.level == logging.WARNING
    with pytest.raises(ConfigError):
        run_task(quiz(Named("alpha"), tmp_path / "failed", debug=True, datasets=["no-such-benchmark"]))
    assert logger.level == logging.WARNING


def test_a_run_loads_its_own_plugins_with_the_selection_of_its_start(tmp_path, monkeypatch):
    assert "quiz" in get_plugins().benchmarks  # the process's plugins, loaded before
    monkeypatch.setenv("EVALSCOPE_LOAD_PLUGINS", "evalscope-general")  # a selection without the quiz's plugin
    with pytest.raises(ConfigError, match="'quiz'"):
        run_task(quiz(Named("alpha"), tmp_path))


def test_runs_in_one_process_each_have_the_plugins_they_are_given(tmp_path, counting_benchmark, run_plugins):
    counting_benchmark(3)  # added to run_plugins only
    config = quiz(Named("alpha"), tmp_path / "with", datasets=["counting"], ignore_errors=True)
    assert run_task(config, plugins=run_plugins)["counting"]["metrics"][0]["num"] == 3
    assert "counting" not in get_plugins().benchmarks and "counting" not in load_plugins().benchmarks
    with pytest.raises(ConfigError, match="'counting'"):
        run_task(quiz(Named("alpha"), tmp_path / "without", datasets=["counting"]))
    only_builtins = load_plugins(select=())
    assert "quiz" not in only_builtins.benchmarks and "exact_match" in only_builtins.scorers
    with pytest.raises(ConfigError, match="'quiz'"):
        run_task(quiz(Named("alpha"), tmp_path / "builtins"), plugins=only_builtins)
    assert "quiz" in load_plugins(select=["evalscope-echo-quiz"]).benchmarks
