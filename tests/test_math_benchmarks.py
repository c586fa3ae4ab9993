"""The math benchmarks: the bundled data, gold solutions replayed as answers, prompts, options and bad data."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from evalscope_math.benchmarks import AIME24, AIME25, MATH_SUBJECTS, CompetitionMath, Math500
from evalscope_math.scorer import AIMEScorer, MathScorer

from evalscope.errors import ConfigError, DataError
from evalscope.testing import check_benchmark, check_plugin_registers

BENCHMARKS = ["math_500", "competition_math", "aime24", "aime25"]


def test_the_plugin_registers_four_benchmarks_and_two_scorers():
    plugins = check_plugin_registers("math", benchmarks=BENCHMARKS, scorers=["math", "aime"])
    built = [plugins.benchmarks.get(name).factory(options={}, seed=1) for name in BENCHMARKS]
    assert [type(benchmark) for benchmark in built] == [Math500, CompetitionMath, AIME24, AIME25]
    assert [benchmark.scorer for benchmark in built] == ["math", "math", "aime", "aime"]


def replay(benchmark: type, subsets: list[str] | None, scorer_class: type) -> dict[str, list]:
    """``check_benchmark`` with each sample's gold solution as the answer, on a scorer of its own (one worker)."""
    scorer = scorer_class()
    try:
        return check_benchmark(benchmark, options={"subset_list": subsets} if subsets else {}, scorer=scorer)
    finally:
        scorer.verifier.close()


@pytest.mark.slow  # 5,560 checks: about 40 s of CPU, 60 to 100 s on a busy two-core machine
def test_every_gold_solution_replayed_as_the_answer_scores_one():
    """All 500 MATH-500 and 5,000 MATH solutions, and the 60 AIME answers (2024: the AoPS solutions, with
    their ``\\framebox``, ``\\boxed{\\textbf{(073)}}``, ``\\boxed{104.}`` answers), through the real scorers; two
    worker processes at a time."""
    jobs = [(Math500, None, MathScorer), (AIME24, None, AIMEScorer), (AIME25, None, AIMEScorer)]
    jobs += [(CompetitionMath, [subject], MathScorer) for subject in MATH_SUBJECTS]
    with ThreadPoolExecutor(max_workers=2) as pool:
        loaded = list(pool.map(lambda job: replay(*job), jobs))
    counts = [sum(len(samples) for samples in subsets.values()) for subsets in loaded]
    assert counts[:3] == [500, 30, 30]
    assert counts[3:] == [1187, 474, 479, 903, 540, 871, 546]  # MATH's test split by subject, 5,000 in all
    assert sum(counts[3:]) == 5000


def test_math_gold_answers_from_the_solutions_agree_with_math_500s_answers():
    """MATH-500's problems are MATH test problems: the gold read from each MATH solution's last box equals
    the answer MATH-500 gives, character for character (after spaces), for all 500."""
    math = {sample.input: sample for subject in MATH_SUBJECTS for sample in CompetitionMath().load(subject)}
    pairs = [(math[sample.input].target, sample.target) for sample in Math500().load("default")]
    assert len(pairs) == 500
    assert [gold for gold, answer in pairs if gold.replace(" ", "") != answer.replace(" ", "")] == []


def test_prompt_is_the_problem_with_the_boxed_instruction_and_room_for_long_reasoning():
    benchmark = AIME25({"system_prompt": "Be brief."})
    sample = benchmark.load("default")[0]
    prompt = benchmark.build_prompt(sample)
    assert prompt["messages"] == [
        {"role": "system", "content": "Be brief."},
        {
            "role": "user",
            "content": sample.input + "\nPlease reason step by step, and put your final answer within \\boxed{}.",
        },
    ]
    assert (sample.id, sample.target) == ("0", "70")
    assert Math500.generation_config == {"do_sample": False, "max_new_tokens": 32768}
    assert AIME24.generation_config["max_new_tokens"] == 32768
    custom = Math500({"prompt_template": "Solve: {query} (box it: \\boxed{})"}).build_prompt(sample)
    assert custom["messages"][-1]["content"] == f"Solve: {sample.input} (box it: \\boxed{{}})"


def test_ids_are_the_datasets_own_where_they_have_them():
    assert Math500().load("default")[0].id == "test/precalculus/807.json"
    algebra = CompetitionMath({"subset_list": ["algebra"]}).load("algebra")
    assert (algebra[0].id, algebra[0].target) == ("0", "2")
    assert algebra[0].raw["type"] == "Algebra"


def write_jsonl(path: Path, rows: list) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def test_local_path_reads_a_file_or_a_folder_with_the_bundled_file_name(tmp_path):
    rows = [{"problem": "1+1?", "answer": 2}, {"problem": "2+2?", "answer": "004"}]
    file = write_jsonl(tmp_path / "mine.jsonl", rows)
    assert [(s.id, s.input, s.target) for s in AIME24({"local_path": str(file)}).load("default")] == [
        ("0", "1+1?", "2"),
        ("1", "2+2?", "004"),
    ]
    write_jsonl(tmp_path / "folder" / "aime25_test.jsonl", rows[:1])
    assert len(AIME25({"local_path": str(tmp_path / "folder")}).load("default")) == 1
    with pytest.raises(ConfigError, match="the folder has no aime24_test.jsonl"):
        AIME24({"local_path": str(tmp_path / "folder")})
    with pytest.raises(ConfigError, match="no such file or folder"):
        Math500({"local_path": str(tmp_path / "absent.jsonl")})


@pytest.mark.parametrize(
    ("benchmark", "row", "problem"),
    [
        (AIME24, {"problem": "p", "answer": "2.5"}, "'answer' must be a whole number, got '2.5'"),
        (AIME24, {"problem": "p"}, "row has no 'answer' (keys: problem)"),
        (Math500, {"problem": "", "answer": "1"}, "'problem' must be a non-empty string, got ''"),
        (
            CompetitionMath,
            {"problem": "p", "solution": "so it is 4", "type": "Algebra"},
            "the solution has no \\boxed{...} answer",
        ),
        (
            CompetitionMath,
            {"problem": "p", "solution": "$\\boxed{4}$", "type": "Topology"},
            "unknown subject 'type' 'Topology'",
        ),
    ],
)
def test_a_bad_row_fails_with_its_file_and_line(tmp_path, benchmark, row, problem):
    good = {"problem": "p", "answer": "1", "solution": "$\\boxed{1}$", "type": "Algebra"}
    file = write_jsonl(tmp_path / "rows.jsonl", [good, row])
    subset = benchmark.subsets[0]
    with pytest.raises(DataError) as caught:
        benchmark({"local_path": str(file)}).load(subset)
    assert str(caught.value).startswith(f"{file}:2: {problem}")


def test_broken_json_and_an_empty_subset_are_data_errors(tmp_path):
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"problem": "p", "answer": "1"}\n{"problem": \n', encoding="utf-8")
    with pytest.raises(DataError, match=r"broken.jsonl:2: not valid JSON"):
        Math500({"local_path": str(broken)}).load("default")
    algebra_only = write_jsonl(tmp_path / "a.jsonl", [{"problem": "p", "solution": "$\\boxed{1}$", "type": "Algebra"}])
    with pytest.raises(DataError, match="has no rows of subset 'geometry'"):
        CompetitionMath({"local_path": str(algebra_only)}).load("geometry")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"prompt_template": "Solve it."}, "option 'prompt_template': must contain {query}"),
        ({"few_shot_num": 4}, "unknown option 'few_shot_num'"),
    ],
)
def test_bad_options_are_one_line_config_errors(options, message):
    with pytest.raises(ConfigError, match=message):
        Math500(options)


def test_an_unknown_subset_names_the_subjects():
    with pytest.raises(ConfigError, match="unknown subset 'calculus'; available: algebra, counting_and_probability"):
        CompetitionMath({"subset_list": ["calculus"]}).subset_list()


def test_aime_2024_solutions_also_score_one_under_the_integer_reference():
    """The AoPS solutions box their answers as ``\\framebox{204}``, ``\\boxed{\\textbf{(073)}}``, ``\\boxed{104.}``,
    ``\\boxed{25}`` for the gold ``025``: each reads as its whole number."""
    benchmark, scorer = AIME24(), AIMEScorer()
    try:
        scores = [scorer.score(benchmark.gold_completion(sample), sample) for sample in benchmark.load("default")]
    finally:
        scorer.verifier.close()
    assert [(score.value, score.metrics["reference"]) for score in scores] == [(1.0, 1.0)] * 30
    assert [int(score.prediction) for score in scores] == [int(score.gold) for score in scores]
    assert {"204", "073", "104", "25"} <= {score.prediction for score in scores}
