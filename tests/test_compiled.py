"""The compiled catalog cache: used when the files are unchanged, never trusted when broken."""

from __future__ import annotations

import hashlib
import hmac
import json
import marshal
import os
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from llm_catalog import Catalog, load_catalog
from llm_catalog.data.records import Capabilities
from llm_catalog.data.vocabulary import CAPABILITIES
from llm_catalog.load.compiled import (
    KEY_FILE,
    MAGIC,
    CompiledCache,
    _digest,
    _mac,
    _secret,
    cache_dir,
    key_file,
)
from llm_catalog.load.loader import check_catalog, iter_catalog_files
from tests.children import started

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


HEADER = len(MAGIC) + 32


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def seal(payload: bytes) -> bytes:
    """A cache file as llm-catalog writes it, sealed with this user's secret."""
    secret = _secret(create=False)
    assert secret is not None
    return MAGIC + _mac(secret, payload) + payload


def changed(data: bytes, change: Callable[[dict[str, Any]], object]) -> bytes:
    """The payload of cache file ``data``, changed."""
    saved = marshal.loads(data[HEADER:])
    change(saved)
    return marshal.dumps(saved)


def damaged(data: bytes) -> dict[str, bytes]:
    """Ways a cache file goes bad: on disk, by hand, or by a writer that got it wrong."""
    blob = marshal.loads(data[HEADER:])["models"]["acme/chat"]
    inside = data.index(blob) + len(blob) // 2

    def truncate_blob(saved: dict[str, Any]) -> None:
        saved["models"]["acme/chat"] = blob[: len(blob) // 2]

    def start_in_no_file(saved: dict[str, Any]) -> None:
        saved["starts"]["acme/chat"] = (7, 1, 1)

    def alias_to_no_model(saved: dict[str, Any]) -> None:
        saved["aliases"]["acme-chat"] = "acme/none"

    def model_that_is_no_record(saved: dict[str, Any]) -> None:
        saved["models"]["acme/chat"] = 5

    def index_of_another_catalog(saved: dict[str, Any]) -> None:
        saved["index"]["ids"] = saved["index"]["ids"][:-1]

    def index_with_a_bad_price(saved: dict[str, Any]) -> None:
        saved["index"]["input_prices"][0] = "not a price"

    def other_key(saved: dict[str, Any]) -> None:
        saved["key"] = "0" * 64

    truncated_blob = changed(data, truncate_blob)
    return {
        "truncated": data[: len(data) // 2],
        "empty": b"",
        "one byte flipped": data[:-100] + bytes([data[-100] ^ 0xFF]) + data[-99:],
        "foreign": b"\x89PNG\r\n\x1a\n" + os.urandom(200),
        "magic only": MAGIC,
        "record blob flipped": data[:inside] + bytes([data[inside] ^ 0xFF]) + data[inside + 1 :],
        # As the previous format sealed it: an unkeyed digest, which anyone can compute.
        "record blob truncated, sealed without the secret": (
            MAGIC + _digest(truncated_blob) + truncated_blob
        ),
        # Sealed with our secret: a writer's mistakes, found at load by the structure checks.
        "other payload": seal(b"\xe9"),
        "a start in no file": seal(changed(data, start_in_no_file)),
        "an alias to no model": seal(changed(data, alias_to_no_model)),
        "a model that is no record": seal(changed(data, model_that_is_no_record)),
        "an index of another catalog": seal(changed(data, index_of_another_catalog)),
        "an index with a bad price": seal(changed(data, index_with_a_bad_price)),
        "right seal, other key": seal(changed(data, other_key)),
    }


@pytest.mark.parametrize(
    "damage",
    [
        "truncated",
        "empty",
        "one byte flipped",
        "foreign",
        "magic only",
        "record blob flipped",
        "record blob truncated, sealed without the secret",
        "other payload",
        "a start in no file",
        "an alias to no model",
        "a model that is no record",
        "an index of another catalog",
        "an index with a bad price",
        "right seal, other key",
    ],
)
def test_a_broken_cache_is_ignored_and_rebuilt(user_dir: Path, damage: str) -> None:
    load(user_dir)
    path = cache_for(user_dir).path
    path.write_bytes(damaged(path.read_bytes())[damage])
    catalog = load(user_dir)
    assert not catalog.compiled
    # Every record reads, and queries run: nothing was left to fail on first use.
    assert [model.name for model in catalog] == ["Acme Chat", "Acme Mini"]
    assert catalog.select(max_cost=0.01).ids == ["acme/mini", "acme/chat"]
    again = load(user_dir)
    assert again.compiled  # rebuilt
    assert [model.name for model in again] == ["Acme Chat", "Acme Mini"]


def forged(data: bytes, price: str) -> bytes:
    """The payload of cache file ``data`` with acme/chat's input price changed to ``price``."""

    def reprice(saved: dict[str, Any]) -> None:
        record = marshal.loads(saved["models"]["acme/chat"])
        record["pricing"]["input"] = ("\0decimal", price)
        saved["models"]["acme/chat"] = marshal.dumps(record)

    return changed(data, reprice)


def test_a_record_forged_without_the_secret_is_ignored(user_dir: Path) -> None:
    load(user_dir)
    path = cache_for(user_dir).path
    payload = forged(path.read_bytes(), "99")
    # Sealed with the secret, the forgery would be served: only the secret keeps it out.
    path.write_bytes(seal(payload))
    assert load(user_dir)["acme/chat"].pricing.input == Decimal("99")  # type: ignore[union-attr]
    resealed = {
        "BLAKE2b, as the previous format": MAGIC + _digest(payload) + payload,
        "SHA-256": MAGIC + hashlib.sha256(MAGIC + payload).digest() + payload,
        "HMAC with another secret": MAGIC
        + hmac.digest(os.urandom(32), MAGIC + payload, "sha256")
        + payload,
    }
    for how, data in resealed.items():
        path.write_bytes(data)
        catalog = load(user_dir)
        assert not catalog.compiled, how
        assert catalog["acme/chat"].pricing.input == Decimal("0.05"), how  # type: ignore[union-attr]
        rebuilt = load(user_dir)
        assert rebuilt.compiled, how
        assert rebuilt["acme/chat"].pricing.input == Decimal("0.05"), how  # type: ignore[union-attr]


@pytest.fixture
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache directory of this test's own, two levels below one that exists."""
    directory = tmp_path / "home" / "cache"
    monkeypatch.setenv("LLM_CATALOG_CACHE_DIR", str(directory))
    return directory


@pytest.mark.usefixtures("permissive_umask")
def test_the_secret_and_the_cache_are_private_to_their_owner(
    user_dir: Path, own_cache: Path
) -> None:
    assert not load(user_dir).compiled
    assert key_file() == own_cache.parent / KEY_FILE
    [cache_file] = own_cache.iterdir()
    assert sorted(p.name for p in own_cache.parent.iterdir()) == ["cache", KEY_FILE]
    assert (mode(own_cache.parent), mode(own_cache)) == (0o700, 0o700)
    assert (mode(key_file()), mode(cache_file)) == (0o600, 0o600)
    secret = key_file().read_bytes()
    assert len(secret) == 32
    assert load(user_dir).compiled
    assert key_file().read_bytes() == secret  # made once, then kept


@pytest.mark.usefixtures("permissive_umask")
def test_a_cache_directory_that_exists_keeps_its_mode(user_dir: Path, own_cache: Path) -> None:
    own_cache.mkdir(parents=True)
    os.chmod(own_cache, 0o755)
    load(user_dir)
    assert load(user_dir).compiled
    assert mode(own_cache) == 0o755
    assert all(mode(p) == 0o600 for p in own_cache.iterdir())


def test_a_removed_key_file_is_made_anew_and_the_cache_rebuilt(
    user_dir: Path, own_cache: Path
) -> None:
    load(user_dir)
    assert load(user_dir).compiled
    old = key_file().read_bytes()
    key_file().unlink()
    catalog = load(user_dir)
    assert not catalog.compiled  # sealed with the old secret: as if there were no cache
    assert catalog["acme/chat"].name == "Acme Chat"
    assert key_file().read_bytes() != old
    assert mode(key_file()) == 0o600
    assert load(user_dir).compiled


def _spoil_key_file(path: Path, how: str, elsewhere: Path) -> None:
    secret = os.urandom(32)
    path.unlink()
    if how == "too short":
        path.write_bytes(secret[:5])
    elif how == "readable by others":
        path.write_bytes(secret)
        os.chmod(path, 0o644)
    elif how == "a link":
        elsewhere.write_bytes(secret)
        os.chmod(elsewhere, 0o600)
        path.symlink_to(elsewhere)
    elif how == "a directory":
        path.mkdir()
    else:  # "another user's"
        path.write_bytes(secret)
        os.chmod(path, 0o600)
        os.chown(path, os.getuid() + 1, -1)


@pytest.mark.parametrize(
    "how", ["too short", "readable by others", "a link", "a directory", "another user's"]
)
def test_a_key_file_we_cannot_trust_turns_the_cache_off_quietly(
    user_dir: Path, own_cache: Path, tmp_path: Path, how: str, capfd: pytest.CaptureFixture[str]
) -> None:
    if how == "another user's" and os.geteuid() != 0:
        pytest.skip("giving a file to another user needs root")
    load(user_dir)
    assert load(user_dir).compiled
    _spoil_key_file(key_file(), how, tmp_path / "elsewhere")
    before = os.lstat(key_file())
    for _ in range(2):
        catalog = load(user_dir)
        assert not catalog.compiled
        assert catalog["acme/chat"].name == "Acme Chat"
    after = os.lstat(key_file())
    # Neither used nor replaced, and not a word said.
    assert (after.st_ino, after.st_mode, after.st_uid) == (
        before.st_ino,
        before.st_mode,
        before.st_uid,
    )
    assert capfd.readouterr() == ("", "")


def test_a_key_file_that_cannot_be_made_turns_the_cache_off_quietly(
    user_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("a file where the key file's directory would be", encoding="utf-8")
    monkeypatch.setenv("LLM_CATALOG_CACHE_DIR", str(blocked / "home" / "cache"))
    for _ in range(2):
        catalog = load(user_dir)
        assert not catalog.compiled
        assert catalog["acme/chat"].name == "Acme Chat"
    assert capfd.readouterr() == ("", "")


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


RACE = """
import json, pathlib, sys
from llm_catalog import load_catalog
folder, generation, loads = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), int(sys.argv[3])
for _ in range(loads):
    before = int(generation.read_text())
    catalog = load_catalog([folder], shipped=False)
    after = int(generation.read_text())
    price = catalog["acme/chat"].pricing.input
    print(json.dumps([before, after, str(price), catalog.compiled]), flush=True)
"""
PRICES = ("2.0", "99.0")
LOADS = 200  # per process


def save(path: Path, text: str) -> None:
    """Save as editors do: write a new file beside it (a name no loader reads), rename it over."""
    temporary = path.with_name(f".{path.name}.saving")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def test_a_file_saved_while_processes_build_the_cache_is_never_served_for_another(
    tmp_path: Path,
) -> None:
    # The writer alternates two contents, so a cache built from one and keyed on the
    # other would be served as soon as the file held the other again. A generation
    # counter, odd while the file is being replaced (a seqlock), tells each load
    # whether the file held one content from before the load began to after it ended:
    # if so, the price served must be that content's.
    folder = tmp_path / "mine"
    folder.mkdir()
    catalog_file, generation_file = folder / "acme.yaml", tmp_path / "generation"

    def content(number: int) -> str:
        return USER.replace("input: 0.05", f"input: {PRICES[number % 2]}")

    save(catalog_file, content(0))
    save(generation_file, "0")
    env = {**os.environ, "LLM_CATALOG_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(REPO)}
    reports: list[list[Any]] = []

    def collect(process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        reports.extend(json.loads(line) for line in process.stdout)

    command = [sys.executable, "-c", RACE, str(folder), str(generation_file), str(LOADS)]
    errors = tmp_path / "stderr"
    with (
        errors.open("w", encoding="utf-8") as stderr,
        started(
            [command] * 3, env=env, stdout=subprocess.PIPE, stderr=stderr, text=True
        ) as processes,
    ):
        readers = [threading.Thread(target=collect, args=(p,)) for p in processes]
        for reader in readers:
            reader.start()
        number = 0
        while any(process.poll() is None for process in processes):
            number += 1
            save(generation_file, str(2 * number - 1))
            save(catalog_file, content(number))
            save(generation_file, str(2 * number))
            if number % 2:
                # Held until some process has loaded it from start to end, so that
                # every run checks loads, however the processes are scheduled.
                while any(p.poll() is None for p in processes) and not any(
                    before == after == 2 * number for before, after, _, _ in reports
                ):
                    time.sleep(0.001)
            else:
                # Long enough for loads to begin under one content and parse another:
                # before the fix, about two runs in three served a wrong price.
                time.sleep(0.002)
        for reader in readers:
            reader.join()
    assert [p.returncode for p in processes] == [0, 0, 0], errors.read_text(encoding="utf-8")
    assert len(reports) == 3 * LOADS
    assert {Decimal(price) for _, _, price, _ in reports} <= {Decimal(p) for p in PRICES}
    steady = [
        (before, Decimal(price))
        for before, after, price, _ in reports
        if before == after and before % 2 == 0
    ]
    assert steady
    wrong = [(g, price) for g, price in steady if price != Decimal(PRICES[g // 2 % 2])]
    assert wrong == []

    def fresh(loads: int) -> list[tuple[Decimal, bool]]:
        run = subprocess.run(
            [*command[:-1], str(loads)], capture_output=True, text=True, env=env, check=True
        )
        return [
            (Decimal(price), hit) for _, _, price, hit in map(json.loads, run.stdout.splitlines())
        ]

    # The cache left behind holds the content it is keyed on: when that is not the
    # file's last content, it is checked first (loading the last would replace it).
    [left] = (tmp_path / "cache").glob("catalog-*.bin")
    save(catalog_file, content(number + 1))
    if cache_for(folder).key == marshal.loads(left.read_bytes()[HEADER:])["key"]:
        assert fresh(1) == [(Decimal(PRICES[(number + 1) % 2]), True)]
    # With the writer stopped, a fresh process serves the file's last price, then caches it.
    save(catalog_file, content(number))
    last = Decimal(PRICES[number % 2])
    assert [price for price, _ in fresh(2)] == [last, last]
    assert fresh(1) == [(last, True)]


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
