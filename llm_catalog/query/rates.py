"""Which prices bill a request: the day's entry, the time of day, the region, the service tier.

A request is billed at one set of rates, found in this order:

1. the price entry in force on the request's day (:func:`prices_at`): a
   ``pricing.history`` entry, the current prices, or an announced
   ``pricing.scheduled`` entry once its day has come;
2. inside one of that entry's ``time_windows`` (UTC), the window's prices
   replace the entry's own (those it leaves out stay);
3. in a ``region`` (:func:`priced_region`): the prices the model lists for that
   place or an area around it (the entry's times a ``multiplier``, or prices of
   its own), else the entry's own where the record is served inside the region
   (its ``region`` field); anywhere else the model is unpriced;
4. for a ``service_tier`` other than ``standard``, that tier's prices alone: a
   tier the entry does not list is unpriced, never the standard price.

Charges per unit are the entry's ``per_unit``, or, for a ``search_context`` size
the entry prices apart, that size's.

Every step that changes the rates adds a name, so that ``explain`` can say
which rate priced a model ("off-peak 16:30-00:30 UTC", "flex tier",
"from 2027-01-01").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from llm_catalog.data import clock
from llm_catalog.data.prices import (
    Prices,
    Pricing,
    PricingHistoryEntry,
    RegionPrices,
    ScheduledPrices,
    TimeWindow,
)
from llm_catalog.data.records import Model
from llm_catalog.data.vocabulary import region_within

__all__ = [
    "PRICE_KINDS",
    "STANDARD_TIER",
    "Moment",
    "Rates",
    "priced_region",
    "prices_at",
    "rates_at",
    "region_names",
    "unsold_in",
    "window_at",
]

Moment = dt.date | dt.datetime
"""A day, or a moment (a datetime without a zone is taken as UTC)."""

PRICE_KINDS = (
    "input",
    "output",
    "cached_input",
    "cache_write",
    "cache_write_1h",
    "reasoning_output",
)
"""The per-token prices of a :class:`~llm_catalog.data.prices.Prices`."""

STANDARD_TIER = "standard"
"""The service tier the base prices are for."""

Entry = Pricing | PricingHistoryEntry


def _day(at: Moment) -> dt.date:
    return at.date() if isinstance(at, dt.datetime) else at


def window_at(windows: tuple[TimeWindow, ...], weekday: int, minute: int) -> TimeWindow | None:
    """The window that holds ``minute`` of a UTC day whose ``weekday`` is given (0 for Monday);
    see :func:`llm_catalog.data.clock.window_holds`."""
    for window in windows:
        days = [day.value for day in window.days]
        if clock.window_holds(window.start, window.end, days, weekday, minute):
            return window
    return None


def prices_at(model: Model, at: Moment | None = None) -> Entry | None:
    """The price entry in force on the day of ``at`` (today when None).

    Each ``pricing.history`` entry holds from its ``effective_from`` until the
    next entry's. The current ``pricing`` holds from its ``effective_from``, or,
    when it has none, from the day after the latest history entry started (so
    that entry then holds for its first day only: date the current prices to be
    exact). An announced ``pricing.scheduled`` entry holds from its
    ``effective_from`` until the next one's. A day before the first dated entry
    has no known price and gives None, as does a model without pricing:
    unknown, never free.
    """
    pricing = model.pricing
    if pricing is None:
        return None
    day = _day(clock.in_utc(at))
    # The checks keep entries in date order, but a record built in code may not be.
    arrived = [entry for entry in pricing.scheduled if entry.effective_from <= day]
    if arrived:
        return max(arrived, key=lambda entry: entry.effective_from)
    latest = max(pricing.history, key=lambda entry: entry.effective_from, default=None)
    if pricing.effective_from is not None:
        if day >= pricing.effective_from:
            return pricing
    elif latest is None or day > latest.effective_from:
        return pricing
    started = [entry for entry in pricing.history if entry.effective_from <= day]
    return max(started, key=lambda entry: entry.effective_from, default=None)


def priced_region(model: Model, region: str) -> tuple[str, RegionPrices | None] | None:
    """Where ``model`` is sold inside ``region``, and its own prices there; None where it is not.

    - The ``pricing.regions`` entry for ``region`` itself, else the narrowest one for
      an area around it (``eu`` for ``europe-west1``, see
      :func:`~llm_catalog.data.vocabulary.region_within`): its name and prices.
    - Else the record's own ``region`` when it lies inside ``region`` (a Bedrock ``eu.``
      profile, ``region: eu``, is in ``eu``, never in ``eu-west-1``, which it may route
      past): that name, and None for the entry's own prices.
    - Else None: the model is not known to be sold there, so it has no price there.
    """
    regions = model.pricing.regions if model.pricing is not None else {}
    around = [name for name in regions if region_within(region, name)]
    if around:
        name = region if region in regions else max(around, key=len)
        return name, regions[name]
    if model.region is not None and region_within(model.region, region):
        return model.region, None
    return None


def unsold_in(model: Model, region: str) -> str | None:
    """Why ``model`` has no price in ``region``, for people; None where it has one."""
    if priced_region(model, region) is not None:
        return None
    places = region_names((model,))
    listed = f"served in or priced for {', '.join(places)}" if places else "no region recorded"
    return f"not sold in region {region} ({listed})"


def region_names(models: Any) -> list[str]:
    """Every region the ``models`` are served in or priced for, sorted."""
    names: set[str] = set()
    for model in models:
        if model.region is not None:
            names.add(model.region)
        if model.pricing is not None:
            names.update(model.pricing.regions)
    return sorted(names)


@dataclass(frozen=True)
class Rates:
    """The rates that bill a request, and the names of what chose them."""

    entry: Entry
    """Token prices (with the entry's long-context tiers and batch prices, where they apply)."""
    per_unit: dict[str, Decimal]
    """US dollars per unit for charges that are not per token."""
    names: tuple[str, ...]
    """What set these rates, for people: ``("from 2027-01-01", "off-peak 16:30-00:30 UTC")``."""
    unpriced_above: int | None
    """A prompt of more input tokens than this has no price: a service tier's rates have
    no long-context tiers, so above the entry's first threshold the bill is unknown."""


def _scaled(prices: Any, factor: Decimal) -> dict[str, Decimal]:
    return {
        kind: getattr(prices, kind) * factor
        for kind in PRICE_KINDS
        if getattr(prices, kind) is not None
    }


def _given(prices: Prices) -> dict[str, Decimal]:
    return {
        kind: getattr(prices, kind) for kind in PRICE_KINDS if getattr(prices, kind) is not None
    }


def _in_region(entry: Entry, regional: RegionPrices) -> Entry:
    """``entry`` as billed in a region: every token price times its multiplier, or its own prices."""
    factor = regional.multiplier
    if factor is None:
        return entry.model_copy(update=_given(regional))
    update: dict[str, Any] = _scaled(entry, factor)
    update["tiers"] = tuple(tier.model_copy(update=_scaled(tier, factor)) for tier in entry.tiers)
    if entry.batch is not None:
        update["batch"] = entry.batch.model_copy(update=_scaled(entry.batch, factor))
    update["service_tiers"] = {
        name: tier.model_copy(update=_scaled(tier, factor))
        for name, tier in entry.service_tiers.items()
    }
    return entry.model_copy(update=update)


def rates_at(
    model: Model,
    at: Moment | None = None,
    *,
    service_tier: str | None = None,
    region: str | None = None,
    search_context: str | None = None,
) -> Rates | None:
    """The rates that bill a request to ``model`` at ``at``; None where it has no price.

    ``at`` is a day or a moment (now when None); a day alone has no time, so no
    time window applies to it. See the module's docstring for the order.
    ``search_context`` (low, medium, high) picks the entry's per-unit charges for
    that size, where it prices sizes apart; a size it does not list is unpriced.
    """
    pricing = model.pricing
    entry = prices_at(model, at)
    if pricing is None or entry is None:
        return None
    names: list[str] = []
    if isinstance(entry, ScheduledPrices):
        names.append(f"from {entry.effective_from.isoformat()}")
    per_unit = {str(unit): price for unit, price in entry.per_unit.items()}
    if search_context is not None and entry.search_context:
        sized = entry.search_context.get(search_context)  # type: ignore[call-overload]
        if sized is None:
            return None
        per_unit.update({str(unit): price for unit, price in sized.items()})
        names.append(f"{search_context} search context")
    moment = clock.in_utc(at)
    window = None
    if isinstance(moment, dt.datetime):
        minute = moment.hour * 60 + moment.minute
        window = window_at(entry.time_windows, moment.weekday(), minute)
    # The prices the window set, for as long as a later step leaves some of them standing.
    from_window: set[str] = set()
    if window is not None:
        entry = entry.model_copy(update=_given(window))
        from_window = set(_given(window))
    later: list[str] = []
    if region is not None:
        found = priced_region(model, region)
        if found is None:
            return None
        place, regional = found
        if regional is not None:
            entry = _in_region(entry, regional)
            if regional.multiplier is None:
                from_window -= set(_given(regional))
        later.append(f"region {place}")
    unpriced_above = None
    if service_tier is not None and service_tier != STANDARD_TIER:
        tier = entry.service_tiers.get(service_tier)
        if tier is None:
            return None
        blank: dict[str, Any] = dict.fromkeys(PRICE_KINDS)
        thresholds = [long.above_input_tokens for long in entry.tiers]
        unpriced_above = min(thresholds) if thresholds else None
        entry = entry.model_copy(update={**blank, **_given(tier), "tiers": (), "batch": None})
        from_window = set()
        later.append(f"{service_tier} tier")
    if window is not None and from_window:
        names.append(f"{window.name} {window.start}-{window.end} UTC")
    names.extend(later)
    return Rates(entry, per_unit, tuple(names), unpriced_above)
