"""Bad input: every broken file gets a located, readable problem and exit status 1, never a
traceback.

Each test checks the problems check_catalog returns, word for word, and what
``llm-catalog validate`` prints for the same file.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

from llm_catalog.data.errors import CatalogPathError
from llm_catalog.interfaces.cli import main
from llm_catalog.load.loader import MAX_FILE_BYTES, check_catalog

ROOT = Path(__file__).resolve().parent.parent

BASE = """\
provider:
  id: acme
  name: Acme
  litellm_provider: openai
  api_key_env: [ACME_API_KEY]
models:
  - id: small
    name: Small
    limits: {context_window: 1000}
    provenance: {sources: [https://acme.example/pricing], checked: 2026-11-25}
"""

# Shaped like a provider key, made up, and split so no scanner takes this file for a leak.
KEY = "sk-" + "proj-" + "Xy7" * 8

EMPTY = "file is empty: a catalog file holds a 'provider' and its 'models', or 'overrides'"
NOT_A_MAPPING = "expected a mapping at the top level (provider, models, overrides), got"
ANCHORS = "anchors and aliases ('&name', '*name') are not allowed: write each value out in full"
LOOKS_LIKE_A_KEY = (
    "this value looks like an API key: catalog files hold the names of environment "
    "variables (api_key_env: [OPENAI_API_KEY]), never keys; remove it and revoke the key"
)


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run in tmp_path, so that messages name files as 'acme.yaml'."""
    monkeypatch.chdir(tmp_path)


def write(name: str, content: str | bytes) -> Path:
    path = Path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def problems_in(*paths: str | Path) -> list[str]:
    result = check_catalog(list(paths), shipped=False)
    assert result.catalog is None
    return [str(problem) for problem in result.problems]


def validate(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["validate", "--no-shipped", *args], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def summary(problems: list[str]) -> str:
    count = len(problems)
    files = len({problem.split(":", 1)[0] for problem in problems})
    return (
        f"invalid: {count} problem{'s' if count != 1 else ''} in {files} "
        f"file{'s' if files != 1 else ''}\n"
    )


def assert_reported(path: str | Path, expected: list[str]) -> None:
    """check_catalog returns exactly ``expected``; the CLI prints it and exits 1."""
    assert problems_in(path) == expected
    assert validate(str(path)) == (1, "".join(f"{line}\n" for line in expected), summary(expected))


# --- one broken file ----------------------------------------------------------------------------

ONE_FILE_CASES: list[Any] = [
    pytest.param("", [f"acme.yaml:1:1: /: {EMPTY}"], id="empty"),
    pytest.param(
        "# a catalog file\n# with nothing in it\n", [f"acme.yaml:1:1: /: {EMPTY}"], id="comments"
    ),
    pytest.param("null\n", [f"acme.yaml:1:1: /: {EMPTY}"], id="null"),
    pytest.param(
        b"provider:\n  id: ac\xffme\n",
        ["acme.yaml:2:9: /: not UTF-8: byte 0xff cannot be decoded; save the file as UTF-8"],
        id="not-utf8",
    ),
    pytest.param(
        BASE.replace("Acme", "Acm\u00e9", 1).encode("latin-1"),
        ["acme.yaml:3:12: /: not UTF-8: byte 0xe9 cannot be decoded; save the file as UTF-8"],
        id="latin-1",
    ),
    pytest.param(
        BASE.encode("utf-16"),
        ["acme.yaml:1:1: /: not UTF-8: byte 0xff cannot be decoded; save the file as UTF-8"],
        id="utf-16",
    ),
    pytest.param(
        BASE.replace("{context_window: 1000}", "{context_window: 1000"),
        [
            "acme.yaml:10:15: /: YAML syntax error: did not find expected ',' or '}' "
            "(while parsing a flow mapping)"
        ],
        id="syntax-unclosed-brace",
    ),
    pytest.param(
        BASE.replace("  name: Acme", "  name: Acme: Corp"),
        ["acme.yaml:3:13: /: YAML syntax error: mapping values are not allowed in this context"],
        id="syntax-colon-in-value",
    ),
    pytest.param(
        BASE.replace("    name: Small\n", "    name: Small\n    name: Tiny\n"),
        ["acme.yaml:9:5: /models/0/name: duplicate key 'name' (first at line 8): keep one of them"],
        id="duplicate-key",
    ),
    pytest.param(
        BASE.replace("  name: Acme", "\tname: Acme"),
        [
            "acme.yaml:3:1: /: YAML syntax error: found a tab character that violates "
            "indentation (while scanning a plain scalar); indent with spaces, not tabs"
        ],
        id="tab-indent",
    ),
    pytest.param(
        BASE.replace("api_key_env: [ACME_API_KEY]", "api_key_env: &keys [ACME_API_KEY]"),
        [f"acme.yaml:5:16: /provider/api_key_env: {ANCHORS}"],
        id="anchor",
    ),
    pytest.param(
        BASE.replace("    name: Small", "    name: *name"),
        [f"acme.yaml:8:11: /models/0/name: {ANCHORS}"],
        id="alias",
    ),
    pytest.param(
        BASE.replace("    name: Small", "    <<: {name: Small}"),
        ["acme.yaml:8:5: /models/0: merge keys ('<<') are not allowed: write the keys out in full"],
        id="merge-key",
    ),
    pytest.param(
        "!!python/object/apply:os.system [echo pwned]\n",
        [
            "acme.yaml:1:1: /: YAML tag '!!python/object/apply:os.system' "
            "is not allowed: catalog files hold plain data; remove the tag"
        ],
        id="tag-os-system",
    ),
    pytest.param(
        BASE.replace("    name: Small", "    name: !!python/object/new:subprocess.Popen [[id]]"),
        [
            "acme.yaml:8:11: /models/0/name: YAML tag "
            "'!!python/object/new:subprocess.Popen' "
            "is not allowed: catalog files hold plain data; remove the tag"
        ],
        id="tag-popen",
    ),
    pytest.param("- provider: acme\n", [f"acme.yaml:1:1: /: {NOT_A_MAPPING} a list"], id="a-list"),
    pytest.param(
        "acme\n", [f"acme.yaml:1:1: /: {NOT_A_MAPPING} a single value ('acme')"], id="a-string"
    ),
    pytest.param("42\n", [f"acme.yaml:1:1: /: {NOT_A_MAPPING} a single value (42)"], id="a-number"),
]


@pytest.mark.parametrize(("content", "expected"), ONE_FILE_CASES)
def test_a_broken_file_is_reported_not_raised(content: str | bytes, expected: list[str]) -> None:
    assert_reported(write("acme.yaml", content), expected)


def test_a_utf8_byte_order_mark_is_accepted() -> None:
    write("acme.yaml", b"\xef\xbb\xbf" + BASE.encode())
    assert validate("acme.yaml") == (0, "ok: 1 files, 1 providers, 1 models\n", "")


@pytest.mark.parametrize("character", ["\x00", "\x01", "\x7f", "\ufffe"])
def test_a_control_character_is_reported_where_it_is_on_one_line(character: str) -> None:
    write("acme.yaml", BASE.replace("Small", f"Sm{character}all"))
    result = check_catalog(["acme.yaml"], shipped=False)
    assert [(p.line, p.column, p.pointer) for p in result.problems] == [(8, 13, "")]
    assert "\n" not in result.problems[0].message


# --- files that cannot be read ------------------------------------------------------------------


def test_a_50_mb_file_is_refused_before_it_is_read() -> None:
    path = write("acme.yaml", BASE)
    os.truncate(path, 50 * 1024 * 1024)  # sparse: quick to make, and never read
    assert_reported(
        path,
        [
            "acme.yaml:1:1: /: file is 52,428,800 bytes; catalog files are limited to 10 MiB "
            "(10,485,760 bytes): split it into one file per provider"
        ],
    )


def test_a_file_one_byte_over_the_limit_is_refused() -> None:
    path = write("acme.yaml", BASE)
    os.truncate(path, MAX_FILE_BYTES + 1)
    assert problems_in(path) == [
        "acme.yaml:1:1: /: file is 10,485,761 bytes; catalog files are limited to 10 MiB "
        "(10,485,760 bytes): split it into one file per provider"
    ]


def test_a_directory_named_like_a_catalog_file_is_reported() -> None:
    write("cat/acme.yaml", BASE)
    Path("cat/x.yaml").mkdir()
    assert_reported(
        "cat",
        [
            "cat/x.yaml:1:1: /: is a directory, not a file: a catalog file ending in .yaml "
            "must be a file"
        ],
    )


def _validate_unprivileged(folder: Path, name: str) -> subprocess.CompletedProcess[str]:
    """Run ``llm-catalog validate`` in ``folder`` as a user who cannot read what root cannot."""
    command = [sys.executable, "-m", "llm_catalog", "validate", "--no-shipped", name]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    run: dict[str, Any] = {
        "cwd": folder,
        "env": env,
        "capture_output": True,
        "text": True,
        "timeout": 120,
        "check": False,
    }
    try:
        return subprocess.run(command, user=65534, group=65534, extra_groups=[], **run)
    except PermissionError:
        # The interpreter is out of that user's reach (under /root, mode 0700): stay root,
        # but without the capabilities that let root read any file.
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("user 65534 cannot run this interpreter, and setpriv is missing")
        caps = "-dac_override,-dac_read_search"
        return subprocess.run(
            [setpriv, f"--inh-caps={caps}", f"--bounding-set={caps}", *command], **run
        )


def test_an_unreadable_file_is_reported() -> None:
    expected = ["acme.yaml:1:1: /: cannot read the file: permission denied: make the file readable"]
    if os.geteuid() != 0:
        path = write("acme.yaml", BASE)
        path.chmod(0)
        try:
            assert_reported(path, expected)
        finally:
            path.chmod(0o644)
        return
    # Root reads any file in-process, so another process without that power does the reading.
    folder = Path(tempfile.mkdtemp())
    try:
        folder.chmod(0o711)
        path = folder / "acme.yaml"
        path.write_text(BASE, encoding="utf-8")
        path.chmod(0)
        done = _validate_unprivileged(folder, "acme.yaml")
    finally:
        shutil.rmtree(folder)
    assert (done.returncode, done.stdout, done.stderr) == (1, f"{expected[0]}\n", summary(expected))


def test_symbolic_link_loops_and_broken_links_are_reported() -> None:
    write("cat/acme.yaml", BASE)
    Path("cat/a.yaml").symlink_to("b.yaml")
    Path("cat/b.yaml").symlink_to("a.yaml")
    Path("cat/c.yaml").symlink_to("missing.yaml")
    assert_reported(
        "cat",
        [
            "cat/a.yaml:1:1: /: cannot read the file: symbolic link loop",
            "cat/b.yaml:1:1: /: cannot read the file: symbolic link loop",
            "cat/c.yaml:1:1: /: cannot read the file: no such file (a broken symbolic link?)",
        ],
    )


def test_a_link_in_a_loop_named_directly_is_reported() -> None:
    Path("a.yaml").symlink_to("b.yaml")
    Path("b.yaml").symlink_to("a.yaml")
    assert_reported("a.yaml", ["a.yaml:1:1: /: cannot read the file: symbolic link loop"])


def test_a_path_that_does_not_exist_is_a_usage_error() -> None:
    message = "catalog path 'nowhere.yaml' does not exist: check the path"
    with pytest.raises(CatalogPathError) as caught:
        check_catalog(["nowhere.yaml"], shipped=False)
    assert str(caught.value) == message
    assert validate("nowhere.yaml") == (2, "", f"llm-catalog: error: {message}\n")
    code, out, err = validate("--json", "nowhere.yaml")
    assert (code, err) == (2, f"llm-catalog: error: {message}\n")
    assert json.loads(out) == {"status": "usage_error", "message": message, "errors": []}


# --- several files ------------------------------------------------------------------------------


def test_every_broken_file_is_reported_together_in_file_then_line_order() -> None:
    write("cat/a.yaml", "- provider: acme\n")
    write(
        "cat/b.yaml",
        BASE.replace(
            "  name: Acme\n", "  name: Acme\n  api_base: http://acme.example/v1\n"
        ).replace("context_window: 1000", "context_window: 0"),
    )
    write("cat/c.yaml", "provider: {id: [\n")
    write("cat/e.yaml", "")
    write("cat/sub/d.yaml", "provider_ref: acme\nprovider_ref: acme\n")
    assert_reported(
        "cat",
        [
            f"cat/a.yaml:1:1: /: {NOT_A_MAPPING} a list",
            # Found after the problem below it (rules across fields run last), shown first.
            "cat/b.yaml:4:13: /provider/api_base: 'http://acme.example/v1' is not HTTPS and not "
            "a loopback address: use https://, or set allow_insecure_api_base: true if this "
            "network is trusted",
            "cat/b.yaml:10:30: /models/0/limits/context_window: 0 is less than the minimum of 1",
            "cat/c.yaml:2:1: /: YAML syntax error: did not find expected node content "
            "(while parsing a flow node)",
            f"cat/e.yaml:1:1: /: {EMPTY}",
            "cat/sub/d.yaml:2:1: /provider_ref: duplicate key 'provider_ref' (first at line 1): "
            "keep one of them",
        ],
    )


def test_a_directory_named_like_a_file_is_reported_in_name_order() -> None:
    write("cat/a.yaml", "- provider: acme\n")
    Path("cat/x.yaml").mkdir()
    write("cat/z.yaml", "")
    assert problems_in("cat") == [
        f"cat/a.yaml:1:1: /: {NOT_A_MAPPING} a list",
        "cat/x.yaml:1:1: /: is a directory, not a file: a catalog file ending in .yaml "
        "must be a file",
        f"cat/z.yaml:1:1: /: {EMPTY}",
    ]


# --- nesting ------------------------------------------------------------------------------------


def test_a_deeply_nested_file_is_reported_not_raised() -> None:
    write("acme.yaml", "provider:\n  name: " + "[" * 1000 + "]" * 1000 + "\n")
    result = check_catalog(["acme.yaml"], shipped=False)
    assert [p.message for p in result.problems] == [
        "the document nests too deeply to be a catalog file (more than 64 levels)"
    ]


# --- API keys -----------------------------------------------------------------------------------


def assert_never_shown(path: str, key: str = KEY) -> list[str]:
    """The key appears nowhere: not in problems, the CLI's text, nor its JSON. The problems."""
    problems = problems_in(path)
    assert not [problem for problem in problems if key in problem]
    code, out, err = validate(path)
    assert code == 1
    assert key not in out + err
    code, out, err = validate("--json", path)
    assert code == 1
    assert key not in out + err
    return problems


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(
            BASE.replace("ACME_API_KEY", KEY),
            [f"acme.yaml:5:17: /provider/api_key_env/0: {LOOKS_LIKE_A_KEY}"],
            id="in-api_key_env",
        ),
        pytest.param(
            BASE.replace("    name: Small", f"    name: 'Small, key {KEY}'"),
            [f"acme.yaml:8:11: /models/0/name: {LOOKS_LIKE_A_KEY}"],
            id="inside-a-string",
        ),
        pytest.param(
            BASE.replace(
                "  litellm_provider: openai\n", f"  litellm_provider: openai\n  key: {KEY}\n"
            ),
            [f"acme.yaml:5:8: /provider/key: {LOOKS_LIKE_A_KEY}"],
            id="under-an-unknown-key",
        ),
        pytest.param(
            BASE.replace("checked: 2026-11-25", f"checked: {KEY}"),
            [f"acme.yaml:10:68: /models/0/provenance/checked: {LOOKS_LIKE_A_KEY}"],
            id="as-a-date",
        ),
    ],
)
def test_an_api_key_is_reported_but_never_shown(content: str, expected: list[str]) -> None:
    write("acme.yaml", content)
    assert assert_never_shown("acme.yaml") == expected
    _, out, _ = validate("--json", "acme.yaml")
    pointer, message = expected[0].split(": ", 2)[1:]
    line, column = (int(n) for n in expected[0].split(":")[1:3])
    assert json.loads(out) == {
        "status": "invalid",
        "files": ["acme.yaml"],
        "providers": None,
        "models": None,
        "profiles": None,
        "errors": [
            {
                "file": "acme.yaml",
                "line": line,
                "column": column,
                "pointer": pointer,
                "message": message,
            }
        ],
    }


ID_KEY = KEY.lower()  # a key that also fits the pattern of ids
MODEL = "  - id: {id}\n    name: M\n    limits: {{context_window: 1}}\n" + (
    "    provenance: {{sources: [x], checked: 2026-01-01}}\n"
)


@pytest.mark.parametrize(
    ("content", "key"),
    [
        pytest.param(BASE.replace("id: small", f"id: {ID_KEY}"), ID_KEY, id="model-id"),
        pytest.param(f"provider_ref: {ID_KEY}\n", ID_KEY, id="provider_ref"),
        pytest.param(
            BASE + f"overrides:\n  - id: acme/{ID_KEY}\n    name: X\n", ID_KEY, id="override-id"
        ),
        pytest.param(
            BASE.replace("    name: Small", f"    name: Small\n    successor: acme/{ID_KEY}"),
            ID_KEY,
            id="successor",
        ),
        pytest.param(f"{KEY}\n", KEY, id="the-whole-file"),
        pytest.param(f"a: !{KEY} x\n", KEY, id="a-tag"),
        pytest.param(
            BASE.replace("    name: Small", f"    name: Small\n    {KEY}: 1"),
            KEY,
            id="a-mapping-key",
        ),
        pytest.param(
            BASE.replace("    name: Small", f"    name: Small\n    {KEY}: 1\n    {KEY}: 2"),
            KEY,
            id="a-duplicate-key",
        ),
        pytest.param(
            BASE.replace("id: small", f"id: acme/{ID_KEY}"),
            ID_KEY,
            id="model-id-with-the-provider-prefix",
        ),
        pytest.param(
            BASE + MODEL.format(id=ID_KEY) + MODEL.format(id=ID_KEY),
            ID_KEY,
            id="duplicate-model-id",
        ),
    ],
)
def test_an_api_key_anywhere_is_never_shown(content: str, key: str) -> None:
    write("acme.yaml", content)
    assert assert_never_shown("acme.yaml", key)


# --- values that look right but are not -----------------------------------------------------


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        (
            "1e3",
            "acme.yaml:9:30: /models/0/limits/context_window: expected integer, got string "
            "'1e3'; write it as a plain number such as 1000 or 0.25 (YAML 1.1 reads 1e3 as "
            "text: an exponent needs a dot and a sign, as in 1.0e+3)",
        ),
        (
            '"1000"',
            "acme.yaml:9:30: /models/0/limits/context_window: expected integer, got string "
            "'1000'; write the number without quotes",
        ),
        (
            "1.5",
            "acme.yaml:9:30: /models/0/limits/context_window: expected integer, got number 1.5",
        ),
        (
            "0100000",
            "acme.yaml:9:30: /models/0/limits/context_window: '0100000' is ambiguous: YAML 1.1 "
            "reads a leading 0 as octal and a colon as base 60; write the plain decimal number, "
            "or quote it for text",
        ),
    ],
)
def test_numbers_written_the_wrong_way_are_explained(written: str, expected: str) -> None:
    write("acme.yaml", BASE.replace("context_window: 1000", f"context_window: {written}"))
    assert problems_in("acme.yaml") == [expected]


def test_an_id_with_a_trailing_newline_is_refused_by_the_schema() -> None:
    write("acme.yaml", BASE.replace("id: small", 'id: "small\\n"'))
    assert problems_in("acme.yaml") == [
        "acme.yaml:7:9: /models/0/id: 'small\\n' is not valid here: write a lowercase id "
        "of letters, digits and . _ : @ + - /"
    ]


def test_an_empty_top_level_mapping_says_what_a_file_holds() -> None:
    write("acme.yaml", "{}\n")
    assert problems_in("acme.yaml") == [
        "acme.yaml:1:1: /: the file holds an empty mapping: give a 'provider' and its "
        "'models', or 'overrides'"
    ]


def test_a_non_utf8_byte_is_placed_by_characters_not_bytes() -> None:
    write("acme.yaml", "a: é".encode() + b"\xff\n")
    assert problems_in("acme.yaml") == [
        "acme.yaml:1:5: /: not UTF-8: byte 0xff cannot be decoded; save the file as UTF-8"
    ]


def test_a_directory_without_catalog_files_is_reported() -> None:
    Path("empty").mkdir()
    assert validate("--no-shipped", "empty") == (
        1,
        "empty:1:1: /: no catalog files (*.yaml, *.yml) in this directory: check the path\n",
        "invalid: 1 problem in 1 file\n",
    )


# -- files that are not what they seem, and numbers no catalog holds ---------------------------

NOT_REGULAR = (
    "/: is not a regular file (a FIFO, device or socket): catalog files are plain files; "
    "remove it or rename it so it does not end in .yaml"
)


def test_a_fifo_is_refused_without_blocking() -> None:
    os.mkdir("cat")
    os.mkfifo("cat/x.yaml")
    write("cat/acme.yaml", BASE)
    # Run apart with a timeout: a read that blocked would hang the suite.
    done = subprocess.run(
        [sys.executable, "-m", "llm_catalog", "validate", "--no-shipped", "cat"],
        cwd=Path.cwd(),
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stdout) == (1, f"cat/x.yaml:1:1: {NOT_REGULAR}\n")


def test_links_are_followed_only_inside_the_catalog_directory() -> None:
    write("cat/acme.yaml", BASE)
    os.symlink("/etc/passwd", "cat/passwd.yaml")
    os.symlink("/dev/zero", "cat/zero.yaml")
    os.symlink("acme.yaml", "cat/again.yaml")  # inside: read, and once only
    assert problems_in("cat") == [
        "cat/passwd.yaml:1:1: /: is a symbolic link to '/etc/passwd', outside the catalog "
        "directory 'cat': copy the file in, or name its directory with --catalog",
        "cat/zero.yaml:1:1: /: is a symbolic link to '/dev/zero', outside the catalog "
        "directory 'cat': copy the file in, or name its directory with --catalog",
    ]
    assert problems_in("/dev/zero") == [f"/dev/zero:1:1: {NOT_REGULAR}"]


def test_the_compiled_cache_never_hashes_a_file_the_loader_refuses() -> None:
    write("cat/acme.yaml", BASE)
    os.mkfifo("cat/x.yaml")
    from llm_catalog.load.compiled import CompiledCache
    from llm_catalog.load.loader import iter_catalog_files

    assert CompiledCache.for_files([Path("cat/acme.yaml"), Path("cat/x.yaml")]) is None
    assert any(isinstance(f, Path) for f in iter_catalog_files(["cat"], shipped=False))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "9" * 5000,
            "a number of 5,000 characters is too long: catalog numbers have at most 40 characters",
        ),
        (
            "1.0e+999999999",
            "'1.0e+999999999' is out of range: catalog numbers lie between 1e-30 and 1e30; write "
            "the number in full",
        ),
        (
            "1.0e-999999999",
            "'1.0e-999999999' is out of range: catalog numbers lie between 1e-30 and 1e30; "
            "write the number in full",
        ),
    ],
)
def test_numbers_no_catalog_holds_are_refused_where_written(value: str, message: str) -> None:
    write("acme.yaml", BASE.replace("context_window: 1000", f"context_window: {value}"))
    assert problems_in("acme.yaml") == [
        f"acme.yaml:9:30: /models/0/limits/context_window: {message}"
    ]


def test_many_broken_records_are_all_reported() -> None:
    models = "".join(
        f"  - id: m{i}\n    name: M\n    limits: {{context_window: -1}}\n"
        "    provenance: {sources: [x], checked: 2026-11-25}\n"
        for i in range(8000)
    )
    write("acme.yaml", BASE.split("models:\n")[0] + "models:\n" + models)
    problems = problems_in("acme.yaml")
    assert len(problems) == 8000
    assert problems[-1] == (
        f"acme.yaml:{9 + 4 * 7999}:30: /models/7999/limits/context_window: "
        "-1 is less than the minimum of 1"
    )


# --- where requests go: api_base alone, and checked -----------------------------------------

ROUTED = """\
provider:
  id: acme
  name: Acme
  litellm_provider: openai
  api_key_env: [ACME_API_KEY]
  headers:
    Host: api.acme.example
    X-Upstream: 'https://elsewhere.example/v1'
    Authorization: Basic dXNlcg==
    HTTP-Referer: 'https://app.example'
    X-Team: search
  params: [temperature, base_url, azure_endpoint, provider_specific_header]
models:
  - id: small
    name: Small
    limits: {context_window: 1000}
    params: [max_tokens, aws_bedrock_runtime_endpoint]
    provenance: {sources: [https://acme.example/pricing], checked: 2026-11-25}
"""
CHOOSES = (
    "would choose where requests go, past the check on api_base (HTTPS, or a loopback address)"
)


def test_what_would_choose_where_requests_go_is_refused_where_written() -> None:
    write("acme.yaml", ROUTED)
    assert_reported(
        "acme.yaml",
        [
            "acme.yaml:7:11: /provider/headers/Host: header 'Host' would tell a gateway where to "
            "send requests, past the check on api_base: set api_base to the address instead "
            "(HTTPS, or a loopback address), and leave the header out",
            "acme.yaml:8:17: /provider/headers/X-Upstream: header 'X-Upstream' holds a URL, "
            "which a gateway may send requests to, past the check on api_base: set api_base to "
            "the address instead (HTTPS, or a loopback address), and leave the header out",
            "acme.yaml:9:20: /provider/headers/Authorization: header 'Authorization' carries a "
            "credential, and catalog files hold none: name the key's variable in api_key_env "
            "(the driver sends the key in the provider's own header), or pass this header with "
            "each call (extra_headers=...)",
            f"acme.yaml:12:25: /provider/params/1: 'base_url' {CHOOSES}: remove it from params, "
            "and set api_base on the provider record",
            f"acme.yaml:12:35: /provider/params/2: 'azure_endpoint' {CHOOSES}: remove it from "
            "params, and set api_base on the provider record",
            "acme.yaml:12:51: /provider/params/3: 'provider_specific_header' would add HTTP "
            "headers past the checks on them: remove it from params, and set headers on the "
            "provider record",
            f"acme.yaml:17:26: /models/0/params/1: 'aws_bedrock_runtime_endpoint' {CHOOSES}: "
            "remove it from params, and set api_base on the provider record",
        ],
    )


def test_a_provider_override_cannot_redirect_a_shipped_provider() -> None:
    write(
        "ours.yaml",
        "provider_overrides:\n"
        "  - id: openai\n"
        "    headers: {X-Forwarded-Host: elsewhere.example}\n"
        "    params: [temperature, base_url]\n",
    )
    result = check_catalog(["ours.yaml"])
    assert result.catalog is None
    assert [str(problem) for problem in result.problems] == [
        "ours.yaml:3:33: /provider_overrides/0/headers/X-Forwarded-Host: header "
        "'X-Forwarded-Host' would tell a gateway where to send requests, past the check on "
        "api_base: set api_base to the address instead (HTTPS, or a loopback address), and "
        "leave the header out",
        f"ours.yaml:4:27: /provider_overrides/0/params/1: 'base_url' {CHOOSES}: remove it from "
        "params, and set api_base on the provider record",
    ]


# --- credentials in any form ----------------------------------------------------------------

# Made up, and built in pieces so that no scanner takes this file for a leak: a random
# token without a prefix (mixed case), and one of hex digits, as some gateways issue.
TOKEN = "Zq8xW2pL9vB4nR7t" + "K1mC6yH3jF5dS0aG"
HEX_TOKEN = "9f86d081884c7d65" + "9a2feaa0c55ad015"
PASSWORD = "hunter2" + "-but-longer"


@pytest.mark.parametrize(
    ("content", "secret", "expected"),
    [
        pytest.param(
            BASE.replace(
                "  name: Acme\n",
                f"  name: Acme\n  api_base: https://acme:{PASSWORD}@acme.example\n",
            ),
            PASSWORD,
            [f"acme.yaml:4:13: /provider/api_base: {LOOKS_LIKE_A_KEY}"],
            id="password-in-api_base",
        ),
        pytest.param(
            BASE.replace("[https://acme.example/pricing]", f"[https://{TOKEN}@acme.example/x]"),
            TOKEN,
            [f"acme.yaml:10:28: /models/0/provenance/sources/0: {LOOKS_LIKE_A_KEY}"],
            id="token-as-a-user-name-in-sources",
        ),
        pytest.param(
            BASE.replace(
                "checked: 2026-11-25}", "checked: 2026-11-25, notes: 'https://u:p@x.example'}"
            ),
            "u:p@",
            [f"acme.yaml:10:87: /models/0/provenance/notes: {LOOKS_LIKE_A_KEY}"],
            id="user-and-password-in-notes",
        ),
        pytest.param(
            BASE.replace(
                "  name: Acme\n", f"  name: Acme\n  headers: {{X-Gateway-Auth-Id: {TOKEN}}}\n"
            ),
            TOKEN,
            [f"acme.yaml:4:32: /provider/headers/X-Gateway-Auth-Id: {LOOKS_LIKE_A_KEY}"],
            id="random-token-in-a-header",
        ),
        pytest.param(
            BASE.replace("  name: Acme\n", f"  name: Acme\n  headers: {{X-Route: {HEX_TOKEN}}}\n"),
            HEX_TOKEN,
            [f"acme.yaml:4:22: /provider/headers/X-Route: {LOOKS_LIKE_A_KEY}"],
            id="hex-token-in-a-header",
        ),
        pytest.param(
            BASE.replace("[ACME_API_KEY]", f"[{HEX_TOKEN.upper()}]"),
            HEX_TOKEN.upper(),
            [f"acme.yaml:5:17: /provider/api_key_env/0: {LOOKS_LIKE_A_KEY}"],
            id="hex-token-as-a-variable",
        ),
        pytest.param(
            BASE.replace(
                "checked: 2026-11-25}", f"checked: 2026-11-25, notes: 'key {TOKEN} here'}}"
            ),
            TOKEN,
            [f"acme.yaml:10:87: /models/0/provenance/notes: {LOOKS_LIKE_A_KEY}"],
            id="random-token-in-notes",
        ),
        pytest.param(
            BASE.replace("    name: Small", f"    name: Small\n    api_key: {HEX_TOKEN}"),
            HEX_TOKEN,
            [f"acme.yaml:9:14: /models/0/api_key: {LOOKS_LIKE_A_KEY}"],
            id="hex-token-under-a-key-that-names-a-secret",
        ),
    ],
)
def test_a_credential_in_any_form_is_refused_and_never_shown(
    content: str, secret: str, expected: list[str]
) -> None:
    write("acme.yaml", content)
    assert assert_never_shown("acme.yaml", secret) == expected


def test_ordinary_long_values_are_no_credentials() -> None:
    digest = "e3b0c44298fc1c149afbf4c8996fb924" + "27ae41e4649b934ca495991b7852b855"
    write(
        "acme.yaml",
        BASE.replace("id: small", "id: qwen3-coder-480b-a35b-instruct-2507-maas-preview")
        .replace("  name: Acme\n", "  name: Acme\n  headers: {X-Team: search-eu-west-1}\n")
        .replace("    name: Small", "    name: Qwen3-Coder-480B-A35B-Instruct-2507-FP8")
        .replace(
            "checked: 2026-11-25}",
            f"checked: 2026-11-25, notes: 'Weights {digest} (sha256), run "
            "123e4567-e89b-12d3-a456-426614174000; ask models@acme.example.'}",
        )
        .replace(
            "[https://acme.example/pricing]",
            f"[https://github.com/acme/models/blob/{digest[:40]}/README.md, "
            "https://medium.com/@acme/pricing, "
            "'https://acme.example/docs?id=0123456789abcdef0123456789abcdef']",
        ),
    )
    result = check_catalog(["acme.yaml"], shipped=False)
    assert [str(problem) for problem in result.problems] == []
    assert result.catalog is not None


def test_the_shipped_catalog_holds_no_credential_nor_redirect() -> None:
    result = check_catalog(rules=True)
    assert [str(problem) for problem in result.problems] == []
