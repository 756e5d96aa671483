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
    "ChargeUnit",
    "Modality",
    "Mode",
    "SourceName",
    "Status",
    "TierBilling",
    "Weekday",
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
ORDERS_DOC = None
"""What ``select(order_by=...)`` sorts by."""


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


class Weekday(StrEnum):
    """A day of the week, as a time window names the UTC days it opens on."""

    mon = "mon"
    tue = "tue"
    wed = "wed"
    thu = "thu"
    fri = "fri"
    sat = "sat"
    sun = "sun"
