"""What a sandbox is: the interface of the places where untrusted programs run (see ``register_sandboxes``).

A sandbox runs one Python program per call, with the ``Limits`` it is given, and returns an
``Execution``. It never raises for what the program does (a crash, a timeout, a killed process are
all an ``Execution``); it raises ``evalscope.errors.ConfigError`` when it cannot run programs at
all. ``protections()`` names what it enforces, so each report can record it in its provenance.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class Limits:
    """The resources one program may use; any program that passes them is stopped and fails.

    ``wall_time_s`` bounds real time (the whole process tree is killed), ``cpu_time_s`` the CPU
    time of each process, ``memory_mb`` the address space of each process, ``file_size_mb`` the
    size of any file it writes, ``processes`` how many processes it may run at once, and
    ``output_kb`` how much of each of stdout and stderr is kept (the start and the end).
    """

    wall_time_s: float = 30.0
    cpu_time_s: int = 10
    memory_mb: int = 1024
    file_size_mb: int = 16
    processes: int = 32
    output_kb: int = 64


@dataclass(frozen=True)
class Execution:
    """How one program ended: its exit code (negative: killed by that signal; None: not started or
    killed at the wall-time limit), what it printed (cut as ``Limits.output_kb`` says) and whether it
    ran out of time."""

    exit_code: int | None
    stdout: str
    stderr: str
    timed_out: bool = False


class Sandbox(ABC):
    """Runs untrusted Python programs one at a time per call; calls may overlap (the caller bounds how many)."""

    name: ClassVar[str] = ""

    @abstractmethod
    async def run(self, program: str, limits: Limits) -> Execution:
        """Run the Python source ``program`` under ``limits`` and return how it ended."""

    @abstractmethod
    def protections(self) -> dict[str, Any]:
        """What this sandbox enforces, as plain JSON data (``{"sandbox": name, ...}``) for provenance."""
