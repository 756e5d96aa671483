"""The clock: real by default, fixed by LLM_CATALOG_NOW or clock.fixed(), and running on."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from llm_catalog.data import clock
from llm_catalog.data.clock import ClockError
from llm_catalog.interfaces.cli import main
from tests.conftest import NOW

UTC = dt.UTC


def test_the_suite_runs_on_a_fixed_date() -> None:
    start = dt.datetime.fromisoformat(NOW)
    moment = clock.now()
    assert moment.tzinfo is UTC
    assert start <= moment < start + dt.timedelta(hours=1)
    assert clock.today() == dt.date(2026, 11, 25)


def test_without_a_fixed_start_the_clock_is_the_real_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LLM_CATALOG_NOW")
    before = dt.datetime.now(UTC)
    moment = clock.now()
    after = dt.datetime.now(UTC)
    assert before <= moment <= after
    assert moment.tzinfo is UTC


def test_a_fixed_clock_runs_on_in_order() -> None:
    with clock.fixed(dt.datetime(2031, 5, 6, 23, 0)):  # naive: UTC
        first = clock.now()
        second = clock.now()
        assert dt.datetime(2031, 5, 6, 23, 0, tzinfo=UTC) <= first <= second
        assert clock.today() == dt.date(2031, 5, 6)
        with clock.fixed(dt.date(2040, 2, 29)):
            assert clock.today() == dt.date(2040, 2, 29)
        assert clock.today() == dt.date(2031, 5, 6)
    assert clock.today() == dt.date(2026, 11, 25)


def test_an_offset_is_turned_into_utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLM_CATALOG_NOW", "2030-01-01T01:30:00+05:00")
    assert clock.now() >= dt.datetime(2029, 12, 31, 20, 30, tzinfo=UTC)
    assert clock.today() == dt.date(2029, 12, 31)
    monkeypatch.setenv("LLM_CATALOG_NOW", "2030-01-01T00:00:00z")
    assert clock.today() == dt.date(2030, 1, 1)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "tomorrow",
            "LLM_CATALOG_NOW: 'tomorrow' is not an ISO 8601 date and time: write, for example, "
            "2026-11-25T12:00:00Z, or unset it to use the real clock",
        ),
        (
            "0001-01-01T00:00:00+05:00",
            "LLM_CATALOG_NOW: 0001-01-01T00:00:00+05:00 is outside the moments the clock can "
            "start at (1970-01-01 to 9000-01-01, UTC): give a date in that range",
        ),
        (
            "9999-12-31",
            "LLM_CATALOG_NOW: 9999-12-31T00:00:00 is outside the moments the clock can start at "
            "(1970-01-01 to 9000-01-01, UTC): give a date in that range",
        ),
    ],
)
def test_a_start_the_clock_cannot_take_is_refused(
    monkeypatch: pytest.MonkeyPatch, value: str, message: str
) -> None:
    monkeypatch.setenv("LLM_CATALOG_NOW", value)
    with pytest.raises(ClockError) as caught:
        clock.now()
    assert str(caught.value) == message


def test_fixed_refuses_a_moment_out_of_range() -> None:
    with pytest.raises(ClockError) as caught, clock.fixed(dt.date(1969, 12, 31)):
        pass  # pragma: no cover - never entered
    assert str(caught.value) == (
        "clock.fixed(): 1969-12-31 is outside the moments the clock can start at "
        "(1970-01-01 to 9000-01-01, UTC): give a date in that range"
    )


def test_a_bad_clock_is_a_usage_error_on_the_command_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    monkeypatch.setenv("LLM_CATALOG_NOW", "tomorrow")
    out, err = io.StringIO(), io.StringIO()
    code = main(["usage", "--ledger", str(tmp_path) + "/none.sqlite3", "--since", "7d"], out, err)
    assert code == 2
    assert err.getvalue().splitlines()[-1] == (
        "llm-catalog: error: LLM_CATALOG_NOW: 'tomorrow' is not an ISO 8601 date and time: "
        "write, for example, 2026-11-25T12:00:00Z, or unset it to use the real clock"
    )
