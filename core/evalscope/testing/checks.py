"""The checks of ``evalscope.testing``: one function per component kind, and one for the entry point.

They drive a component through the same code the runner uses (``ModelDriver``,
``response_problem``, ``cache_key``, ``load_plugins``), so a component that passes its
check behaves in a run.
"""

from __future__ import annotations

import copy
import json
import math
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

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

ODD_COMPLETIONS: tuple[str, ...] = (
    "",
    "   ",
    "\n\n",
    "None",
    "Answer:",
    "{}",
    "答案是 42。",
    "The answer is\n\n**42**.",
    "x" * 20000,
)
"""Answers a model may give that a scorer must grade without raising."""


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


# --------------------------------------------------------------------------- models


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


# --------------------------------------------------------------------------- benchmarks


def check_benchmark(
    benchmark: Any,
    options: dict | None = None,
    *,
    seed: int = 42,
    scorer: Any = None,
    limit: int | None = None,
) -> dict[str, list]:
    """Check a benchmark: stable unique ids, well-formed prompts, and its scorer grades its gold answers right.

    ``benchmark`` is what the plugin registers (a ``Benchmark`` subclass or factory),
    built twice as ``benchmark(options=options, seed=seed)``. Each subset is loaded by
    both; ids must be non-empty strings, unique, and the same (with the same inputs,
    targets and prompts) in both loads. Each sample's gold answer, ``sample.target`` or
    ``benchmark.gold_completion(sample)`` when the benchmark defines it (for a scorer
    that expects a phrasing such as ``"The answer is 42"``), must score 1.0, and an empty
    answer must not. The scorer is the one the benchmark names in ``scorer``, looked up
    among the installed plugins; pass ``scorer=`` (a class, factory or instance) to use
    another. ``limit`` checks only the first samples' prompts and gold answers of each
    subset. Its ``generation_config`` must be a dict of JSON values that leaves out what
    evalscope sets itself (``model``, ``messages``, ``prompt``, ``stream``). Returns the
    loaded samples by subset.
    """
    label = f"check_benchmark({_name(benchmark)})"
    declared = _declared_options(benchmark, label)
    first = _build_benchmark(benchmark, options, seed, label)
    second = _build_benchmark(benchmark, options, seed, label)
    if declared is not None and type(getattr(first, "options", None)) is not declared:
        raise AssertionError(
            f"{label}: it declares Options {declared.__name__}, but the built benchmark's options are a "
            f"{type(getattr(first, 'options', None)).__name__}; `evalscope plugins show` would list the wrong options"
        )
    _check_generation_config(getattr(first, "generation_config", {}), label)
    subsets = _call(label, "subset_list()", first.subset_list)
    if not isinstance(subsets, list) or not subsets:
        raise AssertionError(f"{label}: subset_list() returned {subsets!r}; set subsets = [...] on the class")
    scorer_name, scorer_instance = _resolve_scorer(first, scorer, label)
    gold_completion = getattr(first, "gold_completion", None)
    loaded: dict[str, list] = {}
    for subset in subsets:
        samples = _load_samples(first, subset, label)
        again = _load_samples(second, subset, label)
        _check_stable(samples, again, subset, label)
        checked = samples if limit is None else samples[:limit]
        for sample, same in zip(checked, again):
            where = f"subset {subset!r}, sample {sample.id!r}"
            prompt = _call(label, f"build_prompt() on {where}", first.build_prompt, sample)
            _check_prompt(prompt, where, label)
            _check_prompt_stable(prompt, second.build_prompt(same), where, label)
            completion = sample.target
            if gold_completion is not None:
                completion = _call(label, f"gold_completion() on {where}", gold_completion, sample)
                if not isinstance(completion, str):
                    raise AssertionError(
                        f"{label}: gold_completion() returned {type(completion).__name__} on {where}; return a string"
                    )
            score = _score(scorer_instance, completion, sample, label, f"scorer {scorer_name!r} on {where}")
            if score.value != 1.0:
                hint = (
                    "fix the scorer's extraction or the sample's target"
                    if gold_completion is not None
                    else "if the scorer expects a phrasing, define gold_completion(sample) on the benchmark"
                )
                raise AssertionError(
                    f"{label}: scorer {scorer_name!r} graded the gold answer of {where} as {score.value}, not 1.0 "
                    f"(completion {_short(completion)}, extracted prediction {_short(score.prediction)}, "
                    f"gold {_short(score.gold)}); {hint}"
                )
        with_target = next((sample for sample in checked if sample.target.strip()), None)
        if with_target is not None:
            where = f"subset {subset!r}, sample {with_target.id!r}"
            empty = _score(scorer_instance, "", with_target, label, f"scorer {scorer_name!r} on {where}")
            if empty.value == 1.0:
                raise AssertionError(
                    f"{label}: scorer {scorer_name!r} graded an empty answer as right on {where} "
                    f"(target {_short(with_target.target)}); a model that says nothing must not score"
                )
        loaded[subset] = samples
    return loaded


def _build_benchmark(benchmark: Any, options: dict | None, seed: int, label: str) -> Any:
    if not callable(benchmark):
        raise AssertionError(f"{label}: expected a Benchmark subclass or a factory, got a {type(benchmark).__name__}")
    try:
        instance = benchmark(options=dict(options or {}), seed=seed)
    except Exception as exc:
        raise AssertionError(
            f"{label}: building the benchmark the way the runner does, {_name(benchmark)}(options={options or {}!r}, "
            f"seed={seed}), raised {type(exc).__name__}: {exc}"
        ) from exc
    for method in ("subset_list", "load", "build_prompt"):
        if not callable(getattr(instance, method, None)):
            raise AssertionError(
                f"{label}: the factory returned a {type(instance).__name__} without {method}(); "
                "subclass evalscope.benchmarks.Benchmark"
            )
    return instance


def _check_generation_config(config: Any, label: str) -> None:
    if not isinstance(config, dict):
        raise AssertionError(f"{label}: generation_config is a {type(config).__name__}; set a dict on the class")
    try:
        json.dumps(config)
    except (TypeError, ValueError) as exc:
        raise AssertionError(f"{label}: generation_config is not plain JSON data ({exc})") from None
    reserved = [key for key in ("model", "messages", "prompt", "stream") if key in config]
    if reserved:
        raise AssertionError(f"{label}: generation_config sets {reserved[0]!r}, which evalscope sets itself")


def _call(label: str, what: str, function: Callable[..., Any], *args: Any) -> Any:
    try:
        return function(*args)
    except AssertionError:
        raise
    except Exception as exc:
        raise AssertionError(f"{label}: {what} raised {type(exc).__name__}: {exc}") from exc


def _resolve_scorer(benchmark: Any, scorer: Any, label: str) -> tuple[str, Any]:
    if scorer is not None:
        instance = scorer if callable(getattr(scorer, "score", None)) and not isinstance(scorer, type) else None
        if instance is None:
            instance = _build_scorer(scorer, label)
        return _name(scorer), instance
    name = getattr(benchmark, "scorer", None)
    if not isinstance(name, str) or not name:
        raise AssertionError(f"{label}: the benchmark's scorer is {name!r}; set scorer = '<a registered scorer name>'")
    from evalscope.errors import EvalscopeError
    from evalscope.plugins.manager import get_plugins

    registry = get_plugins().scorers
    try:
        registration = registry.get(name)
    except EvalscopeError as exc:
        raise AssertionError(
            f"{label}: the benchmark names scorer {name!r}: {exc}; install the plugin that provides it "
            "(pip install -e .), or pass scorer=YourScorer"
        ) from None
    return name, _build_scorer(registration.factory, label)


def _load_samples(benchmark: Any, subset: str, label: str) -> list:
    from evalscope.benchmarks.base import Sample

    samples = _call(label, f"load({subset!r})", benchmark.load, subset)
    if isinstance(samples, Iterator):  # a benchmark that streams its samples
        samples = _call(label, f"reading the samples of load({subset!r})", list, samples)
    if not isinstance(samples, list):
        raise AssertionError(
            f"{label}: load({subset!r}) returned {type(samples).__name__}; return a list of Sample, or yield them"
        )
    if not samples:
        raise AssertionError(f"{label}: subset {subset!r} has no samples")
    seen: dict[str, int] = {}
    for position, sample in enumerate(samples):
        where = f"subset {subset!r}, sample {position}"
        if not isinstance(sample, Sample):
            raise AssertionError(
                f"{label}: {where} is a {type(sample).__name__}; load() must return evalscope.benchmarks.Sample items"
            )
        if not isinstance(sample.id, str) or not sample.id:
            raise AssertionError(
                f"{label}: {where} has id {sample.id!r}; an id must be a non-empty string "
                "(the data set's own id, or str(row number))"
            )
        if sample.id in seen:
            raise AssertionError(
                f"{label}: subset {subset!r}: samples {seen[sample.id]} and {position} share the id {sample.id!r}; "
                "ids must be unique within a subset (predictions are cached and resumed by id)"
            )
        seen[sample.id] = position
        for field_name in ("input", "target"):
            value = getattr(sample, field_name)
            if not isinstance(value, str):
                raise AssertionError(
                    f"{label}: {where} (id {sample.id!r}) has a {type(value).__name__} {field_name}; "
                    f"{field_name} must be a string (use str(...))"
                )
    return samples


def _check_stable(samples: list, again: list, subset: str, label: str) -> None:
    if len(samples) != len(again):
        raise AssertionError(
            f"{label}: loading subset {subset!r} twice gave {len(samples)} and then {len(again)} samples; "
            "load() must return the same samples every time"
        )
    for position, (one, other) in enumerate(zip(samples, again)):
        if one.id != other.id:
            raise AssertionError(
                f"{label}: ids are not stable: loading subset {subset!r} twice gave id {one.id!r} and then "
                f"{other.id!r} at position {position}; derive ids from the data (the row's own id or its row number), "
                "never from random numbers, time or a shuffled order"
            )
        if (one.input, one.target) != (other.input, other.target):
            raise AssertionError(
                f"{label}: sample {one.id!r} of subset {subset!r} has a different input or target in two loads; "
                "load() must return the same samples every time"
            )


def _check_prompt(prompt: Any, where: str, label: str) -> None:
    problem = _prompt_problem(prompt)
    if problem:
        raise AssertionError(
            f"{label}: build_prompt() on {where}: {problem}; return a dict like "
            "self.chat_prompt(query): {'messages': [{'role': 'user', 'content': query}], 'data': [query], "
            "'system_prompt': None}"
        )


def _prompt_problem(prompt: Any) -> str | None:
    if not isinstance(prompt, dict):
        return f"returned a {type(prompt).__name__}, expected a dict"
    messages = prompt.get("messages")
    if not isinstance(messages, list) or not messages:
        return "'messages' is missing or empty"
    for position, message in enumerate(messages):
        if not isinstance(message, dict):
            return f"messages[{position}] is a {type(message).__name__}, expected a dict"
        if message.get("role") not in ("system", "user", "assistant"):
            return f"messages[{position}] has role {message.get('role')!r}, expected system, user or assistant"
        if not isinstance(message.get("content"), str):
            return f"messages[{position}].content is {type(message.get('content')).__name__}, expected a string"
    if not any(message["role"] == "user" for message in messages):
        return "'messages' has no user message"
    data = prompt.get("data")
    if not isinstance(data, list) or not data:
        return "'data' is missing or empty (models written like the guide read data[0])"
    try:
        json.dumps(prompt)
    except (TypeError, ValueError) as exc:
        return f"the prompt cannot be saved as JSON ({exc})"
    return None


def _check_prompt_stable(prompt: dict, other: Any, where: str, label: str) -> None:
    from evalscope.store.outputs import cache_key

    if cache_key("model", prompt, {}) != cache_key("model", other, {}):
        raise AssertionError(
            f"{label}: build_prompt() on {where} differs between two benchmarks built with the same options and "
            "seed; predictions are cached by prompt, so a prompt may depend only on the sample, the options and "
            "the seed (use random.Random(self.seed), not the global random state)"
        )


# --------------------------------------------------------------------------- scorers


def check_scorer(scorer: Any, cases: Iterable[tuple[str, Any, float]] | None = None) -> None:
    """Check a scorer: built with no arguments, robust to any answer, and grading ``cases`` as expected.

    ``scorer`` is what the plugin registers (a ``Scorer`` subclass or factory) or an
    instance. ``cases`` are ``(completion, target, expected_value)`` triples, where target
    is the gold answer string or a ``Sample``. For each target the scorer must grade odd
    answers (empty, blank, very long, unicode, markdown) without raising, with a value in
    [0, 1], JSON-serialisable ``prediction``/``gold``/``explanation``, ``metrics`` (when given)
    naming numbers in [0, 1], and never grade an empty answer as right. Each case must score
    ``expected_value``, the same way twice.
    """
    from evalscope.benchmarks.base import Sample

    label = f"check_scorer({_name(scorer)})"
    instance = scorer if callable(getattr(scorer, "score", None)) and not isinstance(scorer, type) else None
    if instance is None:
        declared = _declared_options(scorer, label)
        required = [name for name, field in (declared.model_fields.items() if declared else ()) if field.is_required()]
        if required:
            raise AssertionError(
                f"{label}: its Options require {', '.join(map(repr, required))}, but the runner builds a scorer "
                "with no arguments; give every option a default"
            )
        instance = _build_scorer(scorer, label)
    metric = getattr(instance, "metric", None)
    if not isinstance(metric, str) or not metric:
        raise AssertionError(f"{label}: metric is {metric!r}; set metric = 'AverageAccuracy' (the name in reports)")
    cases = list(cases or [])
    for case in cases:
        if not (isinstance(case, tuple) and len(case) == 3):
            raise AssertionError(f"{label}: each case must be (completion, target, expected_value), got {case!r}")

    def as_sample(target: Any) -> Any:
        if isinstance(target, Sample):
            return target
        return Sample(id="check-0", input="What is the answer?", target=str(target), raw={"answer": target})

    targets = [as_sample(target) for _, target, _ in cases] or [as_sample("42")]
    for sample in targets:
        for completion in ODD_COMPLETIONS:
            _score(instance, completion, sample, label, f"target {_short(sample.target)}")
        if sample.target.strip():
            empty = _score(instance, "", sample, label, f"target {_short(sample.target)}")
            if empty.value == 1.0:
                raise AssertionError(
                    f"{label}: graded an empty answer as right for target {_short(sample.target)}; "
                    "a model that says nothing must not score"
                )
    for completion, target, expected in cases:
        sample = as_sample(target)
        got = _score(instance, completion, sample, label, f"target {_short(sample.target)}")
        if not math.isclose(got.value, float(expected), abs_tol=1e-9):
            raise AssertionError(
                f"{label}: graded {_short(completion)} for target {_short(sample.target)} as {got.value}, expected "
                f"{expected} (extracted prediction {_short(got.prediction)}, gold {_short(got.gold)})"
            )
        again = _score(instance, completion, sample, label, f"target {_short(sample.target)}")
        if again.value != got.value:
            raise AssertionError(
                f"{label}: graded {_short(completion)} for target {_short(sample.target)} as {got.value} and then "
                f"{again.value}; a scorer must give the same grade to the same answer"
            )


def _build_scorer(factory: Any, label: str) -> Any:
    if not callable(factory):
        raise AssertionError(f"{label}: expected a Scorer subclass or a factory, got a {type(factory).__name__}")
    try:
        instance = factory()
    except Exception as exc:
        raise AssertionError(
            f"{label}: building the scorer the way the runner does, {_name(factory)}() with no arguments, "
            f"raised {type(exc).__name__}: {exc}"
        ) from exc
    if not callable(getattr(instance, "score", None)):
        raise AssertionError(
            f"{label}: the factory returned a {type(instance).__name__} without score(); "
            "subclass evalscope.scorers.Scorer and implement score(completion, sample)"
        )
    return instance


def _score(scorer: Any, completion: str, sample: Any, label: str, where: str) -> Any:
    try:
        score = scorer.score(completion, sample)
    except Exception as exc:
        raise AssertionError(
            f"{label}: score() raised {type(exc).__name__}: {exc} on {where} and completion {_short(completion)}; "
            "a model can answer anything, so grade what cannot be parsed as 0.0 instead of raising"
        ) from exc
    value = getattr(score, "value", None)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise AssertionError(
            f"{label}: score() returned {_short(score)} on {where}; return evalscope.scorers.Score(value, prediction, "
            "gold) with a float value"
        )
    if not (math.isfinite(value) and 0.0 <= value <= 1.0):
        raise AssertionError(f"{label}: score() gave the value {value} on {where}; a value must be in [0, 1]")
    from evalscope.scorers.base import metrics_problem

    problem = metrics_problem(getattr(score, "metrics", None))
    if problem:
        raise AssertionError(f"{label}: score() gave a Score on {where} whose {problem}")
    try:
        json.dumps([score.prediction, score.gold, getattr(score, "explanation", None)])
    except (TypeError, ValueError) as exc:
        raise AssertionError(
            f"{label}: the Score on {where} cannot be saved in the reviews as JSON ({exc}); "
            "use str, int, float, None, lists or dicts for prediction, gold and explanation"
        ) from None
    return score


# --------------------------------------------------------------------------- entry points


def check_plugin_registers(
    entry_point_name: str,
    *,
    models: Sequence[str] | None = None,
    benchmarks: Sequence[str] | None = None,
    scorers: Sequence[str] | None = None,
    sandboxes: Sequence[str] | None = None,
) -> Any:
    """Check that the installed entry point ``entry_point_name`` loads and registers exactly what it says.

    The plugin is loaded the way the core loads it (with the built-in plugins, through
    the entry point group ``evalscope``). For each of ``models``, ``benchmarks``,
    ``scorers`` and ``sandboxes`` that is given, the names the plugin registers of that kind must be
    exactly those; a name another loaded plugin also registers is a failure. Returns the
    loaded ``Plugins`` so a test can build what was registered.
    """
    from importlib.metadata import entry_points

    from evalscope.plugins.manager import ENTRY_POINT_GROUP, load_plugins

    label = f"check_plugin_registers({entry_point_name!r})"
    installed = sorted({entry_point.name for entry_point in entry_points(group=ENTRY_POINT_GROUP)})
    if entry_point_name not in installed:
        raise AssertionError(
            f"{label}: no entry point named {entry_point_name!r} in the group {ENTRY_POINT_GROUP!r} is installed "
            f"(installed: {', '.join(installed) or 'none'}); declare it in pyproject.toml under "
            f'[project.entry-points.{ENTRY_POINT_GROUP}] as {entry_point_name} = "your_module" and reinstall '
            "the package (pip install -e .)"
        )
    with _environment(EVALSCOPE_LOAD_PLUGINS=entry_point_name, EVALSCOPE_STRICT_PLUGINS=None):
        try:
            plugins = load_plugins()
        except Exception as exc:  # a misspelt hook or a bad registration, in the author's words
            raise AssertionError(f"{label}: loading the plugin failed: {type(exc).__name__}: {exc}") from None
    info = next(info for info in plugins.infos if info.name == entry_point_name)
    where = f"plugin {entry_point_name!r} ({info.distribution} {info.version}, module {info.module})"
    if info.error:
        raise AssertionError(f"{label}: {where} failed to load: {info.error}")
    for kind, names in info.registers.items():
        for name in names:
            registry = plugins.registry(kind)
            if name not in registry.conflicts and registry.get(name).plugin == entry_point_name:
                _declared_options(registry.get(name).factory, f"{label}: {kind} {name!r}")
    for kind, expected in (("model", models), ("benchmark", benchmarks), ("scorer", scorers), ("sandbox", sandboxes)):
        got = list(info.registers.get(kind, []))
        conflicts = getattr(plugins.registry(kind), "conflicts", {})
        for name in got:
            if name in conflicts:
                others = [plugin for plugin in conflicts[name] if plugin != entry_point_name]
                raise AssertionError(
                    f"{label}: {where} registers the {kind} {name!r}, which {', '.join(map(repr, others))} also "
                    "registers; choose another name"
                )
        if expected is None:
            continue
        missing = [name for name in expected if name not in got]
        unexpected = [name for name in got if name not in expected]
        if missing or unexpected:
            parts = []
            if missing:
                parts.append(f"missing {', '.join(map(repr, missing))}")
            if unexpected:
                parts.append(f"unexpected {', '.join(map(repr, unexpected))}")
            raise AssertionError(
                f"{label}: {where} registers the {kind}s {got}, expected {list(expected)} ({'; '.join(parts)}); "
                f"check its register_{kind}s hook"
            )
    return plugins


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
