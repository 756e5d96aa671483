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
a ceiling. A hold lapses ``hold_seconds`` after it was made (or last renewed), so a
process that dies mid-call never blocks a budget for good: a hold without an owner is
then dropped, and one that names its owner process (as the router's all do) is settled
as spent, since the provider may have billed its call; holds are timed by the store's
clock (this machine's for SQLite, the Redis server's for Redis), while ``now`` picks
the UTC day and month charged. Spend is always counted in both the day and the month, whichever
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

This module opens a state from its URL (:func:`open_state`) and is the home of the
state's public names; the pieces live in their own modules: the budget's values in
:mod:`llm_catalog.calls.budget`, the interface in :mod:`llm_catalog.calls.store`
and one store per module, :mod:`llm_catalog.calls.sqlite_state` and
:mod:`llm_catalog.calls.redis_state`.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

from llm_catalog.calls.budget import Ceiling, Refusal, Reservation
from llm_catalog.calls.redis_state import RedisState, public_url
from llm_catalog.calls.sqlite_state import SQLiteState
from llm_catalog.calls.store import LeasedState, Owner, State, this_process
from llm_catalog.calls.usage import UsageLine
from llm_catalog.data.errors import StateError

__all__ = [
    "Ceiling",
    "LeasedState",
    "Owner",
    "RedisState",
    "Refusal",
    "Reservation",
    "SQLiteState",
    "State",
    "UsageLine",
    "open_state",
    "public_url",
    "this_process",
]

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
