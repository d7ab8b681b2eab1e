"""The reports in a real browser: WCAG 2.2 AA by axe, screenshots, keyboard, print, no network.

Drives the system Chromium through Playwright; never downloads a browser. Without
Chromium or Playwright these tests skip, except in CI (``CI=true``), where that is a
failure: the accessibility promise must be checked before a release.
"""

from __future__ import annotations

import importlib.util
import os
import re
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
    # Hostile text in the records never ran as script: the only script is the overview's
    # sorter, allowed by its hash.
    assert dialogs == []
    assert page.evaluate("document.scripts.length") == (1 if name == "index.html" else 0)


@pytest.mark.parametrize("width", [1280, 390])
def test_the_pages_attached_to_emails_are_as_accessible_and_link_only_within(
    width, browser, reports, tmp_path
):
    # An email attaches the page rendered for the inbox; it is saved and opened on its own.
    from axe_playwright_python.sync_playwright import Axe

    from audit.reports.html import overview_for_email, team_page_for_email
    from audit.reports.store import load_overview

    overview = load_overview(reports)
    north = next(t for t in overview.teams if t.slug == "north")
    attached = {
        "overview.html": overview_for_email(overview),
        "north.html": team_page_for_email(overview, north),
    }
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    for name, markup in attached.items():
        path = tmp_path / name  # alone in a folder, as a mail client saves it
        path.write_text(markup, encoding="utf-8")
        page.goto(path.as_uri())
        results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
        violations = results.response["violations"]
        assert not violations, f"{name} at {width}px:\n{_describe(violations)}"
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert width > 390 or overflow <= 0, f"{name} scrolls sideways by {overflow}px"
        outside = page.evaluate(
            """() => [...document.querySelectorAll('a[href]')]
                .map(a => a.getAttribute('href'))
                .filter(h => !h.startsWith('#') || !document.getElementById(h.slice(1)))"""
        )
        assert outside == [], f"{name} links where the inbox cannot follow: {outside}"
    context.close()


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


def _pdf_pages(pdf: bytes) -> int:
    """Pages in a PDF Chromium wrote: its page objects, counted."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


@pytest.fixture
def phone(browser) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    opened = context.new_page()
    yield opened
    context.close()


@pytest.mark.parametrize("name", PAGES)
def test_on_a_phone_the_page_never_scrolls_sideways_and_axe_finds_nothing(name, phone, reports):
    from axe_playwright_python.sync_playwright import Axe

    phone.goto((reports / name).as_uri())
    overflow = phone.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at 390px"
    results = Axe().run(phone, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    violations = results.response["violations"]
    assert not violations, f"{name} at 390px: axe found violations:\n{_describe(violations)}"
    # The headline figure and its band are on the first screen.
    box = phone.locator(".headline .figure").bounding_box()
    assert box is not None and box["y"] + box["height"] < 844 and box["x"] + box["width"] <= 390


def test_on_a_phone_each_action_is_a_card_with_its_labels(phone, reports):
    phone.goto((reports / "teams/north.html").as_uri())
    cell = phone.locator("table.actions tbody tr:nth-child(2) td:nth-child(4)").first
    assert cell.evaluate("c => getComputedStyle(c).display") == "block"
    label = cell.evaluate("c => getComputedStyle(c, '::before').content")
    assert "Why" in label


@pytest.mark.parametrize("name", PAGES)
def test_print_is_landscape_with_confidential_and_page_numbers_in_three_pages(
    name, page, reports, tmp_path
):
    from axe_playwright_python.sync_playwright import Axe

    page.goto((reports / name).as_uri())
    page.emulate_media(media="print")
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    assert not results.response["violations"], _describe(results.response["violations"])
    # The browser itself read the page-margin boxes: every printed page carries them.
    margins = page.evaluate(
        """() => [...document.styleSheets[0].cssRules]
            .filter(r => r instanceof CSSMediaRule && r.conditionText === 'print')
            .flatMap(m => [...m.cssRules]).filter(r => r instanceof CSSPageRule)
            .flatMap(p => [...p.cssRules]).map(r => [r.name, r.style.content])"""
    )
    assert dict(margins) == {
        "top-center": '"Confidential: contains information about children"',
        "bottom-right": '"Page " counter(page) " of " counter(pages)',
    }
    pdf = tmp_path / "out.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True)
    pages = _pdf_pages(pdf.read_bytes())
    # At most three pages with the 17 checks: the summary a line per row, the worker table
    # figures and symbols, the actions a line each.
    assert 1 <= pages <= 3, f"{name} prints on {pages} pages"
    if name.startswith("teams/"):
        # The appendix is printed on its own (checks.html), not as pages of the team report.
        assert not page.locator("#how").is_visible()
        assert (reports / "checks.html").is_file()


def test_the_overview_sorts_teams_by_compliance_and_change_with_its_hashed_script(page, reports):
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto((reports / "index.html").as_uri())
    overall = page.get_by_role("button", name="Overall")
    assert page.get_by_role("button", name="Change").count() == 1
    overall.click()
    figures = page.locator("#matrix tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.overall)"
    )
    rated = [float(f) for f in figures if f]
    assert rated == sorted(rated) and len(rated) >= 2
    assert figures[len(rated) :] == [""] * (len(figures) - len(rated))  # unrated teams last
    overall.click()
    again = page.locator("#matrix tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.overall)"
    )
    assert [float(f) for f in again if f] == sorted(rated, reverse=True)
    assert not errors, errors  # no Content-Security-Policy refusal
    # Every figure cell links to that team's records not met for that check.
    link = page.locator("#matrix tbody td.cell a").first
    href = link.get_attribute("href")
    assert href and re.fullmatch(r"teams/[a-z0-9-]+\.html#not-met-[A-Z]+\d+", href)
    team_page, anchor = href.split("#")
    target = (reports / team_page).read_text(encoding="utf-8")
    assert f'id="{anchor}"' in target


# A4 landscape less the print margins (297 mm - 16 mm) in CSS pixels.
PRINTED_WIDTH = round((297 - 16) / 25.4 * 96)


@pytest.fixture(scope="module")
def sample_reports(tmp_path_factory) -> Path:
    """The sample authority: all 17 checks ran, the widest tables the reports print."""
    from tests.test_isolation import PERIOD, SAMPLE

    folder = tmp_path_factory.mktemp("sample")
    return write_run(audit(SAMPLE, AuditPeriod.parse(PERIOD), None), folder, None)


@pytest.mark.parametrize("name", ["index.html", "teams/children-in-care.html"])
def test_with_every_check_nothing_is_cut_at_the_printed_pages_right_edge(
    name, browser, sample_reports, tmp_path
):
    context = browser.new_context(viewport={"width": PRINTED_WIDTH, "height": 700})
    page = context.new_page()
    page.goto((sample_reports / name).as_uri())
    page.emulate_media(media="print")
    wide = page.evaluate(
        """w => [...document.querySelectorAll('table')]
            .filter(t => t.getBoundingClientRect().right > w + 1)
            .map(t => t.querySelector('caption')?.textContent)""",
        PRINTED_WIDTH,
    )
    assert wide == [], f"{name}: tables wider than the printed page: {wide}"
    pdf = tmp_path / "sample.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True)
    if name == "index.html":
        pages = _pdf_pages(pdf.read_bytes())
        assert pages <= 3, f"the overview prints on {pages} pages"
    context.close()


# ---------------------------------------------------------------- print length of big teams


@pytest.fixture(scope="module")
def county_reports(tmp_path_factory) -> Path:
    """A county-size authority (2,000 children, teams of about 270): the largest teams the
    sample makes, with every check running."""
    from audit.sample import generate_authority, write_workbook

    folder = tmp_path_factory.mktemp("county")
    export = folder / "county.xlsx"
    write_workbook(generate_authority(2000, 31, end_month="2026-10"), export)
    return write_run(audit(export, AuditPeriod.parse("2026-10"), None), folder, None)


def _largest_team(reports: Path) -> tuple[Any, Path]:
    from audit.reports.store import load_overview

    team = max(load_overview(reports).teams, key=lambda t: t.action_count)
    return team, reports / team.page


@pytest.mark.parametrize("which", ["sample", "county"])
def test_the_largest_team_prints_on_three_pages_and_says_what_is_not_printed(
    which, page, request, tmp_path
):
    import unicodedata

    from pypdf import PdfReader

    from audit.reports.html import PRINT_ACTIONS

    reports = request.getfixturevalue("sample_reports" if which == "sample" else "county_reports")
    team, path = _largest_team(reports)
    assert team.action_count > 2 * PRINT_ACTIONS  # a team whose actions cannot all print
    page.goto(path.as_uri())
    page.emulate_media(media="print")
    pdf = tmp_path / "team.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True)
    texts = [
        unicodedata.normalize("NFKC", p.extract_text() or "") for p in PdfReader(str(pdf)).pages
    ]
    assert len(texts) <= 3, f"{team.team} ({team.action_count} actions) prints on {len(texts)}"
    printed = " ".join(" ".join(texts).split())
    # What is printed: Fix first, the figures per check, and where everything else is.
    assert "Fix first" in printed and f"{team.team}: compliance by check" in printed
    assert team.actions[0].child in printed
    said = re.search(r"Printed here: the first (\d+) of (\d+) actions", printed)
    assert said and int(said[2]) == team.action_count, printed[-800:]
    assert int(said[1]) <= PRINT_ACTIONS
    assert f"All {team.action_count} are in the action workbook, {team.slug}.xlsx" in printed
    # Every action is still on the screen version: the print only hides them.
    page.emulate_media(media="screen")
    rows = page.locator("table.actions tbody.child tr:not(:first-child)").count()
    assert rows == team.action_count
