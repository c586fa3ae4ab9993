"""Hostile programs, as a model served over HTTP might write them, end as failed samples within the limits while
the run goes on, and leave no trace on the host.

Every hostile program bounds itself too (it loops for at most a minute, forks at most 300 children that
exit within 30 s, allocates at most 1 GiB, writes one small file), and the evalscope process that runs them
is started with resource limits of its own, so that a sandbox that fails cannot harm the machine: the test
fails instead. A program that escapes makes its tests pass (it exits 1 when it cannot escape), so an escape
shows as a passed sample.
"""

from __future__ import annotations

import json
import os
import resource
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from evalscope_code.confinement import UIDS_PER_PROCESS, claimed_ids, free_id_block
from evalscope_code.humaneval import HumanEval
from evalscope_code.sandbox_bwrap import BubblewrapSandbox
from openai_server import FakeOpenAIServer

SECRET = "sk-containment-test-0123456789abcdef"
ESCAPED = "escaped-evalscope-code"
# The host's shared folders a program might write to, besides the test's own.
ELSEWHERE = ("/tmp", "/var/tmp", "/dev/shm", os.path.expanduser("~root"))
LIMITS = {"timeout": 5, "cpu_time": 3, "memory_mb": 256, "processes": 16}


def hostile_programs(escape_dir: Path, port: int, elsewhere: tuple[str, ...] = ()) -> dict[str, str]:
    """Module-level code that runs before the tests: ``{what it tries: code}``; the writer tries ``escape_dir``
    and the folders ``elsewhere``."""
    folders = (str(escape_dir), *elsewhere)
    return {
        "loop forever": "import time\nend = time.time() + 60\nwhile time.time() < end:\n    pass\n",
        "fork without end": (
            "import os, sys, time\nborn = 0\nfor _ in range(300):\n    try:\n        pid = os.fork()\n"
            "    except OSError:\n        sys.exit(1)\n    if pid == 0:\n        time.sleep(30)\n        os._exit(0)\n"
            "    born += 1\n"
        ),
        "allocate without end": "chunks = []\nfor _ in range(16):\n    chunks.append(b'x' * (64 << 20))\n",
        "write outside its folder": (
            "import os, sys\n"
            f"for folder in {folders!r}:\n"
            f"    try:\n        open(os.path.join(folder, {ESCAPED!r}), 'w').write('x')\n"
            "    except OSError:\n        pass\n"
            f"if not os.path.exists({str(escape_dir / ESCAPED)!r}):\n    sys.exit(1)\n"
        ),
        "read the environment for keys": (
            "import os, sys\nseen = ' '.join(f'{k}={v}' for k, v in os.environ.items())\n"
            "for entry in os.listdir('/proc'):\n    try:\n"
            "        seen += open(f'/proc/{entry}/environ', 'rb').read().decode(errors='replace')\n"
            "    except OSError:\n        pass\n"
            "found = [word for word in seen.replace('\\0', ' ').split() if 'sk-' in word]\n"
            "print('found:', found)\nif not found:\n    sys.exit(1)\n"
        ),
        "connect to a listener on 127.0.0.1": (
            f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=3).sendall(b'escaped')\n"
        ),
        "kill its parent": (
            "import os, signal, sys\nfor target in (os.getppid(), os.getpgid(os.getppid())):\n    try:\n"
            "        os.kill(target, signal.SIGKILL)\n        os.killpg(target, signal.SIGKILL)\n"
            "    except OSError:\n        pass\nsys.exit(1)\n"
        ),
    }


class Listener:
    """A TCP listener on 127.0.0.1 that counts the connections it accepts."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.socket.settimeout(0.2)
        self.port = self.socket.getsockname()[1]
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.socket.accept()
            except OSError:
                continue
            self.accepted += 1
            connection.close()

    def __enter__(self) -> Listener:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.socket.close()


def outer_limits() -> None:
    """Limits on the evalscope process itself, which every program inherits, whatever the sandbox does."""
    for which, value in (
        (resource.RLIMIT_AS, 8 << 30),
        (resource.RLIMIT_CPU, 600),
        (resource.RLIMIT_FSIZE, 256 << 20),
    ):
        resource.setrlimit(which, (value, value))


def live_processes_of(uids: range) -> list[int]:
    """The processes running as one of ``uids``, zombies (killed, waiting for their parent to reap them) aside."""
    found = []
    for entry in os.scandir("/proc"):
        try:
            if entry.name.isdigit() and entry.stat().st_uid in uids:
                state = Path(entry.path, "stat").read_bytes().rsplit(b")", 1)[1].split()[0]
                if state not in (b"Z", b"X"):
                    found.append(int(entry.name))
        except (OSError, IndexError):
            pass
    return found


def run_hostile(
    tmp_path: Path, sandbox: str, programs: list[str], escape_mode: int, elsewhere: tuple[str, ...] = ()
) -> tuple[dict, dict, Listener, Path, range]:
    """Serve the hostile answers (and three right ones) to an evalscope run in a subprocess; return its reviews.

    The writer tries a folder of the test with ``escape_mode`` and the folders ``elsewhere``.
    """
    escape_dir = tmp_path / "escape"
    escape_dir.mkdir()
    escape_dir.chmod(escape_mode)
    benchmark = HumanEval()
    samples = benchmark.load("main")
    with Listener() as listener:
        hostile = hostile_programs(escape_dir, listener.port, elsewhere)
        answers, expected = {}, {}
        for sample, name in zip(samples, [*programs, "right", "right", "right"]):
            code = sample.input + sample.target
            if name != "right":
                code = hostile[name] + "\n" + code
            answers[benchmark.build_prompt(sample)["messages"][-1]["content"]] = f"```python\n{code}```\n"
            expected[sample.id] = name
        work = tmp_path / "out"
        with FakeOpenAIServer(answers=answers) as server:
            process = subprocess.Popen(
                [sys.executable, "-m", "evalscope", "eval", "--model", "m", "--api-url", server.base_url]
                + ["--datasets", "humaneval", "--limit", str(len(expected)), "--eval-batch-size", "16"]
                + ["--dataset-args", json.dumps({"humaneval": {"sandbox": sandbox, **LIMITS}})]
                + ["--work-dir", str(work), "--no-timestamp"],
                env={**os.environ, "OPENAI_API_KEY": SECRET, "EVALSCOPE_TEST_TOKEN": SECRET},
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                preexec_fn=outer_limits,
            )
            base = free_id_block(claimed_ids(), process.pid)  # the user ids its programs run as
            uids = range(base, base + UIDS_PER_PROCESS)
            try:
                stdout, stderr = process.communicate(timeout=300)
            except subprocess.TimeoutExpired:  # a failing test leaves no evalscope (nor its programs) behind
                process.kill()
                process.communicate()
                raise
        assert process.returncode == 0, stderr
        lines = (work / "reviews" / "m" / "humaneval_main.jsonl").read_text(encoding="utf-8").splitlines()
        reviews = {review["sample_id"]: review for review in map(json.loads, lines)}
    return (
        {expected[key]: reviews[key] for key in reviews if expected[key] != "right"},
        {key: reviews[key] for key in reviews if expected[key] == "right"},
        listener,
        escape_dir,
        uids,
    )


def assert_contained(tmp_path: Path, hostile: dict, right: dict, listener: Listener, escape_dir: Path, uids: range):
    for name, review in hostile.items():
        assert review["score"] == 0.0 and review["scoring_error"] is None, f"{name}: {review['explanation']}"
    assert len(right) == 3 and all(review["score"] == 1.0 for review in right.values()), right
    assert listener.accepted == 0
    assert list(escape_dir.iterdir()) == []
    escaped = [Path(folder, ESCAPED) for folder in ELSEWHERE if Path(folder, ESCAPED).exists()]
    for path in escaped:
        path.unlink()  # a failing test leaves no litter either
    assert escaped == []
    assert live_processes_of(uids) == []
    for path in (tmp_path / "out").rglob("*"):
        if path.is_file():
            assert SECRET not in path.read_text(encoding="utf-8", errors="replace"), path


def test_hostile_programs_fail_within_the_limits_in_bubblewrap_and_leave_no_trace(tmp_path):
    reason = BubblewrapSandbox().unavailable_reason()
    if reason is not None:
        pytest.skip(f"bubblewrap cannot run here ({reason}); apt-get install bubblewrap")
    names = list(hostile_programs(tmp_path, 0))
    # The host's shared folders too: bwrap shows the program only its own tmpfs ones.
    hostile, right, listener, escape_dir, uids = run_hostile(tmp_path, "bwrap", names, 0o777, ELSEWHERE)
    assert set(hostile) == set(names)
    # The wall-time limit, or the CPU-time limit: SIGXCPU, or SIGKILL at the hard limit when the program runs as the
    # namespace's pid 1 (--as-pid-1), which the kernel spares signals it has no handler for.
    assert hostile["loop forever"]["explanation"].startswith(
        ("timed out", "killed by SIGXCPU", "killed by SIGKILL (the CPU-time limit")
    )
    assert "MemoryError" in hostile["allocate without end"]["explanation"]
    assert "found: []" in hostile["read the environment for keys"]["explanation"]
    assert_contained(tmp_path, hostile, right, listener, escape_dir, uids)


def test_the_process_fallback_bounds_what_it_cannot_contain(tmp_path):
    """The weaker sandbox still bounds time, processes and memory and empties the environment (as root it also
    keeps programs out of the test's folder and away from the parent); it does not hide the network."""
    names = ["loop forever", "fork without end", "allocate without end", "read the environment for keys"]
    if os.geteuid() == 0:
        names += ["write outside its folder", "kill its parent"]
    # Only a folder the program's user may not write: this sandbox does not hide world-writable ones.
    hostile, right, listener, escape_dir, uids = run_hostile(tmp_path, "process", names, 0o755)
    assert set(hostile) == set(names)
    assert_contained(tmp_path, hostile, right, listener, escape_dir, uids)
