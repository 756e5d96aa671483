"""What a drift run found, as objects, as JSON and as the text report.

:class:`DriftReport` holds every :class:`Difference`, every model missing on
one side (:class:`MissingHere`, :class:`MissingThere`) and every recorded
review that matched nothing (:class:`StaleEntry`); each says whether a
reviewer has explained it. :func:`iter_report_lines` writes the unexplained
ones location first.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from llm_catalog.tools.comparison import MODEL_FIELD, Value

if TYPE_CHECKING:
    from llm_catalog.query.catalog import Catalog

__all__ = [
    "Difference",
    "DriftReport",
    "MissingHere",
    "MissingThere",
    "StaleEntry",
    "iter_report_lines",
    "json_value",
    "pointer_of",
    "show",
]


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
