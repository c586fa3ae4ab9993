"""Running test programs: the chosen sandbox, the limits, and a pool as large as the machine has cores."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import weakref
from typing import Any

from evalscope.sandboxes import Limits, Sandbox
from evalscope_code.capture import cut
from evalscope_code.harness import Verdict, new_marker, verdict, with_tests

# How much of a program's stdout and of its stderr a review keeps.
REVIEW_OUTPUT_CHARS = 2000


def build_sandbox(name: str) -> Sandbox:
    """The sandbox registered as ``name`` (a ``ConfigError`` naming the registered ones if there is none)."""
    from evalscope.plugins.manager import current_plugins

    return current_plugins().sandboxes.get(name).factory()


class CodeExecutor:
    """Runs each test program in ``sandbox`` under ``limits``, at most ``workers`` at once per event loop."""

    def __init__(self, sandbox: Sandbox, limits: Limits, workers: int | None = None) -> None:
        self.sandbox = sandbox
        self.limits = limits
        self.workers = workers or os.cpu_count() or 1
        self._gates: weakref.WeakKeyDictionary[Any, asyncio.Semaphore] = weakref.WeakKeyDictionary()

    async def check(self, code: str, tests: str) -> Verdict:
        """Run ``code`` followed by ``tests``; passed only if the program exits 0 after its tests have run."""
        marker = new_marker()
        loop = asyncio.get_running_loop()
        gate = self._gates.setdefault(loop, asyncio.Semaphore(self.workers))
        async with gate:
            execution = await self.sandbox.run(with_tests(code, tests, marker), self.limits)
        return verdict(execution, marker, self.limits.wall_time_s)

    def check_sync(self, code: str, tests: str) -> Verdict:
        """``check`` for callers without an event loop."""
        return asyncio.run(self.check(code, tests))

    def provenance(self) -> dict[str, Any]:
        """The sandbox's protections, the limits and the pool size, for the report."""
        return {
            "sandbox": self.sandbox.protections(),
            "limits": dataclasses.asdict(self.limits),
            "workers": self.workers,
        }


def explanation(result: Verdict) -> str:
    """A review's explanation: the verdict, then the program's output cut to a few KB."""
    parts = [result.reason]
    for name, text in (("stdout", result.stdout), ("stderr", result.stderr)):
        if text.strip():
            parts.append(f"--- {name} ---\n{cut(text, REVIEW_OUTPUT_CHARS)}")
    return "\n".join(parts)
