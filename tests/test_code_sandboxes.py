"""Sandboxes are components like models and scorers: a third-party package registers one and a benchmark option
selects it; the built-in bwrap falls back to the process sandbox, loudly, where it cannot run; each report
records the protections in force."""

from __future__ import annotations

import importlib
import os
import sys

import pytest
from code_runs import replay_run
from evalscope_code.humaneval import HumanEval
from plugin_site import make_plugin_site

from evalscope.errors import ConfigError
from evalscope.plugins import get_plugins


def canonical(item: dict) -> str:
    return item["raw"]["canonical_solution"]


@pytest.fixture
def trusting_sandbox(tmp_path_factory, monkeypatch):
    """The test plugin ``evalscope-trusting-sandbox`` made visible to this process."""
    for entry in make_plugin_site(tmp_path_factory.mktemp("site"), ("evalscope-trusting-sandbox",)):
        monkeypatch.syspath_prepend(entry)
    importlib.invalidate_caches()
    get_plugins(reload=True)
    plugin = importlib.import_module("evalscope_trusting_sandbox")
    plugin.STATS.update(running=0, most_at_once=0, runs=0)
    yield plugin
    sys.modules.pop("evalscope_trusting_sandbox", None)
    monkeypatch.undo()
    get_plugins(reload=True)


def test_a_third_party_sandbox_runs_the_programs_at_most_workers_at_once(tmp_path, trusting_sandbox):
    report = replay_run(tmp_path, "humaneval", canonical, {"sandbox": "trusting", "workers": 3}, limit=12)
    assert (report["score"], report["metrics"][0]["num"]) == (1.0, 12)
    assert trusting_sandbox.STATS["runs"] == 12
    assert 1 <= trusting_sandbox.STATS["most_at_once"] <= 3
    scoring = report["provenance"]["scoring"]
    assert scoring["sandbox"] == {"sandbox": "trusting", "protections": []}
    assert scoring["workers"] == 3


def test_the_pool_is_as_large_as_the_machine_has_cores_by_default():
    assert HumanEval().executor.workers == os.cpu_count()


def test_an_unknown_sandbox_is_a_one_line_error_naming_the_registered_ones():
    with pytest.raises(ConfigError) as caught:
        HumanEval({"sandbox": "dokcer"})
    message = str(caught.value)
    assert "unknown sandbox 'dokcer'" in message and "bwrap, process" in message and "\n" not in message


def test_where_bwrap_cannot_run_programs_run_in_the_process_sandbox_after_a_loud_warning(tmp_path, monkeypatch):
    monkeypatch.setenv("EVALSCOPE_BWRAP", str(tmp_path / "no-bwrap-here"))
    report = replay_run(tmp_path / "run", "humaneval", canonical, limit=3)
    assert report["score"] == 1.0
    sandbox = report["provenance"]["scoring"]["sandbox"]
    assert (sandbox["sandbox"], sandbox["fallback_from"]) == ("process", "bwrap")
    assert "no-bwrap-here is not an executable file" in sandbox["fallback_reason"]
    assert sandbox["namespaces"] == [] and "sees the host's files and network" in sandbox["not_contained"]
    [log] = (tmp_path / "run" / "logs").glob("*.log")
    warning = next(line for line in log.read_text(encoding="utf-8").splitlines() if "bubblewrap cannot run" in line)
    assert "WEAKER 'process' sandbox" in warning and "apt-get install bubblewrap" in warning


def test_bwrap_records_its_protections_in_the_report(tmp_path):
    if HumanEval().executor.sandbox.unavailable_reason() is not None:
        pytest.skip("bubblewrap cannot run here")
    report = replay_run(tmp_path, "humaneval", canonical, limit=2)
    sandbox = report["provenance"]["scoring"]["sandbox"]
    assert sandbox["sandbox"] == "bwrap" and "fallback_from" not in sandbox
    assert "network (own loopback only)" in sandbox["namespaces"]
    assert sandbox["own_unprivileged_uid"] == (os.geteuid() == 0)


def test_plugins_show_describes_a_sandbox(run_cli):
    result = run_cli("plugins", "show", "bwrap")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("sandbox bwrap (plugin code, evalscope-code ")
    assert "Bubblewrap: a container per program" in result.stdout


def test_the_code_plugin_registers_its_benchmarks_scorer_and_sandboxes():
    from evalscope.testing import check_plugin_registers

    plugins = check_plugin_registers(
        "code", models=[], benchmarks=["humaneval", "mbpp"], scorers=["code_execution"], sandboxes=["bwrap", "process"]
    )
    assert plugins.sandboxes.get("bwrap").plugin == "code"


def test_the_kit_names_a_sandbox_a_plugin_fails_to_register():
    from evalscope.testing import check_plugin_registers

    with pytest.raises(AssertionError, match="missing 'docker'"):
        check_plugin_registers("code", sandboxes=["bwrap", "process", "docker"])


def test_programs_run_with_an_interpreter_their_user_can_reach():
    from pathlib import Path

    from evalscope_code.confinement import program_python, reachable_by_others

    base = Path(sys._base_executable).resolve()  # this Python without its virtual environment
    python = program_python(own_uid=True)
    assert reachable_by_others(python)
    assert python == base if reachable_by_others(base) else python.parent in (Path("/usr/bin"), Path("/usr/local/bin"))
    assert program_python(own_uid=False) == base


@pytest.mark.skipif(os.geteuid() != 0, reason="only root runs programs as users of their own")
def test_the_process_sandbox_works_when_the_temporary_folder_is_private(tmp_path, monkeypatch):
    """A folder under a 0700 parent cannot be entered by the program's user: its folder goes under /tmp instead."""
    import asyncio
    import tempfile

    from evalscope_code.sandbox_process import ProcessSandbox

    from evalscope.sandboxes import Limits

    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    execution = asyncio.run(ProcessSandbox().run("import os; print(os.getcwd())", Limits(wall_time_s=30)))
    assert execution.exit_code == 0, execution.stderr
    assert execution.stdout.startswith("/tmp/evalscope-code-")
    assert not os.path.exists(execution.stdout.strip())


def test_a_resume_scores_again_only_when_the_sandbox_or_a_limit_changed(tmp_path, caplog):
    first = tmp_path / "first"  # a resume with other dataset_args writes a new folder beside it

    def resume(dataset_args: dict) -> str:
        caplog.clear()
        replay_run(first, "humaneval", canonical, dataset_args, limit=3, use_cache=str(first))
        return next(record.message for record in caplog.records if " reviews, re-scoring " in record.message)

    replay_run(first, "humaneval", canonical, {"workers": 1}, limit=3)
    kept = resume({"workers": 2})
    assert kept == "kept 3 reviews, re-scoring 0 (scoring errors) and 0 (scorer changed)"
    rescored = resume({"workers": 2, "timeout": 20})
    assert rescored == "kept 0 reviews, re-scoring 0 (scoring errors) and 3 (scorer changed)"


def test_programs_never_run_under_an_id_the_system_gives_out():
    """Accounts, groups and the subordinate ranges of rootless containers are avoided: the sweep after a program
    kills every process of its id."""
    from evalscope_code.confinement import UIDS_PER_PROCESS, free_id_block

    natural = free_id_block([], pid=4242)
    container = range(natural - 1000, natural + 70_000)  # a subordinate range over the natural block
    moved = free_id_block([container, range(natural + 70_300, natural + 70_301)], pid=4242)
    assert moved >= container.stop and not moved <= natural + 70_300 < moved + UIDS_PER_PROCESS
    assert free_id_block([], pid=4243) == natural + UIDS_PER_PROCESS  # another evalscope process, another block
