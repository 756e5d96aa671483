"""models.dev's data as source models of our providers.

The data is models.dev's ``data.json.gz``, parsed: providers by id, each with
its models by id. Its prices are already US dollars per million tokens.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from llm_catalog.tools.routes import ProviderRoute, our_provider
from llm_catalog.tools.source_data import SourceData, SourceModel, SourcePrices, SourceTier, collect
from llm_catalog.tools.source_values import MODALITIES, read_count, read_date, read_flag

__all__ = ["models_dev_source"]


def _price(value: Any) -> Decimal | None:
    """A price already in US dollars per million tokens (models.dev)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return Decimal(str(value)).normalize()


def _models_dev_prices(cost: Mapping[str, Any]) -> SourcePrices:
    return SourcePrices(
        input=_price(cost.get("input")),
        output=_price(cost.get("output")),
        cached_input=_price(cost.get("cache_read")),
        cache_write=_price(cost.get("cache_write")),
        reasoning_output=_price(cost.get("reasoning")),
    )


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _models_dev_model(
    entry: Mapping[str, Any], provider_id: str, route: ProviderRoute
) -> SourceModel:
    cost = _mapping(entry.get("cost"))
    tiers = []
    for tier in cost.get("tiers") or ():
        spec = _mapping(_mapping(tier).get("tier"))
        size = read_count(spec.get("size"))
        if size is not None and spec.get("type", "context") == "context":
            tiers.append(SourceTier(size, _models_dev_prices(tier)))
    if not tiers and isinstance(cost.get("context_over_200k"), Mapping):
        tiers.append(SourceTier(200_000, _models_dev_prices(cost["context_over_200k"])))
    modalities = _mapping(entry.get("modalities"))
    inputs = tuple(m for m in MODALITIES if m in (modalities.get("input") or ()))
    outputs = tuple(m for m in MODALITIES if m in (modalities.get("output") or ()))
    capabilities = {
        ours: value
        for ours, theirs in (
            ("function_calling", "tool_call"),
            ("reasoning", "reasoning"),
            ("structured_output", "structured_output"),
            ("temperature", "temperature"),
        )
        if (value := read_flag(entry, theirs)) is not None
    }
    if inputs:
        capabilities["vision"] = "image" in inputs
    limit = _mapping(entry.get("limit"))
    status = {"deprecated": "deprecated", "alpha": "preview", "beta": "preview"}.get(
        str(entry.get("status"))
    )
    knowledge = entry.get("knowledge")
    model_id = str(entry["id"])
    return SourceModel(
        source="models.dev",
        source_id=f"{provider_id}/{model_id}",
        source_provider=provider_id,
        provider=route.id,
        id=route.id_prefixes.get(provider_id, "") + model_id.lower(),
        name=str(entry.get("name") or model_id),
        context_window=read_count(limit.get("context")),
        max_input_tokens=read_count(limit.get("input")),
        max_output_tokens=read_count(limit.get("output")),
        input_modalities=inputs or None,
        output_modalities=outputs or None,
        capabilities=capabilities,
        pricing=_models_dev_prices(cost),
        tiers=tuple(tiers),
        status=status,
        release_date=read_date(entry.get("release_date")),
        knowledge_cutoff=knowledge if isinstance(knowledge, str) else None,
    )


def models_dev_source(raw: Mapping[str, Any], version: str) -> SourceData:
    """models.dev's data (the parsed JSON, providers by id) as source models of our providers."""

    def models() -> Iterator[SourceModel]:
        for provider_id, provider in raw.items():
            route = our_provider("models.dev", provider_id)
            if route is None or not isinstance(provider, Mapping):
                continue
            for entry in (provider.get("models") or {}).values():
                if isinstance(entry, Mapping) and "id" in entry:
                    yield _models_dev_model(entry, provider_id, route)

    return collect("models.dev", version, models())
