"""The run's stop policy: what each exception of a run means, and when failed samples stop the run.

Every place that catches an exception during a run (the model driver, the scheduler, scoring and
the end-of-run check in the runner) asks one ``StopPolicy``, configured from ``--ignore-errors`` and
``--fail-on-error``:

- ``ConfigError`` and ``ModelError`` (a wrong setting, key, URL or model: HTTP 401, 403, 404), from
  the model or from a scorer (an LLM judge), are fatal: the run stops at once, finished samples
  are kept.
- A local model's batch that failed (``BatchError``: it raised, or broke the response contract) is
  fatal, unless failed samples are tolerated (``--ignore-errors``, or a ``--fail-on-error``
  threshold): then each sample of the batch records the error.
- Any other exception of a model call is that sample's error; of a scorer, its scoring error.
- Failed samples (an error or a scoring error) stop the run after the batches in hand once there
  are more than ``--fail-on-error`` allows; at the end, the run fails if any sample failed, unless
  ``--ignore-errors`` is given or a threshold says how many may.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any

from evalscope.errors import (
    BatchError,
    ConfigError,
    ModelError,
    SampleErrors,
    ScorerStopped,
    TooManyFailures,
    one_line,
)

FailOnError = bool | int | float | None


class Outcome(Enum):
    """What an exception, or the failures so far, mean for the run."""

    FATAL = "fatal"
    """Stop the run now; finished samples are kept."""
    SAMPLE_ERROR = "sample_error"
    """Record it as the sample's error and go on."""
    SCORING_ERROR = "scoring_error"
    """Record it as the sample's scoring error and go on."""
    STOP_AFTER_BATCH = "stop_after_batch"
    """Finish the batches in hand, start no new one."""


class Stage(Enum):
    """Where an exception was raised."""

    MODEL = "model"
    """A call answering one prompt (an ``AsyncModel``)."""
    BATCH = "batch"
    """A local model's batch (a ``CustomModel``)."""
    SCORING = "scoring"
    """A scorer grading one sample."""


def check_fail_on_error(value: Any) -> FailOnError:
    """``value`` as a ``fail_on_error`` setting: None, a bool, a count of at least 1, or a fraction in (0, 1)."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if (isinstance(value, int) and value >= 1) or (isinstance(value, float) and 0 < value < 1):
        return value
    raise ValueError("must be true, false, a count of at least 1 or a fraction between 0 and 1")


class StopPolicy:
    """Classifies every exception of one run and counts its failed samples.

    ``fail_on_error`` is ``None`` (the default: failed samples never stop the run midway, and fail
    it at the end unless ``ignore_errors``), ``True`` (stop after the batch in which the first sample
    fails), ``False`` (never fail for failed samples), a count ``n`` (stop once more than ``n``
    samples failed) or a fraction ``f`` (stop once more than ``f`` of the finished samples failed,
    judged from the ``ceil(1/f)``-th finished sample on, when one failure no longer exceeds it by
    itself). With a threshold, the run that ends below it succeeds. ``interrupted()`` says whether
    the user asked the run to stop (Ctrl-C).
    """

    def __init__(
        self,
        ignore_errors: bool = False,
        fail_on_error: FailOnError = None,
        interrupted: Callable[[], bool] = lambda: False,
    ) -> None:
        self.ignore_errors = ignore_errors
        self.fail_on_error = check_fail_on_error(fail_on_error)
        self.interrupted = interrupted
        self.finished = 0
        self.failed = 0
        self.first_failure: str | None = None

    @property
    def tolerates_failures(self) -> bool:
        """Whether a failed sample is recorded rather than stopping the run at once."""
        return self.ignore_errors or (self.fail_on_error is not None and self.fail_on_error is not True)

    def classify(self, exc: BaseException, stage: Stage) -> Outcome:
        """What ``exc``, raised at ``stage``, means for the run (see the module docstring)."""
        if isinstance(exc, BatchError):
            return Outcome.SAMPLE_ERROR if self.tolerates_failures else Outcome.FATAL
        if isinstance(exc, ConfigError | ModelError | ScorerStopped) or not isinstance(exc, Exception):
            return Outcome.FATAL
        return Outcome.SCORING_ERROR if stage is Stage.SCORING else Outcome.SAMPLE_ERROR

    def sample_error(self, exc: Exception, stage: Stage = Stage.MODEL) -> str:
        """The one-line error a model call's ``exc`` records for its sample; raises ``exc`` when it is fatal."""
        if self.classify(exc, stage) is Outcome.FATAL:
            raise exc
        return str(exc) if isinstance(exc, BatchError) else one_line(exc)

    def scoring_error(self, exc: Exception, scorer: str) -> str:
        """The one-line scoring error ``exc`` records for its sample; when it is fatal, raises
        ``ScorerStopped`` naming ``scorer`` and what was refused."""
        if self.classify(exc, Stage.SCORING) is Outcome.FATAL:
            raise ScorerStopped(f"scorer {scorer!r} stopped the run: {one_line(exc)}") from exc
        return one_line(exc)

    def count(self, review: Mapping[str, Any], where: str = "") -> None:
        """Count one finished sample (its review): failed when it has an ``error`` or a ``scoring_error``."""
        self.finished += 1
        problem = review.get("error") or review.get("scoring_error")
        if problem:
            self.failed += 1
            if self.first_failure is None:
                self.first_failure = f"{where}sample {review.get('sample_id')}: {problem}"

    def over_threshold(self, final: bool = False) -> bool:
        """Whether the failed samples so far are more than ``fail_on_error`` allows (``final``: of the whole
        run, so a fraction is judged however few samples there were)."""
        limit = self.fail_on_error
        if limit is None or limit is False or not self.failed:
            return False
        if limit is True:
            return True
        if isinstance(limit, int):
            return self.failed > limit
        enough = final or self.finished >= math.ceil(1 / limit)
        return enough and self.failed > limit * self.finished

    def stop_after_batch(self) -> bool:
        """Whether the run should start no new batch: the user asked, or too many samples failed."""
        return self.interrupted() or self.over_threshold()

    def check_stopped(self) -> None:
        """Raise ``TooManyFailures`` when the run stopped early because too many samples failed."""
        if self.over_threshold():
            raise TooManyFailures(f"stopped after the batch in hand: {self.failures()}")

    def failures(self) -> str:
        """``N of M finished samples failed, more than --fail-on-error F allows (first: ...)``."""
        limit = self.fail_on_error
        allowed = "--fail-on-error true allows none" if limit is True else f"more than --fail-on-error {limit:g} allows"
        return f"{self.failed} of {self.finished} finished samples failed, {allowed} (first: {self.first_failure})"

    def check_end(self, problem: str | None) -> None:
        """At the end of a run whose failed samples ``problem`` describes (None: none), raise ``SampleErrors``
        when they fail the run."""
        if problem is None or self.ignore_errors or self.fail_on_error is False:
            return
        if self.fail_on_error is None or self.over_threshold(final=True):
            raise SampleErrors(problem)
