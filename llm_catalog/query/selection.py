"""Selecting models by capability and cost: ``select(vision=True, max_cost=0.01)``.

Predicates are keyword arguments named like the record fields. Every model is
tested against them in a fixed order; the first one it fails is remembered, so
``explain=True`` can say why each model was left out and with which values.

The request behind ``max_cost`` and the cost ordering is, unless given,
:data:`DEFAULT_INPUT_TOKENS` input tokens and :data:`DEFAULT_OUTPUT_TOKENS`
output tokens: 1,000 of each.

This module is the engine, :func:`run_query`: the indexed path and the scan that
finds each model's reason. The keywords are checked in
:mod:`llm_catalog.query.predicates` and the results are the types of
:mod:`llm_catalog.query.results`; their public names are re-exported here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from llm_catalog.data.vocabulary import ORDERS
from llm_catalog.query.index import bits_of
from llm_catalog.query.predicates import (
    DEFAULT_INPUT_TOKENS,
    DEFAULT_OUTPUT_TOKENS,
    KEYWORDS,
    MAX_LIMIT,
    MAX_TOKENS,
    MAX_USD,
    Query,
    QueryError,
    parse_predicates,
)
from llm_catalog.query.results import Exclusion, Match, Selection

if TYPE_CHECKING:
    from llm_catalog.data.records import Model
    from llm_catalog.query.catalog import Catalog

__all__ = [
    "DEFAULT_INPUT_TOKENS",
    "DEFAULT_OUTPUT_TOKENS",
    "KEYWORDS",
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


def _request_tokens(model: Model, query: Query) -> tuple[int, str]:
    if query.messages is not None or query.prompt is not None:
        # lazy: the tokenizer module (gzip, hashlib) loads only when a prompt is counted.
        from llm_catalog.query.tokens import count_tokens

        counted = count_tokens(model, prompt=query.prompt, messages=query.messages)
        return counted.tokens, counted.method
    if query.input_tokens is not None:
        return query.input_tokens, "given"
    return DEFAULT_INPUT_TOKENS, "default"


def _first_failure(
    model: Model,
    accepted: frozenset[str],
    query: Query,
    input_tokens: int,
    costing: Callable[[], Decimal | None],
) -> tuple[str, str] | None:
    """The first predicate the model fails, and the values compared; None if it passes."""
    # lazy: pricing and rates import pydantic (via the records), kept off the cold select path.
    from llm_catalog.query.pricing import format_usd
    from llm_catalog.query.rates import rates_at, unsold_in

    if query.mode is not None and model.mode.value != query.mode:
        return "mode", f"mode {model.mode.value} != {query.mode}"
    if model.status.value not in query.status:
        return "status", f"status {model.status.value} not in {', '.join(sorted(query.status))}"
    if query.provider is not None and model.provider not in query.provider:
        return "provider", f"provider {model.provider} not in {', '.join(sorted(query.provider))}"
    if model.provider in query.exclude_provider:
        return "exclude_provider", f"provider {model.provider} is excluded"
    unsold = unsold_in(model, query.region) if query.region is not None else None
    if unsold is not None:
        return "region", unsold
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
            rates = rates_at(model, query.at, service_tier=query.service_tier, region=query.region)
            entry = rates.entry if rates is not None else None
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
            rates = rates_at(model, query.at, service_tier=query.service_tier, region=query.region)
            rate = f" (rate: {'; '.join(rates.names)})" if rates and rates.names else ""
            return (
                "max_cost",
                f"estimated cost {format_usd(cost)}{rate} > max_cost {format_usd(query.max_cost)}",
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

    def __init__(self, model: Model, query: Query, input_tokens: int) -> None:
        self._model, self._query, self._input_tokens = model, query, input_tokens
        self._done = False
        self._value: Decimal | None = None

    def __call__(self) -> Decimal | None:
        if not self._done:
            # lazy: pricing imports pydantic (via the records), kept off the cold select path.
            from llm_catalog.query.pricing import estimate_cost

            query = self._query
            self._value = estimate_cost(
                self._model,
                input_tokens=self._input_tokens,
                output_tokens=query.output_tokens,
                cached_input_tokens=min(query.cached_input_tokens, self._input_tokens),
                batch=query.batch,
                at=query.at,
                service_tier=query.service_tier,
                region=query.region,
                web_searches=query.web_searches,
                search_context=query.search_context,
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


def _run_indexed(catalog: Catalog, query: Query) -> Selection:
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
    if query.region is not None:
        mask &= index.in_region(query.region)
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
    key = (
        input_tokens,
        query.output_tokens,
        query.cached_input_tokens,
        query.batch,
        index.regime(query.at),
        query.service_tier,
        query.region,
        query.web_searches,
        query.search_context,
    )
    table = index.cost_table(key, query.at)
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
            prices = index.prices(kind, query.batch, query.at, query.service_tier, query.region)
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
    query = parse_predicates(predicates)
    if not explain and query.messages is None and query.prompt is None:
        return _run_indexed(catalog, query)
    return _scan(catalog, query, explain)


def _scan(catalog: Catalog, query: Query, explain: bool) -> Selection:
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
