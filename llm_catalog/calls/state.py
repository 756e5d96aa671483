"""The router's shared state: budgets, the response cache and usage counters.

    state = open_state()              # LLM_CATALOG_STATE, else SQLite in the data directory
    held = state.reserve("budget_agent", Decimal("0.045"),
                         [Ceiling("day", Decimal("5"))], now=now, hold_seconds=660)
    if isinstance(held, Refusal):
        print(held)   # the daily budget of $5.00 has $0.0312 left (...)
    else:
        ...           # the call
        state.settle(held, Decimal("0.0213"))

Budgets are kept by reservation: before a call the router holds the most the call
can cost, and after it settles what the call really cost. Both steps are atomic,
so concurrent calls (threads, processes, machines sharing Redis) never spend past
a ceiling. A hold lapses ``hold_seconds`` after it was made, so a process that dies
mid-call never blocks a budget for good; holds are timed by the store's clock (this
machine's for SQLite, the Redis server's for Redis), while ``now`` picks the UTC day
and month charged. Spend is always counted in both the day and the month, whichever
ceilings a reservation checks.

Two stores, one interface:

- :class:`SQLiteState`, the default: one file, ``<data dir>/state.sqlite3``, shared
  safely by the processes of one machine (WAL, ``BEGIN IMMEDIATE``). Rate limits
  are per process (``memory://``).
- :class:`RedisState`, with ``LLM_CATALOG_STATE=redis://host:6379/0``: shared by
  machines. Reservations and settlements are Lua scripts, the cache is ``SET EX``
  and the counters are hashes, all under keys that start ``llm-catalog:``; the
  rate limits of the ``limits`` library share the same server.

Money is kept in whole picodollars (1e-12 US dollars); an amount with a finer
fraction is rounded up, a ceiling down. No library does this: rate limiters count
requests in windows, and none reserves an amount of money and settles a different
one atomically across processes.
"""

from __future__ import annotations

import abc
import json
import math
import os
import re
import sqlite3
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Literal, cast
from urllib.parse import unquote, urlsplit

from llm_catalog.calls.ledger import (
    GROUPINGS,
    SQLiteFile,
    UsageLine,
    default_file,
    from_picodollars,
    sort_lines,
    to_picodollars,
)
from llm_catalog.data.errors import StateError

if TYPE_CHECKING:
    import redis

__all__ = [
    "Ceiling",
    "RedisState",
    "Refusal",
    "Reservation",
    "SQLiteState",
    "State",
    "UsageLine",
    "open_state",
]

PERIODS = ("day", "month")
# A settlement repeated within this time is recognised and ignored; Redis keeps it
# shorter because every call leaves a marker in memory.
SQLITE_SETTLED_KEPT_SECONDS = 7 * 86_400
REDIS_SETTLED_KEPT_SECONDS = 86_400
# Spend is read for the current day and month only; older periods are kept a while
# for inspection, then dropped (Redis) or kept (SQLite: a row per scope and period).
_SPENT_KEPT_SECONDS = {"day": 40 * 86_400, "month": 400 * 86_400}
_COUNTERS_KEPT_SECONDS = 400 * 86_400
_COUNTERS = (
    "calls",
    "answered",
    "failed",
    "input_tokens",
    "output_tokens",
    "cost",
    "unpriced",
)


@dataclass(frozen=True, slots=True)
class Ceiling:
    """A spending ceiling: at most ``limit`` US dollars per UTC day or calendar month."""

    period: Literal["day", "month"]
    limit: Decimal


@dataclass(frozen=True, slots=True)
class Reservation:
    """Money held for one call until it is settled or its hold lapses.

    ``periods`` are the period keys charged (UTC): ``("day:2026-11-25", "month:2026-11")``.
    """

    id: str
    scope: str
    amount: Decimal
    periods: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a reservation was refused: the first ceiling it would have passed.

    ``spent`` is the settled spend in the period, ``reserved`` what other live
    reservations hold, ``asked`` the amount refused; all in US dollars.
    """

    period: Literal["day", "month"]
    limit: Decimal
    spent: Decimal
    reserved: Decimal
    asked: Decimal

    def __str__(self) -> str:
        from llm_catalog.query.pricing import format_usd

        name = "daily" if self.period == "day" else "monthly"
        left = max(self.limit - self.spent - self.reserved, Decimal(0))
        return (
            f"the {name} budget of {format_usd(self.limit)} has {format_usd(left)} left "
            f"({format_usd(self.spent)} spent, {format_usd(self.reserved)} reserved); "
            f"this call may cost up to {format_usd(self.asked)}"
        )


@dataclass(frozen=True, slots=True)
class _Check:
    """A ceiling to check, in picodollars, with the period key it applies to."""

    ceiling: Ceiling
    period: str
    limit: int


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def period_keys(now: datetime) -> dict[str, str]:
    """The period keys of a moment (a naive datetime is taken to be UTC)."""
    moment = _utc(now)
    return {"day": f"day:{moment:%Y-%m-%d}", "month": f"month:{moment:%Y-%m}"}


class State(abc.ABC):
    """Budgets, the response cache and usage counters, in one store.

    Thread-safe: the async router calls it through ``asyncio.to_thread``.
    ``description`` names the store for messages (never with a password);
    ``rate_limit_storage`` is the URI to give ``limits.storage.storage_from_string``.
    """

    description: str
    rate_limit_storage: str

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.description}>"

    def __enter__(self) -> State:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def reserve(
        self,
        scope: str,
        amount: Decimal,
        ceilings: Sequence[Ceiling],
        *,
        now: datetime,
        hold_seconds: float,
    ) -> Reservation | Refusal:
        """Hold ``amount`` for ``scope`` if every ceiling allows it, atomically.

        A ceiling allows it when spent + live reservations + amount <= limit in its
        period. The hold counts against the day and the month of ``now`` until it is
        settled or ``hold_seconds`` pass. With no ceilings it always succeeds.
        """
        picos = to_picodollars(amount)
        if not (isinstance(hold_seconds, int | float) and 0 < hold_seconds < math.inf):
            raise ValueError(f"hold_seconds must be a positive number, not {hold_seconds!r}")
        periods = period_keys(now)
        checks = []
        for ceiling in ceilings:
            if ceiling.period not in PERIODS:
                raise ValueError(f"a ceiling's period is 'day' or 'month', not {ceiling.period!r}")
            limit = to_picodollars(ceiling.limit, "a ceiling's limit", down=True)
            checks.append(_Check(ceiling, periods[ceiling.period], limit))
        reservation = Reservation(
            uuid.uuid4().hex, scope, from_picodollars(picos), tuple(periods.values())
        )
        refused = self._reserve(reservation, picos, checks, hold_seconds)
        if refused is None:
            return reservation
        check, spent, reserved = refused
        return Refusal(
            check.ceiling.period,
            check.ceiling.limit,
            from_picodollars(spent),
            from_picodollars(reserved),
            reservation.amount,
        )

    def settle(self, reservation: Reservation, actual: Decimal) -> None:
        """Drop the reservation's hold and add ``actual`` to its periods' spend, atomically.

        ``actual`` may be 0 or more than was reserved: the truth is recorded. A
        second settlement of the same reservation changes nothing.
        """
        self._settle(reservation, to_picodollars(actual, "actual"))

    @abc.abstractmethod
    def _reserve(
        self, reservation: Reservation, amount: int, checks: Sequence[_Check], hold_seconds: float
    ) -> tuple[_Check, int, int] | None:
        """Hold the amount, or return the failed check with its spent and reserved picodollars."""

    @abc.abstractmethod
    def _settle(self, reservation: Reservation, actual: int) -> None: ...

    @abc.abstractmethod
    def spent(self, scope: str, *, now: datetime) -> dict[str, Decimal]:
        """Settled spend of ``scope`` in the day and month of ``now``: ``{"day": ..., "month": ...}``."""

    @abc.abstractmethod
    def cache_get(self, key: str) -> bytes | None:
        """The cached value, or None when absent or expired."""

    @abc.abstractmethod
    def cache_put(self, key: str, value: bytes, ttl_seconds: int) -> None:
        """Keep ``value`` under ``key`` for ``ttl_seconds``."""

    @abc.abstractmethod
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
        """Count one finished attempt in the day's shared counters (``day`` is YYYY-MM-DD)."""

    @abc.abstractmethod
    def usage_counters(
        self, *, since: date, by: Literal["provider", "model", "profile"]
    ) -> list[UsageLine]:
        """The counters of ``since`` and later days, per provider, model or profile."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release the store; closing twice is harmless."""


def _check_usage(input_tokens: int, output_tokens: int, day: str) -> None:
    date.fromisoformat(day)  # a malformed day raises ValueError here, not later in a report
    if input_tokens < 0 or output_tokens < 0:
        raise ValueError(f"token counts must not be negative: {input_tokens}, {output_tokens}")


def _check_by(by: str) -> None:
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {', '.join(GROUPINGS)}, not {by!r}")


# -- SQLite ------------------------------------------------------------------------------

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
        self, reservation: Reservation, amount: int, checks: Sequence[_Check], hold_seconds: float
    ) -> tuple[_Check, int, int] | None:
        scope = reservation.scope
        with self._connection(write=True) as db:
            now = time.time()
            db.execute("DELETE FROM holds WHERE expires <= ?", (now,))
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
            db.executemany(
                "INSERT INTO holds (id, period, scope, amount, expires) VALUES (?, ?, ?, ?, ?)",
                [
                    (reservation.id, period, scope, str(amount), now + hold_seconds)
                    for period in reservation.periods
                ],
            )
        return None

    def _settle(self, reservation: Reservation, actual: int) -> None:
        scope = reservation.scope
        with self._connection(write=True) as db:
            now = time.time()
            first = db.execute(
                "INSERT OR IGNORE INTO settled (id, at) VALUES (?, ?)", (reservation.id, now)
            )
            if first.rowcount == 0:
                return
            db.execute("DELETE FROM holds WHERE id = ?", (reservation.id,))
            for period in reservation.periods:
                spent = self._spent(db, scope, period) + actual
                db.execute(
                    "INSERT INTO spend (scope, period, spent) VALUES (?, ?, ?) "
                    "ON CONFLICT (scope, period) DO UPDATE SET spent = excluded.spent",
                    (scope, period, str(spent)),
                )
            db.execute("DELETE FROM settled WHERE at < ?", (now - SQLITE_SETTLED_KEPT_SECONDS,))

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
        _check_usage(input_tokens, output_tokens, day)
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
        _check_by(by)
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


# -- Redis -------------------------------------------------------------------------------

# Picodollars pass 2**53, past which Lua's numbers (doubles) are no longer exact: a
# $10 million ceiling is 1e19. So amounts travel as decimal strings and are added
# as two exact halves, {high, low} with low < 1e9.
_LUA_MONEY = """
local B = 1000000000
local function big(s)
  s = s or '0'
  local n = #s
  if n <= 9 then return {0, tonumber(s)} end
  return {tonumber(string.sub(s, 1, n - 9)), tonumber(string.sub(s, n - 8))}
end
local function add(a, b)
  local low = a[2] + b[2]
  return {a[1] + b[1] + math.floor(low / B), low % B}
end
local function le(a, b)
  return a[1] < b[1] or (a[1] == b[1] and a[2] <= b[2])
end
local function text(a)
  if a[1] == 0 then return string.format('%d', a[2]) end
  return string.format('%d%09d', a[1], a[2])
end
"""

# KEYS: the scope's holds (zset: id -> expiry in ms), its hold records (hash: id ->
# "amount period period"), then the spent key of each ceiling checked.
# ARGV: id, amount, hold in ms, the hold record, then for each ceiling: period, limit.
# Returns {1} when held, or {0, ceiling number, spent, reserved}.
_RESERVE_LUA = (
    _LUA_MONEY
    + """
if redis.replicate_commands then redis.replicate_commands() end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
for _, id in ipairs(expired) do redis.call('HDEL', KEYS[2], id) end
if #expired > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now) end
local amount = big(ARGV[2])
local records = redis.call('HVALS', KEYS[2])
for i = 1, #KEYS - 2 do
  local period = ARGV[3 + 2 * i]
  local reserved = {0, 0}
  for _, record in ipairs(records) do
    local held = nil
    for token in string.gmatch(record, '%S+') do
      if held == nil then held = token
      elseif token == period then reserved = add(reserved, big(held)) end
    end
  end
  local spent = redis.call('GET', KEYS[2 + i]) or '0'
  if not le(add(add(big(spent), reserved), amount), big(ARGV[4 + 2 * i])) then
    return {0, i, spent, text(reserved)}
  end
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[4])
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
-- Both keys outlive their last hold and no longer, so a scope nobody reserves
-- again leaves nothing behind.
local ttl = redis.call('PTTL', KEYS[1])
if ttl < tonumber(ARGV[3]) then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
end
return {1}
"""
)

# KEYS: the scope's holds, its hold records, the settlement marker, then the spent
# key of each period charged. ARGV: id, actual, marker lifetime, then each spent
# key's lifetime (s). Returns 1, or 0 when already settled.
_SETTLE_LUA = (
    _LUA_MONEY
    + """
if not redis.call('SET', KEYS[3], '1', 'NX', 'EX', ARGV[3]) then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
local actual = big(ARGV[2])
for i = 4, #KEYS do
  local spent = add(big(redis.call('GET', KEYS[i]) or '0'), actual)
  redis.call('SET', KEYS[i], text(spent), 'EX', ARGV[i])
end
return 1
"""
)

_PREFIX = "llm-catalog:"


def public_url(url: str) -> str:
    """``url`` with any password replaced by ``***``, for messages."""
    scheme, sep, rest = url.partition("://")
    if sep:
        # The last "@": a password may hold an unescaped "@"; hiding too much is safe.
        at = rest.rfind("@")
        if at >= 0:
            userinfo = rest[:at]
            user, colon, _ = userinfo.partition(":")
            rest = (f"{user}:***" if colon else "***") + rest[at:]
        url = f"{scheme}://{rest}"
    return re.sub(r"(?i)([?&]password=)[^&#]*", r"\1***", url)


class RedisState(State):
    """The state in Redis, shared by every process and machine that names the same server.

    ``url`` is a redis-py URL: ``redis://[[user]:password@]host[:port][/db]``,
    ``rediss://`` (TLS) or ``unix:///path/to/redis.sock``. The server is asked for a
    PING on opening, so a wrong URL fails here, not at the first call.
    """

    def __init__(self, url: str) -> None:
        self.description = public_url(url)
        self._password = urlsplit(url).password if "://" in url else None
        try:
            import redis
        except ImportError:
            raise StateError(
                f"the state {self.description} is kept in Redis, and the redis package is "
                "not installed: pip install 'llm-catalog[redis]'"
            ) from None
        self._errors = redis.exceptions
        # limits names a Unix socket redis+unix://; redis-py names it unix://.
        self.rate_limit_storage = "redis+" + url if url.startswith("unix://") else url
        try:
            client = redis.Redis.from_url(
                url, socket_connect_timeout=5, socket_timeout=10, health_check_interval=30
            )
        except (ValueError, TypeError) as error:
            raise StateError(
                f"{self.description} is not a Redis URL ({self._clean(error)}): write "
                "redis://HOST:PORT/DB, rediss://... or unix:///PATH/redis.sock"
            ) from None
        self._redis: redis.Redis | None = client
        try:
            with self._guard("connect to"):
                client.ping()
        except BaseException:
            self.close()
            raise
        self._reserve_script = client.register_script(_RESERVE_LUA)
        self._settle_script = client.register_script(_SETTLE_LUA)

    def _clean(self, error: BaseException) -> str:
        message = str(error).rstrip(".")
        if self._password and len(self._password) >= 4:
            message = message.replace(self._password, "***")
        return message

    @contextmanager
    def _guard(self, doing: str = "use") -> Iterator[redis.Redis]:
        """The client; Redis's errors become StateError naming the server, never its password."""
        client = self._redis
        if client is None:
            raise StateError(f"the state {self.description} is closed")
        errors = self._errors
        try:
            yield client
        except errors.AuthenticationError as error:
            raise StateError(
                f"Redis at {self.description} refused the credentials ({self._clean(error)}): "
                "check the user and password in the URL"
            ) from None
        except (errors.ConnectionError, errors.TimeoutError) as error:
            raise StateError(
                f"cannot {doing} Redis at {self.description}: {self._clean(error)}; check "
                "that the server is running and that the URL is right"
            ) from None
        except errors.RedisError as error:
            raise StateError(
                f"Redis at {self.description} refused a command: {self._clean(error)}"
            ) from None

    def close(self) -> None:
        client, self._redis = self._redis, None
        if client is not None:
            client.close()
            client.connection_pool.disconnect()

    @staticmethod
    def _scope_key(scope: str, part: str) -> str:
        return f"{_PREFIX}budget:{scope}:{part}"

    def _reserve(
        self, reservation: Reservation, amount: int, checks: Sequence[_Check], hold_seconds: float
    ) -> tuple[_Check, int, int] | None:
        scope = reservation.scope
        keys = [
            self._scope_key(scope, "holds"),
            self._scope_key(scope, "hold-records"),
            *(self._scope_key(scope, f"spent:{check.period}") for check in checks),
        ]
        record = " ".join([str(amount), *reservation.periods])
        args: list[str | int] = [
            reservation.id,
            str(amount),
            max(1, math.ceil(hold_seconds * 1000)),
            record,
        ]
        for check in checks:
            args += [check.period, str(check.limit)]
        with self._guard():
            answer = self._reserve_script(keys=keys, args=args)
        if answer[0] == 1:
            return None
        _, index, spent, reserved = answer
        return checks[int(index) - 1], int(spent), int(reserved)

    def _settle(self, reservation: Reservation, actual: int) -> None:
        scope = reservation.scope
        keys = [
            self._scope_key(scope, "holds"),
            self._scope_key(scope, "hold-records"),
            f"{_PREFIX}settled:{reservation.id}",
            *(self._scope_key(scope, f"spent:{period}") for period in reservation.periods),
        ]
        lifetimes = [
            _SPENT_KEPT_SECONDS[period.partition(":")[0]] for period in reservation.periods
        ]
        with self._guard():
            self._settle_script(
                keys=keys,
                args=[reservation.id, str(actual), REDIS_SETTLED_KEPT_SECONDS, *lifetimes],
            )

    def spent(self, scope: str, *, now: datetime) -> dict[str, Decimal]:
        periods = period_keys(now)
        with self._guard() as client:
            found = cast(
                "list[bytes | None]",
                client.mget([self._scope_key(scope, f"spent:{key}") for key in periods.values()]),
            )
        return {
            name: from_picodollars(int(value or 0))
            for name, value in zip(periods, found, strict=True)
        }

    def cache_get(self, key: str) -> bytes | None:
        with self._guard() as client:
            return cast("bytes | None", client.get(f"{_PREFIX}cache:{key}"))

    def cache_put(self, key: str, value: bytes, ttl_seconds: int) -> None:
        if ttl_seconds <= 0:
            raise ValueError(f"ttl_seconds must be positive, not {ttl_seconds}")
        with self._guard() as client:
            client.set(f"{_PREFIX}cache:{key}", bytes(value), ex=int(ttl_seconds))

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
        _check_usage(input_tokens, output_tokens, day)
        counts = {
            "calls": 1,
            "answered": int(answered),
            "failed": int(not answered),
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "cost": 0 if cost is None else to_picodollars(cost, "cost"),
            "unpriced": int(answered and cost is None),
        }
        key = f"{_PREFIX}usage:{day}"
        with self._guard() as client:
            pipe = client.pipeline(transaction=True)
            for name, count in counts.items():
                if count:
                    pipe.hincrby(key, json.dumps([profile, provider, model, name]), count)
            pipe.expire(key, _COUNTERS_KEPT_SECONDS)
            pipe.sadd(f"{_PREFIX}usage:days", day)
            pipe.execute()

    def usage_counters(
        self, *, since: date, by: Literal["provider", "model", "profile"]
    ) -> list[UsageLine]:
        _check_by(by)
        position = {"profile": 0, "provider": 1, "model": 2}[by]
        first = since.isoformat()
        with self._guard() as client:
            members = cast("set[bytes]", client.smembers(f"{_PREFIX}usage:days"))
            days = sorted(day for day in (m.decode() for m in members) if day >= first)
            pipe = client.pipeline(transaction=False)
            for day in days:
                pipe.hgetall(f"{_PREFIX}usage:{day}")
            hashes = pipe.execute()
        sums: dict[str, dict[str, int]] = {}
        for fields in hashes:
            for field, value in fields.items():
                names = json.loads(field)
                line = sums.setdefault(names[position], dict.fromkeys(_COUNTERS, 0))
                line[names[3]] = line.get(names[3], 0) + int(value)
        return sort_lines(
            UsageLine(
                key=key,
                calls=line["calls"],
                answered=line["answered"],
                failed=line["failed"],
                input_tokens=line["input_tokens"],
                output_tokens=line["output_tokens"],
                cost=from_picodollars(line["cost"]),
                unpriced=line["unpriced"],
            )
            for key, line in sums.items()
        )


# -- opening -----------------------------------------------------------------------------

_REDIS_SCHEMES = ("redis", "rediss", "unix")


def open_state(url: str | None = None, *, where: str | None = None) -> State:
    """The state a URL names; None reads ``LLM_CATALOG_STATE``, else SQLite in the data dir.

    ``sqlite:///abs/path.sqlite3`` or a plain path opens SQLite; ``redis://``,
    ``rediss://`` and ``unix://`` open Redis (``pip install 'llm-catalog[redis]'``).
    A plain path has no ':' (such a value is a URL mistyped) and its directory must
    exist. The data directory is ``LLM_CATALOG_DATA_DIR`` or the user's data directory.
    ``where`` names the URL's origin in messages (``"--state"``).
    Raises StateError saying what is wrong and what to do; never shows a password.
    """
    source = where or "the state URL"
    if url is None:
        url = os.environ.get("LLM_CATALOG_STATE") or None
        source = where or "LLM_CATALOG_STATE"
    if url is None:
        return SQLiteState()
    text = url.strip()
    if not text:
        raise StateError(f"{source} is empty: write sqlite:///PATH, a file path or redis://HOST")

    def sqlite_file(path: Path) -> SQLiteState:
        # Checked here, where the message can say which setting is wrong: SQLite would
        # wait forever on a FIFO and cannot say what is wrong with a directory.
        path = path.expanduser()
        shown = f"{source} {public_url(text)!r}"
        if not path.parent.is_dir():
            raise StateError(
                f"{shown}: the directory {path.parent} does not exist: create it or name a "
                "file in a directory that exists"
            )
        if path.is_dir():
            raise StateError(
                f"{shown} is a directory: name a file in it, such as {path / 'state.sqlite3'}"
            )
        if path.exists() and not path.is_file():
            raise StateError(f"{shown} is not a regular file: name a file, such as state.sqlite3")
        return SQLiteState(path)

    scheme, sep, _ = text.partition("://")
    if not sep:
        if ":" in text:  # a URL mistyped, never meant as a file name
            # Whatever stands before an "@" may be a password, as in a URL.
            shown = "***@" + text.rpartition("@")[2] if "@" in text else text
            raise StateError(
                f"{source} {shown!r} is neither a state URL nor a file path: write "
                "sqlite:///PATH, a file path without ':', or redis://HOST:PORT/DB"
            )
        return sqlite_file(Path(text))
    scheme = scheme.lower()
    if scheme in _REDIS_SCHEMES:
        return RedisState(text)
    if scheme == "sqlite":
        parts = urlsplit(text)
        if parts.netloc or not parts.path or parts.path == "/" or parts.query:
            raise StateError(
                f"{source} {public_url(text)!r} does not name a file: write "
                "sqlite:///absolute/path/state.sqlite3 (three slashes) or a plain path"
            )
        # sqlite:///abs and SQLAlchemy's sqlite:////abs both name /abs.
        return sqlite_file(Path("/" + unquote(parts.path).lstrip("/")))
    raise StateError(
        f"{source} {public_url(text)!r} is not a state URL this version understands: write "
        "sqlite:///PATH, a file path, redis://HOST:PORT/DB, rediss://... or "
        "unix:///PATH/redis.sock"
    )
