"""``check_scorer``: a scorer graded on given cases and on answers a model may give."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Any

from evalscope.testing.common import _declared_options, _name, _short

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
