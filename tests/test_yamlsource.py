"""parse_document: plain values with their places, and every construct it refuses.

Positions here are 0-based (line, column), as parse_document returns them; the
loader adds one to each when it makes a Problem.
"""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from llm_catalog.data.yamlsource import Document, YamlProblem, parse_document

ANCHORS = "anchors and aliases ('&name', '*name') are not allowed: write each value out in full"
MERGE = "merge keys ('<<') are not allowed: write the keys out in full"
SEVERAL = (
    "a catalog file holds one YAML document; remove the '---' and what follows "
    "or move it to a file of its own"
)
NOT_PLAIN_KEY = "mapping keys must be plain strings, not mappings or lists"
ROOT = Path(__file__).resolve().parent.parent


def parse(text: str) -> Document:
    parsed = parse_document(text)
    assert isinstance(parsed, Document), parsed
    return parsed


def value_of(text: str) -> object:
    """The value of ``a`` in a one-key document."""
    value = parse(text).value
    assert isinstance(value, dict)
    return value["a"]


def tag_refused(tag: str) -> str:
    return f"YAML tag {tag!r} is not allowed: catalog files hold plain data; remove the tag"


# --- plain values and where they are ------------------------------------------------------------


def test_plain_values_and_the_place_of_every_value_and_key() -> None:
    document = parse(
        """\
a: 1
b: [x, 'y', 2.5]
c:
  d: 0.075
  e: true
  f: ~
g:
  - h: text
"""
    )
    assert document.value == {
        "a": 1,
        "b": ["x", "y", Decimal("2.5")],
        "c": {"d": Decimal("0.075"), "e": True, "f": None},
        "g": [{"h": "text"}],
    }
    assert document.values == {
        "": (0, 0),
        "/a": (0, 3),
        "/b": (1, 3),
        "/b/0": (1, 4),
        "/b/1": (1, 7),
        "/b/2": (1, 12),
        "/c": (3, 2),
        "/c/d": (3, 5),
        "/c/e": (4, 5),
        "/c/f": (5, 5),
        "/g": (7, 2),
        "/g/0": (7, 4),
        "/g/0/h": (7, 7),
    }
    assert document.keys == {
        "/a": (0, 0),
        "/b": (1, 0),
        "/c": (2, 0),
        "/c/d": (3, 2),
        "/c/e": (4, 2),
        "/c/f": (5, 2),
        "/g": (6, 0),
        "/g/0/h": (7, 4),
    }


def test_keys_are_escaped_in_pointers_and_null_and_number_keys_become_strings() -> None:
    document = parse("a/b~c: 1\n~: 2\n10: 3\n")
    assert document.value == {"a/b~c": 1, "": 2, "10": 3}
    assert document.keys == {"/a~1b~0c": (0, 0), "/": (1, 0), "/10": (2, 0)}


def test_an_explicit_start_and_end_marker_is_still_one_document() -> None:
    document = parse("---\na: 1\n...\n")
    assert document.value == {"a": 1}
    assert document.values == {"": (1, 0), "/a": (1, 3)}


@pytest.mark.parametrize("text", ["", "# only a comment\n", "---\n", "null\n"])
def test_an_empty_document_has_no_value(text: str) -> None:
    document = parse(text)
    assert document.value is None


@pytest.mark.parametrize(
    ("written", "exact"),
    [
        ("0.075", "0.075"),
        ("2.50", "2.50"),
        ("0.1", "0.1"),
        ("-1.25", "-1.25"),
        ("1_0.5", "10.5"),
        ("+12.5e-3", "0.0125"),
        ("1.0e+3", "1.0E+3"),
        (".5", "0.5"),
    ],
)
def test_floats_become_decimals_exactly_as_written(written: str, exact: str) -> None:
    value = value_of(f"a: {written}\n")
    assert isinstance(value, Decimal)
    assert str(value) == exact
    assert value == Decimal(exact)


@pytest.mark.parametrize("written", ["2026-11-25", "2026-11-25T10:30:00Z", "2026-1-5"])
def test_dates_and_times_stay_strings(written: str) -> None:
    assert value_of(f"a: {written}\n") == written


@pytest.mark.parametrize(
    ("written", "text"),
    [
        ("'12'", "12"),
        ('"0.075"', "0.075"),
        ("'true'", "true"),
        ('"~"', "~"),
        ("'2026-11-25'", "2026-11-25"),
        ("'.nan'", ".nan"),
        ('"<<"', "<<"),
        ('"a\\tb"', "a\tb"),
    ],
)
def test_quoted_strings_stay_strings(written: str, text: str) -> None:
    assert value_of(f"a: {written}\n") == text


@pytest.mark.parametrize(
    ("written", "number"),
    [("1_000", 1000), ("0x10", 16), ("0b101", 5), ("+7", 7), ("-3", -3)],
)
def test_yaml_1_1_integers(written: str, number: int) -> None:
    value = value_of(f"a: {written}\n")
    assert type(value) is int
    assert value == number


@pytest.mark.parametrize(("written", "truth"), [("true", True), ("yes", True), ("off", False)])
def test_yaml_1_1_booleans(written: str, truth: bool) -> None:
    assert value_of(f"a: {written}\n") is truth


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("a: &x 1\nb: *x\n", YamlProblem(0, 3, "/a", ANCHORS)),
        ("a: 1\nb: *x\n", YamlProblem(1, 3, "/b", ANCHORS)),
        ("a: &x {k: 1}\n", YamlProblem(0, 3, "/a", ANCHORS)),
        ("a:\n  - &x b\n", YamlProblem(1, 4, "/a/0", ANCHORS)),
    ],
    ids=["anchor-on-a-value", "alias", "anchor-on-a-mapping", "anchor-in-a-list"],
)
def test_anchors_and_aliases_are_refused(text: str, problem: YamlProblem) -> None:
    assert parse_document(text) == problem


def test_merge_keys_are_refused() -> None:
    assert parse_document("base: {k: 1}\nb:\n  <<: {k: 2}\n") == YamlProblem(2, 2, "/b", MERGE)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "a: !!python/object:os.system x\n",
            YamlProblem(0, 3, "/a", tag_refused("!!python/object:os.system")),
        ),
        (
            "a: !!python/object/apply:os.system [ls]\n",
            YamlProblem(0, 3, "/a", tag_refused("!!python/object/apply:os.system")),
        ),
        (
            "!!python/object:__main__.Catalog {a: 1}\n",
            YamlProblem(0, 0, "", tag_refused("!!python/object:__main__.Catalog")),
        ),
        (
            "!!python/name:os.system k: 1\n",
            YamlProblem(0, 0, "", tag_refused("!!python/name:os.system")),
        ),
        ("a: !!str 1\n", YamlProblem(0, 3, "/a", tag_refused("!!str"))),
        ("a: !!binary aGk=\n", YamlProblem(0, 3, "/a", tag_refused("!!binary"))),
        ("a: !custom 1\n", YamlProblem(0, 3, "/a", tag_refused("!custom"))),
        ("--- !!map\na: 1\n", YamlProblem(0, 4, "", tag_refused("!!map"))),
    ],
    ids=[
        "object-on-a-scalar",
        "object-apply-on-a-list",
        "object-on-a-mapping",
        "tag-on-a-key",
        "str",
        "binary",
        "local-tag",
        "tag-on-the-document",
    ],
)
def test_tags_are_refused(text: str, problem: YamlProblem) -> None:
    assert parse_document(text) == problem


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "a: 1\nb: 2\na: 3\n",
            YamlProblem(2, 0, "/a", "duplicate key 'a' (first at line 1): keep one of them"),
        ),
        (
            "m:\n  - id: x\n    name: X\n    id: y\n",
            YamlProblem(3, 4, "/m/0/id", "duplicate key 'id' (first at line 2): keep one of them"),
        ),
        (
            "1: a\n'1': b\n",
            YamlProblem(1, 0, "/1", "duplicate key '1' (first at line 1): keep one of them"),
        ),
    ],
    ids=["top-level", "in-a-list-item", "number-and-string"],
)
def test_duplicate_keys_are_refused_naming_the_first(text: str, problem: YamlProblem) -> None:
    assert parse_document(text) == problem


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("a: 1\n---\nb: 2\n", YamlProblem(1, 0, "", SEVERAL)),
        ("a: 1\n...\n---\nb: 1\n", YamlProblem(2, 0, "", SEVERAL)),
    ],
)
def test_several_documents_are_refused(text: str, problem: YamlProblem) -> None:
    assert parse_document(text) == problem


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("? [a]\n: 1\n", YamlProblem(0, 2, "", NOT_PLAIN_KEY)),
        ("{a: 1}: 2\n", YamlProblem(0, 0, "", NOT_PLAIN_KEY)),
        ("m:\n  [a, b]: 1\n", YamlProblem(1, 2, "/m", NOT_PLAIN_KEY)),
    ],
)
def test_keys_that_are_not_scalars_are_refused(text: str, problem: YamlProblem) -> None:
    assert parse_document(text) == problem


@pytest.mark.parametrize("written", [".nan", ".NaN", ".inf", "-.inf", "+.Inf", "190:20:30.15"])
def test_numbers_that_are_not_finite_decimals_are_refused(written: str) -> None:
    assert parse_document(f"a: {written}\n") == YamlProblem(
        0, 3, "/a", f"{written!r} is not a finite decimal number; write a number such as 2.5"
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "a:\n\tb: 1\n",
            YamlProblem(
                1,
                0,
                "",
                "YAML syntax error: found character that cannot start any token "
                "(while scanning for the next token); indent with spaces, not tabs",
            ),
        ),
        (
            "a: 1\n\tb: 2\n",
            YamlProblem(
                1,
                0,
                "",
                "YAML syntax error: found a tab character that violates indentation "
                "(while scanning a plain scalar); indent with spaces, not tabs",
            ),
        ),
        (
            "a:\n  - b\n  -\tc\n",
            YamlProblem(
                2,
                3,
                "",
                "YAML syntax error: found character that cannot start any token "
                "(while scanning for the next token); indent with spaces, not tabs",
            ),
        ),
    ],
    ids=["tab-before-a-key", "tab-after-a-value", "tab-after-a-dash"],
)
def test_tabs_are_refused_with_advice(text: str, problem: YamlProblem) -> None:
    assert parse_document(text) == problem


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "a: [1, 2\n",
            YamlProblem(
                1,
                0,
                "",
                "YAML syntax error: did not find expected ',' or ']' "
                "(while parsing a flow sequence)",
            ),
        ),
        (
            "a: b: c\n",
            YamlProblem(
                0, 4, "", "YAML syntax error: mapping values are not allowed in this context"
            ),
        ),
        (
            "a: 'x\n",
            YamlProblem(
                1,
                0,
                "",
                "YAML syntax error: found unexpected end of stream (while scanning a quoted scalar)",
            ),
        ),
        (
            "a: !! 1\n",
            YamlProblem(
                0, 5, "", "YAML syntax error: did not find expected tag URI (while parsing a tag)"
            ),
        ),
    ],
    ids=["unclosed-list", "colon-in-a-plain-value", "unclosed-quote", "empty-tag"],
)
def test_syntax_errors_are_returned_with_their_place(text: str, problem: YamlProblem) -> None:
    assert parse_document(text) == problem


DEEP = "the document nests too deeply to be a catalog file (more than 64 levels)"


def test_nesting_up_to_the_limit_is_built() -> None:
    depth = 64
    node = parse("[" * depth + "]" * depth).value
    for _ in range(depth - 1):
        assert isinstance(node, list)
        node = node[0]
    assert node == []


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[" * 65 + "]" * 65, YamlProblem(0, 64, "/0" * 64, DEEP)),
        ("[" * 2_000, YamlProblem(0, 1000, "", DEEP)),
        (
            "a:\n" + "".join("  " * i + "b:\n" for i in range(1, 70)),
            YamlProblem(64, 128, "/a" + "/b" * 63, DEEP),
        ),
    ],
    ids=["closed-lists", "open-lists", "block-mappings"],
)
def test_deeper_nesting_is_refused(text: str, problem: YamlProblem) -> None:
    assert parse_document(text) == problem


_DEEP = """
import sys, time
from llm_catalog.data.yamlsource import parse_document
depth, closed = int(sys.argv[1]), sys.argv[2] == "closed"
start = time.monotonic()
result = parse_document("[" * depth + "]" * depth * closed)
print(getattr(result, "message", type(result).__name__))
print(round(time.monotonic() - start))
"""


@pytest.mark.parametrize("form", ["open", "closed"])
def test_very_deep_nesting_is_refused_quickly(form: str) -> None:
    """100,000 brackets must not stall the validator (run apart, so it can be killed)."""
    done = subprocess.run(
        [sys.executable, "-c", _DEEP, "100000", form],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    message, seconds = done.stdout.splitlines()
    assert message == DEEP
    # Not a timing assertion: a stalled parse takes tens of seconds, a refused one none.
    assert int(seconds) < 10


@pytest.mark.parametrize("written", ["017", "0100000", "1:30", "-010"])
def test_ambiguous_yaml_1_1_integers_are_refused(written: str) -> None:
    assert parse_document(f"a: {written}\n") == YamlProblem(
        0,
        3,
        "/a",
        f"{written!r} is ambiguous: YAML 1.1 reads a leading 0 as octal and a colon as base "
        "60; write the plain decimal number, or quote it for text",
    )
