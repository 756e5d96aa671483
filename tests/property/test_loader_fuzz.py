"""Fuzzing the loader: whatever a catalog file holds, check_catalog reports it and never raises.

Every test writes its file into a fresh temporary directory (hypothesis runs
many examples per test, so pytest's function-scoped ``tmp_path`` cannot be used).
"""

from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from llm_catalog.data.errors import Problem
from llm_catalog.load.loader import LoadResult, check_catalog
from tests.property import strategies as s

FUZZ = settings(max_examples=200, deadline=None)


def load(data: str | bytes) -> tuple[LoadResult, str]:
    """Check ``data`` as one catalog file; the result and the file's name as messages show it."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "acme.yaml")
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
        result = check_catalog([path], shipped=False)
    assert len(result.files) == 1
    assert Path(result.files[0]).resolve() == path.resolve()
    assert_well_formed(result)
    return result, result.files[0]


def assert_well_formed(result: LoadResult) -> None:
    """Either a catalog and no problem, or no catalog and located, non-empty problems."""
    if result.catalog is not None:
        assert result.problems == []
        return
    assert result.problems
    for problem in result.problems:
        assert isinstance(problem, Problem)
        assert problem.file == result.files[0]
        assert problem.line >= 1
        assert problem.column >= 1
        assert problem.pointer == "" or problem.pointer.startswith("/")
        assert problem.message.strip()
    places = [(p.line, p.column, p.pointer) for p in result.problems]
    assert places == sorted(places)


@FUZZ
@given(s.valid_files())
def test_valid_files_load_with_every_value_kept(document: dict[str, Any]) -> None:
    result, _ = load(s.dump(document))
    assert result.problems == []
    catalog = result.catalog
    assert catalog is not None
    provider = document["provider"]
    assert list(catalog.providers) == [provider["id"]]
    assert catalog.providers[provider["id"]].name == provider["name"]
    assert list(catalog.providers[provider["id"]].api_key_env) == provider.get("api_key_env", [])
    assert len(catalog) == len(document["models"])
    for written in document["models"]:
        model = catalog[f"{provider['id']}/{written['id']}"]
        assert model.name == written["name"]
        assert model.limits.context_window == written["limits"]["context_window"]
        assert model.limits.max_output_tokens == written["limits"].get("max_output_tokens")
        assert model.provenance.checked == written["provenance"]["checked"]
        assert list(model.provenance.sources) == written["provenance"]["sources"]
        prices = written.get("pricing", {})
        for key in ("input", "output"):
            loaded = getattr(model.pricing, key) if model.pricing else None
            assert loaded == prices.get(key)
            assert loaded is None or isinstance(loaded, Decimal)


@FUZZ
@given(s.any_broken)
def test_broken_files_are_reported_where_they_were_broken(broken: s.Broken) -> None:
    result, _ = load(broken.text)
    assert result.catalog is None, broken.how
    assert broken.pointer in {p.pointer for p in result.problems}, broken.how


@FUZZ
@given(st.one_of(s.duplicated_key(), s.injected_construct()))
def test_refused_yaml_is_reported_exactly(broken: s.TextBroken) -> None:
    result, _ = load(broken.text)
    assert [(p.line, p.column, p.message) for p in result.problems] == [
        (broken.line, broken.column, broken.message)
    ]


@FUZZ
@given(s.mutated_text())
def test_edited_text_never_raises(text: str) -> None:
    load(text)


@FUZZ
@given(st.one_of(st.binary(max_size=2000), st.text(max_size=500)))
def test_random_bytes_and_text_never_raise(data: str | bytes) -> None:
    load(data)
