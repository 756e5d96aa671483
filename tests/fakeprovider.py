"""A local fake of three LLM providers' HTTP APIs, for tests that drive the real litellm.

``FakeProvider`` is an HTTP server on 127.0.0.1 (a free port) that speaks the wire
formats of OpenAI (chat completions and embeddings), Anthropic (messages) and Google
AI Studio (Gemini ``generateContent``), streaming and not.  Tests script what the next
requests get (a reply, or a fault such as a 429 or a cut stream) and read back every
request that arrived.  Standard library only.

    with FakeProvider() as fake:
        fake.reply(text="hi", usage={"prompt_tokens": 10, "completion_tokens": 1})
        fake.fail("429", retry_after=2)
        litellm.completion(model="openai/gpt-4o", api_base=fake.openai_base, ...)

Routes, and the ``api_base`` to give litellm for each:

==========  =====================================================  ==================
provider    path                                                   litellm api_base
==========  =====================================================  ==================
openai      POST /v1/chat/completions, POST /v1/embeddings         ``fake.openai_base``
anthropic   POST /v1/messages                                      ``fake.anthropic_base``
gemini      POST /v1beta/models/{model}:generateContent            ``fake.gemini_base``
            POST /v1beta/models/{model}:streamGenerateContent
            (``?alt=sse`` gives SSE; without it, a JSON array)
==========  =====================================================  ==================

``GET /images/<w>x<h>.png`` (``<w>``, ``<h>`` up to 5 digits) answers a grey PNG of that
size, so that a request may carry an ``http://`` image URL that litellm can fetch.

Scripting.  ``reply`` and ``fail`` append steps to one queue, first in first out; each
request to a known route takes the next step (an unknown route gets a 404 and takes
none).  With the queue empty a request gets the default reply.

Default reply: the text ``"Hello from the fake <provider>."`` (provider being
``openai``, ``anthropic`` or ``gemini``), with usage derived from the request:

* prompt tokens = (characters of all prompt text, less its CJK characters) // 4 + the
  CJK characters (kana, ideographs, hangul, full-width forms: a token each, as real
  tokenizers come close to) + 1, plus what each image costs, plus, when the request
  has ``tools``, Anthropic's tool-use system prompt (346 tokens, Claude 4 with
  ``tool_choice`` auto). The prompt text is every string message content and every
  ``text`` part (OpenAI ``messages``, Anthropic ``system`` and ``messages``, Gemini
  ``systemInstruction``, which litellm spells ``system_instruction``, and
  ``contents``), the arguments of every tool call in them (OpenAI's ``arguments``,
  Anthropic's ``input``, Gemini's ``args``), and the JSON of the request's ``tools``.
  An image costs what the provider's documented formula gives for its size (read
  from a PNG or GIF header, or from a URL ending ``<w>x<h>.png``): OpenAI 85 + 170 a
  512 px tile after scaling into 2048 px and the short side to 768 px (2,833 + 5,667
  for gpt-4o-mini; the base only with ``detail: low``), Anthropic width x height / 750
  after scaling to 1,568 px and about 1,600 tokens, Gemini 258 up to 384 px a side,
  else 258 a 768 px tile; an image of unknown size costs 6 tiles (OpenAI), 1,600
  (Anthropic) or 4 tiles (Gemini);
* completion tokens = words (whitespace-separated) in the reply text, plus, for each
  tool call, len(JSON of its arguments) // 4 + 1;
* embeddings: prompt tokens = sum over the inputs of len(input) // 4 + 1.

Scripted usage uses one provider-neutral vocabulary (OpenAI's meanings) and is
translated to each provider's fields:

* ``prompt_tokens``: all input tokens, cached ones included;
* ``completion_tokens``: all output tokens, reasoning ones included;
* ``cached_tokens``: input tokens read from a cache;
* ``cache_creation_tokens``: input tokens written to a cache (Anthropic only);
* ``reasoning_tokens``: output tokens spent thinking;
* ``web_searches``: searches a server-side web search tool made (Anthropic's
  ``server_tool_use.web_search_requests``, given only when non-zero).

An OpenAI chat completion says which ``service_tier`` served it: the one the request
asked for, or ``default``.

OpenAI: ``prompt_tokens``, ``completion_tokens``, ``total_tokens``,
``prompt_tokens_details.cached_tokens``, ``completion_tokens_details.reasoning_tokens``.
Anthropic: ``input_tokens`` = prompt - cached - cache_creation (Anthropic counts only
the uncached part there), ``output_tokens`` = completion, ``cache_read_input_tokens``,
``cache_creation_input_tokens``.  Gemini: ``promptTokenCount`` = prompt,
``candidatesTokenCount`` = completion - reasoning, ``totalTokenCount`` = prompt +
completion, and, only when non-zero (as Gemini does), ``thoughtsTokenCount`` = reasoning
and ``cachedContentTokenCount`` = cached.  Keys left out take the default rule.

Tool calls: ``{"name": str, "arguments": dict, "id": str (optional)}``.  Without an id,
OpenAI and Anthropic get ``call_fake_<n>_<i>`` / ``toolu_fake_<n>_<i>`` (n: the request's
number since the last reset, i: the call's index); Gemini gets no id, as Gemini 2.x sends
none, and litellm then makes up a random ``call_...`` one; with an id Gemini sends it in
``functionCall.id``, as Gemini 3 does, and litellm keeps it.  Finish reasons: ``stop``
(or the provider's tool-use reason when there are tool calls) and ``length``, as
``finish_reason`` / ``stop_reason`` / ``finishReason`` in each provider's words.

Faults (``fail``), each in the provider's own error format:

* ``"400"``, ``"401"``, ``"429"``, ``"500"``, ``"503"``, ``"529"``: that status with the
  provider's error body (Anthropic 529 is ``overloaded_error``; Gemini's 401 is
  ``UNAUTHENTICATED``, though real Gemini answers a bad API key with 400
  ``INVALID_ARGUMENT``); ``retry_after`` adds a ``Retry-After`` header to any of these
  (whole seconds print as an integer, else as a decimal).
* ``"context"``: 400, the provider's context-window-exceeded error, in its real wording.
* ``"content_policy"``: OpenAI 400 ``content_policy_violation``; Anthropic 400
  ``"Output blocked by content filtering policy"``; Gemini answers as it really does,
  200 with ``promptFeedback.blockReason = "SAFETY"`` and no candidates.
* ``"slow"``: wait ``delay`` seconds, then the default reply.
* ``"timeout"``: wait ``delay`` seconds (longer than the client's timeout), then close
  the connection without answering; with ``delay=0`` it just drops the connection.
* ``"malformed"``: 200, ``application/json``, a body that is not JSON (streaming: after
  the first event, one whose data is not JSON, then the rest of the stream as usual).
* ``"cut_stream"``: streaming: the first events, then the connection closes without the
  stream's end (no ``[DONE]`` / ``message_stop`` / final chunk, nor the final HTTP chunk);
  non-streaming: half the body of a ``Content-Length`` response, then close.
* ``"wrong_content_type"``: 200, ``text/html``, an HTML page (streaming requests too).

Chaos.  ``chaos({"429": 0.1, "500": 0.1, "timeout": 0.05}, seed=7)`` makes every request
that finds the queue empty meet a fault drawn at those rates (the rest get the default
reply), from a seeded generator, so a run is repeatable for a given order of arrival;
``served`` counts what each request got (fault names, and ``"reply"``). ``chaos(None)``
ends it.

Requests are answered on HTTP/1.1 keep-alive connections; streams use chunked transfer
encoding, so a cut stream is visible to the client as an incomplete body.  ``stop()``
(leaving the ``with``) wakes requests held by "slow"/"timeout" and closes every open
connection.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import math
import random
import re
import socket
import struct
import sys
import threading
import zlib
from collections import Counter, deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Final, Literal, Self
from urllib.parse import parse_qs, unquote, urlsplit

__all__ = ["FAULTS", "FakeProvider", "Recorded"]

Provider = Literal["openai", "anthropic", "gemini"]

FAULTS: Final = frozenset(
    {
        "400",
        "401",
        "429",
        "500",
        "503",
        "529",
        "context",
        "content_policy",
        "slow",
        "timeout",
        "malformed",
        "cut_stream",
        "wrong_content_type",
    }
)
USAGE_KEYS: Final = frozenset(
    {
        "prompt_tokens",
        "completion_tokens",
        "cached_tokens",
        "cache_creation_tokens",
        "reasoning_tokens",
        "web_searches",
    }
)
CREATED: Final = 1_700_000_000  # a fixed timestamp, so responses are deterministic
_PICTURE_ROUTE: Final = re.compile(r"^/images/(\d{1,5})x(\d{1,5})\.png$")
_GEMINI_ROUTE: Final = re.compile(
    r"^/(v1beta|v1|v1alpha)/models/([^/:]+):(generateContent|streamGenerateContent)$"
)


@dataclass(frozen=True)
class Recorded:
    """One request as the fake received it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # keys lower-cased
    body: Any  # parsed JSON, or the raw text when it is not JSON

    @property
    def json(self) -> dict[str, Any]:
        """The body as a JSON object (raises TypeError when it is not one)."""
        if not isinstance(self.body, dict):
            raise TypeError(f"request body is not a JSON object: {self.body!r}")
        return self.body


@dataclass(frozen=True)
class _Reply:
    text: str | None
    tool_calls: tuple[dict[str, Any], ...]
    usage: Mapping[str, int]
    finish: str


@dataclass(frozen=True)
class _Fault:
    fault: str
    retry_after: float | None
    delay: float


_Step = _Reply | _Fault


@dataclass
class _Answer:
    """What one request gets: the content, and how the usage comes out."""

    provider: Provider
    model: str
    text: str
    tool_calls: list[dict[str, Any]]
    usage: dict[str, int]
    finish: str
    number: int
    stream: bool
    include_usage: bool = False
    sse: bool = True  # False only for Gemini's streamGenerateContent without ?alt=sse
    service_tier: str = "default"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Many concurrent clients connect at once; the default backlog of 5 would leave
    # some waiting to be accepted, and timing out, before the fake sees their request.
    request_queue_size = 256
    fake: FakeProvider

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet when a client goes away (timeouts and cut streams do that on purpose)."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class FakeProvider:
    """with FakeProvider() as fake: ...  (starts on 127.0.0.1, a free port; stops on exit)"""

    def __init__(self, *, require_key: str | None = None) -> None:
        """``require_key``: when given, a request without that key (``Authorization: Bearer``,
        ``x-api-key``, ``x-goog-api-key`` or ``?key=``) gets the provider's 401."""
        self.require_key: Final = require_key
        self._lock = threading.Lock()
        self._queue: deque[_Step] = deque()
        self._requests: list[Recorded] = []
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._chaos: list[tuple[float, _Fault]] = []
        self._random = random.Random(0)
        self._served: Counter[str] = Counter()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.base_url = ""
        self.openai_base = ""
        self.anthropic_base = ""
        self.gemini_base = ""
        self.openai_tokens: Callable[[str], int] | None = None
        """When set, OpenAI requests are billed as OpenAI bills them: this tokenizer's
        count of every text (tiktoken's, say), 3 tokens a message and 3 for the reply,
        in place of characters / 4; images and tools as before."""

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> Self:
        if self._server is not None:
            raise RuntimeError("FakeProvider already started")
        self._stopping.clear()
        server = _Server(("127.0.0.1", 0), _Handler)
        server.fake = self
        self._server = server
        port = server.server_address[1]
        self.base_url = f"http://127.0.0.1:{port}"
        self.openai_base = self.base_url + "/v1"
        self.anthropic_base = self.base_url
        self.gemini_base = self.base_url + "/v1beta"
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fakeprovider",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self._stopping.set()  # wakes handlers sleeping for "slow" / "timeout"
        server.shutdown()
        thread.join()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:  # ends keep-alive connections the client still holds
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        server.server_close()
        self._server = None
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- scripting ---------------------------------------------------------------------

    def reply(
        self,
        *,
        text: str | None = None,
        tool_calls: list[dict[str, Any]] | None = None,
        usage: dict[str, int] | None = None,
        times: int = 1,
        finish: Literal["stop", "length"] = "stop",
    ) -> None:
        """Script the content of the next ``times`` responses, whichever provider asks.

        ``text``: None gives the default text, or no text when there are tool calls.
        ``tool_calls``: ``[{"name": str, "arguments": dict, "id": str (optional)}]``.
        ``usage``: the neutral keys in this module's docstring; the rest take the default rule.
        ``finish``: ``"length"`` reports the output cut at max tokens.
        """
        calls: list[dict[str, Any]] = []
        for call in tool_calls or []:
            if not isinstance(call.get("name"), str) or not isinstance(
                call.get("arguments", {}), dict
            ):
                raise ValueError(f"a tool call needs a str name and a dict of arguments: {call!r}")
            unknown = set(call) - {"name", "arguments", "id"}
            if unknown:
                raise ValueError(f"unknown tool call keys: {sorted(unknown)}")
            calls.append(
                {
                    "name": call["name"],
                    "arguments": dict(call.get("arguments", {})),
                    "id": call.get("id"),
                }
            )
        bad = set(usage or {}) - USAGE_KEYS
        if bad:
            raise ValueError(f"unknown usage keys {sorted(bad)}; use {sorted(USAGE_KEYS)}")
        if finish not in ("stop", "length"):
            raise ValueError(f"finish must be 'stop' or 'length', not {finish!r}")
        self._enqueue(_Reply(text, tuple(calls), dict(usage or {}), finish), times)

    def fail(
        self, fault: str, *, times: int = 1, retry_after: float | None = None, delay: float = 0.0
    ) -> None:
        """Make the next ``times`` requests meet ``fault`` (one of ``FAULTS``)."""
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; one of {sorted(FAULTS)}")
        if delay < 0 or (retry_after is not None and retry_after < 0):
            raise ValueError("delay and retry_after must not be negative")
        self._enqueue(_Fault(fault, retry_after, delay), times)

    def chaos(
        self,
        faults: Mapping[str, float] | None,
        *,
        seed: int = 0,
        retry_after: float | None = None,
        delay: float = 0.0,
    ) -> None:
        """Give requests that find the queue empty a random fault, at the rates given.

        ``faults`` maps fault names (``FAULTS``) to probabilities adding up to at most 1;
        None ends the chaos. ``retry_after`` and ``delay`` are as for :meth:`fail`.
        """
        table: list[tuple[float, _Fault]] = []
        total = 0.0
        for name, rate in (faults or {}).items():
            if name not in FAULTS:
                raise ValueError(f"unknown fault {name!r}; one of {sorted(FAULTS)}")
            if not 0 <= rate <= 1:
                raise ValueError(f"the rate of {name!r} must be between 0 and 1, not {rate!r}")
            total += rate
            table.append((total, _Fault(name, retry_after, delay)))
        if total > 1 + 1e-9:
            raise ValueError(f"fault rates add up to {total:g}, more than 1")
        with self._lock:
            self._chaos = table
            self._random = random.Random(seed)

    @property
    def served(self) -> Counter[str]:
        """How many requests got each fault, and ``"reply"`` for answers (a copy)."""
        with self._lock:
            return Counter(self._served)

    def reset(self) -> None:
        """Forget the scripted steps, the recorded requests, the chaos and the counts."""
        with self._lock:
            self._queue.clear()
            self._requests.clear()
            self._chaos = []
            self._served.clear()

    @property
    def requests(self) -> list[Recorded]:
        """Every request received, in order (a copy)."""
        with self._lock:
            return list(self._requests)

    @property
    def last(self) -> Recorded:
        with self._lock:
            if not self._requests:
                raise LookupError("no request received yet")
            return self._requests[-1]

    @property
    def pending(self) -> int:
        """How many scripted steps no request has taken yet."""
        with self._lock:
            return len(self._queue)

    @staticmethod
    def embedding_for(text: str) -> list[float]:
        """The vector the fake gives ``text``: 8 floats in [-1, 1) from its SHA-256.

        Each is a multiple of 2**-15, exact in float32, so base64 and JSON agree."""
        digest = hashlib.sha256(text.encode()).digest()
        return [
            (int.from_bytes(digest[2 * i : 2 * i + 2], "big") - 32768) / 32768 for i in range(8)
        ]

    # -- used by the handler -----------------------------------------------------------

    def _enqueue(self, step: _Step, times: int) -> None:
        if times < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._queue.extend([step] * times)

    def _arrive(self, recorded: Recorded, *, take_step: bool) -> tuple[int, _Step | None]:
        """Record a request and, when it is one that answers, take the next step with it:
        (the request's number, counted from 1 since the last reset; the step or None)."""
        with self._lock:
            self._requests.append(recorded)
            step = self._queue.popleft() if take_step and self._queue else None
            if take_step and step is None and self._chaos:
                draw = self._random.random()
                step = next((fault for edge, fault in self._chaos if draw < edge), None)
            if take_step:
                self._served[step.fault if isinstance(step, _Fault) else "reply"] += 1
            return len(self._requests), step

    def _track(self, conn: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def _sleep(self, seconds: float) -> None:
        self._stopping.wait(seconds)


# -- provider formats ------------------------------------------------------------------


def _prompt_text(value: Any) -> Iterator[str]:
    """Every string message content and every ``text`` value under ``value`` (and the
    strings directly in a list, such as a plain-string system prompt)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("content", "text") and isinstance(item, str):
                yield item
            elif isinstance(item, dict | list):
                yield from _prompt_text(item)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, str):
                yield item
            else:
                yield from _prompt_text(item)


def _prompt_tokens(
    provider: Provider,
    body: Any,
    model: str = "",
    openai_tokens: Callable[[str], int] | None = None,
) -> int:
    """What the provider would bill as input: text, tool calls, tools and images."""
    if not isinstance(body, dict):
        return 1
    if provider == "openai":
        parts: list[Any] = [body.get("messages", [])]
    elif provider == "anthropic":
        parts = [body.get("system", []), body.get("messages", [])]
    else:
        # litellm sends the snake_case spelling; Gemini accepts both
        system = body.get("systemInstruction", body.get("system_instruction", {}))
        parts = [system, body.get("contents", [])]
    texts = list(_prompt_text(parts)) + list(_tool_call_texts(parts))
    tools = body.get("tools")
    if tools:
        texts.append(json.dumps(tools))
    if provider == "openai" and openai_tokens is not None:
        messages = body.get("messages", [])
        roles = [
            m["role"] for m in messages if isinstance(m, dict) and isinstance(m.get("role"), str)
        ]
        text = 3 + 3 * len(messages) + sum(openai_tokens(t) for t in [*roles, *texts])
    else:
        text = _text_tokens(texts)
    tokens = text + sum(_image_tokens(provider, model, image) for image in _images(provider, parts))
    if tools and provider == "anthropic":
        tokens += ANTHROPIC_TOOL_PROMPT_TOKENS
    return tokens


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return (
        0x3040 <= code <= 0x30FF  # hiragana, katakana
        or 0x3400 <= code <= 0x4DBF  # CJK extension A
        or 0x4E00 <= code <= 0x9FFF  # CJK unified ideographs
        or 0xAC00 <= code <= 0xD7AF  # Hangul syllables
        or 0xF900 <= code <= 0xFAFF  # CJK compatibility ideographs
        or 0xFF00 <= code <= 0xFFEF  # full-width forms
        or 0x20000 <= code <= 0x2FFFF  # CJK extensions B onwards
    )


def _text_tokens(texts: list[str]) -> int:
    """Four characters a token, but a CJK character a token of its own, plus one."""
    cjk = sum(1 for text in texts for char in text if _is_cjk(char))
    return (sum(len(text) for text in texts) - cjk) // 4 + cjk + 1


def _tool_call_texts(value: Any) -> Iterator[str]:
    """The arguments of tool calls in the conversation: OpenAI's ``arguments`` (JSON text),
    Anthropic's tool_use ``input`` and Gemini's functionCall ``args`` (objects)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "arguments" and isinstance(item, str):
                yield item
            elif key in ("input", "args") and isinstance(item, dict):
                yield json.dumps(item)
            elif isinstance(item, dict | list):
                yield from _tool_call_texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _tool_call_texts(item)


@dataclass(frozen=True)
class _Image:
    size: tuple[int, int] | None
    detail: str = "auto"


_SIZE_IN_URL: Final = re.compile(r"(\d+)x(\d+)\.(?:png|gif)$")


def _image_from(data: str | None, url: str | None, detail: str = "auto") -> _Image:
    if url is not None and url.startswith("data:"):
        data = url.partition(",")[2]
    if data is not None:
        try:
            return _Image(png_size(base64.b64decode(data)), detail)
        except ValueError:
            return _Image(None, detail)
    match = _SIZE_IN_URL.search(url or "")
    return _Image((int(match[1]), int(match[2])) if match else None, detail)


def _images(provider: Provider, value: Any) -> Iterator[_Image]:
    """Every image in a request body, in the provider's own format."""
    if isinstance(value, list):
        for item in value:
            yield from _images(provider, item)
        return
    if not isinstance(value, dict):
        return
    kind = value.get("type")
    if provider == "openai" and kind == "image_url":
        image = value.get("image_url")
        url = image.get("url") if isinstance(image, dict) else image
        detail = image.get("detail", "auto") if isinstance(image, dict) else "auto"
        yield _image_from(None, url if isinstance(url, str) else None, str(detail))
        return
    if provider == "anthropic" and kind == "image":
        source = value.get("source") or {}
        yield _image_from(source.get("data"), source.get("url"))
        return
    if provider == "gemini":
        inline = value.get("inline_data") or value.get("inlineData")
        if isinstance(inline, dict):
            yield _image_from(inline.get("data"), None)
            return
        linked = value.get("file_data") or value.get("fileData")
        if isinstance(linked, dict):
            yield _image_from(None, linked.get("file_uri") or linked.get("fileUri"))
            return
    for item in value.values():
        yield from _images(provider, item)


def png_size(data: bytes) -> tuple[int, int] | None:
    """A PNG's or GIF's width and height from its header; None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return width, height
    return None


def png_bytes(width: int, height: int) -> bytes:
    """A valid grey PNG of ``width`` x ``height`` pixels (small: its rows compress well)."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        body = kind + payload
        return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    rows = zlib.compress((b"\x00" + b"\x80" * width) * height, 9)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


# What each provider bills an image whose size it cannot be shown (an outside URL): the
# documented cost of a common large image (OpenAI's 2048 x 4096 example, 6 tiles;
# Anthropic's ~1,600 at its resize limit; Gemini's 4 tiles of a 1,536 px square).
_UNSIZED_IMAGE: Final = {"openai": 6, "anthropic": 1600, "gemini": 4 * 258}
ANTHROPIC_TOOL_PROMPT_TOKENS: Final = 346
"""Anthropic's tool-use system prompt for Claude 4 models with tool_choice auto
(https://docs.anthropic.com/en/docs/tool-use-pricing-and-tokens)."""


def _image_tokens(provider: Provider, model: str, image: _Image) -> int:
    """The tokens the real provider bills for one image, by its documented formula."""
    if provider == "openai":
        # https://platform.openai.com/docs/guides/images-vision, "Calculating costs"
        base, per_tile = (2833, 5667) if "gpt-4o-mini" in model else (85, 170)
        if image.detail == "low":
            return base
        if image.size is None:
            return base + per_tile * _UNSIZED_IMAGE["openai"]
        fitted = min(1.0, 2048 / max(image.size))
        scale = fitted * min(1.0, 768 / (min(image.size) * fitted))
        width, height = image.size[0] * scale, image.size[1] * scale
        return base + per_tile * math.ceil(width / 512) * math.ceil(height / 512)
    if image.size is None:
        return _UNSIZED_IMAGE[provider]
    width, height = image.size
    if provider == "anthropic":
        # https://docs.anthropic.com/en/docs/build-with-claude/vision: w x h / 750, after
        # scaling the long edge to 1,568 px and the image to about 1,600 tokens
        scale = min(1.0, 1568 / max(width, height))
        scale = min(scale, math.sqrt(1600 * 750 / (width * height)))
        return math.ceil(width * scale * height * scale / 750)
    # https://ai.google.dev/gemini-api/docs/tokens: 258 up to 384 px a side, else per tile
    if width <= 384 and height <= 384:
        return 258
    return math.ceil(width / 768) * math.ceil(height / 768) * 258


def _completion_tokens(text: str, tool_calls: list[dict[str, Any]]) -> int:
    return len(text.split()) + sum(
        len(json.dumps(call["arguments"])) // 4 + 1 for call in tool_calls
    )


def _pieces(text: str) -> list[str]:
    """``text`` in streaming pieces: each word with the spaces after it."""
    return re.findall(r"\s*\S+\s*", text) or ([text] if text else [])


def _halves(text: str) -> list[str]:
    middle = len(text) // 2
    return [piece for piece in (text[:middle], text[middle:]) if piece]


def _openai_usage(u: Mapping[str, int]) -> dict[str, Any]:
    return {
        "prompt_tokens": u["prompt_tokens"],
        "completion_tokens": u["completion_tokens"],
        "total_tokens": u["prompt_tokens"] + u["completion_tokens"],
        "prompt_tokens_details": {"cached_tokens": u["cached_tokens"], "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": u["reasoning_tokens"],
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def _anthropic_usage(u: Mapping[str, int]) -> dict[str, Any]:
    return {
        "input_tokens": max(
            0, u["prompt_tokens"] - u["cached_tokens"] - u["cache_creation_tokens"]
        ),
        "output_tokens": u["completion_tokens"],
        "cache_creation_input_tokens": u["cache_creation_tokens"],
        "cache_read_input_tokens": u["cached_tokens"],
        **(
            {"server_tool_use": {"web_search_requests": u["web_searches"]}}
            if u["web_searches"]
            else {}
        ),
    }


def _gemini_usage(u: Mapping[str, int]) -> dict[str, Any]:
    usage: dict[str, Any] = {
        "promptTokenCount": u["prompt_tokens"],
        "candidatesTokenCount": max(0, u["completion_tokens"] - u["reasoning_tokens"]),
        "totalTokenCount": u["prompt_tokens"] + u["completion_tokens"],
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": u["prompt_tokens"]}],
    }
    if u["cached_tokens"]:
        usage["cachedContentTokenCount"] = u["cached_tokens"]
    if u["reasoning_tokens"]:
        usage["thoughtsTokenCount"] = u["reasoning_tokens"]
    return usage


def _call_id(answer: _Answer, index: int, prefix: str) -> str:
    given = answer.tool_calls[index].get("id")
    return given if isinstance(given, str) else f"{prefix}fake_{answer.number}_{index}"


# OpenAI


def _openai_message(a: _Answer) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": a.text or None, "refusal": None}
    if a.tool_calls:
        message["tool_calls"] = [
            {
                "id": _call_id(a, i, "call_"),
                "type": "function",
                "function": {"name": call["name"], "arguments": json.dumps(call["arguments"])},
            }
            for i, call in enumerate(a.tool_calls)
        ]
    return message


def _openai_finish(a: _Answer) -> str:
    if a.finish == "length":
        return "length"
    return "tool_calls" if a.tool_calls else "stop"


def _openai_completion(a: _Answer) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-fake-{a.number}",
        "object": "chat.completion",
        "created": CREATED,
        "model": a.model,
        "choices": [
            {
                "index": 0,
                "message": _openai_message(a),
                "logprobs": None,
                "finish_reason": _openai_finish(a),
            }
        ],
        "usage": _openai_usage(a.usage),
        "service_tier": a.service_tier,
        "system_fingerprint": "fp_fake",
    }


def _openai_chunks(a: _Answer) -> list[dict[str, Any]]:
    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": f"chatcmpl-fake-{a.number}",
            "object": "chat.completion.chunk",
            "created": CREATED,
            "model": a.model,
            "system_fingerprint": "fp_fake",
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }
        if a.include_usage:
            out["usage"] = None
        return out

    chunks = [chunk({"role": "assistant", "content": "", "refusal": None})]
    chunks += [chunk({"content": piece}) for piece in _pieces(a.text)]
    for i, call in enumerate(a.tool_calls):
        head = {"index": i, "id": _call_id(a, i, "call_"), "type": "function"}
        chunks.append(
            chunk({"tool_calls": [{**head, "function": {"name": call["name"], "arguments": ""}}]})
        )
        chunks += [
            chunk({"tool_calls": [{"index": i, "function": {"arguments": piece}}]})
            for piece in _halves(json.dumps(call["arguments"]))
        ]
    chunks.append(chunk({}, _openai_finish(a)))
    if a.include_usage:
        final = chunk({})
        final["choices"] = []
        final["usage"] = _openai_usage(a.usage)
        chunks.append(final)
    return chunks


def _openai_error(
    status: int, message: str, kind: str, code: str | None, param: str | None = None
) -> tuple[int, Any]:
    return status, {"error": {"message": message, "type": kind, "param": param, "code": code}}


def _openai_fault(fault: str, model: str) -> tuple[int, Any]:
    if fault == "429":
        return _openai_error(
            429,
            f"Rate limit reached for {model} in organization org-fake on tokens per min (TPM): "
            "Limit 30000, Used 30000, Requested 100. Please try again in 200ms.",
            "tokens",
            "rate_limit_exceeded",
        )
    if fault == "500":
        return _openai_error(
            500,
            "The server had an error while processing your request. Sorry about that!",
            "server_error",
            None,
        )
    if fault in ("503", "529"):
        return _openai_error(
            int(fault),
            "The engine is currently overloaded, please try again later",
            "server_error",
            None,
        )
    if fault == "401":
        return _openai_error(
            401,
            "Incorrect API key provided: sk-fake***. You can find your API key at https://platform.openai.com/account/api-keys.",
            "invalid_request_error",
            "invalid_api_key",
        )
    if fault == "context":
        return _openai_error(
            400,
            "This model's maximum context length is 128000 tokens. However, your messages resulted in "
            "130000 tokens. Please reduce the length of the messages.",
            "invalid_request_error",
            "context_length_exceeded",
            "messages",
        )
    if fault == "content_policy":
        # OpenAI's wording for a flagged prompt.  litellm decides on the message alone:
        # the images API's "Your request was rejected as a result of our safety system"
        # comes out as a plain BadRequestError, this one as ContentPolicyViolationError.
        return _openai_error(
            400,
            "Invalid prompt: your prompt was flagged as potentially violating our usage policy. "
            "Please try again with a different prompt.",
            "invalid_request_error",
            "content_policy_violation",
        )
    return _openai_error(
        400,
        "Your request was rejected as a result of our safety system. Your prompt may contain text "
        "that is not allowed by our safety system.",
        "invalid_request_error",
        "content_policy_violation",
    )
    return _openai_error(
        400,
        "Invalid value for 'temperature': expected a number between 0 and 2.",
        "invalid_request_error",
        "invalid_value",
        "temperature",
    )


# Anthropic


def _anthropic_blocks(a: _Answer) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [{"type": "text", "text": a.text}] if a.text else []
    blocks += [
        {
            "type": "tool_use",
            "id": _call_id(a, i, "toolu_"),
            "name": call["name"],
            "input": call["arguments"],
        }
        for i, call in enumerate(a.tool_calls)
    ]
    return blocks


def _anthropic_stop(a: _Answer) -> str:
    if a.finish == "length":
        return "max_tokens"
    return "tool_use" if a.tool_calls else "end_turn"


def _anthropic_message(a: _Answer) -> dict[str, Any]:
    return {
        "id": f"msg_fake_{a.number}",
        "type": "message",
        "role": "assistant",
        "model": a.model,
        "content": _anthropic_blocks(a),
        "stop_reason": _anthropic_stop(a),
        "stop_sequence": None,
        "usage": _anthropic_usage(a.usage),
    }


def _anthropic_events(a: _Answer) -> list[tuple[str, dict[str, Any]]]:
    usage = _anthropic_usage(a.usage)
    start = {
        **_anthropic_message(a),
        "content": [],
        "stop_reason": None,
        "usage": {**usage, "output_tokens": 1},
    }
    events: list[tuple[str, dict[str, Any]]] = [
        ("message_start", {"type": "message_start", "message": start}),
        ("ping", {"type": "ping"}),
    ]
    for index, block in enumerate(_anthropic_blocks(a)):
        first: dict[str, Any]
        if block["type"] == "text":
            first = {"type": "text", "text": ""}
            deltas = [{"type": "text_delta", "text": piece} for piece in _pieces(block["text"])]
        else:
            first = {**block, "input": {}}
            deltas = [
                {"type": "input_json_delta", "partial_json": piece}
                for piece in _halves(json.dumps(block["input"]))
            ]
        events.append(
            (
                "content_block_start",
                {"type": "content_block_start", "index": index, "content_block": first},
            )
        )
        events += [
            ("content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta})
            for delta in deltas
        ]
        events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
    events.append(
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": _anthropic_stop(a), "stop_sequence": None},
                "usage": {"output_tokens": usage["output_tokens"]},
            },
        )
    )
    events.append(("message_stop", {"type": "message_stop"}))
    return events


def _anthropic_error(status: int, kind: str, message: str) -> tuple[int, Any]:
    return status, {"type": "error", "error": {"type": kind, "message": message}}


def _anthropic_fault(fault: str, model: str) -> tuple[int, Any]:
    if fault == "429":
        return _anthropic_error(
            429,
            "rate_limit_error",
            "This request would exceed the rate limit for your organization of 50 requests per minute.",
        )
    if fault == "500":
        return _anthropic_error(500, "api_error", "Internal server error")
    if fault == "503":
        return _anthropic_error(503, "api_error", "Service unavailable")
    if fault == "529":
        return _anthropic_error(529, "overloaded_error", "Overloaded")
    if fault == "401":
        return _anthropic_error(401, "authentication_error", "invalid x-api-key")
    if fault == "context":
        return _anthropic_error(
            400, "invalid_request_error", "prompt is too long: 210000 tokens > 200000 maximum"
        )
    if fault == "content_policy":
        return _anthropic_error(
            400, "invalid_request_error", "Output blocked by content filtering policy"
        )
    return _anthropic_error(400, "invalid_request_error", "temperature: range: 0..1")


# Gemini


def _gemini_parts(a: _Answer, text: str) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = [{"text": text}] if text else []
    for call in a.tool_calls:
        # Gemini 2.x sends no id (litellm then makes up a random one); Gemini 3 sends one
        function_call = {"name": call["name"], "args": call["arguments"]}
        if isinstance(call.get("id"), str):
            function_call["id"] = call["id"]
        parts.append({"functionCall": function_call})
    return parts


def _gemini_response(a: _Answer, parts: list[dict[str, Any]], final: bool) -> dict[str, Any]:
    candidate: dict[str, Any] = {"content": {"parts": parts, "role": "model"}, "index": 0}
    if final:
        candidate["finishReason"] = "MAX_TOKENS" if a.finish == "length" else "STOP"
    out: dict[str, Any] = {"candidates": [candidate]}
    if final:
        out["usageMetadata"] = _gemini_usage(a.usage)
    out["modelVersion"] = a.model
    out["responseId"] = f"fake-{a.number}"
    return out


def _gemini_chunks(a: _Answer) -> list[dict[str, Any]]:
    pieces = _pieces(a.text)
    if len(pieces) < 2:
        return [_gemini_response(a, _gemini_parts(a, a.text), True)]
    middle = len(pieces) // 2
    first = [{"text": "".join(pieces[:middle])}]
    return [
        _gemini_response(a, first, False),
        _gemini_response(a, _gemini_parts(a, "".join(pieces[middle:])), True),
    ]


def _gemini_error(status: int, state: str, message: str) -> tuple[int, Any]:
    return status, {"error": {"code": status, "message": message, "status": state}}


def _gemini_fault(fault: str, model: str) -> tuple[int, Any]:
    if fault == "429":
        return _gemini_error(
            429,
            "RESOURCE_EXHAUSTED",
            "You exceeded your current quota, please check your plan and billing details.",
        )
    if fault == "500":
        return _gemini_error(
            500,
            "INTERNAL",
            "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting",
        )
    if fault in ("503", "529"):
        return _gemini_error(
            int(fault), "UNAVAILABLE", "The model is overloaded. Please try again later."
        )
    if fault == "401":
        return _gemini_error(
            401,
            "UNAUTHENTICATED",
            "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or "
            "other valid authentication credential.",
        )
    if fault == "context":
        return _gemini_error(
            400,
            "INVALID_ARGUMENT",
            "The input token count (1048577) exceeds the maximum number of tokens allowed (1048576).",
        )
    return _gemini_error(
        400,
        "INVALID_ARGUMENT",
        "Invalid value at 'generation_config.temperature' (TYPE_FLOAT), \"hot\"",
    )


def _gemini_blocked(a: _Answer) -> dict[str, Any]:
    return {
        "promptFeedback": {
            "blockReason": "SAFETY",
            "safetyRatings": [
                {
                    "category": "HARM_CATEGORY_DANGEROUS_CONTENT",
                    "probability": "HIGH",
                    "blocked": True,
                },
            ],
        },
        "usageMetadata": {
            "promptTokenCount": a.usage["prompt_tokens"],
            "totalTokenCount": a.usage["prompt_tokens"],
        },
        "modelVersion": a.model,
        "responseId": f"fake-{a.number}",
    }


_FAULT_BODIES: Final = {
    "openai": _openai_fault,
    "anthropic": _anthropic_fault,
    "gemini": _gemini_fault,
}


# -- the handler -----------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeProvider/1.0"
    sys_version = ""
    timeout = 30  # an idle keep-alive connection ends after this
    disable_nagle_algorithm = True  # else each small write may wait ~40 ms for an ACK
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.fake._track(self.connection, add=True)

    def finish(self) -> None:
        self.server.fake._track(self.connection, add=False)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    # -- dispatch ----------------------------------------------------------------------

    def _handle(self) -> None:
        fake = self.server.fake
        split = urlsplit(self.path)
        path = unquote(split.path)
        query = parse_qs(split.query, keep_blank_values=True)
        headers = {key.lower(): value for key, value in self.headers.items()}
        raw = self._read_body()
        text = raw.decode("utf-8", errors="replace")
        body: Any
        try:
            body = json.loads(text) if text else None
        except ValueError:
            body = text
        recorded = Recorded(self.command, path, query, headers, body)

        picture = _PICTURE_ROUTE.match(path)
        if picture is not None and self.command == "GET":
            fake._arrive(recorded, take_step=False)
            self._send_raw(200, "image/png", png_bytes(int(picture[1]), int(picture[2])))
            return
        route = self._route(path)
        if route is None:
            fake._arrive(recorded, take_step=False)
            self._send_json(
                404, {"error": {"message": f"fake provider: no route for {self.command} {path}"}}
            )
            return
        provider, kind, gemini_model, gemini_method = route
        if self.command != "POST":
            fake._arrive(recorded, take_step=False)
            self._send_json(405, {"error": {"message": f"fake provider: {path} takes POST"}})
            return
        data: dict[str, Any] = body if isinstance(body, dict) else {}
        model = gemini_model or str(data.get("model", ""))
        if fake.require_key is not None and fake.require_key not in self._keys(headers, query):
            fake._arrive(recorded, take_step=False)
            status, error = _FAULT_BODIES[provider]("401", model)
            self._send_json(status, error)
            return

        number, step = fake._arrive(recorded, take_step=True)
        if provider == "gemini":
            stream = gemini_method == "streamGenerateContent"
        else:
            stream = kind == "chat" and data.get("stream") is True
        fault = step if isinstance(step, _Fault) else None
        reply = step if isinstance(step, _Reply) else None
        answer = self._answer(provider, model, data, reply, number, stream, fake.openai_tokens)
        answer.sse = provider != "gemini" or query.get("alt") == ["sse"]

        if fault is not None and self._fault(fault, answer, kind):
            return
        if kind == "embeddings":
            self._send_json(200, self._embeddings(data, model))
        elif stream:
            self._send_stream(self._events(answer), sse=answer.sse)
        else:
            self._send_json(200, self._completion(answer))

    @staticmethod
    def _route(path: str) -> tuple[Provider, str, str | None, str | None] | None:
        if path == "/v1/chat/completions":
            return "openai", "chat", None, None
        if path == "/v1/embeddings":
            return "openai", "embeddings", None, None
        if path == "/v1/messages":
            return "anthropic", "chat", None, None
        match = _GEMINI_ROUTE.match(path)
        if match is not None:
            return "gemini", "chat", match.group(2), match.group(3)
        return None

    @staticmethod
    def _keys(headers: dict[str, str], query: dict[str, list[str]]) -> set[str]:
        keys = set(query.get("key", []))
        for name in ("x-api-key", "x-goog-api-key"):
            if name in headers:
                keys.add(headers[name])
        auth = headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            keys.add(auth[7:])
        return keys

    @staticmethod
    def _answer(
        provider: Provider,
        model: str,
        data: dict[str, Any],
        reply: _Reply | None,
        number: int,
        stream: bool,
        openai_tokens: Callable[[str], int] | None = None,
    ) -> _Answer:
        calls = [dict(call) for call in reply.tool_calls] if reply else []
        if reply is not None and reply.text is not None:
            text = reply.text
        else:
            text = "" if calls else f"Hello from the fake {provider}."
        usage = dict.fromkeys(USAGE_KEYS, 0)
        usage["prompt_tokens"] = _prompt_tokens(provider, data, model, openai_tokens)
        usage["completion_tokens"] = _completion_tokens(text, calls)
        if reply is not None:
            usage.update(reply.usage)
        options = data.get("stream_options")
        include_usage = isinstance(options, dict) and options.get("include_usage") is True
        finish = reply.finish if reply else "stop"
        tier = data.get("service_tier")
        return _Answer(
            provider,
            model,
            text,
            calls,
            usage,
            finish,
            number,
            stream,
            include_usage,
            service_tier=tier if isinstance(tier, str) and tier != "auto" else "default",
        )

    def _fault(self, fault: _Fault, a: _Answer, kind: str) -> bool:
        """Act out ``fault``; True when the request is answered (or dropped)."""
        fake = self.server.fake
        name = fault.fault
        if name == "slow":
            fake._sleep(fault.delay)
            return False
        if name == "timeout":
            fake._sleep(fault.delay)
            self._drop()
            return True
        if name == "malformed":
            if a.stream and kind == "chat":
                self._send_stream(self._malformed_events(a), sse=a.sse)
            else:
                self._send_raw(
                    200, "application/json", b'{"id": "fake", "choices": [ this is not JSON'
                )
            return True
        if name == "wrong_content_type":
            page = b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>Bad Gateway</body></html>"
            self._send_raw(200, "text/html; charset=utf-8", page)
            return True
        if name == "cut_stream":
            if a.stream and kind == "chat":
                events = self._events(a)
                self._send_stream(events[: max(1, min(3, len(events) - 2))], sse=a.sse, cut=True)
            else:
                payload = json.dumps(
                    self._embeddings({}, a.model) if kind == "embeddings" else self._completion(a)
                )
                whole = payload.encode()
                self._send_raw(200, "application/json", whole[: len(whole) // 2], length=len(whole))
                self._drop()
            return True
        if name == "content_policy" and a.provider == "gemini":
            if a.stream:
                self._send_stream([self._gemini_event(_gemini_blocked(a), a)], sse=a.sse)
            else:
                self._send_json(200, _gemini_blocked(a))
            return True
        status, error = _FAULT_BODIES[a.provider](name, a.model)
        extra: dict[str, str] = {}
        if fault.retry_after is not None:
            value = fault.retry_after
            extra["Retry-After"] = str(int(value)) if float(value).is_integer() else str(value)
        self._send_json(status, error, extra)
        return True

    # -- bodies ------------------------------------------------------------------------

    @staticmethod
    def _completion(a: _Answer) -> dict[str, Any]:
        if a.provider == "openai":
            return _openai_completion(a)
        if a.provider == "anthropic":
            return _anthropic_message(a)
        return _gemini_response(a, _gemini_parts(a, a.text), True)

    def _events(self, a: _Answer) -> list[bytes]:
        """The whole stream, one encoded event (or array element) per item."""
        if a.provider == "openai":
            return [self._sse(chunk) for chunk in _openai_chunks(a)] + [b"data: [DONE]\n\n"]
        if a.provider == "anthropic":
            return [self._sse(data, name) for name, data in _anthropic_events(a)]
        return [self._gemini_event(chunk, a) for chunk in _gemini_chunks(a)]

    def _malformed_events(self, a: _Answer) -> list[bytes]:
        events = self._events(a)
        bad = b"data: {this is not JSON\n\n"
        if a.provider == "anthropic":
            bad = b"event: content_block_delta\n" + bad
        elif a.provider == "gemini":
            bad = b"data: {this is not JSON\r\n\r\n" if a.sse else b"{this is not JSON"
        return [*events[:1], bad, *events[1:]]

    @staticmethod
    def _sse(data: dict[str, Any], event: str | None = None) -> bytes:
        head = f"event: {event}\n" if event else ""
        return f"{head}data: {json.dumps(data)}\n\n".encode()

    @staticmethod
    def _gemini_event(chunk: dict[str, Any], a: _Answer) -> bytes:
        if a.sse:
            return f"data: {json.dumps(chunk)}\r\n\r\n".encode()
        return json.dumps(chunk).encode()

    @staticmethod
    def _embeddings(data: dict[str, Any], model: str) -> dict[str, Any]:
        given = data.get("input", "")
        inputs: list[Any] = given if isinstance(given, list) else [given]
        texts = [item if isinstance(item, str) else json.dumps(item) for item in inputs]
        as_base64 = data.get("encoding_format") == "base64"
        rows: list[dict[str, Any]] = []
        for index, text in enumerate(texts):
            vector = FakeProvider.embedding_for(text)
            encoded: Any = (
                base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
                if as_base64
                else vector
            )
            rows.append({"object": "embedding", "index": index, "embedding": encoded})
        tokens = sum(len(text) // 4 + 1 for text in texts)
        return {
            "object": "list",
            "data": rows,
            "model": model,
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }

    # -- wire --------------------------------------------------------------------------

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send_json(self, status: int, payload: Any, extra: dict[str, str] | None = None) -> None:
        self._send_raw(status, "application/json", json.dumps(payload).encode(), extra=extra)

    def _send_raw(
        self,
        status: int,
        content_type: str,
        payload: bytes,
        *,
        length: int | None = None,
        extra: dict[str, str] | None = None,
    ) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload) if length is None else length))
            for key, value in (extra or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(payload)
            self.wfile.flush()
        except OSError:
            self.close_connection = True

    def _send_stream(self, events: list[bytes], *, sse: bool = True, cut: bool = False) -> None:
        """Send ``events`` as a chunked body: SSE, or (Gemini without ``alt=sse``) a JSON array."""
        if not sse:  # Gemini's streamGenerateContent without alt=sse: a JSON array, in pieces
            events = [
                (b"[" if i == 0 else b",\r\n")
                + event
                + (b"]" if i == len(events) - 1 and not cut else b"")
                for i, event in enumerate(events)
            ]
        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream" if sse else "application/json")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for event in events:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(event), event))
                self.wfile.flush()
            if cut:
                self._drop()
                return
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except OSError:
            self.close_connection = True

    def _drop(self) -> None:
        """Close the connection at once, answering nothing more."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.wfile.flush()
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)
