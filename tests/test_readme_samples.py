"""README's Python sample runs as written, from a fresh folder, and prints the score its report holds."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_python_blocks() -> list[str]:
    """The code of README's ```python blocks."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)


def test_the_readme_has_its_custom_model_sample():
    (block,) = readme_python_blocks()
    assert "CustomModel" in block and "run_task" in block


def test_the_custom_model_sample_runs_and_prints_its_reports_score(tmp_path):
    (block,) = readme_python_blocks()
    result = subprocess.run([sys.executable, "-c", block], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    (report_path,) = tmp_path.glob("outputs/*/reports/*/gsm8k.json")
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert report["metrics"][0]["num"] == 5
    assert float(result.stdout.strip().splitlines()[-1]) == report["score"]
