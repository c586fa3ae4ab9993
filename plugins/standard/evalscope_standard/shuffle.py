"""Options asked in a shuffled order, seeded by the run's seed and the question, and recorded in the prompt."""

from __future__ import annotations

import random

from evalscope.benchmarks.base import Sample
from evalscope.benchmarks.declarative import HubBenchmark, Question
from evalscope.scorers.choices import LETTERS


def shuffled_order(count: int, seed: int, question: str) -> list[int]:
    """A permutation of ``range(count)``: the same for the same seed and question text."""
    order = list(range(count))
    random.Random(f"{seed}\n{question}").shuffle(order)
    return order


class ShuffledOptions(HubBenchmark):
    """A benchmark whose options are asked shuffled (their source lists the right one first).

    ``original_options(row)`` gives the options in the source's order with their names and the
    right one's index; the prompt item records ``options_asked``: each letter and the option it shows.
    """

    def original_options(self, row: dict) -> tuple[str, list[tuple[str, str]], int, str | None]:
        """The question, ``(name, text)`` of each option in the source's order, the right one's index, the id."""
        raise NotImplementedError

    def asked(self, row: dict) -> tuple[list[int], list[tuple[str, str]]]:
        """The order the options are asked in (indexes into the source's order) and the source's options."""
        text, options, _, _ = self.original_options(row)
        return shuffled_order(len(options), self.seed, text), options

    def question(self, row: dict) -> Question:
        """The question with its options in the shuffled order."""
        text, options, answer, row_id = self.original_options(row)
        order = shuffled_order(len(options), self.seed, text)
        return Question(text, [options[index][1] for index in order], order.index(answer), id=row_id)

    def build_prompt(self, sample: Sample) -> dict:
        """The prompt, with ``options_asked``: ``{letter: the source's name of the option shown there}``."""
        prompt = super().build_prompt(sample)
        order, options = self.asked(sample.raw)
        prompt["options_asked"] = {LETTERS[position]: options[index][0] for position, index in enumerate(order)}
        return prompt
