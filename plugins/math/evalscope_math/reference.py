"""The ``reference`` metrics: the comparisons the benchmarks' authors published.

MATH (Hendrycks et al., 2021) compares two answers as strings after a fixed normalisation
(``is_equiv`` in hendrycks/math ``modeling/math_equivalence.py``); this module follows those rules
step by step, including their edge cases: an answer the rules cannot normalise (a ``\\frac`` or
``\\sqrt`` with nothing after it, two ``\\text{ `` units) is compared exactly as written. AIME
answers are whole numbers, compared as integers (``025`` equals ``25``).
"""

from __future__ import annotations

import re


class _Unnormalisable(ValueError):
    """The normalisation rules do not apply to this string."""


def _fix_fracs(text: str) -> str:
    """``\\frac12`` -> ``\\frac{1}{2}``, ``\\frac1{72}`` -> ``\\frac{1}{72}``."""
    head, *pieces = text.split("\\frac")
    fixed = [head]
    for piece in pieces:
        fixed.append("\\frac")
        if not piece:
            raise _Unnormalisable("\\frac with nothing after it")
        if piece[0] == "{":
            fixed.append(piece)
            continue
        if len(piece) < 2:
            return text
        numerator, second, rest = piece[0], piece[1], piece[2:]
        if second == "{":
            fixed.append("{" + numerator + "}" + second + rest)
        else:
            fixed.append("{" + numerator + "}{" + second + "}" + rest)
    return "".join(fixed)


def _fix_a_slash_b(text: str) -> str:
    """``3/4`` (two plain integers, nothing else) -> ``\\frac{3}{4}``."""
    parts = text.split("/")
    if len(parts) != 2 or not all(re.fullmatch(r"[-+]?\d+", part.strip()) for part in parts):
        return text
    numerator, denominator = (int(part) for part in parts)
    if text != f"{numerator}/{denominator}":
        return text
    return "\\frac{" + str(numerator) + "}{" + str(denominator) + "}"


def _remove_right_units(text: str) -> str:
    """Everything before ``\\text{ `` (a unit, in MATH's answers); two of them cannot be normalised."""
    if "\\text{ " not in text:
        return text
    parts = text.split("\\text{ ")
    if len(parts) != 2:
        raise _Unnormalisable("more than one unit")
    return parts[0]


def _fix_sqrt(text: str) -> str:
    """``\\sqrt3`` -> ``\\sqrt{3}``."""
    head, *pieces = text.split("\\sqrt")
    fixed = [head]
    for piece in pieces:
        if not piece:
            raise _Unnormalisable("\\sqrt with nothing after it")
        fixed.append("\\sqrt" + piece if piece[0] == "{" else "\\sqrt{" + piece[0] + "}" + piece[1:])
    return "".join(fixed)


def normalise(text: str) -> str:
    """MATH's normal form of an answer string (see the module docstring)."""
    text = text.replace("\n", "").replace("\\!", "").replace("\\\\", "\\")
    text = text.replace("tfrac", "frac").replace("dfrac", "frac")
    text = text.replace("\\left", "").replace("\\right", "")
    text = text.replace("^{\\circ}", "").replace("^\\circ", "")
    text = text.replace("\\$", "")
    text = _remove_right_units(text)
    text = text.replace("\\%", "")  # MATH drops an escaped percent sign only
    text = text.replace(" .", " 0.").replace("{.", "{0.")
    if not text:
        return text
    if text[0] == ".":
        text = "0" + text
    sides = text.split("=")
    if len(sides) == 2 and len(sides[0]) <= 2:
        text = sides[1]
    text = _fix_sqrt(text)
    text = text.replace(" ", "")
    text = _fix_fracs(text)
    if text == "0.5":
        text = "\\frac{1}{2}"
    return _fix_a_slash_b(text)


def math_equivalent(answer: str | None, gold: str | None) -> bool:
    """MATH's ``is_equiv``: the two strings are equal after ``normalise`` (as written, when it does not apply)."""
    if answer is None or gold is None:
        return answer is None and gold is None
    try:
        return normalise(answer) == normalise(gold)
    except (
        Exception
    ):  # as MATH's is_equiv: what cannot be normalised (a number too long for int()) is compared as written
        return answer == gold  # as written


def integer_equal(answer: str | None, gold: str) -> bool:
    """Whether ``answer`` is a whole number equal to ``gold`` (``025`` equals ``25``; ``25.0`` is no whole number)."""
    if answer is None:
        return False
    written = re.fullmatch(r"\s*([-+]?\d+)\s*", answer.replace(",", "").replace("{,}", ""))
    if written is None:
        return False
    try:
        return int(written.group(1)) == int(gold)
    except ValueError:  # more digits than int() takes: no AIME answer
        return False
