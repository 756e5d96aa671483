"""The examples of the README, CONTRIBUTING.md and docs/*.md, collected so that the tests run them.

Each page's fenced blocks are taken in the order they are written, by language:

* ``python``: run in one namespace per page, in order, so a block may use names that
  an earlier block on the same page defined (never a block of another page).
* ``sh``: run by ``bash -euo pipefail``, with ``llm-catalog`` and ``python`` the
  development environment's (its ``bin`` directory first on ``PATH``).
* ``yaml`` whose first line is ``# PATH`` (a relative path, such as
  ``# my-catalog/acme.yaml``): written to PATH in the page's working directory, so that
  the blocks after it can load that file; any other ``yaml`` block is only shown.
* ``console``, ``text``, ``ini``: only shown. ``console`` is for the few commands that
  cannot run offline or inside the suite (installs, the suite itself, benchmarks,
  a server elsewhere); ``text`` for output, messages and diagrams; ``ini`` for
  configuration files.

A fence without a language, or with any other, is an error: a misspelt language cannot
hide an example from the tests. CONTRIBUTING.md states the same rule for writers.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["RUN", "SHOWN", "Block", "iter_blocks", "pages", "run_page"]

REPO = Path(__file__).resolve().parent.parent
RUN = frozenset({"python", "sh"})
SHOWN = frozenset({"console", "text", "ini", "yaml"})
FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,})(?P<info>[^`]*)$")
FILE_HEADER = re.compile(r"#\s*(?P<path>[\w.-]+(?:/[\w.-]+)*\.ya?ml)\s*$")
SHELL_TIMEOUT_SECONDS = 120


@dataclass(frozen=True)
class Block:
    """One fenced block: the page it is on, the line of its opening fence, language, text."""

    page: Path
    line: int
    language: str
    source: str

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(REPO)}:{self.line}"

    @property
    def file_path(self) -> str | None:
        """For a yaml block that names its file on its first line, that path."""
        if self.language != "yaml":
            return None
        first = self.source.split("\n", 1)[0]
        match = FILE_HEADER.fullmatch(first)
        return match.group("path") if match else None


def pages() -> list[Path]:
    """The pages whose examples run: README.md, CONTRIBUTING.md and every docs/ page."""
    return [REPO / "README.md", REPO / "CONTRIBUTING.md", *sorted((REPO / "docs").rglob("*.md"))]


def iter_blocks(page: Path) -> Iterator[Block]:
    """The fenced blocks of a page, in order; a fence may be indented (inside a list)."""
    lines = page.read_text(encoding="utf-8").split("\n")
    number = 0
    while number < len(lines):
        opening = FENCE.match(lines[number])
        number += 1
        if opening is None:
            continue
        indent, fence = opening.group("indent"), opening.group("fence")
        start = number
        body: list[str] = []
        while number < len(lines) and lines[number].strip() != fence:
            text = lines[number]
            body.append(text[len(indent) :] if text.startswith(indent) else text.lstrip())
            number += 1
        if number == len(lines):
            raise ValueError(f"{page.relative_to(REPO)}:{start}: the fence is never closed")
        number += 1
        language = opening.group("info").strip().split(" ", 1)[0]
        yield Block(page, start, language, "\n".join(body) + "\n")


def run_page(page: Path, workdir: Path, env: Mapping[str, str]) -> None:
    """Run the page's examples in order, in ``workdir`` (the current directory for Python).

    ``env`` is the environment of shell blocks; Python blocks run in this process, whose
    environment the caller sets alike.
    """
    namespace: dict[str, Any] = {"__name__": "__main__"}
    for block in iter_blocks(page):
        if block.language == "python":
            # Blank lines before the code, so a traceback names the page's own line.
            code = compile("\n" * block.line + block.source, str(block.page), "exec")
            exec(code, namespace)
        elif block.language == "sh":
            run_shell(block, workdir, env)
        elif block.file_path is not None:
            target = workdir / block.file_path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(block.source, encoding="utf-8")
        elif block.language not in SHOWN:
            raise ValueError(
                f"{block.where}: a fence of language {block.language!r}: write python or sh "
                f"for an example that runs, or one of {', '.join(sorted(SHOWN))} for one shown"
            )


def run_shell(block: Block, workdir: Path, env: Mapping[str, str]) -> None:
    environment = dict(env)
    environment["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env["PATH"]])
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", block.source],
        cwd=workdir,
        env=environment,
        capture_output=True,
        text=True,
        timeout=SHELL_TIMEOUT_SECONDS,
        check=False,
    )
    if done.returncode != 0:
        raise AssertionError(
            f"{block.where}: the shell example exited {done.returncode}\n"
            f"{block.source}\nstdout:\n{done.stdout[-2000:]}\nstderr:\n{done.stderr[-2000:]}"
        )
