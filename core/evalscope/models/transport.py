"""Model options that change how answers are fetched, not what they are: timeouts, retries, start-up checks.

A model's ``Options`` declares such a field with ``transport_field`` (a ``Field`` marked ``TRANSPORT_ONLY``).
Those options stay out of the model's identity, hence out of every prediction's cache key: a run resumed
with another timeout, or with the start-up model check off, reuses its answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

TRANSPORT_ONLY: dict[str, Any] = {"transport_only": True}


def transport_field(default: Any, **kwargs: Any) -> Any:
    """A pydantic ``Field`` marked ``TRANSPORT_ONLY``: an option that does not change answers."""
    from pydantic import Field

    return Field(default, json_schema_extra=TRANSPORT_ONLY, **kwargs)


def is_transport_only(field: Any) -> bool:
    """Whether a pydantic field is marked ``TRANSPORT_ONLY``."""
    extra = getattr(field, "json_schema_extra", None)
    return isinstance(extra, dict) and extra.get("transport_only") is True


def answer_settings(settings: Mapping[str, Any], model: Any) -> dict[str, Any]:
    """``settings`` (a model's ``--model-args``) without the options that ``model``'s declared ``Options``
    mark transport-only; all of them when it declares none."""
    from evalscope.plugins.info import declared_options

    options = declared_options(type(model))
    fields = options.model_fields if options is not None else {}
    return {key: value for key, value in settings.items() if not (key in fields and is_transport_only(fields[key]))}
