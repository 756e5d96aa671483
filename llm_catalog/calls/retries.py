"""Retrying one model of a chain: what is worth another try, how long to wait, when to stop.

tenacity runs the loop. A failure named in the profile's ``retry_on`` is retried with
exponential backoff and jitter, waiting at least as long as a Retry-After asks (a
longer one than ``max_retry_after_seconds`` moves on instead); a bad request never is.
No retry is made whose wait would end past the profile's deadline.
"""

from __future__ import annotations

from typing import Any

import tenacity

from llm_catalog.calls.attempts import RoutedCall, failure_of
from llm_catalog.data import errors
from llm_catalog.data.profiles import RETRYABLE

__all__ = ["aretrying", "retrying"]


def retrying(call: RoutedCall) -> tenacity.Retrying:
    """tenacity's loop for one model of ``call``'s chain."""
    return tenacity.Retrying(**_policy(call))


def aretrying(call: RoutedCall) -> tenacity.AsyncRetrying:
    """The async twin of :func:`retrying`."""
    return tenacity.AsyncRetrying(**_policy(call))


def _policy(call: RoutedCall) -> dict[str, Any]:
    """tenacity's settings for retrying one model: what, how long between, when to stop."""
    profile = call.profile
    backoff = profile.backoff
    exponential = tenacity.wait_exponential(
        multiplier=backoff.initial_seconds, exp_base=backoff.multiplier, max=backoff.max_seconds
    ) + tenacity.wait_random(0, backoff.jitter_seconds)
    retry_on = frozenset(profile.retry_on) & RETRYABLE

    def worth_retrying(error: BaseException) -> bool:
        if not isinstance(error, errors.CallError):
            return False
        if failure_of(error) not in retry_on:
            return False
        wait = getattr(error, "retry_after", None)
        return wait is None or wait <= profile.max_retry_after_seconds

    def wait(state: Any) -> float:
        error = state.outcome.exception() if state.outcome else None
        asked = getattr(error, "retry_after", None) or 0.0
        return max(float(exponential(state)), float(asked))

    def stop(state: Any) -> bool:
        if state.attempt_number > profile.retries:
            return True
        left = call.remaining()  # no retry whose wait would end past the deadline
        return left is not None and state.upcoming_sleep >= left

    def note_wait(state: Any) -> None:
        call.waited += state.upcoming_sleep

    return {
        "retry": tenacity.retry_if_exception(worth_retrying),
        "wait": wait,
        "stop": stop,
        "before_sleep": note_wait,
        "reraise": True,
    }
