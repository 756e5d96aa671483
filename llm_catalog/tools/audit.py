"""How far the catalog's facts are checked, provider by provider: ``llm-catalog audit``.

For each provider, of its active and preview models: how many are at each trust
level (:mod:`llm_catalog.query.trust`), how many were last checked more than 30
days ago, how many carry reviewed exceptions to the consistency rules, and how
many rest on a single aggregator without a note saying why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from llm_catalog.data.vocabulary import Status, TrustLevel
from llm_catalog.query.trust import trust_level

if TYPE_CHECKING:
    from llm_catalog.query.catalog import Catalog

__all__ = ["STALE_AFTER", "Audit", "ProviderAudit", "audit"]

STALE_AFTER = dt.timedelta(days=30)
"""A check older than this is reported as stale."""
_LIVE = (Status.active, Status.preview)


@dataclass
class ProviderAudit:
    """One provider's live models (or the whole catalog's), by how far they are checked."""

    provider: str
    models: int = 0
    levels: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TrustLevel, 0))
    stale_checks: int = 0
    exceptions: int = 0
    single_without_note: list[str] = field(default_factory=list)

    def share(self, level: TrustLevel) -> float:
        """The share of the models at ``level``, from 0 to 1 (0 without models)."""
        return self.levels[level] / self.models if self.models else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "models": self.models,
            "levels": {str(level): count for level, count in self.levels.items()},
            "share": {str(level): round(self.share(level), 4) for level in TrustLevel},
            "stale_checks": self.stale_checks,
            "exceptions": self.exceptions,
            "single_without_note": self.single_without_note,
        }


@dataclass
class Audit:
    """The audit of a catalog on a day: each provider's, and the whole catalog's."""

    as_of: dt.date
    providers: list[ProviderAudit]
    overall: ProviderAudit

    def to_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "stale_after_days": STALE_AFTER.days,
            "providers": [entry.to_json() for entry in self.providers],
            "overall": self.overall.to_json(),
        }


def audit(catalog: Catalog, today: dt.date, providers: Iterable[str] | None = None) -> Audit:
    """How far the live models of ``providers`` (every provider when None) are checked."""
    wanted = set(providers) if providers is not None else set(catalog.providers)
    entries = {name: ProviderAudit(name) for name in sorted(wanted)}
    overall = ProviderAudit("all")
    for model in catalog:
        entry = entries.get(model.provider)
        if entry is None or model.status not in _LIVE:
            continue
        level = trust_level(model, catalog.providers[model.provider])
        provenance = model.provenance
        for tally in (entry, overall):
            tally.models += 1
            tally.levels[level] += 1
            tally.stale_checks += provenance.checked < today - STALE_AFTER
            tally.exceptions += len(provenance.exceptions)
            if level is TrustLevel.single and not provenance.notes:
                tally.single_without_note.append(model.id)
    return Audit(today, list(entries.values()), overall)
