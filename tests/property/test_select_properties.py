"""select() against a brute-force oracle written here, and its algebraic properties.

The oracle is deliberately naive: one loop, one plain function per predicate,
its own cost arithmetic. Both query paths (the index, and the explaining
scan) must return the same models in the same order, with the same costs.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from llm_catalog.data.records import Model
from llm_catalog.query.catalog import Catalog
from llm_catalog.query.selection import DEFAULT_INPUT_TOKENS, DEFAULT_OUTPUT_TOKENS
from tests.property.catalogs import catalogs, queries

MILLION = Decimal(1_000_000)


def oracle_cost(model: Model, query: dict[str, Any]) -> Decimal | None:
    """One request's cost, from first principles, for the prices the strategies generate."""
    tokens_in = query.get("input_tokens", DEFAULT_INPUT_TOKENS)
    tokens_out = query.get("output_tokens", DEFAULT_OUTPUT_TOKENS)
    cached = query.get("cached_input_tokens", 0)
    pricing = model.pricing
    if pricing is None:
        return None
    rates: dict[str, Decimal | None] = {
        "input": pricing.input,
        "output": pricing.output,
        "cached_input": pricing.cached_input,
    }
    tier = next((t for t in reversed(pricing.tiers) if tokens_in > t.above_input_tokens), None)
    if query.get("batch"):
        if pricing.batch is None or tier is not None:
            return None
        rates = {
            "input": pricing.batch.input,
            "output": pricing.batch.output,
            "cached_input": pricing.batch.cached_input,
        }
    elif tier is not None:
        rates = {
            "input": tier.input if tier.input is not None else rates["input"],
            "output": tier.output if tier.output is not None else rates["output"],
            "cached_input": tier.cached_input
            if tier.cached_input is not None
            else rates["cached_input"],
        }
    price_in, price_out = rates["input"], rates["output"]
    if (tokens_in and price_in is None) or (tokens_out and price_out is None):
        return None
    price_cached = rates["cached_input"] if rates["cached_input"] is not None else price_in
    total = Decimal(0)
    if tokens_in:
        assert price_in is not None
        assert price_cached is not None
        total += (tokens_in - cached) * price_in + cached * price_cached
    if tokens_out:
        assert price_out is not None
        total += tokens_out * price_out
    return total / MILLION


def oracle_passes(catalog: Catalog, model: Model, query: dict[str, Any]) -> bool:
    mode = query.get("mode", "chat")
    if mode is not None and model.mode.value != mode:
        return False
    if model.status.value not in query.get("status", ["active", "preview"]):
        return False
    if "provider" in query and model.provider not in query["provider"]:
        return False
    if model.provider == query.get("exclude_provider"):
        return False
    for name, wanted in query.items():
        if (
            name in type(model.capabilities).model_fields
            and getattr(model.capabilities, name) != wanted
        ):
            return False
    if (
        "vision" in query
        and ("image" in [m.value for m in model.modalities.input]) != query["vision"]
    ):
        return False
    if not set(query.get("input_modalities", [])) <= {m.value for m in model.modalities.input}:
        return False
    if model.limits.context_window < query.get("min_context", 0):
        return False
    if "min_output" in query and (model.limits.max_output_tokens or 0) < query["min_output"]:
        return False
    tokens_in = query.get("input_tokens", DEFAULT_INPUT_TOKENS)
    if tokens_in > (model.limits.max_input_tokens or model.limits.context_window):
        return False
    if "released_after" in query and (
        model.release_date is None or model.release_date <= query["released_after"]
    ):
        return False
    accepted = (
        model.params if model.params is not None else catalog.providers[model.provider].params
    )
    if not set(query.get("supports", [])) <= set(accepted):
        return False
    for name, field in (("max_input_price", "input"), ("max_output_price", "output")):
        if name in query:
            entry: Any = model.pricing
            if entry is not None and query.get("batch"):
                entry = entry.batch
            price = getattr(entry, field, None) if entry is not None else None
            if price is None or price > query[name]:
                return False
    if "max_cost" in query:
        cost = oracle_cost(model, query)
        if cost is None or cost > query["max_cost"]:
            return False
    return True


def oracle(catalog: Catalog, query: dict[str, Any]) -> list[tuple[str, Decimal | None]]:
    kept = [m for m in sorted(catalog, key=lambda m: m.id) if oracle_passes(catalog, m, query)]
    order = query.get("order_by", "cost")
    if order == "cost":
        kept.sort(key=lambda m: (oracle_cost(m, query) is None, oracle_cost(m, query) or 0))
    elif order == "context":
        kept.sort(key=lambda m: -m.limits.context_window)
    elif order == "output":
        kept.sort(key=lambda m: -(m.limits.max_output_tokens or 0))
    elif order == "release_date":
        kept.sort(
            key=lambda m: (m.release_date is None, -(m.release_date or dt.date.max).toordinal())
        )
    return [(m.id, oracle_cost(m, query)) for m in kept[: query.get("limit")]]


def answer(
    catalog: Catalog, query: dict[str, Any], explain: bool
) -> list[tuple[str, Decimal | None]]:
    return [(m.id, m.estimated_cost) for m in catalog.select(explain=explain, **query)]


@settings(max_examples=300, deadline=None)
@given(catalogs(), queries())
def test_select_agrees_with_the_oracle(catalog: Catalog, query: dict[str, Any]) -> None:
    expected = oracle(catalog, query)
    assert answer(catalog, query, explain=False) == expected
    assert answer(catalog, query, explain=True) == expected


@settings(max_examples=150, deadline=None)
@given(catalogs(), queries())
def test_explain_accounts_for_every_model(catalog: Catalog, query: dict[str, Any]) -> None:
    query.pop("limit", None)
    selection = catalog.select(explain=True, **query)
    left_out = {e.model_id for e in selection.excluded}
    assert left_out | set(selection.ids) == set(catalog.models)
    assert not left_out & set(selection.ids)


@settings(max_examples=150, deadline=None)
@given(catalogs(), queries(), queries())
def test_more_predicates_give_a_subset(
    catalog: Catalog, query: dict[str, Any], extra: dict[str, Any]
) -> None:
    # Request-size, ordering and limit keywords change costs or order, not the filter;
    # mode and status have defaults, so naming them can widen the set.
    shaping = {
        "input_tokens",
        "output_tokens",
        "cached_input_tokens",
        "batch",
        "order_by",
        "limit",
        "mode",
        "status",
    }
    for name in shaping:
        extra.pop(name, None)
    query.pop("limit", None)
    narrower = {**extra, **query}
    assert set(catalog.select(**narrower).ids) <= set(catalog.select(**query).ids)


@settings(max_examples=150, deadline=None)
@given(
    catalogs(),
    st.sampled_from([Decimal(c) for c in ("0", "0.001", "0.01", "0.1")]),
    st.sampled_from([Decimal(c) for c in ("0", "0.001", "0.01", "0.1")]),
)
def test_a_higher_ceiling_never_returns_fewer_models(
    catalog: Catalog, low: Decimal, high: Decimal
) -> None:
    low, high = min(low, high), max(low, high)
    assert set(catalog.select(max_cost=low).ids) <= set(catalog.select(max_cost=high).ids)


@settings(max_examples=150, deadline=None)
@given(catalogs(), st.integers(0, 300_000), st.integers(0, 300_000), st.integers(0, 100_000))
def test_cost_never_falls_as_tokens_rise(
    catalog: Catalog, tokens: int, more: int, output_tokens: int
) -> None:
    fewer = {
        m.id: m.estimated_cost
        for m in catalog.select(input_tokens=tokens, output_tokens=output_tokens)
    }
    larger = {
        m.id: m.estimated_cost
        for m in catalog.select(input_tokens=tokens + more, output_tokens=output_tokens)
    }
    for model_id, cost in fewer.items():
        after = larger.get(model_id)  # a larger prompt may no longer fit the window
        if cost is not None and after is not None:
            # Tier prices in these catalogs may undercut the base ones, so only
            # within one tier band is the rise guaranteed.
            model = catalog[model_id]
            assert model.pricing is not None
            bands = [t.above_input_tokens for t in model.pricing.tiers]
            if all((tokens > b) == (tokens + more > b) for b in bands):
                assert after >= cost
