"""Every example in the README, CONTRIBUTING.md and docs/ runs as written (see tests/examples.py).

Each page runs in a directory of its own, with the suite's fixed clock and its own data
and cache directories (tests/conftest.py). Provider calls never leave the machine: the
keys are dummies and ``LLM_CATALOG_PATH`` names a user catalog that points the shipped
OpenAI, Anthropic and Google providers at the loopback fake provider, so an example
that calls ``openai/gpt-5.4-mini`` or routes through a shipped profile is answered by
:class:`tests.fakeprovider.FakeProvider`. Any other connection fails the test.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.examples import REPO, RUN, SHOWN, iter_blocks, pages, run_page
from tests.fakeprovider import FakeProvider
from tests.test_driver_e2e import _close_litellms_clients  # noqa: F401  (closes litellm's clients)

KEYS = {
    "OPENAI_API_KEY": "sk-examples-0000000000000000",
    "ANTHROPIC_API_KEY": "sk-ant-examples-0000000000000000",
    "GEMINI_API_KEY": "AIza-examples-0000000000000000",
}
LOOPBACK = ("127.0.0.1", "::1", "localhost", b"127.0.0.1", b"localhost")


def fake_providers(fake: FakeProvider) -> str:
    return f"""\
provider_overrides:
  - id: openai
    api_base: {fake.openai_base}
  - id: anthropic
    api_base: {fake.anthropic_base}
  - id: google
    api_base: {fake.gemini_base}
"""


@pytest.fixture(scope="module")
def server() -> Iterator[FakeProvider]:
    with FakeProvider() as fake:
        yield fake


@pytest.fixture(scope="module")
def fake_catalog(server: FakeProvider, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("fake-providers")
    (directory / "fake-providers.yaml").write_text(fake_providers(server), encoding="utf-8")
    return directory


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any connection or name lookup that would leave this machine."""
    real_connect = socket.socket.connect
    real_getaddrinfo = socket.getaddrinfo

    def connect(self: socket.socket, address: Any) -> None:
        if isinstance(address, tuple) and address[0] not in LOOPBACK:
            raise AssertionError(f"an example tried to reach {address}")
        real_connect(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in LOOPBACK:
            raise AssertionError(f"an example tried to look up {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.mark.parametrize("page", pages(), ids=lambda page: str(page.relative_to(REPO)))
def test_the_examples_of_a_page_run(
    page: Path,
    server: FakeProvider,
    fake_catalog: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server.reset()
    for name, key in KEYS.items():
        monkeypatch.setenv(name, key)
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    monkeypatch.setenv("LLM_CATALOG_PATH", str(fake_catalog))
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    workdir = tmp_path / "work"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    env = dict(os.environ)
    # A shell example has no socket guard: any proxy-aware client it starts is sent
    # to a closed loopback port instead of the network.
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        env[name] = "http://127.0.0.1:9"
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost,::1"
    run_page(page, workdir, env)


@pytest.mark.parametrize("page", pages(), ids=lambda page: str(page.relative_to(REPO)))
def test_every_fence_names_a_language_that_runs_or_is_shown(page: Path) -> None:
    unknown = [
        f"{block.where}: {block.language!r}"
        for block in iter_blocks(page)
        if block.language not in RUN | SHOWN
    ]
    assert unknown == []


def test_the_readme_stays_short() -> None:
    lines = (REPO / "README.md").read_text(encoding="utf-8").count("\n")
    assert lines <= 200, f"README.md has {lines} lines; move detail to docs/"
