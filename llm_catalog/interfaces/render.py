"""Turning records and selections into terminal tables and stable JSON objects.

JSON carries money as decimal strings (``"0.0125"``) so no figure is rounded
through a float; tables show it with :func:`llm_catalog.query.pricing.format_usd`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from llm_catalog.data.records import Model
from llm_catalog.query.catalog import Catalog
from llm_catalog.query.pricing import format_usd
from llm_catalog.query.rates import Rates
from llm_catalog.query.selection import Exclusion, Match, Selection

__all__ = [
    "describe",
    "format_tokens",
    "match_json",
    "model_json",
    "printable",
    "render_table",
    "selection_json",
    "summary_row",
]


def format_tokens(count: int | None) -> str:
    """A token count as people write it: 128k, 1M, 1.05M, 8,191."""
    if count is None:
        return "-"
    for size, suffix in ((1_000_000, "M"), (1_000, "k")):
        if count >= size and (count * 100) % size == 0:
            return f"{count / size:.2f}".rstrip("0").rstrip(".") + suffix
    return f"{count:,}"


def _price(value: Decimal | None) -> str:
    return "-" if value is None else format_usd(value)


# C0 and C1 control characters and DEL, line and paragraph separators and the
# bidirectional controls, shown escaped: text from a catalog must never drive the
# terminal it is printed on (move the cursor, retitle the window, clear it) nor
# reorder what is shown around it.
_CONTROLS = {
    code: f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    for code in (
        *range(0x20),
        *range(0x7F, 0xA0),
        0x061C,
        0x200E,
        0x200F,
        *range(0x2028, 0x202F),
        *range(0x2066, 0x206A),
    )
}
_CONTROLS_BUT_NEWLINE = {code: text for code, text in _CONTROLS.items() if code != 0x0A}


def printable(text: str, *, lines: bool = False) -> str:
    """``text`` with every control character written as an escape (``\\x1b``).

    With ``lines``, newlines are kept (a multi-line description in ``show``).
    """
    return text.translate(_CONTROLS_BUT_NEWLINE if lines else _CONTROLS)


def render_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain aligned table: numbers and money right-aligned, text left-aligned."""
    headers = [printable(h) for h in headers]
    rows = [[printable(cell) for cell in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]

    def numeric(column: int) -> bool:
        cells = [row[column] for row in rows if row[column] not in ("-", "")]
        return bool(cells) and all(c[0] in "$0123456789" for c in cells)

    right = [numeric(i) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        parts = [
            cell.rjust(width) if align else cell.ljust(width)
            for cell, width, align in zip(cells, widths, right, strict=True)
        ]
        return "  ".join(parts).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *map(line, rows)]) + "\n"


SUMMARY_HEADERS = ("id", "context", "output", "input $/M", "output $/M", "vision", "status")


Rated = Callable[[Model], Rates | None]
"""The rates a ``select`` was costed at, for one model (None where it has none)."""


def _prices(model: Model, rated: Rated | None) -> Any:
    if rated is None:
        return model.pricing
    rates = rated(model)
    return None if rates is None else rates.entry


def summary_row(model: Model, rated: Rated | None = None) -> list[str]:
    """One model's row in ``list`` and ``select`` tables; its prices are those ``rated``
    gives (the moment, tier and region a selection was costed at), else the record's."""
    pricing = _prices(model, rated)
    return [
        model.id,
        format_tokens(model.limits.context_window),
        format_tokens(model.limits.max_output_tokens),
        _price(pricing.input if pricing else None),
        _price(pricing.output if pricing else None),
        "yes" if model.vision else "no",
        model.status.value,
    ]


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.normalize():f}"


def model_json(model: Model, catalog: Catalog | None = None) -> dict[str, Any]:
    """A model record as JSON: every field, prices as decimal strings, plus ``vision``."""
    data: dict[str, Any] = {"id": model.id, "provider": model.provider}
    data.update(model.model_dump(mode="json", exclude={"id"}))
    data["vision"] = model.vision
    if catalog is not None:
        data["source"] = str(catalog.locate(model.id))
    return data


def match_json(match: Match, rated: Rated | None = None) -> dict[str, Any]:
    """One selected model: its id, the request it was costed for, and the estimate;
    with ``rated``, the prices and the names of the rate it was costed at."""
    model = match.model
    pricing = _prices(model, rated)
    rates = rated(model) if rated is not None else None
    return {
        "id": model.id,
        "name": model.name,
        "provider": model.provider,
        "estimated_cost": _money(match.estimated_cost),
        "input_tokens": match.input_tokens,
        "output_tokens": match.output_tokens,
        "token_method": match.token_method,
        "context_window": model.limits.context_window,
        "max_output_tokens": model.limits.max_output_tokens,
        "input_price": _money(pricing.input if pricing else None),
        "output_price": _money(pricing.output if pricing else None),
        "rate": list(rates.names) if rates is not None else [],
        "vision": model.vision,
        "status": model.status.value,
    }


def exclusion_json(exclusion: Exclusion) -> dict[str, str]:
    """One model left out, with the predicate it failed."""
    return {"id": exclusion.model_id, "predicate": exclusion.predicate, "reason": exclusion.reason}


def selection_json(selection: Selection, rated: Rated | None = None) -> dict[str, Any]:
    """A selection as the stable JSON object ``llm-catalog select --json`` prints."""
    return {
        "status": "ok" if selection else "no_match",
        "order_by": selection.order_by,
        "models": [match_json(m, rated) for m in selection],
        "excluded": [exclusion_json(e) for e in selection.excluded],
    }


def selection_rows(
    selection: Selection, rated: Rated | None = None
) -> tuple[list[str], list[list[str]]]:
    """Headers and rows of the ``select`` table: the summary plus the estimate."""
    headers = [*SUMMARY_HEADERS, "est. cost", "tokens in"]
    rows = [
        [*summary_row(m.model, rated), format_usd(m.estimated_cost), f"{m.input_tokens:,}"]
        for m in selection
    ]
    return headers, rows


def describe(data: dict[str, Any], indent: str = "") -> str:
    """A JSON-like record as indented ``key: value`` lines; empty values are left out."""
    lines: list[str] = []
    for key, value in data.items():
        if value in (None, [], {}) or (value is False and key != "vision"):
            continue
        if isinstance(value, dict):
            lines.append(f"{indent}{key}:\n")
            lines.append(describe(value, indent + "  "))
        elif isinstance(value, list) and isinstance(value[0], dict):
            lines.append(f"{indent}{key}:\n")
            for item in value:
                body = describe(item, indent + "    ")
                lines.append(f"{indent}  - {body.lstrip()}")
        elif isinstance(value, list):
            lines.append(f"{indent}{printable(key)}: {printable(', '.join(map(str, value)))}\n")
        else:
            lines.append(f"{indent}{printable(key)}: {printable(str(value), lines=True)}\n")
    return "".join(lines)
