"""What a manager reads in the demo month, every page and every email, in plain English.

``make demo``'s three months are audited with one history and October is emailed (a dry
run). Then every rendered page (the month's folder and the pages the emails attach) and
every email (subject, text and HTML bodies) is read as a person sees it, and must not hold:

- a field name of the data contract (``case_start_date``, ``child_id``, ``camhs_referrals``)
  or "as-at": they are put in words. A sheet of the council's own workbook is still named as
  it is written ("sheet camhs_referrals", "missing_episodes, row 9"), since that is where to
  look;
- another name for the product: the report is "Case-record audit" everywhere, and
  "caseaudit" names the software only (its version, a command), never a title or a subject;
- a month written another way: subjects and bodies say "October 2026", as the pages do.
"""

from __future__ import annotations

import html
import re
import shutil
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from audit.cli import main
from audit.contract import TABLES
from audit.reports.pdf import BROWSER_ENV

ROOT = Path(__file__).resolve().parent.parent
MONTHS = ("2026-08", "2026-09", "2026-10")
MONTH, SHOWN = "2026-10", "October 2026"
FOLDER = rf"\S*/{MONTH}\S*|\S*{MONTH}/\S*"  # the month's folder, as a path is typed

FIELDS = sorted(
    {c.name for columns in TABLES.values() for c in columns if "_" in c.name}
    | {t for t in TABLES if "_" in t},
    key=len,
    reverse=True,
)
FIELD = re.compile(r"(?<![A-Za-z0-9_])(" + "|".join(map(re.escape, FIELDS)) + r")(?![A-Za-z0-9_])")
# Where the council's own file is named: its sheets are named as they are written.
WHERE = re.compile(r"\bsheet [A-Za-z0-9_]+|\b[A-Za-z0-9_]+, row \d+")
NAMES = re.compile(r"case[- ]?(?:record|file)?[- ]?audit", re.I)
# The software by name: with its version, a command, or as what a fault is reported to.
SOFTWARE = re.compile(
    r"caseaudit (?:\d+\.\d+|run|send|collect|check|tables)\b|maintains caseaudit"
)  # "caseaudit tables" is the name of its own workbook format
MONTH_NAMES = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
OTHER_MONTH = re.compile(
    r"\b20\d\d-(0[1-9]|1[0-2])\b(?!-)"  # 2026-10
    r"|\b(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.? 20\d\d\b"  # Oct 2026
    r"|(?<![\d/])(0?[1-9]|1[0-2])/20\d\d\b"  # 10/2026 (not the end of 31/10/2026)
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    """The demo's months and October's dry-run emails, as ``make demo`` writes them."""
    root = tmp_path_factory.mktemp("demo")
    shutil.copy(ROOT / "sample_cases" / "authority.xlsx", root / "authority.xlsx")
    config = (ROOT / "sample_cases" / "demo.toml").read_text(encoding="utf-8")
    (root / "demo.toml").write_text(config.replace("../reports/outbox", "outbox"))
    out = root / "reports"
    with pytest.MonkeyPatch.context() as env:
        env.setenv(BROWSER_ENV, "none")  # the PDF is the same page, printed (test_pdf.py)
        for month in MONTHS:
            run = ["run", str(root / "authority.xlsx"), "--period", month]
            assert main([*run, "--config", str(root / "demo.toml"), "--out", str(out)]) == 0
        send = ["send", "--period", MONTH, "--config", str(root / "demo.toml"), "--dry-run"]
        assert main([*send, "--out", str(out)]) == 0
    return root


def _visible(markup: str) -> str:
    markup = re.sub(r"<(style|script)\b.*?</\1>", " ", markup, flags=re.S | re.I)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def _emails(demo: Path) -> dict[str, EmailMessage]:
    found = sorted((demo / "outbox" / MONTH).glob("*.eml"))
    assert len(found) == 5  # four teams with recipients and the QA leads
    return {
        p.name: message_from_bytes(p.read_bytes(), policy=policy.default)  # type: ignore[misc]
        for p in found
    }


def _read(demo: Path) -> dict[str, str]:
    """Everything a person reads in the month: each page, each email's parts."""
    texts = {
        str(p.relative_to(demo)): _visible(p.read_text(encoding="utf-8"))
        for p in (demo / "reports" / MONTH).rglob("*.html")
    }
    for name, message in _emails(demo).items():
        texts[f"{name} subject"] = str(message["Subject"])
        texts[f"{name} text"] = message.get_body(("plain",)).get_content()
        texts[f"{name} html"] = _visible(message.get_body(("html",)).get_content())
        for part in message.iter_attachments():
            if part.get_content_type() == "text/html":
                texts[f"{name} {part.get_filename()}"] = _visible(part.get_content())
    return texts


def test_no_field_name_of_the_export_and_no_as_at_reaches_a_reader(demo):
    texts = _read(demo)
    assert len(texts) >= 8 + 5 * 3
    found = {}
    for name, text in texts.items():
        said = WHERE.sub(" ", text)
        terms = sorted({m[0] for m in FIELD.finditer(said)} | set(re.findall(r"as-at", said)))
        if terms:
            found[name] = terms
    assert found == {}
    # The words are there instead (the checks' documentation is on every team page).
    north = texts["reports/2026-10/teams/referral-and-assessment-north.html"]
    assert "the end of the audit month" in north and "case start date" in north


def test_the_product_has_one_name_and_caseaudit_names_only_the_software(demo):
    for name, text in _read(demo).items():
        for found in NAMES.findall(text):
            assert found.lower() == "case-record audit" or found == "caseaudit", (name, found)
        loose = SOFTWARE.sub(" ", text)
        assert "caseaudit" not in loose, (name, loose[loose.index("caseaudit") - 80 :][:160])
    for name, message in _emails(demo).items():
        assert str(message["Subject"]).startswith(f"Case-record audit, {SHOWN} - "), name
    for page in (demo / "reports" / MONTH).rglob("*.html"):
        markup = page.read_text(encoding="utf-8")
        head = markup.split("</head>")[0]  # the document's title, not the chart's
        heads = re.findall(r"<title>(.*?)</title>", head, flags=re.S)
        heads += re.findall(r"<(?:h1|header)\b[^>]*>(.*?)</(?:h1|header)>", markup, flags=re.S)
        assert len(heads) == 3, page
        for head in heads:
            assert "caseaudit" not in head and "case-record audit" in head.lower(), (page, head)


def test_months_are_written_the_same_way_in_subjects_bodies_and_pages(demo):
    for name, message in _emails(demo).items():
        subject = str(message["Subject"])
        text = message.get_body(("plain",)).get_content()
        # The same month, written the same way, in the subject and the body's first line.
        assert SHOWN in subject and text.splitlines()[0].startswith(f"Case-record audit, {SHOWN}")
        for part in (subject, text, _visible(message.get_body(("html",)).get_content())):
            # A folder or a command keeps its YYYY-MM: that is how it is typed.
            said = re.sub(r"--period \S+|\S*/" + MONTH + r"\S*", " ", part)
            other = [m[0] for m in OTHER_MONTH.finditer(said)]
            assert other == [], (name, other)
            for month_name in re.findall(r"\b(" + "|".join(MONTH_NAMES) + r") (\d{4})", said):
                assert month_name[1].startswith("20"), (name, month_name)
    for name, text in _read(demo).items():
        if ".eml" in name and not name.endswith(".html"):
            continue  # the messages themselves are read above
        # On a page the trend tables head their columns "Oct 2026" for width; nothing else.
        said = re.sub(FOLDER, " ", text)
        assert not re.search(r"\b20\d\d-(0[1-9]|1[0-2])\b(?!-)", said), name
        assert SHOWN in text, name


def test_the_action_workbooks_say_it_in_words_too(demo):
    import openpyxl

    books = sorted((demo / "reports" / MONTH / "teams").glob("*.xlsx"))
    assert len(books) == 6
    found: dict[str, set[str]] = {}
    for book in books:
        workbook = openpyxl.load_workbook(book, read_only=True)
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows(values_only=True):
                for value in row:
                    if isinstance(value, str):
                        said = WHERE.sub(" ", value)
                        terms = {m[0] for m in FIELD.finditer(said)} | set(
                            re.findall(r"as-at", said)
                        )
                        if terms:
                            found.setdefault(f"{book.name} {sheet.title}", set()).update(terms)
        workbook.close()
    assert found == {}
