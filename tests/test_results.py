"""Reading a run folder back, and `evalscope report`."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from run_folders import write_run

from evalscope.cli import main
from evalscope.results.reader import load_run

SAMPLES = [
    {"id": "1", "question": "Q1 <b>", "completion": "so 18", "score": 1.0, "prediction": "18", "reasoning": "hmm"},
    {"id": "2", "question": "Q2", "completion": "so 7", "score": 0.0, "prediction": "7", "finish_reason": "length"},
    {"id": "3", "question": "Q3", "completion": None, "score": 0.0},
    {"id": "4", "question": "Q4", "completion": "so ?", "score": None},
]


@pytest.mark.parametrize("shape", ["full", "lean"])
def test_both_record_shapes_read_alike(tmp_path, shape):
    run = load_run(write_run(tmp_path, SAMPLES, shape=shape))
    (subset,) = run.subsets
    assert (subset.model_id, subset.dataset, subset.subset) == ("m", "gsm8k", "main")
    by_id = {item["sample_id"]: item for item in subset.samples}
    assert [item["sample_id"] for item in subset.samples] == ["1", "2", "3", "4"]
    assert by_id["1"]["completion"] == "so 18"
    assert by_id["1"]["reasoning"] == "hmm"
    assert by_id["1"]["messages"] == [{"role": "user", "content": "Q1 <b>"}]
    assert by_id["1"]["usage"]["total_tokens"] == 13
    assert (by_id["1"]["score"], by_id["1"]["prediction"], by_id["1"]["gold"]) == (1.0, "18", "18")
    assert by_id["2"]["truncated"] is True and by_id["1"]["truncated"] is False
    assert by_id["3"]["error"] == "HTTP 500: boom" and by_id["3"]["score"] is None and by_id["3"]["completion"] is None
    assert by_id["4"]["scoring_error"] == "ValueError: bad" and by_id["4"]["score"] is None


def test_a_question_that_is_not_text_is_shown_as_json(tmp_path):
    write_run(tmp_path, SAMPLES[:1], shape="full")
    path = tmp_path / "reviews" / "m" / "gsm8k_main.jsonl"
    path.write_text(json.dumps(json.loads(path.read_text()) | {"input": {"q": "2+2", "choices": ["4"]}}) + "\n")
    (subset,) = load_run(tmp_path).subsets
    assert subset.samples[0]["question"] == '{"q": "2+2", "choices": ["4"]}'


def test_a_resumed_prediction_file_counts_the_last_line_of_each_id(tmp_path):
    write_run(tmp_path, SAMPLES[:2])
    path = tmp_path / "predictions" / "m" / "gsm8k_main.jsonl"
    lines = path.read_text().splitlines()
    failed = json.loads(lines[0]) | {"response": None, "error": "timeout"}
    path.write_text("\n".join([json.dumps(failed), *lines, '{"sample_id": "cut sh']) + "\n")
    (subset,) = load_run(tmp_path).subsets
    assert [item["sample_id"] for item in subset.samples] == ["1", "2"]
    assert subset.samples[0]["completion"] == "so 18" and subset.samples[0]["error"] is None


def test_report_reprints_the_runs_table(tmp_path):
    run = subprocess.run(
        [sys.executable, "-m", "evalscope", "--model-plugin", "dummy", "--datasets", "gsm8k", "--limit", "3",
         "--work-dir", str(tmp_path / "run"), "--no-timestamp"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    table = run.stdout[run.stdout.index("+--") :].strip()
    again = subprocess.run(
        [sys.executable, "-m", "evalscope", "report", str(tmp_path / "run")], capture_output=True, text=True, check=True
    )
    assert again.stdout.strip() == table
    as_json = json.loads(
        subprocess.run(
            [sys.executable, "-m", "evalscope", "report", str(tmp_path / "run"), "--json"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    saved = json.loads((tmp_path / "run" / "reports" / "dummy" / "gsm8k.json").read_text())
    assert as_json == {"reports": [saved], "unscored": []}


def test_report_of_an_interrupted_run(tmp_path, capsys):
    write_run(tmp_path, SAMPLES)  # reviews, no report
    (tmp_path / "reviews" / "m" / "gsm8k_main.jsonl").unlink()
    write_run(tmp_path, SAMPLES[:2], dataset="other", subset="x")
    assert main(["report", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert (
        "m/gsm8k/main: 4 predictions, not scored (the run stopped before scoring it; "
        f"resume with --use-cache {tmp_path})" in out
    )
    row = next(line for line in out.splitlines() if "| other" in line)
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert cells[3:6] == ["x", "2", "0.5000"]


def test_report_names_a_folder_that_is_not_a_run(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 1
    assert (
        capsys.readouterr().err
        == f"evalscope: error: {str(tmp_path)!r} is not a run folder: it has no reports/, predictions/ or reviews/\n"
    )
