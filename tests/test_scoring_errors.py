"""A scorer that raises on one sample: that sample is a scoring error, the run goes on, every dataset is reported."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest

from evalscope.store.records import completion

SHAKY_PLUGIN = '''
"""Benchmark ``shaky`` (3 questions) whose scorer ``shaky`` raises on sample 1 and returns None on sample 2."""

from evalscope import hookimpl
from evalscope.benchmarks import Benchmark, Sample
from evalscope.scorers import Score, Scorer


class Shaky(Benchmark):
    name = "shaky"
    scorer = "shaky"

    def load(self, subset):
        return [Sample(id=str(i), input=f"q{i}", target="a", raw={"a": "a"}) for i in range(3)]

    def build_prompt(self, sample):
        return self.chat_prompt(sample.input)


class ShakyScorer(Scorer):
    def score(self, completion, sample):
        if sample.id == "1":
            raise ValueError(f"cannot parse {completion!r}")
        if sample.id == "2":
            return None
        return Score(float(completion == sample.target), completion, sample.target)


@hookimpl
def register_benchmarks(register):
    register("shaky", Shaky)


@hookimpl
def register_scorers(register):
    register("shaky", ShakyScorer)
'''


def install_on_path(folder: Path) -> dict[str, str]:
    """Make the ``shaky`` plugin importable and discoverable from ``folder``; returns the environment to use."""
    (folder / "evalscope_shaky.py").write_text(textwrap.dedent(SHAKY_PLUGIN))
    dist_info = folder / "evalscope_shaky-0.3.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: evalscope-shaky\nVersion: 0.3\n")
    (dist_info / "entry_points.txt").write_text("[evalscope]\nshaky = evalscope_shaky\n")
    return {"PYTHONPATH": os.pathsep.join(filter(None, [str(folder), os.environ.get("PYTHONPATH")]))}


def test_a_scorer_that_raises_on_one_sample_records_it_and_every_dataset_is_reported(run_cli, tmp_path):
    plugin_dir, out = tmp_path / "site", tmp_path / "run"
    plugin_dir.mkdir()
    env = install_on_path(plugin_dir)
    args = ["--model-plugin", "echo-answer", "--datasets", "shaky", "quiz", "--work-dir", str(out), "--no-timestamp"]

    result = run_cli(*args, env=env)

    assert result.returncode == 1, result.stderr
    assert "the scorer failed on 2 samples" in result.stderr
    reviews = {
        review["sample_id"]: review
        for review in map(json.loads, (out / "reviews" / "echo-answer" / "shaky_main.jsonl").read_text().splitlines())
    }
    assert reviews["1"]["scoring_error"] == "ValueError: cannot parse 'wrong'"
    assert reviews["1"]["score"] is None and "completion" not in reviews["1"]
    predictions = (out / "predictions" / "echo-answer" / "shaky_main.jsonl").read_text().splitlines()
    assert [completion(json.loads(line)) for line in predictions if json.loads(line)["sample_id"] == "1"] == ["wrong"]
    assert reviews["2"]["scoring_error"] == "the scorer returned NoneType, expected a Score"
    assert reviews["0"]["scoring_error"] is None and reviews["0"]["score"] == 1.0
    shaky = json.loads((out / "reports" / "echo-answer" / "shaky.json").read_text())
    assert (shaky["scoring_errors"], shaky["errors"], shaky["metrics"][0]["num"], shaky["score"]) == (2, 0, 1, 1.0)
    quiz = json.loads((out / "reports" / "echo-answer" / "quiz.json").read_text())
    assert quiz["scoring_errors"] == 0 and quiz["score"] == 3 / 5  # the dataset after the failing one is reported
    assert "Scoring errors" in result.stdout
    assert "| echo-answer | shaky   | AverageAccuracy | main   | 1   | 1.0000" in result.stdout
    assert "scorer 'shaky' failed on 2 of 3 samples" in (out / "logs" / "eval_log.log").read_text()

    tolerated = run_cli(*args, "--use-cache", str(out), "--ignore-errors", env=env)
    assert tolerated.returncode == 0, tolerated.stderr


@pytest.mark.parametrize(
    ("metrics", "problem"),
    [
        ({"f1": 1.5}, "the scorer returned a Score whose metric 'f1' is 1.5, expected a number in [0, 1]"),
        ({"f1": float("nan")}, "the scorer returned a Score whose metric 'f1' is nan, expected a number in [0, 1]"),
        ({"em": True}, "the scorer returned a Score whose metric 'em' is True, expected a number in [0, 1]"),
        ({"": 0.5}, "the scorer returned a Score whose metric name '' is not a non-empty string"),
        ([0.5], "the scorer returned a Score whose metrics is a list, expected a dict"),
    ],
)
def test_a_score_with_bad_named_metrics_is_a_scoring_error(metrics, problem):
    from evalscope.benchmarks import Sample
    from evalscope.run.scoring import score_sample
    from evalscope.scorers import Score, Scorer

    class Named(Scorer):
        def score(self, completion, sample):
            return Score(1.0, completion, sample.target, metrics=metrics)

    record = {"response": {"choices": [{"message": {"role": "assistant", "content": "a"}}]}, "error": None}
    review = score_sample(Named(), Sample(id="0", input="q", target="a"), record)
    assert (review["score"], review["scoring_error"]) == (None, problem)
    assert "metrics" not in review


def test_named_metrics_are_kept_in_the_review():
    from evalscope.benchmarks import Sample
    from evalscope.run.scoring import score_sample
    from evalscope.scorers import Score, Scorer

    class Named(Scorer):
        def score(self, completion, sample):
            return Score(0.5, completion, sample.target, metrics={"em": 0, "f1": 0.5})

    record = {"response": {"choices": [{"message": {"role": "assistant", "content": "a b"}}]}, "error": None}
    review = score_sample(Named(), Sample(id="0", input="q", target="a"), record)
    assert (review["score"], review["metrics"], review["scoring_error"]) == (0.5, {"em": 0, "f1": 0.5}, None)
