"""A whole MATH-500 run against an OpenAI-compatible HTTP server on 127.0.0.1: the gold solutions as answers,
a wrong one, reasoning content and think blocks, and an answer whose check never ends (a scoring error)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from evalscope_math.benchmarks import CompetitionMath, Math500
from openai_server import FakeOpenAIServer
from run_folders import read_jsonl
from test_math_scoring import PATHOLOGICAL

from evalscope import TaskConfig, run_task
from evalscope.errors import SampleErrors


def verify_workers_of(pid: int) -> list[str]:
    """The verification worker processes whose parent is ``pid``."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            command = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError, ValueError):
            continue
        if parent == pid and "evalscope_math.verify_worker" in command:
            found.append(command)
    return found


def test_a_math_500_run_scores_the_answers_and_a_check_that_never_ends_is_a_scoring_error(tmp_path):
    benchmark = Math500()
    samples = benchmark.load("default")
    prompts = [benchmark.build_prompt(sample)["messages"][-1]["content"] for sample in samples]
    answers = {prompt: sample.raw["solution"] for prompt, sample in zip(prompts, samples)}
    answers[prompts[0]] = "Converting, the point is $\\boxed{(3, \\pi)}$."  # wrong: the gold is (3, pi/2)
    answers[prompts[1]] = f"So the sum is $\\boxed{{{PATHOLOGICAL}}}$."  # math-verify never finishes on it
    answers[prompts[2]] = "<think>Perhaps $\\boxed{0}$? No.</think>\n" + samples[2].raw["solution"]
    with FakeOpenAIServer(answers=answers) as server:
        # a reasoning model: its reasoning holds a wrong box, its content the solution
        server.add_fault("reasoning", match=samples[3].input, reasoning="Is it \\boxed{-1}?", field="reasoning_content")
        config = TaskConfig(
            model="served",
            api_url=server.base_url,
            datasets=["math_500"],
            eval_batch_size=16,
            work_dir=str(tmp_path),
            no_timestamp=True,
        )
        with pytest.raises(SampleErrors, match="the scorer failed on 1 samples"):  # said at the end, after the report
            run_task(config)
    assert verify_workers_of(os.getpid()) == []  # the run stopped its verification worker

    assert {body["max_tokens"] for body in server.stats.bodies} == {32768}
    assert sorted(server.prompts()) == sorted(prompts)
    report = json.loads((tmp_path / "reports" / "served" / "math_500.json").read_text(encoding="utf-8"))
    assert report["scoring_errors"] == 1
    metric = report["metrics"][0]
    assert metric["num"] == 499  # the sample whose check never ended is not scored
    assert metric["score"] == pytest.approx(498 / 499)

    lines = read_jsonl(tmp_path / "reviews" / "served" / "math_500_default.jsonl")
    reviews = {review["sample_id"]: review for review in lines}
    assert len(reviews) == 500
    wrong, stopped, thought, reasoned = (reviews[sample.id] for sample in samples[:4])
    assert (wrong["score"], wrong["prediction"], wrong["metrics"]) == (0.0, "(3, \\pi)", {"reference": 0.0})
    assert stopped["score"] is None
    assert stopped["scoring_error"].startswith("VerificationTimeout: math-verify took more than 5 s to compare")
    assert (thought["score"], thought["prediction"]) == (1.0, samples[2].target)
    assert (reasoned["score"], reasoned["prediction"]) == (1.0, samples[3].target)
    assert all(review["score"] == 1.0 for review in list(reviews.values())[4:])
    assert report["dataset_name"] == "math_500"
    assert metric["metric_scores"]["reference"]["score"] == pytest.approx(498 / 499)  # MATH's own comparison
    assert report["generation_config"]["max_new_tokens"] == 32768


def test_the_cli_runs_aime25_and_a_math_subject_offline(tmp_path, run_cli):
    work = tmp_path / "out"
    args = ["--model-plugin", "dummy", "--datasets", "aime25", "competition_math", "--limit", "3"]
    args += ["--dataset-args", '{"competition_math": {"subset_list": ["geometry"]}}']
    result = run_cli(*args, "--work-dir", str(work), "--no-timestamp")
    assert result.returncode == 0, result.stderr
    reports = {
        name: json.loads((work / "reports" / "dummy" / f"{name}.json").read_text(encoding="utf-8"))
        for name in ("aime25", "competition_math")
    }
    assert [subset["name"] for subset in reports["competition_math"]["metrics"][0]["subsets"]] == ["geometry"]
    assert all(report["metrics"][0]["num"] == 3 and report["scoring_errors"] == 0 for report in reports.values())
    reviews = read_jsonl(work / "reviews" / "dummy" / "competition_math_geometry.jsonl")
    geometry = CompetitionMath().load("geometry")[:3]
    assert [review["gold"] for review in reviews] == [sample.target for sample in geometry]
