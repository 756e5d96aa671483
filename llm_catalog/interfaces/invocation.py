"""What the commands share about their invocation: what they read and how they answer.

A command reads the catalog its ``--catalog`` and ``--no-shipped`` flags name
(:func:`open_catalog`) and the request its request flags describe
(:func:`read_request`, with the prompt file :func:`read_prompt` reads). It answers
``--json`` with :func:`emit`, and a mistake the parser cannot see with
:class:`UsageError` (exit status 2).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from llm_catalog.data.errors import LLMCatalogError

if TYPE_CHECKING:
    from llm_catalog.query.catalog import Catalog

__all__ = ["MAX_PROMPT_BYTES", "UsageError", "emit", "open_catalog", "read_prompt", "read_request"]


class UsageError(LLMCatalogError):
    """A command-line mistake the parser cannot see (exit status 2)."""


# Characters json.dumps leaves raw with ensure_ascii=False that a terminal may act on:
# DEL and the C1 controls (U+009B starts an escape sequence on some terminals), line
# and paragraph separators, and the bidirectional overrides that reorder what is shown.
_UNSAFE_IN_JSON = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")


def emit(data: dict[str, Any], out: TextIO) -> None:
    """Print one JSON object; no character of it can drive the terminal."""
    text = json.dumps(data, indent=2, ensure_ascii=False)
    # Outside its strings JSON is ASCII, so these can only stand inside strings,
    # where \uXXXX is the same character.
    out.write(_UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m[0]):04x}", text) + "\n")


def open_catalog(args: argparse.Namespace) -> Catalog:
    """The catalog the ``--catalog`` and ``--no-shipped`` flags name."""
    # lazy: the loader is kept off --help, --version, usage errors and the usage command.
    from llm_catalog.load.loader import load_catalog

    return load_catalog(args.catalog, shipped=not args.no_shipped)


def read_request(args: argparse.Namespace) -> dict[str, Any]:
    """The request keywords given on the command line, as ``select`` takes them."""
    request: dict[str, Any] = {}
    names = ("input_tokens", "output_tokens", "cached_input_tokens", "batch", "at")
    for name in (*names, "service_tier", "region", "web_searches", "search_context"):
        value = getattr(args, name, None)
        if value is not None:
            request[name] = value
    if getattr(args, "prompt_file", None) is not None:
        if "input_tokens" in request:
            raise UsageError("give --input-tokens or --prompt-file, not both")
        request["prompt"] = read_prompt(args.prompt_file)
    return request


# The largest prompt file read: about sixteen million tokens of English text.
MAX_PROMPT_BYTES = 64 * 1024 * 1024


def read_prompt(path: Path) -> str:
    """A prompt file's text: a regular file of at most 64 MiB, in UTF-8."""
    where = f"--prompt-file {str(path)!r}"
    try:
        # O_NONBLOCK: a FIFO named here must not block the command before it is refused.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as error:
        raise UsageError(f"{where}: cannot open it: {error.strerror}") from None
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise UsageError(f"{where}: not a regular file: give a file of the prompt's text")
        try:
            raw = handle.read(MAX_PROMPT_BYTES + 1)
        except OSError as error:
            raise UsageError(f"{where}: cannot read it: {error.strerror}") from None
    if len(raw) > MAX_PROMPT_BYTES:
        raise UsageError(
            f"{where}: larger than {MAX_PROMPT_BYTES // 1024 // 1024} MiB, the largest prompt "
            "file read: give --input-tokens instead"
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise UsageError(
            f"{where}: not UTF-8 (byte 0x{raw[error.start]:02x} at offset {error.start:,}): "
            "save it as UTF-8"
        ) from None
