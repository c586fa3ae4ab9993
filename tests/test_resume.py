"""Resuming a run folder: ``--use-cache RUN_DIR`` alone is enough, and a resume never overwrites a finished result."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from evalscope_echo_quiz import QUESTIONS
from openai_server import FakeOpenAIServer
from run_folders import read_jsonl

from evalscope import TaskConfig, run_task
from evalscope.errors import ConfigError
from evalscope.models import CustomModel

QUIZ = ["--model-plugin", "echo-answer", "--datasets", "quiz", "--no-timestamp"]


def drop_last_predictions(run_dir: Path, count: int) -> None:
    """Leave the run folder as a run stopped ``count`` samples before the end would."""
    predictions = run_dir / "predictions" / "echo-answer" / "quiz_main.jsonl"
    lines = predictions.read_text().splitlines(keepends=True)
    predictions.write_text("".join(lines[:-count]))


def folder_bytes(run_dir: Path, *kinds: str) -> dict[str, bytes]:
    return {
        str(path.relative_to(run_dir)): path.read_bytes()
        for kind in kinds
        for path in sorted((run_dir / kind).rglob("*"))
        if path.is_file()
    }


def test_use_cache_alone_resumes_from_the_saved_config(run_cli, tmp_path):
    out, log = tmp_path / "run", tmp_path / "asked.log"
    first = run_cli(*QUIZ, "--work-dir", str(out), "--eval-batch-size", "2", "--limit", "4")
    assert first.returncode == 0, first.stderr
    saved_config = (out / "configs" / "task_config.yaml").read_bytes()
    drop_last_predictions(out, 2)

    resumed = run_cli("--use-cache", str(out), "--eval-batch-size", "1", env={"ECHO_QUIZ_LOG": str(log)})

    assert resumed.returncode == 0, resumed.stderr
    assert sorted(log.read_text().split()) == ["2", "3"]  # only the two missing samples, with the saved limit
    report = json.loads((out / "reports" / "echo-answer" / "quiz.json").read_text())
    assert report["metrics"][0]["num"] == 4 and report["score"] == 0.5
    assert (out / "configs" / "task_config.yaml").read_bytes() == saved_config  # the original config is kept
    resume_config = (out / "configs" / "task_config.resume-1.yaml").read_text()
    assert "eval_batch_size: 1" in resume_config and f"use_cache: {out}" in resume_config
    assert sorted(path.name for path in tmp_path.iterdir()) == ["asked.log", "run"]  # no new folder

    again = run_cli("--use-cache", str(out))
    assert again.returncode == 0, again.stderr
    assert (out / "configs" / "task_config.resume-2.yaml").is_file()  # each resume's config is kept


def test_a_resume_that_changes_the_limit_writes_a_new_folder_and_keeps_the_full_report(run_cli, tmp_path):
    out, log = tmp_path / "run", tmp_path / "asked.log"
    assert run_cli(*QUIZ, "--work-dir", str(out)).returncode == 0
    before = folder_bytes(out, "configs", "reports", "reviews", "predictions")

    resumed = run_cli("--use-cache", str(out), "--limit", "3", env={"ECHO_QUIZ_LOG": str(log)})

    assert resumed.returncode == 0, resumed.stderr
    assert folder_bytes(out, "configs", "reports", "reviews", "predictions") == before
    [new] = [path for path in tmp_path.iterdir() if path.name not in ("run", "asked.log")]
    assert not log.exists()  # the three samples came from the old folder's predictions
    report = json.loads((new / "reports" / "echo-answer" / "quiz.json").read_text())
    assert report["metrics"][0]["num"] == 3
    assert [p["sample_id"] for p in read_jsonl(new / "predictions" / "echo-answer" / "quiz_main.jsonl")] == [
        "0",
        "1",
        "2",
    ]
    notice = f"(limit), so it writes a new run folder {new}, reusing the matching predictions; {out} is left"
    assert notice in resumed.stdout
    assert notice in (new / "logs" / "eval_log.log").read_text()
    assert f"use_cache: {out}" in (new / "configs" / "task_config.yaml").read_text()

    # The new folder resumes like any other: the same evaluation continues in it.
    again = run_cli("--use-cache", str(new), env={"ECHO_QUIZ_LOG": str(log)})
    assert again.returncode == 0, again.stderr
    assert not log.exists() and (new / "configs" / "task_config.resume-1.yaml").is_file()


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (["--model-args", "checkpoint=b"], "model"),
        (["--generation-config", "temperature=0.5"], "generation_config"),
        (["--dataset-args", '{"quiz": {"system_prompt": "Be brief."}}'], "dataset_args"),
        (["--seed", "7"], "seed"),
    ],
)
def test_any_change_to_what_is_evaluated_goes_to_a_new_folder(run_cli, tmp_path, change, named):
    out = tmp_path / "run"
    assert run_cli(*QUIZ, "--work-dir", str(out), "--model-args", "checkpoint=a").returncode == 0
    before = folder_bytes(out, "configs", "reports", "reviews", "predictions")
    resumed = run_cli("--use-cache", str(out), *change)
    assert resumed.returncode == 0, resumed.stderr
    assert f"evaluated ({named})" in resumed.stdout
    assert folder_bytes(out, "configs", "reports", "reviews", "predictions") == before
    assert len(list(tmp_path.iterdir())) == 2


def test_use_cache_alone_takes_the_api_key_from_the_environment_and_never_saves_it(run_cli, tmp_path):
    key = "sk-resume-secret-4d1e"
    with FakeOpenAIServer(answers=dict(QUESTIONS), api_key=key) as server:
        server.add_fault("status", match="3*3?", times=None, status=500)
        args = ["--model", "qwen-test", "--api-url", server.base_url, "--datasets", "quiz", "--retries", "0"]
        first = run_cli(*args, "--work-dir", str(tmp_path), "--no-timestamp", "--api-key", key)
        assert first.returncode == 1
        server.faults.clear()
        before = server.stats.requests

        resumed = run_cli("--use-cache", str(tmp_path), env={"EVALSCOPE_API_KEY": key, "OPENAI_API_KEY": ""})

        assert resumed.returncode == 0, resumed.stderr
        assert server.stats.requests - before == 1
        assert server.stats.auth[-1] == f"Bearer {key}"
    for path in tmp_path.rglob("*"):
        assert not path.is_file() or key.encode() not in path.read_bytes(), path


class Echo(CustomModel):
    """Answers every prompt with its target; records the sample ids it was asked."""

    asked: list[str] = []

    def predict(self, prompts, **kwargs):
        Echo.asked.extend(item["index"] for item in kwargs["origin_inputs"])
        return [
            {"choices": [{"index": 0, "message": {"role": "assistant", "content": item["raw"]["a"]}}]}
            for item in kwargs["origin_inputs"]
        ]


def test_a_custom_model_resumes_from_python_and_the_cli_says_it_cannot_rebuild_it(run_cli, tmp_path):
    Echo.asked = []
    run_task(TaskConfig(model=Echo(), model_id="echo", datasets=["quiz"], work_dir=str(tmp_path), no_timestamp=True))
    assert len(Echo.asked) == 5

    reports = run_task(TaskConfig(use_cache=str(tmp_path), model=Echo()))
    assert reports["quiz"]["score"] == 1.0 and len(Echo.asked) == 5  # nothing asked again

    with pytest.raises(ConfigError, match="is a run of a custom model \\(<Echo instance>\\), which cannot be rebuilt"):
        run_task(TaskConfig(use_cache=str(tmp_path)))
    result = run_cli("--use-cache", str(tmp_path))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"evalscope: error: --use-cache: {str(tmp_path)!r} is a run of a custom model (<Echo instance>), which cannot "
        f"be rebuilt from the folder; from Python, pass the model again: "
        f"run_task(TaskConfig(use_cache={str(tmp_path)!r}, model=<your model>))"
    ]


def test_a_resume_with_another_model_plugin_names_the_outputs_after_it(run_cli, tmp_path):
    out = tmp_path / "run"
    assert run_cli(*QUIZ, "--work-dir", str(out)).returncode == 0
    resumed = run_cli("--use-cache", str(out), "--model-plugin", "dummy")
    assert resumed.returncode == 0, resumed.stderr
    [new] = [path for path in tmp_path.iterdir() if path != out]
    assert [path.name for path in (new / "reports").iterdir()] == ["dummy"]  # not the old model's id
    assert "| dummy | quiz" in resumed.stdout


def test_an_api_server_that_moved_keeps_its_cache_and_its_folder(run_cli, tmp_path):
    answers = dict(QUESTIONS)
    with FakeOpenAIServer(answers=answers) as old_server, FakeOpenAIServer(answers=answers) as new_server:
        old_server.add_fault("status", match="3*3?", times=None, status=500)
        args = ["--model", "qwen-test", "--eval-type", "openai_api", "--datasets", "quiz", "--retries", "0"]
        first = run_cli(*args, "--api-url", old_server.base_url, "--work-dir", str(tmp_path), "--no-timestamp")
        assert first.returncode == 1

        resumed = run_cli("--use-cache", str(tmp_path), "--api-url", new_server.base_url)

        assert resumed.returncode == 0, resumed.stderr
        assert new_server.stats.requests == 1  # only the failed sample
    assert (tmp_path / "configs" / "task_config.resume-1.yaml").is_file()
    assert "a new run folder" not in resumed.stdout


def test_a_folder_without_a_record_of_what_it_evaluated_is_never_overwritten(run_cli, tmp_path):
    out = tmp_path / "run"
    assert run_cli(*QUIZ, "--work-dir", str(out)).returncode == 0
    (out / "configs" / "evaluated.json").unlink()  # as in a folder written before the record existed
    before = folder_bytes(out, "configs", "reports", "reviews", "predictions")
    resumed = run_cli("--use-cache", str(out))
    assert resumed.returncode == 0, resumed.stderr
    assert f"{out} has no record of what it evaluated (configs/evaluated.json), so it writes" in resumed.stdout
    assert folder_bytes(out, "configs", "reports", "reviews", "predictions") == before


def test_a_secret_in_model_args_is_not_saved_and_the_resume_asks_for_it_again(run_cli, tmp_path):
    secret = "sk-model-args-secret-77aa"
    assert run_cli(*QUIZ, "--work-dir", str(tmp_path), "--model-args", f"api_key={secret},checkpoint=a").returncode == 0
    refused = run_cli("--use-cache", str(tmp_path))
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines() == [
        f"evalscope: error: --use-cache: model_args.api_key not saved in {str(tmp_path)!r} (secrets never are); "
        "give --model-args again in full"
    ]
    given = run_cli("--use-cache", str(tmp_path), "--model-args", f"api_key={secret},checkpoint=a")
    assert given.returncode == 0, given.stderr
    assert (tmp_path / "configs" / "task_config.resume-1.yaml").is_file()  # the same evaluation, the same folder
    assert all(secret.encode() not in path.read_bytes() for path in tmp_path.rglob("*") if path.is_file())
