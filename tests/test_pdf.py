"""The emailed PDF: printed by the real Chromium from the page the email attaches, read back.

A dry run of ``caseaudit run --email`` over a small authority of three teams writes each
message to the outbox; each team's PDF is opened with pypdf and must hold that team's figure
and its own children, no other team's child, "Confidential" and "Page n of N" on every page,
in landscape A4 and no more than three pages. Without a browser the run says so in one line
and the emails carry HTML only. Like the browser tests, these skip without Chromium except
in CI, where that is a failure.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import stat
import unicodedata
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from pypdf import PdfReader

from audit.cli import main
from audit.reports.pdf import BROWSER_ENV, BROWSER_NAMES
from audit.reports.store import load_overview
from tests.test_mail import (
    CHILDREN,
    PASSWORD,
    PASSWORD_ENV,
    PERIOD,
    QA_LEAD,
    RECIPIENTS,
    _config,
    _toml,
    _write_workbook,
)

A4_LANDSCAPE = (842, 595)  # points, rounded


def _browser() -> str:
    found = os.environ.get(BROWSER_ENV) or next(
        (name for name in BROWSER_NAMES if shutil.which(name)), None
    )
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("the PDF must be checked in CI, but there is no Chromium")
        pytest.skip("no Chromium to print PDFs with")
    return found


def _send_dry_run(tmp_path: Path, monkeypatch, browser: str) -> Path:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    monkeypatch.setenv(BROWSER_ENV, browser)
    export = tmp_path / "export.xlsx"
    _write_workbook(export)
    config = tmp_path / "audit.toml"
    config.write_text(_toml(_config(2525, None, tmp_path / "outbox")))
    out = tmp_path / "reports"
    run = ["run", str(export), "--period", PERIOD, "--config", str(config), "--out", str(out)]
    assert main([*run, "--email", "--dry-run"]) == 0
    return out


def _read(path: Path) -> EmailMessage:
    return message_from_bytes(path.read_bytes(), policy=policy.default)  # type: ignore[return-value]


def _attachments(message: EmailMessage) -> dict[str, bytes]:
    return {p.get_filename(): p.get_payload(decode=True) for p in message.iter_attachments()}


def _pages(pdf: bytes) -> list[str]:
    """Each page's text; NFKC undoes the print's ligatures ("ﬁ" -> "fi")."""
    reader = PdfReader(io.BytesIO(pdf))
    sizes = {
        (round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages
    }
    assert sizes == {A4_LANDSCAPE}, sizes
    return [unicodedata.normalize("NFKC", p.extract_text() or "") for p in reader.pages]


def _token(text: str, token: str) -> bool:
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(token)}(?![A-Za-z0-9])", text) is not None


def test_each_team_email_carries_its_own_report_as_pdf(tmp_path, monkeypatch, capsys):
    out = _send_dry_run(tmp_path, monkeypatch, _browser())
    overview = load_overview(out / PERIOD)
    teams = {t.team: t for t in overview.teams}
    outbox = tmp_path / "outbox" / PERIOD
    for team in RECIPIENTS:
        report = teams[team]
        message = _read(outbox / f"team-{report.slug}.eml")
        files = _attachments(message)
        assert sorted(files) == sorted(f"{report.slug}.{ext}" for ext in ("html", "pdf", "xlsx"))
        body = message.get_body(("plain",)).get_content()
        assert f"{report.slug}.pdf (the same, to print" in body
        pages = _pages(files[f"{report.slug}.pdf"])
        assert 1 <= len(pages) <= 3, f"{team} prints on {len(pages)} pages"
        for n, text in enumerate(pages, 1):
            assert "Confidential" in text, f"page {n} of {team}'s PDF has no Confidential"
            assert f"Page {n} of {len(pages)}" in text, f"page {n} of {team}'s PDF is unnumbered"
        whole = "\n".join(pages)
        assert f"{team}: case-record audit, September 2026" in whole
        assert report.overall.percent in pages[0]  # the headline figure, on the first page
        own = [c.child for c in report.actions]
        assert own and all(_token(whole, child) for child in own)
        for other, ids in CHILDREN.items():
            if other != team:
                leaked = [child for child in ids if _token(whole, child)]
                assert not leaked, f"{other}'s children {leaked} in {team}'s PDF"
        # The PDF is the printed page the email attaches: same figures, same Fix first.
        assert (out / PERIOD / "pdf" / f"{report.slug}.pdf").read_bytes() == files[
            f"{report.slug}.pdf"
        ]
    overview_mail = _read(outbox / "overview.eml")
    assert sorted(_attachments(overview_mail)) == ["overview.html", "overview.pdf"]
    assert [a.addr_spec for a in overview_mail["To"].addresses] == [QA_LEAD]
    # Owner-only, like every output; the folder too.
    folder = out / PERIOD / "pdf"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in folder.iterdir())
    assert "PDF not attached" not in capsys.readouterr().err


def test_without_a_browser_the_run_says_so_in_one_line_and_emails_html(
    tmp_path, monkeypatch, capsys
):
    out = _send_dry_run(tmp_path, monkeypatch, "no-such-browser-here")
    err = capsys.readouterr().err
    said = [line for line in err.splitlines() if "PDF" in line]
    assert said == [
        "caseaudit: warning: PDF not attached: CASEAUDIT_BROWSER=no-such-browser-here is not a "
        "program that can be run; the emails carry the HTML report only"
    ]
    assert "Traceback" not in err
    assert not (out / PERIOD / "pdf").exists()
    for eml in (tmp_path / "outbox" / PERIOD).glob("*.eml"):
        message = _read(eml)
        assert not any(name.endswith(".pdf") for name in _attachments(message))
        assert ".pdf" not in message.get_body(("plain",)).get_content()


def test_a_pdf_from_an_earlier_send_is_never_attached_to_a_later_one(tmp_path, monkeypatch, capsys):
    out = _send_dry_run(tmp_path, monkeypatch, _browser())
    assert any((out / PERIOD / "pdf").glob("*.pdf"))
    monkeypatch.setenv(BROWSER_ENV, "none")
    config = tmp_path / "audit.toml"
    send = ["send", "--period", PERIOD, "--config", str(config), "--out", str(out), "--dry-run"]
    assert main(send) == 0
    assert "PDF turned off" in capsys.readouterr().err
    assert not (out / PERIOD / "pdf").exists()
    for eml in (tmp_path / "outbox" / PERIOD).glob("*.eml"):
        assert not any(name.endswith(".pdf") for name in _attachments(_read(eml)))
