"""``llm-catalog usage``: the ledger's report, the shared counters, JSON and exit statuses."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from llm_catalog.calls.ledger import Ledger
from llm_catalog.calls.state import RedisState
from llm_catalog.data import clock
from llm_catalog.interfaces.cli import main, since
from tests import redisserver

redis_server = redisserver.redis_server
redis_url = redisserver.redis_url

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), out=out, err=err)
    return status, out.getvalue(), err.getvalue()


@pytest.fixture
def ledger_path(tmp_path: Path) -> Path:
    """A ledger of a few calls on 2026-11-20, and one a week before."""
    path = tmp_path / "usage.sqlite3"
    with Ledger(path) as ledger:

        def add(model: str, profile: str, outcome: str, cost: str | None, tokens: int = 0) -> None:
            ledger.record(
                call_id=f"{profile}-{model}-{outcome}",
                profile=profile,
                model=model,
                provider=model.split("/")[0],
                attempt=1,
                started_at=T0,
                outcome=outcome,
                input_tokens=tokens * 10,
                output_tokens=tokens,
                cost=None if cost is None else Decimal(cost),
                latency_seconds=1.0,
            )

        add("openai/gpt-4o", "agent", "rate_limit", None)
        add("openai/gpt-4o", "agent", "answered", "0.0125", tokens=1200)
        add("anthropic/claude-haiku-4-5", "agent", "answered", "0.004", tokens=300)
        add("acme/large", "bulk", "answered", None, tokens=5)
        ledger.begin(
            call_id="lost",
            profile="bulk",
            model="acme/large",
            provider="acme",
            attempt=1,
            started_at=T0,  # pending for days: interrupted
        )
        ledger.record(
            call_id="old",
            profile="agent",
            model="openai/gpt-4o",
            provider="openai",
            attempt=1,
            started_at=T0 - timedelta(days=7),
            outcome="answered",
            cost=Decimal(3),
        )
    return path


def test_report_by_model(ledger_path: Path) -> None:
    status, out, err = run("usage", "--ledger", str(ledger_path), "--since", "2026-11-15")
    assert (status, err) == (0, "")
    assert out == (
        f"usage since 2026-11-15 00:00 UTC by model, from the ledger {ledger_path}:\n"
        "model                       calls  answered  failed  input tokens  output tokens    spend\n"
        "--------------------------  -----  --------  ------  ------------  -------------  -------\n"
        "openai/gpt-4o                   2         1       1        12,000          1,200  $0.0125\n"
        "anthropic/claude-haiku-4-5      1         1       0         3,000            300   $0.004\n"
        "acme/large                      2         1       1            50              5    $0.00\n"
        "total                           5         3       2        15,050          1,505  $0.0165\n"
        "the spend leaves out 1 answered call without a price\n"
    )


def test_report_by_provider_over_all_days(ledger_path: Path) -> None:
    status, out, _ = run(
        "usage", "--ledger", str(ledger_path), "--since", "2026-01-01", "--by", "provider"
    )
    assert status == 0
    assert out.splitlines()[3:7] == [
        "openai         3         2       1        12,000          1,200  $3.0125",
        "anthropic      1         1       0         3,000            300   $0.004",
        "acme           2         1       1            50              5    $0.00",
        "total          6         4       2        15,050          1,505  $3.0165",
    ]


def test_json_report(ledger_path: Path) -> None:
    status, out, _ = run(
        "usage", "--ledger", str(ledger_path), "--since", "2026-11-15", "--by", "profile", "--json"
    )
    assert status == 0
    assert json.loads(out) == {
        "since": "2026-11-15T00:00:00+00:00",
        "by": "profile",
        "ledger": {
            "path": str(ledger_path),
            "exists": True,
            "lines": [
                {
                    "key": "agent",
                    "calls": 3,
                    "answered": 2,
                    "failed": 1,
                    "input_tokens": 15000,
                    "output_tokens": 1500,
                    "cost": "0.0165",
                    "unpriced": 0,
                },
                {
                    "key": "bulk",
                    "calls": 2,
                    "answered": 1,
                    "failed": 1,
                    "input_tokens": 50,
                    "output_tokens": 5,
                    "cost": "0",
                    "unpriced": 1,
                },
            ],
            "total": {
                "key": "total",
                "calls": 5,
                "answered": 3,
                "failed": 2,
                "input_tokens": 15050,
                "output_tokens": 1505,
                "cost": "0.0165",
                "unpriced": 1,
            },
            "overruns": {"reserved": 0, "over": 0, "percent": None},
        },
        "counters": None,
    }


def test_calls_in_flight_are_counted_apart(tmp_path: Path) -> None:
    path = tmp_path / "usage.sqlite3"
    with Ledger(path) as ledger:
        ledger.begin(
            call_id="now",
            profile="agent",
            model="openai/gpt-4o",
            provider="openai",
            attempt=1,
            started_at=clock.now(),
        )
    status, out, _ = run("usage", "--ledger", str(path))
    assert status == 0
    assert out.splitlines()[-2:] == [
        "total              1         0       0             0              0  $0.00",
        "1 attempt is still in flight",
    ]


def test_missing_and_empty_ledgers_are_a_clear_line(tmp_path: Path) -> None:
    missing = tmp_path / "none.sqlite3"
    assert run("usage", "--ledger", str(missing)) == (
        0,
        f"no usage recorded: the ledger {missing} does not exist yet\n",
        "",
    )
    assert not missing.exists()  # reporting never creates a ledger
    empty = tmp_path / "empty.sqlite3"
    Ledger(empty).close()
    assert run("usage", "--ledger", str(empty), "--since", "2026-11-01") == (
        0,
        f"no usage in the ledger {empty} since 2026-11-01 00:00 UTC\n",
        "",
    )


def test_the_default_ledger_is_in_the_data_directory(
    ledger_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LLM_CATALOG_DATA_DIR", str(ledger_path.parent))
    status, out, _ = run("usage", "--since", "2026-11-15")
    assert status == 0
    assert out.startswith(
        f"usage since 2026-11-15 00:00 UTC by model, from the ledger {ledger_path}:"
    )


def test_bad_since_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run("usage", "--since", "last week")
    assert (status, out) == (2, "")
    assert capsys.readouterr().err.splitlines()[-1] == (
        "llm-catalog usage: error: argument --since: 'last week' is not a date or an age: "
        "write YYYY-MM-DD, 7d or 24h"
    )


def test_since_takes_dates_moments_and_ages() -> None:
    assert since("2026-11-15") == datetime(2026, 11, 15, tzinfo=UTC)
    assert since("2026-11-15T08:30+01:00") == datetime(2026, 11, 15, 7, 30, tzinfo=UTC)
    for text, age in (("7d", timedelta(days=7)), ("24h", timedelta(hours=24))):
        earliest = clock.now() - age
        moment = since(text)
        assert earliest <= moment <= clock.now() - age


def counted(url: str) -> None:
    with RedisState(url) as state:
        for day, model, cost in (
            ("2026-11-19", "openai/gpt-4o", "1.5"),
            ("2026-11-20", "openai/gpt-4o", "0.25"),
            ("2026-11-20", "acme/large", None),
        ):
            state.add_usage(
                day=day,
                profile="agent",
                model=model,
                provider=model.split("/")[0],
                input_tokens=100,
                output_tokens=10,
                cost=None if cost is None else Decimal(cost),
                answered=True,
            )


def test_shared_counters_from_redis(
    ledger_path: Path, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    counted(redis_url)
    monkeypatch.setenv("LLM_CATALOG_STATE", redis_url)
    status, out, _ = run("usage", "--ledger", str(ledger_path), "--since", "2026-11-20")
    assert status == 0
    ledger_part, counters_part = out.split("\n\n")
    assert counters_part == (
        f"usage since 2026-11-20 (whole UTC days) by model, from the shared counters of "
        f"{redis_url}:\n"
        "model          calls  answered  failed  input tokens  output tokens  spend\n"
        "-------------  -----  --------  ------  ------------  -------------  -----\n"
        "openai/gpt-4o      1         1       0           100             10  $0.25\n"
        "acme/large         1         1       0           100             10  $0.00\n"
        "total              2         2       0           200             20  $0.25\n"
        "the spend leaves out 1 answered call without a price\n"
    )
    assert ledger_part.startswith(
        f"usage since 2026-11-20 00:00 UTC by model, from the ledger {ledger_path}:\n"
    )

    status, out, _ = run(
        "usage",
        "--ledger",
        str(ledger_path),
        "--state",
        redis_url,
        "--since",
        "2026-11-19",
        "--json",
    )
    report = json.loads(out)
    assert report["counters"]["state"] == redis_url
    assert report["counters"]["since"] == "2026-11-19"
    assert report["counters"]["total"]["cost"] == "1.75"
    assert report["ledger"]["total"]["calls"] == 5


def test_counters_without_a_ledger(tmp_path: Path, redis_url: str) -> None:
    day = (clock.now() - timedelta(days=7)).date().isoformat()
    status, out, _ = run(
        "usage", "--ledger", str(tmp_path / "none.sqlite3"), "--state", redis_url, "--since", "7d"
    )
    assert status == 0
    assert out.splitlines()[0] == (
        f"no usage recorded: the ledger {tmp_path / 'none.sqlite3'} does not exist yet"
    )
    assert out.splitlines()[1:] == [
        "",
        f"no usage in the shared counters of {redis_url} since {day}",
    ]


def test_unreachable_state_is_an_error_without_the_password(tmp_path: Path) -> None:
    port = redisserver.free_port()
    status, out, err = run(
        "usage",
        "--ledger",
        str(tmp_path / "none.sqlite3"),
        "--state",
        f"redis://:hunter22@127.0.0.1:{port}/0",
    )
    assert (status, out) == (2, "")
    assert err == (
        f"llm-catalog: error: cannot connect to Redis at redis://:***@127.0.0.1:{port}/0: "
        f"Error 111 connecting to 127.0.0.1:{port}. Connection refused; check that the server "
        "is running and that the URL is right\n"
    )


def test_how_often_reservations_ran_low_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "usage.sqlite3"
    with Ledger(path) as ledger:
        for number, cost in enumerate(["0.001", "0.002", "0.003", "0.0045"]):
            ledger.record(
                call_id=f"c{number}",
                profile="agent",
                model="openai/gpt-4o",
                provider="openai",
                attempt=1,
                started_at=T0,
                outcome="answered",
                input_tokens=100,
                output_tokens=10,
                cost=Decimal(cost),
                reserved=Decimal("0.004"),
            )
    status, out, err = run("usage", "--ledger", str(path), "--since", "2026-11-15")
    assert (status, err) == (0, "")
    assert out.splitlines()[-2:] == [
        "total              4         4       0           400             40  $0.0105",
        "1 of 4 answered attempts with a budget reservation (25%) cost more than was "
        "reserved for them",
    ]
    status, out, _ = run("usage", "--ledger", str(path), "--since", "2026-11-15", "--json")
    assert status == 0
    assert json.loads(out)["ledger"]["overruns"] == {"reserved": 4, "over": 1, "percent": 25.0}


def test_no_ledger_has_no_overruns(tmp_path: Path) -> None:
    status, out, _ = run("usage", "--ledger", str(tmp_path / "none.sqlite3"), "--json")
    assert status == 0
    assert json.loads(out)["ledger"]["overruns"] is None
