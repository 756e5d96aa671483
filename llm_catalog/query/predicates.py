"""The keywords of ``select()``, checked: their bounds, their defaults and their parsing.

:func:`parse_predicates` turns the keyword arguments into a :class:`Query`, or
raises :class:`QueryError` naming the keyword at fault, the value given and
what it must be. Nothing here reads a catalog; :mod:`llm_catalog.query.selection`
runs the query.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from llm_catalog.data import clock
from llm_catalog.data.errors import LLMCatalogError
from llm_catalog.data.vocabulary import (
    BILLING_NAME,
    CAPABILITIES,
    ORDERS,
    Modality,
    Mode,
    SearchContext,
    Status,
)

if TYPE_CHECKING:
    from llm_catalog.data.records import Model

__all__ = [
    "DEFAULT_INPUT_TOKENS",
    "DEFAULT_OUTPUT_TOKENS",
    "KEYWORDS",
    "MAX_LIMIT",
    "MAX_TOKENS",
    "MAX_USD",
    "Query",
    "QueryError",
    "parse_predicates",
]

DEFAULT_INPUT_TOKENS = 1_000
DEFAULT_OUTPUT_TOKENS = 1_000
# The largest token count a keyword takes: the schema's bound on a context window
# (records.MAX_TOKENS, not imported so that querying needs no pydantic); a larger
# request fits no model.
MAX_TOKENS = 1_000_000_000
# The largest sum of US dollars a keyword takes: above the cost of the largest request
# (MAX_TOKENS input and output tokens) at the highest price a record may have
# ($100,000 per million tokens), so no ceiling below it is ever needed.
MAX_USD = 1_000_000_000
# The most models ``limit`` takes: more than any catalog holds.
MAX_LIMIT = 1_000_000
_PICODOLLAR = Decimal("1e-12")
# A service tier's or region's name, as records write it (llm_catalog.data.record_base).
_NAME = re.compile(BILLING_NAME)
_DEFAULT_STATUS = frozenset({Status.active, Status.preview})


class QueryError(LLMCatalogError, TypeError):
    """Raised when ``select`` is given an unknown keyword or a value of the wrong type."""


def _shown(value: Any) -> str:
    """``value`` as a message quotes it; an int too long for ``repr`` in exponent form."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**30:
        return f"{Decimal(value):.3E}"
    return f"{value!r:.60}"


def _fail(name: str, expected: str, value: Any) -> QueryError:
    return QueryError(
        f"select(): {name} must be {expected}, got {type(value).__name__} {_shown(value)}"
    )


def _bool(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _fail(name, "True or False", value)
    return value


def _count(name: str, value: Any, *, positive: bool = False, most: int = MAX_TOKENS) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < (1 if positive else 0):
        raise _fail(name, "a positive integer" if positive else "a non-negative integer", value)
    if value > most:
        raise _fail(name, f"at most {most:,}", value)
    return value


def _money(name: str, value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal, str)):
        raise _fail(name, "a number of US dollars", value)
    try:
        amount = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        raise _fail(name, "a number of US dollars", value) from None
    if not amount.is_finite() or amount < 0:
        raise _fail(name, "a non-negative, finite number of US dollars", value)
    if amount > MAX_USD:
        raise _fail(name, f"at most {MAX_USD:,} US dollars", value)
    # A ceiling is rounded down to whole picodollars, as the router's state keeps money;
    # written out plainly, so that 1e-999999 is 0 and not a million digits long.
    return Decimal(f"{amount.quantize(_PICODOLLAR, rounding=ROUND_FLOOR).normalize():f}") + 0


def _names(name: str, value: Any, allowed: Iterable[str] | None = None) -> frozenset[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, (list, tuple, set, frozenset)) or not all(
        isinstance(i, str) for i in items
    ):
        raise _fail(name, "a string or a list of strings", value)
    chosen = frozenset(str(getattr(i, "value", i)) for i in items)
    if allowed is not None:
        valid = sorted(allowed)
        unknown = sorted(chosen - set(valid))
        if unknown:
            raise QueryError(
                f"select(): {name} has unknown value {unknown[0]!r}; valid values: {', '.join(valid)}"
            )
    return chosen


def _date(name: str, value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise _fail(name, "a date (datetime.date or 'YYYY-MM-DD')", value)


def _moment(name: str, value: Any) -> dt.date | dt.datetime:
    """A day, or a moment in UTC (a datetime without a zone is taken as UTC)."""
    if isinstance(value, str):
        try:
            value = (
                dt.datetime.fromisoformat(value) if "T" in value else dt.date.fromisoformat(value)
            )
        except ValueError:
            raise _fail(
                name, "a date or a UTC datetime ('YYYY-MM-DD' or 'YYYY-MM-DDTHH:MM')", value
            ) from None
    if isinstance(value, dt.datetime):
        moment = value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value
        try:
            return moment.astimezone(dt.UTC)
        except OverflowError:
            raise _fail(name, "a moment between the years 1 and 9999 in UTC", value) from None
    if isinstance(value, dt.date):
        return value
    raise _fail(name, "a date or a UTC datetime (datetime.date or datetime.datetime)", value)


def _name(name: str, value: Any) -> str:
    if not isinstance(value, str) or not _NAME.fullmatch(value):
        raise _fail(
            name, "a name in lowercase letters, digits, _ and - (such as flex or eu-west-1)", value
        )
    return value


@dataclass
class Query:
    """Validated predicates, in the order models are tested against them."""

    mode: str | None = Mode.chat.value
    status: frozenset[str] = frozenset(s.value for s in _DEFAULT_STATUS)
    provider: frozenset[str] | None = None
    exclude_provider: frozenset[str] = frozenset()
    capabilities: tuple[tuple[str, bool], ...] = ()
    vision: bool | None = None
    input_modalities: frozenset[str] = frozenset()
    output_modalities: frozenset[str] = frozenset()
    min_context: int | None = None
    min_output: int | None = None
    released_after: dt.date | None = None
    supports: frozenset[str] = frozenset()
    max_input_price: Decimal | None = None
    max_output_price: Decimal | None = None
    max_cost: Decimal | None = None
    input_tokens: int | None = None
    output_tokens: int = DEFAULT_OUTPUT_TOKENS
    cached_input_tokens: int = 0
    messages: Sequence[Mapping[str, Any]] | None = None
    prompt: str | None = None
    batch: bool = False
    at: dt.date | dt.datetime | None = None
    service_tier: str | None = None
    region: str | None = None
    web_searches: int = 0
    search_context: str | None = None
    where: Callable[[Model], bool] | None = None
    order_by: str = "cost"
    limit: int | None = None


KEYWORDS = (
    *CAPABILITIES,
    "vision",
    "mode",
    "status",
    "provider",
    "exclude_provider",
    "input_modalities",
    "output_modalities",
    "min_context",
    "min_output",
    "released_after",
    "supports",
    "max_input_price",
    "max_output_price",
    "max_cost",
    "input_tokens",
    "output_tokens",
    "cached_input_tokens",
    "messages",
    "prompt",
    "batch",
    "at",
    "service_tier",
    "region",
    "web_searches",
    "search_context",
    "where",
    "order_by",
    "limit",
)


def parse_predicates(predicates: Mapping[str, Any]) -> Query:
    """The checked predicates, or a :class:`QueryError` for the first keyword at fault."""
    query = Query()
    capabilities: list[tuple[str, bool]] = []
    modalities = [m.value for m in Modality]
    for name, value in predicates.items():
        if name in CAPABILITIES:
            capabilities.append((name, _bool(name, value)))
        elif name in ("vision", "batch"):
            setattr(query, name, _bool(name, value))
        elif name == "mode":
            query.mode = None if value is None else next(iter(_names(name, value, Mode)))
        elif name == "status":
            query.status = _names(name, value, (s.value for s in Status))
        elif name in ("provider", "exclude_provider"):
            setattr(query, name, _names(name, value))
        elif name in ("input_modalities", "output_modalities", "supports"):
            setattr(query, name, _names(name, value, None if name == "supports" else modalities))
        elif name in ("min_context", "min_output"):
            setattr(query, name, _count(name, value, positive=True))
        elif name == "limit":
            query.limit = _count(name, value, positive=True, most=MAX_LIMIT)
        elif name in ("input_tokens", "output_tokens", "cached_input_tokens"):
            setattr(query, name, _count(name, value))
        elif name in ("max_cost", "max_input_price", "max_output_price"):
            setattr(query, name, _money(name, value))
        elif name == "released_after":
            query.released_after = _date(name, value)
        elif name == "at":
            query.at = None if value is None else _moment(name, value)
        elif name in ("service_tier", "region"):
            setattr(query, name, None if value is None else _name(name, value))
        elif name == "web_searches":
            query.web_searches = _count(name, value)
        elif name == "search_context":
            sizes = [size.value for size in SearchContext]
            if value is not None and value not in sizes:
                raise _fail(name, f"one of {', '.join(sizes)}", value)
            query.search_context = value
        elif name == "prompt":
            if not isinstance(value, str):
                raise _fail(name, "a string", value)
            query.prompt = value
        elif name == "messages":
            if not isinstance(value, (list, tuple)) or not all(
                isinstance(m, Mapping) for m in value
            ):
                raise _fail(name, "a list of message mappings", value)
            query.messages = value
        elif name == "where":
            if not callable(value):
                raise _fail(name, "a callable taking a Model and returning a bool", value)
            query.where = value
        elif name == "order_by":
            if value not in ORDERS:
                raise QueryError(
                    f"select(): order_by must be one of {', '.join(ORDERS)}, got {value!r:.60}"
                )
            query.order_by = value
        else:
            close = difflib.get_close_matches(name, KEYWORDS, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise QueryError(
                f"select() got an unknown keyword {name!r}; {hint}valid keywords: "
                f"{', '.join(sorted(KEYWORDS))}"
            )
    query.capabilities = tuple(capabilities)
    if query.at is None:
        # One moment for the whole query, so every model is costed at the same time.
        query.at = clock.now()
    given = [k for k in ("input_tokens", "messages", "prompt") if k in predicates]
    if len(given) > 1:
        raise QueryError(
            f"select(): give one of input_tokens, messages or prompt, not {' and '.join(given)}"
        )
    return query
