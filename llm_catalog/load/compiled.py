"""The compiled catalog: a checked catalog kept in one compact file, so that later loads are quick.

Loading a catalog from its YAML files means parsing them with positions and checking
every record against the schema: more than a second for the shipped catalog. After
that first load, :func:`llm_catalog.load.loader.load_catalog` writes what it built here,
and later loads read it instead, as long as the catalog is made of the same files
with the same content, read by the same version of llm-catalog and of Python.

* **Key.** A BLAKE2b digest of the format, the package and Python versions, and the path
  and content of every catalog file in load order. A file changed, added or removed
  (in the shipped catalog, ``LLM_CATALOG_PATH`` or the paths given) changes the key,
  and the catalog is read from its files again and compiled anew.
* **File.** ``catalog-<digest of the file list>.bin`` in the cache directory
  (``LLM_CATALOG_CACHE_DIR``, else the user's cache directory from platformdirs):
  eight magic bytes, the BLAKE2b digest of the payload, then the payload, in
  :mod:`marshal` format, which holds only plain values (no objects are made or
  code run while reading it). A file that is not ours, truncated, corrupt, of
  another format or for another key is ignored and replaced, never trusted.
* **Writes** go to a temporary file in the same directory, renamed over the old one
  in one step, so processes building the cache at once never leave a torn file.
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
from llm_catalog.load.files import MAX_FILE_BYTES, display
from llm_catalog.query.catalog import Catalog, LazyRecords
from llm_catalog.query.index import CatalogIndex

if TYPE_CHECKING:
    from llm_catalog.data.records import Model, Provider

__all__ = ["CACHE_DIR_ENV", "CACHE_ENV", "CompiledCache", "cache_dir"]

CACHE_DIR_ENV = "LLM_CATALOG_CACHE_DIR"
CACHE_ENV = "LLM_CATALOG_CACHE"
MAGIC = b"LLMCATc\x01"
FORMAT = 4
_DIGEST_SIZE = 32
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


def _version() -> str:
    return __version__


class CompiledCache:
    """The compiled cache of the catalog made of one list of files."""

    def __init__(self, path: Path, key: str, files: Sequence[Path], named: Sequence[Path]) -> None:
        self.path = path
        """The cache file."""
        self.key = key
        """The digest of the format, the versions, and the files' paths and contents."""
        self.files = tuple(files)
        """The catalog files, absolute, in load order."""
        self._named = tuple(named)  # the same, as they were found (messages show them so)

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
        identity = hashlib.blake2b(digest_size=_DIGEST_SIZE)
        key = hashlib.blake2b(digest_size=_DIGEST_SIZE)
        for part in (str(FORMAT), _version(), sys.implementation.cache_tag or "", sys.version):
            identity.update(part.encode() + b"\0")
            key.update(part.encode() + b"\0")
        for path in files:
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
        filename = f"catalog-{identity.hexdigest()[:24]}.bin"
        return cls(cache_dir() / filename, key.hexdigest(), files, named)

    # -- reading ----------------------------------------------------------------------------

    def read(self, from_sources: Callable[[], Catalog]) -> Catalog | None:
        """The compiled catalog, or None when there is none fit to use.

        ``from_sources`` loads the catalog from its files; a compiled catalog calls
        it only to point at a place inside a record (:meth:`Catalog.locate`).
        """
        try:
            data = self.path.read_bytes()
        except OSError:
            return None
        payload = data[len(MAGIC) + _DIGEST_SIZE :]
        if not data.startswith(MAGIC) or data[len(MAGIC) : len(MAGIC) + _DIGEST_SIZE] != _digest(
            payload
        ):
            return None
        try:
            saved = marshal.loads(payload)
            return self._catalog(saved, from_sources)
        except (ValueError, TypeError, KeyError, IndexError, EOFError, AttributeError):
            return None

    def _catalog(self, saved: Any, from_sources: Callable[[], Catalog]) -> Catalog | None:
        if not isinstance(saved, dict) or saved.get("format") != FORMAT:
            return None
        if saved.get("key") != self.key or saved.get("files") != [str(p) for p in self.files]:
            return None
        shown = [display(path) for path in self.files]
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
        if not all(isinstance(value, str) for value in aliases.values()):
            return None
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
        try:
            payload = marshal.dumps(self._saved(catalog))
        except (ValueError, KeyError):
            # A catalog this cache cannot describe is simply not compiled.
            return False
        data = MAGIC + _digest(payload) + payload
        directory = self.path.parent
        temporary: Path | None = None
        try:
            directory.mkdir(parents=True, exist_ok=True)
            # lazy: tempfile only when the cache is written, never on a cold read
            import tempfile

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
