"""The books of each attempt: rate-limit room, a budget reservation and a ledger row, then settled.

Before a request goes out, the :class:`Bookkeeper` admits it: it counts the request
against the rate limits (the profile's, else the catalog's) of the model and its
provider, reserves the call's largest possible cost against the profile's budget, and
opens a ledger row. Once the answer or the failure is in, it settles the reservation at
the real cost, completes the row, adds to the usage counters and records the attempt.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from llm_catalog.calls.attempts import ANSWERED, CANCELLED, RoutedCall, Skip, failure_of
from llm_catalog.calls.driver.answers import tier_named
from llm_catalog.calls.state import Ceiling, Refusal
from llm_catalog.data import clock, errors
from llm_catalog.data.profiles import Failure, WhenLimited
from llm_catalog.query.pricing import estimate_cost, format_usd
from llm_catalog.query.tokens import TokenCount, count_tokens_bound

if TYPE_CHECKING:
    from limits.strategies import RateLimiter

    from llm_catalog.calls.driver.answers import Completion
    from llm_catalog.calls.driver.request import PreparedCall
    from llm_catalog.calls.ledger import Ledger
    from llm_catalog.calls.state import Reservation, State
    from llm_catalog.data.records import Model
    from llm_catalog.query.catalog import Catalog

__all__ = ["Admission", "Bookkeeper", "input_bound"]

# A reservation outlives its call by this much; a leased hold whose owner died is then
# settled as spent (the provider may have billed it), never forgotten.
_HOLD_MARGIN_SECONDS = 60.0
_DEFAULT_HOLD_SECONDS = 600.0


def input_bound(model: Model, prepared: PreparedCall) -> TokenCount:
    """The most input tokens ``prepared`` can be billed for: its messages, tools,
    images, audio, documents and response schema, each counted as an upper bound."""
    kwargs = prepared.kwargs
    tools = [*(kwargs.get("tools") or ()), *(kwargs.get("functions") or ())]
    return count_tokens_bound(
        model,
        kwargs.get("messages") or (),
        tools=tools or None,
        response_format=kwargs.get("response_format"),
    )


@dataclass(frozen=True, slots=True)
class Admission:
    """What an attempt holds while its request is out."""

    reservation: Reservation | None
    row: int
    started_at: dt.datetime
    started: float


class Bookkeeper:
    """Admits each attempt (rate limits, budget, ledger row) and closes its books afterwards.

    ``catalog`` gives the providers' rate limits; ``state`` holds the budgets and the
    rate-limit windows; ``ledger`` gets a row per request.
    """

    def __init__(self, catalog: Catalog, state: State, ledger: Ledger) -> None:
        self.catalog = catalog
        self.state = state
        self.ledger = ledger
        self._limiter: RateLimiter | None = None

    def admit(self, call: RoutedCall, model: Model, prepared: PreparedCall) -> Admission | float:
        """Room in the rate limits and the budget, and a ledger row; or seconds to wait.

        Raises Skip when the model is to be passed over.
        """
        left = call.remaining()
        if left is not None and left <= 0:
            raise Skip(f"the profile's deadline of {call.profile.deadline_seconds:g} s passed")
        wait = self._take_rate(call, model, prepared)
        if wait:
            limits = call.profile.rate_limits
            if limits.when_limited is WhenLimited.SKIP:
                raise Skip(f"over a rate limit (room again in {wait:.1f} s)")
            if call.waited + wait > limits.max_wait_seconds or (left is not None and wait >= left):
                raise Skip(
                    f"over a rate limit for another {wait:.1f} s, longer than the "
                    f"{limits.max_wait_seconds:g} s the profile waits"
                )
            return wait
        reservation = self._reserve(call, model, prepared)
        started_at = clock.now()
        row = self.ledger.begin(
            call_id=call.call_id,
            profile=call.profile_name,
            model=model.id,
            provider=model.provider,
            attempt=len(call.attempts) + 1,
            started_at=started_at,
            reserved=reservation.amount if reservation is not None else None,
        )
        return Admission(reservation, row, started_at, time.perf_counter())

    def _rate_limiter(self) -> RateLimiter:
        if self._limiter is None:
            # lazy: limits' storage takes 0.2 s to import, and is needed only under a rate limit
            from limits.storage import storage_from_string
            from limits.strategies import MovingWindowRateLimiter

            # A moving window never lets a burst at a window's edge double the limit.
            self._limiter = MovingWindowRateLimiter(
                storage_from_string(self.state.rate_limit_storage)
            )
        return self._limiter

    def _rate_items(
        self, call: RoutedCall, model: Model, tokens: int
    ) -> list[tuple[Any, tuple[str, ...], int]]:
        """Each rate limit that applies to a request to ``model``: (item, identifiers, cost)."""
        limits = call.profile.rate_limits
        provider = self.catalog.providers[model.provider]
        scopes = (
            ("model", model.id, limits.models.get(model.id) or model.rate_limits),
            ("provider", provider.id, limits.providers.get(provider.id) or provider.rate_limits),
        )
        rules = [(scope, name, rule) for scope, name, rule in scopes if rule is not None]
        if not rules:
            return []
        # lazy: limits takes 0.1 s to import, and is needed only where a rate limit applies
        from limits import RateLimitItemPerDay, RateLimitItemPerMinute

        items: list[tuple[Any, tuple[str, ...], int]] = []
        for scope, name, rule in rules:
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

    def _take_rate(self, call: RoutedCall, model: Model, prepared: PreparedCall) -> float:
        """Count the request against every rate limit and return 0, or the seconds until room."""
        tokens = (prepared.input_tokens or 0) + (prepared.max_tokens or 0)
        items = self._rate_items(call, model, tokens)
        if not items:
            return 0.0
        limiter = self._rate_limiter()
        for item, _ids, cost in items:
            if cost > item.amount:
                raise Skip(
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

    def _reserve(
        self, call: RoutedCall, model: Model, prepared: PreparedCall
    ) -> Reservation | None:
        budget = call.profile.budget
        if budget is None:
            return None
        ceilings = []
        if budget.per_day_usd is not None:
            ceilings.append(Ceiling("day", budget.per_day_usd))
        if budget.per_month_usd is not None:
            ceilings.append(Ceiling("month", budget.per_month_usd))
        input_tokens = input_bound(model, prepared).tokens
        limits = model.limits
        output_tokens = (
            prepared.max_tokens
            or limits.max_output_tokens
            or max(0, limits.context_window - (prepared.input_tokens or 0))
        )
        timeout = prepared.kwargs.get("timeout")
        hold = (float(timeout) if timeout else _DEFAULT_HOLD_SECONDS) + _HOLD_MARGIN_SECONDS
        tier = tier_named(prepared.kwargs.get("service_tier"))
        options = prepared.kwargs.get("web_search_options")
        size = options.get("search_context_size") if isinstance(options, dict) else None
        # The call is billed when it ends, perhaps in another time window than now:
        # the reservation is the dearer of the rates at its start and at its latest end.
        now = clock.now()
        costs = [
            estimate_cost(
                model,
                input_tokens=input_tokens,
                output_tokens=output_tokens,
                at=moment,
                service_tier=tier,
                region=prepared.region,
                search_context=size if size in ("low", "medium", "high") else None,
            )
            for moment in (now, now + dt.timedelta(seconds=hold))
        ]
        amount = None if None in costs else max(c for c in costs if c is not None)
        if amount is None:
            raise Skip(
                f"{model.id} has no prices, so the budget could not be kept: give it prices "
                "or leave it out of budgeted profiles",
                budget=True,
            )
        outcome = self.state.reserve(
            call.profile_name, amount, ceilings, now=now, hold_seconds=hold
        )
        if isinstance(outcome, Refusal):
            call.budget_refused = True
            raise Skip(
                f"over budget: {outcome} (max_tokens {output_tokens:,} bounds the reservation: "
                f"{format_usd(amount)})",
                budget=True,
            )
        return outcome

    def conclude(
        self,
        call: RoutedCall,
        model: Model,
        admission: Admission,
        completion: Completion | None,
        error: errors.CallError | None,
    ) -> None:
        """Settle the budget, finish the ledger row and count the attempt."""
        latency = time.perf_counter() - admission.started
        reservation = admission.reservation
        cost = completion.cost if completion is not None else None
        outcome = ANSWERED if error is None else failure_of(error).value
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
            rate=("; ".join(completion.rate) or None) if completion is not None else None,
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

    def abandon(self, call: RoutedCall, model: Model, admission: Admission) -> None:
        """Close an attempt whose caller stopped waiting: the request may have been billed."""
        if admission.reservation is not None:
            self.state.settle(admission.reservation, admission.reservation.amount)
        self.ledger.end(
            admission.row,
            outcome=CANCELLED,
            latency_seconds=time.perf_counter() - admission.started,
            error="the caller stopped waiting (cancelled or interrupted)",
        )
