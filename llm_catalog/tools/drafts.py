"""Catalog records drafted from a source's models, and why a model cannot be drafted.

A draft is a model record's data as a mapping, in the key order of
:class:`~llm_catalog.data.records.Model`, with notes in its provenance for the
reviewer wherever the source's figures were left out or read with care.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from llm_catalog.data import record_base, records
from llm_catalog.tools.source_data import SourceModel, SourcePrices

__all__ = ["draft_record", "validate_draft", "why_not_drafted"]

_MODEL_ID = re.compile(record_base.MODEL_ID_PATTERN)
_PRICE_ORDER = (
    "input",
    "output",
    "cached_input",
    "cache_write",
    "cache_write_1h",
    "reasoning_output",
)
_NO_OUTPUT = frozenset({"embedding", "rerank", "moderation"})


def _prices(prices: SourcePrices, names: Sequence[str] = _PRICE_ORDER) -> dict[str, Decimal]:
    return {name: getattr(prices, name) for name in names if getattr(prices, name) is not None}


def draft_record(
    model: SourceModel,
    litellm_provider: str,
    label: str,
    today: dt.date,
    known: set[str],
) -> dict[str, Any]:
    """A model record's data, in the key order of :class:`~llm_catalog.data.records.Model`."""
    data: dict[str, Any] = {"id": model.id, "name": model.name or model.id}
    if model.litellm_model and model.litellm_model != f"{litellm_provider}/{model.id}":
        data["litellm_model"] = model.litellm_model
    if model.mode and model.mode != "chat":
        data["mode"] = model.mode
    notes = [f"Drafted by llm-catalog import from {label}; review before committing."]
    if model.deprecation_date is not None:
        data["status"] = "retired" if model.deprecation_date <= today else "deprecated"
        data["retirement_date"] = model.deprecation_date
        notes.append("retirement_date is litellm's deprecation_date, the shutdown date.")
        successor = f"{model.provider}/{model.successor}" if model.successor else None
        if successor in known:
            data["successor"] = successor
    assert model.context_window is not None
    limits: dict[str, Any] = {"context_window": model.context_window}
    output = model.max_output_tokens
    writes = model.mode not in _NO_OUTPUT
    if output is not None and writes:
        if output <= model.context_window:
            limits["max_output_tokens"] = output
        else:
            notes.append(
                f"max_output_tokens left out: litellm gives {output:,}, more than the "
                f"window of {model.context_window:,}."
            )
    data["limits"] = limits
    modalities = {"input": list(model.input_modalities or ("text",))}
    modalities["output"] = list(model.output_modalities or ("text",))
    if modalities != {"input": ["text"], "output": ["text"]}:
        data["modalities"] = modalities
    capabilities = {
        name: True
        for name in records.Capabilities.model_fields
        if model.capabilities.get(name) is True
    }
    if capabilities:
        data["capabilities"] = capabilities
    if model.mode == "chat":
        notes.append("litellm does not say whether the model streams or has a JSON mode.")
    # Embedding and rerank models write no tokens; litellm prices their output at 0.
    names = [n for n in _PRICE_ORDER if writes or n != "output"]
    pricing: dict[str, Any] = _prices(model.pricing, names)
    free = [name for name, price in pricing.items() if price == 0]
    if free:
        # litellm writes 0 where it has no price; a catalog price of 0 would say free.
        pricing = {name: price for name, price in pricing.items() if price != 0}
        notes.append(
            f"litellm gives 0 for {', '.join(free)}; left out, since an absent price "
            "means unknown: write 0 only if the model is free."
        )
    tiers = [
        {"above_input_tokens": tier.above_input_tokens, **_prices(tier.prices, names)}
        for tier in model.tiers
        if _prices(tier.prices, names)
    ]
    if tiers:
        pricing["tiers"] = tiers
    batch = _prices(model.batch, names)
    if batch:
        pricing["batch"] = batch
    if pricing:
        pricing["source"] = label
        data["pricing"] = pricing
    data["provenance"] = {"sources": [label], "checked": today, "notes": " ".join(notes)}
    return data


def why_not_drafted(model: SourceModel) -> str | None:
    """Why a source model cannot be drafted as a catalog record, or None when it can."""
    if not _MODEL_ID.match(model.id) or len(model.id) > 200:
        return f"{model.id!r} is not a valid catalog id"
    if model.mode is None:
        return f"litellm mode {model.source_mode!r} has no catalog mode"
    if model.context_window is None:
        return "litellm gives no context window (max_input_tokens)"
    return None


def validate_draft(data: Mapping[str, Any], provider: str) -> str | None:
    """Why a drafted record is not a valid catalog record, or None when it is."""
    try:
        records.Model.model_validate(
            {**data, "id": f"{provider}/{data['id']}", "provider": provider}
        )
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        return f"the drafted record is not valid: {where}: {first['msg']}"
    return None
