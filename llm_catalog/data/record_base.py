"""What every catalog record shares: the base class, id and URL patterns, bounds, price types.

The patterns are named so that the checks can give a hint for each
(:mod:`llm_catalog.load.schema_check`); the bounds catch typos (a price in dollars
per token, a window in bytes) rather than describe any real model.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from llm_catalog.data.vocabulary import BILLING_NAME

__all__ = [
    "CLOCK_PATTERN",
    "DOMAIN_PATTERN",
    "MAX_PRICE",
    "MAX_TOKENS",
    "MAX_UNIT_PRICE",
    "Price",
    "Record",
    "SourceValue",
    "TokenCount",
    "UnitPrice",
]

ID_PATTERN = r"^[a-z0-9][a-z0-9._:@+-]*$"
LITELLM_PROVIDER_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
MODEL_ID_PATTERN = r"^[a-z0-9][a-z0-9._:@+/_-]*$"
FULL_ID_PATTERN = r"^[a-z0-9][a-z0-9._:@+-]*/[a-z0-9][a-z0-9._:@+/_-]*$"
ENV_VAR_PATTERN = r"^[A-Z_][A-Z0-9_]*$"
MONTH_OR_DATE_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?$"
PARAM_PATTERN = r"^[a-z_][a-z0-9_]*$"
HTTPS_URL_PATTERN = r"^https://[^\s]+$"
DOMAIN_PATTERN = r"^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$"
URL_PATTERN = r"^https?://[^\s]+$"
HEADER_PATTERN = r"^[A-Za-z0-9-]+$"
NAME_PATTERN = BILLING_NAME
CLOCK_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
DIFFERENCE_FIELD_PATTERN = r"^[a-z_]+(\.[a-z0-9_]+)*$"

# Upper bounds catch typos (a price in dollars per token, a window in bytes)
# rather than describe any real model.
MAX_TOKENS = 1_000_000_000
MAX_PRICE = 100_000
MAX_UNIT_PRICE = 1_000

Price = Annotated[
    Decimal,
    Field(ge=0, le=MAX_PRICE, description="US dollars per million tokens."),
]
TokenCount = Annotated[int, Field(ge=1, le=MAX_TOKENS)]
UnitPrice = Annotated[
    Decimal,
    Field(ge=0, le=MAX_UNIT_PRICE, description="US dollars per unit."),
]


class Record(BaseModel):
    """The base of every catalog record: frozen, strict about unknown keys."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        use_attribute_docstrings=True,
        validate_default=False,
    )


def _exact_number(value: Any) -> Any:
    # A float given from Python becomes the Decimal of its shortest text, as
    # YAML numbers do, so 0.13 is compared as 0.13 and never read as a bool.
    return Decimal(str(value)) if isinstance(value, float) else value


SourceValue = Annotated[
    bool | int | Decimal | str | None,
    BeforeValidator(_exact_number),
    WithJsonSchema(
        {
            "oneOf": [
                {"type": "number"},
                {"type": "string"},
                {"type": "boolean"},
                {"type": "null"},
            ]
        }
    ),
]
