"""README's "Your own data" commands (also in docs/own-data.md) run as written on the files in ``examples/``."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from evalscope import TaskConfig, run_task
from evalscope.models import CustomModel

ROOT = Path(__file__).resolve().parents[1]
MARKER = "<!-- test: own data -->"


def readme_commands(page: str = "README.md") -> list[str]:
    """The commands of the fenced blocks marked ``<!-- test: own data -->`` in a page (README.md by default)."""
    text = (ROOT / page).read_text(encoding="utf-8")
    blocks = re.findall(re.escape(MARKER) + r"\n```bash\n(.*?)```", text, flags=re.DOTALL)
    return [command for block in blocks for command in block.replace("\\\n", " ").splitlines() if command.strip()]


COMMANDS = readme_commands()


def test_the_readme_shows_one_command_per_benchmark():
    assert [re.search(r"--datasets (\S+)", command).group(1) for command in COMMANDS] == ["general_mcq", "general_qa"]


def test_the_own_data_page_shows_the_readme_commands():
    assert readme_commands("docs/own-data.md") == COMMANDS


@pytest.fixture
def repo_copy(tmp_path):
    """A folder holding a copy of ``examples/``, where the commands run as from the repository root."""
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    return tmp_path


def run_command(command: str, cwd: Path) -> subprocess.CompletedProcess:
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    return subprocess.run(
        ["bash", "-c", command], cwd=cwd, capture_output=True, text=True, env={**os.environ, "PATH": path}
    )


def only_report(cwd: Path, dataset: str) -> dict:
    (path,) = (cwd / "outputs").glob(f"*/reports/dummy/{dataset}.json")
    return json.loads(path.read_text(encoding="utf-8"))


def test_the_mcq_command_runs_as_written(repo_copy):
    result = run_command(COMMANDS[0], repo_copy)
    assert result.returncode == 0, result.stderr
    report = only_report(repo_copy, "general_mcq")
    metric = report["metrics"][0]
    assert [(subset["name"], subset["num"], subset["errors"]) for subset in metric["subsets"]] == [
        ("capitals", 4, 0),
        ("units", 2, 0),
    ]
    assert (metric["num"], metric["errors"]) == (6, 0)
    assert {"score", "macro_score", "no_prediction", "no_prediction_rate"} <= metric.keys()
    assert "OVERALL (micro)" in result.stdout and "OVERALL (macro)" in result.stdout


def test_the_qa_command_runs_as_written(repo_copy):
    result = run_command(COMMANDS[1], repo_copy)
    assert result.returncode == 0, result.stderr
    report = only_report(repo_copy, "general_qa")
    metric = report["metrics"][0]
    assert (metric["name"], [subset["name"] for subset in metric["subsets"]], metric["num"]) == ("f1", ["trivia"], 4)
    (reviews,) = (repo_copy / "outputs").glob("*/reviews/dummy/general_qa_trivia.jsonl")
    lines = [json.loads(line) for line in reviews.read_text(encoding="utf-8").splitlines()]
    assert [line["sample_id"] for line in lines] == ["q1", "q2", "q3", "q4"]
    assert [line["gold"] for line in lines] == ["Jane Austen", "Au", "Mars", "Eight"]


class FreeTextAnswers(CustomModel):
    """Answers each example question the way chat models do: reasoning, then the right option in prose."""

    STYLES = (
        "Let me think.\n\nAnswer: {letter}",
        "Comparing them, **{letter}) {text}** is the one.",
        "<think>Checking each option against what I know.</think>\nThe answer is ({letter}).",
        "{text}",
    )

    def predict(self, prompts, **kwargs):
        """One chat.completion per prompt."""
        answers = []
        for item in kwargs["origin_inputs"]:
            letter = item["raw"]["answer"]
            style = self.STYLES[int(item["index"].split("-")[-1]) % len(self.STYLES)]
            text = style.format(letter=letter, text=item["raw"][letter])
            answers.append({"choices": [{"index": 0, "message": {"role": "assistant", "content": text}}]})
        return answers


def test_the_mcq_examples_answered_right_in_free_text_score_one(tmp_path):
    config = TaskConfig(
        model=FreeTextAnswers(),
        model_id="free-text",
        datasets=["general_mcq"],
        dataset_args={"general_mcq": {"local_path": str(ROOT / "examples" / "general_mcq")}},
        eval_type="custom",
        work_dir=str(tmp_path),
        no_timestamp=True,
    )
    report = run_task(config)["general_mcq"]
    metric = report["metrics"][0]
    assert (report["score"], metric["macro_score"], metric["num"], metric["no_prediction"]) == (1.0, 1.0, 6, 0)
    rules = set()
    for subset in ("capitals", "units"):
        reviews = (tmp_path / "reviews" / "free-text" / f"general_mcq_{subset}.jsonl").read_text(encoding="utf-8")
        rules |= {json.loads(line)["explanation"].split(":")[0] for line in reviews.splitlines()}
    assert rules == {"answer phrase", "bold", "option text"}
