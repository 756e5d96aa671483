"""Rules on how a model is billed that JSON Schema cannot say.

Announced prices must come in date order, after the current ones; time windows
must not overlap (a moment has one rate) nor be empty; a service tier, a
region or a window must give a price. Each problem names the pointer of the
field at fault, under the model record.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from llm_catalog.data.clock import minute_of_day
from llm_catalog.data.prices import Pricing, TimeWindow
from llm_catalog.data.vocabulary import Weekday
from llm_catalog.query.rates import PRICE_KINDS

__all__ = ["iter_billing_problems"]

_DAY_MINUTES = 24 * 60
_WEEKDAYS = tuple(Weekday)


def _gives_a_price(prices: Any) -> bool:
    return any(getattr(prices, kind) is not None for kind in PRICE_KINDS)


def _week_minutes(window: TimeWindow) -> set[int]:
    """The minutes of the week the window holds, counted from Monday 00:00 UTC."""
    start, end = minute_of_day(window.start), minute_of_day(window.end)
    length = (end - start) % _DAY_MINUTES
    days = [_WEEKDAYS.index(day) for day in window.days] if window.days else range(7)
    week = 7 * _DAY_MINUTES
    return {
        (day * _DAY_MINUTES + start + offset) % week for day in days for offset in range(length)
    }


def _iter_window_problems(where: str, windows: tuple[TimeWindow, ...]) -> Iterator[tuple[str, str]]:
    held: list[tuple[TimeWindow, set[int]]] = []
    for index, window in enumerate(windows):
        here = f"{where}/time_windows/{index}"
        if window.start == window.end:
            yield (
                f"{here}/end",
                f"window {window.name} opens and closes at {window.start}: give the time it "
                "closes (it may cross midnight)",
            )
            continue
        if not _gives_a_price(window):
            yield here, f"window {window.name} gives no price: give the prices it charges"
        repeated = sorted({day.value for day in window.days if window.days.count(day) > 1})
        if repeated:
            yield f"{here}/days", f"{', '.join(repeated)} named twice: name each day once"
        minutes = _week_minutes(window)
        for other, taken in held:
            if minutes & taken:
                yield (
                    here,
                    f"window {window.name} ({window.start}-{window.end}) overlaps window "
                    f"{other.name} ({other.start}-{other.end}): a moment has one rate, so "
                    "windows may not overlap",
                )
                break
        held.append((window, minutes))


def iter_billing_problems(pricing: Pricing) -> Iterator[tuple[str, str]]:
    """Every billing rule ``pricing`` breaks, as (pointer under the model, message)."""
    entries: list[tuple[str, Any]] = [("/pricing", pricing)]
    entries += [(f"/pricing/history/{i}", entry) for i, entry in enumerate(pricing.history)]
    entries += [(f"/pricing/scheduled/{i}", entry) for i, entry in enumerate(pricing.scheduled)]
    for where, entry in entries:
        yield from _iter_window_problems(where, entry.time_windows)
        for name, tier in entry.service_tiers.items():
            if name == "standard":
                yield (
                    f"{where}/service_tiers/standard",
                    "the standard tier is the base prices: write them at the top of pricing",
                )
            elif not _gives_a_price(tier):
                yield (
                    f"{where}/service_tiers/{name}",
                    f"service tier {name} gives no price: give its prices, or leave it out "
                    "if the model is not sold at that tier",
                )
        for size, charges in entry.search_context.items():
            if not charges:
                yield (
                    f"{where}/search_context/{size}",
                    f"search context {size} gives no charge: give its price per unit, or "
                    "leave it out if the model does not take that size",
                )
    for name, region in pricing.regions.items():
        here = f"/pricing/regions/{name}"
        if region.multiplier is None and not _gives_a_price(region):
            yield here, f"region {name} gives no price: give a multiplier or its prices"
        elif region.multiplier is not None and _gives_a_price(region):
            yield here, f"region {name} gives a multiplier and prices: give one of them"
    latest = pricing.effective_from
    if pricing.history and (latest is None or pricing.history[-1].effective_from > latest):
        latest = pricing.history[-1].effective_from
    for index, entry in enumerate(pricing.scheduled):
        if latest is not None and entry.effective_from <= latest:
            yield (
                f"/pricing/scheduled/{index}/effective_from",
                f"scheduled prices must come later than those before them: "
                f"{entry.effective_from} is not after {latest}; list announced prices "
                "earliest first, after the current ones",
            )
        latest = entry.effective_from
