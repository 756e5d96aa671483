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
    from llm_catalog.errors import (
        CatalogError,
        CatalogPathError,
        LLMCatalogError,
        Location,
        Problem,
        UnknownModelError,
    )
    from llm_catalog.loader import check_catalog, default_catalog, load_catalog
    from llm_catalog.pricing import cost_of, estimate_cost
    from llm_catalog.query import Exclusion, Match, QueryError, Selection, select
    from llm_catalog.records import Model, Provider

__all__ = [
    "Catalog",
    "CatalogError",
    "CatalogPathError",
    "Exclusion",
    "LLMCatalogError",
    "Location",
    "Match",
    "Model",
    "Problem",
    "Provider",
    "QueryError",
    "Selection",
    "UnknownModelError",
    "__version__",
    "check_catalog",
    "cost_of",
    "default_catalog",
    "estimate_cost",
    "load_catalog",
    "select",
]

_EXPORTS = {
    "Catalog": "llm_catalog.catalog",
    "CatalogError": "llm_catalog.errors",
    "CatalogPathError": "llm_catalog.errors",
    "LLMCatalogError": "llm_catalog.errors",
    "Location": "llm_catalog.errors",
    "Model": "llm_catalog.records",
    "Problem": "llm_catalog.errors",
    "Provider": "llm_catalog.records",
    "UnknownModelError": "llm_catalog.errors",
    "Exclusion": "llm_catalog.query",
    "Match": "llm_catalog.query",
    "QueryError": "llm_catalog.query",
    "Selection": "llm_catalog.query",
    "check_catalog": "llm_catalog.loader",
    "cost_of": "llm_catalog.pricing",
    "default_catalog": "llm_catalog.loader",
    "estimate_cost": "llm_catalog.pricing",
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
