"""The base class a benchmark plugin subclasses, and the sample it produces."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar


@dataclass
class Sample:
    """One evaluation item. ``id`` is stable (the same row always has the same id).

    ``options`` are a multiple-choice question's options as asked (``{letter: text}``), which the
    ``multiple_choice`` scorer chooses among; ``subset`` is the subset the sample was loaded from.
    """

    id: str
    input: str
    target: str
    raw: dict[str, Any] = field(default_factory=dict)
    options: dict[str, str] | None = None
    subset: str | None = None


class Benchmark(ABC):
    """A benchmark: loads samples for each subset and turns each into a prompt.

    Subclasses set ``name``, ``scorer`` (a registered scorer name), ``subsets`` and
    ``Options`` (a ``evalscope.benchmarks.options.BenchmarkOptions`` subclass validating
    ``--dataset-args``; the default accepts ``subset_list`` and ``system_prompt``), and may set
    ``generation_config``, the generation settings the benchmark is meant to run with (default:
    greedy decoding), which ``--generation-config`` overrides key by key. This module does not
    import pydantic, so a plugin that subclasses ``Benchmark`` stays cheap to load.
    """

    name: ClassVar[str] = ""
    scorer: ClassVar[str] = "exact_match"
    subsets: ClassVar[list[str]] = ["main"]
    Options: ClassVar[type | None] = None
    generation_config: ClassVar[dict[str, Any]] = {"do_sample": False}

    def __init__(self, options: dict | None = None, seed: int = 42) -> None:
        from evalscope.benchmarks.options import BenchmarkOptions
        from evalscope.utils.validation import parse_model

        self.seed = seed
        options_class = self.Options or BenchmarkOptions
        name = self.name or type(self).__name__
        self.options = parse_model(options_class, options, f"dataset-args of {name}", flag=("dataset_args", name))

    def subset_list(self) -> list[str]:
        """The subsets to evaluate: ``subset_list`` from the options, else all."""
        chosen = self.options.subset_list or list(self.subsets)
        unknown = [subset for subset in chosen if subset not in self.subsets]
        if unknown:
            from evalscope.errors import ConfigError

            raise ConfigError(f"{self.name}: unknown subset {unknown[0]!r}; available: {', '.join(self.subsets)}")
        return chosen

    @abstractmethod
    def load(self, subset: str) -> list[Sample] | Iterator[Sample]:
        """Every sample of ``subset``, in a stable order: a list, or an iterator that reads them as asked."""

    @abstractmethod
    def build_prompt(self, sample: Sample) -> dict:
        """Return the prompt item for ``sample``: ``messages``, ``data`` and ``system_prompt``."""

    def scoring_config(self) -> dict[str, Any]:
        """The options that change how this benchmark's answers are scored: on resume, a review scored under
        another scoring config is scored again (see ``evalscope.run.review_reuse``).

        Default: every option except ``subset_list`` and ``system_prompt`` (which choose samples and build
        prompts; a prompt that changes is predicted anew anyway), secret values masked. Override it to
        name only what the scorer uses (``general_qa``: its metric and its judge's model and rubric).
        """
        from evalscope.utils.secrets import redact_mapping

        options = self.options
        values = options.model_dump(mode="json") if hasattr(options, "model_dump") else dict(vars(options))
        return redact_mapping({k: v for k, v in values.items() if k not in ("subset_list", "system_prompt")})

    def scoring_provenance(self) -> dict[str, Any] | None:
        """What the scoring of this benchmark's answers ran on, recorded as ``provenance.scoring`` in each report
        (plain JSON data; a code benchmark names its sandbox and the protections in force). Default: None."""
        return None

    def chat_prompt(self, query: str) -> dict:
        """A prompt item for one user turn ``query``, with the configured system prompt."""
        system_prompt = self.options.system_prompt
        messages = [{"role": "system", "content": system_prompt}] if system_prompt else []
        messages.append({"role": "user", "content": query})
        return {"messages": messages, "data": [query], "system_prompt": system_prompt}


def __getattr__(name: str) -> Any:
    # ``BenchmarkOptions`` needs pydantic, so it is imported only when asked for.
    if name == "BenchmarkOptions":
        from evalscope.benchmarks.options import BenchmarkOptions

        return BenchmarkOptions
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
