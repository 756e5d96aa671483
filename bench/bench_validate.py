"""Validation from scratch, against peers measured in the same run; and loading through the compiled cache.

Two catalogs: the shipped one, and a generated one of 10,000 models
(``bench/generate.py``, written as YAML files to a temporary directory and
checked on its own, without the shipped files).

For each, in process: ``check_catalog()`` (read, parse with positions,
schema, records, cross-file rules; it always reads the sources, never the
compiled cache) against the schema check alone (``yaml.safe_load`` plus
jsonschema on the same files), the floor any validator pays; the two
alternate, and medians are printed. Beside them, ``load_catalog()`` through
the compiled cache: called in a fresh, empty ``LLM_CATALOG_CACHE_DIR``, the
first call builds the cache and the calls after it read it. When the first
call writes nothing there, the loader has no compiled cache yet and the line
says so.

For each, in cold processes: ``llm-catalog validate`` (each run with a fresh,
empty cache directory, so nothing built earlier helps) against
``check-jsonschema`` on the same files, and ``python -c pass``, alternating.

Run: ``python bench/bench_validate.py`` (about five minutes; ``check-jsonschema``
comes with the ``dev`` extra). Figures are printed, never asserted.
"""

from __future__ import annotations

import functools
import itertools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import write_catalog

REPO = Path(__file__).resolve().parent.parent
SHIPPED = sorted((REPO / "catalog").glob("*.yaml"))
SCHEMA = REPO / "schemas" / "catalog.schema.json"
GENERATED = 10_000
CACHE_ENV = "LLM_CATALOG_CACHE_DIR"


@dataclass(frozen=True)
class Subject:
    """A catalog to validate: its files, and how to name them to the loader and the CLI."""

    label: str
    files: list[Path]
    paths: list[str]  # given to check_catalog and load_catalog
    shipped: bool
    in_process: int  # runs of each side
    cold: int


def timed(action: Callable[[], Any]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def alternate(actions: Sequence[Callable[[], Any]], repeat: int) -> list[float]:
    """Median seconds of each action, run in turn ``repeat`` times so drift falls on all."""
    times: list[list[float]] = [[] for _ in actions]
    for _ in range(repeat):
        for spent, action in zip(times, actions, strict=True):
            spent.append(timed(action))
    return [statistics.median(spent) for spent in times]


def line(label: str, seconds: float, note: str = "") -> None:
    print(f"  {label:<48}{seconds * 1000:9.1f} ms   {note}".rstrip())


def schema_only(files: list[Path]) -> Callable[[], None]:
    """The schema check alone: libyaml's safe loader and jsonschema, file by file."""
    import jsonschema
    import yaml

    from llm_catalog.data.schema import catalog_schema

    validator = jsonschema.Draft202012Validator(catalog_schema())

    class StringDates(yaml.CSafeLoader):
        """libyaml's safe loader with dates kept as strings, as JSON Schema wants them."""

    StringDates.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if not tag.endswith(":timestamp")]
        for first, resolvers in yaml.CSafeLoader.yaml_implicit_resolvers.items()
    }

    def check() -> None:
        for path in files:
            validator.validate(yaml.load(path.read_text(encoding="utf-8"), Loader=StringDates))

    return check


def in_process(subject: Subject, caches: Path) -> None:
    from llm_catalog.load.loader import check_catalog
    from llm_catalog.load.schema_check import _validator

    _validator()  # build the schema once, as a long-lived process would
    check = functools.partial(check_catalog, subject.paths, shipped=subject.shipped)
    result = check()
    assert result.catalog is not None, result.problems
    print(f"{subject.label}: {len(subject.files)} files, {len(result.catalog):,} models")
    ours, floor = alternate([check, schema_only(subject.files)], subject.in_process)
    print(f"in process (median of {subject.in_process}, alternating):")
    line("check_catalog(), from scratch", ours)
    line("yaml.safe_load + jsonschema only", floor, f"check_catalog/this {ours / floor:.2f}x")
    through_cache(subject, caches, ours)


def through_cache(subject: Subject, caches: Path, scratch: float) -> None:
    """load_catalog() in a fresh cache directory: the first call builds, the next ones read."""
    from llm_catalog.load.loader import load_catalog

    os.environ[CACHE_ENV] = str(caches / subject.label.replace(" ", "-"))
    load = functools.partial(load_catalog, subject.paths, shipped=subject.shipped)
    before = sum(1 for p in caches.rglob("*") if p.is_file())
    building = timed(load)
    written = sum(1 for p in caches.rglob("*") if p.is_file()) > before
    if not written or not getattr(load(), "compiled", True):
        print(
            f"  {'load_catalog() from the compiled cache':<48}not available (the loader wrote no cache)"
        )
        return
    # A compiled catalog makes each model record when it is first read: the second
    # line reads them all, as a program that walks the whole catalog would.
    warm, every = alternate([load, lambda: list(load())], 5)
    line(
        "load_catalog() from the compiled cache",
        warm,
        f"check_catalog/this {scratch / warm:.1f}x (median of 5)",
    )
    line(
        "  the same, then every model record read",
        every,
        f"check_catalog/this {scratch / every:.1f}x",
    )
    line("load_catalog() building the cache (first call)", building)


def cold_processes(subject: Subject, caches: Path) -> None:
    fresh = itertools.count()

    def run(command: list[str]) -> Callable[[], None]:
        def spawn() -> None:
            env = {**os.environ, CACHE_ENV: str(caches / f"cold-{next(fresh)}")}
            subprocess.run(command, check=True, capture_output=True, env=env)

        return spawn

    validate = [sys.executable, "-m", "llm_catalog", "validate", *subject.paths]
    if not subject.shipped:
        validate.append("--no-shipped")
    commands = [validate, [sys.executable, "-c", "pass"]]
    peer = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent))
    if peer:
        commands.append([peer, "--schemafile", str(SCHEMA), *map(str, subject.files)])
    medians = alternate([run(c) for c in commands], subject.cold)
    ours, floor = medians[0], medians[1]
    print(f"cold process (median of {subject.cold}, alternating):")
    line("llm-catalog validate", ours)
    if peer:
        line(
            "check-jsonschema (schema only)", medians[2], f"validate/this {ours / medians[2]:.2f}x"
        )
    else:
        print("  check-jsonschema is not installed: pip install check-jsonschema to compare")
    line("python -c pass", floor, f"validate/this {ours / floor:.1f}x")


def main() -> None:
    # The catalog under test only: no directories from the user's environment.
    os.environ.pop("LLM_CATALOG_PATH", None)
    os.environ.pop("LLM_CATALOG_CACHE", None)  # "off" would hide the compiled cache
    with tempfile.TemporaryDirectory(prefix="bench-validate-") as scratch:
        caches = Path(scratch, "caches")
        # Set before llm_catalog is imported, so no cache outside the run is read or written.
        os.environ[CACHE_ENV] = str(caches / "unused")
        generated = Path(scratch, "generated")
        made = timed(lambda: write_catalog(GENERATED, generated))
        subjects = [
            Subject("shipped catalog", SHIPPED, [], True, in_process=20, cold=5),
            Subject(
                f"generated catalog of {GENERATED:,} models",
                sorted(generated.glob("*.yaml")),
                [str(generated)],
                False,
                in_process=5,
                cold=3,
            ),
        ]
        print(f"(bench/generate.py wrote the generated catalog in {made:.1f} s)\n")
        for subject in subjects:
            in_process(subject, caches)
            cold_processes(subject, caches)
            print()


if __name__ == "__main__":
    main()
