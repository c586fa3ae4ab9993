"""The ``process`` sandbox: the weaker fallback where bubblewrap cannot run.

Each program runs in a fresh temporary folder (its working folder and ``HOME``, deleted afterwards), in a
new session, with an emptied environment, under the resource limits and (as root) the unprivileged user
of ``confinement``, and is killed with everything it started at the wall-time limit. It sees the host's
whole file system and network as that user does: what that user may read, write or connect to, it can.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from evalscope.sandboxes import Execution, Limits, Sandbox
from evalscope_code import confinement

PROGRAM_NAME = "program.py"


class ProcessSandbox(Sandbox):
    """Runs each program as a confined process of the host (see the module docstring)."""

    name = "process"

    def __init__(self) -> None:
        self.own_uid = confinement.running_as_root()
        self.python = confinement.program_python(self.own_uid)

    def weaker_than_bwrap(self) -> str:
        """What this sandbox leaves open that bwrap closes, in one line."""
        who = "an unprivileged user of its own" if self.own_uid else "YOUR OWN USER (it can read and write your files)"
        escape = "" if self.own_uid else "; a process it starts in a session of its own outlives the wall-time kill"
        return (
            f"each program runs as {who} and sees the host's files and network "
            f"(it can connect to services on 127.0.0.1 and write where that user may){escape}"
        )

    async def run(self, program: str, limits: Limits) -> Execution:
        """Run ``program`` in a fresh folder that is deleted afterwards."""
        with confinement.UIDS.take() as uid:
            uid = uid if self.own_uid else None
            folder = await asyncio.to_thread(self._prepare, program, uid)
            try:
                env = {"PATH": confinement.PROGRAM_PATH, "HOME": folder, "TMPDIR": folder, "LANG": "C.UTF-8"}
                argv = [str(self.python), "-I", "-B", PROGRAM_NAME]
                return await confinement.run_confined(argv, limits=limits, env=env, cwd=folder, uid=uid)
            finally:
                await asyncio.to_thread(shutil.rmtree, folder, True)

    @staticmethod
    def _prepare(program: str, uid: int | None) -> str:
        base = Path(tempfile.gettempdir())
        if uid is not None and not confinement.reachable_by_others(base):
            base = Path("/tmp")
        folder = tempfile.mkdtemp(prefix="evalscope-code-", dir=base)
        path = Path(folder, PROGRAM_NAME)
        path.write_text(program, encoding="utf-8")
        if uid is not None:
            os.chmod(folder, 0o700)
            os.chown(folder, uid, uid)
            os.chown(path, uid, uid)
        return folder

    def protections(self) -> dict[str, Any]:
        """The protections in force, and what this sandbox does not do."""
        return {
            "sandbox": self.name,
            "python": str(self.python),
            "filesystem": "the host's, as the program's user sees it; a fresh temporary folder as working folder and "
            "HOME, deleted afterwards",
            "namespaces": [],
            "environment": ["HOME", "LANG", "PATH", "TMPDIR"],
            "new_session": True,
            "own_unprivileged_uid": self.own_uid,
            "limits": ["cpu time", "address space", "file size", "processes", "wall time (kills every process)"],
            "not_contained": self.weaker_than_bwrap(),
        }
