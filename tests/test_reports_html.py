"""The HTML reports, rendered from a real audit of a small export: what a manager would see."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import re
import stat
from datetime import date
from html import unescape
from html.parser import HTMLParser
from itertools import pairwise
from pathlib import Path

import openpyxl
import pytest
from markupsafe import Markup

from audit.period import AuditPeriod
from audit.reports.build import build_overview
from audit.reports.html import (
    SORT_SCRIPT,
    SORT_SCRIPT_HASH,
    doc_html,
    environment,
    render_team,
    write_html,
)
from audit.reports.model import Action, ChildActions, Overview, Score
from audit.reports.svg import compliance_chart
from audit.results import Thresholds
from audit.run import audit

XSS = "<script>alert(1)</script>"

BROKEN_RULE = '''"""A local check that always fails <script>alert(2)</script>.

*Standard*: none; it exists to break. See `children.child_id` <b>here</b>.

*Not met when*:
- `never` — it never judges
  anything at all.
"""
from audit.rulekit import Rule


def evaluate(tables, params, ctx):
    raise KeyError("oops")


RULE = Rule("ZZZ01", "broken", "i", "child", ("children",), evaluate)
'''


def build_export(folder: Path) -> Path:
    """Three teams (one Unallocated), a hostile free-text reason, a rejected and a flawed row."""
    start = date(2025, 1, 1)
    sheets: dict[str, list[list[object]]] = {
        "children": [
            [
                "child_id",
                "allocated_team",
                "allocated_worker",
                "ethnicity",
                "first_language",
                "case_start_date",
            ],
            ["C1", "North", "W1", "WBRI", "ENG", start],
            ["C2", "North", "W1", None, "ENG", start],
            ["C3", "South & East", "W2", "NOBT", None, start],
            ["C4", None, None, "WBRI", "ENG", start],
            ["C5", "South & East", "W2", "WBRI", "ENG", start],
            [None, "North", "W1", "WBRI", "ENG", start],  # rejected: no child_id
        ],
        "visits": [
            [
                "visit_id",
                "child_id",
                "visit_date",
                "worker_id",
                "visit_type",
                "child_seen",
                "seen_alone",
                "not_seen_alone_reason",
            ],
            ["V1", "C1", date(2026, 9, 3), "W1", "statutory", "maybe", "Y", None],
            ["V2", "C2", date(2026, 9, 4), "W1", "statutory", "Y", "N", XSS],
            ["V3", "C3", date(2026, 9, 5), "W2", "statutory", "Y", None, None],
            ["V4", "C4", date(2026, 9, 6), None, "statutory", "Y", "N", "n/a"],
            ["V5", "C5", date(2026, 9, 7), "W1", "statutory", "Y", "Y", None],
            ["V6", "C9", date(2026, 9, 7), "W1", "statutory", "Y", "Y", None],  # unknown child
        ],
        "plans": [
            [
                "plan_id",
                "child_id",
                "plan_type",
                "plan_date",
                "child_views",
                "views_influence",
                "identity_considered",
            ],
            [
                "P1",
                "C1",
                "CIN",
                date(2026, 8, 1),
                "I want to stay with my nan",
                "Plan changed",
                "Y",
            ],
            ["P2", "C3", "CIN", date(2026, 8, 1), None, None, "N"],
        ],
        "workers": [
            ["worker_id", "team", "worker_name"],
            ["W1", "North", "Alex Smith"],
            ["W2", "South & East", "Sam <i>Jones</i>"],
        ],
    }
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        sheet = wb.create_sheet(name)
        for row in rows:
            sheet.append(row)
    path = folder / "export.xlsx"
    wb.save(path)
    return path


def build_reports(folder: Path) -> tuple[Path, Overview]:
    """Audit the small export (names on, plus a local rule that raises); write the HTML."""
    rules = folder / "local_rules"
    rules.mkdir()
    (rules / "ZZZ01_broken.py").write_text(BROKEN_RULE, encoding="utf-8")
    config = folder / "audit.toml"
    config.write_text(
        'rule_dirs = ["local_rules"]\nshow_names = true\n[rag]\nmin_judged = 1\n', encoding="utf-8"
    )
    run = audit(build_export(folder), AuditPeriod.parse("2026-09"), config)
    overview = build_overview(run)
    out = folder / "reports"
    write_html(overview, out)
    return out, overview


# Tags whose text reads as separate from what comes before, as cells and paragraphs do.
_SEPARATE = {"td", "th", "tr", "p", "li", "br", "caption", "div", "h1", "h2", "h3", "text"}


class Page(HTMLParser):
    """What a page is made of: its tags in order and its visible text."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.chunks: list[str] = []
        self.in_style = False
        self.feed(markup)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self.in_style = tag == "style"
        if tag in _SEPARATE:
            self.chunks.append(" ")

    def handle_endtag(self, tag: str) -> None:
        self.in_style = False

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        if not self.in_style:
            self.chunks.append(data)

    @property
    def text(self) -> str:
        return re.sub(r"\s+", " ", "".join(self.chunks))

    def named(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> tuple[Path, Overview]:
    return build_reports(tmp_path_factory.mktemp("html"))


@pytest.fixture(scope="module")
def pages(reports) -> dict[str, str]:
    out, _ = reports
    return {str(p.relative_to(out)): p.read_text(encoding="utf-8") for p in out.rglob("*.html")}


def test_every_team_has_a_page_including_unallocated_and_the_index_links_to_it(pages):
    assert sorted(pages) == [
        "checks.html",  # how the checks work: no case data, one for every team
        "index.html",
        "teams/north.html",
        "teams/south-east.html",
        "teams/unallocated.html",
    ]
    links = {a["href"] for a in Page(pages["index.html"]).named("a")}
    for slug in ("north", "south-east", "unallocated"):
        assert {f"teams/{slug}.html", f"teams/{slug}.xlsx"} <= links
    assert "South &amp; East" in pages["index.html"]


def test_rules_that_did_not_run_are_listed_with_their_reasons_before_the_figures(pages):
    text = Page(pages["index.html"]).text
    warning = text.index("checks did not run")
    assert warning < text.index("Compliance by team (rows) and check (columns)")
    box = text[warning : text.index("Compliance by team and check")]
    assert re.search(r"ERROR [^—]* ZZZ01 — raised KeyError: 'oops'", box), box
    assert re.search(
        r"SKIPPED [^—]* CHG01 — needs event date in the events table: the input has no "
        r"events table",
        box,
    ), box
    assert "camhs_referrals" not in box and "CAMHS referrals table" in box  # in words
    # The team pages carry the same warning, so a team never reads a partial picture as whole;
    # an error's message, which can quote another team's data, stays with the QA leads.
    north = Page(pages["teams/north.html"]).text
    assert re.search(r"ERROR [^—]* ZZZ01 — raised KeyError; the QA leads have the details", north)
    assert "'oops'" not in north


def test_hostile_text_from_a_case_record_or_a_rule_shows_as_text_never_as_a_tag(pages):
    north = pages["teams/north.html"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in north
    assert XSS in Page(north).text  # the manager still sees what was written
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in north  # from the local rule's title
    assert "&lt;b&gt;here&lt;/b&gt;" in north  # from its documentation
    assert "Sam &lt;i&gt;Jones&lt;/i&gt;" in pages["teams/south-east.html"]
    for name, markup in pages.items():
        page = Page(markup)
        # The overview's one script is the fixed sorter, allowed by its hash and no other.
        scripts = page.named("script")
        assert len(scripts) == (1 if name == "index.html" else 0), name
        assert markup.lower().count("<script") == len(scripts), name
        assert not page.named("i"), name
    index = pages["index.html"]
    assert f"script-src '{SORT_SCRIPT_HASH}'" in index
    assert f"<script>{SORT_SCRIPT}</script>" in index
    digest = base64.b64encode(hashlib.sha256(SORT_SCRIPT.encode()).digest()).decode()
    assert f"sha256-{digest}" == SORT_SCRIPT_HASH


def test_pages_load_nothing_from_outside_themselves(pages):
    for name, markup in pages.items():
        page = Page(markup)
        for tag in ("link", "iframe", "img", "object", "embed", "base", "form"):
            assert not page.named(tag), f"{name} has a <{tag}>"
        assert all(not s.get("src") for s in page.named("script")), name
        for _tag, attrs in page.tags:
            for key in ("href", "src", "xlink:href", "action", "srcset"):
                value = attrs.get(key)
                if value is not None:
                    assert not re.match(r"(?i)\s*([a-z][a-z0-9+.-]*:|//)", value), (name, value)
        assert not re.search(r"(?i)(src|href)\s*=\s*[\"']?\s*(https?:)?//", markup), name
        assert "@import" not in markup and "@font-face" not in markup, name
        assert not re.search(r"url\((?!#)", markup), name
        assert "Content-Security-Policy" in markup and "default-src 'none'" in markup


def test_the_action_list_shows_child_worker_rule_reason_date_and_where(pages):
    text = Page(pages["teams/north.html"]).text
    assert "Child C2 (3)" in text
    assert (
        "Alex Smith Each statutory visit records whether the child was seen alone, and why not. "
        "SEE01 Visit on 04/09/2026: not seen alone; reason '<script>alert(1)</script>'" in text
    )
    assert "04/09/2026 visits, row 3" in text
    assert (
        "Alex Smith Ethnicity recorded for every open child. IDN01 Ethnicity is not recorded"
        in text
    )
    # A team sees only its own children, and another team's worker is not named.
    south = Page(pages["teams/south-east.html"]).text
    assert "Child C3" in south and "Child C2" not in south and "Alex Smith" not in south
    assert "worker in another team" in south


def test_team_page_summary_chart_workers_data_quality_and_appendix(pages, reports):
    _, overview = reports
    page = Page(pages["teams/north.html"])
    text = page.text
    assert "North: case-record audit, September 2026" in text
    for heading in ("Summary", "By worker", "Actions: records to put right", "Data quality"):
        assert heading in text
    assert "How these checks work" in text
    svg = page.named("svg")
    assert len(svg) == 1 and svg[0]["role"] == "img"
    assert svg[0]["aria-labelledby"] == "chart-t chart-d"
    # The chart's numbers are also in a table: IDN02 was met for both North children.
    assert "First language recorded for every open child. IDN02 2 0 0 100% ✓ Green" in text
    assert "(i) Ethnicity, culture, race and language considered 4 1 0 80% ▲ Amber" in text
    assert "Alex Smith 64% ✗ Red 7 of 11 met" in text  # the worker × rule table
    # The data-quality row names the child and shows the value as written.
    assert "C1 export.xlsx, sheet visits, row 2 Child seen maybe Not a recognised value" in text
    # The appendix is generated from the rule documentation, with its settings in force.
    assert "SEE01: Each statutory visit records whether the child was seen alone" in text
    markup = pages["teams/north.html"]
    # Field names of the export in words: "seen alone", not seen_alone.
    assert "<em>Standard</em>" in markup and "<code>seen_alone</code>" not in markup
    assert "seen alone" in text
    assert "require_commentary false A child seen alone also needs" in text
    assert f"caseaudit {overview.version}" in text


def test_the_index_has_totals_per_rule_recommendation_and_data_quality(pages):
    text = Page(pages["index.html"]).text
    assert "All teams 52% ✗ Red 13 of 25 met" in text
    # VIS01 needs case types, which this export lacks: named as skipped, not counted.
    assert (
        "(xi) Children seen alone, and the record says so SEE01, SEE02, VIS01 (skipped) 4 6 0 40%"
    ) in text
    assert "visits export.xlsx, sheet visits 6 5 1 1" in text
    assert "visits No such child in the children table (unknown_child) 1" in text
    assert "children A required value is blank (missing_required_value) 1" in text


def test_pages_follow_the_accessibility_basics(pages):
    for name, markup in pages.items():
        page = Page(markup)
        assert page.named("html")[0]["lang"] == "en-GB", name
        assert len(page.named("h1")) == 1 and page.named("title"), name
        levels = [int(tag[1]) for tag, _ in page.tags if re.fullmatch(r"h[1-6]", tag)]
        assert all(b <= a + 1 for a, b in pairwise(levels)), name
        assert ("a", {"class": "skip", "href": "#main"}) in page.tags, name
        tables = [i for i, (tag, _) in enumerate(page.tags) if tag == "table"]
        assert all(page.tags[i + 1][0] == "caption" for i in tables), name
        assert all(attrs.get("scope") for attrs in page.named("th")), name
        assert "@media print" in markup and "focus-visible" in markup


def test_files_are_owner_only(reports):
    out, _ = reports
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    assert stat.S_IMODE((out / "teams").stat().st_mode) == 0o700
    for path in out.rglob("*.html"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_a_county_sized_team_report_stays_under_2_mb(reports):
    _, overview = reports
    reason = (
        "Visit on 04/09/2026: not seen alone; reason 'mum was present throughout' is neither "
        "a reg 29 code (refused, age, unable) nor a meaningful explanation"
    )
    children = [
        ChildActions(
            f"CHILD{n:06d}",
            tuple(
                Action(
                    f"CHILD{n:06d}",
                    "Firstname Lastname-Surname",
                    code,
                    "title",
                    reason,
                    "no_reason_not_seen_alone",
                    "04/09/2026",
                    "visits, row 123456",
                )
                for code in ("SEE01", "SEE02", "VOC01")
            ),
        )
        for n in range(1500)
    ]
    big = dataclasses.replace(overview.teams[0], actions=children)
    markup = render_team(environment(), overview, big)
    assert big.action_count == 4500
    assert len(markup.encode("utf-8")) < 2_000_000


def test_doc_markup_is_escaped_before_emphasis_code_paragraphs_and_lists():
    html = doc_html(
        "*Standard*: reg 29 <script>x</script> & `seen_alone`.\n\n*Not met when*:\n"
        "- `blank` — nothing\n  recorded;\n- `n/a` — a placeholder"
    )
    assert isinstance(html, Markup)
    assert str(html) == (
        "<p><em>Standard</em>: reg 29 &lt;script&gt;x&lt;/script&gt; &amp; "
        "<code>seen_alone</code>.</p>\n<p><em>Not met when</em>:</p><ul><li><code>blank</code>"
        " — nothing recorded;</li><li><code>n/a</code> — a placeholder</li></ul>"
    )


def test_the_chart_escapes_titles_and_says_no_data_in_words():
    svg = compliance_chart(
        {"AAA01": Score(1, 1, 0, 0.5, "red"), "BBB02": Score(0, 0, 3)},
        {"AAA01": "<b>bold</b> & title", "BBB02": "never judged"},
        Thresholds(green=0.9, amber=0.8),
    )
    assert isinstance(svg, Markup)
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; title" in svg and "<b>" not in svg
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert "<title" in svg and "<desc" in svg
    assert "50% ✗ Red" in svg and "No data" in svg
    assert "AAA01 <b>bold</b> & title" in unescape(str(svg))


def test_worker_names_stay_out_unless_show_names_is_on(tmp_path):
    run = audit(build_export(tmp_path), AuditPeriod.parse("2026-09"))
    write_html(build_overview(run), tmp_path / "reports")
    for path in (tmp_path / "reports").rglob("*.html"):
        markup = path.read_text(encoding="utf-8")
        assert "Alex Smith" not in markup and "Jones" not in markup, path
    north = Page((tmp_path / "reports/teams/north.html").read_text(encoding="utf-8")).text
    assert (
        "W1 Each statutory visit records whether the child was seen alone, and why not. SEE01"
        in north
    )


def test_an_emailed_page_rebuilt_from_overview_json_shows_settings_as_the_run_page_does(
    tmp_path,
):
    """``send`` rebuilds each team's page from overview.json: the supervision and visit
    intervals (SUP02, VIS01) must read ``sw = "31 calendar days"`` there too, not the
    setting's fields as a dict."""
    from audit.reports import write_reports
    from audit.reports.html import team_page_for_email
    from audit.reports.store import load_overview, save_overview
    from tests.test_isolation import PERIOD, SAMPLE

    overview = write_reports(audit(SAMPLE, AuditPeriod.parse(PERIOD), None), tmp_path / "out")
    save_overview(overview, tmp_path)
    again = load_overview(tmp_path)
    team = again.teams[0]
    emailed = unescape(team_page_for_email(again, team))
    run_page = unescape((tmp_path / "out" / overview.teams[0].page).read_text(encoding="utf-8"))
    assert "entries" not in emailed
    expected = {"SUP02": 'sw = "31 calendar days"', "VIS01": 'CLA = "42 calendar days"'}
    for code, shown in expected.items():
        intervals = dict((n, v) for n, v, _d in again.rule(code).params)["intervals"]
        assert intervals.startswith(shown)
        assert intervals in emailed
        assert intervals in run_page
