"""One generic driver: call any catalog model through litellm.

The driver is the only package that imports litellm (its :mod:`.backend` module),
and it does so on the first call, so loading the catalog and selecting models stay
fast. Everything that differs between providers comes from the records: litellm's
model string, the API base, the key's variable, the accepted parameters, the limits
and prices.

Before any money is spent a call is checked (:mod:`.request`): the key variable is
set, every parameter is one the model accepts (or is dropped, with
``drop_unsupported=True``), ``max_tokens`` is within the output limit, the API base
is HTTPS or loopback and nothing else chooses where the call goes, and the prompt,
counted with the model's tokenizer, fits the context window; a call option with a value
it cannot take (``timeout="soon"``) is a :class:`~llm_catalog.data.errors.BadRequestError`.
What litellm and its HTTP clients log is redacted (:mod:`.backend`). litellm's errors
are translated into the typed errors of :mod:`llm_catalog.data.errors`
(:mod:`.translation`); none of them holds the key, nor
litellm's exception (whose request holds it) as its cause or context. An answer that
cannot be read (:mod:`.answers`), or a stream that litellm ends early as if whole
(:mod:`.streaming`), is an error too, never a short success.

Retries are not made here (``num_retries=0``): the router decides what is
worth retrying, and where.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from llm_catalog.calls.driver.answers import (
    Completion,
    Embeddings,
    ToolCall,
    Usage,
    read_completion,
    read_embeddings,
)
from llm_catalog.calls.driver.backend import load_litellm
from llm_catalog.calls.driver.request import (
    CallOptions,
    PreparedCall,
    check_messages,
    prepare,
    provider_of,
)
from llm_catalog.calls.driver.streaming import CompletionStream
from llm_catalog.calls.driver.translation import failure
from llm_catalog.data import errors
from llm_catalog.data.records import Mode

if TYPE_CHECKING:
    from llm_catalog.data.records import Model

T = TypeVar("T")

__all__ = [
    "CallOptions",
    "Completion",
    "CompletionStream",
    "Embeddings",
    "PreparedCall",
    "ToolCall",
    "Usage",
    "acomplete",
    "asend_completion",
    "astream",
    "check_messages",
    "complete",
    "embed",
    "load",
    "prepare_completion",
    "send_completion",
    "stream",
    "to_langchain",
]


class _NoRetries(int):
    """Zero, and true: litellm reads ``max_retries or 2`` for OpenAI embeddings, so 0 means 2."""

    def __bool__(self) -> bool:
        return True


_NO_RETRIES = _NoRetries(0)


def _litellm_for(call: PreparedCall) -> Any:
    """litellm, its logging told what ``call`` keeps secret."""
    return load_litellm(secrets=call.secrets, headers=call.header_names)


def _send(
    call: PreparedCall, function: str, read: Callable[[PreparedCall, Any], T], **extra: Any
) -> T:
    """Call litellm's ``function`` and read its answer, or raise our error for its failure."""
    try:
        raw = getattr(_litellm_for(call), function)(**call.kwargs, **extra)
    except Exception as error:
        failed = failure(call, error)
    else:
        return read(call, raw)
    raise failed


async def _asend(
    call: PreparedCall, function: str, read: Callable[[PreparedCall, Any], T], **extra: Any
) -> T:
    """The async twin of :func:`_send`."""
    try:
        raw = await getattr(_litellm_for(call), function)(**call.kwargs, **extra)
    except Exception as error:
        failed = failure(call, error)
    else:
        return read(call, raw)
    raise failed


def complete(model: Model, messages: Sequence[Mapping[str, Any]], **params: Any) -> Completion:
    """Call ``model`` with chat ``messages``; see :meth:`llm_catalog.calls.models.CallableModel.complete`."""
    check_messages(messages)
    call = prepare(model, provider_of(model), messages, params)
    return _send(call, "completion", read_completion)


async def acomplete(
    model: Model, messages: Sequence[Mapping[str, Any]], **params: Any
) -> Completion:
    """The async twin of :func:`complete`."""
    check_messages(messages)
    call = prepare(model, provider_of(model), messages, params)
    return await _asend(call, "acompletion", read_completion)


# --- prepared calls, for the router -------------------------------------------------------


def prepare_completion(
    model: Model, messages: Sequence[Mapping[str, Any]], **params: Any
) -> PreparedCall:
    """Check a completion without sending it; raise what :func:`complete` would raise first.

    The router prepares each model's call before it reserves budget or rate-limit room,
    so that a model refused before any request (no key, a parameter it does not accept,
    a prompt that does not fit) costs nothing. ``input_tokens`` is the counted prompt.
    """
    check_messages(messages)
    return prepare(model, provider_of(model), messages, params)


def load(call: PreparedCall) -> None:
    """Import litellm now (it takes seconds, once), so that a call's time is the request's own."""
    _litellm_for(call)


def send_completion(call: PreparedCall) -> Completion:
    """Send a prepared completion (see :func:`prepare_completion`)."""
    return _send(call, "completion", read_completion)


async def asend_completion(call: PreparedCall) -> Completion:
    """The async twin of :func:`send_completion`."""
    return await _asend(call, "acompletion", read_completion)


# --- streams and embeddings ---------------------------------------------------------------

_STREAMING = {"stream": True, "stream_options": {"include_usage": True}}


def stream(model: Model, messages: Sequence[Mapping[str, Any]], **params: Any) -> CompletionStream:
    """Call ``model`` and stream its answer; see :class:`CompletionStream`."""
    check_messages(messages)
    call = prepare(model, provider_of(model), messages, params)
    _litellm_for(call)  # imported before the clock starts: the bound is the request's
    return _send(call, "completion", _bounded_stream(call), **_STREAMING)


async def astream(
    model: Model, messages: Sequence[Mapping[str, Any]], **params: Any
) -> CompletionStream:
    """The async twin of :func:`stream`: ``async for text in await astream(...)``."""
    check_messages(messages)
    call = prepare(model, provider_of(model), messages, params)
    _litellm_for(call)
    return await _asend(call, "acompletion", _bounded_stream(call), **_STREAMING)


def _bounded_stream(call: PreparedCall) -> Callable[[PreparedCall, Any], CompletionStream]:
    """A stream reader whose stream is cut at the call's timeout, from the request's start.

    litellm's timeout holds for each read: a provider that sends a byte now and then
    would keep a stream open past it without end.
    """
    timeout = call.kwargs.get("timeout")
    ends = None if timeout is None else time.monotonic() + float(timeout)

    def read(prepared: PreparedCall, raw: Any) -> CompletionStream:
        return CompletionStream(prepared, raw, ends=ends)

    return read


def embed(model: Model, texts: Sequence[str], **params: Any) -> Embeddings:
    """Embed ``texts`` with an embedding model; vectors come back in the same order."""
    if model.mode is not Mode.embedding:
        raise errors.CallError(
            model.id, f"{model.id} is a {model.mode.value} model; embed() needs an embedding model"
        )
    if isinstance(texts, str):
        raise TypeError("embed() takes a list of texts; wrap a single text in a list")
    call = prepare(model, provider_of(model), None, params)
    # num_retries does not reach the OpenAI client for embeddings as it does for
    # completions: without max_retries it retries a 429, 5xx or timeout twice itself.
    return _send(call, "embedding", read_embeddings, input=list(texts), max_retries=_NO_RETRIES)


def to_langchain(model: Model, **params: Any) -> Any:
    """A LangChain chat model for ``model`` (needs ``pip install 'llm-catalog[langchain]'``)."""
    call = prepare(model, provider_of(model), None, params)
    _litellm_for(call)  # before langchain-litellm imports it, which would fetch litellm's price map
    try:
        # optional extra: langchain (pip install 'llm-catalog[langchain]')
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
