"""Prices in a model record: current, tiered, batch, past and announced, by time of day,
service tier and region, and charges that are not per token.

Token prices are in US dollars per million tokens; ``per_unit`` charges are in
US dollars per unit (one web search, one request); times of day are UTC.

Only the records live here; what a request costs is worked out in
:mod:`llm_catalog.query.pricing`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from pydantic import Field

from llm_catalog.data.record_base import (
    CLOCK_PATTERN,
    NAME_PATTERN,
    Price,
    Record,
    TokenCount,
    UnitPrice,
)
from llm_catalog.data.vocabulary import ChargeUnit, SearchContext, TierBilling, Weekday

__all__ = [
    "PriceTier",
    "Prices",
    "Pricing",
    "PricingHistoryEntry",
    "RegionPrices",
    "ScheduledPrices",
    "TimeWindow",
]

Name = Annotated[str, Field(pattern=NAME_PATTERN, max_length=60)]


class Prices(Record):
    """Prices in US dollars per million tokens."""

    input: Price | None = Field(
        default=None, description="Input (prompt) tokens, US dollars per million tokens."
    )
    output: Price | None = Field(
        default=None,
        description="Output (completion) tokens, reasoning tokens included unless "
        "reasoning_output is given; US dollars per million tokens.",
    )
    cached_input: Price | None = Field(
        default=None,
        description="Input tokens read from the prompt cache, US dollars per million tokens.",
    )
    cache_write: Price | None = Field(
        default=None,
        description="Input tokens written to the prompt cache (the default, shortest "
        "cache lifetime), US dollars per million tokens.",
    )
    cache_write_1h: Price | None = Field(
        default=None,
        description="Input tokens written to a one-hour prompt cache, US dollars per million tokens.",
    )
    reasoning_output: Price | None = Field(
        default=None,
        description="Reasoning (thinking) tokens where priced apart from output, "
        "US dollars per million tokens.",
    )


class PriceTier(Prices):
    """Prices that apply once a prompt passes a number of input tokens."""

    above_input_tokens: TokenCount = Field(
        description="The tier applies to prompts of more than this many input tokens."
    )


class TimeWindow(Prices):
    """Prices for requests made during a daily window of UTC time, such as off-peak hours.

    Prices the window gives replace the entry's own inside it; those it leaves
    out stay the entry's.
    """

    name: Name = Field(description="What the provider calls the window, such as off-peak.")
    start: str = Field(
        pattern=CLOCK_PATTERN, description="UTC time of day (HH:MM) the window opens."
    )
    end: str = Field(
        pattern=CLOCK_PATTERN,
        description="UTC time of day (HH:MM) the window closes, not included; earlier "
        "than start for a window that crosses midnight.",
    )
    days: tuple[Weekday, ...] = Field(
        default=(),
        description="The UTC days the window opens on (mon ... sun); every day when left "
        "out. A window that crosses midnight belongs to the day it opened.",
    )


class RegionPrices(Prices):
    """Prices in a region or data zone: the base prices times ``multiplier``, or prices of its own."""

    multiplier: Decimal | None = Field(
        default=None,
        gt=0,
        le=100,
        description="Every token price of the entry in force (long-context, batch and "
        "service-tier prices too) multiplied by this: 1.1 for 10% more. Charges per unit "
        "are not multiplied.",
    )


def _windows() -> Any:
    return Field(
        default=(),
        description="Daily windows of UTC time with prices of their own (off-peak hours).",
    )


def _service_tiers() -> Any:
    return Field(
        default_factory=dict,
        description="Prices by service tier (flex, priority, ...); the base prices are the "
        "standard tier. A tier not named here is not sold for this model: unpriced.",
    )


def _per_unit() -> Any:
    return Field(
        default_factory=dict,
        description="Charges that are not per token, in US dollars per unit: web_search "
        "(one search call), request (every request), image, audio_second.",
    )


def _search_context() -> Any:
    return Field(
        default_factory=dict,
        description="Charges per unit by the search context size a request asks for (low, "
        "medium, high: Perplexity's request fee); each replaces the per_unit charges it "
        "names. per_unit holds the charges of a request that names no size, the "
        "provider's default.",
    )


class PricingHistoryEntry(Prices):
    """Earlier prices, kept so that past usage is costed at the prices then in force."""

    effective_from: dt.date = Field(description="First day (YYYY-MM-DD) these prices applied.")
    tiers: tuple[PriceTier, ...] = Field(
        default=(), description="Long-context tiers, in increasing order of threshold."
    )
    batch: Prices | None = Field(default=None, description="Prices for the provider's batch API.")
    time_windows: tuple[TimeWindow, ...] = _windows()
    service_tiers: dict[Name, Prices] = _service_tiers()
    per_unit: dict[ChargeUnit, UnitPrice] = _per_unit()
    search_context: dict[SearchContext, dict[ChargeUnit, UnitPrice]] = _search_context()


class ScheduledPrices(PricingHistoryEntry):
    """Announced prices that take effect on a later day, so estimates change when the bill does."""

    effective_from: dt.date = Field(description="First day (YYYY-MM-DD) these prices apply.")
    source: str | None = Field(
        default=None,
        min_length=1,
        max_length=500,
        description="Where the change was announced: the provider's page.",
    )


class Pricing(Prices):
    """The model's current prices, in US dollars per million tokens."""

    free: bool = Field(
        default=False,
        description="The model is offered at no charge (a free variant, a local model): "
        "its zero prices are published ones, not missing ones.",
    )

    tiers: tuple[PriceTier, ...] = Field(
        default=(),
        description="Long-context tiers, in increasing order of threshold. Prices a tier "
        "leaves out fall back to the base prices.",
    )
    tier_billing: TierBilling = Field(
        default=TierBilling.whole_request,
        description="whole_request: a prompt above a tier's threshold is billed wholly at "
        "that tier's prices (Google, Anthropic). marginal: only the tokens above the "
        "threshold are.",
    )
    batch: Prices | None = Field(default=None, description="Prices for the provider's batch API.")
    effective_from: dt.date | None = Field(
        default=None, description="First day (YYYY-MM-DD) these prices apply."
    )
    source: str | None = Field(
        default=None,
        min_length=1,
        max_length=500,
        description="Where these prices were read: the provider's pricing page, or a dataset and version.",
    )
    history: tuple[PricingHistoryEntry, ...] = Field(
        default=(),
        description="Earlier prices with the date each started, oldest first; each held "
        "until the next one's effective_from.",
    )
    time_windows: tuple[TimeWindow, ...] = _windows()
    service_tiers: dict[Name, Prices] = _service_tiers()
    per_unit: dict[ChargeUnit, UnitPrice] = _per_unit()
    search_context: dict[SearchContext, dict[ChargeUnit, UnitPrice]] = _search_context()
    regions: dict[Name, RegionPrices] = Field(
        default_factory=dict,
        description="Prices in a region or an area (us-east-1, eu, eu-data-zone). Asked "
        "for a region, a model is billed by the narrowest entry here that holds it (eu "
        "for europe-west1), else by its base prices where the record's own region lies "
        "inside it, and has no price anywhere else.",
    )
    scheduled: tuple[ScheduledPrices, ...] = Field(
        default=(),
        description="Announced future prices, earliest first; each holds from its "
        "effective_from until the next one's.",
    )
