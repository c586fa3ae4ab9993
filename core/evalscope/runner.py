"""The runner: config -> plugins -> model and benchmarks -> predictions -> reviews -> reports.

Data flows one way. Each finished prediction is appended to disk at once, keyed by the
sample id and a digest of what produced it, so a killed run resumes where it stopped.
"""

from __future__ import annotations

import asyncio
import math
import os
from dataclasses import dataclass
from typing import Any

from evalscope.benchmarks.base import Benchmark, Sample
from evalscope.builtins.models import OPENAI_API_MODEL
from evalscope.config import API_EVAL_TYPES, TaskConfig
from evalscope.errors import APIStoppedError, ConfigError, ModelError, SampleErrors
from evalscope.models.driver import Generation, ModelDriver, finish_reason
from evalscope.outputs import PredictionStore, RunDir, cache_key, write_json
from evalscope.plugins import Plugins, get_plugins
from evalscope.records import completion, prediction_record
from evalscope.report import build_report, summary_table, truncation_warning
from evalscope.scheduler import DatasetRun, Scheduler, SubsetRun
from evalscope.scorers.base import Scorer
from evalscope.utils.logger import add_file_handler, add_secret, get_logger
from evalscope.utils.secrets import redact_mapping, secret_values, url_secrets

logger = get_logger()


@dataclass
class BenchmarkJob:
    """A benchmark ready to run, with the scorer that grades it."""

    name: str
    benchmark: Benchmark
    scorer: Scorer


def run_task(task_cfg: TaskConfig | dict | str | None = None, **kwargs: Any) -> dict[str, dict[str, Any]]:
    """Run an evaluation and return ``{dataset: report}``.

    ``task_cfg`` is a ``TaskConfig``, a dict, or the path of a YAML/JSON file; without it,
    ``kwargs`` are the config's fields. Outputs go to the run folder (see ``evalscope.outputs``).
    """
    config = TaskConfig.load(task_cfg) if task_cfg is not None else TaskConfig(**kwargs)
    return Runner(config).run()


class Runner:
    """Runs one ``TaskConfig`` from start to report."""

    def __init__(self, config: TaskConfig) -> None:
        self.config = config
        self.model_id = config.resolved_model_id()
        self.model_identity: dict[str, Any] = {}
        self.run_dir: RunDir | None = None
        self.scheduler: Scheduler | None = None
        self._previous: dict[str, tuple[Any, int]] = {}

    def run(self) -> dict[str, dict[str, Any]]:
        """Validate everything, then evaluate each dataset in turn."""
        config = self.config
        logger.setLevel("DEBUG" if config.debug else "INFO")
        for secret in (*secret_values(config.model_args), *url_secrets(config.api_url or "")):
            add_secret(secret)
        plugins = get_plugins()
        jobs = self._build_jobs(plugins)
        model = self._build_model(plugins)
        self.model_identity = model_identity(config, self.model_id, model)
        driver = ModelDriver(model, self.model_id, config.eval_batch_size)

        self.run_dir = run_dir = RunDir.create(config.work_dir, config.no_timestamp, config.use_cache)
        self._write_config(run_dir)
        handler = add_file_handler(str(run_dir.log_path))
        logger.info(f"evaluating {self.model_id!r} on {', '.join(job.name for job in jobs)}; outputs: {run_dir.root}")
        try:
            reports = asyncio.run(self._run_jobs(jobs, driver, run_dir))
            print(summary_table(list(reports.values())), flush=True)
            logger.info(f"reports written to {run_dir.root / 'reports'}")
            for report in reports.values():
                warning = truncation_warning(report)
                if warning:
                    logger.warning(f"{report['dataset_name']}: {warning}")
        except APIStoppedError as exc:
            raise APIStoppedError(
                f"{exc}; {self.scheduler.kept} finished predictions are kept; resume with --use-cache {run_dir.root}"
            ) from exc
        finally:
            logger.removeHandler(handler)
            handler.close()

        errors = sum(report["errors"] for report in reports.values())
        if errors and not config.ignore_errors:
            raise SampleErrors(
                f"{errors} samples failed (see 'error' in {run_dir.root / 'predictions'}); "
                f"rerun with --use-cache {run_dir.root} to retry only them, or pass --ignore-errors"
            )
        return reports

    def _build_jobs(self, plugins: Plugins) -> list[BenchmarkJob]:
        config = self.config
        if not config.datasets:
            raise ConfigError(
                f"no datasets given; pass --datasets NAME (installed: {', '.join(plugins.benchmarks.names())})"
            )
        for name in config.dataset_args:
            if name not in config.datasets:
                raise ConfigError(f"dataset-args names {name!r}, which is not in datasets {config.datasets}")
        jobs = []
        for name in config.datasets:
            registration = plugins.benchmarks.get(name)
            benchmark = registration.factory(options=config.dataset_args.get(name, {}), seed=config.seed)
            scorer_registration = plugins.scorers.get(benchmark.scorer)
            jobs.append(BenchmarkJob(name, benchmark, scorer_registration.factory()))
        return jobs

    def _build_model(self, plugins: Plugins) -> Any:
        config = self.config
        if config.eval_type not in API_EVAL_TYPES:
            ignored = [flag for flag, value in (("--api-url", config.api_url), ("--api-key", config.api_key)) if value]
            if ignored:
                logger.warning(f"{' and '.join(ignored)} ignored: eval_type is {config.eval_type!r}, not an API model")
        if config.eval_type == "custom":
            model = config.model
            if model is None or isinstance(model, str):
                raise ConfigError("eval_type 'custom' needs model=<an instance of your CustomModel subclass>")
            model_config = getattr(model, "config", None)
            if isinstance(model_config, dict) and (config.model_id or not model_config.get("model_id")):
                model_config["model_id"] = self.model_id
            return model
        if config.eval_type == "plugin":
            name = config.model_plugin
            if not name:
                raise ConfigError("eval_type 'plugin' needs --model-plugin NAME")
            served = {"model": config.model} if isinstance(config.model, str) else {}
            return self._call_factory(plugins, name, {"model_id": self.model_id, **served, **config.model_args})
        if config.eval_type in API_EVAL_TYPES:
            if not config.api_url:
                raise ConfigError(f"eval_type {config.eval_type!r} needs --api-url (an OpenAI-compatible URL)")
            if not isinstance(config.model, str) or not config.model:
                raise ConfigError("an API model needs --model NAME (the model name the server knows)")
            api_key = (
                config.api_key.get_secret_value()
                if config.api_key is not None
                else os.environ.get("EVALSCOPE_API_KEY") or os.environ.get("OPENAI_API_KEY")
            )
            add_secret(api_key)
            model_config = {
                "model_id": self.model_id,
                "model": config.model,
                "api_url": config.api_url,
                "api_key": api_key,
                "api_mode": config.api_mode,
                "timeout": config.timeout,
                "retries": config.retries,
                "stream": config.stream,
                "concurrency": config.eval_batch_size,
                **config.model_args,
            }
            return self._call_factory(plugins, OPENAI_API_MODEL, model_config)
        raise ConfigError(
            "no model given: pass --model-plugin NAME, or --model NAME with --api-url URL "
            "(from Python: TaskConfig(model=<CustomModel instance>, eval_type='custom'))"
        )

    def _call_factory(self, plugins: Plugins, name: str, model_config: dict) -> Any:
        registration = plugins.models.get(name)
        try:
            return registration.factory(config=model_config)
        except (ConfigError, ModelError):
            raise
        except Exception as exc:
            raise ModelError(
                f"model {name!r} (plugin {registration.plugin!r}) failed to start: {type(exc).__name__}: {exc}"
            ) from exc

    def _write_config(self, run_dir: RunDir) -> None:
        import yaml

        data = self.config.safe_dict()
        data["model_id"] = self.model_id
        run_dir.config_path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")

    async def _run_jobs(self, jobs: list[BenchmarkJob], driver: ModelDriver, run_dir: RunDir):
        datasets = [
            DatasetRun(job, effective_generation_config(job.benchmark.generation_config, self.config), subsets)
            for job in jobs
            for subsets in [job.benchmark.subset_list()]
        ]
        resume = bool(self.config.use_cache)

        def open_subset(dataset: DatasetRun, subset: str, position: int) -> tuple[list[Sample], SubsetRun]:
            samples = apply_limit(dataset.job.benchmark.load(subset), self.config.limit)
            store = PredictionStore(run_dir.predictions_path(self.model_id, dataset.name, subset), resume=resume)
            self._previous = store.index()
            reviews_path = run_dir.reviews_path(self.model_id, dataset.name, subset)
            return samples, SubsetRun(dataset, subset, position, store, reviews_path, remaining=len(samples))

        def cached(subset: SubsetRun, sample: Sample, prompt: dict) -> tuple[str | None, dict | None]:
            found = self._previous.get(sample.id)
            if found is None:
                return None, None  # the key is computed beside the request, once the model answered
            key = cache_key(self.model_identity, prompt, subset.dataset.infer_cfg)
            return key, subset.store.read(found[1]) if found[0] == key else None

        def make_record(sample: Sample, prompt: dict, key: str | None, generation: Generation, dataset: DatasetRun):
            key = key or cache_key(self.model_identity, prompt, dataset.infer_cfg)
            return prediction_record(self.model_id, sample.id, prompt, key, generation)

        def failed_batch(exc: Exception, size: int) -> list[Generation]:
            if not isinstance(exc, ModelError) or not self.config.ignore_errors or driver.is_async:
                raise exc  # an API model's ModelError is fatal
            return [Generation(error=str(exc))] * size

        def subset_done(subset: SubsetRun) -> None:
            dataset = subset.dataset
            report = build_report(
                self.model_id,
                dataset.name,
                dataset.job.scorer.metric,
                dataset.finished_subsets(),
                dataset.scores,
                dataset.usage.summary(),
            )
            report["generation_config"] = redact_mapping(dataset.infer_cfg)
            report["served_models"] = sorted(dataset.usage.models)
            report["complete"] = dataset.complete
            write_json(run_dir.report_path(self.model_id, dataset.name), report)
            dataset.report = report

        self.scheduler = Scheduler(
            driver,
            datasets,
            open_subset=open_subset,
            cached=cached,
            make_record=make_record,
            score=lambda dataset, sample, record: score_sample(dataset.job.scorer, sample, record),
            subset_done=subset_done,
            failed_batch=failed_batch,
        )
        try:
            await self.scheduler.run()
        finally:
            await driver.aclose()
        return {dataset.name: dataset.report for dataset in datasets}


def effective_generation_config(defaults: dict[str, Any], config: TaskConfig) -> dict[str, Any]:
    """What the model is asked to generate with: the benchmark's ``defaults``, overridden key by key by
    ``--generation-config``, and ``seed`` from ``--seed`` unless one of them sets it."""
    effective = {**defaults, **config.generation_config}
    effective.setdefault("seed", config.seed)
    return effective


def model_identity(config: TaskConfig, model_id: str, model: Any) -> dict[str, Any]:
    """What identifies the model in cache keys: a cached answer is reused only for the same one.

    Secrets are left out; the API URL is too, so a server that moved keeps its cache.
    """
    from evalscope.utils.secrets import redact_mapping

    identity: dict[str, Any] = {"model_id": model_id, "eval_type": config.eval_type}
    if config.eval_type == "custom":
        identity["class"] = f"{type(model).__module__}.{type(model).__qualname__}"
        identity["config"] = redact_mapping(getattr(model, "config", None))
    else:
        identity.update(
            plugin=config.model_plugin,
            model=config.model if isinstance(config.model, str) else None,
            api_mode=config.api_mode if config.eval_type in API_EVAL_TYPES else None,
            model_args=redact_mapping(config.model_args),
        )
    return identity


def apply_limit(samples: list[Sample], limit: int | float | None) -> list[Sample]:
    """The first ``limit`` samples (a count, or a fraction of them rounded up)."""
    if limit is None:
        return samples
    if isinstance(limit, float) and limit < 1:
        return samples[: math.ceil(len(samples) * limit)]
    return samples[: int(limit)]


def score_sample(scorer: Scorer, sample: Sample, record: dict) -> dict[str, Any]:
    """The review of one sample: what scoring added to its prediction (see ``evalscope.records``).

    ``truncated`` says the answer hit ``max_tokens``.
    """
    review: dict[str, Any] = {
        "sample_id": sample.id,
        "prediction": None,
        "gold": None,
        "score": 0.0,
        "correct": False,
        "explanation": None,
        "truncated": truncated(record.get("response")),
        "error": record.get("error"),
    }
    if review["error"] is None:
        score = scorer.score(completion(record), sample)
        review.update(
            prediction=score.prediction,
            gold=score.gold,
            score=score.value,
            correct=score.value == 1.0,
            explanation=score.explanation,
        )
    return review


def truncated(response: dict | None) -> bool:
    """Whether an answer was cut off by ``max_tokens``."""
    return response is not None and finish_reason(response) == "length"
