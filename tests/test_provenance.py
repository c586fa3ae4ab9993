"""Each report records its provenance: when, with which software, which model, which settings, and the counts."""

from __future__ import annotations

import json
import platform
from datetime import datetime
from importlib.metadata import version

import evalscope

SECRET = "sk-provenance-secret-9c2f"


def test_a_report_records_what_produced_it(run_cli, tmp_path):
    result = run_cli(
        *("--model-plugin", "echo-answer", "--datasets", "quiz", "--limit", "4", "--seed", "7"),
        *("--work-dir", str(tmp_path), "--no-timestamp"),
        *("--model-args", f"checkpoint=a,api_key={SECRET}", "--generation-config", "temperature=0.5"),
        *("--dataset-args", '{"quiz": {"system_prompt": "Be brief."}}'),
    )
    assert result.returncode == 0, result.stderr
    assert "Scoring errors" not in result.stdout  # the column shows only when the scorer failed somewhere
    report = tmp_path / "reports" / "echo-answer" / "quiz.json"
    assert SECRET not in report.read_text()
    quiz = json.loads(report.read_text())["provenance"]

    started, finished = datetime.fromisoformat(quiz["started_at"]), datetime.fromisoformat(quiz["finished_at"])
    assert started.utcoffset().total_seconds() == 0 and started <= finished
    # the times and the duration are each rounded to the millisecond, so they may differ by one
    assert abs(quiz["duration_s"] - (finished - started).total_seconds()) <= 0.0015
    assert quiz["evalscope"] == evalscope.__version__
    assert quiz["python"] == platform.python_version()
    plugins = {plugin["name"]: plugin for plugin in quiz["plugins"]}
    assert plugins["echo-quiz"] == {
        "name": "echo-quiz",
        "distribution": "evalscope-echo-quiz",
        "version": version("evalscope-echo-quiz"),
    }
    assert plugins["dummy"] == {
        "name": "dummy",
        "distribution": "evalscope-dummy-model",
        "version": version("evalscope-dummy-model"),
    }
    assert plugins["evalscope.builtins.models"]["distribution"] == "evalscope"
    assert quiz["model"] == {
        "model_id": "echo-answer",
        "eval_type": "plugin",
        "plugin": "echo-answer",
        "model": None,
        "api_mode": None,
        "model_args": {"checkpoint": "a", "api_key": "***"},
    }
    # the generation config as sent: the benchmark's defaults, overridden by the flag, with the run's seed
    assert quiz["generation_config"] == {"do_sample": False, "temperature": 0.5, "seed": 7}
    assert quiz["dataset_options"] == {
        "subset_list": None,
        "system_prompt": "Be brief.",
        "hf_token": None,
        "repeat_id": None,
    }
    assert (quiz["limit"], quiz["seed"], quiz["resumed_from"]) == (4, 7, None)
    assert quiz["counts"] == {"n": 4, "scored": 4, "errors": 0, "scoring_errors": 0, "truncated": 0}


def test_a_resumed_report_names_the_folder_it_resumed_and_counts_failures(run_cli, tmp_path):
    out = tmp_path / "run"
    args = ["--model-plugin", "echo-answer", "--datasets", "quiz", "--work-dir", str(out), "--no-timestamp"]
    assert run_cli(*args, "--model-args", "mode=raise", "--ignore-errors").returncode == 0
    failed = json.loads((out / "reports" / "echo-answer" / "quiz.json").read_text())["provenance"]
    assert failed["counts"] == {"n": 5, "scored": 4, "errors": 1, "scoring_errors": 0, "truncated": 0}

    assert run_cli("--use-cache", str(out), "--model-args", "{}").returncode == 0
    [resumed_dir] = [path for path in tmp_path.iterdir() if path != out]
    resumed = json.loads((resumed_dir / "reports" / "echo-answer" / "quiz.json").read_text())["provenance"]
    assert resumed["resumed_from"] == str(out)
    assert resumed["counts"] == {"n": 5, "scored": 5, "errors": 0, "scoring_errors": 0, "truncated": 0}


def test_dataset_options_are_recorded_as_used_with_their_defaults(run_cli, tmp_path):
    args = ["--model-plugin", "dummy", "--datasets", "gsm8k", "--limit", "2", "--work-dir", str(tmp_path)]
    result = run_cli(*args, "--no-timestamp", "--dataset-args", '{"gsm8k": {"few_shot_num": 2}}')
    assert result.returncode == 0, result.stderr
    options = json.loads((tmp_path / "reports" / "dummy" / "gsm8k.json").read_text())["provenance"]["dataset_options"]
    assert options["few_shot_num"] == 2
    assert (
        options["dataset_hub"] == "local" and options["few_shot_random"] is False
    )  # defaults, not only what was given


def test_the_counts_include_answers_that_hit_max_tokens(tmp_path):
    from evalscope_echo_quiz import QUESTIONS
    from openai_server import FakeOpenAIServer

    from evalscope import TaskConfig, run_task

    answers = {**dict(QUESTIONS), "Capital of France?": "Paris is the capital", "Sky colour?": "blue most days"}
    with FakeOpenAIServer(answers=answers) as server:
        config = TaskConfig(
            model="qwen-test",
            api_url=server.base_url,
            api_key="EMPTY",
            datasets=["quiz"],
            generation_config={"max_new_tokens": 2},
            work_dir=str(tmp_path),
        )
        report = run_task(config)["quiz"]
    assert report["provenance"]["counts"] == {"n": 5, "scored": 5, "errors": 0, "scoring_errors": 0, "truncated": 2}
    assert report["provenance"]["generation_config"]["max_new_tokens"] == 2
