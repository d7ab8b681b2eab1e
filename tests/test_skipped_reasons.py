"""A timeliness or capacity check whose data the source lacks is SKIPPED with the source's
own reason, and every report says so: the overview, each team's page and action workbook,
and each email (plain text and HTML). Run through the CLI on real files for Ofsted's
Annex A, the DfE Standard Safeguarding Dataset and the SSDA903 return (fictional data).
"""

from __future__ import annotations

import email
import html
import json
import re
from email import policy
from pathlib import Path

import openpyxl
import pytest

from audit.cli import main
from tests.test_profile_annex_a import annex_a_workbook
from tests.test_profile_ssd import write_folder
from tests.test_profile_ssda903 import write_return

NEW_RULES = ("VIS01", "SUP02", "IRO01", "IRO02", "CAM01")
# Each source, the month audited, the words naming it, and the new rules it cannot feed.
SOURCES = {
    "annex-a": ("2026-10", "Annex A", {"SUP02", "IRO01", "IRO02", "CAM01"}),
    "ssd": ("2026-09", "Standard Safeguarding Dataset", {"SUP02", "CAM01"}),
    "ssda903": ("2026-09", "SSDA903 return", set(NEW_RULES)),
}


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", text)))


def _source(name: str, folder: Path) -> Path:
    folder.mkdir()
    if name == "annex-a":
        return annex_a_workbook(folder)
    if name == "ssd":
        return write_folder(folder / "ssd")
    return write_return(folder / "return")


def _reports(month: Path, outbox: Path) -> dict[str, str]:
    """Every report of the month as the words a reader sees, by file (and email part)."""
    out = {"index.html": _words((month / "index.html").read_text(encoding="utf-8"))}
    for page in (month / "teams").glob("*.html"):
        out[page.name] = _words(page.read_text(encoding="utf-8"))
    for book in (month / "teams").glob("*.xlsx"):
        wb = openpyxl.load_workbook(book, read_only=True)
        cells = [str(v) for ws in wb for row in ws.iter_rows(values_only=True) for v in row if v]
        out[book.name] = _words(" ".join(cells))
    for eml in outbox.glob("*.eml"):
        message = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
        for part in message.walk():
            kind = part.get_content_type()
            if kind in ("text/plain", "text/html") and not part.get_filename():
                out[f"{eml.name} {kind}"] = _words(part.get_content())
    return out


@pytest.fixture(scope="module", params=list(SOURCES))
def audited(request, tmp_path_factory) -> tuple[str, dict[str, tuple[str, str]], dict[str, str]]:
    name = request.param
    period = SOURCES[name][0]
    root = tmp_path_factory.mktemp(name)
    source, out, outbox = _source(name, root / "input"), root / "reports", root / "outbox"
    config = root / "audit.toml"
    settings = (
        '[email]\nhost = "smtp.example.org"\nsender = "audit@example.org"\n'
        f'qa_leads = ["qa@example.org"]\noutbox = "{outbox.as_posix()}"\n'
    )
    config.write_text(settings, encoding="utf-8")
    assert (
        main(["run", str(source), "--period", period, "--config", str(config), "--out", str(out)])
        == 0
    )
    month = out / period
    teams = json.loads((month / "overview.json").read_text(encoding="utf-8"))["teams"]
    recipients = "".join(f'"{t["team"]}" = ["team{n}@example.org"]\n' for n, t in enumerate(teams))
    config.write_text(settings + "[email.teams]\n" + recipients, encoding="utf-8")
    send = ["send", "--period", period, "--config", str(config), "--out", str(out), "--dry-run"]
    assert main(send) == 0
    record = json.loads((month / "run.json").read_text(encoding="utf-8"))
    status = {r["code"]: (r["status"], r["reason"] or "") for r in record["rules"]}
    reports = _reports(month, outbox / period)
    assert len([k for k in reports if k.endswith(".eml text/plain")]) == len(teams) + 1
    return name, status, reports


def test_each_new_check_the_source_cannot_feed_is_skipped_with_the_sources_reason(audited):
    name, status, _reports = audited
    _period, source_words, lacking = SOURCES[name]
    for code in NEW_RULES:
        state, reason = status[code]
        assert (state == "SKIPPED") == (code in lacking), (code, state, reason)
        if state == "SKIPPED":
            # The source's own words ("Annex A holds no CAMHS referrals"), never only the
            # generic "the input has no camhs_referrals table".
            assert source_words in reason, (code, reason)


def test_every_report_gives_the_reason(audited):
    name, status, reports = audited
    for code in sorted(SOURCES[name][2]):
        why = status[code][1].split(": ", 1)[1]  # after "needs <column>: "
        missing = [report for report, words in reports.items() if why not in words]
        assert not missing, (code, why, missing)


@pytest.mark.parametrize("audited", ["annex-a"], indirect=True)
def test_every_report_says_what_a_check_that_ran_could_not_judge(audited):
    # VIS01 runs on Annex A's one latest visit date per child, which cannot show a visit late
    # within the month: each report must say so beside the figure, not let it pass for the
    # whole standard (overview, team pages, workbooks, and every email in text and HTML).
    _name, status, reports = audited
    assert status["VIS01"] == ("RAN", status["VIS01"][1])
    assert status["VIS01"][1].startswith("late within the month cannot be judged")
    words = "late within the month cannot be judged"
    missing = [report for report, text in reports.items() if words not in text]
    assert not missing, missing
