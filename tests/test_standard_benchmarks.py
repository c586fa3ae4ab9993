"""The standard benchmarks run end to end from local copies in their hub layout, built here."""

from __future__ import annotations

from pathlib import Path

import pytest
from hub_layout import shared_rows, write_split
from run_folders import read_jsonl

from evalscope import TaskConfig, run_task
from evalscope.errors import ConfigError
from evalscope.models import CustomModel
from evalscope.plugins import get_plugins


class AnswerModel(CustomModel):
    """Answers each prompt with ``answer(origin_input)``."""

    def __init__(self, answer, **kwargs):
        super().__init__(**kwargs)
        self.answer = answer
        self.seen: list[dict] = []

    def predict(self, prompts, **kwargs):
        """One chat.completion per prompt."""
        self.seen.extend(kwargs["origin_inputs"])
        return [
            {"choices": [{"index": 0, "message": {"role": "assistant", "content": self.answer(item)}}]}
            for item in kwargs["origin_inputs"]
        ]


def run(tmp_path: Path, name: str, model: CustomModel, **config) -> dict:
    task = TaskConfig(
        model=model,
        model_id="m",
        datasets=[name],
        eval_type="custom",
        work_dir=str(tmp_path / "out"),
        no_timestamp=True,
        eval_batch_size=16,
        **config,
    )
    return run_task(task)[name]


def reviews(tmp_path: Path, name: str, subset: str) -> list[dict]:
    return read_jsonl(tmp_path / "out" / "reviews" / "m" / f"{name}_{subset}.jsonl")


def predictions(tmp_path: Path, name: str, subset: str) -> list[dict]:
    return read_jsonl(tmp_path / "out" / "predictions" / "m" / f"{name}_{subset}.jsonl")


@pytest.fixture(scope="module")
def mmlu_dir(tmp_path_factory) -> Path:
    """``cais/mmlu`` with its ``all`` config (test and dev) in parquet, from the full MMLU test set."""
    root = tmp_path_factory.mktemp("hub")
    write_split(root / "cais" / "mmlu", shared_rows("mmlu/test.jsonl"), "test", "all")
    write_split(root / "cais" / "mmlu", shared_rows("mmlu/dev.jsonl"), "dev", "all")
    return root


def test_mmlu_test_set_comes_out_as_57_subjects(mmlu_dir):
    benchmark = get_plugins().benchmarks.get("mmlu").factory(options={}, seed=42)
    benchmark.use_dataset_dir(str(mmlu_dir))
    counts = {subset: len(list(benchmark.load(subset))) for subset in benchmark.subset_list()}
    assert len(counts) == 57
    assert sum(counts.values()) == 14042
    assert counts["abstract_algebra"] == 100 and counts["professional_law"] == 1534


def test_mmlu_runs_from_dataset_dir_with_five_exemplars_and_the_reference_metric(tmp_path, mmlu_dir):
    model = AnswerModel(lambda item: f"Some thought.\nAnswer: {'ABCD'[item['raw']['answer']]}")
    report = run(
        tmp_path,
        "mmlu",
        model,
        dataset_dir=str(mmlu_dir),
        limit=3,
        dataset_args={"mmlu": {"few_shot_num": 5, "subset_list": ["college_physics", "formal_logic"]}},
    )
    assert report["score"] == 1.0
    assert report["metrics"][0]["metric_scores"]["reference"]["score"] == 1.0
    physics = reviews(tmp_path, "mmlu", "college_physics")
    assert [review["sample_id"] for review in physics] == ["0", "1", "2"]
    prompt = predictions(tmp_path, "mmlu", "college_physics")[0]["prompt"]["messages"][-1]["content"]
    assert prompt.count("\nAnswer: ") == 5 and prompt.endswith(
        "D) an average of 10 times, with an rms deviation of about 0.1"
    )
    assert (
        model.seen[0]["raw"]
        == shared_rows("mmlu/test.jsonl")[
            next(i for i, row in enumerate(shared_rows("mmlu/test.jsonl")) if row["subject"] == "college_physics")
        ]
    )


def test_mmlu_rejects_more_than_five_exemplars():
    factory = get_plugins().benchmarks.get("mmlu").factory
    with pytest.raises(ConfigError, match="few_shot_num is 6; at most 5 from the dev split"):
        factory(options={"few_shot_num": 6}, seed=42)


def test_a_missing_local_copy_is_one_line_naming_it(tmp_path):
    with pytest.raises(Exception) as caught:
        run(tmp_path, "mmlu", AnswerModel(lambda item: "A"), dataset_dir=str(tmp_path / "nowhere"), limit=1)
    message = str(caught.value)
    assert "\n" not in message
    assert f"--dataset-dir has no folder {tmp_path / 'nowhere' / 'cais' / 'mmlu'} for cais/mmlu" in message


def test_a_local_copy_without_the_split_says_where_it_looked(tmp_path):
    write_split(tmp_path / "arc", [{"id": "x"}], "train", "ARC-Easy")
    with pytest.raises(Exception) as caught:
        run(
            tmp_path,
            "arc_easy",
            AnswerModel(lambda item: "A"),
            dataset_args={"arc_easy": {"local_path": str(tmp_path / "arc")}},
        )
    assert str(caught.value).startswith(f"no test split of allenai/ai2_arc (config ARC-Easy) in {tmp_path / 'arc'}")


def test_mmlu_pro_scores_our_letter_and_the_authors_rules(tmp_path):
    rows = shared_rows("mmlu_pro/test.jsonl")
    write_split(tmp_path / "TIGER-Lab" / "MMLU-Pro", rows, "test", fmt="jsonl")

    # Ours reads the bold letter; the authors' rules fall back to the last capital letter, the one ruled out.
    def answer(item: dict) -> str:
        gold = item["raw"]["answer"]
        return f"**{gold}**\n\nThe correct answer is not {'B' if gold == 'A' else 'A'}."

    model = AnswerModel(answer)
    report = run(tmp_path, "mmlu_pro", model, dataset_dir=str(tmp_path), limit=2)
    subsets = report["metrics"][0]["subsets"]
    assert len(subsets) == 14 and {subset["num"] for subset in subsets} == {2}
    assert report["score"] == 1.0
    assert report["metrics"][0]["metric_scores"]["reference"]["score"] < 1.0
    computer = reviews(tmp_path, "mmlu_pro", "computer_science")
    first = next(row for row in rows if row["category"] == "computer science")
    assert computer[0]["sample_id"] == str(first["question_id"])


ARC_ROWS = [
    {"id": "Q1", "question": "Which is a metal?", "answerKey": "B",
     "choices": {"text": ["wood", "iron", "glass"], "label": ["A", "B", "C"]}},
    {"id": "Q2", "question": "How many legs has a spider?", "answerKey": "2",
     "choices": {"text": ["6", "8", "10", "4"], "label": ["1", "2", "3", "4"]}},
]  # fmt: skip


@pytest.mark.parametrize("name, config", [("arc_easy", "ARC-Easy"), ("arc_challenge", "ARC-Challenge")])
def test_arc_labels_letters_or_numbers(tmp_path, name, config):
    write_split(tmp_path / "allenai" / "ai2_arc", ARC_ROWS, "test", config)
    model = AnswerModel(lambda item: "Answer: B")
    report = run(tmp_path, name, model, dataset_dir=str(tmp_path))
    assert report["score"] == 1.0
    assert [review["sample_id"] for review in reviews(tmp_path, name, config)] == ["Q1", "Q2"]
    assert "B) 8" in model.seen[1]["messages"][-1]["content"]
    assert model.seen[1]["raw"] == ARC_ROWS[1]


def test_winogrande_ceval_and_cmmlu_run_from_rows_in_their_layout(tmp_path):
    write_split(
        tmp_path / "allenai" / "winogrande",
        [{"sentence": "The cup fell off the table because _ was unsteady.", "option1": "the cup",
          "option2": "the table", "answer": "2"}],
        "validation",
        "winogrande_xl",
    )  # fmt: skip
    ceval = [{"id": 7, "question": "1+1=?", "A": "1", "B": "2", "C": "3", "D": "4", "answer": "B", "explanation": ""}]
    write_split(tmp_path / "ceval" / "ceval-exam", ceval, "val", "logic")
    write_split(tmp_path / "ceval" / "ceval-exam", ceval, "dev", "logic")
    cmmlu = [{"Question": "2+2=?", "A": "1", "B": "2", "C": "3", "D": "4", "Answer": "D"}]
    write_split(tmp_path / "haonan-li" / "cmmlu", cmmlu, "test", "arts")
    gold = {"winogrande": "B", "ceval": "B", "cmmlu": "D"}
    for name, subsets in (("winogrande", None), ("ceval", ["logic"]), ("cmmlu", ["arts"])):
        args = {name: {"subset_list": subsets, "few_shot_num": 1 if name == "ceval" else None}}
        report = run(
            tmp_path / name,
            name,
            AnswerModel(lambda item, g=gold[name]: f"Answer: {g}"),
            dataset_dir=str(tmp_path),
            dataset_args=args,
        )
        assert report["score"] == 1.0, name
    assert reviews(tmp_path / "ceval", "ceval", "logic")[0]["sample_id"] == "7"


GPQA_ROW = {
    "Record ID": "rec1",
    "Question": "Which particle has no charge?",
    "Correct Answer": "neutron",
    "Incorrect Answer 1": "proton",
    "Incorrect Answer 2": "electron",
    "Incorrect Answer 3": "positron",
}


def gpqa_gold(item: dict) -> str:
    return next(letter for letter, name in item["options_asked"].items() if name == "Correct Answer")


def test_gpqa_shuffles_with_the_seed_and_records_the_order_asked(tmp_path):
    rows = [GPQA_ROW | {"Record ID": f"rec{i}", "Question": f"Q{i}: which particle has no charge?"} for i in range(8)]
    write_split(tmp_path / "gpqa", rows, "train", "gpqa_diamond")
    orders = {}
    for seed in (1, 2):
        model = AnswerModel(lambda item: f"Answer: {gpqa_gold(item)}")
        report = run(
            tmp_path / str(seed),
            "gpqa_diamond",
            model,
            seed=seed,
            dataset_args={"gpqa_diamond": {"local_path": str(tmp_path / "gpqa")}},
        )
        assert report["score"] == 1.0 and report["metrics"][0]["metric_scores"]["reference"]["score"] == 1.0
        records = predictions(tmp_path / str(seed), "gpqa_diamond", "gpqa_diamond")
        orders[seed] = [tuple(record["prompt"]["options_asked"].values()) for record in records]
        for record in records:
            asked = record["prompt"]["options_asked"]
            content = record["prompt"]["messages"][-1]["content"]
            assert sorted(asked.values()) == sorted(
                ["Correct Answer", "Incorrect Answer 1", "Incorrect Answer 2", "Incorrect Answer 3"]
            )
            for letter, field in asked.items():
                assert f"{letter}) {GPQA_ROW[field]}" in content
    assert orders[1] != orders[2]
    assert len({order[0] for order in orders[1]}) > 1  # the right answer is not always first


def test_bbh_bundled_tasks_run_with_cot_prompts_and_ids_by_position(tmp_path):
    model = AnswerModel(lambda item: f"Step one. So the answer is {item['raw']['target']}.")
    report = run(tmp_path, "bbh", model, limit=2)
    assert len(report["metrics"][0]["subsets"]) == 27
    assert report["score"] == 1.0 and report["metrics"][0]["metric_scores"]["reference"]["score"] == 1.0
    content = model.seen[0]["messages"][-1]["content"]
    assert content.count("\n\nQ: ") == 4  # three exemplars, then the question
    assert content.endswith("\nA: Let's think step by step.")
    from evalscope_standard.bbh import BBH

    causal = list(BBH(options={}, seed=42).load("causal_judgement"))
    assert len(causal) == 187 and len({sample.id for sample in causal}) == 187
    assert len({sample.input for sample in causal}) < 187  # repeated inputs stay apart


def test_bbh_asks_with_the_users_prompt_template_after_the_exemplars():
    from evalscope_standard.bbh import BBH

    benchmark = BBH(options={"prompt_template": "Question: {question}\nThink, then say 'So the answer is X'."}, seed=42)
    sample = next(iter(benchmark.load("boolean_expressions")))
    content = benchmark.build_prompt(sample)["messages"][-1]["content"]
    assert content.count("\n\nQ: ") == 3 and content.startswith("Evaluate the result of a random Boolean")
    assert content.endswith(f"\n\nQuestion: {sample.input}\nThink, then say 'So the answer is X'.")


def test_bbh_keeps_its_bundled_data_when_the_dataset_dir_has_no_copy(tmp_path):
    model = AnswerModel(lambda item: f"So the answer is {item['raw']['target']}")
    report = run(tmp_path, "bbh", model, dataset_dir=str(tmp_path), limit=1)
    assert report["score"] == 1.0 and len(report["metrics"][0]["subsets"]) == 27


def test_bbh_reads_a_hub_copy_in_its_layout(tmp_path):
    rows = [{"input": "not True is", "target": "False"}, {"input": "True or False is", "target": "True"}]
    write_split(tmp_path / "lukaemon" / "bbh", rows, "test", "boolean_expressions")
    model = AnswerModel(lambda item: f"So the answer is {item['raw']['target']}")
    report = run(
        tmp_path,
        "bbh",
        model,
        dataset_dir=str(tmp_path),
        dataset_args={"bbh": {"subset_list": ["boolean_expressions"]}},
    )
    assert report["score"] == 1.0 and report["metrics"][0]["subsets"][0]["num"] == 2
