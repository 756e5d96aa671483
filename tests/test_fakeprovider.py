"""The fake provider, proved against the real litellm over real HTTP on 127.0.0.1.

The fault table below records what litellm 1.110.2 actually raises for each provider's
errors; where litellm raises nothing (Gemini's prompt block, HTML in a stream) the row
says what comes back instead.
"""

from __future__ import annotations

import os

# litellm fetches its price map from the network at import unless told to use its own copy.
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"

import base64
import json
import socket
import struct
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import litellm
import pytest
from litellm.exceptions import (
    APIConnectionError,
    APIError,
    AuthenticationError,
    BadRequestError,
    ContentPolicyViolationError,
    ContextWindowExceededError,
    InternalServerError,
    MidStreamFallbackError,
    RateLimitError,
    ServiceUnavailableError,
    Timeout,
)
from litellm.types.utils import (
    ChatCompletionMessageToolCall,
    Choices,
    EmbeddingResponse,
    ModelResponse,
)

from tests.fakeprovider import FAULTS, FakeProvider, Recorded

pytestmark = [
    # litellm builds pydantic schemas for its TypedDicts lazily, on first use (the first
    # completion imports litellm.llms.github_copilot, a Gemini call its cached-content types,
    # ...); pydantic warns once per TypedDict whose items are ReadOnly.
    pytest.mark.filterwarnings(
        "ignore:Items? .* on TypedDict class '.*' (is|are) using the `ReadOnly` qualifier"
        ":UserWarning"
    ),
    # litellm's stream assembly reads model_fields / model_computed_fields off instances.
    pytest.mark.filterwarnings(
        "ignore:Accessing the 'model_(computed_)?fields' attribute on the instance is deprecated"
        ":pydantic.warnings.PydanticDeprecatedSince211"
        ":litellm.litellm_core_utils.model_response_utils"
    ),
]

MESSAGES = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Say hi to the tests."},
]
# "Be brief." + "Say hi to the tests." = 29 characters: 29 // 4 + 1 = 8 prompt tokens.
DEFAULT_PROMPT_TOKENS = 8
PROVIDERS = ("openai", "anthropic", "gemini")
MODELS = {
    "openai": "openai/gpt-4o",
    "anthropic": "anthropic/claude-sonnet-4-5",
    "gemini": "gemini/gemini-2.5-flash",
}
KEYS = {"openai": "sk-test-openai", "anthropic": "sk-ant-test", "gemini": "gemini-test-key"}
WEATHER_SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}},
    "required": ["city"],
}
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "The weather in a city.",
            "parameters": WEATHER_SCHEMA,
        },
    }
]
# How litellm sends TOOLS to each provider.
TOOLS_AS_SENT = {
    "openai": TOOLS,
    "anthropic": [
        {
            "name": "get_weather",
            "input_schema": WEATHER_SCHEMA,
            "type": "custom",
            "description": "The weather in a city.",
        }
    ],
    "gemini": [
        {
            "function_declarations": [
                {
                    "name": "get_weather",
                    "description": "The weather in a city.",
                    "parameters": WEATHER_SCHEMA,
                }
            ]
        }
    ],
}


def api_base(fake: FakeProvider, provider: str) -> str:
    return {
        "openai": fake.openai_base,
        "anthropic": fake.anthropic_base,
        "gemini": fake.gemini_base,
    }[provider]


def complete(fake: FakeProvider, provider: str, **kwargs: Any) -> Any:
    """litellm.completion against the fake, with litellm's and the SDK's retries off."""
    kwargs.setdefault("messages", MESSAGES)
    kwargs.setdefault("num_retries", 0)
    kwargs.setdefault("max_retries", 0)
    return litellm.completion(
        model=MODELS[provider], api_base=api_base(fake, provider), api_key=KEYS[provider], **kwargs
    )


def message_of(response: Any) -> Choices:
    assert isinstance(response, ModelResponse)
    choice = response.choices[0]
    assert isinstance(choice, Choices)
    return choice


def drain(stream: Any) -> tuple[str, str | None, Any, list[Any]]:
    """(text, last finish_reason, usage of the last chunk, chunks) of a litellm stream."""
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    finishes = [
        c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason
    ]
    return text, (finishes[-1] if finishes else None), getattr(chunks[-1], "usage", None), chunks


def call_through(fake: FakeProvider, provider: str, **kwargs: Any) -> tuple[str | None, str | None]:
    """(text, finish_reason) of a completion, a stream read to its end."""
    response = complete(fake, provider, **kwargs)
    if kwargs.get("stream"):
        text, finish, _, _ = drain(response)
        return text, finish
    choice = message_of(response)
    return choice.message.content, choice.finish_reason


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any connection or name lookup that would leave this machine."""
    real_connect = socket.socket.connect
    real_getaddrinfo = socket.getaddrinfo

    def connect(self: socket.socket, address: Any) -> None:
        if isinstance(address, tuple) and address[0] not in ("127.0.0.1", "::1"):
            raise AssertionError(f"a test tried to reach {address}")
        real_connect(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in ("127.0.0.1", "::1", "localhost", b"127.0.0.1", b"localhost"):
            raise AssertionError(f"a test tried to look up {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    # litellm prints a "Give Feedback / Get Help" banner to stdout on every error otherwise
    monkeypatch.setattr(litellm, "suppress_debug_info", True)


@pytest.fixture(scope="module")
def server() -> Iterator[FakeProvider]:
    with FakeProvider() as fake:
        yield fake


@pytest.fixture
def fake(server: FakeProvider) -> FakeProvider:
    server.reset()
    return server


# -- the fake on its own ------------------------------------------------------------------


def test_starts_on_loopback_and_records_requests() -> None:
    with FakeProvider() as fake, httpx.Client() as client:
        assert fake.base_url.startswith("http://127.0.0.1:")
        assert fake.openai_base == fake.base_url + "/v1"
        assert fake.gemini_base == fake.base_url + "/v1beta"
        response = client.post(
            fake.openai_base + "/chat/completions?x=1&x=2",
            json={"model": "m", "messages": [{"role": "user", "content": "12345678"}]},
            headers={"Authorization": "Bearer sk-1", "X-Custom": "yes"},
        )
        assert response.status_code == 200
        body = response.json()
        assert body["choices"][0]["message"]["content"] == "Hello from the fake openai."
        # 8 characters // 4 + 1 = 3; "Hello from the fake openai." is 5 words
        assert body["usage"]["prompt_tokens"] == 3
        assert body["usage"]["completion_tokens"] == 5
        client.post(fake.base_url + "/v1/messages", content=b"not json")
        first, second = fake.requests
        assert first == Recorded(
            method="POST",
            path="/v1/chat/completions",
            query={"x": ["1", "2"]},
            headers=first.headers,
            body={"model": "m", "messages": [{"role": "user", "content": "12345678"}]},
        )
        assert first.headers["authorization"] == "Bearer sk-1"
        assert first.headers["x-custom"] == "yes"
        assert second.body == "not json"
        assert fake.last is second
        fake.reset()
        assert fake.requests == []
    with pytest.raises(httpx.ConnectError):
        httpx.post(fake.openai_base + "/chat/completions", json={})


def test_steps_are_taken_in_order_and_unknown_routes_take_none(fake: FakeProvider) -> None:
    fake.reply(text="one", times=2)
    fake.fail("500")
    fake.reply(text="last")
    assert fake.pending == 4
    with httpx.Client() as client:
        chat = fake.openai_base + "/chat/completions"
        assert client.post(fake.base_url + "/nowhere", json={}).status_code == 404
        assert client.get(chat).status_code == 405
        assert fake.pending == 4
        results = [client.post(chat, json={"model": "m", "messages": []}) for _ in range(5)]
    assert [r.status_code for r in results] == [200, 200, 500, 200, 200]
    texts = [r.json()["choices"][0]["message"]["content"] for r in results if r.status_code == 200]
    assert texts == ["one", "one", "last", "Hello from the fake openai."]
    assert fake.pending == 0
    assert len(fake.requests) == 7


def test_scripting_rejects_what_it_does_not_know(fake: FakeProvider) -> None:
    with pytest.raises(ValueError, match="unknown fault"):
        fake.fail("418")
    with pytest.raises(ValueError, match="unknown usage keys"):
        fake.reply(usage={"input_tokens": 3})
    with pytest.raises(ValueError, match="tool call"):
        fake.reply(tool_calls=[{"name": "f", "arguments": "{}"}])
    with pytest.raises(ValueError, match="times"):
        fake.reply(times=0)
    assert fake.pending == 0


def test_require_key_checks_each_providers_key_location() -> None:
    with FakeProvider(require_key="right") as fake, httpx.Client() as client:
        gemini = fake.gemini_base + "/models/gemini-2.5-flash:generateContent"
        ok = [
            client.post(
                fake.openai_base + "/chat/completions",
                json={},
                headers={"Authorization": "Bearer right"},
            ),
            client.post(fake.base_url + "/v1/messages", json={}, headers={"x-api-key": "right"}),
            client.post(gemini, json={}, headers={"x-goog-api-key": "right"}),
            client.post(gemini + "?key=right", json={}),
        ]
        assert [r.status_code for r in ok] == [200, 200, 200, 200]
        bad = client.post(fake.base_url + "/v1/messages", json={}, headers={"x-api-key": "wrong"})
        assert bad.status_code == 401
        assert bad.json()["error"]["type"] == "authentication_error"
        assert (
            client.post(gemini + "?key=wrong", json={}).json()["error"]["status"]
            == "UNAUTHENTICATED"
        )


def test_retry_after_header_formats(fake: FakeProvider) -> None:
    fake.fail("429", retry_after=2)
    fake.fail("429", retry_after=1.5)
    fake.fail("503")
    with httpx.Client() as client:
        url = fake.base_url + "/v1/messages"
        headers = [client.post(url, json={}).headers.get("retry-after") for _ in range(3)]
    assert headers == ["2", "1.5", None]


def test_gemini_stream_without_alt_sse_is_a_json_array(fake: FakeProvider) -> None:
    fake.reply(text="one two three four")
    url = fake.gemini_base + "/models/gemini-2.5-flash:streamGenerateContent"
    with httpx.Client() as client:
        response = client.post(
            url, json={"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}
        )
    assert response.headers["content-type"] == "application/json"
    chunks = response.json()
    assert (
        "".join(c["candidates"][0]["content"]["parts"][0]["text"] for c in chunks)
        == "one two three four"
    )
    assert chunks[-1]["candidates"][0]["finishReason"] == "STOP"
    assert chunks[-1]["usageMetadata"] == {
        "promptTokenCount": 1,
        "candidatesTokenCount": 4,
        "totalTokenCount": 5,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 1}],
    }


def test_embeddings_base64_and_float_agree(fake: FakeProvider) -> None:
    with httpx.Client() as client:
        url = fake.openai_base + "/embeddings"
        floats = client.post(url, json={"model": "e", "input": ["a", "bb"]}).json()
        packed = client.post(
            url, json={"model": "e", "input": "a", "encoding_format": "base64"}
        ).json()
    assert floats["data"][0]["embedding"] == FakeProvider.embedding_for("a")
    assert floats["data"][1]["embedding"] == FakeProvider.embedding_for("bb")
    assert floats["usage"] == {"prompt_tokens": 2, "total_tokens": 2}
    raw = base64.b64decode(packed["data"][0]["embedding"])
    assert list(struct.unpack("<8f", raw)) == FakeProvider.embedding_for("a")
    assert FakeProvider.embedding_for("a") != FakeProvider.embedding_for("b")
    assert all(-1 <= x < 1 for x in FakeProvider.embedding_for("anything"))


def test_stop_wakes_a_request_held_by_a_timeout_fault() -> None:
    fake = FakeProvider().start()
    fake.fail("timeout", delay=30)
    outcome: list[BaseException] = []

    def call() -> None:
        try:
            httpx.post(fake.openai_base + "/chat/completions", json={}, timeout=10)
        except httpx.HTTPError as error:
            outcome.append(error)

    caller = threading.Thread(target=call)
    caller.start()
    deadline = time.monotonic() + 60
    while not fake.requests and time.monotonic() < deadline:
        time.sleep(0.01)
    assert fake.requests
    fake.stop()
    caller.join(60)
    assert not caller.is_alive()
    # Woken by the stop: the client's own 10-second timeout would raise ReadTimeout.
    assert [type(e) for e in outcome] == [httpx.RemoteProtocolError]


# -- through litellm: replies ---------------------------------------------------------------


def test_openai_completion_request_and_reply(fake: FakeProvider) -> None:
    response = complete(fake, "openai", max_tokens=50, temperature=0.3)
    choice = message_of(response)
    assert choice.message.content == "Hello from the fake openai."
    assert choice.finish_reason == "stop"
    assert response.usage.prompt_tokens == DEFAULT_PROMPT_TOKENS
    assert response.usage.completion_tokens == 5
    (request,) = fake.requests
    assert (request.method, request.path, request.query) == ("POST", "/v1/chat/completions", {})
    assert request.headers["authorization"] == "Bearer sk-test-openai"
    assert request.body == {
        "model": "gpt-4o",
        "messages": MESSAGES,
        "temperature": 0.3,
        "max_tokens": 50,
    }


def test_anthropic_completion_request_and_reply(fake: FakeProvider) -> None:
    response = complete(fake, "anthropic", max_tokens=50, temperature=0.3, top_k=5)
    choice = message_of(response)
    assert choice.message.content == "Hello from the fake anthropic."
    assert choice.finish_reason == "stop"
    assert response.usage.prompt_tokens == DEFAULT_PROMPT_TOKENS
    assert response.usage.completion_tokens == 5
    (request,) = fake.requests
    assert (request.path, request.query) == ("/v1/messages", {})
    assert request.headers["x-api-key"] == "sk-ant-test"
    assert request.headers["anthropic-version"] == "2023-06-01"
    assert "authorization" not in request.headers
    assert request.body == {
        "model": "claude-sonnet-4-5",
        "system": [{"type": "text", "text": "Be brief."}],
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "Say hi to the tests."}]}
        ],
        "max_tokens": 50,
        "temperature": 0.3,
        "top_k": 5,
    }


def test_anthropic_gets_a_default_max_tokens(fake: FakeProvider) -> None:
    complete(fake, "anthropic")
    assert fake.last.json["max_tokens"] == 64000


def test_gemini_completion_request_and_reply(fake: FakeProvider) -> None:
    response = complete(fake, "gemini", max_tokens=50, temperature=0.3, top_k=5)
    choice = message_of(response)
    assert choice.message.content == "Hello from the fake gemini."
    assert choice.finish_reason == "stop"
    assert response.usage.prompt_tokens == DEFAULT_PROMPT_TOKENS
    assert response.usage.completion_tokens == 5
    (request,) = fake.requests
    assert (request.path, request.query) == ("/v1beta/models/gemini-2.5-flash:generateContent", {})
    # the key travels in a header, never in the URL
    assert request.headers["x-goog-api-key"] == "gemini-test-key"
    assert "authorization" not in request.headers
    # litellm sends the snake_case spellings (which Gemini accepts) inside generationConfig
    assert request.body == {
        "contents": [{"role": "user", "parts": [{"text": "Say hi to the tests."}]}],
        "system_instruction": {"parts": [{"text": "Be brief."}]},
        "generationConfig": {"temperature": 0.3, "max_output_tokens": 50, "top_k": 5},
    }


@pytest.mark.parametrize("provider", PROVIDERS)
def test_streaming(fake: FakeProvider, provider: str) -> None:
    fake.reply(text="one two three four five")
    stream = complete(fake, provider, stream=True, stream_options={"include_usage": True})
    text, finish, usage, chunks = drain(stream)
    assert text == "one two three four five"
    assert finish == "stop"
    assert len(chunks) > 2
    assert (usage.prompt_tokens, usage.completion_tokens) == (DEFAULT_PROMPT_TOKENS, 5)
    request = fake.last
    if provider == "gemini":
        assert request.path == "/v1beta/models/gemini-2.5-flash:streamGenerateContent"
        assert request.query == {"alt": ["sse"]}
    else:
        assert request.json["stream"] is True
    if provider == "openai":
        assert request.json["stream_options"] == {"include_usage": True}


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
@pytest.mark.parametrize("provider", PROVIDERS)
def test_tool_calls(fake: FakeProvider, provider: str, stream: bool) -> None:
    fake.reply(
        text="Checking.",
        tool_calls=[
            {"name": "get_weather", "arguments": {"city": "Paris"}, "id": "call_paris"},
            {"name": "get_weather", "arguments": {"city": "Lyon"}, "id": "call_lyon"},
        ],
    )
    response = complete(fake, provider, tools=TOOLS, stream=stream)
    if stream:
        response = litellm.stream_chunk_builder(list(response), messages=MESSAGES)
    choice = message_of(response)
    assert choice.message.content == "Checking."
    assert choice.finish_reason == "tool_calls"
    calls = choice.message.tool_calls or []
    assert all(isinstance(c, ChatCompletionMessageToolCall) for c in calls)
    assert [
        (c.id, c.function.name, json.loads(c.function.arguments or ""))
        for c in calls
        if isinstance(c, ChatCompletionMessageToolCall)
    ] == [
        ("call_paris", "get_weather", {"city": "Paris"}),
        ("call_lyon", "get_weather", {"city": "Lyon"}),
    ]
    assert fake.last.json["tools"] == TOOLS_AS_SENT[provider]


def test_gemini_tool_call_without_id_gets_a_made_up_one(fake: FakeProvider) -> None:
    fake.reply(tool_calls=[{"name": "get_weather", "arguments": {"city": "Paris"}}])
    calls = message_of(complete(fake, "gemini", tools=TOOLS)).message.tool_calls or []
    assert len(calls) == 1
    assert calls[0].id.startswith("call_")  # litellm's random id: Gemini 2.x sends none


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
@pytest.mark.parametrize("provider", PROVIDERS)
def test_scripted_usage_reaches_litellm(fake: FakeProvider, provider: str, stream: bool) -> None:
    fake.reply(
        text="ok",
        usage={
            "prompt_tokens": 100,
            "completion_tokens": 40,
            "cached_tokens": 30,
            "cache_creation_tokens": 20,
            "reasoning_tokens": 10,
        },
    )
    response = complete(
        fake, provider, stream=stream, stream_options={"include_usage": True} if stream else None
    )
    usage = drain(response)[2] if stream else response.usage
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (100, 40, 140)
    assert usage.prompt_tokens_details.cached_tokens == 30
    # Anthropic reports no reasoning count (thinking is inside output_tokens)
    expected_reasoning = 0 if provider == "anthropic" else 10
    assert usage.completion_tokens_details.reasoning_tokens == expected_reasoning
    if provider == "anthropic":
        assert usage.prompt_tokens_details.cache_creation_tokens == 20


@pytest.mark.parametrize("provider", PROVIDERS)
def test_finish_length(fake: FakeProvider, provider: str) -> None:
    fake.reply(text="cut short", finish="length")
    assert message_of(complete(fake, provider)).finish_reason == "length"


def test_openai_embeddings(fake: FakeProvider) -> None:
    response = litellm.embedding(
        model="openai/text-embedding-3-small",
        api_base=fake.openai_base,
        api_key=KEYS["openai"],
        input=["hello", "world!"],
    )
    assert isinstance(response, EmbeddingResponse)
    assert [row["embedding"] for row in response.data] == [
        FakeProvider.embedding_for("hello"),
        FakeProvider.embedding_for("world!"),
    ]
    assert response.usage is not None
    assert response.usage.prompt_tokens == 4  # 5 // 4 + 1 + 6 // 4 + 1
    (request,) = fake.requests
    assert request.path == "/v1/embeddings"
    assert request.headers["authorization"] == "Bearer sk-test-openai"
    assert request.body == {"model": "text-embedding-3-small", "input": ["hello", "world!"]}


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_wrong_key_is_an_authentication_error(provider: str) -> None:
    with FakeProvider(require_key="not-the-test-key") as fake:
        with pytest.raises(AuthenticationError):
            complete(fake, provider)
        fake.reply(text="let in")
        # the queue is untouched by the refused request
        assert fake.pending == 1


# -- through litellm: faults ------------------------------------------------------------------

# What litellm 1.110.2 does with each fault, per provider: (whole reply, streamed reply).
# An exception class: exactly that class is raised (by the call, or while reading the stream).
# "content_filter": no exception; no text and finish_reason "content_filter".
# "empty": no exception; no text and finish_reason "stop".
# "truncated": no exception; the text before the bad event and finish_reason "stop".
Outcome = type[Exception] | str
EXPECTED: dict[str, dict[str, tuple[Outcome, Outcome]]] = {
    "400": {
        "openai": (BadRequestError, BadRequestError),
        "anthropic": (BadRequestError, BadRequestError),
        "gemini": (BadRequestError, BadRequestError),
    },
    "401": {
        "openai": (AuthenticationError, AuthenticationError),
        "anthropic": (AuthenticationError, AuthenticationError),
        "gemini": (AuthenticationError, AuthenticationError),
    },
    "429": {
        "openai": (RateLimitError, RateLimitError),
        "anthropic": (RateLimitError, RateLimitError),
        "gemini": (RateLimitError, MidStreamFallbackError),
    },
    "500": {
        "openai": (InternalServerError, InternalServerError),
        "anthropic": (InternalServerError, InternalServerError),
        "gemini": (InternalServerError, MidStreamFallbackError),
    },
    "503": {
        "openai": (ServiceUnavailableError, ServiceUnavailableError),
        "anthropic": (ServiceUnavailableError, ServiceUnavailableError),
        "gemini": (InternalServerError, MidStreamFallbackError),
    },
    "529": {
        "openai": (APIError, APIError),
        "anthropic": (InternalServerError, InternalServerError),
        "gemini": (InternalServerError, MidStreamFallbackError),
    },
    "context": {
        "openai": (ContextWindowExceededError, ContextWindowExceededError),
        "anthropic": (ContextWindowExceededError, ContextWindowExceededError),
        "gemini": (ContextWindowExceededError, ContextWindowExceededError),
    },
    "content_policy": {
        "openai": (ContentPolicyViolationError, ContentPolicyViolationError),
        "anthropic": (ContentPolicyViolationError, ContentPolicyViolationError),
        "gemini": ("content_filter", "content_filter"),
    },
    "timeout": {
        "openai": (Timeout, Timeout),
        "anthropic": (Timeout, Timeout),
        "gemini": (Timeout, Timeout),
    },
    "malformed": {
        "openai": (InternalServerError, MidStreamFallbackError),
        "anthropic": (APIConnectionError, MidStreamFallbackError),
        "gemini": (BadRequestError, "truncated"),
    },
    "cut_stream": {
        "openai": (InternalServerError, MidStreamFallbackError),
        "anthropic": (InternalServerError, MidStreamFallbackError),
        "gemini": (APIConnectionError, MidStreamFallbackError),
    },
    "wrong_content_type": {
        "openai": (InternalServerError, "empty"),
        "anthropic": (APIConnectionError, "empty"),
        "gemini": (BadRequestError, "empty"),
    },
}
# "timeout" with delay=0: the connection closes at once, with no answer at all.
DROPPED: dict[str, tuple[type[Exception], type[Exception]]] = {
    "openai": (InternalServerError, InternalServerError),
    "anthropic": (InternalServerError, InternalServerError),
    "gemini": (APIConnectionError, MidStreamFallbackError),
}
NO_ERROR_OUTCOMES = {
    "content_filter": ("", "content_filter"),
    "empty": ("", "stop"),
    "truncated": ("Hello from ", "stop"),
}
CLIENT_TIMEOUT = 0.3
FAULT_CASES = [
    pytest.param(
        fault, provider, stream, id=f"{provider}-{fault}-{'stream' if stream else 'whole'}"
    )
    for fault in EXPECTED
    for provider in PROVIDERS
    for stream in (False, True)
]


def test_the_table_covers_every_fault_but_slow() -> None:
    assert set(EXPECTED) == FAULTS - {"slow"}


@pytest.mark.parametrize(("fault", "provider", "stream"), FAULT_CASES)
def test_fault(fake: FakeProvider, fault: str, provider: str, stream: bool) -> None:
    expected = EXPECTED[fault][provider][1 if stream else 0]
    fake.fail(fault, delay=CLIENT_TIMEOUT * 3 if fault == "timeout" else 0.0)

    if isinstance(expected, str):
        text, finish = call_through(fake, provider, stream=stream, timeout=CLIENT_TIMEOUT)
        assert (text or "", finish) == NO_ERROR_OUTCOMES[expected]
    else:
        with pytest.raises(expected) as caught:
            call_through(fake, provider, stream=stream, timeout=CLIENT_TIMEOUT)
        assert type(caught.value) is expected, caught.value
    assert len(fake.requests) == 1  # no retry anywhere


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
@pytest.mark.parametrize("provider", PROVIDERS)
def test_dropped_connection(fake: FakeProvider, provider: str, stream: bool) -> None:
    expected = DROPPED[provider][1 if stream else 0]
    fake.fail("timeout", delay=0)
    with pytest.raises(expected) as caught:
        call_through(fake, provider, stream=stream)
    assert type(caught.value) is expected, caught.value
    assert len(fake.requests) == 1


def test_gemini_stream_errors_come_wrapped(fake: FakeProvider) -> None:
    fake.fail("429")
    with pytest.raises(MidStreamFallbackError) as caught:
        call_through(fake, "gemini", stream=True)
    assert isinstance(caught.value.original_exception, RateLimitError)
    assert caught.value.status_code == 429


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
@pytest.mark.parametrize("provider", PROVIDERS)
def test_retry_after_reaches_the_exception(fake: FakeProvider, provider: str, stream: bool) -> None:
    fake.fail("429", retry_after=7)
    expected = MidStreamFallbackError if provider == "gemini" and stream else RateLimitError
    with pytest.raises(expected) as caught:
        call_through(fake, provider, stream=stream)
    error = caught.value
    headers = getattr(error, "litellm_response_headers", None)
    assert headers is not None
    assert headers["retry-after"] == "7"
    # only for OpenAI (the SDK's own response) does the header show on error.response too
    assert error.response.headers.get("retry-after") == ("7" if provider == "openai" else None)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_slow_reply_still_arrives(fake: FakeProvider, provider: str) -> None:
    fake.fail("slow", delay=0.2)
    started = time.monotonic()
    choice = message_of(complete(fake, provider, timeout=5))
    assert time.monotonic() - started >= 0.2
    assert choice.message.content == f"Hello from the fake {provider}."


def test_openai_retries_are_the_sdks_and_take_the_next_step(fake: FakeProvider) -> None:
    # For OpenAI, litellm hands num_retries to the openai SDK (as its max_retries), and the
    # SDK retries by itself; litellm's own retry loop (other providers) needs tenacity.
    fake.fail("500")
    fake.reply(text="recovered")
    choice = message_of(complete(fake, "openai", num_retries=1))
    assert choice.message.content == "recovered"
    assert [r.headers["x-stainless-retry-count"] for r in fake.requests] == ["0", "1"]
