"""The typed values of the command line's flags: token counts, sums of US dollars,
numbers of models, dates and moments, each parsed as a person types it.

Each parser is an argparse ``type=``: it returns the value, or raises
:class:`argparse.ArgumentTypeError` with a message that quotes what was typed and
says what to write instead. The bounds are those ``select()`` checks its keywords
against (:mod:`llm_catalog.query.predicates`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from llm_catalog.data.vocabulary import BILLING_NAME
from llm_catalog.query import predicates

__all__ = [
    "EARLIEST",
    "LATEST",
    "MAX_AGE_DAYS",
    "MAX_LIMIT",
    "MAX_TOKENS",
    "MAX_USD",
    "count",
    "day",
    "least_tokens",
    "money",
    "since",
    "token_count",
]


# The bounds select() checks its keywords against, said in the flags' messages.
MAX_TOKENS = predicates.MAX_TOKENS
MAX_USD = Decimal(predicates.MAX_USD)
MAX_LIMIT = predicates.MAX_LIMIT
# Money finer than a picodollar is no amount anyone means; the state counts in them.
_PICODOLLAR = Decimal("1e-12")
# Thousands written with commas must be grouped by three: 1,5 is no count.
_GROUPED = re.compile(r"[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?")


def _number(text: str) -> Decimal | None:
    """``text`` as a finite Decimal, or None; digits of other scripts are refused."""
    if not text.isascii():
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def token_count(text: str, *, least: int = 0) -> int:
    """A token count as typed: 128000, 128k, 1m, 1.5M, 200_000, 200,000; at most MAX_TOKENS."""
    cleaned = text.strip().lower().replace("_", "")
    scale = {"k": 1_000, "m": 1_000_000}.get(cleaned[-1:], 1)
    number = cleaned[:-1] if scale != 1 else cleaned
    if "," in number:
        number = number.replace(",", "") if _GROUPED.fullmatch(number) else "?"
    value = _number(number)
    if value is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a token count; write 128000, 128k or 1m")
    if value > MAX_TOKENS // scale:
        raise argparse.ArgumentTypeError(
            f"{text!r} is more than the largest token count, {MAX_TOKENS:,}: give a smaller count"
        )
    # Exact arithmetic: a tiny fraction such as 1e-999999 must not round to a whole count,
    # and a value under 1e-7 times a scale of at most a million is never whole.
    if value.is_zero():
        whole = 0
    elif value < 0 or value.adjusted() < -7:
        whole = -1
    else:
        numerator, denominator = value.as_integer_ratio()
        whole = numerator * scale // denominator if numerator * scale % denominator == 0 else -1
    if whole < 0:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a whole, non-negative token count: write, for example, 1500 or 1.5k"
        )
    if whole < least:
        raise argparse.ArgumentTypeError(
            f"{text!r} is less than {least:,}, the smallest bound: give {least:,} or more, "
            "such as 128k"
        )
    return whole


def least_tokens(text: str) -> int:
    """A lower bound in tokens (``--min-context``): a token count of at least 1."""
    return token_count(text, least=1)


def money(text: str) -> Decimal:
    """A sum of US dollars as typed: 0.01 or $0.01; at most MAX_USD, in whole picodollars."""
    value = _number(text.strip().removeprefix("$"))
    if value is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an amount of US dollars: write, for example, 0.01 or $0.01"
        )
    if value < 0:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a non-negative amount of US dollars: write 0 or more"
        )
    if value > MAX_USD:
        raise argparse.ArgumentTypeError(
            f"{text!r} is more than the largest amount, ${MAX_USD:,}: give a smaller amount"
        )
    exact = value.quantize(_PICODOLLAR)
    if exact != value:
        raise argparse.ArgumentTypeError(
            f"{text!r} is finer than a picodollar (12 decimal places): round it"
        )
    # Written out plainly, so 1e2 shows as 100 and -0 as 0 wherever the amount is quoted.
    return Decimal(f"{exact.normalize():f}") + 0


def count(text: str) -> int:
    """A number of models as typed (``--limit``): a whole number from 1 to MAX_LIMIT."""
    cleaned = text.strip()
    if not (cleaned.isascii() and cleaned.isdigit()) or not 1 <= Decimal(cleaned) <= MAX_LIMIT:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number of models: write a whole number from 1 to {MAX_LIMIT:,}"
        )
    return int(cleaned)


# Dates are taken from the start of 1970 (no model, price or ledger row is older) to
# 9999-12-31, the last date Python has.
EARLIEST = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime.max.replace(tzinfo=dt.UTC)


def day(text: str) -> dt.date:
    """A date as typed: YYYY-MM-DD, from 1970-01-01."""
    try:
        value = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; write YYYY-MM-DD") from None
    if value < EARLIEST.date():
        raise argparse.ArgumentTypeError(
            f"{text!r} is before {EARLIEST:%Y-%m-%d}, the earliest date taken: give a later date"
        )
    return value


def moment(text: str) -> dt.date | dt.datetime:
    """A date (YYYY-MM-DD) or a UTC moment (YYYY-MM-DDTHH:MM, an offset allowed), from 1970."""
    cleaned = text.strip()
    if not re.match(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ]", cleaned):
        return day(text)
    try:
        value = dt.datetime.fromisoformat(cleaned)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date or a moment; write YYYY-MM-DD or YYYY-MM-DDTHH:MM (UTC)"
        ) from None
    return _bounded_utc(text, value)


def billing_name(text: str) -> str:
    """A service tier's or a region's name as typed: flex, priority, eu-data-zone."""
    cleaned = text.strip()
    if not re.fullmatch(BILLING_NAME, cleaned):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a name: write it in lowercase letters, digits, _ and -, such "
            "as flex or eu-data-zone"
        )
    return cleaned


def unit_count(text: str) -> int:
    """A count of units charged apart from tokens (``--web-searches``): 0 to MAX_TOKENS."""
    cleaned = text.strip()
    if not (cleaned.isascii() and cleaned.isdigit()) or Decimal(cleaned) > MAX_TOKENS:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a count: write a whole number from 0 to {MAX_TOKENS:,}"
        )
    return int(cleaned)


# The longest age --since takes: a century, longer than any ledger is kept.
MAX_AGE_DAYS = 36_500


def since(text: str) -> dt.datetime:
    """A moment as typed: YYYY-MM-DD (midnight UTC), an ISO date and time, 7d or 24h ago.

    Ages reach back at most MAX_AGE_DAYS days; moments lie from 1970 to 9999 (UTC).
    """
    # lazy: the clock is read only when --since is parsed; it stays off the parser's cold path.
    from llm_catalog.data import clock

    cleaned = text.strip().lower()
    units = {"d": ("days", 1), "h": ("hours", 24)}
    amount = cleaned[:-1]
    if cleaned[-1:] in units and amount.isascii() and amount.isdigit():
        unit, per_day = units[cleaned[-1]]
        if Decimal(amount) > MAX_AGE_DAYS * per_day:
            hours = f" ({MAX_AGE_DAYS * per_day:,} hours)" if per_day > 1 else ""
            raise argparse.ArgumentTypeError(
                f"{text!r} reaches back more than {MAX_AGE_DAYS:,} days{hours}: give a shorter "
                "age or a date"
            )
        return clock.now() - dt.timedelta(**{unit: int(amount)})
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date or an age: write YYYY-MM-DD, 7d or 24h"
        ) from None
    return _bounded_utc(text, moment)


def _bounded_utc(text: str, moment: dt.datetime) -> dt.datetime:
    """``moment`` in UTC (naive is UTC), from 1970 up to 9999; else a usage error on ``text``."""
    moment = moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment
    try:
        in_utc = moment.astimezone(dt.UTC)
    except OverflowError:  # an offset carries it past year 1 or 9999
        in_utc = EARLIEST - dt.timedelta(days=1) if moment.year == 1 else LATEST
    if in_utc < EARLIEST:
        raise argparse.ArgumentTypeError(
            f"{text!r} is before {EARLIEST:%Y-%m-%d} UTC, the earliest moment taken: give a "
            "later date"
        )
    if in_utc >= LATEST:
        raise argparse.ArgumentTypeError(
            f"{text!r} is after {LATEST:%Y-%m-%d} UTC, the latest moment taken: give an earlier "
            "date"
        )
    return in_utc
