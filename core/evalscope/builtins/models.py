"""Built-in model: any OpenAI-compatible API, registered as ``openai_api``.

It is the model of EvalScope's ``eval_type`` ``service`` and ``openai_api`` (``--model NAME --api-url URL``),
which the runner finds by those names (``eval_types``); it takes its options from the run's settings
through ``run_options``. The client module is imported only when the model is built, so start-up stays light.
"""

from __future__ import annotations

from typing import Any

from evalscope.plugins.hookspecs import hookimpl

OPENAI_API_MODEL = "openai_api"


def openai_api_model(config: dict | None = None, **kwargs):
    """Any OpenAI-compatible API (vLLM, SGLang, llama.cpp's server, Ollama, hosted APIs), one request per prompt.

    Builds ``OpenAIAPIModel``, importing its HTTP client on first use.
    """
    from evalscope.models.openai_api import OpenAIAPIModel

    return OpenAIAPIModel(config=config, label=OPENAI_API_MODEL, **kwargs)


def openai_api_run_options(config: Any) -> dict[str, Any]:
    """The options the API model takes from a ``TaskConfig`` (see ``evalscope.models.api_options``)."""
    from evalscope.models.api_options import api_run_options

    return api_run_options(config)


openai_api_model.Options = "evalscope.models.api_options:OpenAIAPIOptions"
openai_api_model.eval_types = ("service", OPENAI_API_MODEL)  # EvalScope's eval_type names of an API model
openai_api_model.run_options = openai_api_run_options


@hookimpl
def register_models(register):
    """Register the OpenAI-compatible API model."""
    register(OPENAI_API_MODEL, openai_api_model)
