"""A third-party sandbox for tests: ``trusting`` runs each program as a plain child process (no protection at all,
so only for the datasets' own solutions) and records the most programs it had running at once."""

from __future__ import annotations

import asyncio
import sys

from evalscope import hookimpl
from evalscope.sandboxes import Execution, Limits, Sandbox

STATS = {"running": 0, "most_at_once": 0, "runs": 0}


class TrustingSandbox(Sandbox):
    """Runs programs as they are, under the wall-time limit only."""

    name = "trusting"

    async def run(self, program: str, limits: Limits) -> Execution:
        """Run ``program`` with this Python; count it while it runs."""
        STATS["running"] += 1
        STATS["runs"] += 1
        STATS["most_at_once"] = max(STATS["most_at_once"], STATS["running"])
        try:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-c", program, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
            )
            stdout, stderr = await asyncio.wait_for(process.communicate(), limits.wall_time_s)
        finally:
            STATS["running"] -= 1
        return Execution(process.returncode, stdout.decode(), stderr.decode())

    def protections(self) -> dict:
        """None: the programs run as this process's user, with its files, network and environment."""
        return {"sandbox": self.name, "protections": []}


@hookimpl
def register_sandboxes(register):
    """Register the sandbox ``trusting``."""
    register("trusting", TrustingSandbox)
