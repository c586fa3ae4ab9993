"""The custom-model guide's code samples run unchanged (tests/spec_samples holds them verbatim)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SAMPLES = Path(__file__).parent / "spec_samples"


def run_python(code: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PYTHONPATH": os.pathsep.join([str(SAMPLES), os.environ["PYTHONPATH"]]), "PATH": "/usr/bin:/bin"},
    )


def test_my_custom_model_sample_instantiates_with_no_config(tmp_path):
    result = run_python(
        "from sample1_my_custom_model import MyCustomModel\n"
        "from evalscope.models import CustomModel\n"
        "model = MyCustomModel()\n"
        "assert isinstance(model, CustomModel)\n"
        "print(repr(model.config))\n",
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "{}"


def test_my_custom_model_sample_unfinished_predict_fails_with_one_line(tmp_path):
    """The skeleton's predict returns nothing: the run stops naming the model and what came back."""
    result = run_python(
        "from sample1_my_custom_model import MyCustomModel\n"
        "from evalscope import run_task, TaskConfig\n"
        "from evalscope.errors import ModelError\n"
        "try:\n"
        "    run_task(TaskConfig(model=MyCustomModel(), model_id='mine', datasets=['quiz'], eval_type='custom'))\n"
        "except ModelError as exc:\n"
        "    print(exc)\n",
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "model 'mine' returned NoneType from predict on batch 0" in result.stdout


def test_dummy_model_sample_defines_a_working_model(tmp_path):
    result = run_python(
        "from sample2_dummy_model import DummyCustomModel\n"
        "import json\n"
        "item = {'messages': [{'role': 'user', 'content': 'hi'}], 'data': ['hi']}\n"
        "out = DummyCustomModel(config={'model_id': 'm'}).predict([item], origin_inputs=[item], infer_cfg={})\n"
        "print(json.dumps(out))\n",
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    [response] = json.loads(result.stdout)
    assert response["model"] == "m"
    assert response["choices"][0]["message"]["content"].startswith("Dummy response for prompt:")


def test_run_task_sample_scores_gsm8k_and_writes_outputs(tmp_path):
    script = (SAMPLES / "sample3_run_task.py").read_text(encoding="utf-8")
    result = run_python(script + "\nimport json\nprint('RESULT=' + json.dumps(eval_results))\n", tmp_path)
    assert result.returncode == 0, result.stderr
    results = json.loads(result.stdout.split("RESULT=")[1])
    report = results["gsm8k"]
    assert report["model_name"] == "dummy-model"
    assert report["metrics"][0]["num"] == 5
    [run_dir] = list((tmp_path / "outputs").iterdir())
    reviews = [
        json.loads(line) for line in (run_dir / "reviews" / "dummy-model" / "gsm8k_main.jsonl").read_text().splitlines()
    ]
    assert [review["sample_id"] for review in reviews] == ["0", "1", "2", "3", "4"]
    assert report["score"] == sum(review["score"] for review in reviews) / 5
    predictions = (run_dir / "predictions" / "dummy-model" / "gsm8k_main.jsonl").read_text().splitlines()
    assert len(predictions) == 5
    first = json.loads(predictions[0])
    assert first["response"]["model"] == "dummy-model"  # the runner gave the model its model_id
    assert json.loads((run_dir / "reports" / "dummy-model" / "gsm8k.json").read_text()) == report
    assert "DEBUG" in (run_dir / "logs" / "eval_log.log").read_text()  # debug=True
