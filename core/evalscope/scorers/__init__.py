"""Scorers: how a model's answer is graded against the gold answer."""

from evalscope.scorers.base import Score, Scorer, weighted

__all__ = ["Score", "Scorer", "weighted"]
