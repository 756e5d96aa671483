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
from llm_catalog.query.pricing import cost_of, estimate_cost
from llm_catalog.query.rates import priced_region, rates_at, region_names
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
    peak = rates_at(METERED, utc("2026-12-07T02:00:00"), region="eu-data-zone")
    assert peak is not None
    assert peak.names == ("peak 01:00-04:00 UTC", "region eu-data-zone")
    # A tier's prices alone bill the request, and a region's own prices replace the
    # window's: the window priced nothing, so it is not named.
    tiered = rates_at(METERED, utc("2026-12-07T02:00:00"), service_tier="priority")
    assert tiered is not None
    assert tiered.names == ("priority tier",)
    own = rates_at(METERED, utc("2026-12-07T02:00:00"), region="us-east-1")
    assert own is not None
    assert (own.names, own.entry.input, own.entry.cached_input) == (
        ("peak 01:00-04:00 UTC", "region us-east-1"),
        Decimal("0.7"),
        Decimal("0.044"),  # the window's cached price stands: us-east-1 gives none
    )
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


# -- regional copies and areas ------------------------------------------------------------

REGIONS: Catalog = load_catalog([CASES / "valid" / "regions"], shipped=False, cache=False)


def test_a_record_that_extends_another_takes_all_it_does_not_give() -> None:
    base, eu, apac = (
        REGIONS["cloud/chat-1"],
        REGIONS["cloud/eu.chat-1"],
        REGIONS["cloud/apac.chat-1"],
    )
    assert (eu.limits, eu.capabilities, eu.release_date) == (
        base.limits,
        base.capabilities,
        base.release_date,
    )
    assert (eu.name, eu.region) == ("Chat 1 (EU profile)", "eu")
    # A field it gives replaces the whole field: no cached_input from chat-1's pricing.
    assert eu.pricing is not None
    assert eu.pricing.cached_input is None
    assert eu.pricing.input == Decimal("1.1")
    # Chains resolve in order: apac.chat-1 extends eu.chat-1, which extends chat-1.
    assert (apac.pricing, apac.limits) == (eu.pricing, base.limits)
    assert (apac.region, base.region) == ("apac", None)
    # Each value is found where it was written.
    assert REGIONS.locate("cloud/eu.chat-1", "/pricing/input").line == 22
    assert REGIONS.locate("cloud/eu.chat-1", "/limits/context_window").line == 13


@pytest.mark.parametrize(
    ("region", "ids"),
    [
        # eu.chat-1 may route anywhere in the EU, so it is in eu but not in eu-west-1.
        ("eu", ["cloud/eu-west-1/chat-1", "cloud/eu.chat-1", "cloud/anywhere"]),
        ("eu-west-1", ["cloud/eu-west-1/chat-1", "cloud/anywhere"]),
        ("europe-west1", ["cloud/anywhere"]),
        ("apac", ["cloud/apac.chat-1"]),
        ("global", ["cloud/global.chat-1", "cloud/anywhere"]),
        ("us-east-1", ["cloud/anywhere"]),
        ("sa-east-1", []),
    ],
)
def test_region_finds_what_is_sold_there(region: str, ids: list[str]) -> None:
    matches = select(catalog=REGIONS, region=region, order_by="id")
    assert sorted(matches.ids) == sorted(ids)
    scanned = select(catalog=REGIONS, region=region, order_by="id", explain=True)
    assert scanned.ids == matches.ids


def test_an_area_prices_each_region_inside_it_and_the_narrowest_entry_wins() -> None:
    anywhere = REGIONS["cloud/anywhere"]

    def price(region: str | None) -> Decimal | None:
        rates = rates_at(anywhere, dt.date(2026, 12, 7), region=region)
        return None if rates is None else rates.entry.input

    assert price(None) == Decimal("2")
    assert price("global") == Decimal("2")  # its own region: the base prices
    assert price("eu") == Decimal("2.2")
    assert price("europe-west1") == Decimal("2.2")  # inside eu
    assert price("europe-west4") == Decimal("3")  # priced apart, narrower than eu
    assert price("us-central1") == Decimal("2.2")
    assert price("me-central1") is None
    rates = rates_at(anywhere, dt.date(2026, 12, 7), region="europe-west1")
    assert rates is not None
    assert rates.names == ("region eu",)


def test_a_region_not_sold_in_is_explained() -> None:
    result = select(catalog=REGIONS, region="sa-east-1", explain=True)
    reasons = {item.model_id: item.reason for item in result.excluded}
    assert reasons["cloud/chat-1"] == "not sold in region sa-east-1 (no region recorded)"
    assert reasons["cloud/anywhere"] == (
        "not sold in region sa-east-1 (served in or priced for eu, europe-west4, global, us)"
    )


def test_the_index_and_the_scan_agree_on_every_shipped_region() -> None:
    shipped = load_catalog()
    places = [*region_names(shipped), "eu", "us", "apac", "europe-west1", "ap-southeast-2"]
    for region in places:
        indexed = shipped.select(region=region, max_cost=1)
        scanned = shipped.select(region=region, max_cost=1, explain=True)
        assert [(m.id, m.estimated_cost) for m in indexed] == [
            (m.id, m.estimated_cost) for m in scanned
        ], region
        assert all(priced_region(m.model, region) is not None for m in indexed), region
    assert len(shipped.select(region="eu")) > len(shipped.select(region="eu-west-1"))


def test_a_call_is_priced_in_the_location_it_names(monkeypatch: pytest.MonkeyPatch) -> None:
    from llm_catalog.calls.driver.answers import read_pricing
    from llm_catalog.calls.driver.request import prepare

    monkeypatch.setenv("CLOUD_API_KEY", "test-key")
    provider = REGIONS.providers["cloud"]
    anywhere, profile = REGIONS["cloud/anywhere"], REGIONS["cloud/eu.chat-1"]
    raw = {"usage": {"prompt_tokens": 1_000_000, "completion_tokens": 0}}
    messages = [{"role": "user", "content": "hi"}]
    located = prepare(anywhere, provider, messages, {"vertex_location": "europe-west4"})
    assert located.region == "europe-west4"
    assert read_pricing(anywhere, raw, region=located.region) == (
        Decimal("3"),
        ("region europe-west4",),
    )
    assert prepare(anywhere, provider, messages, {}).region == "global"
    # A record bound to a region is priced there, and the rate says so.
    bound = prepare(profile, provider, messages, {})
    assert read_pricing(profile, raw, region=bound.region) == (Decimal("1.1"), ("region eu",))


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


def test_perplexitys_worked_example_and_its_search_context_sizes() -> None:
    # Perplexity's own example: Sonar, 9 prompt and 411 completion tokens, a low search
    # context: $0.000009 + $0.000411 + one request at $5 per thousand.
    sonar = load_catalog()["perplexity/sonar"]
    usage = {"prompt_tokens": 9, "completion_tokens": 411, "search_context_size": "low"}
    assert cost_of(sonar, usage) == Decimal("0.005420")
    assert cost_of(sonar, {**usage, "search_context_size": "High"}) == Decimal("0.012420")
    # A request that names no size is billed at the default, the low size.
    assert cost_of(sonar, {"prompt_tokens": 9, "completion_tokens": 411}) == Decimal("0.005420")
    assert estimate_cost(sonar, input_tokens=9, output_tokens=411, search_context="medium") == (
        Decimal("0.008420")
    )
    rates = rates_at(sonar, dt.date(2026, 12, 7), search_context="medium")
    assert rates is not None
    assert (rates.per_unit["request"], rates.names) == (
        Decimal("0.008"),
        ("medium search context",),
    )
    # A size the model does not price is unpriced; a model without sizes ignores it.
    assert cost_of(sonar, {**usage, "search_context_size": "extreme"}) is None
    assert estimate_cost(METERED, input_tokens=10, search_context="high") == estimate_cost(
        METERED, input_tokens=10
    )


def test_select_and_the_command_line_take_a_search_context_size() -> None:
    import io
    import json

    from llm_catalog.interfaces.cli import main

    query: dict[str, Any] = {
        "provider": "perplexity",
        "status": ["active", "preview", "deprecated", "retired"],
        "search_context": "high",
        "input_tokens": 0,
        "output_tokens": 0,
    }
    fees = {match.id: match.estimated_cost for match in select(**query)}
    assert fees["perplexity/sonar"] == Decimal("0.012")
    assert fees["perplexity/sonar-pro"] == Decimal("0.014")
    scanned = select(**query, explain=True)
    assert [(m.id, m.estimated_cost) for m in scanned] == list(fees.items())
    with pytest.raises(QueryError, match=r"search_context must be one of low, medium, high"):
        select(search_context="huge")
    out, err = io.StringIO(), io.StringIO()
    argv = ["cost", "perplexity/sonar-pro", "--search-context", "medium", "--json"]
    assert main([*argv, "--input-tokens", "0", "--output-tokens", "0"], out=out, err=err) == 0
    shown = json.loads(out.getvalue())
    assert (shown["estimated_cost"], shown["rate"]) == ("0.01", ["medium search context"])


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
            "letters, digits, _ and - (such as flex or eu-west-1), got str 'Flex Tier'",
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


def test_drift_compares_the_regional_uplift_with_each_area() -> None:
    from llm_catalog.tools.comparison import compare_model
    from llm_catalog.tools.litellm_map import _multiplier
    from llm_catalog.tools.source_data import SourceModel, SourcePrices

    assert _multiplier(1.1) == Decimal("1.1")
    assert [_multiplier(v) for v in (0, -1, True, "1.1", None)] == [None] * 5

    def differences(model: Model, uplift: str) -> list[tuple[str, Any, Any]]:
        theirs = SourceModel(
            source="litellm",
            source_id=model.id,
            source_provider="cloud",
            provider="cloud",
            id=model.id.split("/", 1)[1],
            pricing=SourcePrices(input=model.pricing.input if model.pricing else None),
            regional_multiplier=Decimal(uplift),
        )
        return [d for d in compare_model(model, theirs) if d[0].startswith("pricing.regions")]

    # anywhere: eu and us at 1.1, europe-west4 at prices of its own (no multiplier).
    anywhere = REGIONS["cloud/anywhere"]
    assert differences(anywhere, "1.1") == [("pricing.regions.multiplier", None, Decimal("1.1"))]
    assert differences(anywhere, "1.2") == [
        ("pricing.regions.multiplier", Decimal("1.1"), Decimal("1.2")),
        ("pricing.regions.multiplier", None, Decimal("1.2")),
    ]
    # A record without regional prices differs from a source that has an uplift.
    assert differences(REGIONS["cloud/chat-1"], "1.1") == [
        ("pricing.regions.multiplier", None, Decimal("1.1"))
    ]


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
            "it is not sold in region ap-south-1 (served in or priced for eu-data-zone, us-east-1)",
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


@pytest.mark.parametrize(
    ("flags", "prices", "rate"),
    [
        (["--at", "2026-12-07T02:00"], ("1.32", "3.96"), ["peak 01:00-04:00 UTC"]),
        (["--at", "2026-12-12T02:00"], ("0.66", "1.98"), []),
        (["--at", "2027-03-01"], ("1.5", "7.5"), ["from 2027-01-01"]),
        (["--region", "us-east-1", "--at", "2026-12-12"], ("0.7", "2.1"), ["region us-east-1"]),
        (["--service-tier", "flex", "--at", "2026-12-12"], ("0.33", "0.99"), ["flex tier"]),
    ],
)
def test_select_shows_the_prices_it_costed_at(
    flags: list[str], prices: tuple[str, str], rate: list[str]
) -> None:
    import io
    import json

    from llm_catalog.interfaces.cli import main

    out, err = io.StringIO(), io.StringIO()
    billing = str(CASES / "valid" / "billing")
    argv = ["select", "--no-shipped", "--catalog", billing, "--json", *flags]
    assert main(argv, out=out, err=err) == 0, err.getvalue()
    [shown] = json.loads(out.getvalue())["models"]
    assert (shown["input_price"], shown["output_price"], shown["rate"]) == (*prices, rate)
    table = io.StringIO()
    assert main([a for a in argv if a != "--json"], out=table, err=err) == 0
    assert f"${Decimal(prices[0]):.2f}" in table.getvalue()


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
