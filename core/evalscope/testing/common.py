"""What the checks of ``evalscope.testing`` share: naming a component, the declared-options check, calls that
turn an exception into a failure naming what raised, and a temporary environment."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


def _name(component: Any) -> str:
    return getattr(component, "__qualname__", None) or type(component).__name__


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 5] + "...'"


class UndescribedOptionsWarning(UserWarning):
    """A component declares options without a description, so `evalscope plugins show` lists bare names.

    A warning, not a failure: the component still runs as it should. Make it fail in your tests with
    ``pytest -W error::evalscope.testing.UndescribedOptionsWarning``.
    """


def _declared_options(component: Any, label: str) -> Any:
    """The options class ``component`` declares (see ``evalscope.plugins.info``), or None; a bad one fails.

    Options without a description raise an ``UndescribedOptionsWarning``.
    """
    import warnings

    from evalscope.errors import PluginError
    from evalscope.plugins.info import declared_options

    try:
        options = declared_options(component)
    except PluginError as exc:
        raise AssertionError(f"{label}: {exc}") from None
    bare = [name for name, field in (options.model_fields.items() if options else ()) if not field.description]
    if bare:
        warnings.warn(
            UndescribedOptionsWarning(
                f"{label}: options without a description: {', '.join(bare)}; `evalscope plugins show` lists them "
                "bare; give each one Field(default, description='...')"
            ),
            stacklevel=3,
        )
    return options


def _call(label: str, what: str, function: Callable[..., Any], *args: Any) -> Any:
    try:
        return function(*args)
    except AssertionError:
        raise
    except Exception as exc:
        raise AssertionError(f"{label}: {what} raised {type(exc).__name__}: {exc}") from exc


@contextmanager
def _environment(**values: str | None) -> Iterator[None]:
    def apply(settings: dict[str, str | None]) -> None:
        for key, value in settings.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value

    saved = {key: os.environ.get(key) for key in values}
    try:
        apply(values)
        yield
    finally:
        apply(saved)
