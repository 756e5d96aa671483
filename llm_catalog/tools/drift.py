"""Where the catalog and a public source disagree, and which disagreements were reviewed.

``llm-catalog drift --against litellm`` compares every catalog model the
source knows, field by field: prices (input, output, cached input, cache
write, batch input and output, long-context tiers), limits (context window,
maximum output), the capabilities the source states (function calling,
vision, reasoning, prompt caching, structured output), status and the
shutdown date. It also lists the source's models of our providers that the
catalog lacks, and the catalog's models the source lacks.

A reviewer who keeps our value records the difference in the model's
``provenance.differences`` with the source's value and the reason; a source
model left out on purpose is matched by a pattern in the provider's
``skipped_source_models``. A difference is explained only while the source,
the field and the source's value all match what was recorded, so a new
upstream value is reported again. Recorded entries that no longer match
anything are reported as stale, without failing the run.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any

from llm_catalog.tools.sources import SourceData, SourceModel, provider_route

if TYPE_CHECKING:
    from llm_catalog.data.records import Model, Provider
    from llm_catalog.query.catalog import Catalog

__all__ = [
    "Difference",
    "DriftReport",
    "MissingHere",
    "MissingThere",
    "StaleEntry",
    "check_drift",
    "cites",
    "compare_model",
    "find_source_model",
    "reviewed_differences",
]

Value = bool | int | Decimal | str | None
# Prices compared, in the order reported; batch and tier prices follow.
_PRICES = ("input", "output", "cached_input", "cache_write")
_BATCH_PRICES = ("input", "output")
_CAPABILITIES = ("function_calling", "vision", "reasoning", "prompt_caching", "structured_output")
# A source that calls a model deprecated agrees with a catalog that says it is
# deprecated or already retired.
_STATUS_AGREES = {"deprecated": ("deprecated", "retired"), "preview": ("preview",)}
# Embedding and rerank models write no tokens: the sources' output prices (0)
# and output limits (models.dev gives the vector size) do not apply to them.
_NO_OUTPUT = frozenset({"embedding", "rerank", "moderation"})
_OUTPUT_FIELDS = frozenset({"pricing.output", "pricing.batch.output", "limits.max_output_tokens"})
MODEL_FIELD = "model"  # the field of a reviewed difference for a model the source lacks


def canonical(value: Any) -> Value:
    """A value as compared and recorded: fractions as normalised Decimals, dates as text.

    An int and a Decimal of the same value are equal and hash alike, so a
    recorded ``theirs: 10`` matches a price of ``Decimal('1E+1')``.
    """
    if isinstance(value, Enum):
        return str(value.value)
    if value is None or isinstance(value, bool | str | int):
        return value
    if isinstance(value, Decimal):
        return value.normalize()
    if isinstance(value, float):
        return Decimal(str(value)).normalize()
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"cannot compare a {type(value).__name__}")


def json_value(value: Value) -> Any:
    """A compared value in JSON: money and other fractions as decimal strings."""
    if isinstance(value, Decimal):
        return f"{value:f}"
    return value


def show(value: Value) -> str:
    """A compared value in a message, as a reviewer would write it in YAML."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return f"{value:f}"
    return str(value)


@dataclass(frozen=True, slots=True)
class Difference:
    """One field where the catalog and the source disagree."""

    model: str  # full id
    source: str
    field: str  # dotted path, as recorded in provenance.differences
    ours: Value
    theirs: Value
    reason: str | None = None  # the reviewer's reason, when explained

    @property
    def explained(self) -> bool:
        """True when a reviewed difference with this source, field and value is recorded."""
        return self.reason is not None

    def to_json(self) -> dict[str, Any]:
        """The stable JSON shape of one difference."""
        return {
            "model": self.model,
            "field": self.field,
            "ours": json_value(self.ours),
            "theirs": json_value(self.theirs),
            "explained": self.explained,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class MissingHere:
    """A source model of one of our providers that the catalog lacks."""

    provider: str
    id: str  # the id a catalog record would have
    source_id: str  # the source's own key
    mode: str | None
    reason: str | None = None  # why it is skipped, when a skip pattern matches

    @property
    def explained(self) -> bool:
        """True when the provider's skipped_source_models covers it."""
        return self.reason is not None

    def to_json(self) -> dict[str, Any]:
        """The stable JSON shape of one source model the catalog lacks."""
        return {
            "id": f"{self.provider}/{self.id}",
            "source_id": self.source_id,
            "mode": self.mode,
            "skipped": self.explained,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class MissingThere:
    """A catalog model the source does not list.

    It needs review only when the record cites the source (its provenance or
    price source names it): then the source has dropped a model it once had.
    A record that never came from the source is expected to be missing there.
    """

    model: str
    cites_source: bool
    reason: str | None = None  # the recorded reason (field 'model', theirs null)

    @property
    def explained(self) -> bool:
        """True when the record does not cite the source, or says why the source lacks it."""
        return self.reason is not None or not self.cites_source

    def to_json(self) -> dict[str, Any]:
        """The stable JSON shape of one catalog model the source lacks."""
        return {
            "model": self.model,
            "cites_source": self.cites_source,
            "explained": self.explained,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class StaleEntry:
    """A recorded review that matched nothing in this run: the source changed or caught up."""

    record: str  # full model id, or provider id for a skip pattern
    kind: str  # 'difference' or 'skipped_source_models'
    field: str  # the recorded field, or the skip pattern
    theirs: Value
    reason: str

    def to_json(self) -> dict[str, Any]:
        """The stable JSON shape of one stale entry."""
        return {
            "record": self.record,
            "kind": self.kind,
            "field": self.field,
            "theirs": json_value(self.theirs),
            "reason": self.reason,
        }


@dataclass
class DriftReport:
    """Everything one drift run found."""

    source: str
    version: str
    providers: tuple[str, ...]
    models: int = 0  # catalog models of the providers checked
    compared: int = 0  # of those, the models the source lists
    differences: list[Difference] = field(default_factory=list)
    missing_here: list[MissingHere] = field(default_factory=list)
    missing_there: list[MissingThere] = field(default_factory=list)
    stale: list[StaleEntry] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def unexplained(self) -> int:
        """Differences and missing models nobody has reviewed."""
        return (
            sum(not d.explained for d in self.differences)
            + sum(not m.explained for m in self.missing_here)
            + sum(not m.explained for m in self.missing_there)
        )

    @property
    def clean(self) -> bool:
        """True when every difference and missing model is explained."""
        return self.unexplained == 0

    def counts(self) -> dict[str, int]:
        """The figures of the run."""
        explained = sum(d.explained for d in self.differences)
        return {
            "models": self.models,
            "compared": self.compared,
            "differences": len(self.differences),
            "explained": explained,
            "unexplained_differences": len(self.differences) - explained,
            "missing_here": len(self.missing_here),
            "missing_here_skipped": sum(m.explained for m in self.missing_here),
            "missing_there": len(self.missing_there),
            "missing_there_cited": sum(m.cites_source for m in self.missing_there),
            "missing_there_explained": sum(
                m.cites_source and m.explained for m in self.missing_there
            ),
            "unexplained": self.unexplained,
            "stale": len(self.stale),
        }

    def to_json(self) -> dict[str, Any]:
        """The stable JSON object ``llm-catalog drift --json`` prints."""
        return {
            "status": "clean" if self.clean else "drift",
            "source": self.source,
            "source_version": self.version,
            "providers": list(self.providers),
            "counts": self.counts(),
            "differences": [d.to_json() for d in self.differences],
            "missing_here": [m.to_json() for m in self.missing_here],
            "missing_there": [m.to_json() for m in self.missing_there],
            "stale": [s.to_json() for s in self.stale],
        }

    def summary(self) -> str:
        """One line: what was compared and what is left to review."""
        counts = self.counts()
        return (
            f"drift against {self.source} {self.version}: {self.compared} of {self.models} "
            f"models compared; {counts['differences']} differences "
            f"({counts['explained']} explained); {counts['missing_here']} source models not "
            f"in the catalog ({counts['missing_here_skipped']} skipped); "
            f"{counts['missing_there']} catalog models not in the source "
            f"({counts['missing_there_cited']} citing it, "
            f"{counts['missing_there_explained']} of those explained); "
            f"{self.unexplained} unexplained; {counts['stale']} stale "
            f"({self.elapsed:.2f} s)"
        )


def _prices_of(prices: Any, name: str) -> Any:
    return getattr(prices, name, None) if prices is not None else None


def _iter_fields(model: Model, theirs: SourceModel) -> Iterator[tuple[str, Any, Any]]:
    """``(field, ours, theirs)`` for every field the source states."""
    pricing = model.pricing
    for name in _PRICES:
        yield f"pricing.{name}", _prices_of(pricing, name), getattr(theirs.pricing, name)
    batch = pricing.batch if pricing is not None else None
    for name in _BATCH_PRICES:
        yield f"pricing.batch.{name}", _prices_of(batch, name), getattr(theirs.batch, name)
    our_tiers = {t.above_input_tokens: t for t in pricing.tiers} if pricing is not None else {}
    for tier in theirs.tiers:
        mine = our_tiers.get(tier.above_input_tokens)
        for name in _PRICES:
            yield (
                f"pricing.tiers.{tier.above_input_tokens}.{name}",
                _prices_of(mine, name),
                getattr(tier.prices, name),
            )
    limits = model.limits
    if theirs.source == "litellm" and limits.max_input_tokens is not None:
        # litellm's max_input_tokens is the window for nearly every model, but the
        # input limit where a provider states one apart (OpenAI's GPT-5 family).
        yield "limits.max_input_tokens", limits.max_input_tokens, theirs.max_input_tokens
    else:
        yield "limits.context_window", limits.context_window, theirs.context_window
    yield "limits.max_output_tokens", model.limits.max_output_tokens, theirs.max_output_tokens
    for name in _CAPABILITIES:
        ours = model.vision if name == "vision" else getattr(model.capabilities, name)
        path = "vision" if name == "vision" else f"capabilities.{name}"
        yield path, ours, theirs.capabilities.get(name)
    yield "status", model.status.value, theirs.status
    yield "retirement_date", model.retirement_date, theirs.deprecation_date


def compare_model(model: Model, theirs: SourceModel) -> list[tuple[str, Value, Value]]:
    """Every field where ``model`` differs from what the source states, as
    ``(field, ours, theirs)``; fields the source leaves out are not compared."""
    found = []
    writes = model.mode.value not in _NO_OUTPUT
    for path, ours, stated in _iter_fields(model, theirs):
        if stated is None or (not writes and path in _OUTPUT_FIELDS):
            continue
        if path == "status":
            if ours not in _STATUS_AGREES.get(stated, (stated,)):
                found.append((path, canonical(ours), canonical(stated)))
            continue
        mine, their = canonical(ours), canonical(stated)
        if mine != their:
            found.append((path, mine, their))
    return found


def _local(full_id: str) -> str:
    return full_id.split("/", 1)[1]


def find_source_model(
    model: Model,
    provider: Provider,
    data: SourceData,
    owned: Collection[tuple[str, str]] = (),
) -> SourceModel | None:
    """The source's record of a catalog model: by its id (the source's name for it,
    lowercased, without the provider prefix) or an alias, else by its litellm model string.

    ``owned`` holds ``(provider, id)`` of every catalog model and alias: a source
    model found through ``litellm_model`` that another record owns by id is not
    this model's (an Azure record's ``litellm_model`` names a deployment of the
    model, while the record is priced as a Data Zone or Global deployment).
    """
    local = _local(model.id)
    found = data.by_key.get((provider.id, local))
    for alias in model.aliases:  # the source may know the model by another of its names
        if found is None and alias.startswith(f"{provider.id}/"):
            found = data.by_key.get((provider.id, _local(alias).lower()))
    if found is not None or not model.litellm_model:
        return found
    if data.name == "litellm":
        found = data.by_litellm_model.get(model.litellm_model.lower())
    route = provider_route(provider.id)
    head, _, rest = model.litellm_model.partition("/")
    heads = (
        provider.litellm_provider,
        *((route.litellm_route, *route.id_prefixes) if route else ()),
    )
    if found is None and rest and route is not None and head in heads:
        found = data.by_key.get((provider.id, route.id_prefixes.get(head, "") + rest.lower()))
    if found is None or found.provider != provider.id or (found.provider, found.id) in owned:
        return None
    return found


def cites(model: Model, source: str) -> bool:
    """True when the record names the source among its provenance or price sources."""
    named = list(model.provenance.sources)
    if model.pricing is not None and model.pricing.source:
        named.append(model.pricing.source)
    if source == "litellm":
        return any(text.lower().startswith("litellm ") for text in named)
    return any(source in text.lower() for text in named)


def reviewed_differences(model: Model, source: str) -> dict[tuple[str, Value], str]:
    """The model's recorded differences from ``source``: reason by ``(field, theirs)``."""
    return {
        (d.field, canonical(d.theirs)): d.reason
        for d in model.provenance.differences
        if d.source.value == source
    }


def check_drift(
    catalog: Catalog,
    data: SourceData,
    *,
    providers: Iterable[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> DriftReport:
    """Compare the catalog's models of ``providers`` (default: every provider the
    source covers) with one source release."""
    start = time.perf_counter()
    wanted = set(providers) if providers is not None else None
    checked = tuple(
        pid
        for pid in catalog.providers
        if provider_route(pid) is not None and (wanted is None or pid in wanted)
    )
    report = DriftReport(data.name, data.version, checked)
    scope = set(checked)
    models = [m for m in catalog if m.provider in scope]
    report.models = len(models)
    covered: set[tuple[str, str]] = set()
    owned = {(m.provider, _local(name).lower()) for m in models for name in (m.id, *m.aliases)}
    for done, model in enumerate(models, 1):
        provider = catalog.providers[model.provider]
        reviewed = reviewed_differences(model, data.name)
        used: set[tuple[str, Value]] = set()
        for alias in model.aliases:
            if alias.startswith(f"{model.provider}/"):
                covered.add((model.provider, _local(alias).lower()))
        theirs = find_source_model(model, provider, data, owned)
        if theirs is None:
            key = (MODEL_FIELD, None)
            reason = reviewed.get(key)
            if reason is not None:
                used.add(key)
            report.missing_there.append(MissingThere(model.id, cites(model, data.name), reason))
        else:
            report.compared += 1
            covered.add((theirs.provider, theirs.id))
            for path, ours, their in compare_model(model, theirs):
                reason = reviewed.get((path, their))
                if reason is not None:
                    used.add((path, their))
                report.differences.append(
                    Difference(model.id, data.name, path, ours, their, reason)
                )
        for (path, their), reason in reviewed.items():
            if (path, their) not in used:
                report.stale.append(StaleEntry(model.id, "difference", path, their, reason))
        if progress is not None:
            progress(done, len(models))

    for provider_id in checked:
        skips = [
            s
            for s in catalog.providers[provider_id].skipped_source_models
            if s.source.value == data.name
        ]
        matched = [False] * len(skips)
        for source_model in data.for_provider(provider_id):
            if (provider_id, source_model.id) in covered:
                continue
            reason = None
            for index, skip in enumerate(skips):
                if fnmatch.fnmatchcase(source_model.id, skip.pattern.lower()):
                    matched[index] = True
                    reason = skip.reason
                    break
            report.missing_here.append(
                MissingHere(
                    provider_id,
                    source_model.id,
                    source_model.source_id,
                    source_model.source_mode or source_model.mode,
                    reason,
                )
            )
        for skip, hit in zip(skips, matched, strict=True):
            if not hit:
                report.stale.append(
                    StaleEntry(
                        provider_id, "skipped_source_models", skip.pattern, None, skip.reason
                    )
                )
    report.elapsed = time.perf_counter() - start
    return report


_POINTERS = {
    "vision": "/modalities/input",
    "status": "/status",
    "retirement_date": "/retirement_date",
    MODEL_FIELD: "",
}


def pointer_of(path: str) -> str:
    """The JSON pointer inside a model record of a reported field."""
    if path in _POINTERS:
        return _POINTERS[path]
    parts = path.split(".")
    if parts[:2] == ["pricing", "tiers"]:
        return "/pricing/tiers"
    return "/" + "/".join(parts)


def iter_report_lines(report: DriftReport, catalog: Catalog, label: str) -> Iterator[str]:
    """The text report: every unexplained difference and missing model, location first;
    then the stale reviews."""
    for diff in report.differences:
        if diff.explained:
            continue
        where = catalog.locate(diff.model, pointer_of(diff.field))
        yield (
            f"{where}: {diff.model}: {diff.field}: ours {show(diff.ours)}, "
            f"{diff.source} {show(diff.theirs)}"
        )
    for there in report.missing_there:
        if not there.explained:
            yield f"{catalog.locate(there.model)}: {there.model}: not in {label}"
    for here in report.missing_here:
        if not here.explained:
            mode = f", {here.mode}" if here.mode else ""
            yield (
                f"{label}: {here.provider}/{here.id}: not in the catalog "
                f"(source key {here.source_id!r}{mode})"
            )
    for stale in report.stale:
        if stale.kind == "difference":
            where = catalog.locate(stale.record, "/provenance/differences")
            yield (
                f"{where}: {stale.record}: stale review: {report.source} {stale.field} "
                f"{show(stale.theirs)} no longer differs as recorded; update or remove it"
            )
        else:
            where = catalog.locate(stale.record, "/skipped_source_models")
            yield (
                f"{where}: {stale.record}: stale skip: pattern {stale.field!r} matches no "
                f"{report.source} model the catalog lacks; update or remove it"
            )
