"""The ``llm-catalog`` command line.

Exit status: 0 on success, 1 when the catalog is invalid (or nothing
matches), 2 on a usage error. ``--json`` prints one JSON object on stdout with
a stable shape.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import re
import sys
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, cast

from llm_catalog import __version__
from llm_catalog.data.errors import (
    CatalogError,
    CatalogPathError,
    LLMCatalogError,
    UnknownModelError,
)
from llm_catalog.interfaces import commands
from llm_catalog.interfaces.commands import CAPABILITIES, ORDERS, UsageError, emit
from llm_catalog.query import selection as query

if TYPE_CHECKING:
    from llm_catalog.query.catalog import Catalog

__all__ = ["main"]

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_BROKEN_PIPE = 128 + 13  # killed by SIGPIPE, as a shell reports it


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="llm-catalog",
        description="An open catalog of LLM providers and models.",
    )
    parser.add_argument("--version", action="version", version=f"llm-catalog {__version__}")
    commands_ = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands_.required = True

    validate = commands_.add_parser(
        "validate",
        help="check catalog files and report every problem",
        description=(
            "Check the shipped catalog, the directories in LLM_CATALOG_PATH and the "
            "files or directories given, merged together, and report every problem "
            "as path:line:column: /json/pointer: message."
        ),
    )
    validate.add_argument(
        "paths", nargs="*", metavar="PATH", help="catalog files or directories to check"
    )
    validate.add_argument(
        "--catalog",
        action="append",
        default=[],
        metavar="DIR",
        help="a directory of catalog files merged over the shipped catalog (repeatable)",
    )
    validate.add_argument(
        "--no-shipped",
        action="store_true",
        help="check the given files on their own, without the shipped catalog",
    )
    validate.add_argument("--json", action="store_true", help="print a JSON report")
    validate.set_defaults(handler=_validate)
    _add_query_commands(commands_)
    _add_usage_command(commands_)
    _add_site_command(commands_)
    return parser


def _add_query_commands(commands_: Any) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--catalog",
        action="append",
        default=[],
        metavar="DIR",
        help="a directory of catalog files merged over the shipped catalog (repeatable)",
    )
    common.add_argument(
        "--no-shipped",
        action="store_true",
        help="use only the --catalog directories and LLM_CATALOG_PATH, not the shipped catalog",
    )
    common.add_argument("--json", action="store_true", help="print JSON")

    listing = commands_.add_parser(
        "list", parents=[common], help="list models", description="List the catalog's models."
    )
    listing.add_argument("--provider", action="append", metavar="ID", help="only this provider")
    listing.add_argument("--mode", help="only this mode (chat, embedding, ...)")
    listing.add_argument("--status", action="append", help="only this status (default: all)")
    listing.set_defaults(handler=commands.list_models)

    show = commands_.add_parser(
        "show", parents=[common], help="show one model", description="Show one model's record."
    )
    show.add_argument("model", metavar="ID", help="full model id or alias")
    show.set_defaults(handler=commands.show)

    select = commands_.add_parser(
        "select",
        parents=[common],
        help="select models by capability and cost",
        description=(
            "Models that pass every predicate, cheapest first. The request behind "
            "--max-cost is 1,000 input and 1,000 output tokens unless given."
        ),
    )
    _add_select_flags(select)
    select.set_defaults(handler=commands.select)

    cost = commands_.add_parser(
        "cost",
        parents=[common],
        help="estimate the cost of a request",
        description="Estimate one request's cost in US dollars from the catalog's prices.",
    )
    cost.add_argument("model", metavar="ID", help="full model id or alias")
    _add_request_flags(cost)
    cost.set_defaults(handler=commands.cost)

    compare = commands_.add_parser(
        "compare",
        parents=[common],
        help="compare models side by side",
        description="Compare models side by side.",
    )
    compare.add_argument("models", nargs="+", metavar="ID", help="full model ids or aliases")
    _add_request_flags(compare)
    compare.set_defaults(handler=commands.compare)
    _add_source_commands(commands_, common)


def _add_source_commands(commands_: Any, common: argparse.ArgumentParser) -> None:
    importing = commands_.add_parser(
        "import",
        parents=[common],
        help="draft catalog records from litellm's price map",
        description=(
            "Draft catalog YAML for a provider's models from the litellm price map "
            "installed with litellm, for review. An existing --output file is kept as it "
            "is: only the models it lacks are appended, and its values that differ from "
            "the source are listed. Without --output the YAML goes to stdout."
        ),
    )
    importing.add_argument(
        "--from", dest="source", required=True, choices=["litellm"], help="the source to read"
    )
    importing.add_argument("--provider", required=True, metavar="ID", help="our provider id")
    importing.add_argument(
        "--models", metavar="PATTERN", help="only model ids matching this fnmatch pattern"
    )
    importing.add_argument("--output", type=Path, metavar="FILE", help="the catalog file to write")
    importing.set_defaults(handler=_import)

    drift = commands_.add_parser(
        "drift",
        parents=[common],
        help="compare the catalog with litellm or models.dev",
        description=(
            "Compare every catalog model the source knows (prices, limits, capabilities, "
            "status), list the source's models the catalog lacks and the catalog's models "
            "the source lacks. Reviewed differences recorded in provenance.differences and "
            "skipped_source_models are explained. Exit 0 when every difference is "
            "explained, 1 when any is not, 2 on a usage error."
        ),
    )
    drift.add_argument(
        "--against", required=True, choices=["litellm", "models.dev"], help="the source"
    )
    drift.add_argument(
        "--provider", action="append", metavar="ID", help="only this provider (repeatable)"
    )
    drift.set_defaults(handler=_drift)


# The bounds select() checks its keywords against, said in the flags' messages.
MAX_TOKENS = query.MAX_TOKENS
MAX_USD = Decimal(query.MAX_USD)
MAX_LIMIT = query.MAX_LIMIT
# Money finer than a picodollar is no amount anyone means; the state counts in them.
_PICODOLLAR = Decimal("1e-12")
# Thousands written with commas must be grouped by three: 1,5 is no count.
_GROUPED = re.compile(r"[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?")


def _number(text: str) -> Decimal | None:
    """``text`` as a finite Decimal, or None; digits of other scripts are refused."""
    if not text.isascii():
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def token_count(text: str, *, least: int = 0) -> int:
    """A token count as typed: 128000, 128k, 1m, 1.5M, 200_000, 200,000; at most MAX_TOKENS."""
    cleaned = text.strip().lower().replace("_", "")
    scale = {"k": 1_000, "m": 1_000_000}.get(cleaned[-1:], 1)
    number = cleaned[:-1] if scale != 1 else cleaned
    if "," in number:
        number = number.replace(",", "") if _GROUPED.fullmatch(number) else "?"
    value = _number(number)
    if value is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a token count; write 128000, 128k or 1m")
    if value > MAX_TOKENS // scale:
        raise argparse.ArgumentTypeError(
            f"{text!r} is more than the largest token count, {MAX_TOKENS:,}: give a smaller count"
        )
    # Exact arithmetic: a tiny fraction such as 1e-999999 must not round to a whole count,
    # and a value under 1e-7 times a scale of at most a million is never whole.
    if value.is_zero():
        whole = 0
    elif value < 0 or value.adjusted() < -7:
        whole = -1
    else:
        numerator, denominator = value.as_integer_ratio()
        whole = numerator * scale // denominator if numerator * scale % denominator == 0 else -1
    if whole < 0:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a whole, non-negative token count: write, for example, 1500 or 1.5k"
        )
    if whole < least:
        raise argparse.ArgumentTypeError(
            f"{text!r} is less than {least:,}, the smallest bound: give {least:,} or more, "
            "such as 128k"
        )
    return whole


def least_tokens(text: str) -> int:
    """A lower bound in tokens (``--min-context``): a token count of at least 1."""
    return token_count(text, least=1)


def money(text: str) -> Decimal:
    """A sum of US dollars as typed: 0.01 or $0.01; at most MAX_USD, in whole picodollars."""
    value = _number(text.strip().removeprefix("$"))
    if value is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an amount of US dollars: write, for example, 0.01 or $0.01"
        )
    if value < 0:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a non-negative amount of US dollars: write 0 or more"
        )
    if value > MAX_USD:
        raise argparse.ArgumentTypeError(
            f"{text!r} is more than the largest amount, ${MAX_USD:,}: give a smaller amount"
        )
    exact = value.quantize(_PICODOLLAR)
    if exact != value:
        raise argparse.ArgumentTypeError(
            f"{text!r} is finer than a picodollar (12 decimal places): round it"
        )
    # Written out plainly, so 1e2 shows as 100 and -0 as 0 wherever the amount is quoted.
    return Decimal(f"{exact.normalize():f}") + 0


def count(text: str) -> int:
    """A number of models as typed (``--limit``): a whole number from 1 to MAX_LIMIT."""
    cleaned = text.strip()
    if not (cleaned.isascii() and cleaned.isdigit()) or not 1 <= Decimal(cleaned) <= MAX_LIMIT:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number of models: write a whole number from 1 to {MAX_LIMIT:,}"
        )
    return int(cleaned)


# Dates are taken from the start of 1970 (no model, price or ledger row is older) to
# 9999-12-31, the last date Python has.
EARLIEST = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime.max.replace(tzinfo=dt.UTC)


def day(text: str) -> dt.date:
    """A date as typed: YYYY-MM-DD, from 1970-01-01."""
    try:
        value = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; write YYYY-MM-DD") from None
    if value < EARLIEST.date():
        raise argparse.ArgumentTypeError(
            f"{text!r} is before {EARLIEST:%Y-%m-%d}, the earliest date taken: give a later date"
        )
    return value


# The longest age --since takes: a century, longer than any ledger is kept.
MAX_AGE_DAYS = 36_500


def since(text: str) -> dt.datetime:
    """A moment as typed: YYYY-MM-DD (midnight UTC), an ISO date and time, 7d or 24h ago.

    Ages reach back at most MAX_AGE_DAYS days; moments lie from 1970 to 9999 (UTC).
    """
    from llm_catalog.data import clock

    cleaned = text.strip().lower()
    units = {"d": ("days", 1), "h": ("hours", 24)}
    amount = cleaned[:-1]
    if cleaned[-1:] in units and amount.isascii() and amount.isdigit():
        unit, per_day = units[cleaned[-1]]
        if Decimal(amount) > MAX_AGE_DAYS * per_day:
            hours = f" ({MAX_AGE_DAYS * per_day:,} hours)" if per_day > 1 else ""
            raise argparse.ArgumentTypeError(
                f"{text!r} reaches back more than {MAX_AGE_DAYS:,} days{hours}: give a shorter "
                "age or a date"
            )
        return clock.now() - dt.timedelta(**{unit: int(amount)})
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date or an age: write YYYY-MM-DD, 7d or 24h"
        ) from None
    moment = moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment
    try:
        in_utc = moment.astimezone(dt.UTC)
    except OverflowError:  # an offset carries it past year 1 or 9999
        in_utc = EARLIEST - dt.timedelta(days=1) if moment.year == 1 else LATEST
    if in_utc < EARLIEST:
        raise argparse.ArgumentTypeError(
            f"{text!r} is before {EARLIEST:%Y-%m-%d} UTC, the earliest moment taken: give a "
            "later date"
        )
    if in_utc >= LATEST:
        raise argparse.ArgumentTypeError(
            f"{text!r} is after {LATEST:%Y-%m-%d} UTC, the latest moment taken: give an earlier "
            "date"
        )
    return in_utc


def _add_usage_command(commands_: Any) -> None:
    usage = commands_.add_parser(
        "usage",
        help="report calls, tokens and spend from the usage ledger",
        description=(
            "Report the router's attempts, answers, failures, tokens and spend from the "
            "usage ledger of this machine, and from the shared counters of the state named "
            "by --state or LLM_CATALOG_STATE (Redis, for several machines)."
        ),
    )
    usage.add_argument(
        "--since",
        type=since,
        default="30d",
        metavar="WHEN",
        help="YYYY-MM-DD (UTC), or an age such as 7d or 24h (default 30d)",
    )
    usage.add_argument(
        "--by", choices=["provider", "model", "profile"], default="model", help="group by"
    )
    usage.add_argument("--json", action="store_true", help="print JSON")
    usage.add_argument(
        "--ledger",
        type=Path,
        metavar="PATH",
        help="the ledger file (default: usage.sqlite3 in LLM_CATALOG_DATA_DIR or the user's data "
        "directory)",
    )
    usage.add_argument(
        "--state",
        metavar="URL",
        help="also report the shared counters of this state (default: LLM_CATALOG_STATE)",
    )
    usage.set_defaults(handler=commands.usage)


def _add_site_command(commands_: Any) -> None:
    site = commands_.add_parser(
        "site",
        help="build the catalog browser, a static page",
        description="The catalog browser: a static page with a filterable table and a price chart.",
    )
    actions = site.add_subparsers(dest="site_command", metavar="ACTION")
    actions.required = True
    build = actions.add_parser(
        "build",
        help="write the page into a directory",
        description=(
            "Write index.html, catalog.css and catalog.js into DIR (created when missing; "
            "other files there are left alone). The page embeds the catalog and needs no "
            "server and no network: open DIR/index.html in a browser."
        ),
    )
    build.add_argument(
        "-o", "--output", type=Path, required=True, metavar="DIR", help="the directory to write"
    )
    build.add_argument(
        "--catalog",
        action="append",
        default=[],
        metavar="DIR",
        help="a directory of catalog files merged over the shipped catalog (repeatable)",
    )
    build.add_argument(
        "--no-shipped",
        action="store_true",
        help="use only the --catalog directories and LLM_CATALOG_PATH, not the shipped catalog",
    )
    build.add_argument("--json", action="store_true", help="print JSON")
    build.set_defaults(handler=_site_build)


def _add_request_flags(parser: argparse.ArgumentParser) -> None:
    request = parser.add_argument_group("the request")
    request.add_argument(
        "--input-tokens", type=token_count, metavar="N", help="input tokens (default 1,000)"
    )
    request.add_argument(
        "--output-tokens", type=token_count, metavar="N", help="output tokens (default 1,000)"
    )
    request.add_argument(
        "--cached-input-tokens",
        type=token_count,
        metavar="N",
        help="of the input tokens, those read from the prompt cache",
    )
    request.add_argument(
        "--prompt-file",
        type=Path,
        metavar="FILE",
        help="count the input tokens of this file's text with each model's tokenizer",
    )
    request.add_argument("--batch", action="store_true", default=None, help="cost at batch prices")
    request.add_argument("--at", type=day, metavar="DATE", help="cost at the prices of this date")


def _add_select_flags(parser: argparse.ArgumentParser) -> None:
    flags = parser.add_argument_group("predicates")
    for name in (*CAPABILITIES, "vision"):
        flag = name.replace("_", "-")
        flags.add_argument(
            f"--{flag}",
            action=argparse.BooleanOptionalAction,
            default=None,
            help=f"require (--{flag}) or exclude (--no-{flag}) this capability",
        )
    flags.add_argument("--mode", help="chat (the default), embedding, ..., or 'any'")
    flags.add_argument(
        "--status", action="append", help="active, preview, deprecated, retired (repeatable)"
    )
    flags.add_argument("--provider", action="append", metavar="ID", help="repeatable")
    flags.add_argument("--exclude-provider", action="append", metavar="ID", help="repeatable")
    flags.add_argument(
        "--input-modality", action="append", dest="input_modalities", metavar="M", help="repeatable"
    )
    flags.add_argument(
        "--output-modality",
        action="append",
        dest="output_modalities",
        metavar="M",
        help="repeatable",
    )
    flags.add_argument("--min-context", type=least_tokens, metavar="N", help="for example 128k")
    flags.add_argument("--min-output", type=least_tokens, metavar="N", help="for example 16k")
    flags.add_argument("--released-after", type=day, metavar="DATE")
    flags.add_argument(
        "--supports", action="append", metavar="PARAM", help="a request parameter (repeatable)"
    )
    flags.add_argument("--max-input-price", type=money, metavar="USD", help="per million tokens")
    flags.add_argument("--max-output-price", type=money, metavar="USD", help="per million tokens")
    flags.add_argument("--max-cost", type=money, metavar="USD", help="per request")
    _add_request_flags(parser)
    order = parser.add_argument_group("order")
    order.add_argument("--order-by", choices=ORDERS, default=None)
    order.add_argument("--limit", type=count, metavar="N")
    parser.add_argument(
        "--explain", action="store_true", help="say why each model left out was left out"
    )


def _validate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from llm_catalog.load.loader import check_catalog

    result = check_catalog([*args.catalog, *args.paths], shipped=not args.no_shipped)
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


def _load(args: argparse.Namespace) -> Catalog:
    from llm_catalog.load.loader import load_catalog

    return load_catalog(args.catalog, shipped=not args.no_shipped)


def _import(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from llm_catalog.tools.drift import show
    from llm_catalog.tools.importer import import_models
    from llm_catalog.tools.sources import load_source

    data = load_source(args.source)
    catalog = _load(args)
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
                f"kept {diff.model}: {diff.field}: ours {show(diff.ours)}, "
                f"{diff.source} {show(diff.theirs)} (review)\n"
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


def _drift(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    import time

    from llm_catalog.tools.drift import check_drift, iter_report_lines
    from llm_catalog.tools.sources import load_source, provider_route

    start = time.perf_counter()
    data = load_source(args.against)
    catalog = _load(args)
    covered = sorted(p for p in catalog.providers if provider_route(p) is not None)
    for name in args.provider or ():
        if name not in catalog.providers:
            raise commands.UsageError(
                f"no provider {name!r} in the catalog: use one of {', '.join(covered)}"
            )
        if provider_route(name) is None:
            raise commands.UsageError(
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


def _site_build(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from llm_catalog.interfaces.site import build_site

    built = build_site(_load(args), args.output)
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


# Standard output is written in pieces no larger than its buffer. Given one large
# string, CPython's buffered writer returns a short count when the reader goes away
# part of the way through instead of raising, and the text layer drops that count:
# ``list --json | head`` would then end with status 0 as though all had been read.
_PIECE = 8192


class _Pieces:
    """A text stream whose writes reach ``stream`` in pieces of at most ``_PIECE``."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        for start in range(0, len(text), _PIECE):
            self._stream.write(text[start : start + _PIECE])
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def main(
    argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Run the command line; returns the exit status."""
    to_stdout = out is None
    out = cast("TextIO", _Pieces(sys.stdout)) if out is None else out
    err = sys.stderr if err is None else err
    try:
        try:
            args = _parser().parse_args(argv)
        except SystemExit as exit_:
            return int(exit_.code or 0)
        except LLMCatalogError as error:  # LLM_CATALOG_NOW, read while parsing --since
            err.write(f"llm-catalog: error: {error}\n")
            return EXIT_USAGE
        status = _run(args, out, err)
        out.flush()  # here, where a reader gone away is caught, not at the interpreter's exit
        return status
    except BrokenPipeError:
        # The reader went away (``| head``): end quietly, as a shell tool does. Standard
        # output is pointed at /dev/null so that the interpreter's last flush of what is
        # still buffered cannot fail again (the Python docs' note on SIGPIPE).
        if to_stdout:
            with contextlib.suppress(OSError, ValueError):
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
                os.close(devnull)
        return EXIT_BROKEN_PIPE


def _run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        return int(args.handler(args, out, err))
    except CatalogError as error:
        if getattr(args, "json", False):
            emit({"status": "invalid", "errors": [p.to_dict() for p in error.problems]}, out)
        err.write(f"llm-catalog: {error}\n")
        return EXIT_INVALID
    except (CatalogPathError, UnknownModelError, UsageError, LLMCatalogError) as error:
        if getattr(args, "json", False):
            emit({"status": "usage_error", "message": str(error), "errors": []}, out)
        err.write(f"llm-catalog: error: {error}\n")
        return EXIT_USAGE
