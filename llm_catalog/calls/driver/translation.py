"""litellm's exceptions translated into the typed errors of :mod:`llm_catalog.data.errors`.

None of the errors made here holds the key, nor litellm's exception (whose request
holds it) as its cause or context. An answer that cannot be read is an error too,
never a short success.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from llm_catalog.calls.driver.answers import field_of
from llm_catalog.calls.driver.backend import load_litellm
from llm_catalog.data import errors

if TYPE_CHECKING:
    from llm_catalog.calls.driver.request import PreparedCall

__all__ = ["failure"]


def _retry_after(error: Any) -> float | None:
    """The Retry-After the provider sent, in seconds, if any."""
    # litellm keeps the provider's headers in litellm_response_headers for every
    # provider; the response object carries them for OpenAI only.
    for headers in (
        field_of(error, "litellm_response_headers"),
        field_of(error, "headers"),
        field_of(field_of(error, "response"), "headers"),
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
            field_of(current, "original_exception"),
        ):
            if isinstance(behind, BaseException):
                pending.append(behind)
    return seen


def _http_status(chain: Sequence[BaseException]) -> int | None:
    """The HTTP status the provider answered with, when an error status is behind the error."""
    # lazy: httpx takes 0.1 s to import, and is needed only once a call has failed
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
        or "Empty or invalid response from LLM endpoint" in str(field_of(each, "message", ""))
        for each in chain
    )


def _translate(call: PreparedCall, error: BaseException) -> errors.CallError:
    """litellm's exception as one of ours, with the provider's words and without the key."""
    litellm = load_litellm()
    model_id = call.model.id
    original = field_of(error, "original_exception")
    # MidStreamFallbackError is not exported at litellm's top level, unlike the others.
    mid_stream = litellm.exceptions.MidStreamFallbackError
    if isinstance(error, mid_stream) and isinstance(original, BaseException):
        # A stream that failed: litellm wraps the provider's error; judge by that.
        error = original
    said = call.scrub(str(field_of(error, "message", None) or error))
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


def failure(call: PreparedCall, error: Exception) -> errors.CallError:
    """The error to raise for ``error``: litellm's translated; anything else is re-raised.

    Callers raise the result once their ``except`` block has ended, so that it has no
    ``__context__``: ``raise ... from None`` only hides litellm's exception, which holds
    the request, whose headers hold the key.
    """
    if isinstance(error, errors.LLMCatalogError) or not _is_litellm_error(error):
        raise error
    return _translate(call, error)
