"""A resumed run keeps the reviews it already wrote: an answer already graded is not sent to the judge again.

The judge is tests/openai_server.py on 127.0.0.1; its request count says what was judged. Between runs
the judge changes its mind (its grades flip), so a kept grade is told apart from a new one.
"""

from __future__ import annotations

import json
import logging
import signal
from pathlib import Path

import pytest
from openai_server import FakeOpenAIServer

from evalscope import TaskConfig, run_task
from evalscope.models import CustomModel
from evalscope.results.reader import read_samples

ROWS = [{"id": f"q{n}", "query": f"What is {n} + {n}?", "response": str(2 * n)} for n in range(6)]
REVIEWS = Path("reviews") / "answers" / "general_qa_sums.jsonl"


class Answers(CustomModel):
    """Answers ``What is n + n?`` with ``2n``; ``asked`` lists the questions; with ``stop_at``, presses Ctrl-C
    (SIGINT to its own process) when asked that question."""

    def __init__(self, stop_at: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.asked: list[str] = []
        self.stop_at = stop_at

    def predict(self, prompts, **kwargs):
        """One chat.completion per prompt."""
        ids = [item["index"] for item in kwargs["origin_inputs"]]
        self.asked += ids
        if self.stop_at in ids:
            signal.raise_signal(signal.SIGINT)
        return [
            {"choices": [{"index": 0, "message": {"role": "assistant", "content": str(2 * int(i[1:]))}}]} for i in ids
        ]


def judge_replies(grade: str) -> dict[str, str]:
    """Replies of a judge grading every answer ``grade`` (keyed by the prompt it is sent)."""
    from evalscope_general.judge import judge_messages

    return {judge_messages(row["query"], row["response"], row["response"])[-1]["content"]: grade for row in ROWS}


def config(tmp_path: Path, server: FakeOpenAIServer, model: CustomModel, **overrides) -> TaskConfig:
    data = tmp_path / "data" / "sums.jsonl"
    if not data.exists():
        data.parent.mkdir(parents=True)
        data.write_text("".join(json.dumps(row) + "\n" for row in ROWS), encoding="utf-8")
    judge = {"api_url": server.base_url, "model": "judge-model", "retries": 0, **overrides.pop("judge", {})}
    fields = {
        "model": model,
        "model_id": "answers",
        "datasets": ["general_qa"],
        "dataset_args": {"general_qa": {"local_path": str(data), "judge": judge}},
        "eval_type": "custom",
        "eval_batch_size": 1,
        "work_dir": str(tmp_path / "out"),
        "no_timestamp": True,
        "ignore_errors": True,
    }
    return TaskConfig(**{**fields, **overrides})


def review_lines(folder: Path) -> dict[str, bytes]:
    """``{sample_id: line}`` of a run folder's reviews file."""
    lines = (folder / REVIEWS).read_bytes().splitlines(keepends=True)
    return {json.loads(line)["sample_id"]: line for line in lines}


def without_provenance(report: dict) -> dict:
    return {key: value for key, value in report.items() if key != "provenance"}


def new_folder(tmp_path: Path) -> Path:
    [folder] = [path for path in tmp_path.iterdir() if path.name not in ("out", "data")]
    return folder


def test_a_resume_with_a_larger_limit_judges_only_the_new_answers(tmp_path, caplog):
    model = Answers()
    with FakeOpenAIServer(answers=judge_replies("CORRECT")) as server:
        first = run_task(config(tmp_path, server, model, limit=3))["general_qa"]
        assert server.stats.requests == 3
        server.answers = judge_replies("INCORRECT")  # the judge would grade the first three otherwise now
        with caplog.at_level(logging.INFO, logger="evalscope"):
            resumed = run_task(config(tmp_path, server, model, limit=6, use_cache=str(tmp_path / "out")))["general_qa"]
        assert server.stats.requests == 6  # three more grades: one per new answer

    assert model.asked == [f"q{n}" for n in range(6)]  # and each question asked once
    assert "kept 3 reviews, re-scoring 0 (scoring errors) and 0 (scorer changed)" in caplog.text
    kept, now = review_lines(tmp_path / "out"), review_lines(new_folder(tmp_path))
    assert {sample_id: now[sample_id] for sample_id in kept} == kept  # the first run's lines, byte for byte
    grades = {
        sample["sample_id"]: sample["prediction"]["grade"]
        for sample in read_samples(new_folder(tmp_path), "general_qa", "sums")
    }
    assert grades == {
        "q0": "CORRECT",
        "q1": "CORRECT",
        "q2": "CORRECT",
        "q3": "INCORRECT",
        "q4": "INCORRECT",
        "q5": "INCORRECT",
    }
    assert (first["score"], resumed["score"]) == (1.0, 0.5)


def test_a_resume_after_a_stopped_run_judges_only_the_new_answers_and_reports_as_if_never_stopped(tmp_path, caplog):
    with FakeOpenAIServer(answers=judge_replies("CORRECT")) as server:
        with pytest.raises(KeyboardInterrupt):  # Ctrl-C while q2 is asked: q0..q2 are answered and judged
            run_task(config(tmp_path, server, Answers(stop_at="q2")))
        judged = server.stats.requests
        assert judged == 3
        partial = (tmp_path / "out" / REVIEWS).with_suffix(".jsonl.partial")
        stopped = {json.loads(line)["sample_id"]: line for line in partial.read_bytes().splitlines(keepends=True)}
        assert sorted(stopped) == ["q0", "q1", "q2"]

        model = Answers()
        with caplog.at_level(logging.INFO, logger="evalscope"):
            resumed = run_task(config(tmp_path, server, model, use_cache=str(tmp_path / "out")))["general_qa"]
        assert server.stats.requests == 6  # the three answers not judged yet
        assert model.asked == ["q3", "q4", "q5"]
        assert "kept 3 reviews, re-scoring 0 (scoring errors) and 0 (scorer changed)" in caplog.text

        lines = review_lines(tmp_path / "out")
        assert sorted(lines) == [row["id"] for row in ROWS]
        assert {sample_id: lines[sample_id] for sample_id in stopped} == stopped  # byte for byte
        assert sorted(path.name for path in (tmp_path / "out" / REVIEWS).parent.iterdir()) == [REVIEWS.name]

        server.answers = judge_replies("INCORRECT")  # a resume with nothing left to do asks the judge nothing
        again = run_task(config(tmp_path, server, Answers(), use_cache=str(tmp_path / "out")))["general_qa"]
        assert server.stats.requests == 6
    assert review_lines(tmp_path / "out") == lines
    assert without_provenance(again) == without_provenance(resumed)
    assert resumed["score"] == 1.0 and resumed["metrics"][0]["num"] == 6


def test_a_review_with_a_scoring_error_is_judged_again_on_resume(tmp_path, caplog):
    with FakeOpenAIServer(answers=judge_replies("CORRECT")) as server:
        fault = server.add_fault("status", match="What is 4 + 4?", status=500, times=None)
        first = run_task(config(tmp_path, server, Answers()))["general_qa"]
        assert (first["metrics"][0]["scoring_errors"], server.stats.requests) == (1, 6)
        server.faults.remove(fault)
        with caplog.at_level(logging.INFO, logger="evalscope"):
            resumed = run_task(config(tmp_path, server, Answers(), use_cache=str(tmp_path / "out")))["general_qa"]
        assert server.stats.requests == 7  # q4 alone judged again
    assert "kept 5 reviews, re-scoring 1 (scoring errors) and 0 (scorer changed)" in caplog.text
    assert (resumed["metrics"][0]["scoring_errors"], resumed["score"]) == (0, 1.0)


def test_another_judge_model_judges_every_answer_again(tmp_path, caplog):
    model = Answers()
    with FakeOpenAIServer(answers=judge_replies("CORRECT")) as server:
        run_task(config(tmp_path, server, model))
        with caplog.at_level(logging.INFO, logger="evalscope"):
            run_task(config(tmp_path, server, model, judge={"model": "other-judge"}, use_cache=str(tmp_path / "out")))
        assert server.stats.requests == 12
        assert [body["model"] for body in server.stats.bodies[6:]] == ["other-judge"] * 6
    assert len(model.asked) == 6  # the model is not asked again
    assert "kept 0 reviews, re-scoring 0 (scoring errors) and 6 (scorer changed)" in caplog.text


class Replay(CustomModel):
    """Answers each GSM8K question with its gold solution."""

    def predict(self, prompts, **kwargs):
        """One chat.completion per prompt."""
        return [
            {"choices": [{"index": 0, "message": {"role": "assistant", "content": item["raw"]["answer"]}}]}
            for item in kwargs["origin_inputs"]
        ]


def test_gsm8k_reviews_are_kept_as_written(tmp_path, caplog):
    """A sync scorer's kept reviews are copied, not scored again: lines written in another JSON spacing stay so."""

    def gsm8k(**fields):
        base = {"model": Replay(), "model_id": "replay", "datasets": ["gsm8k"], "eval_type": "custom"}
        return run_task(TaskConfig(**base, work_dir=str(tmp_path / "out"), no_timestamp=True, **fields))["gsm8k"]

    first = gsm8k(limit=4)
    reviews = tmp_path / "out" / "reviews" / "replay" / "gsm8k_main.jsonl"
    spaced = [json.dumps(json.loads(line)) + "\n" for line in reviews.read_text("utf-8").splitlines()]
    reviews.write_text("".join(spaced), encoding="utf-8")

    with caplog.at_level(logging.INFO, logger="evalscope"):
        resumed = gsm8k(use_cache=str(tmp_path / "out"))
    assert "kept 4 reviews, re-scoring 0 (scoring errors) and 0 (scorer changed)" in caplog.text
    assert sorted(reviews.read_text("utf-8").splitlines(keepends=True)) == sorted(spaced)
    assert without_provenance(resumed) == without_provenance(first)


def test_reviews_without_a_scorer_key_are_scored_again(tmp_path, caplog):
    """A folder written before reviews carried a scorer_key resumes as before: every sample is scored again."""
    base = {"model": Replay(), "model_id": "replay", "datasets": ["gsm8k"], "eval_type": "custom", "limit": 3}
    run_task(TaskConfig(**base, work_dir=str(tmp_path), no_timestamp=True))
    reviews = tmp_path / "reviews" / "replay" / "gsm8k_main.jsonl"
    old = [
        {k: v for k, v in json.loads(line).items() if k != "scorer_key"} for line in reviews.read_text().splitlines()
    ]
    reviews.write_text("".join(json.dumps(review) + "\n" for review in old), encoding="utf-8")

    with caplog.at_level(logging.INFO, logger="evalscope"):
        run_task(TaskConfig(**base, work_dir=str(tmp_path), no_timestamp=True, use_cache=str(tmp_path)))
    message = (
        "kept 0 reviews, re-scoring 0 (scoring errors), 0 (scorer changed) and 3 (no scorer_key: an earlier version)"
    )
    assert message in caplog.text
    assert all("scorer_key" in json.loads(line) for line in reviews.read_text().splitlines())
