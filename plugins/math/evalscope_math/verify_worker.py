"""The math-verify worker process (``python -m evalscope_math.verify_worker``), driven by ``MathVerifier``.

It imports math-verify, prints ``{"ready": true}``, then answers each JSON line ``{"gold": ...,
"answer": ...}`` on its standard input with one JSON line: ``{"equal": bool, "gold_parsed": str,
"answer_parsed": str}``, or ``{"error": str}`` when math-verify raised. It ends when its input closes.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any


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


def main() -> None:
    """Serve requests from standard input until it closes."""
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
