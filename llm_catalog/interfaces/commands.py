"""The commands of the command line: list, show, select, cost, compare, usage.

Each handler takes the parsed arguments and two streams and returns the exit
status; :mod:`llm_catalog.interfaces.cli` builds the parser and maps errors to statuses.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from llm_catalog.data.errors import LLMCatalogError
from llm_catalog.data.vocabulary import CAPABILITIES, ORDERS

if TYPE_CHECKING:
    from llm_catalog.calls.ledger import UsageLine
    from llm_catalog.data.records import Model
    from llm_catalog.query.catalog import Catalog

__all__ = [
    "CAPABILITIES",
    "ORDERS",
    "UsageError",
    "compare",
    "cost",
    "list_models",
    "select",
    "show",
    "usage",
]

EXIT_OK = 0
EXIT_NO_MATCH = 1


class UsageError(LLMCatalogError):
    """A command-line mistake the parser cannot see (exit status 2)."""


# Characters json.dumps leaves raw with ensure_ascii=False that a terminal may act on:
# DEL and the C1 controls (U+009B starts an escape sequence on some terminals), line
# and paragraph separators, and the bidirectional overrides that reorder what is shown.
_UNSAFE_IN_JSON = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")


def emit(data: dict[str, Any], out: TextIO) -> None:
    """Print one JSON object; no character of it can drive the terminal."""
    text = json.dumps(data, indent=2, ensure_ascii=False)
    # Outside its strings JSON is ASCII, so these can only stand inside strings,
    # where \uXXXX is the same character.
    out.write(_UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m[0]):04x}", text) + "\n")


def _catalog(args: argparse.Namespace) -> Catalog:
    from llm_catalog.load.loader import load_catalog

    return load_catalog(args.catalog, shipped=not args.no_shipped)


def _request(args: argparse.Namespace) -> dict[str, Any]:
    """The request keywords given on the command line, as ``select`` takes them."""
    request: dict[str, Any] = {}
    for name in ("input_tokens", "output_tokens", "cached_input_tokens", "batch", "at"):
        value = getattr(args, name, None)
        if value is not None:
            request[name] = value
    if getattr(args, "prompt_file", None) is not None:
        if "input_tokens" in request:
            raise UsageError("give --input-tokens or --prompt-file, not both")
        request["prompt"] = _read_prompt(args.prompt_file)
    return request


# The largest prompt file read: about sixteen million tokens of English text.
MAX_PROMPT_BYTES = 64 * 1024 * 1024


def _read_prompt(path: Path) -> str:
    """A prompt file's text: a regular file of at most 64 MiB, in UTF-8."""
    import os
    import stat

    where = f"--prompt-file {str(path)!r}"
    try:
        # O_NONBLOCK: a FIFO named here must not block the command before it is refused.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as error:
        raise UsageError(f"{where}: cannot open it: {error.strerror}") from None
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise UsageError(f"{where}: not a regular file: give a file of the prompt's text")
        try:
            raw = handle.read(MAX_PROMPT_BYTES + 1)
        except OSError as error:
            raise UsageError(f"{where}: cannot read it: {error.strerror}") from None
    if len(raw) > MAX_PROMPT_BYTES:
        raise UsageError(
            f"{where}: larger than {MAX_PROMPT_BYTES // 1024 // 1024} MiB, the largest prompt "
            "file read: give --input-tokens instead"
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise UsageError(
            f"{where}: not UTF-8 (byte 0x{raw[error.start]:02x} at offset {error.start:,}): "
            "save it as UTF-8"
        ) from None


def list_models(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """``llm-catalog list``: every model, or those of a provider, mode or status."""
    from llm_catalog.interfaces.render import SUMMARY_HEADERS, model_json, render_table, summary_row

    catalog = _catalog(args)
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
    from llm_catalog.interfaces.render import describe, model_json

    catalog = _catalog(args)
    data = model_json(catalog.get(args.model), catalog)
    if args.json:
        emit(data, out)
    else:
        out.write(describe(data))
    return EXIT_OK


def select(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """``llm-catalog select``: the flags become ``select`` keywords of the same names."""
    from llm_catalog.interfaces.render import (
        printable,
        render_table,
        selection_json,
        selection_rows,
    )
    from llm_catalog.query.selection import KEYWORDS

    # Every select() keyword has a flag of the same name; the request flags and
    # --mode are read apart, since they need more than a copy.
    request = _request(args)
    predicates: dict[str, Any] = {
        name: getattr(args, name)
        for name in KEYWORDS
        if name not in request and name != "mode" and getattr(args, name, None) is not None
    }
    if args.mode is not None:
        predicates["mode"] = None if args.mode == "any" else args.mode
    predicates.update(request)
    selection = _catalog(args).select(explain=args.explain, **predicates)
    if args.json:
        emit(selection_json(selection), out)
    else:
        if selection:
            headers, rows = selection_rows(selection)
            out.write(render_table(headers, rows))
        else:
            err.write("no models match\n")
        if args.explain and selection.excluded:
            out.write("\nleft out:\n")
            out.writelines(f"  {printable(str(exclusion))}\n" for exclusion in selection.excluded)
    return EXIT_OK if selection else EXIT_NO_MATCH


def _costed(
    catalog: Catalog, names: Sequence[str], request: dict[str, Any]
) -> list[dict[str, Any]]:
    """Each named model with the request's size and estimated cost."""
    from llm_catalog.query.pricing import estimate_cost
    from llm_catalog.query.selection import DEFAULT_INPUT_TOKENS, DEFAULT_OUTPUT_TOKENS

    rows = []
    for name in names:
        model = catalog.get(name)
        if "prompt" in request:
            from llm_catalog.query.tokens import count_tokens

            counted = count_tokens(model, prompt=request["prompt"])
            input_tokens, method = counted.tokens, counted.method
        else:
            input_tokens = request.get("input_tokens", DEFAULT_INPUT_TOKENS)
            method = "given" if "input_tokens" in request else "default"
        output_tokens = request.get("output_tokens", DEFAULT_OUTPUT_TOKENS)
        cached = request.get("cached_input_tokens", 0)
        if cached > input_tokens:
            raise UsageError(
                f"--cached-input-tokens ({cached:,}) exceeds the input tokens ({input_tokens:,})"
            )
        rows.append(
            {
                "model": model,
                "input_tokens": input_tokens,
                "output_tokens": output_tokens,
                "cached_input_tokens": cached,
                "token_method": method,
                "estimated_cost": estimate_cost(
                    model,
                    input_tokens=input_tokens,
                    output_tokens=output_tokens,
                    cached_input_tokens=cached,
                    batch=bool(request.get("batch")),
                    at=request.get("at"),
                ),
            }
        )
    return rows


def _decimal(value: Any) -> str | None:
    return None if value is None else f"{value.normalize():f}"


def cost(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """``llm-catalog cost ID``: one request's estimated cost; exit 1 when unpriced."""
    from llm_catalog.interfaces.render import printable
    from llm_catalog.query.pricing import format_usd

    [row] = _costed(_catalog(args), [args.model], _request(args))
    model, amount = row["model"], row["estimated_cost"]
    if args.json:
        emit(
            {
                "id": model.id,
                "input_tokens": row["input_tokens"],
                "output_tokens": row["output_tokens"],
                "cached_input_tokens": row["cached_input_tokens"],
                "token_method": row["token_method"],
                "batch": bool(args.batch),
                "at": args.at.isoformat() if args.at else None,
                "estimated_cost": _decimal(amount),
            },
            out,
        )
    else:
        out.write(
            f"{printable(model.id)}: {format_usd(amount)} for {row['input_tokens']:,} input tokens "
            f"({row['token_method']}) and {row['output_tokens']:,} output tokens\n"
        )
    if amount is None:
        err.write(f"{printable(model.id)} has no price for this request in the catalog\n")
        return EXIT_NO_MATCH
    return EXIT_OK


def _price(model: Model, field: str) -> str:
    from llm_catalog.query.pricing import format_usd

    value = getattr(model.pricing, field, None) if model.pricing else None
    return "-" if value is None else format_usd(value)


def _flag(name: str) -> Callable[[Model], str]:
    return lambda m: "yes" if getattr(m.capabilities, name) else "no"


def compare(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """``llm-catalog compare ID ID ...``: models side by side, one column each."""
    from llm_catalog.interfaces.render import format_tokens, model_json, render_table
    from llm_catalog.query.pricing import format_usd

    rows = _costed(_catalog(args), args.models, _request(args))
    if args.json:
        entries = [
            {
                **model_json(row["model"]),
                "estimated_cost": _decimal(row["estimated_cost"]),
                "input_tokens": row["input_tokens"],
                "output_tokens": row["output_tokens"],
            }
            for row in rows
        ]
        emit({"models": entries}, out)
        return EXIT_OK
    fields: list[tuple[str, Callable[[Model], str]]] = [
        ("provider", lambda m: m.provider),
        ("status", lambda m: m.status.value),
        ("released", lambda m: str(m.release_date or "-")),
        ("context", lambda m: format_tokens(m.limits.context_window)),
        ("max output", lambda m: format_tokens(m.limits.max_output_tokens)),
        ("input", lambda m: ", ".join(x.value for x in m.modalities.input)),
        ("output", lambda m: ", ".join(x.value for x in m.modalities.output)),
        *((name, _flag(name)) for name in CAPABILITIES),
        ("input $/M", lambda m: _price(m, "input")),
        ("output $/M", lambda m: _price(m, "output")),
        ("cached $/M", lambda m: _price(m, "cached_input")),
    ]
    models = [row["model"] for row in rows]
    table = [[label, *(render(m) for m in models)] for label, render in fields]
    table.append(["est. cost", *(format_usd(row["estimated_cost"]) for row in rows)])
    out.write(render_table(["", *(m.id for m in models)], table))
    return EXIT_OK


def usage(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """``llm-catalog usage``: attempts, tokens and spend from the ledger and shared counters.

    The ledger is this machine's (``--ledger``, else the data directory's); a state
    named by ``--state`` or LLM_CATALOG_STATE adds its counters, which Redis shares
    between machines. A missing or empty ledger is reported, not an error.
    """
    import os

    from llm_catalog.calls.ledger import Ledger, default_ledger_path, total
    from llm_catalog.calls.state import open_state

    since: dt.datetime = args.since.astimezone(dt.UTC)
    path = args.ledger if args.ledger is not None else default_ledger_path()
    ledger_lines = None
    if path.exists():
        _check_ledger(path, "--ledger" if args.ledger is not None else "the ledger")
        with Ledger(path) as ledger:
            ledger_lines = ledger.report(since=since, by=args.by)
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
    import stat

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
