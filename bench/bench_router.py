"""The router's cost over the bare driver, against the same local server.

Both sides call ``openai/gpt-4o-mini`` on the fake provider on 127.0.0.1
(``tests/fakeprovider.py``) with the same request. The router adds what a profile
asks for: the chain, a rate-limit check, a budget reservation and its settlement, a
ledger row begun before the call and finished after it, the shared usage counters.

1. Overhead per call: sequential sync calls, alternating router and driver so that
   drift on a shared machine falls on both; medians.
2. Throughput: 50 concurrent async callers, 1,000 calls each side, requests per second.

Each is run with the embedded state (SQLite) and, when ``redis-server`` is installed,
with a Redis started for the run on 127.0.0.1. Figures are printed, never asserted.

Run: ``pip install -e '.[dev]'``, then ``python bench/bench_router.py``.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import llm_catalog  # noqa: E402
from llm_catalog import get_model  # noqa: E402
from llm_catalog.calls.router import Router  # noqa: E402
from llm_catalog.data.profiles import Budget, Profile, ProfileRateLimits  # noqa: E402
from tests.fakeprovider import FakeProvider  # noqa: E402

MODEL = "openai/gpt-4o-mini"
SEQUENTIAL = 300
CONCURRENT = 1000
CALLERS = 50
MESSAGES = [
    {"role": "system", "content": "You answer in one short sentence."},
    {"role": "user", "content": "Which planet is the largest in the solar system?"},
]
PROFILE = Profile(
    models=(MODEL,),
    params={"max_tokens": 100},
    budget=Budget(per_day_usd=1_000_000),
    rate_limits=ProfileRateLimits(models={MODEL: {"requests_per_minute": 10_000_000}}),
)


def timed(action: Callable[[], Any]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


@contextmanager
def redis_server() -> Iterator[str | None]:
    """A redis-server on a free port for the run, or None when none is installed."""
    binary = shutil.which("redis-server")
    if binary is None:
        yield None
        return
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with tempfile.TemporaryDirectory() as directory:
        process = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", directory],
            stdout=subprocess.DEVNULL,
        )
        try:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                    break
                except OSError:
                    time.sleep(0.05)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            process.terminate()
            process.wait()


async def rate(calls: Callable[[], Awaitable[Any]]) -> float:
    """Requests per second of CONCURRENT calls made by CALLERS concurrent callers."""
    gate = asyncio.Semaphore(CALLERS)

    async def one() -> None:
        async with gate:
            await calls()

    start = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(CONCURRENT)))
    return CONCURRENT / (time.perf_counter() - start)


def measure(label: str, catalog: llm_catalog.Catalog, state: str, ledger: Path) -> None:
    model = get_model(MODEL, catalog)
    with Router(catalog, profiles={"bench": PROFILE}, state=state, ledger=ledger) as router:

        def bare() -> Any:
            return model.complete(MESSAGES, max_tokens=100)

        def routed() -> Any:
            return router.complete("bench", MESSAGES)

        for _ in range(10):  # imports, tokenizers, connections, tables
            bare()
            routed()
        bare_times, routed_times = [], []
        for _ in range(SEQUENTIAL):
            bare_times.append(timed(bare))
            routed_times.append(timed(routed))
        driver_ms = statistics.median(bare_times) * 1e3
        router_ms = statistics.median(routed_times) * 1e3
        print(
            f"{label:8} per call   driver {driver_ms:7.2f} ms   router {router_ms:7.2f} ms   "
            f"overhead {router_ms - driver_ms:6.2f} ms   ratio {router_ms / driver_ms:5.2f}x"
        )

        async def both() -> tuple[float, float]:
            import litellm

            try:
                driver_rps = await rate(lambda: model.acomplete(MESSAGES, max_tokens=100))
                router_rps = await rate(lambda: router.acomplete("bench", MESSAGES))
                return driver_rps, router_rps
            finally:
                await litellm.close_litellm_async_clients()  # type: ignore[attr-defined,no-untyped-call]

        driver_rps, router_rps = asyncio.run(both())
        print(
            f"{label:8} {CALLERS} async callers   driver {driver_rps:7.0f} req/s   "
            f"router {router_rps:7.0f} req/s   ratio {router_rps / driver_rps:5.2f}x"
        )


def main() -> None:
    os.environ["OPENAI_API_KEY"] = "sk-bench-0000000000000000000000000000"
    with FakeProvider() as fake, tempfile.TemporaryDirectory() as directory:
        user = Path(directory) / "catalog"
        user.mkdir()
        (user / "bench.yaml").write_text(
            f"provider_overrides:\n  - id: openai\n    api_base: {fake.openai_base}\n",
            encoding="utf-8",
        )
        catalog = llm_catalog.load_catalog([user])
        print(f"router over the bare driver, {MODEL} on a local fake server")
        measure(
            "sqlite",
            catalog,
            f"sqlite:///{Path(directory) / 'state.sqlite3'}",
            Path(directory) / "usage.sqlite3",
        )
        with redis_server() as url:
            if url is None:
                print("redis    (redis-server is not installed: skipped)")
            else:
                measure("redis", catalog, url, Path(directory) / "usage-redis.sqlite3")


if __name__ == "__main__":
    main()
