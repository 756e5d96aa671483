"""Selecting models by capability and cost: ``select(vision=True, max_cost=0.01)``.

Predicates are keyword arguments named like the record fields. Every model is
tested against them in a fixed order; the first one it fails is remembered, so
``explain=True`` can say why each model was left out and with which values.

The request behind ``max_cost`` and the cost ordering is, unless given,
:data:`DEFAULT_INPUT_TOKENS` input tokens and :data:`DEFAULT_OUTPUT_TOKENS`
output tokens: 1,000 of each.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, overload

from llm_catalog.data.errors import LLMCatalogError
from llm_catalog.data.vocabulary import CAPABILITIES, ORDERS, Modality, Mode, Status
from llm_catalog.query.index import bits_of

if TYPE_CHECKING:
    from llm_catalog.data.records import Model
    from llm_catalog.query.catalog import Catalog

__all__ = [
    "DEFAULT_INPUT_TOKENS",
    "DEFAULT_OUTPUT_TOKENS",
    "MAX_LIMIT",
    "MAX_TOKENS",
    "MAX_USD",
    "ORDERS",
    "Exclusion",
    "Match",
    "QueryError",
    "Selection",
    "run_query",
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
_DEFAULT_STATUS = frozenset({Status.active, Status.preview})


class QueryError(LLMCatalogError, TypeError):
    """Raised when ``select`` is given an unknown keyword or a value of the wrong type."""


class Match:
    """A selected model with the estimated cost of the request asked about.

    Attributes of the model record are readable on the match itself
    (``match.id``, ``match.limits``). A match is a read-only result; it is a
    plain slotted class rather than a frozen dataclass because a large
    selection makes tens of thousands of them. The record is fetched from the
    catalog when first read, so that ids and costs cost nothing more.
    """

    __slots__ = (
        "_model",
        "_resolve",
        "estimated_cost",
        "id",
        "input_tokens",
        "output_tokens",
        "token_method",
    )

    id: str
    _model: Model | None
    _resolve: Callable[[str], Model] | None
    estimated_cost: Decimal | None
    """US dollars for the request, or None when the model has no price for it."""
    input_tokens: int
    output_tokens: int
    token_method: str
    """How input_tokens was found: given, default, or the tokenizer used."""

    def __init__(
        self,
        model: Model | str,
        estimated_cost: Decimal | None,
        input_tokens: int,
        output_tokens: int,
        token_method: str,
        resolve: Callable[[str], Model] | None = None,
    ) -> None:
        """``model`` is the record, or its id and ``resolve`` the way to fetch it."""
        if isinstance(model, str):
            if resolve is None:
                raise TypeError("a Match made from a model id needs resolve")
            self.id, self._model, self._resolve = model, None, resolve
        else:
            self.id, self._model, self._resolve = model.id, model, None
        self.estimated_cost = estimated_cost
        self.input_tokens = input_tokens
        self.output_tokens = output_tokens
        self.token_method = token_method

    @property
    def model(self) -> Model:
        """The model record."""
        model = self._model
        if model is None:
            assert self._resolve is not None
            model = self._model = self._resolve(self.id)
        return model

    def __getattr__(self, name: str) -> Any:
        return getattr(self.model, name)

    def __repr__(self) -> str:
        from llm_catalog.query.pricing import format_usd

        return f"<Match {self.id} {format_usd(self.estimated_cost)}>"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Match):
            return NotImplemented
        return (self.id, self.estimated_cost, self.input_tokens, self.output_tokens) == (
            other.id,
            other.estimated_cost,
            other.input_tokens,
            other.output_tokens,
        )

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class Exclusion:
    """Why a model was left out: the first predicate it failed, and the values compared."""

    model_id: str
    predicate: str
    reason: str

    def __str__(self) -> str:
        return f"{self.model_id}: {self.reason}"


class Selection(Sequence[Match]):
    """The models that passed, in order; ``excluded`` says why the others did not.

    The selection keeps its results as columns and makes each :class:`Match`
    when it is read, so that a query with tens of thousands of results costs
    only what is used of it; model records are fetched from the catalog only
    when read (``ids`` and ``costs`` need none).
    """

    def __init__(
        self,
        ids: list[str],
        resolve: Callable[[str], Model],
        costs: list[Decimal | None],
        input_tokens: list[int],
        output_tokens: int,
        token_methods: list[str],
        excluded: list[Exclusion],
        order_by: str,
        explained: bool,
    ) -> None:
        self._ids = ids
        self._resolve = resolve
        self._costs = costs
        self._input_tokens = input_tokens
        self._output_tokens = output_tokens
        self._methods = token_methods
        self.excluded: tuple[Exclusion, ...] = tuple(excluded)
        """Every model left out with its reason, when ``explain=True`` (else empty)."""
        self.order_by = order_by
        self.explained = explained

    @classmethod
    def of(
        cls,
        matches: list[Match],
        output_tokens: int,
        excluded: list[Exclusion],
        order_by: str,
        explained: bool,
    ) -> Selection:
        """A selection of ready-made matches."""
        models = {m.id: m.model for m in matches}
        return cls(
            [m.id for m in matches],
            models.__getitem__,
            [m.estimated_cost for m in matches],
            [m.input_tokens for m in matches],
            output_tokens,
            [m.token_method for m in matches],
            excluded,
            order_by,
            explained,
        )

    def _match(self, index: int) -> Match:
        return Match(
            self._ids[index],
            self._costs[index],
            self._input_tokens[index],
            self._output_tokens,
            self._methods[index],
            self._resolve,
        )

    @overload
    def __getitem__(self, index: int) -> Match: ...
    @overload
    def __getitem__(self, index: slice) -> list[Match]: ...
    def __getitem__(self, index: int | slice) -> Match | list[Match]:
        if isinstance(index, slice):
            return [self._match(i) for i in range(len(self._ids))[index]]
        return self._match(range(len(self._ids))[index])

    def __len__(self) -> int:
        return len(self._ids)

    def __iter__(self) -> Iterator[Match]:
        return (self._match(i) for i in range(len(self._ids)))

    def __repr__(self) -> str:
        shown = ", ".join(self._ids[:5])
        more = f", ... ({len(self._ids)} in all)" if len(self._ids) > 5 else ""
        return f"<Selection [{shown}{more}]>"

    def with_models(self, make: Callable[[Model], Model]) -> Selection:
        """The same selection, whose matches hand out ``make(record)`` for each record.

        The calls layer uses it to hand out models that can be called.
        """
        resolve = self._resolve
        return Selection(
            self._ids,
            lambda model_id: make(resolve(model_id)),
            self._costs,
            self._input_tokens,
            self._output_tokens,
            self._methods,
            list(self.excluded),
            self.order_by,
            self.explained,
        )

    @property
    def ids(self) -> list[str]:
        """Full ids of the selected models, in order."""
        return list(self._ids)

    @property
    def models(self) -> list[Model]:
        """The selected model records, in order."""
        return [self._resolve(model_id) for model_id in self._ids]

    @property
    def costs(self) -> list[Decimal | None]:
        """The estimated cost of each selected model, in order."""
        return list(self._costs)


# --- argument checking -----------------------------------------------------


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


@dataclass
class _Query:
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
    at: dt.date | None = None
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
    "where",
    "order_by",
    "limit",
)


def _parse(predicates: Mapping[str, Any]) -> _Query:
    query = _Query()
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
        elif name in ("released_after", "at"):
            setattr(query, name, _date(name, value))
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
    given = [k for k in ("input_tokens", "messages", "prompt") if k in predicates]
    if len(given) > 1:
        raise QueryError(
            f"select(): give one of input_tokens, messages or prompt, not {' and '.join(given)}"
        )
    return query


# --- evaluation --------------------------------------------------------------


def _request_tokens(model: Model, query: _Query) -> tuple[int, str]:
    if query.messages is not None or query.prompt is not None:
        from llm_catalog.query.tokens import count_tokens

        counted = count_tokens(model, prompt=query.prompt, messages=query.messages)
        return counted.tokens, counted.method
    if query.input_tokens is not None:
        return query.input_tokens, "given"
    return DEFAULT_INPUT_TOKENS, "default"


def _first_failure(
    model: Model,
    accepted: frozenset[str],
    query: _Query,
    input_tokens: int,
    costing: Callable[[], Decimal | None],
) -> tuple[str, str] | None:
    """The first predicate the model fails, and the values compared; None if it passes."""
    from llm_catalog.query.pricing import format_usd, prices_at

    if query.mode is not None and model.mode.value != query.mode:
        return "mode", f"mode {model.mode.value} != {query.mode}"
    if model.status.value not in query.status:
        return "status", f"status {model.status.value} not in {', '.join(sorted(query.status))}"
    if query.provider is not None and model.provider not in query.provider:
        return "provider", f"provider {model.provider} not in {', '.join(sorted(query.provider))}"
    if model.provider in query.exclude_provider:
        return "exclude_provider", f"provider {model.provider} is excluded"
    for name, wanted in query.capabilities:
        if getattr(model.capabilities, name) is not wanted:
            return name, f"{name} is {not wanted}, wanted {wanted}"
    if query.vision is not None and model.vision is not query.vision:
        return "vision", f"vision is {model.vision}, wanted {query.vision}"
    for name, have, need in (
        ("input_modalities", model.modalities.input, query.input_modalities),
        ("output_modalities", model.modalities.output, query.output_modalities),
    ):
        missing = sorted(need - {m.value for m in have})
        if missing:
            return name, f"{name} lack {', '.join(missing)}"
    if query.min_context is not None and model.limits.context_window < query.min_context:
        return "min_context", (
            f"context window {model.limits.context_window:,} < min_context {query.min_context:,}"
        )
    if query.min_output is not None:
        output = model.limits.max_output_tokens
        if output is None or output < query.min_output:
            shown = "unknown" if output is None else f"{output:,}"
            return "min_output", f"max output {shown} < min_output {query.min_output:,}"
    window = model.limits.max_input_tokens or model.limits.context_window
    if input_tokens > window:
        return "input_tokens", f"prompt of {input_tokens:,} tokens > input limit {window:,}"
    if query.released_after is not None:
        released = model.release_date
        if released is None or released <= query.released_after:
            return (
                "released_after",
                f"released {released or 'unknown'}, not after {query.released_after}",
            )
    missing_params = sorted(query.supports - accepted)
    if missing_params:
        return "supports", f"does not accept {', '.join(missing_params)}"
    for name, limit, kind in (
        ("max_input_price", query.max_input_price, "input"),
        ("max_output_price", query.max_output_price, "output"),
    ):
        if limit is not None:
            entry = prices_at(model, query.at)
            if query.batch:
                entry = entry.batch if entry is not None else None  # type: ignore[assignment]
            price = getattr(entry, kind, None) if entry is not None else None
            if price is None:
                return name, f"{kind} price unknown, max {limit} per million tokens"
            if price > limit:
                return name, f"{kind} price ${price} > {name} ${limit} per million tokens"
    if query.max_cost is not None:
        cost = costing()
        if cost is None:
            return (
                "max_cost",
                f"unpriced (unknown is not free), max_cost {format_usd(query.max_cost)}",
            )
        if cost > query.max_cost:
            return (
                "max_cost",
                f"estimated cost {format_usd(cost)} > max_cost {format_usd(query.max_cost)}",
            )
    if query.where is not None and not query.where(model):
        return "where", "where(...) returned False"
    return None


_LATEST = dt.date.max


class _Costing:
    """A model's estimated cost for the query's request, computed at most once.

    Only models that pass every other predicate, or that are kept, are costed.
    """

    __slots__ = ("_done", "_input_tokens", "_model", "_query", "_value")

    def __init__(self, model: Model, query: _Query, input_tokens: int) -> None:
        self._model, self._query, self._input_tokens = model, query, input_tokens
        self._done = False
        self._value: Decimal | None = None

    def __call__(self) -> Decimal | None:
        if not self._done:
            from llm_catalog.query.pricing import estimate_cost

            query = self._query
            self._value = estimate_cost(
                self._model,
                input_tokens=self._input_tokens,
                output_tokens=query.output_tokens,
                cached_input_tokens=min(query.cached_input_tokens, self._input_tokens),
                batch=query.batch,
                at=query.at,
            )
            self._done = True
        return self._value


def _sort_key(order_by: str) -> Callable[[Match], tuple[Any, ...]]:
    if order_by == "cost":
        return lambda m: (m.estimated_cost is None, m.estimated_cost or 0, m.model.id)
    if order_by == "context":
        return lambda m: (-m.model.limits.context_window, m.model.id)
    if order_by == "output":
        return lambda m: (-(m.model.limits.max_output_tokens or 0), m.model.id)
    if order_by == "release_date":
        return lambda m: (
            m.model.release_date is None,
            -(m.model.release_date or _LATEST).toordinal(),
            m.model.id,
        )
    return lambda m: (m.model.id,)


def _run_indexed(catalog: Catalog, query: _Query) -> Selection:
    """The matches, found through the catalog's index; the same as :func:`_scan` without reasons."""
    index = catalog.index
    mask = index.all
    if query.mode is not None:
        mask &= index.mask("mode", query.mode)
    mask &= index.any_of("status", query.status)
    if query.provider is not None:
        mask &= index.any_of("provider", query.provider)
    if query.exclude_provider:
        mask &= ~index.any_of("provider", query.exclude_provider)
    flags = [*query.capabilities]
    if query.vision is not None:
        flags.append(("vision", query.vision))
    for name, wanted in flags:
        having = index.mask("capability", name)
        mask &= having if wanted else ~having
    mask &= index.all_of("input_modalities", query.input_modalities)
    mask &= index.all_of("output_modalities", query.output_modalities)
    mask &= index.all_of("supports", query.supports)
    mask &= index.all
    input_tokens = query.input_tokens if query.input_tokens is not None else DEFAULT_INPUT_TOKENS
    table = index.cost_table(
        (input_tokens, query.output_tokens, query.cached_input_tokens, query.batch, query.at)
    )
    costs = table.costs
    in_cost_order = False
    if query.max_cost is not None:
        cheap = table.within(query.max_cost)
        if mask.bit_count() * 4 < len(cheap):
            # Few models left: cost them one by one.
            ceiling = query.max_cost
            survivors = [i for i in bits_of(mask) if (c := costs[i]) is not None and c <= ceiling]
        else:
            # The cost table lists models cheapest first (ties by id): walking those
            # under the ceiling and keeping the ones in the mask gives cost order.
            bits = mask.to_bytes((index.size + 7) // 8, "little")
            survivors = [i for i in cheap if bits[i >> 3] >> (i & 7) & 1]
            in_cost_order = True
    else:
        survivors = bits_of(mask)

    if query.min_context is not None:
        least, context = query.min_context, index.context
        survivors = [i for i in survivors if context[i] >= least]
    if query.min_output is not None:
        least, output = query.min_output, index.output
        survivors = [i for i in survivors if (output[i] or 0) >= least]
    window = index.input_limit
    survivors = [i for i in survivors if window[i] >= input_tokens]
    if query.released_after is not None:
        after, released = query.released_after, index.released
        survivors = [i for i in survivors if (released[i] or after) > after]
    for kind, limit in (("input", query.max_input_price), ("output", query.max_output_price)):
        if limit is not None:
            prices = index.prices(kind, query.batch, query.at)
            survivors = [i for i in survivors if (p := prices[i]) is not None and p <= limit]

    if not (in_cost_order and query.order_by == "cost"):
        # Sorts are stable: from id order, ties stay in id order.
        if in_cost_order:
            survivors.sort()
        survivors.sort(key=index.sort_key(query.order_by, table))
    ids = index.ids
    if query.where is not None:
        where, resolve = query.where, catalog.get
        survivors = [i for i in survivors if where(resolve(ids[i]))]
    if query.limit is not None:
        survivors = survivors[: query.limit]
    count = len(survivors)
    return Selection(
        [ids[i] for i in survivors],
        catalog.get,
        [costs[i] for i in survivors],
        [input_tokens] * count,
        query.output_tokens,
        ["given" if query.input_tokens is not None else "default"] * count,
        [],
        query.order_by,
        False,
    )


def run_query(catalog: Catalog, predicates: Mapping[str, Any], explain: bool = False) -> Selection:
    """Select from ``catalog``; see :func:`llm_catalog.select` for the predicates.

    Without ``explain`` and without a prompt to count, the catalog's index
    answers; otherwise every model is tested in turn to find its reason.
    """
    query = _parse(predicates)
    if not explain and query.messages is None and query.prompt is None:
        return _run_indexed(catalog, query)
    return _scan(catalog, query, explain)


def _scan(catalog: Catalog, query: _Query, explain: bool) -> Selection:
    """Test every model against the predicates in order, remembering the first it fails."""
    matches: list[Match] = []
    excluded: list[Exclusion] = []
    for model in catalog:
        provider = catalog.providers[model.provider]
        accepted = frozenset(model.params if model.params is not None else provider.params)
        input_tokens, method = _request_tokens(model, query)
        costing = _Costing(model, query, input_tokens)
        failure = _first_failure(model, accepted, query, input_tokens, costing)
        if failure is None:
            matches.append(Match(model, costing(), input_tokens, query.output_tokens, method))
        elif explain:
            excluded.append(Exclusion(model.id, failure[0], failure[1]))
    matches.sort(key=_sort_key(query.order_by))
    if query.limit is not None:
        matches = matches[: query.limit]
    return Selection.of(matches, query.output_tokens, excluded, query.order_by, explain)
