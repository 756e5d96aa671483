"""Money as whole picodollars (1e-12 US dollars), the unit the ledger and the state store.

Integers add exactly and compare in SQL and Lua, where a Decimal would not travel;
an amount with a finer fraction is rounded up (a ceiling down, with ``down=True``).
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, localcontext

__all__ = ["PICODOLLARS_PER_DOLLAR", "from_picodollars", "to_picodollars"]

_PICO = 12
PICODOLLARS_PER_DOLLAR = 10**_PICO


def to_picodollars(amount: Decimal | int, what: str = "amount", *, down: bool = False) -> int:
    """US dollars as whole picodollars, rounded up (down with ``down=True``)."""
    value = Decimal(amount) if isinstance(amount, int) else amount
    if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
        raise ValueError(f"{what} must be a non-negative Decimal of US dollars, not {amount!r}")
    with localcontext() as context:
        context.prec = 80  # exact: no amount of money has 80 digits
        scaled = value.scaleb(_PICO)
        return int(scaled.to_integral_value(rounding=ROUND_FLOOR if down else ROUND_CEILING))


def from_picodollars(value: int) -> Decimal:
    """Whole picodollars as US dollars, without trailing zeros (``Decimal("4.96")``)."""
    with localcontext() as context:
        context.prec = 80
        amount = Decimal(value).scaleb(-_PICO)
        if amount == amount.to_integral_value():
            return amount.quantize(Decimal(1))
        return amount.normalize()
