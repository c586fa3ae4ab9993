"""The endpoints of one API model (several ``--api-url``, or a managed engine's replicas) and which takes a request.

Each attempt goes to the endpoint in the rotation with the fewest attempts in flight (the first
given on a tie). Each endpoint has its own circuit breaker (``evalscope.models.breaker``): when
it trips, the endpoint leaves the rotation for ``cooldown`` seconds, then comes back on
probation, where one failed connection takes it out again and one answer makes it a full member.
With several endpoints, each starts on probation too (until its first answer), so an endpoint
that cannot be reached never draws requests for long. With one endpoint there is no probation:
it leaves only when its breaker trips, which stops the run, as it always did.

The run stops (``all_down``) only when no endpoint is in the rotation. ``shares`` says how many
answers each endpoint gave, and ``answers_for`` how many for one dataset (the one
``evalscope.models.driver.answering_for`` named when the answer came). URLs are shown without
their credentials.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from evalscope.models.breaker import ConnectionBreaker
from evalscope.models.driver import answering_for
from evalscope.utils.logger import get_logger
from evalscope.utils.secrets import redact_url

logger = get_logger()

DEFAULT_COOLDOWN = 30.0  # seconds an endpoint that stopped answering stays out of the rotation


@dataclass(eq=False)
class Endpoint:
    """One server: the URL to POST to, its base URL as shown (no credentials), and its state in the rotation."""

    url: str = field(repr=False)  # may hold credentials
    shown: str
    breaker: ConnectionBreaker = field(default_factory=ConnectionBreaker)
    proxy: str | None = None
    in_flight: int = 0
    answers: int = 0
    answers_by_dataset: Counter = field(default_factory=Counter)
    probation: bool = False
    down_until: float | None = None  # a ``clock()`` time while out of the rotation


class Endpoints:
    """The endpoints of one API model: which takes the next attempt, which left the rotation, and the shares.

    ``urls`` are the URLs to POST to and ``bases`` their base URLs (``http://host:8000/v1``), as
    many; ``cooldown`` is how long, in seconds, an endpoint that stopped answering is left out;
    ``label`` starts the log lines (the name the model was registered under).
    """

    def __init__(
        self,
        urls: list[str],
        bases: list[str],
        cooldown: float = DEFAULT_COOLDOWN,
        clock: Callable[[], float] = time.monotonic,
        label: str = "api",
    ) -> None:
        several = len(urls) > 1
        self.label = label
        self.cooldown = cooldown
        self.clock = clock
        self.all: list[Endpoint] = [
            Endpoint(url, redact_url(base), ConnectionBreaker(clock=clock), probation=several)
            for url, base in zip(urls, bases)
        ]

    def __len__(self) -> int:
        return len(self.all)

    def in_rotation(self) -> list[Endpoint]:
        """The endpoints that may take a request now; one whose cool-down is over comes back on probation."""
        now = self.clock()
        for endpoint in self.all:
            if endpoint.down_until is not None and now >= endpoint.down_until:
                endpoint.down_until, endpoint.probation = None, True
                logger.info(f"{self.label}: {endpoint.shown} is tried again after its cool-down")
        return [endpoint for endpoint in self.all if endpoint.down_until is None]

    def pick(self, avoid: Collection[Endpoint] = ()) -> Endpoint | None:
        """The endpoint in the rotation with the fewest attempts in flight, preferring those not in ``avoid``.

        None when no endpoint is in the rotation.
        """
        live = self.in_rotation()
        preferred = [endpoint for endpoint in live if endpoint not in avoid] or live
        return min(preferred, key=lambda endpoint: endpoint.in_flight, default=None)

    def another(self, avoid: Collection[Endpoint]) -> bool:
        """Whether an endpoint in the rotation is not in ``avoid``."""
        return any(endpoint not in avoid for endpoint in self.in_rotation())

    def reached(self, endpoint: Endpoint) -> None:
        """``endpoint`` answered a request (any HTTP status): it is alive and a full member of the rotation."""
        endpoint.breaker.answered()
        endpoint.probation = False

    def answered(self, endpoint: Endpoint) -> None:
        """``endpoint`` gave an answer, counted for the run and for the dataset it answers for."""
        endpoint.answers += 1
        endpoint.answers_by_dataset[answering_for.get()] += 1

    def connect_failed(self, endpoint: Endpoint, reason: str) -> bool:
        """A connection to ``endpoint`` could not be opened (``reason``); returns whether it left the rotation."""
        tripped = endpoint.breaker.failed(reason)
        if endpoint.down_until is not None:
            return False  # already out (another request saw it first)
        if not (tripped or endpoint.probation):
            return False
        endpoint.down_until = self.clock() + self.cooldown
        if len(self.all) > 1:
            logger.warning(
                f"{self.label}: {endpoint.shown} left the rotation ({self.describe(endpoint)}); "
                f"it is tried again after {self.cooldown:g} s"
            )
        return True

    def all_down(self) -> bool:
        """Whether no endpoint is in the rotation."""
        return not self.in_rotation()

    def describe(self, endpoint: Endpoint) -> str:
        """Why ``endpoint`` is failing: ``connection refused since 12:00:01``."""
        return f"{endpoint.breaker.last_reason} since {endpoint.breaker.since()}"

    def stopped_message(self) -> str:
        """One line saying that every endpoint stopped answering, naming each with its failure."""
        if len(self.all) == 1:
            endpoint = self.all[0]
            return f"the API at {endpoint.shown} stopped answering ({self.describe(endpoint)})"
        each = ", ".join(f"{endpoint.shown} ({self.describe(endpoint)})" for endpoint in self.all)
        if not any(endpoint.breaker.ever_answered for endpoint in self.all):
            return f"cannot reach any endpoint of the API: {each}; are the servers running?"
        return f"every endpoint of the API stopped answering: {each}"

    def shares(self) -> str | None:
        """``URL1 60 (60%), URL2 40 (40%)``: the answers each endpoint gave; None with one endpoint or no answer."""
        total = sum(endpoint.answers for endpoint in self.all)
        if len(self.all) < 2 or not total:
            return None
        return ", ".join(
            f"{endpoint.shown} {endpoint.answers} ({100 * endpoint.answers / total:.0f}%)" for endpoint in self.all
        )

    def answers_for(self, dataset: str) -> list[dict[str, int | str]] | None:
        """``[{"url": URL1, "answers": 60}, ...]``: the answers each endpoint gave for ``dataset``; None with one."""
        if len(self.all) < 2:
            return None
        return [{"url": endpoint.shown, "answers": endpoint.answers_by_dataset[dataset]} for endpoint in self.all]
