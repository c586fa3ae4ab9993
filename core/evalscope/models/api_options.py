"""The options of the OpenAI-compatible API model, and the one place they are read from a run's settings.

``OpenAIAPIOptions`` declares every option (``evalscope plugins show`` lists them). ``api_run_options``
maps a ``TaskConfig`` (whose fields are EvalScope's names and the command line's flags: ``--model``,
``--api-url``, ``--api-key``, ``--api-mode``, ``--timeout``, ``--retries``, ``--stream``,
``--eval-batch-size``) to those options; ``api_settings`` is the part of it that a managed engine,
which makes its own URL and key, takes too. ``--model-args`` override both, key by key.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from evalscope.errors import ConfigError
from evalscope.models.endpoints import DEFAULT_COOLDOWN
from evalscope.models.transport import transport_field

if TYPE_CHECKING:
    from evalscope.config import TaskConfig

API_KEY_ENVS = ("EVALSCOPE_API_KEY", "OPENAI_API_KEY")  # read in this order when no key is given


class OpenAIAPIOptions(BaseModel):
    """The settings of ``OpenAIAPIModel`` (the runner fills the first ones; the rest come from ``--model-args``).

    Those declared with ``transport_field`` (timeouts, retries, the start-up check, the pool) do not change answers
    and stay out of the cache key.
    """

    model_config = ConfigDict(extra="forbid")

    model_id: str | None = Field(None, description="The model's name in outputs (from --model-id)")
    model: str = Field(min_length=1, description="The model name the server serves (from --model)")
    api_url: str | list[str] = Field(
        min_length=1, description="Base URL or /chat/completions URL, or a list of them (from --api-url)"
    )
    api_key: SecretStr | None = Field(None, description="API key (from --api-key, EVALSCOPE_API_KEY, OPENAI_API_KEY)")
    key_source: str = Field(
        "--api-key, EVALSCOPE_API_KEY or OPENAI_API_KEY", description="Where the key comes from, named if it is refused"
    )
    api_mode: str = Field("chat", description="chat or completion (from --api-mode)")
    timeout: float = transport_field(1200.0, gt=0, description="Seconds of silence before an attempt is given up")
    retries: int = transport_field(5, ge=0, description="Retries of a failed request")
    timeout_retries: int = transport_field(
        1, ge=0, description="Retries of an attempt that timed out (within `retries`)"
    )
    stream: bool = Field(False, description="Stream responses")
    stream_usage: bool = transport_field(True, description="Ask a streaming server for usage (stream_options)")
    check_model: bool = transport_field(True, description="Check at start that GET {base}/models lists the model")
    concurrency: int = transport_field(1, ge=1, description="Connection pool size (the runner sets --eval-batch-size)")
    retry_backoff: float = transport_field(1.0, ge=0, description="Base of the exponential backoff, in seconds")
    retry_max_backoff: float = transport_field(
        60.0, ge=0, description="Longest wait between attempts, Retry-After included"
    )
    headers: dict[str, str] = Field(default_factory=dict, repr=False, description="Extra HTTP headers of every request")
    extra_body: dict[str, Any] = Field(default_factory=dict, description="Merged into every request body")
    endpoint_cooldown: float = transport_field(
        DEFAULT_COOLDOWN, gt=0, description="Seconds an endpoint that stopped answering stays out of the rotation"
    )


def api_settings(config: TaskConfig) -> dict[str, Any]:
    """The API model's options that have flags of their own (``--api-mode``, ``--timeout``, ``--retries``,
    ``--stream``) and its connection pool, as large as ``--eval-batch-size``."""
    return {
        "api_mode": config.api_mode,
        "timeout": config.timeout,
        "retries": config.retries,
        "stream": config.stream,
        "concurrency": config.eval_batch_size,
    }


def api_run_options(config: TaskConfig) -> dict[str, Any]:
    """The API model's options from the run's config: the served ``model``, ``api_url``, ``api_key`` (else
    ``EVALSCOPE_API_KEY``, else ``OPENAI_API_KEY``) and ``api_settings``.

    A config without a URL or a model name (in its fields or its ``model_args``) is a ``ConfigError`` in the
    words of the flags it came from.
    """
    given = config.model_args
    if not (config.api_url or given.get("api_url")):
        cli_message = (
            f"--eval-type {config.eval_type} needs --api-url URL (an OpenAI-compatible server)"
            if "eval_type" in config.model_fields_set
            else "--model names a model served by an API: add --api-url URL (an OpenAI-compatible server), "
            "or run a registered model with --model-plugin NAME"
        )
        raise ConfigError(
            f"eval_type {config.eval_type!r} needs api_url=URL (an OpenAI-compatible server)",
            cli_message=cli_message,
            fields=("eval_type", "model"),
        )
    if not (isinstance(config.model, str) and config.model) and not given.get("model"):
        raise ConfigError(
            "an API model needs model=NAME (the model name the server knows)",
            cli_message="an API model needs --model NAME (the model name the server knows)",
        )
    api_key: str | None
    if config.api_key is not None:
        api_key = config.api_key.get_secret_value()
    else:
        api_key = next((os.environ[name] for name in API_KEY_ENVS if os.environ.get(name)), None)
    return {"model": config.model, "api_url": config.api_url, "api_key": api_key, **api_settings(config)}
