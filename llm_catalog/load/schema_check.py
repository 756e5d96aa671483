"""Checking a catalog document against the JSON Schema, one readable message a place.

Schema errors from :mod:`jsonschema` are turned into one short message per
place, written for the person editing the YAML: the validator worth reading
first, the value quoted, and what to write instead.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from llm_catalog.data import profiles, record_base
from llm_catalog.data.errors import redact
from llm_catalog.data.schema import catalog_schema
from llm_catalog.data.yamlsource import escape_pointer

__all__ = ["iter_schema_problems"]

# When several validators fail at one place, the first in this order is the
# one worth reading: a wrong type makes the others moot.
_PRIORITY = {
    name: rank
    for rank, name in enumerate(
        ["type", "required", "additionalProperties", "enum", "format", "pattern", "const"]
    )
}
_MAX_SHOWN = 60
_URL_HINT = "write a URL starting with https://"
_PATTERN_HINTS = {
    record_base.ID_PATTERN: "write a lowercase id of letters, digits and . : @ + -",
    record_base.LITELLM_PROVIDER_PATTERN: "write litellm's provider prefix, such as openai or vertex_ai",
    record_base.MODEL_ID_PATTERN: "write a lowercase id of letters, digits and . _ : @ + - /",
    record_base.FULL_ID_PATTERN: "write a full model id, '<provider>/<model>'",
    record_base.ENV_VAR_PATTERN: (
        "write the name of an environment variable in capitals, such as OPENAI_API_KEY"
    ),
    record_base.MONTH_OR_DATE_PATTERN: "write YYYY-MM or YYYY-MM-DD",
    record_base.PARAM_PATTERN: "write a request parameter name in lowercase snake_case",
    record_base.HTTPS_URL_PATTERN: _URL_HINT,
    record_base.URL_PATTERN: "write a URL starting with https:// (or http:// for a loopback address)",
    record_base.HEADER_PATTERN: "write an HTTP header name of letters, digits and -",
    record_base.CLOCK_PATTERN: "write a UTC time of day as HH:MM, from 00:00 to 23:59",
    record_base.NAME_PATTERN: "write a name in lowercase letters, digits, _ and - (such as flex, off-peak or eu-west-1)",
    profiles.PROFILE_NAME_PATTERN: (
        "write a profile name in lowercase letters, digits and _ . - (such as budget_agent)"
    ),
}


def _show(value: Any) -> str:
    """A value as quoted in a message: short, and never a key."""
    if isinstance(value, (dict, list)):
        text = type(value).__name__
    elif isinstance(value, Decimal):
        text = str(value)
    else:
        text = repr(value)
    text = redact(text)
    if len(text) > _MAX_SHOWN:
        text = text[: _MAX_SHOWN - 4] + "...'"
    return text


_JSON_TYPE_NAMES = {
    dict: "mapping",
    list: "list",
    str: "string",
    bool: "boolean",
    int: "integer",
    type(None): "null",
}


def _type_name(value: Any) -> str:
    for kind, name in _JSON_TYPE_NAMES.items():
        if type(value) is kind:
            return name
    return "number"


@functools.cache
def _validator() -> Any:
    # lazy: jsonschema only when files are validated, not when the driver checks an API base
    import jsonschema

    cls = jsonschema.Draft202012Validator
    return cls(_strict_patterns(catalog_schema()), format_checker=cls.FORMAT_CHECKER)


def _strict_patterns(node: Any) -> Any:
    """The schema with each pattern's final ``$`` made ``\\Z``.

    JSON Schema patterns are ECMA 262, where ``$`` ends the string; jsonschema
    runs them with Python's ``re``, where ``$`` also matches before a final
    newline, so ``"acme\\n"`` would pass as an id.
    """
    if isinstance(node, list):
        return [_strict_patterns(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _strict_patterns(value) for key, value in node.items()}
    pattern = out.get("pattern")
    if isinstance(pattern, str) and pattern.endswith("$"):
        out["pattern"] = pattern[:-1] + "\\Z"
    return out


def _pointer(path: Any) -> str:
    return "".join(f"/{escape_pointer(str(part))}" for part in path)


def iter_schema_problems(document: Any) -> Iterator[tuple[str, bool, str]]:
    """Schema problems in one document as ``(pointer, at_key, message)``.

    ``at_key`` is true when the problem is best shown at the mapping key (an
    unknown key) rather than at its value. One problem per place.
    """
    seen: dict[tuple[str, str], tuple[int, str, bool, str]] = {}
    for error in _validator().iter_errors(document):
        pointer = _pointer(error.absolute_path)
        key_error = "propertyNames" in error.schema_path
        if key_error:
            # A mapping key failed its rule: the error is the key's, not the mapping's.
            pointer += f"/{escape_pointer(str(error.instance))}"
        for place, keyed, message in _messages(error, pointer):
            at_key = keyed or key_error
            rank = _PRIORITY.get(str(error.validator), len(_PRIORITY))
            # Several missing keys of one mapping are several problems.
            slot = (place, message if error.validator == "required" else "")
            if slot not in seen or rank < seen[slot][0]:
                seen[slot] = (rank, place, at_key, message)
    for _, place, at_key, message in seen.values():
        yield place, at_key, message


def _messages(error: Any, pointer: str) -> Iterator[tuple[str, bool, str]]:
    kind = error.validator
    value = error.instance
    if kind == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        patterns = list(error.schema.get("patternProperties", {}))
        for key in sorted(set(value) - set(allowed)):
            if any(re.search(pattern, key) for pattern in patterns):
                continue
            if patterns and not allowed:
                # A mapping keyed by names of one shape: say which shape.
                hint_text = _PATTERN_HINTS.get(patterns[0], f"it must match {patterns[0]}")
                yield (
                    f"{pointer}/{escape_pointer(key)}",
                    True,
                    f"{_show(key)} is not valid here: {hint_text}",
                )
                continue
            hint = difflib.get_close_matches(key, allowed, n=1)
            advice = f"did you mean {hint[0]!r}?" if hint else f"allowed keys: {', '.join(allowed)}"
            yield f"{pointer}/{escape_pointer(key)}", True, f"unknown key {_show(key)}; {advice}"
    elif kind == "required":
        missing = [name for name in error.validator_value if name not in value]
        for name in missing:
            description = error.schema["properties"].get(name, {}).get("description", "")
            yield (
                pointer,
                False,
                f"missing required key {name!r}"
                + (f" ({description.rstrip('.')})" if description else ""),
            )
    elif kind == "type":
        wanted = error.validator_value
        readable = {"object": "mapping", "array": "list"}
        expected = " or ".join(
            readable.get(str(name), str(name))
            for name in (wanted if isinstance(wanted, list) else [wanted])
        )
        shown = "" if isinstance(value, (dict, list)) else f" {_show(value)}"
        advice = ""
        if expected in ("number", "integer") and isinstance(value, str) and _numeric(value):
            advice = (
                "; write it as a plain number such as 1000 or 0.25 (YAML 1.1 reads 1e3 "
                "as text: an exponent needs a dot and a sign, as in 1.0e+3)"
                if "e" in value.lower()
                else "; write the number without quotes"
            )
        yield pointer, False, f"expected {expected}, got {_type_name(value)}{shown}{advice}"
    elif kind == "enum":
        choices = ", ".join(str(choice) for choice in error.validator_value)
        yield pointer, False, f"{_show(value)} is not one of: {choices}"
    elif kind in ("format", "pattern") and error.schema.get("format") == "date":
        yield pointer, False, f"{_show(value)} is not a valid date; write YYYY-MM-DD"
    elif kind == "pattern":
        written = str(error.validator_value).removesuffix("\\Z") + "$"
        pattern_hint = _PATTERN_HINTS.get(written, f"it must match {written}")
        yield pointer, False, f"{_show(value)} is not valid here: {pattern_hint}"
    elif kind == "minProperties" and not value and not pointer:
        yield (
            pointer,
            False,
            "the file holds an empty mapping: give a 'provider' and its 'models', or 'overrides'",
        )
    elif kind == "minProperties" and not value:
        yield pointer, False, "empty mapping; leave the key out or fill it in"
    elif kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        words = {
            "minimum": "less than the minimum of",
            "maximum": "more than the maximum of",
            "exclusiveMinimum": "not more than",
            "exclusiveMaximum": "not less than",
        }[kind]
        yield pointer, False, f"{_show(value)} is {words} {error.validator_value}"
    elif kind == "minItems" and not value:
        yield pointer, False, "empty list; leave the key out or list at least one item"
    else:
        yield pointer, False, redact(error.message)[:200]


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
