"""A call checked before any money is spent, and ready for litellm.

A call is checked before it is sent: the key variable is set, every parameter is one
the model accepts (or is dropped, with ``drop_unsupported=True``), ``max_tokens`` is
within the output limit, the API base is HTTPS or loopback, and the prompt, counted
with the model's tokenizer, fits the context window. What passes is a
:data:`PreparedCall`: litellm's arguments, the key among them, never shown in a repr.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from llm_catalog.data import errors
from llm_catalog.load.checks import is_loopback
from llm_catalog.query.tokens import count_tokens

if TYPE_CHECKING:
    from llm_catalog.data.records import Model, Provider

__all__ = ["CallOptions", "PreparedCall", "check_messages", "prepare", "provider_of"]

# A placeholder for providers that take no key (a local Ollama or vLLM):
# litellm's OpenAI client refuses to start without one.
_NO_KEY = "no-key-needed"


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


def _split(params: dict[str, Any]) -> tuple[CallOptions, dict[str, Any]]:
    """Call options apart from request parameters."""
    chosen = {name: params.pop(name) for name in list(params) if name in _OPTION_NAMES}
    env = chosen.get("api_key_env")
    if isinstance(env, str):
        chosen["api_key_env"] = (env,)
    elif env is not None:
        chosen["api_key_env"] = tuple(env)
    return CallOptions(**chosen), params


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
    def region(self) -> str | None:
        """Where the call is billed: the location it names (``vertex_location``) where the
        record prices locations apart, else the record's own region."""
        location = self.kwargs.get("vertex_location")
        pricing = self.model.pricing
        if isinstance(location, str) and location and pricing is not None and pricing.regions:
            return location.lower()
        return self.model.region

    def scrub(self, text: str) -> str:
        """``text`` without the key, whatever shape it had."""
        if self.key and self.key != _NO_KEY:
            text = text.replace(self.key, "<redacted>")
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
    accepted = model.params if model.params is not None else provider.params
    unknown = [name for name in params if name not in accepted]
    if unknown and not options.drop_unsupported:
        raise errors.UnsupportedParameterError(model.id, unknown, tuple(accepted))
    return {name: value for name, value in params.items() if name in accepted}


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
    options, params = _split(dict(params))
    key = _key(model, provider, options)
    params = _check_params(model, provider, params, options)
    max_tokens = _check_output(model, params)
    base = _check_base(model, provider, options)
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
    headers = {**provider.headers, **(options.extra_headers or {})}
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
