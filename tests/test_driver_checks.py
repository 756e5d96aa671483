"""The driver's checks before a call: each refusal is typed, says what to do, and spends nothing.

No request leaves in these tests: every check runs before litellm is called.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from llm_catalog import (
    BadRequestError,
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


# --- where the call goes: api_base alone, and checked -----------------------------------------

ROUTING = [
    "base_url",
    "azure_endpoint",
    "aws_bedrock_runtime_endpoint",
    "aws_sts_endpoint",
    "custom_endpoint",
    "sagemaker_base_url",
    "model_list",
    "client",
    "use_litellm_proxy",
    "upstream_url",  # not a litellm argument today: known by its name
]


@pytest.mark.parametrize("name", ROUTING)
def test_parameters_that_choose_where_the_call_goes_are_refused(keyed: Catalog, name: str) -> None:
    model = get_model("acme/chat", keyed)
    provider = keyed.providers["acme"]
    # Refused even when the provider lists the parameter, and even with drop_unsupported.
    listing = provider.model_copy(update={"params": (*provider.params, name)})
    for params in ({name: "http://example.invalid/v1"}, {name: "https://elsewhere.example/v1"}):
        for given in (params, {**params, "drop_unsupported": True}):
            with pytest.raises(InsecureAPIBaseError) as caught:
                _prepare(model, listing, HI, given)
            assert caught.value.model_id == "acme/chat"
            assert str(caught.value).startswith(
                f"{name!r} would choose where requests go, past the check on api_base (HTTPS, "
                "or a loopback address): pass api_base="
            )


def test_base_url_says_what_to_write_instead(keyed: Catalog) -> None:
    with pytest.raises(InsecureAPIBaseError) as caught:
        get_model("acme/chat", keyed).complete(HI, base_url="http://example.invalid/v1")
    assert str(caught.value) == (
        "'base_url' would choose where requests go, past the check on api_base (HTTPS, or a "
        "loopback address): pass api_base='http://example.invalid/v1' instead"
    )
    with pytest.raises(InsecureAPIBaseError) as caught:
        get_model("acme/chat", keyed).complete(HI, client=object())
    assert str(caught.value).endswith(": pass api_base='https://...' instead")


@pytest.mark.parametrize("name", ["headers", "provider_specific_header"])
def test_parameters_that_add_headers_are_refused(keyed: Catalog, name: str) -> None:
    provider = keyed.providers["acme"]
    listing = provider.model_copy(update={"params": (*provider.params, name)})
    with pytest.raises(InsecureAPIBaseError) as caught:
        _prepare(keyed["acme/chat"], listing, HI, {name: {"Host": "example.invalid"}})
    assert str(caught.value) == (
        f"{name!r} would add HTTP headers past the checks on them: pass extra_headers instead"
    )


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        (
            {"Host": "example.invalid"},
            "header 'Host' would tell a gateway where to send requests, past the check on api_base",
        ),
        (
            {"x-forwarded-host": "example.invalid"},
            "header 'x-forwarded-host' would tell a gateway where to send requests, past the "
            "check on api_base",
        ),
        (
            {"X-Upstream": "http://example.invalid/v1"},
            "header 'X-Upstream' holds a URL, which a gateway may send requests to, past the "
            "check on api_base",
        ),
    ],
)
def test_headers_that_redirect_are_refused(
    keyed: Catalog, headers: dict[str, str], message: str
) -> None:
    with pytest.raises(InsecureAPIBaseError) as caught:
        get_model("acme/chat", keyed).complete(HI, extra_headers=headers)
    assert str(caught.value) == (
        f"{message}: pass api_base with the address instead (HTTPS, or a loopback address), "
        "and leave the header out"
    )
    # A provider record's headers are checked the same way, should one be built in code.
    provider = keyed.providers["acme"].model_copy(update={"headers": headers})
    with pytest.raises(InsecureAPIBaseError):
        _prepare(keyed["acme/chat"], provider, HI, {})


def test_a_url_that_says_who_is_calling_is_no_redirect(keyed: Catalog) -> None:
    # OpenRouter's app attribution: a URL, naming the caller, not where the call goes.
    headers = {"HTTP-Referer": "https://app.example", "Origin": "https://app.example"}
    call = _prepare(keyed["acme/chat"], keyed.providers["acme"], HI, {"extra_headers": headers})
    assert call.kwargs["extra_headers"] == {"X-Acme-Team": "search", **headers}
    assert call.kwargs["api_base"] == "https://api.acme.example/v1"


# --- call options that cannot be taken are bad requests, made before anything is sent --------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"timeout": "soon"},
            "timeout must be a positive number of seconds, such as 30, got 'soon'",
        ),
        ({"timeout": 0}, "timeout must be a positive number of seconds, such as 30, got 0"),
        ({"timeout": -2.5}, "timeout must be a positive number of seconds, such as 30, got -2.5"),
        (
            {"timeout": float("nan")},
            "timeout must be a positive number of seconds, such as 30, got nan",
        ),
        ({"timeout": True}, "timeout must be a positive number of seconds, such as 30, got True"),
        ({"allow_insecure": "no"}, "allow_insecure must be True or False, got 'no'"),
        ({"drop_unsupported": 1}, "drop_unsupported must be True or False, got 1"),
        (
            {"api_base": 8080},
            "api_base must be a URL such as 'https://api.example.com/v1', got 8080",
        ),
        (
            {"api_key_env": ["ACME_KEY", 7]},
            "api_key_env must name environment variables, such as 'OPENAI_API_KEY' or "
            "['OPENAI_API_KEY', 'OPENAI_KEY'], got ['ACME_KEY', 7]",
        ),
        (
            {"extra_headers": "X-Team: search"},
            "extra_headers must map header names to text, such as {'X-Team': 'search'}, got str",
        ),
        (
            {"extra_headers": {"X-Retries": 3}},
            "extra_headers must map header names to text: 'X-Retries' maps to int",
        ),
        (
            {"temperature": float("nan")},
            "temperature must be JSON (text, a finite number, true, false, null, or lists and "
            "mappings of them), got nan",
        ),
        (
            {"tools": [{"type": "function", "names": {"a"}}]},
            "tools must be JSON (text, a finite number, true, false, null, or lists and "
            "mappings of them), got [{'type': 'function', 'names': {'a'}}]",
        ),
    ],
)
def test_a_call_option_it_cannot_take_is_a_bad_request(
    keyed: Catalog, options: dict[str, object], message: str
) -> None:
    model = get_model("acme/chat", keyed)
    for call in (model.complete, model.stream):
        with pytest.raises(BadRequestError) as caught:
            call(HI, **options)
        error = caught.value
        assert str(error) == message
        assert (error.model_id, error.status_code, error.provider_message) == (
            "acme/chat",
            None,
            "",
        )


def test_a_bad_call_option_comes_before_every_other_check(catalog: Catalog) -> None:
    # No key is set in ``catalog``: the option is still the error reported.
    with pytest.raises(BadRequestError):
        get_model("acme/chat", catalog).complete(HI, timeout="soon")
    with pytest.raises(BadRequestError):
        get_model("acme/embed", catalog).embed(["a"], timeout="soon")


def test_good_call_options_pass_as_given(keyed: Catalog) -> None:
    call = _prepare(
        keyed["acme/chat"],
        keyed.providers["acme"],
        HI,
        {"timeout": 7, "allow_insecure": False, "api_key_env": ("ACME_KEY",)},
    )
    assert call.kwargs["timeout"] == 7
    assert call.kwargs["api_key"] == "acme-test-key"


def test_a_prepared_call_hides_its_key_and_header_values(keyed: Catalog) -> None:
    call = _prepare(
        keyed["acme/chat"],
        keyed.providers["acme"],
        HI,
        {"extra_headers": {"X-Gateway-Route": "route.7f3a9c2e.eu-west", "X-Trace": "1"}},
    )
    # Values shorter than 8 characters ("search", "1") are no credentials, and stay.
    assert call.secrets == ("route.7f3a9c2e.eu-west", "acme-test-key")
    said = "no route route.7f3a9c2e.eu-west for key acme-test-key (team search, try 1)"
    assert call.scrub(said) == "no route <redacted> for key <redacted> (team search, try 1)"
    assert "acme-test-key" not in repr(call)
