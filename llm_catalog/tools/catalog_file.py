"""The catalog file an import writes: a new file's header, or an existing file appended to.

An existing file is kept byte for byte: the drafted model blocks are added at
the end of its ``models:`` list, before any key that follows it.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llm_catalog.data.schema import SCHEMA_FILENAME
from llm_catalog.data.yamlsource import YamlProblem, parse_document
from llm_catalog.load.loader import shipped_catalog_dir
from llm_catalog.tools.import_result import CatalogImportError
from llm_catalog.tools.routes import provider_route
from llm_catalog.tools.yaml_writer import render_value

if TYPE_CHECKING:
    from llm_catalog.query.catalog import Catalog

__all__ = ["CatalogFile", "append_models", "file_header", "read_catalog_file"]

_TOP_LEVEL_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\s*:")


def _schema_line(output: Path | None) -> str:
    target = shipped_catalog_dir().parent / "schemas" / SCHEMA_FILENAME
    if output is None or not target.exists():
        relative = f"../schemas/{SCHEMA_FILENAME}"
    else:
        relative = os.path.relpath(target, output.resolve().parent).replace(os.sep, "/")
    return f"# yaml-language-server: $schema={relative}\n"


def file_header(
    provider: str, label: str, today: dt.date, output: Path | None, catalog: Catalog | None
) -> str:
    """The top of a new catalog file for ``provider``: the ``$schema`` line, a comment
    saying where the drafts came from, and the provider record (or a reference to
    the catalog's own)."""
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
class CatalogFile:
    """An existing catalog file: its text, and what the importer needs of its records."""

    text: str
    provider: str | None
    litellm_provider: str | None
    models: Sequence[Mapping[str, Any]]
    skips: Sequence[Any] = ()


def read_catalog_file(path: Path) -> CatalogFile:
    """The catalog file at ``path``; :class:`CatalogImportError` when it cannot be one."""
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
    return CatalogFile(text, provider_id, litellm_provider, models, skips)


def append_models(text: str, blocks: Sequence[str], where: Path) -> str:
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
