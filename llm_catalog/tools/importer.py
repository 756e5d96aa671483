"""Catalog records drafted from litellm's price map, for a reviewer to check.

``llm-catalog import --from litellm --provider mistral`` writes one catalog
file's worth of YAML for a provider's models, in the catalog's own style: the
``$schema`` line first, flow mappings for short records, keys in the records'
order, and provenance naming the litellm release and today's date.

Curated values are never overwritten: when the output file exists, it is kept
byte for byte and only the models it lacks are appended; where an existing
model differs from the source, the difference is reported for review.

This module drafts and merges (:func:`import_models`) and is the home of the
importer's public names: the drafting of one record is in
:mod:`~llm_catalog.tools.drafts`, the YAML writing in
:mod:`~llm_catalog.tools.yaml_writer` and :mod:`~llm_catalog.tools.catalog_file`.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from llm_catalog.data import clock, records
from llm_catalog.tools.catalog_file import (
    CatalogFile,
    append_models,
    file_header,
    read_catalog_file,
)
from llm_catalog.tools.comparison import compare_model, find_source_model, reviewed_differences
from llm_catalog.tools.drafts import draft_record, validate_draft, why_not_drafted
from llm_catalog.tools.drift_report import Difference
from llm_catalog.tools.import_result import CatalogImportError, ImportResult
from llm_catalog.tools.routes import PROVIDERS, provider_route
from llm_catalog.tools.source_data import SourceData, SourceModel
from llm_catalog.tools.yaml_writer import render_model, render_value

if TYPE_CHECKING:
    from llm_catalog.query.catalog import Catalog

__all__ = ["CatalogImportError", "ImportResult", "import_models", "render_model", "render_value"]


def import_models(
    data: SourceData,
    provider: str,
    *,
    pattern: str | None = None,
    output: Path | None = None,
    catalog: Catalog | None = None,
    today: dt.date | None = None,
) -> ImportResult:
    """Draft records for ``provider``'s models in ``data`` (those whose id matches
    the fnmatch ``pattern``), appended to ``output`` when it exists. ``today``, the
    date the drafts are stamped as checked, defaults to :func:`llm_catalog.data.clock.today`.

    Raises :class:`CatalogImportError` for a provider the sources table does not know
    or an output file that cannot be appended to.
    """
    route = provider_route(provider)
    if route is None:
        raise CatalogImportError(
            f"unknown provider {provider!r}: use one of {', '.join(r.id for r in PROVIDERS)}"
        )
    today = today or clock.today()
    existing = read_catalog_file(output) if output is not None and output.exists() else None
    if existing is not None and existing.provider not in (None, provider):
        raise CatalogImportError(
            f"{output} holds provider {existing.provider!r}, not {provider!r}: choose another --output"
        )
    provider_record = catalog.providers.get(provider) if catalog is not None else None
    litellm_provider = (
        (existing.litellm_provider if existing else None)
        or (provider_record.litellm_provider if provider_record else None)
        or route.litellm_route
    )
    result = ImportResult(provider, data.label, "")
    candidates = [
        m
        for m in data.for_provider(provider)
        if pattern is None or fnmatch.fnmatchcase(m.id, pattern.lower())
    ]
    result.matched = len(candidates)

    present = {str(raw.get("id", "")).lower() for raw in existing.models} if existing else set()
    present |= _in_catalog(catalog, provider, data)
    skips = _skips(existing, provider_record, data.name)
    blocks: list[str] = []
    importable: list[SourceModel] = []
    for model in candidates:
        if model.id in present:
            result.kept.append(f"{provider}/{model.id}")
            continue
        skip = next((r for p, r in skips if fnmatch.fnmatchcase(model.id, p.lower())), None)
        if skip is not None:
            result.skipped.append((model.source_id, f"in skipped_source_models: {skip}"))
            continue
        why = why_not_drafted(model)
        if why is not None:
            result.skipped.append((model.source_id, why))
        else:
            importable.append(model)
    known = set(catalog.models) if catalog is not None else set()
    known |= {f"{provider}/{local}" for local in present}  # successors may name these
    known |= {f"{provider}/{m.id}" for m in importable}
    for model in importable:
        record = draft_record(model, litellm_provider, data.label, today, known)
        why = validate_draft(record, provider)
        if why is not None:
            result.skipped.append((model.source_id, why))
            continue
        blocks.append(render_model(record))
        result.added.append(f"{provider}/{model.id}")

    result.differences = _differences(existing, provider, litellm_provider, data)
    if existing is not None and existing.provider is None and blocks:
        # A file of only overrides or profiles: appended models would have no provider.
        raise CatalogImportError(
            f"{output} names no provider for new models: add 'provider_ref: {provider}' "
            "at its top, or choose another --output"
        )
    if existing is not None:
        assert output is not None
        result.text = append_models(existing.text, blocks, output)
    else:
        head = file_header(provider, data.label, today, output, catalog)
        result.text = head + "\nmodels:\n" + "\n".join(blocks) if blocks else head
    return result


def _in_catalog(catalog: Catalog | None, provider: str, data: SourceData) -> set[str]:
    """Ids of the source's models that the catalog already holds for ``provider``, by
    id, alias or litellm model string, in any file."""
    if catalog is None or provider not in catalog.providers:
        return set()
    record = catalog.providers[provider]
    models = [m for m in catalog if m.provider == provider]
    held = {name.split("/", 1)[1].lower() for m in models for name in (m.id, *m.aliases)}
    owned = {(provider, local) for local in held}
    for model in models:
        found = find_source_model(model, record, data, owned)
        if found is not None:
            held.add(found.id)
    return held


def _skips(
    existing: CatalogFile | None, provider_record: Any, source: str
) -> list[tuple[str, str]]:
    """The provider's skipped_source_models for ``source``: ``(pattern, reason)``."""
    found: list[tuple[str, str]] = []
    if provider_record is not None:
        found += [
            (s.pattern, s.reason)
            for s in provider_record.skipped_source_models
            if s.source.value == source
        ]
    for raw in existing.skips if existing else ():
        if isinstance(raw, Mapping) and raw.get("source") == source and raw.get("pattern"):
            found.append((str(raw["pattern"]), str(raw.get("reason", ""))))
    return found


def _differences(
    existing: CatalogFile | None, provider: str, litellm_provider: str, data: SourceData
) -> list[Difference]:
    """How the file's existing models differ from the source, for review."""
    if existing is None:
        return []
    provider_record = records.Provider(
        id=provider, name=provider, litellm_provider=litellm_provider
    )
    found: list[Difference] = []
    owned = {(provider, str(raw.get("id", "")).lower()) for raw in existing.models}
    for raw in existing.models:
        try:
            model = records.Model.model_validate(
                {**raw, "id": f"{provider}/{raw.get('id')}", "provider": provider}
            )
        except ValidationError:
            continue  # llm-catalog validate reports it
        theirs = find_source_model(model, provider_record, data, owned)
        if theirs is None:
            continue
        reviewed = reviewed_differences(model, data.name)
        for path, ours, their in compare_model(model, theirs):
            found.append(
                Difference(model.id, data.name, path, ours, their, reviewed.get((path, their)))
            )
    return found
