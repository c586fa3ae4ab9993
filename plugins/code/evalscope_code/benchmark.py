"""What the code benchmarks share: each builds its sandbox and executor from its options, attaches the executor
to every sample, and reports the protections in force."""

from __future__ import annotations

from typing import Any, ClassVar

from evalscope.benchmarks.base import Benchmark
from evalscope_code.executor import CodeExecutor, build_sandbox

SCORER = "code_execution"


class CodeBenchmark(Benchmark):
    """A benchmark whose answers are programs, graded by running them with tests (scorer ``code_execution``)."""

    scorer: ClassVar[str] = SCORER
    # Greedy, so runs repeat; room for a whole function and some explanation around it.
    generation_config: ClassVar[dict[str, Any]] = {"do_sample": False, "max_new_tokens": 1024}

    def __init__(self, options: dict | None = None, seed: int = 42) -> None:
        super().__init__(options, seed)
        options = self.options
        self.executor = CodeExecutor(build_sandbox(options.sandbox), options.limits(), options.workers)

    def scoring_config(self) -> dict[str, Any]:
        """What changes a grade: the sandbox and the limits (not the pool size or the prompt)."""
        limits = ("timeout", "cpu_time", "memory_mb", "file_size_mb", "processes")
        return {"sandbox": self.options.sandbox, **{name: getattr(self.options, name) for name in limits}}

    def scoring_provenance(self) -> dict[str, Any]:
        """The sandbox with the protections in force, the limits and how many programs ran at once."""
        return self.executor.provenance()

    def gold_completion(self, sample) -> str:
        """The dataset's reference code, which passes the tests."""
        return sample.target
