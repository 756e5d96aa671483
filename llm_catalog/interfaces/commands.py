"""The commands of the command line: each handler takes the parsed arguments and two
streams, and returns the exit status.

Here are list, show, select, validate, import, drift and site build; cost and
compare are in :mod:`llm_catalog.interfaces.costs`, usage in
:mod:`llm_catalog.interfaces.usage`, and what they share in
:mod:`llm_catalog.interfaces.invocation`; all are importable from here.
:mod:`llm_catalog.interfaces.cli` builds the parser and maps errors to statuses.
"""

from __future__ import annotations

import argparse
import time
from typing import TYPE_CHECKING, Any, TextIO

from llm_catalog.data.vocabulary import CAPABILITIES, ORDERS
from llm_catalog.interfaces.costs import compare, cost
from llm_catalog.interfaces.invocation import UsageError, emit, open_catalog, read_request
from llm_catalog.interfaces.usage import usage
from llm_catalog.query.predicates import KEYWORDS

if TYPE_CHECKING:
    from llm_catalog.data.records import Model

__all__ = [
    "CAPABILITIES",
    "ORDERS",
    "UsageError",
    "audit",
    "compare",
    "cost",
    "drift",
    "emit",
    "import_records",
    "list_models",
    "select",
    "show",
    "site_build",
    "usage",
    "validate",
]

EXIT_OK = 0
EXIT_NO_MATCH = 1
EXIT_INVALID = 1


def list_models(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """``llm-catalog list``: every model, or those of a provider, mode or status."""
    # lazy: render imports pydantic (via the records); kept off --help and usage errors.
    from llm_catalog.interfaces.render import SUMMARY_HEADERS, model_json, render_table, summary_row

    catalog = open_catalog(args)
    models = [
        m
        for m in catalog
        if (not args.provider or m.provider in args.provider)
        and (args.mode is None or m.mode.value == args.mode)
        and (not args.status or m.status.value in args.status)
    ]
    if args.json:
        emit(
            {"status": "ok" if models else "no_match", "models": [model_json(m) for m in models]},
            out,
        )
    elif models:
        out.write(render_table(SUMMARY_HEADERS, [summary_row(m) for m in models]))
    else:
        err.write("no models match\n")
    return EXIT_OK if models else EXIT_NO_MATCH


def show(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """``llm-catalog show ID``: one model's whole record and where it was written."""
    # lazy: render imports pydantic (via the records); kept off --help and usage errors.
    from llm_catalog.interfaces.render import describe, model_json

    catalog = open_catalog(args)
    data = model_json(catalog.get(args.model), catalog)
    if args.json:
        emit(data, out)
    else:
        out.write(describe(data))
    return EXIT_OK


def select(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """``llm-catalog select``: the flags become ``select`` keywords of the same names."""
    # lazy: render imports pydantic (via the records); kept off --help and usage errors.
    from llm_catalog.interfaces.render import (
        printable,
        render_table,
        selection_json,
        selection_rows,
    )
    from llm_catalog.query.rates import Rates, rates_at

    # Every select() keyword has a flag of the same name; the request flags and
    # --mode are read apart, since they need more than a copy.
    request = read_request(args)
    predicates: dict[str, Any] = {
        name: getattr(args, name)
        for name in KEYWORDS
        if name not in request and name != "mode" and getattr(args, name, None) is not None
    }
    if args.mode is not None:
        predicates["mode"] = None if args.mode == "any" else args.mode
    predicates.update(request)
    selection = open_catalog(args).select(explain=args.explain, **predicates)
    # The prices shown are those the estimates used: at the moment, tier and region asked.
    at, tier, region = request.get("at"), request.get("service_tier"), request.get("region")
    size = request.get("search_context")

    def rated(model: Model) -> Rates | None:
        return rates_at(model, at, service_tier=tier, region=region, search_context=size)

    if args.json:
        emit(selection_json(selection, rated), out)
    else:
        if selection:
            headers, rows = selection_rows(selection, rated)
            out.write(render_table(headers, rows))
        else:
            err.write("no models match\n")
        if args.explain and selection.excluded:
            out.write("\nleft out:\n")
            out.writelines(f"  {printable(str(exclusion))}\n" for exclusion in selection.excluded)
    return EXIT_OK if selection else EXIT_NO_MATCH


def validate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """``llm-catalog validate``: every problem in the catalog files, or what they hold."""
    # lazy: the loader is kept off --help, --version, usage errors and the usage command.
    from llm_catalog.load.loader import check_catalog

    result = check_catalog([*args.catalog, *args.paths], shipped=not args.no_shipped, rules=True)
    catalog = result.catalog
    if args.json:
        emit(
            {
                "status": "valid" if catalog is not None else "invalid",
                "files": result.files,
                "providers": len(catalog.providers) if catalog is not None else None,
                "models": len(catalog) if catalog is not None else None,
                "profiles": len(catalog.profiles) if catalog is not None else None,
                "errors": [problem.to_dict() for problem in result.problems],
            },
            out,
        )
    elif catalog is not None:
        profiles = len(catalog.profiles)
        out.write(
            f"ok: {len(result.files)} files, {len(catalog.providers)} providers, "
            f"{len(catalog)} models"
            + (f", {profiles} profile{'s' if profiles != 1 else ''}" if profiles else "")
            + "\n"
        )
    else:
        for problem in result.problems:
            out.write(f"{problem}\n")
        count = len(result.problems)
        bad_files = len({problem.file for problem in result.problems})
        err.write(
            f"invalid: {count} problem{'s' if count != 1 else ''} in {bad_files} "
            f"file{'s' if bad_files != 1 else ''}\n"
        )
    return EXIT_OK if catalog is not None else EXIT_INVALID


def import_records(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """``llm-catalog import``: draft records for a provider's models from litellm's price map."""
    # lazy: the tools read litellm's price map and models.dev; only import and drift need them.
    from llm_catalog.tools.drift import show as show_value
    from llm_catalog.tools.importer import import_models
    from llm_catalog.tools.sources import load_source

    data = load_source(args.source)
    catalog = open_catalog(args)
    result = import_models(
        data, args.provider, pattern=args.models, output=args.output, catalog=catalog
    )
    if args.output is not None and result.added:
        args.output.write_text(result.text, encoding="utf-8")
    if args.json:
        summary = result.to_json()
        summary["output"] = str(args.output) if args.output is not None else None
        if args.output is None:
            summary["yaml"] = result.text
        emit(summary, out)
    elif args.output is None:
        out.write(result.text)
    where = str(args.output) if args.output is not None else "stdout"
    for full_id in result.added:
        err.write(f"added {full_id}\n")
    for source_id, why in result.skipped:
        err.write(f"skipped {source_id}: {why}\n")
    for diff in result.differences:
        if not diff.explained:
            err.write(
                f"kept {diff.model}: {diff.field}: ours {show_value(diff.ours)}, "
                f"{diff.source} {show_value(diff.theirs)} (review)\n"
            )
    if not result.matched:
        pattern = f" matching {args.models!r}" if args.models else ""
        err.write(f"no {args.provider} models{pattern} in {result.source}\n")
        return EXIT_INVALID
    err.write(
        f"{len(result.added)} added to {where}, {len(result.kept)} already present, "
        f"{len(result.skipped)} skipped, "
        f"{sum(not d.explained for d in result.differences)} existing values differ from "
        f"{result.source}\n"
    )
    return EXIT_OK


def audit(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """``llm-catalog audit``: how far each provider's facts are checked."""
    # lazy: the audit reads records (pydantic); kept off --help and usage errors.
    from llm_catalog.data import clock
    from llm_catalog.data.vocabulary import TrustLevel
    from llm_catalog.interfaces.render import render_table
    from llm_catalog.tools.audit import audit as run_audit

    catalog = open_catalog(args)
    for name in args.provider or ():
        if name not in catalog.providers:
            raise UsageError(
                f"no provider {name!r} in the catalog: use one of {', '.join(sorted(catalog.providers))}"
            )
    report = run_audit(catalog, clock.today(), args.provider)
    if args.json:
        emit(report.to_json(), out)
        return EXIT_OK
    headers = ["provider", "models", *(str(level) for level in TrustLevel)]
    headers += ["checked >30d ago", "exceptions", "single, no note"]
    rows = [
        [
            entry.provider,
            f"{entry.models:,}",
            *(f"{entry.share(level):.0%}" for level in TrustLevel),
            f"{entry.stale_checks:,}",
            f"{entry.exceptions:,}",
            f"{len(entry.single_without_note):,}",
        ]
        for entry in (*report.providers, report.overall)
    ]
    out.write(render_table(headers, rows))
    out.write(f"active and preview models, as of {report.as_of}\n")
    return EXIT_OK


def drift(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """``llm-catalog drift``: the catalog's differences from litellm or models.dev."""
    # lazy: the tools read litellm's price map and models.dev; only import and drift need them.
    from llm_catalog.tools.drift import check_drift, iter_report_lines
    from llm_catalog.tools.sources import load_source, provider_route

    start = time.perf_counter()
    data = load_source(args.against)
    catalog = open_catalog(args)
    covered = sorted(p for p in catalog.providers if provider_route(p) is not None)
    for name in args.provider or ():
        if name not in catalog.providers:
            raise UsageError(
                f"no provider {name!r} in the catalog: use one of {', '.join(covered)}"
            )
        if provider_route(name) is None:
            raise UsageError(
                f"provider {name!r} has no counterpart in litellm or models.dev: use one of "
                f"{', '.join(covered)}"
            )
    live = err.isatty()

    def progress(done: int, total: int) -> None:
        if done % 25 == 0 or done == total:
            err.write(f"\rdrift: {done}/{total} models compared")
            err.flush()

    report = check_drift(
        catalog, data, providers=args.provider, progress=progress if live else None
    )
    report.elapsed = time.perf_counter() - start  # reading the source and catalog too
    if live:
        err.write("\r\033[K")
    if args.json:
        emit(report.to_json(), out)
    else:
        out.writelines(f"{line}\n" for line in iter_report_lines(report, catalog, data.label))
    err.write(report.summary() + "\n")
    return EXIT_OK if report.clean else EXIT_INVALID


def site_build(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """``llm-catalog site build``: write the catalog browser into a directory."""
    # lazy: the site embeds the catalog with render and pydantic; only site build needs it.
    from llm_catalog.interfaces.site import build_site

    built = build_site(open_catalog(args), args.output)
    page = (built.directory / "index.html").resolve()
    if args.json:
        emit(
            {
                "status": "ok",
                "directory": str(built.directory),
                "url": page.as_uri(),
                "models": built.models,
                "files": built.files,
            },
            out,
        )
    else:
        out.write(
            f"wrote {', '.join(built.files)} to {built.directory} "
            f"({built.total_bytes / 1e6:.1f} MB, {built.models:,} models): open {page.as_uri()}\n"
        )
    return EXIT_OK
