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
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evalscope.errors import ConfigError, ModelError
from evalscope.models.base import AsyncModel
from evalscope.models.engine_process import (
    DEFAULT_STARTUP_TIMEOUT,
    HOST,
    POLL_INTERVAL,
    ManagedEngine,
    engine_flags,
    new_api_key,
    next_engine_log,
    serve_flags,
)
from evalscope.utils.logger import get_logger

logger = get_logger()

__all__ = ["HOST", "EngineModel", "ManagedEngine", "engine_flags", "serve_flags"]


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
        self.replicas = self._count("replicas", 1, minimum=1) or 1  # replicas=None: the default
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
        from evalscope.plugins.manager import current_plugins

        api_model = current_plugins().models.for_eval_type(API_EVAL_TYPE).factory
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
