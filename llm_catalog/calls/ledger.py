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
is rounded up), NULL when the model has no price. Errors are stored with
anything shaped like an API key redacted.

The file is SQLite in WAL mode with ``synchronous=NORMAL``: a process killed at
any moment leaves it whole (a power cut may lose the last commits, never the
file). Its schema version is ``PRAGMA user_version``, so a later release can
migrate it; a file that is not a ledger is refused with its path named.

The helpers shared with :mod:`llm_catalog.calls.state` (the data directory, money in
picodollars, opening a versioned SQLite file) live here, so that the state
depends on the ledger and never the other way round.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, localcontext
from pathlib import Path
from typing import Any, Literal

from llm_catalog.data import clock
from llm_catalog.data.errors import StateError, redact

__all__ = [
    "ANSWERED_OUTCOMES",
    "INTERRUPTED",
    "INTERRUPTED_AFTER",
    "PENDING",
    "Ledger",
    "LedgerRow",
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

GROUPINGS = ("provider", "model", "profile")
_PICO = 12
_PICODOLLARS_PER_DOLLAR = 10**_PICO

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
)


# -- shared with the state ---------------------------------------------------------------


def data_dir() -> Path:
    """Where the ledger and the embedded state live.

    ``LLM_CATALOG_DATA_DIR`` when set, else the user's data directory as
    platformdirs names it (``~/.local/share/llm-catalog`` on Linux).
    """
    override = os.environ.get("LLM_CATALOG_DATA_DIR")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("llm-catalog"))


def default_ledger_path() -> Path:
    """The ledger's file when none is named: ``<data dir>/usage.sqlite3``."""
    return data_dir() / "usage.sqlite3"


def default_file(name: str) -> Path:
    """``<data dir>/name``, creating the directory when it is missing."""
    directory = data_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StateError(
            f"cannot create the data directory {directory}: {error.strerror or error}; "
            "set LLM_CATALOG_DATA_DIR to a directory you can write"
        ) from None
    return directory / name


def to_picodollars(amount: Decimal | int, what: str = "amount", *, down: bool = False) -> int:
    """US dollars as whole picodollars, rounded up (down with ``down=True``)."""
    value = Decimal(amount) if isinstance(amount, int) else amount
    if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
        raise ValueError(f"{what} must be a non-negative Decimal of US dollars, not {amount!r}")
    with localcontext() as context:
        context.prec = 80  # exact: no amount of money has 80 digits
        scaled = value.scaleb(_PICO)
        return int(scaled.to_integral_value(rounding=ROUND_FLOOR if down else ROUND_CEILING))


def from_picodollars(value: int) -> Decimal:
    """Whole picodollars as US dollars, without trailing zeros (``Decimal("4.96")``)."""
    with localcontext() as context:
        context.prec = 80
        amount = Decimal(value).scaleb(-_PICO)
        if amount == amount.to_integral_value():
            return amount.quantize(Decimal(1))
        return amount.normalize()


def utc_text(moment: datetime) -> str:
    """A moment as the ledger stores it; a naive datetime is taken to be UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def open_database(
    path: Path,
    *,
    what: str,
    application_id: int,
    schema: Sequence[Sequence[str]],
) -> sqlite3.Connection:
    """Open (or create) one of our SQLite files and bring its schema up to date.

    ``schema[n]`` holds the statements that take the file from version n to n + 1.
    The connection is in autocommit mode (transactions are explicit) and may be used
    from any thread under the caller's lock.
    """
    if not path.parent.is_dir():
        raise StateError(
            f"cannot open the {what} {path}: the directory {path.parent} does not exist; "
            "create it or name another path"
        )
    try:
        db = sqlite3.connect(str(path), timeout=30.0, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as error:
        raise StateError(f"cannot open the {what} {path}: {error}") from None
    try:
        _prepare(db, path, what=what, application_id=application_id, schema=schema)
    except BaseException:
        db.close()
        raise
    return db


def _prepare(
    db: sqlite3.Connection,
    path: Path,
    *,
    what: str,
    application_id: int,
    schema: Sequence[Sequence[str]],
) -> None:
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        # IMMEDIATE: two processes opening a new file at once must not both create it.
        db.execute("BEGIN IMMEDIATE")
        try:
            found_id = db.execute("PRAGMA application_id").fetchone()[0]
            version = db.execute("PRAGMA user_version").fetchone()[0]
            tables = sorted(
                name
                for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            )
            if found_id != application_id and (tables or found_id or version):
                listed = ", ".join(tables) if tables else "none"
                raise StateError(
                    f"{path} is not an llm-catalog {what} (its tables: {listed}); "
                    "move it aside or name another path"
                )
            if version > len(schema):
                raise StateError(
                    f"the {what} {path} was written by a newer llm-catalog (schema "
                    f"{version}; this one knows up to {len(schema)}): upgrade llm-catalog "
                    "or name another path"
                )
            for statements in schema[version:]:
                for statement in statements:
                    db.execute(statement)
            db.execute(f"PRAGMA application_id = {int(application_id)}")
            db.execute(f"PRAGMA user_version = {len(schema)}")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
    except sqlite3.DatabaseError as error:
        raise StateError(
            f"cannot use the {what} {path}: {error}; if it is not an llm-catalog file, "
            "move it aside or name another path"
        ) from None


# -- the ledger ----------------------------------------------------------------------------


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


@dataclass(frozen=True, slots=True)
class UsageLine:
    """Usage summed over one provider, model or profile.

    ``calls`` counts attempts (each request sent or answered from the cache);
    ``answered`` and ``failed`` do not add up to it while attempts are in flight.
    ``cost`` is in US dollars and leaves out the ``unpriced`` answered attempts,
    whose models have no price.
    """

    key: str
    calls: int
    answered: int
    failed: int
    input_tokens: int
    output_tokens: int
    cost: Decimal
    unpriced: int = 0

    def to_json(self) -> dict[str, Any]:
        """The line as ``llm-catalog usage --json`` prints it (cost as a decimal string)."""
        return {
            "key": self.key,
            "calls": self.calls,
            "answered": self.answered,
            "failed": self.failed,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cost": str(self.cost),
            "unpriced": self.unpriced,
        }


def total(lines: Iterable[UsageLine], key: str = "total") -> UsageLine:
    """The sum of report lines."""
    lines = list(lines)
    return UsageLine(
        key=key,
        calls=sum(line.calls for line in lines),
        answered=sum(line.answered for line in lines),
        failed=sum(line.failed for line in lines),
        input_tokens=sum(line.input_tokens for line in lines),
        output_tokens=sum(line.output_tokens for line in lines),
        cost=from_picodollars(sum(to_picodollars(line.cost) for line in lines)),
        unpriced=sum(line.unpriced for line in lines),
    )


def sort_lines(lines: Iterable[UsageLine]) -> list[UsageLine]:
    """Report order: the largest spend first, then by key."""
    return sorted(lines, key=lambda line: (-line.cost, line.key))


_COLUMNS = (
    "id, call_id, started_at, profile, model, provider, attempt, outcome, input_tokens, "
    "output_tokens, cached_tokens, cost, latency_seconds, error, cached"
)


class SQLiteFile:
    """One of our SQLite files, behind one connection and a lock (so safe between threads).

    The usage ledger and the embedded router state are both such files.
    """

    def __init__(
        self, path: Path, *, what: str, application_id: int, schema: Sequence[Sequence[str]]
    ) -> None:
        self.path = path
        self._what = what
        # One connection behind a lock: SQLite lets one writer in at a time anyway,
        # and a single connection is closed for certain.
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = open_database(
            path, what=what, application_id=application_id, schema=schema
        )

    def close(self) -> None:
        """Close the file; later calls raise StateError. Closing twice is harmless."""
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    @contextmanager
    def _connection(self, *, write: bool = False) -> Iterator[sqlite3.Connection]:
        """The connection under the lock; with ``write``, inside a BEGIN IMMEDIATE transaction."""
        with self._lock:
            db = self._db
            if db is None:
                raise StateError(f"the {self._what} {self.path} is closed")
            try:
                if write:
                    db.execute("BEGIN IMMEDIATE")
                yield db
                if write:
                    db.execute("COMMIT")
            except sqlite3.Error as error:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise StateError(f"the {self._what} {self.path}: {error}") from None
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise


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
    ) -> int:
        """Write an attempt's row as ``"pending"``, committed, before its request goes out.

        Returns the row id for :meth:`end`.
        """
        if attempt < 1:
            raise ValueError(f"attempt numbers start at 1, not {attempt}")
        with self._connection() as db:
            cursor = db.execute(
                "INSERT INTO attempts (call_id, started_at, profile, model, provider, attempt, "
                "outcome) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (call_id, utc_text(started_at), profile, model, provider, attempt, PENDING),
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
    ) -> None:
        """Complete the row :meth:`begin` wrote with what the attempt came to."""
        values = _outcome_values(
            outcome, input_tokens, output_tokens, cached_tokens, cost, latency_seconds, error
        )
        with self._connection() as db:
            cursor = db.execute(
                "UPDATE attempts SET outcome = ?, input_tokens = ?, output_tokens = ?, "
                "cached_tokens = ?, cost = ?, latency_seconds = ?, error = ?, cached = ? "
                "WHERE id = ?",
                (*values, int(cached), row),
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
    ) -> int:
        """Write a finished attempt in one step (one that never went out: a cache hit)."""
        if attempt < 1:
            raise ValueError(f"attempt numbers start at 1, not {attempt}")
        values = _outcome_values(
            outcome, input_tokens, output_tokens, cached_tokens, cost, latency_seconds, error
        )
        with self._connection() as db:
            cursor = db.execute(
                f"INSERT INTO attempts ({_COLUMNS.removeprefix('id, ')}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    call_id,
                    utc_text(started_at),
                    profile,
                    model,
                    provider,
                    attempt,
                    *values,
                    int(cached),
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
        if by not in GROUPINGS:
            raise ValueError(f"by must be one of {', '.join(GROUPINGS)}, not {by!r}")
        where, params = _where(since)
        stale = utc_text(clock.now() - INTERRUPTED_AFTER)
        answered = "outcome IN ('answered', 'cached')"
        # SQLite's SUM stops at 2**63 picodollars (about $9.2 million): whole dollars
        # and the picodollars beyond them are summed apart, then joined in Python.
        query = f"""
            SELECT {by}, COUNT(*),
                   SUM({answered}),
                   SUM(NOT {answered} AND (outcome != 'pending' OR started_at < ?)),
                   SUM(input_tokens), SUM(output_tokens),
                   SUM(cost / {_PICODOLLARS_PER_DOLLAR}), SUM(cost % {_PICODOLLARS_PER_DOLLAR}),
                   SUM({answered} AND cost IS NULL)
            FROM attempts WHERE {where} GROUP BY {by}
        """
        with self._connection() as db:
            found = db.execute(query, [stale, *params]).fetchall()
        return sort_lines(
            UsageLine(
                key=key,
                calls=calls,
                answered=ok,
                failed=failed,
                input_tokens=tokens_in,
                output_tokens=tokens_out,
                cost=from_picodollars((dollars or 0) * _PICODOLLARS_PER_DOLLAR + (picos or 0)),
                unpriced=unpriced,
            )
            for key, calls, ok, failed, tokens_in, tokens_out, dollars, picos, unpriced in found
        )


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
    tokens_in, tokens_out, tokens_cached, cost, latency, error, cached = values[8:]
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
    )
