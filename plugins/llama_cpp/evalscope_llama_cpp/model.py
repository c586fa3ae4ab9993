"""``LlamaCppModel``: a managed llama.cpp server (``python -m evalscope_llama_cpp.serve``) for one GGUF file.

``--model PATH.gguf`` is the file the server loads. The server is llama.cpp's own C++ server, which
``xllamacpp`` embeds: continuous batching over ``n_parallel`` slots, so that many answers are
computed at once. ``n_parallel`` is the run's ``--eval-batch-size`` (the requests evalscope keeps in
flight; with ``replicas``, each replica's share) unless ``--model-args`` sets it. Every key of
``--model-args`` that is not a setting of the managed engine (``startup_timeout``, ``replicas``, ...)
or of the OpenAI API model (``timeout``, ``retries``, ``stream``, ...) is a field of
``xllamacpp.CommonParams`` that the server is started with (``n_ctx``, ``n_gpu_layers``,
``n_threads``, ``chat_template``, ``model_alias``, ``{"sampling": {...}}``, ...; see
``evalscope_llama_cpp.serve.apply_settings``).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from typing import Any

from evalscope.errors import ConfigError
from evalscope.models.engine import HOST, EngineModel

INSTALL_HINT = "pip install xllamacpp"
# Set by the model: a value from --model-args would break how evalscope reaches the server.
MANAGED_SETTINGS = ("hostnames", "port", "api_keys", "api_prefix")


class LlamaCppModel(EngineModel):
    """Starts llama.cpp's server (``python -m evalscope_llama_cpp.serve``) on ``config["model"]`` (a GGUF
    path) and evaluates through it."""

    engine_name = "llama.cpp server"
    managed_settings = MANAGED_SETTINGS

    def __init__(self, config: dict | None = None, **kwargs: Any) -> None:
        super().__init__(config, **kwargs)
        if importlib.util.find_spec("xllamacpp") is None:
            raise ConfigError(f"the llama_cpp model needs xllamacpp (llama.cpp's server): {INSTALL_HINT}")

    @property
    def parallel_slots(self) -> int | None:
        """The server's ``n_parallel``: as ``--model-args`` sets it, else the requests each replica gets at most
        (the run's ``--eval-batch-size``, shared out among the replicas), else None (llama.cpp's default)."""
        if "n_parallel" in self.engine_settings:
            return self.engine_settings["n_parallel"]
        in_flight = self.api_options.get("concurrency")
        return -(-in_flight // self.replicas) if isinstance(in_flight, int) and in_flight > 0 else None

    def engine_command(self, port: int, api_key: str) -> list[str]:
        """``python -m evalscope_llama_cpp.serve --model PATH --host 127.0.0.1 --port PORT --api-key KEY
        --settings JSON`` (the ``--model-args`` settings, with ``n_parallel``)."""
        settings = {**self.engine_settings, "n_parallel": self.parallel_slots}
        if settings["n_parallel"] is None:
            del settings["n_parallel"]
        argv = [sys.executable, "-m", "evalscope_llama_cpp.serve", "--model", self.config["model"]]
        argv += ["--host", HOST, "--port", str(port), "--api-key", api_key]
        return [*argv, "--settings", json.dumps(settings)]

    def served_model(self) -> str:
        """The name the server lists: ``model_alias`` when given (for a list, the first in sorted order, as
        llama.cpp lists it), else the model path."""
        alias = self.engine_settings.get("model_alias")
        if isinstance(alias, list):
            alias = min(alias, default=None)
        return str(alias or self.config["model"])
