"""The router: named profiles become fallback chains with retries, limits, budgets and a ledger.

    router = Router()
    routed = router.complete("budget_agent", [{"role": "user", "content": "Hi"}])
    routed.text, routed.model_id, routed.cost, routed.attempts

A profile (:mod:`llm_catalog.data.profiles`) names a chain of models, or a query whose top
matches are the chain. For each model in turn the router:

1. skips it when the provider already said the prompt is too long for a window at
   least as small, or when the driver refuses the call before sending it (no key, a
   parameter it does not accept, a prompt that does not fit);
2. checks the rate limits (the profile's, else the catalog's) of the model and its
   provider, and skips the model or waits for room, as the profile says;
3. reserves the call's largest possible cost against the profile's budget (skipping
   the model when the budget cannot cover it), records the attempt in the ledger,
   sends the call, then settles the real cost and completes the ledger row;
4. retries failures named in ``retry_on`` with exponential backoff and jitter,
   waiting at least as long as a Retry-After asks (a longer one than
   ``max_retry_after_seconds`` moves on instead); never retries a bad request;
5. moves on after failures named in ``fallback_on``; any other failure ends the call.

Every attempt and skip is in the answer (:class:`Routed`) or in the error
(:class:`~llm_catalog.data.errors.RouteError`). State (budgets, rate-limit windows, the
cache, shared counters) lives in :mod:`llm_catalog.calls.state`: SQLite by default, Redis
with ``LLM_CATALOG_STATE=redis://...``; the ledger is :mod:`llm_catalog.calls.ledger`.

litellm's own Router is not used: it keeps its own model list and prices where the
catalog owns both, its fallbacks do not report each attempt, and its local cache,
budgets and cost-based routing were seen failing on a plain install. The retry loop
is tenacity's and the rate-limit windows are the ``limits`` library's; budgets and
the cache are in :mod:`llm_catalog.calls.state`, because no library reserves money
atomically across processes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import logging
import math
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llm_catalog.data import clock, errors
from llm_catalog.data.profiles import RETRYABLE, Failure, Profile, WhenLimited

if TYPE_CHECKING:
    from limits.strategies import RateLimiter

    from llm_catalog.calls.driver import Completion, PreparedCall, Usage
    from llm_catalog.calls.ledger import Ledger
    from llm_catalog.calls.state import Reservation, State
    from llm_catalog.data.records import Model
    from llm_catalog.query.catalog import Catalog

__all__ = ["Attempt", "Routed", "Router"]

_LOG = logging.getLogger("llm_catalog.calls.router")

ANSWERED = "answered"
CACHED = "cached"
SKIPPED = "skipped"
CANCELLED = "cancelled"

# Call options the driver takes beside request parameters; they change where a call
# goes, not what it asks, so they are no part of a cache key.
_OPTIONS = frozenset(
    {"api_base", "api_key_env", "timeout", "extra_headers", "drop_unsupported", "allow_insecure"}
)
# A reservation outlives its call by this much before another caller may reclaim it,
# so a process that dies mid-call frees its hold instead of blocking the budget.
_HOLD_MARGIN_SECONDS = 60.0
_DEFAULT_HOLD_SECONDS = 600.0
# The prompt is counted exactly for OpenAI models and estimated for others; a
# reservation must not fall short of the bill, so the count is padded.
_INPUT_MARGIN = Decimal("1.25")
_CACHE_FORMAT = 1


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


class _Skip(Exception):
    """A model passed over before anything was sent; never retried."""

    def __init__(self, reason: str, *, budget: bool = False, error: Any = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.budget = budget
        self.error = error


def _failure(error: errors.CallError) -> Failure:
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


def _now() -> dt.datetime:
    return clock.now()


@dataclass
class _Call:
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
        attempt = Attempt(
            number=len(self.attempts) + 1,
            model_id=model.id,
            provider=model.provider,
            outcome=outcome,
            started_at=fields.pop("started_at", None) or _now(),
            waited_seconds=self.waited,
            **fields,
        )
        self.waited = 0.0
        self.attempts.append(attempt)
        _LOG.debug("profile %s call %s: %s", self.profile_name, self.call_id, attempt)
        return attempt

    def remaining(self) -> float | None:
        return None if self.deadline is None else self.deadline - time.monotonic()


@dataclass(frozen=True, slots=True)
class _Admission:
    """What an attempt holds while its request is out."""

    reservation: Reservation | None
    row: int
    started_at: dt.datetime
    started: float


class Router:
    """Calls the models of named profiles, with fallbacks, retries, limits, budgets and a ledger.

    ``catalog``: where profiles and models come from (the default catalog when None).
    ``profiles``: more profiles, by name, over the catalog's.
    ``state``: a :class:`~llm_catalog.calls.state.State`, or its URL (``sqlite:///path``,
    ``redis://host``); None reads ``LLM_CATALOG_STATE``, else SQLite in the user's data
    directory. ``ledger``: a :class:`~llm_catalog.calls.ledger.Ledger` or its path; None is
    ``usage.sqlite3`` in the user's data directory.

    A router is safe to share between threads and between tasks of one event loop.
    """

    def __init__(
        self,
        catalog: Catalog | None = None,
        *,
        profiles: Mapping[str, Profile] | None = None,
        state: State | str | None = None,
        ledger: Ledger | str | Path | None = None,
    ) -> None:
        if catalog is None:
            from llm_catalog.load.loader import default_catalog

            catalog = default_catalog()
        self.catalog = catalog
        self._profiles: dict[str, Profile] = {**catalog.profiles, **(profiles or {})}
        self._chains: dict[str, tuple[Model, ...]] = {}
        from llm_catalog.calls.ledger import Ledger
        from llm_catalog.calls.state import State, open_state

        self._own_state = not isinstance(state, State)
        self.state: State = state if isinstance(state, State) else open_state(state)
        self._own_ledger = not isinstance(ledger, Ledger)
        self.ledger: Ledger = ledger if isinstance(ledger, Ledger) else Ledger(ledger)
        self._limiter: RateLimiter | None = None

    # -- lifecycle ------------------------------------------------------------------------

    def close(self) -> None:
        """Close the state and the ledger, when the router opened them."""
        if self._own_state:
            self.state.close()
        if self._own_ledger:
            self.ledger.close()

    def __enter__(self) -> Router:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Router {len(self._profiles)} profiles, state {self.state.description}>"

    # -- profiles -------------------------------------------------------------------------

    @property
    def profiles(self) -> Mapping[str, Profile]:
        """Profiles by name: the catalog's, and those given to the router."""
        return self._profiles

    def profile(self, name: str) -> Profile:
        """The profile called ``name``; raises UnknownProfileError naming the known ones."""
        profile = self._profiles.get(name)
        if profile is None:
            raise errors.UnknownProfileError(name, sorted(self._profiles))
        return profile

    def chain(self, name: str) -> tuple[Model, ...]:
        """The models of profile ``name``, in the order they are tried."""
        chain = self._chains.get(name)
        if chain is None:
            profile = self.profile(name)
            if profile.models is not None:
                chain = tuple(self.catalog.get(model) for model in profile.models)
            else:
                query = dict(profile.select or {})
                chain = tuple(match.model for match in self.catalog.select(**query)[: profile.top])
            self._chains[name] = chain
        return chain

    def spent(self, name: str) -> dict[str, Decimal]:
        """US dollars profile ``name`` has spent this UTC day and month."""
        self.profile(name)
        return self.state.spent(name, now=_now())

    # -- calls ----------------------------------------------------------------------------

    def complete(
        self, profile: str, messages: Sequence[Mapping[str, Any]], **params: Any
    ) -> Routed:
        """Answer ``messages`` with the first model of ``profile`` that can.

        ``params`` are request parameters over the profile's ``params`` (and the
        driver's call options, such as ``api_base``). Raises
        :class:`~llm_catalog.data.errors.RouteError` (or BudgetExceededError) naming every
        attempt when no model answered.
        """
        call = self._start(profile, messages, params)
        cached = self._cached(call)
        if cached is not None:
            return cached
        for model in self.chain(profile):
            try:
                prepared = self._prepare(call, model)
                completion = self._retrying(call)(self._attempt, call, model, prepared)
            except _Skip as skip:
                self._skipped(call, model, skip)
                continue
            except errors.CallError as error:
                self._failed(call, model, error)
                continue
            return self._answered(call, completion)
        raise self._exhausted(call)

    async def acomplete(
        self, profile: str, messages: Sequence[Mapping[str, Any]], **params: Any
    ) -> Routed:
        """The async twin of :meth:`complete`."""
        call = self._start(profile, messages, params)
        if call.profile.cache.enabled:
            cached = await asyncio.to_thread(self._cached, call)
            if cached is not None:
                return cached
        for model in self.chain(profile):
            try:
                prepared = self._prepare(call, model)
                completion = await self._aretrying(call)(self._aattempt, call, model, prepared)
            except _Skip as skip:
                self._skipped(call, model, skip)
                continue
            except errors.CallError as error:
                self._failed(call, model, error)
                continue
            if call.profile.cache.enabled:
                return await asyncio.to_thread(self._answered, call, completion)
            return self._answered(call, completion)
        raise self._exhausted(call)

    # -- one call, step by step -----------------------------------------------------------

    def _start(
        self, name: str, messages: Sequence[Mapping[str, Any]], params: Mapping[str, Any]
    ) -> _Call:
        from llm_catalog.calls.driver import check_messages

        profile = self.profile(name)
        check_messages(messages)
        merged = {**profile.params, **params}
        if profile.timeout_seconds is not None:
            merged.setdefault("timeout", profile.timeout_seconds)
        merged.setdefault("drop_unsupported", profile.drop_unsupported)
        call = _Call(name, profile, messages, merged)
        if profile.deadline_seconds is not None:
            call.deadline = time.monotonic() + profile.deadline_seconds
        return call

    def _prepare(self, call: _Call, model: Model) -> PreparedCall:
        from llm_catalog.calls import driver

        window = model.limits.max_input_tokens or model.limits.context_window
        if call.too_small is not None and window <= call.too_small:
            raise _Skip(
                f"its input limit of {window:,} tokens is no larger than the "
                f"{call.too_small:,} the provider said was too small"
            )
        try:
            return driver.prepare_completion(model, call.messages, **call.params)
        except errors.CallError as error:
            raise _Skip(str(error), error=error) from None

    def _retrying(self, call: _Call) -> Any:
        import tenacity

        return tenacity.Retrying(**self._retry_policy(call))

    def _aretrying(self, call: _Call) -> Any:
        import tenacity

        return tenacity.AsyncRetrying(**self._retry_policy(call))

    def _retry_policy(self, call: _Call) -> dict[str, Any]:
        """tenacity's settings for retrying one model: what, how long between, when to stop."""
        import tenacity

        profile = call.profile
        backoff = profile.backoff
        exponential = tenacity.wait_exponential(
            multiplier=backoff.initial_seconds, exp_base=backoff.multiplier, max=backoff.max_seconds
        ) + tenacity.wait_random(0, backoff.jitter_seconds)
        retry_on = frozenset(profile.retry_on) & RETRYABLE

        def worth_retrying(error: BaseException) -> bool:
            if not isinstance(error, errors.CallError):
                return False
            if _failure(error) not in retry_on:
                return False
            wait = getattr(error, "retry_after", None)
            return wait is None or wait <= profile.max_retry_after_seconds

        def wait(state: Any) -> float:
            error = state.outcome.exception() if state.outcome else None
            asked = getattr(error, "retry_after", None) or 0.0
            return max(float(exponential(state)), float(asked))

        def stop(state: Any) -> bool:
            if state.attempt_number > profile.retries:
                return True
            left = call.remaining()  # no retry whose wait would end past the deadline
            return left is not None and state.upcoming_sleep >= left

        def note_wait(state: Any) -> None:
            call.waited += state.upcoming_sleep

        return {
            "retry": tenacity.retry_if_exception(worth_retrying),
            "wait": wait,
            "stop": stop,
            "before_sleep": note_wait,
            "reraise": True,
        }

    def _attempt(self, call: _Call, model: Model, prepared: PreparedCall) -> Completion:
        """One request to ``model``: admitted, sent, concluded (raises its failure)."""
        from llm_catalog.calls import driver

        while True:
            admission = self._admit(call, model, prepared)
            if isinstance(admission, _Admission):
                break
            time.sleep(admission)
            call.waited += admission
        try:
            completion = driver.send_completion(prepared)
        except errors.CallError as error:
            failure = error
        except BaseException:
            self._abandon(call, model, admission)
            raise
        else:
            self._conclude(call, model, admission, completion, None)
            return completion
        self._conclude(call, model, admission, None, failure)
        raise failure

    async def _aattempt(self, call: _Call, model: Model, prepared: PreparedCall) -> Completion:
        from llm_catalog.calls import driver

        while True:
            admission = await asyncio.to_thread(self._admit, call, model, prepared)
            if isinstance(admission, _Admission):
                break
            await asyncio.sleep(admission)
            call.waited += admission
        try:
            completion = await driver.asend_completion(prepared)
        except errors.CallError as error:
            failure = error
        except BaseException:
            # Cancelled (a caller's timeout, a shutdown) or interrupted: close the books
            # now, in this thread, rather than leave them to the hold's expiry.
            self._abandon(call, model, admission)
            raise
        else:
            await asyncio.to_thread(self._conclude, call, model, admission, completion, None)
            return completion
        await asyncio.to_thread(self._conclude, call, model, admission, None, failure)
        raise failure

    # -- admission: rate limits, budget, ledger -------------------------------------------

    def _admit(self, call: _Call, model: Model, prepared: PreparedCall) -> _Admission | float:
        """Room in the rate limits and the budget, and a ledger row; or seconds to wait.

        Raises _Skip when the model is to be passed over.
        """
        left = call.remaining()
        if left is not None and left <= 0:
            raise _Skip(f"the profile's deadline of {call.profile.deadline_seconds:g} s passed")
        wait = self._take_rate(call, model, prepared)
        if wait:
            limits = call.profile.rate_limits
            if limits.when_limited is WhenLimited.SKIP:
                raise _Skip(f"over a rate limit (room again in {wait:.1f} s)")
            if call.waited + wait > limits.max_wait_seconds or (left is not None and wait >= left):
                raise _Skip(
                    f"over a rate limit for another {wait:.1f} s, longer than the "
                    f"{limits.max_wait_seconds:g} s the profile waits"
                )
            return wait
        reservation = self._reserve(call, model, prepared)
        started_at = _now()
        row = self.ledger.begin(
            call_id=call.call_id,
            profile=call.profile_name,
            model=model.id,
            provider=model.provider,
            attempt=len(call.attempts) + 1,
            started_at=started_at,
        )
        return _Admission(reservation, row, started_at, time.perf_counter())

    def _rate_limiter(self) -> RateLimiter:
        if self._limiter is None:
            from limits.storage import storage_from_string
            from limits.strategies import MovingWindowRateLimiter

            # A moving window never lets a burst at a window's edge double the limit.
            self._limiter = MovingWindowRateLimiter(
                storage_from_string(self.state.rate_limit_storage)
            )
        return self._limiter

    def _rate_items(
        self, call: _Call, model: Model, tokens: int
    ) -> list[tuple[Any, tuple[str, ...], int]]:
        """Each rate limit that applies to a request to ``model``: (item, identifiers, cost)."""
        from limits import RateLimitItemPerDay, RateLimitItemPerMinute

        limits = call.profile.rate_limits
        provider = self.catalog.providers[model.provider]
        scopes = (
            ("model", model.id, limits.models.get(model.id) or model.rate_limits),
            ("provider", provider.id, limits.providers.get(provider.id) or provider.rate_limits),
        )
        items: list[tuple[Any, tuple[str, ...], int]] = []
        for scope, name, rule in scopes:
            if rule is None:
                continue
            if rule.requests_per_minute:
                items.append(
                    (RateLimitItemPerMinute(rule.requests_per_minute), (scope, name, "rpm"), 1)
                )
            if rule.tokens_per_minute:
                items.append(
                    (RateLimitItemPerMinute(rule.tokens_per_minute), (scope, name, "tpm"), tokens)
                )
            per_day = getattr(rule, "requests_per_day", None)
            if per_day:
                items.append((RateLimitItemPerDay(per_day), (scope, name, "rpd"), 1))
        return items

    def _take_rate(self, call: _Call, model: Model, prepared: PreparedCall) -> float:
        """Count the request against every rate limit and return 0, or the seconds until room."""
        tokens = (prepared.input_tokens or 0) + (prepared.max_tokens or 0)
        items = self._rate_items(call, model, tokens)
        if not items:
            return 0.0
        limiter = self._rate_limiter()
        for item, _ids, cost in items:
            if cost > item.amount:
                raise _Skip(
                    f"the request's {cost:,} tokens are more than the limit of "
                    f"{item.amount:,} per {item.GRANULARITY.name}"
                )
        # limits tests and takes one window at a time; testing all first means a
        # refused request takes nothing, so a request never holds room it cannot use.
        for item, ids, cost in items:
            if not limiter.test(item, "llm-catalog", *ids, cost=cost):
                reset = limiter.get_window_stats(item, "llm-catalog", *ids).reset_time
                return max(0.05, reset - time.time())
        for item, ids, cost in items:
            if not limiter.hit(item, "llm-catalog", *ids, cost=cost):
                return 0.05  # another caller took the room between test and hit
        return 0.0

    def _reserve(self, call: _Call, model: Model, prepared: PreparedCall) -> Reservation | None:
        budget = call.profile.budget
        if budget is None:
            return None
        from llm_catalog.calls.state import Ceiling, Refusal
        from llm_catalog.query.pricing import estimate_cost, format_usd

        ceilings = []
        if budget.per_day_usd is not None:
            ceilings.append(Ceiling("day", budget.per_day_usd))
        if budget.per_month_usd is not None:
            ceilings.append(Ceiling("month", budget.per_month_usd))
        counted = prepared.input_tokens or 0
        input_tokens = math.ceil(counted * _INPUT_MARGIN)
        limits = model.limits
        output_tokens = (
            prepared.max_tokens
            or limits.max_output_tokens
            or max(0, limits.context_window - counted)
        )
        amount = estimate_cost(model, input_tokens=input_tokens, output_tokens=output_tokens)
        if amount is None:
            raise _Skip(
                f"{model.id} has no prices, so the budget could not be kept: give it prices "
                "or leave it out of budgeted profiles",
                budget=True,
            )
        timeout = prepared.kwargs.get("timeout")
        hold = (float(timeout) if timeout else _DEFAULT_HOLD_SECONDS) + _HOLD_MARGIN_SECONDS
        outcome = self.state.reserve(
            call.profile_name, amount, ceilings, now=_now(), hold_seconds=hold
        )
        if isinstance(outcome, Refusal):
            call.budget_refused = True
            raise _Skip(
                f"over budget: {outcome} (max_tokens {output_tokens:,} bounds the reservation: "
                f"{format_usd(amount)})",
                budget=True,
            )
        return outcome

    def _conclude(
        self,
        call: _Call,
        model: Model,
        admission: _Admission,
        completion: Completion | None,
        error: errors.CallError | None,
    ) -> None:
        """Settle the budget, finish the ledger row and count the attempt."""
        latency = time.perf_counter() - admission.started
        reservation = admission.reservation
        cost = completion.cost if completion is not None else None
        outcome = ANSWERED if error is None else _failure(error).value
        if reservation is not None:
            if completion is not None:
                # An unpriced answer keeps what was reserved: the truth is not known.
                settled = cost if cost is not None else reservation.amount
            elif outcome in (Failure.TIMEOUT, Failure.MALFORMED):
                # The provider may have done, and billed, the work it did not deliver.
                settled = reservation.amount
            else:
                settled = Decimal(0)
            self.state.settle(reservation, settled)
        usage = completion.usage if completion is not None else None
        self.ledger.end(
            admission.row,
            outcome=outcome,
            input_tokens=usage.input_tokens if usage else 0,
            output_tokens=usage.output_tokens if usage else 0,
            cached_tokens=usage.cached_input_tokens if usage else 0,
            cost=cost,
            latency_seconds=latency,
            error=str(error) if error is not None else None,
        )
        self.state.add_usage(
            day=admission.started_at.date().isoformat(),
            profile=call.profile_name,
            model=model.id,
            provider=model.provider,
            input_tokens=usage.input_tokens if usage else 0,
            output_tokens=usage.output_tokens if usage else 0,
            cost=cost,
            answered=error is None,
        )
        call.add(
            model,
            outcome,
            started_at=admission.started_at,
            latency_seconds=latency,
            error=error,
            usage=usage,
            cost=cost,
        )

    def _abandon(self, call: _Call, model: Model, admission: _Admission) -> None:
        """Close an attempt whose caller stopped waiting: the request may have been billed."""
        if admission.reservation is not None:
            self.state.settle(admission.reservation, admission.reservation.amount)
        self.ledger.end(
            admission.row,
            outcome=CANCELLED,
            latency_seconds=time.perf_counter() - admission.started,
            error="the caller stopped waiting (cancelled or interrupted)",
        )

    # -- endings --------------------------------------------------------------------------

    def _skipped(self, call: _Call, model: Model, skip: _Skip) -> None:
        call.add(model, SKIPPED, reason=skip.reason, error=skip.error)

    def _failed(self, call: _Call, model: Model, error: errors.CallError) -> None:
        """A model's last failure: move on, or end the call when the profile says so."""
        failure = _failure(error)
        if failure is Failure.CONTEXT_WINDOW:
            window = model.limits.max_input_tokens or model.limits.context_window
            call.too_small = max(call.too_small or 0, window)
        if failure not in call.profile.fallback_on:
            raise errors.RouteError(
                call.profile_name,
                f"{model.id} failed with {failure.value}, which the profile does not fall back on",
                call.attempts,
                error,
                call.call_id,
            ) from error

    def _answered(self, call: _Call, completion: Completion) -> Routed:
        if call.profile.cache.enabled:
            self.state.cache_put(
                self._cache_key(call), _dump(completion), call.profile.cache.ttl_seconds
            )
        return Routed(call.profile_name, completion, tuple(call.attempts), call.call_id)

    def _exhausted(self, call: _Call) -> errors.RouteError:
        sent = [a for a in call.attempts if a.sent]
        skipped = len(call.attempts) - len(sent)
        last = next((a.error for a in reversed(sent) if a.error is not None), None)
        counts = f"{len(sent)} sent, {skipped} skipped"
        if call.budget_refused and not sent:
            return errors.BudgetExceededError(
                call.profile_name,
                f"the budget cannot cover a call to any model of the chain ({counts})",
                call.attempts,
                last,
                call.call_id,
            )
        return errors.RouteError(
            call.profile_name, f"no model answered ({counts})", call.attempts, last, call.call_id
        )

    # -- the response cache ---------------------------------------------------------------

    def _cache_key(self, call: _Call) -> str:
        """A digest of what decides the answer: the chain, the messages, the parameters.

        Call options (API base, headers, timeout) are left out: they change where a
        request goes, not what it asks, and headers may carry credentials.
        """
        request = {
            "format": _CACHE_FORMAT,
            "chain": [model.id for model in self.chain(call.profile_name)],
            "messages": call.messages,
            "params": {k: v for k, v in call.params.items() if k not in _OPTIONS},
        }
        text = json.dumps(request, sort_keys=True, separators=(",", ":"), default=repr)
        return "response:" + hashlib.sha256(text.encode()).hexdigest()

    def _cached(self, call: _Call) -> Routed | None:
        if not call.profile.cache.enabled:
            return None
        stored = self.state.cache_get(self._cache_key(call))
        completion = _load(stored) if stored is not None else None
        if completion is None:
            return None
        model = self.catalog.models.get(completion.model_id)
        provider = model.provider if model is not None else completion.model_id.split("/")[0]
        started_at = _now()
        self.ledger.record(
            call_id=call.call_id,
            profile=call.profile_name,
            model=completion.model_id,
            provider=provider,
            attempt=1,
            started_at=started_at,
            outcome=CACHED,
            input_tokens=completion.usage.input_tokens,
            output_tokens=completion.usage.output_tokens,
            cached_tokens=completion.usage.cached_input_tokens,
            cost=Decimal(0),
            latency_seconds=0.0,
            cached=True,
        )
        attempt = Attempt(
            number=1,
            model_id=completion.model_id,
            provider=provider,
            outcome=CACHED,
            started_at=started_at,
            usage=completion.usage,
            cost=Decimal(0),
        )
        return Routed(call.profile_name, completion, (attempt,), call.call_id, cached=True)


def _dump(completion: Completion) -> bytes:
    """A completion as the cache keeps it: what the caller reads, nothing of the request."""
    usage = completion.usage
    return json.dumps(
        {
            "format": _CACHE_FORMAT,
            "model_id": completion.model_id,
            "text": completion.text,
            "tool_calls": [[t.id, t.name, t.arguments] for t in completion.tool_calls],
            "finish_reason": completion.finish_reason,
            "usage": [
                usage.input_tokens,
                usage.output_tokens,
                usage.cached_input_tokens,
                usage.cache_write_tokens,
                usage.reasoning_tokens,
            ],
        },
        separators=(",", ":"),
    ).encode()


def _load(data: bytes) -> Completion | None:
    """The cached completion, cost 0; None for anything unreadable (then it is asked again)."""
    from llm_catalog.calls.driver import Completion, ToolCall, Usage

    try:
        value = json.loads(data)
        if value.get("format") != _CACHE_FORMAT:
            return None
        return Completion(
            model_id=str(value["model_id"]),
            text=str(value["text"]),
            tool_calls=tuple(ToolCall(str(i), str(n), str(a)) for i, n, a in value["tool_calls"]),
            finish_reason=value["finish_reason"],
            usage=Usage(*(int(n) for n in value["usage"])),
            cost=Decimal(0),
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
