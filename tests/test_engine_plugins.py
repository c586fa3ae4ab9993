"""The vllm and sglang model plugins, with a stand-in engine (``stand_in_engine.py``): no GPU here.

The plugins are installed into a temporary folder as a user's would be (``dist-info`` with entry
points); the stand-in is a ``vllm`` executable on ``PATH`` and a ``sglang.launch_server`` module on
``PYTHONPATH``, which record their command line and serve the test OpenAI server.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from plugin_site import install_into

ROOT = Path(__file__).parent.parent
TESTS = Path(__file__).parent
STAND_IN = f"import sys\nsys.path.insert(0, {str(TESTS)!r})\nfrom stand_in_engine import main\nmain(sys.argv[1:])\n"


@pytest.fixture
def engines(tmp_path) -> dict:
    """Environment variables that install both plugins and put the stand-in engines in reach."""
    site, bin_dir = tmp_path / "site", tmp_path / "bin"
    site.mkdir()
    bin_dir.mkdir()
    for plugin in ("vllm", "sglang"):
        install_into(site, ROOT / "plugins" / plugin)
    vllm = bin_dir / "vllm"
    vllm.write_text(f"#!{sys.executable}\n{STAND_IN}")
    vllm.chmod(0o755)
    (site / "sglang").mkdir()
    (site / "sglang" / "__init__.py").write_text("")
    (site / "sglang" / "launch_server.py").write_text(STAND_IN)
    return {
        "PYTHONPATH": os.pathsep.join([str(site), os.environ["PYTHONPATH"]]),
        "PATH": os.pathsep.join([str(bin_dir), os.environ["PATH"]]),
        "STAND_IN_ARGV": str(tmp_path / "argv.jsonl"),
    }


def recorded_argv(env: dict) -> list[list[str]]:
    return [json.loads(line) for line in Path(env["STAND_IN_ARGV"]).read_text().splitlines()]


def processes_with(text: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and text.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


@pytest.mark.parametrize(
    ("plugin", "model_args", "expected"),
    [
        (
            "vllm",
            {"tensor_parallel_size": 2, "enforce_eager": True, "quantization": None},
            ["serve", "Qwen/Qwen2.5-7B-Instruct", "--host", "127.0.0.1", "--port", "PORT", "--api-key", "KEY"]
            + ["--tensor-parallel-size", "2", "--enforce-eager"],
        ),
        (
            "sglang",
            {"tp_size": 2, "mem_fraction_static": 0.8},
            ["--model-path", "Qwen/Qwen2.5-7B-Instruct", "--host", "127.0.0.1", "--port", "PORT", "--api-key", "KEY"]
            + ["--tp-size", "2", "--mem-fraction-static", "0.8"],
        ),
    ],
)
def test_the_engine_runs_with_the_model_args_as_flags_and_stops_with_the_run(
    engines, tmp_path, run_cli, plugin, model_args, expected
):
    work = tmp_path / "out"
    result = run_cli(
        *("--model-plugin", plugin, "--model", "Qwen/Qwen2.5-7B-Instruct", "--model-args", json.dumps(model_args)),
        *("--datasets", "quiz", "--work-dir", str(work), "--no-timestamp"),
        env=engines,
    )

    assert result.returncode == 0, result.stderr
    (argv,) = recorded_argv(engines)
    port, key = argv[argv.index("--port") + 1], argv[argv.index("--api-key") + 1]
    assert [{port: "PORT", key: "KEY"}.get(part, part) for part in argv] == expected
    predictions = (work / "predictions" / "Qwen_Qwen2.5-7B-Instruct" / "quiz_main.jsonl").read_text(encoding="utf-8")
    assert predictions.count("\n") == 5 and "Capital of France?" in predictions  # answered by the stand-in
    assert (work / "logs" / "engine-0.log").is_file()
    assert processes_with(key) == []  # stopped
    assert not [path for path in work.rglob("*") if path.is_file() and key.encode() in path.read_bytes()]


def test_each_replica_runs_with_its_own_gpus(engines, tmp_path, run_cli):
    work = tmp_path / "out"
    result = run_cli(
        *("--model-plugin", "vllm", "--model", "m", "--model-args", '{"replicas": 2, "gpus_per_replica": 2}'),
        *("--datasets", "quiz", "--work-dir", str(work), "--no-timestamp"),
        env=engines,
    )

    assert result.returncode == 0, result.stderr
    logs = [(work / "logs" / f"engine-{n}.log").read_text(encoding="utf-8") for n in (0, 1)]
    assert "CUDA_VISIBLE_DEVICES=0,1\n" in logs[0] and "CUDA_VISIBLE_DEVICES=2,3\n" in logs[1]
    assert all("--gpus-per-replica" not in argv and "--replicas" not in argv for argv in recorded_argv(engines))


def test_the_processes_the_engine_started_stop_with_it(engines, tmp_path, run_cli):
    marker = f"stand-in-worker-{uuid.uuid4().hex}"
    result = run_cli(
        *("--model-plugin", "vllm", "--model", "m", "--datasets", "quiz"),
        *("--work-dir", str(tmp_path / "out"), "--no-timestamp"),
        env={**engines, "STAND_IN_CHILD": marker},
    )

    left = processes_with(marker)
    for pid in left:  # leave the machine as it was, whatever the outcome
        os.kill(pid, signal.SIGKILL)
    assert result.returncode == 0, result.stderr
    assert left == []  # the engine's worker did not outlive it


def test_ctrl_c_in_the_terminal_reaches_evalscope_which_finishes_the_batch_before_it_stops_the_engine(
    engines, tmp_path
):
    work = tmp_path / "out"
    predictions = work / "predictions" / "m" / "quiz_main.jsonl"
    command = [sys.executable, "-m", "evalscope", "--model-plugin", "vllm", "--model", "m", "--datasets", "quiz"]
    process = subprocess.Popen(
        [*command, "--eval-batch-size", "2", "--work-dir", str(work), "--no-timestamp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **engines, "STAND_IN_LATENCY": "1"},
        start_new_session=True,  # evalscope leads a process group, as a command run in a terminal does
    )
    while not (predictions.is_file() and predictions.read_text(encoding="utf-8")) and process.poll() is None:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGINT)  # the terminal sends Ctrl-C to its foreground process group
    _, stderr = process.communicate(timeout=300)

    assert process.returncode == 130, stderr
    assert "stopped by Ctrl-C after the batch in hand" in (work / "logs" / "eval_log.log").read_text(encoding="utf-8")
    records = [json.loads(line) for line in predictions.read_text(encoding="utf-8").splitlines()]
    assert len(records) >= 3 and all(record["error"] is None for record in records)  # the batch in hand finished
    assert "exited" not in stderr


def test_eval_batch_size_requests_are_in_flight_at_once_on_the_engine(engines, tmp_path, run_cli):
    work = tmp_path / "out"
    result = run_cli(
        *("--model-plugin", "vllm", "--model", "Qwen/Qwen2.5-7B-Instruct", "--datasets", "quiz"),
        *("--eval-batch-size", "4", "--work-dir", str(work), "--no-timestamp"),
        env={**engines, "STAND_IN_LATENCY": "0.5"},
    )

    assert result.returncode == 0, result.stderr
    engine_log = (work / "logs" / "engine-0.log").read_text(encoding="utf-8")
    assert "SERVED requests=5 max_in_flight=4" in engine_log  # the 5 quiz prompts, 4 at a time


def test_an_engine_model_given_as_an_object_gets_the_runs_concurrency(engines, tmp_path):
    work = tmp_path / "out"
    script = (
        "from evalscope import TaskConfig, run_task\n"
        "from evalscope_vllm.model import VLLMModel\n"
        "model = VLLMModel(config={'model': 'Qwen/Qwen2.5-7B-Instruct'})\n"
        f"run_task(TaskConfig(model=model, datasets=['quiz'], eval_batch_size=4, work_dir={str(work)!r}, "
        "no_timestamp=True))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={**os.environ, **engines, "STAND_IN_LATENCY": "0.5"},
        timeout=300,
    )

    assert result.returncode == 0, result.stderr
    engine_log = (work / "logs" / "engine-0.log").read_text(encoding="utf-8")
    assert "SERVED requests=5 max_in_flight=4" in engine_log  # eval_batch_size, as with --model-plugin


def test_an_engine_models_own_concurrency_is_kept(engines, tmp_path):
    work = tmp_path / "out"
    script = (
        "from evalscope import TaskConfig, run_task\n"
        "from evalscope_vllm.model import VLLMModel\n"
        "model = VLLMModel(config={'model': 'Qwen/Qwen2.5-7B-Instruct', 'concurrency': 2})\n"
        f"run_task(TaskConfig(model=model, datasets=['quiz'], eval_batch_size=4, work_dir={str(work)!r}, "
        "no_timestamp=True))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={**os.environ, **engines, "STAND_IN_LATENCY": "0.5"},
        timeout=300,
    )

    assert result.returncode == 0, result.stderr
    engine_log = (work / "logs" / "engine-0.log").read_text(encoding="utf-8")
    assert "SERVED requests=5 max_in_flight=2" in engine_log  # the model's own setting wins


def test_the_api_model_flags_reach_the_engines_api_model(engines, tmp_path, run_cli):
    work = tmp_path / "out"
    result = run_cli(
        *("--model-plugin", "vllm", "--model", "m", "--stream", "--timeout", "7", "--retries", "0"),
        *("--eval-batch-size", "3", "--datasets", "quiz", "--work-dir", str(work), "--no-timestamp"),
        env=engines,
    )

    assert result.returncode == 0, result.stderr
    (argv,) = recorded_argv(engines)
    url = f"http://127.0.0.1:{argv[argv.index('--port') + 1]}/v1/chat/completions"
    eval_log = (work / "logs" / "eval_log.log").read_text(encoding="utf-8")
    assert f"openai_api: 'm' at {url} (chat, streaming), 3 in flight, timeout 7 s, 0 retries" in eval_log
    served = (work / "logs" / "engine-0.log").read_text(encoding="utf-8")
    assert "SERVED requests=5 " in served and " streamed=5" in served  # every request was streamed


@pytest.mark.parametrize(
    ("plugin", "message"),
    [
        (
            "vllm",
            "the vllm model needs the vllm command, which is not on PATH: install vLLM for your hardware "
            "(pip install vllm; see https://docs.vllm.ai)",
        ),
        (
            "sglang",
            "the sglang model needs SGLang, which is not installed: install SGLang for your hardware "
            "(pip install 'sglang[all]'; see https://docs.sglang.ai)",
        ),
    ],
)
def test_a_missing_engine_is_one_line_saying_how_to_install_it(tmp_path, run_cli, plugin, message):
    site = tmp_path / "site"
    site.mkdir()
    install_into(site, ROOT / "plugins" / plugin)  # the plugin alone, no engine
    env = {"PYTHONPATH": os.pathsep.join([str(site), os.environ["PYTHONPATH"]])}
    result = run_cli(
        "--model-plugin", plugin, "--model", "m", "--datasets", "quiz", "--work-dir", str(tmp_path), env=env
    )

    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [f"evalscope: error: {message}"]


def test_plugins_show_lists_the_engine_models_options(engines, run_cli):
    shown = run_cli("plugins", "show", "vllm", "--json", env=engines)
    assert shown.returncode == 0, shown.stderr
    [model] = json.loads(shown.stdout)
    options = {option["name"]: option for option in model["options"]}
    assert options["startup_timeout"]["default"] == 600.0 and options["replicas"]["default"] == 1
    assert options["gpus_per_replica"]["default"] is None and options["model"]["required"]
    assert {"timeout", "retries", "stream", "check_model", "endpoint_cooldown"} <= set(options)
    assert not {"api_url", "api_key"} & set(options)  # the engine sets them itself
    assert "startup_timeout" in run_cli("plugins", "show", "vllm", env=engines).stdout


def test_a_resume_with_other_transport_options_reuses_the_engines_answers(engines, run_cli, tmp_path):
    out = tmp_path / "out"
    common = ("--model-plugin", "vllm", "--model", "m", "--datasets", "quiz", "--work-dir", str(out))
    first = run_cli(*common, "--no-timestamp", "--model-args", '{"enforce_eager": true}', env=engines)
    assert first.returncode == 0, first.stderr
    predictions = out / "predictions" / "m" / "quiz_main.jsonl"
    answered = predictions.read_bytes()
    again = run_cli(
        *common, "--use-cache", str(out),
        "--model-args", '{"enforce_eager": true, "startup_timeout": 60, "check_model": false, "retries": 2}',
        env=engines,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert (out / "configs" / "task_config.resume-1.yaml").is_file()  # the same evaluation: resumed in place
    assert predictions.read_bytes() == answered  # no question asked again
