"""Usage summed per provider, model or profile: the lines of ``llm-catalog usage``.

The ledger sums its rows into them and the state its shared counters, so both
report the same way: the largest spend first, with a total.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from llm_catalog.calls.money import from_picodollars, to_picodollars

__all__ = ["GROUPINGS", "UsageLine", "check_by", "sort_lines", "total"]

GROUPINGS = ("provider", "model", "profile")


def check_by(by: str) -> None:
    """Refuse a grouping other than provider, model or profile."""
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {', '.join(GROUPINGS)}, not {by!r}")


@dataclass(frozen=True, slots=True)
class UsageLine:
    """Usage summed over one provider, model or profile.

    ``calls`` counts attempts (each request sent or answered from the cache);
    ``answered`` and ``failed`` do not add up to it while attempts are in flight.
    ``cost`` is in US dollars and leaves out the ``unpriced`` answered attempts,
    whose models have no price.
    """

    key: str
    calls: int
    answered: int
    failed: int
    input_tokens: int
    output_tokens: int
    cost: Decimal
    unpriced: int = 0

    def to_json(self) -> dict[str, Any]:
        """The line as ``llm-catalog usage --json`` prints it (cost as a decimal string)."""
        return {
            "key": self.key,
            "calls": self.calls,
            "answered": self.answered,
            "failed": self.failed,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cost": str(self.cost),
            "unpriced": self.unpriced,
        }


def total(lines: Iterable[UsageLine], key: str = "total") -> UsageLine:
    """The sum of report lines."""
    lines = list(lines)
    return UsageLine(
        key=key,
        calls=sum(line.calls for line in lines),
        answered=sum(line.answered for line in lines),
        failed=sum(line.failed for line in lines),
        input_tokens=sum(line.input_tokens for line in lines),
        output_tokens=sum(line.output_tokens for line in lines),
        cost=from_picodollars(sum(to_picodollars(line.cost) for line in lines)),
        unpriced=sum(line.unpriced for line in lines),
    )


def sort_lines(lines: Iterable[UsageLine]) -> list[UsageLine]:
    """Report order: the largest spend first, then by key."""
    return sorted(lines, key=lambda line: (-line.cost, line.key))
