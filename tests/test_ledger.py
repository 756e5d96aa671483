"""The usage ledger: rows per attempt, reports, threads, and processes that die mid-call."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from llm_catalog.calls.ledger import INTERRUPTED_AFTER, Ledger, LedgerRow, UsageLine, total
from llm_catalog.calls.state import SQLiteState
from llm_catalog.data import clock
from llm_catalog.data.errors import StateError
from tests.conftest import REPO, mode

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    with Ledger(tmp_path / "usage.sqlite3") as opened:
        yield opened


def attempt(
    ledger: Ledger,
    *,
    model: str = "openai/gpt-4o",
    profile: str = "agent",
    call_id: str = "call-1",
    number: int = 1,
    started_at: datetime = T0,
    **end: object,
) -> int:
    row = ledger.begin(
        call_id=call_id,
        profile=profile,
        model=model,
        provider=model.split("/")[0],
        attempt=number,
        started_at=started_at,
    )
    if end:
        end.setdefault("latency_seconds", 0.5)
        ledger.end(row, **end)  # type: ignore[arg-type]
    return row


def test_begin_end_and_rows(ledger: Ledger) -> None:
    first = attempt(
        ledger,
        outcome="rate_limit",
        error="429 from openai for key sk-proj-abcdefghijklmnopqrstuvwxyz0123",
        latency_seconds=0.25,
    )
    second = attempt(
        ledger,
        number=2,
        started_at=T0 + timedelta(seconds=2),
        outcome="answered",
        input_tokens=812,
        output_tokens=95,
        cached_tokens=512,
        cost=Decimal("0.00298"),
        latency_seconds=1.42,
    )
    assert ledger.rows() == [
        LedgerRow(
            id=first,
            call_id="call-1",
            started_at=T0,
            profile="agent",
            model="openai/gpt-4o",
            provider="openai",
            attempt=1,
            outcome="rate_limit",
            input_tokens=0,
            output_tokens=0,
            cached_tokens=0,
            cost=None,
            latency_seconds=0.25,
            error="429 from openai for key <redacted>",
            cached=False,
        ),
        LedgerRow(
            id=second,
            call_id="call-1",
            started_at=T0 + timedelta(seconds=2),
            profile="agent",
            model="openai/gpt-4o",
            provider="openai",
            attempt=2,
            outcome="answered",
            input_tokens=812,
            output_tokens=95,
            cached_tokens=512,
            cost=Decimal("0.00298"),
            latency_seconds=1.42,
            error=None,
            cached=False,
        ),
    ]
    raw = sqlite3.connect(ledger.path)
    try:
        stored = raw.execute("SELECT started_at, cost, error FROM attempts ORDER BY id").fetchall()
    finally:
        raw.close()
    assert stored == [
        ("2026-11-20T09:00:00.000000+00:00", None, "429 from openai for key <redacted>"),
        ("2026-11-20T09:00:02.000000+00:00", 2_980_000_000, None),
    ]


def test_a_row_is_committed_before_the_call_goes_out(ledger: Ledger) -> None:
    attempt(ledger, started_at=clock.now())
    other = Ledger(ledger.path)  # another process's view
    try:
        [row] = other.rows()
    finally:
        other.close()
    assert row.outcome == "pending"
    assert row.latency_seconds is None


def test_record_writes_a_cache_hit_in_one_step(ledger: Ledger) -> None:
    row = ledger.record(
        call_id="call-9",
        profile="agent",
        model="openai/gpt-4o",
        provider="openai",
        attempt=1,
        started_at=datetime(2026, 11, 20, 10, 0),  # naive: UTC
        outcome="cached",
        input_tokens=10,
        output_tokens=4,
        cost=Decimal(0),
        cached=True,
    )
    [found] = ledger.rows(call_id="call-9")
    assert found.id == row
    assert (found.outcome, found.cached, found.cost, found.latency_seconds) == (
        "cached",
        True,
        Decimal(0),
        0.0,
    )
    assert found.started_at == datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def test_long_errors_are_cut(ledger: Ledger) -> None:
    attempt(ledger, outcome="unavailable", error="<html>" + "x" * 5000)
    [row] = ledger.rows()
    assert row.error is not None
    assert len(row.error) == 2000
    assert row.error.endswith("x…")


def test_mistakes_are_named(ledger: Ledger) -> None:
    with pytest.raises(ValueError, match=r"^no row 99 in the usage ledger .*usage\.sqlite3$"):
        ledger.end(99, outcome="answered", latency_seconds=1)
    row = attempt(ledger)
    with pytest.raises(
        ValueError, match=r"an attempt ends with an outcome such as 'answered', not 'pending'"
    ):
        ledger.end(row, outcome="pending", latency_seconds=1)
    with pytest.raises(ValueError, match=r"attempt numbers start at 1, not 0"):
        attempt(ledger, number=0)
    with pytest.raises(ValueError, match=r"cost must be a non-negative Decimal"):
        ledger.end(row, outcome="answered", cost=Decimal(-1), latency_seconds=1)
    with pytest.raises(ValueError, match=r"by must be one of provider, model, profile, not 'day'"):
        ledger.report(by="day")  # type: ignore[arg-type]


def test_report_groups_sorts_and_filters(ledger: Ledger) -> None:
    attempt(ledger, outcome="timeout")
    attempt(
        ledger,
        number=2,
        outcome="answered",
        input_tokens=1000,
        output_tokens=200,
        cost=Decimal("0.012"),
    )
    attempt(
        ledger,
        model="openai/gpt-4o-mini",
        call_id="c2",
        outcome="answered",
        input_tokens=500,
        output_tokens=50,
        cost=Decimal("0.0003"),
    )
    attempt(
        ledger,
        model="acme/large",
        profile="bulk",
        call_id="c3",
        outcome="answered",
        input_tokens=7,
        output_tokens=3,
    )
    attempt(
        ledger,
        model="openai/gpt-4o-mini",
        profile="bulk",
        call_id="c4",
        outcome="cached",
        cached=True,
        cost=Decimal(0),
    )
    attempt(
        ledger,
        model="acme/large",
        call_id="c5",
        started_at=T0 - timedelta(days=2),
        outcome="answered",
        cost=Decimal("9"),
    )

    assert ledger.report(since=T0, by="model") == [
        UsageLine("openai/gpt-4o", 2, 1, 1, 1000, 200, Decimal("0.012")),
        UsageLine("openai/gpt-4o-mini", 2, 2, 0, 500, 50, Decimal("0.0003")),
        UsageLine("acme/large", 1, 1, 0, 7, 3, Decimal(0), unpriced=1),
    ]
    assert ledger.report(by="provider") == [
        UsageLine("acme", 2, 2, 0, 7, 3, Decimal(9), unpriced=1),
        UsageLine("openai", 4, 3, 1, 1500, 250, Decimal("0.0123")),
    ]
    assert ledger.report(since=T0, by="profile") == [
        UsageLine("agent", 3, 2, 1, 1500, 250, Decimal("0.0123")),
        UsageLine("bulk", 2, 2, 0, 7, 3, Decimal(0), unpriced=1),
    ]
    assert ledger.report(since=T0 + timedelta(days=1)) == []
    assert [r.call_id for r in ledger.rows(since=T0 - timedelta(days=1))] == [
        "call-1",
        "call-1",
        "c2",
        "c3",
        "c4",
    ]
    assert total(ledger.report(by="profile")) == UsageLine(
        "total", 6, 5, 1, 1507, 253, Decimal("9.0123"), unpriced=1
    )


def test_sums_past_64_bit_picodollars_are_exact(ledger: Ledger) -> None:
    for number in range(1, 4):  # $15 million is 1.5e19 picodollars, past 2**63
        attempt(ledger, number=number, outcome="answered", cost=Decimal("5000000.000000000001"))
    [line] = ledger.report()
    assert line.cost == Decimal("15000000.000000000003")


def test_pending_rows_are_in_flight_then_interrupted(ledger: Ledger) -> None:
    now = clock.now()
    attempt(ledger, call_id="live", started_at=now - timedelta(minutes=5))
    attempt(ledger, call_id="dead", started_at=now - INTERRUPTED_AFTER - timedelta(minutes=1))
    assert [(r.call_id, r.outcome) for r in ledger.rows()] == [
        ("live", "pending"),
        ("dead", "interrupted"),
    ]
    # The live attempt is a call, neither answered nor failed; the dead one failed.
    assert ledger.report() == [UsageLine("openai/gpt-4o", 2, 0, 1, 0, 0, Decimal(0))]


def test_an_interrupted_attempt_is_spend_at_its_reservation(ledger: Ledger) -> None:
    # Its process died mid-call: the budget settled the reservation as spent, and the
    # report counts it the same, while an attempt still in flight counts nothing yet.
    now = clock.now()
    for call_id, started in (
        ("live", now - timedelta(minutes=5)),
        ("dead", now - INTERRUPTED_AFTER - timedelta(minutes=1)),
    ):
        ledger.begin(
            call_id=call_id,
            profile="agent",
            model="openai/gpt-4o",
            provider="openai",
            attempt=1,
            started_at=started,
            reserved=Decimal("0.25"),
        )
    [line] = ledger.report()
    assert (line.calls, line.failed, line.cost) == (2, 1, Decimal("0.25"))


def test_many_threads_write_at_once(ledger: Ledger) -> None:
    def calls(worker: int) -> None:
        for number in range(1, 26):
            row = attempt(ledger, call_id=f"w{worker}", number=number)
            ledger.end(
                row, outcome="answered", input_tokens=3, cost=Decimal("0.001"), latency_seconds=0.1
            )

    threads = [threading.Thread(target=calls, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    rows = ledger.rows()
    assert len(rows) == 400
    assert len({r.id for r in rows}) == 400
    assert ledger.report() == [UsageLine("openai/gpt-4o", 400, 400, 0, 1200, 0, Decimal("0.4"))]


CRASH_AFTER_BEGIN = """
import os, sys
from llm_catalog.data import clock
from llm_catalog.calls.ledger import Ledger
ledger = Ledger(sys.argv[1])
ledger.begin(call_id="crashed", profile="agent", model="openai/gpt-4o", provider="openai",
             attempt=1, started_at=clock.now())
os._exit(0)  # no close, no cleanup: as if the process were killed mid-call
"""

WRITE_UNTIL_KILLED = """
import os, signal, sys
from decimal import Decimal
from llm_catalog.data import clock
from llm_catalog.calls.ledger import Ledger
ledger = Ledger(sys.argv[1])
for n in range(1, 100_000):
    row = ledger.begin(call_id=f"loop-{n}", profile="agent", model="openai/gpt-4o",
                       provider="openai", attempt=1, started_at=clock.now())
    if n == 300:
        os.kill(os.getpid(), signal.SIGKILL)
    ledger.end(row, outcome="answered", cost=Decimal("0.01"), latency_seconds=0.1)
"""


def integrity(path: Path) -> str:
    db = sqlite3.connect(path)
    try:
        return str(db.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        db.close()


def test_a_process_killed_mid_call_leaves_its_pending_row(tmp_path: Path) -> None:
    path = tmp_path / "usage.sqlite3"
    subprocess.run([sys.executable, "-c", CRASH_AFTER_BEGIN, str(path)], cwd=REPO, check=True)
    assert integrity(path) == "ok"
    with Ledger(path) as ledger:
        [row] = ledger.rows()
        assert (row.call_id, row.outcome) == ("crashed", "pending")
        ledger.end(row.id, outcome="answered", latency_seconds=1)  # the file takes writes again


def test_sigkill_while_writing_leaves_the_file_whole(tmp_path: Path) -> None:
    path = tmp_path / "usage.sqlite3"
    result = subprocess.run([sys.executable, "-c", WRITE_UNTIL_KILLED, str(path)], cwd=REPO)
    assert result.returncode == -signal.SIGKILL
    assert integrity(path) == "ok"
    with Ledger(path) as ledger:
        rows = ledger.rows()
        assert len(rows) == 300
        assert [r.outcome for r in rows[-2:]] == ["answered", "pending"]
        assert ledger.report() == [UsageLine("openai/gpt-4o", 300, 299, 0, 0, 0, Decimal("2.99"))]


def test_the_default_ledger_is_in_the_data_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LLM_CATALOG_DATA_DIR", str(tmp_path / "deep" / "data"))
    with Ledger() as ledger:
        assert ledger.path == tmp_path / "deep" / "data" / "usage.sqlite3"
        assert repr(ledger) == f"<Ledger {ledger.path}>"
    assert ledger.path.exists()


@pytest.mark.usefixtures("permissive_umask")
def test_a_new_ledger_and_data_directory_are_private_to_their_owner(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "deep" / "data"
    monkeypatch.setenv("LLM_CATALOG_DATA_DIR", str(data))
    with Ledger() as ledger:
        attempt(ledger, outcome="answered", cost=Decimal("0.01"))
        # SQLite gives its WAL and shared-memory files the database file's mode.
        assert {p.name: mode(p) for p in data.iterdir()} == {
            "usage.sqlite3": 0o600,
            "usage.sqlite3-wal": 0o600,
            "usage.sqlite3-shm": 0o600,
        }
    assert (mode(tmp_path / "deep"), mode(data)) == (0o700, 0o700)
    with Ledger(tmp_path / "named.sqlite3") as ledger:
        assert mode(ledger.path) == 0o600


@pytest.mark.usefixtures("permissive_umask")
def test_a_ledger_that_exists_keeps_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "usage.sqlite3"
    path.touch(mode=0o644)
    with Ledger(path) as ledger:
        attempt(ledger, outcome="answered", cost=Decimal("0.01"))
    assert mode(path) == 0o644


def test_files_that_are_not_a_ledger_are_refused(tmp_path: Path) -> None:
    garbage = tmp_path / "usage.sqlite3"
    garbage.write_bytes(b"\x00\x01 not sqlite " * 100)
    with pytest.raises(StateError) as caught:
        Ledger(garbage)
    assert str(caught.value) == (
        f"cannot use the usage ledger {garbage}: file is not a database; if it is not an "
        "llm-catalog file, move it aside or name another path"
    )
    state_file = tmp_path / "state.sqlite3"
    SQLiteState(state_file).close()
    with pytest.raises(StateError) as caught:
        Ledger(state_file)
    assert str(caught.value) == (
        f"{state_file} is not an llm-catalog usage ledger (its tables: cache, holds, settled, "
        "spend, usage); move it aside or name another path"
    )


def test_a_newer_ledger_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "usage.sqlite3"
    Ledger(path).close()
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 4")
    db.close()
    with pytest.raises(StateError) as caught:
        Ledger(path)
    assert str(caught.value) == (
        f"the usage ledger {path} was written by a newer llm-catalog (schema 4; this one "
        "knows up to 3): upgrade llm-catalog or name another path"
    )


def test_a_ledger_of_the_first_schema_gains_the_rate_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "usage.sqlite3"
    with Ledger(path) as ledger:
        ledger.record(
            call_id="c1",
            profile="p",
            model="acme/small",
            provider="acme",
            attempt=1,
            started_at=datetime(2026, 11, 25, 12, tzinfo=UTC),
            outcome="answered",
            cost=Decimal("0.5"),
        )
    db = sqlite3.connect(path)
    db.execute("ALTER TABLE attempts DROP COLUMN reserved")  # as the first schema wrote it
    db.execute("ALTER TABLE attempts DROP COLUMN rate")
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    with Ledger(path) as ledger:
        [old] = ledger.rows()
        assert (old.call_id, old.cost, old.rate) == ("c1", Decimal("0.5"), None)
        row = ledger.begin(
            call_id="c2",
            profile="p",
            model="acme/small",
            provider="acme",
            attempt=1,
            started_at=datetime(2026, 11, 25, 12, tzinfo=UTC),
        )
        ledger.end(row, outcome="answered", latency_seconds=0.1, rate="flex tier")
        assert [r.rate for r in ledger.rows()] == [None, "flex tier"]


def test_a_closed_ledger_says_so(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "usage.sqlite3")
    ledger.close()
    ledger.close()
    with pytest.raises(StateError) as caught:
        ledger.rows()
    assert str(caught.value) == f"the usage ledger {tmp_path / 'usage.sqlite3'} is closed"


def test_a_missing_directory_is_named(tmp_path: Path) -> None:
    path = tmp_path / "missing" / "usage.sqlite3"
    with pytest.raises(StateError) as caught:
        Ledger(path)
    assert str(caught.value) == (
        f"cannot open the usage ledger {path}: the directory {path.parent} does not exist; "
        "create it or name another path"
    )


def test_a_row_keeps_what_was_reserved_and_says_when_the_bill_went_past_it(
    ledger: Ledger,
) -> None:
    started = datetime(2026, 11, 25, 12, tzinfo=UTC)

    def attempt(call_id: str, reserved: str | None, cost: str | None, outcome: str) -> None:
        row = ledger.begin(
            call_id=call_id,
            profile="p",
            model="acme/small",
            provider="acme",
            attempt=1,
            started_at=started,
            reserved=None if reserved is None else Decimal(reserved),
        )
        ledger.end(
            row,
            outcome=outcome,
            cost=None if cost is None else Decimal(cost),
            latency_seconds=0.1,
        )

    attempt("within", "0.002", "0.0015", "answered")
    attempt("over", "0.002", "0.0031", "answered")
    attempt("unbudgeted", None, "0.5", "answered")
    attempt("unpriced", "0.002", None, "answered")
    attempt("failed", "0.002", "0.0031", "timeout")
    ledger.record(
        call_id="cached",
        profile="p",
        model="acme/small",
        provider="acme",
        attempt=1,
        started_at=started,
        outcome="cached",
        cost=Decimal(0),
        reserved=Decimal("0.002"),
    )
    found = {row.call_id: (row.reserved, row.over_reserved) for row in ledger.rows()}
    assert found == {
        "within": (Decimal("0.002"), False),
        "over": (Decimal("0.002"), True),
        "unbudgeted": (None, False),
        "unpriced": (Decimal("0.002"), False),
        "failed": (Decimal("0.002"), True),
        "cached": (Decimal("0.002"), False),
    }
    # Answered attempts with a reservation and a price: 'within' and 'over'.
    overruns = ledger.overruns()
    assert (overruns.reserved, overruns.over, overruns.percent) == (2, 1, 50.0)
    assert overruns.to_json() == {"reserved": 2, "over": 1, "percent": 50.0}
    assert ledger.overruns(since=started + timedelta(seconds=1)).to_json() == {
        "reserved": 0,
        "over": 0,
        "percent": None,
    }


def test_a_ledger_of_the_second_schema_gains_the_reservation_and_keeps_its_rows(
    tmp_path: Path,
) -> None:
    path = tmp_path / "usage.sqlite3"
    with Ledger(path) as ledger:
        ledger.record(
            call_id="c1",
            profile="p",
            model="acme/small",
            provider="acme",
            attempt=1,
            started_at=datetime(2026, 11, 25, 12, tzinfo=UTC),
            outcome="answered",
            cost=Decimal("0.5"),
            rate="flex tier",
        )
    db = sqlite3.connect(path)
    db.execute("ALTER TABLE attempts DROP COLUMN reserved")  # as the second schema wrote it
    db.execute("PRAGMA user_version = 2")
    db.commit()
    db.close()
    with Ledger(path) as ledger:
        [old] = ledger.rows()
        assert (old.call_id, old.cost, old.rate, old.reserved) == (
            "c1",
            Decimal("0.5"),
            "flex tier",
            None,
        )
        assert ledger.overruns().reserved == 0
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone() == (3,)
    db.close()
