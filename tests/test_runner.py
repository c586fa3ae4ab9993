"""The runner: outputs on disk, clear errors for broken models, and runs that survive a crash."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from run_folders import read_jsonl, wait_for_lines

from evalscope import TaskConfig, run_task
from evalscope.errors import ConfigError, ModelError
from evalscope.models import CustomModel

QUIZ = ["--model-plugin", "echo-answer", "--datasets", "quiz", "--no-timestamp"]


def last_line(text: str) -> str:
    return text.strip().splitlines()[-1]


class Counting(CustomModel):
    """Answers every prompt with its target; counts the prompts it was asked."""

    asked: list[str] = []

    def predict(self, prompts, **kwargs):
        Counting.asked.extend(item["index"] for item in kwargs["origin_inputs"])
        # The benchmark's default (greedy), overridden key by key by generation_config, and the run's seed.
        assert kwargs["infer_cfg"] == {"do_sample": False, "temperature": 0.0, "seed": 42}
        return [
            {"choices": [{"index": 0, "message": {"role": "assistant", "content": item["raw"]["a"]}}]}
            for item in kwargs["origin_inputs"]
        ]


def test_run_task_returns_reports_and_writes_the_run_folder(tmp_path):
    Counting.asked = []
    results = run_task(
        TaskConfig(
            model=Counting(),
            model_id="counting",
            datasets=["quiz"],
            eval_type="custom",
            eval_batch_size=2,
            generation_config={"temperature": 0.0},
            work_dir=str(tmp_path),
        )
    )
    assert results["quiz"]["score"] == 1.0
    assert sorted(Counting.asked) == ["0", "1", "2", "3", "4"]
    [run_dir] = list(tmp_path.iterdir())
    assert (run_dir / "logs" / "eval_log.log").is_file()
    config = yaml.safe_load((run_dir / "configs" / "task_config.yaml").read_text())
    assert config["model_id"] == "counting" and config["model"] == "<Counting instance>"
    reviews = read_jsonl(run_dir / "reviews" / "counting" / "quiz_main.jsonl")
    assert [review["sample_id"] for review in reviews] == ["0", "1", "2", "3", "4"]
    assert all(review["correct"] for review in reviews)
    report = json.loads((run_dir / "reports" / "counting" / "quiz.json").read_text())
    assert report == results["quiz"]
    assert {"name", "model_name", "dataset_name", "score", "metrics"} <= set(report)
    assert report["metrics"][0]["name"] == "AverageAccuracy" and report["metrics"][0]["num"] == 5


def test_batches_have_eval_batch_size_prompts(tmp_path):
    sizes = []

    class Recording(Counting):
        def predict(self, prompts, **kwargs):
            sizes.append(len(prompts))
            assert [p["data"] for p in prompts] == [o["data"] for o in kwargs["origin_inputs"]]
            return super().predict(prompts, **kwargs)

    run_task(
        model=Recording(),
        datasets=["quiz"],
        eval_batch_size=2,
        generation_config={"temperature": 0.0},
        work_dir=str(tmp_path),
    )
    assert sizes == [2, 2, 1]


def test_limit_takes_a_count_or_a_fraction(tmp_path):
    by_count = run_task(
        model=Counting(), datasets=["quiz"], limit=2, work_dir=str(tmp_path), generation_config={"temperature": 0.0}
    )
    by_fraction = run_task(
        model=Counting(), datasets=["quiz"], limit=0.5, work_dir=str(tmp_path), generation_config={"temperature": 0.0}
    )
    assert by_count["quiz"]["metrics"][0]["num"] == 2
    assert by_fraction["quiz"]["metrics"][0]["num"] == 3  # half of 5, rounded up


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"datasets": ["quiz"], "eval_batch_sise": 2},
            "unknown option 'eval_batch_sise'; did you mean 'eval_batch_size'?",
        ),
        ({"datasets": ["quiz"], "limit": 0}, "option 'limit': must be at least 1"),
        ({"datasets": ["quiz"], "limit": 1.5}, "option 'limit': must be a whole number of samples"),
        ({"datasets": ["quiz"], "eval_batch_size": 0}, "option 'eval_batch_size'"),
    ],
)
def test_bad_config_is_one_line_naming_the_option(options, message):
    with pytest.raises(ConfigError) as caught:
        TaskConfig(**options)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_config_loads_from_yaml_and_json_files(tmp_path):
    (tmp_path / "task.yaml").write_text("model_plugin: echo-answer\ndatasets: [quiz]\nlimit: 3\n")
    (tmp_path / "task.json").write_text(json.dumps({"model_plugin": "echo-answer", "datasets": ["quiz"]}))
    assert TaskConfig.load(tmp_path / "task.yaml").limit == 3
    assert TaskConfig.load(str(tmp_path / "task.json")).eval_type == "plugin"
    (tmp_path / "bad.yaml").write_text("datasetz: [quiz]\n")
    with pytest.raises(ConfigError, match="did you mean 'datasets'"):
        TaskConfig.load(tmp_path / "bad.yaml")
    (tmp_path / "broken.yaml").write_text("datasets: [quiz\nlimit: 3\n")
    with pytest.raises(ConfigError) as caught:
        TaskConfig.load(tmp_path / "broken.yaml")
    assert str(caught.value).startswith(f"task config file {tmp_path / 'broken.yaml'}:2:6: ")
    assert "\n" not in str(caught.value)
    (tmp_path / "broken.json").write_text('{"datasets": ["quiz",]}')
    with pytest.raises(ConfigError, match=r"broken.json:1:22: Expecting value"):
        TaskConfig.load(tmp_path / "broken.json")


def test_cli_reads_a_config_file_and_flags_override_it(run_cli, tmp_path):
    (tmp_path / "task.yaml").write_text(
        f"model_plugin: echo-answer\ndatasets: [quiz]\nlimit: 1\nwork_dir: {tmp_path}\n"
    )
    result = run_cli("--config", str(tmp_path / "task.yaml"), "--limit", "4", "--no-timestamp")
    assert result.returncode == 0, result.stderr
    assert json.loads((tmp_path / "reports" / "echo-answer" / "quiz.json").read_text())["metrics"][0]["num"] == 4


def test_api_key_is_redacted_in_the_saved_config():
    config = TaskConfig(model="m", api_url="http://127.0.0.1:1/v1", api_key="sk-very-secret", datasets=["quiz"])
    assert config.safe_dict()["api_key"] == "***"
    assert "sk-very-secret" not in json.dumps(config.safe_dict())


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("short", "model 'echo-answer' returned 1 responses for 2 prompts on batch 0 (samples 0..1)"),
        ("int-content", "model 'echo-answer' response 0 of batch 0 (samples 0..1): choices[0].message.content is int"),
        ("raise", "model 'echo-answer' raised on batch 1 (samples 2..3): RuntimeError: the GPU caught fire"),
    ],
)
def test_malformed_model_answer_stops_with_one_line(run_cli, tmp_path, mode, message):
    args = [*QUIZ, "--work-dir", str(tmp_path), "--eval-batch-size", "2", "--model-args", f"mode={mode}"]
    result = run_cli(*args)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    hint = f"evalscope: finished predictions are kept in {tmp_path}; resume with --use-cache {tmp_path}"
    if mode == "raise":  # batch 0 had finished: the hint follows the error
        error = lines[-2]
        assert lines[-1] == hint
    else:  # nothing had finished: no hint
        error = lines[-1]
        assert "resume with" not in result.stderr
    assert error.startswith("evalscope: error: ") and message in error

    debug = run_cli(*args, "--debug")
    assert debug.returncode == 1
    assert "Traceback" in debug.stderr


def test_ignore_errors_records_failed_samples_and_goes_on(run_cli, tmp_path):
    result = run_cli(*QUIZ, "--work-dir", str(tmp_path), "--model-args", "mode=raise", "--ignore-errors")
    assert result.returncode == 0, result.stderr
    predictions = {p["sample_id"]: p for p in read_jsonl(tmp_path / "predictions" / "echo-answer" / "quiz_main.jsonl")}
    assert "the GPU caught fire" in predictions["3"]["error"]
    assert predictions["2"]["error"] is None
    report = json.loads((tmp_path / "reports" / "echo-answer" / "quiz.json").read_text())
    assert report["errors"] == 1
    assert report["metrics"][0]["num"] == 4  # failed samples are counted apart, not scored
    assert report["score"] == pytest.approx(3 / 4)


def test_cached_predictions_are_reused_only_for_the_same_config(run_cli, tmp_path):
    log = tmp_path / "asked.log"
    env = {"ECHO_QUIZ_LOG": str(log)}
    out = tmp_path / "run"
    assert run_cli(*QUIZ, "--work-dir", str(out), env=env).returncode == 0
    assert len(log.read_text().split()) == 5
    assert run_cli(*QUIZ, "--work-dir", str(out), "--use-cache", str(out), env=env).returncode == 0
    assert len(log.read_text().split()) == 5  # nothing asked again
    changed = run_cli(
        *QUIZ, "--work-dir", str(out), "--use-cache", str(out), "--generation-config", "temperature=0.7", env=env
    )
    assert changed.returncode == 0
    assert len(log.read_text().split()) == 10  # a new generation config is a new prediction


def start_slow_run(out: Path, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "evalscope", *QUIZ, "--work-dir", str(out), "--model-args", "delay=0.3"],
        env={**os.environ, "ECHO_QUIZ_LOG": str(log)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_sigkilled_run_resumes_without_asking_again_and_reports_the_same(run_cli, tmp_path):
    reference = tmp_path / "reference"
    assert run_cli(*QUIZ, "--work-dir", str(reference)).returncode == 0

    out, log = tmp_path / "killed", tmp_path / "asked.log"
    process = start_slow_run(out, log)
    predictions = out / "predictions" / "echo-answer" / "quiz_main.jsonl"
    wait_for_lines(predictions, 2)
    process.send_signal(signal.SIGKILL)
    process.wait()
    finished = {p["sample_id"] for p in read_jsonl(predictions)}
    assert 2 <= len(finished) < 5
    asked_before_kill = len(log.read_text().split())

    resumed = run_cli(
        *QUIZ,
        "--work-dir",
        str(out),
        "--use-cache",
        str(out),
        "--model-args",
        "delay=0.3",
        env={"ECHO_QUIZ_LOG": str(log)},
    )
    assert resumed.returncode == 0, resumed.stderr
    asked_on_resume = log.read_text().split()[asked_before_kill:]
    assert sorted(asked_on_resume) == sorted({"0", "1", "2", "3", "4"} - finished)

    def report(folder: Path) -> dict:
        data = json.loads((folder / "reports" / "echo-answer" / "quiz.json").read_text())
        del data["provenance"]  # when and how each run went differs; the results must not
        return data

    assert report(out) == report(reference)


def test_a_line_cut_short_by_a_crash_is_dropped_on_resume(run_cli, tmp_path):
    assert run_cli(*QUIZ, "--work-dir", str(tmp_path)).returncode == 0
    predictions = tmp_path / "predictions" / "echo-answer" / "quiz_main.jsonl"
    text = predictions.read_text()
    predictions.write_text(text[: len(text) - 40])  # the last record loses its end
    log = tmp_path / "asked.log"
    result = run_cli(*QUIZ, "--work-dir", str(tmp_path), "--use-cache", str(tmp_path), env={"ECHO_QUIZ_LOG": str(log)})
    assert result.returncode == 0, result.stderr
    assert log.read_text().split() == ["4"]
    assert len(read_jsonl(predictions)) == 5


def test_ctrl_c_stops_cleanly_and_keeps_finished_predictions(tmp_path):
    out, log = tmp_path / "run", tmp_path / "asked.log"
    process = start_slow_run(out, log)
    predictions = out / "predictions" / "echo-answer" / "quiz_main.jsonl"
    wait_for_lines(predictions, 1)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130
    assert len(read_jsonl(predictions)) < 5
    assert "evalscope: interrupted" in stderr and "Traceback" not in stderr
    assert f"resume with --use-cache {out}" in stderr
    assert len(read_jsonl(predictions)) >= 1


def test_model_error_from_python_is_a_model_error(tmp_path):
    class Wrong(CustomModel):
        def predict(self, prompts, **kwargs):
            return [{"choices": []} for _ in prompts]

    with pytest.raises(ModelError, match="response 0 of batch 0 .*'choices' is missing or empty"):
        run_task(model=Wrong(), model_id="wrong", datasets=["quiz"], work_dir=str(tmp_path))


def test_a_fresh_run_into_the_same_folder_does_not_reuse_old_predictions(run_cli, tmp_path):
    log = tmp_path / "asked.log"
    out = tmp_path / "run"
    for _ in range(2):
        assert run_cli(*QUIZ, "--work-dir", str(out), env={"ECHO_QUIZ_LOG": str(log)}).returncode == 0
    assert len(log.read_text().split()) == 10  # without --use-cache every sample is asked again
    assert len(read_jsonl(out / "predictions" / "echo-answer" / "quiz_main.jsonl")) == 5  # and the file starts anew


def test_different_model_args_are_a_different_model_for_the_cache(run_cli, tmp_path):
    log = tmp_path / "asked.log"
    env = {"ECHO_QUIZ_LOG": str(log)}
    out = tmp_path / "run"
    assert run_cli(*QUIZ, "--work-dir", str(out), "--model-args", "checkpoint=a", env=env).returncode == 0
    again = run_cli(*QUIZ, "--work-dir", str(out), "--use-cache", str(out), "--model-args", "checkpoint=b", env=env)
    assert again.returncode == 0
    assert len(log.read_text().split()) == 10


@pytest.mark.parametrize(
    ("flag", "make", "message"),
    [
        ("--use-cache", lambda p: p / "missing", "--use-cache: '{p}' does not exist"),
        ("--use-cache", lambda p: p, "--use-cache: '{p}' is not a run folder (it has no configs/task_config.yaml)"),
        ("--work-dir", lambda p: p / "file.txt", "--work-dir: cannot create the run folder '{p}': Not a directory"),
    ],
)
def test_unusable_folders_are_one_line_errors(run_cli, tmp_path, flag, make, message):
    (tmp_path / "file.txt").write_text("not a folder")
    target = make(tmp_path)
    extra = ["--work-dir", str(tmp_path / "out")] if flag == "--use-cache" else []
    result = run_cli(*QUIZ, *extra, flag, str(target))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [f"evalscope: error: {message.format(p=target)}"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--modle-plugin", "dummy"], "unrecognized arguments: --modle-plugin dummy (did you mean '--model-plugin'?)"),
        (["plugin"], "unrecognized arguments: plugin (did you mean 'plugins'?)"),
        (["--limi", "5"], "unrecognized arguments: --limi 5 (did you mean '--limit'?)"),
        (["--limit", "abc"], "argument --limit: expected a whole number or a fraction, got 'abc'"),
        (["--dataset-args", "{bad"], "argument --dataset-args: not valid JSON: Expecting property name"),
    ],
)
def test_bad_flags_are_one_line_errors_with_a_suggestion(run_cli, tmp_path, args, message):
    result = run_cli(*args, cwd=tmp_path)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"evalscope: error: {message}")


def test_a_plugin_model_receives_model_and_model_args_in_its_config(tmp_path):
    from evalscope.plugins import get_plugins
    from evalscope.run.runner import Runner

    runner = Runner(TaskConfig(model_plugin="echo-answer", model="ckpt-7b", model_args={"delay": 0}, datasets=["quiz"]))
    model = runner._build_model(get_plugins())
    assert model.config == {"model_id": "ckpt-7b", "model": "ckpt-7b", "delay": 0}


def test_a_secret_in_model_args_is_written_nowhere_even_when_the_model_quotes_it(run_cli, tmp_path):
    secret = "sk-quoted-LEAK-6624"
    model_args = json.dumps({"mode": "leak", "api_key": secret})
    ignored = run_cli(*QUIZ, "--work-dir", str(tmp_path / "ignored"), "--model-args", model_args, "--ignore-errors")
    assert ignored.returncode == 0, ignored.stderr
    debug = run_cli(*QUIZ, "--work-dir", str(tmp_path / "debug"), "--model-args", model_args, "--debug")
    assert debug.returncode == 1 and "Traceback" in debug.stderr and "auth failed for key ***" in debug.stderr
    for result in (ignored, debug):
        assert secret not in result.stdout + result.stderr
    files = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert any(path.parent.name == "echo-answer" and path.suffix == ".jsonl" for path in files)
    for path in files:
        assert secret not in path.read_text(), path


def test_a_bad_secret_value_is_not_echoed_in_the_error():
    with pytest.raises(ConfigError) as caught:
        TaskConfig(datasets=["quiz"], model="m", api_url="http://127.0.0.1:1/v1", api_key=12345678)
    assert "api_key" in str(caught.value) and "12345678" not in str(caught.value)


def test_a_run_whose_every_sample_failed_has_no_score(run_cli, tmp_path):
    result = run_cli(*QUIZ, "--work-dir", str(tmp_path), "--model-args", "mode=leak", "--ignore-errors")
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "reports" / "echo-answer" / "quiz.json").read_text())
    assert (report["score"], report["errors"], report["metrics"][0]["num"]) == (None, 5, 0)
    assert "| echo-answer | quiz    | AverageAccuracy | main   | 0   | n/a   | n/a" in result.stdout


def test_a_custom_model_whose_config_holds_objects_still_hits_the_cache(tmp_path):
    class WithTokenizer(Counting):
        def __init__(self):
            super().__init__(config={"tokenizer": object(), "path": Path("/models/x")})

    options = {
        "model_id": "tok",
        "datasets": ["quiz"],
        "work_dir": str(tmp_path),
        "no_timestamp": True,
        "generation_config": {"temperature": 0.0},
    }
    Counting.asked = []
    run_task(model=WithTokenizer(), **options)
    run_task(model=WithTokenizer(), use_cache=str(tmp_path), **options)  # a new instance, a new object inside
    assert sorted(Counting.asked) == ["0", "1", "2", "3", "4"]  # the second run asked nothing
