"""Preparing an extracted answer for math-verify."""

from __future__ import annotations

import re
from fractions import Fraction

_REPEATING = re.compile(r"(\d*)\.(\d*)\\overline\s*\{(\d+)\}")


def _as_fraction(match: re.Match) -> str:
    whole, fixed, repeating = match.groups()
    shift = 10 ** len(fixed)
    value = Fraction(int(whole or "0")) + Fraction(int(fixed or "0"), shift)
    value += Fraction(int(repeating), shift * (10 ** len(repeating) - 1))
    return f"\\frac{{{value.numerator}}}{{{value.denominator}}}" if value.denominator != 1 else str(value.numerator)


def repeating_decimals_as_fractions(answer: str) -> str:
    """``answer`` with each repeating decimal (``0.\\overline{3}``, ``1.2\\overline{45}``) written as a fraction,
    which math-verify reads (it reads ``\\overline{...}`` as a symbol)."""
    return _REPEATING.sub(_as_fraction, answer)


def as_latex(answer: str) -> str:
    """``answer`` as a formula math-verify's LaTeX extraction reads (it finds nothing in a bare ``\\frac12``),
    repeating decimals written as fractions."""
    return f"${repeating_decimals_as_fractions(answer)}$"
