"""The GSM8K scorer: answer extraction from the ways models write answers, and comparison by value."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest
from evalscope_gsm8k.data import DATA_DIR, clean_solution, gold_answer
from evalscope_gsm8k.scorer import GSM8KScorer, extract_answer

from evalscope.benchmarks import Sample
from evalscope.errors import DataError

# (model output, gold, extracted prediction, right?)
CASES = [
    # the dataset's own format
    ("Janet sells 9 eggs.\nShe makes 9 * 2 = $18.\n#### 18", "18", "18", True),
    ("####18", "18", "18", True),
    ("#### $1,080", "1080", "1080", True),
    ("#### 17\nSo 9 * 2 = 18", "18", "17", False),
    # answer phrases
    ("The answer is 18.", "18", "18", True),
    ("The answer is: 18", "18", "18", True),
    ("So the answer is 18 dollars per day, or 126 dollars per week.", "18", "18", True),
    ("The final answer is 18. I hope it is correct.", "18", "18", True),
    ("Final Answer: The final answer is $18$. I hope it is correct.", "18", "18", True),
    ("The final answer is: $\\boxed{18}$", "18", "18", True),
    ("The answer is **$1,080**.", "1080", "1080", True),
    ("So, the answer is: **18 dollars**.", "18", "18", True),
    ("**Answer:** 18", "18", "18", True),
    ("**Final Answer**: $18", "18", "18", True),
    ("Answer: 18 dollars.", "18", "18", True),
    ("Answer: $18 (9 eggs x $2)", "18", "18", True),
    ("Answer (in dollars): 18", "18", "18", True),
    ("The answer to the question is 18.", "18", "18", True),
    ("answer = 18", "18", "18", True),
    ("The answer is \\(18\\).", "18", "18", True),
    ("The answer is $\\$18$.", "18", "18", True),
    ("The answer is 18 \\text{ dollars}.", "18", "18", True),
    ("The answer is therefore 18.", "18", "18", True),
    ("The answer is approximately 18.", "18", "18", True),
    ("Q: How much?\nA: 18", "18", "18", True),
    ("A: $18", "18", "18", True),
    ("总共赚了 18 元。答案是18", "18", "18", True),
    ("答案：18", "18", "18", True),
    ("The answer is 17.", "18", "17", False),
    ("The answer is 180.", "18", "180", False),
    ("The answer is -18.", "18", "-18", False),
    ("The answer is 1.8", "18", "1.8", False),
    ("The answer is 18.5", "18", "18.5", False),
    # a worked expression after the answer phrase: its result counts
    ("The answer is 9 * 2 = 18.", "18", "18", True),
    ("The answer is 9 eggs × $2 = $18.", "18", "18", True),
    ("The answer is 2 * (4 + 5) = 18", "18", "18", True),
    ("The answer is 18 (since 9*2=18)", "18", "18", True),
    ("The answer is 9 \\times 2 = 18", "18", "18", True),
    # an answer label heading a line of working is not the answer
    ("Answer: 16 - 3 - 4 = 9 duck eggs a day.\nShe makes 9 * 2 = 18 dollars.", "18", "18", True),
    ("Answer: 16 eggs are laid, she uses 7, and sells 9 for $2 each, so 18", "18", "18", True),
    # self-correction: the last answer phrase wins
    ("The answer is 16.\nWait, I forgot the muffins. The answer is 18.", "18", "18", True),
    # boxed
    ("\\boxed{18}", "18", "18", True),
    ("Therefore, Janet makes \\(\\boxed{18}\\) dollars every day.", "18", "18", True),
    ("**Final Answer**\n\\[\n\\boxed{18}\n\\]", "18", "18", True),
    ("\\boxed{\\$18}", "18", "18", True),
    ("\\boxed{18 \\text{ dollars}}", "18", "18", True),
    ("\\boxed{\\text{18}}", "18", "18", True),
    ("\\boxed{x = 18}", "18", "18", True),
    ("\\boxed{1{,}080}", "1080", "1080", True),
    ("First \\boxed{9} eggs, then \\boxed{18} dollars.", "18", "18", True),
    ("\\boxed{\\frac{3}{4}}", "18", "3/4", False),
    ("\\boxed{}\nShe makes 18.", "18", "18", True),
    # the last number
    ("$1,080.00", "1080", "1080.00", True),
    ("She paid $1,080.00 in total.", "1080", "1080.00", True),
    ("18 dollars", "18", "18", True),
    ("-3", "-3", "-3", True),
    ("The temperature falls to −3 degrees.", "-3", "-3", True),
    ("Her balance is -$5.", "-5", "-5", True),
    ("Her balance is $-5.", "-5", "-5", True),
    ("16-3=13", "13", "13", True),
    ("So 16 -4", "4", "4", True),
    ("between 3-4 hours", "4", "4", True),
    ("0.5", "0.5", "0.5", True),
    ("It takes .5 hours", "0.5", ".5", True),
    ("18.", "18", "18", True),
    ("She makes 18.00 dollars.", "18", "18.00", True),
    ("18.0", "18", "18.0", True),
    ("1,000,000", "1000000", "1000000", True),
    ("The house costs 1\\,000\\,000 dollars", "1000000", "1000000", True),
    ("It costs 1\u202f000\u202f000 dollars", "1000000", "1000000", True),
    ("It costs 1\u00a0000 dollars", "1000", "1000", True),
    ("He has 3/4 of a pizza left", "0.75", "3/4", True),
    ("So he ate \\frac{3}{4}", "0.75", "3/4", True),
    ("So 36/2 = 18", "18", "18", True),
    ("That is 25% of the class", "25", "25", True),
    ("That is 25\\% of the class", "25", "25", True),
    ("Janet makes **$18** every day at the farmers' market.", "18", "18", True),
    ("She makes __18__ dollars", "18", "18", True),
    ("The price is 1.5 million dollars", "1500000", "1500000", True),
    ("The company earns $2 billion", "2000000000", "2000000000", True),
    ("costs 5,000", "5000", "5000", True),
    ("The lists are 1,2,3", "3", "3", True),
    ("Janet sells 16 - 3 - 4 = 9 duck eggs.\nShe makes 9 * 2 = $18 every day.", "18", "18", True),
    # markdown headings and numbered lists are not answers
    ("#### 1. Count the eggs\n16 - 3 - 4 = 9\n#### 2. Sell them\n9 * 2 = 18\n\nThe answer is 18.", "18", "18", True),
    ("#### 1. Count the eggs\n16 - 3 - 4 = 9\n#### 2) Sell them\n9 * 2 = 18", "18", "18", True),
    ("#### Step 1: Count the eggs\n16 - 3 - 4 = 9\n#### Step 2: Sell them\n9 * 2 = 18", "18", "18", True),
    ("Answer:\n1. Eggs left: 16 - 3 - 4 = 9\n2. Money: 9 * 2 = 18", "18", "18", True),
    ("### Answer: 18", "18", "18", True),
    ("The answer is\n18.", "18", "18", True),
    ("The answer is 18. She sells 9 eggs.", "18", "18", True),
    # think blocks and invented next questions
    ("<think>maybe the answer is 20? No: 9 * 2 = 18.</think>\n\nJanet makes **$18** daily.", "18", "18", True),
    ("<think>\nshe sells 9 eggs, so the answer is 18", "18", "18", True),
    ("She sells 9 eggs.\nThe answer is 18.\n\nQuestion: Tom has 5 apples.\nAnswer: The answer is 5.", "18", "18", True),
    # a new question or turn ends the answer only when an answer was given before it
    ("First we get 12.\nProblem: what is 6 more than 12?\nThe answer is 18.", "18", "18", True),
    ("We have 12 eggs.\nQ: how many are left after 4?\nSo the answer is 8.", "8", "8", True),
    ("So far 12 + 6 = 18.\nUser: go on\nThe answer is 20.", "20", "20", True),
    ("First we get 12.\n**Question:** what is 12 + 6?\n**Answer:** 18", "18", "18", True),
    ("The answer is 18.\n**Question:** Tom has 5 apples.\nThe answer is 5.", "18", "18", True),
    ("#### 18\nProblem 2: Tom has 5 apples.\n#### 5", "18", "18", True),
    ("$\\boxed{18}$\nHuman: and 3 + 4?\nThe answer is 7", "18", "18", True),
    ("Janet makes $18 per day.\n\nQuestion: John has 5 apples and eats 2. How many are left?", "18", "2", False),
    ("Sure!\nQuestion: Janet's ducks lay 16 eggs.\nAnswer: 16 - 7 = 9 eggs, 9 * 2 = 18.", "18", "18", True),
    ("The answer is 18.\n\nQ: Another one: 3 + 4?\nA: 7", "18", "18", True),
    # whole answers in the styles of chat and base models
    (
        "Let's break it down:\n\n1. **Eggs laid per day:** 16\n2. **Eggs eaten:** 3\n3. **Eggs baked:** 4\n\n"
        "Remaining: 16 - 3 - 4 = 9 eggs.\n\nShe sells each for $2: 9 × $2 = $18.\n\n"
        "**Janet makes $18 every day at the farmers' market.**",
        "18",
        "18",
        True,
    ),
    (
        "## Solution\n\n### Step 1\nEggs left: $16 - 3 - 4 = 9$\n\n### Step 2\nRevenue: $9 \\times \\$2 = \\$18$\n\n"
        "### Final Answer\n$\\boxed{18}$",
        "18",
        "18",
        True,
    ),
    (
        " Janet uses 3 + 4 = 7 eggs and sells 16 - 7 = 9, so she makes 9 * 2 = 18 dollars.\nThe answer is 18.\n\n"
        "Question: A robe takes 2 bolts of blue fiber and half that much white fiber. How many bolts?\n"
        "Answer: It takes 2/2 = 1 bolt of white fiber. So the total is 2 + 1 = 3 bolts.\nThe answer is 3.",
        "18",
        "18",
        True,
    ),
    ("Step 1: 16 - 3 = 13\nStep 2: 13 - 4 = 9\nStep 3: 9 * 2 = 18\n\nFinal Answer: $18", "18", "18", True),
    ("The answer is: $18.\n\nI hope this helps! Let me know if you have 2 more questions.", "18", "18", True),
    ("Answer: 18\nExplanation: 16 - 3 - 4 = 9; 9 × 2 = 18", "18", "18", True),
    ("The answer is:\n\n**18**", "18", "18", True),
    ("ANSWER: 18", "18", "18", True),
    ("The correct answer is 18.", "18", "18", True),
    # without an answer phrase the last number decides, even when the model adds one after its answer
    ("She makes $18 per day. Over a week (7 days), that's $126.", "18", "126", False),
    # no answer at all
    ("I don't know.", "18", None, False),
    ("", "18", None, False),
    ("The answer is eighteen.", "18", None, False),
]


@pytest.mark.parametrize(("completion", "gold", "prediction", "right"), CASES)
def test_extraction_table(completion, gold, prediction, right):
    score = GSM8KScorer().score(completion, Sample(id="0", input="q", target=gold))
    assert score.prediction == prediction, score.explanation
    assert score.value == (1.0 if right else 0.0), score.explanation
    assert score.gold == gold


@pytest.mark.parametrize(
    ("completion", "rule"),
    [
        ("9 * 2 = 18\n#### 18", "####"),
        ("The answer is 18.", "answer phrase"),
        ("\\boxed{18}", "boxed"),
        ("she makes 18", "last number"),
    ],
)
def test_explanation_names_the_rule_that_matched(completion, rule):
    score = GSM8KScorer().score(completion, Sample(id="0", input="q", target="18"))
    assert score.explanation.startswith(rule + ":")
    assert "equals the gold 18" in score.explanation


def test_explanation_of_a_wrong_answer_says_it_differs():
    score = GSM8KScorer().score("The answer is 17.", Sample(id="0", input="q", target="18"))
    assert score.explanation == "answer phrase: 'answer is 17' -> 17, which differs from the gold 18"


@pytest.mark.parametrize("spelling", ["18", "18.0", "18.00", "$18", "18 dollars", "$18.00", "+18"])
def test_numbers_compare_by_value(spelling):
    score = GSM8KScorer().score(f"The answer is {spelling}.", Sample(id="0", input="q", target="18"))
    assert score.value == 1.0, score.explanation


def test_gold_with_thousands_separator_compares_by_value():
    sample = Sample(id="0", input="q", target="1,080")
    assert GSM8KScorer().score("The answer is 1080.", sample).value == 1.0


def test_a_gold_that_is_no_number_is_a_data_error():
    with pytest.raises(DataError, match="sample 7: gold answer 'many' is not a number"):
        GSM8KScorer().score("18", Sample(id="7", input="q", target="many"))


def _rows(split: str) -> list[dict]:
    with (DATA_DIR / f"{split}.jsonl").open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


@pytest.mark.parametrize("split", ["test", "train"])
def test_every_gold_solution_and_its_rewrites_score_right(split):
    """Every solution of both splits, as written and rewritten the ways models end answers, scores 1.0."""
    scorer = GSM8KScorer()
    wrong = []
    for index, row in enumerate(_rows(split)):
        gold = gold_answer(row["answer"])
        sample = Sample(id=str(index), input=row["question"], target=gold)
        final = row["answer"].rsplit("####", 1)[1].strip()
        body = clean_solution(row["answer"]).rsplit("\n", 1)[0]
        for completion in (
            row["answer"],
            clean_solution(row["answer"]),
            f"{body}\nThe final answer is $\\boxed{{{final}}}$.",
            f"{body}\n**Answer:** ${final}",
        ):
            score = scorer.score(completion, sample)
            if score.value != 1.0:
                wrong.append((index, completion[-60:], score.explanation))
    assert not wrong, wrong[:5]


def test_off_by_one_answers_score_wrong_on_the_whole_test_split():
    """The scorer is not lenient: every gold answer plus one scores 0."""
    scorer = GSM8KScorer()
    for index, row in enumerate(_rows("test")):
        gold = gold_answer(row["answer"])
        off = int(gold) + 1
        score = scorer.score(f"The answer is {off}.", Sample(id=str(index), input=row["question"], target=gold))
        assert score.value == 0.0, (index, score.explanation)


def test_extract_answer_returns_the_exact_value():
    found = extract_answer("The answer is $1,080.50.")
    assert found is not None
    assert (found.value, found.text, found.rule) == (Fraction(2161, 2), "1080.50", "answer phrase")


def test_package_ships_both_splits_with_the_licence():
    assert (DATA_DIR / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    assert len(_rows("test")) == 1319
    assert len(_rows("train")) == 7473


@pytest.mark.parametrize(
    ("completion", "gold", "right"),
    [
        ("The answer is 2**3.", "23", False),  # a power, not bold around 2 and 3
        ("The answer is 2 ** 3.", "23", False),
        ("The volume is 2**3 = 8 cubic feet.", "8", True),
        ("The answer is 2 ** 10 = 1024.", "1024", True),
        ("The answer is **18**.", "18", True),
        ("She has 3 **4**-packs, so **12** cans.", "12", True),
    ],
)
def test_double_star_is_bold_only_where_it_is_markdown(completion, gold, right):
    score = GSM8KScorer().score(completion, Sample(id="0", input="q", target=gold))
    assert score.value == float(right), score.explanation
