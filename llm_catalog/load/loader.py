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
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from llm_catalog.data.errors import CatalogError, CatalogPathError, Problem

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

CATALOG_PATH_ENV = "LLM_CATALOG_PATH"
MAX_FILE_BYTES = 10 * 1024 * 1024
_SUFFIXES = (".yaml", ".yml")


def shipped_catalog_dir() -> Path:
    """The catalog shipped with the package (inside the wheel, or the repository's catalog/)."""
    package = Path(__file__).resolve().parent.parent
    packaged = package / "_catalog"
    return packaged if packaged.is_dir() else package.parent / "catalog"


def _display(path: Path) -> str:
    """A path as messages show it: relative to the working directory when inside it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return str(path) if relative.startswith("..") else relative


def catalog_roots(
    paths: Iterable[str | os.PathLike[str]] = (),
    *,
    shipped: bool = True,
    environ: Mapping[str, str] | None = None,
) -> list[Path]:
    """The files and directories to load, in order: shipped, LLM_CATALOG_PATH, ``paths``.

    Raises :class:`~llm_catalog.data.errors.CatalogPathError` for a path that does not exist.
    """
    env = os.environ if environ is None else environ
    roots: list[Path] = [shipped_catalog_dir()] if shipped else []
    named: list[tuple[str, Path]] = [
        (f"{CATALOG_PATH_ENV} entry", Path(entry))
        for entry in env.get(CATALOG_PATH_ENV, "").split(os.pathsep)
        if entry.strip()
    ]
    for given in paths:
        if not str(given).strip():
            raise CatalogPathError(
                f"catalog path {str(given)!r} is empty: name a directory of catalog files"
            )
    named += [("catalog path", Path(p)) for p in paths]
    for what, path in named:
        if not os.path.lexists(path):
            raise CatalogPathError(f"{what} {str(path)!r} does not exist: check the path")
        roots.append(path)
    return roots


def _file_problem(display: str, message: str, line: int = 1, column: int = 1) -> Problem:
    return Problem(display, line, column, "", message)


def _iter_files(root: Path) -> Iterator[Path | Problem]:
    """Catalog files under ``root`` in name order, or problems where they cannot be listed."""
    if not root.is_dir():
        yield root
        return
    found_any = False
    errors: list[OSError] = []
    inside = os.path.realpath(root)
    for folder, dirnames, filenames in os.walk(root, onerror=errors.append):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        # Directories named like catalog files are reported in name order with the files.
        entries = [(name, True) for name in dirnames if name.endswith(_SUFFIXES)]
        entries += [
            (name, False)
            for name in filenames
            if name.endswith(_SUFFIXES) and not name.startswith(".")
        ]
        for name, is_directory in sorted(entries):
            if is_directory:
                yield _file_problem(
                    _display(Path(folder, name)),
                    "is a directory, not a file: a catalog file ending in .yaml must be a file",
                )
            else:
                found_any = True
                path = Path(folder, name)
                target = os.path.realpath(path)
                if os.path.commonpath([inside, target]) != inside:
                    # Links are followed only within the directory named: a link to
                    # /etc/passwd must not have its start quoted in a message.
                    yield _file_problem(
                        _display(path),
                        f"is a symbolic link to {target!r}, outside the catalog directory "
                        f"{_display(root)!r}: copy the file in, or name its directory with "
                        "--catalog",
                    )
                    continue
                yield path
    if not found_any and not errors:
        yield _file_problem(
            _display(root), "no catalog files (*.yaml, *.yml) in this directory: check the path"
        )
    for error in errors:
        yield _file_problem(
            _display(Path(error.filename or root)), f"cannot list this directory: {error.strerror}"
        )


@dataclass
class LoadResult:
    """What :func:`check_catalog` found: the catalog, or every problem."""

    catalog: Catalog | None
    problems: list[Problem]
    files: list[str]


def iter_catalog_files(
    paths: Iterable[str | os.PathLike[str]] = (),
    *,
    shipped: bool = True,
    environ: Mapping[str, str] | None = None,
) -> Iterator[Path | Problem]:
    """Every catalog file to load, in load order, each once; problems where a path fails.

    Raises :class:`~llm_catalog.data.errors.CatalogPathError` for a path that does not exist.
    """
    seen: set[str] = set()
    for root in catalog_roots(paths, shipped=shipped, environ=environ):
        for found in _iter_files(root):
            if isinstance(found, Path):
                key = os.path.realpath(found)
                if key in seen:
                    continue
                seen.add(key)
            yield found


def check_catalog(
    paths: Iterable[str | os.PathLike[str]] = (),
    *,
    shipped: bool = True,
    environ: Mapping[str, str] | None = None,
) -> LoadResult:
    """Load and check the catalog from its files, returning every problem instead of raising.

    ``paths`` are files or directories of catalog files merged over the shipped
    catalog and ``LLM_CATALOG_PATH``; a file named twice is read once. The files
    are always read: the compiled cache is never used here.
    Raises :class:`~llm_catalog.data.errors.CatalogPathError` only for a path that does not exist.
    """
    from llm_catalog.load.building import Builder, Source, read_file

    builder = Builder()
    files: list[str] = []
    placed: dict[str, int] = {}  # every file named in a problem, in the order met
    for found in iter_catalog_files(paths, shipped=shipped, environ=environ):
        if isinstance(found, Problem):
            placed.setdefault(found.file, len(placed))
            builder.problems.append(found)
            continue
        display = _display(found)
        files.append(display)
        placed.setdefault(display, len(placed))
        parsed = read_file(found, display)
        if isinstance(parsed, Problem):
            builder.problems.append(parsed)
        else:
            builder.add_file(Source(display, parsed))
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
    if cache:
        from llm_catalog.load.compiled import CompiledCache

        compiled = CompiledCache.for_files(
            list(iter_catalog_files(paths, shipped=shipped, environ=environ))
        )
        if compiled is not None:
            found = compiled.read(
                lambda: load_catalog(paths, shipped=shipped, environ=environ, cache=False)
            )
            if found is not None:
                return found
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
