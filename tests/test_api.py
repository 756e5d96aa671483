"""The public surface: what ``llm_catalog`` exports, and that importing it stays light."""

from __future__ import annotations

import subprocess
import sys

import pytest

import llm_catalog


def test_all_is_sorted_and_complete() -> None:
    assert llm_catalog.__all__ == sorted(llm_catalog.__all__)
    for name in llm_catalog.__all__:
        assert getattr(llm_catalog, name) is not None


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError) as caught:
        llm_catalog.nonexistent  # noqa: B018
    assert str(caught.value) == "module 'llm_catalog' has no attribute 'nonexistent'"


def test_loading_and_selecting_never_import_litellm() -> None:
    code = (
        "import sys, llm_catalog; c = llm_catalog.load_catalog(); "
        "assert len(llm_catalog.select(vision=True, max_cost=0.01)) > 0; "
        "assert len(c.select(explain=True, reasoning=True)) > 0; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('litellm', 'openai', 'httpx', 'tiktoken')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
