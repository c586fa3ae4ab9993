"""Finding the code in a model's answer, in either shape: a completion that continues the prompt's function,
or a chat answer that holds the whole function (usually in a fenced ```python block)."""

from __future__ import annotations

import re

_FENCE = re.compile(r"^[ \t]*```[ \t]*([\w+.-]*)[^\n]*\n(.*?)^[ \t]*```", re.MULTILINE | re.DOTALL)
_PYTHON_TAGS = ("", "python", "py", "python3")
# Where a continuation of a function body ends (human-eval's stop sequences, at the start of a line).
CONTINUATION_STOPS = ("\ndef ", "\nclass ", "\nif ", "\nprint(", "\n#", "\nif __name__")


def code_blocks(answer: str) -> list[str]:
    """The contents of the fenced code blocks tagged as Python (or untagged) in ``answer``, in order; a block
    left open at the end of the answer counts too."""
    blocks = [match.group(2) for match in _FENCE.finditer(answer) if match.group(1).lower() in _PYTHON_TAGS]
    if not blocks:
        opened = re.search(r"^[ \t]*```[ \t]*(?:python3?|py)?[ \t]*\n", answer, re.MULTILINE)
        if opened and "```" not in answer[opened.end() :]:
            blocks.append(answer[opened.end() :])
    return blocks


def defines(code: str, name: str) -> bool:
    """Whether ``code`` defines the top-level function ``name``."""
    pattern = rf"^(?:async[ \t]+)?def[ \t]+{re.escape(name)}[ \t]*\("
    return bool(name) and re.search(pattern, code, re.MULTILINE) is not None


def chosen_block(answer: str, entry_point: str) -> str | None:
    """The fenced block that defines ``entry_point``, else the first fenced block; None when there is none."""
    blocks = code_blocks(answer)
    if not blocks:
        return None
    return next((block for block in blocks if defines(block, entry_point)), blocks[0])


def continuation(text: str) -> str:
    """A completion of a function body, up to where human-eval's stop sequences would have ended it."""
    cut = min((index for stop in CONTINUATION_STOPS if (index := text.find(stop)) != -1), default=len(text))
    return text[:cut]


def function_code(answer: str, prompt: str, entry_point: str) -> str:
    """The code that defines ``entry_point``, from an answer to a prompt that starts the function (HumanEval).

    A whole function (in a block or not) runs after the prompt, which keeps the prompt's imports and
    helpers; anything else is a continuation of the prompt, cut where human-eval stops generating.
    """
    block = chosen_block(answer, entry_point)
    code = block if block is not None else answer
    if defines(code, entry_point):
        return f"{prompt}\n\n{code}" if prompt else code
    return prompt + (code if block is not None else continuation(code))


def program_code(answer: str, entry_point: str = "") -> str:
    """The code of an answer that should hold a whole program (MBPP): its block that defines
    ``entry_point`` (else its first block), or the whole answer when it has no block."""
    block = chosen_block(answer, entry_point)
    return block if block is not None else answer
