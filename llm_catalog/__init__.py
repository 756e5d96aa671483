"""llm-catalog: an open catalog of LLM providers and models.

Facts about models (capabilities, limits, prices) live as YAML records checked
against JSON Schema. Load them with :func:`load_catalog`; every problem in
every file is reported at once in a :class:`CatalogError`.

Names are imported lazily, so ``import llm_catalog`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from llm_catalog.catalog import Catalog
    from llm_catalog.driver import Completion, CompletionStream, Embeddings, ToolCall, Usage
    from llm_catalog.errors import (
        AuthenticationError,
        BadRequestError,
        BudgetExceededError,
        CallError,
        CatalogError,
        CatalogPathError,
        ContentPolicyError,
        ContextWindowError,
        InsecureAPIBaseError,
        LLMCatalogError,
        Location,
        MalformedResponseError,
        MissingKeyError,
        OutputLimitError,
        Problem,
        ProviderError,
        ProviderTimeoutError,
        ProviderUnavailableError,
        RateLimitError,
        RouteError,
        StateError,
        UnknownModelError,
        UnknownProfileError,
        UnsupportedParameterError,
    )
    from llm_catalog.loader import check_catalog, default_catalog, get_model, load_catalog
    from llm_catalog.pricing import cost_of, estimate_cost
    from llm_catalog.profiles import Profile
    from llm_catalog.query import Exclusion, Match, QueryError, Selection, select
    from llm_catalog.records import Model, Provider
    from llm_catalog.router import Attempt, Routed, Router

__all__ = [
    "Attempt",
    "AuthenticationError",
    "BadRequestError",
    "BudgetExceededError",
    "CallError",
    "Catalog",
    "CatalogError",
    "CatalogPathError",
    "Completion",
    "CompletionStream",
    "ContentPolicyError",
    "ContextWindowError",
    "Embeddings",
    "Exclusion",
    "InsecureAPIBaseError",
    "LLMCatalogError",
    "Location",
    "MalformedResponseError",
    "Match",
    "MissingKeyError",
    "Model",
    "OutputLimitError",
    "Problem",
    "Profile",
    "Provider",
    "ProviderError",
    "ProviderTimeoutError",
    "ProviderUnavailableError",
    "QueryError",
    "RateLimitError",
    "RouteError",
    "Routed",
    "Router",
    "Selection",
    "StateError",
    "ToolCall",
    "UnknownModelError",
    "UnknownProfileError",
    "UnsupportedParameterError",
    "Usage",
    "__version__",
    "check_catalog",
    "cost_of",
    "default_catalog",
    "estimate_cost",
    "get_model",
    "load_catalog",
    "select",
]

_EXPORTS = {
    "Attempt": "llm_catalog.router",
    "AuthenticationError": "llm_catalog.errors",
    "BadRequestError": "llm_catalog.errors",
    "BudgetExceededError": "llm_catalog.errors",
    "CallError": "llm_catalog.errors",
    "Catalog": "llm_catalog.catalog",
    "CatalogError": "llm_catalog.errors",
    "CatalogPathError": "llm_catalog.errors",
    "Completion": "llm_catalog.driver",
    "CompletionStream": "llm_catalog.driver",
    "ContentPolicyError": "llm_catalog.errors",
    "ContextWindowError": "llm_catalog.errors",
    "Embeddings": "llm_catalog.driver",
    "Exclusion": "llm_catalog.query",
    "InsecureAPIBaseError": "llm_catalog.errors",
    "LLMCatalogError": "llm_catalog.errors",
    "Location": "llm_catalog.errors",
    "MalformedResponseError": "llm_catalog.errors",
    "Match": "llm_catalog.query",
    "MissingKeyError": "llm_catalog.errors",
    "Model": "llm_catalog.records",
    "OutputLimitError": "llm_catalog.errors",
    "Problem": "llm_catalog.errors",
    "Profile": "llm_catalog.profiles",
    "Provider": "llm_catalog.records",
    "ProviderError": "llm_catalog.errors",
    "ProviderTimeoutError": "llm_catalog.errors",
    "ProviderUnavailableError": "llm_catalog.errors",
    "QueryError": "llm_catalog.query",
    "RateLimitError": "llm_catalog.errors",
    "RouteError": "llm_catalog.errors",
    "Routed": "llm_catalog.router",
    "Router": "llm_catalog.router",
    "Selection": "llm_catalog.query",
    "StateError": "llm_catalog.errors",
    "ToolCall": "llm_catalog.driver",
    "UnknownModelError": "llm_catalog.errors",
    "UnknownProfileError": "llm_catalog.errors",
    "UnsupportedParameterError": "llm_catalog.errors",
    "Usage": "llm_catalog.driver",
    "check_catalog": "llm_catalog.loader",
    "cost_of": "llm_catalog.pricing",
    "default_catalog": "llm_catalog.loader",
    "estimate_cost": "llm_catalog.pricing",
    "get_model": "llm_catalog.loader",
    "load_catalog": "llm_catalog.loader",
    "select": "llm_catalog.query",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'llm_catalog' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
