"""From catalog files to a :class:`~llm_catalog.query.catalog.Catalog`, collecting every problem.

Files are found in the shipped catalog, then in the directories of
``LLM_CATALOG_PATH``, then in the paths given by the caller (``--catalog``),
in that order. Every file is read, parsed and checked against the schema;
records are merged (new records add, ``overrides`` patch named fields) and the
rules across fields and files are checked. Router profiles (``profiles:``, in
any file) are checked last, against the merged catalog: the models they name
must exist and their queries must be valid and match. Every problem in every file is
reported together in one :class:`~llm_catalog.data.errors.CatalogError`; no catalog
is built from invalid files, not even part of one.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from llm_catalog.data import clock
from llm_catalog.data.errors import CatalogError, Problem
from llm_catalog.load.compiled import CompiledCache
from llm_catalog.load.files import (
    CATALOG_PATH_ENV,
    MAX_FILE_BYTES,
    catalog_roots,
    display,
    iter_catalog_files,
    shipped_catalog_dir,
)

if TYPE_CHECKING:
    from llm_catalog.query.catalog import Catalog

__all__ = [
    "CATALOG_PATH_ENV",
    "MAX_FILE_BYTES",
    "LoadResult",
    "catalog_roots",
    "check_catalog",
    "default_catalog",
    "iter_catalog_files",
    "load_catalog",
    "shipped_catalog_dir",
]


@dataclass
class LoadResult:
    """What :func:`check_catalog` found: the catalog, or every problem."""

    catalog: Catalog | None
    problems: list[Problem]
    files: list[str]


def check_catalog(
    paths: Iterable[str | os.PathLike[str]] = (),
    *,
    shipped: bool = True,
    environ: Mapping[str, str] | None = None,
    rules: bool = False,
) -> LoadResult:
    """Load and check the catalog from its files, returning every problem instead of raising.

    With ``rules``, the consistency rules of :mod:`llm_catalog.load.consistency` are
    checked too, on today's date (``llm-catalog validate`` does; loading does not).

    ``paths`` are files or directories of catalog files merged over the shipped
    catalog and ``LLM_CATALOG_PATH``; a file named twice is read once. The files
    are always read: the compiled cache is never used here.
    Raises :class:`~llm_catalog.data.errors.CatalogPathError` only for a path that does not exist.
    """
    return _check(iter_catalog_files(paths, shipped=shipped, environ=environ), rules=rules)


def _check(
    found_files: Iterable[Path | Problem],
    *,
    rules: bool = False,
    contents: Mapping[Path, bytes] | None = None,
) -> LoadResult:
    """Check the catalog made of these files; ``contents`` holds the bytes of those already read.

    A file already read is parsed from those bytes, never read again: the compiled
    cache is keyed on them, so it must hold what they say (a file saved in between
    would otherwise be cached under its old content).
    """
    # lazy: YAML, JSON Schema and pydantic only when files are read, not from the cache
    from llm_catalog.load.building import Builder, Source, read_file

    builder = Builder(rules=rules, today=clock.today() if rules else None)
    files: list[str] = []
    placed: dict[str, int] = {}  # every file named in a problem, in the order met
    for found in found_files:
        if isinstance(found, Problem):
            placed.setdefault(found.file, len(placed))
            builder.problems.append(found)
            continue
        shown = display(found)
        files.append(shown)
        placed.setdefault(shown, len(placed))
        parsed = read_file(found, shown, None if contents is None else contents.get(found))
        if isinstance(parsed, Problem):
            builder.problems.append(parsed)
        else:
            builder.add_file(Source(shown, parsed))
    builder.resolve()
    catalog = builder.build()
    problems = sorted(
        builder.problems, key=lambda p: (placed.get(p.file, -1), p.line, p.column, p.pointer)
    )
    return LoadResult(catalog if not problems else None, problems, files)


def load_catalog(
    paths: Iterable[str | os.PathLike[str]] = (),
    *,
    shipped: bool = True,
    environ: Mapping[str, str] | None = None,
    cache: bool = True,
) -> Catalog:
    """Load the catalog: the shipped files, ``LLM_CATALOG_PATH``, then ``paths``.

    With ``cache`` (the default), a catalog checked before is read from its
    compiled cache when not one of its files has changed since (see
    :mod:`llm_catalog.load.compiled`); otherwise, and the first time, the files are
    read and checked, and the cache is written for next time.

    Raises :class:`~llm_catalog.data.errors.CatalogError` with every problem found
    when any file is invalid.
    """
    paths = list(paths)
    compiled = None
    found_files: list[Path | Problem] = []
    if cache:
        found_files = list(iter_catalog_files(paths, shipped=shipped, environ=environ))
        compiled = CompiledCache.for_files(found_files)
    if compiled is not None:
        found = compiled.read(
            lambda: load_catalog(paths, shipped=shipped, environ=environ, cache=False)
        )
        if found is not None:
            return found
        # The very files and bytes the cache's key was made from, so it holds what they say.
        result = _check(found_files, contents=compiled.contents)
    else:
        result = check_catalog(paths, shipped=shipped, environ=environ)
    if result.catalog is None:
        raise CatalogError(result.problems)
    if compiled is not None:
        compiled.write(result.catalog)
    return result.catalog


_DEFAULT_CATALOGS: dict[str, Catalog] = {}


def default_catalog() -> Catalog:
    """The shipped catalog merged with ``LLM_CATALOG_PATH``, loaded once per value of that variable."""
    key = os.environ.get(CATALOG_PATH_ENV, "")
    catalog = _DEFAULT_CATALOGS.get(key)
    if catalog is None:
        catalog = _DEFAULT_CATALOGS[key] = load_catalog()
    return catalog
