"""The ``bwrap`` sandbox: each program in its own bubblewrap container (the tool Flatpak uses).

Inside: a read-only view of the system folders only (``/usr``, ``/etc``, the libraries, and the
interpreter's own folder), a fresh size-limited tmpfs ``/tmp`` as working folder and ``HOME``, its own
process, network, IPC and UTS namespaces (the network holds only its own loopback), no further user
namespaces, a new session, and nothing of the host's environment; bwrap itself is started with a
minimal environment and the program is process 1 of its namespace (``--as-pid-1``), so
``/proc/1/environ`` is the program's own. Outside: the limits and the unprivileged user of
``confinement``. Where bwrap cannot run, programs run in the ``process`` sandbox, after a loud warning.
``EVALSCOPE_BWRAP`` names the bwrap executable to use (default: ``bwrap`` on PATH).
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import shutil
import subprocess
import tempfile
import threading
from typing import Any

from evalscope.sandboxes import Execution, Limits, Sandbox
from evalscope.utils.logger import get_logger
from evalscope_code import confinement
from evalscope_code.sandbox_process import ProcessSandbox

logger = get_logger()

WORK_DIR = "/tmp"
PROGRAM_FILE = f"{WORK_DIR}/program.py"
SYSTEM_FOLDERS = ("/usr", "/etc", "/lib", "/lib32", "/lib64", "/bin", "/sbin")
# The bwrap executable to use instead of the one on PATH.
BWRAP_ENV = "EVALSCOPE_BWRAP"
FALLBACK_WARNING = (
    "!!! bubblewrap cannot run here ({reason}); programs the model wrote run in the WEAKER 'process' sandbox "
    "instead: {weaker}. Install bubblewrap (apt-get install bubblewrap) to contain them. !!!"
)


def with_signal(execution: Execution) -> Execution:
    """``execution`` with bwrap's report of a program killed by a signal (status 128 + N) as the exit code -N.

    A program that exits with such a status itself is read the same way; either way it failed.
    """
    code = execution.exit_code
    if code is not None and 128 < code < 128 + 65:
        return dataclasses.replace(execution, exit_code=128 - code)
    return execution


class BubblewrapSandbox(Sandbox):
    """Runs each program under ``bwrap`` (see the module docstring), or in ``ProcessSandbox`` where bwrap cannot."""

    name = "bwrap"

    def __init__(self) -> None:
        self.own_uid = confinement.running_as_root()
        self.bwrap = os.environ.get(BWRAP_ENV) or shutil.which("bwrap")
        self.python = confinement.program_python(self.own_uid)
        self._fallback: ProcessSandbox | None = None
        self._fallback_reason: str | None = None
        self._checked = False
        self._check_lock = threading.Lock()

    def command(self, limits: Limits, program_fd: int) -> list[str]:
        """The ``bwrap`` command line that runs the program read from ``program_fd``."""
        argv = [self.bwrap or "bwrap", "--die-with-parent", "--new-session", "--as-pid-1"]
        argv += ["--unshare-all", "--unshare-user", "--disable-userns", "--clearenv"]
        for folder in SYSTEM_FOLDERS:
            argv += ["--ro-bind-try", folder, folder]
        prefix = self.python.parent.parent
        if not any(str(prefix).startswith(folder + "/") or str(prefix) == folder for folder in SYSTEM_FOLDERS):
            argv += ["--ro-bind", str(prefix), str(prefix)]
        argv += ["--proc", "/proc", "--dev", "/dev"]
        argv += ["--size", str(limits.file_size_mb << 20), "--tmpfs", WORK_DIR]
        argv += ["--perms", "0644", "--file", str(program_fd), PROGRAM_FILE]
        argv += ["--chdir", WORK_DIR]
        for name, value in self.program_env().items():
            argv += ["--setenv", name, value]
        return argv + [str(self.python), "-I", "-B", PROGRAM_FILE]

    @staticmethod
    def program_env() -> dict[str, str]:
        """The program's whole environment."""
        return {"PATH": confinement.PROGRAM_PATH, "HOME": WORK_DIR, "TMPDIR": WORK_DIR, "LANG": "C.UTF-8"}

    async def run(self, program: str, limits: Limits) -> Execution:
        """Run ``program`` in a new container (or in the fallback sandbox where bwrap cannot run)."""
        if not self._checked:
            await asyncio.to_thread(self._check)
        if self._fallback is not None:
            return await self._fallback.run(program, limits)
        with confinement.UIDS.take() as uid:
            return await self._run(program, limits, uid if self.own_uid else None)

    async def _run(self, program: str, limits: Limits, uid: int | None) -> Execution:
        # bwrap copies the program from this file into the container, so nothing is written on the host.
        with tempfile.TemporaryFile() as source:
            source.write(program.encode("utf-8"))
            source.flush()
            source.seek(0)
            fd = source.fileno()
            execution = await confinement.run_confined(
                self.command(limits, fd), limits=limits, env={"PATH": confinement.PROGRAM_PATH}, uid=uid, pass_fds=[fd]
            )
        return with_signal(execution)

    def _check(self) -> None:
        """Run one program under bwrap (once); on failure, switch to the fallback sandbox with a loud warning."""
        with self._check_lock:
            if self._checked:
                return
            reason = self.unavailable_reason()
            if reason is not None:
                self._fallback = ProcessSandbox()
                self._fallback_reason = reason
                logger.warning(FALLBACK_WARNING.format(reason=reason, weaker=self._fallback.weaker_than_bwrap()))
            self._checked = True

    def unavailable_reason(self) -> str | None:
        """Why bwrap cannot run programs here, or None when a test program ran in it."""
        if self.bwrap is None:
            return "no bwrap on PATH"
        if not os.access(self.bwrap, os.X_OK):
            return f"{self.bwrap} is not an executable file"
        limits = Limits(wall_time_s=30)
        with confinement.UIDS.take() as uid, tempfile.TemporaryFile() as source:
            source.write(b"print('ok')\n")
            source.seek(0)
            argv = self.command(limits, source.fileno())
            user = {"user": uid, "group": uid, "extra_groups": []} if self.own_uid else {}
            try:
                done = subprocess.run(
                    argv,
                    env={"PATH": confinement.PROGRAM_PATH},
                    pass_fds=[source.fileno()],
                    capture_output=True,
                    timeout=limits.wall_time_s,
                    check=False,
                    **user,
                )
            except (OSError, subprocess.TimeoutExpired) as exc:
                return f"{type(exc).__name__}: {exc}"
        if done.returncode != 0 or done.stdout.strip() != b"ok":
            message = done.stderr.decode("utf-8", "replace").strip().splitlines()
            return f"bwrap exited with {done.returncode}: {message[-1] if message else 'no message'}"
        return None

    def protections(self) -> dict[str, Any]:
        """The protections in force: bwrap's, or the fallback's with the reason bwrap could not run."""
        if not self._checked:
            self._check()
        if self._fallback is not None:
            return {**self._fallback.protections(), "fallback_from": "bwrap", "fallback_reason": self._fallback_reason}
        return {
            "sandbox": self.name,
            "bwrap": self.bwrap,
            "python": str(self.python),
            "filesystem": f"read-only {', '.join(SYSTEM_FOLDERS)} and the interpreter; a fresh tmpfs {WORK_DIR} "
            "as working folder and HOME",
            "namespaces": [
                "user (no nested ones)",
                "pid (the program is pid 1)",
                "network (own loopback only)",
                "ipc",
                "uts",
                "mount",
            ],
            "environment": sorted(self.program_env()),
            "new_session": True,
            "die_with_parent": True,
            "own_unprivileged_uid": self.own_uid,
            "limits": ["cpu time", "address space", "file size", "processes", "wall time (kills every process)"],
        }
