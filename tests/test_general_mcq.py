"""``general_mcq``: a user's own multiple-choice files read, checked, prompted and run end to end."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from evalscope_general.mcq import GeneralMCQ
from openai_server import FakeOpenAIServer

from evalscope import TaskConfig, run_task
from evalscope.errors import ConfigError, DataError
from evalscope.models import CustomModel
from evalscope.testing import check_benchmark, check_plugin_registers

HEADER = "id,question,A,B,C,D,answer\n"


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def bench(local_path: Path, **options) -> GeneralMCQ:
    return GeneralMCQ(options={"local_path": str(local_path), **options})


def test_csv_with_bom_crlf_quoted_commas_and_newlines_is_read_as_written(tmp_path):
    text = (
        "\ufeffid,question,A,B,C,answer\r\n"
        'q1,"Which is a city, not a country?",France,"Paris, Texas",Spain,B\r\n'
        'q2,"A question\r\nover two lines",yes,no,"""quoted""",C\r\n'
    )
    write(tmp_path / "mix_val.csv", text)
    samples = bench(tmp_path).load("mix")
    assert [sample.id for sample in samples] == ["q1", "q2"]
    assert samples[0].raw["B"] == "Paris, Texas"
    assert samples[1].input == "A question\r\nover two lines"
    assert samples[1].raw["C"] == '"quoted"'
    assert [sample.target for sample in samples] == ["B", "C"]


def test_jsonl_and_csv_subsets_are_found_and_sorted(tmp_path):
    write(tmp_path / "zoo_val.csv", HEADER + "1,q?,a,b,c,d,A\n")
    write(tmp_path / "art_val.jsonl", json.dumps({"question": "q?", "A": "x", "B": 2, "answer": "B"}) + "\n\n")
    write(tmp_path / "art_dev.jsonl", json.dumps({"question": "d?", "A": "x", "B": "y", "answer": "A"}) + "\n")
    write(tmp_path / "notes.txt", "not data")
    benchmark = bench(tmp_path)
    assert benchmark.subset_list() == ["art", "zoo"]
    art = benchmark.load("art")
    assert (art[0].id, art[0].raw["B"], art[0].target) == ("0", 2, "B")  # no id column: the row's position


@pytest.mark.parametrize(
    ("rows", "line", "message"),
    [
        ("1,q?,a,b,c,d,E\n", 2, "answer 'E' is not among the options A, B, C, D"),
        ("1,q?,a,,c,d,A\n", 2, "gap in the option letters: B is empty but C is given"),
        ("1,,a,b,c,d,A\n", 2, "empty question"),
        ("1,q?,a,b,c,d,A\n2,q?,a,b,c,d,\n", 3, "empty answer (one of A, B, C, D)"),
        ("1,q?,a,b,c,d,A\n1,r?,a,b,c,d,B\n", 3, "id '1' is already used on line 2"),
        ('1,"q?\nstill q",a,b,c,d,A\n2,q?,a,b,c\n', 4, "5 cells but the header has 7 columns"),
        ("1,q?,a,,,,A\n", 2, "1 option given; a question needs at least 2"),
    ],
)
def test_a_bad_row_is_one_line_naming_file_and_line(tmp_path, rows, line, message):
    path = write(tmp_path / "set_val.csv", HEADER + rows)
    with pytest.raises(DataError) as error:
        bench(tmp_path).load("set")
    assert str(error.value).startswith(f"{path}:{line}: {message}")
    assert "\n" not in str(error.value)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("id,question,A,B,C,D\n", "missing column 'answer'"),
        ("id,text,A,B,answer\n", "missing column 'question'"),
        ("id,question,A,B,D,answer\n", "gap in the option columns: D without C"),
        ("id,question,A,answer\n", "needs option columns A, B, ... (at least 2)"),
    ],
)
def test_bad_columns_are_named(tmp_path, header, message):
    cells = ",".join(["1"] + ["x"] * (header.count(",") - 1) + ["A"])
    path = write(tmp_path / "set_val.csv", header + cells + "\n")
    with pytest.raises(DataError, match=re.escape(f"{path}:2: {message}")):
        bench(tmp_path).load("set")


def test_a_bad_jsonl_line_names_its_line(tmp_path):
    path = write(tmp_path / "s_val.jsonl", '{"question": "q", "A": "x", "B": "y", "answer": "A"}\n\n{"question": \n')
    with pytest.raises(DataError, match=re.escape(f"{path}:3: not valid JSON")):
        bench(tmp_path).load("s")


def test_an_empty_folder_and_a_missing_subset_name_what_was_found(tmp_path):
    write(tmp_path / "readme.md", "hi")
    with pytest.raises(DataError, match=r"has no \{subset\}_val.csv or \{subset\}_val.jsonl file; found: readme.md$"):
        bench(tmp_path)
    write(tmp_path / "math_val.csv", HEADER + "1,q?,a,b,c,d,A\n")
    with pytest.raises(ConfigError, match=r"subset 'physics' not found in .*; found: math$"):
        bench(tmp_path, subset_list=["physics"]).subset_list()
    with pytest.raises(ConfigError, match="'local_path' is required"):
        GeneralMCQ(options={})
    with pytest.raises(ConfigError, match="must contain {choices}"):
        bench(tmp_path, prompt_template="{question} only")


def test_local_path_may_be_one_file_with_its_dev_file_beside_it(tmp_path):
    path = write(tmp_path / "math_val.csv", HEADER + "1,2+2?,3,4,5,6,B\n")
    write(tmp_path / "math_dev.csv", HEADER + "d1,1+1?,1,2,3,4,B\nd2,1+2?,1,2,3,4,C\n")
    write(tmp_path / "other_val.csv", HEADER + "1,q?,a,b,c,d,A\n")
    benchmark = bench(path, few_shot_num=2)
    assert benchmark.subset_list() == ["math"]
    prompt = benchmark.build_prompt(benchmark.load("math")[0])["messages"][-1]["content"]
    assert prompt.startswith("1+1?\nA. 1\nB. 2\nC. 3\nD. 4\nAnswer: B\n\n1+2?\nA. 1\nB. 2\nC. 3\nD. 4\nAnswer: C\n\n")


def test_prompt_shows_the_question_its_options_and_the_answer_format(tmp_path):
    write(tmp_path / "s_val.csv", "question,A,B,C,answer\n  Which? ,one,two,three,A\n")
    benchmark = bench(tmp_path, system_prompt="Be brief.")
    prompt = benchmark.build_prompt(benchmark.load("s")[0])
    assert prompt["messages"][0] == {"role": "system", "content": "Be brief."}
    assert prompt["messages"][1]["content"] == (
        "Which?\n\nA. one\nB. two\nC. three\n\n"
        'Think it through if you need to, then end your answer with a line "Answer: X", '
        "where X is the letter of the correct option (A, B, C)."
    )
    custom = bench(tmp_path, prompt_template="Q: {question}\n{choices}\nA:")
    assert custom.build_prompt(custom.load("s")[0])["data"] == ["Q: Which?\nA. one\nB. two\nC. three\nA:"]


def test_few_shot_without_a_dev_file_says_which_file_is_missing(tmp_path):
    write(tmp_path / "s_val.csv", HEADER + "1,q?,a,b,c,d,A\n")
    benchmark = bench(tmp_path, few_shot_num=1)
    with pytest.raises(DataError, match="subset 's' has no s_dev.csv or .jsonl beside s_val.csv"):
        benchmark.build_prompt(benchmark.load("s")[0])


def test_the_plugin_registers_and_passes_the_contract_kit(tmp_path):
    scorers = ["general_mcq", "general_qa_exact_match", "general_qa_f1", "general_qa_rouge_l", "general_qa_judge"]
    check_plugin_registers("general", benchmarks=["general_mcq", "general_qa"], scorers=scorers)
    write(tmp_path / "s_val.csv", HEADER + "1,q?,a,b,c,d,A\n2,r?,a,b,c,d,D\n")
    check_benchmark(GeneralMCQ, options={"local_path": str(tmp_path)})


class LetterModel(CustomModel):
    """Answers like a chat model: some reasoning, then the gold letter; for ids in ``wrong``, a wrong one or none."""

    def __init__(self, wrong=(), **kwargs):
        super().__init__(**kwargs)
        self.wrong = set(wrong)

    def predict(self, prompts, **kwargs):
        """One chat.completion per prompt."""
        answers = []
        for item in kwargs["origin_inputs"]:
            letter = item["raw"]["answer"]
            if item["index"] in self.wrong:
                letter = "A" if letter != "A" else "B"
            text = f"Let me look at each option.\n\nThe correct answer is **{letter}**."
            if item["index"] in self.wrong and item["index"].endswith("3"):
                text = "I cannot decide between these."
            answers.append({"choices": [{"index": 0, "message": {"role": "assistant", "content": text}}]})
        return answers


def test_a_run_reports_each_subset_and_records_the_letter_and_rule(tmp_path):
    write(tmp_path / "data" / "a_val.csv", HEADER + "".join(f"a{i},q{i}?,w,x,y,z,{'ABCD'[i % 4]}\n" for i in range(4)))
    write(tmp_path / "data" / "b_val.csv", HEADER + "b1,q?,w,x,y,z,C\nb2,r?,w,x,y,z,D\n")
    config = TaskConfig(
        model=LetterModel(wrong={"a2", "a3"}),
        model_id="letters",
        datasets=["general_mcq"],
        dataset_args={"general_mcq": {"local_path": str(tmp_path / "data")}},
        eval_type="custom",
        work_dir=str(tmp_path / "out"),
        no_timestamp=True,
    )
    report = run_task(config)["general_mcq"]
    metric = report["metrics"][0]
    assert [(subset["name"], subset["num"], subset["score"]) for subset in metric["subsets"]] == [
        ("a", 4, 0.5),
        ("b", 2, 1.0),
    ]
    assert (metric["num"], report["score"]) == (6, pytest.approx(4 / 6))
    lines = (tmp_path / "out" / "reviews" / "letters" / "general_mcq_a.jsonl").read_text(encoding="utf-8")
    reviews = [json.loads(line) for line in lines.splitlines()]
    assert [(review["prediction"], review["gold"], review["correct"]) for review in reviews] == [
        ("A", "A", True),
        ("B", "B", True),
        ("A", "C", False),
        (None, "D", False),
    ]
    assert reviews[0]["explanation"] == "answer phrase: answer phrase gives A, which equals the gold A"
    assert reviews[3]["explanation"] == "none: no letter found in the answer"


def test_many_subsets_keep_requests_in_flight_across_subset_boundaries(tmp_path):
    """Eight small subsets against an API: while the first subset's slow request is out, every
    question of the later subsets is sent beside it, never more than --eval-batch-size at once."""
    for subset in range(8):
        rows = "".join(f"s{subset}-{n},Subset {subset} question {n}?,w,x,y,z,A\n" for n in range(3))
        write(tmp_path / "data" / f"s{subset}_val.csv", HEADER + rows)
    with FakeOpenAIServer(default_answer="Answer: A", latency=0.02) as server:
        server.add_fault("slow", match="Subset 0 question 0?", delay=1.5)
        report = run_task(
            TaskConfig(
                model="served",
                api_url=server.base_url,
                datasets=["general_mcq"],
                dataset_args={"general_mcq": {"local_path": str(tmp_path / "data")}},
                eval_batch_size=4,
                work_dir=str(tmp_path / "out"),
                no_timestamp=True,
            )
        )["general_mcq"]
    later = [others for subset in range(1, 8) for others in server.in_flight_when(f"Subset {subset} question")]
    assert len(later) == 21
    assert all(any("Subset 0 question 0?" in prompt for prompt in others) for others in later)
    assert server.stats.max_in_flight <= 4  # the pool of --eval-batch-size, never more
    assert [(subset["name"], subset["num"], subset["score"]) for subset in report["metrics"][0]["subsets"]] == [
        (f"s{subset}", 3, 1.0) for subset in range(8)
    ]
