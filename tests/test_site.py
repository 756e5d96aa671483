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
    assert marginal["cost"] == {
        "billing": "marginal",
        "input": "12500000",
        "output": "100000000",
        "request": None,
        "tiers": [[200000, "25000000", "100000000"], [500000, "31250000", "200000000"]],
    }
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
        for kind in ("input", "output"):
            scaled = entry["cost"][kind]
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
    build_site(shipped, directory)
    return directory


@pytest.fixture(scope="module")
def acme_site(acme: Catalog, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("acme-site")
    build_site(acme, directory)
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
