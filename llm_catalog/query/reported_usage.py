"""Reading the token counts a provider reported for a call, in any of its shapes.

OpenAI Chat Completions and litellm, OpenAI Responses, Anthropic and Gemini
each name and nest their counts differently, and some include cached or
reasoning tokens in a total where others do not. :func:`read_usage` tells the
shapes apart by their keys and returns the counts in one vocabulary, for
:func:`~llm_catalog.query.pricing.cost_of` to cost.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["ReportedUsage", "read_usage"]


def _field(source: Any, key: str) -> Any:
    """``source[key]`` or ``source.key``, None when absent: usage comes as dicts or objects."""
    if source is None:
        return None
    if isinstance(source, Mapping):
        return source.get(key)
    return getattr(source, key, None)


def _count(source: Any, *path: str) -> int:
    """The token count at ``path`` inside a usage; 0 when any step is absent or None."""
    value = source
    for key in path:
        value = _field(value, key)
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int):
        where = ".".join(path)
        raise ValueError(f"usage {where} is {value!r}; expected a whole number of tokens")
    return value


def _keys(source: Any) -> list[str]:
    """The names a usage holds, for a message about a shape not understood."""
    if isinstance(source, Mapping):
        return sorted(str(key) for key in source)
    try:
        names = vars(source)
    except TypeError:  # no __dict__: slots, or a builtin
        names = dir(source)
    return sorted(str(name) for name in names if not str(name).startswith("_"))


def _has(source: Any, key: str) -> bool:
    return _field(source, key) is not None


@dataclass(frozen=True)
class ReportedUsage:
    """The token counts of one call, named as :func:`~llm_catalog.query.pricing.estimate_cost` takes them."""

    shape: str
    """Which provider's shape the usage had, for messages."""
    counts: dict[str, int]
    search_context: str | None = None
    """The search context size the provider says it billed (Perplexity's
    ``search_context_size``: low, medium, high), lowercased; None where unsaid."""


def _read_openai(usage: Any) -> Iterator[tuple[str, int]]:
    # prompt_tokens includes cached tokens; litellm also reports Anthropic's
    # cache reads and writes as attributes, counted inside prompt_tokens.
    details = "prompt_tokens_details"
    cached = (
        _count(usage, details, "cached_tokens")
        if _has(_field(usage, details), "cached_tokens")
        else _count(usage, "cache_read_input_tokens")
    )
    written = _count(usage, "cache_creation_input_tokens") or _count(
        usage, details, "cache_creation_tokens"
    )
    written_1h = _count(usage, details, "cache_creation_token_details", "ephemeral_1h_input_tokens")
    yield "input_tokens", _count(usage, "prompt_tokens")
    yield "cached_input_tokens", cached
    yield "cache_write_tokens", written - written_1h
    yield "cache_write_1h_tokens", written_1h
    yield "output_tokens", _count(usage, "completion_tokens")
    yield "reasoning_tokens", _count(usage, "completion_tokens_details", "reasoning_tokens")
    # litellm reports the searches a server-side tool made as Anthropic does; Perplexity
    # counts its search queries in num_search_queries.
    yield (
        "web_searches",
        _count(usage, "server_tool_use", "web_search_requests")
        or _count(usage, "num_search_queries"),
    )


def _read_responses(usage: Any) -> Iterator[tuple[str, int]]:
    yield "input_tokens", _count(usage, "input_tokens")
    yield "cached_input_tokens", _count(usage, "input_tokens_details", "cached_tokens")
    yield "output_tokens", _count(usage, "output_tokens")
    yield "reasoning_tokens", _count(usage, "output_tokens_details", "reasoning_tokens")


def _read_anthropic(usage: Any) -> Iterator[tuple[str, int]]:
    # input_tokens excludes the tokens read from and written to the cache.
    read = _count(usage, "cache_read_input_tokens")
    written_1h = _count(usage, "cache_creation", "ephemeral_1h_input_tokens")
    written = (
        _count(usage, "cache_creation_input_tokens")
        if _has(usage, "cache_creation_input_tokens")
        else _count(usage, "cache_creation", "ephemeral_5m_input_tokens") + written_1h
    )
    yield "input_tokens", _count(usage, "input_tokens") + read + written
    yield "cached_input_tokens", read
    yield "cache_write_tokens", written - written_1h
    yield "cache_write_1h_tokens", written_1h
    # Thinking tokens are inside output_tokens and Anthropic does not count them apart.
    yield "output_tokens", _count(usage, "output_tokens")
    yield "web_searches", _count(usage, "server_tool_use", "web_search_requests")


def _read_gemini(usage: Any, camel: bool) -> Iterator[tuple[str, int]]:
    def count(camel_key: str, snake_key: str) -> int:
        return _count(usage, camel_key if camel else snake_key)

    # promptTokenCount includes the cached tokens; tool-use prompt tokens are
    # counted apart but are input all the same. Thoughts are not in
    # candidatesTokenCount but are billed as output.
    thoughts = count("thoughtsTokenCount", "thoughts_token_count")
    yield (
        "input_tokens",
        count("promptTokenCount", "prompt_token_count")
        + count("toolUsePromptTokenCount", "tool_use_prompt_token_count"),
    )
    yield "cached_input_tokens", count("cachedContentTokenCount", "cached_content_token_count")
    yield "output_tokens", count("candidatesTokenCount", "candidates_token_count") + thoughts
    yield "reasoning_tokens", thoughts


def read_usage(usage: Any) -> ReportedUsage:
    if _has(usage, "prompt_tokens"):
        size = _field(usage, "search_context_size")
        return ReportedUsage(
            "OpenAI (or litellm) usage",
            dict(_read_openai(usage)),
            size.lower() if isinstance(size, str) and size else None,
        )
    if _has(usage, "input_tokens"):
        # OpenAI's Responses API reuses Anthropic's key names but counts cached
        # tokens inside input_tokens; its *_details tell the two apart.
        if _has(usage, "input_tokens_details") or _has(usage, "output_tokens_details"):
            return ReportedUsage("OpenAI Responses usage", dict(_read_responses(usage)))
        return ReportedUsage("Anthropic usage", dict(_read_anthropic(usage)))
    if _has(usage, "promptTokenCount"):
        return ReportedUsage("Gemini usage", dict(_read_gemini(usage, camel=True)))
    if _has(usage, "prompt_token_count"):
        return ReportedUsage("Gemini usage", dict(_read_gemini(usage, camel=False)))
    seen = ", ".join(_keys(usage)) if usage is not None else "none (usage is None)"
    raise ValueError(
        f"cannot read token usage with keys: {seen}; expected OpenAI's or litellm's "
        "prompt_tokens (with completion_tokens), Anthropic's or OpenAI Responses' "
        "input_tokens (with output_tokens), or Gemini's promptTokenCount or "
        "prompt_token_count (with candidatesTokenCount); pass the response's usage "
        "(usage or usageMetadata), not the whole response"
    )
