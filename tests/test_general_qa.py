"""``general_qa``: a user's own open questions read, checked, prompted, scored and run end to end."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from evalscope_general.qa import GeneralQA
from evalscope_general.qa_metrics import exact_match, normalize_answer, rouge_l, token_f1
from evalscope_general.qa_scorer import GeneralQAScorer

from evalscope import TaskConfig, run_task
from evalscope.benchmarks import Sample
from evalscope.errors import ConfigError, DataError
from evalscope.models import CustomModel
from evalscope.testing import check_benchmark, check_scorer


def write_jsonl(path: Path, rows: list) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join((row if isinstance(row, str) else json.dumps(row)) + "\n" for row in rows), "utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "normalized"),
    [
        ("The Eiffel Tower!", "eiffel tower"),
        ("  an apple,  a pear\tand THE plum ", "apple pear and plum"),
        ("Theory of a thing", "theory of thing"),
        ("U.S.A.", "usa"),
    ],
)
def test_normalization_is_squads(text, normalized):
    assert normalize_answer(text) == normalized


@pytest.mark.parametrize(
    ("answer", "reference", "em", "f1", "rouge"),
    [
        ("The Eiffel Tower.", "eiffel tower", 1.0, 1.0, 1.0),
        ("Paris, France", "Paris", 0.0, 2 / 3, 2 / 3),  # precision 1/2, recall 1
        ("the cat sat on the mat", "the mat sat on the cat", 0.0, 1.0, 0.5),  # same words; in order only "sat on"
        ("dogs", "cats", 0.0, 0.0, 0.0),
        ("北京是首都", "首都北京", 0.0, 8 / 9, 4 / 9),  # characters are tokens: 4 of 5 and 4 of 4
    ],
)
def test_metrics(answer, reference, em, f1, rouge):
    assert exact_match(answer, reference) == em
    assert token_f1(answer, reference) == pytest.approx(f1)
    assert rouge_l(answer, reference) == pytest.approx(rouge)


def test_scorer_records_every_metric_and_scores_by_the_chosen_one():
    sample = Sample(id="0", input="Capital of France?", target="Paris")
    answer = "<think>Lyon? No.</think>Paris, France"
    f1 = GeneralQAScorer("f1").score(answer, sample)
    assert (f1.value, f1.prediction, f1.gold) == (pytest.approx(2 / 3), "Paris, France", "Paris")
    assert f1.explanation == "exact_match 0, f1 0.6667, rouge_l 0.6667"
    assert GeneralQAScorer("exact_match").score(answer, sample).value == 0.0
    assert GeneralQAScorer("exact_match").score("<think>x</think> the paris", sample).value == 1.0
    assert GeneralQAScorer("rouge_l").score("<think>Paris", sample).value == 0.0  # never finished thinking
    check_scorer(lambda: GeneralQAScorer("f1"), cases=[("Paris.", "Paris", 1.0), ("Rome", "Paris", 0.0)])


def test_rouge_score_is_imported_only_when_rouge_l_is_computed():
    code = (
        "import sys, evalscope_general, evalscope_general.qa_metrics as m;"
        "from evalscope.plugins import get_plugins; get_plugins();"
        "print('rouge_score' in sys.modules, m.token_f1('a b', 'b'), 'rouge_score' in sys.modules,"
        " m.rouge_l('a b', 'b') > 0, 'rouge_score' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "1.0", "False", "True", "True"]


def test_both_row_formats_and_system_prompts(tmp_path):
    write_jsonl(
        tmp_path / "mixed.jsonl",
        [
            {"query": "Q1?", "response": "R1"},
            {"id": "x", "question": "Q2?", "answer": "R2", "system": "Be terse."},
            {
                "messages": [
                    {"role": "system", "content": "You are a tutor."},
                    {"role": "user", "content": "Hi"},
                    {"role": "assistant", "content": "Hello!"},
                    {"role": "user", "content": "Q3?"},
                    {"role": "assistant", "content": "R3"},
                ]
            },
        ],
    )
    benchmark = GeneralQA(
        options={"local_path": str(tmp_path), "system_prompt": "Default.", "prompt_template": "Q: {query}"}
    )
    samples = benchmark.load("mixed")
    assert [(s.id, s.input, s.target) for s in samples] == [("0", "Q1?", "R1"), ("x", "Q2?", "R2"), ("2", "Q3?", "R3")]
    prompts = [benchmark.build_prompt(sample) for sample in samples]
    assert prompts[0]["messages"] == [{"role": "system", "content": "Default."}, {"role": "user", "content": "Q: Q1?"}]
    assert prompts[1]["messages"][0] == {"role": "system", "content": "Be terse."}
    assert [m["content"] for m in prompts[2]["messages"]] == ["You are a tutor.", "Hi", "Hello!", "Q: Q3?"]
    assert prompts[2]["data"] == ["Q: Q3?"]
    check_benchmark(GeneralQA, options={"local_path": str(tmp_path)})


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"query": "Q?"}, "no reference answer: give a non-empty 'response' (or 'answer')"),
        ({"response": "R"}, "no question: give a non-empty 'query' (or 'question'), or 'messages'"),
        ({"query": " ", "response": "R"}, "no question"),
        ({"messages": [{"role": "user", "content": "Q?"}]}, "'messages' must be a list of at least"),
        (
            {"messages": [{"role": "user", "content": "Q?"}, {"role": "user", "content": "R"}]},
            "the last message must be",
        ),
        (
            {"messages": [{"role": "bot", "content": "Q?"}, {"role": "assistant", "content": "R"}]},
            "messages[0] needs a role",
        ),
        ({"query": "Q?", "response": "R", "id": ""}, "empty id"),
        ('{"query": "Q?", ', "not valid JSON"),
    ],
)
def test_a_bad_row_is_one_line_naming_file_and_line(tmp_path, row, message):
    path = write_jsonl(tmp_path / "s.jsonl", [{"query": "ok?", "response": "ok"}, row])
    with pytest.raises(DataError, match=re.escape(f"{path}:2: {message}")):
        GeneralQA(options={"local_path": str(tmp_path)}).load("s")


def test_folder_and_option_errors_name_what_was_found(tmp_path):
    (tmp_path / "notes.csv").write_text("a,b\n", "utf-8")
    with pytest.raises(DataError, match=r"has no \{subset\}.jsonl file; found: notes.csv$"):
        GeneralQA(options={"local_path": str(tmp_path)})
    write_jsonl(tmp_path / "alpha.jsonl", [{"query": "Q?", "response": "R"}])
    with pytest.raises(ConfigError, match=r"subset 'beta' not found in .* \(no beta.jsonl\); found: alpha$"):
        GeneralQA(options={"local_path": str(tmp_path), "subset_list": ["beta"]}).subset_list()
    with pytest.raises(ConfigError, match="subset_list is empty; found: alpha$"):
        GeneralQA(options={"local_path": str(tmp_path), "subset_list": []}).subset_list()
    with pytest.raises(ConfigError, match="option 'metric': must be one of exact_match, f1, rouge_l"):
        GeneralQA(options={"local_path": str(tmp_path), "metric": "bleu"})


class EchoReference(CustomModel):
    """Answers with the reference, wrapped in a sentence for ids in ``chatty``."""

    def __init__(self, chatty=(), **kwargs):
        super().__init__(**kwargs)
        self.chatty = set(chatty)

    def predict(self, prompts, **kwargs):
        """One chat.completion per prompt."""
        answers = []
        for item in kwargs["origin_inputs"]:
            raw = item["raw"]
            reference = raw.get("response") or raw.get("answer") or raw["messages"][-1]["content"]
            text = f"I believe it is {reference}." if item["index"] in self.chatty else reference
            answers.append({"choices": [{"index": 0, "message": {"role": "assistant", "content": text}}]})
        return answers


@pytest.mark.parametrize(("metric", "score"), [("exact_match", 0.5), ("f1", pytest.approx((1 + 1 / 3) / 2))])
def test_a_run_scores_by_the_chosen_metric_and_reviews_hold_all(tmp_path, metric, score):
    write_jsonl(
        tmp_path / "data" / "s.jsonl",
        [{"query": "Q1?", "response": "Jane Austen"}, {"query": "Q2?", "response": "Mars"}],
    )
    config = TaskConfig(
        model=EchoReference(chatty={"1"}),
        model_id="echo",
        datasets=["general_qa"],
        dataset_args={"general_qa": {"local_path": str(tmp_path / "data"), "metric": metric}},
        eval_type="custom",
        work_dir=str(tmp_path / "out"),
        no_timestamp=True,
    )
    report = run_task(config)["general_qa"]
    assert (report["metrics"][0]["name"], report["metrics"][0]["num"], report["score"]) == (metric, 2, score)
    reviews = (tmp_path / "out" / "reviews" / "echo" / "general_qa_s.jsonl").read_text("utf-8").splitlines()
    assert [json.loads(line)["explanation"] for line in reviews] == [
        "exact_match 1, f1 1, rouge_l 1",
        "exact_match 0, f1 0.3333, rouge_l 0.3333",  # "i believe it is mars" against "mars"
    ]


def test_one_run_reports_every_metric_per_subset_and_over_the_dataset(tmp_path, capsys):
    data = tmp_path / "data"
    write_jsonl(data / "books.jsonl", [{"id": "b1", "query": "Q1?", "response": "Jane Austen"}])
    write_jsonl(
        data / "space.jsonl",
        [{"id": "s1", "query": "Q2?", "response": "Mars"}, {"id": "s2", "query": "Q3?", "response": "the Moon"}],
    )
    config = TaskConfig(
        model=EchoReference(chatty={"s1"}),  # s1: "I believe it is Mars." against "Mars"
        model_id="echo",
        datasets=["general_qa"],
        dataset_args={"general_qa": {"local_path": str(data), "metric": "exact_match"}},
        eval_type="custom",
        work_dir=str(tmp_path / "out"),
        no_timestamp=True,
    )
    metric = run_task(config)["general_qa"]["metrics"][0]
    printed = capsys.readouterr().out
    assert (metric["name"], metric["score"]) == ("exact_match", pytest.approx(2 / 3))  # the headline is `metric`
    books, space = metric["subsets"]
    assert {name: result["score"] for name, result in books["metric_scores"].items()} == {
        "exact_match": 1.0,
        "f1": 1.0,
        "rouge_l": 1.0,
    }
    assert {name: result["score"] for name, result in space["metric_scores"].items()} == {
        "exact_match": 0.5,
        "f1": pytest.approx((1 / 3 + 1) / 2),
        "rouge_l": pytest.approx((1 / 3 + 1) / 2),
    }
    f1 = metric["metric_scores"]["f1"]
    assert (f1["num"], f1["score"], f1["macro_score"]) == (3, pytest.approx((1 + 1 / 3 + 1) / 3), pytest.approx(5 / 6))
    assert f1["ci_low"] <= f1["score"] <= f1["ci_high"]
    assert metric["metric_scores"]["exact_match"]["score"] == metric["score"]

    table = printed[printed.index("+--") :].strip()
    header = [cell.strip() for cell in table.splitlines()[1].strip("|").split("|")]
    assert header[-3:] == ["exact_match", "f1", "rouge_l"]
    rows = {
        line.split("|")[4].strip(): [cell.strip() for cell in line.strip("|").split("|")]
        for line in table.splitlines()
        if line.startswith("| echo")
    }
    assert rows["space"][-3:] == ["0.5000", "0.6667", "0.6667"]
    assert rows["OVERALL (micro)"][-3:] == ["0.6667", "0.7778", "0.7778"]
    assert rows["OVERALL (macro)"][-3:] == ["0.7500", "0.8333", "0.8333"]

    reviews = (tmp_path / "out" / "reviews" / "echo" / "general_qa_space.jsonl").read_text("utf-8").splitlines()
    assert json.loads(reviews[0])["metrics"] == {
        "exact_match": 0.0,
        "f1": pytest.approx(1 / 3),
        "rouge_l": pytest.approx(1 / 3),
    }

    again = subprocess.run(
        [sys.executable, "-m", "evalscope", "report", str(tmp_path / "out")], capture_output=True, text=True, check=True
    )
    assert again.stdout.strip() == table
    (tmp_path / "out" / "reports" / "echo" / "general_qa.json").unlink()  # rebuilt from the reviews
    rebuilt = subprocess.run(
        [sys.executable, "-m", "evalscope", "report", str(tmp_path / "out"), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    entry = json.loads(rebuilt.stdout)["reports"][0]["metrics"][0]
    assert entry["metric_scores"]["f1"]["score"] == pytest.approx(f1["score"])
    assert entry["metric_scores"]["f1"]["macro_score"] == pytest.approx(5 / 6)
