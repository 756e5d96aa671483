"""Router profiles in catalog files: how they load, and every rule they are checked against."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from llm_catalog import Catalog, Location, UnknownProfileError, load_catalog
from llm_catalog.data.profiles import Failure, Profile, WhenLimited
from llm_catalog.data.schema import catalog_schema
from llm_catalog.load.loader import check_catalog, shipped_catalog_dir
from llm_catalog.query.pricing import estimate_cost
from llm_catalog.query.selection import KEYWORDS
from llm_catalog.tools.importer import CatalogImportError, import_models
from llm_catalog.tools.sources import litellm_source
from tests.conftest import REPO

ACME = """\
provider:
  id: acme
  name: Acme
  litellm_provider: openai
  api_key_env: [ACME_API_KEY]
models:
  - id: small
    name: Small
    aliases: [tiny]
    limits: {context_window: 8000, max_output_tokens: 1000}
    capabilities: {function_calling: true}
    pricing: {input: 0.1, output: 0.4}
    provenance: {sources: [https://acme.example], checked: 2026-11-25}
  - id: large
    name: Large
    limits: {context_window: 200000, max_output_tokens: 8000}
    modalities: {input: [text, image]}
    capabilities: {function_calling: true, reasoning: true}
    pricing: {input: 3, output: 15}
    provenance: {sources: [https://acme.example], checked: 2026-11-25}
"""

PROFILES = """\
profiles:
  cheap:
    description: Cheapest tool-calling model first.
    select: {function_calling: true, max_cost: 0.02}
    top: 1
  strong:
    models: [acme/large, tiny]
    params: {max_tokens: 500, temperature: 0.2}
    retry_on: [rate_limit, timeout]
    rate_limits:
      models:
        acme/large: {requests_per_minute: 10}
      providers:
        acme: {tokens_per_minute: 100000}
      when_limited: wait
    budget: {per_day_usd: 1.5, per_month_usd: 20}
    backoff: {initial_seconds: 1, max_seconds: 8}
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def chain(catalog: Catalog, name: str) -> list[str]:
    """The full ids a profile's chain holds, in order."""
    profile = catalog.profile(name)
    if profile.models is not None:
        return [catalog.get(model).id for model in profile.models]
    assert profile.select is not None
    return catalog.select(**profile.select).ids[: profile.top]


def estimate(catalog: Catalog, model_id: str) -> Decimal:
    """The estimated cost of a request of 1,000 tokens in and 1,000 out."""
    cost = estimate_cost(catalog[model_id], input_tokens=1000, output_tokens=1000)
    assert cost is not None, model_id
    return cost


@pytest.fixture
def acme(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "acme.yaml", ACME)
    return tmp_path


def problems(folder: Path, profiles: str) -> list[str]:
    write(folder / "profiles.yaml", profiles)
    result = check_catalog(["."], shipped=False)
    assert result.catalog is None
    return [str(problem) for problem in result.problems]


# --- valid profiles ----------------------------------------------------------------------------


def test_profiles_load_with_their_settings(acme: Path) -> None:
    write(acme / "profiles.yaml", PROFILES)
    catalog = load_catalog(["."], shipped=False)
    assert list(catalog.profiles) == ["cheap", "strong"]
    assert catalog.files == ("acme.yaml", "profiles.yaml")
    strong = catalog.profile("strong")
    assert strong.models == ("acme/large", "tiny")
    assert strong.params == {"max_tokens": 500, "temperature": 0.2}
    assert strong.retry_on == (Failure.RATE_LIMIT, Failure.TIMEOUT)
    assert strong.rate_limits.models["acme/large"].requests_per_minute == 10
    assert strong.rate_limits.providers["acme"].tokens_per_minute == 100_000
    assert strong.rate_limits.when_limited is WhenLimited.WAIT
    assert strong.budget is not None
    assert strong.budget.per_day_usd == Decimal("1.5")
    assert strong.budget.per_month_usd == Decimal(20)
    assert chain(catalog, "strong") == ["acme/large", "acme/small"]
    assert chain(catalog, "cheap") == ["acme/small"]
    assert catalog.profile("cheap").select == {
        "function_calling": True,
        "max_cost": Decimal("0.02"),
    }


def test_profile_values_know_their_place(acme: Path) -> None:
    write(acme / "profiles.yaml", PROFILES)
    catalog = load_catalog(["."], shipped=False)
    assert catalog.locate_profile("strong") == Location("profiles.yaml", 6, 3)
    assert catalog.locate_profile("strong", "/models/1") == Location("profiles.yaml", 7, 26)
    assert catalog.locate_profile("strong", "/budget/per_month_usd") == Location(
        "profiles.yaml", 16, 47
    )
    # A value the profile leaves to its default is placed at the nearest one written.
    assert catalog.locate_profile("cheap", "/backoff") == Location("profiles.yaml", 3, 5)
    with pytest.raises(UnknownProfileError):
        catalog.locate_profile("nope")


def test_a_file_may_hold_only_profiles_and_a_catalog_may_hold_none(acme: Path) -> None:
    assert load_catalog(["."], shipped=False).profiles == {}
    write(acme / "more" / "profiles.yaml", "profiles:\n  one: {models: [acme/small]}\n")
    catalog = load_catalog(["."], shipped=False)
    assert list(catalog.profiles) == ["one"]
    assert catalog.files == ("acme.yaml", "more/profiles.yaml")


def test_params_from_files_are_plain_json_numbers() -> None:
    profile = Profile.model_validate(
        {
            "models": ["a/b"],
            "params": {"temperature": Decimal("0.7"), "n": 2, "top_p": Decimal("1.0")},
        }
    )
    assert profile.params == {"temperature": 0.7, "n": 2, "top_p": 1.0}
    assert [type(value) for value in profile.params.values()] == [float, int, float]


def test_models_record_their_own_rate_limits(acme: Path) -> None:
    write(
        acme / "acme.yaml",
        ACME.replace(
            "    pricing: {input: 3, output: 15}\n",
            "    pricing: {input: 3, output: 15}\n"
            "    rate_limits: {requests_per_minute: 50, notes: Tier 1.}\n",
        ),
    )
    catalog = load_catalog(["."], shipped=False)
    limits = catalog["acme/large"].rate_limits
    assert limits is not None
    assert (limits.requests_per_minute, limits.notes) == (50, "Tier 1.")
    assert catalog["acme/small"].rate_limits is None


# --- the shipped profiles ----------------------------------------------------------------------

SHIPPED_NAMES = [
    "budget_agent",
    "complex_task",
    "premium_agent",
    "redundant_chat",
    "simple_task",
    "vision_agent",
]


@pytest.fixture(scope="module")
def shipped() -> Catalog:
    return load_catalog()


def test_shipped_profiles_resolve_to_chains_of_callable_models(shipped: Catalog) -> None:
    assert list(shipped.profiles) == SHIPPED_NAMES
    for name, profile in shipped.profiles.items():
        assert profile.description, name
        models = chain(shipped, name)
        assert models, name
        assert len(set(models)) == len(models), name
        for model_id in models:
            model = shipped[model_id]
            assert model.mode.value == "chat", (name, model_id)
            assert model.status.value in ("active", "preview"), (name, model_id)
            assert model.capabilities.function_calling, (name, model_id)


def test_shipped_profiles_show_the_use_cases(shipped: Catalog) -> None:
    premium = chain(shipped, "premium_agent")
    assert {shipped[m].provider for m in premium} == {"anthropic", "openai", "google"}
    redundant = chain(shipped, "redundant_chat")
    assert [shipped[m].provider for m in redundant] == ["openai", "anthropic", "google"]
    assert shipped.profile("redundant_chat").rate_limits.when_limited is WhenLimited.WAIT
    for model_id in chain(shipped, "vision_agent"):
        assert shipped[model_id].vision, model_id
    budget = shipped.profile("budget_agent")
    assert budget.select is not None
    assert budget.budget is not None
    assert budget.budget.per_day_usd is not None
    budget_chain = shipped.select(**budget.select)[: budget.top]
    assert len(budget_chain) == 3
    assert all(
        m.estimated_cost is not None and m.estimated_cost <= Decimal("0.002") for m in budget_chain
    )
    complex_ = [shipped[m] for m in chain(shipped, "complex_task")]
    assert all(m.capabilities.reasoning for m in complex_)
    # Every model of the simple chain is cheaper than every model of the complex one.
    simple_costs = [estimate(shipped, m) for m in chain(shipped, "simple_task")]
    assert max(simple_costs) < min(estimate(shipped, m.id) for m in complex_)
    assert shipped.profile("premium_agent").budget is not None


def test_shipped_profiles_file_leaves_the_counts_of_records_alone(shipped: Catalog) -> None:
    path = shipped_catalog_dir() / "profiles.yaml"
    assert path.read_text(encoding="utf-8").startswith(
        "# yaml-language-server: $schema=../schemas/catalog.schema.json\n"
    )
    # The profiles file adds no provider and no model.
    assert len(shipped.providers) == 16
    assert len(shipped) == 1856


def test_user_profile_files_are_merged_over_the_shipped_catalog(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(
        tmp_path / "mine" / "team.yaml",
        "profiles:\n  team_chat:\n    models: [openai/gpt-5.4, anthropic/claude-haiku-4-5]\n",
    )
    catalog = load_catalog(["mine"])
    assert chain(catalog, "team_chat") == ["openai/gpt-5.4", "anthropic/claude-haiku-4-5-20251001"]
    assert "budget_agent" in catalog.profiles
    assert catalog.locate_profile("team_chat") == Location("mine/team.yaml", 2, 3)


def test_a_user_profile_may_not_reuse_a_shipped_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "mine.yaml", "profiles:\n  budget_agent: {models: [openai/gpt-5.4]}\n")
    shipped_file = shipped_catalog_dir() / "profiles.yaml"
    first = load_catalog().locate_profile("budget_agent")
    assert first.file == str(shipped_file)
    result = check_catalog(["mine.yaml"])
    assert [str(p) for p in result.problems] == [
        f"mine.yaml:2:3: /profiles/budget_agent: duplicate profile 'budget_agent', already "
        f"defined at {shipped_file}:{first.line}:{first.column}: rename one of them"
    ]


# --- lookups -----------------------------------------------------------------------------------


def test_unknown_profile_names_the_closest(acme: Path) -> None:
    write(acme / "profiles.yaml", PROFILES)
    catalog = load_catalog(["."], shipped=False)
    with pytest.raises(UnknownProfileError) as caught:
        catalog.profile("stron")
    assert str(caught.value) == "no profile 'stron' in the catalog; did you mean 'strong'?"
    assert caught.value.name == "stron"
    with pytest.raises(UnknownProfileError) as caught:
        catalog.profile("premium")
    assert str(caught.value) == (
        "no profile 'premium' in the catalog; the catalog defines: cheap, strong"
    )


def test_unknown_profile_in_a_catalog_without_profiles(acme: Path) -> None:
    with pytest.raises(UnknownProfileError) as caught:
        load_catalog(["."], shipped=False).profile("cheap")
    assert str(caught.value) == (
        "no profile 'cheap' in the catalog; the catalog defines none: add one under "
        "'profiles:' in a catalog file"
    )


# --- rules -------------------------------------------------------------------------------------

RULES = [
    pytest.param(
        "profiles:\n  p:\n    description: Nothing to call.\n",
        [
            "profiles.yaml:2:3: /profiles/p: a profile needs 'models' (a list of model ids) "
            "or 'select' (a query): give one"
        ],
        id="neither-models-nor-select",
    ),
    pytest.param(
        "profiles:\n  p:\n    models: [acme/small]\n    select: {reasoning: true}\n",
        [
            "profiles.yaml:4:5: /profiles/p/select: give either 'models' or 'select', not both: remove one"
        ],
        id="both-models-and-select",
    ),
    pytest.param(
        "profiles:\n  p:\n    models: [acme/small]\n    top: 2\n",
        [
            "profiles.yaml:4:5: /profiles/p/top: 'top' counts the matches of 'select'; with "
            "'models' the whole list is the chain: remove 'top'"
        ],
        id="top-with-models",
    ),
    pytest.param(
        "profiles:\n  p:\n    models:\n      - acme/smal\n      - gpt-4o\n",
        [
            "profiles.yaml:4:9: /profiles/p/models/0: no model 'acme/smal' in the catalog; "
            "did you mean 'acme/small'?",
            "profiles.yaml:5:9: /profiles/p/models/1: no model 'gpt-4o' in the catalog; "
            "check the id, or define that model",
        ],
        id="unknown-models",
    ),
    pytest.param(
        "profiles:\n  p:\n    models: [acme/small, acme/large, acme/small, tiny]\n",
        [
            "profiles.yaml:3:38: /profiles/p/models/2: 'acme/small' is already in the chain "
            "(/models/0); a model appears once in a chain: remove one",
            "profiles.yaml:3:50: /profiles/p/models/3: 'tiny' is 'acme/small', already in the "
            "chain (/models/0); a model appears once in a chain: remove one",
        ],
        id="model-twice",
    ),
    pytest.param(
        "profiles:\n  p:\n    select: {order_by: price}\n",
        [
            "profiles.yaml:3:5: /profiles/p/select: select(): order_by must be one of cost, "
            "context, output, release_date, id, got 'price'"
        ],
        id="query-error",
    ),
    pytest.param(
        "profiles:\n  p:\n    select: {status: [active, gone]}\n",
        [
            "profiles.yaml:3:5: /profiles/p/select: select(): status has unknown value 'gone'; "
            "valid values: active, deprecated, preview, retired"
        ],
        id="query-error-in-a-value",
    ),
    pytest.param(
        "profiles:\n  p:\n    select: {max_cost: 0.0001}\n",
        [
            "profiles.yaml:3:5: /profiles/p/select: the query matches no model in this "
            "catalog; loosen it"
        ],
        id="query-matches-nothing",
    ),
    pytest.param(
        'profiles:\n  p:\n    select: {visoin: true, reasoning: "yes", provider: 5, where: x}\n',
        [
            "profiles.yaml:3:14: /profiles/p/select/visoin: unknown key 'visoin'; did you "
            "mean 'vision'?",
            "profiles.yaml:3:39: /profiles/p/select/reasoning: expected boolean, got string 'yes'",
            "profiles.yaml:3:56: /profiles/p/select/provider: expected string or list, got "
            "integer 5",
            "profiles.yaml:3:59: /profiles/p/select/where: unknown key 'where'; allowed keys: "
            + ", ".join(sorted(set(KEYWORDS) - {"where", "messages", "prompt"})),
        ],
        id="query-keywords-and-types",
    ),
    pytest.param(
        "profiles:\n"
        "  p:\n"
        "    models: [acme/small]\n"
        "    rate_limits:\n"
        "      models:\n"
        "        acme/smal: {requests_per_minute: 1}\n"
        "        tiny/x: {requests_per_minute: 1}\n"
        "      providers:\n"
        "        acmee: {requests_per_minute: 1}\n",
        [
            "profiles.yaml:6:9: /profiles/p/rate_limits/models/acme~1smal: no model "
            "'acme/smal' in the catalog; did you mean 'acme/small'?",
            "profiles.yaml:7:9: /profiles/p/rate_limits/models/tiny~1x: no model 'tiny/x' in "
            "the catalog; check the id, or define that model",
            "profiles.yaml:9:9: /profiles/p/rate_limits/providers/acmee: no provider 'acmee' "
            "in the catalog; did you mean 'acme'?",
        ],
        id="rate-limits-of-unknown-records",
    ),
    pytest.param(
        "profiles:\n"
        "  p:\n"
        "    models: [acme/small]\n"
        "    rate_limits:\n"
        "      models: {small: {requests_per_minute: 1}}\n",
        [
            "profiles.yaml:5:16: /profiles/p/rate_limits/models/small: 'small' is not valid "
            "here: write a full model id, '<provider>/<model>'",
        ],
        id="rate-limits-by-short-id",
    ),
    pytest.param(
        "profiles:\n"
        "  p:\n"
        "    models: [acme/small]\n"
        "    params:\n"
        "      temperature: 0.5\n"
        "      model: acme/large\n"
        "      max_retries: 3\n"
        "      api_base: https://proxy.example/v1\n"
        "      extra_headers: {X-Team: a}\n",
        [
            "profiles.yaml:6:7: /profiles/p/params/model: 'model' cannot be a profile "
            "parameter: the chain chooses the model: list models under 'models' or query "
            "them with 'select'",
            "profiles.yaml:7:7: /profiles/p/params/max_retries: 'max_retries' cannot be a "
            "profile parameter: set the profile's 'retries' instead",
            "profiles.yaml:8:7: /profiles/p/params/api_base: 'api_base' is a call option, not "
            "a request parameter: set 'api_base' on the provider record (with "
            "provider_overrides for a shipped provider)",
            "profiles.yaml:9:7: /profiles/p/params/extra_headers: 'extra_headers' is a call "
            "option, not a request parameter: set 'headers' on the provider record (with "
            "provider_overrides for a shipped provider)",
        ],
        id="reserved-params",
    ),
    pytest.param(
        "profiles:\n"
        "  p:\n"
        "    models: [acme/small]\n"
        "    params:\n"
        "      base_url: http://example.invalid/v1\n"
        "      azure_endpoint: https://example.invalid\n"
        "      upstream_url: https://example.invalid\n"
        "      headers: {Host: example.invalid}\n"
        "      temperature: 0.5\n",
        [
            "profiles.yaml:5:7: /profiles/p/params/base_url: 'base_url' would choose where "
            "requests go, past the check on api_base (HTTPS, or a loopback address): set "
            "'api_base' on the provider record (with provider_overrides for a shipped provider)",
            "profiles.yaml:6:7: /profiles/p/params/azure_endpoint: 'azure_endpoint' would "
            "choose where requests go, past the check on api_base (HTTPS, or a loopback "
            "address): set 'api_base' on the provider record (with provider_overrides for a "
            "shipped provider)",
            "profiles.yaml:7:7: /profiles/p/params/upstream_url: 'upstream_url' would choose "
            "where requests go, past the check on api_base (HTTPS, or a loopback address): set "
            "'api_base' on the provider record (with provider_overrides for a shipped provider)",
            "profiles.yaml:8:7: /profiles/p/params/headers: 'headers' would add HTTP headers "
            "past the checks on them: set 'headers' on the provider record (with "
            "provider_overrides for a shipped provider)",
        ],
        id="params-that-choose-where-requests-go",
    ),
    pytest.param(
        "profiles:\n  p:\n    models: [acme/small]\n    retry_on: [timeout, bad_request]\n",
        [
            "profiles.yaml:4:25: /profiles/p/retry_on/1: a bad request is never retried: "
            "remove bad_request from retry_on"
        ],
        id="bad-request-retried",
    ),
    pytest.param(
        "profiles:\n  p:\n    models: [acme/small]\n    budget: {}\n",
        [
            "profiles.yaml:4:13: /profiles/p/budget: a budget needs per_day_usd, "
            "per_month_usd or both: give a ceiling, or leave 'budget' out"
        ],
        id="empty-budget",
    ),
    pytest.param(
        "profiles:\n  p:\n    models: [acme/small]\n"
        "    budget: {per_day_usd: 50, per_month_usd: 20}\n",
        [
            "profiles.yaml:4:27: /profiles/p/budget/per_day_usd: per_day_usd 50 exceeds "
            "per_month_usd 20: a day cannot spend more than its month; lower per_day_usd or "
            "raise per_month_usd"
        ],
        id="day-above-month",
    ),
    pytest.param(
        "profiles:\n  p:\n    models: [acme/small]\n"
        "    backoff: {initial_seconds: 5, max_seconds: 2}\n",
        [
            "profiles.yaml:4:48: /profiles/p/backoff/max_seconds: max_seconds 2 is less than "
            "initial_seconds 5: the longest wait cannot be shorter than the first; raise "
            "max_seconds or lower initial_seconds"
        ],
        id="backoff-shorter-than-its-start",
    ),
    pytest.param(
        "profiles:\n  p:\n    models: [acme/small]\n    backoff: {initial_seconds: 60}\n",
        [
            "profiles.yaml:4:14: /profiles/p/backoff/max_seconds: max_seconds 30 (the default) is less "
            "than initial_seconds 60: the longest wait cannot be shorter than the first; "
            "raise max_seconds or lower initial_seconds"
        ],
        id="backoff-default-shorter-than-its-start",
    ),
    pytest.param(
        "profiles:\n  Budget Agent: {models: [acme/small]}\n  p: {models: [acme/small], top: 0}\n",
        [
            "profiles.yaml:2:3: /profiles/Budget Agent: 'Budget Agent' is not valid here: "
            "write a profile name in lowercase letters, digits and _ . - (such as budget_agent)",
            "profiles.yaml:3:34: /profiles/p/top: 0 is less than the minimum of 1",
        ],
        id="schema",
    ),
    pytest.param(
        "profiles: {}\n",
        ["profiles.yaml:1:11: /profiles: empty mapping; leave the key out or fill it in"],
        id="no-profiles",
    ),
]


@pytest.mark.parametrize(("text", "expected"), RULES)
def test_rules(acme: Path, text: str, expected: list[str]) -> None:
    assert problems(acme, text) == expected


def test_duplicate_profile_across_files_names_the_first(acme: Path) -> None:
    write(acme / "a.yaml", "profiles:\n  p: {models: [acme/small]}\n")
    write(acme / "b" / "more.yaml", "# Team profiles\nprofiles:\n  p: {models: [acme/large]}\n")
    assert problems(acme, "profiles:\n  q: {models: [acme/large]}\n  p: {models: [tiny]}\n") == [
        "profiles.yaml:3:3: /profiles/p: duplicate profile 'p', already defined at a.yaml:2:3: "
        "rename one of them",
        "b/more.yaml:3:3: /profiles/p: duplicate profile 'p', already defined at a.yaml:2:3: "
        "rename one of them",
    ]


def test_profile_problems_come_with_every_other_problem(acme: Path) -> None:
    write(acme / "acme.yaml", ACME.replace("context_window: 8000", "context_window: -1"))
    text = (
        "profiles:\n"
        "  p: {models: [acme/small, acme/nope]}\n"
        "  q: {select: {order_by: price}}\n"
        "  r: {select: {max_cost: 0.0001}}\n"
    )
    # An invalid model still resolves (it is reported where it is defined), and a query
    # that matches nothing is not reported while other records are invalid.
    assert problems(acme, text) == [
        "acme.yaml:10:30: /models/0/limits/context_window: -1 is less than the minimum of 1",
        "profiles.yaml:2:28: /profiles/p/models/1: no model 'acme/nope' in the catalog; "
        "did you mean 'acme/large'?",
        "profiles.yaml:3:7: /profiles/q/select: select(): order_by must be one of cost, "
        "context, output, release_date, id, got 'price'",
    ]


def test_a_profiles_only_file_is_checked_by_the_schema_alone() -> None:
    schema = catalog_schema()
    assert schema["properties"]["profiles"]["additionalProperties"] == {"$ref": "#/$defs/Profile"}
    import jsonschema

    jsonschema.validate(
        {"profiles": {"p": {"select": {"vision": True, "max_cost": 0.01}, "top": 2}}}, schema
    )
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"profiles": {"p": {"models": []}}}, schema)


def test_profile_query_schema_covers_every_keyword_a_file_can_hold() -> None:
    schema = json.loads((REPO / "schemas" / "catalog.schema.json").read_text(encoding="utf-8"))
    written = set(schema["$defs"]["ProfileQuery"]["properties"])
    # where takes a callable; messages and prompt are a real request, not a profile's.
    assert written == set(KEYWORDS) - {"where", "messages", "prompt"}


def test_import_never_appends_models_to_a_file_of_profiles(tmp_path: Path) -> None:
    source = litellm_source(
        {
            "mistral/mistral-tiny-9": {
                "litellm_provider": "mistral",
                "mode": "chat",
                "max_input_tokens": 32000,
                "input_cost_per_token": 1e-07,
                "output_cost_per_token": 3e-07,
            }
        },
        "9.9.9",
    )
    path = write(tmp_path / "profiles.yaml", "profiles:\n  p: {models: [mistral/x]}\n")
    with pytest.raises(CatalogImportError) as caught:
        import_models(source, "mistral", output=path)
    assert str(caught.value) == (
        f"{path} names no provider for new models: add 'provider_ref: mistral' at its top, "
        "or choose another --output"
    )
