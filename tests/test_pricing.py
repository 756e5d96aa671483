"""Money maths: exact costs by the providers' published billing rules, and their properties.

Each exact figure has its arithmetic worked in a comment, in US dollars per
million tokens: ``tokens * price / 1e6``.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, Literal, TypedDict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llm_catalog.data.records import Model
from llm_catalog.query.pricing import cost_of, estimate_cost, format_usd, prices_at


class Counts(TypedDict, total=False):
    """Token counts, as estimate_cost takes them."""

    input_tokens: int
    output_tokens: int
    cached_input_tokens: int
    cache_write_tokens: int
    cache_write_1h_tokens: int
    reasoning_tokens: int


def make_model(pricing: dict[str, Any] | None = None, model_id: str = "m") -> Model:
    """A model record as the loader builds it, priced by ``pricing`` (None: unpriced)."""
    data: dict[str, Any] = {
        "id": model_id,
        "provider": "acme",
        "name": model_id.title(),
        "limits": {"context_window": 2_000_000},
        "provenance": {"sources": ["https://acme.example/pricing"], "checked": "2026-11-25"},
    }
    if pricing is not None:
        data["pricing"] = pricing
    return Model.model_validate(data)


# Published prices, US dollars per million tokens.
GPT_4O = make_model(
    {
        "input": "2.50",
        "cached_input": "1.25",
        "output": "10",
        "batch": {"input": "1.25", "output": "5"},
    },
    "gpt-4o",
)
SONNET_4_5 = make_model(
    {
        "input": "3",
        "cache_write": "3.75",
        "cache_write_1h": "6",
        "cached_input": "0.30",
        "output": "15",
        "tiers": [
            {
                "above_input_tokens": 200_000,
                "input": "6",
                "cache_write": "7.50",
                "cached_input": "0.60",
                "output": "22.50",
            }
        ],
    },
    "claude-sonnet-4.5",
)
GEMINI_2_5_PRO = make_model(
    {
        "input": "1.25",
        "cached_input": "0.125",
        "output": "10",
        "tiers": [
            {"above_input_tokens": 200_000, "input": "2.5", "cached_input": "0.25", "output": "15"}
        ],
        "batch": {"input": "0.625", "output": "5", "cached_input": "0.125"},
    },
    "gemini-2.5-pro",
)
UNPRICED = make_model(None, "mystery")


# --- OpenAI: cached input at half price ----------------------------------------------------------


def test_openai_cached_input_is_billed_at_the_cached_price() -> None:
    # 4,000 uncached * 2.50 + 6,000 cached * 1.25 + 1,000 output * 10
    # = 10,000 + 7,500 + 10,000 = 27,500 / 1e6
    cost = estimate_cost(
        GPT_4O, input_tokens=10_000, cached_input_tokens=6_000, output_tokens=1_000
    )
    assert cost == Decimal("0.0275")


@pytest.mark.parametrize(
    "usage",
    [
        {
            "prompt_tokens": 10_000,
            "completion_tokens": 1_000,
            "total_tokens": 11_000,
            "prompt_tokens_details": {"cached_tokens": 6_000},
            "completion_tokens_details": {"reasoning_tokens": 0},
        },
        SimpleNamespace(
            prompt_tokens=10_000,
            completion_tokens=1_000,
            prompt_tokens_details=SimpleNamespace(cached_tokens=6_000),
            completion_tokens_details=None,
        ),
        # The Responses API: Anthropic's key names, OpenAI's counting.
        {
            "input_tokens": 10_000,
            "input_tokens_details": {"cached_tokens": 6_000},
            "output_tokens": 1_000,
            "output_tokens_details": {"reasoning_tokens": 300},
            "total_tokens": 11_000,
        },
    ],
    ids=["chat-dict", "chat-object", "responses-dict"],
)
def test_openai_usage_counts_cached_tokens_inside_the_prompt(usage: Any) -> None:
    # As above: 0.0275 (reasoning tokens are output, at the output price).
    assert cost_of(GPT_4O, usage) == Decimal("0.0275")


def test_one_token_costs_an_exact_fraction() -> None:
    # 1 * 2.50 / 1e6, with no float anywhere.
    assert estimate_cost(GPT_4O, input_tokens=1) == Decimal("0.0000025")
    # 10**12 * 2.50 / 1e6: no rounding at large counts either.
    assert estimate_cost(GPT_4O, input_tokens=10**12 + 1) == Decimal("2500000.0000025")


# --- Anthropic: cache writes at 1.25x, reads at 0.1x ----------------------------------------------


def test_anthropic_usage_adds_cache_reads_and_writes_to_the_prompt() -> None:
    usage = {
        "input_tokens": 2_000,
        "cache_creation_input_tokens": 10_000,
        "cache_read_input_tokens": 50_000,
        "output_tokens": 800,
    }
    # 2,000 * 3 + 10,000 * 3.75 + 50,000 * 0.30 + 800 * 15
    # = 6,000 + 37,500 + 15,000 + 12,000 = 70,500 / 1e6
    assert cost_of(SONNET_4_5, usage) == Decimal("0.0705")
    # The same request in OpenAI's convention: the prompt is 62,000 tokens.
    same = estimate_cost(
        SONNET_4_5,
        input_tokens=62_000,
        cached_input_tokens=50_000,
        cache_write_tokens=10_000,
        output_tokens=800,
    )
    assert same == Decimal("0.0705")


def test_anthropic_one_hour_cache_writes_are_billed_at_their_own_price() -> None:
    usage = SimpleNamespace(
        input_tokens=2_000,
        cache_creation_input_tokens=10_000,
        cache_read_input_tokens=50_000,
        cache_creation=SimpleNamespace(
            ephemeral_5m_input_tokens=4_000, ephemeral_1h_input_tokens=6_000
        ),
        output_tokens=800,
        server_tool_use=None,
    )
    # 2,000 * 3 + 4,000 * 3.75 + 6,000 * 6 + 50,000 * 0.30 + 800 * 15
    # = 6,000 + 15,000 + 36,000 + 15,000 + 12,000 = 84,000 / 1e6
    assert cost_of(SONNET_4_5, usage) == Decimal("0.084")


def test_litellm_usage_of_an_anthropic_call_costs_the_same() -> None:
    # litellm folds Anthropic's cache tokens into prompt_tokens and keeps them as attributes.
    usage = SimpleNamespace(
        prompt_tokens=62_000,
        completion_tokens=800,
        total_tokens=62_800,
        prompt_tokens_details=SimpleNamespace(cached_tokens=50_000),
        completion_tokens_details=None,
        cache_read_input_tokens=50_000,
        cache_creation_input_tokens=10_000,
    )
    assert cost_of(SONNET_4_5, usage) == Decimal("0.0705")


def test_cache_prices_fall_back_to_the_input_price() -> None:
    plain = make_model({"input": "2", "output": "4"})
    # No cached or cache-write price: all 1,000 tokens at 2, output 100 * 4 -> 2,400 / 1e6
    cost = estimate_cost(
        plain,
        input_tokens=1_000,
        cached_input_tokens=300,
        cache_write_tokens=200,
        output_tokens=100,
    )
    assert cost == Decimal("0.0024")


# --- Gemini: long context billed wholly at the tier's prices; thoughts are output ----------------


def test_gemini_prompt_at_the_threshold_pays_the_base_price() -> None:
    # 200,000 * 1.25 + 1,000 * 10 = 250,000 + 10,000 = 260,000 / 1e6
    assert estimate_cost(GEMINI_2_5_PRO, input_tokens=200_000, output_tokens=1_000) == Decimal(
        "0.26"
    )


def test_gemini_prompt_above_the_threshold_is_billed_wholly_at_the_tier() -> None:
    # 200,001 * 2.50 + 1,000 * 15 = 500,002.5 + 15,000 = 515,002.5 / 1e6
    cost = estimate_cost(GEMINI_2_5_PRO, input_tokens=200_001, output_tokens=1_000)
    assert cost == Decimal("0.5150025")


def test_a_price_the_tier_leaves_out_falls_back_to_the_base_price() -> None:
    model = make_model(
        {
            "input": "1",
            "cached_input": "0.1",
            "output": "2",
            "tiers": [{"above_input_tokens": 100, "input": "3"}],
        }
    )
    # Whole request in the tier: 150 uncached * 3 + 50 cached * 0.1 (base) + 10 * 2 (base)
    # = 450 + 5 + 20 = 475 / 1e6
    cost = estimate_cost(model, input_tokens=200, cached_input_tokens=50, output_tokens=10)
    assert cost == Decimal("0.000475")


@pytest.mark.parametrize(
    "usage",
    [
        {
            "promptTokenCount": 1_000,
            "cachedContentTokenCount": 400,
            "candidatesTokenCount": 200,
            "thoughtsTokenCount": 300,
            "totalTokenCount": 1_500,
        },
        SimpleNamespace(
            prompt_token_count=1_000,
            cached_content_token_count=400,
            candidates_token_count=200,
            thoughts_token_count=300,
            tool_use_prompt_token_count=None,
            total_token_count=1_500,
        ),
    ],
    ids=["rest-dict", "sdk-object"],
)
def test_gemini_usage_bills_thoughts_as_output(usage: Any) -> None:
    # 600 uncached * 1.25 + 400 cached * 0.125 + (200 + 300) output * 10
    # = 750 + 50 + 5,000 = 5,800 / 1e6
    assert cost_of(GEMINI_2_5_PRO, usage) == Decimal("0.0058")


def test_gemini_long_cached_prompt_pays_the_tier_cached_price() -> None:
    usage = {
        "promptTokenCount": 250_000,
        "cachedContentTokenCount": 100_000,
        "toolUsePromptTokenCount": 10,
        "candidatesTokenCount": 0,
    }
    # 150,010 uncached * 2.50 + 100,000 cached * 0.25 = 375,025 + 25,000 = 400,025 / 1e6
    assert cost_of(GEMINI_2_5_PRO, usage) == Decimal("0.400025")


# --- Marginal tiers and reasoning priced apart ---------------------------------------------------

MARGINAL = make_model(
    {
        "input": "1",
        "cached_input": "0.1",
        "output": "2",
        "tier_billing": "marginal",
        "tiers": [
            {"above_input_tokens": 1_000, "input": "3", "cached_input": "0.3", "output": "4"},
            {"above_input_tokens": 2_000, "input": "5", "output": "6"},
        ],
    }
)


def test_marginal_tier_bills_only_the_tokens_above_the_threshold() -> None:
    # 1,000 * 1 + 500 * 3 + 10 output * 4 (the tier's) = 1,000 + 1,500 + 40 = 2,540 / 1e6
    assert estimate_cost(MARGINAL, input_tokens=1_500, output_tokens=10) == Decimal("0.00254")


def test_marginal_tiers_bill_each_bracket_at_its_own_price() -> None:
    # 1,000 * 1 + 1,000 * 3 + 500 * 5 + 10 output * 6 = 1,000 + 3,000 + 2,500 + 60 = 6,560 / 1e6
    assert estimate_cost(MARGINAL, input_tokens=2_500, output_tokens=10) == Decimal("0.00656")


def test_marginal_tier_takes_cached_tokens_to_lead_the_prompt() -> None:
    # Cached 1,200 first: 1,000 * 0.1 + 200 * 0.3; then 300 uncached * 3
    # = 100 + 60 + 900 = 1,060 / 1e6
    cost = estimate_cost(MARGINAL, input_tokens=1_500, cached_input_tokens=1_200)
    assert cost == Decimal("0.00106")


def test_reasoning_tokens_priced_apart_pay_their_own_price() -> None:
    model = make_model({"input": "1", "output": "10", "reasoning_output": "20"})
    # 600 plain output * 10 + 400 reasoning * 20 = 6,000 + 8,000 = 14,000 / 1e6
    cost = estimate_cost(model, output_tokens=1_000, reasoning_tokens=400)
    assert cost == Decimal("0.014")
    # Without a reasoning price, reasoning is output: 1,000 * 10 / 1e6
    assert estimate_cost(GPT_4O, output_tokens=1_000, reasoning_tokens=400) == Decimal("0.01")


# --- Batch ---------------------------------------------------------------------------------------


def test_batch_is_billed_at_the_batch_prices() -> None:
    # 10,000 * 1.25 + 1,000 * 5 = 12,500 + 5,000 = 17,500 / 1e6: half the standard 0.035
    batch = estimate_cost(GPT_4O, input_tokens=10_000, output_tokens=1_000, batch=True)
    standard = estimate_cost(GPT_4O, input_tokens=10_000, output_tokens=1_000)
    assert batch == Decimal("0.0175")
    assert standard == 2 * batch


def test_batch_without_batch_prices_is_unpriced() -> None:
    assert estimate_cost(SONNET_4_5, input_tokens=1_000, batch=True) is None
    assert cost_of(SONNET_4_5, {"input_tokens": 1, "output_tokens": 1}, batch=True) is None


def test_batch_never_borrows_a_standard_price() -> None:
    model = make_model({"input": "2", "output": "8", "batch": {"input": "1"}})
    assert estimate_cost(model, input_tokens=1_000, output_tokens=1, batch=True) is None
    # 1,000 * 1 / 1e6: output is not needed, so the input-only batch price serves.
    assert estimate_cost(model, input_tokens=1_000, batch=True) == Decimal("0.001")


def test_batch_above_a_long_context_tier_is_unpriced() -> None:
    # Records hold no batch prices for the tier; the base batch prices would be too low.
    assert estimate_cost(GEMINI_2_5_PRO, input_tokens=200_000, batch=True) == Decimal("0.125")
    assert estimate_cost(GEMINI_2_5_PRO, input_tokens=200_001, batch=True) is None


# --- History -------------------------------------------------------------------------------------

HISTORIC = make_model(
    {
        "input": "2",
        "output": "8",
        "effective_from": "2025-06-01",
        "history": [
            {"effective_from": "2024-01-01", "input": "10", "output": "30"},
            {"effective_from": "2025-01-01", "input": "5", "output": "15"},
        ],
    }
)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2024, 1, 1), Decimal("0.01")),  # 1,000 * 10 / 1e6
        (dt.date(2024, 12, 31), Decimal("0.01")),
        (dt.date(2025, 1, 1), Decimal("0.005")),  # 1,000 * 5 / 1e6
        (dt.date(2025, 5, 31), Decimal("0.005")),
        (dt.date(2025, 6, 1), Decimal("0.002")),  # 1,000 * 2 / 1e6
        (dt.date(2030, 1, 1), Decimal("0.002")),
        (None, Decimal("0.002")),
    ],
)
def test_a_past_day_is_costed_at_the_prices_then_in_force(
    day: dt.date | None, expected: Decimal
) -> None:
    assert estimate_cost(HISTORIC, input_tokens=1_000, at=day) == expected


def test_a_day_before_the_first_known_price_is_unpriced() -> None:
    assert prices_at(HISTORIC, dt.date(2023, 12, 31)) is None
    assert estimate_cost(HISTORIC, input_tokens=1_000, at=dt.date(2023, 12, 31)) is None
    dated = make_model({"input": "1", "effective_from": "2025-01-01"})
    assert prices_at(dated, dt.date(2024, 12, 31)) is None
    assert prices_at(dated, dt.date(2025, 1, 1)) is dated.pricing


def test_prices_at_returns_the_entry_in_force() -> None:
    assert HISTORIC.pricing is not None
    assert prices_at(HISTORIC) is HISTORIC.pricing
    assert prices_at(HISTORIC, dt.date(2025, 2, 1)) is HISTORIC.pricing.history[1]
    assert prices_at(UNPRICED) is None
    assert prices_at(UNPRICED, dt.date(2025, 2, 1)) is None


def test_undated_current_prices_follow_the_latest_history_entry() -> None:
    model = make_model({"input": "2", "history": [{"effective_from": "2025-01-01", "input": "5"}]})
    assert model.pricing is not None
    assert prices_at(model, dt.date(2024, 12, 31)) is None
    assert prices_at(model, dt.date(2025, 1, 1)) is model.pricing.history[0]
    assert prices_at(model, dt.date(2025, 1, 2)) is model.pricing
    undated = make_model({"input": "2"})
    assert prices_at(undated, dt.date(1999, 1, 1)) is undated.pricing


def test_history_entries_keep_their_own_tiers_and_batch_prices() -> None:
    model = make_model(
        {
            "input": "2",
            "output": "8",
            "effective_from": "2025-06-01",
            "history": [
                {
                    "effective_from": "2025-01-01",
                    "input": "1",
                    "output": "4",
                    "tiers": [{"above_input_tokens": 100, "input": "3"}],
                    "batch": {"input": "0.5", "output": "2"},
                }
            ],
        }
    )
    then = dt.date(2025, 3, 1)
    # 101 * 3 (the old tier, whole request) = 303 / 1e6
    assert estimate_cost(model, input_tokens=101, at=then) == Decimal("0.000303")
    # 100 * 0.5 + 10 * 2 = 70 / 1e6
    assert estimate_cost(model, input_tokens=100, output_tokens=10, batch=True, at=then) == (
        Decimal("0.00007")
    )
    assert estimate_cost(model, input_tokens=100, batch=True) is None


# --- Unknown is never free -----------------------------------------------------------------------


def test_an_unpriced_model_costs_none_never_zero() -> None:
    assert estimate_cost(UNPRICED, input_tokens=1_000, output_tokens=10) is None
    assert estimate_cost(UNPRICED) is None
    assert cost_of(UNPRICED, {"prompt_tokens": 0, "completion_tokens": 0}) is None


def test_a_missing_price_makes_the_cost_unknown_only_when_needed() -> None:
    embedding = make_model({"input": "0.02"})
    assert estimate_cost(embedding, input_tokens=1_000, output_tokens=1) is None
    # 1,000 * 0.02 / 1e6
    assert estimate_cost(embedding, input_tokens=1_000) == Decimal("0.00002")
    output_only = make_model({"output": "1"})
    assert estimate_cost(output_only, input_tokens=1) is None


def test_zero_tokens_cost_zero_when_priced() -> None:
    cost = estimate_cost(GPT_4O)
    assert cost is not None
    assert cost == 0
    assert format_usd(cost) == "$0.00"
    free = make_model({"input": "0", "output": "0"})
    assert estimate_cost(free, input_tokens=5_000, output_tokens=5_000) == 0


def exactly(message: str) -> str:
    """A pattern for ``pytest.raises`` that matches ``message`` whole and nothing else."""
    return f"^{re.escape(message)}$"


# --- Errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        (
            {"input_tokens": 1_000, "cached_input_tokens": 2_000},
            "cached_input_tokens (2000) + cache_write_tokens (0) exceed input_tokens (1000); "
            "input_tokens counts the whole prompt, cached and cache-written tokens included",
        ),
        (
            {"input_tokens": 1_000, "cached_input_tokens": 600, "cache_write_tokens": 500},
            "cached_input_tokens (600) + cache_write_tokens (500) exceed input_tokens (1000); "
            "input_tokens counts the whole prompt, cached and cache-written tokens included",
        ),
        (
            {"input_tokens": 10, "cache_write_1h_tokens": 11},
            "cached_input_tokens (0) + cache_write_tokens (0) + cache_write_1h_tokens (11) "
            "exceed input_tokens (10); input_tokens counts the whole prompt, cached and "
            "cache-written tokens included",
        ),
        (
            {"output_tokens": 100, "reasoning_tokens": 500},
            "reasoning_tokens (500) exceed output_tokens (100); "
            "output_tokens counts every output token, reasoning included",
        ),
        (
            {"input_tokens": -1},
            "input_tokens (-1) is negative; pass a count of 0 or more",
        ),
        (
            {"output_tokens": 5, "reasoning_tokens": -2},
            "reasoning_tokens (-2) is negative; pass a count of 0 or more",
        ),
    ],
)
def test_impossible_counts_are_refused_with_the_values(counts: Counts, message: str) -> None:
    with pytest.raises(ValueError, match=exactly(message)):
        estimate_cost(GPT_4O, **counts)
    # Checked before prices: a mistake is a mistake even on an unpriced model.
    with pytest.raises(ValueError, match=exactly(message)):
        estimate_cost(UNPRICED, **counts)


def test_a_count_that_is_not_an_int_is_refused() -> None:
    message = "input_tokens must be a whole number of tokens, not 1.5"
    with pytest.raises(TypeError, match=exactly(message)):
        estimate_cost(GPT_4O, input_tokens=1.5)  # type: ignore[arg-type]


def test_usage_of_an_unknown_shape_names_the_keys_seen_and_expected() -> None:
    expected = (
        "expected OpenAI's or litellm's prompt_tokens (with completion_tokens), Anthropic's "
        "or OpenAI Responses' input_tokens (with output_tokens), or Gemini's "
        "promptTokenCount or prompt_token_count (with candidatesTokenCount); pass the "
        "response's usage (usage or usageMetadata), not the whole response"
    )
    seen = f"cannot read token usage with keys: model, tokens; {expected}"
    with pytest.raises(ValueError, match=exactly(seen)):
        cost_of(GPT_4O, {"tokens": 5, "model": "gpt-4o"})
    seen = f"cannot read token usage with keys: choices, usage; {expected}"
    with pytest.raises(ValueError, match=exactly(seen)):
        cost_of(GPT_4O, SimpleNamespace(choices=[], usage=None))
    seen = f"cannot read token usage with keys: none (usage is None); {expected}"
    with pytest.raises(ValueError, match=exactly(seen)):
        cost_of(GPT_4O, None)


def test_usage_that_does_not_add_up_is_refused() -> None:
    usage = {"prompt_tokens": 10, "prompt_tokens_details": {"cached_tokens": 20}}
    message = (
        "OpenAI (or litellm) usage does not add up: cached_input_tokens (20) + "
        "cache_write_tokens (0) exceed input_tokens (10); input_tokens counts the whole "
        "prompt, cached and cache-written tokens included; check that it is one call's usage"
    )
    with pytest.raises(ValueError, match=exactly(message)):
        cost_of(GPT_4O, usage)


def test_usage_count_that_is_not_an_int_is_refused() -> None:
    usage = {"prompt_tokens": 10, "prompt_tokens_details": {"cached_tokens": "5"}}
    message = "usage prompt_tokens_details.cached_tokens is '5'; expected a whole number of tokens"
    with pytest.raises(ValueError, match=exactly(message)):
        cost_of(GPT_4O, usage)


# --- Display -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (None, "unpriced"),
        (Decimal("0.0125"), "$0.0125"),
        (Decimal("12.5"), "$12.50"),
        (Decimal("0.000001"), "$0.000001"),
        (Decimal("1E-7"), "$0.0000001"),
        (Decimal("0.02750000"), "$0.0275"),
        (Decimal("0E-6"), "$0.00"),
        (Decimal("3"), "$3.00"),
        (Decimal("1234.5"), "$1,234.50"),
        (Decimal("1E+3"), "$1,000.00"),
        (Decimal("2500000.0000025"), "$2,500,000.0000025"),
        (Decimal("-1"), "-$1.00"),
    ],
)
def test_format_usd_shows_every_digit_and_at_least_cents(
    amount: Decimal | None, shown: str
) -> None:
    assert format_usd(amount) == shown


def test_format_usd_refuses_what_is_not_an_amount() -> None:
    with pytest.raises(ValueError, match=r"^cannot show NaN as US dollars"):
        format_usd(Decimal("NaN"))


# --- Properties ----------------------------------------------------------------------------------

PROPERTY = settings(max_examples=150, deadline=None)

maybe_prices = st.none() | st.decimals(
    min_value=0, max_value=100, places=3, allow_nan=False, allow_infinity=False
)
PRICE_NAMES = (
    "input",
    "output",
    "cached_input",
    "cache_write",
    "cache_write_1h",
    "reasoning_output",
)


@st.composite
def priced_models(draw: st.DrawFn) -> Model:
    """Models whose long-context tiers never cost less than the prices below them.

    Tiers give every price the base gives, scaled by a non-decreasing factor,
    so a dearer band never follows a cheaper one; each tier has a price for
    exactly the kinds the base has, so one can say from the base alone which
    prices are missing.
    """
    base = {name: draw(maybe_prices) for name in PRICE_NAMES}
    pricing: dict[str, Any] = {name: price for name, price in base.items() if price is not None}
    thresholds = draw(st.lists(st.integers(1, 3_000), max_size=2, unique=True))
    factors = sorted(draw(st.lists(st.integers(1, 4), min_size=2, max_size=2)))
    pricing["tiers"] = [
        {
            "above_input_tokens": threshold,
            **{k: v * factor for k, v in pricing.items() if k != "tiers"},
        }
        for threshold, factor in zip(sorted(thresholds), factors, strict=False)
    ]
    pricing["tier_billing"] = draw(st.sampled_from(["whole_request", "marginal"]))
    if draw(st.booleans()):
        batch = {name: draw(maybe_prices) for name in PRICE_NAMES}
        pricing["batch"] = {name: price for name, price in batch.items() if price is not None}
    return make_model(pricing)


models = priced_models() | st.just(UNPRICED)


@st.composite
def requests(draw: st.DrawFn) -> Counts:
    """Token counts that add up: parts never exceed the totals that include them."""
    cached = draw(st.integers(0, 2_000))
    write = draw(st.integers(0, 2_000))
    write_1h = draw(st.integers(0, 2_000))
    reasoning = draw(st.integers(0, 2_000))
    return {
        "input_tokens": cached + write + write_1h + draw(st.integers(0, 2_000)),
        "cached_input_tokens": cached,
        "cache_write_tokens": write,
        "cache_write_1h_tokens": write_1h,
        "output_tokens": reasoning + draw(st.integers(0, 2_000)),
        "reasoning_tokens": reasoning,
    }


# Adding tokens of one kind: a part grows with the total that includes it, as a
# longer prompt or answer would. (Raising cached_input_tokens alone would move
# tokens from input to cache, which rightly lowers the cost.)
CountName = Literal[
    "input_tokens",
    "output_tokens",
    "cached_input_tokens",
    "cache_write_tokens",
    "cache_write_1h_tokens",
    "reasoning_tokens",
]
GROWTHS: dict[str, tuple[CountName, ...]] = {
    "input": ("input_tokens",),
    "cached": ("input_tokens", "cached_input_tokens"),
    "cache write": ("input_tokens", "cache_write_tokens"),
    "1h cache write": ("input_tokens", "cache_write_1h_tokens"),
    "output": ("output_tokens",),
    "reasoning": ("output_tokens", "reasoning_tokens"),
}


@PROPERTY
@given(
    priced_models(),
    requests(),
    st.sampled_from(sorted(GROWTHS)),
    st.integers(1, 3_000),
    st.booleans(),
)
def test_cost_never_falls_as_tokens_are_added(
    model: Model, counts: Counts, kind: str, more: int, batch: bool
) -> None:
    before = estimate_cost(model, batch=batch, **counts)
    grown = counts.copy()
    for name in GROWTHS[kind]:
        grown[name] = grown.get(name, 0) + more
    after = estimate_cost(model, batch=batch, **grown)
    if before is not None and after is not None:
        assert after >= before


def lacks_a_needed_price(model: Model, counts: Counts, batch: bool) -> bool:
    """Whether a request needs a price the record lacks: the rule, stated apart from the code.

    (Tiers drawn by ``priced_models`` have a price for just the kinds the base has.)
    """
    pricing = model.pricing
    if pricing is None:
        return True
    above_a_tier = any(counts["input_tokens"] > tier.above_input_tokens for tier in pricing.tiers)
    prices = pricing.batch if batch else pricing
    if prices is None or (batch and above_a_tier):
        return True
    if counts["input_tokens"] > 0 and prices.input is None:
        return True
    return counts["output_tokens"] > 0 and prices.output is None


@PROPERTY
@given(models, requests(), st.booleans())
def test_cost_is_none_exactly_when_a_needed_price_is_missing(
    model: Model, counts: Counts, batch: bool
) -> None:
    cost = estimate_cost(model, batch=batch, **counts)
    assert (cost is None) == lacks_a_needed_price(model, counts, batch)
    assert cost is None or cost >= 0


@PROPERTY
@given(models, st.booleans())
def test_no_tokens_cost_zero_when_priced(model: Model, batch: bool) -> None:
    cost = estimate_cost(model, batch=batch)
    priced = model.pricing is not None and (not batch or model.pricing.batch is not None)
    assert cost == (Decimal(0) if priced else None)


@PROPERTY
@given(priced_models(), requests())
def test_every_usage_shape_costs_the_same_request_alike(model: Model, counts: Counts) -> None:
    counts["cache_write_1h_tokens"] = 0  # OpenAI's usage has no place for them
    expected = estimate_cost(model, **counts)
    plain_input = (
        counts["input_tokens"] - counts["cached_input_tokens"] - counts["cache_write_tokens"]
    )
    litellm = {
        "prompt_tokens": counts["input_tokens"],
        "prompt_tokens_details": {"cached_tokens": counts["cached_input_tokens"]},
        "cache_creation_input_tokens": counts["cache_write_tokens"],
        "completion_tokens": counts["output_tokens"],
        "completion_tokens_details": {"reasoning_tokens": counts["reasoning_tokens"]},
    }
    anthropic = {
        "input_tokens": plain_input,
        "cache_read_input_tokens": counts["cached_input_tokens"],
        "cache_creation_input_tokens": counts["cache_write_tokens"],
        "output_tokens": counts["output_tokens"],
    }
    assert cost_of(model, litellm) == expected
    if counts["reasoning_tokens"] == 0:  # Anthropic does not count thinking apart
        assert cost_of(model, anthropic) == expected
    if counts["cache_write_tokens"] == 0:  # Gemini reports no cache writes
        gemini = {
            "promptTokenCount": counts["input_tokens"],
            "cachedContentTokenCount": counts["cached_input_tokens"],
            "candidatesTokenCount": counts["output_tokens"] - counts["reasoning_tokens"],
            "thoughtsTokenCount": counts["reasoning_tokens"],
        }
        assert cost_of(model, gemini) == expected
