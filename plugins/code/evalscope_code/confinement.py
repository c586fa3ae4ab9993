"""What both built-in sandboxes do around a program: resource limits, an unprivileged user of its own, a
minimal environment, a new session, capped output, and a wall-time limit that kills every process it started.

As root, each concurrent program runs as a user id of its own (``UidSlots``): ``RLIMIT_NPROC`` does not
bind root, and one shared id would let concurrent programs (or a fork bomb) starve each other. After a
program ends, every process left under its user id is killed, so nothing it started outlives it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import resource
import signal
import stat
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from evalscope.sandboxes import Execution, Limits
from evalscope_code.capture import CappedOutput

# The environment a sandboxed program starts with; nothing of the host's (no keys, tokens or proxies).
PROGRAM_PATH = "/usr/local/bin:/usr/bin:/bin"
# Unprivileged user ids, one per concurrent program, disjoint between processes (by process id).
UID_BASE = 200_000
UIDS_PER_PROCESS = 256
# Time the output readers get after the program ended (a leftover process may hold a pipe open).
DRAIN_GRACE_S = 2.0


def running_as_root() -> bool:
    """Whether this process is root, so programs can run as unprivileged users of their own."""
    return os.geteuid() == 0


class UidSlots:
    """Unprivileged user ids for concurrent programs: each program takes one no other running program has."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._busy: set[int] = set()
        self._base = UID_BASE + (os.getpid() % 100_000) * UIDS_PER_PROCESS

    @contextlib.contextmanager
    def take(self):
        """A free user id, given back when the block ends."""
        with self._lock:
            slot = next(index for index in range(UIDS_PER_PROCESS + len(self._busy)) if index not in self._busy)
            self._busy.add(slot)
        try:
            yield self._base + slot % UIDS_PER_PROCESS
        finally:
            with self._lock:
                self._busy.discard(slot)


UIDS = UidSlots()


def own_process_count() -> int:
    """How many processes this process's user runs now (``RLIMIT_NPROC`` counts them all)."""
    uid, count = os.getuid(), 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                count += entry.stat().st_uid == uid
    return count


def limit_setter(limits: Limits, process_budget: int) -> Callable[[], None]:
    """What the child runs before ``exec``: the resource limits of ``limits`` (``process_budget`` processes)."""
    values = {
        resource.RLIMIT_CPU: limits.cpu_time_s,
        resource.RLIMIT_AS: limits.memory_mb << 20,
        resource.RLIMIT_FSIZE: limits.file_size_mb << 20,
        resource.RLIMIT_NPROC: process_budget,
        resource.RLIMIT_CORE: 0,
        resource.RLIMIT_NOFILE: 256,
    }

    def set_limits() -> None:
        for which, value in values.items():
            soft, hard = resource.getrlimit(which)
            value = value if hard == resource.RLIM_INFINITY else min(value, hard)
            resource.setrlimit(which, (value, value))

    return set_limits


def process_budget(limits: Limits, own_uid: bool) -> int:
    """``RLIMIT_NPROC`` for a program: its own limit under a user id of its own, else on top of what this user runs."""
    return limits.processes if own_uid else own_process_count() + limits.processes


def kill_user_processes(uid: int) -> None:
    """Kill every process running as ``uid`` (from a short-lived child that becomes ``uid``, so only those)."""
    import subprocess

    subprocess.run(
        ["/bin/true"],
        user=uid,
        group=uid,
        extra_groups=[],
        preexec_fn=lambda: os.kill(-1, signal.SIGKILL),
        env={},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )


def reachable_by_others(path: Path) -> bool:
    """Whether a user with no rights of its own can reach ``path`` (every folder above it searchable by others)."""
    path = path.resolve()
    for folder in path.parents:
        if not folder.stat().st_mode & stat.S_IXOTH:
            return False
    return path.exists() and bool(path.stat().st_mode & stat.S_IROTH)


def program_python(own_uid: bool) -> Path:
    """The Python interpreter programs run with: this one's base interpreter when an unprivileged user can
    reach it, else the system's ``python3``."""
    base = Path(getattr(sys, "_base_executable", sys.executable) or sys.executable).resolve()
    candidates = [base, Path("/usr/bin/python3").resolve(), Path("/usr/local/bin/python3").resolve()]
    for candidate in candidates:
        if candidate.is_file() and (not own_uid or reachable_by_others(candidate)):
            return candidate
    from evalscope.errors import ConfigError

    raise ConfigError(
        f"no Python interpreter an unprivileged user can run: {base} lies in a folder others cannot enter, "
        "and there is no /usr/bin/python3; install python3 system-wide"
    )


async def run_confined(
    argv: Sequence[str],
    *,
    limits: Limits,
    env: dict[str, str],
    cwd: str = "/",
    uid: int | None = None,
    pass_fds: Sequence[int] = (),
) -> Execution:
    """Run ``argv`` in a new session under ``limits`` (as ``uid`` when given), with ``env`` only; kill its process
    group at the wall-time limit, and every process of ``uid`` once it ends."""
    budget = process_budget(limits, uid is not None)
    identity = {"user": uid, "group": uid, "extra_groups": []} if uid is not None else {}
    process = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=cwd,
        env=env,
        start_new_session=True,
        preexec_fn=limit_setter(limits, budget),
        pass_fds=tuple(pass_fds),
        **identity,
    )
    stdout, stderr = CappedOutput(limits.output_kb << 10), CappedOutput(limits.output_kb << 10)
    readers = [asyncio.ensure_future(stdout.drain(process.stdout)), asyncio.ensure_future(stderr.drain(process.stderr))]
    timed_out = False
    try:
        await asyncio.wait_for(process.wait(), timeout=limits.wall_time_s)
    except asyncio.TimeoutError:
        timed_out = True
    finally:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        if uid is not None:
            await asyncio.to_thread(kill_user_processes, uid)
        with contextlib.suppress(ProcessLookupError):
            await process.wait()
        _, pending = await asyncio.wait(readers, timeout=DRAIN_GRACE_S)
        for reader in pending:
            reader.cancel()
    exit_code = None if timed_out else process.returncode
    return Execution(exit_code, stdout.text(), stderr.text(), timed_out)
