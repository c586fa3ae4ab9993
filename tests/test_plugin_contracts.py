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
