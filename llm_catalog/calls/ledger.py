"""The usage ledger: one SQLite row for every attempt the router makes.

    ledger = Ledger()                      # <data dir>/usage.sqlite3
    row = ledger.begin(call_id=..., profile="budget_agent", model="openai/gpt-4o",
                       provider="openai", attempt=1, started_at=now)
    ...                                    # the request goes out
    ledger.end(row, outcome="answered", input_tokens=812, output_tokens=95,
               cost=Decimal("0.002980"), latency_seconds=1.42)
    ledger.report(since=week_ago, by="model")

A row is written with outcome ``"pending"`` and committed before the request is
sent, so a process that dies mid-call leaves its row behind. A row still pending
when read is a call in flight, or one whose process died: after
:data:`INTERRUPTED_AFTER` (longer than any attempt may last) it reads as
``"interrupted"`` and reports count it as failed; before that it counts as a
call, neither answered nor failed.

Outcomes are the router's: ``"answered"`` and ``"cached"`` count as answered,
``"pending"`` as above, anything else (``"rate_limit"``, ``"timeout"``, ...) as
failed. Costs are kept as whole picodollars (1e-12 US dollars; a finer fraction
is rounded up), NULL when the model has no price; so is ``reserved``, what the
budget held for the attempt before it went out (NULL without a budget), so that
a bill above its reservation, which the router settles at the real cost, shows
(:attr:`LedgerRow.over_reserved`, :meth:`Ledger.overruns`). Errors are stored with
anything shaped like an API key redacted.

The file is SQLite in WAL mode with ``synchronous=NORMAL``: a process killed at
any moment leaves it whole (a power cut may lose the last commits, never the
file). Its schema version is ``PRAGMA user_version``, so a later release can
migrate it; a file that is not a ledger is refused with its path named.

The shared pieces live apart, so that the state never depends on the ledger: the
data directory and the opening of a versioned SQLite file in
:mod:`llm_catalog.calls.sqlite_file`, money in picodollars in
:mod:`llm_catalog.calls.money`, and the report lines (:class:`UsageLine`,
:func:`total`) in :mod:`llm_catalog.calls.usage`; this module re-exports those it
always offered.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from llm_catalog.calls.money import PICODOLLARS_PER_DOLLAR, from_picodollars, to_picodollars
from llm_catalog.calls.sqlite_file import SQLiteFile, data_dir, default_file
from llm_catalog.calls.usage import UsageLine, check_by, sort_lines, total
from llm_catalog.data import clock
from llm_catalog.data.errors import redact

__all__ = [
    "ANSWERED_OUTCOMES",
    "INTERRUPTED",
    "INTERRUPTED_AFTER",
    "PENDING",
    "Ledger",
    "LedgerRow",
    "Overruns",
    "UsageLine",
    "data_dir",
    "default_ledger_path",
    "total",
]

PENDING = "pending"
INTERRUPTED = "interrupted"
ANSWERED_OUTCOMES = frozenset({"answered", "cached"})
# No attempt can last this long (the router's timeouts are at most an hour), so a
# row pending for longer belongs to a process that died.
INTERRUPTED_AFTER = timedelta(minutes=70)
# Provider errors can be whole HTML pages; the ledger keeps what a reader needs.
MAX_ERROR_CHARS = 2000

_LEDGER_APPLICATION_ID = 0x4C4C4D4C  # "LLML": tells our ledger from any other SQLite file
_LEDGER_SCHEMA: tuple[tuple[str, ...], ...] = (
    # version 0 -> 1
    (
        """CREATE TABLE attempts (
            id INTEGER PRIMARY KEY,
            call_id TEXT NOT NULL,
            started_at TEXT NOT NULL,          -- UTC, ISO 8601 with microseconds: sorts as text
            profile TEXT NOT NULL,
            model TEXT NOT NULL,
            provider TEXT NOT NULL,
            attempt INTEGER NOT NULL,
            outcome TEXT NOT NULL,
            input_tokens INTEGER NOT NULL DEFAULT 0,
            output_tokens INTEGER NOT NULL DEFAULT 0,
            cached_tokens INTEGER NOT NULL DEFAULT 0,
            cost INTEGER,                      -- picodollars; NULL when unpriced
            latency_seconds REAL,
            error TEXT,
            cached INTEGER NOT NULL DEFAULT 0
        )""",
        "CREATE INDEX attempts_started_at ON attempts (started_at)",
        "CREATE INDEX attempts_call_id ON attempts (call_id)",
    ),
    # version 1 -> 2: what priced an attempt apart from the standard rate
    ("ALTER TABLE attempts ADD COLUMN rate TEXT",),
    # version 2 -> 3: what the budget reserved for the attempt, in picodollars
    ("ALTER TABLE attempts ADD COLUMN reserved INTEGER",),
)


def default_ledger_path() -> Path:
    """The ledger's file when none is named: ``<data dir>/usage.sqlite3``."""
    return data_dir() / "usage.sqlite3"


def utc_text(moment: datetime) -> str:
    """A moment as the ledger stores it; a naive datetime is taken to be UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True, slots=True)
class LedgerRow:
    """One attempt as the ledger holds it.

    ``outcome`` reads ``"interrupted"`` for a row left pending longer than any
    attempt may last. ``cost`` is in US dollars, None when the model has no price.
    """

    id: int
    call_id: str
    started_at: datetime
    profile: str
    model: str
    provider: str
    attempt: int
    outcome: str
    input_tokens: int
    output_tokens: int
    cached_tokens: int
    cost: Decimal | None
    latency_seconds: float | None
    error: str | None
    cached: bool
    rate: str | None = None
    """What priced the attempt apart from the standard rate ("flex tier; off-peak
    10:00-01:00 UTC"); None for the standard rate."""
    reserved: Decimal | None = None
    """What the budget reserved for the attempt before it went out, in US dollars;
    None when its profile has no budget (or the row predates the column)."""

    @property
    def over_reserved(self) -> bool:
        """Whether the attempt cost more than was reserved for it: the reservation,
        meant as an upper bound on the bill, fell short (it was settled at the cost)."""
        return self.reserved is not None and self.cost is not None and self.cost > self.reserved


_COLUMNS = (
    "id, call_id, started_at, profile, model, provider, attempt, outcome, input_tokens, "
    "output_tokens, cached_tokens, cost, latency_seconds, error, cached, rate, reserved"
)


class Ledger(SQLiteFile):
    """The usage ledger in one SQLite file; thread-safe, shared by processes.

    ``path`` defaults to ``<data dir>/usage.sqlite3``, where the data directory is
    ``LLM_CATALOG_DATA_DIR`` or the user's data directory. Close it when done (or use
    it as a context manager).
    """

    def __init__(self, path: Path | str | None = None) -> None:
        super().__init__(
            default_file("usage.sqlite3") if path is None else Path(path).expanduser(),
            what="usage ledger",
            application_id=_LEDGER_APPLICATION_ID,
            schema=_LEDGER_SCHEMA,
        )

    def __repr__(self) -> str:
        return f"<Ledger {self.path}>"

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def begin(
        self,
        *,
        call_id: str,
        profile: str,
        model: str,
        provider: str,
        attempt: int,
        started_at: datetime,
        reserved: Decimal | None = None,
    ) -> int:
        """Write an attempt's row as ``"pending"``, committed, before its request goes out.

        ``reserved`` is what the budget holds for the attempt (None without a budget).
        Returns the row id for :meth:`end`.
        """
        if attempt < 1:
            raise ValueError(f"attempt numbers start at 1, not {attempt}")
        held = None if reserved is None else to_picodollars(reserved, "reserved")
        with self._connection() as db:
            cursor = db.execute(
                "INSERT INTO attempts (call_id, started_at, profile, model, provider, attempt, "
                "outcome, reserved) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (call_id, utc_text(started_at), profile, model, provider, attempt, PENDING, held),
            )
            row = cursor.lastrowid
        assert row is not None
        return row

    def end(
        self,
        row: int,
        *,
        outcome: str,
        input_tokens: int = 0,
        output_tokens: int = 0,
        cached_tokens: int = 0,
        cost: Decimal | None = None,
        latency_seconds: float,
        error: str | None = None,
        cached: bool = False,
        rate: str | None = None,
    ) -> None:
        """Complete the row :meth:`begin` wrote with what the attempt came to."""
        values = _outcome_values(
            outcome, input_tokens, output_tokens, cached_tokens, cost, latency_seconds, error
        )
        with self._connection() as db:
            cursor = db.execute(
                "UPDATE attempts SET outcome = ?, input_tokens = ?, output_tokens = ?, "
                "cached_tokens = ?, cost = ?, latency_seconds = ?, error = ?, cached = ?, "
                "rate = ? WHERE id = ?",
                (*values, int(cached), rate, row),
            )
            if cursor.rowcount == 0:
                raise ValueError(f"no row {row} in the usage ledger {self.path}")

    def record(
        self,
        *,
        call_id: str,
        profile: str,
        model: str,
        provider: str,
        attempt: int,
        started_at: datetime,
        outcome: str,
        input_tokens: int = 0,
        output_tokens: int = 0,
        cached_tokens: int = 0,
        cost: Decimal | None = None,
        latency_seconds: float = 0.0,
        error: str | None = None,
        cached: bool = False,
        rate: str | None = None,
        reserved: Decimal | None = None,
    ) -> int:
        """Write a finished attempt in one step (one that never went out: a cache hit)."""
        if attempt < 1:
            raise ValueError(f"attempt numbers start at 1, not {attempt}")
        values = _outcome_values(
            outcome, input_tokens, output_tokens, cached_tokens, cost, latency_seconds, error
        )
        held = None if reserved is None else to_picodollars(reserved, "reserved")
        with self._connection() as db:
            cursor = db.execute(
                f"INSERT INTO attempts ({_COLUMNS.removeprefix('id, ')}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    call_id,
                    utc_text(started_at),
                    profile,
                    model,
                    provider,
                    attempt,
                    *values,
                    int(cached),
                    rate,
                    held,
                ),
            )
            row = cursor.lastrowid
        assert row is not None
        return row

    def rows(self, *, since: datetime | None = None, call_id: str | None = None) -> list[LedgerRow]:
        """The rows started at or after ``since`` (of one call, with ``call_id``), oldest first."""
        where, params = _where(since)
        if call_id is not None:
            where += " AND call_id = ?"
            params.append(call_id)
        stale = utc_text(clock.now() - INTERRUPTED_AFTER)
        with self._connection() as db:
            found = db.execute(
                f"SELECT {_COLUMNS} FROM attempts WHERE {where} ORDER BY id", params
            ).fetchall()
        return [_row(values, stale) for values in found]

    def report(
        self,
        *,
        since: datetime | None = None,
        by: Literal["provider", "model", "profile"] = "model",
    ) -> list[UsageLine]:
        """Attempts, tokens and spend per provider, model or profile; the largest spend first."""
        check_by(by)
        where, params = _where(since)
        stale = utc_text(clock.now() - INTERRUPTED_AFTER)
        answered = "outcome IN ('answered', 'cached')"
        # An attempt whose process died mid-call (still pending, and older than any call
        # can last) is spend at its reservation, as the budget settles it: the provider
        # may have billed it.
        spent = "COALESCE(cost, CASE WHEN outcome = 'pending' AND started_at < ? THEN reserved END)"
        # SQLite's SUM stops at 2**63 picodollars (about $9.2 million): whole dollars
        # and the picodollars beyond them are summed apart, then joined in Python.
        query = f"""
            SELECT {by}, COUNT(*),
                   SUM({answered}),
                   SUM(NOT {answered} AND (outcome != 'pending' OR started_at < ?)),
                   SUM(input_tokens), SUM(output_tokens),
                   SUM({spent} / {PICODOLLARS_PER_DOLLAR}), SUM({spent} % {PICODOLLARS_PER_DOLLAR}),
                   SUM({answered} AND cost IS NULL)
            FROM attempts WHERE {where} GROUP BY {by}
        """
        with self._connection() as db:
            found = db.execute(query, [stale, stale, stale, *params]).fetchall()
        return sort_lines(
            UsageLine(
                key=key,
                calls=calls,
                answered=ok,
                failed=failed,
                input_tokens=tokens_in,
                output_tokens=tokens_out,
                cost=from_picodollars((dollars or 0) * PICODOLLARS_PER_DOLLAR + (picos or 0)),
                unpriced=unpriced,
            )
            for key, calls, ok, failed, tokens_in, tokens_out, dollars, picos, unpriced in found
        )

    def overruns(self, *, since: datetime | None = None) -> Overruns:
        """How often an answered attempt cost more than its budget reserved for it.

        Only answered attempts with a reservation and a price are counted: an
        attempt outside a budget, or unpriced, has nothing to compare.
        """
        where, params = _where(since)
        query = f"""
            SELECT COUNT(*), COALESCE(SUM(cost > reserved), 0)
            FROM attempts
            WHERE {where} AND outcome = 'answered' AND reserved IS NOT NULL AND cost IS NOT NULL
        """
        with self._connection() as db:
            reserved, over = db.execute(query, params).fetchone()
        return Overruns(reserved=reserved, over=over)


@dataclass(frozen=True, slots=True)
class Overruns:
    """Answered attempts that had a budget reservation, and how many cost more than it."""

    reserved: int
    over: int

    @property
    def percent(self) -> float | None:
        """``over`` as a percentage of ``reserved``, to two places; None when there are none."""
        return None if not self.reserved else round(100 * self.over / self.reserved, 2)

    def to_json(self) -> dict[str, Any]:
        """As ``llm-catalog usage --json`` prints it."""
        return {"reserved": self.reserved, "over": self.over, "percent": self.percent}


def _where(since: datetime | None) -> tuple[str, list[Any]]:
    if since is None:
        return "1", []
    return "started_at >= ?", [utc_text(since)]


def _outcome_values(
    outcome: str,
    input_tokens: int,
    output_tokens: int,
    cached_tokens: int,
    cost: Decimal | None,
    latency_seconds: float,
    error: str | None,
) -> tuple[Any, ...]:
    if not outcome or outcome in (PENDING, INTERRUPTED):
        raise ValueError(f"an attempt ends with an outcome such as 'answered', not {outcome!r}")
    for name, count in (
        ("input_tokens", input_tokens),
        ("output_tokens", output_tokens),
        ("cached_tokens", cached_tokens),
    ):
        if count < 0:
            raise ValueError(f"{name} must not be negative, not {count}")
    if error is not None:
        error = redact(error)
        if len(error) > MAX_ERROR_CHARS:
            error = error[: MAX_ERROR_CHARS - 1] + "…"
    picos = None if cost is None else to_picodollars(cost, "cost")
    return (
        outcome,
        input_tokens,
        output_tokens,
        cached_tokens,
        picos,
        float(latency_seconds),
        error,
    )


def _row(values: Sequence[Any], stale: str) -> LedgerRow:
    (id_, call_id, started, profile, model, provider, attempt, outcome) = values[:8]
    tokens_in, tokens_out, tokens_cached, cost, latency, error, cached, rate, reserved = values[8:]
    if outcome == PENDING and started < stale:
        outcome = INTERRUPTED
    return LedgerRow(
        id=id_,
        call_id=call_id,
        started_at=datetime.fromisoformat(started),
        profile=profile,
        model=model,
        provider=provider,
        attempt=attempt,
        outcome=outcome,
        input_tokens=tokens_in,
        output_tokens=tokens_out,
        cached_tokens=tokens_cached,
        cost=None if cost is None else from_picodollars(cost),
        latency_seconds=latency,
        error=error,
        cached=bool(cached),
        rate=rate,
        reserved=None if reserved is None else from_picodollars(reserved),
    )
