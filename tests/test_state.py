"""Budgets, cache and counters on both stores: SQLite files and a real redis-server."""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from llm_catalog.calls.ledger import Ledger, UsageLine
from llm_catalog.calls.state import (
    Ceiling,
    Owner,
    RedisState,
    Refusal,
    Reservation,
    SQLiteState,
    State,
    open_state,
    public_url,
    this_process,
)
from llm_catalog.data.errors import StateError
from tests import redisserver
from tests.children import started
from tests.conftest import REPO, mode

redis_server = redisserver.redis_server
redis_url = redisserver.redis_url

NOW = datetime(2026, 11, 25, 12, 30, tzinfo=UTC)
HOLD = 60.0


@pytest.fixture(params=["sqlite", "redis"])
def state(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[State]:
    opened: State
    if request.param == "sqlite":
        opened = SQLiteState(tmp_path / "state.sqlite3")
    else:
        opened = RedisState(request.getfixturevalue("redis_url"))
    with opened:
        yield opened


def reserve(
    state: State, amount: str, *ceilings: tuple[str, str], scope: str = "agent", hold: float = HOLD
) -> Reservation | Refusal:
    return state.reserve(
        scope,
        Decimal(amount),
        [Ceiling(period, Decimal(limit)) for period, limit in ceilings],  # type: ignore[arg-type]
        now=NOW,
        hold_seconds=hold,
    )


def held(outcome: Reservation | Refusal) -> Reservation:
    assert isinstance(outcome, Reservation), str(outcome)
    return outcome


# -- reserve and settle ------------------------------------------------------------------


def test_refusal_arithmetic_is_exact(state: State) -> None:
    state.settle(held(reserve(state, "4.96", ("day", "5"))), Decimal("4.96"))
    held(reserve(state, "0.0088", ("day", "5")))
    refusal = reserve(state, "0.045", ("day", "5"))
    assert refusal == Refusal(
        "day", Decimal("5"), Decimal("4.96"), Decimal("0.0088"), Decimal("0.045")
    )
    assert str(refusal) == (
        "the daily budget of $5.00 has $0.0312 left ($4.96 spent, $0.0088 reserved); "
        "this call may cost up to $0.045"
    )
    # Exactly what is left still fits.
    held(reserve(state, "0.0312", ("day", "5")))
    refusal = reserve(state, "0.000000000001", ("day", "5"))
    assert isinstance(refusal, Refusal)
    assert refusal.spent + refusal.reserved == Decimal(5)


def test_reservation_names_its_periods_and_amount(state: State) -> None:
    reservation = held(reserve(state, "0.10", ("month", "1")))
    assert len(reservation.id) == 32
    assert reservation.scope == "agent"
    assert reservation.amount == Decimal("0.1")
    assert reservation.periods == ("day:2026-11-25", "month:2026-11")


def test_refusal_names_the_first_ceiling_that_fails(state: State) -> None:
    state.settle(held(reserve(state, "0.90", ("day", "5"), ("month", "1"))), Decimal("0.9"))
    refusal = reserve(state, "0.2", ("day", "5"), ("month", "1"))
    assert isinstance(refusal, Refusal)
    assert str(refusal) == (
        "the monthly budget of $1.00 has $0.10 left ($0.90 spent, $0.00 reserved); "
        "this call may cost up to $0.20"
    )


def test_scopes_are_apart(state: State) -> None:
    state.settle(held(reserve(state, "1", ("day", "1"), scope="a")), Decimal(1))
    assert isinstance(reserve(state, "0.01", ("day", "1"), scope="a"), Refusal)
    held(reserve(state, "1", ("day", "1"), scope="b"))


def test_no_ceilings_always_holds_and_still_counts_spend(state: State) -> None:
    reservation = held(reserve(state, "5000000"))
    state.settle(reservation, Decimal("4000000.5"))
    assert state.spent("agent", now=NOW) == {
        "day": Decimal("4000000.5"),
        "month": Decimal("4000000.5"),
    }


def test_settle_records_the_truth_and_is_idempotent(state: State) -> None:
    over = held(reserve(state, "0.01", ("day", "1")))
    state.settle(over, Decimal("0.25"))  # more than reserved: recorded as spent
    state.settle(over, Decimal("0.25"))  # the same reservation again: no change
    state.settle(held(reserve(state, "0.01", ("day", "1"))), Decimal(0))
    assert state.spent("agent", now=NOW) == {"day": Decimal("0.25"), "month": Decimal("0.25")}
    # Settling freed the holds: all of what is left can be reserved.
    held(reserve(state, "0.75", ("day", "1")))


def test_periods_are_utc_days_and_months(state: State) -> None:
    evening = datetime(2026, 11, 30, 23, 59, tzinfo=UTC)
    state.settle(
        held(state.reserve("agent", Decimal(1), [], now=evening, hold_seconds=HOLD)), Decimal(1)
    )
    assert state.spent("agent", now=evening) == {"day": Decimal(1), "month": Decimal(1)}
    # A naive datetime is UTC; another day of the month starts from nothing, as does
    # the next month.
    assert state.spent("agent", now=datetime(2026, 11, 29, 23, 59)) == {
        "day": Decimal(0),
        "month": Decimal(1),
    }
    assert state.spent("agent", now=datetime(2026, 12, 1, tzinfo=UTC)) == {
        "day": Decimal(0),
        "month": Decimal(0),
    }
    # A reservation made late on the 30th holds that day, not the next.
    late = state.reserve(
        "night", Decimal(1), [Ceiling("day", Decimal(1))], now=evening, hold_seconds=HOLD
    )
    assert isinstance(late, Reservation)
    nextday = state.reserve(
        "night",
        Decimal(1),
        [Ceiling("day", Decimal(1))],
        now=datetime(2026, 12, 1, 0, 1, tzinfo=UTC),
        hold_seconds=HOLD,
    )
    assert isinstance(nextday, Reservation)


def test_amounts_past_two_to_the_53_picodollars_stay_exact(state: State) -> None:
    # $10 million is 1e19 picodollars: past doubles (Lua) and 64-bit integers (SQLite).
    limit = ("month", "10000000")
    first = held(reserve(state, "9999999.999999999998", limit))
    refusal = reserve(state, "0.000000000003", limit)
    assert isinstance(refusal, Refusal)
    assert refusal.reserved == Decimal("9999999.999999999998")
    held(reserve(state, "0.000000000002", limit))
    state.settle(first, Decimal("9999999.999999999998"))
    assert state.spent("agent", now=NOW)["month"] == Decimal("9999999.999999999998")
    # Finer than a picodollar: an amount rounds up, a limit down.
    assert held(reserve(state, "0.0000000000001", scope="tiny")).amount == Decimal("1E-12")


def test_holds_lapse_so_a_dead_process_never_blocks_the_budget(state: State) -> None:
    placed = time.monotonic()
    lost = held(reserve(state, "1", ("day", "1"), hold=0.3))
    refused = reserve(state, "0.01", ("day", "1"))
    # Refused while the hold lives; a machine stalled past its 0.3 s may see it lapsed.
    assert isinstance(refused, Refusal) or time.monotonic() - placed >= 0.3
    time.sleep(0.45)
    later = held(reserve(state, "0.6", ("day", "1")))
    # The lost call settles after all: what it spent is the truth, and is counted.
    state.settle(lost, Decimal("0.3"))
    state.settle(later, Decimal("0.6"))
    assert state.spent("agent", now=NOW)["day"] == Decimal("0.9")


def test_bad_amounts_and_ceilings_are_refused(state: State) -> None:
    with pytest.raises(ValueError, match=r"amount must be a non-negative Decimal"):
        reserve(state, "-1")
    with pytest.raises(ValueError, match=r"a ceiling's period is 'day' or 'month', not 'week'"):
        reserve(state, "1", ("week", "1"))
    with pytest.raises(ValueError, match=r"hold_seconds must be a positive number, not 0"):
        reserve(state, "1", hold=0)
    reservation = held(reserve(state, "1"))
    with pytest.raises(ValueError, match=r"actual must be a non-negative Decimal"):
        state.settle(reservation, Decimal("NaN"))


def test_fifty_threads_against_a_budget_for_ten(state: State) -> None:
    barrier = threading.Barrier(50)
    outcomes: list[Reservation | Refusal] = []
    lock = threading.Lock()

    def call() -> None:
        barrier.wait()
        outcome = reserve(state, "0.1", ("day", "1"))
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=call) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    reservations = [o for o in outcomes if isinstance(o, Reservation)]
    refusals = [o for o in outcomes if isinstance(o, Refusal)]
    assert len(reservations) == 10
    assert len(refusals) == 40
    assert all(r.spent + r.reserved == Decimal(1) for r in refusals)
    for reservation in reservations:
        state.settle(reservation, reservation.amount)
    assert state.spent("agent", now=NOW)["day"] == Decimal(1)


BUDGET = Decimal("3.00")


def hammer(url: str, threads: int, seed: int, meeting: str) -> None:
    """Reserve and settle until the budget is spent; print what was spent (a worker process).

    The worker says it is ready in the ``meeting`` directory and starts when told
    to, so that both processes compete from the first call.
    """
    spent: list[Decimal] = []
    lock = threading.Lock()
    ceilings = [Ceiling("day", BUDGET)]

    def work(shared: State, rng: random.Random) -> None:
        for _ in range(10_000):
            outcome = shared.reserve("shared", Decimal("0.03"), ceilings, now=NOW, hold_seconds=60)
            if isinstance(outcome, Refusal):
                if outcome.reserved == 0:
                    return  # settled spend alone leaves no room: the budget is spent
                time.sleep(0.001)
                continue
            actual = Decimal(rng.randint(10, 30)) / 1000
            shared.settle(outcome, actual)
            with lock:
                spent.append(actual)

    with open_state(url) as state:
        (Path(meeting) / f"ready-{seed}").touch()
        while not (Path(meeting) / "go").exists():
            time.sleep(0.005)
        workers = [
            threading.Thread(target=work, args=(state, random.Random(seed * 100 + i)))
            for i in range(threads)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    print(json.dumps({"calls": len(spent), "spent": str(sum(spent, Decimal(0)))}))


def run_two_processes(url: str, meeting: Path) -> list[dict[str, str]]:
    code = (
        "import sys; from tests.test_state import hammer; "
        "hammer(sys.argv[1], 4, int(sys.argv[2]), sys.argv[3])"
    )
    commands = [[sys.executable, "-c", code, url, str(seed), str(meeting)] for seed in (1, 2)]
    options = {"cwd": REPO, "stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
    with started(commands, **options) as processes:
        deadline = time.monotonic() + 60
        while not all((meeting / f"ready-{seed}").exists() for seed in (1, 2)):
            ended = [p.communicate() for p in processes if p.poll() is not None]
            assert not ended, f"a worker ended before the start: {ended}"
            assert time.monotonic() < deadline, "the workers did not get ready"
            time.sleep(0.01)
        (meeting / "go").touch()
        results = []
        for process in processes:
            out, err = process.communicate(timeout=120)
            assert process.returncode == 0, err
            results.append(json.loads(out))
    return results


def check_never_overspent(state: State, results: list[dict[str, str]]) -> None:
    total = sum((Decimal(r["spent"]) for r in results), Decimal(0))
    # Both processes compete from the first call, but how the budget splits between
    # them is the scheduler's business; together they spend it, and never more.
    assert sum(int(r["calls"]) for r in results) > 0
    assert state.spent("shared", now=NOW)["day"] == total
    assert total <= BUDGET
    assert total > BUDGET - Decimal("0.03")  # and the budget was used up


def test_two_processes_share_a_sqlite_budget(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    results = run_two_processes(f"sqlite://{path}", tmp_path)
    with SQLiteState(path) as state:
        check_never_overspent(state, results)


def test_two_processes_share_a_redis_budget(redis_url: str, tmp_path: Path) -> None:
    results = run_two_processes(redis_url, tmp_path)
    with RedisState(redis_url) as state:
        check_never_overspent(state, results)


# -- cache and counters ------------------------------------------------------------------


def test_cache_keeps_values_for_their_ttl(state: State) -> None:
    assert state.cache_get("absent") is None
    placed = time.monotonic()
    state.cache_put("short", b"\x00answer", 1)
    state.cache_put("long", b"kept", 60)
    state.cache_put("long", b"replaced", 60)
    short = state.cache_get("short")
    # Kept for its second; a machine stalled past it may find it gone already.
    assert short == b"\x00answer" or (short is None and time.monotonic() - placed >= 1)
    assert state.cache_get("long") == b"replaced"
    time.sleep(1.1)
    assert state.cache_get("short") is None
    assert state.cache_get("long") == b"replaced"
    with pytest.raises(ValueError, match=r"ttl_seconds must be positive, not 0"):
        state.cache_put("never", b"x", 0)


def test_usage_counters_group_and_filter_by_day(state: State) -> None:
    def count(day: str, profile: str, model: str, cost: str | None, answered: bool = True) -> None:
        state.add_usage(
            day=day,
            profile=profile,
            model=model,
            provider=model.split("/")[0],
            input_tokens=100,
            output_tokens=10,
            cost=None if cost is None else Decimal(cost),
            answered=answered,
        )

    count("2026-11-20", "agent", "openai/gpt-4o", "5")
    count("2026-11-24", "agent", "openai/gpt-4o", "0.25")
    count("2026-11-24", "agent", "openai/gpt-4o-mini", "0.001")
    count("2026-11-25", "bulk", "openai/gpt-4o-mini", None, answered=False)
    count("2026-11-25", "bulk", "anthropic/claude-haiku", None)
    assert state.usage_counters(since=date(2026, 11, 24), by="model") == [
        UsageLine("openai/gpt-4o", 1, 1, 0, 100, 10, Decimal("0.25")),
        UsageLine("openai/gpt-4o-mini", 2, 1, 1, 200, 20, Decimal("0.001")),
        UsageLine("anthropic/claude-haiku", 1, 1, 0, 100, 10, Decimal(0), unpriced=1),
    ]
    assert state.usage_counters(since=date(2026, 1, 1), by="provider") == [
        UsageLine("openai", 4, 3, 1, 400, 40, Decimal("5.251")),
        UsageLine("anthropic", 1, 1, 0, 100, 10, Decimal(0), unpriced=1),
    ]
    assert state.usage_counters(since=date(2026, 11, 25), by="profile") == [
        UsageLine("bulk", 2, 1, 1, 200, 20, Decimal(0), unpriced=1),
    ]
    assert state.usage_counters(since=date(2026, 12, 1), by="model") == []
    with pytest.raises(ValueError, match=r"by must be one of provider, model, profile, not 'day'"):
        state.usage_counters(since=date(2026, 1, 1), by="day")  # type: ignore[arg-type]


def test_a_closed_state_says_so(tmp_path: Path) -> None:
    state = SQLiteState(tmp_path / "s.sqlite3")
    state.close()
    state.close()
    with pytest.raises(StateError) as caught:
        state.cache_get("k")
    assert str(caught.value) == f"the state file {tmp_path / 's.sqlite3'} is closed"


def test_rate_limit_storage_is_a_limits_uri(tmp_path: Path, redis_url: str) -> None:
    from limits import RateLimitItemPerMinute
    from limits.storage import RedisStorage, storage_from_string
    from limits.strategies import MovingWindowRateLimiter

    with SQLiteState(tmp_path / "s.sqlite3") as embedded:
        assert embedded.rate_limit_storage == "memory://"
    with RedisState(redis_url) as shared:
        assert shared.rate_limit_storage == redis_url
        storage = storage_from_string(shared.rate_limit_storage)
        assert isinstance(storage, RedisStorage)
        limiter = MovingWindowRateLimiter(storage)
        item = RateLimitItemPerMinute(2)
        assert [limiter.hit(item, "llm-catalog", "m") for _ in range(3)] == [True, True, False]
        storage.storage.close()


# -- opening -----------------------------------------------------------------------------


def test_default_state_is_sqlite_in_the_data_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LLM_CATALOG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("LLM_CATALOG_STATE", "")
    with open_state() as state:
        assert isinstance(state, SQLiteState)
        assert state.path == tmp_path / "data" / "state.sqlite3"
        assert state.description == f"sqlite://{tmp_path}/data/state.sqlite3"
        assert repr(state) == f"<SQLiteState sqlite://{tmp_path}/data/state.sqlite3>"


@pytest.mark.usefixtures("permissive_umask")
def test_a_new_state_file_and_data_directory_are_private_to_their_owner(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "deep" / "data"
    monkeypatch.setenv("LLM_CATALOG_DATA_DIR", str(data))
    monkeypatch.setenv("LLM_CATALOG_STATE", "")
    with open_state() as state:
        held(reserve(state, "1", ("day", "5")))
        # SQLite gives its WAL and shared-memory files the database file's mode.
        assert {p.name: mode(p) for p in data.iterdir()} == {
            "state.sqlite3": 0o600,
            "state.sqlite3-wal": 0o600,
            "state.sqlite3-shm": 0o600,
        }
    assert (mode(tmp_path / "deep"), mode(data)) == (0o700, 0o700)
    with open_state(f"sqlite://{tmp_path / 'named.sqlite3'}") as state:
        assert mode(state.path) == 0o600  # type: ignore[attr-defined]


@pytest.mark.usefixtures("permissive_umask")
def test_a_state_file_or_data_directory_that_exists_keeps_its_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    path = data / "state.sqlite3"
    path.touch(mode=0o640)
    monkeypatch.setenv("LLM_CATALOG_DATA_DIR", str(data))
    monkeypatch.setenv("LLM_CATALOG_STATE", "")
    with open_state() as state:
        held(reserve(state, "1", ("day", "5")))
    assert (mode(data), mode(path)) == (0o755, 0o640)


def test_state_urls_and_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, redis_url: str
) -> None:
    for url in (f"sqlite://{tmp_path}/a.sqlite3", f"sqlite:///{tmp_path}/a.sqlite3"):
        with open_state(url) as state:
            assert isinstance(state, SQLiteState)
            assert state.path == tmp_path / "a.sqlite3"
            assert state.description == f"sqlite://{tmp_path}/a.sqlite3"
    monkeypatch.chdir(tmp_path)
    with open_state("b.sqlite3") as state:
        assert isinstance(state, SQLiteState)
        assert state.path == Path("b.sqlite3")
    monkeypatch.setenv("LLM_CATALOG_STATE", redis_url)
    with open_state() as state:
        assert isinstance(state, RedisState)
        assert state.description == redis_url


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "postgres://user:hunter22@db/state",
            "the state URL 'postgres://user:***@db/state' is not a state URL this version "
            "understands: write sqlite:///PATH, a file path, redis://HOST:PORT/DB, rediss://... "
            "or unix:///PATH/redis.sock",
        ),
        (
            "sqlite://host/state.sqlite3",
            "the state URL 'sqlite://host/state.sqlite3' does not name a file: write "
            "sqlite:///absolute/path/state.sqlite3 (three slashes) or a plain path",
        ),
        (
            "  ",
            "the state URL is empty: write sqlite:///PATH, a file path or redis://HOST",
        ),
        (
            "redis://:hunter22@127.0.0.1:notaport/0",
            "redis://:***@127.0.0.1:notaport/0 is not a Redis URL (Port could not be cast to "
            "integer value as 'notaport'): write redis://HOST:PORT/DB, rediss://... or "
            "unix:///PATH/redis.sock",
        ),
    ],
)
def test_bad_state_urls(url: str, message: str) -> None:
    with pytest.raises(StateError) as caught:
        open_state(url)
    assert str(caught.value) == message
    assert "hunter22" not in str(caught.value)


def test_bad_url_in_the_environment_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLM_CATALOG_STATE", "memcached://localhost")
    with pytest.raises(StateError) as caught:
        open_state()
    assert str(caught.value).startswith(
        "LLM_CATALOG_STATE 'memcached://localhost' is not a state URL"
    )


def test_unreachable_redis_never_shows_the_password() -> None:
    port = redisserver.free_port()
    with pytest.raises(StateError) as caught:
        open_state(f"redis://agent:hunter22@127.0.0.1:{port}/0")
    assert str(caught.value) == (
        f"cannot connect to Redis at redis://agent:***@127.0.0.1:{port}/0: Error 111 "
        f"connecting to 127.0.0.1:{port}. Connection refused; check that the server is "
        "running and that the URL is right"
    )


def test_a_wrong_redis_password_is_named_not_shown(tmp_path: Path) -> None:
    with redisserver.start_redis(tmp_path, password="right-password") as server:
        url = f"redis://:wrong-password@127.0.0.1:{server.port}/0"
        with pytest.raises(StateError) as caught:
            open_state(url)
        assert str(caught.value) == (
            f"Redis at redis://:***@127.0.0.1:{server.port}/0 refused the credentials "
            "(invalid username-password pair or user is disabled): check the user and "
            "password in the URL"
        )
        with open_state(server.url) as state:
            assert state.description == f"redis://:***@127.0.0.1:{server.port}/0"
            state.cache_put("k", b"v", 10)
            assert state.cache_get("k") == b"v"


def test_redis_state_without_the_redis_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "redis", None)  # what Python does when it is not installed
    with pytest.raises(StateError) as caught:
        open_state("redis://:hunter22@cache.internal:6379/0")
    assert str(caught.value) == (
        "the state redis://:***@cache.internal:6379/0 is kept in Redis, and the redis package "
        "is not installed: pip install 'llm-catalog[redis]'"
    )


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://:pw@host:6379/0", "redis://:***@host:6379/0"),
        ("rediss://user:p@ss@host/1", "rediss://user:***@host/1"),
        ("redis://token@host", "redis://***@host"),
        ("unix:///run/redis.sock?db=2&password=pw", "unix:///run/redis.sock?db=2&password=***"),
        ("redis://host:6379/0", "redis://host:6379/0"),
    ],
)
def test_public_url_hides_passwords(url: str, shown: str) -> None:
    assert public_url(url) == shown


def test_files_that_are_not_state_are_refused(tmp_path: Path) -> None:
    garbage = tmp_path / "notes.txt"
    garbage.write_text("not a database at all, but long enough to have a header" * 10)
    with pytest.raises(StateError) as caught:
        open_state(str(garbage))
    assert str(caught.value) == (
        f"cannot use the state file {garbage}: file is not a database; if it is not an "
        "llm-catalog file, move it aside or name another path"
    )

    foreign = tmp_path / "app.sqlite3"
    db = sqlite3.connect(foreign)
    db.execute("CREATE TABLE customers (id INTEGER)")
    db.commit()
    db.close()
    with pytest.raises(StateError) as caught:
        SQLiteState(foreign)
    assert str(caught.value) == (
        f"{foreign} is not an llm-catalog state file (its tables: customers); move it aside "
        "or name another path"
    )

    ledger_path = tmp_path / "usage.sqlite3"
    Ledger(ledger_path).close()
    with pytest.raises(StateError) as caught:
        SQLiteState(ledger_path)
    assert str(caught.value) == (
        f"{ledger_path} is not an llm-catalog state file (its tables: attempts); move it "
        "aside or name another path"
    )


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    SQLiteState(path).close()
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 7")
    db.close()
    with pytest.raises(StateError) as caught:
        SQLiteState(path)
    assert str(caught.value) == (
        f"the state file {path} was written by a newer llm-catalog (schema 7; this one knows "
        "up to 1): upgrade llm-catalog or name another path"
    )


def test_a_missing_directory_is_named(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "state.sqlite3"
    with pytest.raises(StateError) as caught:
        open_state(f"sqlite://{path}")
    assert str(caught.value) == (
        f"the state URL 'sqlite://{path}': the directory {path.parent} does not exist: create "
        "it or name a file in a directory that exists"
    )


def test_a_plain_value_with_a_colon_is_a_mistyped_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for url, shown in (("::::", "::::"), ("localhost:6379", "localhost:6379")):
        with pytest.raises(StateError) as caught:
            open_state(url, where="--state")
        assert str(caught.value) == (
            f"--state {shown!r} is neither a state URL nor a file path: write sqlite:///PATH, "
            "a file path without ':', or redis://HOST:PORT/DB"
        )
    monkeypatch.setenv("LLM_CATALOG_STATE", "redis:agent:hunter22@cache.internal")
    with pytest.raises(StateError) as caught:
        open_state()
    assert str(caught.value) == (
        "LLM_CATALOG_STATE '***@cache.internal' is neither a state URL nor a file path: write "
        "sqlite:///PATH, a file path without ':', or redis://HOST:PORT/DB"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_directory_or_a_fifo_is_no_state_file(tmp_path: Path) -> None:
    with pytest.raises(StateError) as caught:
        open_state(str(tmp_path))
    assert str(caught.value) == (
        f"the state URL {str(tmp_path)!r} is a directory: name a file in it, such as "
        f"{tmp_path / 'state.sqlite3'}"
    )
    fifo = tmp_path / "state.fifo"
    os.mkfifo(fifo)
    with pytest.raises(StateError) as caught:
        open_state(f"sqlite://{fifo}", where="--state")
    assert str(caught.value) == (
        f"--state 'sqlite://{fifo}' is not a regular file: name a file, such as state.sqlite3"
    )


def test_redis_keys_are_prefixed(redis_url: str) -> None:
    import redis

    with RedisState(redis_url) as state:
        reservation = held(reserve(state, "0.5", ("day", "1")))
        state.cache_put("response:abc", b"x", 60)
        state.add_usage(
            day="2026-11-25",
            profile="agent",
            model="openai/gpt-4o",
            provider="openai",
            input_tokens=1,
            output_tokens=1,
            cost=Decimal("0.5"),
            answered=True,
        )
        client: Any = redis.Redis.from_url(redis_url)
        try:
            assert sorted(k.decode() for k in client.keys("*")) == [
                "llm-catalog:budget:agent:hold-records",
                "llm-catalog:budget:agent:holds",
                "llm-catalog:cache:response:abc",
                "llm-catalog:usage:2026-11-25",
                "llm-catalog:usage:days",
            ]
            # The hold's keys vanish when its hold would have lapsed, whoever settles.
            assert 0 < client.pttl("llm-catalog:budget:agent:holds") <= HOLD * 1000
            state.settle(reservation, Decimal("0.5"))
            assert sorted(k.decode() for k in client.keys("llm-catalog:budget:*")) == [
                "llm-catalog:budget:agent:spent:day:2026-11-25",
                "llm-catalog:budget:agent:spent:month:2026-11",
            ]
            assert client.get("llm-catalog:budget:agent:spent:day:2026-11-25") == b"500000000000"
            assert client.ttl(f"llm-catalog:settled:{reservation.id}") > 86_000
        finally:
            client.close()


def test_importing_the_catalog_loads_no_state_library() -> None:
    code = (
        "import sys, llm_catalog; llm_catalog.select(vision=True); "
        "import llm_catalog.interfaces.cli; llm_catalog.interfaces.cli._parser(); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('redis', 'limits', 'platformdirs', 'tenacity', 'sqlite3', '_sqlite3')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert result.stdout.strip() == "[]"


OPEN_AT_ONCE = """\
import pathlib, sys, time
from llm_catalog.calls.state import open_state
go = pathlib.Path(sys.argv[2])
while not go.exists():
    time.sleep(0.001)
with open_state(sys.argv[1]):
    print("opened")
"""


def test_processes_creating_one_state_file_at_once_all_open_it(tmp_path: Path) -> None:
    # SQLite answers "database is locked" at once to a connection asking for WAL mode
    # while another process creates the file; every opener must wait its turn instead.
    for round_ in range(4):
        folder = tmp_path / str(round_)
        folder.mkdir()
        url, go = f"sqlite://{folder / 'state.sqlite3'}", folder / "go"
        commands = [[sys.executable, "-c", OPEN_AT_ONCE, url, str(go)] for _ in range(4)]
        options = {"cwd": REPO, "stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
        with started(commands, **options) as processes:
            go.touch()
            for process in processes:
                out, err = process.communicate(timeout=120)
                assert (process.returncode, out) == (0, "opened\n"), err


# -- holds owned by a process: leases settled as spent, never dropped ----------------------


def owned(state: State, amount: str, owner: Owner, *, hold: float = HOLD) -> Reservation:
    return held(
        state.reserve(
            "agent",
            Decimal(amount),
            [Ceiling("day", Decimal(1))],
            now=NOW,
            hold_seconds=hold,
            owner=owner,
        )
    )


def dead_owner() -> Owner:
    """The owner a process that has ended would have been."""
    with started([[sys.executable, "-c", "pass"]]) as [child]:
        child.wait()
    return Owner(this_process().host, child.pid, "1")


def test_an_owned_hold_that_lapses_is_settled_as_spent(state: State) -> None:
    lapsing = owned(state, "0.4", this_process(), hold=0.2)
    time.sleep(0.35)
    # The next reservation finds the lease lapsed: the provider may have billed that call.
    assert isinstance(reserve(state, "0.7", ("day", "1")), Refusal)
    assert state.spent("agent", now=NOW)["day"] == Decimal("0.4")
    state.settle(lapsing, Decimal("0.1"))  # its owner, late: already settled, nothing changes
    assert state.spent("agent", now=NOW)["day"] == Decimal("0.4")


def test_a_renewed_hold_outlives_its_first_lease(state: State) -> None:
    kept = owned(state, "1", this_process(), hold=0.3)
    state.renew([kept], 60)
    time.sleep(0.45)
    assert isinstance(reserve(state, "0.01", ("day", "1")), Refusal)
    assert state.spent("agent", now=NOW)["day"] == 0
    state.settle(kept, Decimal("0.25"))
    state.renew([kept], 60)  # a settled hold stays settled
    held(reserve(state, "0.75", ("day", "1")))
    with pytest.raises(ValueError, match=r"hold_seconds must be a positive number, not 0"):
        state.renew([kept], 0)


def test_the_holds_of_a_dead_process_are_settled_as_spent(state: State) -> None:
    orphan = owned(state, "0.3", dead_owner())
    alive = owned(state, "0.2", this_process())
    elsewhere = owned(state, "0.1", Owner("another-host.example", 1, "5"))
    unowned = held(reserve(state, "0.05", ("day", "1")))
    assert state.settle_orphans() == [orphan]
    assert state.spent("agent", now=NOW)["day"] == Decimal("0.3")
    assert state.settle_orphans() == []
    # The rest still hold their money until settled.
    assert isinstance(reserve(state, "0.36", ("day", "1")), Refusal)
    for reservation in (alive, elsewhere, unowned):
        state.settle(reservation, reservation.amount)
    assert state.spent("agent", now=NOW)["day"] == Decimal("0.65")


def test_an_owner_is_written_and_read_back() -> None:
    me = this_process()
    assert me.pid == os.getpid()
    assert me.alive() is True
    assert Owner.parse(str(me)) == me
    assert Owner.parse("host.example/12/") == Owner("host.example", 12, "")
    assert Owner.parse("no-pid") is None
    assert Owner("another-host.example", 1).alive() is None
    assert dead_owner().alive() is False
