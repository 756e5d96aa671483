"""The subcommands of ``llm-catalog`` and their flags.

Each ``add_*`` function adds a subcommand, or a family of them, to the
subparsers of the parser :mod:`llm_catalog.interfaces.cli` builds, with the
handler from :mod:`llm_catalog.interfaces.commands` that runs it. The flags of
``select`` have the names of ``select()``'s keywords.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from llm_catalog.data.vocabulary import CAPABILITIES, ORDERS
from llm_catalog.interfaces import commands
from llm_catalog.interfaces.arguments import (
    billing_name,
    count,
    day,
    least_tokens,
    moment,
    money,
    since,
    token_count,
    unit_count,
)

__all__ = [
    "add_query_commands",
    "add_site_command",
    "add_usage_command",
    "add_validate_command",
]


def add_validate_command(commands_: Any) -> None:
    validate = commands_.add_parser(
        "validate",
        help="check catalog files and report every problem",
        description=(
            "Check the shipped catalog, the directories in LLM_CATALOG_PATH and the "
            "files or directories given, merged together, and report every problem "
            "as path:line:column: /json/pointer: message."
        ),
    )
    validate.add_argument(
        "paths", nargs="*", metavar="PATH", help="catalog files or directories to check"
    )
    validate.add_argument(
        "--catalog",
        action="append",
        default=[],
        metavar="DIR",
        help="a directory of catalog files merged over the shipped catalog (repeatable)",
    )
    validate.add_argument(
        "--no-shipped",
        action="store_true",
        help="check the given files on their own, without the shipped catalog",
    )
    validate.add_argument("--json", action="store_true", help="print a JSON report")
    validate.set_defaults(handler=commands.validate)


def add_query_commands(commands_: Any) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--catalog",
        action="append",
        default=[],
        metavar="DIR",
        help="a directory of catalog files merged over the shipped catalog (repeatable)",
    )
    common.add_argument(
        "--no-shipped",
        action="store_true",
        help="use only the --catalog directories and LLM_CATALOG_PATH, not the shipped catalog",
    )
    common.add_argument("--json", action="store_true", help="print JSON")

    listing = commands_.add_parser(
        "list", parents=[common], help="list models", description="List the catalog's models."
    )
    listing.add_argument("--provider", action="append", metavar="ID", help="only this provider")
    listing.add_argument("--mode", help="only this mode (chat, embedding, ...)")
    listing.add_argument("--status", action="append", help="only this status (default: all)")
    listing.set_defaults(handler=commands.list_models)

    show = commands_.add_parser(
        "show", parents=[common], help="show one model", description="Show one model's record."
    )
    show.add_argument("model", metavar="ID", help="full model id or alias")
    show.set_defaults(handler=commands.show)

    select = commands_.add_parser(
        "select",
        parents=[common],
        help="select models by capability and cost",
        description=(
            "Models that pass every predicate, cheapest first. The request behind "
            "--max-cost is 1,000 input and 1,000 output tokens unless given."
        ),
    )
    _add_select_flags(select)
    select.set_defaults(handler=commands.select)

    cost = commands_.add_parser(
        "cost",
        parents=[common],
        help="estimate the cost of a request",
        description="Estimate one request's cost in US dollars from the catalog's prices.",
    )
    cost.add_argument("model", metavar="ID", help="full model id or alias")
    _add_request_flags(cost)
    cost.set_defaults(handler=commands.cost)

    compare = commands_.add_parser(
        "compare",
        parents=[common],
        help="compare models side by side",
        description="Compare models side by side.",
    )
    compare.add_argument("models", nargs="+", metavar="ID", help="full model ids or aliases")
    _add_request_flags(compare)
    compare.set_defaults(handler=commands.compare)
    _add_source_commands(commands_, common)


def _add_source_commands(commands_: Any, common: argparse.ArgumentParser) -> None:
    importing = commands_.add_parser(
        "import",
        parents=[common],
        help="draft catalog records from litellm's price map",
        description=(
            "Draft catalog YAML for a provider's models from the litellm price map "
            "installed with litellm, for review. An existing --output file is kept as it "
            "is: only the models it lacks are appended, and its values that differ from "
            "the source are listed. Without --output the YAML goes to stdout."
        ),
    )
    importing.add_argument(
        "--from", dest="source", required=True, choices=["litellm"], help="the source to read"
    )
    importing.add_argument("--provider", required=True, metavar="ID", help="our provider id")
    importing.add_argument(
        "--models", metavar="PATTERN", help="only model ids matching this fnmatch pattern"
    )
    importing.add_argument("--output", type=Path, metavar="FILE", help="the catalog file to write")
    importing.set_defaults(handler=commands.import_records)

    drift = commands_.add_parser(
        "drift",
        parents=[common],
        help="compare the catalog with litellm or models.dev",
        description=(
            "Compare every catalog model the source knows (prices, limits, capabilities, "
            "status), list the source's models the catalog lacks and the catalog's models "
            "the source lacks. Reviewed differences recorded in provenance.differences and "
            "skipped_source_models are explained. Exit 0 when every difference is "
            "explained, 1 when any is not, 2 on a usage error."
        ),
    )
    drift.add_argument(
        "--against", required=True, choices=["litellm", "models.dev"], help="the source"
    )
    drift.add_argument(
        "--provider", action="append", metavar="ID", help="only this provider (repeatable)"
    )
    drift.set_defaults(handler=commands.drift)

    audit = commands_.add_parser(
        "audit",
        parents=[common],
        help="how far the catalog's facts are checked, by provider",
        description=(
            "For each provider's active and preview models: the share at each trust level "
            "(provider: its prices and limits cite the provider's own pages; aggregators: "
            "litellm and models.dev both give them; single: one aggregator alone), the "
            "checks older than 30 days, the reviewed exceptions to validate's rules, and the "
            "models resting on one aggregator without a note saying why."
        ),
    )
    audit.add_argument(
        "--provider", action="append", metavar="ID", help="only this provider (repeatable)"
    )
    audit.set_defaults(handler=commands.audit)


def add_usage_command(commands_: Any) -> None:
    usage = commands_.add_parser(
        "usage",
        help="report calls, tokens and spend from the usage ledger",
        description=(
            "Report the router's attempts, answers, failures, tokens and spend from the "
            "usage ledger of this machine, and from the shared counters of the state named "
            "by --state or LLM_CATALOG_STATE (Redis, for several machines)."
        ),
    )
    usage.add_argument(
        "--since",
        type=since,
        default="30d",
        metavar="WHEN",
        help="YYYY-MM-DD (UTC), or an age such as 7d or 24h (default 30d)",
    )
    usage.add_argument(
        "--by", choices=["provider", "model", "profile"], default="model", help="group by"
    )
    usage.add_argument("--json", action="store_true", help="print JSON")
    usage.add_argument(
        "--ledger",
        type=Path,
        metavar="PATH",
        help="the ledger file (default: usage.sqlite3 in LLM_CATALOG_DATA_DIR or the user's data "
        "directory)",
    )
    usage.add_argument(
        "--state",
        metavar="URL",
        help="also report the shared counters of this state (default: LLM_CATALOG_STATE)",
    )
    usage.set_defaults(handler=commands.usage)


def add_site_command(commands_: Any) -> None:
    site = commands_.add_parser(
        "site",
        help="build the catalog browser, a static page",
        description="The catalog browser: a static page with a filterable table and a price chart.",
    )
    actions = site.add_subparsers(dest="site_command", metavar="ACTION")
    actions.required = True
    build = actions.add_parser(
        "build",
        help="write the page into a directory",
        description=(
            "Write index.html, catalog.css and catalog.js into DIR (created when missing; "
            "other files there are left alone). The page embeds the catalog and needs no "
            "server and no network: open DIR/index.html in a browser."
        ),
    )
    build.add_argument(
        "-o", "--output", type=Path, required=True, metavar="DIR", help="the directory to write"
    )
    build.add_argument(
        "--catalog",
        action="append",
        default=[],
        metavar="DIR",
        help="a directory of catalog files merged over the shipped catalog (repeatable)",
    )
    build.add_argument(
        "--no-shipped",
        action="store_true",
        help="use only the --catalog directories and LLM_CATALOG_PATH, not the shipped catalog",
    )
    build.add_argument("--json", action="store_true", help="print JSON")
    build.set_defaults(handler=commands.site_build)


def _add_request_flags(parser: argparse.ArgumentParser) -> None:
    request = parser.add_argument_group("the request")
    request.add_argument(
        "--input-tokens", type=token_count, metavar="N", help="input tokens (default 1,000)"
    )
    request.add_argument(
        "--output-tokens", type=token_count, metavar="N", help="output tokens (default 1,000)"
    )
    request.add_argument(
        "--cached-input-tokens",
        type=token_count,
        metavar="N",
        help="of the input tokens, those read from the prompt cache",
    )
    request.add_argument(
        "--prompt-file",
        type=Path,
        metavar="FILE",
        help="count the input tokens of this file's text with each model's tokenizer",
    )
    request.add_argument("--batch", action="store_true", default=None, help="cost at batch prices")
    request.add_argument(
        "--at",
        type=moment,
        metavar="WHEN",
        help="cost at the prices of this date or UTC moment (YYYY-MM-DD or YYYY-MM-DDTHH:MM; "
        "default now)",
    )
    request.add_argument(
        "--service-tier",
        type=billing_name,
        metavar="TIER",
        help="cost at this service tier (flex, priority, ...)",
    )
    request.add_argument(
        "--region",
        type=billing_name,
        metavar="REGION",
        help="cost at this region's prices (select: only models priced there)",
    )
    request.add_argument(
        "--web-searches", type=unit_count, metavar="N", help="web search calls the request makes"
    )
    request.add_argument(
        "--search-context",
        choices=("low", "medium", "high"),
        help="the search context size the request asks for (Perplexity's request fee)",
    )


def _add_select_flags(parser: argparse.ArgumentParser) -> None:
    flags = parser.add_argument_group("predicates")
    for name in (*CAPABILITIES, "vision"):
        flag = name.replace("_", "-")
        flags.add_argument(
            f"--{flag}",
            action=argparse.BooleanOptionalAction,
            default=None,
            help=f"require (--{flag}) or exclude (--no-{flag}) this capability",
        )
    flags.add_argument("--mode", help="chat (the default), embedding, ..., or 'any'")
    flags.add_argument(
        "--status", action="append", help="active, preview, deprecated, retired (repeatable)"
    )
    flags.add_argument("--provider", action="append", metavar="ID", help="repeatable")
    flags.add_argument("--exclude-provider", action="append", metavar="ID", help="repeatable")
    flags.add_argument(
        "--input-modality", action="append", dest="input_modalities", metavar="M", help="repeatable"
    )
    flags.add_argument(
        "--output-modality",
        action="append",
        dest="output_modalities",
        metavar="M",
        help="repeatable",
    )
    flags.add_argument("--min-context", type=least_tokens, metavar="N", help="for example 128k")
    flags.add_argument("--min-output", type=least_tokens, metavar="N", help="for example 16k")
    flags.add_argument("--released-after", type=day, metavar="DATE")
    flags.add_argument(
        "--supports", action="append", metavar="PARAM", help="a request parameter (repeatable)"
    )
    flags.add_argument("--max-input-price", type=money, metavar="USD", help="per million tokens")
    flags.add_argument("--max-output-price", type=money, metavar="USD", help="per million tokens")
    flags.add_argument("--max-cost", type=money, metavar="USD", help="per request")
    _add_request_flags(parser)
    order = parser.add_argument_group("order")
    order.add_argument("--order-by", choices=ORDERS, default=None)
    order.add_argument("--limit", type=count, metavar="N")
    parser.add_argument(
        "--explain", action="store_true", help="say why each model left out was left out"
    )
