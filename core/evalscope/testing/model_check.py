"""``check_model`` and ``make_prompts``: a model driven through the runner's ``ModelDriver``."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Sequence
from typing import Any

from evalscope.testing.common import _declared_options, _name, _short

DEFAULT_QUERIES: tuple[str, ...] = (
    "What is 2 + 3?",
    "Name the capital of France.",
    "Translate 'cat' into French.",
    "Is 7 a prime number? Answer yes or no.",
    "Summarise in one line: the quick brown fox jumps over the lazy dog.",
)
"""The questions ``check_model`` asks when no ``prompts`` are given."""

GENERATION_CONFIG: dict[str, Any] = {"max_new_tokens": 64, "temperature": 0.0, "top_p": 1.0}

PREDICT_CONTRACT = (
    "predict(prompts, origin_inputs=[...], infer_cfg={...}) must return a list with one OpenAI "
    "chat.completion dict per prompt, in order, with the text in choices[0].message.content"
)


def make_prompts(
    queries: Iterable[str | dict] = DEFAULT_QUERIES, system_prompt: str | None = "You are a careful assistant."
) -> tuple[list[dict], list[dict]]:
    """Prompt items and their ``origin_inputs``, built the way the runner builds them.

    A query given as a string becomes a one-turn chat prompt (the second one also gets
    ``system_prompt``); a dict is taken as a ready prompt item. Returns ``(prompts, origin_inputs)``.
    """
    prompts: list[dict] = []
    origin_inputs: list[dict] = []
    for index, query in enumerate(queries):
        raw: dict[str, Any]
        if isinstance(query, dict):
            prompt = copy.deepcopy(query)
            raw = {"prompt": copy.deepcopy(query)}
        else:
            system = system_prompt if index == 1 else None
            messages = [{"role": "system", "content": system}] if system else []
            messages.append({"role": "user", "content": query})
            prompt = {"messages": messages, "data": [query], "system_prompt": system}
            raw = {"question": query}
        prompts.append(prompt)
        origin_inputs.append({**copy.deepcopy(prompt), "raw": raw, "index": str(index)})
    return prompts, origin_inputs


def check_model(
    model: Any,
    config: dict | None = None,
    *,
    prompts: Sequence[str | dict] | None = None,
    deterministic: bool = True,
) -> None:
    """Check that a model honours the predict contract, as the runner calls it.

    ``model`` is what the plugin registers: a ``CustomModel`` (or ``AsyncModel``) subclass
    or a factory, built as ``model(config={"model_id": ..., **config})``; an instance is
    used as it is. The check asks batches of one prompt and of several, in order and
    reversed, with and without an ``infer_cfg``, and requires one valid OpenAI-shaped
    response per prompt, JSON-serialisable, prompts left unchanged, and (when
    ``deterministic``) the same answer to a prompt whatever the batch and whatever was
    asked before. Pass ``deterministic=False`` for a model that samples. ``prompts``
    replaces the default questions (strings, or prompt item dicts). As the runner does, the
    check first calls the model's ``open_run`` with a run folder (a temporary one, deleted
    after), so a model that starts an engine there (``EngineModel``) is checked through it,
    and ``aclose`` at the end stops it.
    """
    import asyncio
    import tempfile
    from pathlib import Path

    from evalscope.models.driver import ModelDriver

    label = f"check_model({_name(model)})"
    instance = _build_model(model, config, label)
    declared = _declared_options(model, label)
    if declared is not None:
        if instance is model:  # given built: its Options must accept the config it was built with
            model_config = dict(getattr(instance, "config", None) or {})
        else:
            model_config = {"model_id": "check-model", **(config or {})}
        from pydantic import ValidationError

        from evalscope.utils.validation import describe_validation_error

        try:
            declared.model_validate(model_config)
        except ValidationError as exc:
            raise AssertionError(
                f"{label}: its Options ({declared.__name__}) reject the config the model was built with "
                f"(keys {sorted(model_config)}): {describe_validation_error(exc)}; declare every key the model takes, "
                "model_id included"
            ) from None
    prompt_items, origin_inputs = make_prompts(prompts if prompts is not None else DEFAULT_QUERIES)
    if not prompt_items:
        raise AssertionError(f"{label}: prompts is empty; give at least one question")
    with tempfile.TemporaryDirectory(prefix="evalscope-check-model-") as run_folder:
        try:
            ModelDriver(instance, _name(model), 1).open_run(Path(run_folder))
        except Exception as exc:
            raise AssertionError(f"{label}: open_run(run_folder) raised {type(exc).__name__}: {exc}") from exc
        asyncio.run(_exercise_model(instance, label, list(zip(prompt_items, origin_inputs)), deterministic))


def _build_model(model: Any, config: dict | None, label: str) -> Any:
    from evalscope.errors import ModelError
    from evalscope.models.base import AsyncModel, CustomModel
    from evalscope.models.driver import ModelDriver

    if isinstance(model, (CustomModel, AsyncModel)):
        instance = model
    elif callable(model):
        model_config = {"model_id": "check-model", **(config or {})}
        try:
            instance = model(config=model_config)
        except Exception as exc:
            raise AssertionError(
                f"{label}: building the model the way the runner does, {_name(model)}(config={model_config!r}), "
                f"raised {type(exc).__name__}: {exc}"
            ) from exc
    else:
        raise AssertionError(f"{label}: expected a CustomModel subclass or a factory, got a {type(model).__name__}")
    try:
        ModelDriver(instance, _name(model), 1)
    except ModelError as exc:
        raise AssertionError(
            f"{label}: {exc}; subclass evalscope.models.CustomModel and implement predict(prompts, **kwargs)"
        ) from None
    return instance


async def _exercise_model(model: Any, label: str, items: list[tuple[dict, dict]], deterministic: bool) -> None:
    from evalscope.models.driver import ModelDriver

    name = type(model).__name__
    count = len(items)
    try:
        alone = [
            (await _ask(model, name, label, [item], GENERATION_CONFIG, f"a batch of 1 prompt (prompt {index})"))[0]
            for index, item in enumerate(items)
        ]
        many = await _ask(model, name, label, items, GENERATION_CONFIG, f"a batch of {count} prompts")
        reverse = await _ask(model, name, label, items[::-1], GENERATION_CONFIG, f"a reversed batch of {count}")
        again = await _ask(model, name, label, items[:1], GENERATION_CONFIG, "prompt 0 again, after other batches")
        await _ask(model, name, label, items[-1:], {}, "a batch of 1 prompt with an empty infer_cfg")
    finally:
        await ModelDriver(model, name, 1).aclose()
    if not deterministic:
        return
    if again[0] != alone[0]:
        raise AssertionError(
            f"{label}: the model keeps state across batches: prompt 0 was answered {_short(alone[0])} first and "
            f"{_short(again[0])} when asked again; keep per-batch data in local variables, not on self "
            "(pass deterministic=False for a model that samples)"
        )
    for answers, order, what in (
        (many, list(range(count)), f"a batch of {count}"),
        (reverse, list(range(count))[::-1], f"a reversed batch of {count}"),
    ):
        for position, index in enumerate(order):
            if answers[position] == alone[index]:
                continue
            swapped = [other for other in range(count) if other != index and alone[other] == answers[position]]
            if swapped:
                raise AssertionError(
                    f"{label}: answers do not follow the order of the prompts: in {what}, prompt {index} got the "
                    f"answer to prompt {swapped[0]} ({_short(answers[position])}); return the responses in the "
                    "order of the prompts"
                )
            raise AssertionError(
                f"{label}: the answer to prompt {index} depends on the batch: alone it was {_short(alone[index])}, "
                f"in {what} it was {_short(answers[position])}; at temperature 0 an answer must not depend on the "
                "other prompts (pass deterministic=False for a model that samples)"
            )


async def _ask(
    model: Any, name: str, label: str, batch: list[tuple[dict, dict]], infer_cfg: dict, what: str
) -> list[str]:
    import asyncio

    from evalscope.errors import ModelError
    from evalscope.models.base import AsyncModel
    from evalscope.models.driver import ModelDriver, response_text

    prompts = [copy.deepcopy(prompt) for prompt, _ in batch]
    origin_inputs = [copy.deepcopy(origin) for _, origin in batch]
    config = copy.deepcopy(infer_cfg)
    before = copy.deepcopy((prompts, origin_inputs, config))
    driver = ModelDriver(model, name, len(batch))
    if isinstance(model, AsyncModel):
        outcomes = await asyncio.gather(
            *(driver.generate([p], [o], config, what) for p, o in zip(prompts, origin_inputs))
        )
        generations = [outcome[0] for outcome in outcomes]
    else:
        try:
            generations = await driver.generate(prompts, origin_inputs, config, what)
        except ModelError as exc:
            raise AssertionError(f"{label}: {exc}; {PREDICT_CONTRACT}") from None
    for position, generation in enumerate(generations):
        if generation.error is not None:
            raise AssertionError(f"{label}: on {what}, prompt {position}: {generation.error}; {PREDICT_CONTRACT}")
        try:
            json.dumps(generation.response)
        except (TypeError, ValueError) as exc:
            raise AssertionError(
                f"{label}: on {what}, response {position} cannot be saved as JSON ({exc}); "
                "use only str, int, float, bool, None, lists and dicts in a response"
            ) from None
    if (prompts, origin_inputs, config) != before:
        changed = "infer_cfg" if config != before[2] else "prompts or origin_inputs"
        raise AssertionError(
            f"{label}: predict changed the {changed} it was given on {what}; the runner reuses them for "
            "every batch and for caching, so copy them before editing"
        )
    return [response_text(generation.response) for generation in generations]
