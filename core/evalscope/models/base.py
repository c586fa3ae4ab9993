"""The base classes a model adapter subclasses."""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any


class CustomModel(ABC):
    """An in-process model: subclass it and implement ``predict``.

    ``config`` holds the model's settings; the runner adds ``model_id`` to it when the
    task names one and the config does not.
    """

    def __init__(self, config: dict | None = None, **kwargs: Any) -> None:
        self.config: dict = dict(config) if config else {}
        self.kwargs = kwargs

    @abstractmethod
    def predict(self, prompts: list[dict], **kwargs: Any) -> list[dict]:
        """Answer one batch of prompts.

        ``prompts`` is a list of dicts, each with ``messages`` (OpenAI chat format),
        ``data`` (``[query]``) and optionally ``system_prompt``. ``kwargs`` holds
        ``origin_inputs`` (the same items plus the dataset ``raw`` row and ``index``) and
        ``infer_cfg`` (the generation config). Return one OpenAI ``chat.completion``-shaped
        dict per prompt, in order; ``choices[0].message.content`` must be a string.
        """


class AsyncModel(ABC):
    """A model answered one prompt at a time, with many requests in flight (a remote API).

    The runner keeps ``eval_batch_size`` calls of ``agenerate`` running at once. An
    exception raised from ``agenerate`` records that sample as failed and the run goes on,
    except ``evalscope.errors.ModelError`` or ``ConfigError`` (a wrong key, URL, model or
    setting, which no later call could overcome): those stop the run.
    """

    def __init__(self, config: dict | None = None, **kwargs: Any) -> None:
        self.config: dict = dict(config) if config else {}
        self.kwargs = kwargs

    @abstractmethod
    async def agenerate(self, prompt: dict, infer_cfg: dict) -> dict:
        """Answer one prompt (a dict as ``CustomModel.predict`` receives) with an OpenAI-shaped dict."""

    def open_run(self, run_folder: Path) -> None:
        """Called once by the runner when the run folder exists, before the first ``agenerate``; does nothing here.

        A model that starts something for the run (``evalscope.models.engine.EngineModel`` starts
        a server) does it here, and may write under ``run_folder`` (e.g. ``logs/``).
        """

    async def aclose(self) -> None:
        """Release connections; called once when the run ends."""
