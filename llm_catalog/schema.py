"""The JSON Schema of catalog files, generated from :mod:`llm_catalog.records`.

The records are the one source of truth; ``schemas/catalog.schema.json`` is
this module's output, checked in so that editors and other tools
(``check-jsonschema``) can use it without this package. Regenerate it with
``python -m llm_catalog.schema``; a test fails when the checked-in copy is stale.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

from llm_catalog import records

__all__ = ["SCHEMA_FILENAME", "SCHEMA_ID", "catalog_schema", "render_schema"]

SCHEMA_FILENAME = "catalog.schema.json"
SCHEMA_ID = "https://llm-catalog.dev/schemas/catalog.schema.json"
DATE_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"

JSON = dict[str, Any]


def _normalise(node: Any) -> Any:
    """Turn pydantic's output into the plain schema a YAML author should see.

    Optional fields are written by leaving them out, so ``null`` is not offered;
    prices are plain numbers (pydantic also admits numeric strings for Decimal);
    titles repeat the property names and are dropped.
    """
    if isinstance(node, list):
        return [_normalise(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _normalise(value) for key, value in node.items() if key != "title"}
    if node.get("default", ...) is None:
        del node["default"]
    branches = node.get("anyOf")
    if branches is not None:
        branches = [b for b in branches if b != {"type": "null"}]
        if len(branches) == 2 and {b.get("type") for b in branches} == {"number", "string"}:
            branches = [b for b in branches if b.get("type") == "number"]
        if len(branches) == 1:
            del node["anyOf"]
            inner = dict(branches[0])
            inner.update(node)
            node = inner
        else:
            node["anyOf"] = branches
    for bound in ("minimum", "maximum"):
        value = node.get(bound)
        if isinstance(value, float) and value.is_integer():
            node[bound] = int(value)
    if "patternProperties" in node:
        node.setdefault("additionalProperties", False)
    if node.get("format") == "date":
        node["pattern"] = DATE_PATTERN
    return node


def _patch_defs(defs: JSON, root: str) -> JSON:
    """Copies of ``root`` and every definition it reaches, with nothing required.

    An override names a record by ``id`` and patches only the fields it lists,
    at any depth of mappings, so every field of the copy is optional; lists are
    replaced whole, so list items stay complete records.
    """
    patched: JSON = {}

    def visit(name: str) -> str:
        if "properties" not in defs[name]:
            return name
        patch_name = f"{name}Patch"
        if patch_name in patched:
            return patch_name
        patched[patch_name] = {}
        body = copy.deepcopy(defs[name])
        body.pop("required", None)
        patched[patch_name] = rewrite(body)
        return patch_name

    def rewrite(node: Any) -> Any:
        if isinstance(node, list):
            return [rewrite(item) for item in node]
        if not isinstance(node, dict):
            return node
        out = {}
        for key, value in node.items():
            if key == "items":
                # A list in an override replaces the whole list, so its items are
                # complete records, not patches.
                out[key] = value
            elif key == "$ref" and isinstance(value, str) and value.startswith("#/$defs/"):
                target = value.removeprefix("#/$defs/")
                out[key] = f"#/$defs/{visit(target) if target in defs else target}"
            else:
                out[key] = rewrite(value)
        return out

    visit(root)
    return patched


def catalog_schema() -> JSON:
    """The JSON Schema (draft 2020-12) of one catalog file."""
    defs: JSON = {}
    for record in (records.Provider, records.Model):
        generated = _normalise(record.model_json_schema(ref_template="#/$defs/{model}"))
        defs.update(generated.pop("$defs", {}))
        defs[record.__name__] = generated

    model_patch = _patch_defs(defs, "Model")
    provider_patch = _patch_defs(defs, "Provider")
    model_patch["ModelPatch"]["description"] = (
        "An override: the full id of an existing model and the fields to change. "
        "Mappings merge key by key; lists and values replace."
    )
    model_patch["ModelPatch"]["properties"]["id"] = {
        "type": "string",
        "pattern": records.FULL_ID_PATTERN,
        "maxLength": 300,
        "description": "Full id ('<provider>/<model>') of the model to change.",
    }
    model_patch["ModelPatch"]["required"] = ["id"]
    provider_patch["ProviderPatch"]["description"] = (
        "An override: the id of an existing provider and the fields to change."
    )
    provider_patch["ProviderPatch"]["required"] = ["id"]
    defs.update(model_patch)
    defs.update(provider_patch)

    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "llm-catalog catalog file",
        "description": (
            "One catalog file: a provider and its models, or a user's additions and "
            "overrides to the shipped catalog. Prices are in US dollars per million "
            "tokens; limits are counts of tokens."
        ),
        "type": "object",
        "additionalProperties": False,
        "minProperties": 1,
        "properties": {
            "provider": {
                "$ref": "#/$defs/Provider",
                "description": "The provider this file defines; its models follow under 'models'.",
            },
            "provider_ref": {
                "type": "string",
                "pattern": records.ID_PATTERN,
                "maxLength": 64,
                "description": (
                    "The id of a provider defined in another file, when this file adds "
                    "models to it (for example a private deployment of 'openai')."
                ),
            },
            "models": {
                "type": "array",
                "items": {"$ref": "#/$defs/Model"},
                "description": "Models of this file's provider.",
            },
            "overrides": {
                "type": "array",
                "items": {"$ref": "#/$defs/ModelPatch"},
                "description": "Changes to models defined in other files.",
            },
            "provider_overrides": {
                "type": "array",
                "items": {"$ref": "#/$defs/ProviderPatch"},
                "description": "Changes to providers defined in other files.",
            },
        },
        "$defs": dict(sorted(defs.items())),
    }


def render_schema() -> str:
    """The catalog schema as the text checked in under ``schemas/``."""
    return json.dumps(catalog_schema(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the schema into the directory given (default: the repository's ``schemas/``)."""
    args = sys.argv[1:] if argv is None else argv
    target = Path(args[0]) if args else Path(__file__).resolve().parent.parent / "schemas"
    path = target / SCHEMA_FILENAME
    path.write_text(render_schema(), encoding="utf-8")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
