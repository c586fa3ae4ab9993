"""Declared options (``Options`` on what a plugin registers): what `plugins show` reads, and the kit's checks of it."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ConfigDict, Field

from evalscope.benchmarks import Benchmark, BenchmarkOptions, Sample
from evalscope.benchmarks.options import BenchmarkOptions as DefaultOptions
from evalscope.builtins.models import openai_api_model
from evalscope.builtins.scorers import ExactMatch
from evalscope.models import CustomModel
from evalscope.plugins.info import declared_options
from evalscope.testing import check_benchmark, check_model, check_plugin_registers, check_scorer


class LevelOptions(BenchmarkOptions):
    """Options of the test benchmark."""

    level: int = Field(1, description="Shown in each prompt")


class Levels(Benchmark):
    """Two questions; ``level`` is in the prompt."""

    name = "levels"
    Options = LevelOptions

    def load(self, subset):
        return [Sample(id=str(i), input=f"q{i}", target=f"q{i}") for i in range(2)]

    def build_prompt(self, sample):
        return self.chat_prompt(f"{sample.input} (level {self.options.level})")


def levels_factory(options=None, seed=42):
    """A lazy factory, as a plugin's __init__ module writes it."""
    return Levels(options=options, seed=seed)


levels_factory.Options = f"{__name__}:LevelOptions"


def test_options_are_read_from_the_class_or_imported_from_a_string():
    assert declared_options(Levels) is LevelOptions
    assert declared_options(levels_factory) is LevelOptions
    from evalscope.models.openai_api import OpenAIAPIOptions

    assert declared_options(openai_api_model) is OpenAIAPIOptions


def test_a_benchmark_class_without_options_takes_the_default_ones():
    class Plain(Levels):
        Options = None

    assert declared_options(Plain) is DefaultOptions
    assert declared_options(ExactMatch) is None


def test_the_kit_passes_declared_options_that_the_benchmark_uses():
    check_benchmark(levels_factory, scorer=ExactMatch)


def test_the_kit_fails_options_that_cannot_be_imported():
    def factory(options=None, seed=42):
        return Levels(options=options, seed=seed)

    factory.Options = f"{__name__}:NoSuchOptions"
    with pytest.raises(AssertionError, match=r"Options is '.*:NoSuchOptions', which cannot be imported"):
        check_benchmark(factory, scorer=ExactMatch)
    factory.Options = dict
    with pytest.raises(AssertionError, match="must be a pydantic model class"):
        check_benchmark(factory, scorer=ExactMatch)


def test_the_kit_fails_options_other_than_those_the_benchmark_validates_with():
    def factory(options=None, seed=42):
        return Levels(options=options, seed=seed)

    factory.Options = "evalscope.benchmarks.options:BenchmarkOptions"
    with pytest.raises(AssertionError, match="declares Options BenchmarkOptions, but the built benchmark's options"):
        check_benchmark(factory, scorer=ExactMatch)


class PrefixOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prefix: str = Field("Answer: ", description="Before every answer")


class Prefixed(CustomModel):
    Options = PrefixOptions

    def predict(self, prompts, **kwargs):
        text = self.config.get("prefix", "Answer: ")
        return [{"choices": [{"index": 0, "message": {"role": "assistant", "content": text}}]} for _ in prompts]


def test_the_kit_fails_model_options_that_reject_the_config_the_runner_passes():
    with pytest.raises(AssertionError, match=r"Options \(PrefixOptions\) reject the config .*'model_id'"):
        check_model(Prefixed)

    class WithId(PrefixOptions):
        model_id: str | None = Field(None, description="The model's name in outputs")

    Prefixed.Options = WithId
    try:
        check_model(Prefixed, config={"prefix": "= "})
    finally:
        Prefixed.Options = PrefixOptions


def test_the_kit_fails_scorer_options_without_defaults():
    class Strict(BaseModel):
        threshold: float = Field(description="The least score counted right")

    class Thresholded(ExactMatch):
        Options = Strict

    with pytest.raises(AssertionError, match=r"its Options require 'threshold', but the runner builds a scorer"):
        check_scorer(Thresholded)


def test_the_project_plugins_declare_options_that_resolve():
    plugins = check_plugin_registers("gsm8k", benchmarks=["gsm8k"], scorers=["gsm8k"])
    from evalscope_gsm8k.benchmark import GSM8KOptions

    assert declared_options(plugins.benchmarks.get("gsm8k").factory) is GSM8KOptions


BUNDLED = (
    "evalscope",
    "evalscope-gsm8k",
    "evalscope-general",
    "evalscope-code",
    "evalscope-dummy-model",
    "evalscope-llama-cpp",
)


def test_every_option_of_the_bundled_plugins_has_a_description():
    from evalscope.plugins import get_plugins
    from evalscope.plugins.info import KINDS, describe

    plugins = get_plugins()
    distributions = {info.name: info.distribution for info in plugins.infos}
    undescribed, seen = [], 0
    for kind in KINDS:
        registry = plugins.registry(kind)
        for name in registry.names():
            registration = registry.get(name)
            if distributions[registration.plugin] not in BUNDLED:
                continue
            for option in describe(registration)["options"] or []:
                seen += 1
                if not option["description"]:
                    undescribed.append(f"{kind} {name}: {option['name']}")
    assert seen > 30  # gsm8k's, general_mcq's, general_qa's and openai_api's options were all looked at
    assert undescribed == []


def test_the_kit_warns_about_options_without_a_description():
    from evalscope.testing import UndescribedOptionsWarning

    class Bare(LevelOptions):
        """Options of which two say nothing."""

        depth: int = 0
        width: int = 0

    class BareLevels(Levels):
        Options = Bare

    with pytest.warns(
        UndescribedOptionsWarning,
        match=r"check_benchmark\(.*BareLevels\): options without a description: depth, width; ",
    ):
        check_benchmark(BareLevels, scorer=ExactMatch)


def test_the_kit_does_not_warn_about_the_bundled_plugins_options(recwarn):
    check_plugin_registers("gsm8k", benchmarks=["gsm8k"], scorers=["gsm8k"])
    check_plugin_registers("general", benchmarks=["general_mcq", "general_qa"])
    assert [str(warning.message) for warning in recwarn] == []
