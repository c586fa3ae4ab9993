"""The managed llama.cpp engine: its start-up time, and evalscope driving it beside a bare client.

    python benchmarks/engine_throughput.py [--gguf PATH] [--limit 400] [--concurrency 1 4]
        [--max-tokens 32] [--repeat 3] [--startup-repeat 5] [--engine-settings JSON]

Without ``--gguf`` the tiny test model of ``tests/tiny_gguf.py`` is written to a temporary folder
(2 layers, width 64; its answers are gibberish, but the server, tokenizer and sampling are real
and the engine is the whole cost of an answer). ``--engine-settings`` (a JSON object, e.g.
``'{"n_threads": 1}'``) is given to every engine, as ``--model-args`` gives it to a run's. Needs
the ``evalscope-llama-cpp`` plugin (and its ``xllamacpp``, llama.cpp's own server) and, without
``--gguf``, the ``gguf`` package.

1. Start-up, ``--startup-repeat`` times: the engine is started exactly as the ``llama_cpp`` model
   starts it (``LlamaCppModel.engine_command``, through ``ManagedEngine.launch``, with as many slots,
   ``n_parallel``, as the largest ``--concurrency``), and the time from
   the process start to the first ``200`` from ``GET /v1/models`` is taken, polling every 10 ms.
   (evalscope itself polls every ``POLL_INTERVAL`` = 0.25 s, so a run may wait up to 0.25 s more.)
2. Throughput, for each ``--concurrency`` N and ``--repeat`` times, the first ``--limit`` GSM8K
   questions zero-shot, greedy (``do_sample: false``), ``max_new_tokens`` = ``--max-tokens``:

   - ``evalscope (managed)``: ``evalscope eval --model-plugin llama_cpp --model PATH
     --eval-batch-size N ...``, a whole process that starts its own engine. Its time is its wall
     time less the engine's start-up in that run (from the moment it logs ``starting llama.cpp
     server`` to the moment it logs ``llama.cpp server ready``; measured on its own in 1), so
     evalscope's own start-up and stopping the engine at the end are in, as the bare client's
     start-up is in its time;
   - ``evalscope (api-url)``: ``evalscope eval --model PATH --api-url URL --eval-batch-size N ...``
     against one engine the script keeps running (started as in 1, so with a slot for each request
     in flight, and without llama.cpp's prompt cache in RAM, which would hand the second client
     the first one's prompts already computed), i.e. the OpenAI API model
     that the managed engine drives, without the engine's own layer, as a whole process;
   - ``bare aiohttp``: ``benchmarks/bare_client.py`` with N in flight, against that same engine.

   All three send the same request bodies. The bare client's bodies are made from what evalscope
   stored: each prediction's ``prompt`` and the report's effective ``generation_config``, turned
   into body fields by evalscope's own ``request_params`` (``max_tokens``, ``temperature: 0``,
   ``seed``), with the model name the engine serves. That they are the same is checked, each run:
   the engine's log must show one finished slot task (``release: ... stop processing``) per question for each
   client, and the sums of ``usage.prompt_tokens`` and ``usage.completion_tokens`` (read from the
   evalscope report, and summed by the bare client from its answers) must be equal for all three.
   Equal prompt tokens mean the same prompts through the same chat template; since decoding is
   greedy, equal completion tokens mean the same ``max_tokens`` and sampling settings.

3. The fixed cost: one question, ``evalscope (api-url)`` beside the bare client (start-up and
   shutdown of each process), ``--repeat`` times.

It prints the machine (CPU model, cores, Python, xllamacpp), the load average before and
after, and per row the median wall time (min-max over the repeats), requests per second, the
ratio to the bare client, and the median CPU seconds of the client process and of the engine
during the run (the managed run's engine is its child, so only the whole process's CPU, engine
included, is shown for it). The machine's load changes the wall times; the ratio is what to compare.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BARE_CLIENT = Path(__file__).resolve().parent / "bare_client.py"
MODEL_ID = "tiny"
STARTING = re.compile(r"starting llama\.cpp server for ")
READY = re.compile(r"llama\.cpp server ready on ")
ANSWERED_LINE = b"| stop processing"  # the engine's log line for a slot that finished a request
STARTUP_POLL = 0.01  # seconds
# The engine kept for two clients in turn must not answer the second from the first one's prompts, which
# llama.cpp's server keeps in a prompt cache in RAM; a managed run's fresh engine has nothing cached either.
KEPT_ENGINE_SETTINGS = {"cache_ram_mib": 0}


def machine() -> str:
    """CPU model, cores, Python and xllamacpp versions, in one line."""
    cpu = platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, xllamacpp {version('xllamacpp')}"


def load() -> str:
    """The load averages over 1, 5 and 15 minutes, as ``uptime`` shows them."""
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def llama_model(gguf: Path, slots: int = 1, settings: dict | None = None):
    """The ``llama_cpp`` model of evalscope for ``gguf`` with ``slots`` requests in flight, as
    ``--model-plugin llama_cpp --model PATH --eval-batch-size SLOTS --model-args SETTINGS`` makes it."""
    from evalscope_llama_cpp.model import LlamaCppModel

    return LlamaCppModel(config={"model": str(gguf), "concurrency": slots, **(settings or {})})


def start_engine(gguf: Path, log_path: Path, slots: int, settings: dict | None = None):
    """Start the engine as evalscope does (``slots`` in flight); returns it and the seconds until ``GET /v1/models``
    answered."""
    from evalscope.models.engine import ManagedEngine

    model = llama_model(gguf, slots, settings)
    engine = ManagedEngine(model.engine_name, model.engine_command, log_path)
    started = time.perf_counter()
    engine.launch()
    request = urllib.request.Request(f"{engine.base_url}/models", headers={"Authorization": f"Bearer {engine.api_key}"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    while True:
        if engine.exit_code() is not None:
            raise SystemExit(f"the engine exited with code {engine.exit_code()}; see {log_path}")
        try:
            with opener.open(request, timeout=5) as response:
                if response.status == 200:
                    return engine, time.perf_counter() - started
        except OSError:
            pass
        time.sleep(STARTUP_POLL)


def startup_times(gguf: Path, workdir: Path, repeat: int, slots: int, settings: dict) -> list[float]:
    """Start and stop the engine (``slots`` in flight, ``settings``) ``repeat`` times; the start-up times in seconds."""
    times = []
    for number in range(repeat):
        engine, seconds = start_engine(gguf, workdir / f"startup-{number}.log", slots, settings)
        engine.stop()
        times.append(seconds)
    return times


def evalscope_head() -> list[str]:
    script = Path(sys.executable).parent / "evalscope"
    return [str(script)] if script.exists() else [sys.executable, "-m", "evalscope"]


def workload_args(args: argparse.Namespace, concurrency: int, work_dir: Path) -> list[str]:
    """The arguments every evalscope run shares: dataset, limit, generation config, concurrency, folder."""
    generation = {"max_new_tokens": args.max_tokens, "do_sample": False}
    return [
        "--model-id",
        MODEL_ID,
        "--datasets",
        "gsm8k",
        "--dataset-args",
        json.dumps({"gsm8k": {"few_shot_num": 0}}),
        "--limit",
        str(args.limit),
        "--generation-config",
        json.dumps(generation),
        "--eval-batch-size",
        str(concurrency),
        "--no-timestamp",
        "--work-dir",
        str(work_dir),
    ]


def fail(what: str, result_out: str, result_err: str) -> None:
    raise SystemExit(f"{what}\n{result_out}\n{result_err[-3000:]}")


def run_managed(gguf: Path, args: argparse.Namespace, concurrency: int, work_dir: Path) -> tuple[float, float]:
    """One managed run; returns (wall time less the engine's start-up, whole wall time), in seconds."""
    command = [*evalscope_head(), "eval", "--model-plugin", "llama_cpp", "--model", str(gguf)]
    command += ["--model-args", json.dumps(args.engine_settings)]
    command += workload_args(args, concurrency, work_dir)
    seen: dict[str, float] = {}
    lines: list[str] = []
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

    def read_stderr() -> None:
        for line in process.stderr:
            for name, pattern in (("starting", STARTING), ("ready", READY)):
                if name not in seen and pattern.search(line):
                    seen[name] = time.perf_counter()
            lines.append(line)

    reader = threading.Thread(target=read_stderr)
    reader.start()
    code = process.wait()
    ended = time.perf_counter()
    reader.join()
    if code != 0 or len(seen) != 2:
        fail(f"the managed run exited {code}", "", "".join(lines))
    wall = ended - started
    return wall - (seen["ready"] - seen["starting"]), wall


def run_api(engine, gguf: Path, args: argparse.Namespace, concurrency: int, work_dir: Path) -> float:
    """One ``--api-url`` run against ``engine``; returns its wall time."""
    command = [*evalscope_head(), "eval", "--model", str(gguf), "--api-url", engine.base_url]
    command += workload_args(args, concurrency, work_dir)
    env = {**os.environ, "EVALSCOPE_API_KEY": engine.api_key}
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        fail(f"the --api-url run exited {result.returncode}", result.stdout, result.stderr)
    return elapsed


def run_bare(engine, bodies: Path, concurrency: int) -> tuple[float, tuple[int, int]]:
    """One bare-client run against ``engine``; returns its wall time and its (prompt, completion) token sums."""
    command = [sys.executable, str(BARE_CLIENT), "--url", engine.base_url + "/chat/completions"]
    command += ["--bodies", str(bodies), "--concurrency", str(concurrency), "--api-key", engine.api_key]
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        fail(f"the bare client exited {result.returncode}", result.stdout, result.stderr)
    fields = dict(item.split("=", 1) for item in result.stdout.split())
    return elapsed, (int(fields["prompt_tokens"]), int(fields["completion_tokens"]))


def report(work_dir: Path) -> dict:
    """The GSM8K report of one evalscope run, after checking it has no errors."""
    data = json.loads((work_dir / "reports" / MODEL_ID / "gsm8k.json").read_text(encoding="utf-8"))
    if data["errors"]:
        raise SystemExit(f"the run in {work_dir} has {data['errors']} errors")
    return data


def tokens(work_dir: Path) -> tuple[int, int]:
    """(prompt, completion) token sums of one evalscope run, from its report."""
    usage = report(work_dir)["usage"]
    return usage["prompt_tokens"], usage["completion_tokens"]


def write_bodies(work_dir: Path, served_model: str, path: Path) -> int:
    """The request bodies evalscope sent in the run of ``work_dir``, one per line; returns how many."""
    from evalscope.models.openai_api import request_params

    params = request_params(report(work_dir)["generation_config"])
    predictions = work_dir / "predictions" / MODEL_ID / "gsm8k_main.jsonl"
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for line in predictions.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            body = {"model": served_model, "messages": record["prompt"]["messages"], **params}
            out.write(json.dumps(body, ensure_ascii=False) + "\n")
            count += 1
    return count


def answered(log_path: Path) -> int:
    """How many requests the engine's log shows answered."""
    return log_path.read_bytes().count(ANSWERED_LINE)


def answered_since(log_path: Path, before: int, expected: int) -> int:
    """Answers logged since the log showed ``before``; waits up to 2 s for ``expected`` (the log lags)."""
    deadline = time.monotonic() + 2.0
    while answered(log_path) - before < expected and time.monotonic() < deadline:
        time.sleep(0.05)
    return answered(log_path) - before


def fixed_cost(engine, gguf: Path, args: argparse.Namespace, workdir: Path) -> dict[str, list[float]]:
    """Wall times of one question from evalscope (api-url) and from the bare client, ``args.repeat`` times each."""
    one = argparse.Namespace(**{**vars(args), "limit": 1})
    times: dict[str, list[float]] = {"bare": [], "evalscope": []}
    for number in range(args.repeat):
        work_dir = workdir / f"one-{number}"
        times["evalscope"].append(run_api(engine, gguf, one, 1, work_dir))
        bodies = workdir / f"one-{number}.jsonl"
        write_bodies(work_dir, llama_model(gguf).served_model(), bodies)
        times["bare"].append(run_bare(engine, bodies, 1)[0])
    return times


def median_text(values: list[float]) -> str:
    return f"{statistics.median(values):.2f}" if values else ""


def children_cpu() -> float:
    """CPU seconds (user + system) of this script's finished child processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) the running process ``pid`` has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"


def main() -> None:
    """Run the benchmark and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gguf", type=Path, help="the model file (default: the tiny test model, made here)")
    parser.add_argument("--limit", type=int, default=400, help="GSM8K questions per run")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4], help="requests in flight")
    parser.add_argument("--max-tokens", type=int, default=32, help="max_new_tokens of every answer")
    parser.add_argument("--repeat", type=int, default=3, help="runs per row")
    parser.add_argument("--startup-repeat", type=int, default=5, help="engine start-ups to time")
    parser.add_argument("--engine-settings", type=json.loads, default={}, help="JSON settings of every engine")
    args = parser.parse_args()

    print(f"machine: {machine()}")
    print(f"load average before: {load()}")
    with tempfile.TemporaryDirectory(prefix="evalscope-engine-bench-") as tmp:
        workdir = Path(tmp)
        gguf = args.gguf
        if gguf is None:
            sys.path.insert(0, str(ROOT / "tests"))
            from tiny_gguf import write_tiny_gguf

            gguf = write_tiny_gguf(workdir / "tiny.gguf")
        gguf = gguf.resolve()
        print(f"model: {gguf} ({gguf.stat().st_size / 1e6:.1f} MB)")
        print(f"engine settings: {json.dumps(args.engine_settings)}")

        slots = max(args.concurrency)
        startups = startup_times(gguf, workdir, args.startup_repeat, slots, args.engine_settings)
        print()
        print(f"engine start-up (process start to GET /v1/models answering, {slots} slots), {len(startups)} starts:")
        print(f"  median {spread(startups)} s")

        engine_log = workdir / "engine.log"
        engine, _ = start_engine(gguf, engine_log, slots, {**args.engine_settings, **KEPT_ENGINE_SETTINGS})
        served = llama_model(gguf).served_model()
        rows = []
        try:
            for concurrency in args.concurrency:
                times: dict[str, list[float]] = {
                    "bare aiohttp": [],
                    "evalscope (api-url)": [],
                    "evalscope (managed)": [],
                }
                whole: list[float] = []
                client_cpu: dict[str, list[float]] = {label: [] for label in [*times, "whole"]}
                engine_cpu: dict[str, list[float]] = {label: [] for label in times}
                for number in range(args.repeat):
                    managed_dir = workdir / f"managed-{concurrency}-{number}"
                    cpu = children_cpu()
                    without_startup, wall = run_managed(gguf, args, concurrency, managed_dir)
                    client_cpu["whole"].append(children_cpu() - cpu)
                    times["evalscope (managed)"].append(without_startup)
                    whole.append(wall)
                    expected = tokens(managed_dir)
                    managed_answered = answered(managed_dir / "logs" / "engine-0.log")
                    bodies = workdir / f"bodies-{concurrency}-{number}.jsonl"
                    count = write_bodies(managed_dir, served, bodies)

                    before = answered(engine_log)
                    api_dir = workdir / f"api-{concurrency}-{number}"
                    cpu, served_cpu = children_cpu(), process_cpu(engine.process.pid)
                    times["evalscope (api-url)"].append(run_api(engine, gguf, args, concurrency, api_dir))
                    client_cpu["evalscope (api-url)"].append(children_cpu() - cpu)
                    engine_cpu["evalscope (api-url)"].append(process_cpu(engine.process.pid) - served_cpu)
                    api_answered = answered_since(engine_log, before, count)
                    api_tokens = tokens(api_dir)

                    before = answered(engine_log)
                    cpu, served_cpu = children_cpu(), process_cpu(engine.process.pid)
                    bare_time, bare_tokens = run_bare(engine, bodies, concurrency)
                    client_cpu["bare aiohttp"].append(children_cpu() - cpu)
                    engine_cpu["bare aiohttp"].append(process_cpu(engine.process.pid) - served_cpu)
                    times["bare aiohttp"].append(bare_time)
                    bare_answered = answered_since(engine_log, before, count)

                    seen = {"managed": (managed_answered, expected), "api-url": (api_answered, api_tokens)}
                    seen["bare"] = (bare_answered, bare_tokens)
                    if any(value != (count, expected) for value in seen.values()):
                        raise SystemExit(
                            f"the clients did not send the same requests ({count} questions): "
                            + ", ".join(
                                f"{name} {value[0]} requests, tokens {value[1]}" for name, value in seen.items()
                            )
                        )
                bare = statistics.median(times["bare aiohttp"])
                for label, values in times.items():
                    wall = statistics.median(values)
                    cpu_text = median_text(client_cpu[label]), median_text(engine_cpu[label])
                    rows.append(
                        (
                            concurrency,
                            label,
                            spread(values),
                            f"{args.limit / wall:.1f}",
                            f"{wall / bare:.2f}x",
                            *cpu_text,
                        )
                    )
                both = f"{median_text(client_cpu['whole'])} with its engine"
                rows.append((concurrency, "(managed, whole process)", spread(whole), "", "", both, ""))
            fixed = fixed_cost(engine, gguf, args, workdir)
        finally:
            engine.stop()

        print()
        print(
            f"{args.limit} GSM8K questions zero-shot, greedy, max_new_tokens {args.max_tokens}; "
            f"median (min-max) of {args.repeat} runs; prompt and completion tokens equal for all clients"
        )
        print()
        header = ("in flight", "client", "wall s", "req/s", "vs bare", "client CPU s", "engine CPU s")
        print("| " + " | ".join(header) + " |")
        print("| ---: | --- | ---: | ---: | ---: | ---: | ---: |")
        for row in rows:
            print("| " + " | ".join(str(cell) for cell in row) + " |")
    print()
    print(
        f"one question (start-up and shutdown of the client): bare aiohttp {spread(fixed['bare'])} s, "
        f"evalscope (api-url) {spread(fixed['evalscope'])} s"
    )
    print()
    print(f"load average after: {load()}")


if __name__ == "__main__":
    main()
