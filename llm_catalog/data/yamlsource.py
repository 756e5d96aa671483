"""Safe YAML parsing that remembers where every value came from.

Catalog files are data, so the parser builds only plain values (mappings,
lists, strings, integers, Decimals, booleans, null) and refuses anything that
could build objects or hide values: tags, anchors and aliases, merge keys,
duplicate keys, several documents in one file. Dates stay strings, so they
validate as JSON strings. Floats become :class:`~decimal.Decimal` from their
written text, so ``0.075`` is exactly 0.075 dollars.

It works on libyaml's event stream (the C parser where available) rather than
on PyYAML's composed nodes, because only the events say where an anchor or an
alias was written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

__all__ = ["Document", "YamlProblem", "escape_pointer", "parse_document"]

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_RESOLVER = Resolver()
_CONSTRUCTOR = SafeConstructor()
_TAG = "tag:yaml.org,2002:"
_FLOAT_SPECIAL = re.compile(r"^[-+]?\.(inf|Inf|INF|nan|NaN|NAN)$")
# YAML 1.1 reads 0100 as octal and 1:30 as base 60; in a catalog both are typos.
_AMBIGUOUS_INT = re.compile(r"^[-+]?(0[0-7_]+|[0-9][0-9_]*(:[0-5]?[0-9])+)$")
MAX_DEPTH = 64
# Longer numbers are no fact about a model; Python refuses to read ints past 4,300 digits.
MAX_NUMBER_DIGITS = 40
MAX_EXPONENT = 30
_TOO_DEEP = f"the document nests too deeply to be a catalog file (more than {MAX_DEPTH} levels)"


@dataclass(frozen=True, slots=True)
class YamlProblem:
    """A problem found while parsing: 0-based line and column, pointer, message."""

    line: int
    column: int
    pointer: str
    message: str


@dataclass(slots=True)
class Document:
    """A parsed file: its value, and where each value and each mapping key starts.

    Positions are 0-based ``(line, column)`` pairs keyed by JSON pointer.
    """

    value: Any
    values: dict[str, tuple[int, int]] = field(default_factory=dict)
    keys: dict[str, tuple[int, int]] = field(default_factory=dict)


class _Stop(Exception):
    """Ends parsing at the first structural problem; the problem rides along."""

    def __init__(self, problem: YamlProblem) -> None:
        self.problem = problem


def escape_pointer(token: str) -> str:
    """One JSON-pointer reference token (RFC 6901)."""
    return token.replace("~", "~0").replace("/", "~1")


def _tag_problem(tag: str, mark: Any, pointer: str) -> _Stop:
    shown = tag.replace(_TAG, "!!", 1) if tag.startswith(_TAG) else tag
    return _Stop(
        YamlProblem(
            mark.line,
            mark.column,
            pointer,
            f"YAML tag {shown!r} is not allowed: catalog files hold plain data; remove the tag",
        )
    )


def _too_long_number(text: str, mark: Any, pointer: str) -> YamlProblem:
    return YamlProblem(
        mark.line,
        mark.column,
        pointer,
        f"a number of {len(text):,} characters is too long: catalog numbers have at most "
        f"{MAX_NUMBER_DIGITS} characters",
    )


def _scalar(event: Any, pointer: str) -> Any:
    mark: Any = event.start_mark
    if event.tag is not None and event.tag != "!":
        raise _tag_problem(event.tag, mark, pointer)
    if not event.implicit[0]:
        return event.value  # quoted: always a string
    tag = _RESOLVER.resolve(ScalarNode, event.value, event.implicit)  # type: ignore[no-untyped-call]
    node = ScalarNode(tag, event.value, mark, event.end_mark)
    if tag == _TAG + "str" or tag == _TAG + "timestamp":
        return event.value
    if tag == _TAG + "null":
        return None
    if tag == _TAG + "bool":
        return _CONSTRUCTOR.construct_yaml_bool(node)
    if tag == _TAG + "int":
        if _AMBIGUOUS_INT.match(event.value):
            raise _Stop(
                YamlProblem(
                    mark.line,
                    mark.column,
                    pointer,
                    f"{event.value!r} is ambiguous: YAML 1.1 reads a leading 0 as octal and "
                    "a colon as base 60; write the plain decimal number, or quote it for text",
                )
            )
        if len(event.value) > MAX_NUMBER_DIGITS:
            raise _Stop(_too_long_number(event.value, mark, pointer))
        return _CONSTRUCTOR.construct_yaml_int(node)
    if tag == _TAG + "float":
        text = event.value.replace("_", "")
        if _FLOAT_SPECIAL.match(text) or ":" in text:
            raise _Stop(
                YamlProblem(
                    mark.line,
                    mark.column,
                    pointer,
                    f"{event.value!r} is not a finite decimal number; write a number such as 2.5",
                )
            )
        if len(text) > MAX_NUMBER_DIGITS:
            raise _Stop(_too_long_number(event.value, mark, pointer))
        try:
            value = Decimal(text)
            if not value.is_zero() and not -MAX_EXPONENT <= value.adjusted() <= MAX_EXPONENT:
                raise _Stop(
                    YamlProblem(
                        mark.line,
                        mark.column,
                        pointer,
                        f"{event.value!r} is out of range: catalog numbers lie between "
                        f"1e-{MAX_EXPONENT} and 1e{MAX_EXPONENT}; write the number in full",
                    )
                )
            return value
        except InvalidOperation:  # pragma: no cover - the resolver admitted it as a float
            return event.value
    if tag == _TAG + "merge":
        raise _Stop(
            YamlProblem(
                mark.line,
                mark.column,
                pointer,
                "merge keys ('<<') are not allowed: write the keys out in full",
            )
        )
    return event.value


def _build(events: Any, document: Document) -> Any:
    """Build the value of one YAML document from its events."""
    stack: list[tuple[Any, str, str | None]] = []  # (container, pointer, pending key)
    root: Any = None

    def place(value: Any, pointer: str, mark: Any) -> None:
        nonlocal root
        document.values[pointer] = (mark.line, mark.column)
        if not stack:
            root = value
            return
        container, parent, key = stack[-1]
        if isinstance(container, list):
            container.append(value)
        else:
            assert key is not None
            container[key] = value
            stack[-1] = (container, parent, None)

    def child_pointer() -> str:
        container, parent, key = stack[-1]
        if isinstance(container, list):
            return f"{parent}/{len(container)}"
        return f"{parent}/{escape_pointer(key or '')}"

    event: Any
    for event in events:
        if isinstance(event, (yaml.StreamStartEvent, yaml.DocumentStartEvent)):
            continue
        if isinstance(event, (yaml.DocumentEndEvent, yaml.StreamEndEvent)):
            break
        if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            stack.pop()
            continue
        mark: Any = event.start_mark
        anchor = getattr(event, "anchor", None)
        pointer = child_pointer() if stack else ""
        tag = getattr(event, "tag", None)
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            if tag:
                raise _tag_problem(tag, mark, pointer)
            if len(stack) >= MAX_DEPTH:
                # A limit here also keeps pointers short: each is as long as its depth.
                raise _Stop(
                    YamlProblem(
                        mark.line,
                        mark.column,
                        pointer[:200],
                        _TOO_DEEP,
                    )
                )
        if isinstance(event, yaml.AliasEvent) or anchor is not None:
            raise _Stop(
                YamlProblem(
                    mark.line,
                    mark.column,
                    pointer,
                    "anchors and aliases ('&name', '*name') are not allowed: "
                    "write each value out in full",
                )
            )
        expecting_key = bool(stack) and isinstance(stack[-1][0], dict) and stack[-1][2] is None
        if expecting_key:
            container, parent, _ = stack[-1]
            if not isinstance(event, yaml.ScalarEvent):
                raise _Stop(
                    YamlProblem(
                        mark.line,
                        mark.column,
                        parent,
                        "mapping keys must be plain strings, not mappings or lists",
                    )
                )
            key_value = _scalar(event, parent)
            key = event.value if key_value is not None else ""
            key_pointer = f"{parent}/{escape_pointer(key)}"
            if key in container:
                first = document.keys[key_pointer]
                raise _Stop(
                    YamlProblem(
                        mark.line,
                        mark.column,
                        key_pointer,
                        f"duplicate key {key!r} (first at line {first[0] + 1}): keep one of them",
                    )
                )
            document.keys[key_pointer] = (mark.line, mark.column)
            stack[-1] = (container, parent, key)
            continue
        if isinstance(event, yaml.ScalarEvent):
            place(_scalar(event, pointer), pointer, mark)
        elif isinstance(event, yaml.MappingStartEvent):
            mapping: dict[str, Any] = {}
            place(mapping, pointer, mark)
            stack.append((mapping, pointer, None))
        elif isinstance(event, yaml.SequenceStartEvent):
            sequence: list[Any] = []
            place(sequence, pointer, mark)
            stack.append((sequence, pointer, None))
    return root


def _describe(error: yaml.YAMLError, text: str) -> YamlProblem:
    if isinstance(error, yaml.reader.ReaderError):
        before = text[: error.position]
        line = before.count("\n")
        column = error.position - (before.rfind("\n") + 1)
        return YamlProblem(
            line,
            column,
            "",
            f"character U+{error.character:04X} is not allowed in YAML ({error.reason}); remove it",
        )
    mark = getattr(error, "problem_mark", None)
    line, column = (mark.line, mark.column) if mark is not None else (0, 0)
    problem = getattr(error, "problem", None) or str(error)
    if "maximum nesting depth" in problem:
        return YamlProblem(line, column, "", _TOO_DEEP)
    context = getattr(error, "context", None)
    message = f"YAML syntax error: {problem}"
    if context:
        message += f" ({context})"
    lines = text.splitlines()
    if line < len(lines) and "\t" in lines[line]:
        message += "; indent with spaces, not tabs"
    return YamlProblem(line, column, "", message)


def parse_document(text: str) -> Document | YamlProblem:
    """Parse one catalog file's text; the first problem is returned, not raised."""
    document = Document(None)
    try:
        events = yaml.parse(text, Loader=_Loader)
        document.value = _build(events, document)
        extra = next(iter(events), None)
        while extra is not None and not isinstance(
            extra, (yaml.DocumentStartEvent, yaml.StreamEndEvent)
        ):
            extra = next(iter(events), None)
        if isinstance(extra, yaml.DocumentStartEvent):
            mark: Any = extra.start_mark
            return YamlProblem(
                mark.line,
                mark.column,
                "",
                "a catalog file holds one YAML document; remove the '---' and what follows "
                "or move it to a file of its own",
            )
    except _Stop as stop:
        return stop.problem
    except yaml.YAMLError as error:
        return _describe(error, text)
    except RecursionError:
        return YamlProblem(0, 0, "", "the document nests too deeply to be a catalog file")
    return document
