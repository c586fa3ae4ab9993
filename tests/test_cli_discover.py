"""Finding one's way from the command line: `plugins show`, help texts and error wording, as a user runs them."""

from __future__ import annotations

import json
import re

import pytest

from evalscope.config import TaskConfig


def option_lines(text: str) -> dict[str, str]:
    """``{option: "type (default ...)"}`` from the option lines of `plugins show` output."""
    return dict(re.findall(r"^  (\w+): (.+)$", text, flags=re.MULTILINE))


def test_show_prints_a_benchmarks_description_and_options_with_types_and_defaults(run_cli):
    result = run_cli("plugins", "show", "gsm8k")
    assert result.returncode == 0, result.stderr
    benchmark, scorer = result.stdout.split("\n\n")
    assert benchmark.startswith(
        "benchmark gsm8k (plugin gsm8k, evalscope-gsm8k 0.1.0)\n  GSM8K: 1319 grade-school math word problems"
    )
    options = option_lines(benchmark)
    assert options["few_shot_num"] == "int (default 4)"
    assert options["local_path"] == "str | None (default null)"
    assert options["dataset_hub"] == 'str (default "local")'
    assert options["subset_list"] == "list[str] | None (default null)"  # every benchmark's options too
    assert "Solved train problems before each question, 0 to 8" in benchmark
    # gsm8k is also a scorer's name: both are shown.
    assert scorer.startswith("scorer gsm8k (plugin gsm8k, evalscope-gsm8k 0.1.0)\n  The final number of the answer")


def test_show_json_gives_each_kind_registered_under_the_name(run_cli):
    result = run_cli("plugins", "show", "gsm8k", "--json")
    assert result.returncode == 0, result.stderr
    entries = json.loads(result.stdout)
    assert [(entry["kind"], entry["name"], entry["plugin"], entry["distribution"]) for entry in entries] == [
        ("benchmark", "gsm8k", "gsm8k", "evalscope-gsm8k"),
        ("scorer", "gsm8k", "gsm8k", "evalscope-gsm8k"),
    ]
    few_shot = next(option for option in entries[0]["options"] if option["name"] == "few_shot_num")
    assert few_shot == {
        "name": "few_shot_num",
        "type": "int",
        "default": 4,
        "required": False,
        "description": "Solved train problems before each question, 0 to 8",
    }
    template = next(option for option in entries[0]["options"] if option["name"] == "prompt_template")
    from evalscope_gsm8k.benchmark import DEFAULT_PROMPT_TEMPLATE

    assert template["default"] == DEFAULT_PROMPT_TEMPLATE  # whole, not shortened
    assert entries[1]["options"] is None


def test_show_a_model_lists_its_model_args(run_cli):
    result = run_cli("plugins", "show", "openai_api", "--json")
    assert result.returncode == 0, result.stderr
    [entry] = json.loads(result.stdout)
    options = {option["name"]: option for option in entry["options"]}
    assert entry["kind"] == "model"
    assert options["retries"]["default"] == 5 and options["retries"]["type"] == "int"
    assert options["headers"]["default"] == {}
    assert options["model"]["required"] is True
    text = run_cli("plugins", "show", "openai_api").stdout
    assert "options (--model-args key=value,...):" in text
    assert option_lines(text)["timeout_retries"] == "int (default 1)"


def test_show_reads_a_third_party_benchmarks_options_from_its_class(run_cli):
    result = run_cli("plugins", "show", "quiz")
    assert result.returncode == 0, result.stderr
    options = option_lines(result.stdout)
    assert options["hf_token"] == "str | None (default null)"
    assert options["repeat_id"] == "str | None (default null)"
    assert result.stdout.startswith(
        "benchmark quiz (plugin echo-quiz, evalscope-echo-quiz 1.2.3)\n  Five fixed questions, scored by exact match."
    )


def test_show_a_model_without_declared_options_says_so(run_cli):
    result = run_cli("plugins", "show", "echo-answer")
    assert result.returncode == 0, result.stderr
    assert "options: not declared" in result.stdout


def installed(kind: str) -> str:
    """The names of one kind (``benchmarks``, ``scorers``, ``sandboxes``) installed plugins register, as errors list."""
    from evalscope.plugins import get_plugins

    return ", ".join(sorted(getattr(get_plugins(), kind).names()))


def test_show_an_unknown_name_is_one_line_listing_each_kinds_names(run_cli):
    result = run_cli("plugins", "show", "gsm9k")
    assert result.returncode == 1
    assert result.stdout == ""
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(
        "evalscope: error: no benchmark, model, scorer or sandbox is named 'gsm9k' (did you mean 'gsm8k'?);"
    )
    assert f"benchmarks: {installed('benchmarks')};" in line
    assert "models: dummy, echo-answer, llama_cpp, openai_api;" in line  # as README installs them
    assert f"; scorers: {installed('scorers')}; sandboxes: {installed('sandboxes')}" in line
    assert {"gsm8k", "mmlu", "bbh", "ifeval", "math_500", "general_mcq"} <= set(installed("benchmarks").split(", "))
    assert line.endswith("; sandboxes: bwrap, process")  # as README installs them


def test_plugins_list_is_the_same_as_plugins(run_cli):
    listed = run_cli("plugins", "list")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout == run_cli("plugins").stdout
    assert json.loads(run_cli("plugins", "list", "--json").stdout) == json.loads(run_cli("plugins", "--json").stdout)


FLAG_DEFAULTS = {
    "eval_batch_size": "(default 1)",
    "seed": "(default 42)",
    "work_dir": "(default ./outputs)",
    "timeout": "(default 1200)",
    "retries": "(default 5)",
    "api_mode": "(default chat)",
    "stream": "(default off)",
    "debug": "(default off)",
    "ignore_errors": "(default off",
    "no_timestamp": "(default off",
}


def test_eval_help_shows_the_defaults_and_two_examples(run_cli):
    result = run_cli("eval", "--help")
    assert result.returncode == 0
    helps = {
        block.split()[0]: " ".join(block.split())
        for block in re.split(r"\n(?=  --)", result.stdout.split("examples:")[0])
        if block.startswith("  --")
    }
    for field, shown in FLAG_DEFAULTS.items():
        default = TaskConfig.model_fields[field].default
        assert default is False or str(default).replace(".0", "") in shown, field  # the text matches the config
        assert shown in helps["--" + field.replace("_", "-")], field
    examples = result.stdout.split("examples:\n", 1)[1]
    commands = [line.strip() for line in examples.splitlines() if line.startswith("  evalscope ")]
    assert len(commands) == 2
    assert commands[0] == "evalscope --model-plugin dummy --datasets gsm8k --limit 5"


def test_eval_help_says_what_model_means_for_each_kind_and_that_api_url_repeats(run_cli):
    result = run_cli("eval", "--help")
    helps = {
        block.split()[0]: " ".join(block.split())
        for block in re.split(r"\n(?=  --)", result.stdout.split("examples:")[0])
        if block.startswith("  --")
    }
    model = helps["--model"]
    assert "with --api-url, the model name the API serves" in model
    assert "with --model-plugin, what that plugin loads (llama_cpp: a GGUF file path;" in model
    assert "vllm, sglang: a Hugging Face id or checkpoint folder" in model
    assert "repeat it for several endpoints serving the same model" in helps["--api-url"]


def test_top_level_help_lists_every_eval_flag(run_cli):
    top = run_cli("--help").stdout
    eval_help = run_cli("eval", "--help").stdout
    flags = sorted(set(re.findall(r"^  (--[a-z-]+)", eval_help, flags=re.MULTILINE)) - {"--help"})
    assert len(flags) > 20
    assert "`evalscope eval --help` explains each" in top
    for flag in flags:
        assert re.search(rf"(?<![\w-]){flag}(?![\w-])", top), flag


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--eval-batch-size", "0"], "--eval-batch-size must be at least 1 (got 0)"),
        (["--limit", "0"], "--limit must be at least 1 (got 0)"),
        (["--retries", "-1"], "--retries must be at least 0 (got -1)"),
        (["--timeout", "0"], "--timeout must be greater than 0 (got 0.0)"),
        (["--api-mode", "fast"], "--api-mode must be 'chat' or 'completion' (got 'fast')"),
    ],
)
def test_a_bad_flag_value_is_named_by_its_flag(run_cli, tmp_path, flags, message):
    result = run_cli("--model-plugin", "dummy", "--datasets", "quiz", *flags, "--work-dir", str(tmp_path))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [f"evalscope: error: {message}"]
    assert not any(tmp_path.iterdir())


def test_from_python_the_field_is_named():
    from evalscope.errors import ConfigError

    with pytest.raises(ConfigError, match=r"^TaskConfig: option 'eval_batch_size': .*\(got 0\)$"):
        TaskConfig(datasets=["quiz"], eval_batch_size=0)


def test_a_bad_value_from_the_config_file_is_named_as_in_the_file(run_cli, tmp_path):
    config = tmp_path / "task.json"
    config.write_text(json.dumps({"datasets": ["quiz"], "eval_batch_size": 0}))
    result = run_cli("--config", str(config), "--model-plugin", "dummy", "--work-dir", str(tmp_path / "out"))
    assert result.returncode == 1
    assert "option 'eval_batch_size'" in result.stderr and "--eval-batch-size" not in result.stderr


def test_datasets_separated_by_commas_run_each(run_cli, tmp_path):
    result = run_cli(
        "--model-plugin", "dummy", "--datasets", "quiz,gsm8k", "--limit", "2", "--work-dir", str(tmp_path),
        "--no-timestamp",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert sorted(path.name for path in (tmp_path / "reports" / "dummy").iterdir()) == [
        "gsm8k.json",
        "quiz.json",
    ]


def test_datasets_in_a_list_may_hold_commas_too():
    assert TaskConfig(datasets=["quiz, gsm8k", "quiz"]).datasets == ["quiz", "gsm8k"]


def test_an_unknown_benchmark_says_how_to_list_them_and_how_to_use_own_data(run_cli, tmp_path):
    result = run_cli("--model-plugin", "dummy", "--datasets", "my_questions", "--work-dir", str(tmp_path))
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(
        f"evalscope: error: unknown benchmark 'my_questions'; known benchmarks: {installed('benchmarks')}"
    )
    assert "`evalscope plugins`" in line
    assert "general_mcq or general_qa" in line


def test_show_lists_the_own_data_benchmarks_options(run_cli):
    result = run_cli("plugins", "show", "general_mcq", "--json")
    assert result.returncode == 0, result.stderr
    benchmark = next(entry for entry in json.loads(result.stdout) if entry["kind"] == "benchmark")
    options = {option["name"]: option for option in benchmark["options"]}
    assert options["few_shot_num"]["default"] == 0
    assert options["local_path"]["type"] == "str | None"
    qa = option_lines(run_cli("plugins", "show", "general_qa").stdout)
    assert qa["judge"] == "JudgeOptions | None (default null)"  # a class is named without its module


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (
            ["--datasets", "quiz", "--dataset-args", '{"quizz": {}}', "--model-plugin", "dummy"],
            "--dataset-args names 'quizz', which is not among --datasets (quiz)",
        ),
        (
            ["--datasets", "quiz", "--eval-type", "custom"],
            "--eval-type custom needs a model object, which only Python can pass "
            "(TaskConfig(model=<CustomModel instance>)); from the command line use --model-plugin NAME, "
            "or --model NAME with --api-url URL",
        ),
        (["--datasets", "quiz", "--eval-type", "plugin"], "--eval-type plugin needs --model-plugin NAME"),
        (
            ["--datasets", "quiz", "--eval-type", "service", "--model", "qwen"],
            "--eval-type service needs --api-url URL (an OpenAI-compatible server)",
        ),
        (
            ["--datasets", "quiz", "--model", "qwen"],
            "--model names a model served by an API: add --api-url URL (an OpenAI-compatible server), "
            "or run a registered model with --model-plugin NAME",
        ),
        (
            ["--datasets", "quiz", "--api-url", "http://127.0.0.1:9/v1"],
            "an API model needs --model NAME (the model name the server knows)",
        ),
        (
            ["--model-plugin", "dummy"],
            "no datasets given; pass --datasets NAME (installed: aime24, aime25, arc_challenge",
        ),
        (["--datasets", "quiz"], "no model given: pass --model-plugin NAME, or --model NAME with --api-url URL"),
    ],
)
def test_a_config_problem_from_the_command_line_names_flags(run_cli, tmp_path, flags, message):
    result = run_cli(*flags, "--work-dir", str(tmp_path))
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"evalscope: error: {message}")
    assert "TaskConfig(model=" in line or "=" not in line.split("(installed")[0]  # no field=value for CLI users
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            {"datasets": ["quiz"], "dataset_args": {"quizz": {}}, "model_plugin": "dummy"},
            "dataset_args names 'quizz', which is not in datasets ['quiz']",
        ),
        (
            {"datasets": ["quiz"], "eval_type": "custom"},
            "eval_type 'custom' needs model=<an instance of your CustomModel subclass>",
        ),
        ({"datasets": ["quiz"], "eval_type": "plugin"}, "eval_type 'plugin' needs model_plugin=NAME"),
        ({"datasets": ["quiz"], "model": "qwen"}, "eval_type 'service' needs api_url="),
        ({"datasets": ["quiz"], "api_url": "http://127.0.0.1:9/v1"}, "an API model needs model=NAME"),
        (
            {"model_plugin": "dummy"},
            "no datasets given; set datasets=[NAME, ...] (installed: aime24, aime25, arc_challenge",
        ),
        ({"datasets": ["quiz"]}, "no model given: set model=<CustomModel instance>, model_plugin=NAME"),
    ],
)
def test_the_same_problem_from_python_names_the_config_fields(tmp_path, config, message):
    from evalscope import run_task
    from evalscope.errors import ConfigError

    with pytest.raises(ConfigError) as caught:
        run_task(TaskConfig(**config, work_dir=str(tmp_path)))
    assert str(caught.value).startswith(message)
    assert "--" not in str(caught.value)
    assert not any(tmp_path.iterdir())


def test_an_absent_subset_fails_before_a_run_folder_is_made(run_cli, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "math_val.csv").write_text("question,A,B,answer\nOne plus one?,1,2,B\n", encoding="utf-8")
    out = tmp_path / "out"
    args = json.dumps({"general_mcq": {"local_path": str(data), "subset_list": ["physics"]}})
    result = run_cli(
        "--model-plugin", "dummy", "--datasets", "general_mcq", "--dataset-args", args, "--work-dir", str(out)
    )
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert "subset 'physics' not found" in line and line.endswith("found: math")
    assert not out.exists()
