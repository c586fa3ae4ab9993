"""The multiple-choice scorer: find the letter a model chose in its free-text answer.

The text is first cut to its answer part: after a closed ``<think>`` block (an unclosed one means the
model never answered, so it is dropped), and before an invented next question (``Question: ...``, as
base models write when they keep following the exemplars). Then the rules, in order of trust; the
first rule that finds anything decides:

1. an answer phrase: ``Answer: B``, ``The answer is (B)``, ``The correct option is B``,
   ``Final answer: **B**``, ``答案是 B``, or an answer phrase followed by the whole text of one
   option (``The answer is London.``);
2. ``\\boxed{B}``;
3. a bold letter: ``**B**``, ``**(B)**``, ``**B) text**``;
4. an option line: ``B) text`` or ``B. text`` starting a line (only when one letter is given that way,
   since models also restate every option);
5. ``Option B`` / ``Choice B`` (likewise only when one letter is named that way);
6. the whole reply is the text of exactly one option (``London``);
7. a lone letter: a line holding only ``B``, ``(B)``, ``B.`` or ``B)``.

Only capital letters count, except a small letter that ends an answer phrase's line (``Answer: b``,
``The answer is (c).``). A letter after an answer phrase is the letter even when some option's text
is that letter (``Answer: C``, ``The answer is (E).``); it is not a declaration when it starts an
expression (``P = ...``, ``$C_{2}H_{6}$``; but ``D = 12`` where option D is ``12`` names D), when
the phrase walks through the options (``consider each choice:``), or when it opens a list of the
options on the lines below (``(A) means ...`` then ``(B) ...``).
Within rules 1-3, two different letters mean the answer is ambiguous (wrong); rules 1 and 2 are
declarations, so a letter outside the options there (``Answer: E`` with options A-D) is wrong, while
the other rules skip letters that are not this question's options (``**I** think`` is not a choice).
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

from evalscope.benchmarks.base import Sample
from evalscope.scorers.base import Score, Scorer
from evalscope.scorers.choices import LETTERS, question_options
from evalscope.scorers.thinking import after_thinking

_CONTINUATION = re.compile(r"\n[ \t>#*_]*(?:Question|Q|问题|User|Human)[ \t]*(?:\d+[ \t]*)?[:：]")
_LETTER_END = r"(?![A-Za-z0-9])"
# Between an answer phrase and its letter: spaces, markdown, brackets, and words such as "option".
# (At most 40 pieces, so a degenerate answer that repeats a phrase thousands of times stays linear.)
_GAP = r"(?:[\s*_`\"'“”‘’(\[{$:：]|\\\(|\\text\{|\\textbf\{|\\boxed\{|(?i:option|choice|letter)\b){0,40}"
_ANSWER_PHRASE = re.compile(
    r"(?:(?<![A-Za-z])(?i:answer|option|choice)\b(?:[ \t]*\([^)\n]{0,30}\))?[\s*_]*"
    r"(?i:is|was|would\s+be|will\s+be|should\s+be|[:：=])"
    r"|答案\s*(?:是|为|[:：])|选\s*(?=[A-J]))"
)
_PHRASE_LETTER = re.compile(_GAP + r"([A-Za-z])(?P<after>[^\n]{0,2})")
# The rest of an answer phrase's line, up to 300 characters (an option's text given as the answer).
_PHRASE_LINE = re.compile(r"[ \t*_:：]*([^\n]{0,300})")
_BOXED = re.compile(r"\\boxed\s*\{\s*(?:\\text(?:bf)?\s*\{\s*)?\(?([A-Z])\)?" + _LETTER_END + r"(?![_^]|[ \t]*=)")
_BOLD = re.compile(r"\*\*[ \t]*\(?([A-Z])(?:\)|\.|:)?(?:[ \t]+[^*\n]*)?\*\*")
_OPTION_LINE = re.compile(r"^[ \t>#*_-]*\(?([A-Z])[).][ \t]+\S", re.MULTILINE)
_OPTION_WORD = re.compile(r"(?<![A-Za-z])(?:[Oo]ption|[Cc]hoice)[ \t]+\(?([A-Z])\)?" + _LETTER_END)
_LONE_LETTER = re.compile(r"^[ \t>#*_]*\(?([A-Z])[).]?[ \t*_]*$", re.MULTILINE)
# What follows a symbol in a formula or an equation: ``P = ...``, ``C_{2}``, ``C^{14}``, ``x \cdot y``.
_IN_EXPRESSION = re.compile(r"[ \t]*(?:[=_^<>+≈≤≥±×÷]|\\(?:cdot|times|approx|neq?|leq?|geq?|pm|div)(?![A-Za-z]))")
_EQUALS_TEXT = re.compile(r"[ \t]*=[ \t]*([^\n]{0,300})")
# A phrase that walks through the options rather than naming one: "consider each (answer) choice:".
_WALK_THROUGH = re.compile(r"(?<![A-Za-z])(?i:each|every)\s+(?:[A-Za-z]+\s+)?$")
# A non-empty line opening with a letter, as an item of a list of options does: "(B) ...", "B. ...".
_NEXT_LIST_ITEM = re.compile(r"\n(?:[ \t]*\n)*[ \t>#*_-]*[(\[]?([A-Za-z])[)\].:][ \t]")
_BRACKETED_LETTER = re.compile(r"[\s`$]*[(\[][A-Za-z][)\]]")
_LETTER_LED = re.compile(r"[\s`$]*\(?([A-Z])[).:](?:\s|$)")  # "B) ...", "(B) ...", "B. ...", "B: ..."
_ENDS_LINE = re.compile(r"[ \t).*_\]]*(?:\n|$)")
_PUNCTUATION = re.compile(r"[\s" + re.escape(string.punctuation) + r"“”‘’。，：！？]+")


@dataclass(frozen=True)
class Choice:
    """What the answer chose: a letter (None when none was found), the rule that decided, and why."""

    letter: str | None
    rule: str
    reason: str


def answer_part(text: str) -> str:
    """The part of a completion that holds the answer (see the module docstring)."""
    text = after_thinking(text)
    for match in _CONTINUATION.finditer(text):
        if text[: match.start()].strip():
            return text[: match.start()]
    return text


def extract_choice(completion: str, options: dict[str, str]) -> Choice:
    """The letter chosen in ``completion`` among ``options`` (``{letter: text}``)."""
    text = answer_part(completion or "")
    for rule, letters in (
        ("answer phrase", _answer_phrase_letters(text, options)),
        ("boxed", _letters(_BOXED, text)),
        ("bold", [letter for letter in _letters(_BOLD, text) if letter in options]),
    ):
        if letters:
            return _decide(rule, letters, options)
    for rule, pattern in (("option line", _OPTION_LINE), ("option word", _OPTION_WORD)):
        letters = [letter for letter in _letters(pattern, text) if letter in options]
        if len(set(letters)) == 1:
            return Choice(letters[0], rule, f"{rule} names {letters[0]}")
    quoted = _option_with_text(text, options)
    if quoted:
        return Choice(quoted, "option text", f"the whole answer is the text of option {quoted}: {options[quoted]!r}")
    letters = [letter for letter in _letters(_LONE_LETTER, text) if letter in options]
    if len(set(letters)) == 1:
        return Choice(letters[0], "lone letter", f"a line holding only {letters[0]}")
    if len(set(letters)) > 1:
        return Choice(None, "lone letter", f"lines holding different letters: {', '.join(sorted(set(letters)))}")
    return Choice(None, "none", "no letter found in the answer")


def _letters(pattern: re.Pattern, text: str) -> list[str]:
    return [match.group(1) for match in pattern.finditer(text)]


def _answer_phrase_letters(text: str, options: dict[str, str]) -> list[str]:
    """The letter after each answer phrase; an option's text after the phrase counts as its letter."""
    letters = []
    for phrase in _ANSWER_PHRASE.finditer(text):
        if _WALK_THROUGH.search(text, max(0, phrase.start() - 30), phrase.start()):
            continue  # "Now, consider each choice:" introduces the options, it does not pick one
        line_match = _PHRASE_LINE.match(text, phrase.end())
        line = line_match.group(1) if line_match else ""
        wanted = _normalize(line)
        quoted = None if _names_a_letter(line, wanted, options) else _option_named(wanted, options)
        if quoted:
            letters.append(quoted)
            continue
        match = _PHRASE_LETTER.match(text, phrase.end())
        if match is None:
            continue
        letter, after = match.group(1), match.group("after")
        if letter.islower():
            if not _ENDS_LINE.match(text, match.end(1)):
                continue  # "The answer is a city": an article, not a choice
            letter = letter.upper()
        if after[:1].isalnum():
            continue  # a word, not a letter: "Answer: It is B", "The answer is Berlin"
        if letter not in options and after[:1] == " " and after[1:2].isalpha():
            continue  # "Answer: I think B" reads "I" as a word
        if _IN_EXPRESSION.match(text, match.end(1)) and not _restates_option(text, match.end(1), letter, options):
            continue  # a symbol: "the price of a put option is: P = ...", "the answer is $C_{2}H_{6}$"
        if "\n" in text[phrase.end() : match.start(1)] and _opens_a_list(text, match.end(1), letter):
            continue  # "Answer:" then "(A) means ...", "(B) means ...": the options listed, none chosen
        letters.append(letter)
    return letters


def _names_a_letter(line: str, normalized: str, options: dict[str, str]) -> bool:
    """Whether the rest of an answer phrase's line (``normalized`` by ``_normalize``) names a letter even
    if it reads like some option's text: a lone letter in brackets (``(E)``), a lone option letter
    (``C``, even where an option's text is ``C``), or an option letter followed by its own text
    (``A: p - 1``, whatever another option's text reads like without its punctuation). Text that only
    starts with a bracketed letter (``(i) and (iii) only``) is text."""
    if len(normalized) == 1:
        return normalized.upper() in options or _BRACKETED_LETTER.match(line) is not None
    led = _LETTER_LED.match(line)
    if led is None or led.group(1) not in options:
        return False
    return _normalize(line[led.end() :]) == _normalize(options[led.group(1)])


def _restates_option(text: str, letter_end: int, letter: str, options: dict[str, str]) -> bool:
    """Whether the letter is followed by ``= <its option's text>`` (``The answer is D = 12`` where D is 12)."""
    equals = _EQUALS_TEXT.match(text, letter_end)
    wanted = _normalize(options.get(letter, ""))
    said = _normalize(equals.group(1)) if equals else ""
    return bool(wanted) and (said == wanted or said.startswith(wanted + " "))


def _opens_a_list(text: str, letter_end: int, letter: str) -> bool:
    """Whether the line holding the letter ending at ``letter_end`` is followed by a line that starts
    with the next letter (``(A) ...`` then ``(B) ...``: a list going through the options in order)."""
    line_end = text.find("\n", letter_end)
    item = _NEXT_LIST_ITEM.match(text, line_end) if line_end >= 0 else None
    return item is not None and ord(item.group(1).upper()) == ord(letter) + 1


def _decide(rule: str, letters: list[str], options: dict[str, str]) -> Choice:
    distinct = sorted(set(letters), key=letters.index)
    if len(distinct) > 1:
        return Choice(None, rule, f"{rule} gives different letters: {', '.join(distinct)}")
    letter = distinct[0]
    if letter not in options:
        return Choice(letter, rule, f"{rule} gives {letter}, which is not among the options {', '.join(options)}")
    return Choice(letter, rule, f"{rule} gives {letter}")


def _normalize(text: str) -> str:
    return _PUNCTUATION.sub(" ", text.replace("**", "")).strip().casefold()


def _option_with_text(text: str, options: dict[str, str]) -> str | None:
    """The one option whose whole text ``text`` is (ignoring case, punctuation and markdown), else None."""
    return _option_named(_normalize(text), options)


def _option_named(wanted: str, options: dict[str, str]) -> str | None:
    """The one option whose normalized text is ``wanted``, else None."""
    if not wanted:
        return None
    matches = [letter for letter, option in options.items() if _normalize(option) == wanted]
    return matches[0] if len(matches) == 1 else None


class GeneralMCQScorer(Scorer):
    """1.0 when the letter chosen in the answer is the sample's gold letter.

    The options are the sample's ``options``, else its row's columns ``A``, ``B``, ...; a sample
    without either allows the letters A to J.
    """

    metric = "AverageAccuracy"

    def score(self, completion: str, sample: Sample) -> Score:
        """Extract the chosen letter and compare it with ``sample.target``."""
        options = sample.options or question_options(sample.raw) or dict.fromkeys(LETTERS, "")
        choice = extract_choice(completion, options)
        gold = sample.target.strip().upper()
        right = choice.letter is not None and choice.letter == gold and choice.letter in options
        if choice.letter is None or choice.letter not in options:
            explanation = f"{choice.rule}: {choice.reason}"
        else:
            verdict = "equals" if right else "differs from"
            explanation = f"{choice.rule}: {choice.reason}, which {verdict} the gold {gold}"
        return Score(float(right), prediction=choice.letter, gold=gold, explanation=explanation)
