"""Real questions asked of the shipped catalog, with answers worked out from the YAML apart.

Each expected answer below was found by reading the catalog files with a plain
YAML loader and filtering by hand (active and preview chat models unless the
question says otherwise; cost for 1,000 input and 1,000 output tokens), not by
calling select. When the shipped data changes, these answers are worked out
again the same way, and a difference is a question for the data's reviewer.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from llm_catalog import Catalog, load_catalog


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def test_cheapest_vision_models_under_a_cent(catalog: Catalog) -> None:
    selection = catalog.select(vision=True, max_cost=0.01)
    assert len(selection) == 304
    # Free models first (a price of 0 is a published price, not a missing one), by id.
    assert selection.ids[:3] == [
        "openrouter/google/gemma-4-26b-a4b-it:free",
        "openrouter/google/gemma-4-31b-it:free",
        "openrouter/nvidia/nemotron-3-nano-omni-30b-a3b-reasoning:free",
    ]
    assert all(cost == 0 for cost in selection.costs[:3])


def test_every_model_with_a_million_tokens_of_context(catalog: Catalog) -> None:
    assert len(catalog.select(min_context=1_000_000)) == 335
    everything = ["active", "preview", "deprecated", "retired"]
    assert len(catalog.select(min_context=1_000_000, mode=None, status=everything)) == 402


def test_anthropic_models_with_a_million_tokens_of_context(catalog: Catalog) -> None:
    assert sorted(catalog.select(provider="anthropic", min_context=1_000_000).ids) == [
        "anthropic/claude-fable-5",
        "anthropic/claude-fable-5-1",
        "anthropic/claude-haiku-5-5",
        "anthropic/claude-mythos-5",
        "anthropic/claude-mythos-5-1",
        "anthropic/claude-opus-4-6",
        "anthropic/claude-opus-4-7",
        "anthropic/claude-opus-4-8",
        "anthropic/claude-opus-5",
        "anthropic/claude-opus-5-5",
        "anthropic/claude-sonnet-4-6",
        "anthropic/claude-sonnet-5",
        "anthropic/claude-sonnet-5-5",
    ]


def test_openai_models_with_a_million_tokens_of_context(catalog: Catalog) -> None:
    assert sorted(catalog.select(provider="openai", min_context=1_000_000).ids) == [
        "openai/gpt-5.4",
        "openai/gpt-5.4-pro",
        "openai/gpt-5.5",
        "openai/gpt-5.5-pro",
        # OpenAI's pages give GPT-5.6 and GPT-6 a 1,050,000-token window (922,000 of input).
        "openai/gpt-5.6",
        "openai/gpt-5.6-luna",
        "openai/gpt-5.6-sol",
        "openai/gpt-5.6-terra",
        "openai/gpt-6-astra",
        "openai/gpt-6-luna",
        "openai/gpt-6-sol",
        "openai/gpt-6.1-sol",
        "openai/gpt-6.1-terra",
    ]


def test_reasoning_models_with_tools_under_a_dollar_per_million_input(catalog: Catalog) -> None:
    selection = catalog.select(
        provider=["openai", "anthropic", "google"],
        reasoning=True,
        function_calling=True,
        max_input_price=Decimal("0.999999"),
        order_by="id",
    )
    assert selection.ids == [
        "anthropic/claude-haiku-5-5",
        "google/gemini-2.5-flash-lite",
        "google/gemini-3-flash-preview",
        "google/gemini-3.5-flash-lite",
        "google/gemini-3.6-flash",
        "google/gemini-3.7-flash",
        "google/gemini-3.8-flash",
        "openai/gpt-5.4-mini",
        "openai/gpt-5.6-luna",
        "openai/gpt-6-luna",
    ]


def test_cheapest_embedding_models(catalog: Catalog) -> None:
    selection = catalog.select(mode="embedding", output_tokens=0, limit=3)
    assert selection.ids == [
        "perplexity/pplx-embed-v1-0.6b",
        "vertex-ai/text-embedding-preview-0409",
        "fireworks-ai/nomic-ai/nomic-embed-text-v1",
    ]
    # 1,000 tokens at $0.004, $0.00625 and $0.008 per million.
    assert selection.costs == [Decimal("0.000004"), Decimal("0.00000625"), Decimal("0.000008")]


def test_local_models_are_never_free_for_a_cost_ceiling(catalog: Catalog) -> None:
    assert len(catalog.select(provider="ollama", mode=None)) == 29
    assert catalog.select(provider="ollama", mode=None, max_cost=1000).ids == []


def test_google_vision_models_under_a_tenth_of_a_cent(catalog: Catalog) -> None:
    selection = catalog.select(provider="google", vision=True, max_cost="0.001")
    assert selection.ids == ["google/gemini-2.5-flash-lite"]
    assert selection.costs == [Decimal("0.0005")]


def test_deepseek_reasoning_models(catalog: Catalog) -> None:
    # DeepSeek's pricing page lists only these two; the older names are deprecated or retired.
    assert sorted(catalog.select(provider="deepseek", reasoning=True).ids) == [
        "deepseek/deepseek-flash",
        "deepseek/deepseek-v4-pro",
    ]


def test_retired_anthropic_models_are_kept_and_marked(catalog: Catalog) -> None:
    assert catalog.select(provider="anthropic", status="retired", order_by="id").ids == [
        "anthropic/claude-3-5-haiku-20241022",
        "anthropic/claude-3-5-sonnet-20240620",
        "anthropic/claude-3-5-sonnet-20241022",
        "anthropic/claude-3-7-sonnet-20250219",
        "anthropic/claude-3-haiku-20240307",
        "anthropic/claude-3-opus-20240229",
        "anthropic/claude-3-sonnet-20240229",
        "anthropic/claude-opus-4-1-20250805",
        "anthropic/claude-opus-4-20250514",
        "anthropic/claude-sonnet-4-20250514",
        "anthropic/claude-sonnet-4-5-20250929",
    ]


def test_cheapest_mistral_vision_models(catalog: Catalog) -> None:
    selection = catalog.select(provider="mistral", vision=True, limit=3)
    assert selection.ids == [
        "mistral/ministral-3-3b-2512",
        "mistral/ministral-3b-2512",
        "mistral/ministral-3-8b-2512",
    ]
    assert selection.costs == [Decimal("0.0002"), Decimal("0.0002"), Decimal("0.0003")]


def test_cheapest_groq_models_that_hold_the_request(catalog: Catalog) -> None:
    # The two Prompt Guard models are cheaper, but their 512-token window cannot
    # hold a 1,000-token request.
    selection = catalog.select(provider="groq", limit=3)
    assert selection.ids == [
        "groq/openai/gpt-oss-20b",
        "groq/openai/gpt-oss-safeguard-20b",
        "groq/meta-llama/llama-4-scout-17b-16e-instruct",
    ]
    assert selection.costs == [Decimal("0.000375"), Decimal("0.000375"), Decimal("0.00045")]
    small = catalog.select(provider="groq", input_tokens=100, output_tokens=100, limit=1)
    assert small.ids == ["groq/meta-llama/llama-prompt-guard-2-22m"]
