"""What makes a catalog file valid: schema messages and rules across fields.

Schema errors from :mod:`jsonschema` are turned into one short message per
place, written for the person editing the YAML. Rules that JSON Schema cannot
say (dates in order, tiers in order, limits that fit) are checked on built
records and reported with the pointer of the field at fault.
"""

from __future__ import annotations

import difflib
import functools
import ipaddress
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from llm_catalog.data import profiles, records
from llm_catalog.data.errors import looks_like_key, redact
from llm_catalog.data.profiles import Failure, Profile
from llm_catalog.data.records import Model, Provider
from llm_catalog.data.yamlsource import escape_pointer

if TYPE_CHECKING:
    from llm_catalog.query.catalog import Catalog

__all__ = [
    "CALL_OPTIONS",
    "RESERVED_PARAMS",
    "is_loopback",
    "iter_key_shaped",
    "iter_model_problems",
    "iter_profile_problems",
    "iter_provider_problems",
    "iter_schema_problems",
    "unknown_id_message",
]

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
    records.ID_PATTERN: "write a lowercase id of letters, digits and . : @ + -",
    records.LITELLM_PROVIDER_PATTERN: "write litellm's provider prefix, such as openai or vertex_ai",
    records.MODEL_ID_PATTERN: "write a lowercase id of letters, digits and . _ : @ + - /",
    records.FULL_ID_PATTERN: "write a full model id, '<provider>/<model>'",
    records.ENV_VAR_PATTERN: (
        "write the name of an environment variable in capitals, such as OPENAI_API_KEY"
    ),
    records.MONTH_OR_DATE_PATTERN: "write YYYY-MM or YYYY-MM-DD",
    records.PARAM_PATTERN: "write a request parameter name in lowercase snake_case",
    records.HTTPS_URL_PATTERN: _URL_HINT,
    records.URL_PATTERN: "write a URL starting with https:// (or http:// for a loopback address)",
    records.HEADER_PATTERN: "write an HTTP header name of letters, digits and -",
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
    import jsonschema

    from llm_catalog.data.schema import catalog_schema

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


def iter_key_shaped(document: Any, pointer: str = "") -> Iterator[tuple[str, bool]]:
    """Every string in ``document`` shaped like an API key: ``(pointer, is a mapping key)``."""
    if isinstance(document, dict):
        for key, value in document.items():
            child = f"{pointer}/{escape_pointer(key)}"
            if looks_like_key(key):
                yield child, True
            yield from iter_key_shaped(value, child)
    elif isinstance(document, list):
        for index, value in enumerate(document):
            yield from iter_key_shaped(value, f"{pointer}/{index}")
    elif isinstance(document, str) and looks_like_key(document):
        yield pointer, False


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def is_loopback(host: str) -> bool:
    """True for localhost names and loopback addresses, where plain HTTP is allowed."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def iter_provider_problems(provider: Provider) -> Iterator[tuple[str, str]]:
    """Rules a provider record must follow, as ``(pointer within the record, message)``."""
    if provider.api_base and not provider.allow_insecure_api_base:
        parts = urlsplit(provider.api_base)
        if parts.scheme != "https" and not is_loopback(parts.hostname or ""):
            yield (
                "/api_base",
                (
                    f"{provider.api_base!r} is not HTTPS and not a loopback address: use https://, "
                    "or set allow_insecure_api_base: true if this network is trusted"
                ),
            )


def iter_model_problems(model: Model, known_ids: frozenset[str]) -> Iterator[tuple[str, str]]:
    """Rules a model record must follow, as ``(pointer within the record, message)``."""
    released, deprecated, retired = (
        model.release_date,
        model.deprecation_date,
        model.retirement_date,
    )
    if released and retired and retired < released:
        yield "/retirement_date", f"retirement_date {retired} is before release_date {released}"
    if released and deprecated and deprecated < released:
        yield (
            "/deprecation_date",
            f"deprecation_date {deprecated} is before release_date {released}",
        )
    elif deprecated and retired and retired < deprecated:
        yield (
            "/retirement_date",
            f"retirement_date {retired} is before deprecation_date {deprecated}",
        )

    limits = model.limits
    if limits.max_output_tokens and limits.max_output_tokens > limits.context_window:
        yield (
            "/limits/max_output_tokens",
            (
                f"max_output_tokens {limits.max_output_tokens} exceeds context_window "
                f"{limits.context_window}"
            ),
        )
    if limits.max_input_tokens and limits.max_input_tokens > limits.context_window:
        yield (
            "/limits/max_input_tokens",
            (
                f"max_input_tokens {limits.max_input_tokens} exceeds context_window "
                f"{limits.context_window}"
            ),
        )

    if model.successor is not None:
        if model.successor == model.id:
            yield "/successor", "a model cannot be its own successor"
        elif model.successor not in known_ids:
            yield "/successor", unknown_id_message(model.successor, known_ids)

    pricing = model.pricing
    if pricing is None:
        return
    tier_sets = [("/pricing/tiers", pricing.tiers)]
    tier_sets += [(f"/pricing/history/{i}/tiers", h.tiers) for i, h in enumerate(pricing.history)]
    for where, tiers in tier_sets:
        for index in range(1, len(tiers)):
            before, after = tiers[index - 1].above_input_tokens, tiers[index].above_input_tokens
            if after <= before:
                yield (
                    f"{where}/{index}/above_input_tokens",
                    (f"tiers must be in increasing order of threshold: {after} follows {before}"),
                )
    for index in range(1, len(pricing.history)):
        before_day, day = (
            pricing.history[index - 1].effective_from,
            pricing.history[index].effective_from,
        )
        if day <= before_day:
            yield (
                f"/pricing/history/{index}/effective_from",
                (f"history must be oldest first: {day} follows {before_day}"),
            )
    if pricing.history and pricing.effective_from:
        last = pricing.history[-1].effective_from
        if pricing.effective_from <= last:
            yield (
                "/pricing/effective_from",
                (
                    f"current prices start {pricing.effective_from}, not after the latest history "
                    f"entry ({last}); move the newer prices to the top"
                ),
            )


def unknown_id_message(wanted: str, known: frozenset[str] | set[str], kind: str = "model") -> str:
    """The message for a reference to an id no file defines, with a close match if any."""
    hint = difflib.get_close_matches(wanted, sorted(known), n=1)
    advice = f"did you mean {hint[0]!r}?" if hint else f"check the id, or define that {kind}"
    return f"no {kind} {wanted!r} in the catalog; {advice}"


# Request parameters the router itself sets on every call, with what to write instead.
RESERVED_PARAMS = {
    "model": "the chain chooses the model: list models under 'models' or query them with 'select'",
    "messages": "the caller passes the messages with each call",
    "input": "the caller passes the input with each call",
    "api_key": "keys come from the provider's api_key_env variables, never from catalog files",
    "num_retries": "set the profile's 'retries' instead",
    "max_retries": "set the profile's 'retries' instead",
    "stream": "choose streaming when calling, not in the profile",
    "timeout": "set the profile's 'timeout_seconds' instead",
    "drop_unsupported": "set the profile's 'drop_unsupported' instead",
}
# Per-call options of the driver that belong in the provider record, by the field to set there.
CALL_OPTIONS = {
    "api_base": "api_base",
    "api_key_env": "api_key_env",
    "extra_headers": "headers",
    "allow_insecure": "allow_insecure_api_base",
}


def iter_profile_problems(
    profile: Profile,
    catalog: Catalog,
    *,
    defined_models: frozenset[str] = frozenset(),
    defined_providers: frozenset[str] = frozenset(),
    require_matches: bool = True,
) -> Iterator[tuple[str, bool, str]]:
    """Rules a profile must follow beyond the schema, as ``(pointer, at_key, message)``.

    The pointer is inside the profile; ``at_key`` is true when the problem is a
    mapping key. Model names resolve in ``catalog``; ``defined_models`` and
    ``defined_providers`` are ids and aliases written in files whose records are
    invalid, which are reported on their own and so not again here. With
    ``require_matches``, a ``select`` that matches no model is a problem (pass
    False while other problems may have left models out of ``catalog``).
    """
    from llm_catalog.query.selection import QueryError

    if profile.models is None and profile.select is None:
        yield (
            "",
            True,
            "a profile needs 'models' (a list of model ids) or 'select' (a query): give one",
        )
    elif profile.models is not None and profile.select is not None:
        yield "/select", True, "give either 'models' or 'select', not both: remove one"
    elif profile.models is not None and "top" in profile.model_fields_set:
        yield (
            "/top",
            True,
            "'top' counts the matches of 'select'; with 'models' the whole list is the chain: "
            "remove 'top'",
        )

    known = frozenset(catalog.models) | frozenset(catalog.aliases) | defined_models
    first: dict[str, tuple[int, str]] = {}
    for index, name in enumerate(profile.models or ()):
        if name not in catalog and name not in defined_models:
            yield f"/models/{index}", False, unknown_id_message(name, known)
            continue
        full = catalog.aliases.get(name, name)
        if full not in first:
            first[full] = (index, name)
            continue
        at, written = first[full]
        same = f"{name!r} is already" if written == name else f"{name!r} is {full!r}, already"
        yield (
            f"/models/{index}",
            False,
            f"{same} in the chain (/models/{at}); a model appears once in a chain: remove one",
        )

    if profile.select is not None and profile.models is None:
        try:
            selection = catalog.select(**profile.select)
        except (QueryError, TypeError, ValueError) as error:
            yield "/select", True, str(error)
        else:
            if require_matches and not selection:
                yield "/select", True, "the query matches no model in this catalog; loosen it"

    limits = profile.rate_limits
    for model_id in limits.models:
        where = f"/rate_limits/models/{escape_pointer(model_id)}"
        if model_id in catalog.aliases:
            yield (
                where,
                True,
                f"{model_id!r} is an alias: write the full id {catalog.aliases[model_id]!r}",
            )
        elif model_id not in catalog.models and model_id not in defined_models:
            ids = frozenset(catalog.models) | defined_models
            yield where, True, unknown_id_message(model_id, ids)
    for provider_id in limits.providers:
        if provider_id not in catalog.providers and provider_id not in defined_providers:
            yield (
                f"/rate_limits/providers/{escape_pointer(provider_id)}",
                True,
                unknown_id_message(
                    provider_id, frozenset(catalog.providers) | defined_providers, "provider"
                ),
            )

    for name in profile.params:
        where = f"/params/{escape_pointer(name)}"
        if name in RESERVED_PARAMS:
            yield where, True, f"{name!r} cannot be a profile parameter: {RESERVED_PARAMS[name]}"
        elif name in CALL_OPTIONS:
            yield (
                where,
                True,
                f"{name!r} is a call option, not a request parameter: set "
                f"{CALL_OPTIONS[name]!r} on the provider record (with provider_overrides "
                "for a shipped provider)",
            )

    for index, failure in enumerate(profile.retry_on):
        if failure is Failure.BAD_REQUEST:
            yield (
                f"/retry_on/{index}",
                False,
                "a bad request is never retried: remove bad_request from retry_on",
            )

    budget = profile.budget
    if budget is not None:
        day, month = budget.per_day_usd, budget.per_month_usd
        if day is None and month is None:
            yield (
                "/budget",
                False,
                "a budget needs per_day_usd, per_month_usd or both: give a ceiling, or leave "
                "'budget' out",
            )
        elif day is not None and month is not None and day > month:
            yield (
                "/budget/per_day_usd",
                False,
                f"per_day_usd {day} exceeds per_month_usd {month}: a day cannot spend more "
                "than its month; lower per_day_usd or raise per_month_usd",
            )

    backoff = profile.backoff
    if backoff.max_seconds < backoff.initial_seconds:
        shown = f"{backoff.max_seconds:g}" + (
            "" if "max_seconds" in backoff.model_fields_set else " (the default)"
        )
        yield (
            "/backoff/max_seconds",
            False,
            f"max_seconds {shown} is less than initial_seconds {backoff.initial_seconds:g}: "
            "the longest wait cannot be shorter than the first; raise max_seconds or lower "
            "initial_seconds",
        )
