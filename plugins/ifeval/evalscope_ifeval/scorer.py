"""The IFEval scorer: which of a prompt's instructions the response follows, strictly and loosely.

Strict judges the response as it is. Loose (the reference's upper bound) counts an instruction as
followed when any of eight variants of the response follows it: the response, without its first
line, without its last line, without both, and each of these four with every ``*`` removed. A
closed ``<think>...</think>`` block is dropped first: it is not part of the judged answer.

Four metrics per prompt: ``prompt_level_strict_acc`` and ``prompt_level_loose_acc`` (1 when every
instruction is followed), ``inst_level_strict_acc`` and ``inst_level_loose_acc`` (the share of the
prompt's instructions followed, weighted by their number, so the report gives followed instructions
over all instructions of the set). The score is the prompt-level strict one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from evalscope.benchmarks.base import Sample
from evalscope.errors import DataError
from evalscope.scorers.base import Score, Scorer, weighted
from evalscope_ifeval.instructions import Instruction, prompt_instructions
from evalscope_ifeval.text import without_thinking

METRICS = ("prompt_level_strict_acc", "inst_level_strict_acc", "prompt_level_loose_acc", "inst_level_loose_acc")


def loose_variants(response: str) -> list[str]:
    """The eight responses loose judging tries, in the reference's order: as given, without ``*``, without
    the first line, without the last line, without both, and the last three without ``*``."""
    lines = response.split("\n")
    no_first = "\n".join(lines[1:]).strip()
    no_last = "\n".join(lines[:-1]).strip()
    no_both = "\n".join(lines[1:-1]).strip()
    return [
        response,
        response.replace("*", ""),
        no_first,
        no_last,
        no_both,
        no_first.replace("*", ""),
        no_last.replace("*", ""),
        no_both.replace("*", ""),
    ]


@dataclass(frozen=True)
class InstructionResult:
    """Whether one instruction was followed, strictly and loosely."""

    instruction: str
    strict: bool
    loose: bool


def judge(response: str, instructions: list[Instruction]) -> list[InstructionResult]:
    """Each instruction's strict and loose result for ``response`` (already without its thinking)."""
    variants = loose_variants(response)
    results = []
    for instruction in instructions:
        strict = instruction.followed(response)
        loose = strict or any(instruction.followed(variant) for variant in variants[1:])
        results.append(InstructionResult(instruction.id, strict, loose))
    return results


def sample_instructions(sample: Sample) -> list[Instruction]:
    """The instructions of an IFEval sample (from its row's ``instruction_id_list`` and ``kwargs``)."""
    row = sample.raw
    if "instruction_id_list" not in row:
        raise DataError(f"ifeval prompt {sample.id}: the row has no instruction_id_list")
    return prompt_instructions(row.get("key", sample.id), row["instruction_id_list"], row.get("kwargs"))


class IFEvalScorer(Scorer):
    """Checks each instruction of the prompt against the answer; the score is 1 when all are followed (strict).

    The review's ``prediction`` lists every instruction with its strict and loose result; ``metrics``
    carries the four IFEval metrics (the instruction-level ones weighted by the number of instructions).
    """

    metric = "prompt_level_strict_acc"

    def score(self, completion: str, sample: Sample) -> Score:
        """Judge ``completion`` against the instructions of ``sample``."""
        instructions = sample_instructions(sample)
        results = judge(without_thinking(completion), instructions)
        return score_of(results)


def score_of(results: list[InstructionResult]) -> Score:
    """The ``Score`` of a prompt whose instructions gave ``results``."""
    count = len(results)
    strict = sum(result.strict for result in results)
    loose = sum(result.loose for result in results)
    metrics: dict[str, Any] = {
        "prompt_level_strict_acc": float(strict == count),
        "inst_level_strict_acc": weighted(strict / count, count),
        "prompt_level_loose_acc": float(loose == count),
        "inst_level_loose_acc": weighted(loose / count, count),
    }
    missed = [result.instruction for result in results if not result.strict]
    explanation = f"strict {strict}/{count}, loose {loose}/{count}"
    if missed:
        explanation += "; not followed (strict): " + ", ".join(missed)
    return Score(
        float(strict == count),
        prediction=[{"instruction": r.instruction, "strict": r.strict, "loose": r.loose} for r in results],
        gold=[result.instruction for result in results],
        explanation=explanation,
        metrics=metrics,
    )
