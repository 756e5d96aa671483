"""The loaded catalog: providers and models indexed by id and alias, and router profiles.

A :class:`Catalog` is built by :func:`llm_catalog.load.loader.load_catalog` from
validated files and never changes afterwards. It remembers which file and line
every value came from, across overrides, so that any later message can point
at the YAML to edit: :meth:`Catalog.locate` for models and providers,
:meth:`Catalog.locate_profile` for profiles.
"""

from __future__ import annotations

import difflib
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from llm_catalog.data.errors import Location, UnknownModelError, UnknownProfileError
from llm_catalog.query.index import CatalogIndex
from llm_catalog.query.selection import run_query

if TYPE_CHECKING:
    from llm_catalog.data.profiles import Profile
    from llm_catalog.data.records import Model, Provider
    from llm_catalog.data.yamlsource import Document
    from llm_catalog.query.selection import Selection

__all__ = ["Catalog", "Layer", "LazyRecords"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Layer:
    """One file's contribution to a record: the record itself, or an override of it."""

    file: str
    document: Document
    pointer: str  # where the record or the override starts in the file
    data: Mapping[str, Any]  # the fields this layer wrote

    def holds(self, relative: str) -> bool:
        """True when this layer wrote the value at ``relative`` (a pointer inside the record)."""
        node: Any = self.data
        for token in relative.split("/")[1:]:
            key = token.replace("~1", "/").replace("~0", "~")
            if isinstance(node, Mapping) and key in node:
                node = node[key]
            elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
                node = node[int(key)]
            else:
                return False
        return True

    def locate(self, relative: str) -> tuple[str, Location]:
        """The pointer in the file and the place of the value at ``relative``.

        Falls back to the nearest enclosing value this layer wrote.
        """
        parts = relative.split("/")
        while len(parts) > 1 and f"{self.pointer}{'/'.join(parts)}" not in self.document.values:
            parts.pop()
        pointer = f"{self.pointer}{'/'.join(parts)}"
        line, column = self.document.values.get(pointer, (0, 0))
        return pointer, Location(self.file, line + 1, column + 1)


def locate(layers: tuple[Layer, ...], relative: str = "") -> tuple[str, Location]:
    """Where the value at ``relative`` in a record was last written: pointer and place."""
    for layer in reversed(layers):
        if relative and layer.holds(relative):
            return layer.locate(relative)
    return layers[0].locate(relative)


class LazyRecords(Mapping[str, T]):
    """Records by id, each made from its saved data the first time it is read.

    A catalog read from its compiled cache (:mod:`llm_catalog.load.compiled`) holds its
    records this way, so that a query which reads a few of them, or none, never
    pays for the rest (nor for importing pydantic).
    """

    __slots__ = ("_build", "_built", "_data", "_lock")

    def __init__(self, data: Mapping[str, Any], build: Callable[[str, Any], T]) -> None:
        self._data = data
        self._build = build
        self._built: dict[str, T] = {}
        self._lock = threading.Lock()

    def __getitem__(self, key: str) -> T:
        found = self._built.get(key)
        if found is None:
            raw = self._data[key]
            with self._lock:  # one record per id, however many threads ask at once
                found = self._built.get(key)
                if found is None:
                    found = self._built[key] = self._build(key, raw)
        return found

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


class Catalog:
    """An immutable, indexed set of providers and models, and the profiles that use them.

    Iterating yields models in id order. ``catalog["openai/gpt-4o"]`` and
    :meth:`get` accept full ids and aliases; :meth:`profile` gives a router
    profile by name.
    """

    def __init__(
        self,
        providers: Mapping[str, Provider],
        models: Mapping[str, Model],
        aliases: Mapping[str, str],
        origins: Mapping[str, tuple[Layer, ...]],
        files: tuple[str, ...],
        *,
        profiles: Mapping[str, Profile] | None = None,
        profile_origins: Mapping[str, Layer] | None = None,
    ) -> None:
        self._providers = dict(sorted(providers.items()))
        self._models = dict(sorted(models.items()))
        self._aliases = dict(aliases)
        self._origins = dict(origins)
        self._profiles = dict(sorted((profiles or {}).items()))
        self._profile_origins = dict(profile_origins or {})
        self.files = files
        """Display paths of the files the catalog was built from, in load order."""
        self._index: CatalogIndex | None = None
        # Set on a catalog read from the compiled cache, which keeps only where each
        # record starts; finer places are found by reading the files again.
        self._starts: Mapping[str, Location] | None = None
        self._from_sources: Callable[[], Catalog] | None = None
        self._make_index: Callable[[Catalog], CatalogIndex] | None = None
        for model in self._models.values():
            # Each model knows its provider, so that it can be called on its own.
            model._provider_record = self._providers.get(model.provider)

    @classmethod
    def _compiled(
        cls,
        *,
        providers: Mapping[str, Provider],
        models: Mapping[str, Model],
        aliases: Mapping[str, str],
        profiles: Mapping[str, Profile],
        files: tuple[str, ...],
        starts: Mapping[str, Location],
        index: Callable[[Catalog], CatalogIndex],
        from_sources: Callable[[], Catalog],
    ) -> Catalog:
        """A catalog of records made on first read (see :class:`LazyRecords`).

        ``models`` and ``providers`` are in id order, ``profiles`` in name order;
        each model record gets its provider record when it is made.
        """
        catalog = cls.__new__(cls)
        catalog._providers = providers  # type: ignore[assignment]
        catalog._models = models  # type: ignore[assignment]
        catalog._aliases = dict(aliases)
        catalog._origins = {}
        catalog._profiles = profiles  # type: ignore[assignment]
        catalog._profile_origins = {}
        catalog.files = files
        catalog._starts = starts
        catalog._from_sources = from_sources
        catalog._index = None
        catalog._make_index = index
        return catalog

    @property
    def compiled(self) -> bool:
        """True when the catalog was read from its compiled cache (:mod:`llm_catalog.load.compiled`)."""
        return self._starts is not None

    def __len__(self) -> int:
        return len(self._models)

    def __iter__(self) -> Iterator[Model]:
        return iter(self._models.values())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and (name in self._models or name in self._aliases)

    def __getitem__(self, name: str) -> Model:
        return self.get(name)

    def __repr__(self) -> str:
        return f"<Catalog {len(self._providers)} providers, {len(self._models)} models>"

    @property
    def models(self) -> Mapping[str, Model]:
        """Models by full id."""
        return self._models

    @property
    def providers(self) -> Mapping[str, Provider]:
        """Providers by id."""
        return self._providers

    @property
    def aliases(self) -> Mapping[str, str]:
        """Full model id by alias."""
        return self._aliases

    @property
    def profiles(self) -> Mapping[str, Profile]:
        """Router profiles by name, in name order."""
        return self._profiles

    def profile(self, name: str) -> Profile:
        """The profile called ``name``.

        Raises :class:`~llm_catalog.data.errors.UnknownProfileError`, naming the
        closest names (or all of them), when there is none.
        """
        profile = self._profiles.get(name)
        if profile is None:
            raise UnknownProfileError(name, list(self._profiles))
        return profile

    def get(self, name: str) -> Model:
        """The model with this full id or alias.

        Raises :class:`~llm_catalog.data.errors.UnknownModelError`, naming the
        closest ids, when there is none.
        """
        model = self._models.get(name)
        if model is None and name in self._aliases:
            model = self._models[self._aliases[name]]
        if model is None:
            known = [*self._models, *self._aliases]
            raise UnknownModelError(name, difflib.get_close_matches(name, known, n=3))
        return model

    def provider_of(self, model: Model | str) -> Provider:
        """The provider record of a model (a record, a full id or an alias)."""
        record = self.get(model) if isinstance(model, str) else model
        return self._providers[record.provider]

    @property
    def index(self) -> CatalogIndex:
        """Bitmasks and cost tables for fast queries, built on first use."""
        if self._index is None:
            if self._make_index is not None:
                self._index = self._make_index(self)
            else:
                self._index = CatalogIndex(self)
        return self._index

    def select(self, *, explain: bool = False, **predicates: Any) -> Selection:
        """Models of this catalog that pass every predicate; see :func:`llm_catalog.select`."""
        return run_query(self, predicates, explain)

    def locate(self, record_id: str, pointer: str = "") -> Location:
        """Where a value of a record was written, after overrides.

        ``record_id`` is a full model id or a provider id; ``pointer`` a JSON
        pointer inside the record (``/pricing/input``), empty for the record itself.
        """
        if self._starts is not None:
            if not pointer and record_id in self._starts:
                return self._starts[record_id]
            assert self._from_sources is not None
            return self._from_sources().locate(record_id, pointer)
        return locate(self._origins[record_id], pointer)[1]

    def locate_profile(self, name: str, pointer: str = "") -> Location:
        """Where a value of a profile was written.

        ``pointer`` is a JSON pointer inside the profile (``/budget/per_day_usd``);
        empty, the place of the profile's name. Raises
        :class:`~llm_catalog.data.errors.UnknownProfileError` for an unknown name.
        """
        self.profile(name)
        if self._starts is not None:
            key = f"profile {name}"
            if not pointer and key in self._starts:
                return self._starts[key]
            assert self._from_sources is not None
            return self._from_sources().locate_profile(name, pointer)
        layer = self._profile_origins[name]
        if not pointer:
            line, column = layer.document.keys.get(layer.pointer, (-1, -1))
            if line >= 0:
                return Location(layer.file, line + 1, column + 1)
        return layer.locate(pointer)[1]
