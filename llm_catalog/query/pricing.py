"""Money maths: what a request to a model costs, from the prices in its record.

This is the only module that knows the units. Every price in a record is in US
dollars per million tokens; every amount returned here is in US dollars, as an
exact :class:`~decimal.Decimal` (never a float, never rounded). An amount of
``None`` means unknown: a model without a price is never free.

* :func:`prices_at` finds the price entry in force on a day.
* :func:`estimate_cost` costs a request from its token counts, following the
  providers' billing rules for prompt caching, reasoning tokens, long-context
  tiers and batch prices.
* :func:`cost_of` costs a finished call from the usage its provider reported,
  in OpenAI's, Anthropic's or Gemini's shape.
* :func:`format_usd` shows an amount to a person.

Only the standard library and the records are imported, so queries can cost
models without loading any provider's client.
"""

from __future__ import annotations

import decimal
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from llm_catalog.data.records import (
    Model,
    Prices,
    PriceTier,
    Pricing,
    PricingHistoryEntry,
    TierBilling,
)
from llm_catalog.data.vocabulary import ChargeUnit
from llm_catalog.query.rates import Moment, prices_at, rates_at
from llm_catalog.query.reported_usage import read_usage

__all__ = ["cost_of", "estimate_cost", "format_usd", "prices_at"]

# Prices are per million tokens: a cost is tokens * price scaled by 10**-6.
_PER_MILLION_EXPONENT = -6


@dataclass(frozen=True)
class _InputRates:
    """Prices of the kinds of input token, with the fallbacks applied, in prompt order."""

    cached: Decimal
    write: Decimal
    write_1h: Decimal
    plain: Decimal


@dataclass(frozen=True)
class _OutputRates:
    """Prices of the kinds of output token, with the fallbacks applied."""

    plain: Decimal
    reasoning: Decimal


@dataclass(frozen=True)
class _Band:
    """Prices for the input tokens from position ``start`` (counted from 0) onwards."""

    start: int
    input: _InputRates | None
    output: _OutputRates | None


def _or(price: Decimal | None, fallback: Decimal) -> Decimal:
    """``price`` when given, else ``fallback``. Not ``or``: a price of 0 is a price."""
    return fallback if price is None else price


def _band(start: int, prices: Prices, base: Prices | None = None) -> _Band:
    """The rates of ``prices``; a price they leave out is taken from ``base`` (a tier's base)."""

    def get(name: str) -> Decimal | None:
        price: Decimal | None = getattr(prices, name)
        if price is None and base is not None:
            price = getattr(base, name)
        return price

    inputs = None
    plain = get("input")
    if plain is not None:
        write = _or(get("cache_write"), plain)
        inputs = _InputRates(
            cached=_or(get("cached_input"), plain),
            write=write,
            write_1h=_or(get("cache_write_1h"), write),
            plain=plain,
        )
    outputs = None
    output = get("output")
    if output is not None:
        outputs = _OutputRates(plain=output, reasoning=_or(get("reasoning_output"), output))
    return _Band(start, inputs, outputs)


def _bands(
    entry: Pricing | PricingHistoryEntry,
    billing: TierBilling,
    input_tokens: int,
    batch: bool,
) -> list[_Band] | None:
    """The price bands a prompt of ``input_tokens`` is billed in; None when unpriced."""
    tiers: list[PriceTier] = sorted(
        (tier for tier in entry.tiers if input_tokens > tier.above_input_tokens),
        key=lambda tier: tier.above_input_tokens,
    )
    if batch:
        # Records hold no batch prices for long-context tiers; the standard
        # tier prices are not batch prices, so such a request is unpriced.
        if entry.batch is None or tiers:
            return None
        return [_band(0, entry.batch)]
    if not tiers:
        return [_band(0, entry)]
    if billing is TierBilling.whole_request:
        return [_band(0, tiers[-1], entry)]
    # Marginal billing is bracketed like income tax: the tokens between two
    # thresholds pay the lower tier's price.
    return [_band(0, entry)] + [_band(tier.above_input_tokens, tier, entry) for tier in tiers]


def _unit_counts(web_searches: int, units: Mapping[str, int] | None) -> dict[str, int]:
    """The count of every unit charged, one request included; raises for a bad count or unit."""
    counts = {unit.value: 0 for unit in ChargeUnit}
    counts[ChargeUnit.request.value] = 1
    for unit, count in {
        **(units or {}),
        **({"web_search": web_searches} if web_searches else {}),
    }.items():
        if unit not in counts:
            known = ", ".join(counts)
            raise ValueError(
                f"unknown unit {unit!r}; the units charged apart from tokens are {known}"
            )
        _check_counts(**{unit: count})
        counts[unit] = count
    return counts


def _check_counts(**counts: int) -> None:
    for name, value in counts.items():
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name} must be a whole number of tokens, not {value!r}")
        if value < 0:
            raise ValueError(f"{name} ({value}) is negative; pass a count of 0 or more")


def estimate_cost(
    model: Model,
    *,
    input_tokens: int = 0,
    output_tokens: int = 0,
    cached_input_tokens: int = 0,
    cache_write_tokens: int = 0,
    cache_write_1h_tokens: int = 0,
    reasoning_tokens: int = 0,
    batch: bool = False,
    at: Moment | None = None,
    service_tier: str | None = None,
    region: str | None = None,
    web_searches: int = 0,
    units: Mapping[str, int] | None = None,
    search_context: str | None = None,
) -> Decimal | None:
    """The cost in US dollars of a request of these token counts, at the rates in force at ``at``.

    ``at`` is a day or a UTC moment (now when None); ``service_tier`` (flex,
    priority, ...; standard is the base prices) and ``region`` choose the rates
    as :func:`~llm_catalog.query.rates.rates_at` says: a tier or region the
    model is not priced for gives None. A moment inside one of the entry's
    ``time_windows`` is billed at the window's prices; a day alone is billed at
    the entry's own.

    ``input_tokens`` is the whole prompt, cached and cache-written tokens
    INCLUDED (OpenAI's convention); ``cached_input_tokens`` of them are read
    from cache (billed at cached_input, or at the input price where no cached
    price is given), ``cache_write_tokens`` of them are written to the cache
    (billed at cache_write where given, else input); the rest at input.
    ``cache_write_1h_tokens`` of them are written to a one-hour cache (billed at
    cache_write_1h where given, else as ``cache_write_tokens``).
    ``reasoning_tokens`` are part of ``output_tokens``, billed at
    reasoning_output where the model prices them apart, else at output.

    Long-context tiers: the tier is chosen by input_tokens >
    tier.above_input_tokens (the highest such tier). With tier_billing
    whole_request (Google, Anthropic) the whole request is billed at the tier's
    prices (a price the tier leaves out falls back to the base price). With
    marginal only input tokens above the threshold are billed at the tier's
    input price (and output at the tier's output price); with several tiers,
    the tokens between two thresholds pay the lower tier's price. For marginal
    billing the prompt is taken to be laid out as caches are: tokens read from
    the cache first, then those written to it, then the rest. A history entry
    is billed by the current ``pricing.tier_billing``, as entries have none.

    ``batch=True`` uses the entry's ``batch`` prices, with the same fallbacks
    inside them (cached tokens at the batch input price where no batch cached
    price is given). A price the batch entry leaves out gives None: unknown,
    never the standard price silently. No batch prices, or a prompt above a
    long-context tier (records have no batch prices for tiers), gives None.

    Charges that are not per token are added at the entry's ``per_unit``
    prices: ``web_searches`` search calls, the counts in ``units`` (by unit
    name: web_search, request, image, audio_second), and one ``request`` for
    the request itself where the model charges per request. A count above 0 of
    a unit the model has no price for gives None. ``search_context`` (low,
    medium, high) charges them at that size's prices where the model prices
    sizes apart (Perplexity's request fee); a size it does not list gives None.

    Returns None when a needed price is missing: no pricing (or none in force
    on ``at``, see :func:`prices_at`), no input price with input_tokens > 0, no
    output price with output_tokens > 0. Otherwise the exact sum of
    tokens * price / 1,000,000 and units * price, with no rounding; 0 tokens cost 0.

    Raises ValueError for a negative count, an unknown unit, for cached + cache-written tokens
    exceeding input_tokens, and for reasoning_tokens exceeding output_tokens;
    TypeError for a count that is not an int.
    """
    _check_counts(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cached_input_tokens=cached_input_tokens,
        cache_write_tokens=cache_write_tokens,
        cache_write_1h_tokens=cache_write_1h_tokens,
        reasoning_tokens=reasoning_tokens,
    )
    if cached_input_tokens + cache_write_tokens + cache_write_1h_tokens > input_tokens:
        parts = f"cached_input_tokens ({cached_input_tokens}) + cache_write_tokens ({cache_write_tokens})"
        if cache_write_1h_tokens:
            parts += f" + cache_write_1h_tokens ({cache_write_1h_tokens})"
        raise ValueError(
            f"{parts} exceed input_tokens ({input_tokens}); input_tokens counts the whole "
            "prompt, cached and cache-written tokens included"
        )
    if reasoning_tokens > output_tokens:
        raise ValueError(
            f"reasoning_tokens ({reasoning_tokens}) exceed output_tokens ({output_tokens}); "
            "output_tokens counts every output token, reasoning included"
        )

    unit_counts = _unit_counts(web_searches, units)
    chosen = rates_at(
        model, at, service_tier=service_tier, region=region, search_context=search_context
    )
    if chosen is None:
        return None
    if chosen.unpriced_above is not None and input_tokens > chosen.unpriced_above:
        return None
    entry = chosen.entry
    charges = Decimal(0)
    for unit, count in unit_counts.items():
        price = chosen.per_unit.get(unit)
        if price is None:
            # No request fee is a fee of 0; any other unit without a price is unknown.
            if count and unit != ChargeUnit.request:
                return None
            continue
        charges += count * price
    # History entries have no tier_billing of their own: a provider's way of
    # billing tiers is taken to outlast its prices.
    billing = TierBilling.whole_request if model.pricing is None else model.pricing.tier_billing
    bands = _bands(entry, billing, input_tokens, batch)
    if bands is None:
        return None

    plain_tokens = input_tokens - cached_input_tokens - cache_write_tokens - cache_write_1h_tokens
    # Each kind of input token, in prompt order.
    counts = (cached_input_tokens, cache_write_tokens, cache_write_1h_tokens, plain_tokens)
    ends = [band.start for band in bands[1:]] + [input_tokens]
    with decimal.localcontext() as context:
        # Room for every digit, and a trap in case any were ever dropped.
        context.prec = decimal.MAX_PREC
        context.Emax = decimal.MAX_EMAX
        context.Emin = decimal.MIN_EMIN
        context.traps[decimal.Inexact] = True
        total = Decimal(0)
        for band, end in zip(bands, ends, strict=True):
            if end <= band.start:
                continue
            if band.input is None:
                return None
            ins = band.input
            rates = (ins.cached, ins.write, ins.write_1h, ins.plain)
            position = 0
            for count, rate in zip(counts, rates, strict=True):
                overlap = min(position + count, end) - max(position, band.start)
                if overlap > 0:
                    total += overlap * rate
                position += count
        if output_tokens:
            # Output is billed at the prices of the highest band the prompt reached.
            outputs = bands[-1].output
            if outputs is None:
                return None
            total += (output_tokens - reasoning_tokens) * outputs.plain
            total += reasoning_tokens * outputs.reasoning
        return total.scaleb(_PER_MILLION_EXPONENT) + charges


def cost_of(
    model: Model,
    usage: Mapping[str, Any] | object,
    *,
    batch: bool = False,
    at: Moment | None = None,
    service_tier: str | None = None,
    region: str | None = None,
) -> Decimal | None:
    """The cost in US dollars of a finished call, from the usage its provider reported.

    ``usage`` is a dict or an object with attributes (nested details too, which
    may also be None), in any of these shapes, told apart by their keys:

    * OpenAI Chat Completions and litellm (``prompt_tokens``):
      ``prompt_tokens`` is the whole prompt, including
      ``prompt_tokens_details.cached_tokens`` (read from cache) and, for
      litellm, ``cache_creation_input_tokens`` (written to it;
      ``cache_read_input_tokens`` is used when no cached_tokens is given).
      ``completion_tokens`` includes ``completion_tokens_details.reasoning_tokens``.
    * OpenAI Responses (``input_tokens`` with ``input_tokens_details`` or
      ``output_tokens_details``): as above, with ``input_tokens``,
      ``input_tokens_details.cached_tokens``, ``output_tokens`` and
      ``output_tokens_details.reasoning_tokens``.
    * Anthropic (``input_tokens`` otherwise): ``input_tokens`` EXCLUDES
      ``cache_read_input_tokens`` and ``cache_creation_input_tokens``, so the
      prompt is their sum; ``cache_creation.ephemeral_1h_input_tokens`` of the
      written tokens went to a one-hour cache. ``output_tokens`` includes
      thinking.
    * Gemini (``promptTokenCount``, or ``prompt_token_count`` from the Python
      SDK): ``promptTokenCount`` includes ``cachedContentTokenCount``;
      ``toolUsePromptTokenCount`` is added to the prompt.
      ``candidatesTokenCount`` EXCLUDES ``thoughtsTokenCount``, so output is
      their sum and the thoughts are its reasoning tokens.

    Web searches a server-side tool made (``server_tool_use.web_search_requests``,
    Anthropic's and litellm's, or Perplexity's ``num_search_queries``) are charged at
    the model's ``web_search`` price;
    a ``search_context_size`` the usage states (Perplexity's) chooses the per-unit
    charges of that size.

    The counts are then costed by :func:`estimate_cost`, with ``batch``, ``at``
    (the moment of the call; now when None), ``service_tier`` (the tier that
    served the call, as the response says) and ``region``; None when a needed
    price is missing. Raises ValueError for a
    usage of none of these shapes (naming the keys seen and those expected),
    for a count that is not an int, and for counts that contradict each other.
    """
    read = read_usage(usage)
    try:
        counts: dict[str, Any] = dict(read.counts)
        return estimate_cost(
            model,
            batch=batch,
            at=at,
            service_tier=service_tier,
            region=region,
            search_context=read.search_context,
            **counts,
        )
    except ValueError as error:
        raise ValueError(
            f"{read.shape} does not add up: {error}; check that it is one call's usage"
        ) from error


def format_usd(amount: Decimal | None) -> str:
    """An amount of US dollars for people to read; ``"unpriced"`` for None.

    The rule: every digit of the amount is shown, never rounded, since costs of
    single requests are often fractions of a cent. At least two decimals are
    shown (cents), more only when the amount has them, and trailing zeros
    beyond the cents are dropped; thousands are grouped with commas. So
    ``Decimal("12.5")`` is ``"$12.50"``, ``Decimal("0.0125")`` is
    ``"$0.0125"``, ``Decimal("0.000001")`` is ``"$0.000001"`` and
    ``Decimal("1234")`` is ``"$1,234.00"``. A negative amount (a refund) is
    ``"-$1.00"``.
    """
    if amount is None:
        return "unpriced"
    if not amount.is_finite():
        raise ValueError(f"cannot show {amount} as US dollars; pass a finite Decimal amount")
    sign = "-" if amount < 0 else ""
    whole, _, fraction = format(abs(amount), "f").partition(".")
    fraction = fraction.rstrip("0").ljust(2, "0")
    return f"{sign}${int(whole):,}.{fraction}"
