"""Errors raised by llm-catalog, and the located problems they carry.

The exception tree::

    LLMCatalogError                 every error this package raises on purpose
    ├── CatalogError                catalog files are invalid; carries every Problem found
    ├── CatalogPathError            a catalog path given by the user does not exist
    ├── UnknownModelError           no model has the id or alias asked for
    ├── UnknownProfileError         no profile has the name asked for
    ├── StateError                  the router's state or usage ledger cannot be opened or used
    ├── ClockError                  LLM_CATALOG_NOW is not a moment to start at (llm_catalog.data.clock)
    └── CallError                   a call to a model was refused before it left, or failed
        ├── MissingKeyError             the provider's key variable is not set
        ├── UnsupportedParameterError   a request parameter the model does not accept
        ├── OutputLimitError            max_tokens above the model's output limit
        ├── InsecureAPIBaseError        a plain-HTTP API base that is not loopback, or another way
        │                               to choose where a call goes (base_url, a Host header, ...)
        ├── ContextWindowError          the prompt does not fit (counted, or said by the provider)
        └── ProviderError               the provider answered with an error, or not usefully
            ├── AuthenticationError         the key was refused (401, 403)
            ├── RateLimitError              429; ``retry_after`` holds the wait asked for
            ├── ContentPolicyError          the provider's content policy refused the request
            ├── ProviderTimeoutError        no answer within the timeout
            ├── ProviderUnavailableError    5xx, overload, connection failure
            ├── BadRequestError             the request is malformed: the provider said so, or a
            │                               call option was refused before the call (timeout="soon")
            └── MalformedResponseError      the answer could not be read
    RouteError                      no model of a router profile answered; names every attempt
    └── BudgetExceededError         the profile's budget cannot cover any model of the chain

Each class says when it is raised. A :class:`Problem` is one thing wrong in one
place of one file; its text is ``path:line:column: /json/pointer: message``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from llm_catalog.calls.router import Attempt

__all__ = [
    "AuthenticationError",
    "BadRequestError",
    "BudgetExceededError",
    "CallError",
    "CatalogError",
    "CatalogPathError",
    "ContentPolicyError",
    "ContextWindowError",
    "InsecureAPIBaseError",
    "LLMCatalogError",
    "Location",
    "MalformedResponseError",
    "MissingKeyError",
    "OutputLimitError",
    "Problem",
    "ProviderError",
    "ProviderTimeoutError",
    "ProviderUnavailableError",
    "RateLimitError",
    "RouteError",
    "RouterStoppedError",
    "StateError",
    "UnknownModelError",
    "UnknownProfileError",
    "UnsupportedParameterError",
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
# A key without a prefix: 32 or more letters and digits in one run, with capitals,
# small letters and digits all in it (see _is_mixed). Hex digests, UUIDs and model ids
# (one case, or broken up by dashes) are not.
_LONG_RUN = re.compile(r"[A-Za-z0-9]{32,}")
# A password in a URL (scheme://user:password@host): the password is the secret.
# (One already masked as *** is left as it is.)
_URL_PASSWORD = re.compile(r"(?<=://)([^\s/?#@:'\"]*):(?!\*+@)([^\s/?#@'\"]+)@")


def _is_mixed(run: str) -> bool:
    return not (run.isupper() or run.islower() or run.isdigit() or run.isalpha())


def looks_like_key(text: str) -> bool:
    """True when ``text`` contains something shaped like an API key, or a URL's password."""
    # Every string of every catalog file is looked at: the cheap tests go first.
    return (
        _KEY_SHAPES.search(text) is not None
        or (len(text) >= 32 and any(_is_mixed(run) for run in _LONG_RUN.findall(text)))
        or ("@" in text and _URL_PASSWORD.search(text) is not None)
    )


def redact(text: str) -> str:
    """``text`` with anything shaped like an API key, and the password of any URL in it,
    replaced by ``<redacted>``."""
    text = _KEY_SHAPES.sub("<redacted>", text)
    text = _LONG_RUN.sub(lambda run: "<redacted>" if _is_mixed(run[0]) else run[0], text)
    if "@" in text:
        text = _URL_PASSWORD.sub(r"\1:<redacted>@", text)
    return text


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


class UnknownProfileError(LLMCatalogError):
    """Raised when no profile has the name asked for.

    ``known`` holds the names that are defined; the message names the closest of
    them, or lists them all when none is close.
    """

    def __init__(self, name: str, known: Sequence[str] = ()) -> None:
        self.name = name
        self.known = tuple(sorted(known))
        self.close = tuple(difflib.get_close_matches(name, self.known, n=3))
        if self.close:
            advice = f"did you mean {' or '.join(repr(c) for c in self.close)}?"
        elif self.known:
            advice = f"the catalog defines: {', '.join(self.known)}"
        else:
            advice = "the catalog defines none: add one under 'profiles:' in a catalog file"
        super().__init__(f"no profile {name!r} in the catalog; {advice}")


class StateError(LLMCatalogError):
    """Raised when the router's state (budgets, cache, counters) or usage ledger cannot be used.

    For example: a state URL that is not understood, Redis not installed or not
    answering, a file that is not ours. The message says what and what to do, and
    never holds a password.
    """


class CallError(LLMCatalogError):
    """Raised when a call to a model is refused before it leaves, or fails.

    ``model_id`` names the catalog model. The message never holds an API key.
    """

    def __init__(self, model_id: str, message: str) -> None:
        self.model_id = model_id
        super().__init__(redact(message))


class MissingKeyError(CallError):
    """Raised before a call when none of the provider's key variables is set."""

    def __init__(self, model_id: str, provider: str, variables: tuple[str, ...]) -> None:
        self.provider = provider
        self.variables = variables
        names = " or ".join(variables)
        super().__init__(model_id, f"no API key for provider {provider!r}: set {names}")


class UnsupportedParameterError(CallError):
    """Raised before a call for a parameter the model does not accept.

    Pass ``drop_unsupported=True`` to drop such parameters instead.
    """

    def __init__(self, model_id: str, names: list[str], accepted: tuple[str, ...]) -> None:
        self.names = tuple(names)
        self.accepted = accepted
        listed = ", ".join(accepted) if accepted else "none"
        which = ", ".join(repr(n) for n in names)
        super().__init__(
            model_id,
            f"{model_id} does not accept {which}; it accepts: {listed} "
            "(pass drop_unsupported=True to drop what it does not accept)",
        )


class OutputLimitError(CallError):
    """Raised before a call whose max_tokens is above the model's output limit."""


class InsecureAPIBaseError(CallError):
    """Raised before a call to an API base over plain HTTP that is not a loopback address.

    Raised too for anything else that would choose where a call goes, past that check: a
    request parameter such as ``base_url`` or ``azure_endpoint`` (pass ``api_base``), or a
    header such as ``Host`` or one whose value is a URL. The message names it and says
    what to write instead.
    """


class ContextWindowError(CallError):
    """Raised when the prompt does not fit the model's context window.

    Raised before the call when the counted prompt is too long, and after it
    when the provider says so; ``counted`` tells which.
    """

    def __init__(self, model_id: str, message: str, *, counted: bool) -> None:
        self.counted = counted
        super().__init__(model_id, message)


class ProviderError(CallError):
    """Raised when the provider answers with an error, or with nothing usable.

    ``provider_message`` keeps what the provider said; ``status_code`` the HTTP
    status when there was one.
    """

    def __init__(
        self, model_id: str, message: str, *, provider_message: str, status_code: int | None
    ) -> None:
        self.provider_message = redact(provider_message)
        self.status_code = status_code
        super().__init__(model_id, message)


class AuthenticationError(ProviderError):
    """Raised when the provider refuses the API key (HTTP 401 or 403)."""


class RateLimitError(ProviderError):
    """Raised on HTTP 429; ``retry_after`` is the wait in seconds the provider asked for, if any."""

    def __init__(
        self,
        model_id: str,
        message: str,
        *,
        provider_message: str,
        status_code: int | None,
        retry_after: float | None,
    ) -> None:
        self.retry_after = retry_after
        super().__init__(
            model_id, message, provider_message=provider_message, status_code=status_code
        )


class ContentPolicyError(ProviderError):
    """Raised when the provider's content policy refuses the request."""


class ProviderTimeoutError(ProviderError):
    """Raised when the provider does not answer within the timeout."""


class ProviderUnavailableError(ProviderError):
    """Raised on a server error (5xx), an overload, or a failed connection."""


class BadRequestError(ProviderError):
    """Raised when the request is malformed, and so never retried.

    Raised after the call when the provider refuses it (400, 404, 422: ``status_code``
    says which), and before it, with nothing sent, for a call option with a value it
    cannot take, such as ``timeout="soon"`` (``status_code`` None, ``provider_message``
    empty); the message names the option and the value.
    """


class MalformedResponseError(ProviderError):
    """Raised when the provider's answer cannot be read (not JSON, cut short, wrong type)."""


class RouteError(LLMCatalogError):
    """Raised by the router when no model of a profile's chain answered.

    ``attempts`` holds every attempt and skip, in order, each with its outcome and
    error; ``last_error`` is the error that ended the call (None when every model
    was skipped); ``call_id`` finds the call's rows in the usage ledger. The
    message lists every attempt, one per line.
    """

    def __init__(
        self,
        profile: str,
        summary: str,
        attempts: Sequence[Attempt],
        last_error: CallError | None,
        call_id: str | None = None,
    ) -> None:
        self.profile = profile
        self.call_id = call_id
        self.attempts = tuple(attempts)
        self.last_error = last_error
        lines = [f"profile {profile!r}: {summary}"]
        lines.extend(f"  {attempt}" for attempt in self.attempts)
        super().__init__(redact("\n".join(lines)))


class RouterStoppedError(RouteError):
    """Raised by a router that is stopping: a new call, or one cancelled by the shutdown.

    A call cancelled in flight keeps its reservation as spent (the provider may have
    billed it) and its ledger row ends ``cancelled``; ``attempts`` lists what it did.
    """


class BudgetExceededError(RouteError):
    """Raised by the router when the profile's budget cannot cover a call to any model.

    Nothing was sent for the models the budget refused; their attempts say how much
    was left and how much the call might have cost.
    """
