"""The scorer ``code_execution``: runs the model's code with the sample's tests in a sandbox; 1.0 if they pass."""

from __future__ import annotations

from dataclasses import dataclass, field

from evalscope.benchmarks.base import Sample
from evalscope.errors import DataError
from evalscope.scorers.base import Score, Scorer
from evalscope_code.answer import function_code, program_code
from evalscope_code.executor import CodeExecutor, explanation
from evalscope_code.harness import Verdict


@dataclass
class CodeSample(Sample):
    """A programming problem: the code the answer continues (``code_prompt``, HumanEval's function head; empty
    for MBPP), the function the tests call (``entry_point``), the test code that runs after the answer's code,
    and the executor that runs it."""

    code_prompt: str = ""
    entry_point: str = ""
    tests: str = ""
    executor: CodeExecutor | None = field(default=None, compare=False, repr=False)


def answer_code(completion: str, sample: CodeSample) -> str:
    """The code to test: the prompt's function completed by the answer (HumanEval), or the answer's program (MBPP)."""
    if sample.code_prompt:
        return function_code(completion, sample.code_prompt, sample.entry_point)
    return program_code(completion, sample.entry_point)


class CodeExecutionScorer(Scorer):
    """1.0 when the answer's code passes the sample's tests in the benchmark's sandbox (exit 0 after the tests
    ran), else 0.0; the review's explanation says why and holds the program's output, cut to a few KB."""

    metric = "pass@1"

    def score(self, completion: str, sample: Sample) -> Score:
        """Run the answer's code and the tests, blocking until the program ends."""
        code, executor = self._prepare(completion, sample)
        if code is None:
            return Score(0.0, prediction="", explanation="no code in the answer")
        return self._graded(code, executor.check_sync(code, sample.tests))

    async def ascore(self, completion: str, sample: Sample) -> Score:
        """``score`` on the run's event loop: programs run beside the model's requests, as many as the pool allows."""
        code, executor = self._prepare(completion, sample)
        if code is None:
            return Score(0.0, prediction="", explanation="no code in the answer")
        return self._graded(code, await executor.check(code, sample.tests))

    @staticmethod
    def _prepare(completion: str, sample: Sample) -> tuple[str | None, CodeExecutor]:
        executor = getattr(sample, "executor", None)
        if not isinstance(sample, CodeSample) or executor is None:
            raise DataError(
                f"code_execution scorer: sample {sample.id} carries no tests and executor; "
                "it grades samples of the humaneval and mbpp benchmarks"
            )
        if not (completion or "").strip():
            return None, executor
        return answer_code(completion, sample), executor

    @staticmethod
    def _graded(code: str, result: Verdict) -> Score:
        return Score(float(result.passed), prediction=code, explanation=explanation(result))
