"""``LlamaCppModel``: a managed llama.cpp server (``python -m llama_cpp.server``) for one GGUF file.

``--model PATH.gguf`` is the file the server loads; every key of ``--model-args`` that is not a
setting of the managed engine (``startup_timeout``) or of the OpenAI API model (``timeout``,
``retries``, ``stream``, ...) is passed to the server as ``--KEY VALUE`` (``n_ctx``,
``n_gpu_layers``, ``chat_format``, ``n_threads``, ...; booleans as ``True``/``False``, a list as its
items after the flag, a mapping as JSON). The server is started with ``--interrupt_requests False``, since by default it
cuts off a streamed answer when another request arrives.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from typing import Any

from evalscope.errors import ConfigError
from evalscope.models.engine import HOST, EngineModel

INSTALL_HINT = "pip install 'llama-cpp-python[server]'"
# Set by the model: a value from --model-args would break how evalscope reaches the server.
MANAGED_SETTINGS = ("host", "port")
# What evaluation needs, unless --model-args says otherwise.
EVALUATION_DEFAULTS: dict[str, Any] = {"interrupt_requests": False}


def setting_flags(key: str, value: Any) -> list[str]:
    """One setting as llama_cpp.server's command line reads it: ``--key value`` (a list: ``--key a b``)."""
    if isinstance(value, bool):
        return [f"--{key}", "True" if value else "False"]
    if isinstance(value, list):
        return [f"--{key}", *(str(item) for item in value)]
    if isinstance(value, dict):
        return [f"--{key}", json.dumps(value)]
    return [f"--{key}", str(value)]


class LlamaCppModel(EngineModel):
    """Starts ``python -m llama_cpp.server`` on ``config["model"]`` (a GGUF path) and evaluates through it."""

    engine_name = "llama.cpp server"
    managed_settings = MANAGED_SETTINGS

    def __init__(self, config: dict | None = None, **kwargs: Any) -> None:
        super().__init__(config, **kwargs)
        if importlib.util.find_spec("llama_cpp") is None:
            raise ConfigError(f"the llama_cpp model needs llama-cpp-python's server: {INSTALL_HINT}")

    def engine_command(self, port: int, api_key: str) -> list[str]:
        """``python -m llama_cpp.server --model PATH --host 127.0.0.1 --port PORT --api_key KEY`` and the settings."""
        argv = [sys.executable, "-m", "llama_cpp.server", "--model", self.config["model"]]
        argv += ["--host", HOST, "--port", str(port), "--api_key", api_key]
        for key, value in {**EVALUATION_DEFAULTS, **self.engine_settings}.items():
            if value is not None:
                argv += setting_flags(key, value)
        return argv

    def served_model(self) -> str:
        """The name the server lists: ``model_alias`` when given, else the model path as given."""
        return str(self.engine_settings.get("model_alias") or self.config["model"])
