"""Plugin discovery: installed packages are found, broken ones skipped, conflicts named."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def extra_site(plugin_path) -> str:
    """A ``PYTHONPATH`` that adds the misbehaving test plugins to the installed ones."""
    return plugin_path("evalscope-broken", "evalscope-dup-quiz", "evalscope-misspelt")


def plugin_rows(result) -> dict[str, dict]:
    assert result.returncode == 0, result.stderr
    return {row["name"]: row for row in json.loads(result.stdout)}


def test_installed_plugin_is_listed_with_version_and_registrations(run_cli):
    rows = plugin_rows(run_cli("plugins", "--json"))
    echo = rows["echo-quiz"]
    assert echo["distribution"] == "evalscope-echo-quiz"
    assert echo["version"] == "1.2.3"
    assert echo["registers"] == {"model": ["echo-answer"], "benchmark": ["quiz"]}
    assert rows["dummy"]["registers"] == {"model": ["dummy"]}
    assert rows["evalscope.builtins.models"]["registers"] == {"model": ["openai_api"]}


def test_plugins_table_names_each_plugin(run_cli):
    result = run_cli("plugins")
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith("echo-quiz"))
    assert "evalscope-echo-quiz" in line and "1.2.3" in line and "benchmark: quiz" in line


def test_installed_plugin_runs_from_the_cli(run_cli, tmp_path):
    result = run_cli(
        "--model-plugin", "echo-answer", "--datasets", "quiz", "--work-dir", str(tmp_path), "--no-timestamp"
    )
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "reports" / "echo-answer" / "quiz.json").read_text())
    assert report["score"] == pytest.approx(3 / 5)  # the echo model is right on ids 0, 2, 4
    assert "| echo-answer | quiz" in result.stdout


def test_broken_plugin_is_skipped_with_one_warning_and_the_rest_work(run_cli, extra_site, tmp_path):
    env = {"PYTHONPATH": extra_site, "EVALSCOPE_LOAD_PLUGINS": "broken,echo-quiz,dummy"}
    result = run_cli("--model-plugin", "echo-answer", "--datasets", "quiz", "--work-dir", str(tmp_path), env=env)
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "WARNING" in line]
    assert len(warnings) == 1
    assert "plugin 'broken' (evalscope-broken 0.0.1) failed to load: ModuleNotFoundError" in warnings[0]
    assert "a_dependency_that_is_not_installed" in warnings[0]
    assert "Traceback" not in result.stderr


def test_broken_plugin_is_fatal_in_strict_mode(run_cli, extra_site):
    env = {"PYTHONPATH": extra_site, "EVALSCOPE_LOAD_PLUGINS": "broken", "EVALSCOPE_STRICT_PLUGINS": "1"}
    result = run_cli("plugins", env=env)
    assert result.returncode == 1
    assert result.stderr.startswith("evalscope: error: plugin 'broken' (evalscope-broken 0.0.1) failed to load")
    assert "Traceback" not in result.stderr


def test_misspelt_hook_skips_that_plugin(run_cli, extra_site):
    env = {"PYTHONPATH": extra_site, "EVALSCOPE_LOAD_PLUGINS": "misspelt,dummy"}
    rows = plugin_rows(run_cli("plugins", "--json", env=env))
    assert "unknown hook 'register_modles'" in rows["misspelt"]["error"]
    assert rows["dummy"]["registers"] == {"model": ["dummy"]}


def test_two_plugins_registering_one_name_is_an_error_naming_both(run_cli, extra_site, tmp_path):
    env = {"PYTHONPATH": extra_site, "EVALSCOPE_LOAD_PLUGINS": "dup-quiz,echo-quiz"}
    result = run_cli("--model-plugin", "echo-answer", "--datasets", "quiz", "--work-dir", str(tmp_path), env=env)
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("evalscope: error: benchmark 'quiz' is registered by more than one plugin")
    assert "'echo-quiz'" in last and "'dup-quiz'" in last


def test_load_plugins_restricts_which_plugins_load(run_cli):
    rows = plugin_rows(run_cli("plugins", "--json", env={"EVALSCOPE_LOAD_PLUGINS": "dummy"}))
    assert "echo-quiz" not in rows
    assert "dummy" in rows
    assert "evalscope.builtins.models" in rows  # built-ins always load


def test_unknown_model_name_lists_the_known_ones(run_cli, tmp_path):
    result = run_cli("--model-plugin", "dumy", "--datasets", "quiz", "--work-dir", str(tmp_path))
    assert result.returncode == 1
    message = result.stderr.strip().splitlines()[-1]
    assert message.startswith("evalscope: error: unknown model 'dumy' (did you mean 'dummy'?); known models: ")
    assert "echo-answer" in message and "openai_api" in message
    assert not any(tmp_path.iterdir())  # nothing is written before the config is valid


def test_start_up_imports_no_heavy_library(tmp_path):
    for args, heavy in (
        (["--help"], ("datasets", "pyarrow", "pandas", "aiohttp", "httpx", "openai", "torch", "pydantic")),
        (["plugins"], ("datasets", "pyarrow", "pandas", "aiohttp", "httpx", "openai", "torch")),
    ):
        code = (
            "import sys, runpy\n"
            f"sys.argv = ['evalscope', *{args!r}]\n"
            "try:\n    runpy.run_module('evalscope', run_name='__main__')\nexcept SystemExit:\n    pass\n"
            f"print('LOADED=' + ','.join(m for m in {heavy!r} if m in sys.modules))\n"
        )
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
        loaded = result.stdout.split("LOADED=")[1].strip()
        assert loaded == "", f"`evalscope {' '.join(args)}` imported {loaded}"


def test_the_test_plugins_are_found_without_being_installed(tmp_path):
    """The suite's plugin packages are visible only through the session's temporary path."""
    code = (
        "import importlib.metadata as metadata\n"
        "try:\n    metadata.distribution('evalscope-echo-quiz')\n"
        "except metadata.PackageNotFoundError:\n    print('not installed')\n"
    )
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert result.stdout.strip() == "not installed", result.stderr
    packages = Path(__file__).parent / "packages"
    assert [path for path in packages.rglob("*") if path.name == "build" or path.name.endswith(".egg-info")] == []


@pytest.fixture(scope="module")
def hook_styles(plugin_path) -> str:
    return plugin_path("evalscope-hook-styles")


def test_a_hook_taking_fewer_arguments_than_the_spec_is_called(run_cli, hook_styles):
    env = {"PYTHONPATH": hook_styles, "EVALSCOPE_LOAD_PLUGINS": "no-args"}
    rows = plugin_rows(run_cli("plugins", "--json", env=env))
    assert rows["no-args"]["error"] is None
    assert rows["no-args"]["registers"] == {"model": ["no-args-model"]}


@pytest.mark.parametrize(("plugin", "hook"), [("wrapper", "register_models"), ("old-wrapper", "register_benchmarks")])
def test_a_wrapper_hook_is_refused_with_one_line(run_cli, hook_styles, plugin, hook):
    env = {"PYTHONPATH": hook_styles, "EVALSCOPE_LOAD_PLUGINS": f"{plugin},dummy"}
    result = run_cli("plugins", "--json", env=env)
    rows = plugin_rows(result)
    assert rows[plugin]["registers"] == {}
    assert rows[plugin]["error"].startswith(f"its {hook} hook is a wrapper (wrapper=True or hookwrapper=True)")
    assert rows["dummy"]["registers"] == {"model": ["dummy"]}
    [warning] = [line for line in result.stderr.splitlines() if "WARNING" in line]
    assert f"plugin {plugin!r} (evalscope-hook-styles 0.4.0) failed to load: its {hook} hook is a wrapper" in warning
    strict = run_cli("plugins", env={**env, "EVALSCOPE_STRICT_PLUGINS": "1"})
    assert strict.returncode == 1
    assert strict.stderr.startswith(f"evalscope: error: plugin {plugin!r} (evalscope-hook-styles 0.4.0) failed")
    assert len(strict.stderr.strip().splitlines()) == 1


def test_trace_plugins_prints_pluggys_trace_of_each_hook_call(run_cli, hook_styles):
    env = {"PYTHONPATH": hook_styles, "EVALSCOPE_LOAD_PLUGINS": "no-args,dummy", "EVALSCOPE_TRACE_PLUGINS": "1"}
    result = run_cli("plugins", env=env)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert "plugin 'no-args': register_scorers [evalscope]" in [line.strip() for line in lines]
    assert any(line.strip() == "register_scorers [hook]" for line in lines)
    assert any(line.strip() == "finish register_models --> [] [hook]" for line in lines)
    quiet = run_cli("plugins", env={**env, "EVALSCOPE_TRACE_PLUGINS": ""})
    assert "[hook]" not in quiet.stderr
