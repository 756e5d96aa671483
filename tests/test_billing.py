"""Billing as providers bill it: announced prices, time windows, service tiers, regions and
charges that are not per token, costed exactly (tests/cases/valid/billing)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from llm_catalog import QueryError, load_catalog, select
from llm_catalog.data.records import Model
from llm_catalog.query.catalog import Catalog
from llm_catalog.query.pricing import estimate_cost
from llm_catalog.query.rates import rates_at
from tests.conftest import CASES

CATALOG: Catalog = load_catalog([CASES / "valid" / "billing"], shipped=False, cache=False)
METERED: Model = CATALOG["acme/metered"]
MILLION = 1_000_000
TOKENS = 100_000  # under the long-context tier's threshold of 200,000


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def input_price(at: dt.date | dt.datetime, **options: str) -> Decimal | None:
    """The input rate in force, per million tokens: 100,000 tokens' cost, less the request fee."""
    cost = estimate_cost(METERED, input_tokens=TOKENS, at=at, **options)  # type: ignore[arg-type]
    return None if cost is None else ((cost - Decimal("0.005")) * 10).normalize()


# -- time windows ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "price", "why"),
    [
        ("2026-12-07T01:00:00", "1.32", "Monday, the first minute of the first peak window"),
        ("2026-12-07T03:59:59", "1.32", "Monday, the last second of it"),
        ("2026-12-07T04:00:00", "0.66", "Monday, the window's end is not in it"),
        ("2026-12-07T07:30:00", "1.32", "Monday, the second peak window"),
        ("2026-12-12T02:00:00", "0.66", "Saturday: peak windows are for weekdays"),
        ("2026-12-13T23:00:00", "0.33", "Sunday, inside a window that crosses midnight"),
        (
            "2026-12-07T00:15:00",
            "0.33",
            "Monday 00:15: still Sunday's window, opened before midnight",
        ),
        ("2026-12-07T00:30:00", "0.66", "Monday 00:30: Sunday's window has closed"),
        ("2026-12-14T00:15:00", "0.33", "the next Monday, the same"),
        ("2026-12-08T00:15:00", "0.66", "Tuesday 00:15: Monday opens no late window"),
    ],
)
def test_a_moment_in_a_window_is_billed_at_the_windows_prices(
    moment: str, price: str, why: str
) -> None:
    assert input_price(utc(moment)) == Decimal(price), why


def test_a_window_replaces_only_the_prices_it_gives() -> None:
    # The late window gives only input: output and cached input stay the base's.
    cost = estimate_cost(
        METERED,
        input_tokens=TOKENS,
        cached_input_tokens=TOKENS // 2,
        output_tokens=TOKENS,
        at=utc("2026-12-13T23:00:00"),
    )
    # 50,000 cached * 0.022 + 50,000 * 0.33 + 100,000 * 1.98, plus the request fee
    assert cost == Decimal("0.0011") + Decimal("0.0165") + Decimal("0.198") + Decimal("0.005")


def test_a_day_without_a_time_is_billed_at_the_entrys_own_prices() -> None:
    assert input_price(dt.date(2026, 12, 7)) == Decimal("0.66")


def test_a_moment_with_an_offset_is_read_in_utc() -> None:
    # 09:00 in UTC+8 is 01:00 UTC: a Monday peak.
    moment = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert input_price(moment) == Decimal("1.32")


# -- announced prices --------------------------------------------------------------------


def test_announced_prices_apply_from_their_first_day() -> None:
    assert input_price(utc("2026-12-31T23:59:59")) == Decimal("0.66")  # a Thursday night
    assert input_price(dt.date(2026, 12, 31)) == Decimal("0.66")
    assert input_price(dt.date(2027, 1, 1)) == Decimal("1.5")
    assert input_price(utc("2027-01-01T00:00:00")) == Decimal("1.5")
    # Past prices are still kept for past usage.
    # (history entries here charge no request fee)
    assert estimate_cost(METERED, input_tokens=TOKENS, at=dt.date(2026, 3, 1)) == Decimal("0.0435")
    assert input_price(dt.date(2025, 12, 31)) is None  # before any known price


def test_the_rate_that_priced_a_request_is_named() -> None:
    peak = rates_at(METERED, utc("2026-12-07T02:00:00"), service_tier="priority")
    assert peak is not None
    assert peak.names == ("peak 01:00-04:00 UTC", "priority tier")
    later = rates_at(METERED, dt.date(2027, 3, 1), region="eu-data-zone")
    assert later is not None
    assert later.names == ("from 2027-01-01", "region eu-data-zone")


# -- service tiers and regions -----------------------------------------------------------


def test_a_service_tier_is_billed_at_its_own_prices() -> None:
    monday_noon = utc("2026-12-07T12:00:00")
    flex = estimate_cost(
        METERED, input_tokens=TOKENS, output_tokens=TOKENS, at=monday_noon, service_tier="flex"
    )
    assert flex == Decimal("0.033") + Decimal("0.099") + Decimal("0.005")
    standard = estimate_cost(METERED, input_tokens=TOKENS, at=monday_noon, service_tier="standard")
    assert standard == estimate_cost(METERED, input_tokens=TOKENS, at=monday_noon)


def test_a_tier_the_model_is_not_sold_at_is_unpriced_never_the_standard_price() -> None:
    assert estimate_cost(METERED, input_tokens=1_000, service_tier="scale") is None
    # A tier has no long-context prices: above the threshold the bill is unknown.
    assert estimate_cost(METERED, input_tokens=200_001, service_tier="flex") is None
    assert estimate_cost(METERED, input_tokens=200_000, service_tier="flex") is not None


def test_regions_multiply_or_replace_the_prices() -> None:
    monday_noon = utc("2026-12-07T12:00:00")
    assert input_price(monday_noon, region="eu-data-zone") == Decimal("0.726")
    assert input_price(monday_noon, region="us-east-1") == Decimal("0.7")
    assert input_price(monday_noon, region="ap-south-1") is None
    # A long-context tier is scaled too: 1.32 * 1.1 for a prompt above 200,000 tokens.
    cost = estimate_cost(METERED, input_tokens=300_000, at=monday_noon, region="eu-data-zone")
    assert cost == Decimal("300000") * Decimal("1.452") / MILLION + Decimal("0.005")


# -- charges that are not per token -------------------------------------------------------


def test_web_searches_and_the_request_fee_are_charged_per_unit() -> None:
    at = utc("2026-12-07T12:00:00")
    plain = estimate_cost(METERED, input_tokens=1_000, at=at)
    assert plain == Decimal("0.00066") + Decimal("0.005")
    searched = estimate_cost(METERED, input_tokens=1_000, at=at, web_searches=3)
    assert searched == Decimal("0.00066") + Decimal("0.005") + 3 * Decimal("0.01")
    assert estimate_cost(METERED, input_tokens=1_000, at=at, units={"request": 2}) == (
        Decimal("0.00066") + 2 * Decimal("0.005")
    )


def test_a_unit_without_a_price_is_unpriced_and_a_bad_count_is_refused() -> None:
    assert METERED.pricing is not None
    plain = METERED.model_copy(
        update={"pricing": METERED.pricing.model_copy(update={"per_unit": {}})}
    )
    assert estimate_cost(plain, input_tokens=10, web_searches=1) is None
    assert estimate_cost(plain, input_tokens=10) is not None  # no request fee is no fee
    with pytest.raises(ValueError, match=r"web_search \(-1\) is negative"):
        estimate_cost(METERED, input_tokens=10, web_searches=-1)
    with pytest.raises(ValueError, match=r"unknown unit 'fax'; the units charged apart"):
        estimate_cost(METERED, input_tokens=10, units={"fax": 1})


@given(
    minute=st.integers(0, 7 * 24 * 60 * 60),
    searches=st.integers(0, 50),
    more=st.integers(1, 50),
    tokens=st.integers(0, 300_000),
)
def test_cost_never_falls_as_units_rise_and_is_always_a_listed_price(
    minute: int, searches: int, more: int, tokens: int
) -> None:
    at = utc("2026-12-07T00:00:00") + dt.timedelta(seconds=minute)
    fewer = estimate_cost(METERED, input_tokens=tokens, at=at, web_searches=searches)
    assert fewer is not None
    assert estimate_cost(METERED, input_tokens=tokens, at=at, web_searches=searches + more) == (
        fewer + more * Decimal("0.01")
    )
    listed = {Decimal(p) for p in ("0.66", "1.32", "0.33")}
    rate = input_price(at)
    assert rate in listed


# -- select ------------------------------------------------------------------------------


def test_select_costs_at_the_moment_tier_and_region_asked() -> None:
    def cost(**options: Any) -> Decimal | None:
        [match] = select(catalog=CATALOG, **options)
        return match.estimated_cost

    peak = cost(at="2026-12-07T02:00", input_tokens=TOKENS, output_tokens=0)
    off_peak = cost(at="2026-12-12T02:00", input_tokens=TOKENS, output_tokens=0)
    assert (peak, off_peak) == (Decimal("0.137"), Decimal("0.071"))
    assert cost(
        at="2026-12-07T12:00", service_tier="flex", input_tokens=TOKENS, output_tokens=0
    ) == (Decimal("0.038"))
    assert cost(at="2026-12-07T12:00", web_searches=1, input_tokens=0, output_tokens=0) == (
        Decimal("0.015")
    )
    assert select(catalog=CATALOG, region="ap-south-1").ids == []
    assert select(catalog=CATALOG, region="eu-data-zone").ids == ["acme/metered"]


def test_explain_names_the_rate_that_priced_a_model() -> None:
    selection = select(
        catalog=CATALOG, at="2026-12-07T02:00", max_cost=0.0001, explain=True, region="eu-data-zone"
    )
    [left_out] = selection.excluded
    assert left_out.predicate == "max_cost"
    assert left_out.reason.startswith("estimated cost $")
    assert left_out.reason.endswith(
        " (rate: peak 01:00-04:00 UTC; region eu-data-zone) > max_cost $0.0001"
    )


@pytest.mark.parametrize(
    ("keyword", "value", "message"),
    [
        (
            "at",
            "soon",
            "select(): at must be a date or a UTC datetime ('YYYY-MM-DD' or "
            "'YYYY-MM-DDTHH:MM'), got str 'soon'",
        ),
        (
            "service_tier",
            "Flex Tier",
            "select(): service_tier must be a name in lowercase "
            "letters, digits, _ and - (such as flex), got str 'Flex Tier'",
        ),
        ("web_searches", -2, "select(): web_searches must be"),
    ],
)
def test_bad_billing_keywords_are_named(keyword: str, value: Any, message: str) -> None:
    with pytest.raises(QueryError) as caught:
        select(catalog=CATALOG, **{keyword: value})
    assert str(caught.value).startswith(message)


def test_a_compiled_catalog_costs_every_moment_as_its_records_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LLM_CATALOG_CACHE_DIR", str(tmp_path / "cache"))
    case = [CASES / "valid" / "billing"]
    load_catalog(case, shipped=False)  # builds and saves the index at the suite's moment
    compiled = load_catalog(case, shipped=False)
    assert compiled.compiled
    moments = [None, "2026-12-07T02:00", "2026-12-07T12:00", "2026-12-12T02:00", "2027-03-01T08:00"]
    for at in moments:
        [match] = select(catalog=compiled, at=at, input_tokens=TOKENS)
        expected = estimate_cost(
            METERED,
            input_tokens=TOKENS,
            output_tokens=1_000,
            at=None if at is None else utc(at),
        )
        assert match.estimated_cost == expected, at


def test_drift_compares_the_tiers_and_off_peak_prices_a_record_carries() -> None:
    from llm_catalog.tools.comparison import compare_model
    from llm_catalog.tools.litellm_map import _litellm_off_peak, _litellm_service_tiers
    from llm_catalog.tools.source_data import SourceModel, SourcePrices

    entry = {
        "input_cost_per_token_flex": 4e-07,
        "output_cost_per_token_flex": 9.9e-07,
        "input_cost_per_token_scale": 9e-06,  # not a tier litellm's map is read for
        "off_peak_pricing": {"input_cost_per_token": 6.6e-07, "windows": []},
    }
    tiers = _litellm_service_tiers(entry)
    assert tiers == {"flex": SourcePrices(input=Decimal("0.4"), output=Decimal("0.99"))}
    assert _litellm_off_peak(entry) == SourcePrices(input=Decimal("0.66"))
    theirs = SourceModel(
        source="litellm",
        source_id="acme/metered",
        source_provider="acme",
        provider="acme",
        id="metered",
        pricing=SourcePrices(input=Decimal("0.66"), output=Decimal("1.98")),
        service_tiers={**tiers, "priority": SourcePrices(input=Decimal("1.32"))},
    )
    differences = [d for d in compare_model(METERED, theirs) if "service_tiers" in d[0]]
    assert differences == [("pricing.service_tiers.flex.input", Decimal("0.33"), Decimal("0.4"))]


def test_drift_reads_one_price_per_search_and_compares_it() -> None:
    from llm_catalog.tools.comparison import compare_model
    from llm_catalog.tools.litellm_map import _litellm_web_search
    from llm_catalog.tools.source_data import SourceModel

    sizes = {"search_context_size_low": 0.025, "search_context_size_medium": 0.025}
    assert _litellm_web_search({"search_context_cost_per_query": sizes}) == Decimal("0.025")
    # Prices that differ by search context size are not one price per search.
    uneven = {"search_context_size_low": 0.005, "search_context_size_high": 0.012}
    assert _litellm_web_search({"search_context_cost_per_query": uneven}) is None
    theirs = SourceModel(
        source="litellm",
        source_id="acme/metered",
        source_provider="acme",
        provider="acme",
        id="metered",
        web_search=Decimal("0.025"),
    )
    assert ("pricing.per_unit.web_search", Decimal("0.01"), Decimal("0.025")) in compare_model(
        METERED, theirs
    )


@pytest.mark.parametrize(
    ("flags", "why"),
    [
        (["--service-tier", "scale"], "it is not priced at the scale tier (tiers: flex, priority)"),
        (
            ["--region", "ap-south-1"],
            "it is not priced in region ap-south-1 (regions: eu-data-zone, us-east-1)",
        ),
    ],
)
def test_cost_says_what_of_the_request_has_no_price(flags: list[str], why: str) -> None:
    import contextlib
    import io

    from llm_catalog.interfaces.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(
            [
                "cost",
                "acme/metered",
                "--no-shipped",
                "--catalog",
                str(CASES / "valid" / "billing"),
                *flags,
            ],
            out=out,
            err=err,
        )
    assert code == 1
    assert err.getvalue() == f"acme/metered has no price for this request in the catalog: {why}\n"


def test_moments_billed_alike_share_a_regime_and_others_do_not() -> None:
    index = CATALOG.index
    # Sunday: no window opens or closes at 06:00, so one table serves both moments.
    assert index.regime(utc("2026-12-13T05:59:00")) == index.regime(utc("2026-12-13T06:01:00"))
    # Monday: a peak window opens at 06:00.
    assert index.regime(utc("2026-12-14T05:59:00")) != index.regime(utc("2026-12-14T06:01:00"))


def test_undated_prices_begin_the_day_after_the_latest_history_entry(tmp_path: Path) -> None:
    (tmp_path / "acme.yaml").write_text(
        """\
provider: {id: acme, name: Acme, litellm_provider: openai, api_key_env: [ACME_API_KEY]}
models:
  - id: small
    name: Small
    limits: {context_window: 100000}
    pricing:
      input: 2
      history:
        - {effective_from: 2025-01-01, input: 1}
    provenance: {sources: [https://acme.example], checked: 2026-11-25}
""",
        encoding="utf-8",
    )
    catalog = load_catalog([tmp_path], shipped=False, cache=False)
    costs = [
        select(catalog=catalog, at=day, input_tokens=TOKENS, output_tokens=0)[0].estimated_cost
        for day in ("2025-01-01", "2025-01-02")
    ]
    assert costs == [Decimal("0.1"), Decimal("0.2")]
