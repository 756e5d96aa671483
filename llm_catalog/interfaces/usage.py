"""The ``usage`` command: attempts, tokens and spend from the usage ledger and the
shared counters.

The ledger and the state are imported only when the command runs, so that no
other command loads SQLite or a state library.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from llm_catalog.interfaces.invocation import UsageError, emit

if TYPE_CHECKING:
    from llm_catalog.calls.ledger import Overruns, UsageLine

__all__ = ["usage"]

EXIT_OK = 0


def usage(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """``llm-catalog usage``: attempts, tokens and spend from the ledger and shared counters.

    The ledger is this machine's (``--ledger``, else the data directory's); a state
    named by ``--state`` or LLM_CATALOG_STATE adds its counters, which Redis shares
    between machines. A missing or empty ledger is reported, not an error.
    """
    # lazy: the ledger and the state load sqlite3 and the state libraries; only usage runs them.
    from llm_catalog.calls.ledger import Ledger, default_ledger_path, total
    from llm_catalog.calls.state import open_state

    since: dt.datetime = args.since.astimezone(dt.UTC)
    path = args.ledger if args.ledger is not None else default_ledger_path()
    ledger_lines = None
    overruns = None
    if path.exists():
        _check_ledger(path, "--ledger" if args.ledger is not None else "the ledger")
        with Ledger(path) as ledger:
            ledger_lines = ledger.report(since=since, by=args.by)
            overruns = ledger.overruns(since=since)
    counters = None
    state = None
    if args.state is not None:
        state = open_state(args.state, where="--state")
    elif os.environ.get("LLM_CATALOG_STATE"):
        state = open_state()
    if state is not None:
        with state:
            counters = (state.description, state.usage_counters(since=since.date(), by=args.by))
    if args.json:
        emit(
            {
                "since": since.isoformat(),
                "by": args.by,
                "ledger": {
                    "path": str(path),
                    "exists": ledger_lines is not None,
                    "lines": [line.to_json() for line in ledger_lines or ()],
                    "total": total(ledger_lines or ()).to_json(),
                    "overruns": None if overruns is None else overruns.to_json(),
                },
                "counters": None
                if counters is None
                else {
                    "state": counters[0],
                    "since": since.date().isoformat(),
                    "lines": [line.to_json() for line in counters[1]],
                    "total": total(counters[1]).to_json(),
                },
            },
            out,
        )
        return EXIT_OK
    when = f"{since:%Y-%m-%d %H:%M} UTC"
    if ledger_lines is None:
        out.write(f"no usage recorded: the ledger {path} does not exist yet\n")
    elif not ledger_lines:
        out.write(f"no usage in the ledger {path} since {when}\n")
    else:
        out.write(f"usage since {when} by {args.by}, from the ledger {path}:\n")
        out.write(_usage_table(args.by, ledger_lines))
        if overruns is not None and overruns.reserved:
            out.write(_overruns_note(overruns))
    if counters is not None:
        description, lines = counters
        day = since.date().isoformat()
        out.write("\n")
        if not lines:
            out.write(f"no usage in the shared counters of {description} since {day}\n")
        else:
            out.write(
                f"usage since {day} (whole UTC days) by {args.by}, from the shared counters "
                f"of {description}:\n"
            )
            out.write(_usage_table(args.by, lines))
    return EXIT_OK


def _check_ledger(path: Path, where: str) -> None:
    """Refuse a ledger path that names no file before SQLite opens it.

    SQLite would wait forever on a FIFO and report a directory as a file it cannot
    open; a file that is not SQLite is refused by the ledger itself.
    """
    try:
        mode = path.stat().st_mode
    except OSError as error:
        raise UsageError(f"{where} {str(path)!r}: cannot read it: {error.strerror}") from None
    if stat.S_ISDIR(mode):
        raise UsageError(
            f"{where} {str(path)!r} is a directory: name the ledger file in it, such as "
            f"{str(path / 'usage.sqlite3')!r}"
        )
    if not stat.S_ISREG(mode):
        raise UsageError(
            f"{where} {str(path)!r} is not a regular file: name the ledger file, such as "
            "usage.sqlite3"
        )


def _usage_table(by: str, lines: Sequence[UsageLine]) -> str:
    """The report's table, its total, and notes on what the spend leaves out."""
    # lazy: the ledger loads sqlite3, render and pricing pydantic; only usage runs them.
    from llm_catalog.calls.ledger import total
    from llm_catalog.interfaces.render import render_table
    from llm_catalog.query.pricing import format_usd

    headers = [by, "calls", "answered", "failed", "input tokens", "output tokens", "spend"]
    summed = total(lines)
    table = render_table(
        headers,
        [
            [
                line.key,
                f"{line.calls:,}",
                f"{line.answered:,}",
                f"{line.failed:,}",
                f"{line.input_tokens:,}",
                f"{line.output_tokens:,}",
                format_usd(line.cost),
            ]
            for line in [*lines, summed]
        ],
    )
    notes = []
    if summed.unpriced:
        calls = "call" if summed.unpriced == 1 else "calls"
        notes.append(f"the spend leaves out {summed.unpriced:,} answered {calls} without a price\n")
    in_flight = summed.calls - summed.answered - summed.failed
    if in_flight:
        verb = "is" if in_flight == 1 else "are"
        noun = "attempt" if in_flight == 1 else "attempts"
        notes.append(f"{in_flight:,} {noun} {verb} still in flight\n")
    return table + "".join(notes)


def _overruns_note(overruns: Overruns) -> str:
    """How often a reservation, meant as an upper bound on the bill, fell short."""
    noun = "attempt" if overruns.reserved == 1 else "attempts"
    return (
        f"{overruns.over:,} of {overruns.reserved:,} answered {noun} with a budget reservation "
        f"({overruns.percent:g}%) cost more than was reserved for them\n"
    )
