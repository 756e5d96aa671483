"""Our SQLite files: where they live (the data directory) and how one is opened.

The usage ledger and the embedded router state are both such files: versioned by
``PRAGMA user_version``, told from other SQLite files by ``PRAGMA application_id``,
in WAL mode, and used through one connection behind a lock. A file we create is
readable and writable by its owner only (0600), and so are the WAL and shared-memory
files SQLite makes beside it, which take the database file's mode; the data directory,
when we create it, is 0700. A file or directory that exists keeps its mode.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

from llm_catalog.data.errors import StateError
from llm_catalog.load.files import make_private_dirs

__all__ = ["SQLiteFile", "data_dir", "default_file", "open_database"]


def data_dir() -> Path:
    """Where the ledger and the embedded state live.

    ``LLM_CATALOG_DATA_DIR`` when set, else the user's data directory as
    platformdirs names it (``~/.local/share/llm-catalog`` on Linux).
    """
    override = os.environ.get("LLM_CATALOG_DATA_DIR")
    if override:
        return Path(override).expanduser()
    # lazy: platformdirs (about 13 ms to import) is needed only when LLM_CATALOG_DATA_DIR is unset
    from platformdirs import user_data_dir

    return Path(user_data_dir("llm-catalog"))


def default_file(name: str) -> Path:
    """``<data dir>/name``, creating the directory (0700) when it is missing."""
    directory = data_dir()
    try:
        make_private_dirs(directory)
    except OSError as error:
        raise StateError(
            f"cannot create the data directory {directory}: {error.strerror or error}; "
            "set LLM_CATALOG_DATA_DIR to a directory you can write"
        ) from None
    return directory / name


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
    _create_private(path)
    try:
        db = sqlite3.connect(str(path), timeout=30.0, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as error:
        raise StateError(f"cannot open the {what} {path}: {error}") from None
    try:
        _prepare_when_free(db, path, what=what, application_id=application_id, schema=schema)
    except BaseException:
        db.close()
        raise
    return db


def _create_private(path: Path) -> None:
    """Create ``path`` empty (an empty file is an empty SQLite database) for its owner only.

    SQLite would create it 0644 less the umask: readable by every user, while the
    ledger and the state say what was called and spent. An existing file keeps its mode.
    """
    # When it exists (another process may have just made it) or cannot be made, SQLite
    # opens it, or says why not in the words the messages already use.
    with suppress(OSError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


# How long opening waits for another process that is creating or upgrading the file.
_PREPARE_WAIT_SECONDS = 30.0


def _prepare_when_free(
    db: sqlite3.Connection,
    path: Path,
    *,
    what: str,
    application_id: int,
    schema: Sequence[Sequence[str]],
) -> None:
    # SQLite answers "database is locked" at once, without its busy handler, when a
    # connection asks for WAL mode while another process is creating the same new
    # file; so the preparation is tried again until that process is done.
    deadline = time.monotonic() + _PREPARE_WAIT_SECONDS
    while True:
        try:
            _prepare(db, path, what=what, application_id=application_id, schema=schema)
            return
        except _Locked:
            if time.monotonic() >= deadline:
                raise StateError(
                    f"cannot use the {what} {path}: another process kept it locked for "
                    f"{_PREPARE_WAIT_SECONDS:.0f} s; try again, or name another path"
                ) from None
            time.sleep(0.05)


class _Locked(Exception):
    """The file was locked by another process while being prepared."""


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
    except sqlite3.OperationalError as error:
        if "locked" in str(error) or "busy" in str(error):
            raise _Locked from None
        raise StateError(
            f"cannot use the {what} {path}: {error}; if it is not an llm-catalog file, "
            "move it aside or name another path"
        ) from None
    except sqlite3.DatabaseError as error:
        raise StateError(
            f"cannot use the {what} {path}: {error}; if it is not an llm-catalog file, "
            "move it aside or name another path"
        ) from None


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
