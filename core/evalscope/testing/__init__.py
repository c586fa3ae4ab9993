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
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evalscope.store.records import read_samples
    from evalscope.testing.checks import (
        DEFAULT_QUERIES,
        UndescribedOptionsWarning,
        check_benchmark,
        check_model,
        check_plugin_registers,
        check_scorer,
        make_prompts,
    )

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
    if name == "read_samples":
        from evalscope.store.records import read_samples

        return read_samples
    if name in __all__:
        from evalscope.testing import checks

        return getattr(checks, name)
    raise AttributeError(f"module 'evalscope.testing' has no attribute {name!r}")
