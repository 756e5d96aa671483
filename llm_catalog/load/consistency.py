"""Consistency rules: facts that pass the schema but contradict each other or the calendar.

``llm-catalog validate`` (and :func:`llm_catalog.load.loader.check_catalog` with
``rules=True``) reports each broken rule as an error at the file and line of the
value at fault, unless the record carries a reviewed exception naming the rule
(``provenance.exceptions``). Loading a catalog never applies them: a retirement
date that passes must not stop a running service from reading its catalog.

The rules, by name (:class:`~llm_catalog.data.vocabulary.Rule`):

- ``output-equals-window``: a chat model whose output limit equals its context
  window, most often an aggregator's copy of the window rather than an output limit;
- ``alias-disagrees``: an undated model (``grok-4.20-reasoning``) and the newest
  dated snapshot of its family (``grok-4.20-0309-reasoning``) disagree on limits
  or prices;
- ``status-lags-dates``: a model still ``active`` or ``preview`` after its
  deprecation date, or not ``retired`` after its retirement date, on the day of
  validation;
- ``successor-retired``: a successor that is itself retired;
- ``cached-not-cheaper``: cached input priced at or above input;
- ``id-date-contradicts-release``: a release date before the snapshot date in the
  id (``-2024-05-13``, ``-20241022``), or more than three months after it;
- ``zero-price``: an input or output price of zero on a model whose pricing does
  not say ``free: true``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterator, Mapping

from llm_catalog.data.records import Model
from llm_catalog.data.vocabulary import Mode, Rule, Status

__all__ = ["family_key", "id_date", "iter_rule_problems"]

# A date in a model id: 2024-05-13, 20241022 or @20241022, or a four-digit snapshot
# stamp (0309, 2507) standing alone between separators.
_ID_DATE = re.compile(r"(?P<sep>[-@])(?P<date>\d{4}-\d{2}-\d{2}|\d{8}|\d{4})(?=$|[-:@])")
# The longest a snapshot is taken to wait for its release (Anthropic's are released some
# weeks after the date in their ids).
_SNAPSHOT_TO_RELEASE = dt.timedelta(days=92)
_LIMITS = ("context_window", "max_input_tokens", "max_output_tokens")
_PRICES = ("input", "output", "cached_input")


def id_date(model_id: str) -> dt.date | None:
    """The calendar date an id carries (``-2024-05-13``, ``-20241022``), if any."""
    for match in _ID_DATE.finditer(model_id):
        text = match["date"].replace("-", "")
        if len(text) == 8:
            try:
                return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
            except ValueError:
                continue
    return None


def family_key(model_id: str) -> tuple[str, str | None]:
    """The id without its snapshot stamp, and the stamp (None for an undated id)."""
    found = list(_ID_DATE.finditer(model_id))
    if not found:
        return model_id, None
    last = found[-1]
    return model_id[: last.start()] + model_id[last.end() :], last["date"].replace("-", "")


def _excepted(model: Model) -> frozenset[str]:
    return frozenset(exception.rule.value for exception in model.provenance.exceptions)


def _differences(first: Model, second: Model) -> list[str]:
    found = []
    for name in _LIMITS:
        ours, theirs = getattr(first.limits, name), getattr(second.limits, name)
        if ours != theirs:
            found.append(f"limits.{name} {ours} vs {theirs}")
    for name in _PRICES:
        ours = getattr(first.pricing, name, None) if first.pricing else None
        theirs = getattr(second.pricing, name, None) if second.pricing else None
        if ours != theirs:
            found.append(f"pricing.{name} {ours} vs {theirs}")
    return found


def iter_rule_problems(
    models: Mapping[str, Model], today: dt.date
) -> Iterator[tuple[str, str, str]]:
    """Every rule a record breaks without an exception, as (model id, pointer in the
    record, message), on the day ``today``."""
    families: defaultdict[tuple[str, str], list[tuple[str, Model]]] = defaultdict(list)
    for model in models.values():
        key, stamp = family_key(model.id)
        families[model.provider, key].append((stamp or "", model))
    for model in models.values():
        excepted = _excepted(model)
        for rule, pointer, message in _iter_record(model, models, families, today):
            if rule.value not in excepted:
                yield model.id, pointer, f"{message} (rule {rule.value})"


def _iter_record(
    model: Model,
    models: Mapping[str, Model],
    families: Mapping[tuple[str, str], list[tuple[str, Model]]],
    today: dt.date,
) -> Iterator[tuple[Rule, str, str]]:
    limits, pricing = model.limits, model.pricing
    advice = "or, if the provider's page says so, add an exception with the page"
    if model.mode is Mode.chat and limits.max_output_tokens == limits.context_window:
        yield (
            Rule.output_equals_window,
            "/limits/max_output_tokens",
            f"max_output_tokens equals the context window ({limits.context_window:,}), as "
            "an aggregator's copy of the window would: give the provider's output limit, " + advice,
        )
    key, stamp = family_key(model.id)
    if stamp is None:
        dated = [entry for entry in families[model.provider, key] if entry[0]]
        if dated:
            _, newest = max(dated, key=lambda entry: entry[0])
            found = _differences(model, newest)
            if found:
                yield (
                    Rule.alias_disagrees,
                    "",
                    f"disagrees with its newest snapshot {newest.id} on {'; '.join(found)}: "
                    "make them agree, " + advice,
                )
    live = model.status in (Status.active, Status.preview)
    if model.retirement_date is not None and model.retirement_date <= today:
        if model.status is not Status.retired:
            yield (
                Rule.status_lags_dates,
                "/status",
                f"status is {model.status.value}, but the model retired on "
                f"{model.retirement_date} (retirement_date): set status: retired, " + advice,
            )
    elif live and model.deprecation_date is not None and model.deprecation_date <= today:
        yield (
            Rule.status_lags_dates,
            "/status",
            f"status is {model.status.value}, but the model was deprecated on "
            f"{model.deprecation_date} (deprecation_date): set status: deprecated, " + advice,
        )
    successor = models.get(model.successor) if model.successor else None
    if successor is not None and successor.status is Status.retired:
        yield (
            Rule.successor_retired,
            "/successor",
            f"successor {successor.id} is retired: name the model that replaces it now, " + advice,
        )
    if pricing is not None:
        cached, plain = pricing.cached_input, pricing.input
        if cached is not None and plain is not None and plain > 0 and cached >= plain:
            yield (
                Rule.cached_not_cheaper,
                "/pricing/cached_input",
                f"cached_input ({cached}) is not below input ({plain}): give the cache-hit "
                "price, or leave it out where the provider has none, " + advice,
            )
        zero = [name for name in ("input", "output") if getattr(pricing, name) == 0]
        if zero and not pricing.free:
            yield (
                Rule.zero_price,
                f"/pricing/{zero[0]}",
                f"{' and '.join(zero)} priced at 0, but pricing does not say free: true: "
                "write free: true for a model offered at no charge, or leave an unknown "
                "price out, " + advice,
            )
    stamped = id_date(model.id.split("/", 1)[1])
    released = model.release_date
    # A snapshot is released on its date or some weeks later, never before it.
    if (
        stamped is not None
        and released is not None
        and (released < stamped or released > stamped + _SNAPSHOT_TO_RELEASE)
    ):
        when = "before" if released < stamped else "months after"
        yield (
            Rule.id_date_contradicts_release,
            "/release_date",
            f"release_date {released} is {when} the snapshot date in the id ({stamped}): "
            "give the snapshot's release date, " + advice,
        )
