"""Reasoning models' ``<think>`` blocks: what comes after a closed one is the answer."""

from __future__ import annotations

import re

_THINK_OPEN = re.compile(r"<think>", re.IGNORECASE)
_THINK_CLOSE = re.compile(r"</think>", re.IGNORECASE)


def after_thinking(text: str) -> str:
    """The text after the last ``</think>``; a ``<think>`` never closed (the model ran out before answering)
    is dropped with everything after it; text without a think block is returned as it is."""
    closes = list(_THINK_CLOSE.finditer(text))
    if closes:
        return text[closes[-1].end() :]
    opened = _THINK_OPEN.search(text)
    return text[: opened.start()] if opened else text
