"""The catalog browser: the builder, ``llm-catalog site build``, and the page in a real browser.

The browser tests drive the system's Chromium (Debian's ``chromium`` package)
with Playwright, never a browser Playwright downloads. Playwright rather than
Selenium: it waits for the page by itself, reports console messages, page
errors and JavaScript dialogs as events, and takes screenshots, all without a
separate driver binary that must match the browser's version.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from llm_catalog.data.records import Capabilities
from llm_catalog.interfaces.cli import main
from llm_catalog.interfaces.site import SITE_FILES, SiteError, build_site, site_data
from llm_catalog.load.loader import load_catalog
from llm_catalog.query import selection as query
from llm_catalog.query.catalog import Catalog
from llm_catalog.query.pricing import estimate_cost, format_usd
from llm_catalog.query.rates import rates_at
from tests.conftest import NOW

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
# Headless as root, with a fresh profile (Playwright's default), and nothing
# that would reach for the network in the background.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
EVIL = "</script><script>alert(1)</script>"
UNKNOWN = "\u2013"  # the page's mark for a price or limit the catalog does not know

# A small catalog with every kind of price the page must cost like estimate_cost:
# marginal and whole-request tiers, a tier without an output price, free and
# unpriced models, a model without an output price, an input limit below the
# window; and text that must stay text.
CATALOG = f"""\
provider:
  id: acme
  name: Acme <b>AI</b>
  litellm_provider: openai
  docs_url: https://docs.acme.example
  params: [temperature, max_tokens]
  provenance: {{sources: [https://docs.acme.example], checked: 2026-11-25}}
models:
  - id: evil
    name: "{EVIL}"
    aliases: [acme/evil-latest]
    release_date: 2025-01-01
    limits: {{context_window: 128000, max_output_tokens: 4096}}
    modalities: {{input: [text, image]}}
    capabilities: {{function_calling: true}}
    pricing: {{input: 0.15, output: 0.6, source: "javascript:alert(2)"}}
    provenance:
      sources: ["javascript:alert(3)", "<img src=x onerror=alert(4)>"]
      checked: 2026-11-25
      notes: "<img src=x onerror=alert(5)> & friends"
      differences:
        - {{source: litellm, field: pricing.input, theirs: 0.2, reason: "<b>ours</b> is the provider's"}}
  - id: marginal
    name: Marginal tiers
    release_date: 2025-06-01
    limits: {{context_window: 1000000, max_output_tokens: 65536, max_input_tokens: 900000}}
    modalities: {{input: [text, image]}}
    capabilities: {{reasoning: true, function_calling: true}}
    pricing:
      input: 1.25
      output: 10
      tier_billing: marginal
      tiers:
        - {{above_input_tokens: 200000, input: 2.5}}
        - {{above_input_tokens: 500000, input: 3.125, output: 20}}
    provenance: {{sources: [https://docs.acme.example/marginal], checked: 2026-11-25}}
  - id: whole
    name: Whole-request tiers
    release_date: 2024-06-01
    limits: {{context_window: 2000000, max_output_tokens: 8192}}
    modalities: {{input: [text, image]}}
    pricing:
      input: 0.075
      output: 0.3
      tiers:
        - {{above_input_tokens: 128000, input: 0.15, output: 0.6}}
    provenance: {{sources: [https://docs.acme.example/whole], checked: 2026-11-25}}
  - id: free
    name: Free
    limits: {{context_window: 32768}}
    pricing: {{input: 0, output: 0}}
    provenance: {{sources: [https://docs.acme.example/free], checked: 2026-11-25}}
  - id: input-only
    name: Input price only
    status: preview
    limits: {{context_window: 16000}}
    pricing: {{input: 0.0001234}}
    provenance: {{sources: [https://docs.acme.example/input-only], checked: 2026-11-25}}
  - id: unpriced
    name: Unpriced
    limits: {{context_window: 64000}}
    provenance: {{sources: [https://docs.acme.example/unpriced], checked: 2026-11-25}}
  - id: old
    name: Old
    status: deprecated
    limits: {{context_window: 8192}}
    pricing: {{input: 30, output: 60}}
    provenance: {{sources: [https://docs.acme.example/old], checked: 2026-11-25}}
  - id: embed
    name: Embed
    mode: embedding
    limits: {{context_window: 8192}}
    pricing: {{input: 0.02}}
    provenance: {{sources: [https://docs.acme.example/embed], checked: 2026-11-25}}
"""


# Every way a bill changes with the moment, the service tier and the region: the
# example of tests/cases/valid/billing (weekday peak windows, a Sunday window that
# crosses midnight, flex and priority tiers, a region with a multiplier and one with
# prices of its own, a request fee, announced prices), and beside it a window every
# night that crosses midnight and moves when new prices come, a Friday-night window,
# regions that contain others (eu holds eu-west-1), long-context tiers that a service
# tier leaves unpriced, current prices that begin inside the horizon, and no price.
BILLED = """\
provider:
  id: billed
  name: Billed
  litellm_provider: openai
  provenance: {sources: [https://billed.example/pricing], checked: 2026-11-25}
models:
  - id: metered
    name: Metered
    limits: {context_window: 400000, max_output_tokens: 32000}
    pricing:
      input: 0.66
      output: 1.98
      cached_input: 0.022
      effective_from: 2026-08-16
      tiers:
        - {above_input_tokens: 200000, input: 1.32, output: 3.96}
      time_windows:
        - {name: peak, start: "01:00", end: "04:00", days: [mon, tue, wed, thu, fri], input: 1.32, output: 3.96}
        - {name: peak, start: "06:00", end: "10:00", days: [mon, tue, wed, thu, fri], input: 1.32, output: 3.96}
        - {name: late, start: "22:30", end: "00:30", days: [sun], input: 0.33}
      service_tiers:
        flex: {input: 0.33, output: 0.99}
        priority: {input: 1.32, output: 3.96, cached_input: 0.044}
      per_unit: {web_search: 0.01, request: 0.005}
      regions:
        eu-data-zone: {multiplier: 1.1}
        us-east-1: {input: 0.7, output: 2.1}
      history:
        - {effective_from: 2026-01-01, input: 0.435, output: 0.87}
      scheduled:
        - effective_from: 2027-01-01
          input: 1.5
          output: 7.5
          per_unit: {web_search: 0.01, request: 0.005}
          source: https://billed.example/pricing#2027
    provenance: {sources: [https://billed.example/pricing], checked: 2026-11-25}
  - id: nightly
    name: Nightly
    limits: {context_window: 128000, max_output_tokens: 8192}
    pricing:
      input: 0.8
      output: 3.2
      time_windows:
        - {name: night, start: "23:00", end: "02:00", input: 0.4, output: 1.6}
      service_tiers:
        flex: {input: 0.45, output: 1.8}
      regions:
        eu: {input: 0.9, output: 3.6}
      scheduled:
        - effective_from: 2027-01-01
          input: 0.6
          output: 2.4
          time_windows:
            - {name: night, start: "22:00", end: "01:00", output: 1.2}
          service_tiers:
            priority: {input: 1.2, output: 4.8}
    provenance: {sources: [https://billed.example/nightly], checked: 2026-11-25}
  - id: weekend
    name: Friday nights
    limits: {context_window: 64000}
    pricing:
      input: 0.5
      output: 1.5
      time_windows:
        - {name: friday-night, start: "20:00", end: "04:00", days: [fri], input: 0.25, output: 0.75}
      regions:
        eu-west-1: {multiplier: 1.2}
    provenance: {sources: [https://billed.example/weekend], checked: 2026-11-25}
  - id: long
    name: Long context
    limits: {context_window: 1000000, max_output_tokens: 65536}
    pricing:
      input: 1.25
      output: 10
      tiers:
        - {above_input_tokens: 200000, input: 2.5, output: 15}
      service_tiers:
        flex: {input: 0.625, output: 5}
        priority: {input: 2.25, output: 18}
      regions:
        eu: {multiplier: 1.1}
        us-east-1: {multiplier: 1.05}
    provenance: {sources: [https://billed.example/long], checked: 2026-11-25}
  - id: dated
    name: Dated
    limits: {context_window: 32000}
    pricing:
      input: 0.2
      output: 0.4
      effective_from: 2026-12-10
      history:
        - {effective_from: 2026-01-01, input: 0.3, output: 0.6}
    provenance: {sources: [https://billed.example/dated], checked: 2026-11-25}
  - id: unpriced
    name: Unpriced
    limits: {context_window: 64000}
    provenance: {sources: [https://billed.example/unpriced], checked: 2026-11-25}
"""
BUILT = dt.datetime.fromisoformat(NOW)  # a Wednesday, 12:00 UTC
EVERY_STATUS = ["active", "preview", "deprecated", "retired"]


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), out=out, err=err)
    return status, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def acme_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("acme-catalog")
    (directory / "acme.yaml").write_text(CATALOG, encoding="utf-8")
    return directory


@pytest.fixture(scope="module")
def acme(acme_dir: Path) -> Catalog:
    return load_catalog([acme_dir], shipped=False, environ={})


@pytest.fixture(scope="module")
def billed(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    directory = tmp_path_factory.mktemp("billed-catalog")
    (directory / "billed.yaml").write_text(BILLED, encoding="utf-8")
    return load_catalog([directory], shipped=False, environ={})


def embedded(html: str) -> Any:
    match = re.search(
        r'<script type="application/json" id="catalog-data">(.*?)</script>', html, re.DOTALL
    )
    assert match is not None
    return json.loads(match.group(1))


# --- the builder -----------------------------------------------------------------


def test_build_writes_the_page_and_its_assets(acme: Catalog, tmp_path: Path) -> None:
    built = build_site(acme, tmp_path / "new" / "site")
    directory = tmp_path / "new" / "site"
    assert sorted(p.name for p in directory.iterdir()) == sorted(SITE_FILES)
    assert built.files == {name: (directory / name).stat().st_size for name in SITE_FILES}
    assert built.models == len(acme) == 8
    html = (directory / "index.html").read_text(encoding="utf-8")
    assert '<script src="catalog.js" defer></script>' in html
    assert '<link rel="stylesheet" href="catalog.css">' in html
    # Nothing is fetched from elsewhere: the only addresses are the catalog's own text.
    assert not re.search(r"(src|href)=\"(https?:)?//", html)
    assert "http" not in (directory / "catalog.js").read_text(encoding="utf-8").replace(
        "http://www.w3.org/2000/svg", ""
    ).replace("https?:", "")


def test_the_page_embeds_every_model(acme: Catalog, tmp_path: Path) -> None:
    moment = dt.datetime.fromisoformat(NOW)
    build_site(acme, tmp_path, at=moment)
    data = embedded((tmp_path / "index.html").read_text(encoding="utf-8"))
    assert data == json.loads(json.dumps(site_data(acme, at=moment)))
    assert [m["id"] for m in data["models"]] == [m.id for m in acme]
    marginal = next(m for m in data["models"] if m["id"] == "acme/marginal")
    # One run of days from the build day, no time windows, the standard tier alone.
    [[first, windows, [rates]]] = marginal["cost"]
    assert (first, windows, rates) == (NOW[:10], None, {"standard": [rates["standard"][0]]})
    assert data["terms"][rates["standard"][0]] == {
        "billing": "marginal",
        "input": "12500000",
        "output": "100000000",
        "request": None,
        "tiers": [[200000, "25000000", "100000000"], [500000, "31250000", "200000000"]],
    }
    assert data["horizon"] == [NOW[:10], "2026-11-26"]  # no announced change: the next day
    assert data["price_places"] == 7  # 0.0001234 has seven decimals
    assert marginal["where"] == f"{acme.locate('acme/marginal')}"
    assert data["shared"][marginal["record"]["provenance"]["sources"]] == [
        "https://docs.acme.example/marginal"
    ]


def test_the_page_knows_the_query_engines_vocabulary(acme: Catalog) -> None:
    data = site_data(acme)
    assert tuple(data["capabilities"]) == tuple(Capabilities.model_fields)
    assert tuple(data["orders"]) == query.ORDERS
    assert data["defaults"]["input_tokens"] == query.DEFAULT_INPUT_TOKENS
    assert data["defaults"]["output_tokens"] == query.DEFAULT_OUTPUT_TOKENS


def test_embedded_prices_are_the_records_prices(acme: Catalog) -> None:
    data = site_data(acme)
    unit = Decimal(10) ** -data["price_places"]
    for entry, model in zip(data["models"], acme, strict=True):
        if model.pricing is None:
            assert entry["cost"] is None
            continue
        terms = data["terms"][entry["cost"][0][2][0]["standard"][0]]
        for kind in ("input", "output"):
            scaled = terms[kind]
            price = getattr(model.pricing, kind)
            assert (None if scaled is None else Decimal(scaled) * unit) == price


def test_model_text_cannot_break_out_of_the_page(acme: Catalog, tmp_path: Path) -> None:
    build_site(acme, tmp_path)
    html = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "alert(1)" in html  # the name is there, as JSON text
    assert "</script><script>alert" not in html
    assert "<img src=x" not in html
    assert "<b>" not in html
    assert html.count("</script>") == 2  # the data's element and catalog.js's
    data = embedded(html)
    assert data["models"][1]["name"] == EVIL
    assert data["providers"][0]["name"] == "Acme <b>AI</b>"


def test_an_existing_directory_keeps_its_other_files(acme: Catalog, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    (tmp_path / "catalog.js").write_text("stale", encoding="utf-8")
    build_site(acme, tmp_path)
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert (tmp_path / "catalog.js").read_text(encoding="utf-8") != "stale"


def test_an_output_that_is_a_file_is_refused(acme: Catalog, tmp_path: Path) -> None:
    target = tmp_path / "site"
    target.write_text("a file", encoding="utf-8")
    with pytest.raises(SiteError) as caught:
        build_site(acme, target)
    assert str(caught.value) == (
        f"output {str(target)!r} is a file: name a directory to write the site into"
    )
    assert target.read_text(encoding="utf-8") == "a file"


# --- the command line -------------------------------------------------------------


def test_site_build_writes_the_directory(acme_dir: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "site"
    status, out, err = run(
        "site", "build", "-o", str(out_dir), "--no-shipped", "--catalog", str(acme_dir)
    )
    assert status == 0, err
    size = sum((out_dir / name).stat().st_size for name in SITE_FILES)
    page = (out_dir / "index.html").resolve().as_uri()
    assert out == (
        f"wrote index.html, catalog.css, catalog.js to {out_dir} "
        f"({size / 1e6:.1f} MB, 8 models): open {page}\n"
    )
    assert err == ""


def test_site_build_json(acme_dir: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "site"
    status, out, _ = run(
        "site",
        "build",
        "--output",
        str(out_dir),
        "--no-shipped",
        "--catalog",
        str(acme_dir),
        "--json",
    )
    assert status == 0
    assert json.loads(out) == {
        "status": "ok",
        "directory": str(out_dir),
        "url": (out_dir / "index.html").resolve().as_uri(),
        "models": 8,
        "files": {name: (out_dir / name).stat().st_size for name in SITE_FILES},
    }


def test_site_build_into_a_file_exits_2(tmp_path: Path) -> None:
    target = tmp_path / "index.html"
    target.write_text("", encoding="utf-8")
    status, out, err = run("site", "build", "-o", str(target), "--no-shipped")
    assert (status, out) == (2, "")
    assert err == (
        f"llm-catalog: error: output {str(target)!r} is a file: name a directory to write "
        "the site into\n"
    )


def test_site_needs_an_action_and_an_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("site")[0] == 2
    assert "the following arguments are required: ACTION" in capsys.readouterr().err
    assert run("site", "build")[0] == 2
    assert "the following arguments are required: -o/--output" in capsys.readouterr().err


def test_site_build_of_an_invalid_catalog_exits_1(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("provider: {id: Bad}\n", encoding="utf-8")
    status, _, err = run(
        "site", "build", "-o", str(tmp_path / "site"), "--no-shipped", "--catalog", str(tmp_path)
    )
    assert status == 1
    assert err.startswith("llm-catalog: ")
    assert not (tmp_path / "site").exists()


# --- in the browser ---------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install chromium (.ci/run does)")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed: pip install -e '.[dev]'"
    )
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def shipped() -> Catalog:
    return load_catalog(environ={})


@pytest.fixture(scope="module")
def shipped_site(shipped: Catalog, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("site")
    build_site(shipped, directory, at=BUILT)
    return directory


@pytest.fixture(scope="module")
def acme_site(acme: Catalog, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("acme-site")
    build_site(acme, directory, at=BUILT)
    return directory


@pytest.fixture(scope="module")
def billed_site(billed: Catalog, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("billed-site")
    build_site(billed, directory, at=BUILT)
    return directory


class Opened:
    """A page of the site, with every console error, page error and dialog it raised."""

    def __init__(self, page: Page, site: Path) -> None:
        self.page = page
        self.site = site
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.on(
            "console",
            lambda message: self.errors.append(message.text) if message.type == "error" else None,
        )
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("dialog", self._dialog)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def open(self, hash_: str = "") -> float:
        """Load the page (with a hash); the seconds until it has drawn the catalog."""
        url = (self.site / "index.html").as_uri() + (f"#{hash_}" if hash_ else "")
        start = time.perf_counter()
        self.page.goto(url)
        self.page.wait_for_selector("body[data-ready=true]")
        return time.perf_counter() - start

    def rows(self) -> list[list[str]]:
        """Every listed model's id and estimated cost, after showing all rows."""
        # Checked and clicked in one step: scrolling may show the last rows, and
        # hide the button, between a check and a click made apart.
        self.page.evaluate(
            "() => { if (!document.getElementById('more').hidden) "
            "document.getElementById('show-all').click(); }"
        )
        assert self.page.is_hidden("#more")
        result: list[list[str]] = self.page.eval_on_selector_all(
            "#rows tr",
            "rows => rows.map(r => [r.dataset.id, r.querySelector('.cost').textContent])",
        )
        return result

    def ids(self) -> list[str]:
        return [row[0] for row in self.rows()]

    def views(self, hashes: list[str]) -> list[dict[str, Any]]:
        """Each view's rows (id, cost, the names of the rate), problems and select() call,
        reached by setting the hash in turn on the page already open: one load for many."""
        views: list[dict[str, Any]] = self.page.evaluate(_VIEWS, hashes)
        return views


# The page's own hashchange listener, added first, has drawn the view when this one runs.
_VIEWS = """async (hashes) => {
  const views = [];
  for (const hash of hashes) {
    if (location.hash.slice(1) !== hash) {
      await new Promise((resolve) => {
        window.addEventListener("hashchange", resolve, { once: true });
        location.hash = hash;
      });
    }
    if (!document.getElementById("more").hidden) document.getElementById("show-all").click();
    views.push({
      rows: [...document.querySelectorAll("#rows tr")].map((row) => [
        row.dataset.id,
        row.querySelector(".cost").textContent,
        row.querySelector(".rate")?.textContent ?? "",
      ]),
      problems: document.getElementById("problems").textContent,
      python: document.getElementById("python-call").textContent,
    });
  }
  return views;
}"""


def moment_hash(
    at: dt.date | None, service_tier: str, region: str | None, predicates: dict[str, Any]
) -> str:
    """The page's hash for a select() call at a moment (None: when the page was built)."""
    parts = [f"service_tier={service_tier}"]
    if at is not None:
        text = at.strftime("%Y-%m-%dT%H:%M") if isinstance(at, dt.datetime) else at.isoformat()
        parts.append(f"at={text}")
    if region is not None:
        parts.append(f"region={region}")
    for name, value in predicates.items():
        if name == "mode":
            parts.append(f"mode={value or 'any'}")
        elif isinstance(value, list):
            parts.append(f"{name}={','.join(value)}")
        else:
            parts.append(f"{name}={value}")
    return "&".join(parts)


def priced_as_select_does(
    catalog: Catalog,
    at: dt.date | None,
    service_tier: str,
    region: str | None,
    predicates: dict[str, Any],
) -> list[list[str]]:
    """select()'s ids in order, each with its cost (estimate_cost's too) and the names of
    the rate that priced it, as the page shows them."""
    moment = BUILT if at is None else at
    selection = catalog.select(at=moment, service_tier=service_tier, region=region, **predicates)
    rows = []
    for match in selection:
        model = match.model
        cost = estimate_cost(
            model,
            input_tokens=predicates.get("input_tokens", query.DEFAULT_INPUT_TOKENS),
            output_tokens=predicates.get("output_tokens", query.DEFAULT_OUTPUT_TOKENS),
            at=moment,
            service_tier=service_tier,
            region=region,
        )
        assert cost == match.estimated_cost, (model.id, moment, service_tier, region)
        rates = rates_at(model, moment, service_tier=service_tier, region=region)
        rows.append([match.id, format_usd(cost), "; ".join(rates.names) if rates else ""])
    return rows


@pytest.fixture
def opened(browser: Browser, shipped_site: Path) -> Iterator[Opened]:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    site = Opened(page, shipped_site)
    yield site
    page.close()
    assert site.errors == []
    assert site.dialogs == []


def test_vision_under_a_cost_ceiling_lists_what_select_does(
    opened: Opened, shipped: Catalog, capsys: pytest.CaptureFixture[str]
) -> None:
    seconds = opened.open()
    page = opened.page
    ready_ms, render_ms = page.evaluate(
        "[document.body.dataset.readyMs, document.body.dataset.renderMs]"
    )
    page.select_option("select[name=vision]", "true")
    page.fill("input[name=max_cost]", "0.01")
    expected = shipped.select(vision=True, max_cost=0.01)
    assert opened.rows() == [[m.id, format_usd(m.estimated_cost)] for m in expected]
    assert page.inner_text("#summary").startswith(f"{len(expected):,} of {len(shipped):,} models")
    assert page.evaluate("location.hash") == "#max_cost=0.01&vision=true"
    assert page.inner_text("#python-call") == 'select(vision=True, max_cost="0.01")'
    assert page.inner_text("#cli-call") == "llm-catalog select --vision --max-cost 0.01"
    size = sum((opened.site / name).stat().st_size for name in SITE_FILES)
    with capsys.disabled():
        print(
            f"\ncatalog browser: {len(shipped):,} models, {size / 1e6:.2f} MB, loaded and "
            f"drawn {ready_ms} ms after navigation started ({seconds * 1000:.0f} ms as the "
            f"test waited; the first render took {render_ms} ms)"
        )


@pytest.mark.parametrize(
    ("hash_", "predicates"),
    [
        (
            "input_tokens=20000&output_tokens=500&max_cost=0.005",
            {"input_tokens": 20000, "output_tokens": 500, "max_cost": "0.005"},
        ),
        (
            "input_tokens=300k&output_tokens=4k&vision=true&reasoning=true&order_by=context",
            {
                "input_tokens": 300_000,
                "output_tokens": 4000,
                "vision": True,
                "reasoning": True,
                "order_by": "context",
            },
        ),
        (
            "function_calling=true&temperature=false&provider=openai,anthropic&min_context=200k"
            "&max_input_price=3&status=active,preview,deprecated&order_by=release_date",
            {
                "function_calling": True,
                "temperature": False,
                "provider": ["openai", "anthropic"],
                "min_context": 200_000,
                "max_input_price": 3,
                "status": ["active", "preview", "deprecated"],
                "order_by": "release_date",
            },
        ),
        (
            "mode=any&min_output=32k&released_after=2025-06-01&max_output_price=8&order_by=output",
            {
                "mode": None,
                "min_output": 32_000,
                "released_after": "2025-06-01",
                "max_output_price": 8,
                "order_by": "output",
            },
        ),
        (
            "input_tokens=0&output_tokens=0&order_by=id",
            {"input_tokens": 0, "output_tokens": 0, "order_by": "id"},
        ),
    ],
)
def test_shared_views_list_what_select_does(
    opened: Opened, shipped: Catalog, hash_: str, predicates: dict[str, Any]
) -> None:
    opened.open(hash_)
    expected = shipped.select(**predicates)
    assert expected, "a view that matches nothing would prove little"
    assert opened.rows() == [[m.id, format_usd(m.estimated_cost)] for m in expected]


@pytest.mark.parametrize(
    ("input_tokens", "output_tokens"),
    [
        (1000, 1000),
        (0, 0),
        (0, 1),
        (128000, 1),
        (128001, 7),
        (200001, 3),
        (500001, 100),
        (899_999, 0),
    ],
)
def test_the_page_costs_every_model_as_estimate_cost_does(
    browser: Browser, acme: Catalog, acme_site: Path, input_tokens: int, output_tokens: int
) -> None:
    page = browser.new_page()
    site = Opened(page, acme_site)
    site.open(
        f"input_tokens={input_tokens}&output_tokens={output_tokens}&mode=any"
        "&status=active,preview,deprecated,retired&order_by=id"
    )
    expected = [
        [m.id, format_usd(estimate_cost(m, input_tokens=input_tokens, output_tokens=output_tokens))]
        for m in acme
        if (m.limits.max_input_tokens or m.limits.context_window) >= input_tokens
    ]
    assert site.rows() == expected
    page.close()
    assert (site.errors, site.dialogs) == ([], [])


def test_the_shipped_catalog_is_costed_as_estimate_cost_does(
    opened: Opened, shipped: Catalog
) -> None:
    opened.open(
        "input_tokens=250000&output_tokens=3000&mode=any&status=active,preview,deprecated,retired&order_by=id"
    )
    selection = shipped.select(
        input_tokens=250_000,
        output_tokens=3000,
        mode=None,
        status=["active", "preview", "deprecated", "retired"],
        order_by="id",
    )
    assert opened.rows() == [[m.id, format_usd(m.estimated_cost)] for m in selection]


def test_cost_ceilings_compare_exactly(browser: Browser, acme: Catalog, acme_site: Path) -> None:
    # marginal costs $0.01125 for 1,000 and 1,000 tokens: a ceiling of exactly that passes.
    page = browser.new_page()
    site = Opened(page, acme_site)
    for ceiling in ("0.01125", "0.011249999", "0.0112500000001", "$0.5", "0"):
        site.open(f"max_cost={ceiling}")
        expected = acme.select(max_cost=ceiling.removeprefix("$"))
        assert site.ids() == expected.ids, ceiling
    page.close()
    assert (site.errors, site.dialogs) == ([], [])


def test_sorting_by_a_column(opened: Opened, shipped: Catalog) -> None:
    opened.open()
    page = opened.page
    page.click("th button[data-sort=context]")
    assert page.get_attribute("th:has(button[data-sort=context])", "aria-sort") == "descending"
    assert "order_by=context" in page.evaluate("location.hash")
    by_context = shipped.select(order_by="context")
    assert opened.ids() == by_context.ids
    page.click("th button[data-sort=context]")
    assert page.get_attribute("th:has(button[data-sort=context])", "aria-sort") == "ascending"
    ascending = sorted(by_context, key=lambda m: (m.limits.context_window, m.id))
    assert opened.ids() == [m.id for m in ascending]
    assert "select(order_by" not in page.inner_text("#python-call")
    assert page.inner_text("#python-call").endswith("# the page sorts by context, reversed")
    page.click("th button[data-sort=input_price]")
    opened.rows()
    prices = page.eval_on_selector_all(
        "#rows tr td:nth-child(5)", "cells => cells.map(c => c.textContent)"
    )
    priced = [Decimal(p.removeprefix("$").replace(",", "")) for p in prices if p != UNKNOWN]
    assert priced == sorted(priced)
    assert prices[len(priced) :] == [UNKNOWN] * (len(prices) - len(priced))  # unpriced last


def test_a_bad_value_is_shown_and_ignored(opened: Opened, shipped: Catalog) -> None:
    opened.open()
    page = opened.page
    page.fill("input[name=input_tokens]", "12x")
    assert page.get_attribute("input[name=input_tokens]", "aria-invalid") == "true"
    assert page.inner_text("#problems") == (
        "Input tokens: '12x' is not a whole token count; write 128000, 128k or 1m"
    )
    assert opened.ids() == shipped.select().ids


def test_the_detail_view_shows_provenance(opened: Opened, shipped: Catalog) -> None:
    model = shipped.get("openai/gpt-4")
    assert model.provenance.differences, "the example needs reviewed differences"
    opened.open("model=openai/gpt-4&status=deprecated,retired,active,preview")
    page = opened.page
    assert page.is_visible("dialog#detail[open]")
    detail = page.inner_text("#detail")
    assert model.name in detail
    assert f"Checked\n{model.provenance.checked}" in detail
    for source in model.provenance.sources:
        assert source in detail
    assert "Reviewed differences from public sources" in detail
    for difference in model.provenance.differences:
        assert difference.field in detail
        assert difference.reason in detail
    assert str(shipped.locate(model.id)) in detail
    page.keyboard.press("Escape")
    page.wait_for_function("() => !location.hash.includes('model=')")
    assert not page.is_visible("dialog#detail[open]")


@pytest.mark.parametrize(
    ("model", "shown"),
    [
        (
            "deepseek/deepseek-v4-pro",
            [
                "off-peak (10:00-01:00 UTC, mon tue wed thu fri)",
                "off-peak (01:00-13:00 UTC, sat sun)",
                f"at the prices in force at {NOW[:10]}",
            ],
        ),
        ("google/gemini-3.8-flash", ["Announced prices, from 2027-01-01"]),
        (
            "openai/gpt-5.4",
            ["flex tier", "priority tier", "Charges not per token", "US$ 0.01 each"],
        ),
    ],
)
def test_the_detail_view_shows_how_a_model_is_billed(
    opened: Opened, model: str, shown: list[str]
) -> None:
    opened.open(f"model={model}")
    assert opened.page.is_visible("dialog#detail[open]")
    detail = opened.page.inner_text("#detail")
    for text in shown:
        assert text in detail, (model, text)


def test_the_keyboard_opens_a_model(opened: Opened, shipped: Catalog) -> None:
    opened.open()
    page = opened.page
    first = shipped.select()[0]
    page.focus(f"#rows button[data-id='{first.id}']")
    page.keyboard.press("Enter")
    assert page.inner_text("#detail-title") == first.name
    assert f"model={first.id.replace('/', '%2F')}" in page.evaluate("location.hash")
    page.keyboard.press("Escape")
    # The dialog says it closed in an event of its own, after the key press returns.
    page.wait_for_function("() => !location.hash.includes('model=')")
    assert page.evaluate("document.activeElement.dataset.id") == first.id


def test_clicking_a_point_of_the_chart_opens_its_model(opened: Opened, shipped: Catalog) -> None:
    model = shipped.get("anthropic/claude-sonnet-4-6")
    opened.open(f"q={model.id}&provider=anthropic")
    page = opened.page
    assert opened.ids() == [model.id]
    path = page.get_attribute("#chart path.match", "d")  # the one point drawn in colour
    assert path is not None
    left, y = (float(n) for n in re.findall(r"-?[\d.]+", path)[:2])
    box = page.eval_on_selector("#chart svg", "s => s.getBoundingClientRect().toJSON()")
    scale = box["width"] / 900  # the drawing's own width
    at = (box["x"] + (left + 3.5) * scale, box["y"] + y * scale)
    page.mouse.move(*at)
    assert page.is_visible("#tooltip")
    assert model.id in page.inner_text("#tooltip")
    page.mouse.click(*at)
    assert page.inner_text("#detail-title") == model.name


def test_a_screenshot_of_the_page(opened: Opened, tmp_path: Path) -> None:
    opened.open("vision=true&max_cost=0.01")
    shot = tmp_path / "catalog-browser.png"
    image = opened.page.screenshot(path=str(shot))
    assert image[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(image[16:20], "big"), int.from_bytes(image[20:24], "big")
    assert (width, height) == (1400, 1000)
    assert len(image) > 50_000  # a drawn page, not a blank one
    assert shot.read_bytes() == image
    opened.page.click("#rows button.open")
    assert len(opened.page.screenshot(path=str(tmp_path / "detail.png"))) > 50_000


def test_catalog_text_stays_text_in_the_browser(browser: Browser, acme_site: Path) -> None:
    page = browser.new_page()
    site = Opened(page, acme_site)
    site.open("model=acme/evil")
    assert page.inner_text("#detail-title") == EVIL
    assert page.inner_text("#rows button[data-id='acme/evil']") == EVIL
    detail = page.inner_text("#detail")
    assert "javascript:alert(3)" in detail
    assert "<img src=x onerror=alert(4)>" in detail
    assert "<img src=x onerror=alert(5)> & friends" in detail
    assert "<b>ours</b> is the provider's" in detail
    assert page.eval_on_selector_all("a", "links => links.map(a => a.href)") == [
        "https://docs.acme.example/"
    ]
    assert page.eval_on_selector_all("img, b", "found => found.length") == 0
    page.close()
    assert site.dialogs == []
    assert site.errors == []


# --- prices at a moment, a service tier and a region ----------------------------------


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


# Around every edge of the billed catalog, with the weekday each falls on.
BILLED_MOMENTS: list[dt.date | None] = [
    None,  # when the page was built: Wednesday 12:00
    utc("2026-11-27T19:59"),  # Friday, before the Friday-night window
    utc("2026-11-27T20:00"),  # it opens
    utc("2026-11-28T03:59"),  # Saturday: still Friday's window, which crossed midnight
    utc("2026-11-28T04:00"),  # it closes
    utc("2026-11-29T22:29"),  # Sunday, before the late window
    utc("2026-11-29T22:30"),  # it opens (Sundays only)
    utc("2026-11-29T23:00"),  # and the nightly window too
    utc("2026-11-30T00:29"),  # Monday: the late window of Sunday still holds
    utc("2026-11-30T00:30"),  # it closes; weekday peak not yet
    utc("2026-11-30T01:00"),  # peak opens; the nightly window still holds
    utc("2026-11-30T02:00"),  # the nightly window closes
    utc("2026-12-09T23:59"),  # the last minute of dated's earlier prices
    utc("2026-12-10T00:00"),  # its current prices begin
    utc("2026-12-31T23:59"),  # the instant before the announced prices
    utc("2027-01-01T00:00"),  # their day: the new nightly window, opened on Thursday, holds
    utc("2027-01-01T01:00"),  # it closes
    dt.date(2027, 1, 1),  # a day alone: no time window
    utc("2027-01-02T23:59"),  # the last minute the page holds
]
# Requests taken in turn, so that each has every tier and region at some moments: a
# plain one, one above the long-context threshold (a service tier has no price there)
# and two under a cost ceiling (unpriced models left out).
BILLED_REQUESTS: list[dict[str, Any]] = [
    {"input_tokens": 1000, "output_tokens": 1000},
    {"input_tokens": 250_000, "output_tokens": 100},
    {"input_tokens": 1000, "output_tokens": 1000, "max_cost": "0.0062"},
    {"input_tokens": 20_000, "output_tokens": 3000, "max_cost": "0.03"},
]


def test_every_moment_tier_and_region_lists_what_select_does(
    browser: Browser, billed: Catalog, billed_site: Path
) -> None:
    data = site_data(billed, at=BUILT)
    assert data["horizon"] == ["2026-11-25", "2027-01-02"]
    tiers = data["service_tiers"]
    regions: list[str | None] = [None, *data["regions"]]
    assert tiers == ["standard", "flex", "priority"]
    assert regions == [None, "eu", "eu-data-zone", "eu-west-1", "us-east-1"]
    page = browser.new_page()
    site = Opened(page, billed_site)
    site.open("order_by=id")
    hashes, expected = [], []
    combinations = [(at, t, r) for at in BILLED_MOMENTS for t in tiers for r in regions]
    for number, (at, tier, region) in enumerate(combinations):
        request = BILLED_REQUESTS[number % len(BILLED_REQUESTS)]
        predicates = {"mode": None, "status": EVERY_STATUS, **request}
        hashes.append(moment_hash(at, tier, region, predicates))
        expected.append(priced_as_select_does(billed, at, tier, region, predicates))
    views = site.views(hashes)
    for hash_, view, rows in zip(hashes, views, expected, strict=True):
        assert (view["problems"], view["rows"]) == ("", rows), hash_
    # The grid reaches every kind of rate, unpriced included.
    names = {name for rows in expected for row in rows for name in row[2].split("; ")}
    assert {"from 2027-01-01", "late 22:30-00:30 UTC", "friday-night 20:00-04:00 UTC"} <= names
    assert {"night 22:00-01:00 UTC", "peak 01:00-04:00 UTC", "flex tier", "region eu"} <= names
    assert any(
        row[1] == "unpriced" for rows in expected for row in rows if row[0] != "billed/unpriced"
    )
    page.close()
    assert (site.errors, site.dialogs) == ([], [])


def test_the_moment_tier_and_region_are_in_the_shared_view(
    browser: Browser, billed: Catalog, billed_site: Path
) -> None:
    page = browser.new_page()
    site = Opened(page, billed_site)
    site.open()
    # At the build moment, the models whose prices change inside the horizon say when.
    marked = page.eval_on_selector_all(
        "#rows tr",
        "rows => rows.map(r => [r.dataset.id, r.querySelector('.upcoming')?.textContent])",
    )
    assert dict(marked) == {
        "billed/metered": "new prices 2027-01-01",
        "billed/nightly": "new prices 2027-01-01",
        "billed/dated": "new prices 2026-12-10",
        "billed/weekend": None,
        "billed/long": None,
        "billed/unpriced": None,
    }
    page.fill("input[name=at]", "2026-11-29 23:15")
    page.select_option("select[name=service_tier]", "flex")
    page.select_option("select[name=region]", "eu")
    assert page.evaluate("location.hash") == "#at=2026-11-29+23%3A15&service_tier=flex&region=eu"
    assert page.inner_text("#python-call") == (
        'select(at="2026-11-29T23:15", service_tier="flex", region="eu")'
    )
    assert page.inner_text("#cli-call") == (
        "llm-catalog select --at 2026-11-29T23:15 --service-tier flex --region eu"
    )
    at = utc("2026-11-29T23:15")
    assert site.rows() == [row[:2] for row in priced_as_select_does(billed, at, "flex", "eu", {})]
    # A shared view reproduces them; the detail view names the rate.
    site.open("at=2026-11-29T23:15&service_tier=flex&region=eu&model=billed/nightly")
    assert page.input_value("input[name=at]") == "2026-11-29T23:15"
    assert page.input_value("select[name=service_tier]") == "flex"
    assert page.input_value("select[name=region]") == "eu"
    detail = page.inner_text("#detail")
    rates = rates_at(billed.get("billed/nightly"), at, service_tier="flex", region="eu")
    assert rates is not None
    assert f"Rate\n{'; '.join(rates.names)}" in detail
    assert "Prices change\non 2027-01-01" in detail
    assert "Costs in the table are at the prices in force at 2026-11-29 23:15 UTC." in detail
    page.close()
    assert (site.errors, site.dialogs) == ([], [])


def test_a_moment_outside_the_horizon_is_shown_and_ignored(
    browser: Browser, billed: Catalog, billed_site: Path
) -> None:
    page = browser.new_page()
    site = Opened(page, billed_site)
    site.open()
    bad = {
        "2026-11-24T23:59": "UTC time: 2026-11-24T23:59 is outside the prices this page "
        "holds: pick a moment from 2026-11-25 to 2027-01-02",
        "2027-01-03": "UTC time: 2027-01-03 is outside the prices this page holds: pick a "
        "moment from 2026-11-25 to 2027-01-02",
        "2026-11-31 10:00": "UTC time: '2026-11-31 10:00' is not a date and time; write "
        "YYYY-MM-DD HH:MM (UTC)",
        "2026-12-01 24:00": "UTC time: '2026-12-01 24:00' is not a date and time; write "
        "YYYY-MM-DD HH:MM (UTC)",
    }
    views = site.views([f"at={text}&service_tier=priority" for text in bad])
    expected = [row[:2] for row in priced_as_select_does(billed, None, "priority", None, {})]
    for view, message in zip(views, bad.values(), strict=True):
        assert view["problems"] == message
        assert [row[:2] for row in view["rows"]] == expected
        assert view["python"] == 'select(service_tier="priority")'
    assert page.get_attribute("input[name=at]", "aria-invalid") == "true"
    page.close()
    assert (site.errors, site.dialogs) == ([], [])


def test_the_shipped_catalog_at_moments_tiers_and_regions(opened: Opened, shipped: Catalog) -> None:
    data = embedded((opened.site / "index.html").read_text(encoding="utf-8"))
    assert data["horizon"][0] == NOW[:10]
    assert data["horizon"][1] >= "2027-01-02", "the example needs google's announced prices"
    moments: list[dt.date | None] = [
        None,
        utc("2026-11-28T12:59"),  # Saturday: DeepSeek's weekend windows meet at 13:00
        utc("2026-11-28T13:00"),
        utc("2026-11-30T00:59"),  # Monday: Sunday's off-peak window, crossing midnight
        utc("2026-11-30T01:00"),
        utc("2026-12-31T23:59"),
        utc("2027-01-01T00:00"),  # google/gemini-3.8-flash's announced prices
    ]
    regions = ["eu", "us-east-1", "global"]
    assert set(regions) <= set(data["regions"]), "the example needs these regions"
    # Anywhere, three providers under a ceiling keep the lists short; in a region, every
    # model sold there.
    anywhere = {"provider": ["deepseek", "google", "openai"], "max_cost": "0.01"}
    views = [
        (at, tier, region, {} if region else anywhere)
        for at in moments
        for tier in data["service_tiers"]
        for region in (None, *regions)
    ]
    opened.open()
    names: set[str] = set()
    listed = 0
    pages = opened.views([moment_hash(at, t, r, p) for at, t, r, p in views])
    for (at, tier, region, predicates), view in zip(views, pages, strict=True):
        expected = priced_as_select_does(shipped, at, tier, region, predicates)
        assert view["rows"] == expected, (at, tier, region)
        names.update(name for row in expected for name in row[2].split("; "))
        listed += len(expected)
    assert listed > 1000, "views that list little would prove little"
    off_peak = {"off-peak 10:00-01:00 UTC", "off-peak 13:00-01:00 UTC", "off-peak 01:00-13:00 UTC"}
    assert {"from 2027-01-01", "flex tier", "priority tier", "region eu", *off_peak} <= names
