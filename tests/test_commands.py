"""The query commands: list, show, select, cost, compare, on the small catalog of test_query."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from llm_catalog.data.vocabulary import CAPABILITIES
from llm_catalog.interfaces import commands
from llm_catalog.interfaces.cli import main, token_count
from llm_catalog.query.selection import ORDERS
from tests.test_query import CATALOG


@pytest.fixture(autouse=True)
def _acme(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "acme.yaml").write_text(CATALOG, encoding="utf-8")
    monkeypatch.chdir(tmp_path)


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main([*argv, "--no-shipped", "--catalog", "."], out=out, err=err)
    return status, out.getvalue(), err.getvalue()


def test_the_parser_knows_every_capability_and_order() -> None:
    assert commands.CAPABILITIES == CAPABILITIES
    assert commands.ORDERS == ORDERS


def test_list_prints_a_table() -> None:
    status, out, err = run("list")
    assert status == 0
    assert out == (
        "id             context  output  input $/M  output $/M  vision  status\n"
        "-------------  -------  ------  ---------  ----------  ------  ----------\n"
        "acme/embed          8k       -      $0.02           -  no      active\n"
        "acme/eye          128k     16k      $2.50      $10.00  yes     active\n"
        "acme/mini-eye     128k     16k      $0.15       $0.60  yes     active\n"
        "acme/mystery       32k       -          -           -  yes     active\n"
        "acme/old            8k      4k      $0.50       $1.50  no      deprecated\n"
        "acme/thinker        1M     64k      $1.00       $4.00  no      active\n"
    )
    assert err == ""


def test_list_json_and_filters() -> None:
    status, out, _ = run("list", "--status", "deprecated", "--json")
    assert status == 0
    data = json.loads(out)
    assert data["status"] == "ok"
    assert [m["id"] for m in data["models"]] == ["acme/old"]
    assert data["models"][0]["pricing"]["input"] == "0.5"
    assert run("list", "--provider", "nobody") == (1, "", "no models match\n")


def test_show_prints_the_record_and_where_it_was_written() -> None:
    status, out, _ = run("show", "acme/eye")
    assert status == 0
    assert out.startswith("id: acme/eye\nprovider: acme\nname: Eye\n")
    assert "  cached_input: 1.25\n" in out
    assert out.endswith("vision: True\nsource: acme.yaml:8:5\n")
    data = json.loads(run("show", "acme/eye", "--json")[1])
    assert data["limits"] == {
        "context_window": 128000,
        "max_output_tokens": 16000,
        "max_input_tokens": None,
    }
    assert data["source"] == "acme.yaml:8:5"


def test_show_unknown_id_is_a_usage_error() -> None:
    assert run("show", "acme/ey") == (
        2,
        "",
        "llm-catalog: error: no model 'acme/ey' in the catalog; did you mean 'acme/eye' or "
        "'acme/embed' or 'acme/mini-eye'?\n",
    )


def test_select_with_explain() -> None:
    status, out, _ = run("select", "--vision", "--max-cost", "0.01", "--explain")
    assert status == 0
    assert out == (
        "id             context  output  input $/M  output $/M  vision  status  est. cost  tokens in\n"
        "-------------  -------  ------  ---------  ----------  ------  ------  ---------  ---------\n"
        "acme/mini-eye     128k     16k      $0.15       $0.60  yes     active   $0.00075      1,000\n"
        "\n"
        "left out:\n"
        "  acme/embed: mode embedding != chat\n"
        "  acme/eye: estimated cost $0.0125 > max_cost $0.01\n"
        "  acme/mystery: unpriced (unknown is not free), max_cost $0.01\n"
        "  acme/old: status deprecated not in active, preview\n"
        "  acme/thinker: vision is False, wanted True\n"
    )


def test_select_json_shape() -> None:
    status, out, _ = run("select", "--reasoning", "--json")
    assert status == 0
    assert json.loads(out) == {
        "status": "ok",
        "order_by": "cost",
        "models": [
            {
                "id": "acme/thinker",
                "name": "Thinker",
                "provider": "acme",
                "estimated_cost": "0.005",
                "input_tokens": 1000,
                "output_tokens": 1000,
                "token_method": "default",
                "context_window": 1000000,
                "max_output_tokens": 64000,
                "input_price": "1",
                "output_price": "4",
                "rate": [],
                "vision": False,
                "status": "active",
            }
        ],
        "excluded": [],
    }


def test_select_flags_map_to_keywords() -> None:
    assert run("select", "--min-context", "500k", "--no-reasoning") == (1, "", "no models match\n")
    _, out, _ = run("select", "--min-context", "128k", "--order-by", "id", "--limit", "2", "--json")
    assert [m["id"] for m in json.loads(out)["models"]] == ["acme/eye", "acme/mini-eye"]
    _, out, _ = run(
        "select", "--mode", "any", "--status", "active", "--status", "deprecated", "--json"
    )
    assert len(json.loads(out)["models"]) == 6
    _, out, _ = run("select", "--supports", "reasoning_effort", "--json")
    assert [m["id"] for m in json.loads(out)["models"]] == ["acme/thinker"]
    _, out, _ = run("select", "--batch", "--max-cost", "$0.01", "--json")
    assert [m["estimated_cost"] for m in json.loads(out)["models"]] == ["0.00625"]


def test_select_counts_a_prompt_file(tmp_path: Path) -> None:
    (tmp_path / "prompt.txt").write_text("x" * 3500, encoding="utf-8")
    _, out, _ = run("select", "--provider", "acme", "--prompt-file", "prompt.txt", "--json")
    # acme models are served through litellm's openai provider prefix, but the
    # provider is not OpenAI: the estimate is 4 characters a token.
    methods = {m["id"]: (m["input_tokens"], m["token_method"]) for m in json.loads(out)["models"]}
    assert methods["acme/eye"] == (875, "estimate:chars/4")


def test_cost_of_one_request() -> None:
    assert run(
        "cost",
        "acme/eye",
        "--input-tokens",
        "10k",
        "--cached-input-tokens",
        "6k",
        "--output-tokens",
        "1k",
    ) == (0, "acme/eye: $0.0275 for 10,000 input tokens (given) and 1,000 output tokens\n", "")
    status, out, _ = run("cost", "acme/eye", "--batch", "--json")
    assert status == 0
    assert json.loads(out) == {
        "id": "acme/eye",
        "input_tokens": 1000,
        "output_tokens": 1000,
        "cached_input_tokens": 0,
        "token_method": "default",
        "batch": True,
        "at": None,
        "service_tier": None,
        "region": None,
        "web_searches": 0,
        "search_context": None,
        "rate": [],
        "estimated_cost": "0.00625",
    }


def test_cost_of_an_unpriced_model_exits_1() -> None:
    assert run("cost", "acme/mystery") == (
        1,
        "acme/mystery: unpriced for 1,000 input tokens (default) and 1,000 output tokens\n",
        "acme/mystery has no price for this request in the catalog\n",
    )


def test_cost_refuses_more_cached_than_input_tokens() -> None:
    assert run("cost", "acme/eye", "--input-tokens", "5", "--cached-input-tokens", "9") == (
        2,
        "",
        "llm-catalog: error: --cached-input-tokens (9) exceeds the input tokens (5)\n",
    )


def test_compare_side_by_side() -> None:
    status, out, _ = run("compare", "acme/eye", "acme/thinker", "--input-tokens", "1m")
    assert status == 0
    lines = out.splitlines()
    assert lines[0].split() == ["acme/eye", "acme/thinker"]
    assert lines[-1].split() == ["est.", "cost", "$2.51", "$1.004"]
    assert "reasoning            no           yes" in lines
    data = json.loads(run("compare", "acme/eye", "acme/mini-eye", "--json")[1])
    assert [(m["id"], m["estimated_cost"]) for m in data["models"]] == [
        ("acme/eye", "0.0125"),
        ("acme/mini-eye", "0.00075"),
    ]


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("128000", 128_000),
        ("128k", 128_000),
        ("1m", 1_000_000),
        ("1.5M", 1_500_000),
        ("200_000", 200_000),
        ("200,000", 200_000),
    ],
)
def test_token_counts_as_typed(text: str, count: int) -> None:
    assert token_count(text) == count


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["select", "--max-cost", "abc"],
            "argument --max-cost: 'abc' is not an amount of US dollars: write, for example, "
            "0.01 or $0.01",
        ),
        (
            ["select", "--min-context", "lots"],
            "argument --min-context: 'lots' is not a token count; write 128000, 128k or 1m",
        ),
        (
            ["select", "--min-context", "1.5"],
            "argument --min-context: '1.5' is not a whole, non-negative token count: write, "
            "for example, 1500 or 1.5k",
        ),
        (
            ["cost", "acme/eye", "--at", "yesterday"],
            "argument --at: 'yesterday' is not a date; write YYYY-MM-DD",
        ),
    ],
)
def test_bad_flag_values_are_usage_errors(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*argv, "--no-shipped", "--catalog", "."]) == 2
    assert capsys.readouterr().err.endswith(f"error: {message}\n")
