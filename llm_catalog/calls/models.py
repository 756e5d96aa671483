"""Callable models: a catalog record that can be called through the driver.

A :class:`~llm_catalog.data.records.Model` read from a catalog is plain data.
:func:`llm_catalog.get_model` and the matches of :func:`llm_catalog.select`
hand out a :class:`CallableModel` instead: the same record (same fields, same
provider) with ``complete``, ``acomplete``, ``stream``, ``astream``, ``embed``
and ``to_langchain``. litellm is imported only when a call is made.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from llm_catalog.calls import driver
from llm_catalog.calls.driver import Completion, CompletionStream, Embeddings
from llm_catalog.data.records import Model

__all__ = ["CallableModel", "callable_model"]

# The state pydantic keeps for a model instance: sharing it makes a callable model
# of a record without copying or validating its fields again.
_STATE = ("__dict__", "__pydantic_fields_set__", "__pydantic_extra__", "__pydantic_private__")


class CallableModel(Model):
    """A model record that can be called: ``get_model("openai/gpt-4o").complete(messages)``.

    It equals the record it was made from and has all of its fields.
    """

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Model):
            return self.__dict__ == other.__dict__
        return NotImplemented

    def __hash__(self) -> int:
        return super().__hash__()

    def complete(self, messages: Sequence[Mapping[str, Any]], **params: Any) -> Completion:
        """Call the model with chat ``messages`` and return its answer.

        ``params`` are request parameters the model accepts (``temperature``,
        ``max_tokens``, ``tools``, provider-specific ones such as ``top_k`` or
        ``reasoning_effort``), and per-call overrides: ``api_base``,
        ``api_key_env`` (variable names), ``timeout`` (seconds),
        ``extra_headers``, ``drop_unsupported=True`` (drop parameters the model
        does not accept instead of raising) and ``allow_insecure=True``.
        Checks before the call: the key is set, the parameters are accepted,
        ``max_tokens`` is within the output limit, the prompt fits the window.
        The answer carries the text, tool calls, usage and cost.
        """
        return driver.complete(self, messages, **params)

    async def acomplete(self, messages: Sequence[Mapping[str, Any]], **params: Any) -> Completion:
        """The async twin of :meth:`complete`."""
        return await driver.acomplete(self, messages, **params)

    def stream(self, messages: Sequence[Mapping[str, Any]], **params: Any) -> CompletionStream:
        """Call the model and iterate its answer's text as it arrives (see :meth:`complete`)."""
        return driver.stream(self, messages, **params)

    async def astream(
        self, messages: Sequence[Mapping[str, Any]], **params: Any
    ) -> CompletionStream:
        """The async twin of :meth:`stream`: ``async for text in await model.astream(...)``."""
        return await driver.astream(self, messages, **params)

    def embed(self, texts: Sequence[str], **params: Any) -> Embeddings:
        """Embed ``texts`` with an embedding model (overrides as for :meth:`complete`)."""
        return driver.embed(self, texts, **params)

    def to_langchain(self, **params: Any) -> Any:
        """A LangChain chat model for this model (``pip install 'llm-catalog[langchain]'``)."""
        return driver.to_langchain(self, **params)


def callable_model(record: Model) -> CallableModel:
    """``record`` as a :class:`CallableModel`, sharing its fields and its provider."""
    if isinstance(record, CallableModel):
        return record
    made = CallableModel.__new__(CallableModel)
    for name in _STATE:
        object.__setattr__(made, name, getattr(record, name))
    return made
