"""A benchmark whose ``load`` yields its samples is read lazily: the model is asked before the split is read."""

from __future__ import annotations

import json

import pytest

from evalscope import TaskConfig, run_task
from evalscope.benchmarks import Benchmark, Sample
from evalscope.errors import DataError
from evalscope.models import CustomModel

EVENTS: list[str] = []


class Streamed(Benchmark):
    """Yields ``count`` samples, noting each one in ``EVENTS`` as it is produced."""

    name = "streamed"
    scorer = "exact_match"
    subsets = ["one", "empty", "two"]
    count = 100
    repeat_at: int | None = None

    def load(self, subset):
        total = 0 if subset == "empty" else self.count
        for index in range(total):
            EVENTS.append(f"yield {subset} {index}")
            sample_id = str(index - 1 if index == self.repeat_at else index)
            yield Sample(id=sample_id, input=f"{subset} {index}", target=f"{subset} {index}")

    def build_prompt(self, sample):
        return self.chat_prompt(sample.input)


class Echo(CustomModel):
    """Answers each prompt with its own text, noting each batch in ``EVENTS``."""

    def predict(self, prompts, **kwargs):
        inputs = kwargs["origin_inputs"]
        EVENTS.extend(f"predict {item['data'][0]}" for item in inputs)
        return [{"choices": [{"message": {"role": "assistant", "content": item["data"][0]}}]} for item in inputs]


@pytest.fixture
def streamed(run_plugins):
    EVENTS.clear()
    run_plugins.benchmarks.add("streamed", Streamed, "tests")
    yield Streamed
    Streamed.repeat_at = None


def run(tmp_path, plugins, **config):
    task = TaskConfig(
        model=Echo(),
        model_id="echo",
        datasets=["streamed"],
        eval_type="custom",
        work_dir=str(tmp_path),
        no_timestamp=True,
        eval_batch_size=4,
        **config,
    )
    return run_task(task, plugins=plugins)["streamed"]


def test_samples_are_predicted_while_the_subset_is_still_being_read(tmp_path, streamed, run_plugins):
    report = run(tmp_path, run_plugins)
    assert EVENTS.index("predict one 0") < EVENTS.index("yield one 99")
    assert report["score"] == 1.0
    subsets = {subset["name"]: subset["num"] for subset in report["metrics"][0]["subsets"]}
    assert subsets == {"one": 100, "empty": 0, "two": 100}
    reviews = (tmp_path / "reviews" / "echo" / "streamed_two.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["sample_id"] for line in reviews] == [str(index) for index in range(100)]


def test_a_count_limit_stops_reading_the_subset(tmp_path, streamed, run_plugins):
    report = run(tmp_path, run_plugins, limit=5)
    assert "yield one 5" not in EVENTS and "yield one 4" in EVENTS
    assert {subset["num"] for subset in report["metrics"][0]["subsets"] if subset["name"] != "empty"} == {5}


def test_a_fraction_limit_counts_the_subset_first(tmp_path, streamed, run_plugins):
    report = run(tmp_path, run_plugins, limit=0.1)
    assert {subset["num"] for subset in report["metrics"][0]["subsets"] if subset["name"] != "empty"} == {10}


def test_a_repeated_id_in_a_stream_stops_before_the_model_is_asked_about_it(tmp_path, streamed, run_plugins):
    streamed.repeat_at = 50
    with pytest.raises(DataError, match="yields the sample id '49' twice in subset 'one'"):
        run(tmp_path, run_plugins)
    assert "predict one 0" in EVENTS and "predict one 50" not in EVENTS
