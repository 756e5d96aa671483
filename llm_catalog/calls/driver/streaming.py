"""A streamed answer: text as it arrives, then the whole completion, checked like any other.

A stream that litellm ends early as if whole, or that ends without anything in it, is
an error, never a short success. A stream with a bound (the call's ``timeout``) is cut
there, however its bytes trickle in: litellm's own timeout holds for each read only.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
import time
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

    def __init__(self, call: PreparedCall, source: Any, *, ends: float | None = None) -> None:
        self._call = call
        self._source = source
        # time.monotonic() at which the stream is cut (its request's start plus its timeout).
        self._ends = ends
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
            for chunk in self._chunks():
                text = self._take(chunk)
                if text:
                    yield text
        except errors.ProviderTimeoutError:
            raise
        except Exception as error:
            failed = failure(self._call, error)
        else:
            self._finish_stream()
            return
        raise failed

    def _chunks(self) -> Iterator[Any]:
        """The source's chunks; with a bound, read by a thread of their own and cut at it.

        A blocking read cannot be stopped from outside; so the reader thread is left to
        end with the connection, which is closed at the bound.
        """
        if self._ends is None:
            yield from self._source
            return
        chunks: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()

        def read() -> None:
            try:
                for chunk in self._source:
                    chunks.put(("chunk", chunk))
            except BaseException as error:
                chunks.put(("error", error))
            else:
                chunks.put(("end", None))

        threading.Thread(target=read, name="llm-catalog stream", daemon=True).start()
        while True:
            try:
                kind, item = chunks.get(timeout=max(0.0, self._ends - time.monotonic()))
            except queue.Empty:
                kind, item = "cut", None
            if kind == "cut":  # raised here, with no exception as its context
                self._close_source()
                raise self._cut()
            if kind == "end":
                return
            if kind == "error":
                raise item
            yield item

    def _close_source(self) -> None:
        for owner in (getattr(self._source, "completion_stream", None), self._source):
            close = getattr(owner, "close", None)
            if callable(close):
                with contextlib.suppress(Exception):
                    close()

    def _cut(self) -> errors.ProviderTimeoutError:
        model = self._call.model.id
        return errors.ProviderTimeoutError(
            model,
            f"{model}: no answer in time: the stream had not ended within its timeout of "
            f"{self._call.kwargs.get('timeout')} s, after "
            f"{sum(map(len, self._parts)):,} characters of text, and was cut",
            provider_message="the stream timed out at the call's timeout",
            status_code=None,
        )

    async def __aiter__(self) -> AsyncIterator[str]:
        try:
            iterator = aiter(self._source)
            while True:
                left = None if self._ends is None else self._ends - time.monotonic()
                cut = False
                try:
                    async with asyncio.timeout(left):
                        chunk = await anext(iterator)
                except StopAsyncIteration:
                    break
                except TimeoutError:
                    cut = True
                if cut:  # raised here, with no exception as its context
                    await self._aclose_source()
                    raise self._cut()
                text = self._take(chunk)
                if text:
                    yield text
        except errors.ProviderTimeoutError:
            raise
        except Exception as error:
            failed = failure(self._call, error)
        else:
            self._finish_stream()
            return
        raise failed

    async def _aclose_source(self) -> None:
        for owner in (getattr(self._source, "completion_stream", None), self._source):
            close = getattr(owner, "aclose", None)
            if callable(close):
                with contextlib.suppress(Exception):
                    await close()
