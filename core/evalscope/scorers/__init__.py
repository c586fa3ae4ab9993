"""Scorers: how a model's answer is graded against the gold answer."""

from evalscope.scorers.base import Score, Scorer

__all__ = ["Score", "Scorer"]
