"""Each sample's own question, for the question column of ``evalscope view``.

A run's records keep the prompt, not the question alone. The prompts of one subset share what the
benchmark adds around each question: few-shot exemplars and instructions before it, an ``Answer:``
line or a format request after it. What is left without them is the sample's own question.
"""

from __future__ import annotations

import os
import re
from typing import Any

# Where a sentence, a line or a label ends: a question starts after the last one its group shares.
_BOUNDARY = re.compile(r"\n|[.?!:;。？！：]\s?")


def last_user_text(messages: list[Any]) -> str:
    """The text of the last user message of a prompt ("" without one)."""
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            return content if isinstance(content, str) else ""
    return ""


def own_questions(prompts: dict[str, str]) -> dict[str, str]:
    """Each prompt (by sample id) without the text every prompt of the group starts and ends with.

    The question starts after the last line break, sentence end or label (``Question:``) that all
    prompts share, not in the middle of a word the questions happen to share, and ends at the first
    line break of the shared ending (``\nAnswer:``), not inside a sentence the questions end alike
    (``... mod 7?``). A group of one sample has nothing to compare with: its prompt is its question.
    """
    texts = list(prompts.values())
    if len(texts) < 2:
        return {sample_id: text.strip() for sample_id, text in prompts.items()}
    shared = len(os.path.commonprefix(texts))
    start = max((match.end() for match in _BOUNDARY.finditer(texts[0], 0, shared)), default=0)
    shortest = min(len(text) for text in texts)
    tail = min(len(os.path.commonprefix([text[::-1] for text in texts])), shortest - shared)
    questions = {}
    for sample_id, text in prompts.items():
        end = text.find("\n", len(text) - tail)  # what follows on the question's own line is the question's
        questions[sample_id] = text[start : end if end >= 0 else len(text)].strip()
    return questions
