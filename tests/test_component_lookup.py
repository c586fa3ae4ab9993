"""What the runner hands the components it builds: a scorer factory gets its benchmark's options, and a model
registered for an eval type is found by it and takes its options from the run's settings (``run_options``)."""

from __future__ import annotations

import pytest
from pydantic import Field

from evalscope import run_task
from evalscope.benchmarks import Benchmark, Sample
from evalscope.benchmarks.options import BenchmarkOptions
from evalscope.errors import ConfigError
from evalscope.models import CustomModel
from evalscope.plugins import PluginInfo
from evalscope.scorers import Score, Scorer


class CapitalOptions(BenchmarkOptions):
    """One scoring option: whether case counts."""

    ignore_case: bool = Field(False, description="Compare answers without regard to case")


class Capitals(Benchmark):
    """Two questions; the model below answers them in capitals."""

    name = "capitals"
    scorer = "capital_match"
    Options = CapitalOptions

    def load(self, subset):
        return [Sample(id="0", input="France?", target="Paris"), Sample(id="1", input="Italy?", target="Rome")]

    def build_prompt(self, sample):
        return self.chat_prompt(sample.input)


class CapitalMatch(Scorer):
    """Exact match, ignoring case when its benchmark's ``ignore_case`` option says so."""

    def __init__(self, ignore_case: bool) -> None:
        self.ignore_case = ignore_case

    def score(self, completion, sample):
        """Compare the answer with the target."""
        fold = str.casefold if self.ignore_case else str
        return Score(float(fold(completion.strip()) == fold(sample.target)), completion, sample.target)


def capital_match(options=None):
    """Build the scorer from the benchmark's options."""
    return CapitalMatch(options.ignore_case)


class Shouting(CustomModel):
    """Answers every question in capitals; records the config it was built with."""

    built: list[dict] = []

    def __init__(self, config=None, **kwargs):
        super().__init__(config, **kwargs)
        Shouting.built.append(dict(self.config))

    def predict(self, prompts, **kwargs):
        """PARIS, ROME."""
        answers = {"France?": "PARIS", "Italy?": "ROME"}
        return [
            {"choices": [{"message": {"role": "assistant", "content": answers[item["data"][0]]}}]}
            for item in kwargs["origin_inputs"]
        ]


@pytest.fixture
def capitals(run_plugins):
    """Register ``capitals`` and its scorer in the test's ``run_plugins``, as the plugin ``tests``."""
    run_plugins.infos.append(PluginInfo("tests", "evalscope-tests", "0.0.1", __name__))
    run_plugins.benchmarks.add("capitals", Capitals, "tests")
    run_plugins.scorers.add("capital_match", capital_match, "tests")


@pytest.mark.parametrize(("ignore_case", "score"), [(True, 1.0), (False, 0.0)])
def test_a_scorer_factory_taking_options_gets_its_benchmarks_options(
    capitals, run_plugins, tmp_path, ignore_case, score
):
    reports = run_task(
        model=Shouting(),
        model_id="shouting",
        datasets=["capitals"],
        dataset_args={"capitals": {"ignore_case": ignore_case}},
        work_dir=str(tmp_path),
        plugins=run_plugins,
    )
    assert reports["capitals"]["score"] == score


def shouting_model(config=None):
    """A model registered for the eval type ``shouting``."""
    return Shouting(config=config)


shouting_model.eval_types = ("shouting",)
shouting_model.run_options = lambda config: {"pool": config.eval_batch_size, "seconds": config.timeout}


@pytest.fixture
def shouting_registered(run_plugins):
    """Register ``shouting-model`` in the test's ``run_plugins``."""
    Shouting.built.clear()
    run_plugins.models.add("shouting-model", shouting_model, "tests")


def test_an_eval_type_builds_the_model_registered_for_it_with_its_run_options(
    capitals, shouting_registered, run_plugins, tmp_path
):
    reports = run_task(
        eval_type="shouting",
        model="loud",
        datasets=["capitals"],
        dataset_args={"capitals": {"ignore_case": True}},
        eval_batch_size=3,
        timeout=7,
        model_args={"seconds": 9},
        work_dir=str(tmp_path),
        plugins=run_plugins,
    )
    assert reports["capitals"]["score"] == 1.0
    # --model, what run_options takes from the run's settings, and --model-args over them
    assert Shouting.built == [{"model_id": "loud", "model": "loud", "pool": 3, "seconds": 9}]


def test_an_unknown_eval_type_names_the_known_ones(capitals, shouting_registered, run_plugins, tmp_path):
    with pytest.raises(ConfigError) as caught:
        run_task(eval_type="shoutin", model="loud", datasets=["capitals"], work_dir=str(tmp_path), plugins=run_plugins)
    assert str(caught.value) == (
        "unknown eval_type 'shoutin' (did you mean 'shouting'?); known eval types: custom, plugin, service, "
        "openai_api, shouting"
    )


def test_show_names_the_eval_types_of_the_api_model(run_cli):
    text = run_cli("plugins", "show", "openai_api").stdout
    assert "\neval types (--eval-type NAME selects it): service, openai_api\n" in text
