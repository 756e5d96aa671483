"""``select(vision=True, max_cost=0.01)`` against the same question asked of litellm's price map.

The question: chat models that take images and cost at most $0.01 for a
request of 1,000 input and 1,000 output tokens, cheapest first.

Measured in one process run:

* ``catalog.select(vision=True, max_cost=0.01)`` warm (median per call, after a
  first call, timed apart, that builds what the catalog's index lacks) over
  the shipped catalog and over generated catalogs of 1,000, 10,000 and 100,000
  models (``bench/generate.py``), beside the plain scan that tests every model
  in turn (``llm_catalog.query.selection._scan``), which gives the same result; the
  shipped catalog both as read from its YAML files (``check_catalog()``) and as
  read from its compiled cache (in a temporary ``LLM_CATALOG_CACHE_DIR``, so the
  user's cache is neither read nor written);
* how the cost grows: the time per model, and the factor from each generated
  catalog to the next, ten times larger (a factor of 10 is linear growth);
* a selective query on the 100,000-model catalog, indexed and scanned;
* the peer: the same question answered by filtering ``litellm.model_cost``
  (litellm's bundled price map) in a loop, as a litellm user would.

Run: ``pip install -e '.[bench]'`` (for the peer, litellm), then
``python bench/bench_select.py``. Figures are printed, never asserted.
"""

from __future__ import annotations

import functools
import gc
import importlib
import itertools
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import generate_catalog

import llm_catalog
from llm_catalog.load.loader import check_catalog
from llm_catalog.query.catalog import Catalog
from llm_catalog.query.predicates import parse_predicates as _parse
from llm_catalog.query.selection import _scan, run_query

T = TypeVar("T")

QUESTION: dict[str, Any] = {"vision": True, "max_cost": 0.01}
SELECTIVE: dict[str, Any] = {
    "vision": True,
    "reasoning": True,
    "max_cost": 0.002,
    "provider": "provider-3",
}
SIZES = (1_000, 10_000, 100_000)
MAX_COST = 0.01
TOKENS = 1_000


def measure(
    action: Callable[[], T], *, budget: float = 1.0, least: int = 5, most: int = 20_000
) -> tuple[float, int, T]:
    """Median seconds per call of ``action`` over at least ``least`` calls and about ``budget`` seconds."""
    times: list[float] = []
    spent = 0.0
    result: T
    while len(times) < least or (spent < budget and len(times) < most):
        start = time.perf_counter()
        result = action()
        elapsed = time.perf_counter() - start
        times.append(elapsed)
        spent += elapsed
    return statistics.median(times), len(times), result


def timed(action: Callable[[], T]) -> tuple[float, T]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def show(seconds: float) -> str:
    """A duration in s, ms or µs."""
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:.1f} µs"


def ratio(slow: float, fast: float) -> str:
    return f"{slow / fast:.1f}x"


# --- llm-catalog -------------------------------------------------------------


def scan(catalog: Catalog, predicates: Mapping[str, Any]) -> list[str]:
    """The plain scan: every model tested in turn, no reasons kept."""
    return _scan(catalog, _parse(predicates), explain=False).ids


def row(label: str, catalog: Catalog, made: float | None) -> dict[str, Any]:
    """Time one catalog: first call, warm calls, and the plain scan."""
    first, selection = timed(lambda: catalog.select(**QUESTION))
    warm, calls, _ = measure(lambda: catalog.select(**QUESTION))
    scanned, scans, ids = measure(lambda: scan(catalog, QUESTION), budget=2.0, least=3)
    return {
        "label": label,
        "models": len(catalog),
        "matches": len(selection),
        "made": made,
        "first": first,
        "warm": warm,
        "calls": calls,
        "scan": scanned,
        "scans": scans,
        "same": ids == selection.ids,
    }


def print_table(rows: list[dict[str, Any]]) -> None:
    head = (
        f"{'catalog':<16}{'models':>9}{'matches':>9}{'first call':>12}{'warm median':>13}"
        f"{'warm/model':>12}{'scan median':>13}{'scan/warm':>11}  same result"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        print(
            f"{r['label']:<16}{r['models']:>9,}{r['matches']:>9,}{show(r['first']):>12}"
            f"{show(r['warm']):>13}{r['warm'] / r['models'] * 1e9:>9,.0f} ns"
            f"{show(r['scan']):>13}{ratio(r['scan'], r['warm']):>11}"
            f"  {'yes' if r['same'] else 'NO'}"
        )
    made = [f"{r['models']:,} in {show(r['made'])}" for r in rows if r["made"] is not None]
    if made:
        print(f"(generating the synthetic catalogs, model_validate included: {', '.join(made)})")
    generated = [r for r in rows if r["made"] is not None]
    if len(generated) >= 2:
        print_growth(generated)


def print_growth(rows: list[dict[str, Any]]) -> None:
    """How each cost grows from one generated catalog to the next; as fast as the models is linear."""
    print(
        "\nhow the cost grows with the catalog (generated catalogs; growing as the models grow is linear):"
    )

    def steps(values: list[float]) -> str:
        return ", ".join(f"x{b / a:.1f}" for a, b in itertools.pairwise(values))

    models = [r["models"] for r in rows]
    print(f"  {'models':<12}{' -> '.join(f'{m:,}' for m in models):<40}({steps(models)})")
    for key, name in (("first", "first call"), ("warm", "warm call"), ("scan", "plain scan")):
        values = [r[key] for r in rows]
        shown = " -> ".join(show(v) for v in values)
        print(f"  {name:<12}{shown:<40}({steps(values)})")


def line(label: str, seconds: float, note: str = "") -> None:
    print(f"  {label:<42}{show(seconds):>10}   {note}".rstrip())


def selective(catalog: Catalog) -> None:
    shown = ", ".join(f"{k}={v!r}" for k, v in SELECTIVE.items())
    print(f"\nselective query on {len(catalog):,} models: select({shown})")
    first, selection = timed(lambda: catalog.select(**SELECTIVE))
    warm, _, _ = measure(lambda: catalog.select(**SELECTIVE))
    scanned, _, ids = measure(lambda: scan(catalog, SELECTIVE), budget=2.0, least=3)
    explained, _, why = measure(
        lambda: run_query(catalog, SELECTIVE, explain=True), budget=2.0, least=3
    )
    same = ids == selection.ids == why.ids
    print(f"  {len(selection):,} matches; the same from all three paths: {'yes' if same else 'NO'}")
    line("indexed, first call", first)
    line("indexed, warm median", warm, f"{warm / len(catalog) * 1e9:,.1f} ns/model")
    line("plain scan (_scan, explain=False)", scanned, f"index is {ratio(scanned, warm)} faster")
    line(
        "run_query(explain=True): scan with reasons",
        explained,
        f"{len(why.excluded):,} exclusions explained",
    )


# --- the peer: litellm.model_cost --------------------------------------------


def litellm_select(model_cost: Mapping[str, Any]) -> list[tuple[float, str]]:
    """The same question over litellm's price map: chat, vision, both prices, cost <= $0.01."""
    found = []
    for name, info in model_cost.items():
        if not isinstance(info, dict) or info.get("mode") != "chat":
            continue
        if not info.get("supports_vision"):
            continue
        input_cost = info.get("input_cost_per_token")
        output_cost = info.get("output_cost_per_token")
        if input_cost is None or output_cost is None:
            continue
        cost = TOKENS * input_cost + TOKENS * output_cost
        if cost <= MAX_COST:
            found.append((cost, name))
    found.sort()
    return found


def measure_peer() -> dict[str, Any] | None:
    """Import litellm and time the dict filter; None when litellm is not installed.

    Done first, while the process holds no large generated catalog.
    """
    # The price map bundled with the installed litellm, not a download: reproducible, offline.
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    try:
        imported, litellm = timed(lambda: importlib.import_module("litellm"))
    except ImportError:
        return None
    model_cost: Mapping[str, Any] = litellm.model_cost
    version = getattr(litellm, "__version__", None)
    if version is None:
        from importlib.metadata import version as dist_version

        version = dist_version("litellm")
    theirs, calls, found = measure(lambda: litellm_select(model_cost))
    # llm-catalog over a generated catalog as large as litellm's map.
    same_size = generate_catalog(len(model_cost))
    same_size.select(**QUESTION)
    ours, _, selection = measure(lambda: same_size.select(**QUESTION))
    return {
        "version": version,
        "import": imported,
        "entries": len(model_cost),
        "matches": len(found),
        "time": theirs,
        "calls": calls,
        "same_size": ours,
        "same_size_matches": len(selection),
    }


def print_peer(found: dict[str, Any] | None, ours: dict[str, Any]) -> None:
    print("\npeer: the same question over litellm.model_cost (a dict filtered in a loop)")
    if found is None:
        print(
            "  litellm is not installed: pip install litellm (or pip install -e '.[bench]') "
            "to compare; llm-catalog's figures are above."
        )
        return
    theirs, entries = found["time"], found["entries"]
    print(
        f"  litellm {found['version']}: {entries:,} entries in model_cost, "
        f"{found['matches']:,} matches (import litellm: {show(found['import'])})"
    )
    line(
        f"litellm dict filter, median of {found['calls']:,}",
        theirs,
        f"{theirs / entries * 1e9:,.0f} ns/entry",
    )
    warm, models = ours["warm"], ours["models"]
    line(f"llm-catalog, shipped ({models} models)", warm, f"{warm / models * 1e9:,.0f} ns/model")
    print(f"  => llm-catalog is {verdict(theirs, warm)} (peer time / our time, shipped catalog)")
    same = found["same_size"]
    line(
        f"llm-catalog, generated {entries:,} models",
        same,
        f"{same / entries * 1e9:,.0f} ns/model, {found['same_size_matches']:,} matches",
    )
    print(f"  => at the peer's size, llm-catalog is {verdict(theirs, same)}")


def verdict(theirs: float, ours: float) -> str:
    faster = theirs / ours
    return f"{faster:.1f}x faster" if faster >= 1 else f"{1 / faster:.1f}x slower"


def main() -> None:
    # The compiled cache of this run only: the user's is neither read nor written.
    os.environ.pop("LLM_CATALOG_CACHE", None)
    with tempfile.TemporaryDirectory(prefix="bench-select-") as cache:
        os.environ["LLM_CATALOG_CACHE_DIR"] = cache
        run()


def run() -> None:
    print("select(vision=True, max_cost=0.01): chat models that take images and cost at most")
    print("$0.01 for 1,000 input + 1,000 output tokens, cheapest first")
    print(
        f"python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"llm-catalog {llm_catalog.__version__}\n"
    )
    found = measure_peer()
    checked, result = timed(check_catalog)
    assert result.catalog is not None, result.problems
    shipped = result.catalog
    rows = [row("shipped", shipped, None)]
    building, _ = timed(llm_catalog.load_catalog)
    reading, compiled = timed(llm_catalog.load_catalog)
    if getattr(compiled, "compiled", False):
        rows.append(row("shipped, cached", compiled, None))
    catalog = shipped
    for n in SIZES:
        catalog = shipped  # let the previous generated catalog go first
        gc.collect()
        made, catalog = timed(functools.partial(generate_catalog, n))
        rows.append(row(f"generated {n // 1000}k", catalog, made))
    print_table(rows)
    print(
        "(first call: builds what the index lacks for this question, unless loading did (the"
        "\n shipped catalog's profile checks run queries) or it was read from the compiled cache;"
        f"\n loading itself: check_catalog() from the YAML {show(checked)}; load_catalog() "
        f"building the compiled cache {show(building)}, then reading it {show(reading)}"
        + ("" if getattr(compiled, "compiled", False) else ": no compiled cache in this version")
        + ")"
    )
    selective(catalog)
    print_peer(found, rows[0])


if __name__ == "__main__":
    main()
