"""The plugin author's walk-through, end to end, in a fresh virtual environment.

One environment is shared by the three kinds: the core is pip-installed into it from
this repository, ``evalscope plugins new`` (the installed command) writes a model, a
benchmark and a scorer package, and pip installs them with their ``test`` extra. Then
``evalscope plugins`` lists them, the generated model runs on the generated benchmark,
and ``pytest`` passes inside each generated package. pip's cache makes reruns quicker;
the whole module takes well under three minutes on two cores.

Select it with ``-m slow``; skip it with ``-m "not slow"``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from evalscope.store.records import completion

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
PACKAGES = {"model": "acme-echo", "benchmark": "acme-quiz", "scorer": "acme-num"}
TEST_COUNTS = {"model": 4, "benchmark": 5, "scorer": 2}


class Walkthrough:
    """The fresh environment and the folders of the generated packages."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.venv = root / "venv"
        self.bin = self.venv / ("Scripts" if os.name == "nt" else "bin")
        self.env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("PYTHONPATH", "VIRTUAL_ENV", "EVALSCOPE_LOAD_PLUGINS", "EVALSCOPE_STRICT_PLUGINS")
        }
        self.env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
        self.env["PATH"] = f"{self.bin}{os.pathsep}{self.env.get('PATH', '')}"

    def package(self, kind: str) -> Path:
        return self.root / "packages" / PACKAGES[kind]

    def run(self, command: str, *args: str, cwd: Path | None = None, timeout: float = 300, check: bool = True):
        """Run a command of the fresh environment; fail with its output when it fails (unless not ``check``)."""
        result = subprocess.run(
            [str(self.bin / command), *args],
            cwd=cwd or self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and result.returncode != 0:
            pytest.fail(f"{command} {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
        return result


def copy_core(destination: Path) -> Path:
    """The core's source (pyproject, README, core/), as a user would get it in an sdist."""
    destination.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, destination / name)
    shutil.copytree(REPO / "core", destination / "core", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    return destination


@pytest.fixture(scope="module")
def walkthrough(tmp_path_factory) -> Walkthrough:
    """A fresh venv with the core, and the three generated packages installed with their test extra."""
    root = tmp_path_factory.mktemp("walkthrough")
    subprocess.run([sys.executable, "-m", "venv", str(root / "venv")], check=True, capture_output=True)
    walk = Walkthrough(root)
    walk.run("python", "-m", "pip", "install", "-q", str(copy_core(root / "evalscope-src")))
    for kind, name in PACKAGES.items():
        walk.run("evalscope", "plugins", "new", name, "--kind", kind, "--path", str(walk.package(kind)))
    walk.run("python", "-m", "pip", "install", "-q", *(f"{walk.package(kind)}[test]" for kind in PACKAGES))
    return walk


def test_the_fresh_environment_uses_its_own_installed_core(walkthrough):
    result = walkthrough.run("python", "-c", "import evalscope, evalscope.scaffold; print(evalscope.__file__)")
    assert Path(result.stdout.strip()).is_relative_to(walkthrough.venv)


def test_evalscope_plugins_lists_each_generated_plugin(walkthrough):
    rows = {row["name"]: row for row in json.loads(walkthrough.run("evalscope", "plugins", "--json").stdout)}
    assert rows["acme-echo"]["registers"] == {"model": ["acme-echo"]}
    assert rows["acme-quiz"]["registers"] == {"benchmark": ["acme-quiz"], "scorer": ["acme-quiz"]}
    assert rows["acme-num"]["registers"] == {"scorer": ["acme-num"]}
    for name in PACKAGES.values():
        assert rows[name]["distribution"] == f"evalscope-{name}"
        assert rows[name]["version"] == "0.1.0"
        assert rows[name]["error"] is None
    table = walkthrough.run("evalscope", "plugins").stdout
    assert any(line.startswith("acme-echo") and "model: acme-echo" in line for line in table.splitlines())


def test_plugins_show_lists_the_generated_components_options(walkthrough):
    [benchmark, scorer] = json.loads(walkthrough.run("evalscope", "plugins", "show", "acme-quiz", "--json").stdout)
    assert (benchmark["kind"], scorer["kind"]) == ("benchmark", "scorer")
    options = {option["name"]: option for option in benchmark["options"]}
    assert options["prompt_template"]["default"].startswith("Answer the question.")
    assert set(options) == {"subset_list", "system_prompt", "prompt_template"}
    [model] = json.loads(walkthrough.run("evalscope", "plugins", "show", "acme-echo", "--json").stdout)
    assert {option["name"]: option["default"] for option in model["options"]} == {
        "model_id": None,
        "prefix": "Answer: ",
    }
    out = str(walkthrough.root / "misspelt")
    misspelt = walkthrough.run(
        "evalscope", "--model-plugin", "acme-echo", "--model-args", "prefx=x", "--datasets", "acme-quiz",
        "--work-dir", out, check=False,
    )  # fmt: skip
    assert misspelt.stderr.strip().splitlines()[-1] == (
        "evalscope: error: model-args: unknown option 'prefx'; did you mean 'prefix'?"
    )


def test_the_generated_model_runs_on_the_generated_benchmark(walkthrough):
    out = walkthrough.root / "outputs"
    result = walkthrough.run(
        "evalscope", "--model-plugin", "acme-echo", "--datasets", "acme-quiz", "--work-dir", str(out), "--no-timestamp"
    )
    assert "| acme-echo | acme-quiz" in result.stdout
    report = json.loads((out / "reports" / "acme-echo" / "acme-quiz.json").read_text())
    # the rule-based model works out the four arithmetic questions and echoes the fifth
    assert report["metrics"][0]["num"] == 5
    assert report["score"] == pytest.approx(0.8)
    reviews = [json.loads(line) for line in (out / "reviews" / "acme-echo" / "acme-quiz_test.jsonl").open()]
    assert {review["sample_id"]: review["correct"] for review in reviews} == {
        "q1": True,
        "q2": True,
        "q3": True,
        "q4": True,
        "q5": False,
    }
    predictions = [json.loads(line) for line in (out / "predictions" / "acme-echo" / "acme-quiz_test.jsonl").open()]
    assert completion(next(record for record in predictions if record["sample_id"] == "q2")) == "Answer: 42"


@pytest.mark.parametrize("kind", list(PACKAGES))
def test_the_generated_tests_pass_inside_the_package(walkthrough, kind):
    result = walkthrough.run("pytest", "-q", "-p", "no:cacheprovider", cwd=walkthrough.package(kind))
    assert f"{TEST_COUNTS[kind]} passed" in result.stdout
    assert "skipped" not in result.stdout and "error" not in result.stdout.lower()
