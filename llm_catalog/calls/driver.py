"""One generic driver: call any catalog model through litellm.

This is the only module that imports litellm, and it does so on the first
call, so loading the catalog and selecting models stay fast. Everything that
differs between providers comes from the records: litellm's model string, the
API base, the key's variable, the accepted parameters, the limits and prices.

Before any money is spent a call is checked: the key variable is set, every
parameter is one the model accepts (or is dropped, with
``drop_unsupported=True``), ``max_tokens`` is within the output limit, the
API base is HTTPS or loopback, and the prompt, counted with the model's
tokenizer, fits the context window. litellm's errors are translated into the
typed errors of :mod:`llm_catalog.data.errors`; none of them holds the key, nor
litellm's exception (whose request holds it) as its cause or context. An
answer that cannot be read, or a stream that litellm ends early as if whole,
is an error too, never a short success.

Retries are not made here (``num_retries=0``): the router decides what is
worth retrying, and where.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from llm_catalog.data import errors
from llm_catalog.load.checks import is_loopback
from llm_catalog.query.pricing import cost_of

if TYPE_CHECKING:
    from llm_catalog.data.records import Model, Provider

T = TypeVar("T")

__all__ = [
    "CallOptions",
    "Completion",
    "CompletionStream",
    "Embeddings",
    "ToolCall",
    "Usage",
    "acomplete",
    "astream",
    "check_messages",
    "complete",
    "embed",
    "stream",
]

# A placeholder for providers that take no key (a local Ollama or vLLM):
# litellm's OpenAI client refuses to start without one.
_NO_KEY = "no-key-needed"


def _litellm() -> Any:
    """litellm, imported on first use, quiet and offline."""
    # The catalog is the source of prices; litellm would otherwise fetch its own
    # price map from the network when imported.
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    litellm.suppress_debug_info = True
    litellm.telemetry = False
    return litellm


@dataclass(frozen=True, slots=True)
class Usage:
    """Tokens a call used. ``input_tokens`` counts the whole prompt, cached tokens included."""

    input_tokens: int
    output_tokens: int
    cached_input_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A tool the model asked to call; ``arguments`` is its JSON text, as the provider sent it."""

    id: str
    name: str
    arguments: str


@dataclass(frozen=True, slots=True)
class Completion:
    """A model's answer: its text, tool calls, usage, and the cost from the catalog's prices."""

    model_id: str
    text: str
    tool_calls: tuple[ToolCall, ...]
    finish_reason: str | None
    usage: Usage
    cost: Decimal | None
    """US dollars, from the catalog's prices; None when the model is unpriced."""
    raw: Any = field(default=None, repr=False, compare=False)
    """litellm's response object, for anything not carried here."""


@dataclass(frozen=True, slots=True)
class Embeddings:
    """Vectors for each text, in order, with usage and cost."""

    model_id: str
    vectors: tuple[tuple[float, ...], ...]
    usage: Usage
    cost: Decimal | None
    raw: Any = field(default=None, repr=False, compare=False)


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


class _NoRetries(int):
    """Zero, and true: litellm reads ``max_retries or 2`` for OpenAI embeddings, so 0 means 2."""

    def __bool__(self) -> bool:
        return True


_NO_RETRIES = _NoRetries(0)

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

    def scrub(self, text: str) -> str:
        """``text`` without the key, whatever shape it had."""
        if self.key and self.key != _NO_KEY:
            text = text.replace(self.key, "<redacted>")
        return errors.redact(text)


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
    from llm_catalog.query.tokens import count_tokens

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


def _prepare(
    model: Model,
    provider: Provider,
    messages: Sequence[Mapping[str, Any]] | None,
    params: dict[str, Any],
) -> _Call:
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


def _provider_of(model: Model) -> Provider:
    provider = model.provider_record
    if provider is None:
        raise errors.CallError(
            model.id,
            f"{model.id} is not attached to a catalog: get it with llm_catalog.get_model(), "
            "naming the catalog if it is not the default one",
        )
    return provider


# --- reading litellm's answers -------------------------------------------------------------


def _get(source: Any, name: str, default: Any = None) -> Any:
    if source is None:
        return default
    if isinstance(source, Mapping):
        return source.get(name, default)
    return getattr(source, name, default)


def _usage(raw: Any) -> Usage:
    usage = _get(raw, "usage")
    prompt_details = _get(usage, "prompt_tokens_details")
    completion_details = _get(usage, "completion_tokens_details")
    return Usage(
        input_tokens=int(_get(usage, "prompt_tokens", 0) or 0),
        output_tokens=int(_get(usage, "completion_tokens", 0) or 0),
        cached_input_tokens=int(_get(prompt_details, "cached_tokens", 0) or 0),
        cache_write_tokens=int(_get(usage, "cache_creation_input_tokens", 0) or 0),
        reasoning_tokens=int(_get(completion_details, "reasoning_tokens", 0) or 0),
    )


def _cost(model: Model, raw: Any) -> Decimal | None:
    usage = _get(raw, "usage")
    if usage is None:
        return None
    try:
        return cost_of(model, usage)
    except ValueError:
        # A provider's usage that does not add up is the provider's problem; the
        # answer is still returned, unpriced rather than wrongly priced.
        return None


def _tool_calls(message: Any) -> tuple[ToolCall, ...]:
    calls = _get(message, "tool_calls") or ()
    return tuple(
        ToolCall(
            id=str(_get(call, "id", "") or ""),
            name=str(_get(_get(call, "function"), "name", "") or ""),
            arguments=str(_get(_get(call, "function"), "arguments", "") or ""),
        )
        for call in calls
    )


def _completion(call: _Call, raw: Any) -> Completion:
    choices = _get(raw, "choices") or []
    if not choices:
        raise errors.MalformedResponseError(
            call.model.id,
            f"{call.model.id} answered without any choice",
            provider_message="",
            status_code=None,
        )
    choice = choices[0]
    message = _get(choice, "message")
    completion = Completion(
        model_id=call.model.id,
        text=str(_get(message, "content", "") or ""),
        tool_calls=_tool_calls(message),
        finish_reason=_get(choice, "finish_reason"),
        usage=_usage(raw),
        cost=_cost(call.model, raw),
        raw=raw,
    )
    _check_answer(call, completion)
    return completion


def _embeddings(call: _Call, raw: Any) -> Embeddings:
    """litellm's embedding response as Embeddings, vectors in the order of the texts."""
    model = call.model
    data = sorted(_get(raw, "data") or [], key=lambda item: int(_get(item, "index", 0) or 0))
    return Embeddings(
        model_id=model.id,
        vectors=tuple(tuple(float(x) for x in _get(item, "embedding") or ()) for item in data),
        usage=_usage(raw),
        cost=_cost(model, raw),
        raw=raw,
    )


def _check_answer(call: _Call, completion: Completion) -> None:
    """Refusals that arrive as answers are errors, as they are from other providers."""
    # Gemini reports a content-policy refusal as an empty answer with
    # finish_reason content_filter, where OpenAI and Anthropic answer 400.
    if completion.finish_reason == "content_filter" and not completion.text:
        raise errors.ContentPolicyError(
            call.model.id,
            f"{call.model.id}: refused by content policy (the answer was filtered)",
            provider_message="finish_reason: content_filter",
            status_code=None,
        )


# --- errors --------------------------------------------------------------------------------


def _retry_after(error: Any) -> float | None:
    """The Retry-After the provider sent, in seconds, if any."""
    # litellm keeps the provider's headers in litellm_response_headers for every
    # provider; the response object carries them for OpenAI only.
    for headers in (
        _get(error, "litellm_response_headers"),
        _get(error, "headers"),
        _get(_get(error, "response"), "headers"),
    ):
        if not hasattr(headers, "get"):
            continue
        value = headers.get("retry-after") or headers.get("Retry-After")
        if value is not None:
            try:
                return max(0.0, float(value))
            except (TypeError, ValueError):
                return None
    return None


def _behind(error: BaseException) -> list[BaseException]:
    """``error`` and every exception behind it: causes, contexts, and originals litellm wrapped."""
    seen: list[BaseException] = []
    pending = [error]
    while pending:
        current = pending.pop()
        if any(current is other for other in seen):
            continue  # a chain may loop back on itself
        seen.append(current)
        for behind in (
            current.__cause__,
            current.__context__,
            _get(current, "original_exception"),
        ):
            if isinstance(behind, BaseException):
                pending.append(behind)
    return seen


def _http_status(chain: Sequence[BaseException]) -> int | None:
    """The HTTP status the provider answered with, when an error status is behind the error."""
    import httpx

    # litellm reports its own status: 500 for Anthropic's 529 and Gemini's 503, 408 for a
    # timeout, 422 for a body it could not read. The response it got says what happened.
    for each in chain:
        if isinstance(each, httpx.HTTPStatusError):
            return each.response.status_code
    return None


def _unreadable(chain: Sequence[BaseException]) -> bool:
    """Whether the provider answered, but with a body that could not be read."""
    # litellm reports such an answer as a server error (OpenAI), a connection error
    # (Anthropic) or a bad request (Gemini); the JSON error behind it tells the truth.
    # OpenAI's client hands back a body that is not JSON (an HTML page) as a string:
    # litellm says so for a completion, and trips over it for embeddings.
    return any(
        isinstance(each, json.JSONDecodeError)
        or (isinstance(each, AttributeError) and str(each).startswith("'str' object"))
        or "Empty or invalid response from LLM endpoint" in str(_get(each, "message", ""))
        for each in chain
    )


def _translate(call: _Call, error: BaseException) -> errors.CallError:
    """litellm's exception as one of ours, with the provider's words and without the key."""
    litellm = _litellm()
    model_id = call.model.id
    original = _get(error, "original_exception")
    # MidStreamFallbackError is not exported at litellm's top level, unlike the others.
    mid_stream = litellm.exceptions.MidStreamFallbackError
    if isinstance(error, mid_stream) and isinstance(original, BaseException):
        # A stream that failed: litellm wraps the provider's error; judge by that.
        error = original
    said = call.scrub(str(_get(error, "message", None) or error))
    chain = _behind(error)
    status = _http_status(chain)
    common: dict[str, Any] = {"provider_message": said, "status_code": status}
    if isinstance(error, litellm.ContextWindowExceededError):
        return errors.ContextWindowError(
            model_id, f"{model_id}: the provider says the prompt is too long: {said}", counted=False
        )
    if isinstance(error, litellm.ContentPolicyViolationError):
        return errors.ContentPolicyError(
            model_id, f"{model_id}: refused by content policy: {said}", **common
        )
    if isinstance(error, litellm.RateLimitError):
        wait = _retry_after(error)
        after = f" (retry after {wait:g} s)" if wait is not None else ""
        return errors.RateLimitError(
            model_id, f"{model_id}: rate limited{after}: {said}", retry_after=wait, **common
        )
    if isinstance(error, (litellm.AuthenticationError, litellm.PermissionDeniedError)):
        return errors.AuthenticationError(
            model_id, f"{model_id}: the provider refused the API key: {said}", **common
        )
    if isinstance(error, litellm.Timeout):
        return errors.ProviderTimeoutError(
            model_id, f"{model_id}: no answer in time: {said}", **common
        )
    if (status is None or status < 300) and _unreadable(chain):
        return errors.MalformedResponseError(
            model_id, f"{model_id}: the answer could not be read: {said}", **common
        )
    if isinstance(
        error,
        (litellm.ServiceUnavailableError, litellm.InternalServerError, litellm.APIConnectionError),
    ) or (status is not None and status >= 500):
        return errors.ProviderUnavailableError(
            model_id, f"{model_id}: the provider is unavailable: {said}", **common
        )
    if isinstance(
        error, (litellm.BadRequestError, litellm.NotFoundError, litellm.UnprocessableEntityError)
    ):
        return errors.BadRequestError(
            model_id, f"{model_id}: the provider refused the request: {said}", **common
        )
    return errors.MalformedResponseError(
        model_id, f"{model_id}: the answer could not be read: {said}", **common
    )


def _is_litellm_error(error: BaseException) -> bool:
    module = type(error).__module__
    return module.startswith(("litellm", "openai", "httpx", "httpcore", "anthropic", "json"))


def _failure(call: _Call, error: Exception) -> errors.CallError:
    """The error to raise for ``error``: litellm's translated; anything else is re-raised.

    Callers raise the result once their ``except`` block has ended, so that it has no
    ``__context__``: ``raise ... from None`` only hides litellm's exception, which holds
    the request, whose headers hold the key.
    """
    if isinstance(error, errors.LLMCatalogError) or not _is_litellm_error(error):
        raise error
    return _translate(call, error)


# --- calls ---------------------------------------------------------------------------------


def _send(call: _Call, function: str, read: Callable[[_Call, Any], T], **extra: Any) -> T:
    """Call litellm's ``function`` and read its answer, or raise our error for its failure."""
    try:
        raw = getattr(_litellm(), function)(**call.kwargs, **extra)
    except Exception as error:
        failure = _failure(call, error)
    else:
        return read(call, raw)
    raise failure


async def _asend(call: _Call, function: str, read: Callable[[_Call, Any], T], **extra: Any) -> T:
    """The async twin of :func:`_send`."""
    try:
        raw = await getattr(_litellm(), function)(**call.kwargs, **extra)
    except Exception as error:
        failure = _failure(call, error)
    else:
        return read(call, raw)
    raise failure


def complete(model: Model, messages: Sequence[Mapping[str, Any]], **params: Any) -> Completion:
    """Call ``model`` with chat ``messages``; see :meth:`llm_catalog.data.records.Model.complete`."""
    check_messages(messages)
    call = _prepare(model, _provider_of(model), messages, params)
    return _send(call, "completion", _completion)


async def acomplete(
    model: Model, messages: Sequence[Mapping[str, Any]], **params: Any
) -> Completion:
    """The async twin of :func:`complete`."""
    check_messages(messages)
    call = _prepare(model, _provider_of(model), messages, params)
    return await _asend(call, "acompletion", _completion)


# --- prepared calls, for the router -------------------------------------------------------

PreparedCall = _Call
"""A completion checked and ready to send: see :func:`prepare_completion`."""


def prepare_completion(
    model: Model, messages: Sequence[Mapping[str, Any]], **params: Any
) -> PreparedCall:
    """Check a completion without sending it; raise what :func:`complete` would raise first.

    The router prepares each model's call before it reserves budget or rate-limit room,
    so that a model refused before any request (no key, a parameter it does not accept,
    a prompt that does not fit) costs nothing. ``input_tokens`` is the counted prompt.
    """
    check_messages(messages)
    return _prepare(model, _provider_of(model), messages, params)


def send_completion(call: PreparedCall) -> Completion:
    """Send a prepared completion (see :func:`prepare_completion`)."""
    return _send(call, "completion", _completion)


async def asend_completion(call: PreparedCall) -> Completion:
    """The async twin of :func:`send_completion`."""
    return await _asend(call, "acompletion", _completion)


class CompletionStream:
    """Text as it arrives; once read to the end, ``completion`` holds the whole answer.

    Iterate it (``for text in stream``) or, from async code, ``async for``.
    """

    def __init__(self, call: _Call, source: Any) -> None:
        self._call = call
        self._source = source
        self._parts: list[str] = []
        self._tools: dict[int, dict[str, str]] = {}
        self._usage: Any = None
        self._finish: str | None = None
        self._saw_chunk = False
        # litellm's reader of the provider's events, kept: litellm lets go of it at the end.
        self._reader: Any = None
        self.completion: Completion | None = None
        """The whole answer, once the stream has been read to its end."""

    def _take(self, chunk: Any) -> str:
        self._reader = getattr(self._source, "completion_stream", None) or self._reader
        usage = _get(chunk, "usage")
        if usage is not None:
            self._usage = usage
        choices = _get(chunk, "choices") or []
        if not choices:
            return ""
        choice = choices[0]
        self._finish = _get(choice, "finish_reason") or self._finish
        delta = _get(choice, "delta")
        for call in _get(delta, "tool_calls") or ():
            slot = self._tools.setdefault(
                int(_get(call, "index", 0) or 0), {"id": "", "name": "", "arguments": ""}
            )
            function = _get(call, "function")
            slot["id"] = slot["id"] or str(_get(call, "id", "") or "")
            slot["name"] = slot["name"] or str(_get(function, "name", "") or "")
            slot["arguments"] += str(_get(function, "arguments", "") or "")
        text = str(_get(delta, "content", "") or "")
        self._parts.append(text)
        if text or self._tools:
            self._saw_chunk = True
        return text

    def _unread(self) -> str:
        """What litellm left unread at the end of the stream, having ended it as if whole."""
        # litellm's Gemini reader takes an event it cannot parse for the first piece of a
        # JSON value split in transit, buffers it and everything after it, and at the end
        # drops the buffer: the answer stops short with finish_reason "stop", no error.
        left = getattr(self._reader, "_json_buffer", None)
        if not left:
            return ""
        snapshot = getattr(left, "snapshot", None)
        return str(snapshot() if callable(snapshot) else left) or "?"

    def _finish_stream(self) -> None:
        raw = {"usage": self._usage}
        if not self._saw_chunk and self._usage is None:
            # litellm turns a body it cannot read as a stream (an HTML page with
            # status 200, say) into an empty stream that ends normally.
            raise errors.MalformedResponseError(
                self._call.model.id,
                f"{self._call.model.id}: the stream ended without any content or usage",
                provider_message="",
                status_code=None,
            )
        unread = self._unread()
        if unread:
            raise errors.MalformedResponseError(
                self._call.model.id,
                f"{self._call.model.id}: the stream stopped at a part that could not be read, "
                f"after {sum(map(len, self._parts)):,} characters of text",
                provider_message=self._call.scrub(f"unread: {unread:.200}"),
                status_code=None,
            )
        self.completion = Completion(
            model_id=self._call.model.id,
            text="".join(self._parts),
            tool_calls=tuple(ToolCall(**self._tools[i]) for i in sorted(self._tools)),
            finish_reason=self._finish,
            usage=_usage(raw),
            cost=_cost(self._call.model, raw),
        )
        _check_answer(self._call, self.completion)

    def __iter__(self) -> Iterator[str]:
        try:
            for chunk in self._source:
                text = self._take(chunk)
                if text:
                    yield text
        except Exception as error:
            failure = _failure(self._call, error)
        else:
            self._finish_stream()
            return
        raise failure

    async def __aiter__(self) -> AsyncIterator[str]:
        try:
            async for chunk in self._source:
                text = self._take(chunk)
                if text:
                    yield text
        except Exception as error:
            failure = _failure(self._call, error)
        else:
            self._finish_stream()
            return
        raise failure


_STREAMING = {"stream": True, "stream_options": {"include_usage": True}}


def stream(model: Model, messages: Sequence[Mapping[str, Any]], **params: Any) -> CompletionStream:
    """Call ``model`` and stream its answer; see :class:`CompletionStream`."""
    check_messages(messages)
    call = _prepare(model, _provider_of(model), messages, params)
    return _send(call, "completion", CompletionStream, **_STREAMING)


async def astream(
    model: Model, messages: Sequence[Mapping[str, Any]], **params: Any
) -> CompletionStream:
    """The async twin of :func:`stream`: ``async for text in await astream(...)``."""
    check_messages(messages)
    call = _prepare(model, _provider_of(model), messages, params)
    return await _asend(call, "acompletion", CompletionStream, **_STREAMING)


def embed(model: Model, texts: Sequence[str], **params: Any) -> Embeddings:
    """Embed ``texts`` with an embedding model; vectors come back in the same order."""
    from llm_catalog.data.records import Mode

    if model.mode is not Mode.embedding:
        raise errors.CallError(
            model.id, f"{model.id} is a {model.mode.value} model; embed() needs an embedding model"
        )
    if isinstance(texts, str):
        raise TypeError("embed() takes a list of texts; wrap a single text in a list")
    call = _prepare(model, _provider_of(model), None, params)
    # num_retries does not reach the OpenAI client for embeddings as it does for
    # completions: without max_retries it retries a 429, 5xx or timeout twice itself.
    return _send(call, "embedding", _embeddings, input=list(texts), max_retries=_NO_RETRIES)


def to_langchain(model: Model, **params: Any) -> Any:
    """A LangChain chat model for ``model`` (needs ``pip install 'llm-catalog[langchain]'``)."""
    call = _prepare(model, _provider_of(model), None, params)
    _litellm()  # before langchain-litellm imports it, which would fetch litellm's price map
    try:
        from langchain_litellm import ChatLiteLLM  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        raise ImportError(
            "to_langchain() needs langchain-litellm: pip install 'llm-catalog[langchain]'"
        ) from None
    kwargs = dict(call.kwargs)
    return ChatLiteLLM(
        model=kwargs.pop("model"),
        api_key=kwargs.pop("api_key"),
        api_base=kwargs.pop("api_base", None),
        request_timeout=kwargs.pop("timeout", None),
        extra_headers=kwargs.pop("extra_headers", None),
        # LangChain's own retries off; num_retries=0, left in model_kwargs for litellm,
        # turns off the OpenAI client's, which would otherwise retry twice.
        max_retries=0,
        model_kwargs=kwargs,
    )
