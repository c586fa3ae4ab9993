"""``check_benchmark``: a benchmark's subsets, samples, prompts and scorer, built and checked as a run uses them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from evalscope.testing.common import _call, _declared_options, _name, _short
from evalscope.testing.scorer_check import _build_scorer, _score


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
    from evalscope.store.cache_keys import cache_key

    if cache_key("model", prompt, {}) != cache_key("model", other, {}):
        raise AssertionError(
            f"{label}: build_prompt() on {where} differs between two benchmarks built with the same options and "
            "seed; predictions are cached by prompt, so a prompt may depend only on the sample, the options and "
            "the seed (use random.Random(self.seed), not the global random state)"
        )
