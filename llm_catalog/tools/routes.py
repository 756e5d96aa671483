"""How our providers are named in the sources: the routes table, and lookups in it.

Each :class:`ProviderRoute` names one of our providers as litellm and models.dev
name it. Import and drift cover exactly the providers listed here; a provider
is added to them by adding its route to :data:`PROVIDERS`.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["PROVIDERS", "ProviderRoute", "our_provider", "provider_route", "rank"]


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


def _patterns(source: str, route: ProviderRoute) -> tuple[str, ...]:
    return route.litellm if source == "litellm" else route.models_dev


def our_provider(source: str, source_provider: str) -> ProviderRoute | None:
    """Our provider for a source's provider name, or None when we have none."""
    for route in PROVIDERS:
        if any(fnmatch.fnmatchcase(source_provider, p) for p in _patterns(source, route)):
            return route
    return None


def provider_route(provider_id: str) -> ProviderRoute | None:
    """The table's entry for one of our provider ids."""
    return _BY_ID.get(provider_id)


def rank(source: str, provider_id: str, source_provider: str) -> int:
    """Where a source's provider name comes in the route of our provider ``provider_id``:
    0 for the first listed, which wins a model that several of them list."""
    patterns = _patterns(source, _BY_ID[provider_id])
    for index, pattern in enumerate(patterns):
        if fnmatch.fnmatchcase(source_provider, pattern):
            return index
    return len(patterns)
