"""Finding catalog files: where they are looked for, which are read, how they are named.

The roots are the shipped catalog, the directories of ``LLM_CATALOG_PATH`` and
the paths a caller names, in that order. Under a directory, files ending in
``.yaml`` or ``.yml`` are read in name order; a link is followed only inside
the directory named, and no file over :data:`MAX_FILE_BYTES` is read.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from llm_catalog.data.errors import CatalogPathError, Problem

__all__ = [
    "CATALOG_PATH_ENV",
    "MAX_FILE_BYTES",
    "catalog_roots",
    "display",
    "file_problem",
    "iter_catalog_files",
    "make_private_dirs",
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


def display(path: Path) -> str:
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


def make_private_dirs(directory: Path) -> None:
    """Create ``directory`` and its missing parents, each for its owner only (0700).

    A directory that exists keeps its mode: we change no mode we did not set.
    Raises OSError when one cannot be created.
    """
    # os.makedirs gives its mode to the last directory only, not to the parents it makes.
    if directory.is_dir():
        return
    if directory.parent != directory:
        make_private_dirs(directory.parent)
    try:
        os.mkdir(directory, 0o700)
    except FileExistsError:
        if not directory.is_dir():
            raise


def file_problem(display: str, message: str, line: int = 1, column: int = 1) -> Problem:
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
                yield file_problem(
                    display(Path(folder, name)),
                    "is a directory, not a file: a catalog file ending in .yaml must be a file",
                )
            else:
                found_any = True
                path = Path(folder, name)
                target = os.path.realpath(path)
                if os.path.commonpath([inside, target]) != inside:
                    # Links are followed only within the directory named: a link to
                    # /etc/passwd must not have its start quoted in a message.
                    yield file_problem(
                        display(path),
                        f"is a symbolic link to {target!r}, outside the catalog directory "
                        f"{display(root)!r}: copy the file in, or name its directory with "
                        "--catalog",
                    )
                    continue
                yield path
    if not found_any and not errors:
        yield file_problem(
            display(root), "no catalog files (*.yaml, *.yml) in this directory: check the path"
        )
    for error in errors:
        yield file_problem(
            display(Path(error.filename or root)), f"cannot list this directory: {error.strerror}"
        )


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
