"""Whatever a user types on the command line ends in a clear message and exit 1 or 2, never a
traceback: bounded numbers and ages, prompt files that are not files, empty paths, bad state
URLs, and output to a reader that went away."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llm_catalog.interfaces.cli import main
from tests.conftest import REPO

TINY = """\
provider: {id: acme, name: Acme, litellm_provider: openai, api_key_env: [ACME_API_KEY]}
models:
  - id: small
    name: Small
    limits: {context_window: 100000, max_output_tokens: 4096}
    pricing: {input: 1, output: 2}
    provenance: {sources: [https://acme.example/pricing], checked: 2026-11-25}
"""


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    folder = tmp_path / "tiny"
    folder.mkdir()
    (folder / "acme.yaml").write_text(TINY, encoding="utf-8")
    return folder


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    # argparse writes its usage errors to sys.stderr itself.
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            code = main(list(argv), out=out, err=err)
    except SystemExit as exit_:  # pragma: no cover - main returns, never exits
        code = int(exit_.code or 0)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["cost", "acme/small", "--input-tokens", "2e10"],
            "argument --input-tokens: '2e10' is more than the largest token count, "
            "1,000,000,000: give a smaller count",
        ),
        (
            ["cost", "acme/small", "--input-tokens", "1e5000"],
            "argument --input-tokens: '1e5000' is more than the largest token count, "
            "1,000,000,000: give a smaller count",
        ),
        (
            ["select", "--min-context", "1e999999k"],
            "argument --min-context: '1e999999k' is more than the largest token count, "
            "1,000,000,000: give a smaller count",
        ),
        (
            ["select", "--max-cost", "2000000000"],
            "argument --max-cost: '2000000000' is more than the largest amount, "
            "$1,000,000,000: give a smaller amount",
        ),
        (
            ["select", "--max-cost", "NaN"],
            "argument --max-cost: 'NaN' is not an amount of US dollars: write, for example, "
            "0.01 or $0.01",
        ),
        (
            ["select", "--limit", "-1"],
            "argument --limit: '-1' is not a number of models: write a whole number from 1 to "
            "1,000,000",
        ),
        (
            ["usage", "--since", "99999999d"],
            "argument --since: '99999999d' reaches back more than 36,500 days: give a shorter "
            "age or a date",
        ),
        (
            ["usage", "--since", "999999999999999999999999999999h"],
            "argument --since: '999999999999999999999999999999h' reaches back more than "
            "36,500 days (876,000 hours): give a shorter age or a date",
        ),
        (
            ["usage", "--since", "0001-01-01T00:00:00+05:00"],
            "argument --since: '0001-01-01T00:00:00+05:00' is before 1970-01-01 UTC, the "
            "earliest moment taken: give a later date",
        ),
    ],
)
def test_out_of_bounds_values_are_usage_errors(argv: list[str], message: str, tiny: Path) -> None:
    extra = ["--no-shipped", "--catalog", str(tiny)] if argv[0] != "usage" else []
    code, out, err = run(*argv, *extra)
    assert (code, out) == (2, "")
    assert err.splitlines()[-1].endswith(f"error: {message}")


def test_a_prompt_file_must_be_a_regular_file_of_utf8(tiny: Path, tmp_path: Path) -> None:
    base = ["cost", "acme/small", "--no-shipped", "--catalog", str(tiny), "--prompt-file"]
    code, _, err = run(*base, "/dev/zero")
    assert (code, err) == (
        2,
        "llm-catalog: error: --prompt-file '/dev/zero': not a regular file: give a file of the "
        "prompt's text\n",
    )
    fifo = tmp_path / "prompt.fifo"
    os.mkfifo(fifo)
    code, _, err = run(*base, str(fifo))
    assert code == 2
    assert err.endswith("not a regular file: give a file of the prompt's text\n")
    latin = tmp_path / "latin.txt"
    latin.write_bytes(b"caf\xe9")
    code, _, err = run(*base, str(latin))
    assert (code, err) == (
        2,
        f"llm-catalog: error: --prompt-file {str(latin)!r}: not UTF-8 (byte 0xe9 at offset 3): "
        "save it as UTF-8\n",
    )


def test_an_empty_catalog_path_is_a_usage_error() -> None:
    code, _, err = run("list", "--catalog", "")
    assert (code, err) == (
        2,
        "llm-catalog: error: catalog path '' is empty: name a directory of catalog files\n",
    )


def test_a_state_that_is_no_url_nor_path_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LLM_CATALOG_STATE", "::::")
    code, _, err = run("usage", "--ledger", str(tmp_path / "none.sqlite3"))
    assert code == 2
    assert err == (
        "llm-catalog: error: LLM_CATALOG_STATE '::::' is neither a state URL nor a file path: write "
        "sqlite:///PATH, a file path without ':', or redis://HOST:PORT/DB\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_output_to_a_closed_pipe_ends_quietly() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "llm_catalog", "list", "--json"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    assert process.stderr is not None
    assert process.stdout.read(10)
    process.stdout.close()
    stderr = process.stderr.read()
    process.stderr.close()
    process.wait(timeout=120)
    assert (process.returncode, stderr) == (141, b"")


GARBAGE = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "k",
            "m",
            "kk",
            "1g",
            "NaN",
            "-inf",
            "Infinity",
            "-0",
            "1e-5k",
            "1_0",
            "١٢٣",
            "1e999999999",
            "9" * 5000,
            "0x10",
            "1,5",
            "$",
            "$-1",
            "7d",
            "24h",
            "-1d",
            "1.5k",
        ]
    ),
    st.text(alphabet="0123456789eE.-+_,kKmMdh$ ", max_size=30),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
)
FLAGS = [
    ("select", "--input-tokens"),
    ("select", "--output-tokens"),
    ("select", "--cached-input-tokens"),
    ("select", "--min-context"),
    ("select", "--min-output"),
    ("select", "--max-cost"),
    ("select", "--max-input-price"),
    ("select", "--max-output-price"),
    ("select", "--limit"),
    ("select", "--released-after"),
    ("select", "--at"),
    ("cost", "--input-tokens"),
    ("cost", "--at"),
    ("cost", "--service-tier"),
    ("cost", "--region"),
    ("cost", "--web-searches"),
    ("select", "--web-searches"),
    ("select", "--region"),
    ("compare", "--output-tokens"),
    ("usage", "--since"),
]


@settings(max_examples=150)
@given(flag=st.sampled_from(FLAGS), value=GARBAGE)
def test_no_typed_value_ends_in_a_traceback(flag: tuple[str, str], value: str) -> None:
    command, option = flag
    catalog = Path(__file__).resolve().parent / "cases" / "valid" / "minimal"
    argv = [command]
    if command in ("cost", "compare"):
        argv.append("acme/small")
    if command != "usage":
        argv += ["--no-shipped", "--catalog", str(catalog)]
    else:
        argv += ["--ledger", "/nonexistent/llm-catalog-test/usage.sqlite3"]
    code, out, err = run(*argv, f"{option}={value}")
    assert code in (0, 1, 2), (code, out, err)
    assert "Traceback" not in out + err


def test_control_characters_from_a_catalog_never_reach_the_terminal(tmp_path: Path) -> None:
    folder = tmp_path / "escapes"
    folder.mkdir()
    (folder / "acme.yaml").write_text(
        TINY.replace("name: Small", 'name: "\\e]0;x\\a\\e[2J"'), encoding="utf-8"
    )
    for argv in (["show", "acme/small"], ["list"], ["compare", "acme/small"], ["select"]):
        code, out, err = run(*argv, "--no-shipped", "--catalog", str(folder))
        assert not any(ch in out + err for ch in "\x1b\x07"), (argv, code, out, err)
    code, out, _ = run("show", "acme/small", "--no-shipped", "--catalog", str(folder))
    assert code in (0, 1)
    if code == 0:
        assert "\\x1b]0;x\\x07\\x1b[2J" in out


def test_a_ledger_that_is_no_regular_file_is_a_usage_error(tmp_path: Path) -> None:
    code, out, err = run("usage", "--ledger", str(tmp_path))
    assert (code, out) == (2, "")
    assert err == (
        f"llm-catalog: error: --ledger {str(tmp_path)!r} is a directory: name the ledger file "
        f"in it, such as {str(tmp_path / 'usage.sqlite3')!r}\n"
    )
    fifo = tmp_path / "usage.fifo"
    os.mkfifo(fifo)
    code, out, err = run("usage", "--ledger", str(fifo))
    assert (code, out) == (2, "")
    assert err == (
        f"llm-catalog: error: --ledger {str(fifo)!r} is not a regular file: name the ledger "
        "file, such as usage.sqlite3\n"
    )
