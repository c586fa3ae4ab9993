"""Throughput of the code sandboxes: HumanEval's 164 canonical solutions run with their tests.

    python benchmarks/code_sandbox.py --workers 1 2 --repeat 3

For each sandbox (``bwrap``, ``process``) and pool size, the wall time of grading all 164 programs
through the ``code_execution`` scorer (``ascore``, as a run does), median (min-max) of the repeats, and
the load average at the start. Needs ``evalscope-code`` installed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time


async def grade_all(sandbox: str, workers: int) -> float:
    from evalscope_code.humaneval import HumanEval
    from evalscope_code.scorer import CodeExecutionScorer

    benchmark = HumanEval({"sandbox": sandbox, "workers": workers})
    samples = benchmark.load("main")
    scorer = CodeExecutionScorer()
    started = time.perf_counter()
    scores = await asyncio.gather(*(scorer.ascore(sample.target, sample) for sample in samples))
    elapsed = time.perf_counter() - started
    passed = sum(score.value for score in scores)
    if passed != len(samples):
        raise SystemExit(f"{sandbox}: {passed:g} of {len(samples)} canonical solutions passed")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sandboxes", nargs="+", default=["bwrap", "process"])
    parser.add_argument("--workers", nargs="+", type=int, default=[1, os.cpu_count() or 1])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.2f}; {os.cpu_count()} cores")
    print("| sandbox | workers | wall s, median (min-max) | programs/s |")
    print("| --- | --- | --- | --- |")
    for sandbox in args.sandboxes:
        for workers in args.workers:
            times = [asyncio.run(grade_all(sandbox, workers)) for _ in range(args.repeat)]
            median = statistics.median(times)
            print(f"| {sandbox} | {workers} | {median:.2f} ({min(times):.2f}-{max(times):.2f}) | {164 / median:.0f} |")


if __name__ == "__main__":
    main()
