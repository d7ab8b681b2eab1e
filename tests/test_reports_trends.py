"""Trends in the reports, from real audits of a small export recorded in a real history.

June, July, September and October are audited; August is in the export but deliberately
not audited, so every trend has a gap there. A gap must read as "no data" and break the
line, never as 0 %: August's visits, had they been audited, would all have been not met.
"""

from __future__ import annotations

import re
from datetime import date
from itertools import pairwise
from pathlib import Path

import openpyxl
import pytest
from markupsafe import Markup

from audit.history import History
from audit.period import AuditPeriod
from audit.publish import write_run
from audit.reports.headline import change_words
from audit.reports.model import Score, TrendPoint
from audit.reports.svg import spark_text, sparkline
from audit.run import audit
from tests.test_reports_html import Page

CHILDREN = [
    ["child_id", "allocated_team", "allocated_worker", "ethnicity"],
    ["C1", "North", "W1", "WBRI"],
    ["C2", "North", "W1", None],  # IDN01 not met every month: North stays at 50 %
    ["C3", "South", "W2", "WBRI"],
    ["C4", "East", "W3", "WBRI"],
]
VISIT_HEADER = [
    "visit_id",
    "child_id",
    "visit_date",
    "visit_type",
    "child_seen",
    "seen_alone",
    "not_seen_alone_reason",
]
# SEE01 (seen alone recorded, per visit), met of judged:
#          June  July  August*  September  October
# North    1/2   2/3   0/2      3/4        2/2      -> up 25 points since September
# South    1/1   1/1   -        2/2        1/2      -> down 50 points since September
# East     -     1/1   -        -          0/1      -> nothing in September to compare with
# (*not audited)
VISITS = [
    ("C1", date(2026, 6, 2), "Y"),
    ("C2", date(2026, 6, 3), None),
    ("C3", date(2026, 6, 4), "Y"),
    ("C1", date(2026, 7, 2), "Y"),
    ("C2", date(2026, 7, 3), "Y"),
    ("C1", date(2026, 7, 20), None),
    ("C3", date(2026, 7, 4), "Y"),
    ("C4", date(2026, 7, 5), "Y"),
    ("C1", date(2026, 8, 3), "N"),
    ("C2", date(2026, 8, 4), None),
    ("C1", date(2026, 9, 1), "Y"),
    ("C2", date(2026, 9, 2), "Y"),
    ("C1", date(2026, 9, 15), "Y"),
    ("C2", date(2026, 9, 16), None),
    ("C3", date(2026, 9, 3), "Y"),
    ("C3", date(2026, 9, 17), "Y"),
    ("C1", date(2026, 10, 1), "Y"),
    ("C2", date(2026, 10, 2), "Y"),
    ("C3", date(2026, 10, 3), "Y"),
    ("C3", date(2026, 10, 20), None),
    ("C4", date(2026, 10, 5), None),  # a real 0 %, shown as one
]


def write_export(path: Path) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    visits = [
        [f"V{n}", child, when, "statutory", "Y", alone, None]
        for n, (child, when, alone) in enumerate(VISITS, 1)
    ]
    for name, rows in {"children": CHILDREN, "visits": [VISIT_HEADER, *visits]}.items():
        sheet = wb.create_sheet(name)
        for row in rows:
            sheet.append(row)
    wb.save(path)
    return path


def audit_months(folder: Path, months: list[str], min_judged: int = 1) -> Path:
    """Audit and write each month in turn with one history, as a monthly schedule would.

    The export is tiny, so by default every figure is rated (``min_judged = 1``) to test the
    trends themselves; the small-numbers test audits it with the default minimum.
    """
    export = write_export(folder / "export.xlsx")
    config = folder / "audit.toml"
    config.write_text(f"[rag]\nmin_judged = {min_judged}\n", encoding="utf-8")
    out = folder / "reports"
    with History.open(folder / "history" / "history.sqlite") as history:
        for month in months:
            write_run(audit(export, AuditPeriod.parse(month), config), out, history)
    return out


@pytest.fixture(scope="module")
def october(tmp_path_factory) -> Path:
    return audit_months(
        tmp_path_factory.mktemp("trends"), ["2026-06", "2026-07", "2026-09", "2026-10"]
    )


def read(folder: Path, name: str) -> str:
    return (folder / name).read_text(encoding="utf-8")


def trend_rows(markup: str) -> dict[str, str]:
    """Each row of the trend table as text, keyed by its first word (rule code or "(xi)")."""
    table = re.search(r'<table class="trends">.*?</table>', markup, re.S)
    assert table, "no trend table"
    rows = re.findall(r"<tr><th scope=\"row\">.*?</tr>", table[0], re.S)
    texts = [Page(row).text.strip() for row in rows]
    return {text.split()[0]: text for text in texts}


def trend_svgs(markup: str) -> dict[str, str]:
    """Each sparkline's markup, keyed by the first word of its title."""
    svgs = re.findall(r'<svg class="spark".*?</svg>', markup, re.S)
    return {re.search(r"<title>(\S+)", s)[1]: s for s in svgs}  # type: ignore[index]


def subpaths(svg: str) -> list[list[tuple[float, float]]]:
    """The trend line's sub-paths, each a list of (x, y): a gap starts a new one."""
    line = re.search(r'<path class="trend" d="([^"]+)"', svg)
    if line is None:
        return []
    return [
        [(float(x), float(y)) for x, y in re.findall(r"[ML]([\d.]+) ([\d.]+)", "M" + part)]
        for part in line[1].split("M")[1:]
    ]


# ---------------------------------------------------------------- team pages


def test_october_team_page_shows_each_month_as_text_with_a_gap_for_august(october):
    rows = trend_rows(read(october, "2026-10/teams/north.html"))
    # May was never audited and August was skipped: both "no data", never 0 %.
    assert rows["SEE01"].endswith(
        "– no data 50% 67% – no data 75% 100% ↑ up 25 points since September 2026"
    )
    assert rows["IDN01"].endswith(
        "– no data 50% 50% – no data 50% 50% no change since September 2026"
    )
    south = trend_rows(read(october, "2026-10/teams/south.html"))
    assert south["SEE01"].endswith(
        "– no data 100% 100% – no data 100% 50% ↓ down 50 points since September 2026"
    )
    # East had no SEE01 visit in September: no change figure rather than a change from zero;
    # its October, when nothing was met, is a real 0 % and shown as one.
    east = trend_rows(read(october, "2026-10/teams/east.html"))
    assert east["SEE01"].endswith(
        "– no data – no data 100% – no data – no data 0% "
        "nothing judged in September 2026 to compare with"
    )


def test_the_table_names_the_months_and_says_what_a_dash_means(october):
    text = Page(read(october, "2026-10/teams/north.html")).text
    assert "North: compliance by check and month, May to October 2026" in text
    months = "May 2026 Jun 2026 Jul 2026 Aug 2026 Sep 2026 Oct 2026"
    assert f"Check Trend {months} Change since the previous audited month" in text
    assert "“–” means no data that month" in text and "never counted as 0%" in text


def test_the_sparkline_breaks_at_the_gap_and_draws_nothing_for_it(october):
    svgs = trend_svgs(read(october, "2026-10/teams/north.html"))
    see01 = svgs["SEE01"]
    assert (
        'role="img"' in see01
        and "<title>SEE01 compliance, North, May to October 2026</title>" in see01
    )
    assert "<desc>May 2026 no data, June 2026 50%, July 2026 67%, August 2026 no data, " in see01
    # Two runs of months, June-July and September-October, each its own "M" sub-path.
    (june, july), (september, october_point) = subpaths(see01)
    assert june[0] < july[0] < september[0] < october_point[0]
    step = july[0] - june[0]
    assert september[0] - july[0] == pytest.approx(2 * step)  # August's place is left empty
    # A fixed 0-100 % scale: higher compliance is higher up (smaller y), 50 % is mid-way.
    assert october_point[1] < september[1] < july[1] < june[1]
    dots = re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)"', see01)
    assert len(dots) == 4  # one per month with data; none for May or August
    assert all(float(cx) != pytest.approx(july[0] + step) for cx, _ in dots)


def test_a_month_alone_between_gaps_is_a_dot_not_a_line(october):
    east = trend_svgs(read(october, "2026-10/teams/east.html"))["SEE01"]
    assert subpaths(east) == []
    dots = re.findall(r'<circle cx="[\d.]+" cy="([\d.]+)"', east)
    assert len(dots) == 2  # July at the top (100 %), October at the bottom (0 %)
    assert float(dots[0]) < float(dots[1])


def test_the_first_audited_month_says_so_and_shows_no_fake_zeros(tmp_path):
    out = audit_months(tmp_path, ["2026-06"])
    markup = read(out, "2026-06/teams/north.html")
    rows = trend_rows(markup)
    assert rows["SEE01"].endswith(
        "– no data – no data – no data – no data – no data 50% first audited month"
    )
    svgs = trend_svgs(markup)
    assert subpaths(svgs["SEE01"]) == [] and len(re.findall("<circle", svgs["SEE01"])) == 1
    assert " 0%" not in " ".join(rows.values())
    overview = trend_rows(read(out, "2026-06/index.html"))
    assert overview["(xi)"].endswith("first audited month")


def test_reports_without_a_history_say_why_there_is_no_trend(tmp_path):
    export = write_export(tmp_path / "export.xlsx")
    folder = write_run(audit(export, AuditPeriod.parse("2026-10")), tmp_path / "reports")
    for name in ("index.html", "teams/north.html"):
        markup = read(folder, name)
        assert "produced without the audit history" in Page(markup).text
        assert 'class="spark"' not in markup


# ---------------------------------------------------------------- the overview


def test_the_overview_shows_the_organisations_trend_per_recommendation(october):
    markup = read(october, "2026-10/index.html")
    rows = trend_rows(markup)
    # (xi) is SEE01 and SEE02 over all teams; SEE02 judges each child seen once a month.
    # (i) is IDN01: three of four children have their ethnicity recorded, every month.
    assert rows["(i)"].endswith(
        "– no data 75% 75% – no data 75% 75% no change since September 2026"
    )
    # (xi) in September: 5 of 6 visits and 3 of 3 children, 8 of 9; October 6 of 9.
    assert rows["(xi)"].startswith("(xi) Children seen alone, and the record says so")
    assert rows["(xi)"].endswith(
        "– no data 67% 89% – no data 89% 67% ↓ down 22 points since September 2026"
    )
    svg = trend_svgs(markup)["(xi)"]
    assert "all teams, May to October 2026" in svg and len(subpaths(svg)) == 2
    text = Page(markup).text
    assert "All teams: compliance by recommendation and month, May to October 2026" in text


def test_trend_pages_keep_the_accessibility_basics(october):
    for name in ("2026-10/index.html", "2026-10/teams/north.html"):
        markup = read(october, name)
        page = Page(markup)
        levels = [int(tag[1]) for tag, _ in page.tags if re.fullmatch(r"h[1-6]", tag)]
        assert all(b <= a + 1 for a, b in pairwise(levels)), name
        tables = [i for i, (tag, _) in enumerate(page.tags) if tag == "table"]
        assert all(page.tags[i + 1][0] == "caption" for i in tables), name
        assert all(attrs.get("scope") for attrs in page.named("th")), name
        for svg in page.named("svg"):
            assert svg["role"] == "img", name
        # Every sparkline is named by a title, and nothing is loaded from outside.
        sparks = trend_svgs(markup)
        assert sparks and all("<title>" in svg for svg in sparks.values()), name
        assert 'href="http' not in markup and "xlink:href" not in markup


# ---------------------------------------------------------------- the pieces


SEPTEMBER = AuditPeriod.parse("2026-09")


def _point(period: str, met: int, not_met: int) -> TrendPoint:
    rate = met / (met + not_met)
    return TrendPoint(AuditPeriod.parse(period), Score(met, not_met, 0, rate, None))


def test_sparkline_escapes_its_label_and_breaks_at_every_gap():
    points = [
        _point("2026-05", 1, 1),
        _point("2026-06", 2, 0),
        TrendPoint(AuditPeriod.parse("2026-07"), None),
        # All not applicable: nothing judged, a gap.
        TrendPoint(AuditPeriod.parse("2026-08"), Score(0, 0, 4)),
        _point("2026-09", 3, 1),
        _point("2026-10", 1, 0),
    ]
    svg = sparkline(points, label="<b>North</b> & co")
    assert isinstance(svg, Markup) and svg.startswith("<svg") and "<b>" not in svg
    assert "<title>&lt;b&gt;North&lt;/b&gt; &amp; co</title>" in svg
    assert len(subpaths(svg)) == 2 and svg.count("<circle") == 4
    assert spark_text(points) == (
        "May 2026 50%, June 2026 100%, July 2026 no data, August 2026 no data, "
        "September 2026 75%, October 2026 100%"
    )


def test_sparkline_with_no_data_at_all_draws_no_line_and_no_dots():
    months = (AuditPeriod.parse("2026-09"), AuditPeriod.parse("2026-10"))
    svg = sparkline([TrendPoint(m, None) for m in months], label="x")
    assert subpaths(svg) == [] and "<circle" not in svg and "<title>x</title>" in svg


@pytest.mark.parametrize(
    ("points", "words"),
    [
        (3.0, ("↑", "up 3 points since September 2026")),
        (-2.0, ("↓", "down 2 points since September 2026")),
        (1.0, ("↑", "up 1 point since September 2026")),
        (0.0, ("", "no change since September 2026")),
    ],
)
def test_change_words_give_the_direction_in_words_as_well_as_a_shape(points, words):
    assert change_words(points, SEPTEMBER) == words


def test_change_arrows_are_not_the_rag_symbols():
    # The Amber band is a triangle: an up-triangle for "better" would read as "amber".
    from audit.reports.svg import SYMBOLS

    arrows = {change_words(1.0, SEPTEMBER)[0], change_words(-1.0, SEPTEMBER)[0]}
    assert arrows.isdisjoint(SYMBOLS.values())


def test_small_numbers_are_not_rated_and_their_changes_not_shouted(tmp_path):
    # With the default minimum of 5 judged records, North's 2 October visits (100%) are
    # shown as a count, not as a Green 100%, and the 25-point rise is not announced.
    out = audit_months(tmp_path, ["2026-09", "2026-10"], min_judged=5)
    markup = read(out, "2026-10/teams/north.html")
    rows = trend_rows(markup)
    assert rows["SEE01"].endswith("not compared with September 2026: too few records judged")
    assert "↑" not in rows["SEE01"] and "up 25" not in markup
    text = Page(markup).text
    assert "seen alone, and why not. SEE01 2 0 0 – not rated – Too few to rate" in text
    assert "100% ✓ Green" not in text
    # The team's overall figure rests on 6 records this month: rated, and its change given.
    assert "83% ▲ Amber ↑ up 8 points since September 2026 Overall compliance" in text
