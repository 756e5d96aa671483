"""The compiled catalog: a checked catalog kept in one compact file, so that later loads are quick.

Loading a catalog from its YAML files means parsing them with positions and checking
every record against the schema: more than a second for the shipped catalog. After
that first load, :func:`llm_catalog.load.loader.load_catalog` writes what it built here,
and later loads read it instead, as long as the catalog is made of the same files
with the same content, read by the same version of llm-catalog and of Python.

* **Key.** A BLAKE2b digest of the format, the package and Python versions, and the path
  and content of every catalog file in load order. A file changed, added or removed
  (in the shipped catalog, ``LLM_CATALOG_PATH`` or the paths given) changes the key,
  and the catalog is read from its files again and compiled anew. Each file is read
  once: the bytes hashed into the key are the bytes parsed (:attr:`CompiledCache.contents`),
  so a file saved during a load can never leave its new content cached under its old key.
* **File.** ``catalog-<digest of the file list>.bin`` in the cache directory
  (``LLM_CATALOG_CACHE_DIR``, else the user's cache directory from platformdirs):
  eight magic bytes, an HMAC-SHA256 of the magic bytes and the payload, then the
  payload, in :mod:`marshal` format, which holds only plain values (no objects are
  made or code run while reading it). A file that is not ours, truncated, corrupt, of
  another format, for another key or sealed with another secret is ignored and
  replaced, never trusted.
* **Secret.** The HMAC is keyed with 32 random bytes made once per user and kept in
  :data:`KEY_FILE` in the cache directory's parent (``~/.cache/llm-catalog-cache.key``
  on Linux), apart from the cache so that whoever can write the cache directory can
  neither read nor replace it. It is created readable and writable by its owner only
  (0600); a key file that is not a regular file of ours, private to us, of 32 bytes is
  neither used nor replaced, and a secret that cannot be read or created means that
  process reads the files, quietly. Remove the key file to make a new secret: every
  cache sealed with the old one is then rebuilt.
* **Checked whole at load.** The HMAC covers every byte read later, and the structure
  (containers, places, the query index) is checked before the catalog is handed out, so a
  damaged cache is found at load, never when a record is first read.
* **Writes** go to a temporary file in the same directory, renamed over the old one
  in one step, so processes building the cache at once never leave a torn file.
  Cache files are created 0600 and the directories we create 0700, whatever the
  umask; a directory that exists keeps its mode.
* **Reads are lazy.** The payload keeps each model as its own marshalled record,
  made into a :class:`~llm_catalog.data.records.Model` the first time it is read; the
  query index (masks, columns, today's prices, the default request's costs) is
  saved whole. A ``select`` over a compiled catalog reads no record it does not
  return, and importing pydantic waits until a record is read.

``LLM_CATALOG_CACHE=off`` turns the cache off; ``llm-catalog validate`` and
:func:`~llm_catalog.load.loader.check_catalog` always read the files.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import marshal
import os
import stat
import sys
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llm_catalog import __version__
from llm_catalog.data.errors import Location, Problem
from llm_catalog.load.files import MAX_FILE_BYTES, display, make_private_dirs
from llm_catalog.query.catalog import Catalog, LazyRecords
from llm_catalog.query.index import CatalogIndex

if TYPE_CHECKING:
    from llm_catalog.data.records import Model, Provider

__all__ = ["CACHE_DIR_ENV", "CACHE_ENV", "KEY_FILE", "CompiledCache", "cache_dir", "key_file"]

CACHE_DIR_ENV = "LLM_CATALOG_CACHE_DIR"
CACHE_ENV = "LLM_CATALOG_CACHE"
KEY_FILE = "llm-catalog-cache.key"
"""The name of the file holding the secret that seals compiled catalogs, beside the cache directory."""
MAGIC = b"LLMCATc\x02"
FORMAT = 5
_DIGEST_SIZE = 32
_MAC_SIZE = 32  # HMAC-SHA256
_SECRET_SIZE = 32
# Never follow a link to a key file, and read its bytes untranslated (on Windows).
_KEY_FLAGS = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
_OFF = frozenset({"0", "off", "false", "no"})
# marshal holds no Decimal or date; they travel as tagged pairs, which no record
# field can hold (tuples of records become lists on the way in).
_DECIMAL = "\0decimal"
_DATE = "\0date"


def cache_dir() -> Path:
    """Where compiled catalogs are kept: ``LLM_CATALOG_CACHE_DIR``, else the user cache dir."""
    named = os.environ.get(CACHE_DIR_ENV, "").strip()
    if named:
        return Path(named).expanduser()
    # lazy: platformdirs only when no cache directory is named
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("llm-catalog", appauthor=False))


def key_file() -> Path:
    """The file holding this user's secret for compiled catalogs: in the cache directory's parent."""
    return Path(os.path.abspath(cache_dir())).parent / KEY_FILE


def _version() -> str:
    return __version__


class CompiledCache:
    """The compiled cache of the catalog made of one list of files."""

    def __init__(
        self,
        path: Path,
        key: str,
        files: Sequence[Path],
        named: Sequence[Path],
        contents: Mapping[Path, bytes] | None = None,
    ) -> None:
        self.path = path
        """The cache file."""
        self.key = key
        """The digest of the format, the versions, and the files' paths and contents."""
        self.files = tuple(files)
        """The catalog files, absolute, in load order."""
        self._named = tuple(named)  # the same, as they were found (messages show them so)
        self.contents: Mapping[Path, bytes] = dict(contents or {})
        """Each file's bytes, by its path as found: the very bytes hashed into :attr:`key`,
        to be parsed when the catalog is built from its files (never read again)."""

    @classmethod
    def for_files(cls, found: Sequence[Path | Problem]) -> CompiledCache | None:
        """The cache for a catalog of these files; None when it cannot have one.

        None when the cache is turned off, or when a path had a problem or a file
        cannot be read: then the files are read as usual, and the problem reported.
        """
        if os.environ.get(CACHE_ENV, "").strip().lower() in _OFF:
            return None
        if any(isinstance(each, Problem) for each in found):
            return None
        named = [each for each in found if isinstance(each, Path)]
        files = [Path(os.path.abspath(each)) for each in named]
        contents: dict[Path, bytes] = {}
        identity = hashlib.blake2b(digest_size=_DIGEST_SIZE)
        key = hashlib.blake2b(digest_size=_DIGEST_SIZE)
        for part in (str(FORMAT), _version(), sys.implementation.cache_tag or "", sys.version):
            identity.update(part.encode() + b"\0")
            key.update(part.encode() + b"\0")
        for found_as, path in zip(named, files, strict=True):
            # Only what the loader would read is hashed: a regular file within the size
            # limit, read no further than it. Anything else goes to the loader, which says why.
            try:
                info = os.stat(path)
                if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_FILE_BYTES:
                    return None
                descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
                with os.fdopen(descriptor, "rb") as handle:
                    if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                        return None
                    content = handle.read(MAX_FILE_BYTES + 1)
            except OSError:
                return None
            if len(content) > MAX_FILE_BYTES:
                return None
            name = str(path).encode("utf-8", "surrogateescape")
            identity.update(name + b"\0")
            key.update(name + b"\0" + _digest(content))
            contents[found_as] = content
        filename = f"catalog-{identity.hexdigest()[:24]}.bin"
        return cls(cache_dir() / filename, key.hexdigest(), files, named, contents)

    # -- reading ----------------------------------------------------------------------------

    def read(self, from_sources: Callable[[], Catalog]) -> Catalog | None:
        """The compiled catalog, or None when there is none fit to use.

        ``from_sources`` loads the catalog from its files; a compiled catalog calls
        it only to point at a place inside a record (:meth:`Catalog.locate`).
        """
        secret = _secret(create=False)
        if secret is None:
            return None  # no secret yet, so no cache of ours; or none we may use
        try:
            data = self.path.read_bytes()
        except OSError:
            return None
        start = len(MAGIC) + _MAC_SIZE
        payload = memoryview(data)[start:]
        if not data.startswith(MAGIC) or not hmac.compare_digest(
            data[len(MAGIC) : start], _mac(secret, payload)
        ):
            return None
        try:
            saved = marshal.loads(payload)
            catalog = self._catalog(saved, from_sources)
            if catalog is not None:
                # Restored now, so that a damaged index is found here, not by the first query.
                _ = catalog.index
            return catalog
        except (
            ValueError,
            TypeError,
            KeyError,
            IndexError,
            EOFError,
            AttributeError,
            ArithmeticError,  # decimal.InvalidOperation is one
        ):
            return None

    def _catalog(self, saved: Any, from_sources: Callable[[], Catalog]) -> Catalog | None:
        if not isinstance(saved, dict) or saved.get("format") != FORMAT:
            return None
        if saved.get("key") != self.key or saved.get("files") != [str(p) for p in self.files]:
            return None
        shown = [display(path) for path in self.files]
        if not _well_formed(saved, len(shown)):
            return None
        files = tuple(shown[number] for number in saved["catalog_files"])
        providers: LazyRecords[Provider] = LazyRecords(dict(saved["providers"]), _provider)
        models: LazyRecords[Model] = LazyRecords(
            dict(saved["models"]), lambda _, blob: _model(blob, providers)
        )
        profiles = LazyRecords(dict(saved["profiles"]), _profile)
        starts: LazyRecords[Location] = LazyRecords(
            dict(saved["starts"]), lambda _, at: Location(shown[at[0]], at[1], at[2])
        )
        index = saved["index"]
        aliases = dict(saved["aliases"])
        return Catalog._compiled(
            providers=providers,
            models=models,
            aliases=aliases,
            profiles=profiles,
            files=files,
            starts=starts,
            index=lambda catalog: CatalogIndex(catalog, saved=index),
            from_sources=_once(from_sources),
        )

    # -- writing ----------------------------------------------------------------------------

    def write(self, catalog: Catalog) -> bool:
        """Compile ``catalog`` (built from these files) into the cache; False when it cannot.

        A cache that cannot be written (a read-only directory, a full disk) only
        means the next load reads the files again: it is never an error.
        """
        secret = _secret(create=True)
        if secret is None:
            return False
        try:
            payload = marshal.dumps(self._saved(catalog))
        except (ValueError, KeyError):
            # A catalog this cache cannot describe is simply not compiled.
            return False
        data = MAGIC + _mac(secret, payload) + payload
        directory = self.path.parent
        temporary: Path | None = None
        try:
            make_private_dirs(directory)
            # lazy: tempfile only when the cache is written, never on a cold read
            import tempfile

            # mkstemp creates the file 0600 whatever the umask: the cache is the user's alone.
            handle, name = tempfile.mkstemp(prefix=".catalog-", suffix=".tmp", dir=directory)
            temporary = Path(name)
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, self.path)
            temporary = None
        except OSError:
            return False
        finally:
            if temporary is not None:
                temporary.unlink(missing_ok=True)
        return True

    def _saved(self, catalog: Catalog) -> dict[str, Any]:

        place = {display(path): number for number, path in enumerate(self._named)}
        starts: dict[str, tuple[int, int, int]] = {}
        for record_id in [*catalog.providers, *catalog.models]:
            where = catalog.locate(record_id)
            starts[record_id] = (place[where.file], where.line, where.column)
        for name in catalog.profiles:
            where = catalog.locate_profile(name)
            starts[f"profile {name}"] = (place[where.file], where.line, where.column)
        return {
            "format": FORMAT,
            "key": self.key,
            "files": [str(path) for path in self.files],
            "catalog_files": [place[display] for display in catalog.files],
            "providers": {
                provider_id: _plain(provider.model_dump())
                for provider_id, provider in catalog.providers.items()
            },
            "models": {
                model_id: marshal.dumps(_plain({**model.model_dump(), "provider": model.provider}))
                for model_id, model in catalog.models.items()
            },
            "aliases": dict(catalog.aliases),
            "profiles": {
                name: _plain(profile.model_dump()) for name, profile in catalog.profiles.items()
            },
            "starts": starts,
            "index": catalog.index.saved(),
        }


def _digest(data: bytes) -> bytes:
    # BLAKE2b: as strong as SHA-256 here, and about twice as fast on megabytes.
    return hashlib.blake2b(data, digest_size=_DIGEST_SIZE).digest()


def _mac(secret: bytes, payload: bytes | memoryview) -> bytes:
    """The seal of a cache file: HMAC-SHA256 of the magic bytes and the payload."""
    # SHA-256 rather than BLAKE2b: with the CPU's SHA instructions, which OpenSSL uses,
    # it is the quicker of the two on the few megabytes of the shipped catalog.
    mac = hmac.new(secret, MAGIC, "sha256")
    mac.update(payload)
    return mac.digest()


def _secret(*, create: bool) -> bytes | None:
    """This user's secret for sealing compiled catalogs; None when there is none to use.

    With ``create``, a missing one is made. A key file that is not a regular file of
    ours, private to us, of :data:`_SECRET_SIZE` bytes is neither used nor replaced.
    Nothing is said either way: without a secret, the files are read, only slower.
    """
    path = key_file()
    try:
        return _read_secret(path)
    except FileNotFoundError:
        if not create:
            return None
    except OSError:
        return None
    try:
        return _make_secret(path)
    except OSError:
        return None


def _read_secret(path: Path) -> bytes | None:
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | _KEY_FLAGS)
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(handle.fileno())
        secret = handle.read(_SECRET_SIZE + 1)
    if not stat.S_ISREG(info.st_mode) or len(secret) != _SECRET_SIZE:
        return None
    # Ours and private to us: a key file another user made (in a shared directory, say)
    # would let them seal caches we trust.
    if os.name == "posix" and (info.st_uid != os.getuid() or info.st_mode & 0o077):
        return None
    return secret


def _make_secret(path: Path) -> bytes | None:
    """Make the secret in a private temporary file, then link it in place: the key file
    appears whole or not at all, and one made by another process at once is kept."""
    make_private_dirs(path.parent)
    temporary = path.with_name(f".{path.name}-{os.getpid()}-{os.urandom(8).hex()}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _KEY_FLAGS
    with os.fdopen(os.open(temporary, flags, 0o600), "wb") as out:
        out.write(os.urandom(_SECRET_SIZE))
        out.flush()
        os.fsync(out.fileno())  # a crash must not leave an empty key file in place
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass  # another process made it first: its secret is the one
    finally:
        temporary.unlink(missing_ok=True)
    return _read_secret(path)


def _well_formed(saved: Mapping[str, Any], files: int) -> bool:
    """True when the payload has the shape :meth:`CompiledCache._saved` gives it.

    The seal says who wrote the payload; this says a reader can use every part of it,
    so no part fails when first read. Each model's own record stays unread until used.
    """
    parts = ("catalog_files", "providers", "models", "aliases", "profiles", "starts", "index")
    if not all(
        isinstance(saved.get(part), list if part == "catalog_files" else dict) for part in parts
    ):
        return False
    providers, models, aliases = saved["providers"], saved["models"], saved["aliases"]
    profiles, starts = saved["profiles"], saved["starts"]

    def place(at: Any) -> bool:
        return (
            isinstance(at, tuple)
            and len(at) == 3
            and all(type(number) is int for number in at)
            and 0 <= at[0] < files
        )

    records = [*providers, *models, *(f"profile {name}" for name in profiles)]
    return (
        all(type(number) is int and 0 <= number < files for number in saved["catalog_files"])
        and all(isinstance(raw, dict) for raw in providers.values())
        and all(isinstance(raw, dict) for raw in profiles.values())
        and all(isinstance(blob, bytes) and blob for blob in models.values())
        and all(isinstance(name, str) and target in models for name, target in aliases.items())
        and all(place(at) for at in starts.values())
        and all(isinstance(record, str) and record in starts for record in records)
    )


def _once(load: Callable[[], Catalog]) -> Callable[[], Catalog]:
    """``load``, called at most once."""
    loaded: list[Catalog] = []

    def once() -> Catalog:
        if not loaded:
            loaded.append(load())
        return loaded[0]

    return once


def _plain(value: Any) -> Any:
    """A record's dumped data as values marshal can hold."""
    if isinstance(value, Mapping):
        return {_plain(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(item) for item in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return str(value)  # an enum member becomes its plain value
    if isinstance(value, Decimal):
        return (_DECIMAL, str(value))
    if isinstance(value, dt.date):
        return (_DATE, value.isoformat())
    raise ValueError(f"cannot compile a value of type {type(value).__name__}")


def _rich(value: Any) -> Any:
    """The inverse of :func:`_plain`."""
    if isinstance(value, dict):
        return {key: _rich(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_rich(item) for item in value]
    if isinstance(value, tuple) and len(value) == 2:
        tag, text = value
        if tag == _DECIMAL:
            return Decimal(text)
        if tag == _DATE:
            return dt.date.fromisoformat(text)
    return value


def _provider(_: str, raw: Any) -> Provider:
    # lazy: pydantic only when a record is first read, never for ids and costs
    from llm_catalog.data.records import Provider

    return Provider.model_validate(_rich(raw))


def _model(blob: bytes, providers: Mapping[str, Provider]) -> Model:
    # lazy: pydantic only when a record is first read, never for ids and costs
    from llm_catalog.data.records import Model

    model = Model.model_validate(_rich(marshal.loads(blob)))
    model._provider_record = providers.get(model.provider)
    return model


def _profile(_: str, raw: Any) -> Any:
    # lazy: pydantic only when a profile is first read
    from llm_catalog.data.profiles import Profile

    return Profile.model_validate(_rich(raw))
