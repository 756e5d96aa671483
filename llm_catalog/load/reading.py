"""Reading one catalog file: a regular file within the size limit, UTF-8, YAML with line marks.

Anything wrong with the file comes back as a :class:`~llm_catalog.data.errors.Problem`
at its place, never as an exception: a FIFO, a device or a file over
:data:`~llm_catalog.load.files.MAX_FILE_BYTES` is refused before it is read.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from llm_catalog.data.errors import Problem
from llm_catalog.data.yamlsource import Document, YamlProblem, parse_document
from llm_catalog.load.files import MAX_FILE_BYTES, file_problem

__all__ = ["read_file"]


_NOT_REGULAR = (
    "is not a regular file (a FIFO, device or socket): catalog files are plain files; "
    "remove it or rename it so it does not end in .yaml"
)


def _too_large(display: str, size: str) -> Problem:
    return file_problem(
        display,
        f"file is {size} bytes; catalog files "
        f"are limited to {MAX_FILE_BYTES // 1024 // 1024} MiB ({MAX_FILE_BYTES:,} bytes): "
        "split it into one file per provider",
    )


def read_file(path: Path, display: str, content: bytes | None = None) -> Document | Problem:
    """Read and parse one file; a problem instead of an exception for anything wrong.

    ``content``, when given, is the file's bytes as already read (the compiled cache
    hashed them): those very bytes are parsed, and the file is not opened again.
    """
    if content is not None:
        return _parse(content, display)
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            return file_problem(display, "is a directory, not a catalog file")
        if not stat.S_ISREG(info.st_mode):
            return file_problem(display, _NOT_REGULAR)
        if info.st_size > MAX_FILE_BYTES:
            return _too_large(display, f"{info.st_size:,}")
        # O_NONBLOCK: a FIFO swapped in after the stat must not block the read.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        with os.fdopen(descriptor, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                return file_problem(display, _NOT_REGULAR)
            raw = handle.read(MAX_FILE_BYTES + 1)  # a file growing under us cannot slip past
        if len(raw) > MAX_FILE_BYTES:
            return _too_large(display, f"more than {MAX_FILE_BYTES:,}")
    except OSError as error:
        reason = {
            errno.ELOOP: "symbolic link loop",
            errno.EACCES: "permission denied: make the file readable",
            errno.ENOENT: "no such file (a broken symbolic link?)",
        }.get(error.errno or 0, error.strerror or str(error))
        return file_problem(display, f"cannot read the file: {reason}")
    return _parse(raw, display)


def _parse(raw: bytes, display: str) -> Document | Problem:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        before = raw[: error.start]
        line = before.count(b"\n") + 1
        # Columns count characters, as an editor shows them, not bytes.
        line_start = before[before.rfind(b"\n") + 1 :]
        column = len(line_start.decode("utf-8", errors="replace")) + 1
        return file_problem(
            display,
            f"not UTF-8: byte 0x{raw[error.start]:02x} cannot be decoded; save the file as UTF-8",
            line,
            column,
        )
    parsed = parse_document(text)
    if isinstance(parsed, YamlProblem):
        return Problem(display, parsed.line + 1, parsed.column + 1, parsed.pointer, parsed.message)
    if parsed.value is None:
        return file_problem(
            display,
            "file is empty: a catalog file holds a 'provider' and its 'models', or 'overrides'",
        )
    if not isinstance(parsed.value, dict):
        kind = (
            "a list" if isinstance(parsed.value, list) else f"a single value ({parsed.value!r:.40})"
        )
        return file_problem(
            display,
            f"expected a mapping at the top level (provider, models, overrides), got {kind}",
        )
    return parsed
