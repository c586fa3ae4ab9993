"""The engine process of a managed engine: started on a free port of 127.0.0.1, waited for, watched and stopped.

``ManagedEngine`` owns one child process (its process group, its log file, its start-up wait and its stop: SIGTERM
then SIGKILL after ``STOP_GRACE`` seconds; ``PR_SET_PDEATHSIG`` makes the kernel kill it if evalscope dies).
``engine_flags`` and ``serve_flags`` build the command-line flags vLLM's and SGLang's servers read alike.
``EngineModel`` (``evalscope.models.engine``) starts one per replica.
"""

from __future__ import annotations

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
from pathlib import Path
from typing import Any

from evalscope.errors import ModelError
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
            code = self.exit_code()
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
