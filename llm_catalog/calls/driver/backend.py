"""litellm, the library every call goes through: imported on first use, quiet and offline.

This is the one module that imports litellm (``.importlinter`` holds it so), and only
when a call is made, so loading the catalog and selecting models stay fast.

It also keeps the secrets of calls out of what litellm and the HTTP libraries under it
log. litellm's debug records show a request's headers and body and a provider's error
as it came (an error that echoes the key, a gateway token in a header), and litellm's
own redaction knows keys only by their shapes. So every call hands its secrets (the
key, and its headers' values) to :func:`load_litellm`, and a :class:`logging.Filter` on
those libraries' loggers replaces them, the values of headers that carry credentials
or were sent with a call, and anything shaped like a key
(:func:`llm_catalog.data.errors.redact`) with ``<redacted>`` in every record, before
any handler sees it. ``litellm.set_verbose`` prints to stdout, where no filter reaches:
it is turned off when a call is made (see :func:`_quiet_verbose_printing`).
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Iterable
from typing import Any

from llm_catalog.data import errors

__all__ = ["load_litellm", "scrub"]

_LOG = logging.getLogger("llm_catalog.calls.driver")
_REDACTED = "<redacted>"

# Secrets and header names kept, most recently used last. Calls with the same provider
# give the same ones, so the list stays short; a cap keeps per-call headers (request
# ids) from growing it without end.
_MAX_SECRETS = 1024
_MAX_HEADER_NAMES = 256
# Headers whose value is a credential whoever sends them.
_CREDENTIAL_HEADERS = (
    "authorization",
    "proxy-authorization",
    "x-api-key",
    "api-key",
    "x-goog-api-key",
    "cookie",
)
# The loggers that may see a request's headers or a provider's answer: litellm's, and the
# HTTP clients it calls through. A logger's filters see only the records made on that
# logger, not on its children, so each is named; those made before litellm imports their
# modules get the filter then. Others in these families are found when calls are made.
_LOGGERS = (
    "LiteLLM",
    "LiteLLM Router",
    "LiteLLM Proxy",
    "httpx",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "hpack.hpack",
    "openai._base_client",
    "anthropic._base_client",
    "aiohttp.client",
)
_FAMILIES = frozenset(
    {"LiteLLM", "litellm", "httpx", "httpcore", "hpack", "openai", "anthropic", "aiohttp"}
)


class _Secrets:
    """What calls made in this process keep secret, and how to hide it in text."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[str, None] = {}
        self._names: dict[str, None] = dict.fromkeys(_CREDENTIAL_HEADERS)
        self._by_length: tuple[str, ...] = ()
        self._named: re.Pattern[str] | None = None

    def remember(self, values: Iterable[str], names: Iterable[str]) -> None:
        with self._lock:
            changed = _refresh(self._values, values, _MAX_SECRETS)
            if changed:
                self._by_length = tuple(sorted(self._values, key=len, reverse=True))
            if _refresh(self._names, (name.lower() for name in names), _MAX_HEADER_NAMES):
                self._named = None

    def hide(self, text: str) -> str:
        for value in self._by_length:
            if value in text:
                text = text.replace(value, _REDACTED)
        return errors.redact(self._value_pattern().sub(_hide_value, text))

    def _value_pattern(self) -> re.Pattern[str]:
        named = self._named
        if named is None:
            with self._lock:
                names = "|".join(re.escape(name) for name in self._names)
                # A header as litellm and the HTTP clients show one: 'Name: value' in a
                # curl command, 'Name': 'value' in a dict, "Name": "value" in JSON.
                named = re.compile(
                    rf"(?<![\w-])((?:{names})['\"]?\s*[:=]\s*)"
                    r"('[^'\n]*'|\"[^\"\n]*\"|[^'\"\n,;}\]]+)",
                    re.IGNORECASE,
                )
                self._named = named
        return named


def _refresh(kept: dict[str, None], new: Iterable[str], cap: int) -> bool:
    """Add ``new`` to ``kept``, most recent last, dropping the oldest past ``cap``."""
    changed = False
    for item in new:
        if item in kept:
            if next(reversed(kept)) != item:
                del kept[item]
                kept[item] = None
            continue
        kept[item] = None
        changed = True
    while len(kept) > cap:
        del kept[next(iter(kept))]
    return changed


def _hide_value(match: re.Match[str]) -> str:
    value = match.group(2)
    quote = value[0] if value[0] in "'\"" else ""
    return f"{match.group(1)}{quote}{_REDACTED}{quote}"


_SECRETS = _Secrets()


def scrub(text: str) -> str:
    """``text`` as the driver lets it be logged: without any secret a call has known."""
    return _SECRETS.hide(text)


# What every LogRecord has; anything else on a record was added by its maker (extra=...).
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
}


class _Redaction(logging.Filter):
    """Hides secrets in every record of the logger it is on; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a record whose arguments do not fit: show its parts
            message = f"{record.msg} {record.args}"
        record.msg, record.args = scrub(message), None
        if record.exc_info:
            # The exception itself may hold the request; its text, hidden, stands in for it.
            text = record.exc_text or logging.Formatter().formatException(record.exc_info)
            record.exc_info, record.exc_text = None, scrub(text)
        elif record.exc_text:
            record.exc_text = scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        for name, value in list(vars(record).items()):
            if name in _STANDARD or isinstance(value, bool | int | float | type(None)):
                continue
            shown = value if isinstance(value, str) else repr(value)
            hidden = scrub(shown)
            if hidden != shown:
                setattr(record, name, hidden)
        return True


_FILTER = _Redaction()
_filtered: set[str] = set()
_known_loggers = -1


def _filter_loggers() -> None:
    """Put the filter on every logger that may see a call, once each."""
    global _known_loggers
    manager = logging.Logger.manager
    if len(manager.loggerDict) == _known_loggers:
        return  # no logger made since the last look
    names = set(_LOGGERS)
    names.update(
        name
        for name in list(manager.loggerDict)
        if name.split(".", 1)[0] in _FAMILIES or name.startswith("LiteLLM")
    )
    for name in names - _filtered:
        logging.getLogger(name).addFilter(_FILTER)
        _filtered.add(name)
    _known_loggers = len(manager.loggerDict)


def _quiet_verbose_printing(litellm: Any) -> None:
    """Turn off ``litellm.set_verbose``, saying so.

    With it on, litellm prints requests and providers' errors to stdout as they came,
    past any logging filter (its own redaction too): a provider's error that echoes the
    key would be printed whole. litellm's debug records say the same through logging,
    where they are redacted: set ``LITELLM_LOG=DEBUG``, or the ``LiteLLM`` logger's level.
    """
    # litellm.set_verbose is the documented switch; litellm._logging keeps a second one.
    if litellm.set_verbose is True or litellm._logging.set_verbose is True:
        litellm.set_verbose = False
        litellm._logging.set_verbose = False
        _LOG.warning(
            "litellm.set_verbose prints requests and provider errors to stdout unredacted, so "
            "llm-catalog turned it off; for litellm's debug records, which llm-catalog "
            "redacts, set LITELLM_LOG=DEBUG or the 'LiteLLM' logger's level to DEBUG"
        )


def load_litellm(*, secrets: Iterable[str] = (), headers: Iterable[str] = ()) -> Any:
    """litellm, imported on first use, quiet and offline, its logging redacted.

    ``secrets`` (a call's key and header values) and the values of the headers named in
    ``headers`` are replaced by ``<redacted>`` in every record litellm and its HTTP
    clients log from now on.
    """
    # The catalog is the source of prices; litellm would otherwise fetch its own
    # price map from the network when imported.
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    _filter_loggers()  # before the import: litellm logs while it loads
    _SECRETS.remember(secrets, headers)
    # lazy: litellm takes seconds to import, and is imported only when a call is made
    import litellm

    litellm.suppress_debug_info = True
    litellm.telemetry = False
    _quiet_verbose_printing(litellm)
    _filter_loggers()
    return litellm
