"""Where a record's facts come from: sources, the date they were checked, reviewed differences."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import Field

from llm_catalog.data.record_base import (
    DIFFERENCE_FIELD_PATTERN,
    HTTPS_URL_PATTERN,
    Record,
    SourceValue,
)
from llm_catalog.data.vocabulary import Rule, SourceName

__all__ = ["Citation", "Provenance", "ReviewedDifference", "RuleException", "SkippedSourceModels"]


class Citation(Record):
    """A page a record's facts were read on, and the day they were read there."""

    url: str = Field(
        pattern=HTTPS_URL_PATTERN,
        max_length=500,
        description="The page's address (https://...), as precise as the page allows "
        "(an anchor to the model's row or section).",
    )
    read: dt.date = Field(description="The day (YYYY-MM-DD) the facts were read on the page.")
    facts: tuple[Annotated[str, Field(pattern=DIFFERENCE_FIELD_PATTERN, max_length=200)], ...] = (
        Field(
            default=(),
            description="The fields this page backs, as dotted paths (pricing, "
            "pricing.batch, limits.max_output_tokens, release_date); every fact of the "
            "record when left out.",
        )
    )


class RuleException(Record):
    """A consistency rule a record breaks on purpose, and why: reviewed, not an error."""

    rule: Rule = Field(description="The rule of llm-catalog validate the record is excepted from.")
    reason: str = Field(
        min_length=1,
        max_length=1000,
        description="Why the record is right as it is, with the page that says so.",
    )


class ReviewedDifference(Record):
    """A difference from a source that a reviewer checked and kept, with the reason.

    llm-catalog drift treats a difference as explained only while the source,
    the field and the source's value all match this record, so a new upstream
    value is reported again.
    """

    source: SourceName = Field(description="The dataset that differs: 'litellm' or 'models.dev'.")
    field: str = Field(
        pattern=DIFFERENCE_FIELD_PATTERN,
        max_length=200,
        description="The differing field as a dotted path, as llm-catalog drift names it "
        "(for example 'pricing.input', 'pricing.batch.output', "
        "'pricing.tiers.272000.input', 'limits.context_window', "
        "'capabilities.reasoning', 'vision', 'status', 'retirement_date'), or 'model' "
        "when the source does not list the model at all (theirs: null).",
    )
    theirs: SourceValue = Field(
        description="The source's value when it was reviewed, as drift reports it: a "
        "number (prices in US dollars per million tokens, limits in tokens), a string, a "
        "boolean, or null where the source has no value."
    )
    reason: str = Field(
        min_length=1,
        max_length=2000,
        description="Why the catalog's value stands: which source the provider's own "
        "pages back, or why the source's figure does not apply.",
    )


class SkippedSourceModels(Record):
    """Models a source lists for this provider that the catalog deliberately leaves out."""

    source: SourceName = Field(
        description="The dataset that lists them: 'litellm' or 'models.dev'."
    )
    pattern: str = Field(
        min_length=1,
        max_length=200,
        description="An fnmatch pattern (*, ?, [seq]) matched against the source's model "
        "id, lowercased and without the provider prefix: the id a catalog record would have "
        "(for example 'ft:*' or 'gpt-4o-2024-*').",
    )
    reason: str = Field(
        min_length=1, max_length=2000, description="Why the catalog does not carry them."
    )


class Provenance(Record):
    """Where a record's facts come from and when they were last checked."""

    sources: tuple[Annotated[str, Field(min_length=1, max_length=500)], ...] = Field(
        min_length=1,
        description="Where the facts come from: URLs of the provider's pages, or a "
        "named dataset with its version (for example 'litellm 1.80.0 "
        "model_prices_and_context_window.json').",
    )
    checked: dt.date = Field(
        description="The date (YYYY-MM-DD) the facts were last compared with the sources."
    )
    notes: str | None = Field(
        default=None,
        max_length=2000,
        description="Anything a reviewer should know: which source won where they disagree, and why.",
    )
    pages: tuple[Citation, ...] = Field(
        default=(),
        description="The provider's own pages the facts were read on, each with the day "
        "it was read and the facts it backs. A record whose prices and limits its "
        "provider's pages back is at trust level 'provider'.",
    )
    exceptions: tuple[RuleException, ...] = Field(
        default=(),
        description="Consistency rules of llm-catalog validate this record breaks on "
        "purpose, each with the reason it is right.",
    )
    differences: tuple[ReviewedDifference, ...] = Field(
        default=(),
        description="Differences from the public sources (litellm, models.dev) that were "
        "reviewed and kept, each with the source's value and the reason; llm-catalog drift "
        "reports every other difference.",
    )
