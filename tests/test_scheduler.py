"""One scheduler for the whole run: requests stay in flight across subset and dataset boundaries,
and each subset's reviews and report are written as soon as it is complete."""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
from pathlib import Path

import pytest
from openai_server import FakeOpenAIServer
from plugin_site import make_plugin_site

from evalscope import TaskConfig, run_task
from evalscope.models import CustomModel
from evalscope.plugins import get_plugins

QUIZ = {"What is 1+1?": "2", "Capital of France?": "Paris", "3*3?": "9", "Sky colour?": "blue", "10-4?": "6"}


@pytest.fixture(scope="module")
def many_subsets_site(tmp_path_factory):
    """A folder where the test plugin ``evalscope-many-subsets`` is installed (as a dist-info)."""
    return make_plugin_site(tmp_path_factory.mktemp("site"), ("evalscope-many-subsets",))


@pytest.fixture
def many_subsets(many_subsets_site, monkeypatch):
    """The ``many_subsets`` plugin made visible to this process and to the ``evalscope`` it starts."""
    for entry in many_subsets_site:
        monkeypatch.syspath_prepend(entry)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([*many_subsets_site, os.environ.get("PYTHONPATH", "")]))
    importlib.invalidate_caches()
    get_plugins(reload=True)
    yield importlib.import_module("evalscope_many_subsets")
    sys.modules.pop("evalscope_many_subsets", None)
    monkeypatch.undo()
    get_plugins(reload=True)


def answers(plugin, subsets) -> dict[str, str]:
    return {sample.input: sample.target for subset in subsets for sample in plugin.questions(subset)}


def api_run(server: FakeOpenAIServer, work_dir: Path, datasets: list[str], **options) -> dict:
    config = TaskConfig(
        model="served",
        api_url=server.base_url,
        datasets=datasets,
        eval_batch_size=4,
        work_dir=str(work_dir),
        no_timestamp=True,
        **options,
    )
    return run_task(config)


def test_requests_stay_in_flight_across_a_subset_boundary(many_subsets, tmp_path):
    with FakeOpenAIServer(answers=answers(many_subsets, ["s00", "s01"]), latency=0.02) as server:
        server.add_fault("slow", match="s00 q0:", delay=1.5)
        reports = api_run(
            server, tmp_path, ["many_subsets"], dataset_args={"many_subsets": {"subset_list": ["s00", "s01"]}}
        )
    # Every request of the second subset was sent while the first subset's slow request was still out.
    second = server.in_flight_when("s01 q")
    assert len(second) == 20
    assert all(any(prompt.startswith("s00 q0:") for prompt in others) for others in second)
    assert server.stats.max_in_flight == 4  # the pool of --eval-batch-size, full while the slow one is out
    report = reports["many_subsets"]
    assert [(subset["name"], subset["num"], subset["score"]) for subset in report["metrics"][0]["subsets"]] == [
        ("s00", 20, 1.0),
        ("s01", 20, 1.0),
    ]
    assert report["complete"] is True
    for subset in ("s00", "s01"):
        reviews = (tmp_path / "reviews" / "served" / f"many_subsets_{subset}.jsonl").read_text().splitlines()
        assert sorted(json.loads(line)["sample_id"] for line in reviews) == sorted(f"{subset}-{n}" for n in range(20))
    assert not list((tmp_path / "reviews").rglob("*.partial"))


def test_requests_stay_in_flight_across_a_dataset_boundary(many_subsets, tmp_path):
    with FakeOpenAIServer(answers={**QUIZ, **answers(many_subsets, ["s00"])}) as server:
        server.add_fault("slow", match="Capital of France?", delay=1.5)
        reports = api_run(
            server, tmp_path, ["quiz", "many_subsets"], dataset_args={"many_subsets": {"subset_list": ["s00"]}}
        )
    following = server.in_flight_when("s00 q")
    assert len(following) == 20
    assert all("Capital of France?" in others for others in following)
    assert reports["quiz"]["score"] == 1.0 and reports["many_subsets"]["score"] == 1.0


class ReportWatcher(CustomModel):
    """Answers right; before answering the third subset, waits (up to 30 s) for the report of the first."""

    report_path: Path
    seen_then: list[list[str]] = []

    def predict(self, prompts, **kwargs):
        if any(item["index"].startswith("s02-") for item in kwargs["origin_inputs"]):
            ReportWatcher.seen_then.append(self._subsets_reported())
        return [
            {"choices": [{"index": 0, "message": {"role": "assistant", "content": item["raw"].get("a", "")}}]}
            for item in kwargs["origin_inputs"]
        ]

    def _subsets_reported(self) -> list[str]:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.report_path.is_file():
                report = json.loads(self.report_path.read_text())
                return [subset["name"] for subset in report["metrics"][0]["subsets"]]
            time.sleep(0.02)
        return []


def test_a_subsets_report_is_written_while_later_subsets_are_still_running(many_subsets, tmp_path):
    ReportWatcher.report_path = tmp_path / "reports" / "watcher" / "many_subsets.json"
    ReportWatcher.seen_then = []
    reports = run_task(
        TaskConfig(
            model=ReportWatcher(),
            model_id="watcher",
            eval_type="custom",
            datasets=["many_subsets"],
            dataset_args={"many_subsets": {"subset_list": ["s00", "s01", "s02"]}},
            eval_batch_size=5,
            work_dir=str(tmp_path),
            no_timestamp=True,
        )
    )
    assert ReportWatcher.seen_then and "s00" in ReportWatcher.seen_then[0]
    assert "s02" not in ReportWatcher.seen_then[0]
    assert [subset["name"] for subset in reports["many_subsets"]["metrics"][0]["subsets"]] == ["s00", "s01", "s02"]
