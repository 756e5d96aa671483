"""What ``select()`` returns: a :class:`Selection` of :class:`Match` results, and why
the models left out were left out (:class:`Exclusion`).

A selection keeps its results as columns and makes each match when it is read,
so that a query with tens of thousands of results costs only what is used of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, overload

if TYPE_CHECKING:
    from llm_catalog.data.records import Model

__all__ = ["Exclusion", "Match", "Selection"]


class Match:
    """A selected model with the estimated cost of the request asked about.

    Attributes of the model record are readable on the match itself
    (``match.id``, ``match.limits``). A match is a read-only result; it is a
    plain slotted class rather than a frozen dataclass because a large
    selection makes tens of thousands of them. The record is fetched from the
    catalog when first read, so that ids and costs cost nothing more.
    """

    __slots__ = (
        "_model",
        "_resolve",
        "estimated_cost",
        "id",
        "input_tokens",
        "output_tokens",
        "token_method",
    )

    id: str
    _model: Model | None
    _resolve: Callable[[str], Model] | None
    estimated_cost: Decimal | None
    """US dollars for the request, or None when the model has no price for it."""
    input_tokens: int
    output_tokens: int
    token_method: str
    """How input_tokens was found: given, default, or the tokenizer used."""

    def __init__(
        self,
        model: Model | str,
        estimated_cost: Decimal | None,
        input_tokens: int,
        output_tokens: int,
        token_method: str,
        resolve: Callable[[str], Model] | None = None,
    ) -> None:
        """``model`` is the record, or its id and ``resolve`` the way to fetch it."""
        if isinstance(model, str):
            if resolve is None:
                raise TypeError("a Match made from a model id needs resolve")
            self.id, self._model, self._resolve = model, None, resolve
        else:
            self.id, self._model, self._resolve = model.id, model, None
        self.estimated_cost = estimated_cost
        self.input_tokens = input_tokens
        self.output_tokens = output_tokens
        self.token_method = token_method

    @property
    def model(self) -> Model:
        """The model record."""
        model = self._model
        if model is None:
            assert self._resolve is not None
            model = self._model = self._resolve(self.id)
        return model

    def __getattr__(self, name: str) -> Any:
        return getattr(self.model, name)

    def __repr__(self) -> str:
        # lazy: pricing imports pydantic (via the records), kept off the cold select path.
        from llm_catalog.query.pricing import format_usd

        return f"<Match {self.id} {format_usd(self.estimated_cost)}>"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Match):
            return NotImplemented
        return (self.id, self.estimated_cost, self.input_tokens, self.output_tokens) == (
            other.id,
            other.estimated_cost,
            other.input_tokens,
            other.output_tokens,
        )

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class Exclusion:
    """Why a model was left out: the first predicate it failed, and the values compared."""

    model_id: str
    predicate: str
    reason: str

    def __str__(self) -> str:
        return f"{self.model_id}: {self.reason}"


class Selection(Sequence[Match]):
    """The models that passed, in order; ``excluded`` says why the others did not.

    The selection keeps its results as columns and makes each :class:`Match`
    when it is read, so that a query with tens of thousands of results costs
    only what is used of it; model records are fetched from the catalog only
    when read (``ids`` and ``costs`` need none).
    """

    def __init__(
        self,
        ids: list[str],
        resolve: Callable[[str], Model],
        costs: list[Decimal | None],
        input_tokens: list[int],
        output_tokens: int,
        token_methods: list[str],
        excluded: list[Exclusion],
        order_by: str,
        explained: bool,
    ) -> None:
        self._ids = ids
        self._resolve = resolve
        self._costs = costs
        self._input_tokens = input_tokens
        self._output_tokens = output_tokens
        self._methods = token_methods
        self.excluded: tuple[Exclusion, ...] = tuple(excluded)
        """Every model left out with its reason, when ``explain=True`` (else empty)."""
        self.order_by = order_by
        self.explained = explained

    @classmethod
    def of(
        cls,
        matches: list[Match],
        output_tokens: int,
        excluded: list[Exclusion],
        order_by: str,
        explained: bool,
    ) -> Selection:
        """A selection of ready-made matches."""
        models = {m.id: m.model for m in matches}
        return cls(
            [m.id for m in matches],
            models.__getitem__,
            [m.estimated_cost for m in matches],
            [m.input_tokens for m in matches],
            output_tokens,
            [m.token_method for m in matches],
            excluded,
            order_by,
            explained,
        )

    def _match(self, index: int) -> Match:
        return Match(
            self._ids[index],
            self._costs[index],
            self._input_tokens[index],
            self._output_tokens,
            self._methods[index],
            self._resolve,
        )

    @overload
    def __getitem__(self, index: int) -> Match: ...
    @overload
    def __getitem__(self, index: slice) -> list[Match]: ...
    def __getitem__(self, index: int | slice) -> Match | list[Match]:
        if isinstance(index, slice):
            return [self._match(i) for i in range(len(self._ids))[index]]
        return self._match(range(len(self._ids))[index])

    def __len__(self) -> int:
        return len(self._ids)

    def __iter__(self) -> Iterator[Match]:
        return (self._match(i) for i in range(len(self._ids)))

    def __repr__(self) -> str:
        shown = ", ".join(self._ids[:5])
        more = f", ... ({len(self._ids)} in all)" if len(self._ids) > 5 else ""
        return f"<Selection [{shown}{more}]>"

    def with_models(self, make: Callable[[Model], Model]) -> Selection:
        """The same selection, whose matches hand out ``make(record)`` for each record.

        The calls layer uses it to hand out models that can be called.
        """
        resolve = self._resolve
        return Selection(
            self._ids,
            lambda model_id: make(resolve(model_id)),
            self._costs,
            self._input_tokens,
            self._output_tokens,
            self._methods,
            list(self.excluded),
            self.order_by,
            self.explained,
        )

    @property
    def ids(self) -> list[str]:
        """Full ids of the selected models, in order."""
        return list(self._ids)

    @property
    def models(self) -> list[Model]:
        """The selected model records, in order."""
        return [self._resolve(model_id) for model_id in self._ids]

    @property
    def costs(self) -> list[Decimal | None]:
        """The estimated cost of each selected model, in order."""
        return list(self._costs)
