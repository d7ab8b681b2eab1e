"""The reports in a real browser: WCAG 2.2 AA by axe, screenshots, keyboard, print, no network.

Drives the system Chromium through Playwright; never downloads a browser. Without
Chromium or Playwright these tests skip, except in CI (``CI=true``), where that is a
failure: the accessibility promise must be checked before a release.
"""

from __future__ import annotations

import importlib.util
import os
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from audit.history import History
from audit.period import AuditPeriod
from audit.publish import write_run
from audit.run import audit
from tests.test_reports_html import BROKEN_RULE, build_export

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PAGES = ["index.html", "teams/north.html"]


def _missing() -> str | None:
    for package in ("playwright", "axe_playwright_python"):
        if importlib.util.find_spec(package) is None:
            return f"the Python package {package} is not installed"
    if not CHROMIUM.is_file():
        return f"no Chromium at {CHROMIUM}"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    missing = _missing()
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser checks must run in CI, but {missing}")
        pytest.skip(f"browser checks skipped: {missing}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def build_reports_with_trends(folder: Path) -> Path:
    """The small export (hostile text, names on, a local rule that raises) audited in June,
    July and September with one history, August skipped: September's pages carry trends,
    sparklines and a gap, so axe checks those too. Returns September's folder.
    """
    rules = folder / "local_rules"
    rules.mkdir()
    (rules / "ZZZ01_broken.py").write_text(BROKEN_RULE, encoding="utf-8")
    config = folder / "audit.toml"
    config.write_text('rule_dirs = ["local_rules"]\nshow_names = true\n', encoding="utf-8")
    export = build_export(folder)
    with History.open(folder / "history.sqlite") as history:
        for month in ("2026-06", "2026-07", "2026-09"):
            written = write_run(audit(export, AuditPeriod.parse(month), config), folder, history)
    return written


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> Path:
    return build_reports_with_trends(tmp_path_factory.mktemp("browser"))


@pytest.fixture
def page(browser) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    yield opened
    context.close()


def _describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} — {v['helpUrl']}")
        for node in v["nodes"][:5]:
            lines.append(f"    {node['target']}: {node.get('failureSummary', '')}")
    return "\n".join(lines)


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.parametrize("name", PAGES)
def test_page_has_no_wcag_violations_and_screenshots_cleanly(name, page, reports, tmp_path):
    from axe_playwright_python.sync_playwright import Axe

    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto((reports / name).as_uri())
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    violations = results.response["violations"]
    assert not violations, f"{name}: axe found violations:\n{_describe(violations)}"

    shot = tmp_path / (name.replace("/", "_") + ".png")
    page.screenshot(path=str(shot), full_page=True)
    width, height = _png_size(shot)
    assert shot.stat().st_size > 20_000 and width >= 1280 and height > 900
    # Hostile text in the records never ran as script.
    assert dialogs == []
    assert page.evaluate("document.scripts.length") == 0


def test_team_page_makes_no_network_requests(page, reports):
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto((reports / "teams/north.html").as_uri())
    page.wait_for_load_state("networkidle")
    assert requests, "the page itself should have been requested"
    assert all(url.startswith("file:") for url in requests), requests
    # Everything it needs is inside: one inline style sheet, the chart drawn inline.
    assert page.evaluate("[...document.styleSheets].every(s => s.href === null)")
    box = page.locator("svg.chart").bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 100
    # The trend sparklines are drawn too, one per check that ran.
    sparks = page.locator("svg.spark[role=img]")
    assert sparks.count() > 1
    spark = sparks.first.bounding_box()
    assert spark is not None and spark["width"] > 100 and spark["height"] > 20


def test_keyboard_user_can_skip_to_the_content_and_sees_where_focus_is(page, reports):
    page.goto((reports / "teams/north.html").as_uri())
    page.keyboard.press("Tab")
    skip = page.locator("a.skip")
    assert page.evaluate("document.activeElement.className") == "skip"
    box = skip.bounding_box()
    assert box is not None and box["x"] >= 0 and box["width"] > 0, "skip link stays hidden"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"


def test_reports_print_without_navigation(page, reports, tmp_path):
    page.goto((reports / "teams/north.html").as_uri())
    page.emulate_media(media="print")
    assert page.locator("nav").evaluate("n => getComputedStyle(n).display") == "none"
    assert page.locator("thead").first.evaluate("t => getComputedStyle(t).display") == (
        "table-header-group"
    )
    pdf = tmp_path / "north.pdf"
    page.pdf(path=str(pdf), format="A4")
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 10_000
