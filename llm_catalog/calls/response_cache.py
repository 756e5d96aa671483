"""The router's response cache: the key a request is kept under, and the answer as kept.

A cached answer holds what the caller reads (text, tool calls, finish reason, usage)
and nothing of the request. The key is a digest of what decides the answer: the chain,
the messages and the request parameters. Call options (API base, headers, timeout) are
left out: they change where a request goes, not what it asks, and headers may carry
credentials.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from llm_catalog.calls.driver.answers import Completion, ToolCall, Usage

__all__ = ["dump", "key", "load"]

# Call options the driver takes beside request parameters; they change where a call
# goes, not what it asks, so they are no part of a cache key.
_OPTIONS = frozenset(
    {"api_base", "api_key_env", "timeout", "extra_headers", "drop_unsupported", "allow_insecure"}
)
_FORMAT = 1


def key(
    chain: Sequence[str], messages: Sequence[Mapping[str, Any]], params: Mapping[str, Any]
) -> str:
    """A digest of what decides the answer: the chain's model ids, the messages, the parameters."""
    request = {
        "format": _FORMAT,
        "chain": list(chain),
        "messages": messages,
        "params": {k: v for k, v in params.items() if k not in _OPTIONS},
    }
    text = json.dumps(request, sort_keys=True, separators=(",", ":"), default=repr)
    return "response:" + hashlib.sha256(text.encode()).hexdigest()


def dump(completion: Completion) -> bytes:
    """A completion as the cache keeps it: what the caller reads, nothing of the request."""
    usage = completion.usage
    return json.dumps(
        {
            "format": _FORMAT,
            "model_id": completion.model_id,
            "text": completion.text,
            "tool_calls": [[t.id, t.name, t.arguments] for t in completion.tool_calls],
            "finish_reason": completion.finish_reason,
            "usage": [
                usage.input_tokens,
                usage.output_tokens,
                usage.cached_input_tokens,
                usage.cache_write_tokens,
                usage.reasoning_tokens,
            ],
        },
        separators=(",", ":"),
    ).encode()


def load(data: bytes) -> Completion | None:
    """The cached completion, cost 0; None for anything unreadable (then it is asked again)."""
    try:
        value = json.loads(data)
        if value.get("format") != _FORMAT:
            return None
        return Completion(
            model_id=str(value["model_id"]),
            text=str(value["text"]),
            tool_calls=tuple(ToolCall(str(i), str(n), str(a)) for i, n, a in value["tool_calls"]),
            finish_reason=value["finish_reason"],
            usage=Usage(*(int(n) for n in value["usage"])),
            cost=Decimal(0),
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
