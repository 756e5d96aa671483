"""Catalog records drafted from litellm's price map, for a reviewer to check.

``llm-catalog import --from litellm --provider mistral`` writes one catalog
file's worth of YAML for a provider's models, in the catalog's own style: the
``$schema`` line first, flow mappings for short records, keys in the records'
order, and provenance naming the litellm release and today's date.

Curated values are never overwritten: when the output file exists, it is kept
byte for byte and only the models it lacks are appended; where an existing
model differs from the source, the difference is reported for review.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import json
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llm_catalog.data import clock, records
from llm_catalog.data.errors import LLMCatalogError
from llm_catalog.tools.drift import (
    Difference,
    compare_model,
    find_source_model,
    reviewed_differences,
)
from llm_catalog.tools.sources import SourceData, SourceModel, SourcePrices, provider_route

if TYPE_CHECKING:
    from llm_catalog.query.catalog import Catalog

__all__ = ["CatalogImportError", "ImportResult", "import_models", "render_model", "render_value"]

_MODEL_ID = re.compile(records.MODEL_ID_PATTERN)
# A string YAML reads back as the same string when written bare, in block and in flow context.
_PLAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._/@+()-]*$")
_NOT_PLAIN = re.compile(
    r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF"
    r"|null|Null|NULL|[-+]?[0-9][0-9_.:eE+-]*)$"
)
_PRICE_ORDER = (
    "input",
    "output",
    "cached_input",
    "cache_write",
    "cache_write_1h",
    "reasoning_output",
)
# Flow mappings for records short enough to read on one line, as in catalog/*.yaml.
_FLOW = frozenset({"limits", "modalities", "capabilities", "batch"})
_NO_OUTPUT = frozenset({"embedding", "rerank", "moderation"})
_TOP_LEVEL_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\s*:")


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


# Rendering -----------------------------------------------------------------


def render_value(value: Any, *, quote: bool = False) -> str:
    """One scalar or flow collection as the catalog files write it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {render_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(render_value(v, quote=quote) for v in value) + "]"
    text = str(value)
    if not quote and _PLAIN.match(text) and not _NOT_PLAIN.match(text):
        return text
    # JSON's double-quoted strings are YAML double-quoted strings.
    return json.dumps(text, ensure_ascii=False)


def _block(key: str, value: Any, indent: str) -> Iterator[str]:
    if isinstance(value, Mapping) and key not in _FLOW:
        yield f"{indent}{key}:"
        for child, inner in value.items():
            yield from _block(child, inner, indent + "  ")
    elif key in ("sources", "knowledge_cutoff"):
        # As the catalog files write them: sources always quoted, and a cutoff
        # quoted so that YAML never reads it as a date.
        yield f"{indent}{key}: {render_value(value, quote=True)}"
    else:
        yield f"{indent}{key}: {render_value(value)}"


def render_model(data: Mapping[str, Any]) -> str:
    """One model record as a ``models:`` list item, ending with a newline."""
    lines: list[str] = []
    for key, value in data.items():
        lines.extend(_block(key, value, "    "))
    lines[0] = "  - " + lines[0][4:]
    return "\n".join(lines) + "\n"


# Building records ----------------------------------------------------------


def _prices(prices: SourcePrices, names: Sequence[str] = _PRICE_ORDER) -> dict[str, Decimal]:
    return {name: getattr(prices, name) for name in names if getattr(prices, name) is not None}


def _record(
    model: SourceModel,
    litellm_provider: str,
    label: str,
    today: dt.date,
    known: set[str],
) -> dict[str, Any]:
    """A model record's data, in the key order of :class:`~llm_catalog.data.records.Model`."""
    data: dict[str, Any] = {"id": model.id, "name": model.name or model.id}
    if model.litellm_model and model.litellm_model != f"{litellm_provider}/{model.id}":
        data["litellm_model"] = model.litellm_model
    if model.mode and model.mode != "chat":
        data["mode"] = model.mode
    notes = [f"Drafted by llm-catalog import from {label}; review before committing."]
    if model.deprecation_date is not None:
        data["status"] = "retired" if model.deprecation_date <= today else "deprecated"
        data["retirement_date"] = model.deprecation_date
        notes.append("retirement_date is litellm's deprecation_date, the shutdown date.")
        successor = f"{model.provider}/{model.successor}" if model.successor else None
        if successor in known:
            data["successor"] = successor
    assert model.context_window is not None
    limits: dict[str, Any] = {"context_window": model.context_window}
    output = model.max_output_tokens
    writes = model.mode not in _NO_OUTPUT
    if output is not None and writes:
        if output <= model.context_window:
            limits["max_output_tokens"] = output
        else:
            notes.append(
                f"max_output_tokens left out: litellm gives {output:,}, more than the "
                f"window of {model.context_window:,}."
            )
    data["limits"] = limits
    modalities = {"input": list(model.input_modalities or ("text",))}
    modalities["output"] = list(model.output_modalities or ("text",))
    if modalities != {"input": ["text"], "output": ["text"]}:
        data["modalities"] = modalities
    capabilities = {
        name: True
        for name in records.Capabilities.model_fields
        if model.capabilities.get(name) is True
    }
    if capabilities:
        data["capabilities"] = capabilities
    if model.mode == "chat":
        notes.append("litellm does not say whether the model streams or has a JSON mode.")
    # Embedding and rerank models write no tokens; litellm prices their output at 0.
    names = [n for n in _PRICE_ORDER if writes or n != "output"]
    pricing: dict[str, Any] = _prices(model.pricing, names)
    free = [name for name, price in pricing.items() if price == 0]
    if free:
        # litellm writes 0 where it has no price; a catalog price of 0 would say free.
        pricing = {name: price for name, price in pricing.items() if price != 0}
        notes.append(
            f"litellm gives 0 for {', '.join(free)}; left out, since an absent price "
            "means unknown: write 0 only if the model is free."
        )
    tiers = [
        {"above_input_tokens": tier.above_input_tokens, **_prices(tier.prices, names)}
        for tier in model.tiers
        if _prices(tier.prices, names)
    ]
    if tiers:
        pricing["tiers"] = tiers
    batch = _prices(model.batch, names)
    if batch:
        pricing["batch"] = batch
    if pricing:
        pricing["source"] = label
        data["pricing"] = pricing
    data["provenance"] = {"sources": [label], "checked": today, "notes": " ".join(notes)}
    return data


def _why_not(model: SourceModel) -> str | None:
    if not _MODEL_ID.match(model.id) or len(model.id) > 200:
        return f"{model.id!r} is not a valid catalog id"
    if model.mode is None:
        return f"litellm mode {model.source_mode!r} has no catalog mode"
    if model.context_window is None:
        return "litellm gives no context window (max_input_tokens)"
    return None


def _validate(data: Mapping[str, Any], provider: str) -> str | None:
    from pydantic import ValidationError

    try:
        records.Model.model_validate(
            {**data, "id": f"{provider}/{data['id']}", "provider": provider}
        )
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        return f"the drafted record is not valid: {where}: {first['msg']}"
    return None


# Files ---------------------------------------------------------------------


def _schema_line(output: Path | None) -> str:
    from llm_catalog.data.schema import SCHEMA_FILENAME
    from llm_catalog.load.loader import shipped_catalog_dir

    target = shipped_catalog_dir().parent / "schemas" / SCHEMA_FILENAME
    if output is None or not target.exists():
        relative = f"../schemas/{SCHEMA_FILENAME}"
    else:
        relative = os.path.relpath(target, output.resolve().parent).replace(os.sep, "/")
    return f"# yaml-language-server: $schema={relative}\n"


def _header(
    provider: str, label: str, today: dt.date, output: Path | None, catalog: Catalog | None
) -> str:
    route = provider_route(provider)
    assert route is not None
    lines = [
        _schema_line(output),
        f"# {route.name} models, drafted by llm-catalog import on {today.isoformat()} from\n",
        f"# {label}: review every record before\n",
        "# committing. Prices are US dollars per million tokens; limits are tokens.\n",
        "\n",
    ]
    if catalog is not None and provider in catalog.providers:
        lines.append(f"provider_ref: {provider}\n")
    else:
        keys = render_value(list(route.api_key_env))
        lines += [
            "provider:\n",
            f"  id: {route.id}\n",
            f"  name: {render_value(route.name)}\n",
            f"  litellm_provider: {route.litellm_route}\n",
            f"  api_key_env: {keys}\n",
            "  provenance:\n",
            f"    sources: {render_value([label], quote=True)}\n",
            f"    checked: {today.isoformat()}\n",
        ]
    return "".join(lines)


@dataclass
class _Existing:
    text: str
    provider: str | None
    litellm_provider: str | None
    models: Sequence[Mapping[str, Any]]
    skips: Sequence[Any] = ()


def _read_existing(path: Path) -> _Existing:
    from llm_catalog.data.yamlsource import YamlProblem, parse_document

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CatalogImportError(f"cannot read {str(path)!r}: {error}") from None
    parsed = parse_document(text)
    if isinstance(parsed, YamlProblem):
        raise CatalogImportError(
            f"{path}:{parsed.line + 1}:{parsed.column + 1}: {parsed.message}: fix the file first"
        )
    value = parsed.value if parsed.value is not None else {}
    if not isinstance(value, dict):
        raise CatalogImportError(
            f"{path}: not a catalog file (expected a mapping at the top level)"
        )
    provider = value.get("provider")
    provider_id = provider.get("id") if isinstance(provider, dict) else value.get("provider_ref")
    litellm_provider = provider.get("litellm_provider") if isinstance(provider, dict) else None
    models = [m for m in value.get("models") or () if isinstance(m, dict)]
    skips = provider.get("skipped_source_models") or () if isinstance(provider, dict) else ()
    return _Existing(text, provider_id, litellm_provider, models, skips)


def _append(text: str, blocks: Sequence[str], where: Path) -> str:
    """``text`` with the model blocks added at the end of its ``models:`` list."""
    if not blocks:
        return text
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    body = "\n".join(blocks)
    start = next((i for i, line in enumerate(lines) if re.match(r"^models\s*:", line)), None)
    if start is None:
        return "".join(_trim(lines)) + "\nmodels:\n" + body
    if lines[start].split(":", 1)[1].split("#", 1)[0].strip():
        raise CatalogImportError(
            f"{where}:{start + 1}: 'models:' is written in flow style; write it as a block "
            "list to append to it"
        )
    end = next(
        (i for i in range(start + 1, len(lines)) if _TOP_LEVEL_KEY.match(lines[i])), len(lines)
    )
    if end < len(lines):
        # Comments and blank lines just above the next key belong to that key.
        while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].startswith("#")):
            end -= 1
    before, after = _trim(lines[:end]), lines[end:]
    while after and not after[0].strip():
        after = after[1:]
    spacer = "\n" if len(before) > start + 1 else ""
    return "".join(before) + spacer + body + ("\n" if after else "") + "".join(after)


def _trim(lines: list[str]) -> list[str]:
    """``lines`` without trailing blank lines."""
    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    return lines[:end]


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
        from llm_catalog.tools.sources import PROVIDERS

        raise CatalogImportError(
            f"unknown provider {provider!r}: use one of {', '.join(r.id for r in PROVIDERS)}"
        )
    today = today or clock.today()
    existing = _read_existing(output) if output is not None and output.exists() else None
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
        why = _why_not(model)
        if why is not None:
            result.skipped.append((model.source_id, why))
        else:
            importable.append(model)
    known = set(catalog.models) if catalog is not None else set()
    known |= {f"{provider}/{local}" for local in present}  # successors may name these
    known |= {f"{provider}/{m.id}" for m in importable}
    for model in importable:
        record = _record(model, litellm_provider, data.label, today, known)
        why = _validate(record, provider)
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
        result.text = _append(existing.text, blocks, output)
    else:
        head = _header(provider, data.label, today, output, catalog)
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


def _skips(existing: _Existing | None, provider_record: Any, source: str) -> list[tuple[str, str]]:
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
    existing: _Existing | None, provider: str, litellm_provider: str, data: SourceData
) -> list[Difference]:
    """How the file's existing models differ from the source, for review."""
    from pydantic import ValidationError

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
