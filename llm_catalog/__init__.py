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
    from llm_catalog.calls.attempts import Attempt, Routed
    from llm_catalog.calls.driver.answers import Completion, Embeddings, ToolCall, Usage
    from llm_catalog.calls.driver.streaming import CompletionStream
    from llm_catalog.calls.lookup import get_model, select
    from llm_catalog.calls.models import CallableModel
    from llm_catalog.calls.router import Router
    from llm_catalog.data.errors import (
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
        RouterStoppedError,
        StateError,
        UnknownModelError,
        UnknownProfileError,
        UnsupportedParameterError,
    )
    from llm_catalog.data.profiles import Profile
    from llm_catalog.data.records import Model, Provider
    from llm_catalog.load.loader import check_catalog, default_catalog, load_catalog
    from llm_catalog.query.catalog import Catalog
    from llm_catalog.query.predicates import QueryError
    from llm_catalog.query.pricing import cost_of, estimate_cost
    from llm_catalog.query.results import Exclusion, Match, Selection

__all__ = [
    "Attempt",
    "AuthenticationError",
    "BadRequestError",
    "BudgetExceededError",
    "CallError",
    "CallableModel",
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
    "RouterStoppedError",
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
    "Attempt": "llm_catalog.calls.attempts",
    "AuthenticationError": "llm_catalog.data.errors",
    "BadRequestError": "llm_catalog.data.errors",
    "BudgetExceededError": "llm_catalog.data.errors",
    "CallError": "llm_catalog.data.errors",
    "CallableModel": "llm_catalog.calls.models",
    "Catalog": "llm_catalog.query.catalog",
    "CatalogError": "llm_catalog.data.errors",
    "CatalogPathError": "llm_catalog.data.errors",
    "Completion": "llm_catalog.calls.driver.answers",
    "CompletionStream": "llm_catalog.calls.driver.streaming",
    "ContentPolicyError": "llm_catalog.data.errors",
    "ContextWindowError": "llm_catalog.data.errors",
    "Embeddings": "llm_catalog.calls.driver.answers",
    "Exclusion": "llm_catalog.query.results",
    "InsecureAPIBaseError": "llm_catalog.data.errors",
    "LLMCatalogError": "llm_catalog.data.errors",
    "Location": "llm_catalog.data.errors",
    "MalformedResponseError": "llm_catalog.data.errors",
    "Match": "llm_catalog.query.results",
    "MissingKeyError": "llm_catalog.data.errors",
    "Model": "llm_catalog.data.records",
    "OutputLimitError": "llm_catalog.data.errors",
    "Problem": "llm_catalog.data.errors",
    "Profile": "llm_catalog.data.profiles",
    "Provider": "llm_catalog.data.records",
    "ProviderError": "llm_catalog.data.errors",
    "ProviderTimeoutError": "llm_catalog.data.errors",
    "ProviderUnavailableError": "llm_catalog.data.errors",
    "QueryError": "llm_catalog.query.predicates",
    "RateLimitError": "llm_catalog.data.errors",
    "RouteError": "llm_catalog.data.errors",
    "Routed": "llm_catalog.calls.attempts",
    "Router": "llm_catalog.calls.router",
    "RouterStoppedError": "llm_catalog.data.errors",
    "Selection": "llm_catalog.query.results",
    "StateError": "llm_catalog.data.errors",
    "ToolCall": "llm_catalog.calls.driver.answers",
    "UnknownModelError": "llm_catalog.data.errors",
    "UnknownProfileError": "llm_catalog.data.errors",
    "UnsupportedParameterError": "llm_catalog.data.errors",
    "Usage": "llm_catalog.calls.driver.answers",
    "check_catalog": "llm_catalog.load.loader",
    "cost_of": "llm_catalog.query.pricing",
    "default_catalog": "llm_catalog.load.loader",
    "estimate_cost": "llm_catalog.query.pricing",
    "get_model": "llm_catalog.calls.lookup",
    "load_catalog": "llm_catalog.load.loader",
    "select": "llm_catalog.calls.lookup",
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
