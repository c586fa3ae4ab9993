"""The ``reference`` metric: 1 or 0 under the scoring rules a benchmark's authors publish, as written there.

- ``simple_evals_letter``: openai/simple-evals (MMLU, GPQA): the first ``(?i)Answer\\s*:\\s*([A-D])`` (any case, so
  ``answer: because`` reads ``b``, which is no gold letter).
- ``mmlu_pro_letter``: TIGER-AI-Lab/MMLU-Pro ``compute_accuracy.py``: ``answer is \\(?([A-J])\\)?``, then
  ``.*[aA]nswer:\\s*([A-J])``, then the last capital A-J standing alone, else a letter drawn with
  ``random.choice`` right after ``random.seed(12345)``.
- ``bbh_answer``: suzgunmirac/BIG-Bench-Hard: everything after the first ``So the answer is ``, stripped,
  without one trailing ``.``.
"""

from __future__ import annotations

import random
import re

SIMPLE_EVALS = re.compile(r"(?i)Answer\s*:\s*([A-D])")
MMLU_PRO_FIRST = re.compile(r"answer is \(?([A-J])\)?")
MMLU_PRO_SECOND = re.compile(r".*[aA]nswer:\s*([A-J])")
MMLU_PRO_LAST = re.compile(r"\b[A-J]\b(?!.*\b[A-J]\b)", re.DOTALL)
MMLU_PRO_LETTERS = list("ABCDEFGHIJ")
BBH_PHRASE = "So the answer is "


def simple_evals_letter(text: str) -> str | None:
    """The letter simple-evals reads in ``text``, or None."""
    match = SIMPLE_EVALS.search(text)
    return match.group(1) if match else None


def mmlu_pro_letter(text: str) -> str:
    """The letter MMLU-Pro's ``compute_accuracy.py`` reads in ``text`` (a seeded draw when it finds none)."""
    for pattern in (MMLU_PRO_FIRST, MMLU_PRO_SECOND):
        match = pattern.search(text)
        if match:
            return match.group(1)
    match = MMLU_PRO_LAST.search(text)
    if match:
        return match.group(0)
    state = random.getstate()  # the authors seed the global generator; ours is left as it was
    try:
        random.seed(12345)
        return random.choice(MMLU_PRO_LETTERS)
    finally:
        random.setstate(state)


def bbh_answer(text: str) -> str | None:
    """BBH's answer: the text after the first ``So the answer is ``, stripped, one trailing ``.`` removed."""
    if BBH_PHRASE not in text:
        return None
    answer = text.split(BBH_PHRASE, 1)[1].strip()
    return answer[:-1] if answer.endswith(".") else answer
