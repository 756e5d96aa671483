"""The values a budget is kept with: a ceiling, the money held for a call, a refusal.

A :class:`Reservation` charges the UTC day and month of its moment, named by
:func:`period_keys`; a :class:`Refusal` says which ceiling a reservation would
have passed and by how much, in words a user can act on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Literal

__all__ = ["PERIODS", "Ceiling", "Check", "Refusal", "Reservation", "period_keys"]

PERIODS = ("day", "month")


@dataclass(frozen=True, slots=True)
class Ceiling:
    """A spending ceiling: at most ``limit`` US dollars per UTC day or calendar month."""

    period: Literal["day", "month"]
    limit: Decimal


@dataclass(frozen=True, slots=True)
class Reservation:
    """Money held for one call until it is settled or its hold lapses.

    ``periods`` are the period keys charged (UTC): ``("day:2026-11-25", "month:2026-11")``.
    """

    id: str
    scope: str
    amount: Decimal
    periods: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a reservation was refused: the first ceiling it would have passed.

    ``spent`` is the settled spend in the period, ``reserved`` what other live
    reservations hold, ``asked`` the amount refused; all in US dollars.
    """

    period: Literal["day", "month"]
    limit: Decimal
    spent: Decimal
    reserved: Decimal
    asked: Decimal

    def __str__(self) -> str:
        # lazy: pricing imports the records and so pydantic (~200 ms) to import the state
        from llm_catalog.query.pricing import format_usd

        name = "daily" if self.period == "day" else "monthly"
        left = max(self.limit - self.spent - self.reserved, Decimal(0))
        return (
            f"the {name} budget of {format_usd(self.limit)} has {format_usd(left)} left "
            f"({format_usd(self.spent)} spent, {format_usd(self.reserved)} reserved); "
            f"this call may cost up to {format_usd(self.asked)}"
        )


@dataclass(frozen=True, slots=True)
class Check:
    """A ceiling to check, in picodollars, with the period key it applies to (for the stores)."""

    ceiling: Ceiling
    period: str
    limit: int


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def period_keys(now: datetime) -> dict[str, str]:
    """The period keys of a moment (a naive datetime is taken to be UTC)."""
    moment = _utc(now)
    return {"day": f"day:{moment:%Y-%m-%d}", "month": f"month:{moment:%Y-%m}"}
