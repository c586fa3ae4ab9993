"""math-verify in a worker process that is killed when one check takes too long.

math-verify's own timeout uses ``signal.alarm``, which works only in a main thread (a run scores in
a thread beside the requests), and some expressions keep sympy busy for minutes. So each check is
sent to a child process (``evalscope_math.verify_worker``) and waited for at most ``time_limit``
seconds; a child that overruns is killed, the check raises ``VerificationTimeout`` (the run records
it as a scoring error and goes on), and the next check starts a fresh child. Starting a child and
importing sympy there (a second or two) happens before a check is sent, outside its time limit.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import subprocess
import sys
import tempfile
import threading
import weakref
from dataclasses import dataclass
from typing import IO, Any

from evalscope.errors import EvalscopeError

TIME_LIMIT = 5.0
"""Seconds one check (parsing both answers and comparing them) may take."""

READY = '{"ready": true}'
"""The worker's first line once it can take checks."""

START_LIMIT = 120.0
"""Seconds a new worker may take to start and import math-verify."""


class VerificationError(EvalscopeError):
    """math-verify could not give a verdict on an answer."""


class VerificationTimeout(VerificationError):
    """A check took longer than its time limit; the worker was killed."""


@dataclass(frozen=True)
class Verdict:
    """math-verify's verdict: ``equal``, and what it read in each text (``gold_parsed``, ``answer_parsed``)."""

    equal: bool
    gold_parsed: str
    answer_parsed: str


class MathVerifier:
    """Checks answers with math-verify in a killable worker process (see the module docstring).

    Thread-safe: checks from several threads wait for one another. ``close()`` stops the worker;
    a verifier that is garbage-collected stops it too, and so does the end of the process (on Linux, of
    the thread) that started it: the next check then starts another.
    """

    def __init__(self, time_limit: float = TIME_LIMIT, start_limit: float = START_LIMIT) -> None:
        self.time_limit = time_limit
        self.start_limit = start_limit
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None
        self._finalizer: Any = None

    def check(self, gold: str, answer: str) -> Verdict:
        """Whether ``answer`` equals ``gold`` (both LaTeX texts math-verify can read, see ``latex.as_latex``).

        Raises ``VerificationTimeout`` when the check overruns ``time_limit`` and ``VerificationError``
        when the worker fails.
        """
        with self._lock:
            process = self._running_worker()
            try:
                process.stdin.write(json.dumps({"gold": gold, "answer": answer}) + "\n")
                process.stdin.flush()
            except OSError:
                self._stop()
                raise VerificationError("the math-verify worker process ended before a check") from None
            line = _read_line(process.stdout, self.time_limit)
            if line is None:
                self._stop()
                raise VerificationTimeout(
                    f"math-verify took more than {self.time_limit:g} s to compare {_cut(answer)} with the gold "
                    f"{_cut(gold)}; stopped"
                )
            if not line:
                self._stop()
                raise VerificationError("the math-verify worker process ended during a check")
        reply = json.loads(line)
        if "error" in reply:
            raise VerificationError(f"math-verify failed on {_cut(answer)}: {reply['error']}")
        return Verdict(reply["equal"], reply["gold_parsed"], reply["answer_parsed"])

    def close(self) -> None:
        """Stop the worker process (a later check starts a new one)."""
        with self._lock:
            self._stop()

    @property
    def worker_pid(self) -> int | None:
        """The process id of the running worker, or None."""
        process = self._process
        return process.pid if process is not None and process.poll() is None else None

    def _running_worker(self) -> subprocess.Popen:
        if self._process is not None and self._process.poll() is None:
            return self._process
        self._stop()
        with tempfile.TemporaryFile(mode="w+", encoding="utf-8") as errors:
            process = subprocess.Popen(
                [sys.executable, "-m", "evalscope_math.verify_worker", str(os.getpid())],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
                text=True,
                encoding="utf-8",
                env={**os.environ, "PYTHONIOENCODING": "utf-8"},
            )
            self._process = process
            self._finalizer = weakref.finalize(self, _end_process, process)
            line = _read_line(process.stdout, self.start_limit)
            if line and line.strip() == READY:
                return process
            self._stop()
            errors.seek(0)
            lines = errors.read().strip().splitlines()
        reason = lines[-1] if lines else f"no answer within {self.start_limit:g} s"
        raise VerificationError(f"the math-verify worker did not start: {reason}")

    def _stop(self) -> None:
        if self._finalizer is not None:
            self._finalizer()
        self._process = self._finalizer = None


def _read_line(stream: IO[str], limit: float) -> str | None:
    """The next line of ``stream`` ('' at its end), or None when none comes within ``limit`` seconds."""
    ready, _, _ = select.select([stream], [], [], limit)
    return stream.readline() if ready else None


def _end_process(process: subprocess.Popen) -> None:
    """Kill ``process`` (it holds nothing worth keeping) and reap it."""
    if process.poll() is None:
        process.kill()
    process.wait()
    for stream in (process.stdin, process.stdout):
        with contextlib.suppress(OSError):
            stream.close()


def _cut(text: str, limit: int = 80) -> str:
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")
