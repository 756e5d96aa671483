"""The commands that cost a request: ``cost`` for one model, ``compare`` for several
side by side.

Both cost the request the request flags describe (1,000 input and 1,000 output
tokens unless given) at the catalog's prices, in US dollars.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from llm_catalog.data.vocabulary import CAPABILITIES
from llm_catalog.interfaces.invocation import UsageError, emit, open_catalog, read_request
from llm_catalog.query.predicates import DEFAULT_INPUT_TOKENS, DEFAULT_OUTPUT_TOKENS

if TYPE_CHECKING:
    from llm_catalog.data.records import Model
    from llm_catalog.query.catalog import Catalog

__all__ = ["compare", "cost"]

EXIT_OK = 0
EXIT_NO_MATCH = 1


def _costed(
    catalog: Catalog, names: Sequence[str], request: dict[str, Any]
) -> list[dict[str, Any]]:
    """Each named model with the request's size and estimated cost."""
    # lazy: pricing imports pydantic (via the records); kept off --help and usage errors.
    from llm_catalog.query.pricing import estimate_cost

    rows = []
    for name in names:
        model = catalog.get(name)
        if "prompt" in request:
            # lazy: the tokenizer module loads only when --prompt-file is given.
            from llm_catalog.query.tokens import count_tokens

            counted = count_tokens(model, prompt=request["prompt"])
            input_tokens, method = counted.tokens, counted.method
        else:
            input_tokens = request.get("input_tokens", DEFAULT_INPUT_TOKENS)
            method = "given" if "input_tokens" in request else "default"
        output_tokens = request.get("output_tokens", DEFAULT_OUTPUT_TOKENS)
        cached = request.get("cached_input_tokens", 0)
        if cached > input_tokens:
            raise UsageError(
                f"--cached-input-tokens ({cached:,}) exceeds the input tokens ({input_tokens:,})"
            )
        rows.append(
            {
                "model": model,
                "input_tokens": input_tokens,
                "output_tokens": output_tokens,
                "cached_input_tokens": cached,
                "token_method": method,
                "estimated_cost": estimate_cost(
                    model,
                    input_tokens=input_tokens,
                    output_tokens=output_tokens,
                    cached_input_tokens=cached,
                    batch=bool(request.get("batch")),
                    at=request.get("at"),
                    service_tier=request.get("service_tier"),
                    region=request.get("region"),
                    web_searches=request.get("web_searches", 0),
                    search_context=request.get("search_context"),
                ),
            }
        )
    return rows


def _decimal(value: Any) -> str | None:
    return None if value is None else f"{value.normalize():f}"


def cost(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """``llm-catalog cost ID``: one request's estimated cost; exit 1 when unpriced."""
    # lazy: render and pricing import pydantic; kept off --help and usage errors.
    from llm_catalog.interfaces.render import printable
    from llm_catalog.query.pricing import format_usd

    # lazy: rates import pydantic; kept off --help and usage errors.
    from llm_catalog.query.rates import rates_at

    request = read_request(args)
    [row] = _costed(open_catalog(args), [args.model], request)
    model, amount = row["model"], row["estimated_cost"]
    rates = rates_at(
        model,
        request.get("at"),
        service_tier=args.service_tier,
        region=args.region,
        search_context=args.search_context,
    )
    rate = list(rates.names) if rates is not None else []
    if args.json:
        emit(
            {
                "id": model.id,
                "input_tokens": row["input_tokens"],
                "output_tokens": row["output_tokens"],
                "cached_input_tokens": row["cached_input_tokens"],
                "token_method": row["token_method"],
                "batch": bool(args.batch),
                "at": args.at.isoformat() if args.at else None,
                "service_tier": args.service_tier,
                "region": args.region,
                "web_searches": args.web_searches or 0,
                "search_context": args.search_context,
                "rate": rate,
                "estimated_cost": _decimal(amount),
            },
            out,
        )
    else:
        out.write(
            f"{printable(model.id)}: {format_usd(amount)} for {row['input_tokens']:,} input tokens "
            f"({row['token_method']}) and {row['output_tokens']:,} output tokens"
            + (f" (rate: {'; '.join(rate)})" if rate else "")
            + "\n"
        )
    if amount is None:
        err.write(
            f"{printable(model.id)} has no price for this request in the catalog{_why(model, request)}\n"
        )
        return EXIT_NO_MATCH
    return EXIT_OK


def _why(model: Model, request: dict[str, Any]) -> str:
    """What of the request the model has no price for, when it is one thing alone."""
    from llm_catalog.query.rates import unsold_in  # lazy, as above

    pricing = model.pricing
    if pricing is None:
        return ""
    tier, region = request.get("service_tier"), request.get("region")
    if tier is not None and tier != "standard" and tier not in pricing.service_tiers:
        sold = ", ".join(sorted(pricing.service_tiers)) or "none but standard"
        return f": it is not priced at the {tier} tier (tiers: {sold})"
    unsold = unsold_in(model, region) if region is not None else None
    if unsold is not None:
        return f": it is {unsold}"
    if request.get("web_searches") and "web_search" not in pricing.per_unit:
        return ": it has no price per web search"
    size = request.get("search_context")
    if size is not None and pricing.search_context and size not in pricing.search_context:
        sizes = ", ".join(sorted(pricing.search_context))
        return f": it is not priced at the {size} search context (sizes: {sizes})"
    return ""


def _price(model: Model, field: str) -> str:
    # lazy: pricing imports pydantic; kept off --help and usage errors.
    from llm_catalog.query.pricing import format_usd

    value = getattr(model.pricing, field, None) if model.pricing else None
    return "-" if value is None else format_usd(value)


def _flag(name: str) -> Callable[[Model], str]:
    return lambda m: "yes" if getattr(m.capabilities, name) else "no"


def compare(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """``llm-catalog compare ID ID ...``: models side by side, one column each."""
    # lazy: render and pricing import pydantic; kept off --help and usage errors.
    from llm_catalog.interfaces.render import format_tokens, model_json, render_table
    from llm_catalog.query.pricing import format_usd

    rows = _costed(open_catalog(args), args.models, read_request(args))
    if args.json:
        entries = [
            {
                **model_json(row["model"]),
                "estimated_cost": _decimal(row["estimated_cost"]),
                "input_tokens": row["input_tokens"],
                "output_tokens": row["output_tokens"],
            }
            for row in rows
        ]
        emit({"models": entries}, out)
        return EXIT_OK
    fields: list[tuple[str, Callable[[Model], str]]] = [
        ("provider", lambda m: m.provider),
        ("status", lambda m: m.status.value),
        ("released", lambda m: str(m.release_date or "-")),
        ("context", lambda m: format_tokens(m.limits.context_window)),
        ("max output", lambda m: format_tokens(m.limits.max_output_tokens)),
        ("input", lambda m: ", ".join(x.value for x in m.modalities.input)),
        ("output", lambda m: ", ".join(x.value for x in m.modalities.output)),
        *((name, _flag(name)) for name in CAPABILITIES),
        ("input $/M", lambda m: _price(m, "input")),
        ("output $/M", lambda m: _price(m, "output")),
        ("cached $/M", lambda m: _price(m, "cached_input")),
    ]
    models = [row["model"] for row in rows]
    table = [[label, *(render(m) for m in models)] for label, render in fields]
    table.append(["est. cost", *(format_usd(row["estimated_cost"]) for row in rows)])
    out.write(render_table(["", *(m.id for m in models)], table))
    return EXIT_OK
