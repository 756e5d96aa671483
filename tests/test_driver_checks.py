"""The driver's checks before a call: each refusal is typed, says what to do, and spends nothing.

No request leaves in these tests: every check runs before litellm is called.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from llm_catalog import (
    CallError,
    Catalog,
    ContextWindowError,
    InsecureAPIBaseError,
    MissingKeyError,
    Model,
    OutputLimitError,
    UnsupportedParameterError,
    get_model,
    load_catalog,
    select,
)
from llm_catalog.calls.driver.request import prepare as _prepare
from llm_catalog.calls.models import callable_model

CATALOG = """\
provider:
  id: acme
  name: Acme
  litellm_provider: openai
  api_key_env: [ACME_API_KEY, ACME_KEY]
  api_base: https://api.acme.example/v1
  timeout_seconds: 30
  headers: {X-Acme-Team: search}
  params: [temperature, max_tokens, tools]
models:
  - id: chat
    name: Chat
    limits: {context_window: 1000, max_output_tokens: 200}
    provenance: {sources: [https://acme.example], checked: 2026-11-25}
  - id: big-input
    name: Big input
    litellm_model: openai/acme-big
    limits: {context_window: 5000, max_input_tokens: 4000, max_output_tokens: 1000}
    params: [max_tokens, reasoning_effort]
    provenance: {sources: [https://acme.example], checked: 2026-11-25}
  - id: embed
    name: Embed
    mode: embedding
    limits: {context_window: 8000}
    provenance: {sources: [https://acme.example], checked: 2026-11-25}
---
"""

HI = [{"role": "user", "content": "hi"}]


@pytest.fixture
def catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Catalog:
    (tmp_path / "acme.yaml").write_text(CATALOG.removesuffix("---\n"), encoding="utf-8")
    monkeypatch.delenv("ACME_API_KEY", raising=False)
    monkeypatch.delenv("ACME_KEY", raising=False)
    return load_catalog([tmp_path], shipped=False)


@pytest.fixture
def keyed(catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> Catalog:
    monkeypatch.setenv("ACME_KEY", "acme-test-key")
    return catalog


def test_missing_key_names_the_variables(catalog: Catalog) -> None:
    with pytest.raises(MissingKeyError) as caught:
        get_model("acme/chat", catalog).complete(HI)
    assert str(caught.value) == "no API key for provider 'acme': set ACME_API_KEY or ACME_KEY"
    assert caught.value.model_id == "acme/chat"


def test_key_variable_override(keyed: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(MissingKeyError) as caught:
        get_model("acme/chat", keyed).complete(HI, api_key_env="OTHER_KEY")
    assert str(caught.value) == "no API key for provider 'acme': set OTHER_KEY"
    monkeypatch.setenv("OTHER_KEY", "other-key")
    call = _prepare(keyed["acme/chat"], keyed.providers["acme"], HI, {"api_key_env": "OTHER_KEY"})
    assert call.kwargs["api_key"] == "other-key"


def test_unsupported_parameter_lists_the_accepted_ones(keyed: Catalog) -> None:
    with pytest.raises(UnsupportedParameterError) as caught:
        get_model("acme/chat", keyed).complete(HI, top_k=5, temperature=0.2)
    assert str(caught.value) == (
        "acme/chat does not accept 'top_k'; it accepts: temperature, max_tokens, tools "
        "(pass drop_unsupported=True to drop what it does not accept)"
    )
    assert caught.value.names == ("top_k",)


def test_drop_unsupported_drops_them(keyed: Catalog) -> None:
    model = get_model("acme/chat", keyed)
    call = _prepare(
        model,
        keyed.providers["acme"],
        HI,
        {"top_k": 5, "temperature": 0.2, "drop_unsupported": True},
    )
    assert "top_k" not in call.kwargs
    assert call.kwargs["temperature"] == 0.2


def test_a_model_may_accept_its_own_parameters(keyed: Catalog) -> None:
    model = get_model("acme/big-input", keyed)
    call = _prepare(model, keyed.providers["acme"], HI, {"reasoning_effort": "high"})
    assert call.kwargs["reasoning_effort"] == "high"
    assert call.kwargs["model"] == "openai/acme-big"
    with pytest.raises(UnsupportedParameterError):
        model.complete(HI, temperature=0.5)


def test_what_the_call_carries(keyed: Catalog) -> None:
    call = _prepare(
        keyed["acme/chat"], keyed.providers["acme"], HI, {"extra_headers": {"X-Trace": "1"}}
    )
    assert call.kwargs == {
        "model": "openai/chat",
        "api_key": "acme-test-key",
        "num_retries": 0,
        "api_base": "https://api.acme.example/v1",
        "timeout": 30,
        "extra_headers": {"X-Acme-Team": "search", "X-Trace": "1"},
        "messages": HI,
    }
    overridden = _prepare(
        keyed["acme/chat"],
        keyed.providers["acme"],
        HI,
        {"api_base": "http://127.0.0.1:9999/v1", "timeout": 2.5},
    )
    assert overridden.kwargs["api_base"] == "http://127.0.0.1:9999/v1"
    assert overridden.kwargs["timeout"] == 2.5


def test_max_tokens_within_the_output_limit(keyed: Catalog) -> None:
    with pytest.raises(OutputLimitError) as caught:
        get_model("acme/chat", keyed).complete(HI, max_tokens=201)
    assert str(caught.value) == "max_tokens 201 is above acme/chat's output limit of 200 tokens"
    with pytest.raises(OutputLimitError) as caught:
        get_model("acme/chat", keyed).complete(HI, max_tokens="lots")
    assert str(caught.value) == "max_tokens must be a positive integer, got 'lots'"


def test_a_prompt_that_cannot_fit_is_refused_before_the_call(keyed: Catalog) -> None:
    long = [{"role": "user", "content": "word " * 5000}]
    with pytest.raises(ContextWindowError) as caught:
        get_model("acme/chat", keyed).complete(long)
    assert str(caught.value) == (
        "the prompt is 6,251 tokens (estimate:chars/4), more than acme/chat's input limit "
        "of 1,000 tokens"
    )
    assert caught.value.counted is True
    fits = [{"role": "user", "content": "word " * 700}]
    with pytest.raises(ContextWindowError) as caught:
        get_model("acme/chat", keyed).complete(fits, max_tokens=200)
    assert str(caught.value) == (
        "the prompt (876 tokens, estimate:chars/4) and max_tokens (200) exceed acme/chat's "
        "context window of 1,000 tokens"
    )


def test_plain_http_is_refused_unless_loopback_or_allowed(keyed: Catalog) -> None:
    model = get_model("acme/chat", keyed)
    with pytest.raises(InsecureAPIBaseError) as caught:
        model.complete(HI, api_base="http://gateway.internal/v1")
    assert str(caught.value) == (
        "API base 'http://gateway.internal/v1' is not HTTPS and not a loopback address: use "
        "https://, or pass allow_insecure=True if this network is trusted"
    )
    provider = keyed.providers["acme"]
    allowed = {"api_base": "http://gateway.internal/v1", "allow_insecure": True}
    assert _prepare(model, provider, HI, allowed).kwargs["api_base"] == "http://gateway.internal/v1"
    for base in ("http://localhost:8000/v1", "http://127.0.0.1:8000/v1", "http://[::1]:8000/v1"):
        assert _prepare(model, provider, HI, {"api_base": base}).kwargs["api_base"] == base


def test_reserved_parameters_are_refused(keyed: Catalog) -> None:
    with pytest.raises(UnsupportedParameterError) as caught:
        get_model("acme/chat", keyed).complete(HI, api_key="sk-literal-key-abcdefghijklmnop")
    assert "sk-literal" not in str(caught.value)
    assert caught.value.names == ("api_key",)


def test_embed_needs_an_embedding_model(keyed: Catalog) -> None:
    with pytest.raises(CallError) as caught:
        get_model("acme/chat", keyed).embed(["a"])
    assert str(caught.value) == "acme/chat is a chat model; embed() needs an embedding model"
    with pytest.raises(TypeError):
        get_model("acme/embed", keyed).embed("a single string")


def test_a_bare_record_cannot_be_called() -> None:
    model = Model.model_validate(
        {
            "id": "acme/loose",
            "provider": "acme",
            "name": "Loose",
            "limits": {"context_window": 10},
            "provenance": {"sources": ["x"], "checked": "2026-11-25"},
        }
    )
    with pytest.raises(CallError) as caught:
        callable_model(model).complete(HI)
    assert str(caught.value) == (
        "acme/loose is not attached to a catalog: get it with llm_catalog.get_model(), naming "
        "the catalog if it is not the default one"
    )


def test_matches_of_a_selection_can_be_called(keyed: Catalog) -> None:
    match = select(catalog=keyed, provider="acme", order_by="id")[0]
    assert match.id == "acme/big-input"
    with pytest.raises(OutputLimitError):
        match.complete(HI, max_tokens=10_000)


@pytest.mark.parametrize(
    ("messages", "kind", "message"),
    [
        (
            "hi",
            TypeError,
            "messages must be a list of chat messages such as "
            "[{'role': 'user', 'content': 'Hello'}], not str",
        ),
        (
            None,
            TypeError,
            "messages must be a list of chat messages such as "
            "[{'role': 'user', 'content': 'Hello'}], not NoneType",
        ),
        (
            [],
            ValueError,
            "messages is empty: give at least one message, such as "
            "[{'role': 'user', 'content': 'Hello'}]",
        ),
        (
            ["hi"],
            TypeError,
            "messages[0] must be a mapping with 'role' and 'content', not str",
        ),
        (
            [{"role": "human", "content": "hi"}],
            ValueError,
            "messages[0]['role'] must be one of assistant, developer, function, system, tool, "
            "user, not 'human'",
        ),
        (
            [*HI, {"role": "user"}],
            ValueError,
            "messages[1] has no 'content': give the message's text as 'content'",
        ),
    ],
)
def test_malformed_messages_are_refused_before_any_request(
    keyed: Catalog, messages: object, kind: type[Exception], message: str
) -> None:
    model = get_model("acme/chat", keyed)
    for call in (model.complete, model.stream):
        with pytest.raises(kind) as caught:
            call(messages)  # type: ignore[arg-type]
        assert str(caught.value) == message


def test_an_assistant_message_with_tool_calls_needs_no_content(keyed: Catalog) -> None:
    from llm_catalog.calls.driver import check_messages

    check_messages(
        [
            *HI,
            {"role": "assistant", "tool_calls": [{"id": "1", "type": "function"}]},
            {"role": "tool", "tool_call_id": "1", "content": "sunny"},
        ]
    )
