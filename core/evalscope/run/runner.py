"""The runner: config -> plugins -> model and benchmarks -> predictions -> reviews -> reports.

Data flows one way. All samples of the run go through one scheduler (``evalscope.run.scheduler``).
Each finished prediction is appended to disk at once, keyed by the sample id and a digest of
what produced it, so a killed run resumes where it stopped.
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Any

from evalscope.config import MODEL_EVAL_TYPES, TaskConfig
from evalscope.errors import (
    APIStoppedError,
    ConfigError,
    EvalscopeError,
    ModelError,
    SampleErrors,
    ScorerStopped,
    TooManyFailures,
    one_line,
)
from evalscope.models.driver import ModelDriver
from evalscope.models.transport import answer_settings
from evalscope.plugins.manager import Plugins, load_plugins, plugins_of_run
from evalscope.plugins.registry import Registration
from evalscope.results.provenance import provenance, software
from evalscope.results.report import build_report, summed_counts, truncation_warning
from evalscope.results.summary import summary_table
from evalscope.run.interrupt import STOPPED_AFTER_BATCH, CtrlC, StopRequested
from evalscope.run.jobs import BenchmarkJob, DatasetRun
from evalscope.run.resume import RunFolder, evaluated, open_run_folder, remove_if_unused, with_saved_config
from evalscope.run.review_reuse import (
    ScorerKeys,
    scorer_identity,
)
from evalscope.run.scheduler import Scheduler
from evalscope.run.scoring import SampleScorer
from evalscope.run.subset_source import SubsetSource
from evalscope.scorers.base import build_scorer
from evalscope.stop_policy import StopPolicy
from evalscope.store.cache_keys import canonical
from evalscope.store.outputs import RunDir, write_json
from evalscope.utils.logger import add_file_handler, get_logger, run_scope
from evalscope.utils.secrets import add_secret, redact_mapping, secret_values, start_run_secrets

logger = get_logger()


def run_task(
    task_cfg: TaskConfig | dict | str | None = None, *, plugins: Plugins | None = None, **kwargs: Any
) -> dict[str, dict[str, Any]]:
    """Run an evaluation and return ``{dataset: report}``.

    ``task_cfg`` is a ``TaskConfig``, a dict, or the path of a YAML/JSON file; without it,
    ``kwargs`` are the config's fields. Outputs go to the run folder (see ``evalscope.store.outputs``).
    ``plugins`` are the run's plugins (``evalscope.plugins.manager.load_plugins(select=...)``); by default
    the run loads its own.
    """
    config = TaskConfig.load(task_cfg) if task_cfg is not None else TaskConfig(**kwargs)
    return Runner(config, plugins).run()


class Runner:
    """Runs one ``TaskConfig`` from start to report, with its own plugins: ``plugins``, or those it loads
    when it starts (``load_plugins()``: every installed plugin, or those ``EVALSCOPE_LOAD_PLUGINS`` names)."""

    def __init__(self, config: TaskConfig, plugins: Plugins | None = None) -> None:
        self.plugins = plugins
        self.config = config = with_saved_config(config)
        self.model_id = config.resolved_model_id()
        self.model_identity: dict[str, Any] = {}
        self.run_dir: RunDir | None = None
        self.folder: RunFolder | None = None
        self.ctrl_c = CtrlC()
        self.policy = StopPolicy(config.ignore_errors, config.fail_on_error, interrupted=lambda: self.ctrl_c.requested)
        self.software: dict[str, Any] = {}
        self.scheduler: Scheduler | None = None

    def run(self) -> dict[str, dict[str, Any]]:
        """Validate everything, then evaluate each dataset in turn.

        The run's log file gets only this run's records; the logger's level is restored after it.
        """
        with run_scope(debug=self.config.debug):
            if self.plugins is None:
                self.plugins = load_plugins()
            with plugins_of_run(self.plugins):
                return self._run(self.plugins)

    def _run(self, plugins: Plugins) -> dict[str, dict[str, Any]]:
        config = self.config
        start_run_secrets()
        for secret in config.secret_values():
            add_secret(secret)
        self.software = software(plugins.infos)
        jobs = self._build_jobs(plugins)
        model = self._build_model(plugins)
        self.model_identity = model_identity(config, self.model_id, model)
        driver = ModelDriver(model, self.model_id, config.eval_batch_size, self.policy)

        self.folder = folder = open_run_folder(config, evaluated(config, self.model_identity))
        self.run_dir = folder.run_dir
        self._write_config(folder.config_path)
        handler = add_file_handler(str(folder.run_dir.log_path))
        failure: BaseException | None = None
        try:
            driver.open_run(folder.run_dir.root)
            return self._evaluate(jobs, driver, folder)
        except (APIStoppedError, ScorerStopped, TooManyFailures) as exc:
            stopped = type(exc)(
                f"{exc}; {self.kept_predictions} finished predictions are kept; "
                f"resume with --use-cache {folder.run_dir.root}"
            )
            log_stop_reason(handler, stopped, self.ctrl_c.requested, folder.run_dir)
            raise stopped from exc
        except BaseException as exc:
            log_stop_reason(handler, exc, self.ctrl_c.requested, folder.run_dir)
            failure = exc
            raise
        finally:
            logger.removeHandler(handler)
            handler.close()
            if isinstance(failure, EvalscopeError):  # stopped before its first answer: no run to list
                remove_if_unused(folder)

    def _evaluate(self, jobs: list[BenchmarkJob], driver: ModelDriver, folder: RunFolder) -> dict[str, dict[str, Any]]:
        run_dir = folder.run_dir
        if folder.notice:
            logger.warning(folder.notice)
        logger.info(f"evaluating {self.model_id!r} on {', '.join(job.name for job in jobs)}; outputs: {run_dir.root}")
        with self.ctrl_c:
            try:
                reports = asyncio.run(self._run_jobs(jobs, driver, run_dir))
            except StopRequested:
                raise KeyboardInterrupt(STOPPED_AFTER_BATCH) from None

        print(summary_table(list(reports.values())), flush=True)
        if folder.notice:
            print(folder.notice[0].upper() + folder.notice[1:], flush=True)
        logger.info(f"reports written to {run_dir.root / 'reports'}")
        for report in reports.values():
            warning = truncation_warning(report)
            if warning:
                logger.warning(f"{report['dataset_name']}: {warning}")
        self.policy.check_end(unscored_samples_problem(list(reports.values()), run_dir))
        return reports

    def _build_jobs(self, plugins: Plugins) -> list[BenchmarkJob]:
        config = self.config
        if not config.datasets:
            installed = ", ".join(plugins.benchmarks.names())
            raise ConfigError(
                f"no datasets given; set datasets=[NAME, ...] (installed: {installed})",
                cli_message=f"no datasets given; pass --datasets NAME (installed: {installed})",
            )
        for name in config.dataset_args:
            if name not in config.datasets:
                raise ConfigError(
                    f"dataset_args names {name!r}, which is not in datasets {config.datasets}",
                    cli_message=f"--dataset-args names {name!r}, which is not among --datasets "
                    f"({', '.join(config.datasets)})",
                    fields=("dataset_args", "datasets"),
                )
        jobs = []
        for name in config.datasets:
            registration = plugins.benchmarks.get(name)
            benchmark = registration.factory(options=config.dataset_args.get(name, {}), seed=config.seed)
            if config.dataset_dir and callable(getattr(benchmark, "use_dataset_dir", None)):
                benchmark.use_dataset_dir(config.dataset_dir)
            scorer_registration = plugins.scorers.get(benchmark.scorer)
            plugin = next(info for info in plugins.infos if info.name == scorer_registration.plugin)
            identity = scorer_identity(benchmark.scorer, plugin.distribution, plugin.version, benchmark)
            scorer_keys = ScorerKeys(identity)
            scorer = build_scorer(scorer_registration.factory, benchmark.options)
            jobs.append(BenchmarkJob(name, benchmark, scorer, benchmark.subset_list(), scorer_keys))
        return jobs

    def _build_model(self, plugins: Plugins) -> Any:
        """The model: ``model`` itself (``custom``), the registered ``model_plugin`` (``plugin``), or the registered
        model of an API's eval type (``service``, ...); a registered model gets ``model_id``, ``--model``, the
        options it takes from the run's settings (its factory's ``run_options``) and ``--model-args`` over them."""
        config = self.config
        if config.eval_type == "custom":
            model = config.model
            if model is None or isinstance(model, str):
                raise ConfigError(
                    "eval_type 'custom' needs model=<an instance of your CustomModel subclass>",
                    cli_message="--eval-type custom needs a model object, which only Python can pass "
                    "(TaskConfig(model=<CustomModel instance>)); from the command line use --model-plugin NAME, "
                    "or --model NAME with --api-url URL",
                    fields=("eval_type",),
                )
            model_config = getattr(model, "config", None)
            if isinstance(model_config, dict) and (config.model_id or not model_config.get("model_id")):
                model_config["model_id"] = self.model_id
            run_settings = run_options(model, config)
            warn_ignored_api_flags(config, run_settings)
            if run_settings and callable(getattr(model, "use_run_settings", None)):
                model.use_run_settings(run_settings)
            return model
        if config.eval_type == "plugin":
            if not config.model_plugin:
                raise ConfigError(
                    "eval_type 'plugin' needs model_plugin=NAME (a registered model)",
                    cli_message="--eval-type plugin needs --model-plugin NAME (a registered model)",
                    fields=("eval_type",),
                )
            registration = plugins.models.get(config.model_plugin)
        elif config.eval_type is not None:
            registration = plugins.models.for_eval_type(config.eval_type, own=MODEL_EVAL_TYPES)
        else:
            raise ConfigError(
                "no model given: set model=<CustomModel instance>, model_plugin=NAME, or model=NAME with api_url=URL",
                cli_message="no model given: pass --model-plugin NAME, or --model NAME with --api-url URL "
                "(from Python: TaskConfig(model=<CustomModel instance>))",
            )
        served = {"model": config.model} if isinstance(config.model, str) else {}
        run_settings = run_options(registration.factory, config)
        warn_ignored_api_flags(config, run_settings)
        model_config = {"model_id": self.model_id, **served, **run_settings, **config.model_args}
        for secret in secret_values(model_config):
            add_secret(secret)
        return self._call_factory(registration, model_config)

    def _call_factory(self, registration: Registration, model_config: dict) -> Any:
        name = registration.name
        try:
            return registration.factory(config=model_config)
        except (ConfigError, ModelError):
            raise
        except Exception as exc:
            raise ModelError(
                f"model {name!r} (plugin {registration.plugin!r}) failed to start: {type(exc).__name__}: {exc}"
            ) from exc

    def _write_config(self, path: Path) -> None:
        import yaml

        data = self.config.safe_dict()
        data["model_id"] = self.model_id
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")

    @property
    def kept_predictions(self) -> int:
        """How many successful predictions the run folder holds for this run (reused or new)."""
        return self.scheduler.kept if self.scheduler is not None else 0

    async def _run_jobs(self, jobs: list[BenchmarkJob], driver: ModelDriver, run_dir: RunDir):
        datasets = [
            DatasetRun(job, effective_generation_config(job.benchmark.generation_config, self.config), job.subsets)
            for job in jobs
        ]
        source = SubsetSource(
            self.model_id,
            self.model_identity,
            datasets,
            run_dir,
            limit=self.config.limit,
            use_cache=bool(self.config.use_cache),
            cache_from=self.folder.cache_from if self.folder is not None else None,
            write_report=lambda dataset, started: self._write_report(dataset, started, run_dir, driver),
        )
        scorer = SampleScorer(self.policy)
        self.scheduler = Scheduler(driver, datasets, source, scorer, self.policy, repeats=self.config.repeats)
        try:
            await self.scheduler.run()
            self.ctrl_c.check()
            self.policy.check_stopped()
        finally:
            source.close()
            await driver.aclose()
            await scorer.close(jobs)
        return {dataset.name: dataset.report for dataset in datasets}

    def _write_report(self, dataset: DatasetRun, started: float, run_dir: RunDir, driver: ModelDriver) -> None:
        """Write ``dataset``'s report with the subsets scored so far (``complete`` once all are)."""
        job, subsets = dataset.job, dataset.finished_subsets()
        usage = dataset.usage.summary()
        report = build_report(
            self.model_id, job.name, job.scorer.metric, subsets, dataset.scores, usage, dataset.metrics
        )
        report["generation_config"] = redact_mapping(dataset.infer_cfg)
        report["served_models"] = sorted(dataset.usage.models)
        report["complete"] = dataset.complete
        report["provenance"] = provenance(
            started=started,
            finished=time.time(),
            software=self.software,
            model=self.model_identity,
            generation_config=dataset.infer_cfg,
            dataset_options=options_dict(job.benchmark.options),
            limit=self.config.limit,
            seed=self.config.seed,
            resumed_from=self.config.use_cache,
            subsets=subsets,
            endpoints=driver.endpoint_answers(job.name),
            scoring=job.benchmark.scoring_provenance(),
        )
        write_json(run_dir.report_path(self.model_id, job.name), report)
        dataset.report = report


def effective_generation_config(defaults: dict[str, Any], config: TaskConfig) -> dict[str, Any]:
    """What the model is asked to generate with: the benchmark's ``defaults``, overridden key by key by
    ``--generation-config`` (``max_tokens`` given replaces a default ``max_new_tokens``), and ``seed`` from
    ``--seed`` unless one of them sets it."""
    from evalscope.models.generation import override

    effective = override(defaults, config.generation_config)
    effective.setdefault("seed", config.seed)
    return effective


def run_options(model: Any, config: TaskConfig) -> dict[str, Any]:
    """The options ``model`` (a registered factory, or a model object) takes from the run's settings: what its
    ``run_options(config)`` returns (the API model: ``--api-url``, ``--timeout``, ...), else none."""
    take = getattr(model, "run_options", None)
    return dict(take(config)) if callable(take) else {}


def warn_ignored_api_flags(config: TaskConfig, run_settings: dict[str, Any]) -> None:
    """Warn that ``--api-url`` and ``--api-key`` were given to a model that does not take them."""
    ignored = [
        flag
        for flag, field, value in (("--api-url", "api_url", config.api_url), ("--api-key", "api_key", config.api_key))
        if value and field not in run_settings
    ]
    if ignored:
        logger.warning(f"{' and '.join(ignored)} ignored: eval_type is {config.eval_type!r}, not an API model")


def model_identity(config: TaskConfig, model_id: str, model: Any) -> dict[str, Any]:
    """What identifies the model in cache keys: a cached answer is reused only for the same one.

    Secrets are left out; the API URL is too, so a server that moved keeps its cache.
    """
    identity: dict[str, Any] = {"model_id": model_id, "eval_type": config.eval_type}
    if config.eval_type == "custom":
        identity["class"] = f"{type(model).__module__}.{type(model).__qualname__}"
        identity["config"] = canonical(redact_mapping(getattr(model, "config", None)), "the model's config")
    else:
        identity.update(
            plugin=config.model_plugin,
            model=config.model if isinstance(config.model, str) else None,
            api_mode=config.api_mode if config.eval_type not in MODEL_EVAL_TYPES else None,
            model_args=canonical(redact_mapping(answer_settings(config.model_args, model)), "model_args"),
        )
    return identity


def log_stop_reason(handler: logging.Handler, exc: BaseException, ctrl_c_pressed: bool, run_dir: RunDir) -> None:
    """Write why the run stopped into the run's log file (the terminal hears it from the caller)."""
    if isinstance(exc, KeyboardInterrupt):
        how = str(exc) or ("aborted by a second Ctrl-C" if ctrl_c_pressed else "interrupted (Ctrl-C)")
        reason = f"run {how}; finished predictions are kept; resume with --use-cache {run_dir.root}"
    elif isinstance(exc, SampleErrors):
        reason = f"run finished with unscored samples: {exc}"
    elif isinstance(exc, EvalscopeError):
        reason = f"run failed: {exc}"
    else:
        reason = f"run failed: unexpected {one_line(exc)}"
    handler.handle(logger.makeRecord(logger.name, logging.ERROR, __file__, 0, reason, (), None))


def unscored_samples_problem(reports: list[dict[str, Any]], run_dir: RunDir) -> str | None:
    """Why the run should exit non-zero: samples that failed or could not be scored; None if all were scored."""
    counts = summed_counts(reports)
    errors, scoring_errors = counts["errors"], counts["scoring_errors"]
    problems = []
    if errors:
        problems.append(
            f"{errors} samples failed (see 'error' in {run_dir.root / 'predictions'}); "
            f"rerun with --use-cache {run_dir.root} to retry only them"
        )
    if scoring_errors:
        problems.append(
            f"the scorer failed on {scoring_errors} samples (see 'scoring_error' in {run_dir.root / 'reviews'}); "
            f"once it is fixed, --use-cache {run_dir.root} scores them again without asking the model"
        )
    return "; ".join(problems) + ", or pass --ignore-errors" if problems else None


def options_dict(options: Any) -> dict[str, Any]:
    """A benchmark's validated options as plain data (defaults included)."""
    if hasattr(options, "model_dump"):
        return options.model_dump(mode="json")
    return dict(getattr(options, "__dict__", {}))
