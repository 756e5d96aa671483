"""The catalog's vocabularies: modes, statuses, modalities, capability names, sort orders.

They live apart from the records (:mod:`llm_catalog.data.records`) so that a query can
check its arguments without importing pydantic; the records use them as field types.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "BILLING_NAME",
    "CAPABILITIES",
    "ORDERS",
    "REGION_AREAS",
    "ChargeUnit",
    "Modality",
    "Mode",
    "Rule",
    "SearchContext",
    "SourceName",
    "Status",
    "TierBilling",
    "TrustLevel",
    "Weekday",
    "region_within",
]

CAPABILITIES = (
    "function_calling",
    "parallel_tool_calls",
    "structured_output",
    "json_mode",
    "streaming",
    "reasoning",
    "prompt_caching",
    "system_messages",
    "temperature",
)
"""The fields of :class:`llm_catalog.data.records.Capabilities`, in order (a test checks they agree)."""

ORDERS = ("cost", "context", "output", "release_date", "id")
"""What ``select(order_by=...)`` sorts by."""

BILLING_NAME = r"^[a-z][a-z0-9_-]{0,59}$"
"""A service tier's, region's or time window's name: flex, eu-data-zone, off-peak."""

REGION_AREAS: dict[str, tuple[str, ...]] = {
    "eu": ("europe-",),
    "apac": ("ap-", "asia-", "australia-", "au", "jp", "in"),
}
"""Areas whose members are named otherwise than ``<area>-...``: a name ending in ``-`` is a
prefix, any other an exact name. Google Cloud's European regions are ``europe-west1``,
AWS's Asia Pacific ones ``ap-southeast-2``, Bedrock's Australian and Japanese
geographies ``au`` and ``jp``."""


def region_within(name: str, area: str) -> bool:
    """True when the region or geography ``name`` lies inside ``area``.

    A name lies inside itself and inside any area it starts with followed by a
    hyphen (``eu-west-1`` and ``eu-data-zone`` inside ``eu``, ``us-east-1`` inside
    ``us``), and inside the areas :data:`REGION_AREAS` lists it under
    (``europe-west1`` inside ``eu``, ``au`` inside ``apac``). ``global`` is a place
    of its own: a global endpoint may serve a request anywhere, so it lies inside
    no area but itself.
    """
    if name == area or name.startswith(area + "-"):
        return True
    return any(
        name.startswith(member) if member.endswith("-") else name == member
        for member in REGION_AREAS.get(area, ())
    )


class Mode(StrEnum):
    """What kind of endpoint a model serves."""

    chat = "chat"
    completion = "completion"
    embedding = "embedding"
    image_generation = "image_generation"
    audio_transcription = "audio_transcription"
    audio_speech = "audio_speech"
    moderation = "moderation"
    rerank = "rerank"


class Status(StrEnum):
    """Where a model is in its life."""

    active = "active"
    preview = "preview"
    deprecated = "deprecated"
    retired = "retired"


class Modality(StrEnum):
    """A kind of content a model reads or writes."""

    text = "text"
    image = "image"
    audio = "audio"
    video = "video"
    pdf = "pdf"


class TierBilling(StrEnum):
    """How a long-context tier's prices apply once a prompt passes its threshold."""

    whole_request = "whole_request"
    marginal = "marginal"


class SourceName(StrEnum):
    """A public dataset the catalog is compared with by ``llm-catalog drift``."""

    litellm = "litellm"
    models_dev = "models.dev"


class TrustLevel(StrEnum):
    """How far a record's facts are checked: the evidence it carries decides, never a claim."""

    provider = "provider"
    """Its prices and limits were read on the provider's own pages, which it cites."""
    aggregators = "aggregators"
    """Two independent aggregators (litellm and models.dev) give them."""
    single = "single"
    """One aggregator alone gives them."""


class Rule(StrEnum):
    """A consistency rule of ``llm-catalog validate`` that a record may be excepted from."""

    output_equals_window = "output-equals-window"
    """A chat model whose output limit equals its context window."""
    alias_disagrees = "alias-disagrees"
    """An undated model and its newest dated snapshot disagree on limits or prices."""
    status_lags_dates = "status-lags-dates"
    """A status that its deprecation or retirement date has passed."""
    successor_retired = "successor-retired"
    """A successor that is itself retired."""
    cached_not_cheaper = "cached-not-cheaper"
    """Cached input priced at or above input."""
    id_date_contradicts_release = "id-date-contradicts-release"
    """A date in the id that is not the release date's."""
    zero_price = "zero-price"
    """A token price of zero on a model not marked free."""


class ChargeUnit(StrEnum):
    """A unit a provider charges for apart from tokens, priced in US dollars per unit."""

    web_search = "web_search"
    """One web search call (a search tool call, or a grounded prompt)."""
    request = "request"
    """One request, charged on every call to the model."""
    image = "image"
    """One image generated or read."""
    audio_second = "audio_second"
    """One second of audio."""


class SearchContext(StrEnum):
    """How much web content a search-grounded request takes in (Perplexity's search_context_size)."""

    low = "low"
    medium = "medium"
    high = "high"


class Weekday(StrEnum):
    """A day of the week, as a time window names the UTC days it opens on."""

    mon = "mon"
    tue = "tue"
    wed = "wed"
    thu = "thu"
    fri = "fri"
    sat = "sat"
    sun = "sun"
