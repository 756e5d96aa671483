"""Loading: where files come from, how they merge, and where each value came from."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest

from llm_catalog import CatalogError, CatalogPathError, Location, UnknownModelError, load_catalog
from llm_catalog.load.loader import catalog_roots, check_catalog, shipped_catalog_dir
from tests.conftest import CASES

OVERRIDES = CASES / "valid" / "user-overrides"

BASE = """\
provider:
  id: acme
  name: Acme
  litellm_provider: openai
  api_key_env: [ACME_API_KEY]
models:
  - id: small
    name: Small
    limits: {context_window: 1000, max_output_tokens: 100}
    pricing: {input: 1, output: 2, batch: {input: 0.5, output: 1}}
    provenance: {sources: [https://acme.example], checked: 2026-11-25}
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_override_patches_named_fields_and_keeps_the_rest(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(OVERRIDES)
    catalog = load_catalog(["."], shipped=False)
    small = catalog["acme/small"]
    assert small.pricing is not None
    assert small.pricing.input == Decimal("0.8")
    assert small.pricing.output == Decimal("2")
    assert catalog.providers["acme"].api_base == "http://127.0.0.1:4000/v1"
    assert catalog["acme/small-ft"].litellm_model == "openai/ft:small:acme"
    assert catalog["acme/small-ft"].provider == "acme"


def test_every_value_knows_its_file_and_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(OVERRIDES)
    catalog = load_catalog(["."], shipped=False)
    assert catalog.locate("acme/small", "/pricing/input") == Location("zz-private.yaml", 12, 22)
    assert catalog.locate("acme/small", "/pricing/output") == Location("acme.yaml", 10, 33)
    assert catalog.locate("acme/small") == Location("acme.yaml", 7, 5)
    assert catalog.locate("acme", "/api_base") == Location("zz-private.yaml", 15, 15)
    assert catalog.files == ("acme.yaml", "zz-private.yaml")


def test_nested_override_merges_mappings_and_replaces_lists(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", BASE)
    write(
        tmp_path / "b.yaml",
        "overrides:\n"
        "  - id: acme/small\n"
        "    pricing: {batch: {input: 0.25}}\n"
        "    modalities: {input: [text, image]}\n",
    )
    small = load_catalog([tmp_path], shipped=False)["acme/small"]
    assert small.pricing is not None
    assert small.pricing.batch is not None
    assert (small.pricing.batch.input, small.pricing.batch.output) == (Decimal("0.25"), Decimal(1))
    assert small.vision is True


def test_user_directories_come_after_shipped_then_environment(tmp_path: Path) -> None:
    env_dir = tmp_path / "env"
    arg_dir = tmp_path / "arg"
    env_dir.mkdir()
    arg_dir.mkdir()
    roots = catalog_roots([arg_dir], environ={"LLM_CATALOG_PATH": f"{env_dir}{os.pathsep}"})
    assert roots == [shipped_catalog_dir(), env_dir, arg_dir]


def test_missing_path_is_a_path_error(tmp_path: Path) -> None:
    with pytest.raises(CatalogPathError) as caught:
        check_catalog([tmp_path / "nowhere"], shipped=False)
    assert str(caught.value) == (
        f"catalog path {str(tmp_path / 'nowhere')!r} does not exist: check the path"
    )
    with pytest.raises(CatalogPathError) as caught:
        check_catalog([], environ={"LLM_CATALOG_PATH": str(tmp_path / "gone")})
    assert str(caught.value).startswith("LLM_CATALOG_PATH entry ")


def test_environment_directories_are_merged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "a.yaml", BASE)
    monkeypatch.setenv("LLM_CATALOG_PATH", str(tmp_path))
    catalog = load_catalog()
    assert "acme/small" in catalog
    assert len(catalog) > 1


def test_a_file_named_twice_is_read_once(tmp_path: Path) -> None:
    path = write(tmp_path / "a.yaml", BASE)
    result = check_catalog([tmp_path, path, tmp_path / "." / "a.yaml"], shipped=False)
    assert result.problems == []
    assert len(result.files) == 1


def test_shipped_directory_named_again_is_not_a_duplicate() -> None:
    result = check_catalog([shipped_catalog_dir()])
    assert result.problems == []


def test_catalog_error_lists_every_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "a.yaml", BASE.replace("context_window: 1000", "context_window: -5"))
    write(tmp_path / "b.yaml", "overrides:\n  - id: acme/nope\n")
    with pytest.raises(CatalogError) as caught:
        load_catalog(["."], shipped=False)
    assert str(caught.value) == (
        "the catalog is invalid (2 problems):\n"
        "a.yaml:9:30: /models/0/limits/context_window: -5 is less than the minimum of 1\n"
        "b.yaml:2:9: /overrides/0/id: no model 'acme/nope' in the catalog; check the id, or "
        "define that model (an override changes an existing model; to add one, list it under "
        "'models')"
    )
    assert [p.pointer for p in caught.value.problems] == [
        "/models/0/limits/context_window",
        "/overrides/0/id",
    ]


def test_lookup_by_alias_and_unknown_id(tmp_path: Path) -> None:
    write(
        tmp_path / "a.yaml",
        BASE.replace("    name: Small\n", "    name: Small\n    aliases: [tiny]\n"),
    )
    catalog = load_catalog([tmp_path], shipped=False)
    assert catalog.get("tiny") is catalog["acme/small"]
    assert "tiny" in catalog
    assert catalog.provider_of("tiny").name == "Acme"
    with pytest.raises(UnknownModelError) as caught:
        catalog.get("acme/smal")
    assert str(caught.value) == "no model 'acme/smal' in the catalog; did you mean 'acme/small'?"


def test_records_are_frozen(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", BASE)
    model = load_catalog([tmp_path], shipped=False)["acme/small"]
    with pytest.raises(ValueError, match="frozen"):
        model.name = "changed"  # type: ignore[misc]


def test_prices_are_exact_decimals(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", BASE.replace("input: 1, output: 2,", "input: 0.075, output: 0.3,"))
    pricing = load_catalog([tmp_path], shipped=False)["acme/small"].pricing
    assert pricing is not None
    assert (pricing.input, pricing.output) == (Decimal("0.075"), Decimal("0.3"))
