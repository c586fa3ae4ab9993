"""Measure the pipeline's own overhead: the dummy model on the GSM8K test questions, at 1x, 10x and 100x.

Runs the installed ``evalscope`` command as a whole process (start-up, plugin loading,
data loading, prompting, prediction store, scoring, reports). For each scale the 1319 test
questions of the bundled GSM8K copy are repeated into a ``test.jsonl`` in a temporary folder,
passed as ``--dataset-args '{"gsm8k": {"local_path": FOLDER}}'`` (the 4-shot default prompt,
``--eval-batch-size 32``). It prints, per scale, the median wall time, CPU time per sample,
peak RSS and bytes written to the run folder per sample, each with the spread (min-max) of
``--repeat`` runs; the marginal CPU per sample (the slope between the smallest and the
largest scale, so start-up is left out); then the start-up time of ``evalscope --help``.

    python benchmarks/pipeline_overhead.py [--repeat 3] [--scales 1 10 100]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEST_SET = ROOT / "plugins" / "gsm8k" / "evalscope_gsm8k" / "data" / "test.jsonl"


def run_child(args: list[str]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds and peak RSS (KiB) of one child process."""
    start = time.perf_counter()
    pid = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).pid
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"{' '.join(args)} failed with status {status}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def repeated_test_set(folder: Path, times: int) -> int:
    """Write ``folder/test.jsonl``: the bundled test set ``times`` over; returns the number of questions."""
    lines = TEST_SET.read_bytes().splitlines(keepends=True)
    with (folder / "test.jsonl").open("wb") as handle:
        for _ in range(times):
            handle.writelines(lines)
    return len(lines) * times


def folder_bytes(folder: Path) -> int:
    """The size of every file under ``folder``."""
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def eval_command(work_dir: str, batch_size: int, data_folder: Path | None) -> list[str]:
    """The ``evalscope`` command line of one run of the dummy model on gsm8k."""
    command = [sys.executable, "-m", "evalscope", "--model-plugin", "dummy", "--datasets", "gsm8k"]
    if data_folder is not None:
        command += ["--dataset-args", json.dumps({"gsm8k": {"local_path": str(data_folder)}})]
    return command + ["--eval-batch-size", str(batch_size), "--work-dir", work_dir, "--no-timestamp"]


def spread(values: list[float], fmt: str) -> str:
    """``median (min-max)`` of ``values``, each formatted with ``fmt``."""
    return f"{statistics.median(values):{fmt}} ({min(values):{fmt}}-{max(values):{fmt}})"


def measure(scale: int, batch_size: int, repeat: int) -> dict[str, list[float]]:
    """Run the dummy model on the test set repeated ``scale`` times, ``repeat`` times over."""
    results: dict[str, list[float]] = {"wall": [], "cpu_ms": [], "rss_mb": [], "disk_kb": [], "cpu": []}
    with tempfile.TemporaryDirectory(prefix="evalscope-overhead-") as tmp:
        data_folder = Path(tmp) / "data"
        data_folder.mkdir()
        samples = repeated_test_set(data_folder, scale)
        for number in range(repeat):
            work_dir = Path(tmp) / f"run{number}"
            wall, cpu, peak = run_child(eval_command(str(work_dir), batch_size, data_folder))
            results["wall"].append(wall)
            results["cpu"].append(cpu)
            results["cpu_ms"].append(cpu / samples * 1000)
            results["rss_mb"].append(peak / 1024)
            results["disk_kb"].append(folder_bytes(work_dir) / samples / 1024)
    results["samples"] = [samples]
    return results


def main() -> None:
    """Run the benchmark and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per row; the median and min-max are shown")
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100], help="times the test set is repeated")
    parser.add_argument("--batch-size", type=int, default=32, help="--eval-batch-size of the runs")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(
        f"dummy model x gsm8k test set repeated, --eval-batch-size {args.batch_size}, median (min-max) of {args.repeat}"
    )
    print()
    print("| samples | wall s | CPU ms/sample | peak RSS MiB | disk KiB/sample |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    rows = {}
    for scale in args.scales:
        result = rows[scale] = measure(scale, args.batch_size, args.repeat)
        print(
            f"| {result['samples'][0]:,} | {spread(result['wall'], '.2f')} | {spread(result['cpu_ms'], '.3f')} "
            f"| {spread(result['rss_mb'], '.0f')} | {spread(result['disk_kb'], '.2f')} |",
            flush=True,
        )
    if len(rows) > 1:
        small, large = rows[min(rows)], rows[max(rows)]
        extra = large["samples"][0] - small["samples"][0]
        slope = (statistics.median(large["cpu"]) - statistics.median(small["cpu"])) / extra * 1000
        start = statistics.median(small["cpu"]) - slope / 1000 * small["samples"][0]
        print(f"\nmarginal CPU per sample: {slope:.3f} ms, beyond a start of {start:.2f} s")
    with tempfile.TemporaryDirectory(prefix="evalscope-overhead-") as tmp:
        wall, cpu, _ = run_child(eval_command(tmp, 1, None))
    print(f"\nthe bundled test set (1,319) at --eval-batch-size 1: {wall:.2f} s wall, {cpu:.2f} s CPU")
    helps = [run_child([sys.executable, "-m", "evalscope", "--help"])[0] for _ in range(10)]
    plugins = [run_child([sys.executable, "-m", "evalscope", "plugins"])[0] for _ in range(5)]
    print(f"evalscope --help: {statistics.median(helps):.3f} s; evalscope plugins: {statistics.median(plugins):.3f} s")


if __name__ == "__main__":
    main()
