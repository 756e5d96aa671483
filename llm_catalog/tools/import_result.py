"""What an import drafted and found, and the error it raises when it cannot proceed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from llm_catalog.data.errors import LLMCatalogError
from llm_catalog.tools.drift_report import Difference

__all__ = ["CatalogImportError", "ImportResult"]


class CatalogImportError(LLMCatalogError):
    """The import cannot proceed: an unknown provider, or an output file that is not a catalog file."""


@dataclass
class ImportResult:
    """What an import wrote, kept, left out, and found different."""

    provider: str
    source: str  # the source's label
    text: str  # the whole file as written
    added: list[str] = field(default_factory=list)  # full ids
    kept: list[str] = field(default_factory=list)  # full ids already in the file
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (source key, why)
    differences: list[Difference] = field(default_factory=list)
    matched: int = 0  # source models of the provider that passed the pattern

    def to_json(self) -> dict[str, Any]:
        """The stable JSON summary ``llm-catalog import --json`` prints."""
        return {
            "status": "ok" if self.matched else "no_match",
            "provider": self.provider,
            "source": self.source,
            "added": self.added,
            "kept": self.kept,
            "skipped": [{"source_id": key, "reason": why} for key, why in self.skipped],
            "differences": [d.to_json() for d in self.differences],
        }
