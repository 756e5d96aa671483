"""Shared fixtures: every test runs without the user's own catalog directories, on a fixed date.

Every date llm-catalog reads comes from :mod:`llm_catalog.data.clock`, which the suite
starts at :data:`NOW` (through ``LLM_CATALOG_NOW``, so subprocesses share it): the
tests give the same answers on any day they run, and no test can see midnight pass.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Property tests draw the same examples on every run and machine (derandomize), keep
# no example database between runs, and never fail because the machine is slow.
settings.register_profile(
    "llm-catalog",
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("llm-catalog")

REPO = Path(__file__).resolve().parent.parent
# Midday, so that the clock, which runs on from here, stays within one UTC day.
NOW = "2026-11-25T12:00:00+00:00"
CASES = Path(__file__).resolve().parent / "cases"

pytest_plugins = ["tests.progress"]


@pytest.fixture(scope="session", autouse=True)
def _fixed_clock() -> Iterator[None]:
    """The fixed date for the whole session, so module and session fixtures run on it too."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LLM_CATALOG_NOW", NOW)
        yield


@pytest.fixture(scope="session")
def compiled_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One compiled-catalog cache for the whole run, apart from the user's own."""
    return tmp_path_factory.mktemp("compiled-cache")


@pytest.fixture(autouse=True)
def _isolated_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, compiled_cache_dir: Path
) -> None:
    monkeypatch.delenv("LLM_CATALOG_PATH", raising=False)
    monkeypatch.delenv("LLM_CATALOG_STATE", raising=False)
    monkeypatch.delenv("LLM_CATALOG_CACHE", raising=False)
    monkeypatch.setenv("LLM_CATALOG_NOW", NOW)
    monkeypatch.setenv("LLM_CATALOG_CACHE_DIR", str(compiled_cache_dir))
    # The ledger and the router's state go to the user's data directory by default.
    monkeypatch.setenv("LLM_CATALOG_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    """The umask of many systems, which lets every user read what is created."""
    before = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(before)


def mode(path: Path) -> int:
    """A file's permission bits, such as 0o600."""
    return stat.S_IMODE(os.stat(path).st_mode)
