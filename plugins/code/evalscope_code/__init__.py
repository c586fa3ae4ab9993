"""evalscope plugin: the code benchmarks ``humaneval`` and ``mbpp``, their scorer ``code_execution``, and the
sandboxes their programs run in (``bwrap``, and the weaker ``process``).

This module is imported at every start of evalscope, so it imports nothing heavy: each component's
module loads only when a run asks for it.
"""

from __future__ import annotations

from typing import Any

from evalscope import hookimpl

__version__ = "0.1.0"


def humaneval_benchmark(options: dict | None = None, seed: int = 42) -> Any:
    """HumanEval: 164 Python functions to complete, run against their unit tests in a sandbox."""
    from evalscope_code.humaneval import HumanEval

    return HumanEval(options=options, seed=seed)


humaneval_benchmark.Options = "evalscope_code.humaneval:HumanEvalOptions"


def mbpp_benchmark(options: dict | None = None, seed: int = 42) -> Any:
    """MBPP: short Python programs written from a statement, run against its asserts in a sandbox (test split)."""
    from evalscope_code.mbpp import MBPP

    return MBPP(options=options, seed=seed)


mbpp_benchmark.Options = "evalscope_code.mbpp:MBPPOptions"


def code_execution_scorer() -> Any:
    """Runs the answer's code with the sample's tests in the benchmark's sandbox: 1.0 when they pass."""
    from evalscope_code.scorer import CodeExecutionScorer

    return CodeExecutionScorer()


def bwrap_sandbox() -> Any:
    """Bubblewrap: a container per program (read-only system, own tmpfs, no network, limits, own user id)."""
    from evalscope_code.sandbox_bwrap import BubblewrapSandbox

    return BubblewrapSandbox()


def process_sandbox() -> Any:
    """The weaker fallback: a confined host process (limits, own user id as root, empty environment)."""
    from evalscope_code.sandbox_process import ProcessSandbox

    return ProcessSandbox()


@hookimpl
def register_benchmarks(register):
    """Register the benchmarks ``humaneval`` and ``mbpp``."""
    register("humaneval", humaneval_benchmark)
    register("mbpp", mbpp_benchmark)


@hookimpl
def register_scorers(register):
    """Register the scorer ``code_execution``."""
    register("code_execution", code_execution_scorer)


@hookimpl
def register_sandboxes(register):
    """Register the sandboxes ``bwrap`` and ``process``."""
    register("bwrap", bwrap_sandbox)
    register("process", process_sandbox)
