"""Routers in several processes sharing one Redis: budgets, rate limits, the cache, counters.

A real redis-server runs on 127.0.0.1 (skipped, saying so, when none is installed;
CI installs it); calls go through the real litellm to the fake provider.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest

import llm_catalog
from llm_catalog import BudgetExceededError, Catalog
from llm_catalog.calls.router import Routed, Router
from llm_catalog.calls.state import open_state
from llm_catalog.data import clock
from llm_catalog.data.profiles import Budget, CacheSettings, ProfileRateLimits
from tests import redisserver
from tests import test_driver_e2e as e2e
from tests.children import started
from tests.fakeprovider import FakeProvider
from tests.test_driver_e2e import (
    CANARY,
    _close_litellms_clients,  # noqa: F401  (fixtures shared with the driver's tests)
    _no_stray_event_loop,  # noqa: F401
    run,
    write_user_files,
)
from tests.test_router import HI, OPENAI, profile, reservation

redis_server = redisserver.redis_server
redis_url = redisserver.redis_url
REPO = Path(__file__).resolve().parent.parent


# The driver's end-to-end fixtures: canary keys, and the fake provider (one per
# module, reset for each test).
_canary_keys = e2e._canary_keys
server = e2e.server
fake = e2e.fake


@pytest.fixture(scope="module")
def user_dir(server: FakeProvider, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_user_files(tmp_path_factory.mktemp("user-catalog"), server)


@pytest.fixture(scope="module")
def catalog(user_dir: Path) -> Catalog:
    return llm_catalog.load_catalog([user_dir])


def test_concurrent_calls_keep_a_budget_held_in_redis(
    catalog: Catalog, fake: FakeProvider, redis_url: str, tmp_path: Path
) -> None:
    padded, each = reservation(catalog, OPENAI, 50)
    fake.reply(usage={"prompt_tokens": padded, "completion_tokens": 50}, times=30)
    budgeted = profile(OPENAI, budget=Budget(per_month_usd=each * 10))
    with Router(
        catalog, profiles={"b": budgeted}, state=redis_url, ledger=tmp_path / "l.sqlite3"
    ) as router:

        async def thirty() -> list[Routed | BaseException]:
            return await asyncio.gather(
                *(router.acomplete("b", HI) for _ in range(30)), return_exceptions=True
            )

        results = run(thirty())
        spent = router.spent("b")
    assert sum(isinstance(r, Routed) for r in results) == 10
    assert sum(isinstance(r, BudgetExceededError) for r in results) == 20
    assert spent["month"] == each * 10
    assert len(fake.requests) == 10


WORKER = textwrap.dedent(
    """
    import asyncio, json, sys
    from decimal import Decimal
    import litellm
    import llm_catalog
    from llm_catalog.data.profiles import Budget, Profile
    from llm_catalog.calls.router import Routed, Router

    user_dir, state, ledger, limit, calls = sys.argv[1:6]
    catalog = llm_catalog.load_catalog([user_dir])
    budgeted = Profile(
        models=["openai/gpt-4o-mini"],
        params={"max_tokens": 50},
        budget=Budget(per_day_usd=Decimal(limit)),
    )

    async def main():
        with Router(catalog, profiles={"shared": budgeted}, state=state, ledger=ledger) as r:
            results = await asyncio.gather(
                *(r.acomplete("shared", [{"role": "user", "content": "Say hi to the router."}])
                  for _ in range(int(calls))),
                return_exceptions=True,
            )
            await litellm.close_litellm_async_clients()
        answered = [x for x in results if isinstance(x, Routed)]
        kinds = sorted({type(x).__name__ for x in results if not isinstance(x, Routed)})
        spent = sum((x.cost for x in answered), Decimal(0))
        print(json.dumps({"answered": len(answered), "spent": str(spent), "errors": kinds}))

    asyncio.run(main())
    """
)


def test_two_processes_sharing_one_budget_never_overspend_it(
    user_dir: Path, catalog: Catalog, fake: FakeProvider, redis_url: str, tmp_path: Path
) -> None:
    padded, each = reservation(catalog, OPENAI, 50)
    # Every answer costs what was reserved for it: the budget allows exactly ten.
    fake.reply(usage={"prompt_tokens": padded, "completion_tokens": 50}, times=60)
    limit = each * 10
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    commands = [
        [
            sys.executable,
            "-c",
            WORKER,
            str(user_dir),
            redis_url,
            str(tmp_path / f"ledger-{n}.sqlite3"),
            str(limit),
            "25",
        ]
        for n in range(2)
    ]
    options = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True, "env": env}
    reports = []
    with started(commands, **options) as workers:
        for worker in workers:
            out, err = worker.communicate(timeout=120)
            assert worker.returncode == 0, err
            assert CANARY not in out + err
            reports.append(json.loads(out.strip().splitlines()[-1]))
    assert sum(report["answered"] for report in reports) == 10, reports
    assert sum(Decimal(report["spent"]) for report in reports) == limit
    assert all(report["errors"] in ([], ["BudgetExceededError"]) for report in reports)
    assert len(fake.requests) == 10
    with open_state(redis_url) as state:
        assert state.spent("shared", now=clock.now())["day"] == limit


def test_rate_limits_the_cache_and_counters_are_shared_between_routers(
    catalog: Catalog, fake: FakeProvider, redis_url: str, tmp_path: Path
) -> None:
    limits = ProfileRateLimits(models={OPENAI: {"requests_per_minute": 2}})
    limited = profile(rate_limits=limits)
    cached = profile(OPENAI, cache=CacheSettings(enabled=True))
    profiles = {"limited": limited, "cached": cached}
    first = Router(catalog, profiles=profiles, state=redis_url, ledger=tmp_path / "1.sqlite3")
    second = Router(catalog, profiles=profiles, state=redis_url, ledger=tmp_path / "2.sqlite3")
    with first, second:
        assert first.complete("limited", HI).model_id == OPENAI
        assert second.complete("limited", HI).model_id == OPENAI
        third = first.complete("limited", HI)  # the model's two requests a minute are used
        assert next((a.model_id, a.outcome) for a in third.attempts) == (OPENAI, "skipped")

        fake.reply(text="kept in redis")
        assert not first.complete("cached", HI).cached
        again = second.complete("cached", HI)
        assert (again.cached, again.text) == (True, "kept in redis")
        lines = second.state.usage_counters(since=clock.today(), by="model")
    assert len(fake.requests) == 4
    calls = {line.key: line.calls for line in lines}
    assert calls[OPENAI] == 3
    assert sum(calls.values()) == 4
    with open_state(redis_url) as state:
        assert state.cache_get("nothing-here") is None
    import redis

    client = redis.Redis.from_url(redis_url)
    stored: list[str] = []
    try:
        for key in client.scan_iter("llm-catalog:*"):
            kind = client.type(key)
            value: object = {
                b"string": client.get,
                b"hash": client.hgetall,
                b"set": client.smembers,
                b"zset": lambda k: client.zrange(k, 0, -1),
            }[kind](key)  # type: ignore[index,no-untyped-call]
            stored.append(f"{key!r} {value!r}")
    finally:
        client.close()
    assert any("kept in redis" in text for text in stored)
    assert not any(CANARY in text for text in stored)
