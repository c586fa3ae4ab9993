"""Time README's install command on a fresh machine's terms.

Each run clones this repository into a temporary folder, makes a fresh virtual environment there,
and runs the first line of README's install-and-test block (the one `.ci/run` runs) with an empty
pip cache (`PIP_CACHE_DIR` set to a new folder). With `--no-compilers`, `cc`, `gcc`, `g++`, `c++`
and `cmake` on `PATH` are commands that fail, so a run that needs a compiler fails instead of
building. Prints each run's wall time, then the median and the range.

    python benchmarks/install_time.py --repeat 3 --no-compilers
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARKER = "<!-- ci: install and test -->"
COMPILERS = ("cc", "gcc", "g++", "c++", "cmake")


def install_command(readme: Path) -> str:
    """The first command of README's install-and-test block."""
    lines = readme.read_text(encoding="utf-8").splitlines()
    start = lines.index(MARKER)
    block = lines[start + 2 :]  # after the marker and the opening fence
    return block[0]


def failing_compilers(folder: Path) -> Path:
    """A folder of commands named like compilers that print a line and exit 1."""
    folder.mkdir()
    for name in COMPILERS:
        path = folder / name
        path.write_text(f"#!/bin/sh\necho '{name} was called during the install' >&2\nexit 1\n")
        path.chmod(0o755)
    return folder


def one_install(no_compilers: bool) -> float:
    """Clone, make a venv, run the install command; the seconds the install command took."""
    with tempfile.TemporaryDirectory(prefix="evalscope-install-") as work:
        work_dir = Path(work)
        subprocess.run(["git", "clone", "-q", str(ROOT), str(work_dir / "repo")], check=True)
        subprocess.run([sys.executable, "-m", "venv", str(work_dir / "venv")], check=True)
        env = dict(os.environ, PIP_CACHE_DIR=str(work_dir / "pip-cache"), VIRTUAL_ENV=str(work_dir / "venv"))
        path = [str(work_dir / "venv" / "bin")]
        if no_compilers:
            path.insert(0, str(failing_compilers(work_dir / "no-compilers")))
        env["PATH"] = os.pathsep.join([*path, os.environ["PATH"]])
        command = install_command(work_dir / "repo" / "README.md")
        started = time.perf_counter()
        subprocess.run(["bash", "-c", f"{command} -q"], cwd=work_dir / "repo", env=env, check=True)
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="installs to time")
    parser.add_argument("--no-compilers", action="store_true", help="make compilers on PATH fail")
    args = parser.parse_args()
    print(f"command: {install_command(ROOT / 'README.md')}")
    times = []
    for run in range(args.repeat):
        seconds = one_install(args.no_compilers)
        times.append(seconds)
        print(f"run {run + 1}: {seconds:.1f} s", flush=True)
    print(
        f"median {statistics.median(times):.1f} s (min {min(times):.1f}, max {max(times):.1f}) over {len(times)} runs"
    )
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
