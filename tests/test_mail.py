"""Emailing the reports, against a real SMTP server (aiosmtpd) with STARTTLS and a login.

A small authority of three teams is audited for real and its reports written; each test
sends through a server on 127.0.0.1 whose certificate is made here and trusted only through
the ``cafile`` setting. What arrived is parsed back and checked: a team's message goes to
that team's addresses only, carries that team's two files only, and holds no other team's
child ID in any part (attachments included, the workbook read cell by cell).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import io
import ipaddress
import json
import os
import re
import socket
import ssl
import stat
import subprocess
import sys
import threading
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from audit.errors import InputError, UsageError
from audit.history import History
from audit.mail import (
    OVERVIEW_KEY,
    EmailSettings,
    deliver,
    month_messages,
    subject_for,
    team_key,
    team_message,
)
from audit.mail.delivery import DeliveryReport, message_recipients
from audit.period import AuditPeriod
from audit.publish import write_run
from audit.reports import write_reports
from audit.reports.build import build_overview
from audit.reports.headline import Headline
from audit.reports.html import team_page_for_email
from audit.reports.model import Overview, Score
from audit.reports.pdf import BROWSER_ENV
from audit.reports.wording import plain as plain_words
from audit.run import audit

PERIOD = "2026-09"
MONTH = AuditPeriod.parse(PERIOD)
USER, PASSWORD, PASSWORD_ENV = "caseaudit", "correct horse battery staple", "CASEAUDIT_TEST_SMTP"
NORTH, SOUTH, EAST = "Referral and Assessment North", "Children in Care South", "Leaving Care East"
# Whole-token IDs, distinct per team, so a leak is a plain text match.
CHILDREN = {
    NORTH: ["CN101", "CN102", "CN103"],
    SOUTH: ["CS201", "CS202"],
    EAST: ["CE301", "CE302"],
}
WORKER = {NORTH: "WN1", SOUTH: "WS1", EAST: "WE1"}
RECIPIENTS = {
    NORTH: ["north.manager@council.example", "north.deputy@council.example"],
    SOUTH: ["south.manager@council.example"],
    # EAST has no recipients: the QA leads are told.
}
QA_LEAD = "qa.lead@council.example"


# ---------------------------------------------------------------- the month under audit


@dataclasses.dataclass
class Month:
    folder: Path
    overview: Overview
    placeholders: bool  # True when the report writers were not there to call


def _write_workbook(path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)

    def sheet(name: str, rows: list[list[object]]) -> None:
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)

    children = [["child_id", "allocated_team", "allocated_worker", "ethnicity"]]
    visits: list[list[object]] = [
        [
            "visit_id",
            "child_id",
            "visit_date",
            "worker_id",
            "visit_type",
            "child_seen",
            "seen_alone",
            "not_seen_alone_reason",
        ]
    ]
    # Per team: who is seen alone (Y), not recorded (None) or not alone without a reason.
    seen = {
        NORTH: ["Y", None, "N"],
        SOUTH: ["Y", "N"],
        EAST: ["Y", "Y"],
    }
    for team, ids in CHILDREN.items():
        for n, child in enumerate(ids):
            ethnicity = None if child == "CN103" else "WBRI"
            children.append([child, team, WORKER[team], ethnicity])
            reason = "n/a" if seen[team][n] == "N" else None
            day = dt.date(2026, 9, 3 + n)
            visits.append(
                [f"V{child}", child, day, WORKER[team], "statutory", "Y", seen[team][n], reason]
            )
    sheet("children", children)
    sheet("visits", visits)
    sheet(
        "workers",
        # Started this month: not yet due supervision (SUP02), so no worker actions.
        [["worker_id", "team", "worker_name", "start_date"]]
        + [[WORKER[t], t, f"Worker {WORKER[t]}", dt.date(2026, 9, 14)] for t in CHILDREN],
    )
    # A North worker's supervision about a South child: North's report must mask the child.
    sheet(
        "supervisions",
        [
            [
                "supervision_id",
                "supervision_date",
                "worker_id",
                "child_id",
                "case_discussion",
                "case_reflection",
                "worker_reflection",
                "actions",
            ],
            ["S1", dt.date(2026, 9, 10), "WN1", "CS202", None, None, None, None],
        ],
    )
    wb.save(path)


def _placeholders(overview: Overview, folder: Path) -> None:
    """Stand-ins for the report files when audit.reports cannot write them yet: only the
    attachment plumbing is under test then. Each holds its own team's action children."""
    (folder / "teams").mkdir(exist_ok=True)
    (folder / "index.html").write_text("<html><body>overview</body></html>")
    for team in overview.teams:
        ids = " ".join(c.child for c in team.actions)
        (folder / "teams" / f"{team.slug}.html").write_text(f"<html><body>{ids}</body></html>")
        wb = openpyxl.Workbook()
        for c in team.actions:
            wb.active.append([c.child])
        wb.save(folder / "teams" / f"{team.slug}.xlsx")


@pytest.fixture(scope="module")
def month(tmp_path_factory) -> Month:
    root = tmp_path_factory.mktemp("authority")
    _write_workbook(root / "export.xlsx")
    run = audit(root / "export.xlsx", AuditPeriod.parse(PERIOD))
    folder = write_run(run, root / "reports")
    try:
        overview = write_reports(run, folder)
        placeholders = False
    except ImportError:  # pragma: no cover - only while the report writers are missing
        overview = build_overview(run)
        _placeholders(overview, folder)
        placeholders = True
    return Month(folder, overview, placeholders)


def test_the_authority_has_what_the_mail_tests_rely_on(month):
    teams = {t.team: t for t in month.overview.teams}
    assert set(teams) == {NORTH, SOUTH, EAST}
    assert {c.child for c in teams[NORTH].actions} >= {"CN102", "CN103", "child in another team"}
    assert {c.child for c in teams[SOUTH].actions} == {"CS202"}
    assert teams[EAST].action_count == 0
    for team in teams.values():
        assert (month.folder / "teams" / f"{team.slug}.html").is_file()
        assert (month.folder / "teams" / f"{team.slug}.xlsx").is_file()


# ---------------------------------------------------------------- a real SMTP server


def _certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A throwaway CA and a server certificate for 127.0.0.1 signed by it (never committed)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "caseaudit test CA")])
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, False, False, False, False),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_file, cert_file, key_file = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_file.chmod(0o600)
    return ca_file, cert_file, key_file


@dataclasses.dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    tls: bool
    authenticated: bool

    @property
    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


class Inbox:
    """The server's handler: keeps what arrived; refuses or delays chosen addresses."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.refuse: set[str] = set()
        self.busy_once: set[str] = set()  # answered 451 the first time only
        self.slow_seconds = 0.0  # how long each message takes to be accepted

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        if address in self.busy_once:
            self.busy_once.discard(address)
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.slow_seconds)
        self.received.append(
            Received(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                envelope.original_content or envelope.content,
                session.ssl is not None,
                bool(session.authenticated),
            )
        )
        return "250 Message accepted"


def _authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclasses.dataclass
class Server:
    port: int
    inbox: Inbox
    cafile: Path


@pytest.fixture(scope="module")
def certs(tmp_path_factory) -> tuple[Path, Path, Path]:
    return _certificates(tmp_path_factory.mktemp("certs"))


@pytest.fixture
def server(certs):
    ca_file, cert_file, key_file = certs
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    inbox = Inbox()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=_free_port(),
        tls_context=context,
        require_starttls=True,
        authenticator=_authenticator,
        auth_required=True,
        auth_require_tls=True,
    )
    controller.start()
    try:
        yield Server(controller.port, inbox, ca_file)
    finally:
        controller.stop()


def _config(port: int, cafile: Path | None, outbox: Path, **overrides: object) -> dict:
    email: dict[str, object] = {
        "host": "127.0.0.1",
        "port": port,
        "security": "starttls",
        "username": USER,
        "password_env": PASSWORD_ENV,
        "sender": "caseaudit@council.example",
        "qa_leads": [QA_LEAD],
        "teams": {team: list(addresses) for team, addresses in RECIPIENTS.items()},
        "retries": 2,
        "backoff_seconds": 0.001,
        "timeout_seconds": 5,
        "outbox": str(outbox),
    }
    if cafile is not None:
        email["cafile"] = str(cafile)
    email.update(overrides)
    return {"email": email}


@pytest.fixture
def settings(server, tmp_path, monkeypatch) -> EmailSettings:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    return EmailSettings.from_config(_config(server.port, server.cafile, tmp_path / "outbox"))


@pytest.fixture
def history(tmp_path):
    with History.open(tmp_path / "history.sqlite") as opened:
        yield opened


def _teams(month: Month) -> dict[str, object]:
    return {t.team: t for t in month.overview.teams}


def _key(month: Month, team: str) -> str:
    return team_key(next(t for t in month.overview.teams if t.team == team))


# ---------------------------------------------------------------- reading what arrived


def _all_text(message: EmailMessage) -> str:
    """Headers and every part decoded: text as text, a workbook cell by cell."""
    chunks = [f"{k}: {v}" for k, v in message.items()]
    for part in message.walk():
        if part.is_multipart():
            continue
        chunks += [f"{k}: {v}" for k, v in part.items()]
        content = part.get_content()
        if part.get_content_type().endswith("spreadsheetml.sheet"):
            wb = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
            chunks += [
                str(cell)
                for ws in wb.worksheets
                for row in ws.iter_rows(values_only=True)
                for cell in row
                if cell is not None
            ]
        elif isinstance(content, bytes):
            chunks.append(content.decode("latin-1"))
        else:
            chunks.append(content)
    return "\n".join(chunks)


def _has_token(text: str, token: str) -> bool:
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(token)}(?![A-Za-z0-9])", text) is not None


def _attachments(message: EmailMessage) -> dict[str, bytes]:
    """File name -> the bytes sent, exactly."""
    return {
        part.get_filename(): part.get_payload(decode=True) for part in message.iter_attachments()
    }


def _by_recipient(inbox: Inbox) -> dict[str, list[EmailMessage]]:
    out: dict[str, list[EmailMessage]] = {}
    for received in inbox.received:
        assert received.tls and received.authenticated
        assert len(received.rcpt_tos) == 1  # one transaction per recipient
        out.setdefault(received.rcpt_tos[0], []).append(received.message)
    return out


# ---------------------------------------------------------------- the tests


def test_each_team_gets_only_its_own_report_and_the_qa_lead_the_overview(
    month, server, settings, history
):
    messages, without = month_messages(settings, month.overview, month.folder)
    assert without == [EAST]
    report = deliver(settings, messages, period=MONTH, log=history)

    assert report.exit_code == 0 and not report.failed and not report.skipped
    expected = {a for addresses in RECIPIENTS.values() for a in addresses} | {QA_LEAD}
    assert {d.recipient for d in report.sent} == expected
    arrived = _by_recipient(server.inbox)
    assert set(arrived) == expected and all(len(m) == 1 for m in arrived.values())

    teams = _teams(month)
    for team, addresses in RECIPIENTS.items():
        slug = teams[team].slug
        for address in addresses:
            message = arrived[address][0]
            # Addressed to this team only: no Cc, no Bcc, no QA lead, no other team.
            assert [a.addr_spec for a in message["To"].addresses] == addresses
            assert message["Cc"] is None and message["Bcc"] is None
            # A subject too long for the first line is folded whole onto the next; unfolding
            # leaves the fold's space in front, which mail clients drop too.
            subject = message["Subject"].lstrip()
            assert re.fullmatch(
                rf"Case-record audit, September 2026 - {re.escape(team)} - "
                r"(\d{1,3}% \((green|amber|red)\)|\d+ of \d+ met \(too few to rate\)|no data)",
                subject,
            ), subject
            assert message["Message-ID"] and message["Date"]
            files = _attachments(message)
            # No PDF: none was printed for this send (tests/test_pdf.py prints them).
            assert sorted(files) == sorted([f"{slug}.html", f"{slug}.xlsx"])
            assert files[f"{slug}.xlsx"] == (month.folder / "teams" / f"{slug}.xlsx").read_bytes()
            # The page as rendered for the inbox: the month's page less its links elsewhere.
            inbox_copy = team_page_for_email(month.overview, teams[team]).encode()
            assert files[f"{slug}.html"] == inbox_copy
            body = message.get_body(("plain",)).get_content()
            assert "Overall compliance:" in body and "Actions for the team:" in body
            if teams[team].actions:  # the children to put right first, in the body itself
                first = teams[team].actions[0]
                assert f"Fix first:\r\n  1. Child {first.child} ({first.actions[0].worker})" in body
                assert plain_words(first.actions[0].reason) in body  # reg 29 in words
            assert "SKIPPED" in body  # e.g. the plans rules: the export has no plans table
            html = message.get_body(("html",)).get_content()
            assert team in html

            text = _all_text(message)
            for other, ids in CHILDREN.items():
                for child in ids:
                    if other != team:
                        assert not _has_token(text, child), f"{child} of {other} in {team}'s mail"
            for child in teams[team].actions:  # its own children are there: decoding works
                if child.child in CHILDREN[team]:
                    assert _has_token(text, child.child), child.child

    overview = arrived[QA_LEAD][0]
    assert [a.addr_spec for a in overview["To"].addresses] == [QA_LEAD]
    assert list(_attachments(overview)) == ["overview.html"]
    assert (
        overview["Subject"]
        .lstrip()
        .startswith("Case-record audit, September 2026 - organisation overview - ")
    )
    plain = overview.get_body(("plain",)).get_content()
    assert "Teams with no recipients" in plain and EAST in plain

    for key, message in messages:
        for address in [a.addr_spec for a in message["To"].addresses]:
            assert history.was_delivered(MONTH, key, address)


def test_every_link_in_an_emailed_page_works_when_opened_from_the_inbox(month, settings):
    # An attachment is saved alone, so it may link only within itself: the workbook and the
    # other pages are named in words, and every link left goes to a place on the same page.
    messages, _ = month_messages(settings, month.overview, month.folder)
    pages = 0
    for key, message in messages:
        for name, content in _attachments(message).items():
            if not name.endswith(".html"):
                continue
            page = content.decode("utf-8")
            ids = set(re.findall(r'\sid="([^"]+)"', page))
            links = re.findall(r'\s(?:href|src|action)="([^"]*)"', page)
            assert links, f"{key}: {name} has no links at all (not the page expected)"
            broken = [href for href in links if not href.startswith("#") or href[1:] not in ids]
            assert broken == [], f"{key}: {name} links outside itself: {broken}"
            pages += 1
    assert pages == len(messages)  # every message attaches its page
    # The month's own pages (opened from the reports folder) still link to each other.
    assert 'href="../index.html"' in (month.folder / month.overview.teams[0].page).read_text()


def test_a_team_message_holds_that_teams_own_children(month, settings):
    # Positive control for the leak check above: the decoder does see child IDs.
    south = _teams(month)[SOUTH]
    text = _all_text(team_message(settings, month.overview, south, month.folder))
    assert _has_token(text, "CS202")
    assert not _has_token(text, "CN102") and not _has_token(text, "CE301")


def test_an_error_reason_reaches_the_qa_leads_but_not_the_teams(month, settings):
    # An exception message can quote a value from the data, such as another team's child.
    rule = dataclasses.replace(
        month.overview.rules[0], status="ERROR", reason="raised KeyError: 'CS202'"
    )
    overview = dataclasses.replace(month.overview, rules=[rule, *month.overview.rules[1:]])
    north = _teams(month)[NORTH]
    team_text = _all_text(team_message(settings, overview, north, month.folder))
    assert not _has_token(team_text, "CS202")
    assert f"{rule.code} " in team_text and "ERROR: raised KeyError; the QA leads have" in team_text
    messages, _ = month_messages(settings, overview, month.folder)
    qa = dict(messages)[OVERVIEW_KEY].get_body(("plain",)).get_content()
    assert "ERROR: raised KeyError: 'CS202'" in qa


def test_the_subject_gives_compliance_rag_and_change_or_no_data():
    amber = Score(met=87, not_met=13, compliance=0.87, rag="amber")
    down = Headline(amber, "↓", "down 4 points since August 2026", "across all 12 checks")
    assert subject_for(MONTH, NORTH, down) == (
        "Case-record audit, September 2026 - Referral and Assessment North - "
        "87% (amber), down 4 points since August 2026"
    )
    few = Headline(Score(3, 1, 0, 0.75, None), "", "", "")
    assert subject_for(MONTH, NORTH, few).endswith("North - 3 of 4 met (too few to rate)")
    empty = Headline(Score(), "", "", "")
    assert subject_for(MONTH, "East\r\nBcc: x@evil.example", empty) == (
        "Case-record audit, September 2026 - East Bcc: x@evil.example - no data"
    )


def test_team_names_are_escaped_in_the_html_body(month, server, tmp_path, monkeypatch):
    team = dataclasses.replace(_teams(month)[SOUTH], team="<script>alert(1)</script> & Co")
    config = _config(server.port, server.cafile, tmp_path / "outbox")
    config["email"]["teams"] = {team.team: ["south.manager@council.example"]}
    settings = EmailSettings.from_config(config)
    message = team_message(settings, month.overview, team, month.folder)
    html = message.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in html


def test_a_second_send_skips_everything_and_resend_sends_again(month, server, settings, history):
    messages, _ = month_messages(settings, month.overview, month.folder)
    first = deliver(settings, messages, period=MONTH, log=history)
    count = len(server.inbox.received)
    assert count == len(first.sent) == 4

    again = deliver(settings, messages, period=MONTH, log=history)
    assert not again.sent and len(again.skipped) == 4 and again.exit_code == 0
    assert all("already delivered" in (d.reason or "") for d in again.skipped)
    assert len(server.inbox.received) == count

    resent = deliver(settings, messages, period=MONTH, log=history, resend=True)
    assert len(resent.sent) == 4 and not resent.skipped
    assert len(server.inbox.received) == 2 * count


def test_one_refused_recipient_does_not_stop_the_others(month, server, settings, history):
    server.inbox.refuse = {"north.deputy@council.example"}
    messages, _ = month_messages(settings, month.overview, month.folder)
    report = deliver(settings, messages, period=MONTH, log=history)

    assert report.exit_code == 4
    assert [(d.recipient, d.report_key) for d in report.failed] == [
        ("north.deputy@council.example", _key(month, NORTH))
    ]
    assert "550" in (report.failed[0].reason or "")
    assert {d.recipient for d in report.sent} == {
        "north.manager@council.example",
        "south.manager@council.example",
        QA_LEAD,
    }
    assert set(_by_recipient(server.inbox)) == {d.recipient for d in report.sent}
    assert not history.was_delivered(MONTH, _key(month, NORTH), "north.deputy@council.example")
    assert history.was_delivered(MONTH, _key(month, NORTH), "north.manager@council.example")
    assert any("FAILED" in line and "550" in line for line in report.lines())


def test_a_temporary_refusal_is_retried(month, server, settings, history):
    server.inbox.busy_once = {"south.manager@council.example"}
    messages, _ = month_messages(settings, month.overview, month.folder)
    report = deliver(settings, messages, period=MONTH, log=history)
    assert report.exit_code == 0 and len(report.sent) == 4
    assert "south.manager@council.example" in _by_recipient(server.inbox)


def test_a_server_that_is_down_fails_clearly_and_nothing_is_recorded_as_sent(
    month, tmp_path, monkeypatch, history, certs
):
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    closed = _free_port()  # bound then released: nothing listens there
    settings = EmailSettings.from_config(_config(closed, certs[0], tmp_path / "outbox"))
    messages, _ = month_messages(settings, month.overview, month.folder)

    started = time.perf_counter()
    report = deliver(settings, messages, period=MONTH, log=history)
    assert time.perf_counter() - started < 5

    assert report.exit_code == 4 and not report.sent and len(report.failed) == 4
    assert f"could not connect to 127.0.0.1:{closed}" in (report.failed[0].reason or "")
    assert "gave up after 3 tries" in (report.failed[0].reason or "")
    assert all(f"127.0.0.1:{closed}" in (d.reason or "") for d in report.failed)
    for key, message in messages:
        for address in [a.addr_spec for a in message["To"].addresses]:
            assert not history.was_delivered(MONTH, key, address)


def test_a_wrong_password_sends_nothing(month, server, settings, history, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, "wrong")
    messages, _ = month_messages(settings, month.overview, month.folder)
    report = deliver(settings, messages, period=MONTH, log=history)
    assert report.exit_code == 4 and not report.sent and not server.inbox.received
    assert "refused the login for 'caseaudit'" in (report.failed[0].reason or "")


def test_an_untrusted_certificate_sends_nothing(month, server, tmp_path, history, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    # Without cafile only the system's CAs are trusted, and they did not sign the test server.
    settings = EmailSettings.from_config(_config(server.port, None, tmp_path / "outbox"))
    messages, _ = month_messages(settings, month.overview, month.folder)
    report = deliver(settings, messages, period=MONTH, log=history)
    assert report.exit_code == 4 and not report.sent and not server.inbox.received
    assert "certificate verify failed" in (report.failed[0].reason or "")


def test_a_missing_password_variable_stops_before_sending(month, server, settings, monkeypatch):
    monkeypatch.delenv(PASSWORD_ENV)
    messages, _ = month_messages(settings, month.overview, month.folder)
    with pytest.raises(UsageError, match=f"environment variable {PASSWORD_ENV}, which is not set"):
        deliver(settings, messages, period=MONTH, log=_MemoryLog())
    assert not server.inbox.received


def test_a_dry_run_writes_the_outbox_and_sends_nothing(month, server, settings, history):
    messages, _ = month_messages(settings, month.overview, month.folder)
    report = deliver(settings, messages, period=MONTH, log=history, dry_run=True)

    assert report.exit_code == 0 and not report.sent and not report.failed
    assert not server.inbox.received
    folder = settings.outbox / PERIOD
    expected = {f"team-{_teams(month)[t].slug}.eml" for t in RECIPIENTS} | {"overview.eml"}
    assert {p.name for p in folder.iterdir()} == expected == {p.name for p in report.written}
    for path in (settings.outbox, folder):
        assert stat.S_IMODE(path.stat().st_mode) == 0o700
    for path in folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    south = message_from_bytes(
        (folder / f"team-{_teams(month)[SOUTH].slug}.eml").read_bytes(), policy=policy.default
    )
    assert south["To"] == "south.manager@council.example"
    assert sorted(_attachments(south)) == sorted(
        [f"{_teams(month)[SOUTH].slug}.html", f"{_teams(month)[SOUTH].slug}.xlsx"]
    )
    assert "pdf" not in south.get_body(("plain",)).get_content().lower()  # none was printed
    for key, message in messages:
        for address in [a.addr_spec for a in message["To"].addresses]:
            assert not history.was_delivered(MONTH, key, address)


def test_a_missing_team_file_is_a_clear_error(month, settings, tmp_path):
    folder = tmp_path / "incomplete"
    (folder / "teams").mkdir(parents=True)
    south = _teams(month)[SOUTH]
    (folder / "teams" / f"{south.slug}.html").write_text("<p>report</p>")
    with pytest.raises(InputError, match=rf"{south.slug}\.xlsx not found"):
        team_message(settings, month.overview, south, folder)


def test_overview_key_is_distinct_from_team_keys(month):
    assert OVERVIEW_KEY not in {team_key(t) for t in month.overview.teams}


# ---------------------------------------------------------------- configuration


class _MemoryLog:
    def __init__(self) -> None:
        self.rows: list[tuple[AuditPeriod, str, str, str | None, str, str | None]] = []

    def delivery_state(self, period: AuditPeriod, report_key: str, recipient: str) -> str | None:
        states = {r[4] for r in self.rows if r[:3] == (period, report_key, recipient)}
        return "sent" if "sent" in states else "unknown" if "unknown" in states else None

    def record_delivery(self, period, report_key, recipient, message_id, status, error=None):
        self.rows.append((period, report_key, recipient, message_id, status, error))


def _minimal(**email: object) -> dict:
    base: dict[str, object] = {
        "host": "smtp.council.example",
        "sender": "caseaudit@council.example",
        "qa_leads": [QA_LEAD],
    }
    base.update(email)
    return {"email": base}


def test_defaults():
    settings = EmailSettings.from_config(_minimal())
    assert (settings.port, settings.security, settings.retries) == (587, "starttls", 3)
    assert (settings.backoff_seconds, settings.timeout_seconds) == (2.0, 30.0)
    assert settings.outbox == Path("reports/outbox") and settings.cafile is None
    assert settings.username is None and settings.password() is None and dict(settings.teams) == {}


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ({"hots": "x"}, "unknown key 'hots'. Valid keys: host, port, security,"),
        ({"password": "secret"}, "never put the password in the config"),
        ({"username": "u"}, "username is set but email.password_env is not"),
        ({"username": "u", "password_env": "not a name"}, "name of an environment variable"),
        ({"security": "ssl"}, "security must be one of starttls, tls, none"),
        ({"security": "none"}, "only for a relay on this machine"),
        ({"port": "25"}, "email.port must be a whole number"),
        ({"retries": -1}, "email.retries must be a whole number"),
        ({"qa_leads": []}, "qa_leads must list at least one address"),
        ({"qa_leads": ["qa@x.example\r\nBcc: evil@x.example"]}, "is not an email address"),
        ({"teams": {NORTH: ["Manager <m@x.example>"]}}, "is not an email address"),
        ({"teams": [NORTH]}, "email.teams must be a table"),
    ],
)
def test_bad_settings_name_the_key(email, message):
    with pytest.raises(UsageError, match=re.escape(message)):
        EmailSettings.from_config(_minimal(**email))


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST", "127.0.0.1", "127.8.9.10", "::1"])
def test_plain_smtp_is_allowed_to_a_relay_on_this_machine(host):
    assert EmailSettings.from_config(_minimal(host=host, security="none")).security == "none"


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1.evil.example",  # a name anyone can register that only looks like loopback
        "127.evil.example",
        "localhost.evil.example",
        "127.0.0.1:25",
        "0.0.0.0",
        "10.0.0.25",
        "::ffff:10.0.0.25",
    ],
)
def test_plain_smtp_is_refused_for_anything_but_a_literal_loopback_address(host):
    with pytest.raises(UsageError, match="only for a relay on this machine"):
        EmailSettings.from_config(_minimal(host=host, security="none"))


def test_a_missing_email_table_or_required_key_is_named():
    with pytest.raises(UsageError, match=r"no \[email\] table"):
        EmailSettings.from_config({})
    with pytest.raises(UsageError, match="'sender' is required"):
        EmailSettings.from_config({"email": {"host": "h", "qa_leads": [QA_LEAD]}})


def test_relative_paths_are_read_from_the_config_folder(tmp_path):
    settings = EmailSettings.from_config(_minimal(cafile="ca.pem"), base=tmp_path)
    assert settings.cafile == tmp_path / "ca.pem" and settings.outbox == tmp_path / "reports/outbox"
    with pytest.raises(UsageError, match=r"email\.cafile .* not found"):
        settings.ssl_context()


def _toml(config: dict) -> str:
    """The config dict as audit.toml (JSON scalars and lists are valid TOML values)."""
    email = dict(config["email"])
    teams = email.pop("teams")
    lines = ["[email]", *(f"{key} = {json.dumps(value)}" for key, value in email.items())]
    lines += [
        "",
        "[email.teams]",
        *(f"{json.dumps(t)} = {json.dumps(a)}" for t, a in teams.items()),
    ]
    return "\n".join(lines) + "\n"


def test_run_with_email_then_send_as_a_scheduler_would(server, tmp_path, monkeypatch, capsys):
    from audit.cli import main

    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    monkeypatch.setenv(BROWSER_ENV, "none")  # printing PDFs is tests/test_pdf.py's
    export = tmp_path / "export.xlsx"
    _write_workbook(export)
    config = tmp_path / "audit.toml"
    config.write_text(_toml(_config(server.port, server.cafile, tmp_path / "outbox")))
    out = tmp_path / "reports"
    run = ["run", str(export), "--period", PERIOD, "--config", str(config), "--out", str(out)]

    assert main([*run, "--email"]) == 0
    first = len(server.inbox.received)
    expected = {a for addresses in RECIPIENTS.values() for a in addresses} | {QA_LEAD}
    assert {r for m in server.inbox.received for r in m.rcpt_tos} == expected
    # The send log stops a second scheduled firing from emailing anyone twice...
    send = ["send", "--period", PERIOD, "--config", str(config), "--out", str(out)]
    assert main(send) == 0
    assert len(server.inbox.received) == first
    assert "already delivered" in capsys.readouterr().out
    # ...unless asked to resend.
    assert main([*send, "--resend"]) == 0
    assert len(server.inbox.received) == 2 * first


def test_send_exits_4_when_the_server_is_down(month, tmp_path, monkeypatch, capsys):
    from audit.cli import main

    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    monkeypatch.setenv(BROWSER_ENV, "none")
    config = tmp_path / "audit.toml"
    config.write_text(_toml(_config(_free_port(), None, tmp_path / "outbox")))
    out = month.folder.parent
    assert main(["send", "--period", PERIOD, "--config", str(config), "--out", str(out)]) == 4
    assert "failed" in capsys.readouterr().out


def test_send_without_an_email_section_is_a_usage_error(month, tmp_path):
    from audit.cli import main

    config = tmp_path / "audit.toml"
    config.write_text("show_names = false\n")
    code = main(
        ["send", "--period", PERIOD, "--config", str(config), "--out", str(month.folder.parent)]
    )
    assert code == 2


# ---------------------------------------------------------------- servers that misbehave on purpose


class Misbehaving:
    """An SMTP server on 127.0.0.1 that misbehaves on purpose, one thread a connection.

    ``drip``: the greeting never ends, one byte every 0.2 s (a socket timeout never fires);
    ``silent``: accepts the connection and says nothing; ``drop_after_data``: speaks SMTP,
    takes the whole message, then closes the connection without answering it.
    """

    def __init__(self, behaviour: str) -> None:
        self.behaviour = getattr(self, f"_{behaviour}")
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.port = int(self.listener.getsockname()[1])
        self.stopping = threading.Event()
        self.taken: list[str] = []  # each recipient a whole message was taken for
        self.connections: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections.append(conn)
            threading.Thread(target=self.behaviour, args=(conn,), daemon=True).start()

    def _drip(self, conn: socket.socket) -> None:
        with contextlib.suppress(OSError):
            conn.sendall(b"220")
            while not self.stopping.wait(0.2):
                conn.sendall(b"-")

    def _silent(self, conn: socket.socket) -> None:
        self.stopping.wait()

    def _drop_after_data(self, conn: socket.socket) -> None:
        with contextlib.suppress(OSError), conn.makefile("rb") as rfile:
            conn.sendall(b"220 127.0.0.1 ESMTP\r\n")
            recipients: list[str] = []
            while line := rfile.readline():
                verb = line[:4].upper()
                if verb == b"DATA":
                    conn.sendall(b"354 go ahead\r\n")
                    while rfile.readline() not in (b".\r\n", b""):
                        pass
                    self.taken += recipients
                    conn.shutdown(socket.SHUT_RDWR)  # took it all; never says so
                    return
                if verb == b"RCPT":
                    recipients.append(line.split(b"<", 1)[1].split(b">", 1)[0].decode())
                conn.sendall(b"221 bye\r\n" if verb == b"QUIT" else b"250 OK\r\n")

    def stop(self) -> None:
        self.stopping.set()
        self.listener.close()
        for conn in self.connections:
            with contextlib.suppress(OSError):
                conn.close()


@pytest.fixture
def misbehaving():
    started: list[Misbehaving] = []

    def start(behaviour: str) -> Misbehaving:
        started.append(Misbehaving(behaviour))
        return started[-1]

    yield start
    for server in started:
        server.stop()


def _plain(port: int, tmp_path: Path, **overrides: object) -> EmailSettings:
    """Plain SMTP to a local test server, no login; short deadlines keep the tests fast."""
    config = _config(port, None, tmp_path / "outbox", security="none", **overrides)
    for key in ("username", "password_env"):
        del config["email"][key]
    return EmailSettings.from_config(config)


def _deliver_within(
    seconds: float, settings: EmailSettings, messages: Any, history: History
) -> tuple[DeliveryReport, float]:
    """``deliver`` in a thread, so a send that hangs fails the test instead of hanging it.
    The thread opens the history file itself (an SQLite connection stays in its thread)."""
    done: list[DeliveryReport | BaseException] = []

    def send() -> None:
        try:
            with History.open(history.path) as log:
                done.append(deliver(settings, messages, period=MONTH, log=log))
        except BaseException as exc:  # shown by the assertion below
            done.append(exc)

    started = time.monotonic()
    worker = threading.Thread(target=send, daemon=True)
    worker.start()
    worker.join(seconds)
    assert done, f"the send was still going after {seconds} s"
    assert isinstance(done[0], DeliveryReport), done[0]
    return done[0], time.monotonic() - started


@pytest.mark.parametrize("behaviour", ["drip", "silent"])
def test_a_server_that_hangs_is_given_up_at_the_delivery_deadline(
    behaviour, month, misbehaving, tmp_path, history
):
    server = misbehaving(behaviour)
    # A 30 s socket timeout, as configured by default: only the deadline can end this early.
    settings = _plain(server.port, tmp_path, timeout_seconds=30, delivery_deadline_seconds=1)
    messages, _ = month_messages(settings, month.overview, month.folder)
    report, took = _deliver_within(20, settings, messages, history)
    assert took < 5
    assert report.exit_code == 4 and not report.sent and len(report.failed) == 4
    assert "within the delivery deadline of 1 s" in (report.failed[0].reason or "")
    assert all(not history.was_delivered(MONTH, d.report_key, d.recipient) for d in report.failed)


def test_the_whole_send_stops_at_the_send_deadline(month, server, settings, history):
    server.inbox.slow_seconds = 0.6  # every message is taken, slowly
    settings = dataclasses.replace(settings, send_deadline_seconds=1.0)
    messages, _ = month_messages(settings, month.overview, month.folder)
    report, took = _deliver_within(20, settings, messages, history)
    assert took < 3
    assert 1 <= len(report.sent) < 4
    assert len(report.sent) + len(report.unknown) + len(report.failed) == 4
    # The message being taken when the deadline cut in may have arrived: unknown, not failed.
    assert len(report.unknown) <= 1 and report.failed
    assert "send deadline of 1 s" in (report.failed[-1].reason or "")
    assert report.exit_code == 4


def test_a_message_the_server_took_but_never_answered_is_unknown_and_not_sent_again(
    month, misbehaving, tmp_path, history, capsys
):
    server = misbehaving("drop_after_data")
    settings = _plain(server.port, tmp_path, retries=2)
    messages, _ = month_messages(settings, month.overview, month.folder)
    report = deliver(settings, messages, period=MONTH, log=history)
    recipients = sorted({a for _key, m in messages for a in message_recipients(m)})
    # Each recipient got the message once: an unanswered DATA is not retried...
    assert sorted(server.taken) == recipients
    assert len(report.unknown) == 4 and not report.sent and not report.failed
    assert report.exit_code == 4
    assert any("UNKNOWN" in line and "--resend" in line for line in report.lines())
    assert {history.delivery_state(MONTH, d.report_key, d.recipient) for d in report.unknown} == {
        "unknown"
    }
    # ...nor sent again by the next run, which says why...
    again = deliver(settings, messages, period=MONTH, log=history)
    assert sorted(server.taken) == recipients and len(again.skipped) == 4
    assert "may have been delivered" in (again.skipped[0].reason or "")
    # ...unless the QA lead, having checked, asks for it.
    deliver(settings, messages, period=MONTH, log=history, resend=True)
    assert sorted(server.taken) == sorted(recipients * 2)


def test_a_dripping_server_cannot_keep_caseaudit_and_its_lock_alive(month, misbehaving, tmp_path):
    server = misbehaving("drip")
    config = tmp_path / "audit.toml"
    email = _config(server.port, None, tmp_path / "outbox", security="none")
    for key in ("username", "password_env"):
        del email["email"][key]
    email["email"].update(delivery_deadline_seconds=1, send_deadline_seconds=2)
    config.write_text(_toml(email))
    started = time.monotonic()
    done = subprocess.run(
        [
            sys.executable, "-m", "audit.cli", "send", "--period", PERIOD,
            "--config", str(config), "--out", str(month.folder.parent),
        ],
        capture_output=True, text=True, timeout=60,
        env={**os.environ, BROWSER_ENV: "none"},  # the deadline is for the server alone
    )  # fmt: skip
    assert done.returncode == 4, done.stderr
    assert time.monotonic() - started < 30  # interpreter start-up included
    assert "within the delivery deadline of 1 s" in done.stdout


def test_an_outbox_beside_the_config_is_shown_without_dot_dot(tmp_path, monkeypatch):
    # sample_cases/demo.toml says outbox = "../reports/outbox": the send summary names the
    # folder as a person would write it, not "sample_cases/../reports/outbox".
    (tmp_path / "sample_cases").mkdir()
    monkeypatch.chdir(tmp_path)
    config = _config(2525, None, Path("../out"))
    settings = EmailSettings.from_config(config, base=Path("sample_cases"))
    assert settings.outbox == Path("out")
