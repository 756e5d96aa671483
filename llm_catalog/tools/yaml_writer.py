"""Values and model records written as YAML, in the catalog files' own style.

Flow mappings for short records (limits, modalities, capabilities, batch),
keys in the order given, strings bare where YAML reads them back unchanged and
double-quoted otherwise, prices as plain decimals.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

__all__ = ["render_model", "render_value"]

# A string YAML reads back as the same string when written bare, in block and in flow context.
_PLAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._/@+()-]*$")
_NOT_PLAIN = re.compile(
    r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF"
    r"|null|Null|NULL|[-+]?[0-9][0-9_.:eE+-]*)$"
)
# Flow mappings for records short enough to read on one line, as in catalog/*.yaml.
_FLOW = frozenset({"limits", "modalities", "capabilities", "batch"})


def render_value(value: Any, *, quote: bool = False) -> str:
    """One scalar or flow collection as the catalog files write it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {render_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(render_value(v, quote=quote) for v in value) + "]"
    text = str(value)
    if not quote and _PLAIN.match(text) and not _NOT_PLAIN.match(text):
        return text
    # JSON's double-quoted strings are YAML double-quoted strings.
    return json.dumps(text, ensure_ascii=False)


def _block(key: str, value: Any, indent: str) -> Iterator[str]:
    if isinstance(value, Mapping) and key not in _FLOW:
        yield f"{indent}{key}:"
        for child, inner in value.items():
            yield from _block(child, inner, indent + "  ")
    elif key in ("sources", "knowledge_cutoff"):
        # As the catalog files write them: sources always quoted, and a cutoff
        # quoted so that YAML never reads it as a date.
        yield f"{indent}{key}: {render_value(value, quote=True)}"
    else:
        yield f"{indent}{key}: {render_value(value)}"


def render_model(data: Mapping[str, Any]) -> str:
    """One model record as a ``models:`` list item, ending with a newline."""
    lines: list[str] = []
    for key, value in data.items():
        lines.extend(_block(key, value, "    "))
    lines[0] = "  - " + lines[0][4:]
    return "\n".join(lines) + "\n"
