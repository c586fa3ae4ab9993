"""The GSM8K benchmark: options, data loading (bundled, local files, broken files), prompts and few-shot."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from evalscope_gsm8k.data import DATA_DIR

from evalscope.errors import ConfigError, DataError
from evalscope.plugins import get_plugins


def make_benchmark(options: dict | None = None, seed: int = 42):
    """Build ``gsm8k`` the way the runner does: through the registered factory."""
    return get_plugins().benchmarks.get("gsm8k").factory(options=options or {}, seed=seed)


def train_rows(count: int) -> list[dict]:
    with (DATA_DIR / "train.jsonl").open(encoding="utf-8") as handle:
        return [json.loads(next(handle)) for _ in range(count)]


def write_rows(path: Path, rows: list) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


ROWS = [
    {"question": "Ann has 2 apples and buys 3. How many?", "answer": "2+3=<<2+3=5>>5\n#### 5"},
    {"question": "Bob owes $1,200 and pays 200. What is left?", "answer": "1200-200=<<1200-200=1000>>1000\n#### 1,000"},
    {"question": "A drop of 13 from 10 gives?", "answer": "10-13=-3\n#### -3"},
]


# --- plugin registration and start-up ---------------------------------------------------------------


def test_plugin_registers_benchmark_and_scorer():
    plugins = get_plugins()
    assert plugins.benchmarks.get("gsm8k").plugin == "gsm8k"
    assert plugins.scorers.get("gsm8k").plugin == "gsm8k"
    assert make_benchmark().scorer == "gsm8k"


def test_plugin_import_and_bundled_run_stay_light():
    """Start-up imports neither the benchmark module nor ``datasets``; loading the bundled copy doesn't either."""
    code = (
        "import sys\n"
        "from evalscope.plugins import get_plugins\n"
        "plugins = get_plugins()\n"
        "assert 'datasets' not in sys.modules and 'evalscope_gsm8k.benchmark' not in sys.modules\n"
        "bench = plugins.benchmarks.get('gsm8k').factory(options={}, seed=42)\n"
        "samples = list(bench.load('main'))\n"
        "bench.build_prompt(samples[0])\n"
        "print(len(samples), 'datasets' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["1319", "False"]


# --- options ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"few_shot_nm": 2}, "unknown option 'few_shot_nm'; did you mean 'few_shot_num'?"),
        ({"few_shot_num": 9}, "option 'few_shot_num': must be a whole number from 0 to 8"),
        ({"few_shot_num": -1}, "option 'few_shot_num': must be a whole number from 0 to 8"),
        ({"few_shot_num": "four"}, "option 'few_shot_num': must be a whole number (got 'four')"),
        ({"few_shot_random": "sometimes"}, "option 'few_shot_random': must be true or false (got 'sometimes')"),
        ({"dataset_hub": "modelscope"}, "option 'dataset_hub': must be 'local' (the copy bundled"),
        ({"prompt_template": "Solve: {question}"}, "option 'prompt_template': must contain {query}"),
        ({"subset_list": ["socratic"]}, "option 'subset_list': unknown subset 'socratic'; gsm8k has one subset"),
        ({"subset_list": []}, "option 'subset_list': must name at least one subset"),
        ({"local_path": "/nonexistent/gsm8k"}, "option 'local_path': no such file or folder"),
    ],
)
def test_bad_options_fail_with_one_line_naming_the_option(options, message):
    with pytest.raises(ConfigError) as caught:
        make_benchmark(options)
    text = str(caught.value)
    assert text.startswith("dataset-args of gsm8k: ")
    assert message in text
    assert "\n" not in text


def test_local_path_folder_without_test_split_is_rejected(tmp_path):
    with pytest.raises(ConfigError, match="option 'local_path': the folder has no test.jsonl"):
        make_benchmark({"local_path": str(tmp_path)})


def test_local_path_and_huggingface_hub_exclude_each_other(tmp_path):
    path = write_rows(tmp_path / "mine.jsonl", ROWS)
    with pytest.raises(ConfigError, match="local_path and dataset_hub 'huggingface' exclude each other"):
        make_benchmark({"local_path": str(path), "dataset_hub": "huggingface"})


def test_huggingface_hub_offline_fails_with_a_clear_error(tmp_path):
    """Without network the hub source fails with one line that names the data set and the way out."""
    code = (
        "from evalscope.plugins import get_plugins\n"
        "from evalscope.errors import DataError\n"
        "bench = get_plugins().benchmarks.get('gsm8k').factory(options={'dataset_hub': 'huggingface'}, seed=1)\n"
        "try:\n"
        "    list(bench.load('main'))\n"
        "except DataError as exc:\n"
        "    print(exc)\n"
    )
    env = {
        **os.environ,
        "HF_HOME": str(tmp_path / "hf"),
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
    }
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    line = result.stdout.strip()
    assert line.startswith("gsm8k: cannot load openai/gsm8k (config main, split test) from the Hugging Face hub: ")
    assert line.endswith("set dataset_hub to 'local' to use the bundled copy")
    assert "\n" not in line


# --- loading ----------------------------------------------------------------------------------------


def test_bundled_test_split_loads_with_stable_ids_and_gold_numbers():
    samples = list(make_benchmark().load("main"))
    assert len(samples) == 1319
    assert [sample.id for sample in samples] == [str(index) for index in range(1319)]
    first = samples[0]
    assert first.input.startswith("Janet’s ducks lay 16 eggs per day.")
    assert first.target == "18"
    assert set(first.raw) == {"question", "answer"}
    assert first.raw["answer"].endswith("#### 18")
    targets = {sample.target for sample in samples}
    assert "-3" in targets and "1450000" in targets  # signs kept, thousands separators removed
    assert not any("," in target for target in targets)
    again = list(make_benchmark({"few_shot_num": 0}).load("main"))
    assert [(s.id, s.input, s.target) for s in again] == [(s.id, s.input, s.target) for s in samples]


def test_local_path_file_is_the_test_split(tmp_path):
    path = write_rows(tmp_path / "mine.jsonl", ROWS)
    bench = make_benchmark({"local_path": str(path), "few_shot_num": 1})
    samples = list(bench.load("main"))
    assert [(s.id, s.target) for s in samples] == [("0", "5"), ("1", "1000"), ("2", "-3")]
    # no train split next to a single file: exemplars come from the bundled train split
    assert bench.few_shot_examples() == train_rows(1)


def test_local_path_folder_uses_its_own_train_split(tmp_path):
    write_rows(tmp_path / "test.jsonl", ROWS[:2])
    write_rows(tmp_path / "train.jsonl", [ROWS[2], ROWS[0]])
    bench = make_benchmark({"local_path": str(tmp_path), "few_shot_num": 2})
    assert [s.target for s in list(bench.load("main"))] == ["5", "1000"]
    prompt = bench.format_prompt("Q?")
    assert "Question: A drop of 13 from 10 gives?\nAnswer: 10-13=-3\nThe answer is -3.\n\n" in prompt
    assert "Answer: 2+3=5\nThe answer is 5.\n\nQuestion: Q?\nAnswer:" in prompt


def test_local_path_folder_without_train_split_uses_the_bundled_one(tmp_path):
    write_rows(tmp_path / "test.jsonl", ROWS)
    bench = make_benchmark({"local_path": str(tmp_path), "few_shot_num": 3})
    assert bench.few_shot_examples() == train_rows(3)


def test_blank_lines_are_skipped(tmp_path):
    path = tmp_path / "mine.jsonl"
    path.write_text(json.dumps(ROWS[0]) + "\n\n" + json.dumps(ROWS[1]) + "\n\n", encoding="utf-8")
    assert [s.id for s in list(make_benchmark({"local_path": str(path)}).load("main"))] == ["0", "1"]


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        ('{"question": "q", "answer": "#### 1"', "not valid JSON (Expecting ',' delimiter at column 37)"),
        ('["q", "#### 1"]', "expected a JSON object with 'question' and 'answer', got list"),
        ('{"question": "How many?"}', "row has no 'answer' (keys: question)"),
        ('{"answer": "#### 4"}', "row has no 'question' (keys: answer)"),
        ('{"question": "", "answer": "#### 4"}', "'question' must be a non-empty string, got ''"),
        ('{"question": "q", "answer": 4}', "'answer' must be a non-empty string, got 4"),
        ('{"question": "q", "answer": "It is 4."}', "'answer' has no final '#### <number>' line"),
        ('{"question": "q", "answer": "#### four"}', "the final answer after '####' is not a number: 'four'"),
    ],
)
def test_broken_data_line_fails_with_file_and_line(tmp_path, bad_line, message):
    path = tmp_path / "mine.jsonl"
    path.write_text(json.dumps(ROWS[0]) + "\n" + json.dumps(ROWS[1]) + "\n" + bad_line + "\n", encoding="utf-8")
    bench = make_benchmark({"local_path": str(path)})
    with pytest.raises(DataError) as caught:
        list(bench.load("main"))
    assert str(caught.value) == f"{path}:3: {message}"


def test_broken_train_split_fails_with_file_and_line(tmp_path):
    write_rows(tmp_path / "test.jsonl", ROWS)
    (tmp_path / "train.jsonl").write_text(json.dumps(ROWS[0]) + "\n{oops\n", encoding="utf-8")
    bench = make_benchmark({"local_path": str(tmp_path), "few_shot_num": 2})
    with pytest.raises(DataError, match=r"train\.jsonl:2: not valid JSON"):
        bench.build_prompt(list(bench.load("main"))[0])


def test_empty_and_undecodable_files_are_data_errors(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    with pytest.raises(DataError, match="empty.jsonl: no rows"):
        list(make_benchmark({"local_path": str(empty)}).load("main"))
    binary = tmp_path / "binary.jsonl"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(DataError, match="binary.jsonl: not UTF-8 text"):
        list(make_benchmark({"local_path": str(binary)}).load("main"))


def test_few_shot_larger_than_the_train_split_is_a_data_error(tmp_path):
    write_rows(tmp_path / "test.jsonl", ROWS)
    write_rows(tmp_path / "train.jsonl", ROWS[:2])
    bench = make_benchmark({"local_path": str(tmp_path), "few_shot_num": 3})
    with pytest.raises(DataError, match="few_shot_num is 3 but the train split has 2 rows"):
        bench.few_shot_examples()


# --- prompts ----------------------------------------------------------------------------------------


def test_default_prompt_is_four_fixed_chain_of_thought_exemplars_then_the_question():
    bench = make_benchmark()
    sample = list(bench.load("main"))[0]
    prompt = bench.build_prompt(sample)
    text = prompt["messages"][0]["content"]
    assert prompt["messages"] == [{"role": "user", "content": text}]
    assert prompt["data"] == [text]
    assert prompt["system_prompt"] is None
    assert text.startswith("Solve the following math word problem. Let's think step by step, ")
    assert 'finish with "The answer is N."' in text
    assert text.endswith(f"Question: {sample.input}\nAnswer:")
    assert text.count("Question: ") == 5
    first = train_rows(1)[0]
    assert (
        f"Question: {first['question']}\nAnswer: Natalia sold 48/2 = 24 clips in May.\n"
        "Natalia sold 48+24 = 72 clips altogether in April and May.\nThe answer is 72.\n\n"
    ) in text
    assert "<<" not in text and "####" not in text


@pytest.mark.parametrize("count", range(9))
def test_few_shot_num_shows_that_many_exemplars_in_train_order(count):
    bench = make_benchmark({"few_shot_num": count})
    text = bench.format_prompt("What is 1 + 1?")
    assert text.count("Question: ") == count + 1
    questions = [row["question"] for row in train_rows(count)]
    positions = [text.index(f"Question: {question}\n") for question in questions]
    assert positions == sorted(positions)
    assert text.count("The answer is ") == count + 1  # each exemplar, plus the instruction


def test_prompt_is_the_same_for_every_run():
    one = make_benchmark(seed=1).format_prompt("Q?")
    two = make_benchmark(seed=2).format_prompt("Q?")
    assert one == two


def test_few_shot_random_is_reproducible_with_the_seed():
    first = make_benchmark({"few_shot_random": True}, seed=7).few_shot_examples()
    again = make_benchmark({"few_shot_random": True}, seed=7).few_shot_examples()
    other = make_benchmark({"few_shot_random": True}, seed=8).few_shot_examples()
    assert len(first) == 4
    assert first == again
    assert first != other
    assert first != train_rows(4)
    text = make_benchmark({"few_shot_random": True}, seed=7).format_prompt("Q?")
    assert all(f"Question: {row['question'].strip()}\n" in text for row in first)


def test_system_prompt_becomes_a_system_message():
    bench = make_benchmark({"system_prompt": "You are a careful math tutor.", "few_shot_num": 0})
    prompt = bench.build_prompt(list(bench.load("main"))[1])
    assert prompt["system_prompt"] == "You are a careful math tutor."
    assert [message["role"] for message in prompt["messages"]] == ["system", "user"]
    assert prompt["messages"][0]["content"] == "You are a careful math tutor."


def test_custom_template_places_exemplars_and_keeps_other_braces():
    template = "{few_shot}Problem: {query}\nPut the final answer in \\boxed{}."
    bench = make_benchmark({"prompt_template": template, "few_shot_num": 1})
    text = bench.format_prompt("How many legs has a {cat}?")
    assert text.startswith(f"Question: {train_rows(1)[0]['question']}\nAnswer: ")
    assert text.endswith("\n\nProblem: How many legs has a {cat}?\nPut the final answer in \\boxed{}.")


def test_template_without_few_shot_placeholder_gets_exemplars_first():
    bench = make_benchmark({"prompt_template": "{query}\nThink step by step.", "few_shot_num": 2})
    text = bench.format_prompt("Q?")
    assert text.startswith("Question: ")
    assert text.endswith("The answer is 10.\n\nQ?\nThink step by step.")


def test_zero_shot_prompt_is_instruction_and_question():
    bench = make_benchmark({"few_shot_num": 0})
    assert bench.format_prompt("Q?") == (
        "Solve the following math word problem. Let's think step by step, "
        'then finish with "The answer is N." where N is the final number.\n\nQuestion: Q?\nAnswer:'
    )
