"""The contract test kit for plugin authors.

Each check takes the component the way a plugin registers it (a class or any factory),
drives it the way the runner does, and raises ``AssertionError`` with a message that
says what is wrong and what the contract expects::

    from evalscope.testing import check_benchmark, check_model, check_plugin_registers, check_scorer

    def test_model():
        check_model(MyModel)

    def test_benchmark():
        check_benchmark(MyBenchmark, options={"subset_list": ["test"]})

    def test_scorer():
        check_scorer(MyScorer, cases=[("Answer: 5", "5", 1.0), ("Answer: 6", "5", 0.0)])

    def test_entry_point():
        check_plugin_registers("my-plugin", models=["my-model"])

Installing evalscope also installs a pytest plugin (``evalscope.testing.pytest_plugin``)
with the fixtures ``evalscope_plugins`` and ``evalscope_run``. ``read_samples(run_dir, dataset,
subset)`` reads back what a run stored for each sample (its review joined with its prediction).

The checks drive a component through the same code the runner uses (``ModelDriver``,
``response_problem``, ``cache_key``, ``load_plugins``), so a component that passes its
check behaves in a run. One module per kind: ``model_check``, ``benchmark_check``,
``scorer_check``, ``plugin_check``; ``common`` holds what they share.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evalscope.results.reader import read_samples
    from evalscope.testing.benchmark_check import check_benchmark
    from evalscope.testing.common import UndescribedOptionsWarning
    from evalscope.testing.model_check import DEFAULT_QUERIES, check_model, make_prompts
    from evalscope.testing.plugin_check import check_plugin_registers
    from evalscope.testing.scorer_check import check_scorer

_MODULES = {
    "DEFAULT_QUERIES": "evalscope.testing.model_check",
    "UndescribedOptionsWarning": "evalscope.testing.common",
    "check_benchmark": "evalscope.testing.benchmark_check",
    "check_model": "evalscope.testing.model_check",
    "check_plugin_registers": "evalscope.testing.plugin_check",
    "check_scorer": "evalscope.testing.scorer_check",
    "make_prompts": "evalscope.testing.model_check",
    "read_samples": "evalscope.results.reader",
}
__all__ = [
    "DEFAULT_QUERIES",
    "UndescribedOptionsWarning",
    "check_benchmark",
    "check_model",
    "check_plugin_registers",
    "check_scorer",
    "make_prompts",
    "read_samples",
]


def __getattr__(name: str) -> Any:
    # The checks load on first use: the pytest plugin in this package is imported by every pytest run.
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module 'evalscope.testing' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
