"""The public entry points that hand out callable models: ``get_model`` and ``select``.

They load the default catalog when none is given and wrap each record a caller
reads into a :class:`~llm_catalog.calls.models.CallableModel`, so that
``get_model("openai/gpt-4o").complete(...)`` and ``select(...)[0].stream(...)``
reach the driver while the records themselves stay plain data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from llm_catalog.load.loader import default_catalog
from llm_catalog.query.selection import run_query

if TYPE_CHECKING:
    from llm_catalog.calls.models import CallableModel
    from llm_catalog.data.records import Model
    from llm_catalog.query.catalog import Catalog
    from llm_catalog.query.selection import Selection

__all__ = ["get_model", "select"]


def get_model(name: str, catalog: Catalog | None = None) -> CallableModel:
    """The model with this full id or alias, ready to call (``get_model("openai/gpt-4o")``).

    ``catalog`` defaults to the shipped catalog merged with ``LLM_CATALOG_PATH``.
    Raises :class:`~llm_catalog.data.errors.UnknownModelError`, naming the closest ids.
    """
    return _callable((catalog if catalog is not None else default_catalog()).get(name))


def select(
    *, catalog: Catalog | None = None, explain: bool = False, **predicates: Any
) -> Selection:
    """The models that pass every predicate, cheapest first.

    ``select(vision=True, max_cost=0.01)`` returns the chat models that take
    images and whose estimated cost for one request is at most one cent.

    Predicates (keyword arguments, named like the record fields):

    - a capability (``function_calling``, ``parallel_tool_calls``,
      ``structured_output``, ``json_mode``, ``streaming``, ``reasoning``,
      ``prompt_caching``, ``system_messages``, ``temperature``) or ``vision``:
      True requires it, False excludes it.
    - ``mode``: default ``"chat"``; ``None`` for any mode.
    - ``status``: one or several of active, preview, deprecated, retired;
      default active and preview, so deprecated and retired models are left out
      unless asked for.
    - ``provider`` (one or several ids), ``exclude_provider``.
    - ``input_modalities`` / ``output_modalities``: modalities that must all be present.
    - ``min_context``, ``min_output``: lower bounds in tokens.
    - ``released_after``: a date; models of unknown release date fail it.
    - ``supports``: request parameters the model must accept.
    - ``max_input_price`` / ``max_output_price``: US dollars per million tokens.
    - ``max_cost``: a ceiling in US dollars on the estimated cost of one
      request. A model without a price never passes it: unknown is not free.
    - The request: ``input_tokens`` (default 1,000) and ``output_tokens``
      (default 1,000), ``cached_input_tokens`` (part of the input read from
      the prompt cache), or instead of ``input_tokens`` the real ``messages``
      or ``prompt``, counted with each model's tokenizer (each match says how).
      A model whose input limit (``max_input_tokens``, else ``context_window``)
      is smaller than the request's input tokens is left out: it cannot answer.
      ``batch=True`` costs at batch prices; ``at`` costs at the prices in force
      on that date.
    - ``where``: any callable taking a :class:`~llm_catalog.data.records.Model`.
    - ``order_by``: ``"cost"`` (cheapest first, unpriced last; the default),
      ``"context"`` or ``"output"`` (largest first), ``"release_date"``
      (newest first) or ``"id"``; ties break by id. ``limit``: at most this many.

    ``explain=True`` fills :attr:`Selection.excluded` with, for every model left
    out, the first predicate it failed and the values compared. ``catalog``
    defaults to the shipped catalog merged with ``LLM_CATALOG_PATH``. The
    matches hand out models that can be called (:class:`~llm_catalog.calls.models.CallableModel`).

    Token counts are at most :data:`~llm_catalog.query.selection.MAX_TOKENS` (1,000,000,000), sums of US
    dollars at most :data:`~llm_catalog.query.selection.MAX_USD` (1,000,000,000, rounded down to whole
    picodollars) and ``limit`` at most :data:`~llm_catalog.query.selection.MAX_LIMIT` (1,000,000).

    Raises :class:`~llm_catalog.query.selection.QueryError` for an unknown keyword (naming the valid ones)
    or a value of the wrong type or out of those bounds.
    """
    catalog = catalog if catalog is not None else default_catalog()
    return run_query(catalog, predicates, explain).with_models(_callable)


def _callable(record: Model) -> CallableModel:
    # Imported on first use, to keep the cold path light: a select() that reads only
    # ids and costs never imports pydantic or the driver.
    from llm_catalog.calls.models import callable_model

    return callable_model(record)
