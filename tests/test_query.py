"""select(): predicates, order, explanations and errors, on a small catalog written here."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from llm_catalog import Catalog, QueryError, load_catalog, select
from llm_catalog.query.selection import KEYWORDS

PROVENANCE = "    provenance: {sources: [https://acme.example/pricing], checked: 2026-11-25}\n"
CATALOG = (
    """\
provider:
  id: acme
  name: Acme
  litellm_provider: openai
  api_key_env: [ACME_API_KEY]
  params: [temperature, max_tokens, tools]
models:
  - id: eye
    name: Eye
    release_date: 2025-05-01
    limits: {context_window: 128000, max_output_tokens: 16000}
    modalities: {input: [text, image], output: [text]}
    capabilities: {function_calling: true, streaming: true}
    pricing: {input: 2.5, output: 10, cached_input: 1.25, batch: {input: 1.25, output: 5}}
"""
    + PROVENANCE
    + """\
  - id: mini-eye
    name: Mini Eye
    release_date: 2025-01-01
    limits: {context_window: 128000, max_output_tokens: 16000}
    modalities: {input: [text, image], output: [text]}
    capabilities: {function_calling: true}
    pricing: {input: 0.15, output: 0.6}
"""
    + PROVENANCE
    + """\
  - id: thinker
    name: Thinker
    release_date: 2025-09-01
    limits: {context_window: 1000000, max_output_tokens: 64000}
    capabilities: {reasoning: true, function_calling: true}
    params: [max_tokens, tools, reasoning_effort]
    pricing: {input: 1, output: 4}
"""
    + PROVENANCE
    + """\
  - id: mystery
    name: Mystery (unpriced)
    limits: {context_window: 32000}
    modalities: {input: [text, image], output: [text]}
"""
    + PROVENANCE
    + """\
  - id: old
    name: Old
    status: deprecated
    release_date: 2023-01-01
    limits: {context_window: 8000, max_output_tokens: 4000}
    pricing: {input: 0.5, output: 1.5}
"""
    + PROVENANCE
    + """\
  - id: embed
    name: Embed
    mode: embedding
    limits: {context_window: 8000}
    pricing: {input: 0.02}
"""
    + PROVENANCE
)


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    folder: Path = tmp_path_factory.mktemp("catalog")
    (folder / "acme.yaml").write_text(CATALOG, encoding="utf-8")
    return load_catalog([folder], shipped=False)


def test_cheapest_first_with_default_request(catalog: Catalog) -> None:
    selection = catalog.select()
    assert selection.ids == ["acme/mini-eye", "acme/thinker", "acme/eye", "acme/mystery"]
    # 1,000 input and 1,000 output tokens: 1000 * 0.15 / 1e6 + 1000 * 0.6 / 1e6
    assert selection[0].estimated_cost == Decimal("0.00075")
    assert selection[0].token_method == "default"
    assert selection[-1].estimated_cost is None


def test_vision_under_a_cent(catalog: Catalog) -> None:
    assert catalog.select(vision=True, max_cost=0.01).ids == ["acme/mini-eye"]
    assert catalog.select(vision=True, max_cost="0.0125").ids == ["acme/mini-eye", "acme/eye"]


def test_explain_names_the_first_failed_predicate(catalog: Catalog) -> None:
    selection = catalog.select(vision=True, max_cost=0.01, explain=True)
    assert [str(e) for e in selection.excluded] == [
        "acme/embed: mode embedding != chat",
        "acme/eye: estimated cost $0.0125 > max_cost $0.01",
        "acme/mystery: unpriced (unknown is not free), max_cost $0.01",
        "acme/old: status deprecated not in active, preview",
        "acme/thinker: vision is False, wanted True",
    ]
    assert [e.predicate for e in selection.excluded] == [
        "mode",
        "max_cost",
        "max_cost",
        "status",
        "vision",
    ]
    assert catalog.select(vision=True).excluded == ()


def test_capabilities_require_and_exclude(catalog: Catalog) -> None:
    assert catalog.select(reasoning=True).ids == ["acme/thinker"]
    assert catalog.select(reasoning=False, function_calling=True).ids == [
        "acme/mini-eye",
        "acme/eye",
    ]
    assert catalog.select(streaming=True).ids == ["acme/eye"]


def test_status_mode_and_provider(catalog: Catalog) -> None:
    assert "acme/old" in catalog.select(status=["active", "deprecated"]).ids
    assert catalog.select(status="deprecated").ids == ["acme/old"]
    assert catalog.select(mode="embedding").ids == ["acme/embed"]
    assert len(catalog.select(mode=None)) == 5
    assert catalog.select(provider="other").ids == []
    assert len(catalog.select(provider=["acme", "other"])) == 4
    assert catalog.select(exclude_provider="acme").ids == []


def test_limits_dates_modalities_and_params(catalog: Catalog) -> None:
    assert catalog.select(min_context=500_000).ids == ["acme/thinker"]
    assert catalog.select(min_output=20_000).ids == ["acme/thinker"]
    assert catalog.select(released_after=dt.date(2025, 4, 30)).ids == ["acme/thinker", "acme/eye"]
    assert catalog.select(released_after="2025-04-30").ids == ["acme/thinker", "acme/eye"]
    assert catalog.select(input_modalities=["image"]).ids == [
        "acme/mini-eye",
        "acme/eye",
        "acme/mystery",
    ]
    assert catalog.select(supports=["reasoning_effort"]).ids == ["acme/thinker"]
    assert catalog.select(supports="temperature").ids == [
        "acme/mini-eye",
        "acme/eye",
        "acme/mystery",
    ]


def test_price_ceilings_per_million(catalog: Catalog) -> None:
    assert catalog.select(max_input_price=1).ids == ["acme/mini-eye", "acme/thinker"]
    assert catalog.select(max_output_price="0.6").ids == ["acme/mini-eye"]


def test_request_size_and_batch(catalog: Catalog) -> None:
    big = catalog.select(input_tokens=100_000, output_tokens=0, explain=True)
    assert [m.estimated_cost for m in big] == [Decimal("0.015"), Decimal("0.1"), Decimal("0.25")]
    assert "acme/mystery: prompt of 100,000 tokens > input limit 32,000" in map(str, big.excluded)
    cached = catalog.select(provider="acme", input_tokens=10_000, cached_input_tokens=6_000)
    eye = next(m for m in cached if m.id == "acme/eye")
    # 4,000 * 2.5 + 6,000 * 1.25 + 1,000 * 10, per million
    assert eye.estimated_cost == Decimal("0.0275")
    batch = catalog.select(batch=True)
    assert batch.ids[0] == "acme/eye"  # the only model with batch prices
    assert batch[0].estimated_cost == Decimal("0.00625")


def test_order_by_and_limit(catalog: Catalog) -> None:
    assert catalog.select(order_by="context").ids[:1] == ["acme/thinker"]
    assert catalog.select(order_by="id").ids == [
        "acme/eye",
        "acme/mini-eye",
        "acme/mystery",
        "acme/thinker",
    ]
    assert catalog.select(order_by="release_date").ids == [
        "acme/thinker",
        "acme/eye",
        "acme/mini-eye",
        "acme/mystery",
    ]
    assert catalog.select(order_by="output", limit=2).ids == ["acme/thinker", "acme/eye"]


def test_where_callable(catalog: Catalog) -> None:
    assert catalog.select(where=lambda m: m.name.startswith("Mini")).ids == ["acme/mini-eye"]


def test_match_reads_through_to_the_model(catalog: Catalog) -> None:
    match = catalog.select(reasoning=True)[0]
    assert match.id == "acme/thinker"
    assert match.limits.context_window == 1_000_000
    assert match.model is catalog["acme/thinker"]
    assert repr(catalog.select(reasoning=True)) == "<Selection [acme/thinker]>"


def test_unknown_keyword_names_it_and_lists_the_valid_ones(catalog: Catalog) -> None:
    with pytest.raises(QueryError) as caught:
        catalog.select(visoin=True)
    assert str(caught.value) == (
        "select() got an unknown keyword 'visoin'; did you mean 'vision'? valid keywords: "
        + ", ".join(sorted(KEYWORDS))
    )


@pytest.mark.parametrize(
    ("predicates", "message"),
    [
        ({"vision": "yes"}, "select(): vision must be True or False, got str 'yes'"),
        (
            {"min_context": "128k"},
            "select(): min_context must be a positive integer, got str '128k'",
        ),
        (
            {"max_cost": "cheap"},
            "select(): max_cost must be a number of US dollars, got str 'cheap'",
        ),
        (
            {"max_cost": -1},
            "select(): max_cost must be a non-negative, finite number of US dollars, got int -1",
        ),
        (
            {"status": "gone"},
            "select(): status has unknown value 'gone'; valid values: active, deprecated, "
            "preview, retired",
        ),
        (
            {"order_by": "price"},
            "select(): order_by must be one of cost, context, output, release_date, id, got 'price'",
        ),
        (
            {"released_after": "last year"},
            "select(): released_after must be a date (datetime.date or 'YYYY-MM-DD'), "
            "got str 'last year'",
        ),
        (
            {"where": 3},
            "select(): where must be a callable taking a Model and returning a bool, got int 3",
        ),
        (
            {"input_tokens": 10, "prompt": "hi"},
            "select(): give one of input_tokens, messages or prompt, not input_tokens and prompt",
        ),
    ],
)
def test_wrong_types_name_the_expected_one(
    catalog: Catalog, predicates: dict[str, Any], message: str
) -> None:
    with pytest.raises(QueryError) as caught:
        catalog.select(**predicates)
    assert str(caught.value) == message


def test_query_error_is_a_type_error() -> None:
    assert issubclass(QueryError, TypeError)


def test_select_on_the_default_catalog() -> None:
    selection = select(vision=True, max_cost=0.01)
    assert len(selection) > 0
    for match in selection:
        assert match.model.vision
        assert match.estimated_cost is not None
        assert match.estimated_cost <= Decimal("0.01")
    costs = [m.estimated_cost for m in selection]
    assert costs == sorted(costs)  # type: ignore[type-var]
