"""What ``import evalscope`` offers a newcomer, and what it costs."""

from __future__ import annotations

import subprocess
import sys

import pytest


def test_the_model_base_classes_import_from_the_package(tmp_path):
    code = (
        "import sys\n"
        "import evalscope\n"
        "heavy = ('evalscope.models.base', 'evalscope.config', 'evalscope.run.runner')\n"
        "loaded = sorted(m for m in heavy if m in sys.modules)\n"
        "from evalscope import AsyncModel, CustomModel\n"
        "import evalscope.models\n"
        "assert CustomModel is evalscope.models.CustomModel and AsyncModel is evalscope.models.AsyncModel\n"
        "assert {'CustomModel', 'AsyncModel', 'run_task', 'TaskConfig'} <= set(dir(evalscope))\n"
        "print(loaded)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"  # nothing heavy until a name is asked for


def test_an_unknown_name_is_an_attribute_error():
    import evalscope

    with pytest.raises(AttributeError, match="^module 'evalscope' has no attribute 'CustomModle'$"):
        evalscope.CustomModle  # noqa: B018
