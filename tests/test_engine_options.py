"""A managed engine model declares its options: `plugins show` lists them, and those that do not change answers
stay out of the cache key. The vllm plugin is installed into a temporary folder as a user's would be; the
stand-in engine (``stand_in_engine.py``) is a ``vllm`` executable on ``PATH``."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from plugin_site import install_into

ROOT = Path(__file__).parent.parent
TESTS = Path(__file__).parent
STAND_IN = f"import sys\nsys.path.insert(0, {str(TESTS)!r})\nfrom stand_in_engine import main\nmain(sys.argv[1:])\n"


@pytest.fixture
def vllm(tmp_path) -> dict:
    """Environment variables that install the vllm plugin and put the stand-in engine on ``PATH``."""
    site, bin_dir = tmp_path / "site", tmp_path / "bin"
    site.mkdir()
    bin_dir.mkdir()
    install_into(site, ROOT / "plugins" / "vllm")
    command = bin_dir / "vllm"
    command.write_text(f"#!{sys.executable}\n{STAND_IN}")
    command.chmod(0o755)
    return {
        "PYTHONPATH": os.pathsep.join([str(site), os.environ["PYTHONPATH"]]),
        "PATH": os.pathsep.join([str(bin_dir), os.environ["PATH"]]),
        "STAND_IN_ARGV": str(tmp_path / "argv.jsonl"),
    }


def test_plugins_show_lists_the_engine_models_options(vllm, run_cli):
    shown = run_cli("plugins", "show", "vllm", "--json", env=vllm)
    assert shown.returncode == 0, shown.stderr
    [model] = json.loads(shown.stdout)
    options = {option["name"]: option for option in model["options"]}
    assert options["startup_timeout"]["default"] == 600.0 and options["replicas"]["default"] == 1
    assert options["gpus_per_replica"]["default"] is None and options["model"]["required"]
    assert {"timeout", "retries", "stream", "check_model", "endpoint_cooldown"} <= set(options)
    assert not {"api_url", "api_key"} & set(options)  # the engine sets them itself
    assert "startup_timeout" in run_cli("plugins", "show", "vllm", env=vllm).stdout


def test_a_resume_with_other_transport_options_reuses_the_engines_answers(vllm, run_cli, tmp_path):
    out = tmp_path / "out"
    common = ("--model-plugin", "vllm", "--model", "m", "--datasets", "quiz", "--work-dir", str(out))
    first = run_cli(*common, "--no-timestamp", "--model-args", '{"enforce_eager": true}', env=vllm)
    assert first.returncode == 0, first.stderr
    predictions = out / "predictions" / "m" / "quiz_main.jsonl"
    answered = predictions.read_bytes()
    again = run_cli(
        *common, "--use-cache", str(out),
        "--model-args", '{"enforce_eager": true, "startup_timeout": 60, "check_model": false, "retries": 2}',
        env=vllm,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert (out / "configs" / "task_config.resume-1.yaml").is_file()  # the same evaluation: resumed in place
    assert predictions.read_bytes() == answered  # no question asked again
