"""What the letter scorer takes as a declared answer, and what only looks like one.

Each case is an answer style real models write that the scorer once misread: a walk through the
options, a bracketed letter that is also some option's text, a variable in an equation, a chemical
formula, and the ``Answer: C`` line that MMLU and GPQA prompts ask for.
"""

from __future__ import annotations

import pytest

from evalscope.benchmarks import Sample
from evalscope.scorers.mcq_scorer import GeneralMCQScorer, extract_choice

CITIES = {"A": "Lisbon", "B": "Oslo", "C": "Vienna", "D": "Prague"}


@pytest.mark.parametrize(
    "answer",
    [
        "Now, consider each choice:\n(A) means the capital is by the sea.\n(B) means it lies on a fjord.\n"
        "(C) means it is on the Danube.",
        "Let's weigh every option:\n\n(A) means Portugal.\n\n(B) means Norway.",
        "Let's look at each answer choice:\n A) means the river Tagus.\n B) means the Oslofjord.",
        "Consider each option: (A) means Portugal, (B) means Norway.",
        "To find the answer:\n(A) means we look for a port.\n(B) means we look for a fjord.",
    ],
)
def test_a_walk_through_the_options_is_not_a_declared_answer(answer):
    choice = extract_choice(answer, CITIES)
    assert choice.letter is None, choice.reason


def test_a_declared_answer_after_a_walk_through_the_options_is_read():
    answer = "Now, consider each choice:\n(A) means Portugal.\n(B) means Norway.\n\nThe answer is (B)."
    assert extract_choice(answer, CITIES).letter == "B"


def test_an_answer_on_the_line_after_its_phrase_is_still_read():
    assert extract_choice("The correct answer is:\n\n(C) Vienna", CITIES).letter == "C"


LETTER_TEXTS = {"A": "G", "B": "F", "C": "E", "D": "D", "E": "C", "F": "B"}


@pytest.mark.parametrize(
    ("answer", "letter"),
    [("The answer is (E).", "E"), ("So the answer is [B].", "B"), ("The correct option is **(C)**", "C")],
)
def test_a_letter_in_brackets_is_a_letter_not_an_options_text(answer, letter):
    assert extract_choice(answer, LETTER_TEXTS).letter == letter


@pytest.mark.parametrize(
    "options",
    [
        {"A": "B", "B": "A", "C": "D", "D": "C"},
        {"A": "b", "B": "a", "C": "d", "D": "c"},
    ],
    ids=["capital texts", "small texts"],
)
@pytest.mark.parametrize("answer", ["Answer: C", "The reasoning ends here.\n\nAnswer: C", "ANSWER: C."])
def test_the_answer_line_names_a_letter_even_when_an_options_text_is_a_letter(answer, options):
    sample = Sample(id="1", input="Which gate?", target="C", raw={"question": "Which gate?", **options, "answer": "C"})
    score = GeneralMCQScorer().score(answer, sample)
    assert (score.prediction, score.value) == ("C", 1.0), score.explanation


def test_a_lone_letter_that_is_no_option_letter_still_reads_as_an_options_text():
    numerals = {"A": "I", "B": "II", "C": "III", "D": "IV"}
    assert extract_choice("Answer: I", numerals).letter == "A"


NUMBERS = {letter: f"${value}" for letter, value in zip("ABCDEFGHIJ", range(3, 13))}


@pytest.mark.parametrize(
    "answer",
    [
        "By put-call parity, the price of a put option is: P = C - S + K e^{-rT} = 4.17",
        "The value of the option is: V = 12 - 3",
        "The answer is A = 5, which is not listed.",
        "Final answer: $X_1 + X_2$",
        "The put is worth $\\boxed{P = 4.17}$",
    ],
)
def test_a_variable_in_an_equation_is_not_a_declared_option(answer):
    choice = extract_choice(answer, NUMBERS)
    assert choice.letter is None, choice.reason


FORMULAS = {"A": "CH4", "B": "C3H8", "C": "C4H10", "D": "C2H6"}


@pytest.mark.parametrize(
    "answer",
    [
        "None fits exactly, so the closest answer is $C_{2}H_{6}$",
        "The answer is C_2H_6.",
        "Answer: \\(C^{14}\\) dating",
    ],
)
def test_a_formula_after_an_answer_phrase_is_not_a_letter(answer):
    choice = extract_choice(answer, FORMULAS)
    assert choice.letter != "C", choice.reason


@pytest.mark.parametrize(
    ("answer", "letter"),
    [
        ("The closest answer is $C$.", "C"),
        ("The final answer is $\\boxed{D}$", "D"),
        ("Answer: B = C2H6", None),  # B is C3H8: this B is a symbol
    ],
)
def test_a_letter_in_math_mode_is_a_letter_only_when_it_stands_alone(answer, letter):
    assert extract_choice(answer, FORMULAS).letter == letter


def test_a_declared_answer_on_its_own_line_may_be_followed_by_a_word_on_another_option():
    answer = "The correct answer is:\n\n(C) Vienna\n\n(A) is wrong: Lisbon is the capital of Portugal."
    assert extract_choice(answer, CITIES).letter == "C"


def test_a_letter_equal_to_its_own_options_text_is_declared():
    options = {"A": "3", "B": "7", "C": "1", "D": "12"}
    assert extract_choice("The answer is D = 12.", options).letter == "D"
    assert extract_choice("The answer is D = 12 m/s, since v = d/t.", options).letter == "D"
    assert extract_choice("The answer is C = 12.", options).letter is None  # C is 1, not 12: a symbol


def test_an_option_letter_leading_text_is_that_letter_whatever_the_text_reads_like():
    options = {"A": "x - 1", "B": "a^(x-1)", "C": "2a", "D": "a"}  # without punctuation A: x - 1 reads as B
    assert extract_choice("The correct answer is A: x - 1", options).letter == "A"
    assert extract_choice("The answer is B. a^(x-1)", options).letter == "B"
    assert extract_choice("The answer is a^(x-1).", options).letter == "B"


def test_an_options_text_that_starts_with_a_bracketed_letter_or_initial_is_read_as_text():
    options = {"A": "(i) only", "B": "(i) and (iii) only", "C": "B. F. Skinner", "D": "(a) 1/8, (b) 1/4"}
    assert extract_choice("The answer is (i) and (iii) only", options).letter == "B"
    assert extract_choice("The answer is B. F. Skinner", options).letter == "C"
    assert extract_choice("The answer is (a) 1/8, (b) 1/4", options).letter == "D"
    assert extract_choice("The answer is (B) (i) and (iii) only", options).letter == "B"
