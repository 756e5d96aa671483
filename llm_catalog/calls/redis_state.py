"""The router's state in Redis, shared by every process and machine that names the same server.

Reservations and settlements are Lua scripts, run atomically by the server and
timed by its clock; the cache is ``SET EX`` and the counters are hashes, all under
keys that start ``llm-catalog:``. The redis package is an optional extra
(``pip install 'llm-catalog[redis]'``), imported only when a Redis state is opened.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Literal, cast
from urllib.parse import urlsplit

from llm_catalog.calls.budget import Check, Reservation, period_keys
from llm_catalog.calls.money import from_picodollars, to_picodollars
from llm_catalog.calls.store import Owner, State, check_usage
from llm_catalog.calls.usage import UsageLine, check_by, sort_lines
from llm_catalog.data.errors import StateError

if TYPE_CHECKING:
    import redis

__all__ = ["REDIS_SETTLED_KEPT_SECONDS", "RedisState", "public_url"]

# A settlement repeated within this time is recognised and ignored; kept shorter than
# SQLite's (SQLITE_SETTLED_KEPT_SECONDS) because every call leaves a marker in memory.
REDIS_SETTLED_KEPT_SECONDS = 86_400
# Spend is read for the current day and month only; older periods are kept a while
# for inspection, then dropped (SQLite keeps them: a row per scope and period).
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

# Drops the scope's lapsed holds; an owned one (its record has an "@owner" token) is
# settled as spent first: its settlement marker set, its amount added to each period.
# KEYS[1], KEYS[2]: the scope's holds and hold records; the scope's spent keys and the
# markers are named from KEYS[1] and ARGV: marker prefix, marker lifetime, the
# lifetimes of day and month spend (s), given as ARGV[o] .. ARGV[o + 3].
_LUA_LAPSE = """
local function lapse(now, o)
  local base = string.sub(KEYS[1], 1, -6)  -- 'llm-catalog:budget:<scope>:' less 'holds'
  local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
  for _, id in ipairs(expired) do
    local record = redis.call('HGET', KEYS[2], id)
    if record and string.find(record, '@', 1, true) then
      if redis.call('SET', ARGV[o] .. id, '1', 'NX', 'EX', ARGV[o + 1]) then
        local amount = nil
        for token in string.gmatch(record, '%S+') do
          if amount == nil then amount = big(token)
          elseif string.sub(token, 1, 4) == 'day:' or string.sub(token, 1, 6) == 'month:' then
            local key = base .. 'spent:' .. token
            local kept = ARGV[o + 2]
            if string.sub(token, 1, 6) == 'month:' then kept = ARGV[o + 3] end
            local spent = add(big(redis.call('GET', key) or '0'), amount)
            redis.call('SET', key, text(spent), 'EX', kept)
          end
        end
      end
    end
    redis.call('HDEL', KEYS[2], id)
  end
  if #expired > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now) end
end
local function server_now()
  local clock = redis.call('TIME')
  return tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
end
"""

# KEYS: the scope's holds (zset: id -> expiry in ms), its hold records (hash: id ->
# "amount period period [@owner]"), the set of scopes with owned holds, then the
# spent key of each ceiling checked. ARGV: id, amount, hold in ms, the hold record,
# the scope's name, then the four lapse arguments (ARGV[6] .. ARGV[9]), then for each
# ceiling: period, limit. Returns {1} when held, or {0, ceiling number, spent, reserved}.
_RESERVE_LUA = (
    _LUA_MONEY
    + _LUA_LAPSE
    + """
if redis.replicate_commands then redis.replicate_commands() end
local now = server_now()
lapse(now, 6)
local amount = big(ARGV[2])
local records = redis.call('HVALS', KEYS[2])
for i = 1, #KEYS - 3 do
  local period = ARGV[8 + 2 * i]
  local reserved = {0, 0}
  for _, record in ipairs(records) do
    local held = nil
    for token in string.gmatch(record, '%S+') do
      if held == nil then held = token
      elseif token == period then reserved = add(reserved, big(held)) end
    end
  end
  local spent = redis.call('GET', KEYS[3 + i]) or '0'
  if not le(add(add(big(spent), reserved), amount), big(ARGV[9 + 2 * i])) then
    return {0, i, spent, text(reserved)}
  end
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[4])
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
if string.find(ARGV[4], '@', 1, true) then redis.call('SADD', KEYS[3], ARGV[5]) end
-- Both keys outlive their last hold and no longer, so a scope nobody reserves
-- again leaves nothing behind (an owned hold is settled, not dropped, on lapse,
-- by the next reservation or sweep: it outlives its lease by a day).
local kept = tonumber(ARGV[3])
if string.find(ARGV[4], '@', 1, true) then kept = kept + 86400000 end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < kept then
  redis.call('PEXPIRE', KEYS[1], kept)
  redis.call('PEXPIRE', KEYS[2], kept)
end
return {1}
"""
)

# KEYS: the scope's holds and hold records. ARGV: hold in ms, then the ids to renew.
# A hold is only ever lengthened; a settled one (gone from the holds) stays gone.
_RENEW_LUA = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local hold = tonumber(ARGV[1])
for i = 2, #ARGV do
  local score = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if score and tonumber(score) < now + hold then
    redis.call('ZADD', KEYS[1], 'XX', now + hold, ARGV[i])
  end
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl >= 0 and ttl < hold + 86400000 then
  redis.call('PEXPIRE', KEYS[1], hold + 86400000)
  redis.call('PEXPIRE', KEYS[2], hold + 86400000)
end
return 1
"""

# KEYS: the scope's holds, its hold records, the set of scopes with owned holds.
# ARGV: the scope's name, then the four lapse arguments. Settles the lapsed owned
# holds as spent and returns the records left, {id, record, id, record, ...}.
_SWEEP_LUA = (
    _LUA_MONEY
    + _LUA_LAPSE
    + """
if redis.replicate_commands then redis.replicate_commands() end
lapse(server_now(), 2)
local left = redis.call('HGETALL', KEYS[2])
if #left == 0 then redis.call('SREM', KEYS[3], ARGV[1]) end
return left
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
            # optional extra: redis (pip install 'llm-catalog[redis]')
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
        self._renew_script = client.register_script(_RENEW_LUA)
        self._sweep_script = client.register_script(_SWEEP_LUA)

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

    _SCOPES = f"{_PREFIX}budget-scopes-owned"
    _LAPSE_ARGS = (
        f"{_PREFIX}settled:",
        REDIS_SETTLED_KEPT_SECONDS,
        _SPENT_KEPT_SECONDS["day"],
        _SPENT_KEPT_SECONDS["month"],
    )

    def _reserve(
        self,
        reservation: Reservation,
        amount: int,
        checks: Sequence[Check],
        hold_seconds: float,
        owner: Owner | None,
    ) -> tuple[Check, int, int] | None:
        scope = reservation.scope
        keys = [
            self._scope_key(scope, "holds"),
            self._scope_key(scope, "hold-records"),
            self._SCOPES,
            *(self._scope_key(scope, f"spent:{check.period}") for check in checks),
        ]
        tokens = [str(amount), *reservation.periods]
        if owner is not None:
            tokens.append(f"@{owner}")
        args: list[str | int] = [
            reservation.id,
            str(amount),
            max(1, math.ceil(hold_seconds * 1000)),
            " ".join(tokens),
            scope,
            *self._LAPSE_ARGS,
        ]
        for check in checks:
            args += [check.period, str(check.limit)]
        with self._guard():
            answer = self._reserve_script(keys=keys, args=args)
        if answer[0] == 1:
            return None
        _, index, spent, reserved = answer
        return checks[int(index) - 1], int(spent), int(reserved)

    def _renew(self, reservations: Sequence[Reservation], hold_seconds: float) -> None:
        by_scope: dict[str, list[str]] = {}
        for reservation in reservations:
            by_scope.setdefault(reservation.scope, []).append(reservation.id)
        hold = max(1, math.ceil(hold_seconds * 1000))
        with self._guard():
            for scope, ids in by_scope.items():
                keys = [self._scope_key(scope, "holds"), self._scope_key(scope, "hold-records")]
                self._renew_script(keys=keys, args=[hold, *ids])

    def _owned_holds(self) -> list[tuple[Reservation, int, Owner]]:
        holds = []
        with self._guard() as client:
            scopes = sorted(m.decode() for m in cast("set[bytes]", client.smembers(self._SCOPES)))
            for scope in scopes:
                keys = [
                    self._scope_key(scope, "holds"),
                    self._scope_key(scope, "hold-records"),
                    self._SCOPES,
                ]
                left = self._sweep_script(keys=keys, args=[scope, *self._LAPSE_ARGS])
                for raw_id, raw_record in zip(left[::2], left[1::2], strict=True):
                    amount, *rest = raw_record.decode().split()
                    owned = [Owner.parse(t[1:]) for t in rest if t.startswith("@")]
                    owner = owned[0] if owned else None
                    if owner is None:
                        continue
                    periods = tuple(t for t in rest if not t.startswith("@"))
                    reservation = Reservation(
                        raw_id.decode(), scope, from_picodollars(int(amount)), periods
                    )
                    holds.append((reservation, int(amount), owner))
        return holds

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
        check_usage(input_tokens, output_tokens, day)
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
        check_by(by)
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
