"""The GSM8K scorer: find the final number in a model's free-text answer and compare it by value.

Extraction, in order of trust (within a rule, the last occurrence wins, so a model that corrects
itself is read at its last word):

1. ``#### N``, the dataset's own format;
2. an answer phrase: ``The answer is N``, ``The final answer is $N$``, ``Answer: N``, a line ``A: N``;
3. ``\\boxed{N}``;
4. otherwise the last number in the text.

Before that the text is cleaned: a ``<think>`` block that has an answer after it is dropped; markdown
bold (``**``) is removed, except between two numbers (``2**3``, ``2 ** 3``), where it is a power and
read as ``^`` (so ``2**3`` is never 23); and a line that starts like a new question or turn
(``Question:``, ``Problem:``, ``Q:``, ``User:``, ``Human:``, ``Instruction:``, optionally numbered or in
markdown such as ``**Question:**``) ends the answer, but only when an answer was given before it (a
``#### N``, an answer phrase or a ``\\boxed{N}``), as base models write when they keep following the
few-shot pattern. Such a line with no answer before it (``First we get 12.\\nProblem: ...\\nThe answer
is 18.``) is kept, and the answer is read after it. Numbers are read with currency (``$1,080.00``, ``\\$18``), signs
(``-3``), decimals, fractions (``3/4``, ``\\frac{3}{4}``), thousands separators (``1,000,000``,
LaTeX ``1{,}000``), percentages and scale words (``1.5 million``); when the answer phrase is followed
by a worked expression (``The answer is 9 * 2 = 18``) the result after the last ``=`` is taken.
Values compare as exact fractions, so ``18`` = ``18.0`` = ``18.00``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from evalscope.benchmarks.base import Sample
from evalscope.errors import DataError
from evalscope.scorers.base import Score, Scorer

_CURRENCY = r"(?:\\?\$|[€£¥₹])"
_NUMBER = re.compile(
    r"(?=[-+\\$€£¥₹\d.])"  # a cheap first-character test that lets the scan skip ahead
    r"(?<![A-Za-z0-9_.])"
    r"(?P<sign>[-+])?"
    rf"(?:{_CURRENCY}[ \t]?)?"
    r"(?P<sign2>[-+])?"
    r"(?:"
    r"\\[dt]?frac\{\s*(?P<fnum>[-+]?\d+)\s*\}\{\s*(?P<fden>\d+)\s*\}"
    r"|"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?![\d])(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    r"(?:[ \t]*/[ \t]*(?P<den>\d+)(?![\d.]))?"
    r")"
    r"(?:[ \t]*(?P<scale>thousand|million|billion)\b)?"
)
_SCALES = {"thousand": 1000, "million": 10**6, "billion": 10**9}

# What may stand between an answer phrase and its number: spaces, punctuation, markdown, LaTeX openers.
_GAP = re.compile(
    r"(?:[\s:=*_`\"'“”‘’(\[{$]|\\[(\[]|\\\$|\\(?:boxed|fbox|text(?:bf|rm)?|math(?:bf|rm))\{"
    r"|(?i:therefore|thus|then|simply|just|exactly|approximately|about|roughly|around|equal\s+to|a\s+total\s+of)\b)*"
)


@dataclass(frozen=True)
class _Marker:
    """Text that announces the answer: found by plain ``str.find`` of its literals, then checked by ``pattern``.

    (Scanning long answers with one big regular expression is several times slower.)
    """

    literals: tuple[str, ...]
    pattern: re.Pattern
    line_start: bool = False  # only at the start of a line, after spaces or markdown

    def hits(self, text: str) -> list[re.Match]:
        """Every match in ``text``."""
        found = []
        for literal in self.literals:
            pos = text.find(literal)
            while pos != -1:
                match = self.pattern.match(text, pos)
                if match and (not self.line_start or _at_line_start(text, pos)):
                    found.append(match)
                pos = text.find(literal, pos + 1)
        return found


def _at_line_start(text: str, pos: int) -> bool:
    line_start = text.rfind("\n", 0, pos) + 1
    return not text[line_start:pos].strip(" \t>#*_-")


_HASH_MARKERS = (_Marker(("####",), re.compile("####")),)
_ANSWER_MARKERS = (
    _Marker(
        ("answer", "Answer", "ANSWER"),
        re.compile(
            r"(?<![A-Za-z])(?:answer|Answer|ANSWER)\b(?:\s+to\s+(?:the|this)\s+(?:question|problem))?"
            r"(?:\s*\([^)\n]{0,40}\))?[\s*_]*(?:is|IS|was|will\s+be|would\s+be|should\s+be|equals|[:=：])"
        ),
    ),
    _Marker(("A:", "A：", "A :"), re.compile(r"A[ \t]*[:：]"), line_start=True),
    _Marker(("答案",), re.compile(r"答案\s*(?:是|为|[:：])")),
)
_BOXED = re.compile(r"\\(?:boxed|fbox)\s*\{")
# A worked expression after the number: ``9 * 2 = 18``; the result after the last ``=`` is the answer.
# Up to two unit words may follow a number before the operator: ``9 eggs * $2 = $18``.
_UNITS = r"(?:[ \t]*%|[ \t]+[A-Za-z]+){0,2}"
_OPERATOR = re.compile(_UNITS + r"[ \t]*(?:[-+*/×÷x^]|\\times|\\cdot|\\div)[ \t]*\(?[ \t]*")
_EQUALS = re.compile(_UNITS + r"[ \t]*\)?[ \t]*(?:=|≈|\\approx)[ \t]*(?:\\?\$|\\boxed\{)?[ \t]*")
# A line that starts a new question or turn; it ends the answer once an answer was given (see ``answer_part``).
_CONTINUATION = re.compile(r"\n[ \t>#*_]*(?:Question|Problem|Q|User|Human|Instruction)[ \t]*(?:\d+[ \t]*)?[:：]")
# ``**`` between two numbers is a power (``2**3``, ``2 ** 3``); anywhere else it is markdown bold.
_POWER = re.compile(r"(?<=[\d)])(?:\*\*| \*\* )(?=[\d(])")
_LIST_ITEM = re.compile(r"[.):][ \t]+[^\W\d]")
_THINK_END = re.compile(r"</think>", re.IGNORECASE)
_LATEX_COMMA = re.compile(r"(\d)\{,\}(?=\d{3}(?!\d))")
_SEPARATORS = ("\\,", "\\!", "\\;", "\\ ", "\u2009", "\u202f", "\u00a0")
_SPACE_SEPARATOR = re.compile(r"(\d)(?:\\[,!; ]|[\u2009\u202f\u00a0])(?=\d{3}(?!\d))")


@dataclass(frozen=True)
class Extraction:
    """A number found in an answer: its exact value, how it was written, and the rule that found it."""

    value: Fraction
    text: str
    rule: str
    snippet: str


def normalize_text(text: str) -> str:
    """Undo typography that hides numbers: unicode minus, LaTeX and thin-space thousands separators, bold.

    ``**`` between two numbers is a power and becomes ``^``; elsewhere it is bold and is removed.
    """
    text = text.replace("\u2212", "-").replace("\\%", "%")
    if "**" in text:
        text = _POWER.sub("^", text).replace("**", "")
    text = text.replace("__", "")
    if "{,}" in text:
        text = _LATEX_COMMA.sub(r"\1,", text)
    if any(separator in text for separator in _SEPARATORS):
        text = _SPACE_SEPARATOR.sub(r"\1", text)
    return text


def answer_part(text: str) -> str:
    """The part of a completion that holds the answer.

    After a closed ``<think>`` block (when something follows it), and before the first line that
    starts a new question or turn (``_CONTINUATION``) once an answer (``#### N``, an answer phrase,
    a ``\\boxed{N}``) has been given before that line.
    """
    ends = list(_THINK_END.finditer(text))
    if ends and text[ends[-1].end() :].strip():
        text = text[ends[-1].end() :]
    start = 0
    for match in _CONTINUATION.finditer(text):
        # Only the stretch since the previous such line is new: an answer before it would have cut there.
        if _has_answer(text[start : match.start()]):
            return text[: match.start()]
        start = match.start()
    return text


def _has_answer(text: str) -> bool:
    """Whether ``text`` gives an answer: a ``#### N``, an answer phrase with its number, or a boxed number."""
    return bool(
        _from_markers(text, _HASH_MARKERS, "####")
        or _from_markers(text, _ANSWER_MARKERS, "answer phrase")
        or _from_boxed(text)
    )


def parse_number(match: re.Match, text: str) -> tuple[Fraction, str]:
    """The value and written form (without currency and commas) of a ``_NUMBER`` match in ``text``."""
    if match.group("fnum") is not None:
        numerator, denominator = int(match.group("fnum")), int(match.group("fden"))
        value = Fraction(numerator, denominator) if denominator else Fraction(numerator)
        written = f"{numerator}/{denominator}" if denominator else str(numerator)
    else:
        digits = match.group("num").replace(",", "")
        value = Fraction(Decimal(digits))
        written = digits
        den = match.group("den")
        if den is not None and int(den) != 0:
            value /= int(den)
            written = f"{digits}/{den}"
    scale = match.group("scale")
    if scale:
        value *= _SCALES[scale]
        written = _format(value)
    sign = match.group("sign") or match.group("sign2")
    if sign == "-" and not _is_binary_minus(text, match.start()):
        value, written = -value, "-" + written
    return value, written


def _is_binary_minus(text: str, start: int) -> bool:
    """A minus right after an operand (``16 -3``, ``(2)-3``) subtracts; it does not make a negative number."""
    before = text[:start].rstrip()
    return bool(before) and (before[-1].isdigit() or before[-1] in ")]}")


def _format(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    return str(Decimal(value.numerator) / Decimal(value.denominator))


def _number_at(text: str, pos: int) -> re.Match | None:
    """The number starting at ``pos`` after an optional gap (spaces, markdown, ``$``, ``\\boxed{``)."""
    gap = _GAP.match(text, pos)
    return _NUMBER.match(text, gap.end() if gap else pos)


def _resolve_expression(text: str, match: re.Match) -> tuple[re.Match, bool]:
    """Follow ``N op M ... = R`` after a number: the match of ``R`` (or ``N``), and whether an operator followed."""
    result, pos, operated = match, match.end(), False
    while True:
        operator = _OPERATOR.match(text, pos)
        operand = _NUMBER.match(text, operator.end()) if operator else None
        if operand is not None:
            pos, operated = operand.end(), True
            continue
        equals = _EQUALS.match(text, pos)
        value = _NUMBER.match(text, equals.end()) if equals else None
        if value is None:
            return result, operated
        result, pos = value, value.end()


def _from_markers(text: str, markers: tuple[_Marker, ...], rule: str) -> Extraction | None:
    """The last marker in ``text`` directly followed by a number.

    A label ending in a colon (``Answer:``, ``A:``) may head a line of working (``Answer: 16 - 3 = 13
    eggs, ...``) rather than give the result; it counts only when its number is not the start of a
    calculation and nothing else on its line is a number.
    """
    hits = sorted((hit for marker in markers for hit in marker.hits(text)), key=lambda hit: hit.start())
    for hit in reversed(hits):
        number = _number_at(text, hit.end())
        if number is None or _is_list_number(text, hit, number):
            continue
        number, operated = _resolve_expression(text, number)
        if rule != "####" and hit.group().rstrip()[-1] in ":：=" and (operated or _more_numbers_on_line(text, number)):
            continue
        value, written = parse_number(number, text)
        return Extraction(value, written, rule, _snippet(text, hit.start(), number.end()))
    return None


def _is_list_number(text: str, hit: re.Match, number: re.Match) -> bool:
    """Whether ``number`` numbers a heading or list item (``#### 1. Count the eggs``, ``Answer:\\n1) First``)."""
    heading = hit.group() == "####"
    starts_line = _at_line_start(text, hit.start()) if heading else "\n" in text[hit.end() : number.start()]
    return starts_line and _LIST_ITEM.match(text, number.end()) is not None


def _more_numbers_on_line(text: str, number: re.Match) -> bool:
    """Whether the rest of the line after ``number`` holds another number (outside parentheses)."""
    rest = text[number.end() :].split("\n", 1)[0]
    rest = re.sub(r"\([^()]*\)", "", rest)
    return _NUMBER.search(rest) is not None


def _boxed_contents(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, content)`` of every ``\\boxed{...}``, braces balanced."""
    boxes = []
    for hit in _BOXED.finditer(text):
        depth, pos = 1, hit.end()
        while pos < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[pos], 0)
            pos += 1
        if depth == 0:
            boxes.append((hit.start(), pos, text[hit.end() : pos - 1]))
    return boxes


def _from_boxed(text: str) -> Extraction | None:
    """The number in the last ``\\boxed{}`` that holds one (after its last ``=``, if it shows a computation)."""
    found = None
    for start, end, content in _boxed_contents(text):
        inner = re.sub(r"\\(?:text|textbf|mathrm|mathbf)\{([^{}]*)\}", r"\1", content)
        if "=" in inner:
            inner = inner.rsplit("=", 1)[1]
        number = _NUMBER.search(inner)
        if number is None:
            continue
        value, written = parse_number(number, inner)
        found = Extraction(value, written, "boxed", _snippet(text, start, end))
    return found


def _last_number(text: str) -> Extraction | None:
    """The last number in ``text``."""
    last = None
    for last in _NUMBER.finditer(text):  # noqa: B007 - the loop leaves the last match
        pass
    if last is None:
        return None
    value, written = parse_number(last, text)
    return Extraction(value, written, "last number", _snippet(text, last.start(), last.end(), context=30))


def _snippet(text: str, start: int, end: int, context: int = 0) -> str:
    piece = text[max(0, start - context) : end]
    return " ".join(piece.split())


def extract_answer(completion: str) -> Extraction | None:
    """Find the final numeric answer in ``completion`` (see the module docstring for the rules), or None."""
    text = answer_part(normalize_text(completion or ""))
    return (
        _from_markers(text, _HASH_MARKERS, "####")
        or _from_markers(text, _ANSWER_MARKERS, "answer phrase")
        or _from_boxed(text)
        or _last_number(text)
    )


@functools.lru_cache(maxsize=4096)
def gold_value(target: str) -> Fraction | None:
    """The exact value of a gold answer (``18``, ``1,080``, ``-3``, or a text ending in ``#### N``)."""
    found = extract_answer(target)
    return found.value if found else None


class GSM8KScorer(Scorer):
    """Scores 1.0 when the number extracted from the answer equals the gold number in value."""

    metric = "AverageAccuracy"

    def score(self, completion: str, sample: Sample) -> Score:
        """Extract the model's final number and compare it with ``sample.target`` exactly."""
        gold = gold_value(sample.target)
        if gold is None:
            raise DataError(f"gsm8k scorer: sample {sample.id}: gold answer {sample.target!r} is not a number")
        found = extract_answer(completion)
        if found is None:
            return Score(0.0, prediction=None, gold=sample.target, explanation="no number found in the answer")
        right = found.value == gold
        verdict = "equals" if right else "differs from"
        explanation = f"{found.rule}: {found.snippet!r} -> {found.text}, which {verdict} the gold {sample.target}"
        return Score(float(right), prediction=found.text, gold=sample.target, explanation=explanation)
