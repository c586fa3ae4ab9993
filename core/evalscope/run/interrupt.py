"""Ctrl-C during a run: the first press stops it after the batch in hand, the second aborts at once."""

from __future__ import annotations

import signal
import threading
from types import FrameType, TracebackType

from evalscope.utils.logger import get_logger

logger = get_logger()

FIRST_PRESS_MESSAGE = "stopping after the batch in hand; Ctrl-C again to abort"
STOPPED_AFTER_BATCH = "stopped by Ctrl-C after the batch in hand"


class StopRequested(Exception):
    """Raised by the runner at a safe point after the first Ctrl-C (the run turns it into ``KeyboardInterrupt``).

    An ordinary exception, so the event loop unwinds normally and the model is closed.
    """


class CtrlC:
    """While active, SIGINT asks the run to stop instead of raising ``KeyboardInterrupt`` mid-batch.

    The first Ctrl-C logs :data:`FIRST_PRESS_MESSAGE` and sets ``requested``; the runner starts no new
    batch and lets the ones in flight finish and be stored. A second Ctrl-C raises ``KeyboardInterrupt``
    wherever the run is. Outside the main thread, or when the program has its own SIGINT handler,
    nothing is installed and Ctrl-C behaves as the program set it up.
    """

    def __init__(self) -> None:
        self.requested = False
        self._installed = False

    def __enter__(self) -> CtrlC:
        if threading.current_thread() is threading.main_thread() and (
            signal.getsignal(signal.SIGINT) is signal.default_int_handler
        ):
            signal.signal(signal.SIGINT, self._on_sigint)
            self._installed = True
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self._installed:
            signal.signal(signal.SIGINT, signal.default_int_handler)
            self._installed = False

    def check(self) -> None:
        """Raise ``StopRequested`` if Ctrl-C was pressed."""
        if self.requested:
            raise StopRequested(FIRST_PRESS_MESSAGE)

    def _on_sigint(self, signum: int, frame: FrameType | None) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        logger.warning(FIRST_PRESS_MESSAGE)
