"""Answer-against-reference metrics of ``general_qa``: exact match, token F1 and ROUGE-L.

Answers and references are normalized as in the SQuAD v1.1 evaluation script: lower case, ASCII
punctuation removed, the articles a/an/the removed, white space collapsed. Tokens are the words left;
each CJK character counts as one token (as MLQA's evaluation does for Chinese), since those scripts
put no spaces between words. ROUGE-L is the F-measure of the longest common token subsequence,
computed by ``rouge-score`` (imported on first use) on these same tokens.
"""

from __future__ import annotations

import functools
import re
import string
from collections import Counter
from typing import Any

from evalscope_general import QA_METRICS

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = str.maketrans("", "", string.punctuation)
_CJK = re.compile(r"([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af])")


def normalize_answer(text: str) -> str:
    """SQuAD v1.1 normalization: lower case, no punctuation, no articles, single spaces."""
    text = text.lower().translate(_PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def tokens(text: str) -> list[str]:
    """The normalized words of ``text``, with each CJK character a token of its own."""
    return _CJK.sub(r" \1 ", normalize_answer(text)).split()


def exact_match(answer: str, reference: str) -> float:
    """1.0 when the normalized answer equals the normalized reference."""
    return float(normalize_answer(answer) == normalize_answer(reference))


def token_f1(answer: str, reference: str) -> float:
    """The harmonic mean of token precision and recall (SQuAD's F1); 0.0 when no token is shared."""
    answer_tokens, reference_tokens = tokens(answer), tokens(reference)
    shared = sum((Counter(answer_tokens) & Counter(reference_tokens)).values())
    if shared == 0:
        return 0.0
    precision, recall = shared / len(answer_tokens), shared / len(reference_tokens)
    return 2 * precision * recall / (precision + recall)


class _Tokenizer:
    """The tokenizer ``rouge-score`` calls: this module's ``tokens``."""

    def tokenize(self, text: str) -> list[str]:
        return tokens(text)


@functools.lru_cache(maxsize=1)
def _rouge_scorer() -> Any:
    from rouge_score.rouge_scorer import RougeScorer

    return RougeScorer(["rougeL"], tokenizer=_Tokenizer())


def rouge_l(answer: str, reference: str) -> float:
    """ROUGE-L F-measure of the answer's tokens against the reference's."""
    return _rouge_scorer().score(reference, answer)["rougeL"].fmeasure


METRICS = dict(zip(QA_METRICS, (exact_match, token_f1, rouge_l)))
