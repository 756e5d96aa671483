"""A budget reservation is an upper bound on the bill, and a bill above it is still kept.

Every call goes through the router, the driver and the real litellm, over HTTP, to
:class:`tests.fakeprovider.FakeProvider`, which bills prompts as the providers do:
tool definitions (and Anthropic's tool-use system prompt), tool calls, images by each
provider's formula, and CJK text at a token a character. The ledger row of each
attempt holds what was reserved and what was billed.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from llm_catalog import BudgetExceededError, Catalog
from llm_catalog.calls.driver.backend import load_litellm
from llm_catalog.calls.ledger import Ledger, LedgerRow
from llm_catalog.calls.router import Routed, Router
from llm_catalog.data.profiles import Budget
from llm_catalog.interfaces.cli import main
from llm_catalog.query.pricing import estimate_cost
from llm_catalog.query.tokens import count_tokens, count_tokens_bound
from tests import redisserver
from tests import test_driver_e2e as e2e
from tests.fakeprovider import FakeProvider, png_bytes
from tests.test_driver_e2e import (
    _close_litellms_clients,  # noqa: F401  (fixtures shared with the driver's tests)
    _no_stray_event_loop,  # noqa: F401
    run,
)
from tests.test_router import ANTHROPIC, HI, OPENAI, TRIO, make_router, profile

_canary_keys = e2e._canary_keys
_loopback_only = e2e._loopback_only
server = e2e.server
fake = e2e.fake
catalog = e2e.catalog
redis_server = redisserver.redis_server
redis_url = redisserver.redis_url


@pytest.fixture(autouse=True)
def _images_from_the_fake(monkeypatch: pytest.MonkeyPatch, server: FakeProvider) -> None:
    """Let litellm fetch image URLs from the fake: it fetches them for Anthropic and Gemini,
    and refuses private addresses (against SSRF) unless their host is allowed."""
    litellm = load_litellm()  # as the driver imports it: offline, its logging redacted
    host = server.base_url.removeprefix("http://")
    monkeypatch.setattr(litellm, "user_url_allowed_hosts", [host])


@pytest.fixture(autouse=True)
def _openai_bills_tiktoken(
    monkeypatch: pytest.MonkeyPatch, server: FakeProvider, catalog: Catalog
) -> None:
    """OpenAI bills text by tiktoken's count (the fake's characters / 4 is more, for English)."""
    gpt = catalog[OPENAI]
    monkeypatch.setattr(server, "openai_tokens", lambda text: count_tokens(gpt, prompt=text).tokens)


# A budget no test here comes near, so that every call is reserved and goes out.
ROOMY = Budget(per_day_usd=Decimal(1000))

WORDS = ["budget", "reserve", "token", "bound", "image", "weather", "route", "ledger"]
CJK = "予算は決して超えてはならない。東京の天気を教えてください。画像を説明して。한국어 문장도 있습니다"


def tool(number: int, rng: random.Random) -> dict[str, Any]:
    """An OpenAI-style tool definition with a few described properties."""
    properties: dict[str, Any] = {
        f"field_{i}": {
            "type": rng.choice(["string", "integer", "boolean"]),
            "description": " ".join(rng.choices(WORDS, k=rng.randint(3, 12))),
        }
        for i in range(rng.randint(1, 6))
    }
    if rng.random() < 0.5:
        properties["unit"] = {"type": "string", "enum": ["celsius", "fahrenheit", "kelvin"]}
    return {
        "type": "function",
        "function": {
            "name": f"tool_{number}",
            "description": " ".join(rng.choices(WORDS, k=rng.randint(5, 40))),
            "parameters": {"type": "object", "properties": properties, "required": []},
        },
    }


def tools(count: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [tool(number, rng) for number in range(count)]


def data_url(width: int, height: int) -> str:
    return "data:image/png;base64," + base64.b64encode(png_bytes(width, height)).decode()


def image_part(url: str) -> dict[str, Any]:
    return {"type": "image_url", "image_url": {"url": url}}


def cjk_text(rng: random.Random, length: int) -> str:
    return "".join(rng.choice(CJK) for _ in range(length))


def tool_conversation(rng: random.Random) -> list[dict[str, Any]]:
    """A user question, the assistant's tool call, and the tool's (long) result."""
    result = json.dumps(
        {"readings": [{"hour": h, "celsius": rng.randint(-10, 35)} for h in range(24)]}
    )
    return [
        {"role": "user", "content": "What will the weather be in Paris tomorrow?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "tool_0", "arguments": json.dumps({"city": "Paris"})},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": result},
    ]


def prompts(
    server: FakeProvider, seed: int
) -> list[tuple[str, list[dict[str, Any]], dict[str, Any]]]:
    """Generated requests of each kind: (kind, messages, request parameters)."""
    rng = random.Random(seed)
    english = " ".join(rng.choices(WORDS, k=rng.randint(5, 400)))
    width, height = rng.randint(1, 3000), rng.randint(1, 3000)
    return [
        ("english", [{"role": "user", "content": english}], {}),
        (
            "tools",
            [{"role": "user", "content": english}],
            {"tools": tools(rng.randint(5, 40), seed)},
        ),
        ("cjk", [{"role": "user", "content": cjk_text(rng, rng.randint(1, 800))}], {}),
        (
            "image data",
            [
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "What is this?"},
                        image_part(data_url(width, height)),
                    ],
                }
            ],
            {},
        ),
        (
            "image url",
            [
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "Describe it."},
                        image_part(f"{server.base_url}/images/{width}x{height}.png"),
                    ],
                }
            ],
            {},
        ),
        ("tool results", tool_conversation(rng), {"tools": tools(3, seed)}),
    ]


def rows(path: Path) -> list[LedgerRow]:
    with Ledger(path) as ledger:
        return ledger.rows()


# -- the reservation covers the bill -------------------------------------------------------


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("model", TRIO)
def test_the_reservation_covers_the_bill_of_every_kind_of_prompt(
    catalog: Catalog, ledger_path: Path, fake: FakeProvider, model: str, seed: int
) -> None:
    with make_router(catalog, ledger_path, p=profile(model, budget=ROOMY)) as router:
        for kind, messages, params in prompts(fake, seed):
            routed = router.complete("p", messages, **params)
            assert routed.model_id == model, kind
    answered = [row for row in rows(ledger_path) if row.model == model]
    assert [row.outcome for row in answered] == ["answered"] * 6
    for (kind, messages, params), row in zip(prompts(fake, seed), answered, strict=True):
        # The input alone is within its bound, and so the whole bill within the reservation.
        bound = count_tokens_bound(catalog[model], messages, tools=params.get("tools"))
        assert row.input_tokens <= bound.tokens, (kind, bound)
        assert row.reserved is not None
        assert row.cost is not None
        assert row.cost <= row.reserved, (kind, row.input_tokens, row.cost, row.reserved)
        assert not row.over_reserved


def test_what_the_fake_bills_is_what_a_provider_bills(
    catalog: Catalog, ledger_path: Path, fake: FakeProvider
) -> None:
    """The fake's billing really counts tools, images and CJK text, so the test above bites."""
    with make_router(catalog, ledger_path, p=profile(ANTHROPIC, budget=ROOMY)) as router:
        router.complete("p", HI)
        router.complete("p", HI, tools=tools(1, 0))
        router.complete("p", [{"role": "user", "content": "東京" * 100}])
        router.complete("p", [{"role": "user", "content": [image_part(data_url(1000, 1000))]}])
    plain, with_tools, cjk, image = (row.input_tokens for row in rows(ledger_path))
    assert plain == len("Say hi to the router.") // 4 + 1
    # Anthropic's tool-use system prompt and the tool's JSON come on top of the text.
    assert with_tools > plain + 346
    assert cjk == 200 + 1  # a token a character, not characters / 4
    assert image == 1 + 1334  # no text (1), and 1000 x 1000 / 750, rounded up


# -- a budget under concurrency --------------------------------------------------------------


@pytest.mark.parametrize("store", ["sqlite", "redis"])
def test_fifty_concurrent_tool_calls_never_bill_past_the_budget(
    catalog: Catalog,
    ledger_path: Path,
    fake: FakeProvider,
    store: str,
    request: pytest.FixtureRequest,
) -> None:
    carried = tools(20, seed=7)
    messages = [{"role": "user", "content": "Which tool fits? " * 20}]
    bound = count_tokens_bound(catalog[ANTHROPIC], messages, tools=carried).tokens
    each = estimate_cost(catalog[ANTHROPIC], input_tokens=bound, output_tokens=50)
    assert each is not None
    budget = each * 10
    state = (
        request.getfixturevalue("redis_url")
        if store == "redis"
        else f"sqlite:///{ledger_path.parent / 'state.sqlite3'}"
    )
    budgeted = profile(ANTHROPIC, budget=Budget(per_day_usd=budget))
    with Router(catalog, profiles={"b": budgeted}, state=state, ledger=ledger_path) as router:

        async def fifty() -> list[Routed | BaseException]:
            calls = [router.acomplete("b", messages, tools=carried) for _ in range(50)]
            return await asyncio.gather(*calls, return_exceptions=True)

        results = run(fifty())
        spent = router.spent("b")
    answered = [r for r in results if isinstance(r, Routed)]
    refused = [r for r in results if isinstance(r, BudgetExceededError)]
    assert len(answered) + len(refused) == 50
    assert 10 <= len(answered) < 50  # bills below their bound leave room for more than ten
    billed = sum((r.cost or Decimal(0) for r in answered), Decimal(0))
    assert billed == spent["day"] <= budget
    ledger_rows = rows(ledger_path)
    assert len(ledger_rows) == len(answered) == len(fake.requests)
    assert sum((row.cost or Decimal(0) for row in ledger_rows), Decimal(0)) == billed
    assert all(row.reserved == each for row in ledger_rows)
    assert not any(row.over_reserved for row in ledger_rows)


# -- a bill above its reservation ------------------------------------------------------------


def test_a_bill_above_its_reservation_is_settled_in_full_marked_seen_and_reported(
    catalog: Catalog, ledger_path: Path, fake: FakeProvider
) -> None:
    bound = count_tokens_bound(catalog[OPENAI], HI).tokens
    reserved = estimate_cost(catalog[OPENAI], input_tokens=bound, output_tokens=50)
    assert reserved is not None
    # The provider bills a hundred times the bound (as a provider with a new tokenizer might).
    fake.reply(text="hi", usage={"prompt_tokens": bound * 100, "completion_tokens": 1})
    billed = estimate_cost(catalog[OPENAI], input_tokens=bound * 100, output_tokens=1)
    assert billed is not None
    assert billed > reserved
    # Room for the first reservation, and for the next only if the overrun were unseen.
    tight = profile(OPENAI, budget=Budget(per_day_usd=billed + reserved / 2))
    with make_router(catalog, ledger_path, b=tight, r=profile(OPENAI, budget=ROOMY)) as router:
        routed = router.complete("b", HI)
        assert routed.cost == billed  # settled at the real cost, not at the reservation
        # Settled at once: the state holds it before the next call reserves.
        assert router.spent("b")["day"] == billed
        with pytest.raises(BudgetExceededError) as caught:
            router.complete("b", HI)
        router.complete("r", HI)  # an ordinary call, billed within its reservation
    assert (
        str(caught.value)
        .splitlines()[1]
        .startswith("  1. openai/gpt-4o-mini: skipped: over budget: the daily budget")
    )
    first, ordinary = rows(ledger_path)
    assert (first.reserved, first.cost, first.over_reserved) == (reserved, billed, True)
    assert (ordinary.reserved, ordinary.over_reserved) == (reserved, False)
    out, err = io.StringIO(), io.StringIO()
    status = main(["usage", "--ledger", str(ledger_path), "--json"], out=out, err=err)
    assert status == 0
    assert json.loads(out.getvalue())["ledger"]["overruns"] == {
        "reserved": 2,
        "over": 1,
        "percent": 50.0,
    }
    out = io.StringIO()
    assert main(["usage", "--ledger", str(ledger_path)], out=out, err=err) == 0
    assert out.getvalue().splitlines()[-1] == (
        "1 of 2 answered attempts with a budget reservation (50%) cost more than was "
        "reserved for them"
    )


@pytest.fixture
def ledger_path(tmp_path: Path) -> Path:
    return tmp_path / "usage.sqlite3"
