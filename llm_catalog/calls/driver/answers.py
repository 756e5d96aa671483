"""The answers a call returns (completions, embeddings, usage, tool calls), read from litellm's.

litellm hands back objects or mappings depending on the provider and the path; the
readers here take either, so the answers' shape never depends on the provider. An
answer that cannot be read is an error, never a short success.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from llm_catalog.data import clock, errors
from llm_catalog.query.pricing import cost_of
from llm_catalog.query.rates import rates_at

if TYPE_CHECKING:
    from llm_catalog.calls.driver.request import PreparedCall
    from llm_catalog.data.records import Model

__all__ = [
    "Completion",
    "Embeddings",
    "ToolCall",
    "Usage",
    "check_answer",
    "field_of",
    "read_completion",
    "read_cost",
    "read_embeddings",
    "read_pricing",
    "read_usage",
    "served_tier",
    "tier_named",
]


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
    rate: tuple[str, ...] = ()
    """What priced the answer apart from the standard rate: ``("flex tier",)``,
    ``("off-peak 10:00-01:00 UTC",)``; empty for the standard rate."""


@dataclass(frozen=True, slots=True)
class Embeddings:
    """Vectors for each text, in order, with usage and cost."""

    model_id: str
    vectors: tuple[tuple[float, ...], ...]
    usage: Usage
    cost: Decimal | None
    raw: Any = field(default=None, repr=False, compare=False)


def field_of(source: Any, name: str, default: Any = None) -> Any:
    """``source``'s ``name``, whether litellm gave a mapping or an object; ``default`` if absent."""
    if source is None:
        return default
    if isinstance(source, Mapping):
        return source.get(name, default)
    return getattr(source, name, default)


def read_usage(raw: Any) -> Usage:
    """The usage of a response (or of a stream's last chunk), zero where it says nothing."""
    usage = field_of(raw, "usage")
    prompt_details = field_of(usage, "prompt_tokens_details")
    completion_details = field_of(usage, "completion_tokens_details")
    return Usage(
        input_tokens=int(field_of(usage, "prompt_tokens", 0) or 0),
        output_tokens=int(field_of(usage, "completion_tokens", 0) or 0),
        cached_input_tokens=int(field_of(prompt_details, "cached_tokens", 0) or 0),
        cache_write_tokens=int(field_of(usage, "cache_creation_input_tokens", 0) or 0),
        reasoning_tokens=int(field_of(completion_details, "reasoning_tokens", 0) or 0),
    )


# What providers answer for the tier their standard prices are for.
_STANDARD_TIERS = frozenset({"default", "auto", "standard", "on_demand"})


def tier_named(tier: Any) -> str | None:
    """A service tier as the catalog names its prices (flex, priority); None for standard."""
    if not isinstance(tier, str) or tier.lower() in _STANDARD_TIERS:
        return None
    return tier.lower()


def served_tier(raw: Any) -> str | None:
    """The service tier the response says served it; None for standard."""
    return tier_named(field_of(raw, "service_tier"))


def read_pricing(
    model: Model, raw: Any, *, region: str | None = None
) -> tuple[Decimal | None, tuple[str, ...]]:
    """What a response cost at the catalog's prices (None without usage or prices), and
    the names of the rate that priced it (empty for the standard one).

    It is costed at the moment it is read, at the service tier the response says
    served it, in ``region`` (see :attr:`PreparedCall.region`), and with the web
    searches its usage reports.
    """
    at, tier = clock.now(), served_tier(raw)
    rates = rates_at(model, at, service_tier=tier, region=region)
    names = rates.names if rates is not None else ()
    return read_cost(model, raw, at=at, service_tier=tier, region=region), names


def read_cost(
    model: Model,
    raw: Any,
    *,
    at: dt.datetime | None = None,
    service_tier: str | None = None,
    region: str | None = None,
) -> Decimal | None:
    """What a response cost at the catalog's prices at ``at``; None without usage or prices."""
    usage = field_of(raw, "usage")
    if usage is None:
        return None
    try:
        return cost_of(model, usage, at=at, service_tier=service_tier, region=region)
    except ValueError:
        # A provider's usage that does not add up is the provider's problem; the
        # answer is still returned, unpriced rather than wrongly priced.
        return None


def _tool_calls(message: Any) -> tuple[ToolCall, ...]:
    calls = field_of(message, "tool_calls") or ()
    return tuple(
        ToolCall(
            id=str(field_of(call, "id", "") or ""),
            name=str(field_of(field_of(call, "function"), "name", "") or ""),
            arguments=str(field_of(field_of(call, "function"), "arguments", "") or ""),
        )
        for call in calls
    )


def read_completion(call: PreparedCall, raw: Any) -> Completion:
    """litellm's completion response as a Completion; an answer without a choice is an error."""
    choices = field_of(raw, "choices") or []
    if not choices:
        raise errors.MalformedResponseError(
            call.model.id,
            f"{call.model.id} answered without any choice",
            provider_message="",
            status_code=None,
        )
    choice = choices[0]
    message = field_of(choice, "message")
    cost, rate = read_pricing(call.model, raw, region=call.region)
    completion = Completion(
        model_id=call.model.id,
        text=str(field_of(message, "content", "") or ""),
        tool_calls=_tool_calls(message),
        finish_reason=field_of(choice, "finish_reason"),
        usage=read_usage(raw),
        cost=cost,
        raw=raw,
        rate=rate,
    )
    check_answer(call, completion)
    return completion


def read_embeddings(call: PreparedCall, raw: Any) -> Embeddings:
    """litellm's embedding response as Embeddings, vectors in the order of the texts."""
    model = call.model
    data = sorted(
        field_of(raw, "data") or [], key=lambda item: int(field_of(item, "index", 0) or 0)
    )
    return Embeddings(
        model_id=model.id,
        vectors=tuple(tuple(float(x) for x in field_of(item, "embedding") or ()) for item in data),
        usage=read_usage(raw),
        cost=read_pricing(model, raw, region=call.region)[0],
        raw=raw,
    )


def check_answer(call: PreparedCall, completion: Completion) -> None:
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
