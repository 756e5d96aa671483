"""How one catalog model compares with a source's record of it.

Finding the source's record of a catalog model, the fields where the two
differ (as :func:`canonical` values, so that ``10`` and ``Decimal('1E+1')``
agree), and the differences a reviewer recorded against the source. Used by
drift, which reports the differences, and by the importer, which lists them
for the models a file already holds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any

from llm_catalog.data.vocabulary import ChargeUnit
from llm_catalog.tools.routes import provider_route
from llm_catalog.tools.source_data import SourceData, SourceModel

if TYPE_CHECKING:
    from llm_catalog.data.records import Model, Provider

__all__ = [
    "MODEL_FIELD",
    "Value",
    "canonical",
    "cites",
    "compare_model",
    "find_source_model",
    "local_id",
    "reviewed_differences",
]

Value = bool | int | Decimal | str | None
# Prices compared, in the order reported; batch and tier prices follow.
_PRICES = ("input", "output", "cached_input", "cache_write")
_BATCH_PRICES = ("input", "output")
_CAPABILITIES = ("function_calling", "vision", "reasoning", "prompt_caching", "structured_output")
# A source that calls a model deprecated agrees with a catalog that says it is
# deprecated or already retired.
_STATUS_AGREES = {"deprecated": ("deprecated", "retired"), "preview": ("preview",)}
# Embedding and rerank models write no tokens: the sources' output prices (0)
# and output limits (models.dev gives the vector size) do not apply to them.
_NO_OUTPUT = frozenset({"embedding", "rerank", "moderation"})
_OUTPUT_FIELDS = frozenset({"pricing.output", "pricing.batch.output", "limits.max_output_tokens"})
MODEL_FIELD = "model"  # the field of a reviewed difference for a model the source lacks


_TIER_PRICES = ("input", "output", "cached_input")


def canonical(value: Any) -> Value:
    """A value as compared and recorded: fractions as normalised Decimals, dates as text.

    An int and a Decimal of the same value are equal and hash alike, so a
    recorded ``theirs: 10`` matches a price of ``Decimal('1E+1')``.
    """
    if isinstance(value, Enum):
        return str(value.value)
    if value is None or isinstance(value, bool | str | int):
        return value
    if isinstance(value, Decimal):
        return value.normalize()
    if isinstance(value, float):
        return Decimal(str(value)).normalize()
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"cannot compare a {type(value).__name__}")


def _prices_of(prices: Any, name: str) -> Any:
    return getattr(prices, name, None) if prices is not None else None


def _iter_fields(model: Model, theirs: SourceModel) -> Iterator[tuple[str, Any, Any]]:
    """``(field, ours, theirs)`` for every field the source states."""
    pricing = model.pricing
    for name in _PRICES:
        yield f"pricing.{name}", _prices_of(pricing, name), getattr(theirs.pricing, name)
    batch = pricing.batch if pricing is not None else None
    for name in _BATCH_PRICES:
        yield f"pricing.batch.{name}", _prices_of(batch, name), getattr(theirs.batch, name)
    our_tiers = {t.above_input_tokens: t for t in pricing.tiers} if pricing is not None else {}
    for tier in theirs.tiers:
        mine = our_tiers.get(tier.above_input_tokens)
        for name in _PRICES:
            yield (
                f"pricing.tiers.{tier.above_input_tokens}.{name}",
                _prices_of(mine, name),
                getattr(tier.prices, name),
            )
    # Service tiers and off-peak windows the record carries, where the source prices them
    # too; a tier the record leaves out is left unpriced on purpose, not compared.
    for name, sold in (pricing.service_tiers if pricing is not None else {}).items():
        source_tier = theirs.service_tiers.get(name)
        if source_tier is not None:
            for kind in _TIER_PRICES:
                yield (
                    f"pricing.service_tiers.{name}.{kind}",
                    getattr(sold, kind),
                    getattr(source_tier, kind),
                )
    windows = pricing.time_windows if pricing is not None else ()
    off_peak = next((w for w in windows if w.name == "off-peak"), None)
    if off_peak is not None and theirs.off_peak:
        for kind in _TIER_PRICES:
            yield (
                f"pricing.time_windows.off-peak.{kind}",
                getattr(off_peak, kind),
                getattr(theirs.off_peak, kind),
            )
    search = pricing.per_unit.get(ChargeUnit.web_search) if pricing is not None else None
    if search is not None and theirs.web_search is not None:
        yield "pricing.per_unit.web_search", search, theirs.web_search
    # Charges by search context size the record carries, one unit each, against the source's.
    sized = pricing.search_context if pricing is not None else {}
    for size, charges in sized.items():
        if size in theirs.search_context and len(charges) == 1:
            [(unit, price)] = charges.items()
            yield f"pricing.search_context.{size}.{unit}", price, theirs.search_context[size]
    if theirs.regional_multiplier is not None:
        # The source's one uplift for every non-global endpoint, against each area's.
        regions = pricing.regions if pricing is not None else {}
        multipliers = {region.multiplier for region in regions.values()} or {None}
        for multiplier in sorted(multipliers, key=lambda m: (m is None, m)):
            yield "pricing.regions.multiplier", multiplier, theirs.regional_multiplier
    limits = model.limits
    if theirs.source == "litellm" and limits.max_input_tokens is not None:
        # litellm's max_input_tokens is the window for nearly every model, but the
        # input limit where a provider states one apart (OpenAI's GPT-5 family).
        yield "limits.max_input_tokens", limits.max_input_tokens, theirs.max_input_tokens
    else:
        yield "limits.context_window", limits.context_window, theirs.context_window
    yield "limits.max_output_tokens", model.limits.max_output_tokens, theirs.max_output_tokens
    for name in _CAPABILITIES:
        ours = model.vision if name == "vision" else getattr(model.capabilities, name)
        path = "vision" if name == "vision" else f"capabilities.{name}"
        yield path, ours, theirs.capabilities.get(name)
    yield "status", model.status.value, theirs.status
    yield "retirement_date", model.retirement_date, theirs.deprecation_date


def compare_model(model: Model, theirs: SourceModel) -> list[tuple[str, Value, Value]]:
    """Every field where ``model`` differs from what the source states, as
    ``(field, ours, theirs)``; fields the source leaves out are not compared."""
    found = []
    writes = model.mode.value not in _NO_OUTPUT
    for path, ours, stated in _iter_fields(model, theirs):
        if stated is None or (not writes and path in _OUTPUT_FIELDS):
            continue
        if path == "status":
            if ours not in _STATUS_AGREES.get(stated, (stated,)):
                found.append((path, canonical(ours), canonical(stated)))
            continue
        mine, their = canonical(ours), canonical(stated)
        if mine != their:
            found.append((path, mine, their))
    return found


def local_id(full_id: str) -> str:
    """A full model id without its provider: ``openai/gpt-5`` -> ``gpt-5``."""
    return full_id.split("/", 1)[1]


def find_source_model(
    model: Model,
    provider: Provider,
    data: SourceData,
    owned: Collection[tuple[str, str]] = (),
) -> SourceModel | None:
    """The source's record of a catalog model: by its id (the source's name for it,
    lowercased, without the provider prefix) or an alias, else by its litellm model string.

    ``owned`` holds ``(provider, id)`` of every catalog model and alias: a source
    model found through ``litellm_model`` that another record owns by id is not
    this model's (an Azure record's ``litellm_model`` names a deployment of the
    model, while the record is priced as a Data Zone or Global deployment).
    """
    local = local_id(model.id)
    found = data.by_key.get((provider.id, local))
    for alias in model.aliases:  # the source may know the model by another of its names
        if found is None and alias.startswith(f"{provider.id}/"):
            found = data.by_key.get((provider.id, local_id(alias).lower()))
    if found is not None or not model.litellm_model:
        return found
    if data.name == "litellm":
        found = data.by_litellm_model.get(model.litellm_model.lower())
    route = provider_route(provider.id)
    head, _, rest = model.litellm_model.partition("/")
    heads = (
        provider.litellm_provider,
        *((route.litellm_route, *route.id_prefixes) if route else ()),
    )
    if found is None and rest and route is not None and head in heads:
        found = data.by_key.get((provider.id, route.id_prefixes.get(head, "") + rest.lower()))
    if found is None or found.provider != provider.id or (found.provider, found.id) in owned:
        return None
    return found


def cites(model: Model, source: str) -> bool:
    """True when the record names the source among its provenance or price sources."""
    named = list(model.provenance.sources)
    if model.pricing is not None and model.pricing.source:
        named.append(model.pricing.source)
    if source == "litellm":
        return any(text.lower().startswith("litellm ") for text in named)
    return any(source in text.lower() for text in named)


def reviewed_differences(model: Model, source: str) -> dict[tuple[str, Value], str]:
    """The model's recorded differences from ``source``: reason by ``(field, theirs)``."""
    return {
        (d.field, canonical(d.theirs)): d.reason
        for d in model.provenance.differences
        if d.source.value == source
    }
