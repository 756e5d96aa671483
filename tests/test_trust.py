"""Facts checked against the providers: consistency rules, trust levels and the audit."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest

from llm_catalog import load_catalog
from llm_catalog.data import clock
from llm_catalog.data.vocabulary import TrustLevel
from llm_catalog.load.consistency import family_key, id_date
from llm_catalog.load.loader import check_catalog
from llm_catalog.query.catalog import Catalog
from llm_catalog.query.trust import own_domains, own_page, trust_level
from llm_catalog.tools.audit import audit
from tests.conftest import CASES

RULES = CASES / "rules"


def run(*argv: str) -> tuple[int, str, str]:
    from llm_catalog.interfaces.cli import main

    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


# -- consistency rules ------------------------------------------------------------------


def test_every_rule_is_reported_at_its_line_unless_excepted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(RULES)
    expected = (RULES / "expected.txt").read_text(encoding="utf-8").splitlines()
    result = check_catalog(["."], shipped=False, rules=True)
    assert [str(problem) for problem in result.problems] == expected
    # Loading never applies the rules: a date that passes must not stop a service.
    assert check_catalog(["."], shipped=False).problems == []
    assert len(load_catalog(["."], shipped=False, cache=False)) == 12


def test_the_rules_follow_the_day_of_validation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(RULES)

    def lagging(day: dt.date) -> list[str]:
        with clock.fixed(day):
            problems = check_catalog(["."], shipped=False, rules=True).problems
        return [p.pointer for p in problems if "status-lags-dates" in p.message]

    assert lagging(dt.date(2026, 9, 30)) == []
    assert lagging(dt.date(2026, 10, 1)) == ["/models/6"]  # fading: deprecated that day
    assert lagging(dt.date(2026, 11, 1)) == ["/models/4/status", "/models/6"]


def test_validate_applies_the_rules_and_the_shipped_catalog_keeps_them() -> None:
    code, out, _ = run("validate", "--no-shipped", "--catalog", str(RULES))
    assert code == 1
    assert out.count("(rule ") == 8
    code, out, _ = run("validate")
    assert (code, out.startswith("ok: ")) == (0, True), out[:2000]


@pytest.mark.parametrize(
    ("model_id", "key", "stamp", "date"),
    [
        ("gpt-4o-2024-05-13", "gpt-4o", "20240513", dt.date(2024, 5, 13)),
        ("claude-3-5-haiku-20241022", "claude-3-5-haiku", "20241022", dt.date(2024, 10, 22)),
        (
            "anthropic.claude-3-5-haiku-20241022-v1:0",
            "anthropic.claude-3-5-haiku-v1:0",
            "20241022",
            dt.date(2024, 10, 22),
        ),
        ("claude-3-5-haiku@20241022", "claude-3-5-haiku", "20241022", dt.date(2024, 10, 22)),
        ("grok-4.20-0309-reasoning", "grok-4.20-reasoning", "0309", None),
        ("grok-4.20-reasoning", "grok-4.20-reasoning", None, None),
        ("qwen3-235b-a22b", "qwen3-235b-a22b", None, None),
    ],
)
def test_snapshot_stamps_in_ids(
    model_id: str, key: str, stamp: str | None, date: dt.date | None
) -> None:
    assert family_key(model_id) == (key, stamp)
    assert id_date(model_id) == date


# -- trust levels -----------------------------------------------------------------------

CITED = """\
provider:
  id: acme
  name: Acme
  litellm_provider: openai
  api_key_env: [ACME_API_KEY]
  docs_url: https://docs.acme.example/models
  pricing_url: https://acme.example/pricing
models:
  - id: whole
    name: Whole page
    limits: {context_window: 1000}
    pricing: {input: 1, output: 2}
    provenance:
      sources: [litellm 1.0]
      checked: 2026-11-25
      pages: [{url: "https://docs.acme.example/models/whole", read: 2026-11-25}]
  - id: split
    name: Two pages
    limits: {context_window: 1000}
    pricing: {input: 1, output: 2}
    provenance:
      sources: [litellm 1.0]
      checked: 2026-11-25
      pages:
        - {url: "https://docs.acme.example/models/split", read: 2026-11-25, facts: [limits]}
        - {url: "https://acme.example/pricing#split", read: 2026-11-25, facts: [pricing.input, pricing.output]}
  - id: half
    name: Limits only
    limits: {context_window: 1000}
    pricing: {input: 1, output: 2}
    provenance:
      sources: [litellm 1.0, models.dev 1.0]
      checked: 2026-11-25
      pages: [{url: "https://docs.acme.example/models/half", read: 2026-11-25, facts: [limits]}]
  - id: elsewhere
    name: A blog's word
    limits: {context_window: 1000}
    provenance:
      sources: [litellm 1.0]
      checked: 2026-10-01
      pages: [{url: "https://notacme.example/acme-models", read: 2026-11-25}]
  - id: unpriced
    name: No prices to back
    limits: {context_window: 1000}
    provenance:
      sources: [litellm 1.0]
      checked: 2026-11-25
      notes: "Only litellm lists it."
      pages: [{url: "https://docs.acme.example/models/unpriced", read: 2026-11-25, facts: [limits]}]
"""


@pytest.fixture
def cited(tmp_path: pytest.TempPathFactory) -> Catalog:
    path = tmp_path / "acme.yaml"  # type: ignore[operator]
    path.write_text(CITED, encoding="utf-8")
    return load_catalog([path], shipped=False, cache=False)


def test_the_level_is_what_the_cited_pages_earn(cited: Catalog) -> None:
    acme = cited.providers["acme"]
    assert own_domains(acme) == ("acme.example",)
    assert own_page("https://docs.acme.example/x", ("acme.example",))
    assert not own_page("https://notacme.example/x", ("acme.example",))
    levels = {model.id: trust_level(model, acme) for model in cited}
    assert levels == {
        "acme/whole": TrustLevel.provider,
        "acme/split": TrustLevel.provider,
        "acme/half": TrustLevel.aggregators,  # its pages back no prices
        "acme/elsewhere": TrustLevel.single,  # not the provider's page
        "acme/unpriced": TrustLevel.provider,  # no prices to back
    }


def test_the_audit_counts_levels_stale_checks_and_bare_single_records(cited: Catalog) -> None:
    report = audit(cited, dt.date(2026, 11, 25))
    [acme] = report.providers
    assert (acme.models, acme.stale_checks) == (5, 1)
    assert acme.levels == {
        TrustLevel.provider: 3,
        TrustLevel.aggregators: 1,
        TrustLevel.single: 1,
    }
    assert acme.single_without_note == ["acme/elsewhere"]
    assert report.overall.to_json() == {**acme.to_json(), "provider": "all"}


def test_the_audit_command(tmp_path: pytest.TempPathFactory) -> None:
    path = tmp_path / "acme.yaml"  # type: ignore[operator]
    path.write_text(CITED, encoding="utf-8")
    code, out, _ = run("audit", "--no-shipped", "--catalog", str(path), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["as_of"] == clock.today().isoformat()
    assert data["overall"]["share"] == {"provider": 0.6, "aggregators": 0.2, "single": 0.2}
    code, out, _ = run("audit", "--no-shipped", "--catalog", str(path))
    assert code == 0
    assert out.splitlines()[2].split() == ["acme", "5", "60%", "20%", "20%", "1", "0", "1"]
    code, _, err = run("audit", "--no-shipped", "--catalog", str(path), "--provider", "nope")
    assert (code, "no provider 'nope'" in err) == (2, True)


# Active models at level provider, per lab that publishes its own models' prices, as the
# first verification pass left them: a change may raise these, never lower them.
VERIFIED_FLOOR = {
    "openai": 8,
    "anthropic": 4,
    "google": 0,
    "mistral": 18,
    "xai": 15,
    "deepseek": 2,
}


def test_the_shipped_catalog_keeps_its_verified_records_and_explains_the_rest() -> None:
    shipped = load_catalog()
    report = audit(shipped, clock.today())
    assert report.overall.single_without_note == []
    for lab, floor in VERIFIED_FLOOR.items():
        active = [m for m in shipped if m.provider == lab and m.status.value == "active"]
        verified = [
            m for m in active if trust_level(m, shipped.providers[lab]) is TrustLevel.provider
        ]
        assert len(verified) >= floor, lab
    # Every provider has domains its pages are recognised by.
    for model in shipped:
        domains = own_domains(shipped.providers[model.provider])
        assert domains, model.provider
