"""litellm's price map as source models of our providers.

The map is litellm's ``model_prices_and_context_window_backup.json``, parsed.
Its prices are US dollars per token; :func:`per_million` turns each into
dollars per million tokens exactly, from its written text. Its keys are
litellm model strings, with or without the provider's route prefix.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from llm_catalog.tools.routes import ProviderRoute, our_provider
from llm_catalog.tools.source_data import SourceData, SourceModel, SourcePrices, SourceTier, collect
from llm_catalog.tools.source_values import MODALITIES, read_count, read_date, read_flag

__all__ = ["litellm_source", "per_million"]

# litellm modes in our vocabulary; 'responses' models are chat models served by
# OpenAI's Responses API, which litellm bridges chat calls to.
_LITELLM_MODES = {
    "chat": "chat",
    "responses": "chat",
    "completion": "completion",
    "embedding": "embedding",
    "image_generation": "image_generation",
    "audio_transcription": "audio_transcription",
    "audio_speech": "audio_speech",
    "moderation": "moderation",
    "rerank": "rerank",
}
# litellm's per-token keys for each of our price fields (without suffixes).
_LITELLM_PRICES = {
    "input": "input_cost_per_token",
    "output": "output_cost_per_token",
    "cached_input": "cache_read_input_token_cost",
    "cache_write": "cache_creation_input_token_cost",
    "cache_write_1h": "cache_creation_input_token_cost_above_1hr",
}
_LITELLM_TIER = re.compile(r"^(?P<base>.+)_above_(?P<size>[0-9]+)k_tokens$")
_MILLION = 1_000_000


def per_million(value: Any) -> Decimal | None:
    """A per-token price as US dollars per million tokens, exactly: 2.5e-06 -> 2.5."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        return (Decimal(str(value)) * _MILLION).normalize()
    except InvalidOperation:  # pragma: no cover - json gives finite numbers only
        return None


def _litellm_prices(entry: Mapping[str, Any], suffix: str = "") -> SourcePrices:
    values = {name: per_million(entry.get(key + suffix)) for name, key in _LITELLM_PRICES.items()}
    values["reasoning_output"] = per_million(entry.get("output_cost_per_reasoning_token" + suffix))
    return SourcePrices(**values)


def _multiplier(value: Any) -> Decimal | None:
    """A positive multiplier, exactly: 1.1 -> Decimal('1.1'); anything else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        return None
    return Decimal(str(value)).normalize()


def _litellm_service_tiers(entry: Mapping[str, Any]) -> dict[str, SourcePrices]:
    """Flex and priority prices, from the ``*_flex`` and ``*_priority`` keys."""
    found = {tier: _litellm_prices(entry, f"_{tier}") for tier in ("flex", "priority")}
    return {tier: prices for tier, prices in found.items() if prices}


def _litellm_web_search(entry: Mapping[str, Any]) -> Decimal | None:
    """The price of one web search, where litellm gives the same for every context size."""
    sizes = entry.get("search_context_cost_per_query")
    if not isinstance(sizes, Mapping) or not sizes:
        return None
    prices = {per_million(value) for value in sizes.values()}
    if len(prices) != 1 or None in prices:
        return None
    [price] = prices
    return None if price is None else price / _MILLION


def _litellm_search_context(entry: Mapping[str, Any]) -> dict[str, Decimal]:
    """The charge per query by search context size, from ``search_context_cost_per_query``."""
    sizes = entry.get("search_context_cost_per_query")
    if not isinstance(sizes, Mapping):
        return {}
    found = {}
    for key, value in sizes.items():
        price = per_million(value)
        size = str(key).removeprefix("search_context_size_")
        if price is not None and size in ("low", "medium", "high"):
            found[size] = price / _MILLION
    return found


def _litellm_off_peak(entry: Mapping[str, Any]) -> SourcePrices:
    """Off-peak prices, from ``off_peak_pricing`` (its hours are not compared)."""
    off_peak = entry.get("off_peak_pricing")
    return _litellm_prices(off_peak) if isinstance(off_peak, Mapping) else SourcePrices()


def _litellm_tiers(entry: Mapping[str, Any]) -> tuple[SourceTier, ...]:
    """Long-context tiers from the ``*_above_<N>k_tokens`` keys (batch variants aside)."""
    found: dict[int, dict[str, Decimal]] = {}
    reverse = {key: name for name, key in _LITELLM_PRICES.items()}
    reverse["output_cost_per_reasoning_token"] = "reasoning_output"
    for key, value in entry.items():
        match = _LITELLM_TIER.match(key)
        if match is None or match["base"] not in reverse:
            continue
        price = per_million(value)
        if price is not None:
            found.setdefault(int(match["size"]) * 1000, {})[reverse[match["base"]]] = price
    for band in entry.get("tiered_pricing") or ():
        if not isinstance(band, Mapping):
            continue
        bounds = band.get("range")
        start = read_count(bounds[0]) if isinstance(bounds, list) and bounds else None
        if start is None:
            continue
        for name, key in (
            *_LITELLM_PRICES.items(),
            ("reasoning_output", "output_cost_per_reasoning_token"),
        ):
            price = per_million(band.get(key))
            if price is not None:
                found.setdefault(start, {})[name] = price
    return tuple(SourceTier(size, SourcePrices(**found[size])) for size in sorted(found))


def _litellm_modalities(entry: Mapping[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    stated = entry.get("supported_modalities")
    if isinstance(stated, list):
        inputs = [m for m in MODALITIES if m in stated]
    else:
        inputs = ["text"]
        for modality, key in (
            ("image", "supports_vision"),
            ("audio", "supports_audio_input"),
            ("video", "supports_video_input"),
        ):
            if entry.get(key) is True:
                inputs.append(modality)
    if entry.get("supports_pdf_input") is True and "pdf" not in inputs:
        inputs.append("pdf")
    stated_out = entry.get("supported_output_modalities")
    if isinstance(stated_out, list):
        outputs = [m for m in MODALITIES if m in stated_out]
    else:
        outputs = ["text"] + (["audio"] if entry.get("supports_audio_output") is True else [])
    return tuple(inputs or ["text"]), tuple(outputs or ["text"])


def _strip_route(key: str, prefixes: Iterable[str]) -> str:
    for prefix in prefixes:
        if key.startswith(prefix + "/"):
            return key[len(prefix) + 1 :]
    return key


def _litellm_model(key: str, entry: Mapping[str, Any], route: ProviderRoute) -> SourceModel:
    provider_name = str(entry["litellm_provider"])
    prefixes = (provider_name, route.litellm_route)
    name = _strip_route(key, prefixes)
    has_prefix = name != key
    litellm_model = key if has_prefix else f"{route.litellm_route}/{key}"
    capabilities = {
        ours: value
        for ours, theirs in (
            ("function_calling", "supports_function_calling"),
            ("parallel_tool_calls", "supports_parallel_function_calling"),
            ("structured_output", "supports_response_schema"),
            ("reasoning", "supports_reasoning"),
            ("prompt_caching", "supports_prompt_caching"),
            ("system_messages", "supports_system_messages"),
            ("vision", "supports_vision"),
            ("temperature", "supports_sampling_params"),
        )
        if (value := read_flag(entry, theirs)) is not None
    }
    inputs, outputs = _litellm_modalities(entry)
    deprecation = read_date(entry.get("deprecation_date"))
    successor = entry.get("successor_model")
    raw_mode = entry.get("mode")
    return SourceModel(
        source="litellm",
        source_id=key,
        source_provider=provider_name,
        provider=route.id,
        id=route.id_prefixes.get(provider_name, "") + name.lower(),
        name=name,
        litellm_model=litellm_model,
        mode=_LITELLM_MODES.get(raw_mode) if isinstance(raw_mode, str) else None,
        source_mode=raw_mode if isinstance(raw_mode, str) else None,
        # litellm's max_input_tokens is, for nearly every entry, the whole window.
        context_window=read_count(entry.get("max_input_tokens")),
        max_input_tokens=read_count(entry.get("max_input_tokens")),
        max_output_tokens=read_count(entry.get("max_output_tokens")),
        input_modalities=inputs,
        output_modalities=outputs,
        capabilities=capabilities,
        pricing=_litellm_prices(entry),
        batch=_litellm_prices(entry, "_batches"),
        tiers=_litellm_tiers(entry),
        service_tiers=_litellm_service_tiers(entry),
        off_peak=_litellm_off_peak(entry),
        web_search=_litellm_web_search(entry),
        search_context=_litellm_search_context(entry),
        regional_multiplier=_multiplier(entry.get("regional_endpoint_uplift_multiplier")),
        status="deprecated" if deprecation else None,
        deprecation_date=deprecation,
        successor=_strip_route(successor, prefixes).lower() if isinstance(successor, str) else None,
    )


def litellm_source(raw: Mapping[str, Any], version: str) -> SourceData:
    """litellm's price map (the parsed JSON) as source models of our providers."""

    def models() -> Iterator[SourceModel]:
        for key, entry in raw.items():
            if key == "sample_spec" or not isinstance(entry, Mapping):
                continue
            provider_name = entry.get("litellm_provider")
            route = (
                our_provider("litellm", provider_name) if isinstance(provider_name, str) else None
            )
            if route is not None:
                yield _litellm_model(key, entry, route)

    return collect("litellm", version, models())
