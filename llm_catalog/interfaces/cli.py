"""The ``llm-catalog`` command line.

Exit status: 0 on success, 1 when the catalog is invalid (or nothing
matches), 2 on a usage error. ``--json`` prints one JSON object on stdout with
a stable shape.

This module is the entry point, :func:`main`: it builds the parser from the
subcommands of :mod:`llm_catalog.interfaces.subcommands`, runs the handler of
:mod:`llm_catalog.interfaces.commands` chosen, and maps errors to exit statuses.
The flags' typed values are parsed by :mod:`llm_catalog.interfaces.arguments`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from typing import Any, TextIO, cast

from llm_catalog import __version__
from llm_catalog.data.errors import (
    CatalogError,
    CatalogPathError,
    LLMCatalogError,
    UnknownModelError,
)
from llm_catalog.interfaces.arguments import since, token_count
from llm_catalog.interfaces.invocation import UsageError, emit
from llm_catalog.interfaces.subcommands import (
    add_query_commands,
    add_site_command,
    add_usage_command,
    add_validate_command,
)

__all__ = ["main", "since", "token_count"]

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
    add_validate_command(commands_)
    add_query_commands(commands_)
    add_usage_command(commands_)
    add_site_command(commands_)
    return parser


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
