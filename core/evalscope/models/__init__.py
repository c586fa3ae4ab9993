"""Model adapters: ``CustomModel`` for in-process models, ``AsyncModel`` for remote APIs."""

from evalscope.models.base import AsyncModel, CustomModel

__all__ = ["AsyncModel", "CustomModel"]
