"""The command line: exit statuses, text and JSON reports."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from llm_catalog.interfaces.cli import main
from tests.conftest import CASES


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), out=out, err=err)
    return status, out.getvalue(), err.getvalue()


def test_validate_shipped_catalog_succeeds() -> None:
    status, out, err = run("validate")
    assert status == 0
    assert out.startswith("ok: ")
    assert out.endswith(" profiles\n")
    assert err == ""


def test_validate_invalid_prints_every_problem_and_exits_1(monkeypatch: pytest.MonkeyPatch) -> None:
    case = CASES / "invalid" / "wrong-types"
    monkeypatch.chdir(case)
    status, out, err = run("validate", "--no-shipped", ".")
    assert status == 1
    assert out.splitlines() == (case / "expected.txt").read_text(encoding="utf-8").splitlines()
    assert err == "invalid: 5 problems in 1 file\n"


def test_validate_json_shape(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(CASES / "invalid" / "alias-collisions")
    status, out, _ = run("validate", "--no-shipped", "--json", ".")
    assert status == 1
    assert json.loads(out) == {
        "status": "invalid",
        "files": ["acme.yaml"],
        "providers": None,
        "models": None,
        "profiles": None,
        "errors": [
            {
                "file": "acme.yaml",
                "line": 9,
                "column": 15,
                "pointer": "/models/0/aliases/0",
                "message": "alias 'acme/large' cannot be used: it is the id of model 'acme/large'",
            },
            {
                "file": "acme.yaml",
                "line": 14,
                "column": 15,
                "pointer": "/models/1/aliases/0",
                "message": "alias 'tiny' cannot be used: it is already an alias of 'acme/small' "
                "(acme.yaml:9:14)",
            },
        ],
    }


def test_validate_json_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(CASES / "valid" / "full")
    status, out, _ = run("validate", "--no-shipped", "--json", "--catalog", ".")
    assert status == 0
    assert json.loads(out) == {
        "status": "valid",
        "files": ["acme.yaml"],
        "providers": 1,
        "models": 3,
        "profiles": 0,
        "errors": [],
    }


def test_user_catalog_is_checked_over_the_shipped_one(tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text(
        "overrides:\n  - id: openai/gpt-4o\n    pricing: {input: 2.0}\n", encoding="utf-8"
    )
    assert run("validate", "--catalog", str(tmp_path))[0] == 0
    assert run("validate", "--no-shipped", str(tmp_path))[0] == 1


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    status, out, err = run("validate", str(tmp_path / "absent"))
    assert status == 2
    assert out == ""
    assert (
        err
        == f"llm-catalog: error: catalog path {str(tmp_path / 'absent')!r} does not exist: check the path\n"
    )
    status, out, _ = run("validate", "--json", str(tmp_path / "absent"))
    assert status == 2
    assert json.loads(out)["status"] == "usage_error"


@pytest.mark.parametrize("argv", [[], ["validate", "--bogus"], ["frobnicate"]])
def test_bad_arguments_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert "usage: llm-catalog" in capsys.readouterr().err


def test_python_dash_m_runs_the_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "llm_catalog", "validate", "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["status"] == "valid"
