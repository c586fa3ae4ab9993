"""The math-verify worker process (``python -m evalscope_math.verify_worker``), driven by ``MathVerifier``.

It imports math-verify, prints ``{"ready": true}``, then answers each JSON line ``{"gold": ...,
"answer": ...}`` on its standard input with one JSON line: ``{"equal": bool, "gold_parsed": str,
"answer_parsed": str}``, or ``{"error": str}`` when math-verify raised. It ends when its input closes,
and, even in the middle of a check, when the process that started it is gone (killed with ``kill -9``).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import threading
import time
from typing import Any

_PR_SET_PDEATHSIG = 1


def shown(parsed: list) -> str:
    """What math-verify read: its first parse as text, or ``nothing`` when it found no expression."""
    return str(parsed[0])[:200] if parsed else "nothing"


def answer(request: dict[str, Any]) -> dict[str, Any]:
    """The reply to one request (see the module docstring)."""
    from math_verify import parse, verify

    try:
        gold = parse(request["gold"], parsing_timeout=None)
        given = parse(request["answer"], parsing_timeout=None)
        equal = bool(verify(gold, given, timeout_seconds=None))
        return {"equal": equal, "gold_parsed": shown(gold), "answer_parsed": shown(given)}
    except Exception as exc:  # a check that failed is reported; the worker lives on
        return {"error": f"{type(exc).__name__}: {str(exc)[:200]}"}


def end_with_parent(parent: int) -> None:
    """End this process when ``parent`` is gone, even in the middle of a check.

    On Linux the kernel kills it (``PR_SET_PDEATHSIG``: when the thread that started it ends, which is
    the scoring thread of a run); a check can hold the interpreter for minutes inside one big-integer
    operation, where no Python code of ours runs. Elsewhere a thread checks every half second.
    """
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # gone before the signal was asked for
        os._exit(0)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def main() -> None:
    """Serve requests from standard input until it closes or the parent process is gone."""
    end_with_parent(int(sys.argv[1]) if len(sys.argv) > 1 else os.getppid())
    import math_verify

    # Its "timeout is disabled" warnings: the parent process bounds each check instead.
    logging.getLogger("math_verify").setLevel(logging.ERROR)
    math_verify.parse("$1$", parsing_timeout=None)  # the first parse loads the grammar: before "ready"
    out = sys.stdout
    out.write(json.dumps({"ready": True}) + "\n")
    out.flush()
    for line in sys.stdin:
        out.write(json.dumps(answer(json.loads(line))) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
