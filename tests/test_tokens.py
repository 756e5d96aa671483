"""Token counting: exact tiktoken counts for OpenAI models, offline; documented estimates elsewhere."""

from __future__ import annotations

import base64
import dataclasses
import importlib
import json
import math
import socket
import struct
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import tiktoken
import tiktoken.model

from llm_catalog.data.records import Model
from llm_catalog.query import tokens
from llm_catalog.query.tokens import TokenCount, count_tokens, count_tokens_bound

# Untyped: tiktoken ships py.typed for tiktoken, not for tiktoken_ext.
openai_public: Any = importlib.import_module("tiktoken_ext.openai_public")

# OpenAI Cookbook, "How to count tokens with tiktoken", section 6: the example
# conversation, which the OpenAI API counted as 129 prompt tokens for gpt-4 and
# gpt-3.5-turbo, 124 for gpt-4o and gpt-4o-mini (and 127 for gpt-3.5-turbo-0301).
COOKBOOK_MESSAGES: list[dict[str, Any]] = [
    {
        "role": "system",
        "content": "You are a helpful, pattern-following assistant that translates corporate jargon into plain English.",
    },
    {
        "role": "system",
        "name": "example_user",
        "content": "New synergies will help drive top-line growth.",
    },
    {
        "role": "system",
        "name": "example_assistant",
        "content": "Things working well together will increase revenue.",
    },
    {
        "role": "system",
        "name": "example_user",
        "content": "Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage.",
    },
    {
        "role": "system",
        "name": "example_assistant",
        "content": "Let's talk later when we're less busy about how to do better.",
    },
    {
        "role": "user",
        "content": "This late pivot means we don't have time to boil the ocean for the client deliverable.",
    },
]


class NetworkUsedError(AssertionError):
    pass


def _no_network(*args: object, **kwargs: object) -> None:
    raise NetworkUsedError(f"token counting tried to use the network: {args!r}")


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs with the network cut off."""
    monkeypatch.setattr(socket.socket, "connect", _no_network)
    monkeypatch.setattr(socket.socket, "connect_ex", _no_network)
    monkeypatch.setattr(socket, "getaddrinfo", _no_network)
    monkeypatch.setattr(socket, "create_connection", _no_network)
    # Where tiktoken would look for (and write) downloaded files: point it
    # nowhere useful, so that a test passes only if nothing reads it.
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", "/nonexistent/llm-catalog-tiktoken-cache")


@pytest.fixture
def fresh_cache() -> Iterator[None]:
    """Load tiktoken's vocabularies afresh in this test, and leave none behind it."""
    tokens._encoding.cache_clear()
    yield
    tokens._encoding.cache_clear()


def make_model(full_id: str, provider: str | None = None, **fields: Any) -> Model:
    return Model.model_validate(
        {
            "id": full_id,
            "provider": full_id.partition("/")[0] if provider is None else provider,
            "name": full_id,
            "limits": {"context_window": 128_000},
            "provenance": {"sources": ["test"], "checked": "2026-01-01"},
            **fields,
        }
    )


GPT_4O = make_model("openai/gpt-4o")
GPT_4 = make_model("openai/gpt-4")
CLAUDE = make_model("anthropic/claude-opus-4-7")
GEMINI = make_model("google/gemini-2.5-pro")
MISTRAL = make_model("mistral/mistral-large-latest")


def encoding(name: str) -> tiktoken.Encoding:
    loaded = tokens._encoding(name)
    assert isinstance(loaded, tiktoken.Encoding), loaded
    return loaded


def n_tokens(encoding_name: str, text: str) -> int:
    return len(encoding(encoding_name).encode_ordinary(text))


# The guard itself


def test_the_network_is_cut_off_in_these_tests() -> None:
    with socket.socket() as sock, pytest.raises(NetworkUsedError):
        sock.connect(("127.0.0.1", 9))
    with pytest.raises(NetworkUsedError):
        socket.create_connection(("openaipublic.blob.core.windows.net", 443))


@pytest.mark.usefixtures("fresh_cache")
@pytest.mark.parametrize(("model", "name"), [(GPT_4O, "o200k_base"), (GPT_4, "cl100k_base")])
def test_vocabularies_load_with_the_network_cut_off(model: Model, name: str) -> None:
    assert tokens._encoding.cache_info().currsize == 0
    assert count_tokens(model, prompt="hello world") == TokenCount(2, f"tiktoken:{name}")
    assert tokens._encoding.cache_info().currsize == 1


# Exact counts with tiktoken


@pytest.mark.parametrize(
    ("model", "text", "expected"),
    [
        (GPT_4, "hello world", TokenCount(2, "tiktoken:cl100k_base")),
        (GPT_4O, "hello world", TokenCount(2, "tiktoken:o200k_base")),
        (GPT_4, "tiktoken is great!", TokenCount(6, "tiktoken:cl100k_base")),
        (GPT_4O, "tiktoken is great!", TokenCount(6, "tiktoken:o200k_base")),
        # The cookbook's "happy birthday": 9 tokens in cl100k_base, 8 in o200k_base.
        (GPT_4, "お誕生日おめでとう", TokenCount(9, "tiktoken:cl100k_base")),
        (GPT_4O, "お誕生日おめでとう", TokenCount(8, "tiktoken:o200k_base")),
    ],
)
def test_prompt_counts_are_exact(model: Model, text: str, expected: TokenCount) -> None:
    assert count_tokens(model, prompt=text) == expected


def test_the_bundled_vocabularies_are_openais() -> None:
    # Token ids, not just counts: the vocabularies are OpenAI's, rank for rank.
    assert encoding("cl100k_base").encode_ordinary("hello world") == [15339, 1917]
    assert encoding("o200k_base").encode_ordinary("hello world") == [24912, 2375]
    assert encoding("cl100k_base").n_vocab == 100_277
    assert encoding("o200k_base").n_vocab == 200_019


def test_special_token_markers_in_a_prompt_count_as_text() -> None:
    counted = count_tokens(GPT_4O, prompt="<|endoftext|>")
    assert counted == TokenCount(n_tokens("o200k_base", "<|endoftext|>"), "tiktoken:o200k_base")
    assert counted.tokens > 1


@pytest.mark.parametrize("name", ["cl100k_base", "o200k_base"])
def test_vocabularies_are_built_as_tiktoken_builds_them(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Split pattern, special tokens and expected hash equal the installed tiktoken's own."""
    seen: list[str | None] = []
    ranks = {b"sentinel": 0}

    def fake_load(blobpath: str, expected_hash: str | None = None) -> dict[bytes, int]:
        seen.append(expected_hash)
        return ranks

    monkeypatch.setattr(openai_public, "load_tiktoken_bpe", fake_load)
    reference = openai_public.ENCODING_CONSTRUCTORS[name]()
    ours = tokens._VOCABULARIES[name]
    assert seen == [ours.sha256]
    assert reference["pat_str"] == ours.pat_str
    assert reference["special_tokens"] == ours.special_tokens
    assert reference["mergeable_ranks"] is ranks


# Which encoding each OpenAI model gets


@pytest.mark.parametrize(
    ("model_id", "expected"),
    [
        ("gpt-4o", "o200k_base"),
        ("gpt-4o-mini", "o200k_base"),
        ("gpt-4o-2024-08-06", "o200k_base"),
        ("chatgpt-4o-latest", "o200k_base"),
        ("gpt-4.1", "o200k_base"),
        ("gpt-4.1-nano", "o200k_base"),
        ("gpt-4.5-preview", "o200k_base"),
        ("gpt-5", "o200k_base"),
        ("gpt-5-mini", "o200k_base"),
        ("gpt-5.4-pro", "o200k_base"),
        ("o1", "o200k_base"),
        ("o1-mini", "o200k_base"),
        ("o3", "o200k_base"),
        ("o3-pro", "o200k_base"),
        ("o4-mini", "o200k_base"),
        ("ft:gpt-4o-mini-2024-07-18:acme::abc123", "o200k_base"),
        ("gpt-4", "cl100k_base"),
        ("gpt-4-0613", "cl100k_base"),
        ("gpt-4-32k", "cl100k_base"),
        ("gpt-4-turbo", "cl100k_base"),
        ("gpt-4-turbo-2024-04-09", "cl100k_base"),
        ("gpt-3.5-turbo", "cl100k_base"),
        ("gpt-3.5-turbo-0125", "cl100k_base"),
        ("gpt-3.5-turbo-instruct", "cl100k_base"),
        ("text-embedding-3-small", "cl100k_base"),
        ("text-embedding-3-large", "cl100k_base"),
        ("text-embedding-ada-002", "cl100k_base"),
        ("davinci-002", "cl100k_base"),
        ("ft:gpt-3.5-turbo-0613:acme::abc123", "cl100k_base"),
    ],
)
def test_openai_models_get_their_encoding(model_id: str, expected: str) -> None:
    counted = count_tokens(make_model(f"openai/{model_id}"), prompt="hello world")
    assert counted.method == f"tiktoken:{expected}"
    # tiktoken's own table agrees, for every id it knows.
    try:
        theirs = tiktoken.model.encoding_name_for_model(model_id)
    except KeyError:
        return  # an id tiktoken does not know
    assert theirs == expected


@pytest.mark.parametrize("model_id", ["gpt-6.1-sol", "gpt-oss-120b", "omni-moderation-latest"])
def test_unknown_openai_ids_get_o200k_base(model_id: str) -> None:
    counted = count_tokens(make_model(f"openai/{model_id}"), prompt="hello world")
    assert counted == TokenCount(2, "tiktoken:o200k_base")


def test_a_litellm_openai_model_is_counted_with_tiktoken() -> None:
    model = make_model("azure/my-deployment", litellm_model="openai/gpt-4-turbo")
    assert count_tokens(model, prompt="hello world") == TokenCount(2, "tiktoken:cl100k_base")


def test_the_provider_comes_from_the_full_id_when_not_set() -> None:
    model = make_model("openai/gpt-4", provider="")
    assert count_tokens(model, prompt="hello world").method == "tiktoken:cl100k_base"


# Chat messages: OpenAI's formula


@pytest.mark.parametrize(
    ("model_id", "expected"),
    [
        ("gpt-4o", TokenCount(124, "tiktoken:o200k_base")),
        ("gpt-4o-mini", TokenCount(124, "tiktoken:o200k_base")),
        ("gpt-4", TokenCount(129, "tiktoken:cl100k_base")),
        ("gpt-4-0613", TokenCount(129, "tiktoken:cl100k_base")),
        ("gpt-3.5-turbo", TokenCount(129, "tiktoken:cl100k_base")),
        ("gpt-3.5-turbo-0301", TokenCount(127, "tiktoken:cl100k_base")),
    ],
)
def test_messages_match_the_cookbook_example(model_id: str, expected: TokenCount) -> None:
    model = make_model(f"openai/{model_id}")
    assert count_tokens(model, messages=COOKBOOK_MESSAGES) == expected


def test_the_message_formula_term_by_term() -> None:
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "name": "alice", "content": "hello world"},
    ]
    enc = "o200k_base"
    expected = (
        3 + n_tokens(enc, "system") + n_tokens(enc, "Be brief.")
        # a message with a name: 1 token more than its name's own
        + 3 + n_tokens(enc, "user") + n_tokens(enc, "alice") + 1 + n_tokens(enc, "hello world")
        + 3  # the reply's priming
    )  # fmt: skip
    assert count_tokens(GPT_4O, messages=messages) == TokenCount(expected, "tiktoken:o200k_base")


def test_messages_may_be_any_sequence_of_mappings() -> None:
    as_tuple = tuple(COOKBOOK_MESSAGES)
    assert count_tokens(GPT_4O, messages=as_tuple).tokens == 124


# Content as a list of parts


def test_text_parts_count_like_the_same_text_in_strings() -> None:
    parts = [
        {"role": "user", "content": [{"type": "text", "text": "hello"}, " world"]},
    ]
    enc = "o200k_base"
    expected = 3 + n_tokens(enc, "user") + n_tokens(enc, "hello") + n_tokens(enc, " world") + 3
    assert count_tokens(GPT_4O, messages=parts) == TokenCount(expected, "tiktoken:o200k_base")


def test_responses_style_text_parts_count() -> None:
    parts = [{"role": "user", "content": [{"type": "input_text", "text": "hello world"}]}]
    plain = [{"role": "user", "content": "hello world"}]
    assert count_tokens(GPT_4O, messages=parts) == count_tokens(GPT_4O, messages=plain)


def test_image_parts_add_nothing_and_say_so() -> None:
    image = {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}
    with_image = [{"role": "user", "content": [{"type": "text", "text": "What is this?"}, image]}]
    text_only = [{"role": "user", "content": "What is this?"}]
    counted = count_tokens(GPT_4O, messages=with_image)
    assert counted.tokens == count_tokens(GPT_4O, messages=text_only).tokens
    assert counted.method == "tiktoken:o200k_base +images uncounted"


def test_other_non_text_content_is_marked_uncounted() -> None:
    audio = {"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}}
    image = {"type": "input_image", "image_url": "https://example.com/cat.png"}
    untyped = {"text": "no type"}
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": [audio, image, untyped]},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "call_1"}]},
    ]
    counted = count_tokens(GPT_4O, messages=messages)
    expected = 3 + 1 + 3 + 1 + 3  # two messages with a one-token role each, and the priming
    assert counted == TokenCount(
        expected, "tiktoken:o200k_base +images uncounted +non-text parts uncounted"
    )


# Other providers: documented estimates


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        (CLAUDE, TokenCount(math.ceil(11 / 3.5), "estimate:chars/3.5")),
        (GEMINI, TokenCount(math.ceil(11 / 4), "estimate:chars/4")),
        (MISTRAL, TokenCount(math.ceil(11 / 4), "estimate:chars/4")),
        (
            make_model("bedrock/claude-3-haiku", provider="bedrock"),
            TokenCount(4, "estimate:chars/3.5"),
        ),
        (
            make_model("vertex/gemini-2.5-flash", provider="vertex"),
            TokenCount(3, "estimate:chars/4"),
        ),
    ],
)
def test_other_providers_are_estimated_from_characters(model: Model, expected: TokenCount) -> None:
    assert count_tokens(model, prompt="hello world") == expected


def test_estimates_round_up_and_count_characters_not_bytes() -> None:
    assert count_tokens(CLAUDE, prompt="a" * 7).tokens == 2
    assert count_tokens(CLAUDE, prompt="a" * 8).tokens == 3
    assert count_tokens(GEMINI, prompt="é" * 8).tokens == 2


def test_estimated_messages_add_up_their_strings() -> None:
    chars = sum(len(value) for message in COOKBOOK_MESSAGES for value in message.values())
    assert count_tokens(CLAUDE, messages=COOKBOOK_MESSAGES) == TokenCount(
        math.ceil(chars / 3.5), "estimate:chars/3.5"
    )
    image = {"type": "image", "source": {"type": "base64", "data": "AAAA"}}
    with_image = [{"role": "user", "content": ["hello world", image]}]
    assert count_tokens(CLAUDE, messages=with_image) == TokenCount(
        math.ceil(len("userhello world") / 3.5), "estimate:chars/3.5 +images uncounted"
    )


def test_estimates_never_import_tiktoken() -> None:
    code = (
        "import sys\n"
        "from llm_catalog.data.records import Model\n"
        "from llm_catalog.query.tokens import count_tokens\n"
        "assert 'tiktoken' not in sys.modules, 'imported by llm_catalog.query.tokens'\n"
        "model = Model.model_validate({'id': 'anthropic/claude-opus-4-7', 'provider': 'anthropic',"
        " 'name': 'Claude', 'limits': {'context_window': 1000},"
        " 'provenance': {'sources': ['test'], 'checked': '2026-01-01'}})\n"
        "print(count_tokens(model, prompt='hello world').method)\n"
        "assert 'tiktoken' not in sys.modules, 'imported to estimate'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "estimate:chars/3.5"


# Without tiktoken or its vocabularies


@pytest.mark.usefixtures("fresh_cache")
def test_without_tiktoken_openai_models_fall_back_to_the_estimate(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "tiktoken", None)  # import tiktoken raises ImportError
    counted = count_tokens(GPT_4O, prompt="hello world")
    assert counted == TokenCount(
        3, "estimate:chars/4 (tiktoken unavailable: tiktoken not installed)"
    )


@pytest.mark.usefixtures("fresh_cache")
def test_without_the_vocabulary_package_openai_models_fall_back_to_the_estimate(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tokens, "_DATA_PACKAGE", "llm_catalog_no_such_package")
    counted = count_tokens(GPT_4O, messages=[{"role": "user", "content": "hello world"}])
    assert counted == TokenCount(
        math.ceil(len("userhello world") / 4),
        "estimate:chars/4 (tiktoken unavailable: llm_catalog_no_such_package not installed)",
    )


@pytest.mark.usefixtures("fresh_cache")
def test_a_vocabulary_that_fails_its_hash_check_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    wrong = dataclasses.replace(tokens._VOCABULARIES["o200k_base"], sha256="0" * 64)
    monkeypatch.setattr(tokens, "_VOCABULARIES", {**tokens._VOCABULARIES, "o200k_base": wrong})
    with pytest.raises(RuntimeError, match=r"is not OpenAI's o200k_base vocabulary"):
        count_tokens(GPT_4O, prompt="hello world")


# Empty input


@pytest.mark.parametrize(
    ("model", "method"),
    [
        (GPT_4O, "tiktoken:o200k_base"),
        (GPT_4, "tiktoken:cl100k_base"),
        (CLAUDE, "estimate:chars/3.5"),
    ],
)
def test_an_empty_prompt_is_no_tokens(model: Model, method: str) -> None:
    assert count_tokens(model, prompt="") == TokenCount(0, method)


def test_empty_conversations() -> None:
    assert count_tokens(GPT_4O, messages=[]) == TokenCount(3, "tiktoken:o200k_base")
    assert count_tokens(CLAUDE, messages=[]) == TokenCount(0, "estimate:chars/3.5")
    role_only = 3 + n_tokens("o200k_base", "user") + 3
    contents: list[str | list[Any] | None] = ["", None, []]
    for content in contents:
        counted = count_tokens(GPT_4O, messages=[{"role": "user", "content": content}])
        assert counted == TokenCount(role_only, "tiktoken:o200k_base")


# Misuse


def test_both_prompt_and_messages_is_an_error() -> None:
    with pytest.raises(TypeError, match=r"exactly one of prompt= or messages=, got both"):
        count_tokens(GPT_4O, prompt="hi", messages=[])


def test_neither_prompt_nor_messages_is_an_error() -> None:
    with pytest.raises(TypeError, match=r"exactly one of prompt= or messages=, got neither"):
        count_tokens(GPT_4O)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"prompt": 42}, r"prompt must be a str, not int"),
        ({"messages": "hello"}, r"messages must be a sequence of mappings, not str; pass plain text as prompt="),
        ({"messages": {"role": "user"}}, r"messages must be a sequence of mappings, not dict"),
        ({"messages": ["hello"]}, r"messages\[0\] must be a mapping, not str"),
        ({"messages": [{"role": "user", "content": 42}]}, r"messages\[0\]\['content'\] must be a string, None or a list of parts, not int"),
        ({"messages": [{"role": "user", "content": ["ok", 42]}]}, r"messages\[0\]\['content'\]\[1\] must be a mapping or a string, not int"),
        ({"messages": [{"role": "user", "content": [{"type": "text", "text": None}]}]}, r"messages\[0\]\['content'\]\[0\]\['text'\] must be a string, not NoneType"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("model", [GPT_4O, CLAUDE])
def test_wrong_types_are_errors(model: Model, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(TypeError, match=message):
        count_tokens(model, **kwargs)


def test_a_token_count_is_frozen() -> None:
    counted = count_tokens(GPT_4O, prompt="hello world")
    with pytest.raises(dataclasses.FrozenInstanceError):
        counted.tokens = 3  # type: ignore[misc]


# Upper bounds, for budget reservations


def png(width: int, height: int) -> bytes:
    """A PNG header with the given size: all that the bound reads."""
    return b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + struct.pack(">II", width, height)


def image_message(data: bytes | None, url: str | None = None) -> list[dict[str, Any]]:
    if data is not None:
        url = "data:image/png;base64," + base64.b64encode(data).decode()
    return [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": url}}]}]


def image_tokens(model: Model, data: bytes | None, url: str | None = None) -> int:
    """The bound of one image: the message with it, less the message without it."""
    empty = [{"role": "user", "content": []}]
    return (
        count_tokens_bound(model, image_message(data, url)).tokens
        - count_tokens_bound(model, empty).tokens
    )


def test_openai_text_is_bounded_by_its_exact_count() -> None:
    counted = count_tokens(GPT_4O, messages=COOKBOOK_MESSAGES)
    bound = count_tokens_bound(GPT_4O, COOKBOOK_MESSAGES)
    assert bound.method == "bound:tiktoken:o200k_base"
    # The Cookbook's count, with a name token allowed for every message.
    assert bound.tokens == counted.tokens + len(COOKBOOK_MESSAGES) - 4


@pytest.mark.parametrize("model", [CLAUDE, GEMINI, MISTRAL])
@pytest.mark.parametrize("text", ["hello world", "東京の天気", "Ünïcödé ✓", "😀" * 3])
def test_other_text_is_bounded_by_its_utf8_bytes(model: Model, text: str) -> None:
    messages = [{"role": "user", "content": text}]
    bound = count_tokens_bound(model, messages)
    # a request and a message framed (8 each), and each string's bytes plus one
    expected = 8 + 8 + len(b"user") + 1 + len(text.encode()) + 1
    assert bound == TokenCount(expected, "bound:utf8-bytes")


def test_tools_are_counted_as_their_json_with_the_providers_overheads() -> None:
    weather = {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "The weather in a city.",
            "parameters": {
                "type": "object",
                "properties": {
                    "city": {"type": "string"},
                    "unit": {"type": "string", "enum": ["c", "f"]},
                },
            },
        },
    }
    plain = count_tokens_bound(GPT_4O, COOKBOOK_MESSAGES).tokens
    with_tool = count_tokens_bound(GPT_4O, COOKBOOK_MESSAGES, tools=[weather])
    as_json = n_tokens("o200k_base", json.dumps([weather], ensure_ascii=False))
    # JSON + 8 an item, + 10 + 3 a function, 3 a property, 3 an enum value, 12 at the end
    assert with_tool.tokens - plain == as_json + 8 + 10 + 3 + 2 * 3 + 2 * 3 + 12
    assert with_tool.method == "bound:tiktoken:o200k_base +tools"
    claude_plain = count_tokens_bound(CLAUDE, COOKBOOK_MESSAGES).tokens
    claude = count_tokens_bound(CLAUDE, COOKBOOK_MESSAGES, tools=[weather]).tokens
    assert claude - claude_plain == len(json.dumps([weather]).encode()) + 1 + 8 + 530


def test_tool_calls_and_results_are_counted() -> None:
    call = {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    messages: list[dict[str, Any]] = [
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "call_1", "content": "sunny, 21 degrees"},
    ]
    bound = count_tokens_bound(CLAUDE, messages)
    assert bound.method == "bound:utf8-bytes +tool calls"
    assert bound.tokens >= len(json.dumps([call]).encode()) + len(b"sunny, 21 degrees")


@pytest.mark.parametrize(
    ("model", "size", "expected"),
    [
        (GPT_4O, (1024, 1024), 85 + 170 * 4),  # OpenAI's own example
        (GPT_4O, (2048, 4096), 85 + 170 * 6),  # OpenAI's own example
        (GPT_4O, (100, 100), 85 + 170 * 4),  # scaled up to 768 px: never fewer tiles
        (make_model("openai/gpt-4o-mini"), (1024, 1024), 2833 + 5667 * 4),
        (make_model("openai/gpt-4.1-mini"), (1024, 1024), math.ceil(1024 * 1.62)),
        (make_model("openai/gpt-4.1-mini"), (4000, 4000), math.ceil(1536 * 1.62)),
        (CLAUDE, (1000, 1000), 1334 + 32),
        (CLAUDE, (200, 200), 8 * 8 + 32),  # the 28 px patch grid, above 200 x 200 / 750
        (CLAUDE, (5152, 5152), math.ceil(2576 * 2576 / 750) + 32),  # scaled to 2,576 px
        (GEMINI, (300, 300), 1120),  # no image below Gemini 3's default
        (GEMINI, (3072, 3072), 16 * 258),
        (GEMINI, (6144, 6144), 16 * 258),  # scaled into 3,072 px
    ],
)
def test_images_of_known_size(model: Model, size: tuple[int, int], expected: int) -> None:
    assert image_tokens(model, png(*size)) == expected


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        (GPT_4O, 85 + 170 * 8),
        (make_model("openai/gpt-4o-mini"), 2833 + 5667 * 8),
        (CLAUDE, math.ceil(2576 * 2576 / 750) + 32),
        (GEMINI, 16 * 258),
        (MISTRAL, max(85 + 170 * 8, math.ceil(2576 * 2576 / 750) + 32, 16 * 258)),
    ],
)
def test_images_by_url_take_the_largest_the_provider_bills(model: Model, expected: int) -> None:
    assert image_tokens(model, None, "https://example.com/cat.png") == expected
    counted = count_tokens_bound(model, image_message(None, "https://example.com/cat.png"))
    assert counted.method.endswith(" +images")


def test_image_sizes_are_read_from_every_common_format() -> None:
    gif = b"GIF89a" + struct.pack("<HH", 300, 200)
    jpeg = (
        b"\xff\xd8"
        + b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
        + b"\xff\xc0\x00\x11\x08"
        + struct.pack(">HH", 200, 300)
        + b"\x03" * 12
    )
    webp = b"RIFF\x00\x00\x00\x00WEBPVP8X" + b"\x00" * 8 + (299).to_bytes(3, "little")
    webp += (199).to_bytes(3, "little")
    for data in (png(300, 200), gif, jpeg, webp):
        assert tokens._image_size(data) == (300, 200)
    assert tokens._image_size(b"not an image") is None


def test_audio_and_documents_are_counted() -> None:
    wav = b"RIFF\x00\x00\x00\x00WAVEfmt " + b"\x00" * 12 + (32_000).to_bytes(4, "little")
    wav += b"\x00" * (64_000 - len(wav))  # two seconds at 32,000 bytes a second
    audio = {"type": "input_audio", "input_audio": {"data": base64.b64encode(wav).decode()}}
    pdf = b"%PDF-1.4 1 0 obj << /Type /Page >> 2 0 obj << /Type /Page >> << /Type /Pages >>"
    document = {
        "type": "file",
        "file": {"file_data": "data:application/pdf;base64," + base64.b64encode(pdf).decode()},
    }
    empty = count_tokens_bound(GEMINI, [{"role": "user", "content": []}]).tokens
    heard = count_tokens_bound(GEMINI, [{"role": "user", "content": [audio]}])
    assert heard == TokenCount(empty + 2 * 32 + 8, "bound:utf8-bytes +audio")
    read = count_tokens_bound(GEMINI, [{"role": "user", "content": [document]}])
    assert read == TokenCount(empty + 2 * (3000 + 16 * 258) + 8, "bound:utf8-bytes +documents")


def test_the_bound_never_exceeds_the_window() -> None:
    small = make_model("anthropic/claude-small", limits={"context_window": 1000})
    counted = count_tokens_bound(small, image_message(None, "https://example.com/cat.png"))
    assert counted == TokenCount(1000, "bound:utf8-bytes +capped at the window +images")


def test_the_bound_is_at_least_the_estimate_for_any_text() -> None:
    for text in ["", "a", "hello world " * 50, "東京" * 100, "\U0001f600" * 10, "é" * 40]:
        messages = [{"role": "user", "content": text}]
        for model in (GPT_4O, GPT_4, CLAUDE, GEMINI, MISTRAL):
            assert (
                count_tokens_bound(model, messages).tokens
                >= count_tokens(model, messages=messages).tokens
            )


def test_the_bound_wants_messages() -> None:
    with pytest.raises(TypeError, match="messages must be a sequence of mappings, not str"):
        count_tokens_bound(GPT_4O, "hello")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"messages\[0\] must be a mapping, not int"):
        count_tokens_bound(GPT_4O, [1])  # type: ignore[list-item]
