"""Validation of the shipped catalog from scratch, against peers measured in the same run.

In-process: ``check_catalog()`` (read, parse with positions, schema, records,
cross-file rules) against the schema check alone (``yaml.safe_load`` plus
jsonschema on the same files), the floor any validator pays.

Cold process: ``llm-catalog validate`` against ``check-jsonschema`` on the same
files, and against ``python -c pass``.

Run: ``python bench/bench_validate.py``. Figures are printed, never asserted.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FILES = sorted((REPO / "catalog").glob("*.yaml"))


def median_seconds(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def in_process() -> None:
    import jsonschema
    import yaml

    from llm_catalog.checks import _validator
    from llm_catalog.loader import check_catalog
    from llm_catalog.schema import catalog_schema

    _validator()  # build the schema once, as a long-lived process would
    result = check_catalog()
    assert result.catalog is not None, result.problems
    validator = jsonschema.Draft202012Validator(catalog_schema())

    class StringDates(yaml.CSafeLoader):
        """libyaml's safe loader with dates kept as strings, as JSON Schema wants them."""

    StringDates.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if not tag.endswith(":timestamp")]
        for first, resolvers in yaml.CSafeLoader.yaml_implicit_resolvers.items()
    }

    def schema_only() -> None:
        for path in FILES:
            validator.validate(yaml.load(path.read_text(encoding="utf-8"), Loader=StringDates))

    ours = median_seconds(check_catalog, 20)
    floor = median_seconds(schema_only, 20)
    print(f"shipped catalog: {len(FILES)} files, {len(result.catalog)} models")
    print(f"  check_catalog()                    {ours * 1000:8.1f} ms")
    print(
        f"  safe_load + jsonschema only        {floor * 1000:8.1f} ms   ratio {ours / floor:.2f}x"
    )


def cold(command: list[str], repeat: int = 5) -> float:
    def run() -> None:
        subprocess.run(command, check=True, capture_output=True)

    return median_seconds(run, repeat)


def cold_processes() -> None:
    bindir = Path(sys.executable).parent
    ours = cold([sys.executable, "-m", "llm_catalog", "validate"])
    floor = cold([sys.executable, "-c", "pass"])
    print("cold process (median of 5):")
    print(f"  llm-catalog validate               {ours * 1000:8.1f} ms")
    print(
        f"  python -c pass                     {floor * 1000:8.1f} ms   ours/floor {ours / floor:.1f}x"
    )
    peer = shutil.which("check-jsonschema", path=str(bindir))
    if peer:
        schema = str(REPO / "schemas" / "catalog.schema.json")
        theirs = cold([peer, "--schemafile", schema, *map(str, FILES)])
        print(
            f"  check-jsonschema (schema only)     {theirs * 1000:8.1f} ms   "
            f"ours/peer {ours / theirs:.2f}x"
        )


if __name__ == "__main__":
    in_process()
    cold_processes()
