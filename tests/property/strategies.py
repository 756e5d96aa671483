"""Hypothesis strategies: valid catalog files as Python data, and ways to break them.

A valid file is drawn as plain Python data (dicts, lists, strings, ints,
Decimals, dates) and written out with :func:`dump`. The ``broken_*`` strategies
start from such a file and break it in one known way, so a test can say where
the problem must be reported.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import yaml
from hypothesis import assume
from hypothesis import strategies as st

from llm_catalog.data.records import Capabilities
from llm_catalog.data.yamlsource import escape_pointer
from llm_catalog.load.checks import iter_key_shaped

JsonPath = tuple[str | int, ...]

# --- valid files -------------------------------------------------------------------------------

_LOWER = "abcdefghijklmnopqrstuvwxyz"
_DIGITS = "0123456789"
_UPPER = _LOWER.upper()


def _word(first: str, rest: str, max_size: int) -> st.SearchStrategy[str]:
    return st.builds(
        str.__add__, st.sampled_from(first), st.text(st.sampled_from(rest), max_size=max_size)
    )


# At most 16 characters, so no id can take the shape of an API key (sk- needs 16 after it).
ids = _word(_LOWER + _DIGITS, _LOWER + _DIGITS + "._-", 15)
# litellm's provider prefixes have no dots (records.LITELLM_PROVIDER_PATTERN).
litellm_providers = _word(_LOWER + _DIGITS, _LOWER + _DIGITS + "_-", 15)
env_names = _word(_UPPER + "_", _UPPER + _DIGITS + "_", 19)
param_names = _word(_LOWER + "_", _LOWER + _DIGITS + "_", 15)
urls = st.builds(
    "https://{}.example/{}".format,
    st.text(st.sampled_from(_LOWER), min_size=1, max_size=10),
    st.text(st.sampled_from(_LOWER + _DIGITS + "/-"), max_size=20),
)
# Line breaks other than \n are left out: PyYAML's emitter writes U+0085 raw inside quotes,
# where YAML reads it back as a space (a bug of the dumper, not of the loader under test).
names = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Zl", "Zp"), exclude_characters="\x85"),
    min_size=1,
    max_size=40,
)
dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2030, 12, 31))
token_counts = st.integers(min_value=1, max_value=1_000_000_000)
prices = st.decimals(
    min_value=0, max_value=100_000, places=3, allow_nan=False, allow_infinity=False
).map(abs)

MODES = ["chat", "completion", "embedding", "image_generation", "rerank"]
STATUSES = ["active", "preview", "deprecated", "retired"]
MODALITIES = ["text", "image", "audio", "video", "pdf"]
CAPABILITIES = list(Capabilities.model_fields)
PRICE_KEYS = ["input", "output", "cached_input", "cache_write", "cache_write_1h"]


def _prices() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional=dict.fromkeys(PRICE_KEYS, prices))


@st.composite
def _tiers(draw: st.DrawFn) -> list[dict[str, Any]]:
    thresholds = draw(st.lists(token_counts, max_size=3, unique=True))
    return [{"above_input_tokens": t, **draw(_prices())} for t in sorted(thresholds)]


@st.composite
def pricing(draw: st.DrawFn) -> dict[str, Any]:
    data = draw(_prices())
    if draw(st.booleans()):
        data["tiers"] = draw(_tiers())
        data["tier_billing"] = draw(st.sampled_from(["whole_request", "marginal"]))
    if draw(st.booleans()):
        data["batch"] = draw(_prices())
    history = sorted(draw(st.lists(dates, max_size=2, unique=True)))
    if history:
        data["history"] = [{"effective_from": day, **draw(_prices())} for day in history]
    elif draw(st.booleans()):
        data["effective_from"] = draw(dates)
    return data


@st.composite
def limits(draw: st.DrawFn) -> dict[str, Any]:
    window = draw(token_counts)
    data: dict[str, Any] = {"context_window": window}
    if draw(st.booleans()):
        data["max_output_tokens"] = draw(st.integers(min_value=1, max_value=window))
    return data


provenance = st.fixed_dictionaries(
    {"sources": st.lists(urls, min_size=1, max_size=3), "checked": dates},
    optional={"notes": names},
)


def model(model_id: str) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "id": st.just(model_id),
            "name": names,
            "limits": limits(),
            "provenance": provenance,
        },
        optional={
            "mode": st.sampled_from(MODES),
            "status": st.sampled_from(STATUSES),
            "release_date": dates,
            "knowledge_cutoff": st.sampled_from(["2024-06", "2025-01-15"]),
            "aliases": st.just([f"{model_id}-alias"]),
            "capabilities": st.dictionaries(st.sampled_from(CAPABILITIES), st.booleans()),
            "modalities": st.fixed_dictionaries(
                {},
                optional={
                    "input": st.lists(st.sampled_from(MODALITIES), min_size=1, unique=True),
                    "output": st.lists(st.sampled_from(MODALITIES), min_size=1, unique=True),
                },
            ),
            "params": st.lists(param_names, max_size=3),
            "pricing": pricing(),
        },
    )


provider = st.fixed_dictionaries(
    {"id": ids, "name": names, "litellm_provider": litellm_providers},
    optional={
        "api_key_env": st.lists(env_names, max_size=3),
        "api_base": urls,
        "docs_url": urls,
        "pricing_url": urls,
        "params": st.lists(param_names, max_size=3),
        "rate_limits": st.fixed_dictionaries(
            {},
            optional={"requests_per_minute": token_counts, "tokens_per_minute": token_counts},
        ),
        "provenance": provenance,
    },
)


@st.composite
def valid_files(draw: st.DrawFn) -> dict[str, Any]:
    """A valid catalog file: a provider and 1 to 5 models."""
    model_ids = draw(st.lists(ids, min_size=1, max_size=5, unique=True))
    document = {
        "provider": draw(provider),
        "models": [draw(model(model_id)) for model_id in model_ids],
    }
    # Random names can, very rarely, take the shape of an API key; those are refused.
    assume(not any(iter_key_shaped(document)))
    return document


# --- writing files -----------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """Writes Decimals as plain YAML floats ('12.500'), as a person would."""


def _represent_decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:float", format(value, "f"))


_Dumper.add_representer(Decimal, _represent_decimal)


def dump(document: Any) -> str:
    """The document as block-style YAML, one value a line, never wrapped."""
    return yaml.dump(
        document,
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=1_000_000,
    )


# --- breaking the data -------------------------------------------------------------------------


@dataclass(frozen=True)
class Broken:
    """A file broken in one known way, and the pointer a problem must be reported at."""

    text: str
    pointer: str
    how: str


def pointer_of(path: JsonPath) -> str:
    return "".join(f"/{escape_pointer(str(part))}" for part in path)


def walk(node: Any, path: JsonPath = ()) -> Iterator[tuple[JsonPath, Any]]:
    """Every value in the document with its path, the root first."""
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, (*path, index))


def _get(document: Any, path: JsonPath) -> Any:
    for part in path:
        document = document[part]
    return document


def _copy(document: Any) -> Any:
    if isinstance(document, dict):
        return {key: _copy(value) for key, value in document.items()}
    if isinstance(document, list):
        return [_copy(value) for value in document]
    return document


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float, Decimal)):
        return "number"
    if isinstance(value, (str, dt.date)):
        return "string"
    return "list" if isinstance(value, list) else "mapping"


# A value of each JSON type but null; null is accepted wherever a field is optional.
_OF_KIND: dict[str, Any] = {
    "string": "oops",
    "number": 7,
    "boolean": True,
    "list": [1],
    "mapping": {"k": 1},
}


@st.composite
def broken_wrong_type(draw: st.DrawFn) -> Broken:
    """A value anywhere below the root replaced by a value of another type."""
    document = _copy(draw(valid_files()))
    path, value = draw(st.sampled_from([pair for pair in walk(document) if pair[0]]))
    kind = draw(st.sampled_from([k for k in _OF_KIND if k != _kind(value)]))
    _get(document, path[:-1])[path[-1]] = _copy(_OF_KIND[kind])
    return Broken(dump(document), pointer_of(path), f"{kind} at {pointer_of(path)}")


_REQUIRED = {
    "provider": ["id", "name", "litellm_provider"],
    "model": ["id", "name", "limits", "provenance"],
    "limits": ["context_window"],
    "provenance": ["sources", "checked"],
    "tier": ["above_input_tokens"],
    "history": ["effective_from"],
}


def _record_kind(path: JsonPath) -> str | None:
    """Which kind of record sits at ``path``, when it has required keys."""
    names = [part for part in path if isinstance(part, str)]
    if path == ("provider",):
        return "provider"
    if len(path) == 2 and path[0] == "models":
        return "model"
    if names and names[-1] in ("limits", "provenance"):
        return names[-1]
    if len(path) >= 2 and isinstance(path[-1], int):
        return {"tiers": "tier", "history": "history"}.get(str(path[-2]))
    return None


@st.composite
def broken_missing_required(draw: st.DrawFn) -> Broken:
    """A required key removed from a provider, a model, or a record inside one."""
    document = _copy(draw(valid_files()))
    choices = [
        (path, key)
        for path, value in walk(document)
        if isinstance(value, dict) and (kind := _record_kind(path))
        for key in _REQUIRED[kind]
    ]
    path, key = draw(st.sampled_from(choices))
    del _get(document, path)[key]
    return Broken(dump(document), pointer_of(path), f"no {key!r} in {pointer_of(path)}")


odd_characters = st.one_of(
    st.characters(categories=["Zs", "Cc", "Cf", "So", "Lo"]),
    st.sampled_from(["\x00", "\t", "\u202e", "\u200f", "\u2028", "\ufeff", "\U0001f600"]),
)


@st.composite
def broken_unknown_key(draw: st.DrawFn) -> Broken:
    """A key no record has, added to any mapping, the root included."""
    document = _copy(draw(valid_files()))
    path, mapping = draw(st.sampled_from([p for p in walk(document) if isinstance(p[1], dict)]))
    suffix = draw(st.text(st.one_of(st.sampled_from("abcxyz_"), odd_characters), max_size=6))
    key = f"x_{suffix}"
    mapping[key] = draw(st.sampled_from([1, "value", None, [1], {"k": 1}]))
    return Broken(dump(document), pointer_of((*path, key)), f"key {key!r} in {pointer_of(path)}")


@st.composite
def broken_huge_number(draw: st.DrawFn) -> Broken:
    """A number replaced by one far outside every limit the catalog allows."""
    document = _copy(draw(valid_files()))
    numbers = [path for path, value in walk(document) if _kind(value) == "number"]
    path = draw(st.sampled_from(numbers))
    huge = draw(st.sampled_from([10**30, -(10**30), 1e308, -1e308, -1]))
    _get(document, path[:-1])[path[-1]] = huge
    return Broken(dump(document), pointer_of(path), f"{huge} at {pointer_of(path)}")


@st.composite
def broken_odd_id(draw: st.DrawFn) -> Broken:
    """Odd unicode (spaces, controls, RTL marks, emoji, NUL) put into an id or a variable name."""
    document = _copy(draw(valid_files()))
    paths: list[JsonPath] = [("provider", "id"), ("provider", "litellm_provider")]
    paths += [("models", index, "id") for index in range(len(document["models"]))]
    paths += [
        ("provider", "api_key_env", i)
        for i in range(len(document["provider"].get("api_key_env", [])))
    ]
    path = draw(st.sampled_from(paths))
    value = _get(document, path)
    at = draw(st.integers(min_value=0, max_value=len(value)))
    odd = draw(st.text(odd_characters, min_size=1, max_size=3))
    _get(document, path[:-1])[path[-1]] = value[:at] + odd + value[at:]
    return Broken(dump(document), pointer_of(path), f"{odd!r} in {pointer_of(path)}")


any_broken = st.one_of(
    broken_wrong_type(),
    broken_missing_required(),
    broken_unknown_key(),
    broken_huge_number(),
    broken_odd_id(),
)

# --- breaking the text -------------------------------------------------------------------------

# "key: value" on one line, perhaps as the first key of a list item.
_KEY_LINE = re.compile(r"^(?P<indent> *)(?P<dash>- )?(?P<key>[a-z_]+):(?P<rest>( .*)?)$")


@dataclass(frozen=True)
class TextBroken:
    """A file whose text was edited to hold one refused construct, and where it starts."""

    text: str
    line: int  # 1-based, as Problem reports it
    column: int
    message: str


def _key_lines(text: str) -> list[tuple[int, re.Match[str]]]:
    lines = text.splitlines()
    found = [(number, _KEY_LINE.match(line)) for number, line in enumerate(lines)]
    return [(number, match) for number, match in found if match]


@st.composite
def duplicated_key(draw: st.DrawFn) -> TextBroken:
    """A 'key: value' line written twice."""
    lines = dump(draw(valid_files())).splitlines(keepends=True)
    choices = [(n, m) for n, m in _key_lines("".join(lines)) if not m["dash"]]
    number, match = draw(st.sampled_from(choices))
    lines.insert(number + 1, lines[number])
    return TextBroken(
        "".join(lines),
        number + 2,
        len(match["indent"]) + 1,
        f"duplicate key {match['key']!r} (first at line {number + 1}): keep one of them",
    )


ANCHORS = "anchors and aliases ('&name', '*name') are not allowed: write each value out in full"


@st.composite
def injected_construct(draw: st.DrawFn) -> TextBroken:
    """An anchor, alias, tag or merge key written into a valid file."""
    lines = dump(draw(valid_files())).splitlines(keepends=True)
    with_value = [(n, m) for n, m in _key_lines("".join(lines)) if m["rest"]]
    number, match = draw(st.sampled_from(with_value))
    column = match.start("rest") + 1  # 0-based column of the value
    value = match["rest"][1:]
    what = draw(st.sampled_from(["anchor", "alias", "tag", "merge"]))
    if what == "merge":
        indent = " " * (match.end("indent") + (2 if match["dash"] else 0))
        lines.insert(number + 1, f"{indent}<<: {{x: 1}}\n")
        message = "merge keys ('<<') are not allowed: write the keys out in full"
        return TextBroken("".join(lines), number + 2, len(indent) + 1, message)
    head = lines[number][:column]
    if what == "anchor":
        lines[number] = f"{head}&a {value}\n"
        message = ANCHORS
    elif what == "alias":
        lines[number] = f"{head}*a\n"
        message = ANCHORS
    else:
        lines[number] = f"{head}!!python/object:os.system {value}\n"
        message = (
            "YAML tag '!!python/object:os.system' is not allowed: "
            "catalog files hold plain data; remove the tag"
        )
    return TextBroken("".join(lines), number + 1, column + 1, message)


_INSERTS = ["\t", "&a ", "*a", "!!python/object:os.system ", "<<: ", ":", "- ", "[", "{", "'", '"']


@st.composite
def mutated_text(draw: st.DrawFn) -> str:
    """A valid file's text after 1 to 4 random edits; it may or may not still be valid."""
    text = dump(draw(valid_files()))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        at = draw(st.integers(min_value=0, max_value=max(len(text) - 1, 0)))
        edit = draw(st.sampled_from(["delete", "insert", "swap", "tab-indent", "odd"]))
        if edit == "delete":
            text = text[:at] + text[at + 1 :]
        elif edit == "insert":
            text = text[:at] + draw(st.sampled_from(_INSERTS)) + text[at:]
        elif edit == "swap" and at + 1 < len(text):
            text = text[:at] + text[at + 1] + text[at] + text[at + 2 :]
        elif edit == "tab-indent":
            line_start = text.rfind("\n", 0, at) + 1
            text = text[:line_start] + "\t" + text[line_start:]
        elif edit == "odd":
            text = text[:at] + draw(odd_characters) + text[at:]
    return text
