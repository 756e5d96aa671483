"""Child processes a test starts: killed, reaped and their pipes closed however the test ends,
so a failed assertion leaves no process waiting and no pipe for a later test to warn about."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator, Sequence
from typing import Any


@contextlib.contextmanager
def started(
    commands: Sequence[Sequence[str]], **popen: Any
) -> Iterator[list[subprocess.Popen[str]]]:
    """Start every command with ``popen``'s options; on leaving, kill those still running."""
    with contextlib.ExitStack() as stack:
        processes = [
            stack.enter_context(subprocess.Popen(command, **popen)) for command in commands
        ]
        # Runs before each Popen's own exit, which closes its pipes and waits for it.
        stack.callback(_kill_running, processes)
        yield processes


def _kill_running(processes: Sequence[subprocess.Popen[str]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.kill()
