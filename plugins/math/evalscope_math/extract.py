"""Finding the final answer in a model's answer or a gold solution.

The answer is the content of the last ``\\boxed{...}`` (also ``\\fbox{...}``, ``\\framebox{...}``
and the brace-less ``\\boxed 5``), braces balanced, with the decorations solutions put around it
removed (``\\textbf{...}``, ``\\mathbf{...}``, ``(073)`` parentheses, a trailing period). A text
without a box falls back to the rules its benchmark declares (``answer_phrase``, ``last_integer``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from evalscope.scorers.thinking import after_thinking

_BOX = re.compile(r"\\(?:boxed|fbox|framebox)(?![A-Za-z])")
_BOLD = re.compile(r"\\(?:textbf|mathbf|boldsymbol|bm)\s*(?=\{)")
_PARENTHESISED_NUMBER = re.compile(r"\(\s*([-+]?\d+)\s*\)")
_TRAILING = re.compile(r"(?:\s|\\[,;:! ]|\\quad|\.)+$")
_ANSWER_PHRASE = re.compile(r"answer\s*(?:is|:)\s*:?\s*", re.IGNORECASE)
_MATH_SPAN = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$|\\\((.+?)\\\)|\\\[(.+?)\\\]", re.DOTALL)
_INTEGER = re.compile(r"(?<![\d.])[-+]?\d+(?:,\d{3})*(?![\d.]*\d)")


@dataclass(frozen=True)
class Extraction:
    """An answer found in a text: ``answer`` (LaTeX, without the box) and the ``rule`` that found it."""

    answer: str
    rule: str


def braced(text: str, start: int) -> tuple[str, int] | None:
    """``(content, end)`` of the brace group opening at ``text[start]`` (``{``), or None when it never closes."""
    depth = 0
    for pos in range(start, len(text)):
        char = text[pos]
        if char == "\\":
            continue
        if char == "{" and (pos == 0 or text[pos - 1] != "\\"):
            depth += 1
        elif char == "}" and text[pos - 1] != "\\":
            depth -= 1
            if depth == 0:
                return text[start + 1 : pos], pos + 1
    return None


def _skip_options(text: str, pos: int) -> int:
    """The position after ``\\framebox``'s optional ``[width][position]`` arguments and spaces."""
    while True:
        while pos < len(text) and text[pos] in " \t":
            pos += 1
        if pos < len(text) and text[pos] == "[":
            close = text.find("]", pos)
            if close < 0:
                return pos
            pos = close + 1
        else:
            return pos


def box_contents(text: str) -> list[str]:
    """The content of every complete box in ``text``, in order (a box cut off before its ``}`` is left out)."""
    contents = []
    for hit in _BOX.finditer(text):
        pos = _skip_options(text, hit.end())
        if pos < len(text) and text[pos] == "{":
            group = braced(text, pos)
            if group is not None:
                contents.append(group[0])
        elif hit.end() < len(text) and text[hit.end()] == " ":
            bare = re.match(r"[^$\n]+", text[pos:])  # ``\boxed 5$``: up to the end of the formula or line
            if bare:
                contents.append(bare.group())
    return contents


def clean_answer(answer: str) -> str:
    """``answer`` without the decorations around it: bold wrappers, ``(N)`` parentheses, a trailing period."""
    text = answer.strip()
    while True:
        before = text
        bold = _BOLD.match(text)
        if bold:
            group = braced(text, bold.end())
            if group is not None and group[1] == len(text):
                text = group[0].strip()
        number = _PARENTHESISED_NUMBER.fullmatch(text)
        if number:
            text = number.group(1)
        text = _TRAILING.sub("", text)
        if text == before:
            return text


def last_boxed(text: str) -> Extraction | None:
    """The last complete box of ``text`` that holds something, cleaned (see ``clean_answer``)."""
    for content in reversed(box_contents(text)):
        answer = clean_answer(content)
        if answer:
            return Extraction(answer, "boxed")
    return None


def answer_phrase(text: str) -> Extraction | None:
    """The last ``answer is X`` / ``Answer: X``: its first formula (``$X$``, ``\\(X\\)``), else the rest of its line."""
    for hit in reversed(list(_ANSWER_PHRASE.finditer(text))):
        line = text[hit.end() :].split("\n", 1)[0]
        span = _MATH_SPAN.match(line)
        if span:
            found = next(group for group in span.groups() if group is not None)
        else:
            found = re.split(r"\.(?:\s|$)", line, maxsplit=1)[0]
        answer = clean_answer(found)
        if answer:
            return Extraction(answer, "answer phrase")
    return None


def last_integer(text: str) -> Extraction | None:
    """The last whole number of ``text`` (thousands separators dropped)."""
    found = None
    for found in _INTEGER.finditer(text):  # noqa: B007 - the loop leaves the last match
        pass
    return Extraction(found.group().replace(",", ""), "last integer") if found else None


Fallback = Callable[[str], Extraction | None]


def final_answer(completion: str, fallbacks: Sequence[Fallback] = ()) -> Extraction | None:
    """The final answer of ``completion``: its last box, else the first of ``fallbacks`` that finds one."""
    text = after_thinking(completion)
    for rule in (last_boxed, *fallbacks):
        found = rule(text)
        if found is not None:
            return found
    return None
