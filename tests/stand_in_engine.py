"""A stand-in for ``vllm serve`` and ``python -m sglang.launch_server`` on a machine without a GPU.

It reads the engine's command line (``serve MODEL`` or ``--model-path MODEL``, then ``--host``,
``--port``, ``--api-key``; other flags are accepted and ignored), appends it as one JSON line to
the file named by ``$STAND_IN_ARGV``, and serves the test OpenAI server (``openai_server.py``,
echoing each prompt after ``$STAND_IN_LATENCY`` seconds, default 0) on that host and port with
that key and model until SIGTERM; at exit the server logs ``SERVED requests=N max_in_flight=M``.
It first prints ``CUDA_VISIBLE_DEVICES=...`` (its value, or None) to its log. With
``$STAND_IN_CHILD`` set, it starts a child process that sleeps with that text on its command
line, as vLLM and SGLang start worker processes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SERVER = Path(__file__).with_name("openai_server.py")


def flag(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def main(argv: list[str]) -> None:
    with open(os.environ["STAND_IN_ARGV"], "a", encoding="utf-8") as record:
        record.write(json.dumps(argv) + "\n")
    model = argv[1] if argv[:1] == ["serve"] else flag(argv, "--model-path")
    if flag(argv, "--host") != "127.0.0.1":
        sys.exit(f"stand-in engine: refusing to listen on {flag(argv, '--host')}")
    print(f"CUDA_VISIBLE_DEVICES={os.environ.get('CUDA_VISIBLE_DEVICES')}", flush=True)
    if os.environ.get("STAND_IN_CHILD"):
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", os.environ["STAND_IN_CHILD"]])
    latency = os.environ.get("STAND_IN_LATENCY", "0")
    server = [sys.executable, str(SERVER), "--port", flag(argv, "--port"), "--api-key", flag(argv, "--api-key")]
    os.execv(sys.executable, [*server, "--model", model, "--echo", "--latency", latency, "--until-terminated"])


if __name__ == "__main__":
    main(sys.argv[1:])
