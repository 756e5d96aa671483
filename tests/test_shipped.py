"""The shipped catalog: it validates, holds the models users ask for, and says where its facts come from."""

from __future__ import annotations

from decimal import Decimal

import pytest

from llm_catalog import Catalog, Model, load_catalog
from llm_catalog.data.records import Status


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


NAMED = [
    "openai/gpt-4o",
    "openai/gpt-4o-mini",
    "openai/gpt-4-turbo",
    "openai/gpt-4",
    "openai/gpt-3.5-turbo",
    "anthropic/claude-3-5-sonnet-20241022",
    "anthropic/claude-3-5-haiku-20241022",
    "anthropic/claude-3-opus-20240229",
    "anthropic/claude-3-sonnet-20240229",
    "anthropic/claude-3-haiku-20240307",
    "google/gemini-2.5-pro",
    "google/gemini-2.5-flash",
    "google/gemini-2.0-flash",
]


def test_shipped_catalog_has_the_first_three_providers(catalog: Catalog) -> None:
    assert {"anthropic", "google", "openai"} <= set(catalog.providers)
    by_provider = {
        p: sum(1 for m in catalog if m.provider == p) for p in ("anthropic", "google", "openai")
    }
    assert all(count >= 12 for count in by_provider.values()), by_provider


@pytest.mark.parametrize("model_id", NAMED)
def test_named_models_are_present(catalog: Catalog, model_id: str) -> None:
    assert model_id in catalog


def test_chat_and_embedding_models_of_every_provider(catalog: Catalog) -> None:
    for provider in ("anthropic", "google", "openai"):
        modes = {m.mode.value for m in catalog if m.provider == provider}
        assert "chat" in modes
    assert {m.provider for m in catalog if m.mode.value == "embedding"} >= {"openai", "google"}


def test_every_model_has_provenance_and_a_checked_date(catalog: Catalog) -> None:
    for model in catalog:
        assert model.provenance.sources, model.id
        assert model.provenance.checked.year >= 2026, model.id


def test_retired_models_stay_and_are_marked(catalog: Catalog) -> None:
    retired = [m for m in catalog if m.status is Status.retired]
    assert "anthropic/claude-3-opus-20240229" in {m.id for m in retired}
    for model in retired:
        assert model.retirement_date is not None or model.provenance.notes, model.id


def test_providers_name_variables_not_keys(catalog: Catalog) -> None:
    assert catalog.providers["openai"].api_key_env == ("OPENAI_API_KEY",)
    assert catalog.providers["anthropic"].api_key_env == ("ANTHROPIC_API_KEY",)
    assert "GEMINI_API_KEY" in catalog.providers["google"].api_key_env


def prices(model: Model) -> tuple[Decimal | None, Decimal | None]:
    assert model.pricing is not None, model.id
    return model.pricing.input, model.pricing.output


# Figures from the providers' own pricing pages (openai.com/api/pricing,
# anthropic.com/pricing, ai.google.dev/gemini-api/docs/pricing).
@pytest.mark.parametrize(
    ("model_id", "expected"),
    [
        ("openai/gpt-4o", ("2.5", "10")),
        ("openai/gpt-4o-mini", ("0.15", "0.6")),
        ("anthropic/claude-3-5-haiku-20241022", ("0.8", "4")),
        ("anthropic/claude-3-opus-20240229", ("15", "75")),
        ("google/gemini-2.5-pro", ("1.25", "10")),
    ],
)
def test_known_prices(catalog: Catalog, model_id: str, expected: tuple[str, str]) -> None:
    assert prices(catalog[model_id]) == (Decimal(expected[0]), Decimal(expected[1]))


def test_gemini_2_5_pro_long_context_tier(catalog: Catalog) -> None:
    pricing = catalog["google/gemini-2.5-pro"].pricing
    assert pricing is not None
    [tier] = pricing.tiers
    assert (tier.above_input_tokens, tier.input, tier.output) == (
        200_000,
        Decimal("2.5"),
        Decimal("15"),
    )


def test_vision_follows_image_input(catalog: Catalog) -> None:
    assert catalog["openai/gpt-4o"].vision is True
    assert catalog["openai/gpt-3.5-turbo"].vision is False
