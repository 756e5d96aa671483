"""Router profiles: named fallback chains with their retry, limit, budget and cache settings.

A profile lives under ``profiles:`` in any catalog file, keyed by its name, and is
validated with the rest of the catalog (``llm-catalog validate``), so a profile that
names a model the catalog lacks, or a query ``select`` refuses, is an error with its
file, line and column. The router (:mod:`llm_catalog.calls.router`) turns a profile into
a chain of models and calls them in order.

Money is in US dollars; times in seconds; rate limits per minute.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, field_validator

from llm_catalog.data.record_base import FULL_ID_PATTERN, ID_PATTERN, Record, TokenCount

__all__ = [
    "Backoff",
    "Budget",
    "CacheSettings",
    "Failure",
    "Profile",
    "ProfileRateLimits",
    "RateLimit",
    "WhenLimited",
]

PROFILE_NAME_PATTERN = r"^[a-z0-9][a-z0-9_.-]*$"
MAX_BUDGET = 10_000_000

ModelName = Annotated[str, Field(min_length=1, max_length=300)]
Seconds = Annotated[float, Field(gt=0, le=3600)]


def _plain_numbers(value: Any) -> Any:
    """``value`` with Decimals (as catalog files read numbers) made floats, or ints where written so."""
    if isinstance(value, Decimal):
        exponent = value.as_tuple().exponent
        return int(value) if isinstance(exponent, int) and exponent >= 0 else float(value)
    if isinstance(value, dict):
        return {key: _plain_numbers(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain_numbers(item) for item in value]
    return value


class Failure(StrEnum):
    """Kinds of failed attempt, as profiles name them in ``retry_on`` and ``fallback_on``."""

    RATE_LIMIT = "rate_limit"
    """The provider answered 429."""
    UNAVAILABLE = "unavailable"
    """A 5xx answer, an overload, or a failed connection."""
    TIMEOUT = "timeout"
    """No answer within the timeout."""
    MALFORMED = "malformed"
    """An answer that could not be read."""
    AUTHENTICATION = "authentication"
    """The provider refused the key."""
    CONTEXT_WINDOW = "context_window"
    """The provider said the prompt is too long."""
    CONTENT_POLICY = "content_policy"
    """The provider's content policy refused the request."""
    BAD_REQUEST = "bad_request"
    """The provider refused the request as malformed: never retried."""


RETRYABLE = frozenset({Failure.RATE_LIMIT, Failure.UNAVAILABLE, Failure.TIMEOUT, Failure.MALFORMED})


class WhenLimited(StrEnum):
    """What the router does with a model that is over a rate limit."""

    SKIP = "skip"
    """Move on to the next model in the chain."""
    WAIT = "wait"
    """Wait until the limit allows the call, up to ``max_wait_seconds``, then skip."""


class Backoff(Record):
    """Exponential backoff with jitter between retries of the same model."""

    initial_seconds: Annotated[float, Field(ge=0, le=600)] = Field(
        default=0.5, description="Wait before the first retry, in seconds."
    )
    multiplier: Annotated[float, Field(ge=1, le=10)] = Field(
        default=2.0, description="Each retry waits this many times longer than the one before."
    )
    max_seconds: Annotated[float, Field(ge=0, le=3600)] = Field(
        default=30.0, description="No wait between retries is longer than this, in seconds."
    )
    jitter_seconds: Annotated[float, Field(ge=0, le=600)] = Field(
        default=0.5,
        description="A random extra wait, from 0 up to this many seconds, so that callers "
        "who failed together do not retry together.",
    )


class RateLimit(Record):
    """Requests and tokens per minute allowed to one model or one provider."""

    requests_per_minute: TokenCount | None = Field(default=None, description="Requests per minute.")
    tokens_per_minute: TokenCount | None = Field(
        default=None,
        description="Tokens per minute, input plus output (output counted as max_tokens "
        "before the call).",
    )


class ProfileRateLimits(Record):
    """Rate limits the router enforces before calling, over those the catalog records."""

    models: dict[Annotated[str, Field(pattern=FULL_ID_PATTERN, max_length=300)], RateLimit] = Field(
        default_factory=dict, description="Limits per model, by full model id."
    )
    providers: dict[Annotated[str, Field(pattern=ID_PATTERN, max_length=64)], RateLimit] = Field(
        default_factory=dict, description="Limits per provider, by provider id."
    )
    when_limited: WhenLimited = Field(
        default=WhenLimited.SKIP,
        description="'skip' moves on to the next model; 'wait' waits for the limit, up to "
        "max_wait_seconds.",
    )
    max_wait_seconds: Annotated[float, Field(ge=0, le=3600)] = Field(
        default=10.0, description="The longest wait for a rate limit, with when_limited: wait."
    )


class Budget(Record):
    """Spending ceilings for a profile, in US dollars, per UTC calendar day and month.

    The router reserves a call's largest possible cost before the call and settles
    the real cost after it, so that concurrent calls never spend past a ceiling.
    """

    per_day_usd: Annotated[Decimal, Field(gt=0, le=MAX_BUDGET)] | None = Field(
        default=None, description="US dollars per UTC day."
    )
    per_month_usd: Annotated[Decimal, Field(gt=0, le=MAX_BUDGET)] | None = Field(
        default=None, description="US dollars per UTC calendar month."
    )


class CacheSettings(Record):
    """The response cache for identical requests (never errors, never keys)."""

    enabled: bool = Field(default=False, description="Answer identical requests from the cache.")
    ttl_seconds: Annotated[int, Field(ge=1, le=31_536_000)] = Field(
        default=3600, description="How long an answer stays in the cache, in seconds."
    )


class Profile(Record):
    """A named way to call models: which ones, in what order, and within what limits.

    Give either ``models`` (an ordered list of ids or aliases) or ``select`` (the
    keywords of :func:`llm_catalog.select`; its first ``top`` matches are the chain).
    """

    description: str | None = Field(
        default=None, max_length=2000, description="What the profile is for."
    )
    models: tuple[ModelName, ...] | None = Field(
        default=None,
        min_length=1,
        max_length=50,
        description="The chain, in order: full model ids or aliases.",
    )
    select: dict[Annotated[str, Field(max_length=64)], Any] | None = Field(
        default=None,
        description="A query: the keywords of select() (for example {vision: true, "
        "max_cost: 0.01}); its first 'top' matches, in its order, are the chain.",
    )
    top: Annotated[int, Field(ge=1, le=50)] = Field(
        default=3, description="How many of the query's matches make the chain."
    )
    params: dict[Annotated[str, Field(max_length=64)], Any] = Field(
        default_factory=dict,
        description="Request parameters sent with every call (for example max_tokens, "
        "temperature); a call's own parameters win.",
    )
    drop_unsupported: bool = Field(
        default=True,
        description="Drop parameters a model of the chain does not accept, rather than "
        "skip the model.",
    )
    retries: Annotated[int, Field(ge=0, le=20)] = Field(
        default=2,
        description="Retries of the same model after a failure named in retry_on, before "
        "moving on.",
    )
    retry_on: tuple[Failure, ...] = Field(
        default=tuple(sorted(RETRYABLE)),
        description="Failures retried on the same model (bad_request never is).",
    )
    fallback_on: tuple[Failure, ...] = Field(
        default=(
            Failure.AUTHENTICATION,
            Failure.CONTEXT_WINDOW,
            Failure.MALFORMED,
            Failure.RATE_LIMIT,
            Failure.TIMEOUT,
            Failure.UNAVAILABLE,
        ),
        description="Failures after which the next model is tried; any other failure "
        "ends the call with that error.",
    )
    backoff: Backoff = Field(default_factory=Backoff, description="Waits between retries.")
    max_retry_after_seconds: Annotated[float, Field(ge=0, le=3600)] = Field(
        default=30.0,
        description="A Retry-After longer than this moves on to the next model instead of waiting.",
    )
    timeout_seconds: Seconds | None = Field(
        default=None,
        description="Seconds each attempt may take; the provider's timeout when absent.",
    )
    deadline_seconds: Seconds | None = Field(
        default=None,
        description="Seconds the whole call may take, retries and waits included; no "
        "attempt starts after it.",
    )
    rate_limits: ProfileRateLimits = Field(
        default_factory=ProfileRateLimits,
        description="Rate limits enforced before each call; the catalog's own limits "
        "(provider and model rate_limits) apply where the profile names none.",
    )
    budget: Budget | None = Field(default=None, description="Spending ceilings.")
    cache: CacheSettings = Field(default_factory=CacheSettings, description="Response cache.")

    @field_validator("params", mode="after")
    @classmethod
    def _json_numbers(cls, params: dict[str, Any]) -> dict[str, Any]:
        # Catalog files read numbers as Decimal; request parameters go out as JSON.
        plain: dict[str, Any] = _plain_numbers(params)
        return plain
