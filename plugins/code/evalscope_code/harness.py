"""The program that tests a model's code, and how to read its end.

The program is the model's code, then the tests, then one line that writes a random marker straight to
file descriptor 1. The host counts the tests as passed only when the program exits 0 AND the marker is
in its output: a program that leaves early with status 0 (``sys.exit(0)`` at import, ``os._exit(0)`` in
the function, an ``atexit`` hook that exits 0 after a failed test) never reaches the marker. The marker is in
the program's source, so code written to read it there can print it: it guards against early exits, not
against code that sets out to cheat.
"""

from __future__ import annotations

import secrets
import signal
from dataclasses import dataclass

from evalscope.sandboxes import Execution

SIGNAL_CAUSES = {
    "SIGXCPU": "the CPU-time limit",
    "SIGXFSZ": "the file-size limit",
    "SIGKILL": "the CPU-time limit, or the program itself",
    "SIGSEGV": "a crash, often the memory limit",
}


def new_marker() -> str:
    """A fresh marker per program, unknown to the model when it wrote its code."""
    return f"evalscope-tests-passed-{secrets.token_hex(16)}"


def with_tests(code: str, tests: str, marker: str) -> str:
    """``code``, then ``tests``, then the line that writes ``marker`` once the tests have run."""
    return f"{code}\n\n{tests}\n\n__import__('os').write(1, b'\\n{marker}\\n')\n"


@dataclass(frozen=True)
class Verdict:
    """Whether the tests passed, in one line why, and what the program printed (the marker removed)."""

    passed: bool
    reason: str
    stdout: str
    stderr: str


def verdict(execution: Execution, marker: str, wall_time_s: float) -> Verdict:
    """Read how a test program ended."""
    reached = marker in execution.stdout
    stdout = execution.stdout.replace(f"\n{marker}\n", "").replace(marker, "")
    code = execution.exit_code
    if execution.timed_out:
        reason = f"timed out: still running after {wall_time_s:g} s (killed)"
    elif code is not None and code < 0:
        name = signal.Signals(-code).name if -code in signal.valid_signals() else f"signal {-code}"
        reason = f"killed by {name} ({SIGNAL_CAUSES.get(name, 'the program itself, or a crash')})"
    elif code != 0:
        last = [line for line in execution.stderr.strip().splitlines() if line.strip()]
        reason = f"exited with status {code}" + (f": {last[-1].strip()}" if last else "")
    elif not reached:
        reason = "exited with status 0 before its tests finished (no completion marker)"
    else:
        return Verdict(True, "passed", stdout, execution.stderr)
    return Verdict(False, reason, stdout, execution.stderr)
