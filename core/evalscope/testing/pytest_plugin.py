"""The pytest plugin installed with evalscope (entry point ``pytest11``, name ``evalscope``).

pytest loads it in every run, in every environment where evalscope is installed, so it
imports nothing at module level besides pytest, and each fixture imports what it needs
when a test asks for it. Turn it off with ``pytest -p no:evalscope``.

Fixtures:

- ``evalscope_plugins``: the installed plugins, loaded afresh for the test.
- ``evalscope_run``: run an evaluation into the test's temporary folder and get the reports.
"""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def evalscope_plugins() -> Any:
    """The installed plugins and their registries (``evalscope.plugins.manager.Plugins``), loaded afresh."""
    from evalscope.plugins.manager import get_plugins

    return get_plugins(reload=True)


@pytest.fixture
def evalscope_run(tmp_path: Any) -> Any:
    """A function that runs an evaluation and returns ``{dataset: report}``.

    It takes the fields of ``TaskConfig``, e.g. ``evalscope_run(model_plugin="my-model",
    datasets=["my-benchmark"], limit=3)``; outputs go to ``tmp_path / "outputs"``
    unless ``work_dir`` is given.
    """

    def run(**fields: Any) -> dict[str, dict[str, Any]]:
        from evalscope.run.runner import run_task

        fields.setdefault("work_dir", str(tmp_path / "outputs"))
        fields.setdefault("no_timestamp", True)
        return run_task(**fields)

    return run
