"""Emailing the month's reports: each team manager gets their own team's report, and nothing else.

A team's message is addressed only to the addresses configured for that team and carries
only that team's two files (``teams/<slug>.html`` and ``teams/<slug>.xlsx``); its body holds
figures, never a child's ID. The QA leads get the organisation overview (``index.html``)
and the list of teams that have nobody to send to, so a missing or misspelt team in the
config is seen rather than silently leaving a team without its report.

Sending is per recipient and recorded in the delivery log, so a second run skips what was
already delivered (``resend`` sends again), one refused address does not stop the others,
and a server that cannot be reached leaves nothing recorded as sent. Connections are
encrypted and the server's certificate verified; the password is read from the environment
variable the config names, never from the config itself.

Configuration, in the ``[email]`` table of ``audit.toml``::

    [email]
    host = "smtp.example.gov.uk"
    port = 587                      # default 587
    security = "starttls"           # "starttls" (default), "tls", or "none" (loopback only)
    username = "caseaudit"          # optional
    password_env = "CASEAUDIT_SMTP_PASSWORD"   # the environment variable holding it
    sender = "caseaudit@example.gov.uk"
    qa_leads = ["qa.lead@example.gov.uk"]
    retries = 3                     # default 3
    backoff_seconds = 2.0           # default 2.0, doubled after each try
    timeout_seconds = 30            # default 30
    outbox = "reports/outbox"       # where --dry-run writes .eml files
    cafile = "certs/relay-ca.pem"   # optional: trust this CA instead of the system's

    [email.teams]
    "Referral and Assessment North" = ["ra.north.manager@example.gov.uk"]
"""

from __future__ import annotations

import contextlib
import os
import re
import smtplib
import ssl
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, make_msgid
from pathlib import Path
from types import MappingProxyType
from typing import Any, Protocol

from jinja2 import Environment, StrictUndefined

from audit.engine.runner import ERROR, compliance
from audit.errors import InputError, UsageError
from audit.output import open_private, private_dir
from audit.period import AuditPeriod
from audit.reports.model import RAG_LABELS, Overview, Score, TeamReport, rag

EMAIL_KEYS = (
    "host",
    "port",
    "security",
    "username",
    "password_env",
    "sender",
    "qa_leads",
    "teams",
    "retries",
    "backoff_seconds",
    "timeout_seconds",
    "outbox",
    "cafile",
)
SECURITY_MODES = ("starttls", "tls", "none")
OVERVIEW_KEY = "overview"
SENT, FAILED = "sent", "failed"
DELIVERY_FAILED_EXIT = 4

XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# A bare address: no display name, no white space or control characters, one "@".
_ADDRESS = re.compile(r"[^@\s<>()\[\],;:\"\\\x00-\x1f\x7f]+@[^@\s<>()\[\],;:\"\\\x00-\x1f\x7f]+")
_LOOPBACK = ("localhost", "127.0.0.1", "::1")
_CLOSED_LOOP_NOTE = (
    "These files hold case details of your team's children only. Keep them in secure "
    "storage and do not forward them outside the team."
)


# ---------------------------------------------------------------- settings


@dataclass(frozen=True)
class EmailSettings:
    """The ``[email]`` table, checked. Holds the password's variable name, never the password."""

    host: str
    sender: str
    qa_leads: tuple[str, ...]
    teams: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    port: int = 587
    security: str = "starttls"
    username: str | None = None
    password_env: str | None = None
    retries: int = 3
    backoff_seconds: float = 2.0
    timeout_seconds: float = 30.0
    outbox: Path = Path("reports/outbox")
    cafile: Path | None = None

    @classmethod
    def from_config(cls, raw: Mapping[str, Any], base: Path | None = None) -> EmailSettings:
        """Settings from the whole parsed config file (its ``[email]`` table).

        ``base`` is the folder relative ``outbox`` and ``cafile`` paths are read from (the
        config file's folder); without it they are relative to the working directory.
        """
        table = raw.get("email")
        if table is None:
            raise UsageError(
                "the config has no [email] table; it needs at least host, sender and qa_leads"
            )
        if not isinstance(table, Mapping):
            raise UsageError("[email] must be a table")
        if "password" in table:
            raise UsageError(
                "[email]: never put the password in the config; set it in an environment "
                "variable and name that variable in password_env"
            )
        for key in table:
            if key not in EMAIL_KEYS:
                raise UsageError(
                    f"[email]: unknown key '{key}'. Valid keys: {', '.join(EMAIL_KEYS)}"
                )
        for key in ("host", "sender", "qa_leads"):
            if key not in table:
                raise UsageError(
                    f"[email]: '{key}' is required. Valid keys: {', '.join(EMAIL_KEYS)}"
                )

        def path(key: str, value: Any) -> Path:
            text = _text(key, value)
            p = Path(text)
            return base / p if base is not None and not p.is_absolute() else p

        host = _text("host", table["host"])
        security = _text("security", table.get("security", "starttls"))
        if security not in SECURITY_MODES:
            raise UsageError(
                f"email.security must be one of {', '.join(SECURITY_MODES)}, got {security!r}"
            )
        if security == "none" and host.lower() not in _LOOPBACK and not host.startswith("127."):
            raise UsageError(
                f'email.security = "none" is only for a relay on this machine (localhost); '
                f"{host!r} needs starttls or tls"
            )
        username = _text("username", table["username"]) if "username" in table else None
        password_env = (
            _text("password_env", table["password_env"]) if "password_env" in table else None
        )
        if password_env is not None and not _ENV_NAME.fullmatch(password_env):
            raise UsageError(
                f"email.password_env must be the name of an environment variable, "
                f"got {password_env!r}"
            )
        if username is not None and password_env is None:
            raise UsageError(
                "email.username is set but email.password_env is not: name the environment "
                "variable that holds the password"
            )
        if username is not None and security == "none":
            raise UsageError(
                'email.security = "none" would send the password unencrypted; '
                "use starttls or tls with a username"
            )
        teams_raw = table.get("teams", {})
        if not isinstance(teams_raw, Mapping):
            raise UsageError("email.teams must be a table of team name = [addresses]")
        teams = {
            str(team): _addresses(f"email.teams.{team!r}", addresses)
            for team, addresses in teams_raw.items()
        }
        qa_leads = _addresses("email.qa_leads", table["qa_leads"])
        if not qa_leads:
            raise UsageError("email.qa_leads must list at least one address")
        return cls(
            host=host,
            sender=_address("email.sender", table["sender"]),
            qa_leads=qa_leads,
            teams=MappingProxyType(teams),
            port=_int("port", table.get("port", 587), 1, 65535),
            security=security,
            username=username,
            password_env=password_env,
            retries=_int("retries", table.get("retries", 3), 0, 10),
            backoff_seconds=_number("backoff_seconds", table.get("backoff_seconds", 2.0), 0.0),
            timeout_seconds=_number("timeout_seconds", table.get("timeout_seconds", 30), 0.001),
            outbox=path("outbox", table.get("outbox", "reports/outbox")),
            cafile=path("cafile", table["cafile"]) if "cafile" in table else None,
        )

    def recipients_for(self, team: str) -> tuple[str, ...]:
        return self.teams.get(team, ())

    def password(self) -> str | None:
        """The password from the environment, or None when no username is configured."""
        if self.username is None:
            return None
        assert self.password_env is not None  # from_config guarantees it
        value = os.environ.get(self.password_env)
        if not value:
            raise UsageError(
                f"the email password is read from the environment variable "
                f"{self.password_env}, which is not set"
            )
        return value

    def ssl_context(self) -> ssl.SSLContext:
        """Verifies the server's certificate and host name; trusts ``cafile`` when given."""
        if self.cafile is not None and not self.cafile.is_file():
            raise UsageError(f"email.cafile {self.cafile} not found")
        return ssl.create_default_context(cafile=str(self.cafile) if self.cafile else None)


def _text(key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise UsageError(f"email.{key} must be text, got {value!r}")
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise UsageError(f"email.{key} must not contain control characters or line breaks")
    return value.strip()


def _int(key: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise UsageError(f"email.{key} must be a whole number from {low} to {high}, got {value!r}")
    return value


def _number(key: str, value: Any, low: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < low:
        raise UsageError(f"email.{key} must be a number of at least {low:g}, got {value!r}")
    return float(value)


def _address(where: str, value: Any) -> str:
    if not isinstance(value, str) or not _ADDRESS.fullmatch(value.strip()):
        raise UsageError(f"{where}: {value!r} is not an email address (name@example.gov.uk)")
    return value.strip()


def _addresses(where: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple):
        raise UsageError(f"{where} must be a list of email addresses, got {value!r}")
    found: list[str] = []
    for item in value:
        address = _address(where, item)
        if address.lower() not in (a.lower() for a in found):
            found.append(address)
    return tuple(found)


# ---------------------------------------------------------------- messages


_ENV = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)

_TEAM_HTML = _ENV.from_string(
    """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{ subject }}</title></head>
<body style="font-family: Arial, sans-serif; color: #1d1d1d; line-height: 1.4">
<h1 style="font-size: 1.3em">Case-file audit, {{ month }}: {{ team.team }}</h1>
<p><strong>Overall compliance: {{ figure(team.overall) }}</strong></p>
{% if recommendations %}
<table style="border-collapse: collapse" cellpadding="4">
<caption style="text-align: left; font-weight: bold">By recommendation</caption>
<thead><tr><th scope="col" align="left">Recommendation</th>
<th scope="col" align="left">Compliance</th></tr></thead>
<tbody>
{% for key, title, score in recommendations %}
<tr><td>({{ key }}) {{ title }}</td><td>{{ figure(score) }}</td></tr>
{% endfor %}
</tbody></table>
{% endif %}
<p>Actions for the team: <strong>{{ team.action_count }}</strong>
{%- if team.actions %} (for {{ team.actions | length }} {{ "child" if team.actions | length == 1
else "children" }}){% endif %}.</p>
{% if not_ran %}
<h2 style="font-size: 1.1em">Not checked this month</h2>
<ul>
{% for code, title, status, reason in not_ran %}
<li>{{ code }} {{ title }} — {{ status }}{% if reason %}: {{ reason }}{% endif %}</li>
{% endfor %}
</ul>
{% endif %}
<p>Attached: {{ files | join(" and ") }}.</p>
<p><em>{{ note }}</em></p>
</body></html>
"""
)

_OVERVIEW_HTML = _ENV.from_string(
    """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{ subject }}</title></head>
<body style="font-family: Arial, sans-serif; color: #1d1d1d; line-height: 1.4">
<h1 style="font-size: 1.3em">Case-file audit, {{ month }}: organisation overview</h1>
<p><strong>Overall compliance: {{ figure(overall) }}</strong></p>
<table style="border-collapse: collapse" cellpadding="4">
<thead><tr><th scope="col" align="left">Team</th><th scope="col" align="left">Compliance</th>
<th scope="col" align="right">Actions</th><th scope="col" align="left">Emailed to</th></tr></thead>
<tbody>
{% for team in overview.teams %}
<tr><td>{{ team.team }}</td><td>{{ figure(team.overall) }}</td>
<td align="right">{{ team.action_count }}</td>
<td>{{ recipients(team.team) | join(", ") or "nobody: no recipients configured" }}</td></tr>
{% endfor %}
</tbody></table>
{% if without %}
<h2 style="font-size: 1.1em">Teams with no recipients (their report was not emailed)</h2>
<ul>{% for team in without %}<li>{{ team }}</li>{% endfor %}</ul>
{% endif %}
{% if unknown %}
<h2 style="font-size: 1.1em">Teams in the email config with no report this month</h2>
<p>Check the spelling against the team names in the data.</p>
<ul>{% for team in unknown %}<li>{{ team }}</li>{% endfor %}</ul>
{% endif %}
{% if not_ran %}
<h2 style="font-size: 1.1em">Not checked this month</h2>
<ul>
{% for code, title, status, reason in not_ran %}
<li>{{ code }} {{ title }} — {{ status }}{% if reason %}: {{ reason }}{% endif %}</li>
{% endfor %}
</ul>
{% endif %}
<p>Attached: index.html (the organisation overview).</p>
</body></html>
"""
)


def figure(score: Score) -> str:
    """``87% (amber) — 26 met, 4 not met``, or ``no data``."""
    if score.compliance is None:
        return "no data"
    return (
        f"{score.percent} ({RAG_LABELS[score.rag].lower()}) — "
        f"{score.met} met, {score.not_met} not met"
    )


def subject_for(period: str, name: str, score: Score) -> str:
    headline = (
        "no data"
        if score.compliance is None
        else f"{score.percent} ({RAG_LABELS[score.rag].lower()})"
    )
    return f"Case-file audit {period} — {_one_line(name)} — {headline}"


def team_key(team: TeamReport) -> str:
    """The delivery log's name for a team's report."""
    return f"team:{team.slug}"


def team_files(team: TeamReport, month_folder: Path) -> list[Path]:
    return [
        month_folder / "teams" / f"{team.slug}.html",
        month_folder / "teams" / f"{team.slug}.xlsx",
    ]


def team_message(
    settings: EmailSettings, overview: Overview, team: TeamReport, month_folder: Path
) -> EmailMessage:
    """The team's figures and its two files, addressed only to the team's recipients."""
    recipients = settings.recipients_for(team.team)
    if not recipients:
        raise UsageError(f"no email recipients configured for team {team.team!r}")
    subject = subject_for(overview.period, team.team, team.overall)
    files = team_files(team, month_folder)
    recommendations = [
        (key, overview.recommendations.get(key, key), team.recommendation_scores[key])
        for key in overview.recommendations
        if key in team.recommendation_scores
    ]
    lines = [
        f"Case-file audit, {_month(overview.period)}: {_one_line(team.team)}",
        "",
        f"Overall compliance: {figure(team.overall)}",
    ]
    if recommendations:
        lines += ["", "By recommendation:"]
        lines += [f"  ({key}) {title}: {figure(score)}" for key, title, score in recommendations]
    children = len(team.actions)
    lines += [
        "",
        f"Actions for the team: {team.action_count}"
        + (f" (for {children} {'child' if children == 1 else 'children'})" if children else ""),
    ]
    lines += _not_ran_lines(overview, for_team=True)
    lines += ["", f"Attached: {' and '.join(f.name for f in files)}.", "", _CLOSED_LOOP_NOTE]
    html = _TEAM_HTML.render(
        subject=subject,
        month=_month(overview.period),
        team=team,
        figure=figure,
        recommendations=recommendations,
        not_ran=_not_ran(overview, for_team=True),
        files=[f.name for f in files],
        note=_CLOSED_LOOP_NOTE,
    )
    message = _message(settings, recipients, subject, "\n".join(lines) + "\n", html)
    for path in files:
        _attach(message, path)
    return message


def overview_message(
    settings: EmailSettings,
    overview: Overview,
    month_folder: Path,
    teams_without_recipients: Sequence[str],
) -> EmailMessage:
    """The organisation overview for the QA leads, naming the teams nobody was sent."""
    totals = Score(
        met=sum(s.met for s in overview.rule_totals.values()),
        not_met=sum(s.not_met for s in overview.rule_totals.values()),
    )
    rate = compliance(totals.met, totals.not_met)
    overall = Score(
        met=totals.met,
        not_met=totals.not_met,
        compliance=rate,
        rag=rag(rate, overview.green, overview.amber),
    )
    in_data = {t.team for t in overview.teams}
    unknown = sorted(t for t in settings.teams if t not in in_data)
    subject = subject_for(overview.period, "organisation overview", overall)
    lines = [
        f"Case-file audit, {_month(overview.period)}: organisation overview",
        "",
        f"Overall compliance: {figure(overall)}",
        "",
        "Teams:",
    ]
    for team in overview.teams:
        to = ", ".join(settings.recipients_for(team.team)) or "nobody: no recipients configured"
        lines.append(
            f"  {_one_line(team.team)}: {figure(team.overall)}; "
            f"{team.action_count} actions; emailed to {to}"
        )
    if teams_without_recipients:
        lines += ["", "Teams with no recipients (their report was not emailed):"]
        lines += [f"  {_one_line(t)}" for t in teams_without_recipients]
    if unknown:
        lines += ["", "Teams in the email config with no report this month (check the spelling):"]
        lines += [f"  {_one_line(t)}" for t in unknown]
    lines += _not_ran_lines(overview, for_team=False)
    lines += ["", "Attached: index.html (the organisation overview)."]
    html = _OVERVIEW_HTML.render(
        subject=subject,
        month=_month(overview.period),
        overview=overview,
        overall=overall,
        figure=figure,
        recipients=settings.recipients_for,
        without=list(teams_without_recipients),
        unknown=unknown,
        not_ran=_not_ran(overview, for_team=False),
    )
    message = _message(settings, settings.qa_leads, subject, "\n".join(lines) + "\n", html)
    _attach(message, month_folder / "index.html")
    return message


def month_messages(
    settings: EmailSettings, overview: Overview, month_folder: Path
) -> tuple[list[tuple[str, EmailMessage]], list[str]]:
    """Every message for the month (teams with recipients, then the overview) and the
    teams that have no recipients."""
    messages: list[tuple[str, EmailMessage]] = []
    without: list[str] = []
    for team in overview.teams:
        if settings.recipients_for(team.team):
            messages.append((team_key(team), team_message(settings, overview, team, month_folder)))
        else:
            without.append(team.team)
    messages.append((OVERVIEW_KEY, overview_message(settings, overview, month_folder, without)))
    return messages, without


def _message(
    settings: EmailSettings, to: Sequence[str], subject: str, text: str, html: str
) -> EmailMessage:
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = settings.sender
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2])
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to this
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def _attach(message: EmailMessage, path: Path) -> None:
    # A link could point at another team's file; the month folder holds only real files.
    if path.is_symlink() or not path.is_file():
        raise InputError(
            f"{path} not found: write the month's reports (caseaudit run) before emailing them"
        )
    if path.suffix == ".html":  # the report writers write UTF-8; sent byte for byte
        maintype, subtype, params = "text", "html", {"charset": "utf-8"}
    else:
        (maintype, subtype), params = XLSX_TYPE, {}
    message.add_attachment(
        path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name, params=params
    )


def _not_ran(overview: Overview, *, for_team: bool) -> list[tuple[str, str, str, str | None]]:
    """(code, title, status, reason) of each rule that did not run.

    A SKIPPED reason names tables and columns only. An ERROR reason quotes the exception,
    which can hold a value from the data (another team's child ID in a KeyError), so a
    team's message gives only the exception's type and leaves the detail to the QA leads.
    """
    out = []
    for rule in overview.not_ran:
        reason = _one_line(rule.reason) if rule.reason else None
        if for_team and rule.status == ERROR and reason:
            reason = reason.split(":", 1)[0] + "; the QA leads have the details"
        out.append((rule.code, _one_line(rule.title).rstrip("."), rule.status, reason))
    return out


def _not_ran_lines(overview: Overview, *, for_team: bool) -> list[str]:
    rules = _not_ran(overview, for_team=for_team)
    if not rules:
        return []
    lines = ["", "Not checked this month:"]
    for code, title, status, reason in rules:
        lines.append(f"  {code} {title} — {status}" + (f": {reason}" if reason else ""))
    return lines


def _month(period: str) -> str:
    try:
        return AuditPeriod.parse(period).start.strftime("%B %Y")
    except UsageError:
        return period


def _one_line(text: str) -> str:
    """Data going into a header or a text line: line breaks and controls become spaces."""
    return " ".join("".join(" " if ord(c) < 32 or ord(c) == 127 else c for c in text).split())


# ---------------------------------------------------------------- sending


class DeliveryLog(Protocol):
    """Where deliveries are remembered between runs (``audit.history.History``)."""

    def was_delivered(self, period: str, report_key: str, recipient: str) -> bool: ...

    def record_delivery(
        self,
        period: str,
        report_key: str,
        recipient: str,
        message_id: str,
        status: str,
        error: str | None = None,
    ) -> None: ...


@dataclass(frozen=True)
class Delivery:
    """What happened to one report for one recipient."""

    report_key: str
    recipient: str
    message_id: str
    reason: str | None = None


@dataclass
class DeliveryReport:
    sent: list[Delivery] = field(default_factory=list)
    skipped: list[Delivery] = field(default_factory=list)
    failed: list[Delivery] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)  # .eml files of a dry run

    @property
    def exit_code(self) -> int:
        return DELIVERY_FAILED_EXIT if self.failed else 0

    def lines(self) -> list[str]:
        """A summary for the terminal, one line per recipient that was not simply sent."""
        out = [
            f"email: {len(self.sent)} sent, {len(self.skipped)} skipped, "
            f"{len(self.failed)} failed"
            + (f", {len(self.written)} written to the outbox (dry run)" if self.written else "")
        ]
        out += [f"  skipped {d.report_key} to {d.recipient}: {d.reason}" for d in self.skipped]
        out += [f"  FAILED {d.report_key} to {d.recipient}: {d.reason}" for d in self.failed]
        out += [f"  wrote {p}" for p in self.written]
        return out


class _Unreachable(Exception):
    """The server could not be reached or would not let us in: nobody else can be sent to."""


class _Transient(Exception):
    """Worth another try after a pause."""


class _NoConnection(_Transient):
    """Connecting failed in a way that may pass; if it does not, the server is unreachable."""


def deliver(
    settings: EmailSettings,
    messages: Sequence[tuple[str, EmailMessage]],
    *,
    period: str,
    log: DeliveryLog,
    resend: bool = False,
    dry_run: bool = False,
    sleep: Callable[[float], None] = time.sleep,
) -> DeliveryReport:
    """Send each message to each of its recipients, one SMTP transaction per recipient."""
    report = DeliveryReport()
    if dry_run:
        report.written = write_outbox(settings.outbox / period, messages)
        return report
    password = settings.password()  # a missing variable stops before anything is sent
    sender = _Sender(settings, password, sleep)
    try:
        for key, message in messages:
            message_id = str(message["Message-ID"] or "")
            for recipient in message_recipients(message):
                if not resend and log.was_delivered(period, key, recipient):
                    report.skipped.append(
                        Delivery(key, recipient, message_id, "already delivered (use --resend)")
                    )
                    continue
                error = sender.send(message, recipient)
                status = SENT if error is None else FAILED
                log.record_delivery(period, key, recipient, message_id, status, error)
                (report.sent if error is None else report.failed).append(
                    Delivery(key, recipient, message_id, error)
                )
    finally:
        sender.close()
    return report


def message_recipients(message: EmailMessage) -> list[str]:
    fields = [str(v) for name in ("To", "Cc") for v in message.get_all(name, [])]
    return [address for _name, address in getaddresses(fields) if address]


def write_outbox(folder: Path, messages: Iterable[tuple[str, EmailMessage]]) -> list[Path]:
    """Each message as ``<report key>.eml`` in an owner-only folder; nothing is sent."""
    private_dir(folder.parent)
    private_dir(folder)
    written = []
    for key, message in messages:
        path = folder / (re.sub(r"[^A-Za-z0-9._-]+", "-", key).strip("-.") + ".eml")
        with open_private(path, "wb") as fh:
            fh.write(message.as_bytes(policy=policy.SMTP))
        written.append(path)
    return written


class _Sender:
    """One SMTP connection reused across messages, reopened when it drops."""

    def __init__(
        self, settings: EmailSettings, password: str | None, sleep: Callable[[float], None]
    ) -> None:
        self.settings = settings
        self.password = password
        self.sleep = sleep
        self.smtp: smtplib.SMTP | None = None
        self.unreachable: str | None = None
        self.context = settings.ssl_context() if settings.security != "none" else None

    def send(self, message: EmailMessage, recipient: str) -> str | None:
        """None when the server accepted the message for ``recipient``, else the reason."""
        if self.unreachable is not None:
            return f"not sent: {self.unreachable}"
        attempts = self.settings.retries + 1
        for attempt in range(attempts):
            try:
                return self._send_once(message, recipient)
            except _Unreachable as exc:
                self.unreachable = str(exc)
                return str(exc)
            except _Transient as exc:
                if attempt + 1 == attempts:
                    reason = f"{exc} (gave up after {attempts} tries)"
                    if isinstance(exc, _NoConnection):
                        self.unreachable = reason
                    return reason
                self.sleep(self.settings.backoff_seconds * 2**attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def _send_once(self, message: EmailMessage, recipient: str) -> str | None:
        smtp = self._connection()
        try:
            refused = smtp.send_message(message, self.settings.sender, [recipient])
        except smtplib.SMTPRecipientsRefused as exc:
            return self._refused(exc.recipients.get(recipient))
        except smtplib.SMTPResponseException as exc:  # MAIL FROM or DATA answered with an error
            reason = f"the server answered {exc.smtp_code} {_said(exc.smtp_error)}"
            if 400 <= exc.smtp_code < 500:
                self._drop()  # 421 closes the connection; a fresh one is cheap either way
                raise _Transient(reason) from exc
            return reason
        except (OSError, smtplib.SMTPException) as exc:  # dropped connection, timeout
            self._drop()
            raise _Transient(f"connection to {self._where()} lost: {_describe(exc)}") from exc
        if recipient in refused:
            return self._refused(refused[recipient])
        return None

    def _refused(self, answer: tuple[int, bytes] | None) -> str:
        code, said = answer if answer is not None else (0, b"")
        reason = f"recipient refused: {code} {_said(said)}"
        if 400 <= code < 500:
            raise _Transient(reason)
        return reason

    def _connection(self) -> smtplib.SMTP:
        if self.smtp is not None:
            return self.smtp
        settings = self.settings
        smtp: smtplib.SMTP | None = None
        try:
            if settings.security == "tls":
                smtp = smtplib.SMTP_SSL(
                    settings.host,
                    settings.port,
                    timeout=settings.timeout_seconds,
                    context=self.context,
                )
            else:
                smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_seconds)
            smtp.ehlo()
            if settings.security == "starttls":
                if not smtp.has_extn("starttls"):
                    raise _Unreachable(
                        f"{self._where()} does not offer STARTTLS; refusing to send unencrypted"
                    )
                smtp.starttls(context=self.context)
                smtp.ehlo()
            if settings.username is not None:
                smtp.login(settings.username, self.password or "")
        except _Unreachable:
            _close(smtp)
            raise
        except smtplib.SMTPAuthenticationError as exc:
            _close(smtp)
            raise _Unreachable(
                f"{self._where()} refused the login for {settings.username!r}: "
                f"{exc.smtp_code} {_said(exc.smtp_error)}"
            ) from exc
        except ssl.SSLError as exc:  # an unverified certificate does not get better by retrying
            _close(smtp)
            raise _Unreachable(f"TLS with {self._where()} failed: {_describe(exc)}") from exc
        except smtplib.SMTPResponseException as exc:
            _close(smtp)
            reason = f"{self._where()} answered {exc.smtp_code} {_said(exc.smtp_error)}"
            if 400 <= exc.smtp_code < 500:
                raise _NoConnection(reason) from exc
            raise _Unreachable(reason) from exc
        except (OSError, smtplib.SMTPException) as exc:  # refused, timed out, dropped
            _close(smtp)
            raise _NoConnection(f"could not connect to {self._where()}: {_describe(exc)}") from exc
        self.smtp = smtp
        return smtp

    def _where(self) -> str:
        return f"{self.settings.host}:{self.settings.port}"

    def _drop(self) -> None:
        _close(self.smtp)
        self.smtp = None

    def close(self) -> None:
        if self.smtp is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self.smtp.quit()
        self._drop()


def _close(smtp: smtplib.SMTP | None) -> None:
    if smtp is not None:
        with contextlib.suppress(OSError):
            smtp.close()


def _said(text: bytes | str) -> str:
    value = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return _one_line(value)


def _describe(exc: BaseException) -> str:
    return _one_line(str(exc)) or type(exc).__name__
