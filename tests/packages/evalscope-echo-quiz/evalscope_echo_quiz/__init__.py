"""A small third-party plugin: model ``echo-answer`` and benchmark ``quiz`` (5 questions).

``echo-answer`` answers with the gold answer of rows whose id is even and with "wrong"
otherwise, so a run's score is known in advance (3 of 5). It appends every sample it is
asked about to the file named by ``$ECHO_QUIZ_LOG``, so tests can see which samples were asked.
Model args: ``delay`` (seconds to sleep per batch) and ``mode`` to break the contract on
purpose: ``short`` (one response too few), ``int-content`` (content is a number), ``raise``
(predict raises on the sample with id 3), ``leak`` (predict raises an error that quotes
the ``api_key`` of its config, as a careless client library might). The benchmark takes the
option ``hf_token`` (unused, like a hub token a real benchmark would pass on) and, to break its
contract on purpose, ``repeat_id`` (the sample with that id is yielded twice).
"""

import os
import time

from evalscope import hookimpl
from evalscope.benchmarks import Benchmark, BenchmarkOptions, Sample
from evalscope.models import CustomModel

QUESTIONS = [
    ("What is 1+1?", "2"),
    ("Capital of France?", "Paris"),
    ("3*3?", "9"),
    ("Sky colour?", "blue"),
    ("10-4?", "6"),
]


class QuizOptions(BenchmarkOptions):
    hf_token: str | None = None
    repeat_id: str | None = None


class Quiz(Benchmark):
    """Five fixed questions, scored by exact match."""

    name = "quiz"
    scorer = "exact_match"
    Options = QuizOptions

    def load(self, subset):
        samples = [Sample(id=str(i), input=q, target=a, raw={"q": q, "a": a}) for i, (q, a) in enumerate(QUESTIONS)]
        repeated = [sample for sample in samples if sample.id == self.options.repeat_id]
        return samples + repeated

    def build_prompt(self, sample):
        return self.chat_prompt(sample.input)


class EchoAnswer(CustomModel):
    """Answers right on even ids, wrong on odd ones; sleeps ``delay`` seconds per batch."""

    def predict(self, prompts, **kwargs):
        log = os.environ.get("ECHO_QUIZ_LOG")
        delay = float(self.config.get("delay", 0))
        mode = self.config.get("mode")
        if delay:
            time.sleep(delay)
        answers = []
        for item in kwargs["origin_inputs"]:
            if log:
                with open(log, "a") as handle:
                    handle.write(f"{item['index']}\n")
            right = int(item["index"]) % 2 == 0
            content = item["raw"]["a"] if right else "wrong"
            if mode == "int-content":
                content = 42
            if mode == "raise" and item["index"] == "3":
                raise RuntimeError("the GPU caught fire")
            if mode == "leak":
                raise PermissionError(f"auth failed for key {self.config.get('api_key')}")
            answers.append(
                {
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": content}}],
                    "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
                }
            )
        return answers[:-1] if mode == "short" else answers


@hookimpl
def register_models(register):
    register("echo-answer", EchoAnswer)


@hookimpl
def register_benchmarks(register):
    register("quiz", Quiz)
