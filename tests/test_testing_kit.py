"""The contract test kit: each check passes a component that honours the contract and fails,
in the plugin author's terms, on each way of breaking it."""

from __future__ import annotations

import random
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest
from plugin_site import install_into

from evalscope.benchmarks import Benchmark, Sample
from evalscope.builtins.scorers import ExactMatch
from evalscope.models import AsyncModel, CustomModel
from evalscope.scorers import Score, Scorer
from evalscope.testing import check_benchmark, check_model, check_plugin_registers, check_scorer, make_prompts


def completion(content, **extra):
    return {"choices": [{"index": 0, "message": {"role": "assistant", "content": content}}], **extra}


def last_user_text(item: dict) -> str:
    return item["messages"][-1]["content"]


# --------------------------------------------------------------------------- models


class Echo(CustomModel):
    """Honours the contract: echoes each question, in order."""

    def predict(self, prompts, **kwargs):
        return [completion(f"echo: {last_user_text(item)}") for item in kwargs["origin_inputs"]]


class AsyncEcho(AsyncModel):
    async def agenerate(self, prompt, infer_cfg):
        return completion(f"echo: {last_user_text(prompt)}")


def test_a_model_that_honours_the_contract_passes():
    check_model(Echo)
    check_model(Echo(config={"model_id": "echo"}))
    check_model(AsyncEcho)
    check_model(Echo, prompts=["Only one question"])


def test_the_model_is_built_with_the_config_the_runner_passes():
    seen = []

    class Recording(Echo):
        def __init__(self, config=None, **kwargs):
            super().__init__(config=config, **kwargs)
            seen.append(dict(self.config))

    check_model(Recording, config={"temperature_offset": 1})
    assert seen == [{"model_id": "check-model", "temperature_offset": 1}]


def test_the_model_sees_origin_inputs_and_infer_cfg():
    calls = []

    class Recording(Echo):
        def predict(self, prompts, **kwargs):
            calls.append((len(prompts), kwargs["infer_cfg"], [item["index"] for item in kwargs["origin_inputs"]]))
            return super().predict(prompts, **kwargs)

    check_model(Recording)
    sizes = [size for size, _, _ in calls]
    assert sizes.count(1) == len(make_prompts()[0]) + 2 and len(make_prompts()[0]) in sizes
    assert {"max_new_tokens": 64, "temperature": 0.0, "top_p": 1.0} in [cfg for _, cfg, _ in calls]
    assert {} in [cfg for _, cfg, _ in calls]
    assert ["4", "3", "2", "1", "0"] in [indexes for _, _, indexes in calls]


class TooFew(Echo):
    def predict(self, prompts, **kwargs):
        return super().predict(prompts, **kwargs)[:1]


class NoChoices(CustomModel):
    def predict(self, prompts, **kwargs):
        return [{"text": "hello"} for _ in prompts]


class NoneContent(CustomModel):
    def predict(self, prompts, **kwargs):
        return [completion(None) for _ in prompts]


class NoKwargs(CustomModel):
    def predict(self, prompts):
        return [completion("x") for _ in prompts]


class Reversed(Echo):
    def predict(self, prompts, **kwargs):
        return super().predict(prompts, **kwargs)[::-1]


class Counting(CustomModel):
    def __init__(self, config=None, **kwargs):
        super().__init__(config=config, **kwargs)
        self.calls = 0

    def predict(self, prompts, **kwargs):
        self.calls += 1
        return [completion(f"{last_user_text(item)} #{self.calls}") for item in prompts]


class BatchSized(CustomModel):
    def predict(self, prompts, **kwargs):
        return [completion(f"{last_user_text(item)} of {len(prompts)}") for item in prompts]


class EditsPrompts(Echo):
    def predict(self, prompts, **kwargs):
        for item in prompts:
            item["messages"].insert(0, {"role": "system", "content": "be brief"})
        return super().predict(prompts, **kwargs)


class PopsInferCfg(Echo):
    def predict(self, prompts, **kwargs):
        kwargs["infer_cfg"].pop("max_new_tokens", None)
        return super().predict(prompts, **kwargs)


class NotJson(Echo):
    def predict(self, prompts, **kwargs):
        return [completion("x", created={time.time()}) for _ in prompts]


class Raises(CustomModel):
    def predict(self, prompts, **kwargs):
        raise RuntimeError("CUDA out of memory")


class AsyncRaises(AsyncModel):
    async def agenerate(self, prompt, infer_cfg):
        raise ConnectionError("refused")


class Sampling(CustomModel):
    def predict(self, prompts, **kwargs):
        return [completion(str(random.random())) for _ in prompts]


@pytest.mark.parametrize(
    ("model", "message"),
    [
        (TooFew, "returned 1 responses for 5 prompts on a batch of 5 prompts"),
        (NoChoices, "'choices' is missing or empty"),
        (NoneContent, "choices[0].message.content is NoneType, expected a string"),
        (NoKwargs, "raised on a batch of 1 prompt (prompt 0): TypeError"),
        (
            Reversed,
            "answers do not follow the order of the prompts: in a batch of 5, prompt 0 got the answer to prompt 4",
        ),
        (Counting, "the model keeps state across batches"),
        (BatchSized, "the answer to prompt 0 depends on the batch"),
        (EditsPrompts, "predict changed the prompts or origin_inputs it was given"),
        (PopsInferCfg, "predict changed the infer_cfg it was given"),
        (NotJson, "cannot be saved as JSON"),
        (Raises, "raised on a batch of 1 prompt (prompt 0): RuntimeError: CUDA out of memory"),
        (AsyncRaises, "prompt 0: ConnectionError: refused"),
        (Sampling, "pass deterministic=False for a model that samples"),
    ],
)
def test_a_model_that_breaks_the_contract_fails_naming_what_is_wrong(model, message):
    with pytest.raises(AssertionError) as failure:
        check_model(model)
    text = str(failure.value)
    assert text.startswith(f"check_model({model.__qualname__}): ")
    assert message in text
    assert "\n" not in text


def test_a_sampling_model_passes_when_declared_non_deterministic():
    check_model(Sampling, deterministic=False)


def test_a_factory_that_cannot_build_the_model_is_reported():
    def needs_a_path(config):
        raise FileNotFoundError(f"no weights at {config.get('path')!r}")

    with pytest.raises(AssertionError, match=r"needs_a_path\(config=\{'model_id': 'check-model'\}\), raised "):
        check_model(needs_a_path)
    with pytest.raises(AssertionError, match="neither a CustomModel"):
        check_model(lambda config: object())


def test_the_guide_s_dummy_model_passes():
    from evalscope.models.custom.dummy_model import DummyCustomModel

    check_model(DummyCustomModel)


# --------------------------------------------------------------------------- benchmarks

ROWS = [("q1", "What is 2 + 3?", "5"), ("q2", "Capital of France?", "Paris"), ("q3", "3 * 3?", "9")]


class Quiz(Benchmark):
    """Honours the contract, graded by the built-in exact_match."""

    name = "kit-quiz"
    scorer = "exact_match"
    subsets = ["main", "extra"]

    def load(self, subset):
        rows = ROWS if subset == "main" else ROWS[:1]
        return [Sample(id=row_id, input=question, target=answer) for row_id, question, answer in rows]

    def build_prompt(self, sample):
        return self.chat_prompt(sample.input)


def test_a_benchmark_that_honours_the_contract_passes_and_returns_its_samples():
    samples = check_benchmark(Quiz)
    assert [sample.id for sample in samples["main"]] == ["q1", "q2", "q3"]
    assert [sample.id for sample in samples["extra"]] == ["q1"]
    assert list(check_benchmark(Quiz, options={"subset_list": ["extra"]})) == ["extra"]


class RandomIds(Quiz):
    def load(self, subset):
        return [Sample(id=uuid.uuid4().hex, input=s.input, target=s.target) for s in super().load(subset)]


class SharedIds(Quiz):
    def load(self, subset):
        return [Sample(id="same", input=s.input, target=s.target) for s in super().load(subset)]


class IntIds(Quiz):
    def load(self, subset):
        return [Sample(id=i, input=s.input, target=s.target) for i, s in enumerate(super().load(subset))]


class IntTargets(Quiz):
    def load(self, subset):
        return [
            Sample(id=s.id, input=s.input, target=int(s.target) if s.target.isdigit() else 0)
            for s in super().load(subset)
        ]


class Empty(Quiz):
    def load(self, subset):
        return []


class StringPrompt(Quiz):
    def build_prompt(self, sample):
        return sample.input


class NoData(Quiz):
    def build_prompt(self, sample):
        return {"messages": [{"role": "user", "content": sample.input}]}


class ShuffledFewShot(Quiz):
    def build_prompt(self, sample):
        shots = [question for _, question, _ in ROWS]
        random.shuffle(shots)  # the global random state: a different prompt for each benchmark built
        return self.chat_prompt("\n".join(shots) + "\n" + sample.input)


class SeededFewShot(Quiz):
    def build_prompt(self, sample):
        shots = [question for _, question, _ in ROWS]
        random.Random(f"{self.seed}-{sample.id}").shuffle(shots)
        return self.chat_prompt("\n".join(shots) + "\n" + sample.input)


class ObjectInGenerationConfig(Quiz):
    generation_config = {"do_sample": False, "stop": {"\n\n"}}


class StreamInGenerationConfig(Quiz):
    generation_config = {"stream": True}


class AnswerIs(Scorer):
    """Right only when the completion says 'The answer is <target>'."""

    def score(self, completion, sample):
        prefix = "The answer is "
        prediction = completion[len(prefix) :].rstrip(".") if completion.startswith(prefix) else None
        return Score(float(prediction == sample.target), prediction, sample.target)


class PhrasedWithGold(Quiz):
    def gold_completion(self, sample):
        return f"The answer is {sample.target}."


class PhrasedWithWrongGold(Quiz):
    def gold_completion(self, sample):
        return f"I think it is {sample.target}"


class UnknownScorer(Quiz):
    scorer = "kit-no-such-scorer"


class AlwaysRight(Scorer):
    def score(self, completion, sample):
        return Score(1.0, completion, sample.target)


@pytest.mark.parametrize(
    ("benchmark", "message"),
    [
        (RandomIds, "ids are not stable: loading subset 'main' twice gave id"),
        (SharedIds, "subset 'main': samples 0 and 1 share the id 'same'"),
        (IntIds, "subset 'main', sample 0 has id 0; an id must be a non-empty string"),
        (IntTargets, "has a int target; target must be a string"),
        (Empty, "subset 'main' has no samples"),
        (StringPrompt, "build_prompt() on subset 'main', sample 'q1': returned a str, expected a dict"),
        (NoData, "'data' is missing or empty"),
        (ShuffledFewShot, "differs between two benchmarks built with the same options and seed"),
        (UnknownScorer, "the benchmark names scorer 'kit-no-such-scorer': unknown scorer 'kit-no-such-scorer'"),
        (ObjectInGenerationConfig, "generation_config is not plain JSON data"),
        (StreamInGenerationConfig, "generation_config sets 'stream', which evalscope sets itself"),
    ],
)
def test_a_benchmark_that_breaks_the_contract_fails_naming_what_is_wrong(benchmark, message):
    with pytest.raises(AssertionError) as failure:
        check_benchmark(benchmark)
    text = str(failure.value)
    assert text.startswith(f"check_benchmark({benchmark.__qualname__}): ")
    assert message in text
    assert "\n" not in text


def test_gold_completion_phrases_the_gold_answer_for_the_scorer():
    check_benchmark(PhrasedWithGold, scorer=AnswerIs)
    with pytest.raises(AssertionError) as failure:
        check_benchmark(Quiz, scorer=AnswerIs)
    assert str(failure.value) == (
        "check_benchmark(Quiz): scorer 'AnswerIs' graded the gold answer of subset 'main', sample 'q1' as 0.0, "
        "not 1.0 (completion '5', extracted prediction None, gold '5'); if the scorer expects a phrasing, "
        "define gold_completion(sample) on the benchmark"
    )
    with pytest.raises(AssertionError, match="completion 'I think it is 5'.*fix the scorer's extraction or the"):
        check_benchmark(PhrasedWithWrongGold, scorer=AnswerIs)


def test_prompts_may_vary_with_the_seed_but_not_between_builds():
    check_benchmark(SeededFewShot)


def test_a_scorer_that_grades_everything_right_is_caught_by_the_benchmark_check():
    with pytest.raises(AssertionError, match="graded an empty answer as right on subset 'main', sample 'q1'"):
        check_benchmark(Quiz, scorer=AlwaysRight)


def test_bad_options_are_reported_as_the_runner_reports_them():
    with pytest.raises(
        AssertionError, match=r"Quiz\(options=\{'few_shot': 3\}, seed=42\), raised ConfigError: .*few_shot"
    ):
        check_benchmark(Quiz, options={"few_shot": 3})


# --------------------------------------------------------------------------- scorers


class RaisesOnEmpty(Scorer):
    def score(self, completion, sample):
        return Score(float(completion.split()[-1] == sample.target))


class ReturnsFloat(Scorer):
    def score(self, completion, sample):
        return float(completion == sample.target)


class Percent(Scorer):
    def score(self, completion, sample):
        return Score(100.0 * (completion == sample.target))


class SetPrediction(Scorer):
    def score(self, completion, sample):
        return Score(float(completion == sample.target), set(completion.split()))


class NeedsArgs(Scorer):
    def __init__(self, threshold):
        self.threshold = threshold

    def score(self, completion, sample):
        return Score(0.0)


class NoMetric(ExactMatch):
    metric = ""


class PercentMetric(Scorer):
    def score(self, completion, sample):
        return Score(0.0, completion, sample.target, metrics={"f1": 50.0})


def test_a_scorer_that_honours_the_contract_passes():
    check_scorer(ExactMatch, cases=[("5", "5", 1.0), (" 5\n", "5", 1.0), ("6", "5", 0.0)])
    check_scorer(ExactMatch(), cases=[("x", Sample(id="1", input="?", target="x"), 1.0)])
    check_scorer(ExactMatch)


@pytest.mark.parametrize(
    ("scorer", "cases", "message"),
    [
        (RaisesOnEmpty, None, "score() raised IndexError"),
        (ReturnsFloat, None, "return evalscope.scorers.Score(value, prediction, gold)"),
        (Percent, [("5", "5", 1.0)], "gave the value 100.0"),
        (SetPrediction, None, "cannot be saved in the reviews as JSON"),
        (NeedsArgs, None, "NeedsArgs() with no arguments, raised TypeError"),
        (NoMetric, None, "metric is ''"),
        (PercentMetric, None, "whose metric 'f1' is 50.0, expected a number in [0, 1]"),
        (AlwaysRight, None, "graded an empty answer as right for target '42'"),
        (
            ExactMatch,
            [("5", "5", 1.0), ("Answer: 5", "5", 1.0)],
            "graded 'Answer: 5' for target '5' as 0.0, expected 1.0",
        ),
    ],
)
def test_a_scorer_that_breaks_the_contract_fails_naming_what_is_wrong(scorer, cases, message):
    with pytest.raises(AssertionError) as failure:
        check_scorer(scorer, cases=cases)
    text = str(failure.value)
    assert text.startswith(f"check_scorer({scorer.__qualname__}): ")
    assert message in text
    assert "\n" not in text


# --------------------------------------------------------------------------- entry points

KIT_PACKAGES = {
    "good": """
        from evalscope import hookimpl

        @hookimpl
        def register_models(register):
            from evalscope.models.custom.dummy_model import DummyCustomModel
            register("kit-model", DummyCustomModel)

        @hookimpl
        def register_scorers(register):
            from evalscope.builtins.scorers import ExactMatch
            register("kit-exact", ExactMatch)
            register("kit-exact-2", ExactMatch)
    """,
    "broken": """
        import kit_a_dependency_that_is_not_installed
    """,
    "typo": """
        from evalscope import hookimpl

        @hookimpl
        def register_model(register):
            register("kit-typo", object)
    """,
    "clash": """
        from evalscope import hookimpl
        from evalscope.builtins.scorers import ExactMatch

        @hookimpl
        def register_scorers(register):
            register("exact_match", ExactMatch)
    """,
}


@pytest.fixture(scope="module")
def kit_site(tmp_path_factory) -> Path:
    """A folder with the distribution evalscope-kit installed into it: one entry point per KIT_PACKAGES key."""
    source = tmp_path_factory.mktemp("kit-source")
    site = tmp_path_factory.mktemp("kit-site")
    (source / "evalscope_kit").mkdir()
    (source / "evalscope_kit" / "__init__.py").write_text("")
    for key, code in KIT_PACKAGES.items():
        (source / "evalscope_kit" / f"{key}.py").write_text(textwrap.dedent(code))
    entry_points = "\n".join(f'kit-{key} = "evalscope_kit.{key}"' for key in KIT_PACKAGES)
    (source / "pyproject.toml").write_text(
        "[build-system]\n"
        'requires = ["setuptools>=68"]\n'
        'build-backend = "setuptools.build_meta"\n\n'
        '[project]\nname = "evalscope-kit"\nversion = "0.2.0"\n\n'
        f"[project.entry-points.evalscope]\n{entry_points}\n\n"
        '[tool.setuptools]\npackages = ["evalscope_kit"]\n'
    )
    install_into(site, source)
    return site


@pytest.fixture
def kit_plugins(kit_site, monkeypatch):
    """The kit packages visible to this process, as if installed; their modules are forgotten afterwards."""
    monkeypatch.syspath_prepend(str(kit_site))
    yield kit_site
    for name in [name for name in sys.modules if name.split(".")[0] == "evalscope_kit"]:
        del sys.modules[name]


def test_a_plugin_that_registers_what_it_says_passes(kit_plugins):
    plugins = check_plugin_registers("kit-good", models=["kit-model"], scorers=["kit-exact", "kit-exact-2"])
    assert plugins.models.get("kit-model").plugin == "kit-good"
    check_plugin_registers("kit-good", models=["kit-model"], benchmarks=[])
    check_plugin_registers("kit-good")


@pytest.mark.parametrize(
    ("name", "expected", "message"),
    [
        (
            "kit-good",
            {"scorers": ["kit-exact"]},
            "plugin 'kit-good' (evalscope-kit 0.2.0, module evalscope_kit.good) registers the scorers "
            "['kit-exact', 'kit-exact-2'], expected ['kit-exact'] (unexpected 'kit-exact-2'); check its "
            "register_scorers hook",
        ),
        (
            "kit-good",
            {"benchmarks": ["kit-quiz"]},
            "registers the benchmarks [], expected ['kit-quiz'] (missing 'kit-quiz')",
        ),
        (
            "kit-broken",
            {},
            "failed to load: ModuleNotFoundError: No module named 'kit_a_dependency_that_is_not_installed'",
        ),
        ("kit-typo", {"models": ["kit-typo"]}, "register_model"),
        (
            "kit-clash",
            {"scorers": ["exact_match"]},
            "registers the scorer 'exact_match', which 'evalscope.builtins.scorers' also",
        ),
        ("kit-missing", {}, "no entry point named 'kit-missing' in the group 'evalscope' is installed"),
    ],
)
def test_a_plugin_that_does_not_register_what_it_says_fails(kit_plugins, name, expected, message):
    with pytest.raises(AssertionError) as failure:
        check_plugin_registers(name, **expected)
    text = str(failure.value)
    assert text.startswith(f"check_plugin_registers({name!r}): ")
    assert message in text


def test_the_check_leaves_the_plugin_selection_of_the_process_alone(kit_plugins, monkeypatch):
    import os

    monkeypatch.setenv("EVALSCOPE_LOAD_PLUGINS", "dummy")
    monkeypatch.setenv("EVALSCOPE_STRICT_PLUGINS", "1")
    check_plugin_registers("kit-good", models=["kit-model"])
    assert os.environ["EVALSCOPE_LOAD_PLUGINS"] == "dummy"
    assert os.environ["EVALSCOPE_STRICT_PLUGINS"] == "1"


# --------------------------------------------------------------------------- pytest plugin


def test_the_pytest_plugin_gives_fixtures_to_plugin_tests(pytester_run):
    result = pytester_run(
        """
        from evalscope.models.custom.dummy_model import DummyCustomModel

        def test_plugins(evalscope_plugins):
            assert "exact_match" in evalscope_plugins.scorers

        def test_run(evalscope_run, tmp_path):
            reports = evalscope_run(model=DummyCustomModel(), model_id="d", datasets=["quiz"])
            assert reports["quiz"]["metrics"][0]["num"] == 5
            assert (tmp_path / "outputs" / "reports" / "d" / "quiz.json").is_file()
        """
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout


def test_read_samples_joins_each_review_with_the_prediction_it_grades(tmp_path):
    from evalscope import run_task
    from evalscope.testing import read_samples

    run_task(model_plugin="echo-answer", datasets=["quiz"], work_dir=str(tmp_path), no_timestamp=True)
    samples = read_samples(tmp_path, "quiz", "main")
    assert [sample["sample_id"] for sample in samples] == ["0", "1", "2", "3", "4"]
    assert [sample["completion"] for sample in samples] == ["2", "wrong", "9", "wrong", "6"]
    assert [sample["correct"] for sample in samples] == [True, False, True, False, True]
    assert samples[1]["prompt"]["data"] == ["Capital of France?"]  # the prompt as the benchmark built it
    assert samples[1]["response"]["usage"]["total_tokens"] == 4
    with pytest.raises(FileNotFoundError):
        read_samples(tmp_path, "quiz", "main", model_id="someone-else")


def test_the_pytest_plugin_can_be_turned_off(pytester_run):
    result = pytester_run("def test_x(evalscope_run):\n    pass\n", "-p", "no:evalscope")
    assert result.returncode == 1
    assert "fixture 'evalscope_run' not found" in result.stdout


@pytest.fixture
def pytester_run(tmp_path):
    """Run pytest on one test file in a subprocess, the way a plugin author's project runs it."""

    def run(source: str, *args: str) -> subprocess.CompletedProcess:
        project = tmp_path / "project"
        project.mkdir(exist_ok=True)
        (project / "test_author.py").write_text(textwrap.dedent(source))
        return subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args, "test_author.py"],
            cwd=project,
            capture_output=True,
            text=True,
            timeout=120,
        )

    return run
