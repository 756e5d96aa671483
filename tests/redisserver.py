"""A real redis-server on 127.0.0.1 for the tests that need Redis.

    from tests.redisserver import redis_url, redis_server  # fixtures, used by name

``redis_server`` starts one server for the session (no persistence, a temporary
directory) and stops it at the end; ``redis_url`` gives each test its URL with the
database emptied first. Without ``redis-server`` on the PATH the tests that use
them are skipped, saying so; CI installs it.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

__all__ = ["RedisServer", "redis_server", "redis_url", "start_redis"]

NOT_INSTALLED = (
    "redis-server is not installed: install it (apt-get install redis-server, "
    "brew install redis) to run the Redis tests"
)


class RedisServer:
    """A running redis-server: its port, URL and process."""

    def __init__(self, process: subprocess.Popen[bytes], port: int, password: str | None) -> None:
        self.process = process
        self.port = port
        self.password = password

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"


def free_port() -> int:
    """A TCP port nothing listens on at the moment."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _answers(port: int, password: str | None, pid: int) -> bool:
    """True when the server on ``port`` answers and is the process ``pid``.

    Another test process (pytest-xdist runs several) may have started its own server
    on the same free port a moment earlier; that one must never be mistaken for ours.
    """
    import redis

    client = redis.Redis(
        host="127.0.0.1",
        port=port,
        password=password,
        socket_timeout=0.5,
        socket_connect_timeout=0.5,
    )
    try:
        info: dict[str, object] = client.info("server")  # type: ignore[assignment]
        return info.get("process_id") == pid
    except redis.RedisError:
        return False
    finally:
        client.close()


@contextmanager
def start_redis(directory: Path, *, password: str | None = None) -> Iterator[RedisServer]:
    """Run a redis-server in ``directory`` until the block ends; skip the test without one."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip(NOT_INSTALLED)
    for _ in range(5):  # another process may take the free port before the server does
        port = free_port()
        command = [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
            "--dir",
            str(directory),
        ]
        if password:
            command += ["--requirepass", password]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while process.poll() is None and time.monotonic() < deadline:
            if _answers(port, password, process.pid):
                break
            time.sleep(0.02)
        else:
            _stop(process)
            continue
        try:
            yield RedisServer(process, port, password)
        finally:
            _stop(process)
        return
    raise RuntimeError(f"redis-server ({binary}) did not start on 127.0.0.1")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One redis-server for the whole session."""
    with start_redis(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The session's server, emptied for this test."""
    with socket.create_connection(("127.0.0.1", redis_server.port), timeout=5) as conn:
        conn.sendall(b"FLUSHALL\r\n")
        assert conn.recv(64).startswith(b"+OK")
    return redis_server.url
