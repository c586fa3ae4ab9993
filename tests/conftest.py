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
        pytest.fail(f"pip install {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    importlib.invalidate_caches()


@pytest.fixture(scope="session", autouse=True)
def echo_quiz_plugin() -> str:
    """The third-party style plugin ``evalscope-echo-quiz`` (model ``echo-answer``, benchmark ``quiz``)."""
    try:
        importlib.import_module("evalscope_echo_quiz")
    except ImportError:
        pip_install("--no-deps", str(PACKAGES_DIR / "evalscope-echo-quiz"))
    from evalscope.plugins import get_plugins

    get_plugins(reload=True)
    return "echo-quiz"


def evalscope_cli(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 300):
    """Run the installed ``evalscope`` command as a user would; returns the completed process."""
    full_env = {**os.environ, **(env or {})}
    full_env.pop("EVALSCOPE_LOAD_PLUGINS", None) if env is None or "EVALSCOPE_LOAD_PLUGINS" not in env else None
    return subprocess.run(
        [sys.executable, "-m", "evalscope", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=full_env,
        timeout=timeout,
    )
