"""The options of one multiple-choice question: columns ``A``, ``B``, ... with consecutive letters."""

from __future__ import annotations

import string
from typing import Any

from evalscope.benchmarks.fields import text_field

MIN_OPTIONS = 2
MAX_OPTIONS = 10
LETTERS = string.ascii_uppercase[:MAX_OPTIONS]


def option_columns(columns: list[str]) -> tuple[list[str], str | None]:
    """The option letters among ``columns`` (``A``, ``B``, ...) and what is wrong with them, if anything."""
    letters = sorted(column for column in columns if len(column) == 1 and column in string.ascii_uppercase)
    if len(letters) < MIN_OPTIONS:
        return letters, f"needs option columns A, B, ... (at least {MIN_OPTIONS}); columns: {', '.join(columns)}"
    expected = list(string.ascii_uppercase[: len(letters)])
    if letters != expected:
        gap = next(letter for letter, want in zip(letters, expected) if letter != want)
        missing = expected[letters.index(gap)]
        return letters, f"gap in the option columns: {gap} without {missing} (options must be A, B, C, ... in order)"
    if len(letters) > MAX_OPTIONS:
        return letters, f"{len(letters)} option columns; at most {MAX_OPTIONS} (A to {LETTERS[-1]}) are supported"
    return letters, None


def question_options(row: dict[str, Any]) -> dict[str, str]:
    """``{letter: text}`` of a row's options, from ``A`` up to the last non-empty one."""
    texts = [text_field(row, letter) for letter in LETTERS]
    last = max((index for index, text in enumerate(texts) if text is not None), default=-1)
    return {LETTERS[index]: texts[index] or "" for index in range(last + 1)}


def options_problem(options: dict[str, str]) -> str | None:
    """What is wrong with a row's options (too few, an empty one before a given one), or None."""
    empty = [letter for letter, text in options.items() if not text]
    if empty:
        after = next(letter for letter in options if letter > empty[0] and options[letter])
        return f"gap in the option letters: {empty[0]} is empty but {after} is given"
    if len(options) < MIN_OPTIONS:
        return f"{len(options)} option given; a question needs at least {MIN_OPTIONS}"
    return None


def format_choices(options: dict[str, str]) -> str:
    """One ``A. text`` line per option."""
    return "\n".join(f"{letter}. {text.strip()}" for letter, text in options.items())
