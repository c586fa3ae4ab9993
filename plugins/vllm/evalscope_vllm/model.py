"""``VLLMModel``: a managed vLLM server, ``vllm serve MODEL --host 127.0.0.1 --port P --api-key K``.

Every engine setting of ``--model-args`` becomes a flag (see ``evalscope.models.engine.serve_flags``):
``{"tensor_parallel_size": 2}`` -> ``--tensor-parallel-size 2``. vLLM is not a dependency of this
package; the ``vllm`` command must be on ``PATH``.
"""

from __future__ import annotations

import shutil
from typing import Any

from evalscope.errors import ConfigError
from evalscope.models.engine import EngineModel, serve_flags

INSTALL_HINT = "install vLLM for your hardware (pip install vllm; see https://docs.vllm.ai)"
MANAGED_SETTINGS = ("host", "port")


class VLLMModel(EngineModel):
    """Starts ``vllm serve`` on ``config["model"]`` (a Hugging Face id or a local folder) and evaluates through it."""

    engine_name = "vLLM server"
    managed_settings = MANAGED_SETTINGS

    def __init__(self, config: dict | None = None, **kwargs: Any) -> None:
        super().__init__(config, **kwargs)
        if shutil.which("vllm") is None:
            raise ConfigError(f"the vllm model needs the vllm command, which is not on PATH: {INSTALL_HINT}")

    def engine_command(self, port: int, api_key: str) -> list[str]:
        """``vllm serve MODEL --host 127.0.0.1 --port PORT --api-key KEY`` and the settings as flags."""
        argv = [shutil.which("vllm") or "vllm", "serve", self.config["model"]]
        return argv + serve_flags(port, api_key, self.engine_settings)

    def served_model(self) -> str:
        """The name vLLM lists: the first of ``served_model_name`` when given, else the model as given."""
        names = self.engine_settings.get("served_model_name")
        if isinstance(names, list) and names:
            return str(names[0])
        return str(names or self.config["model"])
