"""The JSON Schema of catalog files, generated from :mod:`llm_catalog.data.records` and
:mod:`llm_catalog.data.profiles`.

The records are the one source of truth; ``schemas/catalog.schema.json`` is
this module's output, checked in so that editors and other tools
(``check-jsonschema``) can use it without this package. Regenerate it with
``python -m llm_catalog.data.schema``; a test fails when the checked-in copy is stale.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

from llm_catalog.data import profiles, record_base, records

__all__ = ["SCHEMA_FILENAME", "SCHEMA_ID", "catalog_schema", "query_schema", "render_schema"]

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
    for bound in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
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


_STRINGS = {"type": ["string", "array"], "items": {"type": "string"}}
_DATE = {"type": "string", "format": "date", "pattern": DATE_PATTERN}
# The keywords of select() a profile can write, with their JSON types. The values
# themselves (an order, a status, a bound) are judged by select(), whose message
# becomes the problem's. where (a callable), messages and prompt (a real request)
# cannot be written in a file.
_QUERY_KEYWORDS: dict[str, JSON] = {
    "vision": {"type": "boolean", "description": "true requires image input; false excludes it."},
    "mode": {
        "type": ["string", "null"],
        "description": "The kind of endpoint (chat, completion, embedding, ...); chat unless "
        "given, null for any.",
    },
    "status": {
        **_STRINGS,
        "description": "Statuses allowed (active, preview, deprecated, retired); active and "
        "preview unless given.",
    },
    "provider": {**_STRINGS, "description": "Provider ids: only their models match."},
    "exclude_provider": {**_STRINGS, "description": "Provider ids whose models never match."},
    "input_modalities": {
        **_STRINGS,
        "description": "Modalities the model must all read (text, image, audio, video, pdf).",
    },
    "output_modalities": {
        **_STRINGS,
        "description": "Modalities the model must all write (text, image, audio, video, pdf).",
    },
    "min_context": {"type": "integer", "description": "Smallest context window, in tokens."},
    "min_output": {"type": "integer", "description": "Smallest output limit, in tokens."},
    "released_after": {
        **_DATE,
        "description": "Released after this date (YYYY-MM-DD); models of unknown release "
        "date never match.",
    },
    "supports": {**_STRINGS, "description": "Request parameters the model must accept."},
    "max_input_price": {
        "type": "number",
        "description": "Highest input price, in US dollars per million tokens.",
    },
    "max_output_price": {
        "type": "number",
        "description": "Highest output price, in US dollars per million tokens.",
    },
    "max_cost": {
        "type": "number",
        "description": "Highest estimated cost of one request, in US dollars; a model without "
        "a price never matches (unknown is not free).",
    },
    "input_tokens": {
        "type": "integer",
        "description": "Input tokens of the request max_cost and the cost order assume "
        "(1,000 unless given); models whose input limit is smaller never match.",
    },
    "output_tokens": {
        "type": "integer",
        "description": "Output tokens of the request max_cost and the cost order assume "
        "(1,000 unless given).",
    },
    "cached_input_tokens": {
        "type": "integer",
        "description": "Of the input tokens, those read from the prompt cache.",
    },
    "batch": {"type": "boolean", "description": "Cost requests at batch prices."},
    "at": {**_DATE, "description": "Cost requests at the prices in force on this date."},
    "service_tier": {
        "type": "string",
        "pattern": record_base.NAME_PATTERN,
        "description": "Cost requests at this service tier's prices (flex, priority, ...); "
        "a model without them is unpriced.",
    },
    "region": {
        "type": "string",
        "pattern": record_base.NAME_PATTERN,
        "description": "Only models sold in this region or area (eu holds eu-west-1), costed "
        "at their prices there.",
    },
    "search_context": {
        "type": "string",
        "enum": ["low", "medium", "high"],
        "description": "The search context size each request asks for, costed at the "
        "model's per-unit charges for it (Perplexity's request fee).",
    },
    "web_searches": {
        "type": "integer",
        "minimum": 0,
        "description": "Web search calls each request makes, costed at the model's per-search "
        "price; a model without one is unpriced.",
    },
    "order_by": {
        "type": "string",
        "description": "The chain's order: cost (cheapest first, the default), context or "
        "output (largest first), release_date (newest first) or id.",
    },
    "limit": {
        "type": "integer",
        "description": "At most this many matches (the profile's top also bounds the chain).",
    },
}


def query_schema() -> JSON:
    """The schema of a profile's ``select``: the keywords of select() a file can hold."""
    properties: JSON = {
        name: {
            "type": "boolean",
            "description": f"{field.description} true requires it; false excludes it.",
        }
        for name, field in records.Capabilities.model_fields.items()
    }
    properties.update(copy.deepcopy(_QUERY_KEYWORDS))
    return {
        "type": "object",
        "additionalProperties": False,
        "description": "A query: keywords of select(), named like the record fields, as "
        "'llm-catalog select' takes them.",
        "properties": properties,
    }


def catalog_schema() -> JSON:
    """The JSON Schema (draft 2020-12) of one catalog file."""
    defs: JSON = {}
    for record in (records.Provider, records.Model, profiles.Profile):
        generated = _normalise(record.model_json_schema(ref_template="#/$defs/{model}"))
        defs.update(generated.pop("$defs", {}))
        defs[record.__name__] = generated
    defs["ProfileQuery"] = query_schema()
    defs["Profile"]["properties"]["select"] = {
        "$ref": "#/$defs/ProfileQuery",
        "description": defs["Profile"]["properties"]["select"]["description"],
    }

    model_patch = _patch_defs(defs, "Model")
    provider_patch = _patch_defs(defs, "Provider")
    # Profiles are never patched: a name is defined once, so a profile is changed in its file.
    model_patch["ModelPatch"]["description"] = (
        "An override: the full id of an existing model and the fields to change. "
        "Mappings merge key by key; lists and values replace."
    )
    model_patch["ModelPatch"]["properties"]["id"] = {
        "type": "string",
        "pattern": record_base.FULL_ID_PATTERN,
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
    variant = copy.deepcopy(defs["Model"])
    variant["description"] = (
        "A model that shares everything but what it gives with another model of the "
        "same provider (a regional copy with its own id, region and prices). Each "
        "top-level field it gives replaces that model's whole field."
    )
    variant["properties"] = {
        "id": variant["properties"]["id"],
        "extends": {
            "type": "string",
            "pattern": record_base.MODEL_ID_PATTERN,
            "maxLength": 200,
            "description": "The id, in this provider, of the model whose fields this one takes.",
        },
        **{k: v for k, v in variant["properties"].items() if k != "id"},
    }
    variant["required"] = ["id", "extends"]
    defs["ModelVariant"] = variant

    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "llm-catalog catalog file",
        "description": (
            "One catalog file: a provider and its models, a user's additions and "
            "overrides to the shipped catalog, or router profiles. Prices are in US "
            "dollars per million tokens; limits are counts of tokens."
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
                "pattern": record_base.ID_PATTERN,
                "maxLength": 64,
                "description": (
                    "The id of a provider defined in another file, when this file adds "
                    "models to it (for example a private deployment of 'openai')."
                ),
            },
            "models": {
                "type": "array",
                "items": {
                    "if": {"type": "object", "required": ["extends"]},
                    "then": {"$ref": "#/$defs/ModelVariant"},
                    "else": {"$ref": "#/$defs/Model"},
                },
                "description": "Models of this file's provider: each a whole record, or "
                "one that extends another and gives what differs.",
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
            "profiles": {
                "type": "object",
                "minProperties": 1,
                "propertyNames": {"pattern": profiles.PROFILE_NAME_PATTERN, "maxLength": 64},
                "additionalProperties": {"$ref": "#/$defs/Profile"},
                "description": (
                    "Router profiles by name: each a chain of models ('models') or a query "
                    "('select'), with retries, rate limits, a budget and a cache. A name is "
                    "defined once in the whole catalog."
                ),
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
    target = Path(args[0]) if args else Path(__file__).resolve().parents[2] / "schemas"
    path = target / SCHEMA_FILENAME
    path.write_text(render_schema(), encoding="utf-8")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
