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

This module is the loop along the chain. Its parts: the attempts and the answer
(:mod:`llm_catalog.calls.attempts`), each attempt's rate limits, budget and ledger row
(:mod:`llm_catalog.calls.bookkeeping`), the retry policy (:mod:`llm_catalog.calls.retries`)
and the response cache (:mod:`llm_catalog.calls.response_cache`).

litellm's own Router is not used: it keeps its own model list and prices where the
catalog owns both, its fallbacks do not report each attempt, and its local cache,
budgets and cost-based routing were seen failing on a plain install. The retry loop
is tenacity's and the rate-limit windows are the ``limits`` library's; budgets and
the cache are in :mod:`llm_catalog.calls.state`, because no library reserves money
atomically across processes.
"""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import logging
import math
import os
import signal
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from llm_catalog.calls import driver, response_cache
from llm_catalog.calls.attempts import (
    CACHED,
    SKIPPED,
    Attempt,
    Routed,
    RoutedCall,
    Skip,
    failure_of,
)
from llm_catalog.calls.bookkeeping import Admission, Bookkeeper
from llm_catalog.calls.ledger import Ledger
from llm_catalog.calls.retries import aretrying, retrying
from llm_catalog.calls.state import LeasedState, State, open_state
from llm_catalog.data import clock, errors
from llm_catalog.data.profiles import Failure, Profile
from llm_catalog.load.loader import default_catalog

if TYPE_CHECKING:
    from llm_catalog.calls.driver import Completion, PreparedCall
    from llm_catalog.data.records import Model
    from llm_catalog.query.catalog import Catalog

__all__ = ["Attempt", "Routed", "Router"]

_LOG = logging.getLogger("llm_catalog.calls.router")

# A sync attempt runs in a thread of its own while the caller waits for it in slices
# this long, so that the attempt's bound and a shutdown are seen in time.
_WAIT_SLICE_SECONDS = 0.05
# How long past its timeout an attempt is cut, when litellm's own timeout (which holds
# for each read, and so misses a provider that sends a byte now and then) has not ended
# it: litellm's own timeout, which knows when the request left, acts first where it can.
# An attempt queued for the event loop's executor on a busy machine is not cut before
# its request is sent.
_CUT_GRACE_SECONDS = 1.0
# After the grace period, how long a shutdown waits for the calls it cancelled to close
# their books, before it settles what they still hold itself.
_CANCEL_WAIT_SECONDS = 5.0


class _Stopped(Exception):
    """The router's shutdown cancelled a sync attempt while it waited for the provider."""


@dataclasses.dataclass
class _Flight:
    """A call in flight, and how to cancel it when the grace period ends."""

    call: RoutedCall
    loop: asyncio.AbstractEventLoop | None = None
    task: asyncio.Task[Any] | None = None
    cancelled: bool = False


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
            catalog = default_catalog()
        self.catalog = catalog
        self._profiles: dict[str, Profile] = {**catalog.profiles, **(profiles or {})}
        self._chains: dict[str, tuple[Model, ...]] = {}
        self._own_state = not isinstance(state, State)
        self.state: State = state if isinstance(state, State) else open_state(state)
        self._own_ledger = not isinstance(ledger, Ledger)
        self.ledger: Ledger = ledger if isinstance(ledger, Ledger) else Ledger(ledger)
        # Every hold names this process and is renewed while its call runs; a hold
        # whose process died is settled as spent, here or by any router sharing the state.
        self._holds = LeasedState(self.state)
        self._books = Bookkeeper(catalog, self._holds, self.ledger)
        self._flight = threading.Condition()
        self._in_flight: dict[int, _Flight] = {}
        self._stopping = False
        self._cancelling = threading.Event()
        self.settle_orphans()

    # -- lifecycle ------------------------------------------------------------------------

    def close(self) -> None:
        """Close the state and the ledger, when the router opened them.

        Holds still live (a call that has not returned) are settled as spent first.
        """
        if self._holds.live():
            self._holds.settle_live()
        self._holds.close()
        if self._own_state:
            self.state.close()
        if self._own_ledger:
            self.ledger.close()

    def settle_orphans(self) -> int:
        """Settle as spent the holds of calls whose process died; return how many.

        A router does this when it starts. The holds of a process on this host are
        known orphaned as soon as the process is gone; those of another host once
        their lease lapses (a live process renews its holds while their calls run).
        """
        orphans = self.state.settle_orphans()
        if orphans:
            _LOG.warning(
                "settled %d reservation(s) of stopped processes as spent (%s)",
                len(orphans),
                ", ".join(sorted({reservation.scope for reservation in orphans})),
            )
        return len(orphans)

    @property
    def stopping(self) -> bool:
        """True once :meth:`shutdown` began: no new call is admitted."""
        return self._stopping

    def shutdown(self, grace_seconds: float = 30.0) -> None:
        """Stop admitting calls, let those in flight end, then cancel what is left.

        New calls raise :class:`~llm_catalog.data.errors.RouterStoppedError` at once. Calls in flight have
        ``grace_seconds`` to end; then each is cancelled: its ledger row ends
        ``cancelled`` and its reservation is settled as spent (the provider may have
        billed it). Every hold the router placed is settled when this returns. Call
        it from any thread but the event loop's own (from async code, ``await
        router.ashutdown()``). The router stays open: :meth:`close` it after.
        """
        with self._flight:
            self._stopping = True
            ends = time.monotonic() + max(0.0, grace_seconds)
            while self._in_flight and (left := ends - time.monotonic()) > 0:
                self._flight.wait(left)
            flights = list(self._in_flight.values())
            for flight in flights:
                flight.cancelled = True
        if flights:
            _LOG.warning("cancelling %d call(s) still in flight at shutdown", len(flights))
            self._cancelling.set()
            for flight in flights:
                if flight.task is not None and flight.loop is not None:
                    flight.loop.call_soon_threadsafe(flight.task.cancel)
            with self._flight:
                ends = time.monotonic() + _CANCEL_WAIT_SECONDS
                while self._in_flight and (left := ends - time.monotonic()) > 0:
                    self._flight.wait(left)
        self._holds.settle_live()

    async def ashutdown(self, grace_seconds: float = 30.0) -> None:
        """The async twin of :meth:`shutdown`: waits in a thread, so the loop's calls can end."""
        await asyncio.to_thread(self.shutdown, grace_seconds)

    def install_signal_handlers(
        self,
        signals: Sequence[signal.Signals] = (signal.SIGTERM,),
        *,
        grace_seconds: float = 30.0,
    ) -> None:
        """On ``signals`` (SIGTERM: what systemd and Kubernetes send), shut down, then stop.

        Opt-in, from the main thread: a library never takes an application's signals
        unasked. On the signal, the handler that was there before is put back and
        :meth:`shutdown` runs in a thread (calls in flight get ``grace_seconds``);
        then the signal is raised again, so the earlier handler (by default, the end
        of the process) acts on it. A second signal during the grace period goes to
        the earlier handler at once.
        """
        previous: dict[int, Any] = {}

        def stop(signum: int, frame: FrameType | None) -> None:
            signal.signal(signum, previous[signum])
            threading.Thread(
                target=self._stop_then_raise,
                args=(signum, grace_seconds),
                name="llm-catalog shutdown",
            ).start()

        for number in signals:
            previous[int(number)] = signal.signal(number, stop)

    def _stop_then_raise(self, signum: int, grace_seconds: float) -> None:
        try:
            self.shutdown(grace_seconds)
        finally:
            os.kill(os.getpid(), signum)

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
        return self.state.spent(name, now=clock.now())

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
        flight = self._take_off(call)
        try:
            cached = self._cached(call)
            if cached is not None:
                return cached
            for model in self.chain(profile):
                try:
                    prepared = self._prepare(call, model)
                    completion = retrying(call)(self._attempt, call, model, prepared)
                except Skip as skip:
                    self._skipped(call, model, skip)
                    continue
                except errors.CallError as error:
                    self._failed(call, model, error)
                    continue
                return self._answered(call, completion)
            raise self._exhausted(call)
        except _Stopped:
            raise self._stopped(call) from None
        finally:
            self._land(flight)

    async def acomplete(
        self, profile: str, messages: Sequence[Mapping[str, Any]], **params: Any
    ) -> Routed:
        """The async twin of :meth:`complete`."""
        call = self._start(profile, messages, params)
        flight = self._take_off(call)
        flight.loop = asyncio.get_running_loop()
        flight.task = asyncio.current_task()
        try:
            if call.profile.cache.enabled:
                cached = await asyncio.to_thread(self._cached, call)
                if cached is not None:
                    return cached
            for model in self.chain(profile):
                try:
                    prepared = self._prepare(call, model)
                    completion: Completion = await aretrying(call)(
                        self._aattempt, call, model, prepared
                    )
                except Skip as skip:
                    self._skipped(call, model, skip)
                    continue
                except errors.CallError as error:
                    self._failed(call, model, error)
                    continue
                if call.profile.cache.enabled:
                    return await asyncio.to_thread(self._answered, call, completion)
                return self._answered(call, completion)
            raise self._exhausted(call)
        except asyncio.CancelledError:
            if not flight.cancelled or flight.task is None:
                raise
            flight.task.uncancel()
            raise self._stopped(call) from None
        finally:
            self._land(flight)

    # -- calls in flight ------------------------------------------------------------------

    def _take_off(self, call: RoutedCall) -> _Flight:
        """Count ``call`` in flight; refuse it when the router is stopping."""
        with self._flight:
            if self._stopping:
                raise errors.RouterStoppedError(
                    call.profile_name,
                    "the router is stopping (shutdown() was called, or a signal received) "
                    "and admits no new call: make the call with a router that is running",
                    [],
                    None,
                    call.call_id,
                )
            flight = self._in_flight[id(call)] = _Flight(call)
        return flight

    def _land(self, flight: _Flight) -> None:
        with self._flight:
            self._in_flight.pop(id(flight.call), None)
            self._flight.notify_all()

    def _stopped(self, call: RoutedCall) -> errors.RouterStoppedError:
        return errors.RouterStoppedError(
            call.profile_name,
            "the router's shutdown cancelled the call in flight after its grace period",
            call.attempts,
            None,
            call.call_id,
        )

    # -- one call, step by step -----------------------------------------------------------

    def _start(
        self, name: str, messages: Sequence[Mapping[str, Any]], params: Mapping[str, Any]
    ) -> RoutedCall:
        profile = self.profile(name)
        driver.check_messages(messages)
        merged = {**profile.params, **params}
        if profile.timeout_seconds is not None:
            merged.setdefault("timeout", profile.timeout_seconds)
        merged.setdefault("drop_unsupported", profile.drop_unsupported)
        call = RoutedCall(name, profile, messages, merged)
        if profile.deadline_seconds is not None:
            call.deadline = time.monotonic() + profile.deadline_seconds
        return call

    def _prepare(self, call: RoutedCall, model: Model) -> PreparedCall:
        window = model.limits.max_input_tokens or model.limits.context_window
        if call.too_small is not None and window <= call.too_small:
            raise Skip(
                f"its input limit of {window:,} tokens is no larger than the "
                f"{call.too_small:,} the provider said was too small"
            )
        try:
            return driver.prepare_completion(model, call.messages, **call.params)
        except errors.CallError as error:
            raise Skip(str(error), error=error) from None

    def _attempt(self, call: RoutedCall, model: Model, prepared: PreparedCall) -> Completion:
        """One request to ``model``: admitted, sent, concluded (raises its failure)."""
        while True:
            admission = self._books.admit(call, model, prepared)
            if isinstance(admission, Admission):
                break
            time.sleep(admission)
            call.waited += admission
        try:
            completion = self._send(model, *self._bounded(call, prepared))
        except errors.CallError as error:
            failure = error
        except BaseException:
            self._books.abandon(call, model, admission)
            raise
        else:
            self._books.conclude(call, model, admission, completion, None)
            return completion
        self._books.conclude(call, model, admission, None, failure)
        raise failure

    async def _aattempt(self, call: RoutedCall, model: Model, prepared: PreparedCall) -> Completion:
        while True:
            admission = await asyncio.to_thread(self._books.admit, call, model, prepared)
            if isinstance(admission, Admission):
                break
            await asyncio.sleep(admission)
            call.waited += admission
        try:
            bounded, bound = self._bounded(call, prepared)
            cut = False
            try:
                # The driver turns every error of the call into a CallError: a
                # TimeoutError here is the bound's, and the request was cancelled.
                async with asyncio.timeout(bound):
                    completion = await driver.asend_completion(bounded)
            except TimeoutError:
                cut = True
            if cut:  # raised here, with no exception as its context
                raise _cut(model, bound or 0.0)
        except errors.CallError as error:
            failure = error
        except BaseException:
            # Cancelled (a caller's timeout, a shutdown) or interrupted: close the books
            # now, in this thread, rather than leave them to the hold's expiry.
            self._books.abandon(call, model, admission)
            raise
        else:
            await asyncio.to_thread(self._books.conclude, call, model, admission, completion, None)
            return completion
        await asyncio.to_thread(self._books.conclude, call, model, admission, None, failure)
        raise failure

    # -- the attempt's bound --------------------------------------------------------------

    @staticmethod
    def _bounded(call: RoutedCall, prepared: PreparedCall) -> tuple[PreparedCall, float | None]:
        """The call to send and the attempt's bound: its timeout, or the deadline if nearer.

        litellm's own timeout, which holds for each read and so ends a provider that goes
        quiet, is set to the same; the bound, which holds from the request's first byte
        to the answer's last, cuts one that keeps sending a byte now and then. Past a
        timeout it has :data:`_CUT_GRACE_SECONDS` more, so that litellm's timeout, which
        knows when the request went out, acts first where it can; a deadline has none.
        """
        driver.load(prepared)  # the first call imports litellm: not the request's time
        timeout = prepared.kwargs.get("timeout")
        left = call.remaining()
        if timeout is None and left is None:
            return prepared, None
        bound = math.inf if timeout is None else float(timeout) + _CUT_GRACE_SECONDS
        if left is not None:
            bound = max(min(bound, left), 0.001)
        if left is None or (timeout is not None and float(timeout) <= left):
            return prepared, bound
        return dataclasses.replace(prepared, kwargs={**prepared.kwargs, "timeout": bound}), bound

    def _send(self, model: Model, prepared: PreparedCall, bound: float | None) -> Completion:
        """Send a sync attempt in a thread of its own and wait for it, up to its bound.

        A blocking read cannot be interrupted from outside, and a provider that sends a
        byte now and then resets litellm's timeout on each read; so the caller waits on
        the attempt, and at its bound (or when the router's shutdown cancels it) stops
        waiting. The thread is left to end on its own (its reads time out within the
        bound), its answer unread: the attempt counts as timed out, at its reservation.
        """
        attempt = _Running(driver.send_completion, prepared)
        ends = None if bound is None else time.monotonic() + bound
        while not attempt.done.wait(
            _WAIT_SLICE_SECONDS
            if ends is None
            else min(_WAIT_SLICE_SECONDS, ends - time.monotonic())
        ):
            if self._cancelling.is_set():
                raise _Stopped
            if ends is not None and time.monotonic() >= ends:
                assert bound is not None
                raise _cut(model, bound)
        completion: Completion = attempt.result()
        return completion

    # -- endings --------------------------------------------------------------------------

    def _skipped(self, call: RoutedCall, model: Model, skip: Skip) -> None:
        call.add(model, SKIPPED, reason=skip.reason, error=skip.error)

    def _failed(self, call: RoutedCall, model: Model, error: errors.CallError) -> None:
        """A model's last failure: move on, or end the call when the profile says so."""
        failure = failure_of(error)
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

    def _answered(self, call: RoutedCall, completion: Completion) -> Routed:
        if call.profile.cache.enabled:
            self.state.cache_put(
                self._cache_key(call),
                response_cache.dump(completion),
                call.profile.cache.ttl_seconds,
            )
        return Routed(call.profile_name, completion, tuple(call.attempts), call.call_id)

    def _exhausted(self, call: RoutedCall) -> errors.RouteError:
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

    def _cache_key(self, call: RoutedCall) -> str:
        chain = [model.id for model in self.chain(call.profile_name)]
        return response_cache.key(chain, call.messages, call.params)

    def _cached(self, call: RoutedCall) -> Routed | None:
        if not call.profile.cache.enabled:
            return None
        stored = self.state.cache_get(self._cache_key(call))
        completion = response_cache.load(stored) if stored is not None else None
        if completion is None:
            return None
        model = self.catalog.models.get(completion.model_id)
        provider = model.provider if model is not None else completion.model_id.split("/")[0]
        started_at = clock.now()
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


def _cut(model: Model, bound: float) -> errors.ProviderTimeoutError:
    return errors.ProviderTimeoutError(
        model.id,
        f"{model.id}: no answer in time: none whole within {bound:g} s (the profile's "
        "timeout_seconds, or what was left of its deadline_seconds), and the attempt was cut",
        provider_message=f"the request timed out after {bound:g} s",
        status_code=None,
    )


class _Running:
    """A function running in a daemon thread of its own (with the caller's context)."""

    def __init__(self, function: Callable[..., Any], *args: Any) -> None:
        self.done = threading.Event()
        self._value: Any = None
        self._error: BaseException | None = None
        context = contextvars.copy_context()
        threading.Thread(
            target=context.run,
            args=(self._run, function, *args),
            name="llm-catalog attempt",
            daemon=True,
        ).start()

    def _run(self, function: Callable[..., Any], *args: Any) -> None:
        try:
            self._value = function(*args)
        except BaseException as error:
            self._error = error
        finally:
            self.done.set()

    def result(self) -> Any:
        if self._error is not None:
            raise self._error
        return self._value
