"""Example catalogs: every folder under cases/valid loads; every folder under
cases/invalid reports exactly the problems in its expected.txt."""

from __future__ import annotations

from pathlib import Path

import pytest

from llm_catalog.load.loader import check_catalog
from tests.conftest import CASES

VALID = sorted(p for p in (CASES / "valid").iterdir() if p.is_dir())
INVALID = sorted(p for p in (CASES / "invalid").iterdir() if p.is_dir())


@pytest.mark.parametrize("case", VALID, ids=lambda p: p.name)
def test_valid_case_loads(case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(case)
    result = check_catalog(["."], shipped=False)
    assert [str(p) for p in result.problems] == []
    assert result.catalog is not None
    assert len(result.catalog) > 0


@pytest.mark.parametrize("case", INVALID, ids=lambda p: p.name)
def test_invalid_case_reports_expected_problems(
    case: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(case)
    expected = (case / "expected.txt").read_text(encoding="utf-8").splitlines()
    result = check_catalog(["."], shipped=False)
    assert result.catalog is None
    assert [str(p) for p in result.problems] == expected
