"""From catalog files to a :class:`~llm_catalog.catalog.Catalog`, collecting every problem.

Files are found in the shipped catalog, then in the directories of
``LLM_CATALOG_PATH``, then in the paths given by the caller (``--catalog``),
in that order. Every file is read, parsed and checked against the schema;
records are merged (new records add, ``overrides`` patch named fields) and the
rules across fields and files are checked. Router profiles (``profiles:``, in
any file) are checked last, against the merged catalog: the models they name
must exist and their queries must be valid and match. Every problem in every file is
reported together in one :class:`~llm_catalog.errors.CatalogError`; no catalog
is built from invalid files, not even part of one.
"""

from __future__ import annotations

import copy
import errno
import os
import stat
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llm_catalog import checks
from llm_catalog.catalog import Catalog, Layer, locate
from llm_catalog.errors import CatalogError, CatalogPathError, Problem
from llm_catalog.yamlsource import Document, YamlProblem, escape_pointer, parse_document

if TYPE_CHECKING:
    from llm_catalog.records import Model

__all__ = [
    "CATALOG_PATH_ENV",
    "MAX_FILE_BYTES",
    "LoadResult",
    "catalog_roots",
    "check_catalog",
    "default_catalog",
    "get_model",
    "load_catalog",
    "shipped_catalog_dir",
]

CATALOG_PATH_ENV = "LLM_CATALOG_PATH"
MAX_FILE_BYTES = 10 * 1024 * 1024
_SUFFIXES = (".yaml", ".yml")


def shipped_catalog_dir() -> Path:
    """The catalog shipped with the package (inside the wheel, or the repository's catalog/)."""
    here = Path(__file__).resolve().parent
    packaged = here / "_catalog"
    return packaged if packaged.is_dir() else here.parent / "catalog"


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

    Raises :class:`~llm_catalog.errors.CatalogPathError` for a path that does not exist.
    """
    env = os.environ if environ is None else environ
    roots: list[Path] = [shipped_catalog_dir()] if shipped else []
    named: list[tuple[str, Path]] = [
        (f"{CATALOG_PATH_ENV} entry", Path(entry))
        for entry in env.get(CATALOG_PATH_ENV, "").split(os.pathsep)
        if entry.strip()
    ]
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
                yield Path(folder, name)
    if not found_any and not errors:
        yield _file_problem(
            _display(root), "no catalog files (*.yaml, *.yml) in this directory: check the path"
        )
    for error in errors:
        yield _file_problem(
            _display(Path(error.filename or root)), f"cannot list this directory: {error.strerror}"
        )


def _read(path: Path, display: str) -> Document | Problem:
    """Read and parse one file; a problem instead of an exception for anything wrong."""
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            return _file_problem(display, "is a directory, not a catalog file")
        if info.st_size > MAX_FILE_BYTES:
            return _file_problem(
                display,
                f"file is {info.st_size:,} bytes; catalog files are limited to "
                f"{MAX_FILE_BYTES // 1024 // 1024} MiB ({MAX_FILE_BYTES:,} bytes): "
                "split it into one file per provider",
            )
        raw = path.read_bytes()
    except OSError as error:
        reason = {
            errno.ELOOP: "symbolic link loop",
            errno.EACCES: "permission denied: make the file readable",
            errno.ENOENT: "no such file (a broken symbolic link?)",
        }.get(error.errno or 0, error.strerror or str(error))
        return _file_problem(display, f"cannot read the file: {reason}")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        before = raw[: error.start]
        line = before.count(b"\n") + 1
        # Columns count characters, as an editor shows them, not bytes.
        line_start = before[before.rfind(b"\n") + 1 :]
        column = len(line_start.decode("utf-8", errors="replace")) + 1
        return _file_problem(
            display,
            f"not UTF-8: byte 0x{raw[error.start]:02x} cannot be decoded; save the file as UTF-8",
            line,
            column,
        )
    parsed = parse_document(text)
    if isinstance(parsed, YamlProblem):
        return Problem(display, parsed.line + 1, parsed.column + 1, parsed.pointer, parsed.message)
    if parsed.value is None:
        return _file_problem(
            display,
            "file is empty: a catalog file holds a 'provider' and its 'models', or 'overrides'",
        )
    if not isinstance(parsed.value, dict):
        kind = (
            "a list" if isinstance(parsed.value, list) else f"a single value ({parsed.value!r:.40})"
        )
        return _file_problem(
            display,
            f"expected a mapping at the top level (provider, models, overrides), got {kind}",
        )
    return parsed


@dataclass
class _Source:
    """One parsed file and the pointers where problems were already reported."""

    display: str
    document: Document
    bad: set[str] = field(default_factory=set)

    @property
    def value(self) -> dict[str, Any]:
        value: dict[str, Any] = self.document.value
        return value

    def is_bad(self, pointer: str) -> bool:
        """True when a problem was reported at ``pointer`` or inside it."""
        return any(b == pointer or b.startswith(pointer + "/") for b in self.bad)


@dataclass
class LoadResult:
    """What :func:`check_catalog` found: the catalog, or every problem."""

    catalog: Catalog | None
    problems: list[Problem]
    files: list[str]


class _Builder:
    """Merges parsed files into records, collecting problems as it goes."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.providers: dict[str, list[Layer]] = {}
        self.provider_sources: dict[str, tuple[_Source, str]] = {}
        self.models: dict[str, list[Layer]] = {}
        self.model_sources: dict[str, tuple[_Source, str]] = {}
        self.model_provider: dict[str, str] = {}
        self.refs: list[tuple[_Source, str]] = []
        self.overrides: list[tuple[_Source, str, str, dict[str, Any]]] = []
        self.broken: set[str] = set()
        self.profiles: dict[str, Layer] = {}
        self.profile_sources: dict[str, _Source] = {}

    def report(self, source: _Source, pointer: str, message: str, at_key: bool = False) -> None:
        positions = source.document.keys if at_key else source.document.values
        probe = pointer
        while probe not in positions and probe:
            probe = probe.rsplit("/", 1)[0]
        line, column = positions.get(probe, source.document.values.get(probe, (0, 0)))
        source.bad.add(pointer)
        self.problems.append(Problem(source.display, line + 1, column + 1, pointer, message))

    def report_at(self, layers: Sequence[Layer], relative: str, message: str) -> None:
        pointer, where = locate(tuple(layers), relative)
        self.problems.append(Problem(where.file, where.line, where.column, pointer, message))

    def add_file(self, source: _Source) -> None:
        value = source.value
        secrets = []
        for pointer, is_key in checks.iter_key_shaped(value):
            secrets.append(pointer)
            self.report(
                source,
                pointer,
                f"this {'key' if is_key else 'value'} looks like an API key: catalog files hold "
                "the names of environment variables (api_key_env: [OPENAI_API_KEY]), never keys; "
                "remove it and revoke the key",
                at_key=is_key,
            )
        for pointer, at_key, message in checks.iter_schema_problems(value):
            # A key-shaped value is reported once, as a key, never quoted again.
            if not any(pointer == secret or pointer.startswith(secret + "/") for secret in secrets):
                self.report(source, pointer, message, at_key)

        provider = value.get("provider")
        ref = value.get("provider_ref")
        provider_id: str | None = None
        if isinstance(provider, dict) and isinstance(provider.get("id"), str):
            provider_id = provider["id"]
            if provider_id in self.providers:
                first = self.providers[provider_id][0].locate("")[1]
                self.report(
                    source,
                    "/provider/id",
                    f"duplicate provider id {provider_id!r}, already defined at {first}: "
                    "to change it, use provider_overrides",
                )
            else:
                self.providers[provider_id] = [
                    Layer(source.display, source.document, "/provider", provider)
                ]
                self.provider_sources[provider_id] = (source, "/provider")
        if provider is not None and ref is not None:
            self.report(
                source, "/provider_ref", "give either 'provider' or 'provider_ref', not both"
            )
        elif isinstance(ref, str):
            provider_id = ref
            self.refs.append((source, ref))
        models = value.get("models")
        if (
            isinstance(models, list)
            and models
            and provider_id is None
            and not source.is_bad("/provider")
        ):
            self.report(
                source,
                "/models",
                "models need a provider: add a 'provider' record to this file, or "
                "'provider_ref: <id>' to add them to a provider defined elsewhere",
            )
        if isinstance(models, list) and provider_id is not None:
            for index, entry in enumerate(models):
                self._add_model(source, provider_id, index, entry)
        for key in ("overrides", "provider_overrides"):
            entries = value.get(key)
            if isinstance(entries, list):
                for index, entry in enumerate(entries):
                    if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                        self.overrides.append((source, key, f"/{key}/{index}", entry))
        profiles = value.get("profiles")
        if isinstance(profiles, dict):
            for name, entry in profiles.items():
                if isinstance(name, str) and isinstance(entry, dict):
                    self._add_profile(source, name, entry)

    def _add_profile(self, source: _Source, name: str, entry: dict[str, Any]) -> None:
        pointer = f"/profiles/{escape_pointer(name)}"
        first = self.profiles.get(name)
        if first is not None:
            line, column = first.document.keys.get(first.pointer, (0, 0))
            self.report(
                source,
                pointer,
                f"duplicate profile {name!r}, already defined at "
                f"{first.file}:{line + 1}:{column + 1}: rename one of them",
                at_key=True,
            )
            return
        self.profiles[name] = Layer(source.display, source.document, pointer, entry)
        self.profile_sources[name] = source

    def _add_model(self, source: _Source, provider_id: str, index: int, entry: Any) -> None:
        base = f"/models/{index}"
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            return
        short = entry["id"]
        if short.startswith(provider_id + "/"):
            self.report(
                source,
                f"{base}/id",
                f"write the id without the provider prefix: {short.removeprefix(provider_id + '/')!r} "
                f"(the full id becomes {short!r})",
            )
            return
        full = f"{provider_id}/{short}"
        if full in self.models:
            first = self.models[full][0].locate("")[1]
            self.report(
                source,
                f"{base}/id",
                f"duplicate model id {full!r}, already defined at {first}: to change it, "
                "use overrides",
            )
            return
        self.models[full] = [Layer(source.display, source.document, base, entry)]
        self.model_sources[full] = (source, base)
        self.model_provider[full] = provider_id

    def resolve(self) -> None:
        """Check references between files and apply overrides."""
        for source, ref in self.refs:
            if ref not in self.providers and not source.is_bad("/provider_ref"):
                self.report(
                    source,
                    "/provider_ref",
                    checks.unknown_id_message(ref, set(self.providers), "provider"),
                )
        for source, key, pointer, entry in self.overrides:
            target = entry["id"]
            table = self.models if key == "overrides" else self.providers
            if target not in table:
                if not source.is_bad(f"{pointer}/id"):
                    kind = "model" if key == "overrides" else "provider"
                    self.report(
                        source,
                        f"{pointer}/id",
                        checks.unknown_id_message(target, set(table), kind)
                        + f" (an override changes an existing {kind}; to add one, "
                        + (
                            "list it under 'models')"
                            if kind == "model"
                            else "give a 'provider' record)"
                        ),
                    )
                continue
            if source.is_bad(pointer):
                self.broken.add(target)
                continue
            patch = {k: v for k, v in entry.items() if k != "id"}
            table[target].append(Layer(source.display, source.document, pointer, patch))

    def build(self) -> Catalog | None:
        from pydantic import ValidationError

        from llm_catalog.profiles import Profile
        from llm_catalog.records import Model, Provider

        providers: dict[str, Provider] = {}
        for provider_id, layers in self.providers.items():
            source, pointer = self.provider_sources[provider_id]
            if source.is_bad(pointer) or provider_id in self.broken:
                continue
            data = _merge(layers)
            try:
                record = Provider.model_validate(data)
            except ValidationError as error:
                self._report_validation(layers, error)
                continue
            for relative, message in checks.iter_provider_problems(record):
                self.report_at(layers, relative, message)
            providers[provider_id] = record

        models: dict[str, Model] = {}
        # Aliases written on models that turned out invalid: reported with their model,
        # so a profile naming one is not reported again.
        unchecked_aliases: set[str] = set()
        for full, layers in self.models.items():
            source, pointer = self.model_sources[full]
            provider_id = self.model_provider[full]
            if source.is_bad(pointer) or full in self.broken or provider_id not in self.providers:
                continue
            data = _merge(layers)
            data["id"] = full
            data["provider"] = provider_id
            try:
                models[full] = Model.model_validate(data)
            except ValidationError as error:
                self._report_validation(layers, error)
                written = data.get("aliases")
                if isinstance(written, list):
                    unchecked_aliases.update(a for a in written if isinstance(a, str))

        known = frozenset(self.models)
        aliases: dict[str, str] = {}
        for full, model in models.items():
            layers = self.models[full]
            for relative, message in checks.iter_model_problems(model, known):
                self.report_at(layers, relative, message)
            for index, alias in enumerate(model.aliases):
                clash = None
                if alias in known:
                    clash = f"it is the id of model {alias!r}"
                elif alias in aliases:
                    where = locate(tuple(self.models[aliases[alias]]), "/aliases")[1]
                    clash = f"it is already an alias of {aliases[alias]!r} ({where})"
                if clash:
                    self.report_at(
                        layers, f"/aliases/{index}", f"alias {alias!r} cannot be used: {clash}"
                    )
                else:
                    aliases[alias] = full
        # Problems in profiles leave the models alone: a query that matches nothing is
        # worth reporting unless some model may be missing from the catalog.
        records_valid = all(
            p.pointer == "/profiles" or p.pointer.startswith("/profiles/") for p in self.problems
        )

        profiles: dict[str, Profile] = {}
        for name, layer in self.profiles.items():
            if self.profile_sources[name].is_bad(layer.pointer):
                continue
            try:
                profiles[name] = Profile.model_validate(dict(layer.data))
            except ValidationError as error:
                self._report_validation((layer,), error)

        origins = {key: tuple(value) for key, value in self.providers.items()}
        origins.update({key: tuple(value) for key, value in self.models.items()})
        layers_in_order = [layer for layers in origins.values() for layer in layers]
        layers_in_order += self.profiles.values()
        files = tuple(dict.fromkeys(layer.file for layer in layers_in_order))
        # Built even when other records are invalid, so that profiles are checked
        # against what is valid; it is returned only when nothing is wrong.
        catalog = Catalog(
            providers,
            {full: model for full, model in models.items() if model.provider in providers},
            aliases,
            origins,
            files,
            profiles=profiles,
            profile_origins=self.profiles,
        )
        defined_models = frozenset(self.models) | frozenset(unchecked_aliases)
        for name, profile in profiles.items():
            layer = self.profiles[name]
            problems = checks.iter_profile_problems(
                profile,
                catalog,
                defined_models=defined_models,
                defined_providers=frozenset(self.providers),
                require_matches=records_valid,
            )
            for relative, at_key, message in problems:
                source = self.profile_sources[name]
                self.report(source, layer.pointer + relative, message, at_key=at_key)
        return None if self.problems else catalog

    def _report_validation(self, layers: Sequence[Layer], error: Any) -> None:
        for detail in error.errors():
            relative = "".join(f"/{escape_pointer(str(part))}" for part in detail["loc"])
            self.report_at(layers, relative, str(detail["msg"]))


def _merge(layers: Sequence[Layer]) -> dict[str, Any]:
    """The record's data after every layer: mappings merge key by key; lists and values replace."""

    def merge(into: dict[str, Any], patch: Mapping[str, Any]) -> None:
        for key, value in patch.items():
            if isinstance(value, Mapping) and isinstance(into.get(key), dict):
                merge(into[key], value)
            else:
                into[key] = copy.deepcopy(value)

    data: dict[str, Any] = {}
    for layer in layers:
        merge(data, layer.data)
    return data


def check_catalog(
    paths: Iterable[str | os.PathLike[str]] = (),
    *,
    shipped: bool = True,
    environ: Mapping[str, str] | None = None,
) -> LoadResult:
    """Load and check the catalog, returning every problem instead of raising.

    ``paths`` are files or directories of catalog files merged over the shipped
    catalog and ``LLM_CATALOG_PATH``; a file named twice is read once.
    Raises :class:`~llm_catalog.errors.CatalogPathError` only for a path that does not exist.
    """
    builder = _Builder()
    seen: set[str] = set()
    files: list[str] = []
    placed: dict[str, int] = {}  # every file named in a problem, in the order met
    for root in catalog_roots(paths, shipped=shipped, environ=environ):
        for found in _iter_files(root):
            if isinstance(found, Problem):
                placed.setdefault(found.file, len(placed))
                builder.problems.append(found)
                continue
            key = os.path.realpath(found)
            if key in seen:
                continue
            seen.add(key)
            display = _display(found)
            files.append(display)
            placed.setdefault(display, len(placed))
            parsed = _read(found, display)
            if isinstance(parsed, Problem):
                builder.problems.append(parsed)
            else:
                builder.add_file(_Source(display, parsed))
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
) -> Catalog:
    """Load the catalog: the shipped files, ``LLM_CATALOG_PATH``, then ``paths``.

    Raises :class:`~llm_catalog.errors.CatalogError` with every problem found
    when any file is invalid.
    """
    result = check_catalog(paths, shipped=shipped, environ=environ)
    if result.catalog is None:
        raise CatalogError(result.problems)
    return result.catalog


_DEFAULT_CATALOGS: dict[str, Catalog] = {}


def default_catalog() -> Catalog:
    """The shipped catalog merged with ``LLM_CATALOG_PATH``, loaded once per value of that variable."""
    key = os.environ.get(CATALOG_PATH_ENV, "")
    catalog = _DEFAULT_CATALOGS.get(key)
    if catalog is None:
        catalog = _DEFAULT_CATALOGS[key] = load_catalog()
    return catalog


def get_model(name: str, catalog: Catalog | None = None) -> Model:
    """The model with this full id or alias, ready to call (``get_model("openai/gpt-4o")``).

    ``catalog`` defaults to the shipped catalog merged with ``LLM_CATALOG_PATH``.
    Raises :class:`~llm_catalog.errors.UnknownModelError`, naming the closest ids.
    """
    return (catalog if catalog is not None else default_catalog()).get(name)
