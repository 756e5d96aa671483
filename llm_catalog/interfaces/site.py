"""The catalog browser: one static page that shows the whole catalog.

:func:`build_site` writes ``index.html`` and its two assets (``catalog.css``,
``catalog.js``, hand-written and shipped in ``llm_catalog/site_assets``) into a
directory. The catalog is embedded in the page as JSON, so the page needs no
server and no network: it works opened from a local file, where ``fetch()`` of
a sibling file would be refused.

The page filters with the predicates of ``select`` that it can answer exactly
(capabilities, vision, mode, status, provider, region, min_context, min_output,
released_after, max_input_price, max_output_price, max_cost for a request of
input and output tokens, order_by) at a moment, service tier and region the
reader picks, and no others: cached input and batch prices are left out rather
than approximated. Prices are embedded as whole numbers of a common unit, so
the page computes costs in exact integer arithmetic (BigInt), following
:func:`llm_catalog.query.pricing.estimate_cost` for plain (uncached, non-batch)
requests. Which rates bill a model at a moment, tier and region is asked of
:func:`llm_catalog.query.rates.rates_at`, here, for every rate the page can
need from the day it is built through the day after the last announced price
change; the page only looks up the answer.

The page fetches nothing.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from llm_catalog import __version__
from llm_catalog.data import clock
from llm_catalog.data.errors import LLMCatalogError
from llm_catalog.data.records import Capabilities, Mode, Prices, Status, TierBilling
from llm_catalog.query.rates import (
    STANDARD_TIER,
    Moment,
    Rates,
    prices_at,
    rates_at,
    region_names,
    window_at,
)

if TYPE_CHECKING:
    from llm_catalog.data.prices import Pricing, PricingHistoryEntry, TimeWindow
    from llm_catalog.data.records import Model, Provider
    from llm_catalog.query.catalog import Catalog

__all__ = ["SITE_FILES", "SiteBuild", "SiteError", "build_site", "render_page", "site_data"]

SITE_FILES = ("index.html", "catalog.css", "catalog.js")
"""The files the site owns in its directory; building replaces these and touches nothing else."""

# Kept equal to llm_catalog.query.selection's defaults (a test checks) without importing the query engine.
DEFAULT_INPUT_TOKENS = 1_000
DEFAULT_OUTPUT_TOKENS = 1_000
_DEFAULT_STATUS = (Status.active.value, Status.preview.value)
_ORDERS = ("cost", "context", "output", "release_date", "id")
_PLACEHOLDER = "{{catalog_data}}"

_Entry: TypeAlias = "Pricing | PricingHistoryEntry"


class SiteError(LLMCatalogError):
    """Raised when the site cannot be written: the output is a file, or a write fails."""


@dataclass(frozen=True)
class SiteBuild:
    """What :func:`build_site` wrote: each file's path and size in bytes."""

    directory: Path
    files: dict[str, int]
    models: int

    @property
    def total_bytes(self) -> int:
        """The size of the whole site."""
        return sum(self.files.values())


def _decimal_places(prices: Iterable[Decimal | None]) -> int:
    places = 0
    for price in prices:
        if price is not None:
            exponent = price.normalize().as_tuple().exponent
            if isinstance(exponent, int):
                places = max(places, -exponent)
    return places


_MILLION = 1_000_000
_DAY = dt.timedelta(days=1)
_WEEK = 7


def _request_fee(rates: Rates) -> Decimal | None:
    """The fee of one request, in US dollars per million requests, to add to token sums."""
    fee = rates.per_unit.get("request")
    return None if fee is None else fee * _MILLION


def _price_values(rates: Rates) -> Iterable[Decimal | None]:
    entry = rates.entry
    tiers = (p for t in entry.tiers for p in (t.input, t.output))
    return (entry.input, entry.output, _request_fee(rates), *tiers)


def _scaled(price: Decimal | None, places: int) -> str | None:
    """A price as a whole number of 10**-places dollars per million tokens, as text for BigInt."""
    if price is None:
        return None
    with decimal.localcontext() as context:
        context.prec = decimal.MAX_PREC
        value = price.scaleb(places)
    if value != value.to_integral_value():  # places covers every price, so this cannot happen
        raise AssertionError(f"price {price} is not a whole number at 10**-{places}")
    return str(int(value))


def _or(price: Decimal | None, fallback: Decimal | None) -> Decimal | None:
    return fallback if price is None else price


def _cost_terms(model: Model, rates: Rates, places: int) -> dict[str, Any]:
    """The prices the page costs a plain request with, the fallbacks already applied.

    Mirrors :func:`llm_catalog.query.pricing.estimate_cost` at the ``rates`` that
    :func:`~llm_catalog.query.rates.rates_at` chose, without cache or batch: a
    price a tier leaves out is its base price (``_band`` there), a request fee
    is added once, and a service tier's prompt above ``unpriced_above`` has no price.
    """
    pricing = rates.entry
    tiers = sorted(pricing.tiers, key=lambda tier: tier.above_input_tokens)
    billing = model.pricing.tier_billing if model.pricing is not None else None
    terms: dict[str, Any] = {
        "billing": "marginal" if billing is TierBilling.marginal else "whole",
        "input": _scaled(pricing.input, places),
        "output": _scaled(pricing.output, places),
        "request": _scaled(_request_fee(rates), places),
        "tiers": [
            [
                tier.above_input_tokens,
                _scaled(_or(tier.input, pricing.input), places),
                _scaled(_or(tier.output, pricing.output), places),
            ]
            for tier in tiers
        ],
    }
    if rates.unpriced_above is not None:
        terms["unpriced_above"] = rates.unpriced_above
    return terms


class _Shared:
    """Values many records repeat (notes, source lists, parameter lists), stored once."""

    def __init__(self) -> None:
        self.values: list[Any] = []
        self._index: dict[str, int] = {}

    def __call__(self, value: Any) -> int:
        key = json.dumps(value, sort_keys=True)
        if key not in self._index:
            self._index[key] = len(self.values)
            self.values.append(value)
        return self._index[key]


# --- every rate a model can be billed at on the page ---------------------------------
#
# The page lets the reader pick a moment, a service tier and a region. Which rates
# then bill a model is rates_at's to say, never this module's: for each run of days
# one price entry holds (as prices_at finds), rates_at is asked at one moment in
# each of the entry's time windows and on the day itself (no window), for every
# tier and region; the page then only finds the run, the window and the rates.


def _horizon(models: Iterable[Model], day: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last days the page prices: the build day through the day after the last
    announced change (a scheduled entry, or current prices dated later)."""
    changes = [day]
    for model in models:
        pricing = model.pricing
        if pricing is not None:
            changes += [entry.effective_from for entry in pricing.scheduled]
            if pricing.effective_from is not None:
                changes.append(pricing.effective_from)
    return day, max(changes) + _DAY


def _entries(model: Model) -> tuple[_Entry, ...]:
    """Every price entry of the model's record: current, earlier and announced."""
    pricing = model.pricing
    return () if pricing is None else (pricing, *pricing.history, *pricing.scheduled)


def _service_tiers(models: Iterable[Model]) -> list[str]:
    """The standard tier, then every tier name a price entry lists."""
    names: set[str] = set()
    for model in models:
        for entry in _entries(model):
            names.update(entry.service_tiers)
    names.discard(STANDARD_TIER)
    return [STANDARD_TIER, *sorted(names)]


def _runs(model: Model, first: dt.date, last: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The runs of days from ``first`` to ``last`` that one price entry bills, as
    ``(first day, last day)``."""
    starts = {first}
    for entry in _entries(model):
        if entry.effective_from is not None:
            # prices_at moves to another entry only on a day an entry starts, or
            # the day after one (undated current prices follow the latest history).
            for day in (entry.effective_from, entry.effective_from + _DAY):
                if first < day <= last:
                    starts.add(day)
    runs: list[tuple[dt.date, _Entry | None]] = []
    for day in sorted(starts):
        held = prices_at(model, day)
        if not runs or runs[-1][1] is not held:
            runs.append((day, held))
    ends = [start - _DAY for start, _ in runs[1:]] + [last]
    return [(start, end) for (start, _), end in zip(runs, ends, strict=True)]


def _window_moments(
    windows: tuple[TimeWindow, ...], first: dt.date, last: dt.date
) -> dict[int, dt.datetime]:
    """For each window that bills some moment from ``first`` to ``last``, the earliest such
    moment, by the window's place in ``windows`` (as :func:`window_at` finds them)."""
    # Which window holds changes only at a window's edges: trying each edge of each
    # weekday the run has finds every window that can hold, whatever its days.
    edges = sorted({0, *(clock.minute_of_day(t) for w in windows for t in (w.start, w.end))})
    found: dict[int, dt.datetime] = {}
    for offset in range(min(_WEEK, (last - first).days + 1)):
        day = first + offset * _DAY
        for minute in edges:
            window = window_at(windows, day.weekday(), minute)
            index = next((i for i, w in enumerate(windows) if w is window), None)
            if index is not None and index not in found:
                moment = dt.datetime.combine(day, dt.time(minute // 60, minute % 60), dt.UTC)
                found[index] = moment
    return found


@dataclass(frozen=True)
class _Run:
    """The rates of one run of days: ``slots[0]`` outside every time window, ``slots[i + 1]``
    inside ``windows[i]`` (None where that window never bills in the run), each by
    rate key (:func:`_rate_key`)."""

    first: dt.date
    windows: tuple[TimeWindow, ...]
    slots: list[dict[str, Rates] | None]


def _rate_key(tier: str, region: str | None) -> str:
    # Tier and region names are lowercase letters, digits, _ and -: "@" is never in one.
    return tier if region is None else f"{tier}@{region}"


def _rate_sets(model: Model, at: Moment, tiers: list[str], regions: list[str]) -> dict[str, Rates]:
    found: dict[str, Rates] = {}
    for region in (None, *regions):
        for tier in tiers:
            rates = rates_at(model, at, service_tier=tier, region=region)
            if rates is not None:
                found[_rate_key(tier, region)] = rates
    return found


def _model_runs(
    model: Model, horizon: tuple[dt.date, dt.date], tiers: list[str], regions: list[str]
) -> list[_Run]:
    runs = []
    for first, last in _runs(model, *horizon):
        entry = prices_at(model, first)
        windows = entry.time_windows if entry is not None else ()
        moments = _window_moments(windows, first, last)
        # A day alone is billed outside every window (rates_at applies none to it).
        slots: list[dict[str, Rates] | None] = [_rate_sets(model, first, tiers, regions)]
        for index in range(len(windows)):
            moment = moments.get(index)
            slots.append(None if moment is None else _rate_sets(model, moment, tiers, regions))
        runs.append(_Run(first, windows, slots))
    return runs


def _sold_in(catalog: Catalog, regions: list[str], at: dt.datetime) -> dict[str, list[int]]:
    """The regions (by place in ``regions``) each model is sold in, as ``select(region=)`` says."""
    sold: dict[str, list[int]] = {}
    everything: dict[str, Any] = {
        "mode": None,
        "status": [s.value for s in Status],
        "input_tokens": 0,
    }
    for number, region in enumerate(regions):
        for model_id in catalog.select(region=region, at=at, **everything).ids:
            sold.setdefault(model_id, []).append(number)
    return sold


def _cost(runs: list[_Run], model: Model, places: int, terms: _Shared, shared: _Shared) -> Any:
    """The runs as the page reads them: ``[first day, windows or null, slots]``, a slot
    mapping each rate key to ``[terms]`` or ``[terms, names]`` (indices into the shared
    lists); None when no run has a price."""
    if not any(slot for run in runs for slot in run.slots):
        return None

    def rate(rates: Rates) -> list[int]:
        term = terms(_cost_terms(model, rates, places))
        return [term, shared(list(rates.names))] if rates.names else [term]

    return [
        [
            run.first.isoformat(),
            shared([[w.start, w.end, [d.value for d in w.days]] for w in run.windows])
            if run.windows
            else None,
            [
                None if slot is None else {key: rate(rates) for key, rates in slot.items()}
                for slot in run.slots
            ],
        ]
        for run in runs
    ]


# Shown from the compact fields instead, or not facts about the model.
_RECORD_EXCLUDE = {
    "id",
    "provider",
    "name",
    "mode",
    "status",
    "release_date",
    "limits",
    "capabilities",
}


def _record(model: Model, shared: _Shared) -> dict[str, Any]:
    """The rest of the record, for the detail view, with repeated values shared."""
    record: dict[str, Any] = model.model_dump(
        mode="json", exclude_defaults=True, exclude=_RECORD_EXCLUDE
    )
    if "params" in record:
        record["params"] = shared(record["params"])
    pricing = record.get("pricing")
    if pricing is not None and "source" in pricing:
        pricing["source"] = shared(pricing["source"])
    provenance = record["provenance"]
    provenance["sources"] = shared(provenance["sources"])
    if "notes" in provenance:
        provenance["notes"] = shared(provenance["notes"])
    return record


def _model(
    model: Model, catalog: Catalog, cost: Any, sold: list[int] | None, shared: _Shared
) -> dict[str, Any]:
    caps = model.capabilities
    limits = model.limits
    data = {
        "id": model.id,
        "name": model.name,
        "provider": model.provider,
        "mode": model.mode.value,
        "status": model.status.value,
        "released": model.release_date.isoformat() if model.release_date else None,
        "context": limits.context_window,
        "output": limits.max_output_tokens,
        "input_limit": limits.max_input_tokens,
        # One bit per capability, in the order of data["capabilities"].
        "caps": sum(
            1 << i for i, name in enumerate(Capabilities.model_fields) if getattr(caps, name)
        ),
        "vision": model.vision,
        "cost": cost,
        "where": str(catalog.locate(model.id)),
        "record": _record(model, shared),
    }
    if sold:
        data["regions"] = sold
    return data


def _provider(provider: Provider) -> dict[str, Any]:
    # Connection settings (api_base, headers) may name private gateways and are
    # not facts about models, so a page meant for sharing leaves them out.
    data: dict[str, Any] = provider.model_dump(
        mode="json",
        exclude_defaults=True,
        exclude={"api_base", "allow_insecure_api_base", "headers", "skipped_source_models"},
    )
    return data


def site_data(catalog: Catalog, at: dt.datetime | None = None) -> dict[str, Any]:
    """Everything the page shows, as one JSON-ready mapping, built at ``at`` (now).

    ``models[].cost`` holds every rate a model is billed at from the day of ``at``
    through the ``horizon`` (see :func:`_cost`), for each service tier and region;
    its prices (``terms``) are whole numbers, as strings, of ``10**-price_places``
    US dollars per million tokens, so the page's sums are exact. The page prices
    at ``priced_at`` until the reader picks another moment.
    """
    moment = clock.now() if at is None else at
    moment = moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)
    models = list(catalog)
    horizon = _horizon(models, moment.date())
    tiers = _service_tiers(models)
    regions = region_names(models)
    sold = _sold_in(catalog, regions, moment)
    # Where select(region=...) leaves a model out, the page never shows its rates.
    runs = {
        model.id: _model_runs(
            model, horizon, tiers, [regions[number] for number in sold.get(model.id, ())]
        )
        for model in models
    }
    places = _decimal_places(
        price
        for model_runs in runs.values()
        for run in model_runs
        for slot in run.slots
        for rates in (slot or {}).values()
        for price in _price_values(rates)
    )
    shared = _Shared()
    terms = _Shared()
    entries = [
        _model(
            model,
            catalog,
            _cost(runs[model.id], model, places, terms, shared),
            sold.get(model.id),
            shared,
        )
        for model in models
    ]
    return {
        "version": __version__,
        "priced_at": moment.strftime("%Y-%m-%d %H:%M"),
        "horizon": [day.isoformat() for day in horizon],
        "files": len(catalog.files),
        "price_places": places,
        "defaults": {
            "input_tokens": DEFAULT_INPUT_TOKENS,
            "output_tokens": DEFAULT_OUTPUT_TOKENS,
            "mode": Mode.chat.value,
            "status": list(_DEFAULT_STATUS),
            "order_by": "cost",
            "service_tier": STANDARD_TIER,
        },
        "capabilities": list(Capabilities.model_fields),
        "price_fields": list(Prices.model_fields),
        "modes": [mode.value for mode in Mode],
        "statuses": [status.value for status in Status],
        "orders": list(_ORDERS),
        "service_tiers": tiers,
        "regions": regions,
        "providers": [_provider(p) for p in catalog.providers.values()],
        "models": entries,
        "terms": terms.values,
        "shared": shared.values,
    }


def _script_json(data: Any) -> str:
    """JSON that can sit inside a ``<script>`` element.

    ``<``, ``>`` and ``&`` occur in JSON only inside strings, where their
    ``\\u`` escapes mean the same; escaped, no text in the catalog can close the
    element (``</script>``) or open a comment.
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=False)
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escaped)
    # Line and paragraph separators are fine in JSON and in HTML; escaped for old parsers.
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _asset(name: str) -> str:
    return (resources.files("llm_catalog.interfaces") / "site_assets" / name).read_text(
        encoding="utf-8"
    )


def render_page(catalog: Catalog, at: dt.datetime | None = None) -> str:
    """The page's HTML, with the catalog embedded and priced at ``at`` (now)."""
    template = _asset("index.html")
    if template.count(_PLACEHOLDER) != 1:
        raise AssertionError(f"site_assets/index.html must hold {_PLACEHOLDER} once")
    return template.replace(_PLACEHOLDER, _script_json(site_data(catalog, at)))


def build_site(catalog: Catalog, directory: str | Path, at: dt.datetime | None = None) -> SiteBuild:
    """Write the page for ``catalog``, priced at ``at`` (now), into ``directory``.

    The directory is created when missing.
    An existing directory is written into: the files in :data:`SITE_FILES` are
    replaced and nothing else is touched. Raises :class:`SiteError` when
    ``directory`` is a file or cannot be written.
    """
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise SiteError(
            f"output {str(directory)!r} is a file: name a directory to write the site into"
        )
    contents = {name: _asset(name) for name in SITE_FILES if name != "index.html"}
    # The page last, so it never refers to assets not yet written.
    contents["index.html"] = render_page(catalog, at)
    sizes: dict[str, int] = {}
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for name, text in contents.items():
            encoded = text.encode("utf-8")
            (directory / name).write_bytes(encoded)
            sizes[name] = len(encoded)
    except OSError as error:
        reason = error.strerror or str(error)
        where = error.filename or directory
        raise SiteError(f"cannot write the site to {str(where)!r}: {reason}") from None
    return SiteBuild(directory, {name: sizes[name] for name in SITE_FILES}, len(catalog))
