"""The router's state in one SQLite file: the default store, for the processes of one machine.

Reservations and settlements run in ``BEGIN IMMEDIATE`` transactions (WAL mode), so
one process at a time decides; holds are timed by this machine's clock and rate
limits are per process (``memory://``).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Literal

from llm_catalog.calls.budget import Check, Reservation, period_keys
from llm_catalog.calls.money import from_picodollars, to_picodollars
from llm_catalog.calls.sqlite_file import SQLiteFile, default_file
from llm_catalog.calls.store import Owner, State, check_usage
from llm_catalog.calls.usage import UsageLine, check_by, sort_lines

__all__ = ["SQLITE_SETTLED_KEPT_SECONDS", "SQLiteState"]

# A settlement repeated within this time is recognised and ignored (Redis keeps its
# markers a shorter time: see REDIS_SETTLED_KEPT_SECONDS).
SQLITE_SETTLED_KEPT_SECONDS = 7 * 86_400

_STATE_APPLICATION_ID = 0x4C4C4D53  # "LLMS"
_STATE_SCHEMA: tuple[tuple[str, ...], ...] = (
    # version 0 -> 1. Money is TEXT holding whole picodollars: a month's spend under
    # a $10 million ceiling (1e19 picodollars) does not fit SQLite's 64-bit INTEGER,
    # so the sums are made in Python.
    (
        """CREATE TABLE spend (
            scope TEXT NOT NULL,
            period TEXT NOT NULL,
            spent TEXT NOT NULL,
            PRIMARY KEY (scope, period)
        ) WITHOUT ROWID""",
        """CREATE TABLE holds (
            id TEXT NOT NULL,
            period TEXT NOT NULL,
            scope TEXT NOT NULL,
            amount TEXT NOT NULL,
            expires REAL NOT NULL,
            PRIMARY KEY (id, period)
        ) WITHOUT ROWID""",
        "CREATE INDEX holds_scope ON holds (scope, period)",
        "CREATE INDEX holds_expires ON holds (expires)",
        "CREATE TABLE settled (id TEXT PRIMARY KEY, at REAL NOT NULL) WITHOUT ROWID",
        "CREATE INDEX settled_at ON settled (at)",
        """CREATE TABLE cache (
            key TEXT PRIMARY KEY,
            value BLOB NOT NULL,
            expires REAL NOT NULL
        ) WITHOUT ROWID""",
        "CREATE INDEX cache_expires ON cache (expires)",
        """CREATE TABLE usage (
            day TEXT NOT NULL,
            profile TEXT NOT NULL,
            provider TEXT NOT NULL,
            model TEXT NOT NULL,
            calls INTEGER NOT NULL,
            answered INTEGER NOT NULL,
            failed INTEGER NOT NULL,
            input_tokens INTEGER NOT NULL,
            output_tokens INTEGER NOT NULL,
            cost INTEGER NOT NULL,              -- picodollars: a day of one model stays far below 2**63
            unpriced INTEGER NOT NULL,
            PRIMARY KEY (day, profile, provider, model)
        ) WITHOUT ROWID""",
    ),
)
# An owned hold has one more row, whose period is "owner:host/pid/started" (no ceiling
# ever checks such a period): it is settled as spent when it lapses or its owner dies,
# where a hold without an owner is dropped. Files stay at schema 1, readable by earlier
# versions, which drop lapsed holds of either kind.
_OWNER = "owner:"
_CACHE_SWEEP_EVERY = 200


class SQLiteState(SQLiteFile, State):
    """The state in one SQLite file, shared safely by the processes of one machine.

    ``path`` defaults to ``<data dir>/state.sqlite3``. Reservations and settlements
    run in ``BEGIN IMMEDIATE`` transactions, so one process at a time decides;
    others wait (up to 30 s) for the write lock. Rate limits are per process.

    Usage counters are kept here too (a row per day, profile, provider and model),
    so :meth:`usage_counters` answers the same on both stores; on one machine the
    ledger holds the same facts, attempt by attempt.
    """

    def __init__(self, path: Path | str | None = None) -> None:
        super().__init__(
            default_file("state.sqlite3") if path is None else Path(path).expanduser(),
            what="state file",
            application_id=_STATE_APPLICATION_ID,
            schema=_STATE_SCHEMA,
        )
        self.description = f"sqlite:///{self.path.resolve().as_posix().lstrip('/')}"
        self.rate_limit_storage = "memory://"
        self._puts = 0

    @staticmethod
    def _spent(db: sqlite3.Connection, scope: str, period: str) -> int:
        found = db.execute(
            "SELECT spent FROM spend WHERE scope = ? AND period = ?", (scope, period)
        ).fetchone()
        return 0 if found is None else int(found[0])

    def _reserve(
        self,
        reservation: Reservation,
        amount: int,
        checks: Sequence[Check],
        hold_seconds: float,
        owner: Owner | None,
    ) -> tuple[Check, int, int] | None:
        scope = reservation.scope
        with self._connection(write=True) as db:
            now = time.time()
            self._lapse(db, now)
            for check in checks:
                spent = self._spent(db, scope, check.period)
                reserved = sum(
                    int(held)
                    for (held,) in db.execute(
                        "SELECT amount FROM holds WHERE scope = ? AND period = ?",
                        (scope, check.period),
                    )
                )
                if spent + reserved + amount > check.limit:
                    return check, spent, reserved
            periods = list(reservation.periods)
            if owner is not None:
                periods.append(f"{_OWNER}{owner}")
            db.executemany(
                "INSERT INTO holds (id, period, scope, amount, expires) VALUES (?, ?, ?, ?, ?)",
                [
                    (reservation.id, period, scope, str(amount), now + hold_seconds)
                    for period in periods
                ],
            )
        return None

    def _lapse(self, db: sqlite3.Connection, now: float) -> None:
        """Drop the holds that lapsed, settling the owned ones as spent (in a write transaction)."""
        lapsed = db.execute(
            "SELECT id, period, scope, amount FROM holds WHERE expires <= ? AND id IN "
            "(SELECT id FROM holds WHERE expires <= ? AND period LIKE 'owner:%')",
            (now, now),
        ).fetchall()
        for reservation, amount, _owner in _holds(lapsed):
            self._charge(db, reservation, amount, now)
        db.execute("DELETE FROM holds WHERE expires <= ?", (now,))

    def _charge(
        self, db: sqlite3.Connection, reservation: Reservation, actual: int, now: float
    ) -> None:
        """Drop the hold and add ``actual`` to its periods, once (in a write transaction)."""
        first = db.execute(
            "INSERT OR IGNORE INTO settled (id, at) VALUES (?, ?)", (reservation.id, now)
        )
        if first.rowcount == 0:
            return
        db.execute("DELETE FROM holds WHERE id = ?", (reservation.id,))
        for period in reservation.periods:
            spent = self._spent(db, reservation.scope, period) + actual
            db.execute(
                "INSERT INTO spend (scope, period, spent) VALUES (?, ?, ?) "
                "ON CONFLICT (scope, period) DO UPDATE SET spent = excluded.spent",
                (reservation.scope, period, str(spent)),
            )

    def _settle(self, reservation: Reservation, actual: int) -> None:
        with self._connection(write=True) as db:
            now = time.time()
            self._charge(db, reservation, actual, now)
            db.execute("DELETE FROM settled WHERE at < ?", (now - SQLITE_SETTLED_KEPT_SECONDS,))

    def _renew(self, reservations: Sequence[Reservation], hold_seconds: float) -> None:
        with self._connection(write=True) as db:
            until = time.time() + hold_seconds
            db.executemany(
                "UPDATE holds SET expires = ? WHERE id = ? AND expires < ?",
                [(until, reservation.id, until) for reservation in reservations],
            )

    def _owned_holds(self) -> list[tuple[Reservation, int, Owner]]:
        with self._connection(write=True) as db:
            self._lapse(db, time.time())
            rows = db.execute(
                "SELECT id, period, scope, amount FROM holds WHERE id IN "
                "(SELECT id FROM holds WHERE period LIKE 'owner:%')"
            ).fetchall()
        return [
            (reservation, amount, owner)
            for reservation, amount, owner in _holds(rows)
            if owner is not None
        ]

    def spent(self, scope: str, *, now: datetime) -> dict[str, Decimal]:
        periods = period_keys(now)
        with self._connection() as db:
            return {
                name: from_picodollars(self._spent(db, scope, key)) for name, key in periods.items()
            }

    def cache_get(self, key: str) -> bytes | None:
        with self._connection() as db:
            found = db.execute(
                "SELECT value FROM cache WHERE key = ? AND expires > ?", (key, time.time())
            ).fetchone()
        return None if found is None else bytes(found[0])

    def cache_put(self, key: str, value: bytes, ttl_seconds: int) -> None:
        if ttl_seconds <= 0:
            raise ValueError(f"ttl_seconds must be positive, not {ttl_seconds}")
        with self._connection() as db:
            now = time.time()
            db.execute(
                "INSERT OR REPLACE INTO cache (key, value, expires) VALUES (?, ?, ?)",
                (key, bytes(value), now + ttl_seconds),
            )
            self._puts += 1
            if self._puts % _CACHE_SWEEP_EVERY == 0:
                # Expired answers are never read, only swept now and then to keep the file small.
                db.execute("DELETE FROM cache WHERE expires <= ?", (now,))

    def add_usage(
        self,
        *,
        day: str,
        profile: str,
        model: str,
        provider: str,
        input_tokens: int,
        output_tokens: int,
        cost: Decimal | None,
        answered: bool,
    ) -> None:
        check_usage(input_tokens, output_tokens, day)
        picos = 0 if cost is None else to_picodollars(cost, "cost")
        with self._connection() as db:
            db.execute(
                """INSERT INTO usage VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (day, profile, provider, model) DO UPDATE SET
                    calls = calls + 1,
                    answered = answered + excluded.answered,
                    failed = failed + excluded.failed,
                    input_tokens = input_tokens + excluded.input_tokens,
                    output_tokens = output_tokens + excluded.output_tokens,
                    cost = cost + excluded.cost,
                    unpriced = unpriced + excluded.unpriced""",
                (
                    day,
                    profile,
                    provider,
                    model,
                    int(answered),
                    int(not answered),
                    input_tokens,
                    output_tokens,
                    picos,
                    int(answered and cost is None),
                ),
            )

    def usage_counters(
        self, *, since: date, by: Literal["provider", "model", "profile"]
    ) -> list[UsageLine]:
        check_by(by)
        with self._connection() as db:
            found = db.execute(
                f"""SELECT {by}, SUM(calls), SUM(answered), SUM(failed), SUM(input_tokens),
                           SUM(output_tokens), SUM(unpriced), GROUP_CONCAT(cost)
                    FROM usage WHERE day >= ? GROUP BY {by}""",
                (since.isoformat(),),
            ).fetchall()
        return sort_lines(
            UsageLine(
                key=key,
                calls=calls,
                answered=answered,
                failed=failed,
                input_tokens=tokens_in,
                output_tokens=tokens_out,
                # Summed in Python: the days of a month may pass 2**63 picodollars.
                cost=from_picodollars(sum(int(c) for c in costs.split(","))),
                unpriced=unpriced,
            )
            for key, calls, answered, failed, tokens_in, tokens_out, unpriced, costs in found
        )


def _holds(
    rows: Sequence[tuple[str, str, str, str]],
) -> list[tuple[Reservation, int, Owner | None]]:
    """The reservations in rows of (id, period, scope, amount), with their owners."""
    found: dict[str, tuple[str, int, list[str], list[Owner | None]]] = {}
    for hold_id, period, scope, amount in rows:
        _, periods, owners = found.setdefault(hold_id, (scope, int(amount), [], []))[1:]
        if period.startswith(_OWNER):
            owners.append(Owner.parse(period.removeprefix(_OWNER)))
        else:
            periods.append(period)
    return [
        (
            Reservation(hold_id, scope, from_picodollars(amount), tuple(sorted(periods))),
            amount,
            owners[0] if owners else None,
        )
        for hold_id, (scope, amount, periods, owners) in found.items()
    ]
