"""The record of a routed call: each attempt, the answer with all of them, and the call's progress.

An :class:`Attempt` is one step along a profile's chain: a request sent, an answer from
the cache, or a model skipped. A :class:`Routed` answer carries every attempt that led
to it; a :class:`~llm_catalog.data.errors.RouteError` carries them when no model
answered. :class:`RoutedCall` is the router's running record of one call as it moves
along the chain.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from llm_catalog.data import clock, errors
from llm_catalog.data.profiles import Failure, Profile

if TYPE_CHECKING:
    from llm_catalog.calls.driver.answers import Completion, Usage
    from llm_catalog.data.records import Model

__all__ = [
    "ANSWERED",
    "CACHED",
    "CANCELLED",
    "SKIPPED",
    "Attempt",
    "Routed",
    "RoutedCall",
    "Skip",
    "failure_of",
]

# The router's logger: attempts are logged under the router's name, where they were
# always logged.
_LOG = logging.getLogger("llm_catalog.calls.router")

ANSWERED = "answered"
CACHED = "cached"
SKIPPED = "skipped"
CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Attempt:
    """One step of a routed call: a request sent, an answer from the cache, or a model skipped.

    ``outcome`` is ``"answered"``, ``"cached"``, ``"skipped"`` (nothing was sent:
    ``reason`` says why) or the :class:`~llm_catalog.data.profiles.Failure` the request met
    (``error`` holds the typed error). ``waited_seconds`` is the backoff or rate-limit
    wait before it; ``cost`` is in US dollars, from the catalog's prices.
    """

    number: int
    model_id: str
    provider: str
    outcome: str
    started_at: dt.datetime
    latency_seconds: float = 0.0
    waited_seconds: float = 0.0
    reason: str | None = None
    error: errors.CallError | None = None
    usage: Usage | None = None
    cost: Decimal | None = None

    @property
    def sent(self) -> bool:
        """Whether a request went to the provider."""
        return self.outcome not in (SKIPPED, CACHED)

    def __str__(self) -> str:
        head = f"{self.number}. {self.model_id}: {self.outcome}"
        if self.waited_seconds:
            head += f" (after waiting {self.waited_seconds:.2f} s)"
        if self.reason:
            return f"{head}: {self.reason}"
        if self.error is not None:
            return f"{head}: {self.error}"
        return head


@dataclass(frozen=True, slots=True)
class Routed:
    """A routed call's answer, with every attempt that led to it."""

    profile: str
    completion: Completion
    attempts: tuple[Attempt, ...]
    call_id: str
    """Groups this call's rows in the ledger."""
    cached: bool = False

    @property
    def text(self) -> str:
        return self.completion.text

    @property
    def model_id(self) -> str:
        """The model that answered."""
        return self.completion.model_id

    @property
    def cost(self) -> Decimal | None:
        """US dollars spent by this call over all its attempts (0 for a cached answer)."""
        costs = [a.cost for a in self.attempts if a.sent and a.cost is not None]
        return sum(costs, Decimal(0)) if costs or self.cached else None


class Skip(Exception):
    """A model passed over before anything was sent; never retried."""

    def __init__(self, reason: str, *, budget: bool = False, error: Any = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.budget = budget
        self.error = error


def failure_of(error: errors.CallError) -> Failure:
    """The kind of failure a provider error is, in the words profiles use."""
    kinds: list[tuple[type[errors.CallError], Failure]] = [
        (errors.RateLimitError, Failure.RATE_LIMIT),
        (errors.ProviderTimeoutError, Failure.TIMEOUT),
        (errors.MalformedResponseError, Failure.MALFORMED),
        (errors.AuthenticationError, Failure.AUTHENTICATION),
        (errors.ContentPolicyError, Failure.CONTENT_POLICY),
        (errors.ContextWindowError, Failure.CONTEXT_WINDOW),
        (errors.BadRequestError, Failure.BAD_REQUEST),
    ]
    for kind, failure in kinds:
        if isinstance(error, kind):
            return failure
    return Failure.UNAVAILABLE


@dataclass
class RoutedCall:
    """The state of one routed call as it moves along the chain."""

    profile_name: str
    profile: Profile
    messages: Sequence[Mapping[str, Any]]
    params: dict[str, Any]
    call_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    deadline: float | None = None
    attempts: list[Attempt] = field(default_factory=list)
    # The smallest window the provider said was too small for this prompt.
    too_small: int | None = None
    budget_refused: bool = False
    waited: float = 0.0

    def add(self, model: Model, outcome: str, **fields: Any) -> Attempt:
        """Record the next attempt at ``model``, counting the wait since the last one."""
        attempt = Attempt(
            number=len(self.attempts) + 1,
            model_id=model.id,
            provider=model.provider,
            outcome=outcome,
            started_at=fields.pop("started_at", None) or clock.now(),
            waited_seconds=self.waited,
            **fields,
        )
        self.waited = 0.0
        self.attempts.append(attempt)
        _LOG.debug("profile %s call %s: %s", self.profile_name, self.call_id, attempt)
        return attempt

    def remaining(self) -> float | None:
        """Seconds left before the profile's deadline; None without a deadline."""
        return None if self.deadline is None else self.deadline - time.monotonic()
