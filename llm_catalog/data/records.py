"""Typed, frozen records for providers and models: the catalog's data model.

These classes are the single source of truth for the catalog file format. The
JSON Schema files in ``schemas/`` are generated from them (see
:mod:`llm_catalog.data.schema`), and a test fails when the checked-in schema is stale.

Units are stated once, here and in the generated schema: every price is in US
dollars per million tokens; every limit is a count of tokens.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import Field, PrivateAttr
from pydantic.json_schema import SkipJsonSchema

from llm_catalog.data.prices import Prices, PriceTier, Pricing, PricingHistoryEntry
from llm_catalog.data.provenance import Provenance, ReviewedDifference, SkippedSourceModels
from llm_catalog.data.record_base import (
    DOMAIN_PATTERN,
    ENV_VAR_PATTERN,
    FULL_ID_PATTERN,
    HEADER_PATTERN,
    HTTPS_URL_PATTERN,
    ID_PATTERN,
    LITELLM_PROVIDER_PATTERN,
    MODEL_ID_PATTERN,
    MONTH_OR_DATE_PATTERN,
    NAME_PATTERN,
    PARAM_PATTERN,
    URL_PATTERN,
    Record,
    TokenCount,
)

# The vocabularies live apart from pydantic, so that queries read them without loading it.
from llm_catalog.data.vocabulary import Modality, Mode, SourceName, Status, TierBilling

__all__ = [
    "Capabilities",
    "Limits",
    "Modalities",
    "Modality",
    "Mode",
    "Model",
    "PriceTier",
    "Prices",
    "Pricing",
    "PricingHistoryEntry",
    "Provenance",
    "Provider",
    "RateLimits",
    "ReviewedDifference",
    "SkippedSourceModels",
    "SourceName",
    "Status",
    "TierBilling",
]


class RateLimits(Record):
    """Published rate limits. Providers vary them by account tier; record the tier in notes."""

    requests_per_minute: TokenCount | None = Field(default=None, description="Requests per minute.")
    tokens_per_minute: TokenCount | None = Field(
        default=None, description="Tokens (input plus output) per minute."
    )
    input_tokens_per_minute: TokenCount | None = Field(
        default=None, description="Input tokens per minute, where limited apart."
    )
    output_tokens_per_minute: TokenCount | None = Field(
        default=None, description="Output tokens per minute, where limited apart."
    )
    requests_per_day: TokenCount | None = Field(default=None, description="Requests per day.")
    notes: str | None = Field(
        default=None,
        max_length=2000,
        description="Which account tier these limits belong to, and anything else that qualifies them.",
    )


class Provider(Record):
    """A provider record: how to reach the provider and whose key to use."""

    id: str = Field(
        pattern=ID_PATTERN,
        max_length=64,
        description="Lowercase provider id, the first part of every model id (for example 'openai').",
    )
    name: str = Field(min_length=1, max_length=200, description="Display name.")
    litellm_provider: str = Field(
        pattern=LITELLM_PROVIDER_PATTERN,
        max_length=64,
        description="litellm's provider prefix (for example 'openai', 'anthropic', 'gemini').",
    )
    api_key_env: tuple[Annotated[str, Field(pattern=ENV_VAR_PATTERN, max_length=128)], ...] = Field(
        default=(),
        description="Names of environment variables that may hold the API key, first "
        "found wins. Names only, never a key. Empty when no key is needed.",
    )
    api_base: str | None = Field(
        default=None,
        pattern=URL_PATTERN,
        max_length=500,
        description="Default API base URL. Must be HTTPS unless it is a loopback address "
        "or allow_insecure_api_base is true.",
    )
    allow_insecure_api_base: bool = Field(
        default=False,
        description="Allow an api_base over plain HTTP to a host that is not loopback.",
    )
    docs_url: str | None = Field(
        default=None, pattern=HTTPS_URL_PATTERN, max_length=500, description="Documentation URL."
    )
    pricing_url: str | None = Field(
        default=None,
        pattern=HTTPS_URL_PATTERN,
        max_length=500,
        description="The provider's own pricing page.",
    )
    domains: tuple[Annotated[str, Field(pattern=DOMAIN_PATTERN, max_length=200)], ...] = Field(
        default=(),
        description="The web domains of the provider's own pages (openai.com): a page cited "
        "on one of them or below it is the provider's word. When left out, the domains "
        "of docs_url and pricing_url.",
    )
    timeout_seconds: float | None = Field(
        default=None,
        gt=0,
        le=3600,
        description="Seconds to wait for an answer before giving up; litellm's default when absent.",
    )
    headers: dict[
        Annotated[str, Field(pattern=HEADER_PATTERN, max_length=128)],
        Annotated[str, Field(max_length=1000)],
    ] = Field(
        default_factory=dict,
        description="Extra HTTP headers sent with every request (for example a gateway's "
        "routing header). Never put a key here: keys come from api_key_env.",
    )
    params: tuple[Annotated[str, Field(pattern=PARAM_PATTERN, max_length=64)], ...] = Field(
        default=(),
        description="Request parameters the provider's models accept, unless a model lists its own.",
    )
    rate_limits: RateLimits | None = Field(
        default=None, description="Published default rate limits."
    )
    provenance: Provenance | None = Field(
        default=None, description="Where this record's facts come from."
    )
    skipped_source_models: tuple[SkippedSourceModels, ...] = Field(
        default=(),
        description="Models the public sources list for this provider that the catalog "
        "deliberately does not carry, by source and id pattern, each with the reason; "
        "llm-catalog drift reports every other source model the catalog lacks.",
    )


class Limits(Record):
    """Token limits of a model."""

    context_window: TokenCount = Field(
        description="Tokens the model can attend to in one request, input and output together "
        "unless max_input_tokens says otherwise."
    )
    max_output_tokens: TokenCount | None = Field(
        default=None, description="Most tokens the model writes in one response."
    )
    max_input_tokens: TokenCount | None = Field(
        default=None,
        description="Most tokens of input in one request, where the provider states it apart "
        "from the context window.",
    )


class Modalities(Record):
    """Kinds of content the model reads and writes."""

    input: tuple[Modality, ...] = Field(
        default=(Modality.text,),
        min_length=1,
        description="Content the model reads. A model takes images (vision) when this lists 'image'.",
    )
    output: tuple[Modality, ...] = Field(
        default=(Modality.text,), min_length=1, description="Content the model writes."
    )


class Capabilities(Record):
    """What a model can do. Absent means false."""

    function_calling: bool = Field(default=False, description="Calls tools (functions).")
    parallel_tool_calls: bool = Field(
        default=False, description="Makes several tool calls in one response."
    )
    structured_output: bool = Field(
        default=False, description="Follows a JSON Schema for its response."
    )
    json_mode: bool = Field(default=False, description="Returns valid JSON when asked.")
    streaming: bool = Field(default=False, description="Streams its response.")
    reasoning: bool = Field(
        default=False, description="Thinks before answering (reasoning tokens)."
    )
    prompt_caching: bool = Field(
        default=False, description="Caches prompt prefixes at a reduced price."
    )
    system_messages: bool = Field(default=False, description="Accepts a system prompt.")
    temperature: bool = Field(default=False, description="Accepts a sampling temperature.")


class Model(Record):
    """A model record.

    In a catalog file ``id`` is the id within the file's provider (``gpt-4o``);
    once loaded, ``id`` is the full id (``openai/gpt-4o``) and ``provider`` the
    provider's id.
    """

    id: str = Field(
        pattern=MODEL_ID_PATTERN,
        max_length=200,
        description="Lowercase model id within its provider; the full id is '<provider>/<id>'.",
    )
    provider: SkipJsonSchema[str] = Field(default="", exclude=True)
    name: str = Field(min_length=1, max_length=200, description="Display name.")
    litellm_model: str | None = Field(
        default=None,
        min_length=1,
        max_length=300,
        description="The model string passed to litellm, when it is not '<litellm_provider>/<id>'.",
    )
    aliases: tuple[Annotated[str, Field(pattern=MODEL_ID_PATTERN, max_length=200)], ...] = Field(
        default=(),
        description="Other names for this model, unique across the catalog (for example "
        "'gpt-4o-latest'). An alias may not equal any full model id.",
    )
    region: Annotated[str, Field(pattern=NAME_PATTERN, max_length=60)] | None = Field(
        default=None,
        description="Where this record's requests are served and billed: a cloud region "
        "(us-east-1), a geography or data zone (eu, us, apac), or global. Left out where "
        "the record is not bound to one place.",
    )
    mode: Mode = Field(default=Mode.chat, description="The kind of endpoint the model serves.")
    status: Status = Field(default=Status.active, description="Where the model is in its life.")
    release_date: dt.date | None = Field(
        default=None, description="Date (YYYY-MM-DD) the model became available."
    )
    deprecation_date: dt.date | None = Field(
        default=None,
        description="Date (YYYY-MM-DD) the provider announced or set the model's deprecation.",
    )
    retirement_date: dt.date | None = Field(
        default=None,
        description="Date (YYYY-MM-DD) the model stops, or stopped, answering requests.",
    )
    successor: str | None = Field(
        default=None,
        pattern=FULL_ID_PATTERN,
        max_length=300,
        description="Full id of the model the provider recommends instead.",
    )
    knowledge_cutoff: str | None = Field(
        default=None,
        pattern=MONTH_OR_DATE_PATTERN,
        description="Training data cutoff, as YYYY-MM or YYYY-MM-DD.",
    )
    limits: Limits = Field(description="Token limits.")
    modalities: Modalities = Field(
        default_factory=Modalities, description="Content the model reads and writes."
    )
    capabilities: Capabilities = Field(
        default_factory=Capabilities, description="What the model can do; absent means false."
    )
    params: tuple[Annotated[str, Field(pattern=PARAM_PATTERN, max_length=64)], ...] | None = Field(
        default=None,
        description="Request parameters this model accepts, replacing its provider's list.",
    )
    pricing: Pricing | None = Field(
        default=None,
        description="Prices in US dollars per million tokens. Absent means unknown, never free.",
    )
    rate_limits: RateLimits | None = Field(
        default=None,
        description="Published rate limits of this model, where they differ from its "
        "provider's rate_limits.",
    )
    provenance: Provenance = Field(description="Where this record's facts come from.")

    _provider_record: Provider | None = PrivateAttr(default=None)

    @property
    def vision(self) -> bool:
        """True when the model takes images as input."""
        return Modality.image in self.modalities.input

    @property
    def provider_record(self) -> Provider | None:
        """The provider record of a model taken from a catalog (None for a bare record)."""
        return self._provider_record
