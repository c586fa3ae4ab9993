"""Throughput of the OpenAI-compatible API model against a local server, beside a bare client.

    .venv/bin/python benchmarks/api_throughput.py [--concurrency 1 32 128] [--repeat 3] [--latency 0.05]

The fake server of ``tests/openai_server.py`` runs as its own process and answers every
request after ``--latency`` seconds. For each concurrency, two whole processes send the same
requests (the GSM8K test set, 1319 questions):

- ``evalscope eval --model x --api-url URL --datasets gsm8k --eval-batch-size N --no-timestamp
  --work-dir DIR`` (a fresh run folder each time, so nothing comes from the cache);
- ``benchmarks/bare_client.py``: aiohttp with N in flight and nothing else (``--clients httpx
  openai`` adds the other clients, when installed, for choosing the HTTP library).

It prints the median wall time of ``--repeat`` runs, requests per second and the ratio to the
bare aiohttp client.

Then the many-subset case (``--subsets-in-flight N``, default 64): the 1140 questions of the
test plugin ``evalscope-many-subsets`` (``tests/packages``), sent once as 57 subsets of 20
(``--datasets many_subsets``, the shape of MMLU) and once as one subset (``one_subset``),
beside the bare aiohttp client sending the same 1140 requests. A runner that lets the requests
in flight drain at each subset boundary waits for its slowest request 57 times; its ratio to the
bare client then grows far beyond that of the one-subset run. The plugin is made visible through
a temporary ``.dist-info`` folder on ``PYTHONPATH`` (``tests/plugin_site.py``, as the tests do);
nothing is installed. Without the ``gsm8k`` plugin installed, the GSM8K questions are served by
a throwaway benchmark (``gsm8k_questions``) that the script makes visible through a temporary
entry point. ``--profile N`` also runs evalscope once under cProfile at N in flight and prints
where its time goes.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVER = ROOT / "tests" / "openai_server.py"
BARE_CLIENT = Path(__file__).resolve().parent / "bare_client.py"
MODEL = "x"
QUESTION_FILES = (
    ROOT / "plugins" / "gsm8k" / "evalscope_gsm8k" / "data" / "test.jsonl",
    ROOT.parent / "shared" / "data" / "gsm8k" / "test.jsonl",
)

SYNTHETIC_PLUGIN = '''
"""Throwaway benchmark for api_throughput.py: the GSM8K test questions, zero-shot."""
import json, os
from evalscope import hookimpl
from evalscope.benchmarks import Benchmark, Sample


class Questions(Benchmark):
    name = "gsm8k_questions"
    scorer = "exact_match"

    def load(self, subset):
        with open(os.environ["BENCH_QUESTIONS"], encoding="utf-8") as handle:
            rows = [json.loads(line) for line in handle if line.strip()]
        return [Sample(id=str(i), input=row["question"], target=row["answer"]) for i, row in enumerate(rows)]

    def build_prompt(self, sample):
        return self.chat_prompt(sample.input)


@hookimpl
def register_benchmarks(register):
    register("gsm8k_questions", Questions)
'''


def start_server(latency: float) -> tuple[subprocess.Popen, str]:
    """Start the fake server process; returns it and its base URL."""
    server = subprocess.Popen(
        [sys.executable, str(SERVER), "--latency", str(latency)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    line = server.stdout.readline().strip()
    if not line.startswith("READY "):
        server.kill()
        raise SystemExit(f"the fake server did not start: {line!r}")
    return server, line.split(" ", 1)[1]


def prepare_dataset(workdir: Path) -> tuple[str, list[dict], dict[str, str]]:
    """The dataset name to pass to evalscope, its prompts, and the environment the run needs."""
    from evalscope.plugins import get_plugins

    env: dict[str, str] = {}
    if "gsm8k" in get_plugins().benchmarks:
        name = "gsm8k"
    else:
        source = next((path for path in QUESTION_FILES if path.is_file()), None)
        if source is None:
            raise SystemExit("no gsm8k plugin installed and no GSM8K test file found")
        plugin_dir = workdir / "plugin"
        (plugin_dir / "bench_gsm8k_questions-0.0.dist-info").mkdir(parents=True)
        (plugin_dir / "bench_gsm8k_questions.py").write_text(SYNTHETIC_PLUGIN, encoding="utf-8")
        (plugin_dir / "bench_gsm8k_questions-0.0.dist-info" / "METADATA").write_text(
            "Metadata-Version: 2.1\nName: bench-gsm8k-questions\nVersion: 0.0\n", encoding="utf-8"
        )
        (plugin_dir / "bench_gsm8k_questions-0.0.dist-info" / "entry_points.txt").write_text(
            "[evalscope]\ngsm8k_questions = bench_gsm8k_questions\n", encoding="utf-8"
        )
        env = {"PYTHONPATH": os.pathsep.join(filter(None, [str(plugin_dir), os.environ.get("PYTHONPATH")]))}
        env["BENCH_QUESTIONS"] = str(source)
        os.environ.update(env)
        sys.path.insert(0, str(plugin_dir))
        get_plugins(reload=True)
        name = "gsm8k_questions"
    plugins = get_plugins()
    registration = plugins.benchmarks.get(name)
    benchmark = registration.factory(options={}, seed=42)
    samples = [sample for subset in benchmark.subset_list() for sample in benchmark.load(subset)]
    prompts = [benchmark.build_prompt(sample) for sample in samples]
    return name, prompts, env


def prepare_many_subsets(workdir: Path) -> tuple[list[dict], dict[str, str]]:
    """The prompts of ``many_subsets`` in run order, and the environment that makes the plugin visible."""
    sys.path.insert(0, str(ROOT / "tests"))
    from plugin_site import make_plugin_site

    from evalscope.plugins import get_plugins

    site = workdir / "site"
    site.mkdir()
    entries = make_plugin_site(site, ("evalscope-many-subsets",))
    env = {"PYTHONPATH": os.pathsep.join([*entries, *filter(None, [os.environ.get("PYTHONPATH")])])}
    sys.path[:0] = entries
    benchmark = get_plugins(reload=True).benchmarks.get("many_subsets").factory(options={}, seed=42)
    samples = [sample for subset in benchmark.subset_list() for sample in benchmark.load(subset)]
    prompts = [benchmark.build_prompt(sample) for sample in samples]
    return prompts, env


def write_bodies(path: Path, prompts: list[dict]) -> None:
    """One chat request body per prompt, one per line."""
    with path.open("w", encoding="utf-8") as handle:
        for prompt in prompts:
            handle.write(json.dumps({"model": MODEL, "messages": prompt["messages"]}, ensure_ascii=False) + "\n")


def many_subsets_case(base_url: str, workdir: Path, concurrency: int, repeat: int, python: str) -> None:
    """Time the 1140 requests as 57 subsets, as one subset, and from the bare client; print the table."""
    prompts, env = prepare_many_subsets(workdir)
    bodies = workdir / "many_subsets_bodies.jsonl"
    write_bodies(bodies, prompts)
    times: dict[str, list[float]] = {"bare aiohttp": [], "evalscope, 1 subset": [], "evalscope, 57 subsets": []}
    for number in range(repeat):
        command = [python, str(BARE_CLIENT), "--url", base_url + "/chat/completions", "--bodies", str(bodies)]
        times["bare aiohttp"].append(timed(command + ["--concurrency", str(concurrency)]))
        for label, dataset in (("evalscope, 1 subset", "one_subset"), ("evalscope, 57 subsets", "many_subsets")):
            work_dir = workdir / f"{dataset}{number}"
            times[label].append(timed(evalscope_command(base_url, dataset, concurrency, work_dir), env))
            check_run(work_dir, len(prompts))
    bare = statistics.median(times["bare aiohttp"])
    print()
    print(f"{len(prompts)} requests as 57 subsets of 20 and as one subset, {concurrency} in flight:")
    print()
    print(f"| {'client':<21} | {'wall s':>16} | {'req/s':>7} | {'vs bare aiohttp':>15} |")
    print(f"|{'-' * 23}|{'-' * 18}|{'-' * 9}|{'-' * 17}|")
    for label, values in times.items():
        wall = statistics.median(values)
        spread = f"{wall:.2f} ({min(values):.2f}-{max(values):.2f})"
        print(f"| {label:<21} | {spread:>16} | {len(prompts) / wall:>7.0f} | {wall / bare:>14.2f}x |")


def timed(command: list[str], env: dict[str, str] | None = None) -> float:
    """Run ``command`` to the end and return its wall time; fail loudly if it fails."""
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env={**os.environ, **(env or {})})
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command[:4])}... exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return elapsed


def evalscope_command(
    base_url: str, dataset: str, concurrency: int, work_dir: Path, limit: int | None = None
) -> list[str]:
    """The ``evalscope eval`` command line of one run."""
    script = Path(sys.executable).parent / "evalscope"
    head = [str(script)] if script.exists() else [sys.executable, "-m", "evalscope"]
    return head + evalscope_args(base_url, dataset, concurrency, work_dir, limit)


def evalscope_args(
    base_url: str, dataset: str, concurrency: int, work_dir: Path, limit: int | None = None
) -> list[str]:
    """The arguments of ``evalscope`` for one run."""
    extra = ["--limit", str(limit)] if limit else []
    return [
        "eval",
        *extra,
        "--model",
        MODEL,
        "--api-url",
        base_url,
        "--api-key",
        "EMPTY",
        "--datasets",
        dataset,
        "--eval-batch-size",
        str(concurrency),
        "--no-timestamp",
        "--work-dir",
        str(work_dir),
    ]


def check_run(work_dir: Path, expected: int) -> None:
    """Fail unless the run folder holds one successful prediction per prompt."""
    lines = [
        json.loads(line)
        for path in (work_dir / "predictions").rglob("*.jsonl")
        for line in path.read_text(encoding="utf-8").splitlines()
    ]
    good = sum(1 for record in lines if record.get("error") is None)
    if good != expected:
        raise SystemExit(f"evalscope run in {work_dir} has {good} good predictions, expected {expected}")


def profile(base_url: str, dataset: str, concurrency: int, workdir: Path, env: dict[str, str]) -> None:
    """Run evalscope once under cProfile and print the functions that cost the most."""
    import pstats

    out = workdir / "evalscope.prof"
    arguments = evalscope_args(base_url, dataset, concurrency, workdir / "profiled")
    command = [sys.executable, "-m", "cProfile", "-o", str(out), "-m", "evalscope", *arguments]
    timed(command, env)
    print(f"\ncProfile of evalscope at {concurrency} in flight (cumulative, top 25):")
    pstats.Stats(str(out)).sort_stats("cumulative").print_stats(25)
    print("by own time (top 20):")
    pstats.Stats(str(out)).sort_stats("tottime").print_stats(20)


def gsm8k_case(args: argparse.Namespace, base_url: str, workdir: Path) -> None:
    """Time the GSM8K questions at each concurrency, and one request alone; print the table."""
    dataset, prompts, env = prepare_dataset(workdir)
    bodies = workdir / "bodies.jsonl"
    with bodies.open("w", encoding="utf-8") as handle:
        for prompt in prompts:
            body = {"model": MODEL, "messages": prompt["messages"]}
            handle.write(json.dumps(body, ensure_ascii=False) + "\n")
    url = base_url + "/chat/completions"
    print(
        f"{len(prompts)} requests ({dataset}), server latency {args.latency * 1000:g} ms, "
        f"median of {args.repeat} runs, Python {sys.version.split()[0]}, {os.cpu_count()} cores"
    )
    clients = ["aiohttp", *[client for client in args.clients if client != "aiohttp"]]
    rows = []
    run_number = 0
    for concurrency in args.concurrency:
        times: dict[str, list[float]] = {name: [] for name in [*clients, "evalscope"]}
        for _ in range(args.repeat):
            for client in clients:
                command = [args.python, str(BARE_CLIENT), "--url", url, "--bodies", str(bodies)]
                command += ["--concurrency", str(concurrency), "--client", client]
                times[client].append(timed(command))
            run_number += 1
            work_dir = workdir / f"run{run_number}"
            times["evalscope"].append(timed(evalscope_command(base_url, dataset, concurrency, work_dir), env))
            check_run(work_dir, len(prompts))
        bare = statistics.median(times["aiohttp"])
        for name, values in times.items():
            wall = statistics.median(values)
            label = name if name == "evalscope" else f"bare {name}"
            rows.append((concurrency, label, wall, len(prompts) / wall, wall / bare))
    # Fixed cost: start-up, one request, and the end of the run.
    one_body = workdir / "one.jsonl"
    one_body.write_text(bodies.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    bare_once, evalscope_once = [], []
    for _ in range(args.repeat):
        command = [args.python, str(BARE_CLIENT), "--url", url, "--bodies", str(one_body)]
        bare_once.append(timed(command))
        run_number += 1
        command = evalscope_command(base_url, dataset, 1, workdir / f"run{run_number}", limit=1)
        evalscope_once.append(timed(command, env))
    print()
    print(
        f"one request (start-up and shutdown): bare aiohttp {statistics.median(bare_once):.2f} s, "
        f"evalscope {statistics.median(evalscope_once):.2f} s"
    )
    print()
    print(f"| {'in flight':>9} | {'client':<13} | {'wall s':>7} | {'req/s':>7} | {'vs bare aiohttp':>15} |")
    print(f"|{'-' * 11}|{'-' * 15}|{'-' * 9}|{'-' * 9}|{'-' * 17}|")
    for concurrency, label, wall, rate, ratio in rows:
        print(f"| {concurrency:>9} | {label:<13} | {wall:>7.2f} | {rate:>7.0f} | {ratio:>14.2f}x |")
    if args.profile:
        profile(base_url, dataset, args.profile, workdir, env)


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 32, 128])
    parser.add_argument("--repeat", type=int, default=3, help="runs per cell; the median is shown")
    parser.add_argument("--latency", type=float, default=0.05, help="server latency per request, seconds")
    parser.add_argument("--clients", nargs="*", default=[], help="also time bare httpx / openai clients")
    parser.add_argument("--python", default=sys.executable, help="interpreter of the bare clients")
    parser.add_argument("--profile", type=int, metavar="N", help="profile one evalscope run at N in flight")
    parser.add_argument(
        "--subsets-in-flight", type=int, default=64, metavar="N", help="in flight in the many-subset case (0: skip it)"
    )
    parser.add_argument("--skip-gsm8k", action="store_true", help="run only the many-subset case")
    args = parser.parse_args()

    server, base_url = start_server(args.latency)
    try:
        with tempfile.TemporaryDirectory(prefix="evalscope-bench-") as tmp:
            workdir = Path(tmp)
            if not args.skip_gsm8k:
                gsm8k_case(args, base_url, workdir)
            if args.subsets_in_flight:
                many_subsets_case(base_url, workdir, args.subsets_in_flight, args.repeat, args.python)
    finally:
        server.stdin.close()
        server.wait(10)


if __name__ == "__main__":
    main()
