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

This module runs a whole check (:func:`check_drift`) and is the home of drift's
public names: one model's comparison is in :mod:`~llm_catalog.tools.comparison`,
the report in :mod:`~llm_catalog.tools.drift_report`.
"""

from __future__ import annotations

import fnmatch
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from llm_catalog.tools.comparison import (
    MODEL_FIELD,
    Value,
    cites,
    compare_model,
    find_source_model,
    local_id,
    reviewed_differences,
)
from llm_catalog.tools.drift_report import (
    Difference,
    DriftReport,
    MissingHere,
    MissingThere,
    StaleEntry,
    iter_report_lines,
    show,
)
from llm_catalog.tools.routes import provider_route
from llm_catalog.tools.source_data import SourceData

if TYPE_CHECKING:
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
    "iter_report_lines",
    "reviewed_differences",
    "show",
]


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
    owned = {(m.provider, local_id(name).lower()) for m in models for name in (m.id, *m.aliases)}
    for done, model in enumerate(models, 1):
        provider = catalog.providers[model.provider]
        reviewed = reviewed_differences(model, data.name)
        used: set[tuple[str, Value]] = set()
        for alias in model.aliases:
            if alias.startswith(f"{model.provider}/"):
                covered.add((model.provider, local_id(alias).lower()))
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
