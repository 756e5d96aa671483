"""The catalog browser: one static page that shows the whole catalog.

:func:`build_site` writes ``index.html`` and its two assets (``catalog.css``,
``catalog.js``, hand-written and shipped in ``llm_catalog/site_assets``) into a
directory. The catalog is embedded in the page as JSON, so the page needs no
server and no network: it works opened from a local file, where ``fetch()`` of
a sibling file would be refused.

The page filters with the predicates of ``select`` that it can answer exactly
(capabilities, vision, mode, status, provider, min_context, min_output,
released_after, max_input_price, max_output_price, max_cost for a request of
input and output tokens, order_by) and no others: cached input, batch prices
and dates in the past are left out rather than approximated. Prices are
embedded as whole numbers of a common unit, so the page computes costs in
exact integer arithmetic (BigInt), following
:func:`llm_catalog.query.pricing.estimate_cost` for plain (uncached, non-batch)
requests at today's prices.

Only the standard library and the records are used; nothing is fetched.
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
from typing import TYPE_CHECKING, Any

from llm_catalog import __version__
from llm_catalog.data import clock
from llm_catalog.data.errors import LLMCatalogError
from llm_catalog.data.records import Capabilities, Mode, Prices, Status, TierBilling
from llm_catalog.query.rates import Rates, rates_at

if TYPE_CHECKING:
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


def _request_fee(rates: Rates) -> Decimal | None:
    """The fee of one request, in US dollars per million requests, to add to token sums."""
    fee = rates.per_unit.get("request")
    return None if fee is None else fee * _MILLION


def _price_values(model: Model, at: dt.datetime) -> Iterable[Decimal | None]:
    rates = rates_at(model, at)
    if rates is None:
        return ()
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


def _cost_terms(model: Model, places: int, at: dt.datetime) -> dict[str, Any] | None:
    """The prices the page costs a plain request with, the fallbacks already applied.

    Mirrors :func:`llm_catalog.query.pricing.estimate_cost` at the moment ``at`` the
    page is drawn (the entry in force, its time window), without cache or batch:
    a price a tier leaves out is its base price (``_band`` there), and a request
    fee is added once.
    """
    rates = rates_at(model, at)
    if rates is None or model.pricing is None:
        return None
    pricing = rates.entry
    tiers = sorted(pricing.tiers, key=lambda tier: tier.above_input_tokens)
    billing = model.pricing.tier_billing
    return {
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
    model: Model, catalog: Catalog, places: int, shared: _Shared, at: dt.datetime
) -> dict[str, Any]:
    caps = model.capabilities
    limits = model.limits
    return {
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
        "cost": _cost_terms(model, places, at),
        "where": str(catalog.locate(model.id)),
        "record": _record(model, shared),
    }


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
    """Everything the page shows, as one JSON-ready mapping, priced at ``at`` (now).

    Prices for costing (``models[].cost``) are whole numbers, as strings, of
    ``10**-price_places`` US dollars per million tokens, so the page's sums
    are exact; they are the rates in force at ``at``, which ``priced_at`` says.
    """
    moment = clock.now() if at is None else at
    models = list(catalog)
    places = _decimal_places(price for model in models for price in _price_values(model, moment))
    shared = _Shared()
    entries = [_model(model, catalog, places, shared, moment) for model in models]
    return {
        "version": __version__,
        "priced_at": moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M"),
        "files": len(catalog.files),
        "price_places": places,
        "defaults": {
            "input_tokens": DEFAULT_INPUT_TOKENS,
            "output_tokens": DEFAULT_OUTPUT_TOKENS,
            "mode": Mode.chat.value,
            "status": list(_DEFAULT_STATUS),
            "order_by": "cost",
        },
        "capabilities": list(Capabilities.model_fields),
        "price_fields": list(Prices.model_fields),
        "modes": [mode.value for mode in Mode],
        "statuses": [status.value for status in Status],
        "orders": list(_ORDERS),
        "providers": [_provider(p) for p in catalog.providers.values()],
        "models": entries,
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
