"""Hypothesis strategies for whole catalogs and for select() queries.

Catalogs are built from records directly (no YAML), small enough to reason
about and varied enough to reach every predicate: several providers, modes,
statuses, capabilities, modalities, parameters, and prices with or without
cached, batch and long-context tier prices, or none at all.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from llm_catalog.data.records import Capabilities, Model, Provider
from llm_catalog.query.catalog import Catalog

PROVIDERS = ("alpha", "beta", "gamma")
PARAMS = ("temperature", "tools", "top_k", "reasoning_effort")
CAPABILITY_NAMES = tuple(Capabilities.model_fields)
MODALITIES = ("text", "image", "audio", "pdf")
CONTEXTS = (4_000, 8_000, 32_000, 128_000, 200_000, 1_000_000)
PROVENANCE = {"sources": ["generated"], "checked": "2026-11-25"}

prices = st.sampled_from(
    [Decimal(p) for p in ("0", "0.02", "0.1", "0.15", "0.5", "1", "2.5", "3", "10", "15", "60")]
)
dates = st.dates(min_value=dt.date(2022, 1, 1), max_value=dt.date(2026, 11, 1))


@st.composite
def pricing(draw: st.DrawFn) -> dict[str, Any] | None:
    if draw(st.integers(0, 9)) == 0:
        return None
    data: dict[str, Any] = {"input": draw(prices), "output": draw(prices)}
    if draw(st.booleans()):
        data["cached_input"] = draw(prices)
    if draw(st.booleans()):
        data["batch"] = {"input": draw(prices), "output": draw(prices)}
    if draw(st.integers(0, 3)) == 0:
        data["tiers"] = [
            {
                "above_input_tokens": draw(st.sampled_from([1_000, 5_000, 100_000])),
                "input": draw(prices),
                "output": draw(prices),
            }
        ]
    return data


@st.composite
def model_data(draw: st.DrawFn, provider: str, index: int) -> dict[str, Any]:
    context = draw(st.sampled_from(CONTEXTS))
    data: dict[str, Any] = {
        "id": f"{provider}/m{index:02d}",
        "provider": provider,
        "name": f"Model {index}",
        "mode": draw(st.sampled_from(["chat", "chat", "chat", "embedding"])),
        "status": draw(st.sampled_from(["active", "active", "preview", "deprecated", "retired"])),
        "limits": {"context_window": context},
        "capabilities": {name: draw(st.booleans()) for name in CAPABILITY_NAMES},
        "modalities": {
            "input": ["text", *draw(st.lists(st.sampled_from(MODALITIES[1:]), unique=True))],
            "output": ["text", *draw(st.lists(st.sampled_from(["image", "audio"]), max_size=1))],
        },
        "provenance": PROVENANCE,
    }
    if draw(st.booleans()):
        data["limits"]["max_output_tokens"] = draw(st.integers(1, context))
    if draw(st.booleans()):
        data["release_date"] = draw(dates).isoformat()
    if draw(st.booleans()):
        data["params"] = draw(st.lists(st.sampled_from(PARAMS), unique=True))
    data["pricing"] = draw(pricing())
    return data


@st.composite
def catalogs(draw: st.DrawFn, max_models: int = 20) -> Catalog:
    providers = {
        pid: Provider.model_validate(
            {
                "id": pid,
                "name": pid.title(),
                "litellm_provider": "openai",
                "params": draw(st.lists(st.sampled_from(PARAMS), unique=True)),
            }
        )
        for pid in PROVIDERS
    }
    count = draw(st.integers(0, max_models))
    models = {}
    for index in range(count):
        provider = draw(st.sampled_from(PROVIDERS))
        record = Model.model_validate(draw(model_data(provider, index)))
        models[record.id] = record
    return Catalog(providers, models, {}, {}, ())


@st.composite
def queries(draw: st.DrawFn) -> dict[str, Any]:
    """Keyword arguments for select(), each predicate present or not."""
    query: dict[str, Any] = {}

    def maybe(name: str, strategy: st.SearchStrategy[Any], odds: int = 6) -> None:
        if draw(st.integers(1, odds)) == 1:
            query[name] = draw(strategy)

    # Rarely many predicates at once, so that most queries still match something.
    for name in (*CAPABILITY_NAMES, "vision"):
        maybe(name, st.booleans(), odds=20)
    maybe("mode", st.sampled_from(["chat", "embedding", None]))
    maybe(
        "status",
        st.lists(
            st.sampled_from(["active", "preview", "deprecated", "retired"]), min_size=1, unique=True
        ),
    )
    maybe("provider", st.lists(st.sampled_from(PROVIDERS), min_size=1, unique=True))
    maybe("exclude_provider", st.sampled_from(PROVIDERS))
    maybe("input_modalities", st.lists(st.sampled_from(MODALITIES), unique=True))
    maybe("min_context", st.sampled_from(CONTEXTS))
    maybe("min_output", st.integers(1, 200_000))
    maybe("released_after", dates)
    maybe("supports", st.lists(st.sampled_from(PARAMS), unique=True))
    maybe("max_input_price", prices)
    maybe("max_output_price", prices)
    maybe(
        "max_cost",
        st.sampled_from([Decimal(c) for c in ("0", "0.0001", "0.001", "0.01", "0.05", "1")]),
    )
    maybe("input_tokens", st.sampled_from([0, 10, 1_000, 5_001, 200_000]))
    maybe("output_tokens", st.sampled_from([0, 1, 1_000, 50_000]))
    if "input_tokens" in query:
        maybe("cached_input_tokens", st.integers(0, query["input_tokens"]))
    maybe("batch", st.booleans())
    maybe("order_by", st.sampled_from(["cost", "context", "output", "release_date", "id"]))
    maybe("limit", st.integers(1, 5))
    return query
