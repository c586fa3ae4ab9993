"""The shapes of the lines in a run folder's ``predictions/`` and ``reviews/`` files.

A prediction line keeps the prompt once and the model's raw response once::

    {"sample_id": "7", "cache_key": "…", "model_id": "…",
     "prompt": {"messages": [...]}, "response": {…OpenAI-shaped, as received…},
     "error": null, "time": 1764300000.0}

The prompt is the benchmark's prompt item without what its ``messages`` already say:
``data`` is left out when it is the text of the last user message, and ``system_prompt`` when
it is the text of the system message (or None without one); ``full_prompt`` restores them.
The completion text is not stored beside the response: ``completion`` reads it from the
response. A review line refers to its prediction by ``sample_id`` and keeps what scoring
added::

    {"sample_id": "7", "prediction": "18", "gold": "18", "score": 1.0, "correct": true,
     "explanation": "…", "truncated": false, "error": null, "scoring_error": null,
     "scorer_key": "…"}

(``metrics`` before ``scorer_key`` when the scorer names metrics.) Under ``--repeats K`` (K > 1) a
sample has K prediction lines and K review lines, each with ``"repeat": k`` after ``sample_id``
(see ``evalscope.repeats``). ``scorer_key`` says what
produced the review, so a resume can keep it (see ``evalscope.run.review_reuse``).

Lines of the earlier shape (``prompt`` with ``data``, a ``completion`` beside the response;
reviews with ``input``, ``target``, ``completion`` and ``reasoning``) are read the same way.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypedDict

from evalscope.models.driver import Generation, response_text

if TYPE_CHECKING:
    from typing_extensions import NotRequired


class RepeatField(TypedDict, total=False):
    """``repeat``: the answer's index under ``--repeats K`` (K > 1), after ``sample_id``; absent otherwise."""

    repeat: int


class PredictionLine(TypedDict):
    """One line of a ``predictions/`` file, in the order written."""

    sample_id: str
    repeat: NotRequired[int]
    cache_key: str
    model_id: str
    prompt: dict[str, Any]
    response: dict[str, Any] | None
    error: str | None
    time: float


class ReviewLine(TypedDict):
    """One line of a ``reviews/`` file, in the order written (``metrics`` only when the scorer names metrics)."""

    sample_id: str
    repeat: NotRequired[int]
    prediction: Any
    gold: Any
    score: float | None
    correct: bool | None
    explanation: str | None
    truncated: bool
    error: str | None
    scoring_error: str | None
    metrics: NotRequired[dict[str, Any]]
    scorer_key: NotRequired[str]


def repeat_field(repeat: int | None) -> RepeatField:
    """``{"repeat": repeat}``, or nothing without a repeat index."""
    return {} if repeat is None else {"repeat": repeat}


def prediction_record(
    model_id: str, sample_id: str, prompt: dict, key: str, generation: Generation, repeat: int | None = None
) -> PredictionLine:
    """The line stored for one prediction: the prompt once (``stored_prompt``) and the raw response; with
    ``repeat`` (the answer's index under ``--repeats``), ``repeat`` after ``sample_id``."""
    return {
        "sample_id": sample_id,
        **repeat_field(repeat),
        "cache_key": key,
        "model_id": model_id,
        "prompt": stored_prompt(prompt),
        "response": generation.response,
        "error": generation.error,
        "time": time.time(),
    }


def current_shape(record: dict) -> dict:
    """A prediction line of either shape in the current one (the earlier shape's copies dropped)."""
    record = {key: value for key, value in record.items() if key != "completion"}
    if isinstance(record.get("prompt"), dict):
        record["prompt"] = stored_prompt(record["prompt"])
    return record


def stored_prompt(prompt: dict) -> dict:
    """``prompt`` without the ``data`` and ``system_prompt`` that its ``messages`` already hold."""
    messages = prompt.get("messages")
    if not isinstance(messages, list):
        return prompt
    stored = dict(prompt)
    if "data" in stored and stored["data"] == _derived_data(messages):
        del stored["data"]
    if "system_prompt" in stored and stored["system_prompt"] == _derived_system_prompt(messages):
        del stored["system_prompt"]
    return stored


def full_prompt(stored: dict) -> dict:
    """The prompt item as the benchmark built it, from its stored form (the inverse of ``stored_prompt``)."""
    messages = stored.get("messages")
    if not isinstance(messages, list):
        return stored
    prompt = dict(stored)
    if "data" not in prompt:
        prompt["data"] = _derived_data(messages)
    if "system_prompt" not in prompt:
        prompt["system_prompt"] = _derived_system_prompt(messages)
    return prompt


def completion(record: Mapping[str, Any]) -> str | None:
    """The generated text of a prediction line (None when it failed)."""
    response = record.get("response")
    return response_text(response) if response is not None else None


def _derived_data(messages: list) -> list:
    users = [message for message in messages if isinstance(message, dict) and message.get("role") == "user"]
    return [users[-1].get("content")] if users else []


def _derived_system_prompt(messages: list) -> Any:
    first = messages[0] if messages else None
    if isinstance(first, dict) and first.get("role") == "system":
        return first.get("content")
    return None
