"""Errors raised by llm-catalog, and the located problems they carry.

The exception tree::

    LLMCatalogError                 every error this package raises on purpose
    ├── CatalogError                catalog files are invalid; carries every Problem found
    ├── CatalogPathError            a catalog path given by the user does not exist
    └── UnknownModelError           no model has the id or alias asked for

Each class says when it is raised. A :class:`Problem` is one thing wrong in one
place of one file; its text is ``path:line:column: /json/pointer: message``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "CatalogError",
    "CatalogPathError",
    "LLMCatalogError",
    "Location",
    "Problem",
    "UnknownModelError",
    "redact",
]

# Shapes of real provider keys. Catalog files hold variable names, never keys,
# and no message this package prints may repeat one.
_KEY_SHAPES = re.compile(
    r"(sk-ant-[A-Za-z0-9_\-]{8,}"
    r"|sk-[A-Za-z0-9_\-]{16,}"
    r"|AIza[0-9A-Za-z_\-]{30,}"
    r"|xai-[A-Za-z0-9]{20,}"
    r"|gsk_[A-Za-z0-9]{20,}"
    r"|hf_[A-Za-z0-9]{20,}"
    r"|r8_[A-Za-z0-9]{20,}"
    r"|AKIA[0-9A-Z]{16})"
)


def looks_like_key(text: str) -> bool:
    """True when ``text`` contains something shaped like a provider API key."""
    return _KEY_SHAPES.search(text) is not None


def redact(text: str) -> str:
    """``text`` with anything shaped like an API key replaced by ``<redacted>``."""
    return _KEY_SHAPES.sub("<redacted>", text)


@dataclass(frozen=True, slots=True)
class Location:
    """A place in a catalog file: the path as the user named it, 1-based line and column."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the catalog: where it is, and what to do about it.

    ``pointer`` is a JSON pointer into the file's document ("" for the whole file).
    """

    file: str
    line: int
    column: int
    pointer: str
    message: str

    def __post_init__(self) -> None:
        # Whatever built the message, a key-shaped value in it is never shown.
        object.__setattr__(self, "pointer", redact(self.pointer))
        object.__setattr__(self, "message", redact(self.message))

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.pointer or '/'}: {self.message}"

    def to_dict(self) -> dict[str, str | int]:
        """The problem as the stable JSON object printed by ``--json``."""
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "pointer": self.pointer,
            "message": self.message,
        }


class LLMCatalogError(Exception):
    """Base class of every error this package raises on purpose."""


class CatalogError(LLMCatalogError):
    """Raised when catalog files are invalid.

    Holds every problem found in every file, in file order then line order; the
    catalog is not built at all, never partially.
    """

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        head = f"the catalog is invalid ({count} problem{'s' if count != 1 else ''}):"
        super().__init__("\n".join([head, *(str(p) for p in self.problems)]))


class CatalogPathError(LLMCatalogError):
    """Raised when a catalog path named by the user (argument or LLM_CATALOG_PATH) does not exist."""


class UnknownModelError(LLMCatalogError):
    """Raised when no model in the catalog has the id or alias asked for."""

    def __init__(self, name: str, close: list[str] | None = None) -> None:
        self.name = name
        self.close = tuple(close or ())
        advice = (
            f"did you mean {' or '.join(repr(c) for c in self.close)}?"
            if self.close
            else "run 'llm-catalog list' to see the ids"
        )
        super().__init__(f"no model {name!r} in the catalog; {advice}")
