"""Prices in a model record, in US dollars per million tokens: current, tiered, batch, past.

Only the records live here; what a request costs is worked out in
:mod:`llm_catalog.query.pricing`.
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from llm_catalog.data.record_base import Price, Record, TokenCount
from llm_catalog.data.vocabulary import TierBilling

__all__ = ["PriceTier", "Prices", "Pricing", "PricingHistoryEntry"]


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


class PricingHistoryEntry(Prices):
    """Earlier prices, kept so that past usage is costed at the prices then in force."""

    effective_from: dt.date = Field(description="First day (YYYY-MM-DD) these prices applied.")
    tiers: tuple[PriceTier, ...] = Field(
        default=(), description="Long-context tiers, in increasing order of threshold."
    )
    batch: Prices | None = Field(default=None, description="Prices for the provider's batch API.")


class Pricing(Prices):
    """The model's current prices, in US dollars per million tokens."""

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
