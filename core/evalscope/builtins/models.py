"""Built-in model: any OpenAI-compatible API, registered as ``openai_api``.

The client module is imported only when the model is built, so start-up stays light.
"""

from __future__ import annotations

from evalscope.hookspecs import hookimpl

OPENAI_API_MODEL = "openai_api"


def openai_api_model(config: dict | None = None, **kwargs):
    """Any OpenAI-compatible API (vLLM, SGLang, llama.cpp's server, Ollama, hosted APIs), one request per prompt.

    Builds ``OpenAIAPIModel``, importing its HTTP client on first use.
    """
    from evalscope.models.openai_api import OpenAIAPIModel

    return OpenAIAPIModel(config=config, **kwargs)


openai_api_model.Options = "evalscope.models.openai_api:OpenAIAPIOptions"


@hookimpl
def register_models(register):
    """Register the OpenAI-compatible API model."""
    register(OPENAI_API_MODEL, openai_api_model)
