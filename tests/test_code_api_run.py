"""humaneval and mbpp end to end against an OpenAI-compatible server on 127.0.0.1, from the command line: a
completion endpoint continues the function's head, a chat endpoint answers with the whole function."""

from __future__ import annotations

import json
from pathlib import Path

from evalscope_code.humaneval import HumanEval
from evalscope_code.mbpp import MBPP
from openai_server import FakeOpenAIServer

LIMIT = 6


def cli_run(run_cli, server: FakeOpenAIServer, work: Path, dataset: str, *extra: str) -> dict:
    result = run_cli(
        "eval", "--model", "coder", "--api-url", server.base_url, "--datasets", dataset, "--limit", str(LIMIT),
        "--work-dir", str(work), "--no-timestamp", *extra,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads((work / "reports" / "coder" / f"{dataset}.json").read_text(encoding="utf-8"))


def test_a_completion_endpoint_continues_each_function(tmp_path, run_cli):
    samples = HumanEval().load("main")[:LIMIT]
    # The server is sent the bare function head and answers with the canonical body; the first one wrongly.
    answers = {sample.input: sample.target for sample in samples}
    answers[samples[0].input] = "    return None\n"
    with FakeOpenAIServer(answers=answers) as server:
        report = cli_run(run_cli, server, tmp_path, "humaneval", "--api-mode", "completion")
        assert {body["prompt"] for body in server.stats.bodies} == {sample.input for sample in samples}
    assert (report["metrics"][0]["num"], report["score"]) == (LIMIT, (LIMIT - 1) / LIMIT)
    assert report["metrics"][0]["name"] == "pass@1"


def test_a_chat_endpoint_answers_mbpp_with_a_code_block(tmp_path, run_cli):
    benchmark = MBPP()
    samples = benchmark.load("test")[:LIMIT]
    answers = {
        benchmark.build_prompt(sample)["messages"][-1]["content"]: f"Sure:\n```python\n{sample.target}\n```"
        for sample in samples
    }
    with FakeOpenAIServer(answers=answers) as server:
        report = cli_run(run_cli, server, tmp_path, "mbpp")
    assert (report["metrics"][0]["num"], report["score"]) == (LIMIT, 1.0)
    reviews = (tmp_path / "reviews" / "coder" / "mbpp_test.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["sample_id"] for line in reviews] == [sample.id for sample in samples]
