"""Benchmarks ``many_subsets`` (57 subsets ``s00``..``s56`` of 20 questions, like MMLU's shape) and
``one_subset`` (the same 1140 questions as the one subset ``all``).

Question ``n`` of subset ``sXX`` reads ``"sXX q<n>: what is <n> + <XX>?"`` and its target is the sum,
so the two benchmarks send the same prompts and a test can tell a request's subset from its text.
"""

from evalscope import hookimpl
from evalscope.benchmarks import Benchmark, Sample

SUBSETS = [f"s{number:02d}" for number in range(57)]
PER_SUBSET = 20


def questions(subset: str) -> list[Sample]:
    """The 20 questions of ``subset``; ids are ``<subset>-<n>``."""
    offset = int(subset[1:])
    return [
        Sample(id=f"{subset}-{n}", input=f"{subset} q{n}: what is {n} + {offset}?", target=str(n + offset))
        for n in range(PER_SUBSET)
    ]


class ManySubsets(Benchmark):
    """57 subsets of 20 questions, scored by exact match."""

    name = "many_subsets"
    scorer = "exact_match"
    subsets = SUBSETS

    def load(self, subset):
        return questions(subset)

    def build_prompt(self, sample):
        return self.chat_prompt(sample.input)


class OneSubset(ManySubsets):
    """The questions of ``many_subsets`` as one subset, ``all``."""

    name = "one_subset"
    subsets = ["all"]

    def load(self, subset):
        return [sample for name in SUBSETS for sample in questions(name)]


@hookimpl
def register_benchmarks(register):
    register("many_subsets", ManySubsets)
    register("one_subset", OneSubset)
