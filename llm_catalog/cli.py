"""The ``llm-catalog`` command line.

Exit status: 0 on success, 1 when the catalog is invalid (or nothing
matches), 2 on a usage error. ``--json`` prints one JSON object on stdout with
a stable shape.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TextIO

from llm_catalog import __version__, commands
from llm_catalog.commands import CAPABILITIES, ORDERS, UsageError
from llm_catalog.errors import CatalogError, CatalogPathError, LLMCatalogError, UnknownModelError

__all__ = ["main"]

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2


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


def token_count(text: str) -> int:
    """A token count as typed: 128000, 128k, 1m, 1.5M, 200_000, 200,000."""
    cleaned = text.strip().lower().replace("_", "").replace(",", "")
    scale = {"k": 1_000, "m": 1_000_000}.get(cleaned[-1:], 1)
    number = cleaned[:-1] if scale != 1 else cleaned
    try:
        value = Decimal(number) * scale
    except InvalidOperation:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a token count; write 128000, 128k or 1m"
        ) from None
    if not value.is_finite() or value != value.to_integral_value() or value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole, non-negative token count")
    return int(value)


def money(text: str) -> Decimal:
    """A sum of US dollars as typed: 0.01 or $0.01."""
    try:
        value = Decimal(text.strip().removeprefix("$"))
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"{text!r} is not an amount of US dollars") from None
    if not value.is_finite() or value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a non-negative amount of US dollars")
    return value


def day(text: str) -> dt.date:
    """A date as typed: YYYY-MM-DD."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; write YYYY-MM-DD") from None


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
    flags.add_argument("--min-context", type=token_count, metavar="N", help="for example 128k")
    flags.add_argument("--min-output", type=token_count, metavar="N", help="for example 16k")
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
    order.add_argument("--limit", type=int, metavar="N")
    parser.add_argument(
        "--explain", action="store_true", help="say why each model left out was left out"
    )


def _emit(data: dict[str, Any], out: TextIO) -> None:
    json.dump(data, out, indent=2, ensure_ascii=False)
    out.write("\n")


def _validate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from llm_catalog.loader import check_catalog

    result = check_catalog([*args.catalog, *args.paths], shipped=not args.no_shipped)
    catalog = result.catalog
    if args.json:
        _emit(
            {
                "status": "valid" if catalog is not None else "invalid",
                "files": result.files,
                "providers": len(catalog.providers) if catalog is not None else None,
                "models": len(catalog) if catalog is not None else None,
                "errors": [problem.to_dict() for problem in result.problems],
            },
            out,
        )
    elif catalog is not None:
        out.write(
            f"ok: {len(result.files)} files, {len(catalog.providers)} providers, "
            f"{len(catalog)} models\n"
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


def main(
    argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Run the command line; returns the exit status."""
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    try:
        return int(args.handler(args, out, err))
    except CatalogError as error:
        if getattr(args, "json", False):
            _emit({"status": "invalid", "errors": [p.to_dict() for p in error.problems]}, out)
        err.write(f"llm-catalog: {error}\n")
        return EXIT_INVALID
    except (CatalogPathError, UnknownModelError, UsageError, LLMCatalogError) as error:
        if getattr(args, "json", False):
            _emit({"status": "usage_error", "message": str(error), "errors": []}, out)
        err.write(f"llm-catalog: error: {error}\n")
        return EXIT_USAGE
