"""The options both code benchmarks share: where programs run and what they may use."""

from __future__ import annotations

from pydantic import Field

from evalscope.benchmarks.options import BenchmarkOptions
from evalscope.sandboxes import Limits

DEFAULT_SANDBOX = "bwrap"


class CodeOptions(BenchmarkOptions):
    """The ``--dataset-args`` every code benchmark takes; unknown keys are rejected with the closest valid name."""

    sandbox: str = Field(
        DEFAULT_SANDBOX,
        min_length=1,
        description="The registered sandbox programs run in: bwrap (bubblewrap; falls back to process, loudly, "
        "where bwrap cannot run), process, or one a plugin adds",
    )
    # Wall time depends on the machine's load (MBPP 123's reference code needs 4 s of CPU, 10 s of wall time on
    # 2 busy cores); CPU time does not, so it is the tighter limit.
    timeout: float = Field(30.0, gt=0, le=600, description="Wall-time limit of each program, in seconds")
    cpu_time: int = Field(10, gt=0, le=600, description="CPU-time limit of each process of a program, in seconds")
    memory_mb: int = Field(1024, ge=64, le=65536, description="Address-space limit of each process, in MiB")
    file_size_mb: int = Field(16, ge=1, le=4096, description="Largest file a program may write, in MiB")
    processes: int = Field(32, ge=2, le=4096, description="Processes a program may run at once")
    workers: int | None = Field(
        None, ge=1, le=256, description="Programs run at once (default: the number of CPU cores)"
    )

    def limits(self) -> Limits:
        """These options as the sandbox's ``Limits``."""
        return Limits(
            wall_time_s=self.timeout,
            cpu_time_s=self.cpu_time,
            memory_mb=self.memory_mb,
            file_size_mb=self.file_size_mb,
            processes=self.processes,
        )
