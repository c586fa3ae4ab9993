"""Shared fixtures.

The test plugin packages in ``tests/packages`` are found as a user's installed plugins are:
through a ``<name>-<version>.dist-info`` folder with ``entry_points.txt`` on the import path.
Their modules and those folders are written to a temporary directory (nothing is installed into
the running environment and nothing is written in the source tree), which is put on ``sys.path`` and on
``PYTHONPATH`` (for the tests that run the ``evalscope`` command) for the session and removed
at its end. ``evalscope-echo-quiz`` (model ``echo-answer``, benchmark ``quiz``) is visible to
every test; the misbehaving packages only where a test asks for them (``plugin_path``).
"""

from __future__ import annotations

import importlib
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from plugin_site import make_plugin_site

TESTS_DIR = Path(__file__).parent
SESSION_PACKAGES = ("evalscope-echo-quiz",)

_session: dict[str, object] = {}


def pytest_sessionstart(session: pytest.Session) -> None:
    """Make ``evalscope-echo-quiz`` visible before collection (test modules import its questions)."""
    site = Path(tempfile.mkdtemp(prefix="evalscope-test-plugins-"))
    entries = make_plugin_site(site, SESSION_PACKAGES)
    _session.update(site=site, entries=entries, pythonpath=os.environ.get("PYTHONPATH"))
    sys.path[:0] = entries
    os.environ["PYTHONPATH"] = os.pathsep.join([*entries, *filter(None, [os.environ.get("PYTHONPATH")])])
    importlib.invalidate_caches()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Take the session's plugin folder off the paths and delete it."""
    if not _session:
        return
    for entry in _session["entries"]:
        if entry in sys.path:
            sys.path.remove(entry)
    if _session["pythonpath"] is None:
        os.environ.pop("PYTHONPATH", None)
    else:
        os.environ["PYTHONPATH"] = _session["pythonpath"]
    shutil.rmtree(_session["site"], ignore_errors=True)
    _session.clear()


@pytest.fixture(autouse=True)
def _fresh_process_state():
    """Every test starts without the plugins, secrets or log level an earlier test left behind."""
    from evalscope.plugins import forget_plugins
    from evalscope.utils.logger import LOGGER_NAME
    from evalscope.utils.secrets import clear_run_secrets

    forget_plugins()
    clear_run_secrets()
    logging.getLogger(LOGGER_NAME).setLevel(logging.INFO)
    yield
    forget_plugins()
    clear_run_secrets()


@pytest.fixture(scope="module")
def plugin_path(tmp_path_factory):
    """``plugin_path(*package_names)``: a ``PYTHONPATH`` value that adds those test packages to the session's."""

    def build(*names: str) -> str:
        site = tmp_path_factory.mktemp("site")
        return os.pathsep.join([*make_plugin_site(site, names), os.environ["PYTHONPATH"]])

    return build


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


@pytest.fixture
def server():
    """The fake OpenAI server on 127.0.0.1, answering the quiz correctly."""
    from openai_server import FakeOpenAIServer
    from quiz_api import QUIZ

    with FakeOpenAIServer(answers=QUIZ) as running:
        yield running


@pytest.fixture
def run_plugins():
    """Plugins loaded for one test's runs (every installed one), to which the test may add components; pass them
    to the run: ``run_task(config, plugins=run_plugins)``."""
    from evalscope.plugins import load_plugins

    return load_plugins()


@pytest.fixture
def api_model_configs(run_plugins) -> list[dict]:
    """In ``run_plugins`` (only there), the API model (eval type ``service``) is replaced by one that records the
    config of each model it builds before building it as the API model does. Returns those configs, in order."""
    from evalscope.plugins.registry import Registry

    api = run_plugins.models.for_eval_type("service")
    configs: list[dict] = []

    def recording_api_model(config=None, **kwargs):
        configs.append(dict(config or {}))
        return api.factory(config=config, **kwargs)

    recording_api_model.eval_types = api.factory.eval_types
    models = Registry("model")
    for registration in run_plugins.models:
        if registration is not api:
            models.add(registration.name, registration.factory, registration.plugin)
    models.add("recording_api", recording_api_model, "tests")
    run_plugins.models = models
    return configs


@pytest.fixture
def counting_benchmark(run_plugins):
    """``counting_benchmark(count, name="counting")`` registers in ``run_plugins`` the benchmark ``name``: ``count``
    questions whose answer is the question itself (``counting 0``, ``counting 1``, ...), scored by exact match. Returns
    its name."""
    from evalscope.benchmarks import Benchmark, Sample

    def register(count: int, name: str = "counting") -> str:
        class Counting(Benchmark):
            """``count`` questions whose answer is the question itself."""

            scorer = "exact_match"

            def load(self, subset):
                return [Sample(id=str(i), input=f"{name} {i}", target=f"{name} {i}") for i in range(count)]

            def build_prompt(self, sample):
                return self.chat_prompt(sample.input)

        Counting.name = name
        run_plugins.benchmarks.add(name, Counting, "tests")
        return name

    return register
