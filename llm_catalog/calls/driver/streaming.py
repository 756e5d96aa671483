"""A streamed answer: text as it arrives, then the whole completion, checked like any other.

A stream that litellm ends early as if whole, or that ends without anything in it, is
an error, never a short success.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

from llm_catalog.calls.driver.answers import (
    Completion,
    ToolCall,
    check_answer,
    field_of,
    read_pricing,
    read_usage,
)
from llm_catalog.calls.driver.translation import failure
from llm_catalog.data import errors

if TYPE_CHECKING:
    from llm_catalog.calls.driver.request import PreparedCall

__all__ = ["CompletionStream"]


class CompletionStream:
    """Text as it arrives; once read to the end, ``completion`` holds the whole answer.

    Iterate it (``for text in stream``) or, from async code, ``async for``.
    """

    def __init__(self, call: PreparedCall, source: Any) -> None:
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
        usage = field_of(chunk, "usage")
        if usage is not None:
            self._usage = usage
        choices = field_of(chunk, "choices") or []
        if not choices:
            return ""
        choice = choices[0]
        self._finish = field_of(choice, "finish_reason") or self._finish
        delta = field_of(choice, "delta")
        for call in field_of(delta, "tool_calls") or ():
            slot = self._tools.setdefault(
                int(field_of(call, "index", 0) or 0), {"id": "", "name": "", "arguments": ""}
            )
            function = field_of(call, "function")
            slot["id"] = slot["id"] or str(field_of(call, "id", "") or "")
            slot["name"] = slot["name"] or str(field_of(function, "name", "") or "")
            slot["arguments"] += str(field_of(function, "arguments", "") or "")
        text = str(field_of(delta, "content", "") or "")
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
        cost, rate = read_pricing(self._call.model, raw, region=self._call.region)
        self.completion = Completion(
            model_id=self._call.model.id,
            text="".join(self._parts),
            tool_calls=tuple(ToolCall(**self._tools[i]) for i in sorted(self._tools)),
            finish_reason=self._finish,
            usage=read_usage(raw),
            cost=cost,
            rate=rate,
        )
        check_answer(self._call, self.completion)

    def __iter__(self) -> Iterator[str]:
        try:
            for chunk in self._source:
                text = self._take(chunk)
                if text:
                    yield text
        except Exception as error:
            failed = failure(self._call, error)
        else:
            self._finish_stream()
            return
        raise failed

    async def __aiter__(self) -> AsyncIterator[str]:
        try:
            async for chunk in self._source:
                text = self._take(chunk)
                if text:
                    yield text
        except Exception as error:
            failed = failure(self._call, error)
        else:
            self._finish_stream()
            return
        raise failed
