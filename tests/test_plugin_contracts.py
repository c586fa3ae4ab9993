"""The project's own plugins pass the contract kit that third-party plugins use."""

from __future__ import annotations

import pytest

from evalscope.testing import check_benchmark, check_model, check_plugin_registers, check_scorer


def test_the_dummy_model_plugin_registers_the_guide_s_model():
    from evalscope.models.custom.dummy_model import DummyCustomModel

    plugins = check_plugin_registers("dummy", models=["dummy"], benchmarks=[], scorers=[])
    registration = plugins.models.get("dummy")
    assert registration.factory is DummyCustomModel
    check_model(registration.factory)


def test_the_guide_s_dummy_model_honours_the_predict_contract():
    from evalscope.models.custom.dummy_model import DummyCustomModel

    check_model(DummyCustomModel)
    check_model(DummyCustomModel(), prompts=[{"messages": [], "data": ["a bare query"], "system_prompt": "be short"}])


def test_the_builtin_scorers_grade_as_documented(evalscope_plugins):
    check_scorer(evalscope_plugins.scorers.get("exact_match").factory, cases=[(" 42\n", "42", 1.0), ("4", "42", 0.0)])
    check_scorer(evalscope_plugins.scorers.get("includes").factory, cases=[("it is 42.", "42", 1.0), ("4", "42", 0.0)])


@pytest.fixture
def gsm8k_plugins():
    pytest.importorskip("evalscope_gsm8k")
    return check_plugin_registers("gsm8k", models=[], benchmarks=["gsm8k"], scorers=["gsm8k"])


def test_the_gsm8k_benchmark_honours_the_contract(gsm8k_plugins):
    samples = check_benchmark(gsm8k_plugins.benchmarks.get("gsm8k").factory)
    assert len(samples["main"]) == 1319


def test_the_gsm8k_prompts_are_stable_with_random_few_shot(gsm8k_plugins):
    factory = gsm8k_plugins.benchmarks.get("gsm8k").factory
    check_benchmark(factory, options={"few_shot_num": 4, "few_shot_random": True}, seed=7, limit=50)


def test_the_gsm8k_scorer_grades_answers(gsm8k_plugins):
    check_scorer(
        gsm8k_plugins.scorers.get("gsm8k").factory,
        cases=[
            ("Natalia sold 48 + 24 = 72 clips. The answer is 72.", "72", 1.0),
            ("The answer is 1,234.", "1234", 1.0),
            ("The answer is 71.", "72", 0.0),
        ],
    )


def test_the_ifeval_plugin_registers_its_benchmark_and_a_scorer_that_grades_answers():
    pytest.importorskip("evalscope_ifeval")
    from evalscope.benchmarks.base import Sample

    plugins = check_plugin_registers("ifeval", models=[], benchmarks=["ifeval"], scorers=["ifeval"])
    row = {"key": 1, "prompt": "p", "instruction_id_list": ["punctuation:no_comma", "startend:quotation"]}
    sample = Sample(id="1", input="p", target="", raw={**row, "kwargs": [{}, {}]})
    check_scorer(
        plugins.scorers.get("ifeval").factory,
        cases=[('"No commas at all."', sample, 1.0), ('"Commas, here."', sample, 0.0), ("No quotes.", sample, 0.0)],
    )
    # IFEval has no gold answers, so check_benchmark (which grades them) does not apply; the ids must still be unique
    samples = plugins.benchmarks.get("ifeval").factory(options={}, seed=42).load("main")
    assert len({sample.id for sample in samples}) == len(samples) == 541
