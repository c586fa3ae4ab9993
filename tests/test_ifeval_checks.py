"""IFEval's instruction checks, strict and loose, on hand-written cases; the scorer's review; bad kwargs."""

from __future__ import annotations

import pytest
from evalscope_ifeval import text
from evalscope_ifeval.checks import CHECKS
from evalscope_ifeval.instructions import prompt_instructions
from evalscope_ifeval.scorer import IFEvalScorer, judge, loose_variants
from ifeval_cases import CASES

from evalscope.benchmarks.base import Sample
from evalscope.errors import DataError


def case_id(case: tuple) -> str:
    instruction, _, response, strict, loose = case
    return f"{instruction}-{'strict' if strict else 'loose' if loose else 'neither'}-{abs(hash(response)) % 10**6}"


@pytest.mark.parametrize(("instruction", "kwargs", "response", "strict", "loose"), CASES, ids=map(case_id, CASES))
def test_each_instruction_is_judged_strictly_and_loosely(instruction, kwargs, response, strict, loose):
    [result] = judge(response, prompt_instructions("k", [instruction], [kwargs]))
    assert (result.strict, result.loose) == (strict, loose)


def test_every_instruction_has_a_followed_and_a_not_followed_case():
    outcomes = {(case[0], case[3]) for case in CASES}
    assert {instruction for instruction, _ in outcomes} == set(CHECKS)
    assert len(CHECKS) == 25
    assert all((instruction, True) in outcomes and (instruction, False) in outcomes for instruction in CHECKS)


def test_the_eight_loose_variants_drop_the_first_line_the_last_line_and_the_stars():
    assert loose_variants("*Intro*\nbody *x*\nend") == [
        "*Intro*\nbody *x*\nend",
        "Intro\nbody x\nend",
        "body *x*\nend",
        "*Intro*\nbody *x*",
        "body *x*",
        "body x\nend",
        "Intro\nbody x",
        "body x",
    ]


def test_words_and_sentences_are_split_as_nltk_splits_them():
    assert text.count_words("word1, word2, word3, word4.") == 4
    assert text.count_words("Hyphenated-word has two word counts.") == 6
    assert text.count_sentences("xx,x. xx,x! xx/x. x{x}x? x.") == 5
    assert text.count_sentences("xx-x]xx,x! x{x}xx,x.") == 2
    assert text.sentences("Mr. Smith met Dr. Jones at 5 p.m. on Jan. 3. They talked.") == [
        "Mr. Smith met Dr. Jones at 5 p.m. on Jan. 3.",
        "They talked.",
    ]
    assert text.word_tokens("I'M HERE. Don't GO-AWAY!") == ["I", "'M", "HERE", ".", "Do", "n't", "GO-AWAY", "!"]


def test_the_sentence_splitter_agrees_with_the_punkt_packages_own_tokenizer():
    import punkt

    samples = [
        "Dr. Smith went home. He was tired. The U.S. is big! Is it? Mr. J. R. Smith paid $3.50 at 5 p.m. today.",
        "The U.S.A has many Ph.D. students. They will often haven a .com website sharing the research.",
        "Prices rose 3.5% in Jan. and fell in Feb. Analysts, e.g. at Corp. Inc., disagreed... Or not?",
    ]
    for sample in samples:
        assert text.sentences(sample) == punkt.sent_tokenize(sample, "english")


def test_language_detection_is_the_same_every_time():
    import langdetect

    mixed = "ciao hello hola"  # langdetect.detect, unseeded, calls this es, en, it or cy from one call to the next
    assert len({langdetect.detect(mixed) for _ in range(40)}) > 1
    assert len({text.detect_language(mixed) for _ in range(40)}) == 1


def test_a_closed_think_block_is_not_judged_and_the_review_lists_each_instruction():
    row = {
        "key": 7,
        "prompt": "p",
        "instruction_id_list": ["punctuation:no_comma", "startend:quotation"],
        "kwargs": [{}, {}],
    }
    sample = Sample(id="7", input="p", target="", raw=row)
    scorer = IFEvalScorer()
    score = scorer.score('<think>Hmm, a comma, and more.</think>\n\n"All good here."', sample)
    assert score.value == 1.0
    assert score.prediction == [
        {"instruction": "punctuation:no_comma", "strict": True, "loose": True},
        {"instruction": "startend:quotation", "strict": True, "loose": True},
    ]
    half = scorer.score('Sure, here:\n"No commas inside."', sample)
    assert half.value == 0.0
    assert half.metrics["prompt_level_strict_acc"] == 0.0
    assert half.metrics["inst_level_strict_acc"] == {"value": 0.0, "weight": 2}
    assert half.metrics["prompt_level_loose_acc"] == 1.0
    assert half.metrics["inst_level_loose_acc"] == {"value": 1.0, "weight": 2}
    assert "not followed (strict): punctuation:no_comma, startend:quotation" in half.explanation
    unclosed = scorer.score('<think>still thinking, "', sample)
    assert unclosed.prediction[0]["strict"] is False  # an unclosed block stays part of the answer


def test_null_kwargs_are_dropped_as_the_hub_rows_carry_them():
    hub_kwargs = {"num_words": 5, "relation": "less than", "keywords": None, "letter": None, "num_bullets": None}
    [instruction] = prompt_instructions(1, ["length_constraints:number_words"], [hub_kwargs])
    assert instruction.kwargs == {"num_words": 5, "relation": "less than"}
    [title] = prompt_instructions(1, ["detectable_format:title"], [dict.fromkeys(hub_kwargs)])
    assert title.kwargs == {}


@pytest.mark.parametrize(
    ("ids", "kwargs", "message"),
    [
        (
            ["length_constraints:number_words"],
            [{"num_words": "many", "relation": "at least"}],
            "ifeval prompt 12, instruction length_constraints:number_words: kwarg 'num_words' is 'many', "
            "expected a whole number of at least 0",
        ),
        (
            ["keywords:frequency"],
            [{"keyword": "x", "frequency": 2, "relation": "at most"}],
            "ifeval prompt 12, instruction keywords:frequency: kwarg 'relation' is 'at most', "
            "expected one of 'less than', 'at least'",
        ),
        (
            ["keywords:existence"],
            [{}],
            "ifeval prompt 12, instruction keywords:existence: kwarg 'keywords' is missing",
        ),
        (
            ["detectable_format:title"],
            [{"num_words": 3}],
            "ifeval prompt 12, instruction detectable_format:title: unexpected kwarg 'num_words' "
            "(it takes no arguments)",
        ),
        (
            ["keywords:existence"],
            [{"keywords": ["fine", "(oops"]}],
            "ifeval prompt 12, instruction keywords:existence: kwarg 'keywords' is ['fine', '(oops'], "
            "expected a non-empty list of non-empty strings that are valid regular expressions",
        ),
        (
            ["length_constraints:nth_paragraph_first_word"],
            [{"num_paragraphs": 2, "nth_paragraph": 3, "first_word": "so"}],
            "ifeval prompt 12, instruction length_constraints:nth_paragraph_first_word: kwarg 'nth_paragraph' is 3, "
            "expected 1 to num_paragraphs (2)",
        ),
        (["no:such_thing"], [{}], "ifeval prompt 12: unknown instruction 'no:such_thing'"),
        (["punctuation:no_comma"], [], "ifeval prompt 12: kwargs has 0 entries for 1 instructions"),
    ],
)
def test_a_malformed_kwargs_row_is_one_line_naming_the_prompt_the_instruction_and_the_key(ids, kwargs, message):
    with pytest.raises(DataError) as raised:
        prompt_instructions(12, ids, kwargs)
    assert str(raised.value) == message
