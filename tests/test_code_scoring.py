"""The code_execution scorer on HumanEval and MBPP answers: both answer shapes, early exits, output kept short.

Programs run in the default sandbox (bubblewrap, or the process fallback where it cannot run).
"""

from __future__ import annotations

import pytest
from evalscope_code.humaneval import HumanEval
from evalscope_code.mbpp import MBPP
from evalscope_code.scorer import CodeExecutionScorer

from evalscope.testing import check_benchmark

HAS_CLOSE_ELEMENTS = """def has_close_elements(numbers, threshold):
    for i, a in enumerate(numbers):
        for b in numbers[i + 1 :]:
            if abs(a - b) < threshold:
                return True
    return False
"""
WRONG = "def has_close_elements(numbers, threshold):\n    return False\n"


@pytest.fixture(scope="module")
def first_problem():
    return HumanEval({"timeout": 20}).load("main")[0]


@pytest.fixture(scope="module")
def scorer():
    return CodeExecutionScorer()


def fenced(code: str, before: str = "Here is the function:\n\n", after: str = "\nIt compares each pair.") -> str:
    return f"{before}```python\n{code.rstrip()}\n```{after}"


@pytest.mark.parametrize(
    "shape",
    ["continuation", "chat: prompt and body in a block", "chat: the function alone in a block", "bare function"],
)
def test_both_answer_shapes_pass(first_problem, scorer, shape):
    answers = {
        "continuation": first_problem.target,
        "chat: prompt and body in a block": fenced(first_problem.input + first_problem.target),
        "chat: the function alone in a block": fenced(HAS_CLOSE_ELEMENTS),
        "bare function": HAS_CLOSE_ELEMENTS,
    }
    score = scorer.score(answers[shape], first_problem)
    assert score.value == 1.0, score.explanation
    assert score.explanation.startswith("passed")


def test_a_continuation_is_cut_where_human_eval_stops_generating(first_problem, scorer):
    rambling = first_problem.target + "\n\nif __name__ == '__main__':\n    raise SystemExit(3)\n"
    score = scorer.score(rambling, first_problem)
    assert score.value == 1.0, score.explanation
    assert "__main__" not in score.prediction


def test_a_wrong_function_fails_with_the_assertion_in_the_explanation(first_problem, scorer):
    score = scorer.score(fenced(WRONG), first_problem)
    assert score.value == 0.0
    assert score.explanation.startswith("exited with status 1")
    assert "AssertionError" in score.explanation


@pytest.mark.parametrize(
    "answer",
    [
        "import sys\nsys.exit(0)\n" + HAS_CLOSE_ELEMENTS,
        "import os\ndef has_close_elements(numbers, threshold):\n    os._exit(0)\n",
        "import atexit, os\natexit.register(lambda: os._exit(0))\n" + WRONG,
    ],
    ids=["sys.exit(0) at import", "os._exit(0) in the function", "atexit hook exits 0 after failed tests"],
)
def test_a_program_that_exits_0_before_its_tests_finished_has_not_passed(first_problem, scorer, answer):
    score = scorer.score(fenced(answer), first_problem)
    assert score.value == 0.0
    assert score.explanation.startswith("exited with status 0 before its tests finished"), score.explanation


def test_an_empty_answer_fails_without_running_anything(first_problem, scorer):
    score = scorer.score("  \n", first_problem)
    assert (score.value, score.explanation) == (0.0, "no code in the answer")


def test_a_review_keeps_only_a_few_kb_of_output(first_problem, scorer):
    noisy = "print('x' * 1_000_000)\nimport sys\nprint('y' * 1_000_000, file=sys.stderr)\n" + WRONG
    score = scorer.score(fenced(noisy), first_problem)
    assert score.value == 0.0
    assert len(score.explanation) < 6000
    assert "characters cut" in score.explanation and "AssertionError" in score.explanation


def test_async_scoring_grades_as_score_does(first_problem, scorer):
    import asyncio

    async def both():
        return await asyncio.gather(
            scorer.ascore(first_problem.target, first_problem), scorer.ascore(fenced(WRONG), first_problem)
        )

    right, wrong = asyncio.run(both())
    assert (right.value, wrong.value) == (1.0, 0.0)


def test_mbpp_runs_the_setup_code_after_the_answer_that_defines_its_class(scorer):
    [sample] = [sample for sample in MBPP({"subset_list": ["test"]}).load("test") if sample.id == "367"]
    assert "Node(" in sample.raw["test_setup_code"] and "class Node" in sample.target
    assert scorer.score(fenced(sample.target), sample).value == 1.0
    assert scorer.score("def is_tree_balanced(root):\n    return None\n", sample).value == 0.0


def test_mbpp_without_a_block_runs_the_whole_answer(scorer):
    sample = MBPP().load("test")[0]
    assert scorer.score(sample.target, sample).value == 1.0


def test_the_benchmarks_pass_the_contract_kit():
    check_benchmark(HumanEval, options={"timeout": 20}, limit=3)
    check_benchmark(MBPP, options={"timeout": 20}, limit=3)


def test_mbpp_evaluates_the_test_split_unless_told_otherwise():
    assert MBPP().subset_list() == ["test"]
    assert [len(MBPP().load(split)) for split in ("test", "train", "validation", "prompt")] == [500, 374, 90, 10]


def test_the_sanitized_subset_is_an_error_that_says_it_is_not_bundled():
    from evalscope.errors import ConfigError

    with pytest.raises(ConfigError, match="the 'sanitized' subset of MBPP is not bundled"):
        MBPP({"subset_list": ["sanitized"]})
