"""The ``general_mcq`` scorer on real answer styles of chat, base and reasoning models."""

from __future__ import annotations

import pytest

from evalscope.benchmarks import Sample
from evalscope.scorers.mcq_scorer import GeneralMCQScorer, extract_choice
from evalscope.testing import check_scorer

OPTIONS = {"A": "Paris", "B": "London", "C": "Berlin", "D": "Madrid"}
SAMPLE = Sample(
    id="0",
    input="What is the capital of the United Kingdom?",
    target="B",
    raw={"question": "?", **OPTIONS, "answer": "B"},
)

# (answer, letter the scorer must read (None: no letter), rule, right for gold B)
CASES = [
    # chat models
    ("The capital of the United Kingdom is London.\n\nAnswer: B", "B", "answer phrase", True),
    ("**Answer: B**", "B", "answer phrase", True),
    ("**Answer:** B) London", "B", "answer phrase", True),
    ("The correct answer is (B) London.", "B", "answer phrase", True),
    ("The answer is B because London has been the capital since the 12th century.", "B", "answer phrase", True),
    ("The correct option is **C**.", "C", "answer phrase", False),
    ("Final Answer: The final answer is $\\boxed{B}$", "B", "answer phrase", True),
    (
        "A. Paris - capital of France\nB. London - capital of the UK\nC. Berlin\nD. Madrid\n\nAnswer: B",
        "B",
        "answer phrase",
        True,
    ),
    ("Answer: A\n\nExplanation: Option B is London, which is not the capital of France.", "A", "answer phrase", False),
    ("Answer: E", "E", "answer phrase", False),
    ("The answer is London.", "B", "answer phrase", True),
    ("The answer is: Berlin", "C", "answer phrase", False),
    ("London", "B", "option text", True),
    ("**London.**", "B", "option text", True),
    ("The answer is A. Wait, no. The answer is B.", None, "answer phrase", False),
    ("Answer: I don't know.", None, "none", False),
    ("**Answer:** b", "B", "answer phrase", True),
    ("The answer is (c).", "C", "answer phrase", False),
    ("The answer is a city in England.", None, "none", False),
    ("ANSWER: B", "B", "answer phrase", True),
    ("The correct answer is **B. London**.", "B", "answer phrase", True),
    ("Therefore, the final answer is \\(\\boxed{B}\\).", "B", "answer phrase", True),
    ("I am not sure which one is right.", None, "none", False),
    ("", None, "none", False),
    ("答案：B", "B", "answer phrase", True),
    # boxed, bold, option lines
    ("London is the capital, so the result is $\\boxed{B}$.", "B", "boxed", True),
    ("\\boxed{\\text{C}}", "C", "boxed", False),
    ("It has to be **B**.", "B", "bold", True),
    ("**B) London**", "B", "bold", True),
    ("**I** would go with **D**.", "D", "bold", False),
    ("B) London", "B", "option line", True),
    ("B. London is the capital of the United Kingdom.", "B", "option line", True),
    ("The capital is in England.\n\nC. Berlin", "C", "option line", False),
    ("Option B is correct.", "B", "option word", True),
    ("Option A or option B, both could be right.", None, "none", False),
    # base models (continuing the few-shot pattern)
    (" B", "B", "lone letter", True),
    ("B\n\nQuestion: What is the capital of France?\nA. Paris\nB. Rome\nAnswer: A", "B", "lone letter", True),
    (" (C)\n", "C", "lone letter", False),
    (" B\nA", None, "lone letter", False),
    ("K", None, "none", False),
    # reasoning models
    (
        "<think>Paris is France's capital, so not A. London is the UK's. Answer: A? No.</think>\n\nAnswer: B",
        "B",
        "answer phrase",
        True,
    ),
    ("<think>The answer is B... or maybe C</think>The answer is C.", "C", "answer phrase", False),
    ("<think>\nLet me check each option. A is Paris, the capital of France. B", None, "none", False),
    ("<think>London is the capital.</think>\n\n**B**", "B", "bold", True),
]


@pytest.mark.parametrize(("answer", "letter", "rule", "right"), CASES, ids=[repr(case[0])[:60] for case in CASES])
def test_answer_styles_get_their_verdict(answer, letter, rule, right):
    choice = extract_choice(answer, OPTIONS)
    assert (choice.letter, choice.rule) == (letter, rule), choice.reason
    score = GeneralMCQScorer().score(answer, SAMPLE)
    assert score.value == (1.0 if right else 0.0)
    assert score.prediction == letter
    assert score.gold == "B"
    assert score.explanation.startswith(f"{rule}: ")


def test_only_the_questions_own_letters_count():
    two_options = Sample(id="1", input="Is the sky blue?", target="A", raw={"A": "yes", "B": "no", "answer": "A"})
    scorer = GeneralMCQScorer()
    assert scorer.score("Answer: C", two_options).value == 0.0
    assert "not among the options A, B" in scorer.score("Answer: C", two_options).explanation
    assert scorer.score("**C** is my pick, no wait: **A**", two_options).prediction == "A"
    assert scorer.score("yes", two_options).value == 1.0


def test_an_option_whose_text_starts_with_a_letter_is_read_by_its_text():
    options = {"A": "Hamlet", "B": "Ulysses", "C": "A Tale of Two Cities", "D": "Emma"}
    assert extract_choice("The answer is A Tale of Two Cities.", options).letter == "C"
    assert extract_choice("The answer is A.", options).letter == "A"


def test_passes_the_contract_kit():
    check_scorer(GeneralMCQScorer, cases=[("Answer: B", "B", 1.0), ("Answer: C", "B", 0.0), ("B", "B", 1.0)])
