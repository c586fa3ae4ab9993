"""Repeats (``--repeats K``): every sample is asked K times, and its K answers make one score.

Answer ``k`` (0 to K - 1) is asked with the generation config's ``seed`` plus ``k``; its prediction
and review lines carry ``"repeat": k`` (with K = 1 they carry no ``repeat``, as before repeats
existed). The sample's score is the mean of its answers' scores, and its named metrics are
``mean@K`` (that mean), the unbiased ``pass@k`` for k = 1, 2, 4, ... and K (see ``pass_at_k``), and
the mean of each named metric of the scorer. A sample with a failed answer (``error``) or an answer
the scorer failed on (``scoring_error``) is counted as such, not scored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from math import comb
from typing import Any

from evalscope.scorers.base import metric_value, unit_number
from evalscope.store.cache_keys import CacheKeys


def request_config(infer_cfg: dict[str, Any], repeat: int | None) -> dict[str, Any]:
    """The generation config answer ``repeat`` is asked with: ``infer_cfg`` with its ``seed`` plus ``repeat``
    (``infer_cfg`` itself for answer 0, for None (no repeats), and when its seed is not a number)."""
    seed = infer_cfg.get("seed")
    if not repeat or not isinstance(seed, int) or isinstance(seed, bool):
        return infer_cfg
    return {**infer_cfg, "seed": seed + repeat}


def key_config(infer_cfg: dict[str, Any], repeat: int | None) -> dict[str, Any]:
    """What the cache key of answer ``repeat`` digests of the generation config: its ``request_config``, with a
    ``<repeat>`` entry when that is ``infer_cfg`` itself for an answer other than 0 (a seed that is not a number)."""
    config = request_config(infer_cfg, repeat)
    return {**config, "<repeat>": repeat} if repeat and config is infer_cfg else config


class AnswerKeys:
    """The prediction cache keys of one dataset's answers: answer ``k`` is keyed with its ``key_config``, so
    answer 0 (and a run without repeats) has the key it always had, and every other answer a key of its own."""

    def __init__(self, model: Any, infer_cfg: dict[str, Any]) -> None:
        self.model = model
        self.infer_cfg = infer_cfg
        self._keys: dict[int, CacheKeys] = {}

    def key(self, prompt: dict, repeat: int | None = None) -> str:
        """The cache key of answer ``repeat`` (None: the only one) to ``prompt``."""
        repeat = repeat or 0
        if repeat not in self._keys:
            self._keys[repeat] = CacheKeys(self.model, key_config(self.infer_cfg, repeat))
        return self._keys[repeat].key(prompt)


def reused_answer(record: dict[str, Any], repeat: int | None) -> dict[str, Any]:
    """A stored prediction line reused as answer ``repeat``: with that ``repeat`` after ``sample_id`` (none when
    ``repeat`` is None), so a line of a run with other ``--repeats`` serves as its answer 0."""
    if record.get("repeat") == repeat:
        return record
    reshaped: dict[str, Any] = {}
    for name, value in record.items():
        if name == "repeat":
            continue
        reshaped[name] = value
        if name == "sample_id" and repeat is not None:
            reshaped["repeat"] = repeat
    return reshaped


def answer_id(record: dict[str, Any]) -> str | tuple[str, int]:
    """Which answer a prediction or review line is: its sample id, with its ``repeat`` when it has one."""
    sample_id = str(record["sample_id"])
    repeat = record.get("repeat")
    return sample_id if repeat is None else (sample_id, repeat)


def pass_ks(repeats: int) -> list[int]:
    """The k of the ``pass@k`` metrics reported for ``repeats`` answers: 1, 2, 4, ... below it, and ``repeats``."""
    ks = []
    k = 1
    while k < repeats:
        ks.append(k)
        k *= 2
    return [*ks, repeats]


def pass_at_k(n: int, c: int, k: int) -> float:
    """The unbiased estimate of the chance that at least one of k answers drawn from n is right, c of the n
    being right: 1 - C(n - c, k) / C(n, k) (Chen et al., 2021)."""
    if n - c < k:
        return 1.0
    return 1.0 - comb(n - c, k) / comb(n, k)


def sample_review(answers: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The review of one sample from the reviews of its answers (all of them), as the report counts it.

    ``score`` is the answers' mean score; ``metrics`` holds ``mean@n`` and ``pass@k`` (an answer is
    right when its score is 1), and each named metric's mean over the answers that have it (a
    ``weighted`` one keeps its weight). ``error`` and ``scoring_error`` are the first answer's that has
    one; ``truncated`` says some answer hit ``max_tokens``; ``prediction`` is the first extracted one.
    """
    first = answers[0]
    review = {
        "sample_id": first["sample_id"],
        "error": next((answer["error"] for answer in answers if answer.get("error") is not None), None),
        "scoring_error": next((answer["scoring_error"] for answer in answers if answer.get("scoring_error")), None),
        "truncated": any(answer.get("truncated") for answer in answers),
        "prediction": next((answer["prediction"] for answer in answers if answer.get("prediction") is not None), None),
        "score": None,
        "metrics": None,
    }
    if review["error"] is not None or review["scoring_error"]:
        return review
    scores = [answer["score"] for answer in answers]
    if not all(unit_number(score) for score in scores):  # an answer not reviewed yet (a folder read back)
        return review
    n, right = len(scores), sum(score == 1 for score in scores)
    review["score"] = sum(scores) / n
    metrics: dict[str, Any] = {f"mean@{n}": review["score"]}
    metrics.update({f"pass@{k}": pass_at_k(n, right, k) for k in pass_ks(n)})
    metrics.update(_mean_metrics([answer.get("metrics") or {} for answer in answers]))
    review["metrics"] = metrics
    return review


def _mean_metrics(answer_metrics: list[dict[str, Any]]) -> dict[str, Any]:
    names = list(dict.fromkeys(name for metrics in answer_metrics for name in metrics))
    means: dict[str, Any] = {}
    for name in names:
        entries = [metrics[name] for metrics in answer_metrics if metric_value(metrics.get(name)) is not None]
        if not entries:
            continue
        mean = sum(metric_value(entry) or 0.0 for entry in entries) / len(entries)
        first = entries[0]
        means[name] = {"value": mean, "weight": first["weight"]} if isinstance(first, dict) else mean
    return means


def repeated_samples(answers: list[dict[str, Any]], repeats: list[int | None]) -> list[dict[str, Any]]:
    """The samples of a run folder read with ``--repeats`` (``evalscope.results.reader.sample`` of each answer, with
    its index in ``repeats``): one per sample id, in first-seen order, as ``repeated_sample`` makes it."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for answer, repeat in zip(answers, repeats):
        groups.setdefault(answer["sample_id"], []).append({**answer, "repeat": repeat})
    return [repeated_sample(sorted(group, key=lambda answer: answer["repeat"] or 0)) for group in groups.values()]


def repeated_sample(answers: list[dict[str, Any]]) -> dict[str, Any]:
    """One sample from its answers (``evalscope.results.reader.sample`` of each, with its ``repeat``): the first
    answer's fields, its ``score``, ``metrics``, ``error`` and ``scoring_error`` those of ``sample_review``
    (the score is None until every answer is scored), and ``answers``, each answer without the
    prompt (``messages``) the sample shows once."""
    reviewed = all(answer["reviewed"] for answer in answers)
    combined = sample_review(answers)
    return {
        **answers[0],
        "score": combined["score"],
        "metrics": combined["metrics"],
        "error": combined["error"],
        "scoring_error": combined["scoring_error"],
        "truncated": combined["truncated"],
        "reviewed": reviewed,
        "answers": [{key: value for key, value in answer.items() if key != "messages"} for answer in answers],
    }


class AnswerGroups:
    """Collects the reviews of each sample's answers until all ``repeats`` of them are in."""

    def __init__(self, repeats: int) -> None:
        self.repeats = repeats
        self._waiting: dict[str, list[Mapping[str, Any]]] = {}

    def add(self, review: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """Take one answer's review; returns the sample's ``sample_review`` once its last answer is in, else None."""
        if self.repeats == 1:
            return review
        sample_id = str(review["sample_id"])
        answers = self._waiting.setdefault(sample_id, [])
        answers.append(review)
        if len(answers) < self.repeats:
            return None
        del self._waiting[sample_id]
        return sample_review(sorted(answers, key=lambda answer: answer.get("repeat") or 0))
