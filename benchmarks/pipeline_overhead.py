"""Measure the pipeline's own overhead: the dummy model on all 1319 GSM8K test questions.

Runs the installed ``evalscope`` command as a whole process (start-up, plugin loading,
data loading, prompting, prediction store, scoring, reports) and prints wall time,
CPU time per sample and peak memory, then the start-up time of ``evalscope --help``.

    python benchmarks/pipeline_overhead.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

SAMPLES = 1319


def run_child(args: list[str]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds and peak RSS (KiB) of one child process."""
    start = time.perf_counter()
    pid = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).pid
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"{' '.join(args)} failed with status {status}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"{'run':<34} {'wall s':>8} {'CPU ms/sample':>14} {'peak MiB':>9}")
    for batch_size in (1, 32):
        walls, cpus, peaks = [], [], []
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory() as work_dir:
                command = [
                    sys.executable,
                    "-m",
                    "evalscope",
                    "--model-plugin",
                    "dummy",
                    "--datasets",
                    "gsm8k",
                    "--eval-batch-size",
                    str(batch_size),
                    "--work-dir",
                    work_dir,
                    "--no-timestamp",
                ]
                wall, cpu, peak = run_child(command)
            walls.append(wall)
            cpus.append(cpu)
            peaks.append(peak)
        label = f"dummy x gsm8k (1319), batch {batch_size}"
        print(
            f"{label:<34} {statistics.median(walls):>8.2f} {statistics.median(cpus) / SAMPLES * 1000:>14.3f}"
            f" {max(peaks) / 1024:>9.1f}"
        )
    helps = [run_child([sys.executable, "-m", "evalscope", "--help"])[0] for _ in range(10)]
    plugins = [run_child([sys.executable, "-m", "evalscope", "plugins"])[0] for _ in range(5)]
    print(f"{'evalscope --help':<34} {statistics.median(helps):>8.3f}")
    print(f"{'evalscope plugins':<34} {statistics.median(plugins):>8.3f}")


if __name__ == "__main__":
    main()
