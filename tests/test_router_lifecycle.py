"""A call's deadline, and a router that stops: money that holds under real traffic.

A provider that sends one byte now and then resets litellm's timeout on every read;
the router cuts the attempt at ``timeout_seconds`` and the call at ``deadline_seconds``,
and the budget counts what was held while the attempt could still be billed. A
process stopped mid-call (SIGTERM, or SIGKILL) leaves no reservation to vanish: the
stopping router settles its holds as spent, and after SIGKILL a later router does.

The dripping server below speaks just enough HTTP for litellm's OpenAI client; the
fake provider (:mod:`tests.fakeprovider`) serves everything else. Nothing here
asserts how long anything took: only outcomes and money.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import os
import signal
import socket
import sqlite3
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest

import llm_catalog
from llm_catalog import (
    BudgetExceededError,
    Catalog,
    ProviderTimeoutError,
    RouteError,
    RouterStoppedError,
)
from llm_catalog.calls import driver
from llm_catalog.calls.ledger import Ledger
from llm_catalog.calls.router import Routed, Router
from llm_catalog.calls.state import open_state
from llm_catalog.data import clock
from llm_catalog.data.profiles import Budget, Profile
from tests import redisserver
from tests import test_driver_e2e as e2e
from tests.children import started
from tests.fakeprovider import FakeProvider
from tests.test_driver_e2e import (
    _close_litellms_clients,  # noqa: F401  (fixtures shared with the driver's tests)
    _no_stray_event_loop,  # noqa: F401
    run,
    write_user_files,
)
from tests.test_router import HI, OPENAI, QUICK

redis_server = redisserver.redis_server
redis_url = redisserver.redis_url
_canary_keys = e2e._canary_keys
server = e2e.server
fake = e2e.fake
catalog = e2e.catalog
REPO = Path(__file__).resolve().parent.parent

# One reservation for HI with max_tokens 50 at gpt-4o-mini's prices is about $0.00003:
# this budget holds one, never two.
ONE_CALL = Decimal("0.00005")


class DrippingServer:
    """An OpenAI-shaped server on 127.0.0.1 that answers one byte every ``every`` seconds."""

    def __init__(self, *, every: float = 0.05) -> None:
        self.every = every
        self.requests = 0
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)  # so that accepting sees the stop
        self._connections: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        port = self._listener.getsockname()[1]
        self.openai_base = f"http://127.0.0.1:{port}/v1"
        self.anthropic_base = self.gemini_base = f"http://127.0.0.1:{port}"

    def __enter__(self) -> DrippingServer:
        accepting = threading.Thread(target=self._accept, daemon=True)
        accepting.start()
        self._threads.append(accepting)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads[:1]:
            thread.join(timeout=10)
        self._listener.close()
        with self._lock:
            for conn in self._connections:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
                conn.close()
        for thread in self._threads[1:]:
            thread.join(timeout=10)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(None)
            with self._lock:
                self._connections.append(conn)
            serving = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            serving.start()
            self._threads.append(serving)

    def _serve(self, conn: socket.socket) -> None:
        try:
            data = b""
            while b"\r\n\r\n" not in data:
                received = conn.recv(65536)
                if not received:
                    return
                data += received
            head, _, body = data.partition(b"\r\n\r\n")
            length = next(
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            while len(body) < length:
                body += conn.recv(65536)
            request = json.loads(body)
            with self._lock:
                self.requests += 1
            if request.get("stream"):
                chunk = {
                    "id": "drip",
                    "object": "chat.completion.chunk",
                    "created": 1_700_000_000,
                    "model": request["model"],
                    "choices": [{"index": 0, "delta": {"content": "drip"}, "finish_reason": None}],
                }
                payload = f"data: {json.dumps(chunk)}\n\ndata: [DONE]\n\n".encode()
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                    b"Connection: close\r\n\r\n"
                )
            else:
                answer = {
                    "id": "drip",
                    "object": "chat.completion",
                    "created": 1_700_000_000,
                    "model": request["model"],
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": "drip " * 40},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": {"prompt_tokens": 10, "completion_tokens": 40, "total_tokens": 50},
                }
                payload = json.dumps(answer).encode()
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    + f"Content-Length: {len(payload)}\r\n\r\n".encode()
                )
            for byte in payload:  # a byte at a time: no read ever waits long
                if self._stop.wait(self.every):
                    return
                conn.sendall(bytes([byte]))
        except OSError:
            return


@pytest.fixture
def drip(catalog: Catalog) -> Iterator[DrippingServer]:
    # litellm's first call of a process sets up its clients, which takes longer than
    # the short timeouts here: that is done first, against the fake provider.
    driver.complete(catalog[OPENAI], HI)
    run(driver.acomplete(catalog[OPENAI], HI))
    with DrippingServer() as server:
        yield server


@pytest.fixture
def drip_catalog(drip: DrippingServer, tmp_path: Path) -> Catalog:
    pointed = SimpleNamespace(
        openai_base=drip.openai_base,
        anthropic_base=drip.anthropic_base,
        gemini_base=drip.gemini_base,
    )
    return llm_catalog.load_catalog([write_user_files(tmp_path / "user", pointed)])  # type: ignore[arg-type]


def drip_router(catalog: Catalog, tmp_path: Path, profile: Profile) -> Router:
    return Router(
        catalog,
        profiles={"drip": profile},
        state=f"sqlite:///{tmp_path / 'state.sqlite3'}",
        ledger=tmp_path / "usage.sqlite3",
    )


def sqlite_held(path: Path, scope: str) -> Decimal:
    """US dollars the live holds of ``scope`` keep out of today's budget."""
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT amount FROM holds WHERE scope = ? AND period LIKE 'day:%'", (scope,)
        ).fetchall()
    db.close()
    return sum((Decimal(int(amount)) / 10**12 for (amount,) in rows), Decimal(0))


def redis_held(url: str, scope: str) -> Decimal:
    import redis

    client = redis.Redis.from_url(url)
    try:
        records: list[bytes] = client.hvals(f"llm-catalog:budget:{scope}:hold-records")  # type: ignore[assignment]
    finally:
        client.close()
    return sum((Decimal(int(r.split()[0])) / 10**12 for r in records), Decimal(0))


# -- one deadline per call, enforced ---------------------------------------------------------


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_dripping_answer_is_cut_and_a_second_call_finds_no_room(
    drip_catalog: Catalog, drip: DrippingServer, tmp_path: Path, mode: str
) -> None:
    budgeted = Profile(
        models=[OPENAI],
        params={"max_tokens": 50},
        backoff=QUICK,
        retries=3,
        timeout_seconds=0.4,
        deadline_seconds=5,
        budget=Budget(per_day_usd=ONE_CALL),
    )
    state_path = tmp_path / "state.sqlite3"
    seen: list[Decimal] = []
    watching = threading.Event()

    def watch(router: Router) -> None:
        # Spend plus holds, as often as it can be read, while the calls run.
        while not watching.is_set():
            seen.append(router.spent("drip")["day"] + sqlite_held(state_path, "drip"))
            time.sleep(0.01)

    with drip_router(drip_catalog, tmp_path, budgeted) as router:
        watcher = threading.Thread(target=watch, args=(router,))
        watcher.start()
        try:
            if mode == "sync":
                with pytest.raises(RouteError) as first:
                    router.complete("drip", HI)
            else:
                with pytest.raises(RouteError) as first:
                    run(router.acomplete("drip", HI))
            with pytest.raises(BudgetExceededError):
                router.complete("drip", HI)
        finally:
            watching.set()
            watcher.join()
        spent = router.spent("drip")["day"]
    attempts = first.value.attempts
    # Cut at its timeout: a timeout, charged at its reservation; the retry had no room.
    assert [a.outcome for a in attempts] == ["timeout", "skipped"]
    assert isinstance(attempts[0].error, ProviderTimeoutError)
    assert "over budget" in (attempts[1].reason or "")
    assert drip.requests == 1
    assert Decimal("0.00002") < spent <= ONE_CALL
    assert seen
    assert max(seen) <= ONE_CALL
    with Ledger(tmp_path / "usage.sqlite3") as ledger:
        assert [row.outcome for row in ledger.rows()] == ["timeout"]


# An attempt cut by the deadline before litellm's async path sent its request leaves
# litellm's coroutine unawaited; the warning comes from litellm when it is collected.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.filterwarnings("ignore:coroutine .* was never awaited:RuntimeWarning")
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_the_deadline_ends_a_call_whose_attempts_all_drip(
    drip_catalog: Catalog, drip: DrippingServer, tmp_path: Path, mode: str
) -> None:
    patient = Profile(
        models=[OPENAI],
        params={"max_tokens": 50},
        backoff=QUICK,
        retries=20,
        timeout_seconds=0.3,
        deadline_seconds=1,
    )
    with drip_router(drip_catalog, tmp_path, patient) as router:

        def call() -> Routed:
            return (
                router.complete("drip", HI) if mode == "sync" else run(router.acomplete("drip", HI))
            )

        with pytest.raises(RouteError) as caught:
            call()
    attempts = caught.value.attempts
    sent = [a for a in attempts if a.sent]
    # The answer takes the server many seconds: every attempt was cut, none answered,
    # and the retries stopped at the deadline, short of twenty.
    assert sent
    assert all(a.outcome == "timeout" for a in sent), attempts
    # The last may have been cut by the deadline before its request left.
    assert len(sent) - 1 <= drip.requests <= len(sent) < 20
    first = sent[0].started_at
    assert all((a.started_at - first).total_seconds() < 1 for a in sent), attempts
    gc.collect()  # litellm's unawaited coroutine, if any, warns now, inside this test


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_dripping_stream_is_cut_at_its_timeout(
    drip_catalog: Catalog, drip: DrippingServer, mode: str
) -> None:
    model = drip_catalog[OPENAI]

    def read() -> None:
        for _ in driver.stream(model, HI, timeout=0.4):
            pass

    async def aread() -> None:
        async for _ in await driver.astream(model, HI, timeout=0.4):
            pass

    with pytest.raises(ProviderTimeoutError) as caught:
        read() if mode == "sync" else run(aread())
    assert "no answer in time: the stream had not ended within its timeout of 0.4 s" in str(
        caught.value
    )
    assert drip.requests == 1


# -- stopping ---------------------------------------------------------------------------------


def test_a_stopping_router_admits_no_new_call_and_settles_what_it_holds(
    catalog: Catalog, fake: FakeProvider, tmp_path: Path
) -> None:
    budgeted = Profile(
        models=[OPENAI], params={"max_tokens": 50}, budget=Budget(per_day_usd=Decimal(1))
    )
    router = Router(
        catalog,
        profiles={"b": budgeted},
        state=f"sqlite:///{tmp_path / 'state.sqlite3'}",
        ledger=tmp_path / "usage.sqlite3",
    )
    fake.fail("slow", delay=30)
    outcome: list[BaseException] = []

    def call() -> None:
        try:
            router.complete("b", HI)
        except BaseException as error:
            outcome.append(error)

    with router:
        caller = threading.Thread(target=call)
        caller.start()
        ends = time.monotonic() + 60
        while not fake.requests and time.monotonic() < ends:
            time.sleep(0.01)
        held = sqlite_held(tmp_path / "state.sqlite3", "b")
        router.shutdown(grace_seconds=0.2)
        caller.join()
        with pytest.raises(RouterStoppedError) as refused:
            router.complete("b", HI)
        spent = router.spent("b")["day"]
    assert str(refused.value) == (
        "profile 'b': the router is stopping (shutdown() was called, or a signal received) "
        "and admits no new call: make the call with a router that is running"
    )
    [stopped] = outcome
    assert isinstance(stopped, RouterStoppedError)
    assert [a.outcome for a in stopped.attempts] == ["cancelled"] or stopped.attempts == ()
    assert held > 0
    assert spent == held
    assert sqlite_held(tmp_path / "state.sqlite3", "b") == 0
    with Ledger(tmp_path / "usage.sqlite3") as ledger:
        assert [row.outcome for row in ledger.rows()] == ["cancelled"]


CHILD = textwrap.dedent(
    """
    import asyncio, sys
    from decimal import Decimal
    import llm_catalog
    from llm_catalog.data.profiles import Budget, Profile
    from llm_catalog.calls.router import Router

    user_dir, state, ledger, limit = sys.argv[1:5]
    catalog = llm_catalog.load_catalog([user_dir])
    budgeted = Profile(
        models=["openai/gpt-4o-mini"],
        params={"max_tokens": 50},
        budget=Budget(per_day_usd=Decimal(limit)),
    )
    router = Router(catalog, profiles={"shared": budgeted}, state=state, ledger=ledger)
    router.install_signal_handlers(grace_seconds=0.2)

    async def main():
        hi = [{"role": "user", "content": "Say hi to the router."}]
        await asyncio.gather(*(router.acomplete("shared", hi) for _ in range(2)),
                             return_exceptions=True)

    asyncio.run(main())
    """
)


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
@pytest.mark.parametrize("store", ["sqlite", "redis"])
def test_a_process_stopped_mid_call_leaves_its_reservations_spent(
    server: FakeProvider,
    catalog: Catalog,
    fake: FakeProvider,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    store: str,
    how: signal.Signals,
) -> None:
    limit = Decimal("0.0003")
    state_path = tmp_path / "state.sqlite3"
    state = f"sqlite:///{state_path}" if store == "sqlite" else request.getfixturevalue("redis_url")
    ledger_path = tmp_path / "usage.sqlite3"
    user_dir = write_user_files(tmp_path / "user", server)
    fake.fail("slow", delay=30, times=2)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-c", CHILD, str(user_dir), state, str(ledger_path), str(limit)]
    with started([command], env=env) as [child]:
        ends = time.monotonic() + 60
        while len(fake.requests) < 2 and time.monotonic() < ends:
            time.sleep(0.02)
        assert len(fake.requests) == 2, "the calls never reached the provider"
        held = (
            sqlite_held(state_path, "shared") if store == "sqlite" else redis_held(state, "shared")
        )
        child.send_signal(how)
        child.wait(timeout=60)
    assert held > 0
    if how == signal.SIGTERM:
        # The stopping router settled its holds, then let the signal end the process.
        assert child.returncode in (0, -signal.SIGTERM)
        with Ledger(ledger_path) as ledger:
            assert sorted(row.outcome for row in ledger.rows()) == ["cancelled", "cancelled"]
    else:
        assert child.returncode == -signal.SIGKILL

    fake.reset()
    budgeted = Profile(models=[OPENAI], params={"max_tokens": 50}, budget=Budget(per_day_usd=limit))
    # A later router, sharing the state: the killed calls are spent, never forgotten.
    with Router(
        catalog, profiles={"shared": budgeted}, state=state, ledger=tmp_path / "later.sqlite3"
    ) as later:
        assert later.spent("shared")["day"] == held

        async def burst() -> list[Routed | BaseException]:
            return await asyncio.gather(
                *(later.acomplete("shared", HI) for _ in range(20)), return_exceptions=True
            )

        results = run(burst())
        spent = later.spent("shared")["day"]
    answered = [r for r in results if isinstance(r, Routed)]
    assert all(isinstance(r, Routed | BudgetExceededError) for r in results), results
    assert answered
    assert any(isinstance(r, BudgetExceededError) for r in results)
    assert spent == held + sum((r.cost or Decimal(0) for r in answered), Decimal(0))
    assert spent <= limit
    with open_state(state) as shared:
        assert shared.spent("shared", now=clock.now())["day"] == spent
