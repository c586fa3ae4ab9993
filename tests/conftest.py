"""Shared fixtures: the test plugin package is pip-installed into the test environment, as a user would."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).parent
PACKAGES_DIR = TESTS_DIR / "packages"


def pip_install(*args: str) -> None:
    """Run ``pip install`` in this environment; fail the test with pip's output if it fails."""
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *args],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        pytest.exit(f"pip install {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}", returncode=1)
    importlib.invalidate_caches()


def pytest_sessionstart(session: pytest.Session) -> None:
    """Install the third-party style plugin ``evalscope-echo-quiz`` (model ``echo-answer``, benchmark
    ``quiz``) before collection, since test modules import its questions."""
    source = PACKAGES_DIR / "evalscope-echo-quiz"
    try:
        installed = importlib.import_module("evalscope_echo_quiz").__file__
        up_to_date = Path(installed).read_bytes() == (source / "evalscope_echo_quiz" / "__init__.py").read_bytes()
    except ImportError:
        up_to_date = False
    if not up_to_date:
        sys.modules.pop("evalscope_echo_quiz", None)
        pip_install("--no-deps", "--force-reinstall", str(source))
    from evalscope.plugins import get_plugins

    get_plugins(reload=True)


def _run_evalscope(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 300):
    return subprocess.run(
        [sys.executable, "-m", "evalscope", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        timeout=timeout,
    )


@pytest.fixture
def run_cli():
    """Run the ``evalscope`` command in a subprocess: ``run_cli(*args, cwd=, env=)`` -> CompletedProcess."""
    return _run_evalscope
