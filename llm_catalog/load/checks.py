"""What makes a catalog file valid beyond its schema: rules across fields and records.

The schema's own messages are made in :mod:`llm_catalog.load.schema_check`
(re-exported here). Rules that JSON Schema cannot
say (dates in order, tiers in order, limits that fit) are checked on built
records and reported with the pointer of the field at fault.
"""

from __future__ import annotations

import difflib
import functools
import ipaddress
import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from llm_catalog.data.errors import looks_like_key
from llm_catalog.data.profiles import Failure, Profile
from llm_catalog.data.records import Model, Provider
from llm_catalog.data.yamlsource import escape_pointer
from llm_catalog.load.billing_checks import iter_billing_problems
from llm_catalog.load.schema_check import iter_schema_problems
from llm_catalog.query.selection import QueryError

if TYPE_CHECKING:
    from llm_catalog.query.catalog import Catalog

__all__ = [
    "CALL_OPTIONS",
    "HEADER_PARAMS",
    "RESERVED_PARAMS",
    "ROUTING_HEADERS",
    "ROUTING_PARAMS",
    "is_loopback",
    "iter_key_shaped",
    "iter_model_problems",
    "iter_profile_problems",
    "iter_provider_problems",
    "iter_schema_problems",
    "routing_header_problem",
    "routing_param_problem",
    "unknown_id_message",
]


# A URL that carries a user name or a password (https://user:pass@host, https://token@host).
_URL_USERINFO = re.compile(r"://[^\s/?#@'\"]+@")
# A run of 32 or more letters and digits: where a value is sent as written (header
# values) or names a variable (api_key_env), one with letters and digits both in it is
# a token. Elsewhere only a run of mixed case is (errors.looks_like_key), so that hex
# digests are not taken for keys.
_LONG_RUN = re.compile(r"[A-Za-z0-9]{32,}")
# Fields whose values reach the provider as written, or hold names where a key is
# often pasted by mistake, and keys that name a secret (api_key, token, password).
_STRICT_FIELDS = re.compile(
    r"headers|api_key_env|.*(api[_-]?key|token|secret|password|passwd|credentials?)s?",
    re.IGNORECASE,
)


@functools.lru_cache(maxsize=1024)
def _is_strict_field(key: str) -> bool:
    # Cached: the same few keys (id, name, pricing, ...) recur thousands of times.
    return _STRICT_FIELDS.fullmatch(key) is not None


def _looks_like_secret(text: str, *, strict: bool) -> bool:
    if looks_like_key(text) or ("@" in text and _URL_USERINFO.search(text)):
        return True
    return (
        strict
        and len(text) >= 32
        and any(not (run.isalpha() or run.isdigit()) for run in _LONG_RUN.findall(text))
    )


def iter_key_shaped(
    document: Any, pointer: str = "", *, strict: bool = False
) -> Iterator[tuple[str, bool]]:
    """Every string in ``document`` shaped like a credential: ``(pointer, is a mapping key)``.

    A credential is a provider key's shape, a URL with a user name or password in it
    (``https://user:pass@host``), or a random token without a prefix: 32 or more letters
    and digits in one run, of mixed case anywhere, of any case in header values,
    ``api_key_env`` and under keys that name a secret (``strict``).
    """
    if isinstance(document, dict):
        for key, value in document.items():
            child = f"{pointer}/{escape_pointer(key)}"
            if _looks_like_secret(key, strict=strict):
                yield child, True
            inner = strict or (isinstance(key, str) and _is_strict_field(key))
            yield from iter_key_shaped(value, child, strict=inner)
    elif isinstance(document, list):
        for index, value in enumerate(document):
            yield from iter_key_shaped(value, f"{pointer}/{index}", strict=strict)
    elif isinstance(document, str) and _looks_like_secret(document, strict=strict):
        yield pointer, False


# -- where requests go ---------------------------------------------------------------------
#
# The driver sends a request to one address, the API base, and checks it: HTTPS, or a
# loopback address, or allowed in so many words. Anything else that would choose the
# address is refused wherever it is written (a call's arguments, a profile's params, a
# record's params and headers), so that nothing goes round that check.

# litellm's keyword arguments that choose where a request, or the credentials sent with
# it, go, read in litellm 1.110.2: completion() and embedding() take base_url,
# model_list (deployments, each with its own api_base) and shared_session (an aiohttp
# session) by name, and read client (a client built for another base URL) and
# use_litellm_proxy (LITELLM_PROXY_API_BASE) from their **kwargs; the provider code
# they call reads the rest from the same **kwargs.
ROUTING_PARAMS = frozenset(
    {
        "base_url",  # completion(), embedding(): wins over api_base
        "model_list",
        "shared_session",
        "client",
        "use_litellm_proxy",
        "azure_endpoint",  # Azure OpenAI
        "aws_bedrock_runtime_endpoint",  # Bedrock
        "aws_bedrock_control_plane_endpoint",
        "aws_sts_endpoint",  # where AWS credentials are exchanged
        "s3_endpoint_url",
        "sagemaker_base_url",
        "custom_endpoint",  # OpenAI-like providers, Codestral
        "deployment_url",  # SAP
        "github_copilot_host",
        "gigachat_auth_url",  # where GigaChat credentials are exchanged
        "token_exchange_endpoint",  # OAuth token exchange
        "anthropic_issuer_url",  # Anthropic workload identity
        "anthropic_keycloak_token_url",
    }
)
# Names litellm may add later are known by what they say: ..._url, ..._uri, ..._endpoint,
# ..._host, ..._base (not base_model, a name for its price map).
_ROUTING_NAME = re.compile(
    r"(?:^|.*_)(?:urls?|uris?|endpoints?|host|hostname)(?:_.*|$)|(?:^|.*_)base(?:_url)?"
)
# litellm's keyword arguments that add HTTP headers past the checks on extra_headers.
HEADER_PARAMS = frozenset({"headers", "provider_specific_header"})
# Headers that tell a gateway or proxy where to send a request, or how it arrived.
ROUTING_HEADERS = frozenset(
    {
        "host",
        ":authority",
        "forwarded",
        "x-forwarded-host",
        "x-forwarded-server",
        "x-forwarded-proto",
        "x-forwarded-scheme",
        "x-forwarded-port",
        "x-forwarded-prefix",
        "x-host",
        "x-original-host",
        "x-http-host-override",
        "x-original-url",
        "x-rewrite-url",
    }
)
# Headers whose value is a URL that says who is calling, never where to (OpenRouter's
# app attribution is HTTP-Referer).
_CALLER_URL_HEADERS = frozenset({"referer", "http-referer", "origin"})
# Headers that carry a credential, which catalog files never hold.
_CREDENTIAL_HEADER = re.compile(
    r"authorization|proxy-authorization|cookie|.*(api-?key|token|secret|password|credential).*",
    re.IGNORECASE,
)


def routing_param_problem(name: str) -> str | None:
    """Why request parameter ``name`` may not be given, when it would choose where requests
    go or which headers they carry past the driver's checks; None when it would not."""
    if name in HEADER_PARAMS:
        return f"{name!r} would add HTTP headers past the checks on them"
    if name != "api_base" and (name in ROUTING_PARAMS or _ROUTING_NAME.fullmatch(name)):
        return (
            f"{name!r} would choose where requests go, past the check on api_base "
            "(HTTPS, or a loopback address)"
        )
    return None


def routing_header_problem(name: str, value: str) -> str | None:
    """Why header ``name`` may not be sent, when it would choose where requests go; else None."""
    lowered = name.lower()
    if lowered in ROUTING_HEADERS:
        return (
            f"header {name!r} would tell a gateway where to send requests, past the check on "
            "api_base"
        )
    if "://" in value and lowered not in _CALLER_URL_HEADERS:
        return (
            f"header {name!r} holds a URL, which a gateway may send requests to, past the "
            "check on api_base"
        )
    return None


def _iter_header_problems(headers: Mapping[str, str]) -> Iterator[tuple[str, str]]:
    for name, value in headers.items():
        where = f"/headers/{escape_pointer(name)}"
        routing = routing_header_problem(name, value)
        if routing is not None:
            yield (
                where,
                f"{routing}: set api_base to the address instead (HTTPS, or a loopback "
                "address), and leave the header out",
            )
        elif _CREDENTIAL_HEADER.fullmatch(name):
            yield (
                where,
                f"header {name!r} carries a credential, and catalog files hold none: name the "
                "key's variable in api_key_env (the driver sends the key in the provider's own "
                "header), or pass this header with each call (extra_headers=...)",
            )


def _iter_param_problems(params: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    for index, name in enumerate(params):
        problem = routing_param_problem(name)
        if problem is None:
            continue
        instead = (
            "set headers on the provider record"
            if name in HEADER_PARAMS
            else "set api_base on the provider record"
        )
        yield f"/params/{index}", f"{problem}: remove it from params, and {instead}"


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
    yield from _iter_header_problems(provider.headers)
    yield from _iter_param_problems(provider.params)


def iter_model_problems(model: Model, known_ids: frozenset[str]) -> Iterator[tuple[str, str]]:
    """Rules a model record must follow, as ``(pointer within the record, message)``."""
    yield from _iter_param_problems(model.params or ())
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
    yield from iter_billing_problems(pricing)
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
        elif (routing := routing_param_problem(name)) is not None:
            field = "headers" if name in HEADER_PARAMS else "api_base"
            yield (
                where,
                True,
                f"{routing}: set {field!r} on the provider record (with provider_overrides "
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
