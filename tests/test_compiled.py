"""The compiled catalog cache: used when the files are unchanged, never trusted when broken."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from llm_catalog import Catalog, load_catalog
from llm_catalog.data.records import Capabilities
from llm_catalog.data.vocabulary import CAPABILITIES
from llm_catalog.load.compiled import MAGIC, CompiledCache, _digest, cache_dir
from llm_catalog.load.loader import check_catalog, iter_catalog_files

REPO = Path(__file__).resolve().parent.parent
USER = """\
provider:
  id: acme
  name: Acme
  litellm_provider: openai
  api_key_env: [ACME_API_KEY]
models:
  - id: chat
    name: Acme Chat
    aliases: [acme-chat]
    limits: {context_window: 32000, max_output_tokens: 4000}
    capabilities: {function_calling: true}
    modalities: {input: [text, image], output: [text]}
    pricing: {input: 0.05, output: 0.1}
    provenance: {sources: [acme.example], checked: 2026-11-25}
  - id: mini
    name: Acme Mini
    limits: {context_window: 8000}
    pricing: {input: 0.01, output: 0.02}
    provenance: {sources: [acme.example], checked: 2026-11-25}
profiles:
  cheap:
    models: [acme/chat, acme/mini]
    budget: {per_day_usd: 1.5}
"""
QUERIES: list[dict[str, Any]] = [
    {},
    {"vision": True, "max_cost": 0.01},
    {"reasoning": True, "order_by": "context", "limit": 7},
    {"max_input_price": 1, "provider": ["openai", "acme"]},
    {"input_tokens": 50_000, "output_tokens": 10, "max_cost": 0.05},
    {"mode": None, "status": ["deprecated", "retired"], "order_by": "release_date"},
    {"function_calling": True, "max_cost": 0.001, "batch": True},
]


@pytest.fixture
def user_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "mine"
    directory.mkdir()
    (directory / "acme.yaml").write_text(USER, encoding="utf-8")
    return directory


def load(user_dir: Path) -> Catalog:
    """The user's catalog alone (quick to check), through the cache."""
    return load_catalog([user_dir], shipped=False)


def cache_for(user_dir: Path) -> CompiledCache:
    cache = CompiledCache.for_files(list(iter_catalog_files([user_dir], shipped=False)))
    assert cache is not None
    return cache


def test_a_second_load_reads_the_compiled_catalog_and_it_equals_the_files(
    user_dir: Path,
) -> None:
    fresh = load_catalog([user_dir], cache=False)
    first = load_catalog([user_dir])
    assert not first.compiled
    shipped_too = CompiledCache.for_files(list(iter_catalog_files([user_dir])))
    assert shipped_too is not None
    assert shipped_too.path.is_file()
    again = load_catalog([user_dir])
    assert again.compiled
    assert list(again.models) == list(fresh.models)
    assert all(again.models[i] == fresh.models[i] for i in fresh.models)
    assert dict(again.providers) == dict(fresh.providers)
    assert dict(again.profiles) == dict(fresh.profiles)
    assert again.aliases == fresh.aliases
    assert again.files == fresh.files
    for query in QUERIES:
        got, want = again.select(**query), fresh.select(**query)
        assert (got.ids, got.costs) == (want.ids, want.costs), query
    # Each model knows its provider, as in a catalog read from the files.
    assert again["acme-chat"].provider_record == fresh["acme/chat"].provider_record
    # Places: a record's start from the cache, a place inside it from the files.
    for record in ("acme/chat", "openai/gpt-4o", "acme"):
        assert again.locate(record) == fresh.locate(record)
    assert again.locate("acme/chat", "/pricing/output") == fresh.locate(
        "acme/chat", "/pricing/output"
    )
    assert again.locate_profile("cheap") == fresh.locate_profile("cheap")
    assert again.locate_profile("cheap", "/budget") == fresh.locate_profile("cheap", "/budget")


def test_a_select_reads_no_record_it_does_not_return(user_dir: Path) -> None:
    load(user_dir)
    catalog = load(user_dir)
    assert catalog.compiled
    selection = catalog.select(max_cost=0.01)
    models: Any = catalog.models
    assert len(models._built) == 0  # ids and costs came from the saved index
    assert selection.ids == ["acme/mini", "acme/chat"]
    assert selection[0].id == selection.ids[0]
    assert selection[0].model.id == selection.ids[0]
    assert len(models._built) == 1


@pytest.mark.parametrize("change", ["edit", "add", "remove"])
def test_a_changed_added_or_removed_file_is_noticed(user_dir: Path, change: str) -> None:
    extra = user_dir / "zz-extra.yaml"
    renaming = "overrides:\n  - id: acme/chat\n    name: Renamed\n"
    if change == "remove":
        extra.write_text(renaming, encoding="utf-8")
    load(user_dir)
    assert load(user_dir).compiled
    if change == "remove":
        extra.unlink()
    elif change == "add":
        extra.write_text(renaming, encoding="utf-8")
    else:
        path = user_dir / "acme.yaml"
        path.write_text(USER.replace("name: Acme Chat", "name: Renamed"), encoding="utf-8")
    catalog = load(user_dir)
    assert not catalog.compiled
    expected = "Acme Chat" if change == "remove" else "Renamed"
    assert catalog["acme/chat"].name == expected
    again = load(user_dir)
    assert again.compiled
    assert again["acme/chat"].name == expected


def damaged(data: bytes) -> dict[str, bytes]:
    """Ways a cache file goes bad."""
    body = data[len(MAGIC) + 32 :]
    return {
        "truncated": data[: len(data) // 2],
        "empty": b"",
        "one byte flipped": data[:-100] + bytes([data[-100] ^ 0xFF]) + data[-99:],
        "foreign": b"\x89PNG\r\n\x1a\n" + os.urandom(200),
        "magic only": MAGIC,
        # A digest that matches a payload that is not a compiled catalog.
        "other payload": MAGIC + _digest(b"\xe9") + b"\xe9",
        "right digest, other key": _rekeyed(body),
    }


def _rekeyed(body: bytes) -> bytes:
    import marshal

    saved = marshal.loads(body)
    saved["key"] = "0" * 64
    payload = marshal.dumps(saved)
    return MAGIC + _digest(payload) + payload


@pytest.mark.parametrize(
    "damage",
    [
        "truncated",
        "empty",
        "one byte flipped",
        "foreign",
        "magic only",
        "other payload",
        "right digest, other key",
    ],
)
def test_a_broken_cache_is_ignored_and_rebuilt(user_dir: Path, damage: str) -> None:
    load(user_dir)
    path = cache_for(user_dir).path
    path.write_bytes(damaged(path.read_bytes())[damage])
    catalog = load(user_dir)
    assert not catalog.compiled
    assert catalog["acme/chat"].name == "Acme Chat"
    assert load(user_dir).compiled  # rebuilt


def test_a_cache_that_cannot_be_written_only_costs_time(
    user_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the cache directory would be", encoding="utf-8")
    monkeypatch.setenv("LLM_CATALOG_CACHE_DIR", str(blocked / "cache"))
    assert load(user_dir)["acme/chat"].name == "Acme Chat"
    assert not load(user_dir).compiled


def test_the_cache_can_be_turned_off(
    user_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LLM_CATALOG_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("LLM_CATALOG_CACHE", "off")
    load(user_dir)
    assert not load(user_dir).compiled
    assert not (tmp_path / "cache").exists()


def test_validation_always_reads_the_files(user_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load(user_dir)

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("validation read the compiled cache")

    monkeypatch.setattr(CompiledCache, "read", refuse)
    result = check_catalog([user_dir], shipped=False)
    assert result.catalog is not None
    assert not result.catalog.compiled
    from llm_catalog.interfaces.cli import main

    assert main(["validate", "--no-shipped", str(user_dir)]) == 0


BUILD = """
import json, sys
from llm_catalog import load_catalog
catalog = load_catalog([sys.argv[1]])
print(json.dumps([catalog.compiled, len(catalog), catalog["acme/chat"].name]))
"""


def test_processes_building_the_cache_at_once_leave_a_whole_one(
    user_dir: Path, tmp_path: Path
) -> None:
    directory = tmp_path / "shared-cache"
    env = {**os.environ, "LLM_CATALOG_CACHE_DIR": str(directory), "PYTHONPATH": str(REPO)}
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", BUILD, str(user_dir)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(4)
    ]
    results = []
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
        results.append(json.loads(out))
    assert all(size == results[0][1] and name == "Acme Chat" for _, size, name in results)
    assert [p.name for p in directory.iterdir() if not p.name.startswith("catalog-")] == []
    reader = subprocess.run(
        [sys.executable, "-c", BUILD, str(user_dir)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert json.loads(reader.stdout) == [True, results[0][1], "Acme Chat"]


COLD = """
import sys
from llm_catalog import select
found = select(vision=True, max_cost=0.01)
heavy = ("litellm", "openai", "httpx", "tiktoken", "pydantic", "pydantic_core", "yaml",
         "jsonschema", "redis", "limits", "tenacity", "sqlite3")
print(len(found), sorted(m for m in sys.modules if m.split(".")[0] in heavy))
"""


def test_a_cold_select_over_the_compiled_catalog_imports_nothing_heavy(tmp_path: Path) -> None:
    env = {**os.environ, "LLM_CATALOG_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(REPO)}
    env.pop("LLM_CATALOG_PATH", None)
    first = subprocess.run(
        [sys.executable, "-c", COLD], capture_output=True, text=True, env=env, check=True
    )
    count, _, imported = first.stdout.strip().partition(" ")
    assert int(count) > 0
    assert "pydantic" in imported  # the first run checks the files, with pydantic
    second = subprocess.run(
        [sys.executable, "-c", COLD], capture_output=True, text=True, env=env, check=True
    )
    assert second.stdout.strip() == f"{count} []"


def test_the_vocabulary_names_every_capability() -> None:
    assert tuple(Capabilities.model_fields) == CAPABILITIES


def test_a_catalog_built_in_python_is_not_compiled(user_dir: Path) -> None:
    catalog = check_catalog([user_dir], shipped=False).catalog
    assert isinstance(catalog, Catalog)
    assert not catalog.compiled


def test_the_cache_lives_in_the_user_cache_directory_unless_moved(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("LLM_CATALOG_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "llm-catalog"
    monkeypatch.setenv("LLM_CATALOG_CACHE_DIR", "~/elsewhere")
    assert cache_dir() == Path("~/elsewhere").expanduser()
