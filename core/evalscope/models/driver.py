"""One interface through which the runner drives every model, local or remote.

``CustomModel``: batches of ``eval_batch_size`` prompts, one batch at a time.
``AsyncModel``: one prompt per call, ``eval_batch_size`` calls in flight.
"""

from __future__ import annotations

import asyncio
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evalscope.errors import BatchError, ConfigError, ModelError, one_line
from evalscope.models.base import AsyncModel, CustomModel
from evalscope.stop_policy import Stage, StopPolicy

REASONING_FIELDS = ("reasoning_content", "reasoning")

# The dataset whose prompts the model is answering, set by ``ModelDriver.generate`` around each call (and
# inherited by the tasks the model starts), so a model that counts its answers can count them per dataset.
answering_for: ContextVar[str | None] = ContextVar("answering_for", default=None)


@dataclass
class Generation:
    """The outcome of one prompt: an OpenAI-shaped response, or the error that replaced it."""

    response: dict | None = None
    error: str | None = None


def response_problem(response: Any, mode: str | None = None) -> str | None:
    """Say what is wrong with one OpenAI-shaped response, or None if it is valid.

    ``mode`` ``"chat"`` requires ``choices[0].message.content``, ``"completion"`` requires
    ``choices[0].text``; ``None`` accepts either. A null text is valid only with
    ``finish_reason: "length"`` (a reasoning model that spent every token thinking): a cut-off
    empty answer.
    """
    if not isinstance(response, dict):
        return f"response is {type(response).__name__}, expected a dict"
    choices = response.get("choices")
    if not isinstance(choices, list) or not choices:
        return "'choices' is missing or empty"
    first = choices[0]
    if not isinstance(first, dict):
        return f"choices[0] is {type(first).__name__}, expected a dict"
    cut_off = first.get("finish_reason") == "length"
    text = first.get("text")
    if mode == "completion" or (mode is None and "message" not in first and text is not None):
        if isinstance(text, str) or (text is None and cut_off):
            return None
        return f"choices[0].text is {type(text).__name__}, expected a string"
    message = first.get("message")
    if not isinstance(message, dict):
        return "choices[0].message is missing"
    content = message.get("content")
    if not isinstance(content, str) and not (content is None and cut_off):
        return f"choices[0].message.content is {type(content).__name__}, expected a string"
    return None


def response_text(response: dict) -> str:
    """The generated text of a validated response ("" for a null text cut off by ``max_tokens``)."""
    first = response["choices"][0]
    message = first.get("message")
    text = message.get("content") if message is not None else first.get("text")
    return text if text is not None else ""


def finish_reason(response: dict) -> Any:
    """``choices[0].finish_reason`` of a validated response (None when the server sent none)."""
    return response["choices"][0].get("finish_reason")


class ModelDriver:
    """Drives one model: how many prompts per call, how many calls in flight, and the call itself."""

    def __init__(self, model: Any, model_id: str, eval_batch_size: int, policy: StopPolicy | None = None) -> None:
        self.model = model
        self.model_id = model_id
        self.policy = policy or StopPolicy()
        self.is_async = isinstance(model, AsyncModel)
        if self.is_async:
            self.batch_size, self.concurrency = 1, eval_batch_size
        elif isinstance(model, CustomModel) or callable(getattr(model, "predict", None)):
            self.batch_size, self.concurrency = eval_batch_size, 1
        else:
            raise ModelError(
                f"model {model_id!r} is a {type(model).__name__}, which is neither a CustomModel "
                "(with predict) nor an AsyncModel (with agenerate)"
            )

    async def generate(
        self, prompts: list[dict], origin_inputs: list[dict], infer_cfg: dict, label: str, dataset: str | None = None
    ):
        """Answer ``prompts`` of ``dataset`` (``answering_for`` holds its name meanwhile); one ``Generation`` each.

        A failure is classified by the run's ``StopPolicy``: a ``ConfigError`` or ``ModelError`` (a wrong
        setting, key, URL or model) is raised, as no later request could succeed; another failure of an
        ``AsyncModel`` is recorded in the ``Generation`` of its prompt. A ``CustomModel`` that raises
        or breaks the response contract fails its batch (``BatchError``, ``label`` naming the batch):
        raised, or recorded in each of the batch's ``Generation``s when the policy tolerates failures.
        """
        token = answering_for.set(dataset)
        try:
            return await self._generate(prompts, origin_inputs, infer_cfg, label)
        finally:
            answering_for.reset(token)

    async def _generate(self, prompts: list[dict], origin_inputs: list[dict], infer_cfg: dict, label: str):
        if isinstance(self.model, AsyncModel):
            try:
                response = await self.model.agenerate(prompts[0], infer_cfg)
            except Exception as exc:
                return [Generation(error=self.policy.sample_error(exc, Stage.MODEL))]
            problem = response_problem(response)
            return [Generation(error=problem)] if problem else [Generation(response=response)]
        # Let the event loop run between batches, so Ctrl-C stops the run after the current one.
        await asyncio.sleep(0)
        try:
            return self._predict(prompts, origin_inputs, infer_cfg, label)
        except BatchError as exc:
            return [Generation(error=self.policy.sample_error(exc, Stage.BATCH))] * len(prompts)

    def _predict(self, prompts: list[dict], origin_inputs: list[dict], infer_cfg: dict, label: str):
        try:
            responses = self.model.predict(prompts, origin_inputs=origin_inputs, infer_cfg=infer_cfg)
        except (ConfigError, ModelError):
            raise  # a wrong setting, key, URL or model, as the model itself says: the run stops
        except Exception as exc:
            raise BatchError(f"model {self.model_id!r} raised on {label}: {one_line(exc)}") from exc
        if not isinstance(responses, list):
            raise BatchError(
                f"model {self.model_id!r} returned {type(responses).__name__} from predict on {label}, "
                "expected a list of responses"
            )
        if len(responses) != len(prompts):
            raise BatchError(
                f"model {self.model_id!r} returned {len(responses)} responses for {len(prompts)} prompts on {label}"
            )
        for position, response in enumerate(responses):
            problem = response_problem(response)
            if problem:
                raise BatchError(f"model {self.model_id!r} response {position} of {label}: {problem}")
        return [Generation(response=response) for response in responses]

    def open_run(self, run_folder: Path) -> None:
        """Tell the model its run folder, once, before the first prompt: ``model.open_run(run_folder)`` if it has one.

        A model that starts a process (``evalscope.models.engine.EngineModel``) starts it here and
        writes its logs under ``run_folder/logs``.
        """
        open_model = getattr(self.model, "open_run", None)
        if callable(open_model):
            open_model(run_folder)

    def endpoint_answers(self, dataset: str) -> list[dict[str, Any]] | None:
        """The answers each endpoint of the model gave for ``dataset`` (``model.endpoint_answers``), or None
        for a model with one endpoint or none."""
        answers = getattr(self.model, "endpoint_answers", None)
        return answers(dataset) if callable(answers) else None

    async def aclose(self) -> None:
        """Release the model's resources."""
        close = getattr(self.model, "aclose", None)
        if close is not None:
            await close()
