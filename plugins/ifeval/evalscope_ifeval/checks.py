"""The 25 IFEval instruction checks: each tells whether a response follows one instruction.

Each check takes the response and the instruction's arguments (already validated, see
``evalscope_ifeval.instructions``) and returns whether the response follows it, as the reference
implementation (google-research ``instruction_following_eval``) decides. Counting words and
sentences, tokenising words and detecting the language is ``evalscope_ifeval.text``'s.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from evalscope_ifeval import text

LESS_THAN, AT_LEAST = "less than", "at least"
RELATIONS = (LESS_THAN, AT_LEAST)
CONSTRAINED_RESPONSES = ("My answer is yes.", "My answer is no.", "My answer is maybe.")


def compare(count: int, relation: str, threshold: int) -> bool:
    """``count < threshold`` for "less than", ``count >= threshold`` for "at least"."""
    return count < threshold if relation == LESS_THAN else count >= threshold


# --- keywords -------------------------------------------------------------------------------------


def keywords_existence(response: str, keywords: list[str]) -> bool:
    """Every keyword occurs, in any case (each keyword is read as a regular expression, as the reference does)."""
    return all(re.search(keyword, response, flags=re.IGNORECASE) for keyword in keywords)


def keywords_frequency(response: str, keyword: str, frequency: int, relation: str) -> bool:
    """The keyword's occurrences (any case, overlapping ones not counted) compared with ``frequency``."""
    return compare(len(re.findall(keyword.strip(), response, flags=re.IGNORECASE)), relation, frequency)


def keywords_forbidden_words(response: str, forbidden_words: list[str]) -> bool:
    """None of the words occurs as a whole word, in any case."""
    return not any(re.search(rf"\b{word}\b", response, flags=re.IGNORECASE) for word in set(forbidden_words))


def keywords_letter_frequency(response: str, letter: str, let_frequency: int, let_relation: str) -> bool:
    """The character's occurrences, case-folded (a non-letter such as ``!`` counts as itself)."""
    return compare(response.lower().count(letter.strip().lower()), let_relation, let_frequency)


# --- language and case ----------------------------------------------------------------------------


def language_response_language(response: str, language: str) -> bool:
    """The detected language is ``language`` (an ISO 639-1 code); an undetectable text passes."""
    detected = text.detect_language(response)
    return detected is None or detected == language


def change_case_english_capital(response: str) -> bool:
    """All cased letters are capitals and the text is English (an undetectable text passes)."""
    if not response.isupper():
        return False
    detected = text.detect_language(response)
    return detected is None or detected == "en"


def change_case_english_lowercase(response: str) -> bool:
    """All cased letters are lowercase and the text is English (an undetectable text passes)."""
    if not response.islower():
        return False
    detected = text.detect_language(response)
    return detected is None or detected == "en"


def change_case_capital_word_frequency(response: str, capital_frequency: int, capital_relation: str) -> bool:
    """The words (nltk's word tokens) written all in capitals, compared with ``capital_frequency``."""
    capitals = sum(1 for word in text.word_tokens(response) if word.isupper())
    return compare(capitals, capital_relation, capital_frequency)


# --- length ---------------------------------------------------------------------------------------


def length_number_words(response: str, num_words: int, relation: str) -> bool:
    """The words (runs of word characters) compared with ``num_words``."""
    return compare(text.count_words(response), relation, num_words)


def length_number_sentences(response: str, num_sentences: int, relation: str) -> bool:
    """The sentences (English Punkt) compared with ``num_sentences``."""
    return compare(text.count_sentences(response), relation, num_sentences)


def length_number_paragraphs(response: str, num_paragraphs: int) -> bool:
    """Exactly ``num_paragraphs`` paragraphs separated by ``***``; an empty one is allowed only at either end."""
    paragraphs = re.split(r"\s?\*\*\*\s?", response)
    inner = paragraphs[1:-1]
    if any(not paragraph.strip() for paragraph in inner):
        return False
    ends = {0, len(paragraphs) - 1}
    empty_ends = sum(1 for index in ends if not paragraphs[index].strip())
    return len(paragraphs) - empty_ends == num_paragraphs


def length_nth_paragraph_first_word(response: str, num_paragraphs: int, nth_paragraph: int, first_word: str) -> bool:
    """Exactly ``num_paragraphs`` non-empty paragraphs (split on a blank line), the ``nth_paragraph``-th starting
    with ``first_word`` (case-insensitive; quotes before it and punctuation after it are ignored)."""
    paragraphs = response.split("\n\n")
    count = sum(1 for paragraph in paragraphs if paragraph.strip())
    if nth_paragraph > count:
        return False
    paragraph = paragraphs[nth_paragraph - 1].strip()
    if not paragraph:
        return False
    word = paragraph.split()[0].strip().lstrip("'").lstrip('"')
    found = re.match(r"[^.,?!'\"]*", word).group(0).lower()
    return count == num_paragraphs and found == first_word.lower()


# --- content --------------------------------------------------------------------------------------


def detectable_content_number_placeholders(response: str, num_placeholders: int) -> bool:
    """At least ``num_placeholders`` placeholders in square brackets (``[name]``)."""
    return len(re.findall(r"\[.*?\]", response)) >= num_placeholders


def detectable_content_postscript(response: str, postscript_marker: str) -> bool:
    """A line holds the marker (``P.S.`` and ``P.P.S`` also with spaces between the letters), in any case."""
    marker = postscript_marker.strip()
    if marker == "P.P.S":
        pattern = r"\s*p\.\s?p\.\s?s.*$"
    elif marker == "P.S.":
        pattern = r"\s*p\.\s?s\..*$"
    else:
        pattern = r"\s*" + marker.lower() + r".*$"
    return bool(re.findall(pattern, response.lower(), flags=re.MULTILINE))


# --- format ---------------------------------------------------------------------------------------


def detectable_format_number_bullet_lists(response: str, num_bullets: int) -> bool:
    """Exactly ``num_bullets`` lines that start (after spaces) with ``*`` (not ``**``) or ``-``."""
    stars = re.findall(r"^\s*\*[^\*].*$", response, flags=re.MULTILINE)
    dashes = re.findall(r"^\s*-.*$", response, flags=re.MULTILINE)
    return len(stars) + len(dashes) == num_bullets


def detectable_format_constrained_response(response: str) -> bool:
    """The response contains one of "My answer is yes.", "My answer is no.", "My answer is maybe."."""
    stripped = response.strip()
    return any(option in stripped for option in CONSTRAINED_RESPONSES)


def detectable_format_number_highlighted_sections(response: str, num_highlights: int) -> bool:
    """At least ``num_highlights`` non-blank ``*highlighted*`` parts on one line (``**bold**`` counts too)."""
    singles = [part for part in re.findall(r"\*[^\n\*]*\*", response) if part.strip("*").strip()]
    doubles = [part for part in re.findall(r"\*\*[^\n\*]*\*\*", response) if part[2:-2].strip()]
    return len(singles) + len(doubles) >= num_highlights


def detectable_format_multiple_sections(response: str, section_spliter: str, num_sections: int) -> bool:
    """At least ``num_sections`` section markers (``SECTION 1``: the splitter, then a number)."""
    marker = r"\s?" + section_spliter.strip() + r"\s?\d+\s?"
    return len(re.split(marker, response)) - 1 >= num_sections


def detectable_format_json_format(response: str) -> bool:
    """The response, without a surrounding markdown code fence, parses as JSON."""
    body = response.strip()
    for fence in ("```json", "```Json", "```JSON", "```"):  # one after the other, as the reference does
        body = body.removeprefix(fence)
    body = body.removesuffix("```").strip()
    try:
        json.loads(body)
    except ValueError:
        return False
    return True


def detectable_format_title(response: str) -> bool:
    """A non-blank title in double angular brackets on one line (``<<title>>``)."""
    return any(title.lstrip("<").rstrip(">").strip() for title in re.findall(r"<<[^\n]+>>", response))


# --- combination, start/end, punctuation ---------------------------------------------------------


def combination_two_responses(response: str) -> bool:
    """Two different responses separated by ``******`` (an empty part only at either end)."""
    parts = response.split("******")
    answers = []
    for index, part in enumerate(parts):
        if part.strip():
            answers.append(part)
        elif 0 < index < len(parts) - 1:
            return False
    return len(answers) == 2 and answers[0].strip() != answers[1].strip()


def combination_repeat_prompt(response: str, prompt_to_repeat: str) -> bool:
    """The response starts with the request, repeated word for word (case-insensitive)."""
    return response.strip().lower().startswith(prompt_to_repeat.strip().lower())


def startend_end_checker(response: str, end_phrase: str) -> bool:
    """The response (without surrounding spaces and double quotes) ends with ``end_phrase``, case-insensitive."""
    return response.strip().strip('"').lower().endswith(end_phrase.strip().lower())


def startend_quotation(response: str) -> bool:
    """The response (without surrounding spaces) is wrapped in double quotation marks."""
    stripped = response.strip()
    return len(stripped) > 1 and stripped[0] == '"' and stripped[-1] == '"'


def punctuation_no_comma(response: str) -> bool:
    """No comma (``,``) in the response."""
    return "," not in response


CHECKS: dict[str, Callable[..., bool]] = {
    "keywords:existence": keywords_existence,
    "keywords:frequency": keywords_frequency,
    "keywords:forbidden_words": keywords_forbidden_words,
    "keywords:letter_frequency": keywords_letter_frequency,
    "language:response_language": language_response_language,
    "length_constraints:number_sentences": length_number_sentences,
    "length_constraints:number_paragraphs": length_number_paragraphs,
    "length_constraints:number_words": length_number_words,
    "length_constraints:nth_paragraph_first_word": length_nth_paragraph_first_word,
    "detectable_content:number_placeholders": detectable_content_number_placeholders,
    "detectable_content:postscript": detectable_content_postscript,
    "detectable_format:number_bullet_lists": detectable_format_number_bullet_lists,
    "detectable_format:constrained_response": detectable_format_constrained_response,
    "detectable_format:number_highlighted_sections": detectable_format_number_highlighted_sections,
    "detectable_format:multiple_sections": detectable_format_multiple_sections,
    "detectable_format:json_format": detectable_format_json_format,
    "detectable_format:title": detectable_format_title,
    "combination:two_responses": combination_two_responses,
    "combination:repeat_prompt": combination_repeat_prompt,
    "startend:end_checker": startend_end_checker,
    "startend:quotation": startend_quotation,
    "change_case:capital_word_frequency": change_case_capital_word_frequency,
    "change_case:english_capital": change_case_english_capital,
    "change_case:english_lowercase": change_case_english_lowercase,
    "punctuation:no_comma": punctuation_no_comma,
}
