"""A bad model or benchmark option is one line in plain words, naming the flag it came from on the command line."""

from __future__ import annotations

import pytest

from evalscope.errors import ConfigError
from evalscope.run.runner import run_task

API = ["--model", "m", "--api-url", "http://127.0.0.1:9/v1", "--datasets", "gsm8k"]


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--model-args", "timeout=abc"], "--model-args timeout must be a number (got 'abc')"),
        (["--model-args", "stream=maybe"], "--model-args stream must be true or false (got 'maybe')"),
        (["--model-args", "concurrency=2.5"], "--model-args concurrency must be a whole number (got 2.5)"),
        (["--model-args", "retries=-1"], "--model-args retries must be at least 0 (got -1)"),
        (["--model-args", "timout=5"], "--model-args: unknown option 'timout'; did you mean 'timeout'?"),
        (
            ["--dataset-args", '{"gsm8k": {"few_shot_num": "four"}}'],
            "--dataset-args gsm8k.few_shot_num must be a whole number (got 'four')",
        ),
        (
            ["--dataset-args", '{"gsm8k": {"few_shot_random": "sometimes"}}'],
            "--dataset-args gsm8k.few_shot_random must be true or false (got 'sometimes')",
        ),
        (
            ["--dataset-args", '{"gsm8k": {"fewshot_num": 2}}'],
            "--dataset-args gsm8k: unknown option 'fewshot_num'; did you mean 'few_shot_num'?",
        ),
    ],
)
def test_a_bad_option_on_the_command_line_is_named_by_its_flag(run_cli, tmp_path, flags, message):
    result = run_cli(*API, *flags, "--work-dir", str(tmp_path))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [f"evalscope: error: {message}"]


@pytest.mark.parametrize(
    ("model_args", "message"),
    [
        ({"timeout": "abc"}, "openai_api model: option 'timeout': must be a number (got 'abc')"),
        ({"stream": "maybe"}, "openai_api model: option 'stream': must be true or false (got 'maybe')"),
        ({"api_url": 5}, "openai_api model: option 'api_url': must be text (got 5)"),
    ],
)
def test_from_python_a_bad_option_is_named_as_the_field_in_the_same_words(tmp_path, model_args, message):
    with pytest.raises(ConfigError) as caught:
        run_task(
            model="m",
            api_url="http://127.0.0.1:9/v1",
            datasets=["gsm8k"],
            work_dir=str(tmp_path),
            model_args=model_args,
        )
    assert str(caught.value) == message


def test_an_unknown_key_of_a_nested_option_gets_the_closest_name(tmp_path):
    from evalscope_general.qa import GeneralQA

    (tmp_path / "s.jsonl").write_text('{"query": "q", "response": "r"}\n', encoding="utf-8")
    judge = {"api_url": "http://127.0.0.1:9/v1", "model": "m", "timout": 5}
    with pytest.raises(ConfigError) as caught:
        GeneralQA(options={"local_path": str(tmp_path), "judge": judge})
    assert (
        str(caught.value)
        == "dataset-args of general_qa: option 'judge': unknown option 'timout'; did you mean 'timeout'?"
    )
