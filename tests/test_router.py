"""The router end to end: profiles called through the driver and the real litellm, over HTTP.

Every call goes to :class:`tests.fakeprovider.FakeProvider` on 127.0.0.1, which the
shipped OpenAI, Anthropic and Google providers are pointed at by a user catalog file.
State is the embedded SQLite store and the ledger its SQLite file, both in the test's
own directory.
"""

from __future__ import annotations

import asyncio
import gc
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import llm_catalog
from llm_catalog import (
    AuthenticationError,
    BadRequestError,
    BudgetExceededError,
    Catalog,
    ContextWindowError,
    MissingKeyError,
    ProviderTimeoutError,
    ProviderUnavailableError,
    RateLimitError,
    RouteError,
)
from llm_catalog.calls.ledger import Ledger
from llm_catalog.calls.router import Attempt, Routed, Router
from llm_catalog.data.profiles import Backoff, Budget, CacheSettings, Profile, ProfileRateLimits
from llm_catalog.query.pricing import estimate_cost
from llm_catalog.query.tokens import count_tokens_bound
from tests import test_driver_e2e as e2e
from tests.fakeprovider import FakeProvider
from tests.test_driver_e2e import (
    CANARY,
    _close_litellms_clients,  # noqa: F401  (fixtures shared with the driver's tests)
    _no_stray_event_loop,  # noqa: F401
    run,
    write_user_files,
)

OPENAI = "openai/gpt-4o-mini"
ANTHROPIC = "anthropic/claude-haiku-4-5-20251001"
GOOGLE = "google/gemini-2.5-flash-lite"
TRIO = (OPENAI, ANTHROPIC, GOOGLE)
HI = [{"role": "user", "content": "Say hi to the router."}]
QUICK = Backoff(initial_seconds=0.01, multiplier=2, max_seconds=0.05, jitter_seconds=0.01)


def profile(*models: str, **settings: Any) -> Profile:
    """A profile over ``models`` that retries quickly; ``settings`` override the rest."""
    fields: dict[str, Any] = {
        "models": models or TRIO,
        "params": {"max_tokens": 50},
        "backoff": QUICK,
        "timeout_seconds": 5,
    }
    fields.update(settings)
    return Profile(**fields)


# The driver's end-to-end fixtures: canary keys, the fake provider (one per module,
# reset for each test), and the catalog pointed at it.
_canary_keys = e2e._canary_keys
server = e2e.server
fake = e2e.fake
catalog = e2e.catalog


@pytest.fixture
def ledger_path(tmp_path: Path) -> Path:
    return tmp_path / "usage.sqlite3"


def make_router(catalog: Catalog, ledger_path: Path, **profiles: Profile) -> Router:
    return Router(
        catalog,
        profiles=profiles,
        state=f"sqlite:///{ledger_path.parent / 'state.sqlite3'}",
        ledger=ledger_path,
    )


@pytest.fixture
def router(catalog: Catalog, ledger_path: Path) -> Iterator[Router]:
    with make_router(
        catalog,
        ledger_path,
        trio=profile(),
        solo=profile(OPENAI),
    ) as made:
        yield made


def outcomes(attempts: tuple[Attempt, ...] | list[Attempt]) -> list[tuple[str, str]]:
    return [(attempt.model_id, attempt.outcome) for attempt in attempts]


def ledger_rows(path: Path) -> list[tuple[str, str, int, str]]:
    with Ledger(path) as ledger:
        return [(row.model, row.outcome, row.attempt, row.call_id) for row in ledger.rows()]


# -- answers and fallbacks --------------------------------------------------------------------


def test_a_call_served_at_a_service_tier_is_costed_and_recorded_at_it(
    router: Router, fake: FakeProvider, catalog: Catalog, ledger_path: Path
) -> None:
    fake.reply(text="quick", usage={"prompt_tokens": 1000, "completion_tokens": 200})
    routed = router.complete("solo", HI, service_tier="priority")
    assert fake.last.json["service_tier"] == "priority"
    expected = estimate_cost(
        catalog[OPENAI], input_tokens=1000, output_tokens=200, service_tier="priority"
    )
    assert expected is not None
    assert expected != estimate_cost(catalog[OPENAI], input_tokens=1000, output_tokens=200)
    assert routed.cost == expected
    assert routed.completion.rate == ("priority tier",)
    [row] = Ledger(ledger_path).rows()
    assert (row.cost, row.rate) == (expected, "priority tier")


def test_the_first_model_answers_and_the_call_is_priced_and_recorded(
    router: Router, fake: FakeProvider, catalog: Catalog, ledger_path: Path
) -> None:
    fake.reply(text="hello", usage={"prompt_tokens": 1000, "completion_tokens": 200})
    routed = router.complete("trio", HI)
    assert isinstance(routed, Routed)
    assert (routed.text, routed.model_id, routed.cached) == ("hello", OPENAI, False)
    assert outcomes(routed.attempts) == [(OPENAI, "answered")]
    expected = estimate_cost(catalog[OPENAI], input_tokens=1000, output_tokens=200)
    assert routed.cost == routed.completion.cost == expected
    assert fake.last.json["max_tokens"] == 50  # the profile's parameters went along
    assert ledger_rows(ledger_path) == [(OPENAI, "answered", 1, routed.call_id)]
    [row] = Ledger(ledger_path).rows()
    assert (row.input_tokens, row.output_tokens, row.cost) == (1000, 200, expected)
    assert row.latency_seconds is not None
    assert row.latency_seconds > 0


def test_a_rate_limit_is_retried_after_the_wait_the_provider_asks(
    router: Router, fake: FakeProvider
) -> None:
    fake.fail("429", retry_after=0.3)
    started = time.monotonic()
    routed = router.complete("trio", HI)
    assert time.monotonic() - started >= 0.3
    assert outcomes(routed.attempts) == [(OPENAI, "rate_limit"), (OPENAI, "answered")]
    first, second = routed.attempts
    assert isinstance(first.error, RateLimitError)
    assert first.error.retry_after == 0.3
    assert second.waited_seconds >= 0.3


def test_a_retry_after_longer_than_the_profile_waits_moves_on(
    catalog: Catalog, ledger_path: Path, fake: FakeProvider
) -> None:
    with make_router(catalog, ledger_path, p=profile(max_retry_after_seconds=1)) as router:
        fake.fail("429", retry_after=30)
        routed = router.complete("p", HI)
    assert outcomes(routed.attempts) == [(OPENAI, "rate_limit"), (ANTHROPIC, "answered")]
    # It moved on at once: no attempt waited for the 30 seconds asked.
    assert [attempt.waited_seconds for attempt in routed.attempts] == [0.0, 0.0]


def test_outages_are_retried_then_the_next_model_answers(
    router: Router, fake: FakeProvider, ledger_path: Path
) -> None:
    fake.fail("500", times=3)
    routed = router.complete("trio", HI)
    assert outcomes(routed.attempts) == [
        (OPENAI, "unavailable"),
        (OPENAI, "unavailable"),
        (OPENAI, "unavailable"),
        (ANTHROPIC, "answered"),
    ]
    assert all(isinstance(a.error, ProviderUnavailableError) for a in routed.attempts[:3])
    assert [a.number for a in routed.attempts] == [1, 2, 3, 4]
    # Each retry waited at least the backoff's initial wait.
    assert all(a.waited_seconds >= 0.01 for a in routed.attempts[1:3])
    assert routed.attempts[3].waited_seconds == 0
    assert [(model, outcome, n) for model, outcome, n, _ in ledger_rows(ledger_path)] == [
        (OPENAI, "unavailable", 1),
        (OPENAI, "unavailable", 2),
        (OPENAI, "unavailable", 3),
        (ANTHROPIC, "answered", 4),
    ]


def test_a_refused_key_is_not_retried(router: Router, fake: FakeProvider) -> None:
    fake.fail("401")
    routed = router.complete("trio", HI)
    assert outcomes(routed.attempts) == [(OPENAI, "authentication"), (ANTHROPIC, "answered")]
    assert isinstance(routed.attempts[0].error, AuthenticationError)


def test_a_bad_request_is_never_retried_and_ends_the_call(
    router: Router, fake: FakeProvider, ledger_path: Path
) -> None:
    fake.fail("400")
    with pytest.raises(RouteError) as caught:
        router.complete("trio", HI)
    error = caught.value
    assert type(error) is RouteError
    assert len(fake.requests) == 1
    assert outcomes(error.attempts) == [(OPENAI, "bad_request")]
    assert isinstance(error.last_error, BadRequestError)
    assert error.__cause__ is error.last_error
    assert str(error).splitlines()[0] == (
        "profile 'trio': openai/gpt-4o-mini failed with bad_request, which the profile does "
        "not fall back on"
    )
    assert (
        str(error)
        .splitlines()[1]
        .startswith(
            "  1. openai/gpt-4o-mini: bad_request: openai/gpt-4o-mini: the provider refused"
        )
    )
    assert [row[1] for row in ledger_rows(ledger_path)] == ["bad_request"]


def test_a_prompt_too_long_for_a_window_skips_to_models_whose_window_fits(
    catalog: Catalog, ledger_path: Path, fake: FakeProvider
) -> None:
    chain = (OPENAI, "openai/gpt-4o", GOOGLE)  # 128k, 128k, 1M tokens of input
    assert catalog["openai/gpt-4o"].limits.context_window == 128_000
    with make_router(catalog, ledger_path, p=profile(*chain)) as router:
        fake.fail("context")
        routed = router.complete("p", HI)
    assert outcomes(routed.attempts) == [
        (OPENAI, "context_window"),
        ("openai/gpt-4o", "skipped"),
        (GOOGLE, "answered"),
    ]
    assert isinstance(routed.attempts[0].error, ContextWindowError)
    assert routed.attempts[1].reason == (
        "its input limit of 128,000 tokens is no larger than the 128,000 the provider said "
        "was too small"
    )
    assert len(fake.requests) == 2


def test_models_refused_before_sending_are_skipped_without_a_request(
    catalog: Catalog, ledger_path: Path, fake: FakeProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    long = [{"role": "user", "content": "word " * 20_000}]  # about 20,000 tokens
    with make_router(catalog, ledger_path, p=profile("acme/support-bot", ANTHROPIC, GOOGLE)) as r:
        routed = r.complete("p", long)
    assert outcomes(routed.attempts) == [
        ("acme/support-bot", "skipped"),
        (ANTHROPIC, "skipped"),
        (GOOGLE, "answered"),
    ]
    bot, anthropic, _ = routed.attempts
    assert isinstance(bot.error, ContextWindowError)
    assert bot.error.counted
    assert isinstance(anthropic.error, MissingKeyError)
    assert anthropic.reason == "no API key for provider 'anthropic': set ANTHROPIC_API_KEY"
    assert len(fake.requests) == 1
    assert [row[0] for row in ledger_rows(ledger_path)] == [GOOGLE]


def test_when_every_model_fails_the_error_names_each_attempt(
    router: Router, fake: FakeProvider, ledger_path: Path
) -> None:
    fake.fail("503", times=9)
    with pytest.raises(RouteError) as caught:
        router.complete("trio", HI)
    error = caught.value
    assert len(error.attempts) == len(fake.requests) == 9
    assert [a.model_id for a in error.attempts] == [OPENAI] * 3 + [ANTHROPIC] * 3 + [GOOGLE] * 3
    assert {a.outcome for a in error.attempts} == {"unavailable"}
    lines = str(error).splitlines()
    assert lines[0] == "profile 'trio': no model answered (9 sent, 0 skipped)"
    assert [line.split(":")[0] for line in lines[1:]] == [
        f"  {n}. {model}"
        for n, model in enumerate([OPENAI] * 3 + [ANTHROPIC] * 3 + [GOOGLE] * 3, 1)
    ]
    assert isinstance(error.last_error, ProviderUnavailableError)
    assert error.last_error.model_id == GOOGLE
    assert len(ledger_rows(ledger_path)) == 9
    assert CANARY not in str(error) + repr(error.attempts)


def test_a_timeout_is_retried(catalog: Catalog, ledger_path: Path, fake: FakeProvider) -> None:
    with make_router(catalog, ledger_path, p=profile(timeout_seconds=0.5)) as router:
        fake.fail("timeout", delay=2)
        routed = router.complete("p", HI)
    assert outcomes(routed.attempts) == [(OPENAI, "timeout"), (OPENAI, "answered")]
    assert isinstance(routed.attempts[0].error, ProviderTimeoutError)


def test_the_deadline_stops_the_chain(
    catalog: Catalog, ledger_path: Path, fake: FakeProvider
) -> None:
    slow = profile(timeout_seconds=0.4, deadline_seconds=1, retries=5)
    with make_router(catalog, ledger_path, p=slow) as router:
        fake.fail("timeout", delay=2, times=20)
        with pytest.raises(RouteError) as caught:
            router.complete("p", HI)
    attempts = caught.value.attempts
    # No attempt started past the deadline, however slowly the machine ran.
    first = attempts[0].started_at
    assert all((a.started_at - first).total_seconds() < 1 for a in attempts if a.sent), attempts
    assert 1 <= sum(a.sent for a in attempts) <= 3
    assert attempts[-1].outcome == "skipped"
    assert attempts[-1].reason == "the profile's deadline of 1 s passed"


def test_an_unknown_profile_names_the_known_ones(router: Router) -> None:
    with pytest.raises(llm_catalog.UnknownProfileError) as caught:
        router.complete("tri", HI)
    assert "did you mean 'trio'?" in str(caught.value)


def test_a_query_profile_chains_the_top_matches(catalog: Catalog, ledger_path: Path) -> None:
    query: dict[str, Any] = {"vision": True, "max_cost": 0.01, "provider": ["openai", "google"]}
    with make_router(catalog, ledger_path, p=Profile(select=query, top=2)) as router:
        chain = router.chain("p")
    expected = [match.model.id for match in catalog.select(**query)[:2]]
    assert len(expected) == 2
    assert [model.id for model in chain] == expected


# -- async ------------------------------------------------------------------------------------


def test_the_async_router_falls_back_as_the_sync_one(
    router: Router, fake: FakeProvider, ledger_path: Path
) -> None:
    fake.fail("429", retry_after=0.05)
    fake.fail("500", times=2)
    fake.fail("401")
    routed = run(router.acomplete("trio", HI))
    assert outcomes(routed.attempts) == [
        (OPENAI, "rate_limit"),
        (OPENAI, "unavailable"),
        (OPENAI, "unavailable"),
        (ANTHROPIC, "authentication"),
        (GOOGLE, "answered"),
    ]
    assert [row[1] for row in ledger_rows(ledger_path)] == [a.outcome for a in routed.attempts]


# -- rate limits ------------------------------------------------------------------------------


def test_a_model_over_its_rate_limit_is_skipped(
    catalog: Catalog, ledger_path: Path, fake: FakeProvider
) -> None:
    limits = ProfileRateLimits(models={OPENAI: {"requests_per_minute": 2}})
    with make_router(catalog, ledger_path, p=profile(rate_limits=limits)) as router:
        answered = [router.complete("p", HI).model_id for _ in range(3)]
        third = router.complete("p", HI)
    assert answered == [OPENAI, OPENAI, ANTHROPIC]
    skip = third.attempts[0]
    assert (skip.model_id, skip.outcome) == (OPENAI, "skipped")
    assert skip.reason is not None
    assert skip.reason.startswith("over a rate limit (room again in")
    assert len(fake.requests) == 4


def test_a_provider_token_limit_counts_the_prompt_and_max_tokens(
    catalog: Catalog, ledger_path: Path, fake: FakeProvider
) -> None:
    limits = ProfileRateLimits(providers={"openai": {"tokens_per_minute": 40}})
    with make_router(catalog, ledger_path, p=profile(rate_limits=limits)) as router:
        routed = router.complete("p", HI)  # the prompt's tokens and max_tokens 50 > 40
    first = routed.attempts[0]
    assert (first.model_id, first.outcome) == (OPENAI, "skipped")
    assert first.reason is not None
    assert first.reason.startswith("the request's ")
    assert "more than the limit of 40 per" in first.reason
    assert routed.model_id == ANTHROPIC


def test_waiting_for_a_rate_limit(
    catalog: Catalog, ledger_path: Path, fake: FakeProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    limits = ProfileRateLimits(
        models={OPENAI: {"requests_per_minute": 1}},
        when_limited="wait",
        max_wait_seconds=5,
    )
    with make_router(catalog, ledger_path, p=profile(rate_limits=limits)) as router:
        # The one request this minute allows was made 59.5 seconds ago.
        real = time.time
        monkeypatch.setattr(time, "time", lambda: real() - 59.5)
        router.complete("p", HI)
        monkeypatch.setattr(time, "time", real)
        started = time.monotonic()
        routed = router.complete("p", HI)
    assert time.monotonic() - started >= 0.3
    assert outcomes(routed.attempts) == [(OPENAI, "answered")]
    # It waited for the window to free, within the profile's max_wait_seconds.
    assert 0.3 <= routed.attempts[0].waited_seconds <= 5


# -- budgets ----------------------------------------------------------------------------------


def reservation(catalog: Catalog, model: str, max_tokens: int) -> tuple[int, Decimal]:
    """What the router reserves for HI: the prompt's upper bound and max_tokens, priced."""
    bound = count_tokens_bound(catalog[model], HI).tokens
    cost = estimate_cost(catalog[model], input_tokens=bound, output_tokens=max_tokens)
    assert cost is not None
    return bound, cost


def test_fifty_concurrent_calls_never_spend_past_a_budget_that_allows_ten(
    catalog: Catalog, ledger_path: Path, fake: FakeProvider
) -> None:
    padded, each = reservation(catalog, OPENAI, 50)
    # Every answer costs exactly what was reserved for it, so ten fit and no more.
    fake.reply(usage={"prompt_tokens": padded, "completion_tokens": 50}, times=50)
    budgeted = profile(OPENAI, budget=Budget(per_day_usd=each * 10))
    with make_router(catalog, ledger_path, b=budgeted) as router:

        async def fifty() -> list[Routed | BaseException]:
            calls = [router.acomplete("b", HI) for _ in range(50)]
            return await asyncio.gather(*calls, return_exceptions=True)

        results = run(fifty())
        spent = router.spent("b")
    answered = [r for r in results if isinstance(r, Routed)]
    refused = [r for r in results if isinstance(r, BudgetExceededError)]
    assert (len(answered), len(refused)) == (10, 40)
    assert spent["day"] == spent["month"] == each * 10
    assert sum((r.cost or Decimal(0) for r in answered), Decimal(0)) == each * 10
    assert len(fake.requests) == 10
    assert len(ledger_rows(ledger_path)) == 10
    message = str(refused[0]).splitlines()
    assert message[0] == (
        "profile 'b': the budget cannot cover a call to any model of the chain (0 sent, 1 skipped)"
    )
    assert message[1].startswith("  1. openai/gpt-4o-mini: skipped: over budget: the daily budget")


def test_an_unpriced_model_is_skipped_by_a_budgeted_profile(
    catalog: Catalog, ledger_path: Path, fake: FakeProvider, tmp_path: Path
) -> None:
    unpriced = catalog["acme/support-bot"].model_copy(update={"pricing": None})
    assert estimate_cost(unpriced, input_tokens=1) is None
    directory = write_user_files(tmp_path / "unpriced", fake)
    acme = directory / "acme.yaml"
    acme.write_text(
        acme.read_text(encoding="utf-8").replace("    pricing: {input: 1, output: 2}\n", ""),
        encoding="utf-8",
    )
    local = llm_catalog.load_catalog([directory])
    budgeted = profile("acme/support-bot", OPENAI, budget=Budget(per_month_usd=Decimal(5)))
    with make_router(local, ledger_path, b=budgeted) as router:
        routed = router.complete("b", HI)
    assert outcomes(routed.attempts) == [("acme/support-bot", "skipped"), (OPENAI, "answered")]
    assert routed.attempts[0].reason == (
        "acme/support-bot has no prices, so the budget could not be kept: give it prices "
        "or leave it out of budgeted profiles"
    )


# -- the cache --------------------------------------------------------------------------------


def test_identical_requests_are_answered_from_the_cache_and_errors_are_not_kept(
    catalog: Catalog, ledger_path: Path, fake: FakeProvider
) -> None:
    cached = profile(OPENAI, cache=CacheSettings(enabled=True, ttl_seconds=60))
    with make_router(catalog, ledger_path, c=cached) as router:
        fake.fail("500", times=3)
        with pytest.raises(RouteError):
            router.complete("c", HI)
        fake.reply(text="remembered")
        first = router.complete("c", HI)
        again = router.complete("c", HI)
        other = router.complete("c", [{"role": "user", "content": "Something else."}])
        hotter = router.complete("c", HI, temperature=0.9)
    assert len(fake.requests) == 3 + 1 + 2
    assert (first.cached, first.text) == (False, "remembered")
    assert (again.cached, again.text, again.cost) == (True, "remembered", Decimal(0))
    assert outcomes(again.attempts) == [(OPENAI, "cached")]
    assert again.completion.usage == first.completion.usage
    assert not other.cached
    assert not hotter.cached
    assert [row[1] for row in ledger_rows(ledger_path)] == [
        "unavailable",
        "unavailable",
        "unavailable",
        "answered",
        "cached",
        "answered",
        "answered",
    ]
    stored = (ledger_path.parent / "state.sqlite3").read_bytes()
    assert b"remembered" in stored or len(stored) > 0
    for path in ledger_path.parent.iterdir():
        assert CANARY.encode() not in path.read_bytes(), path


def test_the_cache_is_off_unless_the_profile_turns_it_on(
    router: Router, fake: FakeProvider
) -> None:
    router.complete("solo", HI)
    assert not router.complete("solo", HI).cached
    assert len(fake.requests) == 2


# -- the ledger -------------------------------------------------------------------------------


def test_the_ledger_holds_no_key(router: Router, fake: FakeProvider, ledger_path: Path) -> None:
    fake.fail("401")
    fake.fail("500")
    router.complete("trio", HI)
    with sqlite3.connect(ledger_path) as connection:
        dump = "\n".join(connection.iterdump())
    connection.close()
    assert "authentication" in dump
    assert CANARY not in dump


CRASHING = """
import sys
import llm_catalog
from llm_catalog.data.profiles import Profile
from llm_catalog.calls.router import Router

user_dir, ledger = sys.argv[1:3]
catalog = llm_catalog.load_catalog([user_dir])
chain = Profile(models=["openai/gpt-4o-mini"], params={"max_tokens": 50})
Router(catalog, profiles={"p": chain}, ledger=ledger).complete("p", [{"role": "user", "content": "Hi"}])
"""


def test_a_process_killed_mid_call_leaves_its_row_in_the_ledger(
    server: FakeProvider, fake: FakeProvider, tmp_path: Path
) -> None:
    directory = write_user_files(tmp_path / "user", server)
    fake.fail("slow", delay=30)
    ledger_path = tmp_path / "usage.sqlite3"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    process = subprocess.Popen(
        [sys.executable, "-c", CRASHING, str(directory), str(ledger_path)], env=env
    )
    try:
        deadline = time.monotonic() + 60
        while not fake.requests and time.monotonic() < deadline:
            time.sleep(0.05)
        assert fake.requests, "the call never reached the provider"
    finally:
        process.kill()
        process.wait()
    with sqlite3.connect(ledger_path) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    connection.close()
    [row] = Ledger(ledger_path).rows()
    assert (row.model, row.outcome, row.attempt) == (OPENAI, "pending", 1)


def test_malformed_messages_end_the_call_before_any_model_is_tried(
    router: Router, fake: FakeProvider, ledger_path: Path
) -> None:
    with pytest.raises(TypeError) as caught:
        router.complete("trio", "Say hi")  # type: ignore[arg-type]
    assert str(caught.value).startswith("messages must be a list of chat messages")
    with pytest.raises(ValueError, match=r"messages\[0\] has no 'content'"):
        run(router.acomplete("trio", [{"role": "user"}]))
    assert fake.requests == []
    assert ledger_rows(ledger_path) == []


# litellm's async OpenAI path makes a coroutine that a cancellation leaves unawaited;
# the warning comes from litellm when that coroutine is collected, not from the router.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.filterwarnings("ignore:coroutine .* was never awaited:RuntimeWarning")
def test_a_cancelled_call_closes_its_ledger_row_and_keeps_its_reservation_spent(
    catalog: Catalog, ledger_path: Path, fake: FakeProvider
) -> None:
    _, each = reservation(catalog, OPENAI, 50)
    budgeted = profile(OPENAI, budget=Budget(per_day_usd=each * 10))
    with make_router(catalog, ledger_path, b=budgeted) as router:
        fake.fail("slow", delay=5)

        async def impatient() -> None:
            await asyncio.wait_for(router.acomplete("b", HI), timeout=0.5)

        with pytest.raises(TimeoutError):
            run(impatient())
        spent = router.spent("b")
    [row] = Ledger(ledger_path).rows()
    assert (row.model, row.outcome) == (OPENAI, "cancelled")
    assert row.error == "the caller stopped waiting (cancelled or interrupted)"
    # The provider may have done, and billed, the work: the reservation counts as spent.
    assert spent["day"] == each
    gc.collect()  # litellm's unawaited coroutine warns now, inside this test
