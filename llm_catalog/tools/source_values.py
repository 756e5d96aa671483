"""Values as the sources' JSON states them, read into the catalog's types.

Shared by both sources: a value of the wrong type, or one that cannot be a
count or a date, is read as not stated (``None``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

__all__ = ["MODALITIES", "read_count", "read_date", "read_flag"]

MODALITIES = ("text", "image", "audio", "video", "pdf")


def read_count(value: Any) -> int | None:
    """A token count; zero, fractions and text are treated as not stated."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return value if isinstance(value, int) and value > 0 else None


def read_date(value: Any) -> dt.date | None:
    """A date from the first ten characters of an ISO 8601 text."""
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def read_flag(entry: Mapping[str, Any], key: str) -> bool | None:
    """A true or false the entry states under ``key``."""
    value = entry.get(key)
    return value if isinstance(value, bool) else None
