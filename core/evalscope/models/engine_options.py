"""``EngineOptions``: the ``--model-args`` of a managed engine model (``llama_cpp``, ``vllm``, ``sglang``).

They are the engine model's own options, then every option of the OpenAI API model it answers
through except those the engine sets itself (``api_url``, ``api_key``); any other key is one of the
engine's own settings, which the plugin turns into the engine's flags.
"""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field, create_model

from evalscope.models.engine import DEFAULT_STARTUP_TIMEOUT
from evalscope.models.openai_api import OpenAIAPIOptions
from evalscope.models.transport import transport_field

SET_BY_THE_ENGINE = ("model", "api_url", "api_key")

_OWN: dict[str, Any] = {
    "model_id": (str | None, Field(None, description="The model's name in outputs (from --model-id)")),
    "model": (str, Field(min_length=1, description="What the engine loads (from --model)")),
    "startup_timeout": (
        float,
        transport_field(DEFAULT_STARTUP_TIMEOUT, gt=0, description="Seconds the engine may take to start answering"),
    ),
    "replicas": (int, transport_field(1, ge=1, description="Engines to start; requests go to the least busy one")),
    "gpus_per_replica": (
        int | None,
        Field(None, ge=1, description="GPUs of each replica: replica i gets CUDA_VISIBLE_DEVICES i*g .. i*g+g-1"),
    ),
}
_API: dict[str, Any] = {  # name: (annotation, FieldInfo), as create_model takes them
    name: (field.annotation, field)
    for name, field in OpenAIAPIOptions.model_fields.items()
    if name not in SET_BY_THE_ENGINE and name not in _OWN
}

EngineOptions = create_model(
    "EngineOptions",
    __config__=ConfigDict(extra="allow"),
    __doc__="The options of a managed engine model; every other key is one of the engine's own settings.",
    **_OWN,
    **_API,
)
