"""The checked-in schema is the records' schema, complete and usable on its own."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from llm_catalog.data.schema import SCHEMA_FILENAME, render_schema
from tests.conftest import CASES, REPO

SCHEMA_PATH = REPO / "schemas" / SCHEMA_FILENAME
SHIPPED = sorted((REPO / "catalog").glob("*.yaml"))


def test_checked_in_schema_is_current() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == render_schema(), (
        "schemas/catalog.schema.json is stale: run 'python -m llm_catalog.data.schema'"
    )


def test_schema_is_valid_draft_2020_12() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def _objects(node: Any, path: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        if node.get("type") == "object" and "properties" in node:
            yield path, node
        for key, value in node.items():
            yield from _objects(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _objects(value, f"{path}/{index}")


def test_every_object_is_strict_and_every_property_described() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    undescribed = []
    loose = []
    for path, node in _objects(schema):
        if node.get("additionalProperties") is not False:
            loose.append(path)
        undescribed += [
            f"{path}/properties/{name}"
            for name, prop in node["properties"].items()
            if not prop.get("description")
        ]
    assert loose == []
    assert undescribed == []


def test_price_descriptions_state_the_unit() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    for name in ("input", "output", "cached_input", "cache_write", "reasoning_output"):
        description = schema["$defs"]["Prices"]["properties"][name]["description"]
        assert description.endswith("US dollars per million tokens."), name


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_file_names_the_schema_on_its_first_line(path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=../schemas/catalog.schema.json"


def _check_jsonschema() -> list[str]:
    found = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.skip("check-jsonschema is not installed (pip install -e '.[dev]')")
    return [found]


def test_check_jsonschema_accepts_shipped_files_and_valid_cases() -> None:
    files = [*SHIPPED, *sorted((CASES / "valid").glob("*/*.yaml"))]
    command = [*_check_jsonschema(), "--schemafile", str(SCHEMA_PATH), *map(str, files)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_jsonschema_rejects_an_unknown_key() -> None:
    case = CASES / "invalid" / "unknown-key" / "acme.yaml"
    command = [*_check_jsonschema(), "--schemafile", str(SCHEMA_PATH), str(case)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert "'ouput' was unexpected" in result.stdout
