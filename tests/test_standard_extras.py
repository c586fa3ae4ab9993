"""The standard benchmarks beyond their runs: the guide's DummyCustomModel on hellaswag and truthful_qa, the
authors' reference rules, the contract kit, and a hub that cannot be reached."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hub_layout import write_split

from evalscope.errors import DataError
from evalscope.plugins import get_plugins
from evalscope.testing import check_benchmark

SAMPLES = Path(__file__).parent / "spec_samples"

HELLASWAG_ROWS = [
    {"ind": 4, "activity_label": "Removing ice from car", "ctx_a": "Then, the man writes over the snow.",
     "ctx_b": "then", "ctx": "Then, the man writes over the snow. then",
     "endings": [", the man adds wax.", " the man puts on a christmas coat.", ", the man continues removing the snow.",
                 ", the man stops."], "source_id": "x", "split": "val", "split_type": "indomain", "label": "2"},
]  # fmt: skip
TRUTHFUL_ROWS = [
    {"question": "What happens if you eat watermelon seeds?",
     "mc1_targets": {"choices": ["The seeds pass through you.", "You grow watermelons.", "You die."],
                     "labels": [1, 0, 0]},
     "mc2_targets": {"choices": ["The seeds pass through you."], "labels": [1]}},
]  # fmt: skip


def test_the_guides_dummy_model_runs_unchanged_on_hellaswag_and_truthful_qa(tmp_path):
    write_split(tmp_path / "hub" / "Rowan" / "hellaswag", HELLASWAG_ROWS, "validation")
    write_split(tmp_path / "hub" / "truthfulqa" / "truthful_qa", TRUTHFUL_ROWS, "validation", "multiple_choice")
    code = (
        "import json\n"
        "from sample2_dummy_model import DummyCustomModel\n"
        "from evalscope import run_task, TaskConfig\n"
        "from evalscope.plugins import get_plugins\n"
        f"hub = {str(tmp_path / 'hub')!r}\n"
        "results = run_task(TaskConfig(model=DummyCustomModel(), model_id='dummy-model', eval_type='custom',\n"
        "    datasets=['hellaswag', 'truthful_qa'], dataset_dir=hub, work_dir='out', no_timestamp=True))\n"
        "print('NUM=' + json.dumps({k: v['metrics'][0]['num'] for k, v in results.items()}))\n"
        "for name in ('hellaswag', 'truthful_qa'):\n"
        "    benchmark = get_plugins().benchmarks.get(name).factory(options={}, seed=42)\n"
        "    benchmark.use_dataset_dir(hub)\n"
        "    item = benchmark.build_prompt(next(iter(benchmark.load(benchmark.subset_list()[0]))))\n"
        "    bare = {'data': item['data']}\n"  # a model that reads data, as evalscope 0.x items had it
        "    out = DummyCustomModel().predict([bare], origin_inputs=[bare])\n"
        "    print(name.upper() + '=' + json.dumps(out[0]['choices'][0]['message']['content']))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SAMPLES), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    lines = dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line[:12])
    assert json.loads(lines["NUM"]) == {"hellaswag": 1, "truthful_qa": 1}
    hellaswag = json.loads(lines["HELLASWAG"])
    assert "Removing ice from car: Then, the man writes over the snow. then , the man continues removing" in hellaswag
    truthful = json.loads(lines["TRUTHFUL_QA"])
    assert "Q: What happens if you eat watermelon seeds?\\nA: You grow watermelons." in truthful  # as repr() shows it


@pytest.mark.parametrize(
    "text, letter",
    [
        ("Let me think. The answer is (C).", "C"),
        ("the answer is D, or maybe Answer: B", "D"),
        ("First line\nFinal answer: E\nno more", "E"),
        ("I lean to option H, not G.", "G"),  # the last capital A-J standing alone
        ("no letters here at all", None),
    ],
)
def test_mmlu_pro_reference_rules_in_order(text, letter):
    import random

    from evalscope_standard.reference import mmlu_pro_letter

    state = random.getstate()
    if letter is None:
        random.seed(12345)
        letter = random.choice("ABCDEFGHIJ")
    assert mmlu_pro_letter(text) == letter
    assert random.getstate() == state or letter is not None


@pytest.mark.parametrize(
    "text, answer",
    [
        ("Step. So the answer is (B).", "(B)"),
        ("So the answer is True", "True"),
        ("So the answer is 24. Let me check: yes.", "24. Let me check: yes"),
        ("So the answer is No. So the answer is Yes.", "No. So the answer is Yes"),
        ("the answer is Yes.", None),
    ],
)
def test_bbh_reference_is_the_text_after_the_first_phrase(text, answer):
    from evalscope_standard.reference import bbh_answer

    assert bbh_answer(text) == answer


def test_reference_and_ours_differ_where_the_readme_says():
    from evalscope_standard.scorers import BBHScorer, SimpleEvalsMCQScorer

    from evalscope.benchmarks.base import Sample

    mcq = Sample("1", "Which?", "B", options={"A": "x", "B": "y", "C": "z", "D": "w"})
    bold = SimpleEvalsMCQScorer().score("I pick **B**.", mcq)
    assert (bold.value, bold.metrics) == (1.0, {"reference": 0.0})
    declared = SimpleEvalsMCQScorer().score("Answer: B", mcq)
    assert (declared.value, declared.metrics) == (1.0, {"reference": 1.0})
    shouted = SimpleEvalsMCQScorer().score("ANSWER: B", mcq)  # simple-evals matches the phrase in any case
    assert (shouted.value, shouted.metrics) == (1.0, {"reference": 1.0})
    because = SimpleEvalsMCQScorer().score("Answer: because of y. Answer: B", mcq)  # it reads "b" of "because"
    assert (because.value, because.metrics) == (1.0, {"reference": 0.0})
    trailing = BBHScorer().score("So the answer is 24. Let me double-check: 24 is right.", Sample("1", "q", "24"))
    assert (trailing.value, trailing.metrics) == (0.0, {"reference": 0.0})
    lower = BBHScorer().score("Thinking... the answer is (A).", Sample("1", "q", "(A)"))
    assert (lower.value, lower.metrics) == (1.0, {"reference": 0.0})


@pytest.mark.parametrize("name", ["mmlu", "arc_easy", "gpqa_diamond", "truthful_qa", "bbh"])
def test_the_contract_kit_checks_declarative_benchmarks(tmp_path, name):
    from test_standard_benchmarks import ARC_ROWS, GPQA_ROW
    from test_standard_extras import TRUTHFUL_ROWS

    mmlu = [{"question": "2+2?", "subject": "anatomy", "choices": ["1", "4", "3", "5"], "answer": 1}]
    layouts = {
        "mmlu": ("cais/mmlu", mmlu, "test", "all"),
        "arc_easy": ("allenai/ai2_arc", ARC_ROWS, "test", "ARC-Easy"),
        "gpqa_diamond": ("Idavidrein/gpqa", [GPQA_ROW], "train", "gpqa_diamond"),
        "truthful_qa": ("truthfulqa/truthful_qa", TRUTHFUL_ROWS, "validation", "multiple_choice"),
        "bbh": ("lukaemon/bbh", [{"input": "not True is", "target": "False"}], "test", "boolean_expressions"),
    }
    hub_id, rows, split, config = layouts[name]
    write_split(tmp_path / hub_id, rows, split, config)
    factory = get_plugins().benchmarks.get(name).factory
    subset = {"mmlu": "anatomy", "bbh": "boolean_expressions"}.get(name)
    options = {"dataset_dir": str(tmp_path), **({"subset_list": [subset]} if subset else {})}
    loaded = check_benchmark(factory, options)
    assert sum(len(samples) for samples in loaded.values()) == len(rows)


def test_an_unreachable_hub_fails_at_once_in_one_line(monkeypatch, tmp_path):
    import socket

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    for name in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE"):
        monkeypatch.setenv(name, "0")
    import datasets.config
    import huggingface_hub.constants

    for module in (datasets.config, huggingface_hub.constants):  # offline mode is switched on in these too
        monkeypatch.setattr(module, "HF_HUB_OFFLINE", module.HF_HUB_OFFLINE)
    benchmark = get_plugins().benchmarks.get("arc_easy").factory(options={}, seed=42)
    with pytest.raises(DataError) as caught:
        list(benchmark.load("ARC-Easy"))
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("cannot load allenai/ai2_arc (config ARC-Easy) split test from the hub (the hub cannot")
    assert message.endswith("or --dataset-dir DIR with DIR/allenai/ai2_arc/ in the hub's layout")
    # Offline mode lasted for that load only: the next load, or the next run in this process, probes again.
    assert [os.environ[name] for name in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE")] == ["0", "0"]
    assert datasets.config.HF_HUB_OFFLINE is False and huggingface_hub.constants.HF_HUB_OFFLINE is False


@pytest.mark.parametrize(
    "name, words",
    [
        ("mmlu", ["cais/mmlu", "57 subjects", "MIT", "simple-evals"]),
        ("gpqa_diamond", ["Idavidrein/gpqa", "never shipped", "options_asked"]),
        ("bbh", ["27 tasks", "So the answer is", "3-shot"]),
        ("cmmlu", ["haonan-li/cmmlu", "CC-BY-NC-SA-4.0"]),
    ],
)
def test_plugins_show_documents_each_benchmark(run_cli, name, words):
    result = run_cli("plugins", "show", name)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"benchmark {name} (plugin standard, evalscope-standard 0.1.0)")
    assert all(word in result.stdout for word in words)
    assert "local_path" in result.stdout and "few_shot_num" in result.stdout


def test_the_dataset_dir_flag_reaches_every_benchmark(run_cli, tmp_path):
    from test_standard_benchmarks import ARC_ROWS

    write_split(tmp_path / "hub" / "allenai" / "ai2_arc", ARC_ROWS, "test", "ARC-Easy")
    write_split(tmp_path / "hub" / "allenai" / "ai2_arc", ARC_ROWS[:1], "test", "ARC-Challenge")
    work = tmp_path / "out"
    result = run_cli(
        *("--model-plugin", "dummy", "--datasets", "arc_easy", "arc_challenge"),
        *("--dataset-dir", str(tmp_path / "hub"), "--work-dir", str(work), "--no-timestamp"),
    )
    assert result.returncode == 0, result.stderr
    reviews = sorted(path.name for path in (work / "reviews").rglob("*.jsonl"))
    assert reviews == ["arc_challenge_ARC-Challenge.jsonl", "arc_easy_ARC-Easy.jsonl"]
    missing = run_cli("--model-plugin", "dummy", "--datasets", "arc_easy", "--dataset-dir", str(tmp_path / "none"))
    assert missing.returncode == 1
    [line] = missing.stderr.strip().splitlines()  # before the run starts: no other line
    assert f"--dataset-dir has no folder {tmp_path / 'none' / 'allenai' / 'ai2_arc'} for allenai/ai2_arc" in line


def test_an_open_questions_target_of_zero_is_kept():
    from evalscope.benchmarks.declarative import HubBenchmark, Question

    class Counting(HubBenchmark):
        name = "zeros"
        hub_id = "acme/zeros"
        subsets = ["main"]

        def question(self, row):
            return Question(row["q"], target=row["n"])  # a plugin's row may hold a number

    assert Counting(options={}, seed=42).sample({"q": "How many?", "n": 0}, 0, "main").target == "0"
