"""Time of the ``general_mcq`` scorer on typical answers and on degenerate ones.

    python benchmarks/mcq_scorer.py [--repeat 5]

Prints, for each kind of answer, its length and the median time to extract the chosen letter.
The degenerate answers are what a model stuck in a loop writes (a phrase repeated until
``max_tokens``): the scorer must stay linear in the answer's length on them.
"""

from __future__ import annotations

import argparse
import statistics
import time

from evalscope.scorers.mcq_scorer import extract_choice

OPTIONS = {"A": "Sydney", "B": "Canberra", "C": "Melbourne", "D": "Perth"}
ANSWERS = {
    "chat, short": "The capital of Australia is Canberra.\n\nAnswer: B",
    "reasoning, 4 KB": "<think>"
    + "Sydney is the largest city, but not the capital. " * 80
    + "</think>\nThe answer is (B).",
    "'The answer is ' x 8000": "The answer is " * 8000,
    "'Answer: maybe. ' x 8000": "Answer: maybe. " * 8000,
    "'A. foo' lines x 15000": "A. foo\n" * 15000,
    "'**' x 50000": "**" * 50000,
    "'Question: q' lines x 10000": "Question: q\n" * 10000,
}


def main() -> None:
    """Time ``extract_choice`` on every answer of ``ANSWERS``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"{'answer':<30} {'chars':>8} {'median ms':>10}")
    for name, answer in ANSWERS.items():
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            extract_choice(answer, OPTIONS)
            times.append(time.perf_counter() - start)
        print(f"{name:<30} {len(answer):>8} {statistics.median(times) * 1000:>10.2f}")


if __name__ == "__main__":
    main()
