"""``SGLangModel``: a managed SGLang server, ``python -m sglang.launch_server --model-path MODEL ...``.

Every engine setting of ``--model-args`` becomes a flag (see ``evalscope.models.engine.serve_flags``):
``{"tp_size": 2}`` -> ``--tp-size 2``. SGLang is not a dependency of this package; it must be
importable by the Python that runs evalscope.
"""

from __future__ import annotations

import importlib.util
import sys
from typing import Any

from evalscope.errors import ConfigError
from evalscope.models.engine import EngineModel, serve_flags

INSTALL_HINT = "install SGLang for your hardware (pip install 'sglang[all]'; see https://docs.sglang.ai)"
MANAGED_SETTINGS = ("model_path", "host", "port")


class SGLangModel(EngineModel):
    """Starts SGLang's server on ``config["model"]`` (a Hugging Face id or a local folder) and evaluates through it."""

    engine_name = "SGLang server"
    managed_settings = MANAGED_SETTINGS

    def __init__(self, config: dict | None = None, **kwargs: Any) -> None:
        super().__init__(config, **kwargs)
        if importlib.util.find_spec("sglang") is None:
            raise ConfigError(f"the sglang model needs SGLang, which is not installed: {INSTALL_HINT}")

    def engine_command(self, port: int, api_key: str) -> list[str]:
        """``python -m sglang.launch_server --model-path MODEL --host 127.0.0.1 --port PORT --api-key KEY`` + flags."""
        argv = [sys.executable, "-m", "sglang.launch_server", "--model-path", self.config["model"]]
        return argv + serve_flags(port, api_key, self.engine_settings)

    def served_model(self) -> str:
        """The name SGLang lists: ``served_model_name`` when given, else the model as given."""
        return str(self.engine_settings.get("served_model_name") or self.config["model"])
