"""The circuit breaker of one API endpoint: says when a server that answered earlier in the run stopped answering."""

from __future__ import annotations

import time
from collections.abc import Callable

DEAD_AFTER_SECONDS = 5.0
DEAD_AFTER_FAILURES = 3


class ConnectionBreaker:
    """Decides from every sample's attempts, not one sample's, when the API is gone.

    Every attempt that reached the server (any HTTP status) calls ``answered``; every attempt
    that could not open a connection (refused, unreachable) calls ``failed``. The breaker trips when
    the server had answered earlier in the run, and since its last answer at least
    ``min_failures`` connection failures have happened over at least ``window`` seconds. A
    server that restarts within the window, or that drops a few connections while it keeps
    answering others, does not trip it. With the default backoff, one sample alone reaches
    its fourth attempt 3.5 to 7 s after the first failure and its fifth within 15 s, so the
    run stops well within 30 s of the server's death, whatever the number in flight.
    """

    def __init__(
        self,
        window: float = DEAD_AFTER_SECONDS,
        min_failures: int = DEAD_AFTER_FAILURES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.window = window
        self.min_failures = min_failures
        self.clock = clock
        self.ever_answered = False
        self.failures = 0
        self.failing_since: float | None = None
        self.failing_since_wall: float | None = None
        self.last_reason = ""

    def answered(self) -> None:
        """The server answered a request: it is alive."""
        self.ever_answered = True
        self.failures = 0
        self.failing_since = None

    def failed(self, reason: str) -> bool:
        """A connection failed with ``reason``; returns whether the server should now be considered dead."""
        now = self.clock()
        if self.failing_since is None:
            self.failing_since, self.failing_since_wall = now, time.time()
        self.failures += 1
        self.last_reason = reason
        if not self.ever_answered:
            return False
        return self.failures >= self.min_failures and now - self.failing_since >= self.window

    def since(self) -> str:
        """The local time of the first failure since the last answer, as ``HH:MM:SS``."""
        return time.strftime("%H:%M:%S", time.localtime(self.failing_since_wall or time.time()))
