"""IFEval's instructions as data: an instruction id with its checked arguments, built from a dataset row.

A row's ``kwargs`` give each instruction's arguments. Rows read from the hub carry every argument of
every instruction, most of them null: a null is "not given" and is dropped. What is left must be
exactly the arguments the instruction takes, each of the right kind, or the row is rejected with a
one-line error naming the prompt, the instruction and the argument.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from evalscope.errors import DataError
from evalscope_ifeval.checks import CHECKS, RELATIONS

# The arguments of each instruction and what kind each one is.
_WHOLE, _TEXT, _RELATION, _LETTER = "whole", "text", "relation", "letter"
# Text the checks read as a regular expression, as the reference does (a keyword like "(oops" is not one).
_PATTERN, _PATTERNS = "pattern", "patterns"
ARGUMENTS: dict[str, dict[str, str]] = {
    "keywords:existence": {"keywords": _PATTERNS},
    "keywords:frequency": {"keyword": _PATTERN, "frequency": _WHOLE, "relation": _RELATION},
    "keywords:forbidden_words": {"forbidden_words": _PATTERNS},
    "keywords:letter_frequency": {"letter": _LETTER, "let_frequency": _WHOLE, "let_relation": _RELATION},
    "language:response_language": {"language": _TEXT},
    "length_constraints:number_sentences": {"num_sentences": _WHOLE, "relation": _RELATION},
    "length_constraints:number_paragraphs": {"num_paragraphs": _WHOLE},
    "length_constraints:number_words": {"num_words": _WHOLE, "relation": _RELATION},
    "length_constraints:nth_paragraph_first_word": {
        "num_paragraphs": _WHOLE,
        "nth_paragraph": _WHOLE,
        "first_word": _TEXT,
    },
    "detectable_content:number_placeholders": {"num_placeholders": _WHOLE},
    "detectable_content:postscript": {"postscript_marker": _PATTERN},
    "detectable_format:number_bullet_lists": {"num_bullets": _WHOLE},
    "detectable_format:constrained_response": {},
    "detectable_format:number_highlighted_sections": {"num_highlights": _WHOLE},
    "detectable_format:multiple_sections": {"section_spliter": _PATTERN, "num_sections": _WHOLE},
    "detectable_format:json_format": {},
    "detectable_format:title": {},
    "combination:two_responses": {},
    "combination:repeat_prompt": {"prompt_to_repeat": _TEXT},
    "startend:end_checker": {"end_phrase": _TEXT},
    "startend:quotation": {},
    "change_case:capital_word_frequency": {"capital_frequency": _WHOLE, "capital_relation": _RELATION},
    "change_case:english_capital": {},
    "change_case:english_lowercase": {},
    "punctuation:no_comma": {},
}
_EXPECTED = {
    _WHOLE: "a whole number of at least 0",
    _TEXT: "a non-empty string",
    _PATTERN: "a non-empty string that is a valid regular expression",
    _PATTERNS: "a non-empty list of non-empty strings that are valid regular expressions",
    _RELATION: f"one of {', '.join(repr(relation) for relation in RELATIONS)}",
    _LETTER: "one character",
}


@dataclass(frozen=True)
class Instruction:
    """One instruction of a prompt: its id (``keywords:existence``) and its arguments (nulls dropped)."""

    id: str
    kwargs: dict[str, Any]

    def followed(self, response: str) -> bool:
        """Whether ``response`` follows the instruction; an empty (or all-space) response follows none."""
        return bool(response.strip()) and CHECKS[self.id](response, **self.kwargs)


def prompt_instructions(key: Any, instruction_ids: Any, kwargs_list: Any) -> list[Instruction]:
    """The instructions of the prompt ``key``, from its ``instruction_id_list`` and ``kwargs`` (one mapping each).

    Raises ``DataError`` (one line naming the prompt, the instruction and the argument) when an
    instruction is unknown, an argument is missing, unknown or of the wrong kind, or the lists differ.
    """
    where = f"ifeval prompt {key}"
    if not isinstance(instruction_ids, list) or not instruction_ids:
        raise DataError(f"{where}: instruction_id_list is {instruction_ids!r}, expected a non-empty list of ids")
    if not isinstance(kwargs_list, list) or len(kwargs_list) != len(instruction_ids):
        count = len(kwargs_list) if isinstance(kwargs_list, list) else type(kwargs_list).__name__
        raise DataError(f"{where}: kwargs has {count} entries for {len(instruction_ids)} instructions")
    return [_instruction(where, id_, kwargs) for id_, kwargs in zip(instruction_ids, kwargs_list)]


def _instruction(where: str, instruction_id: Any, kwargs: Any) -> Instruction:
    if instruction_id not in ARGUMENTS:
        raise DataError(f"{where}: unknown instruction {instruction_id!r}")
    where = f"{where}, instruction {instruction_id}"
    if kwargs is None:
        kwargs = {}
    if not isinstance(kwargs, dict):
        raise DataError(f"{where}: kwargs is a {type(kwargs).__name__}, expected a mapping")
    given = {name: value for name, value in kwargs.items() if value is not None}
    expected = ARGUMENTS[instruction_id]
    for name in given:
        if name not in expected:
            takes = ", ".join(expected) or "no arguments"
            raise DataError(f"{where}: unexpected kwarg {name!r} (it takes {takes})")
    for name, kind in expected.items():
        if kind == _WHOLE and isinstance(given.get(name), float) and given[name].is_integer():
            given[name] = int(given[name])  # a column of numbers with nulls may be read as floats
        if name not in given:
            raise DataError(f"{where}: kwarg {name!r} is missing")
        if not _is_kind(given[name], kind):
            raise DataError(f"{where}: kwarg {name!r} is {given[name]!r}, expected {_EXPECTED[kind]}")
    if "nth_paragraph" in given and not 1 <= given["nth_paragraph"] <= given["num_paragraphs"]:
        raise DataError(
            f"{where}: kwarg 'nth_paragraph' is {given['nth_paragraph']}, expected 1 to num_paragraphs "
            f"({given['num_paragraphs']})"
        )
    return Instruction(instruction_id, given)


def _is_kind(value: Any, kind: str) -> bool:
    if kind == _WHOLE:
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0
    if kind == _RELATION:
        return value in RELATIONS
    if kind == _LETTER:
        return isinstance(value, str) and len(value) == 1 and not value.isspace()
    if kind == _PATTERNS:
        return isinstance(value, list) and bool(value) and all(_is_pattern(word) for word in value)
    if kind == _PATTERN:
        return _is_pattern(value)
    return isinstance(value, str) and bool(value.strip())


def _is_pattern(value: Any) -> bool:
    if not isinstance(value, str) or not value.strip():
        return False
    try:
        re.compile(value)
    except re.error:
        return False
    return True
