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
import time
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
EXIT_POLL_S = 0.01
PR_SET_PDEATHSIG = 1
# How long the sweep after a program waits for the processes it killed to be gone.
SWEEP_S = 5.0


def running_as_root() -> bool:
    """Whether this process is root, so programs can run as unprivileged users of their own."""
    return os.geteuid() == 0


class UidSlots:
    """Unprivileged user ids for concurrent programs: each program takes one no other running program has.

    The block of ``UIDS_PER_PROCESS`` ids is chosen from this process's id, away from the ids the system
    gives out (``/etc/passwd``, ``/etc/group``, the subordinate ranges of ``/etc/subuid`` and ``/etc/subgid``
    that rootless containers use), and an id is skipped while any process runs under it: the sweep after a
    program kills every process of its id, which must be the program's alone.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._busy: set[int] = set()
        self._next = 0
        self._base: int | None = None

    @contextlib.contextmanager
    def take(self):
        """A free user id, given back when the block ends.

        The ids are taken in turn, so one comes back only after all others were used: a killed process that
        its new parent has not reaped yet (a zombie) still counts against its user's process limit.
        """
        with self._lock:
            if self._base is None:
                self._base = free_id_block(claimed_ids(), os.getpid())
            for step in range(UIDS_PER_PROCESS):
                slot = (self._next + step) % UIDS_PER_PROCESS
                if slot not in self._busy and not any_process_of(self._base + slot):
                    break
            else:
                from evalscope.errors import ConfigError

                raise ConfigError(f"all {UIDS_PER_PROCESS} user ids for programs are in use; lower the workers")
            self._next = slot + 1
            self._busy.add(slot)
        try:
            yield self._base + slot
        finally:
            with self._lock:
                self._busy.discard(slot)


def claimed_ids() -> list[range]:
    """The user and group ids the system gives out: those of accounts and groups, and the subordinate ranges."""
    claimed = []
    for path, id_field in (("/etc/passwd", 2), ("/etc/group", 2)):
        with contextlib.suppress(OSError):
            for line in Path(path).read_text(encoding="utf-8", errors="replace").splitlines():
                fields = line.split(":")
                if len(fields) > id_field and fields[id_field].isdigit():
                    claimed.append(range(int(fields[id_field]), int(fields[id_field]) + 1))
    for path in ("/etc/subuid", "/etc/subgid"):
        with contextlib.suppress(OSError):
            for line in Path(path).read_text(encoding="utf-8", errors="replace").splitlines():
                fields = line.split(":")
                if len(fields) == 3 and fields[1].isdigit() and fields[2].isdigit():
                    claimed.append(range(int(fields[1]), int(fields[1]) + int(fields[2])))
    return claimed


def free_id_block(claimed: list[range], pid: int) -> int:
    """The first id of a block of ``UIDS_PER_PROCESS`` ids that overlaps none of ``claimed``, starting from a
    place chosen by the process id ``pid`` (so concurrent evalscope processes use different blocks)."""
    blocks = (2**31 - UID_BASE) // UIDS_PER_PROCESS
    start = pid % 100_000
    for step in range(blocks):
        base = UID_BASE + (start + step) % blocks * UIDS_PER_PROCESS
        if not any(base < taken.stop and taken.start < base + UIDS_PER_PROCESS for taken in claimed):
            return base
    raise RuntimeError("no free block of user ids")  # pragma: no cover - 2**31 ids all claimed


def any_process_of(uid: int) -> bool:
    """Whether some process runs as ``uid`` (zombies included)."""
    for entry in os.scandir("/proc"):
        with contextlib.suppress(OSError):
            if entry.name.isdigit() and entry.stat().st_uid == uid:
                return True
    return False


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
    # CPU time: SIGXCPU at the limit (a clear cause in the review), SIGKILL a second later if it is caught.
    cpu_hard = limits.cpu_time_s + 1
    values = {
        resource.RLIMIT_CPU: limits.cpu_time_s,
        resource.RLIMIT_AS: limits.memory_mb << 20,
        resource.RLIMIT_FSIZE: limits.file_size_mb << 20,
        resource.RLIMIT_NPROC: process_budget,
        resource.RLIMIT_CORE: 0,
        resource.RLIMIT_NOFILE: 256,
    }

    die_with_parent = _parent_death_signal()

    def set_limits() -> None:
        die_with_parent()
        for which, value in values.items():
            ceiling = value if which != resource.RLIMIT_CPU else cpu_hard
            _, hard = resource.getrlimit(which)
            if hard != resource.RLIM_INFINITY:
                value, ceiling = min(value, hard), min(ceiling, hard)
            resource.setrlimit(which, (value, ceiling))

    return set_limits


def _parent_death_signal() -> Callable[[], None]:
    """A call that makes the calling process get SIGKILL when the thread that started it ends (evalscope killed):
    ``prctl(PR_SET_PDEATHSIG)``, looked up before the fork. Changing the user id clears it, so the child calls it
    after; bwrap's ``--die-with-parent`` does the same for the program inside."""
    import ctypes

    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return lambda: None
    return lambda: prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def process_budget(limits: Limits, own_uid: bool) -> int:
    """``RLIMIT_NPROC`` for a program: its own limit under a user id of its own, else on top of what this user runs."""
    return limits.processes if own_uid else own_process_count() + limits.processes


def kill_user_processes(uid: int) -> None:
    """Kill every process running as ``uid``, and wait until none is left (at most ``SWEEP_S``): from a
    short-lived child that becomes ``uid``, so that it can signal only those."""
    import subprocess

    subprocess.run(
        ["/bin/true"],
        user=uid,
        group=uid,
        extra_groups=[],
        preexec_fn=_kill_all_of_my_user,
        env={},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )


def _kill_all_of_my_user() -> None:
    # kill(-1) signals every process this user may signal but itself; it fails with ESRCH once there is none.
    # Killed processes stay as zombies until their parent reaps them; those are done.
    uid, deadline = os.getuid(), time.monotonic() + SWEEP_S
    while time.monotonic() < deadline:
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            return
        if not live_processes(uid, but=os.getpid()):
            return
        time.sleep(0.002)


def live_processes(uid: int, but: int = -1) -> list[int]:
    """The processes of ``uid`` that are not zombies (other than ``but``)."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == but:
            continue
        try:
            if entry.stat().st_uid != uid:
                continue
            with open(f"/proc/{entry.name}/stat", "rb") as stat_file:
                state = stat_file.read().rsplit(b")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state not in (b"Z", b"X"):
            found.append(int(entry.name))
    return found


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


async def exited(process: asyncio.subprocess.Process, timeout: float) -> bool:
    """Whether ``process`` exits within ``timeout`` seconds. (``Process.wait`` also waits until every process that
    inherited its pipes has closed them: a child left behind would hold it up.)"""
    deadline = time.monotonic() + timeout
    while process.returncode is None:
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(EXIT_POLL_S)
    return True


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
        timed_out = not await exited(process, limits.wall_time_s)
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
