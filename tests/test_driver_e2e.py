"""The driver end to end: catalog models called through the real litellm, over real HTTP.

Every call here goes from a catalog record through :mod:`llm_catalog.calls.driver` and litellm
1.110.2 to :class:`tests.fakeprovider.FakeProvider` on 127.0.0.1, which speaks OpenAI's,
Anthropic's and Gemini's wire formats. The catalog is built as a user builds it: the
shipped files, plus a user file that points each shipped provider at the fake, adds
headers, negotiates a price and adds a private OpenAI-compatible deployment.

Each provider's key is a canary. It must reach the fake in the provider's auth header and
nowhere else: not in any exception (its text, repr, args, provider_message or chain), not
in any answer's repr, not in any log record (root and litellm's loggers, at DEBUG), not on
stdout or stderr.
"""

from __future__ import annotations

import asyncio
import importlib.util
import inspect
import json
import logging
import re
import socket
import sys
import threading
import warnings
from collections.abc import Coroutine, Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar

import pytest

import llm_catalog
from llm_catalog import (
    AuthenticationError,
    BadRequestError,
    CallableModel,
    CallError,
    Catalog,
    Completion,
    ContentPolicyError,
    ContextWindowError,
    InsecureAPIBaseError,
    MalformedResponseError,
    MissingKeyError,
    OutputLimitError,
    ProviderError,
    ProviderTimeoutError,
    ProviderUnavailableError,
    RateLimitError,
    RouteError,
    UnsupportedParameterError,
    Usage,
    get_model,
)
from llm_catalog.calls.driver.backend import load_litellm
from llm_catalog.calls.router import Router
from llm_catalog.data.profiles import Profile
from llm_catalog.query.pricing import estimate_cost
from tests.fakeprovider import FAULTS, FakeProvider, Recorded

CANARY = "CANARY0123456789abcdefghijklmnop"  # 32 characters, in every key below
KEYS = {
    "OPENAI_API_KEY": "sk-canary-" + CANARY,
    "ANTHROPIC_API_KEY": "sk-ant-canary-" + CANARY,
    "GEMINI_API_KEY": "AIza" + CANARY,
}
PROVIDERS = ("openai", "anthropic", "gemini")
MODELS = {
    "openai": "openai/gpt-4o-mini",
    "anthropic": "anthropic/claude-haiku-4-5-20251001",
    "gemini": "google/gemini-2.5-flash-lite",
}
T = TypeVar("T")
PRIVATE = "acme/support-bot"
EMBEDDER = "openai/text-embedding-3-small"
LITELLM_LOGGERS = ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy")

MESSAGES = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Say hi to the tests."},
]
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "The weather in a city.",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    }
]
# The auth header each provider's key travels in, and its value.
AUTH = {
    "openai": ("authorization", "Bearer " + KEYS["OPENAI_API_KEY"]),
    "anthropic": ("x-api-key", KEYS["ANTHROPIC_API_KEY"]),
    "gemini": ("x-goog-api-key", KEYS["GEMINI_API_KEY"]),
}
# Request parameters each model takes, and how litellm sends them.
PARAMS: dict[str, dict[str, Any]] = {
    "openai": {"max_tokens": 50, "temperature": 0.3, "presence_penalty": 0.5},
    "anthropic": {"max_tokens": 50, "temperature": 0.3, "top_k": 5},
    "gemini": {"max_tokens": 50, "temperature": 0.3, "top_k": 5},
}
SENT: dict[str, tuple[str, dict[str, Any]]] = {
    "openai": (
        "/v1/chat/completions",
        {
            "model": "gpt-4o-mini",
            "messages": MESSAGES,
            "max_tokens": 50,
            "temperature": 0.3,
            "presence_penalty": 0.5,
        },
    ),
    "anthropic": (
        "/v1/messages",
        {
            "model": "claude-haiku-4-5-20251001",
            "system": [{"type": "text", "text": "Be brief."}],
            "messages": [
                {"role": "user", "content": [{"type": "text", "text": "Say hi to the tests."}]}
            ],
            "max_tokens": 50,
            "temperature": 0.3,
            "top_k": 5,
        },
    ),
    "gemini": (
        "/v1beta/models/gemini-2.5-flash-lite:generateContent",
        {
            "contents": [{"role": "user", "parts": [{"text": "Say hi to the tests."}]}],
            "system_instruction": {"parts": [{"text": "Be brief."}]},
            "generationConfig": {"temperature": 0.3, "max_output_tokens": 50, "top_k": 5},
        },
    ),
}
# Scripted usage, in the fake's neutral words, and the Usage the driver reads from it:
# Anthropic writes to its cache, Gemini thinks.
SCRIPTED = {
    "openai": {"prompt_tokens": 1200, "completion_tokens": 300, "cached_tokens": 400},
    "anthropic": {
        "prompt_tokens": 1200,
        "completion_tokens": 300,
        "cached_tokens": 400,
        "cache_creation_tokens": 200,
    },
    "gemini": {
        "prompt_tokens": 1200,
        "completion_tokens": 300,
        "cached_tokens": 400,
        "reasoning_tokens": 100,
    },
}
USAGE = {
    "openai": Usage(input_tokens=1200, output_tokens=300, cached_input_tokens=400),
    "anthropic": Usage(
        input_tokens=1200, output_tokens=300, cached_input_tokens=400, cache_write_tokens=200
    ),
    "gemini": Usage(
        input_tokens=1200, output_tokens=300, cached_input_tokens=400, reasoning_tokens=100
    ),
}
MODES = ("whole", "stream", "async-whole", "async-stream")


def user_files(fake: FakeProvider) -> dict[str, str]:
    """What a user keeps in their own catalog directory, pointing at the fake."""
    gateways = f"""\
overrides:
  - id: openai/gpt-4o-mini
    pricing: {{input: 0.1}}     # negotiated; the other prices stay as shipped
provider_overrides:
  - id: openai
    api_base: {fake.openai_base}
    headers: {{X-Team: e2e}}
  - id: anthropic
    api_base: {fake.anthropic_base}
    headers: {{X-Team: e2e}}
  - id: google
    api_base: {fake.gemini_base}
    headers: {{X-Team: e2e}}
"""
    private = f"""\
provider:
  id: acme
  name: Acme private deployment
  litellm_provider: openai
  api_key_env: []
  api_base: {fake.openai_base}
  params: [temperature, max_tokens, stream]
models:
  - id: support-bot
    name: Support bot
    limits: {{context_window: 8192, max_output_tokens: 1024}}
    pricing: {{input: 1, output: 2}}
    provenance: {{sources: [our own deployment], checked: 2026-11-25}}
"""
    return {"gateways.yaml": gateways, "acme.yaml": private}


# -- fixtures ---------------------------------------------------------------------------------


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


@pytest.fixture(autouse=True)
def _canary_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, key in KEYS.items():
        monkeypatch.setenv(name, key)
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)


@pytest.fixture(autouse=True)
def _key_never_logged_or_printed(
    caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> Iterator[None]:
    """Every record at DEBUG, from the root logger and litellm's, and all output: no key."""
    caplog.set_level(logging.DEBUG)
    attached: list[logging.Logger] = []
    for name in LITELLM_LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
        logger = logging.getLogger(name)
        if not logger.propagate:  # then the root logger's capture would not see it
            logger.addHandler(caplog.handler)
            attached.append(logger)
    yield
    for logger in attached:
        logger.removeHandler(caplog.handler)
    out, err = capsys.readouterr()
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    records = caplog.get_records("setup") + caplog.get_records("call")
    for record in records:
        shown = formatter.format(record) + repr(vars(record))
        assert CANARY not in shown, f"the key is in a log record of {record.name}"
    assert CANARY not in out, "the key was printed to stdout"
    assert CANARY not in err, "the key was printed to stderr"


def close_the_current_event_loop() -> None:
    """Close the thread's current event loop, if any, and leave it without one.

    litellm's sync OpenAI calls ask asyncio.get_event_loop() for a loop to run their timing
    hooks on, which makes one and leaves it current; asyncio.run() later replaces it and
    drops it unclosed, and the ResourceWarning of that fails whichever test is running
    when it is collected. Without a current loop, litellm runs its hooks in asyncio.run().
    """
    policy = asyncio.get_event_loop_policy()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            loop = policy.get_event_loop()
    except RuntimeError:  # none, and none will be made
        loop = None
    if loop is not None and not loop.is_running():
        loop.close()
    policy.set_event_loop(None)


@pytest.fixture(autouse=True)
def _no_stray_event_loop() -> Iterator[None]:
    close_the_current_event_loop()
    yield
    close_the_current_event_loop()


@pytest.fixture(scope="session", autouse=True)
def _close_litellms_clients() -> Iterator[None]:
    """Close the HTTP clients litellm keeps for later calls, so that their sockets close.

    Left open, the OpenAI clients' sockets warn when the interpreter exits. This runs at
    the end of the session, when no later test can want a client litellm has kept.
    """
    yield
    litellm = sys.modules.get("litellm")
    if litellm is None:
        return
    cache = litellm.in_memory_llm_clients_cache
    clients = list(cache.cache_dict.values())
    cache.flush_cache()
    for client in clients:
        close = getattr(client, "close", None)
        if callable(close) and not inspect.iscoroutinefunction(close):
            close()


@pytest.fixture(scope="module")
def server() -> Iterator[FakeProvider]:
    with FakeProvider() as fake:
        yield fake


@pytest.fixture
def fake(server: FakeProvider) -> FakeProvider:
    server.reset()
    return server


def write_user_files(directory: Path, fake: FakeProvider) -> Path:
    """The user's catalog directory (see :func:`user_files`), written into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in user_files(fake).items():
        (directory / name).write_text(text, encoding="utf-8")
    return directory


@pytest.fixture(scope="module")
def catalog(server: FakeProvider, tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    return llm_catalog.load_catalog([write_user_files(tmp_path_factory.mktemp("user"), server)])


# -- helpers ----------------------------------------------------------------------------------


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """asyncio.run(coroutine), closing the HTTP clients litellm opened on its event loop.

    litellm keeps its async clients for the next call; asyncio.run closes the loop under
    them, and their sockets' ResourceWarnings would fail some later test.
    """

    async def then_close() -> T:
        try:
            return await coroutine
        finally:
            litellm = sys.modules.get("litellm")  # not there when the call was refused early
            if litellm is not None:
                await litellm.close_litellm_async_clients()

    return asyncio.run(then_close())


def call(
    model: CallableModel, mode: str, *, messages: list[dict[str, Any]] = MESSAGES, **params: Any
) -> Completion:
    """The model's answer, called one of four ways; a stream is read to its end."""
    if mode == "whole":
        return model.complete(messages, **params)
    if mode == "async-whole":
        return run(model.acomplete(messages, **params))
    if mode == "stream":
        stream = model.stream(messages, **params)
        pieces = list(stream)
    else:

        async def read() -> Any:
            stream = await model.astream(messages, **params)
            return stream, [piece async for piece in stream]

        stream, pieces = run(read())
    assert CANARY not in repr(stream)
    completion = stream.completion
    assert completion is not None
    assert completion.text == "".join(pieces)
    return completion


def sent_model(request: Recorded) -> str:
    """The model a request named: in the body, or in the path for Gemini."""
    match = re.fullmatch(r"/v1beta/models/([^:]+):\w+", request.path)
    return match.group(1) if match else str(request.json["model"])


def assert_keyless(error: BaseException) -> None:
    """The key is nowhere in the error: text, repr, args, provider_message, or its chain."""
    assert error.__cause__ is None
    assert error.__context__ is None
    shown = [str(error), repr(error), repr(error.args), str(getattr(error, "provider_message", ""))]
    assert not any(CANARY in text for text in shown), shown


# -- the catalog as the user built it -----------------------------------------------------------


def test_the_user_file_points_every_provider_at_the_fake(
    catalog: Catalog, server: FakeProvider
) -> None:
    bases = {
        "openai": server.openai_base,
        "anthropic": server.anthropic_base,
        "google": server.gemini_base,
        "acme": server.openai_base,
    }
    for provider, base in bases.items():
        assert catalog.providers[provider].api_base == base
    assert catalog.providers["openai"].headers == {"X-Team": "e2e"}
    assert catalog.providers["acme"].api_key_env == ()
    assert catalog["openai/gpt-4o-mini"].pricing is not None
    assert catalog["openai/gpt-4o-mini"].pricing.input == Decimal("0.1")


# -- complete() -------------------------------------------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
def test_complete(
    fake: FakeProvider, catalog: Catalog, caplog: pytest.LogCaptureFixture, provider: str
) -> None:
    model = get_model(MODELS[provider], catalog)
    fake.reply(text="Hi, tests.", usage=SCRIPTED[provider])
    completion = model.complete(
        MESSAGES, extra_headers={"X-Request-Id": "req-1"}, **PARAMS[provider]
    )

    assert completion.model_id == model.id
    assert completion.text == "Hi, tests."
    assert completion.tool_calls == ()
    assert completion.finish_reason == "stop"
    usage = USAGE[provider]
    assert completion.usage == usage
    expected = estimate_cost(
        model,
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        cached_input_tokens=usage.cached_input_tokens,
        cache_write_tokens=usage.cache_write_tokens,
        reasoning_tokens=usage.reasoning_tokens,
    )
    assert expected is not None
    assert completion.cost == expected
    assert CANARY not in repr(completion)

    (request,) = fake.requests
    path, body = SENT[provider]
    assert request.path == path
    assert request.query == {}
    assert request.json == body
    header, value = AUTH[provider]
    assert request.headers[header] == value
    # the key travels in that header alone: nowhere else in the request
    others = {name: text for name, text in request.headers.items() if name != header}
    assert CANARY not in repr(others) + repr(request.body) + repr(request.query)
    assert request.headers["x-team"] == "e2e"  # from the provider record
    assert request.headers["x-request-id"] == "req-1"  # from the call
    # litellm's debug records of the request are captured, and looked through for the key
    assert any(
        record.name == "LiteLLM"
        and record.levelno == logging.DEBUG
        and fake.base_url in record.getMessage()
        for record in caplog.records
    )


def test_cost_comes_from_the_catalogs_prices(fake: FakeProvider, catalog: Catalog) -> None:
    # gpt-4o-mini at the user's negotiated input price of $0.10 (shipped: $0.15), the
    # shipped $0.075 cached and $0.60 output, per million tokens.
    fake.reply(usage=SCRIPTED["openai"])
    completion = get_model("openai/gpt-4o-mini", catalog).complete(MESSAGES)
    assert (
        completion.cost
        == (800 * Decimal("0.1") + 400 * Decimal("0.075") + 300 * Decimal("0.6")) / 10**6
    )


def test_a_call_is_costed_at_the_service_tier_that_served_it(
    fake: FakeProvider, catalog: Catalog
) -> None:
    # gpt-4o-mini's priority prices, read on OpenAI's page: $0.25 input, $0.125 cached,
    # $1.00 output per million tokens (the user's negotiated input price is for standard).
    fake.reply(usage=SCRIPTED["openai"])
    completion = get_model("openai/gpt-4o-mini", catalog).complete(
        MESSAGES, service_tier="priority"
    )
    assert fake.requests[-1].json["service_tier"] == "priority"
    assert (
        completion.cost
        == (800 * Decimal("0.25") + 400 * Decimal("0.125") + 300 * Decimal("1.00")) / 10**6
    )
    # gpt-4o-mini has no flex prices: a call served at flex is unpriced, not standard.
    fake.reply(usage=SCRIPTED["openai"])
    flex = get_model("openai/gpt-4o-mini", catalog).complete(MESSAGES, service_tier="flex")
    assert flex.cost is None


def test_web_searches_a_call_made_are_charged_per_search(
    fake: FakeProvider, tmp_path: Path
) -> None:
    directory = write_user_files(tmp_path / "user", fake)
    (directory / "search.yaml").write_text(
        "overrides:\n"
        "  - id: anthropic/claude-haiku-4-5-20251001\n"
        "    pricing: {per_unit: {web_search: 0.01}}\n",
        encoding="utf-8",
    )
    searching = llm_catalog.load_catalog([directory])
    plain = {"prompt_tokens": 1200, "completion_tokens": 300}
    fake.reply(usage=plain)
    without = get_model(MODELS["anthropic"], searching).complete(MESSAGES).cost
    fake.reply(usage={**plain, "web_searches": 3})
    with_searches = get_model(MODELS["anthropic"], searching).complete(MESSAGES).cost
    assert without is not None
    assert with_searches == without + 3 * Decimal("0.01")
    # The shipped record has no search price: the searches make the bill unknown.
    shipped = llm_catalog.load_catalog([write_user_files(tmp_path / "plain", fake)])
    fake.reply(usage={**plain, "web_searches": 3})
    assert get_model(MODELS["anthropic"], shipped).complete(MESSAGES).cost is None


def test_a_per_call_api_base_wins(fake: FakeProvider, catalog: Catalog) -> None:
    with FakeProvider() as elsewhere:
        elsewhere.reply(text="From elsewhere.")
        completion = get_model(MODELS["openai"], catalog).complete(
            MESSAGES, api_base=elsewhere.openai_base
        )
        assert completion.text == "From elsewhere."
        (request,) = elsewhere.requests
    assert request.headers["authorization"] == AUTH["openai"][1]
    assert request.headers["x-team"] == "e2e"
    assert fake.requests == []


def test_a_private_deployment_needs_no_key(
    fake: FakeProvider, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in KEYS:
        monkeypatch.delenv(name)
    model = get_model(PRIVATE, catalog)
    fake.reply(text="Acme here.", usage={"prompt_tokens": 1000, "completion_tokens": 500})
    completion = model.complete(MESSAGES, temperature=0.1, max_tokens=20)
    assert completion.text == "Acme here."
    assert completion.cost == (1000 * Decimal(1) + 500 * Decimal(2)) / 10**6
    (request,) = fake.requests
    assert request.path == "/v1/chat/completions"
    assert request.json == {
        "model": "support-bot",
        "messages": MESSAGES,
        "temperature": 0.1,
        "max_tokens": 20,
    }
    # litellm's OpenAI client will not start without some key: the driver's placeholder
    assert request.headers["authorization"] == "Bearer no-key-needed"


# -- acomplete(), stream(), astream() --------------------------------------------------------


@pytest.mark.parametrize("mode", MODES[1:])
@pytest.mark.parametrize("provider", PROVIDERS)
def test_every_way_of_calling(
    fake: FakeProvider, catalog: Catalog, provider: str, mode: str
) -> None:
    model = get_model(MODELS[provider], catalog)
    fake.reply(text="one two three four five", usage=SCRIPTED[provider])
    completion = call(model, mode, **PARAMS[provider])
    assert completion.text == "one two three four five"
    assert completion.finish_reason == "stop"
    usage = USAGE[provider]
    assert completion.usage == usage
    assert completion.cost == estimate_cost(
        model,
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        cached_input_tokens=usage.cached_input_tokens,
        cache_write_tokens=usage.cache_write_tokens,
        reasoning_tokens=usage.reasoning_tokens,
    )
    assert CANARY not in repr(completion)
    (request,) = fake.requests
    assert sent_model(request) == model.id.split("/", 1)[1]
    assert request.headers[AUTH[provider][0]] == AUTH[provider][1]
    streamed = mode.endswith("stream")
    if provider == "gemini":
        method = "streamGenerateContent" if streamed else "generateContent"
        assert request.path == f"/v1beta/models/gemini-2.5-flash-lite:{method}"
        assert request.query == ({"alt": ["sse"]} if streamed else {})
    else:
        assert request.json.get("stream", False) is streamed
    if provider == "openai" and streamed:
        assert request.json["stream_options"] == {"include_usage": True}


def test_a_stream_yields_text_as_it_arrives(fake: FakeProvider, catalog: Catalog) -> None:
    fake.reply(text="one two three four five")
    stream = get_model(MODELS["anthropic"], catalog).stream(MESSAGES)
    assert stream.completion is None
    pieces = list(stream)
    assert pieces == ["one ", "two ", "three ", "four ", "five"]
    assert stream.completion is not None


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("provider", PROVIDERS)
def test_tool_calls(fake: FakeProvider, catalog: Catalog, provider: str, mode: str) -> None:
    fake.reply(
        tool_calls=[
            {"name": "get_weather", "arguments": {"city": "Paris"}, "id": "call_paris"},
            {"name": "get_weather", "arguments": {"city": "Lyon"}, "id": "call_lyon"},
        ],
    )
    completion = call(get_model(MODELS[provider], catalog), mode, tools=TOOLS)
    assert completion.finish_reason == "tool_calls"
    assert [(c.id, c.name, json.loads(c.arguments)) for c in completion.tool_calls] == [
        ("call_paris", "get_weather", {"city": "Paris"}),
        ("call_lyon", "get_weather", {"city": "Lyon"}),
    ]
    assert "tools" in fake.last.json


# -- embed() ----------------------------------------------------------------------------------


def test_embed(fake: FakeProvider, catalog: Catalog) -> None:
    model = get_model(EMBEDDER, catalog)
    embeddings = model.embed(["hello", "world!"])
    assert embeddings.model_id == EMBEDDER
    assert embeddings.vectors == (
        tuple(FakeProvider.embedding_for("hello")),
        tuple(FakeProvider.embedding_for("world!")),
    )
    assert embeddings.usage == Usage(input_tokens=4, output_tokens=0)  # 5 // 4 + 1 + 6 // 4 + 1
    assert embeddings.cost == estimate_cost(model, input_tokens=4) == Decimal("0.00000008")
    assert CANARY not in repr(embeddings)
    (request,) = fake.requests
    assert request.path == "/v1/embeddings"
    assert request.json == {"model": "text-embedding-3-small", "input": ["hello", "world!"]}
    assert request.headers["authorization"] == AUTH["openai"][1]
    assert request.headers["x-team"] == "e2e"


# -- faults -----------------------------------------------------------------------------------

# What each fault becomes, per provider, for a whole answer and a streamed one: the error,
# the HTTP status it carries, and words of the provider's own found in provider_message
# (for ContextWindowError, which has no provider_message, in its text). The async calls
# give the same. Statuses are the provider's, not litellm's (which says 500 for
# Anthropic's 529 and Gemini's 503, 408 for a timeout, 422 for a body it could not read).
Expected = tuple[type[CallError], int | None, str]
CUT = r"peer closed connection|Response payload is not completed"  # httpx; aiohttp (async)
EXPECTED: dict[str, dict[str, tuple[Expected, Expected]]] = {
    "400": {
        # the fake's OpenAI 400 is the images API's safety wording, a plain bad request
        "openai": ((BadRequestError, 400, "rejected as a result of our safety system"),) * 2,
        "anthropic": ((BadRequestError, 400, "temperature: range: 0..1"),) * 2,
        "gemini": ((BadRequestError, 400, "Invalid value at"),) * 2,
    },
    "401": {
        "openai": ((AuthenticationError, 401, "Incorrect API key provided"),) * 2,
        "anthropic": ((AuthenticationError, 401, "invalid x-api-key"),) * 2,
        "gemini": ((AuthenticationError, 401, "invalid authentication credentials"),) * 2,
    },
    "429": {
        "openai": ((RateLimitError, 429, "Rate limit reached for gpt-4o-mini"),) * 2,
        "anthropic": ((RateLimitError, 429, "would exceed the rate limit"),) * 2,
        "gemini": ((RateLimitError, 429, "You exceeded your current quota"),) * 2,
    },
    "500": {
        "openai": ((ProviderUnavailableError, 500, "The server had an error"),) * 2,
        "anthropic": ((ProviderUnavailableError, 500, "Internal server error"),) * 2,
        "gemini": ((ProviderUnavailableError, 500, "An internal error has occurred"),) * 2,
    },
    "503": {
        "openai": ((ProviderUnavailableError, 503, "The engine is currently overloaded"),) * 2,
        "anthropic": ((ProviderUnavailableError, 503, "Service unavailable"),) * 2,
        "gemini": ((ProviderUnavailableError, 503, "The model is overloaded"),) * 2,
    },
    "529": {
        "openai": ((ProviderUnavailableError, 529, "The engine is currently overloaded"),) * 2,
        "anthropic": ((ProviderUnavailableError, 529, "Overloaded"),) * 2,
        "gemini": ((ProviderUnavailableError, 529, "The model is overloaded"),) * 2,
    },
    "context": {
        "openai": ((ContextWindowError, None, "maximum context length is 128000 tokens"),) * 2,
        "anthropic": ((ContextWindowError, None, "prompt is too long: 210000 tokens"),) * 2,
        "gemini": ((ContextWindowError, None, "exceeds the maximum number of tokens"),) * 2,
    },
    "content_policy": {
        "openai": ((ContentPolicyError, 400, "flagged as potentially violating"),) * 2,
        "anthropic": ((ContentPolicyError, 400, "Output blocked by content filtering"),) * 2,
        # Gemini answers 200 with a block reason; litellm gives finish_reason content_filter
        "gemini": ((ContentPolicyError, None, "content_filter"),) * 2,
    },
    "timeout": dict.fromkeys(PROVIDERS, ((ProviderTimeoutError, None, "timed out"),) * 2),
    "malformed": {
        "openai": (
            (MalformedResponseError, None, "Expecting value"),
            (MalformedResponseError, None, "Expecting property name"),
        ),
        "anthropic": (
            (MalformedResponseError, None, "Unable to get json response"),
            # litellm's Anthropic reader stops at the bad event; the stream then ends short
            (ProviderUnavailableError, None, "Stream ended before a finish_reason"),
        ),
        "gemini": (
            (MalformedResponseError, None, "Error converting to valid response block"),
            # litellm drops the bad event and all after it; the driver finds what was left
            (MalformedResponseError, None, "unread: {this is not JSON"),
        ),
    },
    "cut_stream": {
        "openai": ((ProviderUnavailableError, None, "Connection error"),) * 2,
        "anthropic": ((ProviderUnavailableError, None, CUT),) * 2,
        "gemini": ((ProviderUnavailableError, None, CUT),) * 2,
    },
    "wrong_content_type": {
        # A streamed HTML page reads as an empty stream; the driver says so, with no
        # provider message to keep.
        "openai": (
            (MalformedResponseError, None, "Empty or invalid response from LLM endpoint"),
            (MalformedResponseError, None, "^$"),
        ),
        "anthropic": (
            (MalformedResponseError, None, "Unable to get json response"),
            (MalformedResponseError, None, "^$"),
        ),
        "gemini": (
            (MalformedResponseError, None, "Error converting to valid response block"),
            (MalformedResponseError, None, "^$"),
        ),
    },
}
# What each kind of error's own message says happened.
SAYS = {
    BadRequestError: "the provider refused the request",
    AuthenticationError: "the provider refused the API key",
    RateLimitError: r"rate limited \(retry after 7 s\)",
    ProviderUnavailableError: "the provider is unavailable",
    ContextWindowError: "the provider says the prompt is too long",
    ContentPolicyError: "refused by content policy",
    ProviderTimeoutError: "no answer in time",
    MalformedResponseError: "could not be read|without any content",
}
TIMEOUT = 1.0  # the call's (room for a loaded machine); the fake holds a "timeout" request for 2 s
FAULT_CASES = [
    pytest.param(fault, provider, mode, id=f"{provider}-{fault}-{mode}")
    for fault in EXPECTED
    for provider in PROVIDERS
    for mode in MODES
]


def test_the_table_covers_every_fault_but_slow() -> None:
    assert set(EXPECTED) == FAULTS - {"slow"}


@pytest.mark.parametrize(("fault", "provider", "mode"), FAULT_CASES)
def test_fault(fake: FakeProvider, catalog: Catalog, fault: str, provider: str, mode: str) -> None:
    kind, status, words = EXPECTED[fault][provider][mode.endswith("stream")]
    model = get_model(MODELS[provider], catalog)
    fake.fail(
        fault, retry_after=7 if fault == "429" else None, delay=2 if fault == "timeout" else 0
    )

    with pytest.raises(CallError) as caught:
        call(model, mode, timeout=TIMEOUT)
    error = caught.value
    assert type(error) is kind, error
    assert error.model_id == model.id
    assert re.search(SAYS[kind], str(error)), str(error)
    if isinstance(error, ProviderError):
        assert error.status_code == status
        assert re.search(words, error.provider_message), error.provider_message
    else:
        assert isinstance(error, ContextWindowError)
        assert error.counted is False
        assert re.search(words, str(error)), str(error)
    if isinstance(error, RateLimitError):
        assert error.retry_after == 7
    assert_keyless(error)
    assert len(fake.requests) == 1  # no retry anywhere
    assert fake.requests[0].headers[AUTH[provider][0]] == AUTH[provider][1]


@pytest.mark.parametrize(
    ("fault", "kind", "status"),
    [
        ("400", BadRequestError, 400),
        ("401", AuthenticationError, 401),
        ("429", RateLimitError, 429),
        ("500", ProviderUnavailableError, 500),
        ("503", ProviderUnavailableError, 503),
        ("context", ContextWindowError, None),
        ("timeout", ProviderTimeoutError, None),
        ("malformed", MalformedResponseError, None),
        ("cut_stream", ProviderUnavailableError, None),
        ("wrong_content_type", MalformedResponseError, None),
    ],
)
def test_embedding_fault(
    fake: FakeProvider, catalog: Catalog, fault: str, kind: type[CallError], status: int | None
) -> None:
    fake.fail(
        fault, retry_after=7 if fault == "429" else None, delay=2 if fault == "timeout" else 0
    )
    with pytest.raises(CallError) as caught:
        get_model(EMBEDDER, catalog).embed(["hello"], timeout=TIMEOUT)
    error = caught.value
    assert type(error) is kind, error
    assert error.model_id == EMBEDDER
    if isinstance(error, ProviderError):
        assert error.status_code == status
        assert error.provider_message
    assert_keyless(error)
    # litellm reads max_retries=0 as "the default, 2" for OpenAI embeddings: one request only
    assert len(fake.requests) == 1


def test_a_dropped_connection_is_unavailability(fake: FakeProvider, catalog: Catalog) -> None:
    fake.fail("timeout", delay=0)  # the connection closes at once, with no answer
    with pytest.raises(ProviderUnavailableError) as caught:
        get_model(MODELS["anthropic"], catalog).complete(MESSAGES)
    assert caught.value.status_code is None
    assert_keyless(caught.value)


def test_a_slow_answer_within_the_timeout_arrives(fake: FakeProvider, catalog: Catalog) -> None:
    fake.fail("slow", delay=0.2)
    assert get_model(MODELS["gemini"], catalog).complete(MESSAGES, timeout=5).text == (
        "Hello from the fake gemini."
    )


# -- checks before the call spend nothing ----------------------------------------------------

HUGE = [{"role": "user", "content": "x " * 360_000}]  # 720,000 characters / 3.5 > 200,000


@pytest.mark.parametrize("mode", MODES)
def test_checks_before_the_call_send_nothing(
    fake: FakeProvider, catalog: Catalog, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    claude = get_model(MODELS["anthropic"], catalog)
    with pytest.raises(UnsupportedParameterError):
        call(get_model(MODELS["openai"], catalog), mode, top_k=5)
    with pytest.raises(OutputLimitError):
        call(claude, mode, max_tokens=64_001)
    with pytest.raises(InsecureAPIBaseError):
        call(claude, mode, api_base="http://gateway.example/v1")
    with pytest.raises(ContextWindowError) as caught:
        call(claude, mode, messages=HUGE)
    assert caught.value.counted is True
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    with pytest.raises(MissingKeyError) as missing:
        call(claude, mode)
    assert missing.value.variables == ("ANTHROPIC_API_KEY",)
    assert fake.requests == []


def test_embedding_checks_send_nothing(
    fake: FakeProvider, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(UnsupportedParameterError):
        get_model(EMBEDDER, catalog).embed(["hello"], temperature=0.5)
    monkeypatch.delenv("OPENAI_API_KEY")
    with pytest.raises(MissingKeyError):
        get_model(EMBEDDER, catalog).embed(["hello"])
    assert fake.requests == []


# -- LangChain --------------------------------------------------------------------------------


def test_to_langchain(fake: FakeProvider, catalog: Catalog) -> None:
    # Not pytest.importorskip: importing langchain-litellm imports litellm, which must be
    # imported by the driver (quiet and offline) first, as to_langchain() does.
    if importlib.util.find_spec("langchain_litellm") is None:
        pytest.skip("langchain-litellm is not installed")
    fake.reply(text="Hi from LangChain.")
    chat = get_model(MODELS["openai"], catalog).to_langchain(
        temperature=0.2, extra_headers={"X-Run": "lc"}
    )
    assert CANARY not in repr(chat)
    answer = chat.invoke("hi")
    assert answer.content == "Hi from LangChain."
    (request,) = fake.requests
    assert request.path == "/v1/chat/completions"
    assert request.json["model"] == "gpt-4o-mini"
    assert request.json["temperature"] == 0.2
    assert request.json["messages"] == [{"role": "user", "content": "hi"}]
    assert request.headers["authorization"] == AUTH["openai"][1]
    assert request.headers["x-team"] == "e2e"
    assert request.headers["x-run"] == "lc"
    # no retries here either: neither LangChain's, nor litellm's, nor the OpenAI client's
    fake.fail("500")
    with pytest.raises(Exception, match="The server had an error"):
        chat.invoke("hi")
    assert len(fake.requests) == 2


def test_to_langchain_without_the_package(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "langchain_litellm", None)
    with pytest.raises(ImportError, match=r"pip install 'llm-catalog\[langchain\]'"):
        get_model(MODELS["openai"], catalog).to_langchain()


# -- where a call goes, and what its options may be: refused before anything is sent ----------


@pytest.mark.parametrize("mode", MODES)
def test_nothing_but_api_base_chooses_where_a_call_goes(
    fake: FakeProvider, catalog: Catalog, mode: str
) -> None:
    model = get_model(MODELS["openai"], catalog)
    with pytest.raises(InsecureAPIBaseError) as caught:
        call(model, mode, base_url="http://example.invalid/v1")
    assert "pass api_base='http://example.invalid/v1' instead" in str(caught.value)
    for headers in ({"Host": "example.invalid"}, {"X-Target": "http://example.invalid/v1"}):
        with pytest.raises(InsecureAPIBaseError):
            call(model, mode, extra_headers=headers)
    assert fake.requests == []


@pytest.mark.parametrize("mode", MODES)
def test_a_call_option_it_cannot_take_is_refused_before_any_request(
    fake: FakeProvider, catalog: Catalog, mode: str
) -> None:
    with pytest.raises(BadRequestError) as caught:
        call(get_model(MODELS["anthropic"], catalog), mode, timeout="soon")
    assert str(caught.value) == (
        "timeout must be a positive number of seconds, such as 30, got 'soon'"
    )
    assert caught.value.status_code is None
    with pytest.raises(BadRequestError):
        get_model(EMBEDDER, catalog).embed(["hello"], timeout="soon")
    assert fake.requests == []


def test_the_router_never_retries_a_call_it_refused(
    fake: FakeProvider, catalog: Catalog, tmp_path: Path
) -> None:
    chain = (MODELS["openai"], MODELS["anthropic"])
    profiles = {
        "pair": Profile(models=chain, retries=3, timeout_seconds=5),
        # Built in code, so never validated: the driver refuses it all the same.
        "redirected": Profile(models=chain, params={"base_url": "http://example.invalid/v1"}),
    }
    with Router(
        catalog,
        profiles=profiles,
        state=f"sqlite:///{tmp_path / 'state.sqlite3'}",
        ledger=tmp_path / "usage.sqlite3",
    ) as router:
        with pytest.raises(RouteError) as caught:
            router.complete("pair", MESSAGES, timeout="soon")
        attempts = caught.value.attempts
        assert [(a.model_id, a.outcome, a.sent) for a in attempts] == [
            (MODELS["openai"], "skipped", False),
            (MODELS["anthropic"], "skipped", False),
        ]
        assert all(isinstance(a.error, BadRequestError) for a in attempts)
        with pytest.raises(RouteError) as caught:
            router.complete("redirected", MESSAGES)
        assert [type(a.error) for a in caught.value.attempts] == [InsecureAPIBaseError] * 2
    assert fake.requests == []


# -- secrets in what litellm logs and prints --------------------------------------------------

# A gateway's key with no known shape: only the driver knows it is a key.
GATEWAY_KEY = "gateway-key.7f3a.91c2.e2e-tests"
# A catalog header's value that is no credential, yet is never shown.
ROUTE = "route.7f3a9c2e.eu-west"


class _EchoingHandler(BaseHTTPRequestHandler):
    """A provider that answers every request 401, quoting the key it was sent, as some do."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        key = self.headers.get("Authorization", "").removeprefix("Bearer ")
        body = json.dumps(
            {
                "error": {
                    "message": f"Incorrect API key provided: {key}.",
                    "type": "invalid_request_error",
                    "param": None,
                    "code": "invalid_api_key",
                }
            }
        ).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def echoing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Catalog]:
    """A catalog whose provider 'echo' is served by :class:`_EchoingHandler` on 127.0.0.1."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _EchoingHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    (tmp_path / "echo.yaml").write_text(
        f"""\
provider:
  id: echo
  name: A gateway that echoes keys
  litellm_provider: openai
  api_key_env: [ECHO_GATEWAY_KEY]
  api_base: http://127.0.0.1:{server.server_address[1]}/v1
  headers: {{X-Gateway-Route: {ROUTE}}}
  params: [max_tokens, stream]
models:
  - id: chat
    name: Chat
    limits: {{context_window: 8192}}
    provenance: {{sources: [a test], checked: 2026-11-25}}
""",
        encoding="utf-8",
    )
    monkeypatch.setenv("ECHO_GATEWAY_KEY", GATEWAY_KEY)
    try:
        yield llm_catalog.load_catalog([tmp_path], shipped=False)
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


def shown_in_logs(caplog: pytest.LogCaptureFixture) -> str:
    """Every record so far as a handler would write it, with all its attributes."""
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return "\n".join(formatter.format(r) + repr(vars(r)) for r in caplog.records)


@pytest.mark.parametrize("mode", ["whole", "async-whole", "stream"])
def test_verbose_litellm_never_shows_a_key_the_provider_echoes(
    echoing: Catalog,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    mode: str,
) -> None:
    litellm = load_litellm()
    monkeypatch.setattr(litellm, "set_verbose", True)  # LITELLM_LOG=DEBUG: caplog's DEBUG
    with pytest.raises(AuthenticationError) as caught:
        call(get_model("echo/chat", echoing), mode)
    assert str(caught.value).endswith("Incorrect API key provided: <redacted>.")
    assert GATEWAY_KEY not in repr(caught.value.args) + caught.value.provider_message
    logged = shown_in_logs(caplog)
    assert GATEWAY_KEY not in logged
    if not mode.startswith("async"):  # litellm's sync calls log the error as it came
        assert "Incorrect API key provided: <redacted>." in logged
    out, err = capsys.readouterr()
    assert GATEWAY_KEY not in out + err
    # printing, which no logging filter reaches, was turned off, and the user told why
    assert litellm.set_verbose is False
    assert any(
        r.name == "llm_catalog.calls.driver" and "litellm.set_verbose" in r.getMessage()
        for r in caplog.records
    )


def test_a_catalog_header_value_is_never_logged(
    echoing: Catalog, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(AuthenticationError):
        get_model("echo/chat", echoing).complete(MESSAGES)
    logged = shown_in_logs(caplog)
    assert ROUTE not in logged + "".join(capsys.readouterr())
    # litellm's record of the request shows the header, and its value hidden
    assert "X-Gateway-Route: <redacted>" in logged


def test_a_header_value_reaches_the_provider_yet_is_never_logged(
    fake: FakeProvider,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    directory = write_user_files(tmp_path / "user", fake)
    (directory / "route.yaml").write_text(
        f"provider_overrides:\n  - id: openai\n    headers: {{X-Gateway-Route: {ROUTE}}}\n",
        encoding="utf-8",
    )
    routed = llm_catalog.load_catalog([directory])
    fake.reply(text="Routed.")
    assert get_model(MODELS["openai"], routed).complete(MESSAGES).text == "Routed."
    assert fake.last.headers["x-gateway-route"] == ROUTE
    assert fake.last.headers["x-team"] == "e2e"
    assert ROUTE not in shown_in_logs(caplog) + "".join(capsys.readouterr())
