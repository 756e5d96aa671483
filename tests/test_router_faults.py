"""A thousand routed calls against a provider that fails at random.

The fake provider answers 429s (with Retry-After), 500s, timeouts and unreadable
bodies at fixed rates from a seeded generator, for every model of a three-provider
profile with a budget that runs out part of the way. Fifty async callers share one
router. Every call must end answered or with a RouteError naming each attempt; the
ledger must hold exactly one row per request that reached the provider, matching the
attempts the callers saw; the budget must not be overspent.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

import llm_catalog
from llm_catalog import BudgetExceededError, Catalog, ProviderError, RouteError
from llm_catalog.calls.ledger import Ledger
from llm_catalog.calls.router import Routed, Router
from llm_catalog.data.profiles import Backoff, Budget, Profile
from tests import test_driver_e2e as e2e
from tests.fakeprovider import FakeProvider
from tests.test_driver_e2e import (
    _close_litellms_clients,  # noqa: F401  (fixtures shared with the driver's tests)
    _no_stray_event_loop,  # noqa: F401
    run,
    write_user_files,
)
from tests.test_router import HI, TRIO, reservation

CALLS = 1000
CALLERS = 50
RATES = {"429": 0.08, "500": 0.08, "timeout": 0.02, "malformed": 0.05}


_canary_keys = e2e._canary_keys


@pytest.fixture
def fake() -> Iterator[FakeProvider]:
    with FakeProvider() as server:
        yield server


@pytest.fixture
def catalog(fake: FakeProvider, tmp_path: Path) -> Catalog:
    return llm_catalog.load_catalog([write_user_files(tmp_path / "user-catalog", fake)])


def test_a_thousand_calls_through_random_faults(
    catalog: Catalog, fake: FakeProvider, tmp_path: Path
) -> None:
    _, each = reservation(catalog, TRIO[0], 50)
    # Timeouts and unreadable answers are charged what was reserved (the provider may
    # have billed them), so this budget runs out part of the way through the run.
    budget = each * 250
    chaotic = Profile(
        models=TRIO,
        params={"max_tokens": 50},
        retries=1,
        backoff=Backoff(initial_seconds=0.005, max_seconds=0.02, jitter_seconds=0.005),
        timeout_seconds=0.5,
        budget=Budget(per_day_usd=budget),
    )
    fake.chaos(RATES, seed=20261125, retry_after=0, delay=1.0)
    ledger_path = tmp_path / "usage.sqlite3"
    router = Router(
        catalog,
        profiles={"chaos": chaotic},
        state=f"sqlite:///{tmp_path / 'state.sqlite3'}",
        ledger=ledger_path,
    )

    async def calls() -> list[Routed | BaseException]:
        gate = asyncio.Semaphore(CALLERS)

        async def one() -> Routed:
            async with gate:
                return await router.acomplete("chaos", HI)

        return await asyncio.gather(*(one() for _ in range(CALLS)), return_exceptions=True)

    with router:
        results = run(calls())
        spent = router.spent("chaos")

    unexpected = [r for r in results if not isinstance(r, Routed | RouteError)]
    assert not unexpected, unexpected[:3]
    answered = [r for r in results if isinstance(r, Routed)]
    failed = [r for r in results if isinstance(r, RouteError)]
    over_budget = [r for r in failed if isinstance(r, BudgetExceededError)]
    # The run met every kind of fault and the budget ran out. How many calls were
    # answered depends on scheduling (on a busy machine more attempts time out, and
    # each timeout is charged what it reserved), so only that some were is asserted.
    served = fake.served
    assert all(served[name] > 0 for name in RATES), served
    assert answered, (len(answered), len(failed))
    assert over_budget, "the budget never ran out: make it smaller"

    seen: dict[str, list[str]] = {}
    for result in results:
        assert isinstance(result, Routed | RouteError)
        attempts = result.attempts
        assert attempts, result
        call_id = result.call_id
        assert call_id is not None
        seen[call_id] = [a.outcome for a in attempts if a.sent]
        for attempt in attempts:
            if attempt.sent and attempt.outcome != "answered":
                assert isinstance(attempt.error, ProviderError), attempt
            if attempt.outcome == "skipped":
                assert attempt.reason, attempt
        if isinstance(result, RouteError):
            assert len(str(result).splitlines()) == len(attempts) + 1

    with Ledger(ledger_path) as ledger:
        rows = ledger.rows()
    # One row per request sent, and exactly the attempts each caller saw.
    assert len(rows) == sum(len(v) for v in seen.values())
    # Every request the provider received has its row; a request that timed out may
    # have timed out before the provider read it, and only such a one lacks a request.
    outcomes = Counter(row.outcome for row in rows)
    assert len(rows) - outcomes["timeout"] <= len(fake.requests) <= len(rows)
    by_call: dict[str, list[str]] = {}
    for row in sorted(rows, key=lambda row: (row.call_id, row.attempt)):
        by_call.setdefault(row.call_id, []).append(row.outcome)
    assert by_call == {call_id: sent for call_id, sent in seen.items() if sent}
    assert outcomes["pending"] == 0
    # An answer, a rate limit or an unreadable body each needs the provider to have
    # served one; answers that arrived after the caller stopped waiting are timeouts.
    # Outages are not bounded by the 500s served: on a busy machine a request the
    # client gives up on can surface from litellm as a connection error, an outage.
    assert outcomes["answered"] == len(answered)
    for fault, outcome in (
        ("reply", "answered"),
        ("429", "rate_limit"),
        ("malformed", "malformed"),
    ):
        assert outcomes[outcome] <= served[fault], (fault, outcomes, served)
    assert set(outcomes) <= {"answered", "rate_limit", "unavailable", "timeout", "malformed"}

    assert spent["day"] <= budget
    billed = sum((row.cost for row in rows if row.cost is not None), Decimal(0))
    assert billed <= spent["day"]
