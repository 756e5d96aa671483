"""The one place llm-catalog reads the date and time from.

Everything that depends on the moment asks :func:`now` or :func:`today`: the
date ``llm-catalog import`` stamps on the records it drafts, the UTC day and
month a budget counts spend in, the start of a ledger row, ages such as
``usage --since 7d``, and when a pending ledger row counts as interrupted.
Durations (timeouts, backoff, how long a reservation is held) use the
monotonic and system clocks directly: they measure time passing, not the date.

``LLM_CATALOG_NOW`` (an ISO 8601 date and time; UTC unless an offset is given)
runs llm-catalog as if it had started at that moment: the clock starts there and
runs on at the real rate, so timestamps keep their order. It makes output that
carries a date reproducible (``LLM_CATALOG_NOW=2026-11-25T12:00:00Z llm-catalog
import ...``), and it is how the test suite keeps every date fixed whatever day
it runs on. In Python, :func:`fixed` does the same for a block.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from llm_catalog.data.errors import LLMCatalogError

__all__ = [
    "NOW_ENV",
    "ClockError",
    "fixed",
    "in_utc",
    "minute_of_day",
    "now",
    "today",
    "window_holds",
]

NOW_ENV = "LLM_CATALOG_NOW"
# The earliest and latest start a fixed clock may have: wide enough for any
# date a catalog holds, and far enough from datetime's own limits that adding
# a ledger age or a budget month to it cannot overflow.
EARLIEST = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(9000, 1, 1, tzinfo=dt.UTC)


class ClockError(LLMCatalogError):
    """``LLM_CATALOG_NOW`` or a moment given to :func:`fixed` is not one the clock can start at."""


# (the moment the clock was fixed at, the monotonic reading then); None runs the real clock.
_fixed: tuple[dt.datetime, float] | None = None
# The value of LLM_CATALOG_NOW last read, with the start it gave.
_from_environment: tuple[str, dt.datetime, float] | None = None


def _start(value: dt.datetime | dt.date, where: str) -> dt.datetime:
    if isinstance(value, dt.datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
    else:
        moment = dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    try:
        moment = moment.astimezone(dt.UTC)
    except OverflowError:
        moment = EARLIEST - dt.timedelta(days=1)
    if not EARLIEST <= moment < LATEST:
        raise ClockError(
            f"{where}: {value.isoformat()} is outside the moments the clock can start at "
            f"({EARLIEST:%Y-%m-%d} to {LATEST:%Y-%m-%d}, UTC): give a date in that range"
        )
    return moment


def _environment_start() -> tuple[dt.datetime, float] | None:
    global _from_environment
    text = os.environ.get(NOW_ENV, "").strip()
    if not text:
        return None
    if _from_environment is not None and _from_environment[0] == text:
        return _from_environment[1], _from_environment[2]
    try:
        parsed = dt.datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise ClockError(
            f"{NOW_ENV}: {text!r} is not an ISO 8601 date and time: write, for example, "
            "2026-11-25T12:00:00Z, or unset it to use the real clock"
        ) from None
    start = _start(parsed, NOW_ENV)
    _from_environment = (text, start, time.monotonic())
    return start, _from_environment[2]


def now() -> dt.datetime:
    """The current moment, in UTC (timezone-aware).

    The real clock, unless :func:`fixed` or ``LLM_CATALOG_NOW`` set where it
    starts; a fixed clock then runs on at the real rate. Raises
    :class:`ClockError` when ``LLM_CATALOG_NOW`` cannot be read.
    """
    start = _fixed if _fixed is not None else _environment_start()
    if start is None:
        return dt.datetime.now(dt.UTC)
    moment, reading = start
    return moment + dt.timedelta(seconds=time.monotonic() - reading)


def today() -> dt.date:
    """Today's date in UTC (the day :func:`now` falls in)."""
    return now().date()


@contextmanager
def fixed(moment: dt.datetime | dt.date) -> Iterator[None]:
    """Within the block, the clock starts at ``moment`` (a naive one is UTC) and runs on.

    Takes precedence over ``LLM_CATALOG_NOW``; blocks nest, the innermost wins.
    """
    global _fixed
    previous = _fixed
    _fixed = (_start(moment, "clock.fixed()"), time.monotonic())
    try:
        yield
    finally:
        _fixed = previous


def in_utc(at: dt.date | dt.datetime | None) -> dt.date | dt.datetime:
    """``at`` in UTC: now when None, a datetime without a zone taken as UTC, a day as it is."""
    if at is None:
        return now()
    if isinstance(at, dt.datetime):
        return at.replace(tzinfo=dt.UTC) if at.tzinfo is None else at.astimezone(dt.UTC)
    return at


def minute_of_day(clock_time: str) -> int:
    """The minute of the day a time written ``HH:MM`` names (0 to 1439)."""
    hours, minutes = clock_time.split(":")
    return int(hours) * 60 + int(minutes)


_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def window_holds(start: str, end: str, days: Sequence[str], weekday: int, minute: int) -> bool:
    """True when a daily window from ``start`` to ``end`` (``HH:MM``, end not included) holds
    ``minute`` of a UTC day whose ``weekday`` is given (0 for Monday).

    ``days`` are the days it opens on (``mon`` ... ``sun``), every day when empty; the
    part of a window after midnight belongs to the day before, the day it opened.
    """
    first, last = minute_of_day(start), minute_of_day(end)
    if first < last:
        opened = weekday if first <= minute < last else None
    elif minute >= first:
        opened = weekday
    elif minute < last:
        opened = (weekday - 1) % 7
    else:
        opened = None
    return opened is not None and (not days or _WEEKDAYS[opened] in days)
