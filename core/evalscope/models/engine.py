"""A managed engine: an OpenAI-compatible server that evalscope starts, evaluates through and stops.

A model plugin for a serving engine (llama.cpp, vLLM, SGLang) subclasses ``EngineModel`` and
says how to start its engine (``engine_command``). When the run folder is made, the runner
calls ``open_run(run_folder)``; the model then:

- starts the engine as a child process listening on a free port of 127.0.0.1, with a random API
  key made for this run (registered with the run's secrets, so it is masked in every log line and
  error), its output (stdout and stderr) going to ``logs/engine-<n>.log`` in the run folder
  (``<n>`` the first number not used there yet);
- waits until ``GET /v1/models`` answers (``startup_timeout`` seconds, default 600), logging that it
  waits; if the engine exits or the time runs out, raises ``ModelError``: one line naming the log,
  then the log's last lines;
- answers every prompt through the registered model of API eval type ``service`` (the OpenAI-compatible
  API model of ``evalscope.models.openai_api``), so its retries, checks and options apply; an engine
  that exits mid-run stops the run with a ``ModelError`` naming its log;
- stops the engine and the processes it started (SIGTERM to its process group, then SIGKILL to what
  is left after ``STOP_GRACE`` seconds) in ``aclose``, which the
  runner calls when the run ends (success, error or Ctrl-C), and at interpreter exit. On Linux the
  engine also gets SIGKILL from the kernel when evalscope dies (``PR_SET_PDEATHSIG``), so it never
  outlives evalscope, even when evalscope is killed with SIGTERM or SIGKILL.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evalscope.errors import ConfigError, ModelError
from evalscope.models.base import AsyncModel
from evalscope.utils.logger import add_secret, get_logger, redact

logger = get_logger()

HOST = "127.0.0.1"
DEFAULT_STARTUP_TIMEOUT = 600.0  # seconds; large checkpoints load for minutes
STOP_GRACE = 10.0  # seconds between SIGTERM and SIGKILL when the engine is stopped
POLL_INTERVAL = 0.25  # seconds between two checks of a starting or running engine
WAIT_NOTICE_EVERY = 15.0  # seconds between two "still waiting" log lines
LOG_TAIL_LINES = 20
PR_SET_PDEATHSIG = 1


def free_port(host: str = HOST) -> int:
    """A TCP port of ``host`` that nothing listens on now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def log_tail(path: Path, lines: int = LOG_TAIL_LINES) -> list[str]:
    """The last ``lines`` non-empty lines of the text file ``path`` (secrets masked); [] if unreadable."""
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - 64 * 1024))
            text = handle.read().decode("utf-8", errors="replace")
    except OSError:
        return []
    return [redact(line) for line in text.splitlines() if line.strip()][-lines:]


def new_api_key() -> str:
    """A random key for one run's engines, registered as a secret (hex only: a key that began with '-' would
    read as a flag on the engine's command line)."""
    key = secrets.token_hex(24)
    add_secret(key)
    return key


def _die_with_parent() -> None:
    """In the child before exec: ask Linux to SIGKILL it when the thread that started it ends."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(1)


class ManagedEngine:
    """One engine process: started on a free port with a fresh key, watched, and stopped.

    ``command`` is a function of ``(port, api_key)`` returning the argument list that starts the
    engine listening on ``HOST:port`` and accepting only ``api_key`` (a fresh random key unless one
    is given).
    """

    def __init__(
        self,
        name: str,
        command: Any,
        log_path: Path,
        startup_timeout: float = DEFAULT_STARTUP_TIMEOUT,
        env: dict[str, str] | None = None,
        api_key: str | None = None,
    ):
        self.name = name
        self.env = env
        self.command = command
        self.log_path = log_path
        self.startup_timeout = startup_timeout
        self.api_key = api_key or new_api_key()
        self.port = 0
        self.process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        """The engine's OpenAI API base URL (``http://127.0.0.1:PORT/v1``)."""
        return f"http://{HOST}:{self.port}/v1"

    def start(self) -> None:
        """Start the engine and wait until it answers ``GET /v1/models``; on failure stop it, raise ``ModelError``."""
        self.launch()
        self.wait_until_ready()

    def launch(self) -> None:
        """Start the engine process on a free port (``ModelError`` if it cannot be started); do not wait."""
        self.port = free_port()
        argv = [str(part) for part in self.command(self.port, self.api_key)]
        logger.debug(f"starting {self.name}: {redact(' '.join(argv))}")
        linux = sys.platform.startswith("linux")
        with open(self.log_path, "ab") as log:
            try:
                self.process = subprocess.Popen(
                    argv,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env={**os.environ, **self.env} if self.env else None,
                    # Its own process group: Ctrl-C in the terminal reaches evalscope only (which finishes the
                    # batch in hand before it stops the engine), and stop() reaches the engine's own children.
                    start_new_session=True,
                    preexec_fn=_die_with_parent if linux else None,  # noqa: PLW1509 - prctl must run in the child
                )
            except OSError as exc:
                raise ModelError(f"{self.name} could not be started ({argv[0]}): {exc.strerror or exc}") from None
        atexit.register(self.stop)

    def wait_until_ready(self) -> None:
        """Wait until the launched engine answers ``GET /v1/models``; on failure stop it, raise ``ModelError``."""
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise

    def _wait_until_ready(self) -> None:
        started = time.monotonic()
        next_notice = started
        while True:
            code = self.process.poll()
            if code is not None:
                raise ModelError(self._failure(f"exited with code {code} before it answered"))
            if self._answers():
                logger.info(
                    f"{self.name} ready on {self.base_url} after {time.monotonic() - started:.1f} s "
                    f"(its log: {self.log_path.name})"
                )
                return
            waited = time.monotonic() - started
            if waited >= self.startup_timeout:
                raise ModelError(
                    self._failure(f"did not answer GET /v1/models within startup_timeout={self.startup_timeout:g} s")
                )
            if time.monotonic() >= next_notice:
                logger.info(f"waiting for {self.name} to answer ({waited:.0f} s so far; its log: {self.log_path})")
                next_notice += WAIT_NOTICE_EVERY
            time.sleep(POLL_INTERVAL)

    def _answers(self) -> bool:
        request = urllib.request.Request(f"{self.base_url}/models", headers={"Authorization": f"Bearer {self.api_key}"})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=5) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError, ValueError):
            return False

    def _failure(self, what: str) -> str:
        tail = log_tail(self.log_path)
        lines = [f"{self.name} {what}; see {self.log_path}"]
        if tail:
            lines.append(f"last lines of {self.log_path.name}:")
            lines.extend(f"  {line}" for line in tail)
        return "\n".join(lines)

    def exit_code(self) -> int | None:
        """The engine's exit code, or None while it runs."""
        return None if self.process is None else self.process.poll()

    def died_message(self) -> str:
        """One line saying the engine exited mid-run, naming its log."""
        return f"{self.name} exited with code {self.exit_code()} during the run; see its log {self.log_path}"

    def stop(self) -> None:
        """Stop the engine and the processes it started (its process group): SIGTERM, then SIGKILL to what is
        left once the engine exits or after ``STOP_GRACE`` seconds. Safe to call more than once."""
        process, self.process = self.process, None
        atexit.unregister(self.stop)
        if process is None:
            return
        if process.poll() is None:
            _signal_group(process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(STOP_GRACE)
        _signal_group(process.pid, signal.SIGKILL)
        process.wait()
        self.process = process  # keep the exit code readable


def _signal_group(group: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):  # the group is gone
        os.killpg(group, signum)


def engine_flags(settings: dict[str, Any]) -> list[str]:
    """Settings as command-line flags in the style of vLLM and SGLang.

    ``{"tensor_parallel_size": 2}`` -> ``--tensor-parallel-size 2``; ``True`` -> the bare flag,
    ``False`` and ``None`` -> nothing; a list -> the flag followed by each item; a mapping -> JSON.
    """
    import json

    flags: list[str] = []
    for key, value in settings.items():
        flag = "--" + key.replace("_", "-")
        if value is None or value is False:
            continue
        if value is True:
            flags.append(flag)
        elif isinstance(value, list):
            flags += [flag, *(str(item) for item in value)]
        elif isinstance(value, dict):
            flags += [flag, json.dumps(value)]
        else:
            flags += [flag, str(value)]
    return flags


def serve_flags(port: int, api_key: str, settings: dict[str, Any]) -> list[str]:
    """``--host 127.0.0.1 --port PORT --api-key KEY`` and ``settings`` as flags (``engine_flags``): the part of
    the command line that vLLM's and SGLang's servers read alike."""
    return ["--host", HOST, "--port", str(port), "--api-key", api_key, *engine_flags(settings)]


def next_engine_log(logs_dir: Path) -> Path:
    """``logs_dir/engine-<n>.log`` with the first ``n`` (from 0) not used yet, so no log is overwritten."""
    logs_dir.mkdir(parents=True, exist_ok=True)
    n = 0
    while (logs_dir / f"engine-{n}.log").exists():
        n += 1
    return logs_dir / f"engine-{n}.log"


class EngineModel(AsyncModel):
    """An ``AsyncModel`` that starts a serving engine and answers through the OpenAI API model.

    Subclasses set ``engine_name`` and implement ``engine_command``. ``config`` holds ``model``
    (what the engine loads), ``startup_timeout``, ``replicas`` (engines to start, default 1) and
    ``gpus_per_replica`` (with it, replica ``i`` gets ``CUDA_VISIBLE_DEVICES`` set to its own GPUs
    ``i*g .. i*g+g-1``), any option of the OpenAI API model (``OpenAIAPIOptions``: ``timeout``,
    ``retries``, ``stream``, ...), and the engine's own settings (every other key), which
    ``engine_command`` turns into flags. The replicas share one key made for the run and are the
    endpoints of one OpenAI API model (``evalscope.models.endpoints``): each request goes to the
    replica with the fewest in flight, and each replica's share is logged when the run ends.
    """

    Options = "evalscope.models.engine_options:EngineOptions"  # what `evalscope plugins show` lists
    engine_name = "engine"
    managed_settings: tuple[str, ...] = ()  # engine settings the model sets itself (port, key, ...)

    def __init__(self, config: dict | None = None, **kwargs: Any) -> None:
        super().__init__(config, **kwargs)
        from evalscope.models.api_options import OpenAIAPIOptions

        model = self.config.get("model")
        if not isinstance(model, str) or not model:
            raise ConfigError(f"{self.engine_name} needs --model (what the engine loads)")
        timeout = self.config.get("startup_timeout", DEFAULT_STARTUP_TIMEOUT)
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
            raise ConfigError(f"startup_timeout must be a positive number of seconds, got {timeout!r}")
        self.startup_timeout = float(timeout)
        self.replicas = self._count("replicas", 1, minimum=1)
        self.gpus_per_replica = self._count("gpus_per_replica", None, minimum=1)
        api_fields = set(OpenAIAPIOptions.model_fields) - {"model", "api_url", "api_key"}
        self.api_options = {key: value for key, value in self.config.items() if key in api_fields}
        reserved = {"api_url", "api_key"} & set(self.config)
        if reserved:
            raise ConfigError(f"{self.engine_name}: {', '.join(sorted(reserved))} is set by the managed engine")
        own = ("model", "startup_timeout", "replicas", "gpus_per_replica")
        self.engine_settings = {
            key: value for key, value in self.config.items() if key not in api_fields and key not in own
        }
        managed = [key for key in self.managed_settings if key in self.engine_settings]
        if managed:
            raise ConfigError(
                f"{self.engine_name}: --model-args cannot set {', '.join(managed)}, which evalscope sets itself"
            )
        self.engines: list[ManagedEngine] = []
        self.api: Any = None  # the OpenAIAPIModel over the replicas, once they answer
        self._died: asyncio.Future | None = None
        self._watch: asyncio.Task | None = None

    def _count(self, key: str, default: int | None, minimum: int) -> int | None:
        value = self.config.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise ConfigError(f"{key} must be a whole number of at least {minimum}, got {value!r}")
        return value

    @property
    def engine(self) -> ManagedEngine | None:
        """The first (often only) engine, once started."""
        return self.engines[0] if self.engines else None

    def engine_command(self, port: int, api_key: str) -> Sequence[str]:
        """The argument list that starts the engine on ``127.0.0.1:port``, accepting only ``api_key``."""
        raise NotImplementedError

    def served_model(self) -> str:
        """The model name the engine lists at ``GET /v1/models`` (default: ``config["model"]``)."""
        return self.config["model"]

    @classmethod
    def run_options(cls, config: Any) -> dict[str, Any]:
        """The options an engine model takes from the run's ``TaskConfig``: the API model's settings
        (``api_settings``: ``--api-mode``, ``--timeout``, ``--retries``, ``--stream``, ``--eval-batch-size``)."""
        from evalscope.models.api_options import api_settings

        return api_settings(config)

    def use_run_settings(self, settings: dict[str, Any]) -> None:
        """Take the run's OpenAI API model settings (``--timeout``, ``--retries``, ``--stream``, and the
        connection pool from ``--eval-batch-size``) for each one this model's own config does not set."""
        for key, value in settings.items():
            if key not in self.config:
                self.api_options[key] = value

    def replica_env(self, index: int) -> dict[str, str] | None:
        """Environment variables of replica ``index``: its own ``CUDA_VISIBLE_DEVICES`` with ``gpus_per_replica``."""
        if self.gpus_per_replica is None:
            return None
        first = index * self.gpus_per_replica
        return {"CUDA_VISIBLE_DEVICES": ",".join(str(gpu) for gpu in range(first, first + self.gpus_per_replica))}

    def open_run(self, run_folder: Path) -> None:
        """Start the engines (each logging to ``run_folder/logs/engine-<n>.log``); the runner calls it once.

        All replicas are launched first, then waited for; if one fails, all are stopped.
        """
        from evalscope.config import API_EVAL_TYPE
        from evalscope.plugins.manager import get_plugins

        api_model = get_plugins().models.for_eval_type(API_EVAL_TYPE).factory
        api_key = new_api_key()
        try:
            for index in range(self.replicas):
                log_path = next_engine_log(Path(run_folder) / "logs")
                engine = ManagedEngine(
                    self.engine_name,
                    self.engine_command,
                    log_path,
                    self.startup_timeout,
                    self.replica_env(index),
                    api_key,
                )
                logger.info(f"starting {self.engine_name} for {self.config['model']!r}; its log: {log_path}")
                engine.launch()
                self.engines.append(engine)
            for engine in self.engines:
                engine.wait_until_ready()
        except BaseException:
            for engine in self.engines:
                engine.stop()
            raise
        api_config = {
            **self.api_options,
            "model_id": self.config.get("model_id"),
            "model": self.served_model(),
            "api_url": [engine.base_url for engine in self.engines],
            "api_key": api_key,
        }
        self.api = api_model(config=api_config)

    @property
    def retry_status(self) -> str | None:
        """What the API model is retrying (for the progress bar), or None."""
        return self.api.retry_status if self.api is not None else None

    async def agenerate(self, prompt: dict, infer_cfg: dict) -> dict:
        """Answer through the replica with the fewest requests in flight; ``ModelError`` if an engine exits."""
        if self.api is None:
            raise ModelError(f"{self.engine_name} was not started: the runner calls open_run(run_folder) first")
        if self._died is None:
            self._died = asyncio.get_running_loop().create_future()
            self._watch = asyncio.ensure_future(self._watch_engines())
        if self._died.done():
            raise ModelError(self._died.result())
        call = asyncio.ensure_future(self.api.agenerate(prompt, infer_cfg))
        try:
            await asyncio.wait({call, self._died}, return_when=asyncio.FIRST_COMPLETED)
        except BaseException:
            call.cancel()
            raise
        if call.done():
            return call.result()
        call.cancel()
        raise ModelError(self._died.result())

    def endpoint_answers(self, dataset: str) -> list[dict[str, Any]] | None:
        """With several replicas, the answers each gave for ``dataset``; else None."""
        return self.api.endpoint_answers(dataset) if self.api is not None else None

    async def _watch_engines(self) -> None:
        while True:
            dead = [engine for engine in self.engines if engine.exit_code() is not None]
            if dead:
                if self._died is not None and not self._died.done():
                    self._died.set_result(dead[0].died_message())
                return
            await asyncio.sleep(POLL_INTERVAL)

    async def aclose(self) -> None:
        """Close the API model (which logs each replica's share) and stop the engines."""
        if self._watch is not None:
            self._watch.cancel()
            self._watch = None
        try:
            if self.api is not None:
                await self.api.aclose()
        finally:
            for engine in self.engines:
                engine.stop()

    def __del__(self) -> None:
        for engine in getattr(self, "engines", ()):
            engine.stop()
