"""A call checked before any money is spent, and ready for litellm.

A call is checked before it is sent: its call options have values they can take
(``timeout`` a positive number of seconds, ...), the key variable is set, every
parameter is one the model accepts (or is dropped, with ``drop_unsupported=True``),
``max_tokens`` is within the output limit, the API base is HTTPS or loopback and
nothing else chooses where the call goes (``base_url``, a ``Host`` header, ...), and the
prompt, counted with the model's tokenizer, fits the context window. What passes is a
:data:`PreparedCall`: litellm's arguments, the key among them, never shown in a repr.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from llm_catalog.data import errors
from llm_catalog.load.checks import (
    HEADER_PARAMS,
    is_loopback,
    routing_header_problem,
    routing_param_problem,
)
from llm_catalog.query.tokens import count_tokens

if TYPE_CHECKING:
    from llm_catalog.data.records import Model, Provider

__all__ = ["CallOptions", "PreparedCall", "check_messages", "prepare", "provider_of"]

# A placeholder for providers that take no key (a local Ollama or vLLM):
# litellm's OpenAI client refuses to start without one.
_NO_KEY = "no-key-needed"
# Header values this long are hidden wherever they appear in what is shown; a shorter
# one is no credential, and hiding it would garble text that merely contains it.
_SECRET_LENGTH = 8


@dataclass(frozen=True, slots=True)
class CallOptions:
    """Per-call overrides of what the provider record says.

    ``api_key_env`` names variables, never a key; ``allow_insecure`` admits an
    API base over plain HTTP that is not a loopback address.
    """

    api_base: str | None = None
    api_key_env: tuple[str, ...] | None = None
    timeout: float | None = None
    extra_headers: Mapping[str, str] | None = None
    drop_unsupported: bool = False
    allow_insecure: bool = False


_OPTION_NAMES = frozenset(CallOptions.__dataclass_fields__)
# Parameters the driver itself sets, never taken from the caller.
_RESERVED = frozenset({"model", "messages", "api_key", "num_retries", "max_retries", "input"})


def _bad_option(model: Model, message: str) -> errors.BadRequestError:
    """A call option refused before the call: a bad request, which is never retried."""
    return errors.BadRequestError(model.id, message, provider_message="", status_code=None)


def _check_option(model: Model, name: str, value: Any) -> Any:
    """``value`` as call option ``name`` takes it, or a BadRequestError naming both."""
    if value is None:
        return None
    shown = f"{value!r:.60}"
    if name == "timeout":
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if not number or not math.isfinite(value) or value <= 0:
            raise _bad_option(
                model, f"timeout must be a positive number of seconds, such as 30, got {shown}"
            )
        return value
    if name in ("drop_unsupported", "allow_insecure"):
        if not isinstance(value, bool):
            raise _bad_option(model, f"{name} must be True or False, got {shown}")
        return value
    if name == "api_base":
        if not isinstance(value, str):
            raise _bad_option(
                model, f"api_base must be a URL such as 'https://api.example.com/v1', got {shown}"
            )
        return value
    if name == "api_key_env":
        names = (value,) if isinstance(value, str) else value
        if not isinstance(names, list | tuple) or not all(isinstance(n, str) for n in names):
            raise _bad_option(
                model,
                "api_key_env must name environment variables, such as 'OPENAI_API_KEY' or "
                f"['OPENAI_API_KEY', 'OPENAI_KEY'], got {shown}",
            )
        return tuple(names)
    # extra_headers; their values are not shown, since a header may carry a credential.
    if not isinstance(value, Mapping):
        raise _bad_option(
            model,
            "extra_headers must map header names to text, such as {'X-Team': 'search'}, "
            f"got {type(value).__name__}",
        )
    for header, text in value.items():
        if not isinstance(header, str) or not isinstance(text, str):
            raise _bad_option(
                model,
                f"extra_headers must map header names to text: {header!r:.60} maps to "
                f"{type(text).__name__}",
            )
    return value


def _split(model: Model, params: dict[str, Any]) -> tuple[CallOptions, dict[str, Any]]:
    """Call options apart from request parameters, each checked."""
    chosen = {
        name: _check_option(model, name, params.pop(name))
        for name in list(params)
        if name in _OPTION_NAMES
    }
    return CallOptions(**{k: v for k, v in chosen.items() if v is not None}), params


@dataclass(frozen=True, slots=True)
class _Call:
    """Everything litellm needs for one call, checked."""

    model: Model
    # The key is in both; a repr that shows up in a traceback or a log must not show it.
    kwargs: dict[str, Any] = field(repr=False)
    key: str = field(repr=False)
    input_tokens: int | None = None
    """The prompt's tokens as counted before the call (None for embeddings)."""
    max_tokens: int | None = None
    """The output ceiling asked for, if any."""

    @property
    def secrets(self) -> tuple[str, ...]:
        """What this call knows that is never shown: the key and its headers' values."""
        headers = self.kwargs.get("extra_headers") or {}
        found = [text for text in headers.values() if len(text) >= _SECRET_LENGTH]
        if self.key and self.key != _NO_KEY:
            found.append(self.key)
        # Longest first, so that no secret is hidden only in part.
        return tuple(sorted(set(found), key=len, reverse=True))

    @property
    def header_names(self) -> tuple[str, ...]:
        """The names of the headers this call sends besides the provider's auth header."""
        return tuple(self.kwargs.get("extra_headers") or ())

    @property
    def region(self) -> str | None:
        """Where the call is billed: the location it names (``vertex_location``) where the
        record prices locations apart, else the record's own region."""
        location = self.kwargs.get("vertex_location")
        pricing = self.model.pricing
        if isinstance(location, str) and location and pricing is not None and pricing.regions:
            return location.lower()
        return self.model.region

    def scrub(self, text: str) -> str:
        """``text`` without the key or a header's value, whatever shape they had."""
        for secret in self.secrets:
            text = text.replace(secret, "<redacted>")
        return errors.redact(text)


PreparedCall = _Call
"""A completion checked and ready to send: see :func:`llm_catalog.calls.driver.prepare_completion`."""


def _litellm_model(model: Model, provider: Provider) -> str:
    if model.litellm_model:
        return model.litellm_model
    return f"{provider.litellm_provider}/{model.id.removeprefix(provider.id + '/')}"


def _key(model: Model, provider: Provider, options: CallOptions) -> str:
    variables = options.api_key_env if options.api_key_env is not None else provider.api_key_env
    if not variables:
        return _NO_KEY
    for name in variables:
        value = os.environ.get(name, "").strip()
        if value:
            return value
    raise errors.MissingKeyError(model.id, provider.id, tuple(variables))


def _check_params(
    model: Model, provider: Provider, params: dict[str, Any], options: CallOptions
) -> dict[str, Any]:
    reserved = sorted(set(params) & _RESERVED)
    if reserved:
        raise errors.UnsupportedParameterError(model.id, reserved, ())
    for name, value in params.items():
        # Refused even when the model lists it, and not dropped: the caller meant the call
        # to go elsewhere, or to carry other headers, than it would.
        problem = routing_param_problem(name)
        if problem is None:
            continue
        if name in HEADER_PARAMS:
            instead = "pass extra_headers instead"
        elif isinstance(value, str):
            instead = f"pass api_base={value!r:.200} instead"
        else:
            instead = "pass api_base='https://...' instead"
        raise errors.InsecureAPIBaseError(model.id, f"{problem}: {instead}")
    accepted = model.params if model.params is not None else provider.params
    unknown = [name for name in params if name not in accepted]
    if unknown and not options.drop_unsupported:
        raise errors.UnsupportedParameterError(model.id, unknown, tuple(accepted))
    kept = {name: value for name, value in params.items() if name in accepted}
    for name, value in kept.items():
        if name == "response_format" and isinstance(value, type):
            continue  # a pydantic model, which litellm makes a JSON schema of
        try:
            # litellm would fail to send it, and say the provider is unavailable.
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError):
            raise _bad_option(
                model,
                f"{name} must be JSON (text, a finite number, true, false, null, or lists and "
                f"mappings of them), got {value!r:.60}",
            ) from None
    return kept


def _check_output(model: Model, params: Mapping[str, Any]) -> int | None:
    wanted = params.get("max_tokens", params.get("max_completion_tokens"))
    if wanted is None:
        return None
    if isinstance(wanted, bool) or not isinstance(wanted, int) or wanted < 1:
        raise errors.OutputLimitError(
            model.id, f"max_tokens must be a positive integer, got {wanted!r:.40}"
        )
    limit = model.limits.max_output_tokens
    if limit is not None and wanted > limit:
        raise errors.OutputLimitError(
            model.id,
            f"max_tokens {wanted:,} is above {model.id}'s output limit of {limit:,} tokens",
        )
    return wanted


def _check_prompt(
    model: Model, messages: Sequence[Mapping[str, Any]], max_tokens: int | None
) -> int:
    counted = count_tokens(model, messages=messages)
    limits = model.limits
    window = limits.max_input_tokens or limits.context_window
    if counted.tokens > window:
        raise errors.ContextWindowError(
            model.id,
            f"the prompt is {counted.tokens:,} tokens ({counted.method}), more than "
            f"{model.id}'s input limit of {window:,} tokens",
            counted=True,
        )
    if (
        limits.max_input_tokens is None
        and max_tokens is not None
        and counted.tokens + max_tokens > limits.context_window
    ):
        raise errors.ContextWindowError(
            model.id,
            f"the prompt ({counted.tokens:,} tokens, {counted.method}) and max_tokens "
            f"({max_tokens:,}) exceed {model.id}'s context window of "
            f"{limits.context_window:,} tokens",
            counted=True,
        )
    return counted.tokens


def _check_base(model: Model, provider: Provider, options: CallOptions) -> str | None:
    base = options.api_base or provider.api_base
    if base is None:
        return None
    parts = urlsplit(base)
    insecure_ok = options.allow_insecure or provider.allow_insecure_api_base
    if parts.scheme != "https" and not insecure_ok and not is_loopback(parts.hostname or ""):
        raise errors.InsecureAPIBaseError(
            model.id,
            f"API base {base!r} is not HTTPS and not a loopback address: use https://, "
            "or pass allow_insecure=True if this network is trusted",
        )
    return base


def _check_headers(model: Model, headers: Mapping[str, str]) -> None:
    for name, value in headers.items():
        problem = routing_header_problem(name, value)
        if problem is not None:
            raise errors.InsecureAPIBaseError(
                model.id,
                f"{problem}: pass api_base with the address instead (HTTPS, or a loopback "
                "address), and leave the header out",
            )


def prepare(
    model: Model,
    provider: Provider,
    messages: Sequence[Mapping[str, Any]] | None,
    params: dict[str, Any],
) -> PreparedCall:
    """Check a call to ``model`` and build litellm's arguments; raise the first check that fails.

    ``params`` holds request parameters and :class:`CallOptions` by name; ``messages`` is
    None for embeddings, whose input is not a prompt to count.
    """
    options, params = _split(model, dict(params))
    key = _key(model, provider, options)
    params = _check_params(model, provider, params, options)
    max_tokens = _check_output(model, params)
    base = _check_base(model, provider, options)
    headers = {**provider.headers, **(options.extra_headers or {})}
    _check_headers(model, headers)
    input_tokens = None if messages is None else _check_prompt(model, messages, max_tokens)
    kwargs: dict[str, Any] = {
        "model": _litellm_model(model, provider),
        "api_key": key,
        "num_retries": 0,
        **params,
    }
    if base is not None:
        kwargs["api_base"] = base
    timeout = options.timeout if options.timeout is not None else provider.timeout_seconds
    if timeout is not None:
        kwargs["timeout"] = timeout
    if headers:
        kwargs["extra_headers"] = headers
    if messages is not None:
        kwargs["messages"] = list(messages)
    return _Call(model, kwargs, key, input_tokens, max_tokens)


_ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})


def check_messages(messages: Any) -> None:
    """Chat messages in the shape every provider takes, or an error saying what is wrong.

    Raises TypeError or ValueError naming the message at fault, before any request.
    """
    example = "[{'role': 'user', 'content': 'Hello'}]"
    if isinstance(messages, str | bytes) or not isinstance(messages, Sequence):
        raise TypeError(
            f"messages must be a list of chat messages such as {example}, "
            f"not {type(messages).__name__}"
        )
    if not messages:
        raise ValueError(f"messages is empty: give at least one message, such as {example}")
    for index, message in enumerate(messages):
        if not isinstance(message, Mapping):
            raise TypeError(
                f"messages[{index}] must be a mapping with 'role' and 'content', "
                f"not {type(message).__name__}"
            )
        role = message.get("role")
        if role not in _ROLES:
            raise ValueError(
                f"messages[{index}]['role'] must be one of {', '.join(sorted(_ROLES))}, "
                f"not {role!r}"
            )
        if "content" not in message and not message.get("tool_calls"):
            raise ValueError(
                f"messages[{index}] has no 'content': give the message's text as 'content'"
            )


def provider_of(model: Model) -> Provider:
    """The provider record ``model`` was read with; a CallError when it was read without one."""
    provider = model.provider_record
    if provider is None:
        raise errors.CallError(
            model.id,
            f"{model.id} is not attached to a catalog: get it with llm_catalog.get_model(), "
            "naming the catalog if it is not the default one",
        )
    return provider
