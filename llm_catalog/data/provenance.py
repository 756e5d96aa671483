"""Where a record's facts come from: sources, the date they were checked, reviewed differences."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import Field

from llm_catalog.data.record_base import DIFFERENCE_FIELD_PATTERN, Record, SourceValue
from llm_catalog.data.vocabulary import SourceName

__all__ = ["Provenance", "ReviewedDifference", "SkippedSourceModels"]


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
    differences: tuple[ReviewedDifference, ...] = Field(
        default=(),
        description="Differences from the public sources (litellm, models.dev) that were "
        "reviewed and kept, each with the source's value and the reason; llm-catalog drift "
        "reports every other difference.",
    )
