"""Precomputed views of a catalog that make a warm ``select`` cheap on large catalogs.

A :class:`CatalogIndex` is built once per catalog, on the first query. It keeps:

* a bitmask (a Python ``int``, bit ``i`` for the ``i``-th model in id order)
  for every categorical fact: mode, status, provider, each capability, vision,
  each input and output modality, each accepted request parameter. Boolean
  predicates then cost a few big-integer ANDs, whatever the catalog's size;
* per request size, every model's estimated cost and the models in cost order,
  so a cost ceiling is a bisection and the cost order comes for free.

Numeric bounds (context, output, release date, per-token prices) are checked
on the models left after the masks. The result is the same as the plain scan
in :mod:`llm_catalog.query.selection`, which the property tests check.

An index can be saved (:meth:`CatalogIndex.saved`) with the compiled catalog and
made again from that data without reading a single model record: the masks, the
numeric columns, today's prices and the cost table of the default request
(:data:`DEFAULT_KEY`) are all in it. Other request sizes read the records.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from llm_catalog.data import clock
from llm_catalog.data.vocabulary import CAPABILITIES, region_within

if TYPE_CHECKING:
    from llm_catalog.data.records import Model
    from llm_catalog.query.catalog import Catalog

__all__ = ["CatalogIndex", "CostTable", "Regime", "RequestKey", "default_key"]

Regime = tuple[int, ...]
"""Which prices are in force: moments of one regime are billed alike by every model."""
# (input tokens, output tokens, cached input tokens, batch, regime, service tier, region,
# web searches, search context size)
RequestKey = tuple[int, int, int, bool, Regime, "str | None", "str | None", int, "str | None"]
_MAX_COST_TABLES = 32
_SAVED_FORMAT = 4


def default_key(regime: Regime) -> RequestKey:
    """The request ``select`` costs when none is given: 1,000 tokens in, 1,000 out."""
    return (1_000, 1_000, 0, False, regime, None, None, 0, None)


def bits_of(mask: int) -> list[int]:
    """The positions of the set bits of ``mask``, lowest first."""
    # bin() and str.find run in C; a Python loop over every bit would not.
    text = bin(mask)[:1:-1]
    found = []
    position = text.find("1")
    while position != -1:
        found.append(position)
        position = text.find("1", position + 1)
    return found


def mask_of(indices: Iterable[int], size: int) -> int:
    """A bitmask with the given bits set."""
    # Setting bits in a bytearray is linear; OR-ing shifted big ints is quadratic.
    buffer = bytearray((size + 7) // 8)
    for index in indices:
        buffer[index >> 3] |= 1 << (index & 7)
    return int.from_bytes(buffer, "little")


class CostTable:
    """Every model's estimated cost for one request size, and the priced models in cost order."""

    __slots__ = ("costs", "order", "rank", "sorted_costs")

    def __init__(self, costs: list[Decimal | None]) -> None:
        self.costs = costs
        priced = [i for i, cost in enumerate(costs) if cost is not None]
        # Index order is id order, so sorting by (cost, index) breaks ties by id.
        priced.sort(key=lambda i: (costs[i], i))
        self.order = priced
        self.sorted_costs: list[Decimal] = [costs[i] for i in priced]  # type: ignore[misc]
        # A model's place in cost order; unpriced models after every priced one, by id.
        self.rank = [len(costs) + i for i in range(len(costs))]
        for place, i in enumerate(priced):
            self.rank[i] = place

    def within(self, ceiling: Decimal) -> list[int]:
        """Indices of the models costing at most ``ceiling``, cheapest first."""
        return self.order[: bisect.bisect_right(self.sorted_costs, ceiling)]


class CatalogIndex:
    """Bitmasks and cost tables over one catalog's models (see the module docstring)."""

    def __init__(self, catalog: Catalog, saved: Mapping[str, Any] | None = None) -> None:
        self._catalog = catalog
        self.ids: list[str] = list(catalog.models)
        self.size = len(self.ids)
        self.all = (1 << self.size) - 1
        self._models: tuple[Model, ...] | None = None
        self._costs: dict[RequestKey, CostTable] = {}
        self._prices: dict[tuple[Any, ...], list[Decimal | None]] = {}
        if saved is None:
            self._measure()
        else:
            self._restore(saved)
        # Sort keys as plain ints, largest or newest first; unknown dates last.
        self._keys = {
            "context": [-c for c in self.context],
            "output": [-(o or 0) for o in self.output],
            "release_date": [-d.toordinal() if d is not None else 1 for d in self.released],
            "id": list(range(self.size)),
        }

    @property
    def models(self) -> tuple[Model, ...]:
        """The model records in id order (read from the catalog on first use)."""
        if self._models is None:
            models = self._catalog.models
            self._models = tuple(models[model_id] for model_id in self.ids)
        return self._models

    def _measure(self) -> None:
        """Masks and columns from the model records."""
        catalog = self._catalog
        members: defaultdict[tuple[str, str], list[int]] = defaultdict(list)
        for index, model in enumerate(self.models):
            provider = catalog.providers[model.provider]
            members["mode", model.mode.value].append(index)
            members["status", model.status.value].append(index)
            members["provider", model.provider].append(index)
            if model.vision:
                members["capability", "vision"].append(index)
            for name in CAPABILITIES:
                if getattr(model.capabilities, name):
                    members["capability", name].append(index)
            for modality in model.modalities.input:
                members["input_modalities", modality.value].append(index)
            for modality in model.modalities.output:
                members["output_modalities", modality.value].append(index)
            for param in model.params if model.params is not None else provider.params:
                members["supports", param].append(index)
            if model.region is not None:
                members["served_in", model.region].append(index)
            for region in model.pricing.regions if model.pricing is not None else ():
                members["priced_for", region].append(index)
        self._masks = {key: mask_of(found, self.size) for key, found in members.items()}
        self.context = [m.limits.context_window for m in self.models]
        self.output = [m.limits.max_output_tokens for m in self.models]
        self.released = [m.release_date for m in self.models]
        self.input_limit = [
            m.limits.max_input_tokens or m.limits.context_window for m in self.models
        ]
        days: set[int] = set()
        edges: set[int] = set()
        weekly = False
        for model in self.models:
            pricing = model.pricing
            if pricing is None:
                continue
            entries: tuple[Any, ...] = (pricing, *pricing.history, *pricing.scheduled)
            if pricing.effective_from is None and pricing.history:
                # Undated current prices begin the day after the latest history entry.
                latest = max(entry.effective_from for entry in pricing.history)
                days.add(latest.toordinal() + 1)
            for entry in entries:
                if entry.effective_from is not None:
                    days.add(entry.effective_from.toordinal())
                for window in entry.time_windows:
                    edges.update(map(clock.minute_of_day, (window.start, window.end)))
                    weekly = weekly or bool(window.days)
        self.change_days = sorted(days)
        self.window_edges = sorted(edges)
        self.weekly = weekly
        self._measure_windows()

    def _measure_windows(self) -> None:
        """The time windows of the prices in force today, by model, as plain data.

        Within today's run of days, which of them hold tells the moments billed alike
        apart more finely than the edges of every window of every day.
        """
        # lazy: rates reads the records (pydantic), which only a catalog built from files has
        from llm_catalog.query.rates import prices_at

        now = clock.now()
        self.windows_day = bisect.bisect_right(self.change_days, now.toordinal())
        self.windows: list[list[tuple[str, str, list[str]]]] = []
        for model in self.models:
            entry = prices_at(model, now)
            if entry is not None and entry.time_windows:
                self.windows.append(
                    [(w.start, w.end, [day.value for day in w.days]) for w in entry.time_windows]
                )

    def saved(self) -> dict[str, Any]:
        """The index as plain data (str, int, None, lists, dicts), for the compiled catalog."""

        def text(values: list[Decimal | None]) -> list[str | None]:
            return [None if value is None else str(value) for value in values]

        now = clock.now()
        regime = self.regime(now)

        return {
            "format": _SAVED_FORMAT,
            "ids": list(self.ids),
            "masks": {f"{kind}\0{value}": mask for (kind, value), mask in self._masks.items()},
            "context": list(self.context),
            "output": list(self.output),
            "released": [None if d is None else d.toordinal() for d in self.released],
            "input_limit": list(self.input_limit),
            "change_days": list(self.change_days),
            "window_edges": list(self.window_edges),
            "weekly": self.weekly,
            "windows_day": self.windows_day,
            "windows": self.windows,
            "regime": list(regime),
            "default_costs": text(self.cost_table(default_key(regime), now).costs),
            "input_prices": text(self.prices("input", False, now, None, None)),
            "output_prices": text(self.prices("output", False, now, None, None)),
        }

    def _restore(self, saved: Mapping[str, Any]) -> None:
        """Masks, columns, today's prices and the default cost table from :meth:`saved`."""
        if saved.get("format") != _SAVED_FORMAT or saved.get("ids") != self.ids:
            raise ValueError("the saved index does not belong to this catalog")

        def number(values: list[str | None]) -> list[Decimal | None]:
            return [None if value is None else Decimal(value) for value in values]

        self._masks = {
            (kind, value): mask
            for key, mask in saved["masks"].items()
            for kind, _, value in [key.partition("\0")]
        }
        self.context = list(saved["context"])
        self.output = list(saved["output"])
        self.released = [None if d is None else dt.date.fromordinal(d) for d in saved["released"]]
        self.input_limit = list(saved["input_limit"])
        self.change_days = list(saved["change_days"])
        self.window_edges = list(saved["window_edges"])
        self.weekly = bool(saved["weekly"])
        self.windows_day = int(saved["windows_day"])
        self.windows = [
            [(start, end, list(days)) for start, end, days in windows]
            for windows in saved["windows"]
        ]
        # Tables for the moment the index was saved: still right while that regime lasts.
        regime = tuple(saved["regime"])
        self._costs[default_key(regime)] = CostTable(number(saved["default_costs"]))
        self._prices["input", False, regime, None, None] = number(saved["input_prices"])
        self._prices["output", False, regime, None, None] = number(saved["output_prices"])
        columns = (self.context, self.output, self.released, self.input_limit)
        if any(len(column) != self.size for column in columns):
            raise ValueError("the saved index does not belong to this catalog")

    def mask(self, kind: str, value: str) -> int:
        """The models whose ``kind`` (mode, status, provider, capability, ...) is ``value``."""
        return self._masks.get((kind, value), 0)

    def in_region(self, region: str) -> int:
        """The models sold in ``region``: priced for it or an area around it, or served
        inside it (as :func:`llm_catalog.query.rates.priced_region` decides)."""
        mask = 0
        for kind, name in self._masks:
            if (kind == "priced_for" and region_within(region, name)) or (
                kind == "served_in" and region_within(name, region)
            ):
                mask |= self._masks[kind, name]
        return mask

    def any_of(self, kind: str, values: Iterable[str]) -> int:
        """The models whose ``kind`` is any of ``values``."""
        mask = 0
        for value in values:
            mask |= self.mask(kind, value)
        return mask

    def all_of(self, kind: str, values: Iterable[str]) -> int:
        """The models whose ``kind`` includes every one of ``values``."""
        mask = self.all
        for value in values:
            mask &= self.mask(kind, value)
        return mask

    def regime(self, at: dt.date | dt.datetime | None) -> Regime:
        """Which prices are in force at ``at`` (now when None), as a key.

        Prices change only on the days some entry takes effect and at the edges of
        time windows (on their week days), so two moments with the same regime are
        billed alike by every model, and one cost table serves both.
        """
        moment = clock.in_utc(at)
        day = bisect.bisect_right(self.change_days, moment.toordinal())
        if not isinstance(moment, dt.datetime):
            return (day,)
        if not self.window_edges:
            return (day, -1)
        minute = moment.hour * 60 + moment.minute
        if day == self.windows_day:
            # Today's prices: which window holds, model by model (-1 for none).
            held = (
                next(
                    (
                        number
                        for number, (start, end, days) in enumerate(windows)
                        if clock.window_holds(start, end, days, moment.weekday(), minute)
                    ),
                    -1,
                )
                for windows in self.windows
            )
            return (day, -2, *held)
        weekday = moment.weekday() if self.weekly else -1
        return (day, weekday, bisect.bisect_right(self.window_edges, minute))

    def cost_table(self, key: RequestKey, at: dt.date | dt.datetime | None) -> CostTable:
        """Every model's cost for the request ``key``, computed at ``at`` once per key.

        ``at`` must be of the regime the key names (:meth:`regime`).
        """
        table = self._costs.get(key)
        if table is None:
            # lazy: pricing reads records (pydantic); a compiled catalog's saved tables need neither
            from llm_catalog.query.pricing import estimate_cost

            input_tokens, output_tokens, cached, batch, _, tier, region, searches, size = key
            costs = [
                estimate_cost(
                    model,
                    input_tokens=input_tokens,
                    output_tokens=output_tokens,
                    cached_input_tokens=min(cached, input_tokens),
                    batch=batch,
                    at=at,
                    service_tier=tier,
                    region=region,
                    web_searches=searches,
                    search_context=size,
                )
                for model in self.models
            ]
            if len(self._costs) >= _MAX_COST_TABLES:
                self._costs.pop(next(iter(self._costs)))
            table = self._costs[key] = CostTable(costs)
        return table

    def prices(
        self,
        kind: str,
        batch: bool,
        at: dt.date | dt.datetime | None,
        service_tier: str | None,
        region: str | None,
    ) -> list[Decimal | None]:
        """Every model's ``kind`` ("input" or "output") price per million tokens at ``at``, or None."""
        key = (kind, batch, self.regime(at), service_tier, region)
        found = self._prices.get(key)
        if found is None:
            # lazy: pricing reads records (pydantic); a compiled catalog's saved tables need neither
            from llm_catalog.query.rates import rates_at

            found = []
            for model in self.models:
                rates = rates_at(model, at, service_tier=service_tier, region=region)
                entry: Any = rates.entry if rates is not None else None
                if batch and entry is not None:
                    entry = entry.batch
                found.append(getattr(entry, kind, None) if entry is not None else None)
            self._prices[key] = found
        return found

    def sort_key(self, order_by: str, table: CostTable) -> Callable[[int], int]:
        """A key that sorts model indices by ``order_by`` (see ``select``)."""
        return (table.rank if order_by == "cost" else self._keys[order_by]).__getitem__
