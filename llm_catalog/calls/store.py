"""The interface of the router's state: what every store (SQLite, Redis) implements.

:class:`State` does the checking and the money conversion once, so that a store
only holds and settles picodollars (``_reserve``, ``_settle``) and keeps the cache
and the usage counters.
"""

from __future__ import annotations

import abc
import math
import uuid
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from llm_catalog.calls.budget import PERIODS, Ceiling, Check, Refusal, Reservation, period_keys
from llm_catalog.calls.money import from_picodollars, to_picodollars
from llm_catalog.calls.usage import UsageLine

__all__ = ["State", "check_usage"]


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
    ) -> Reservation | Refusal:
        """Hold ``amount`` for ``scope`` if every ceiling allows it, atomically.

        A ceiling allows it when spent + live reservations + amount <= limit in its
        period. The hold counts against the day and the month of ``now`` until it is
        settled or ``hold_seconds`` pass. With no ceilings it always succeeds.
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
        refused = self._reserve(reservation, picos, checks, hold_seconds)
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

    @abc.abstractmethod
    def _reserve(
        self, reservation: Reservation, amount: int, checks: Sequence[Check], hold_seconds: float
    ) -> tuple[Check, int, int] | None:
        """Hold the amount, or return the failed check with its spent and reserved picodollars."""

    @abc.abstractmethod
    def _settle(self, reservation: Reservation, actual: int) -> None: ...

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
