"""The interface of the router's state: what every store (SQLite, Redis) implements.

:class:`State` does the checking and the money conversion once, so that a store
only holds and settles picodollars (``_reserve``, ``_settle``) and keeps the cache
and the usage counters.

A hold may name its :class:`Owner`, the process whose call it pays for. Such a hold is
a lease: the owner renews it while the call runs (:meth:`State.renew`), and once it
lapses, or its owner is found dead (:meth:`State.settle_orphans`), it is settled as
spent, never dropped: the provider may have billed the call. A hold without an owner
simply lapses.
"""

from __future__ import annotations

import abc
import functools
import logging
import math
import os
import socket
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Literal

from llm_catalog.calls.budget import PERIODS, Ceiling, Check, Refusal, Reservation, period_keys
from llm_catalog.calls.money import from_picodollars, to_picodollars
from llm_catalog.calls.usage import UsageLine

__all__ = ["LeasedState", "Owner", "State", "check_usage", "this_process"]

_LOG = logging.getLogger("llm_catalog.calls.state")


@dataclass(frozen=True, slots=True)
class Owner:
    """The process a hold pays for: its host, process id and start time.

    ``started`` is the process's start time as the system tells it (``/proc`` on
    Linux; empty elsewhere), so that a process id used again by a later process is
    not taken for the owner. Written ``host/pid/started`` in the stores.
    """

    host: str
    pid: int
    started: str = ""

    def __str__(self) -> str:
        return f"{self.host}/{self.pid}/{self.started}"

    @classmethod
    def parse(cls, text: str) -> Owner | None:
        """The owner written as ``host/pid/started``; None for anything else."""
        host, _, rest = text.rpartition("/")
        host, _, pid = host.rpartition("/")
        if not host or not pid.isdigit():
            return None
        return cls(host, int(pid), rest)

    def alive(self) -> bool | None:
        """Whether the owner still runs: None when it runs on another host (unknown here)."""
        if self.host != _hostname():
            return None
        started = _process_started(self.pid)
        if started is None:
            return False
        # A different start time is another process that took the same id.
        return not (self.started and started and started != self.started)


@functools.cache
def _hostname() -> str:
    return socket.gethostname() or "localhost"


def _process_started(pid: int) -> str | None:
    """Process ``pid``'s start time ("" when the system does not say); None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        if Path("/proc/self/stat").exists():
            return None
    except OSError:
        pass
    else:
        fields = text.rpartition(")")[2].split()
        # Fields 3 (state) and 22 (start time, in clock ticks since boot) of proc(5).
        if len(fields) < 20 or fields[0] in ("Z", "X"):
            return None  # a zombie has ended: only its parent has not reaped it
        return fields[19]
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # another user's process: it exists
    return ""


_OWNERS: dict[int, Owner] = {}


def this_process() -> Owner:
    """The :class:`Owner` that stands for this process (a fork gets its own)."""
    pid = os.getpid()
    owner = _OWNERS.get(pid)
    if owner is None:
        owner = _OWNERS[pid] = Owner(_hostname(), pid, _process_started(pid) or "")
    return owner


class State(abc.ABC):
    """Budgets, the response cache and usage counters, in one store.

    Thread-safe: the async router calls it through ``asyncio.to_thread``.
    ``description`` names the store for messages (never with a password);
    ``rate_limit_storage`` is the URI to give ``limits.storage.storage_from_string``.
    """

    description: str
    rate_limit_storage: str

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.description}>"

    def __enter__(self) -> State:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def reserve(
        self,
        scope: str,
        amount: Decimal,
        ceilings: Sequence[Ceiling],
        *,
        now: datetime,
        hold_seconds: float,
        owner: Owner | None = None,
    ) -> Reservation | Refusal:
        """Hold ``amount`` for ``scope`` if every ceiling allows it, atomically.

        A ceiling allows it when spent + live reservations + amount <= limit in its
        period. The hold counts against the day and the month of ``now`` until it is
        settled or ``hold_seconds`` pass. With no ceilings it always succeeds.

        With an ``owner`` (:func:`this_process`) the hold is a lease: :meth:`renew`
        keeps it, and once it lapses or its owner is dead it is settled as spent (the
        whole amount), by whichever process next reserves or calls
        :meth:`settle_orphans`; a later :meth:`settle` of it then changes nothing.
        """
        picos = to_picodollars(amount)
        if not (isinstance(hold_seconds, int | float) and 0 < hold_seconds < math.inf):
            raise ValueError(f"hold_seconds must be a positive number, not {hold_seconds!r}")
        periods = period_keys(now)
        checks = []
        for ceiling in ceilings:
            if ceiling.period not in PERIODS:
                raise ValueError(f"a ceiling's period is 'day' or 'month', not {ceiling.period!r}")
            limit = to_picodollars(ceiling.limit, "a ceiling's limit", down=True)
            checks.append(Check(ceiling, periods[ceiling.period], limit))
        reservation = Reservation(
            uuid.uuid4().hex, scope, from_picodollars(picos), tuple(periods.values())
        )
        refused = self._reserve(reservation, picos, checks, hold_seconds, owner)
        if refused is None:
            return reservation
        check, spent, reserved = refused
        return Refusal(
            check.ceiling.period,
            check.ceiling.limit,
            from_picodollars(spent),
            from_picodollars(reserved),
            reservation.amount,
        )

    def settle(self, reservation: Reservation, actual: Decimal) -> None:
        """Drop the reservation's hold and add ``actual`` to its periods' spend, atomically.

        ``actual`` may be 0 or more than was reserved: the truth is recorded. A
        second settlement of the same reservation changes nothing.
        """
        self._settle(reservation, to_picodollars(actual, "actual"))

    def renew(self, reservations: Sequence[Reservation], hold_seconds: float) -> None:
        """Keep each reservation's hold at least ``hold_seconds`` more; settled ones stay settled.

        A hold is never shortened. The router renews the holds of its calls in flight,
        so that a call longer than its hold never loses it.
        """
        if not (isinstance(hold_seconds, int | float) and 0 < hold_seconds < math.inf):
            raise ValueError(f"hold_seconds must be a positive number, not {hold_seconds!r}")
        if reservations:
            self._renew(reservations, hold_seconds)

    def settle_orphans(self) -> list[Reservation]:
        """Settle as spent every owned hold that lapsed or whose owner died; return them.

        An owner on this host is known dead when its process is gone (or another took
        its id); on another host only the lease's lapse tells. The provider may have
        billed an orphaned call, so its whole reservation is counted as spent.
        """
        orphans = []
        for reservation, amount, owner in self._owned_holds():
            if owner.alive() is False:
                self._settle(reservation, amount)
                orphans.append(reservation)
        return orphans

    @abc.abstractmethod
    def _reserve(
        self,
        reservation: Reservation,
        amount: int,
        checks: Sequence[Check],
        hold_seconds: float,
        owner: Owner | None,
    ) -> tuple[Check, int, int] | None:
        """Hold the amount, or return the failed check with its spent and reserved picodollars.

        Settles as spent, first, every owned hold of any scope that has lapsed.
        """

    @abc.abstractmethod
    def _settle(self, reservation: Reservation, actual: int) -> None: ...

    @abc.abstractmethod
    def _renew(self, reservations: Sequence[Reservation], hold_seconds: float) -> None: ...

    @abc.abstractmethod
    def _owned_holds(self) -> list[tuple[Reservation, int, Owner]]:
        """Settle the lapsed owned holds as spent; return the others with their picodollars."""

    @abc.abstractmethod
    def spent(self, scope: str, *, now: datetime) -> dict[str, Decimal]:
        """Settled spend of ``scope`` in the day and month of ``now``: ``{"day": ..., "month": ...}``."""

    @abc.abstractmethod
    def cache_get(self, key: str) -> bytes | None:
        """The cached value, or None when absent or expired."""

    @abc.abstractmethod
    def cache_put(self, key: str, value: bytes, ttl_seconds: int) -> None:
        """Keep ``value`` under ``key`` for ``ttl_seconds``."""

    @abc.abstractmethod
    def add_usage(
        self,
        *,
        day: str,
        profile: str,
        model: str,
        provider: str,
        input_tokens: int,
        output_tokens: int,
        cost: Decimal | None,
        answered: bool,
    ) -> None:
        """Count one finished attempt in the day's shared counters (``day`` is YYYY-MM-DD)."""

    @abc.abstractmethod
    def usage_counters(
        self, *, since: date, by: Literal["provider", "model", "profile"]
    ) -> list[UsageLine]:
        """The counters of ``since`` and later days, per provider, model or profile."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release the store; closing twice is harmless."""


def check_usage(input_tokens: int, output_tokens: int, day: str) -> None:
    """Refuse a malformed day or a negative token count before a store counts them."""
    date.fromisoformat(day)  # a malformed day raises ValueError here, not later in a report
    if input_tokens < 0 or output_tokens < 0:
        raise ValueError(f"token counts must not be negative: {input_tokens}, {output_tokens}")


class LeasedState(State):
    """A state whose new holds are leases of this process, kept alive while it runs.

    The router hands this, wrapped around its state, to its bookkeeping: each
    reservation names :func:`this_process` as its owner and is remembered until it is
    settled; a daemon thread renews the live ones every ``renew_every`` seconds, to
    their full hold again, so a call that outlasts its hold never loses it; and
    :meth:`settle_live` settles what is left as spent when the router stops. Closing
    it stops the thread and leaves the wrapped state open.
    """

    def __init__(self, state: State, *, renew_every: float = 10.0) -> None:
        self.inner = state
        self.description = state.description
        self.rate_limit_storage = state.rate_limit_storage
        self._renew_every = renew_every
        self._lock = threading.Lock()
        self._live: dict[str, tuple[Reservation, float]] = {}
        self._stop = threading.Event()
        self._keeper: threading.Thread | None = None

    def live(self) -> list[Reservation]:
        """The reservations made through this state and not yet settled."""
        with self._lock:
            return [reservation for reservation, _ in self._live.values()]

    def reserve(
        self,
        scope: str,
        amount: Decimal,
        ceilings: Sequence[Ceiling],
        *,
        now: datetime,
        hold_seconds: float,
        owner: Owner | None = None,
    ) -> Reservation | Refusal:
        outcome = self.inner.reserve(
            scope, amount, ceilings, now=now, hold_seconds=hold_seconds, owner=this_process()
        )
        if isinstance(outcome, Reservation):
            with self._lock:
                self._live[outcome.id] = (outcome, hold_seconds)
                if self._keeper is None and not self._stop.is_set():
                    self._keeper = threading.Thread(
                        target=self._keep, name="llm-catalog holds", daemon=True
                    )
                    self._keeper.start()
        return outcome

    def settle(self, reservation: Reservation, actual: Decimal) -> None:
        self.inner.settle(reservation, actual)
        with self._lock:
            self._live.pop(reservation.id, None)

    def renew_live(self) -> None:
        """Renew every live hold to its full length again."""
        with self._lock:
            by_hold: dict[float, list[Reservation]] = {}
            for reservation, hold in self._live.values():
                by_hold.setdefault(hold, []).append(reservation)
        for hold, reservations in by_hold.items():
            self.inner.renew(reservations, hold)

    def settle_live(self) -> list[Reservation]:
        """Settle every live hold as spent (its whole amount); return them."""
        left = self.live()
        for reservation in left:
            self.settle(reservation, reservation.amount)
        return left

    def _keep(self) -> None:
        while not self._stop.wait(self._renew_every):
            try:
                self.renew_live()
            except Exception:  # a store that cannot be reached now may be reached next time
                _LOG.warning("could not renew the holds of calls in flight", exc_info=True)

    def close(self) -> None:
        self._stop.set()
        keeper, self._keeper = self._keeper, None
        if keeper is not None and keeper is not threading.current_thread():
            keeper.join()

    # The rest is the wrapped state's.

    def _reserve(
        self,
        reservation: Reservation,
        amount: int,
        checks: Sequence[Check],
        hold_seconds: float,
        owner: Owner | None,
    ) -> tuple[Check, int, int] | None:
        return self.inner._reserve(reservation, amount, checks, hold_seconds, owner)

    def _settle(self, reservation: Reservation, actual: int) -> None:
        self.inner._settle(reservation, actual)

    def _renew(self, reservations: Sequence[Reservation], hold_seconds: float) -> None:
        self.inner._renew(reservations, hold_seconds)

    def _owned_holds(self) -> list[tuple[Reservation, int, Owner]]:
        return self.inner._owned_holds()

    def spent(self, scope: str, *, now: datetime) -> dict[str, Decimal]:
        return self.inner.spent(scope, now=now)

    def cache_get(self, key: str) -> bytes | None:
        return self.inner.cache_get(key)

    def cache_put(self, key: str, value: bytes, ttl_seconds: int) -> None:
        self.inner.cache_put(key, value, ttl_seconds)

    def add_usage(
        self,
        *,
        day: str,
        profile: str,
        model: str,
        provider: str,
        input_tokens: int,
        output_tokens: int,
        cost: Decimal | None,
        answered: bool,
    ) -> None:
        self.inner.add_usage(
            day=day,
            profile=profile,
            model=model,
            provider=provider,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cost=cost,
            answered=answered,
        )

    def usage_counters(
        self, *, since: date, by: Literal["provider", "model", "profile"]
    ) -> list[UsageLine]:
        return self.inner.usage_counters(since=since, by=by)
