"""The math scorers: finding the final answer, math-verify's verdicts, MATH's reference normalisation, and
checks that take too long."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from evalscope_math.extract import final_answer, last_boxed
from evalscope_math.reference import integer_equal, math_equivalent, normalise
from evalscope_math.scorer import AIMEScorer, MathScorer
from evalscope_math.verifier import MathVerifier, VerificationTimeout

from evalscope.benchmarks.base import Sample
from evalscope.testing import check_scorer

# Math-Verify issue #65: comparing this with anything keeps sympy busy for minutes.
PATHOLOGICAL = r"\dfrac{5^{\left(5^{\left(5^{\left(5^5\right)}\right)} - 4\right)} - 5}{16}"


@pytest.fixture(scope="module")
def math_scorer():
    scorer = MathScorer()
    yield scorer
    scorer.verifier.close()


@pytest.fixture(scope="module")
def aime_scorer():
    scorer = AIMEScorer()
    yield scorer
    scorer.verifier.close()


def sample(target: str) -> Sample:
    return Sample(id="s", input="question", target=target)


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        (r"so $\boxed{\frac{1}{2}}$.", r"\frac{1}{2}"),
        (r"$\boxed{\left\{ 1, \{2\} \right\}}$", r"\left\{ 1, \{2\} \right\}"),
        (r"first $\boxed{3}$, then correcting: $\boxed{4}$", "4"),
        (r"is $\fbox{12}$", "12"),
        (r"or $\framebox{204}$ minutes", "204"),
        (r"or $\framebox[1.1\width]{7}$", "7"),
        (r"$\boxed 5$.", "5"),
        (r"$\boxed{\textbf{(073)}}.$", "073"),
        (r"$\boxed{\textbf{(113) }}$", "113"),
        (r"$\boxed{104.}$", "104"),
        (r"$\boxed{\mathbf{127} }$", "127"),
        (r"$\boxed{x = 3.}$", "x = 3"),
        (r"$\boxed{\text{(C)}}$", r"\text{(C)}"),
        ("$\\boxed{9}$ and then the text ran out: \\boxed{1", "9"),
    ],
)
def test_the_last_complete_box_is_the_answer_without_its_decorations(text, answer):
    assert last_boxed(text).answer == answer


def test_a_closed_think_block_is_not_the_answer_and_an_unclosed_one_gives_none():
    assert final_answer(r"<think>maybe \boxed{1}</think>It is $\boxed{2}$.").answer == "2"
    assert final_answer(r"<think>maybe \boxed{1} and then") is None


def test_without_a_box_math_reads_the_answer_phrase_and_aime_the_last_whole_number(math_scorer, aime_scorer):
    minerva = r"Final Answer: The final answer is $\frac{3}{4}$. I hope it is correct."
    phrase = math_scorer.score(minerva, sample("0.75"))
    assert (phrase.value, phrase.prediction) == (1.0, r"\frac{3}{4}")
    assert phrase.explanation == (
        r"answer phrase: '\\frac{3}{4}'; math-verify: 3/4 equals the gold 0.750000000000000; reference: different"
    )
    nothing = math_scorer.score("The total is 12 apples, I think.", sample("12"))
    assert (nothing.value, nothing.prediction, nothing.metrics) == (0.0, None, {"reference": 0.0})
    last = aime_scorer.score("We get 1,024 in all, minus 3, so 1,021", sample("1021"))
    assert (last.value, last.prediction, last.metrics) == (1.0, "1021", {"reference": 1.0})


# (the model's final answer, the gold answer, whether a person grading it would call them equal)
PAIRS = [
    (r"\frac12", r"\frac{1}{2}", 1),
    (r"0.5", r"\frac{1}{2}", 1),
    (r"\dfrac{1}{2}", r"\frac{1}{2}", 1),
    (r"1/2", r"\frac{1}{2}", 1),
    (r"\tfrac{3}{4}", r"0.75", 1),
    (r"1.5", r"\frac{3}{2}", 1),
    (r"\frac{-1}{3}", r"-\frac{1}{3}", 1),
    (r"4.0", r"4", 1),
    (r"x=3", r"3", 1),
    (r"x = 3", r"3", 1),
    (r"2x+3", r"y=2x+3", 1),
    (r"(-\infty, 2]", r"(-\infty,2]", 1),
    (r"\left[ 1, 5 \right)", r"[1,5)", 1),
    (r"x \in [2, 5]", r"[2,5]", 1),
    (r"\{3, 2, 1\}", r"\{1,2,3\}", 1),
    (r"3, 2, 1", r"1, 2, 3", 1),
    (r"90^\circ", r"90", 1),
    (r"90^{\circ}", r"90", 1),
    (r"10\text{ cm}", r"10", 1),
    (r"10 \text{ cm}^2", r"10", 1),
    (r"\$18.00", r"18", 1),
    (r"50\%", r"50", 1),
    (r"1{,}000", r"1000", 1),
    (r"\sqrt{2}/2", r"\frac{\sqrt{2}}{2}", 1),
    (r"\frac{1}{\sqrt{2}}", r"\frac{\sqrt2}{2}", 1),
    (r"\sqrt{12}", r"2\sqrt{3}", 1),
    (r"\pi/2", r"\frac{\pi}{2}", 1),
    (r"(3, \frac{\pi}{2})", r"\left( 3, \frac{\pi}{2} \right)", 1),
    (r"(x+1)^2", r"x^2+2x+1", 1),
    (r"2i+3", r"3+2i", 1),
    (r"\begin{pmatrix} 1 \\ 2 \end{pmatrix}", r"\begin{pmatrix}1\\2\end{pmatrix}", 1),
    (r"C", r"\text{(C)}", 1),
    (r"\text{Evelyn}", r"\text{Evelyn}", 1),
    (r"025", r"25", 1),
    (r"0.\overline{7}", r"\frac{7}{9}", 1),
    (r"\frac{4}{11}", r"0.\overline{36}", 1),
    (r"\frac{1}{3}", r"0.33", 0),
    (r"1.41", r"\sqrt{2}", 0),
    (r"2", r"3", 0),
    (r"-3", r"3", 0),
    (r"2", r"\frac{1}{2}", 0),
    (r"0.5", r"5", 0),
    (r"100", r"10", 0),
    (r"180", r"90", 0),
    (r"30^\circ", r"\frac{\pi}{6}", 0),
    (r"[1, 2]", r"(1, 2)", 0),
    (r"(2, 1)", r"(1, 2)", 0),
    (r"(-\infty, 2)", r"(-\infty, 2]", 0),
    (r"\{1,2,3\}", r"\{1,2\}", 0),
    (r"1, 2", r"1, 2, 3", 0),
    (r"x=-3", r"x=3", 0),
    (r"2x-1", r"2x+1", 0),
    (r"x^2+1", r"(x+1)^2", 0),
    (r"3", r"3\pi", 0),
    (r"\text{Bob}", r"\text{Evelyn}", 0),
    (r"\text{(B)}", r"\text{(C)}", 0),
]


def test_answers_written_differently_score_as_a_person_would(math_scorer):
    graded = [
        (answer, gold, math_scorer.score(f"So the answer is $\\boxed{{{answer}}}$.", sample(gold)).value)
        for answer, gold, _ in PAIRS
    ]
    assert [(answer, gold, value) for answer, gold, value in graded] == [
        (answer, gold, float(equal)) for answer, gold, equal in PAIRS
    ]
    assert sum(equal for *_, equal in PAIRS) >= 30 and sum(not equal for *_, equal in PAIRS) >= 15


def test_the_scorers_pass_the_scorer_checks(math_scorer, aime_scorer):
    check_scorer(math_scorer, [(rf"$\boxed{{{answer}}}$", gold, equal) for answer, gold, equal in PAIRS[:8]])
    check_scorer(aime_scorer, [(r"$\boxed{\textbf{(073)}}$", "073", 1), ("so 72", "073", 0), ("it is 73.", "73", 1)])


@pytest.mark.parametrize(
    ("answer", "gold", "equal"),
    [
        (r"\frac12", r"\frac{1}{2}", True),
        (r"\dfrac{3}{4}", r"3/4", True),
        (r"0.5", r"\frac{1}{2}", True),
        (r"\left( 3, \frac{\pi}{2} \right)", r"(3,\frac{\pi}{2})", True),
        (r"90^\circ", "90", True),
        (r"k = 5", "5", True),
        (r"10\text{ inches}", "10", True),
        (r"\sqrt3", r"\sqrt{3}", True),
        (r".5", r"\frac12", True),
        (r"xy = 5", "5", False),  # only a left side of at most two characters (with spaces) is dropped
        (r"\frac{1}{2}", "0.50", False),
        (r"x^2+2x+1", r"(x+1)^2", False),
        (r"\frac", r"\frac", True),  # cannot be normalised: compared as written
        ("50\\%", "50", True),
        ("50%", "50", False),  # MATH removes an escaped percent sign only
        ("1/" + "7" * 5000, "1/7", False),  # too long for int(): compared as written, not a scoring error
    ],
)
def test_reference_is_maths_original_string_normalisation(answer, gold, equal):
    assert math_equivalent(answer, gold) is equal


def test_reference_normal_form_and_integer_comparison():
    assert normalise(r"\left( \dfrac12, 3 \right)") == r"(\frac{1}{2},3)"
    assert normalise(r"5 \text{ cm}") == "5"
    assert integer_equal("025", "25") and integer_equal(" 1,000 ", "1000")
    assert not integer_equal("25.0", "25") and not integer_equal(None, "25") and not integer_equal("x", "25")
    assert not integer_equal("1" * 5000, "25")  # a degenerate answer scores 0, not a scoring error


def test_a_check_that_takes_too_long_is_stopped_and_the_next_one_gets_a_fresh_worker():
    verifier = MathVerifier(time_limit=1.0)
    try:
        assert verifier.check("$1$", "$1$").equal
        first = verifier.worker_pid
        with pytest.raises(VerificationTimeout, match=r"math-verify took more than 1 s to compare .*; stopped"):
            verifier.check(r"$\frac{1}{2}$", f"${PATHOLOGICAL}$")
        assert verifier.worker_pid is None  # killed, not left running
        verdict = verifier.check(r"$\frac{1}{2}$", "$0.5$")
        assert verdict.equal and (verdict.gold_parsed, verdict.answer_parsed) == ("1/2", "1/2")
        assert verifier.worker_pid not in (None, first)
    finally:
        verifier.close()
    assert verifier.worker_pid is None


def running(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_worker_busy_on_a_check_ends_when_evalscope_is_killed(tmp_path):
    """``kill -9`` of the process scoring leaves no worker behind, even one stuck in a check."""
    script = tmp_path / "score.py"
    script.write_text(
        "from evalscope_math.verifier import MathVerifier\n"
        "verifier = MathVerifier(time_limit=600)\n"
        "verifier.check('$1$', '$1$')\n"
        "print(verifier.worker_pid, flush=True)\n"
        f"verifier.check('$1$', {('$' + PATHOLOGICAL + '$')!r})\n",
        encoding="utf-8",
    )
    scoring = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    worker = int(scoring.stdout.readline())
    try:
        assert running(worker)
    finally:
        scoring.kill()
        scoring.wait()
        scoring.stdout.close()
    deadline = time.monotonic() + 30
    while running(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = running(worker)
    if left:  # do not leave it spinning for minutes after a failure
        os.kill(worker, signal.SIGKILL)
    assert not left
