"""The ``llm-catalog`` command line.

Exit status: 0 on success, 1 when the catalog is invalid (or nothing
matches), 2 on a usage error. ``--json`` prints one JSON object on stdout with
a stable shape.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from llm_catalog import __version__
from llm_catalog.errors import CatalogPathError

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
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    validate = commands.add_parser(
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
    return parser


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
    except CatalogPathError as error:
        if getattr(args, "json", False):
            _emit({"status": "usage_error", "message": str(error), "errors": []}, out)
        err.write(f"llm-catalog: error: {error}\n")
        return EXIT_USAGE
