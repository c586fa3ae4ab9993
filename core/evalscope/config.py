"""``TaskConfig``: everything one evaluation run needs, validated up front."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from evalscope.errors import ConfigError
from evalscope.utils.validation import check_known_keys, describe_validation_error

MODEL_EVAL_TYPES = ("custom", "plugin")  # a model object, or a registered model named by --model-plugin
API_EVAL_TYPE = "service"  # EvalScope's name of a model served by an API: --model NAME --api-url URL


class TaskConfig(BaseModel):
    """The settings of one evaluation run.

    Build it from keyword arguments, a dict, or a YAML/JSON file (``TaskConfig.load``).
    Unknown keys are rejected with the closest valid name. Each field has a CLI flag of
    the same name with dashes (``eval_batch_size`` is ``--eval-batch-size``).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True, extra="forbid", validate_assignment=True)

    model: Any = Field(None, description="A CustomModel/AsyncModel instance, or a model name served by an API")
    model_id: str | None = Field(None, description="Name of the model in outputs (default: derived)")
    model_plugin: str | None = Field(None, description="Registered model to build (see `evalscope plugins`)")
    model_args: dict[str, Any] = Field(default_factory=dict, description="Extra config for the model factory")
    datasets: list[str] = Field(default_factory=list, description="Benchmarks to run")
    dataset_args: dict[str, dict[str, Any]] = Field(default_factory=dict, description="Options per benchmark")
    dataset_dir: str | None = Field(
        None, description="Local copies of hub datasets, one folder per hub id (DIR/OWNER/NAME/), for offline runs"
    )
    limit: int | float | None = Field(None, description="Samples per subset: a count, or a fraction in (0, 1)")
    eval_batch_size: int = Field(1, ge=1, description="Prompts per predict call / API requests in flight")
    repeats: int = Field(1, ge=1, description="Answers per sample (seed + k each); reports mean@K and pass@k")
    generation_config: dict[str, Any] = Field(default_factory=dict, description="Inference settings")
    work_dir: str = Field("./outputs", description="Where run folders are written")
    no_timestamp: bool = Field(False, description="Write into work_dir itself, not a timestamped folder")
    use_cache: str | None = Field(
        None, description="A run folder to resume: its saved config is the base, the fields set here override it"
    )
    seed: int = Field(42, description="Random seed (few-shot sampling and models that take one)")
    debug: bool = Field(False, description="Debug logging, and tracebacks on errors")
    ignore_errors: bool = Field(
        False, description="Record failed samples as errors and go on; the run succeeds however many failed"
    )
    fail_on_error: bool | int | float | None = Field(
        None,
        description="When failed samples stop the run: true (at the first), false (never), a count n (more than n) "
        "or a fraction f (more than f of the finished samples); default: they fail it at the end",
    )
    eval_type: str | None = Field(
        None,
        description="custom (a model object), plugin (--model-plugin), or the eval type of an API model "
        "(service, or another name it is registered for; see `evalscope plugins show`)",
    )
    api_url: str | list[str] | None = Field(
        None,
        description="OpenAI-compatible base URL or /chat/completions URL; a list: endpoints serving the same model",
    )
    api_key: SecretStr | None = Field(None, description="API key (default: EVALSCOPE_API_KEY, then OPENAI_API_KEY)")
    api_mode: Literal["chat", "completion"] = Field("chat", description="Chat or text completions endpoint")
    timeout: float = Field(
        1200.0, gt=0, description="Seconds of silence before an API attempt is given up (with --stream: between chunks)"
    )
    retries: int = Field(5, ge=0, description="Retries of a failed API request")
    stream: bool = Field(False, description="Stream API responses")

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            error = ConfigError(f"TaskConfig: {describe_validation_error(exc)}")
            error.validation_error = exc  # read by from_flags
            raise error from None

    @classmethod
    def from_flags(cls, flags: dict[str, Any], base: dict[str, Any] | None = None) -> TaskConfig:
        """Build a config from command-line flags (field names as keys) over ``base`` (a config file's fields).

        A bad value given as a flag is named as the flag: ``--eval-batch-size must be at least 1 (got 0)``.
        """
        try:
            return cls(**{**(base or {}), **flags})
        except ConfigError as exc:
            validation_error = exc.validation_error
            if validation_error is None:
                raise
            raise ConfigError(describe_validation_error(validation_error, flags=flags)) from None

    @model_validator(mode="before")
    @classmethod
    def _reject_unknown_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            check_known_keys(data, cls.model_fields, "TaskConfig")
        return data

    @field_validator("datasets", mode="before")
    @classmethod
    def _split_datasets(cls, value: Any) -> Any:
        """Accept ``"a,b"`` and ``["a,b", "c"]`` (as ``--datasets a,b c`` gives); a name given twice runs once."""
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
            return value
        names = [name.strip() for item in items for name in item.split(",")]
        return list(dict.fromkeys(name for name in names if name))

    @field_validator("api_url")
    @classmethod
    def _one_url_is_a_string(cls, value: str | list[str] | None) -> str | list[str] | None:
        """A list of URLs loses repeats; a list of one URL is that URL, so it runs as a single URL always did."""
        if isinstance(value, list):
            if not value:
                raise ValueError("needs at least one URL")
            value = list(dict.fromkeys(value))
            return value[0] if len(value) == 1 else value
        return value

    @field_validator("fail_on_error")
    @classmethod
    def _check_fail_on_error(cls, value: bool | int | float | None) -> bool | int | float | None:
        from evalscope.stop_policy import check_fail_on_error

        return check_fail_on_error(value)

    @field_validator("limit")
    @classmethod
    def _check_limit(cls, value: int | float | None) -> int | float | None:
        if value is None:
            return None
        if isinstance(value, float) and not value.is_integer():
            if not 0 < value < 1:
                raise ValueError("must be a whole number of samples, or a fraction between 0 and 1")
            return value
        if value < 1:
            raise ValueError("must be at least 1")
        return int(value)

    @model_validator(mode="after")
    def _resolve(self) -> TaskConfig:
        if self.eval_type is None:
            if self.model_plugin:
                object.__setattr__(self, "eval_type", "plugin")
            elif self.model is not None and not isinstance(self.model, str):
                object.__setattr__(self, "eval_type", "custom")
            elif self.api_url or isinstance(self.model, str):
                object.__setattr__(self, "eval_type", API_EVAL_TYPE)
        return self

    @classmethod
    def load(cls, source: TaskConfig | dict | str | Path) -> TaskConfig:
        """Build a config from a ``TaskConfig``, a dict, or the path of a YAML or JSON file."""
        if isinstance(source, TaskConfig):
            return source
        if isinstance(source, dict):
            return cls(**source)
        path = Path(source)
        if not path.is_file():
            raise ConfigError(f"task config file {str(path)!r} does not exist")
        text = path.read_text(encoding="utf-8")
        try:
            if path.suffix == ".json":
                data = json.loads(text)
            else:
                import yaml

                data = yaml.safe_load(text)
        except Exception as exc:
            mark = getattr(exc, "problem_mark", None)
            line, column = (
                (mark.line + 1, mark.column + 1) if mark else (getattr(exc, "lineno", 0), getattr(exc, "colno", 0))
            )
            where = f"{path}:{line}:{column}" if line else str(path)
            problem = getattr(exc, "problem", None) or getattr(exc, "msg", None) or str(exc)
            raise ConfigError(f"task config file {where}: {' '.join(str(problem).split())}") from None
        if not isinstance(data, dict):
            raise ConfigError(f"task config file {str(path)!r} must hold a mapping of options")
        return cls(**data)

    def resolved_model_id(self) -> str:
        """The model's name in outputs: ``model_id``, else the model's config, plugin or name."""
        if self.model_id:
            return self.model_id
        if self.model is not None and not isinstance(self.model, str):
            configured = getattr(self.model, "config", {}) or {}
            return configured.get("model_id") or type(self.model).__name__
        if isinstance(self.model, str):
            return self.model
        return self.model_plugin or "model"

    def api_urls(self) -> list[str]:
        """``api_url`` as a list: [] when not given."""
        if self.api_url is None:
            return []
        return [self.api_url] if isinstance(self.api_url, str) else list(self.api_url)

    def secret_values(self) -> list[str]:
        """Every secret this config holds, to scrub from the run's log lines and error messages.

        The API key; the values under secret-looking names in ``model_args``, ``dataset_args``,
        ``generation_config`` and a custom model's own ``config``; and the credentials of URLs
        (``api_url`` and any URL given in those settings).
        """
        from evalscope.utils.secrets import secret_values, url_secrets

        own_config = getattr(self.model, "config", None) if self.eval_type == "custom" else None
        found = list(secret_values([self.model_args, self.dataset_args, self.generation_config, own_config]))
        for url in self.api_urls():
            found += url_secrets(url)
        if self.api_key is not None:
            found.append(self.api_key.get_secret_value())
        return found

    def safe_dict(self) -> dict[str, Any]:
        """The config as plain data for ``task_config.yaml``: objects named, secrets masked field by field.

        Masked: ``api_key``, every entry under a secret-looking name in ``model_args``,
        ``dataset_args`` and ``generation_config`` (headers included), and URL credentials.
        """
        from evalscope.utils.secrets import redact_mapping, redact_url

        data = self.model_dump(mode="json", exclude={"model", "api_key"})
        for name in ("model_args", "dataset_args", "generation_config"):
            data[name] = redact_mapping(data[name])
        urls = [redact_url(url) for url in self.api_urls()]
        data["api_url"] = urls[0] if isinstance(self.api_url, str) else urls or None
        model = self.model
        data["model"] = model if model is None or isinstance(model, str) else f"<{type(model).__name__} instance>"
        data["api_key"] = "***" if self.api_key is not None else None
        return data
