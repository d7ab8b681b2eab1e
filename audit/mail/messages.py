"""The month's messages: one per team with recipients, carrying only that team's files, and
the overview for the QA leads, naming the teams nobody was sent. A dry run writes them to the
outbox instead of sending them.

Each attached page is rendered for the inbox (its links stay inside it: a mail client saves
an attachment on its own) and goes with its PDF when ``reports.pdf`` printed one for this
send, so a mail filter that blocks HTML attachments still lets the report through.

Each body is plain text with an HTML alternative (``templates``) that says the same. A team's
body holds its figures and its Fix-first list: its own children's IDs, never another team's
(the model has already cut everything to the team), and never a child's name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from audit.engine.runner import ERROR, RAN
from audit.errors import InputError, UsageError
from audit.mail.settings import EmailSettings
from audit.mail.templates import OVERVIEW_HTML, TEAM_HTML
from audit.mail.text import one_line
from audit.output import open_private, own_dir, private_dir
from audit.period import AuditPeriod
from audit.reports.fix_first import fix_first, new_and_outstanding
from audit.reports.headline import Headline, overview_headline, team_headline
from audit.reports.html import overview_for_email, team_page_for_email
from audit.reports.model import RAG_LABELS, Overview, Score, TeamReport
from audit.reports.pdf import PDF_FOLDER
from audit.reports.wording import fields_in_words
from audit.reports.workbook import return_by
from audit.results import combined

OVERVIEW_KEY = "overview"

XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
_CLOSED_LOOP_NOTE = (
    "These files hold case details of your team's children only. Keep them in secure "
    "storage and do not forward them outside the team."
)
_NOBODY = "nobody: no recipients configured"
OVERVIEW_FILE = "overview"
_HTML_NOTE = "open it in a web browser"
_PDF_NOTE = "the same, to print or to read where HTML attachments are blocked"

NotRan = tuple[str, str, str, str | None]  # code, title, status, reason


PRODUCT = "Case-record audit"


def figure(score: Score) -> str:
    """``87% (amber) — 26 met, 4 not met``, ``3 of 4 met (too few to rate)`` or ``no data``."""
    if score.compliance is None:
        return "no data"
    if score.too_few:
        return f"{score.met} of {score.judged} met (too few to rate)"
    return f"{_rated(score)} — {score.met} met, {score.not_met} not met"


def subject_for(period: AuditPeriod, name: str, headline: Headline) -> str:
    """``Case-record audit, September 2026 - North - 88% (amber), down 4 points since …``.

    Plain ASCII hyphens and no arrow: Python's header folding leaves a doubled space
    before an encoded word (a dash or an arrow) in a long subject.
    """
    return f"{PRODUCT}, {period.month_name} - {one_line(name)} - {headline.subject}"


def team_key(team: TeamReport) -> str:
    """The delivery log's name for a team's report."""
    return f"team:{team.slug}"


def team_files(team: TeamReport, month_folder: Path) -> list[Path]:
    """The files on disk a team's message carries besides its page: the PDF of the page when
    one was printed for this send, and the workbook."""
    pdf = month_folder / PDF_FOLDER / f"{team.slug}.pdf"
    return [*_if_printed(pdf), month_folder / team.workbook]


def _if_printed(pdf: Path) -> list[Path]:
    return [pdf] if pdf.is_file() and not pdf.is_symlink() else []


def _attached(files: Sequence[tuple[str, str]]) -> str:
    """``Attached: a (what), b (what) and c (what).``"""
    said = [f"{name} ({what})" for name, what in files]
    listed = ", ".join(said[:-1]) + " and " + said[-1] if len(said) > 1 else said[0]
    return f"Attached: {listed}."


def team_message(
    settings: EmailSettings, overview: Overview, team: TeamReport, month_folder: Path
) -> EmailMessage:
    """The team's figures and its two files, addressed only to the team's recipients."""
    recipients = settings.recipients_for(team.team)
    if not recipients:
        raise UsageError(f"no email recipients configured for team {team.team!r}")
    headline = team_headline(overview, team)
    subject = subject_for(overview.period, team.team, headline)
    month = overview.period.month_name
    files = team_files(team, month_folder)
    page = f"{team.slug}.html"
    back = overview.return_to or "your QA lead"
    attached = _attached(
        [(page, f"this report; {_HTML_NOTE}")]
        + [(f.name, _PDF_NOTE) for f in files if f.suffix == ".pdf"]
        + [
            (
                f.name,
                "the actions to work on: set each one's Status, owner and due date and return "
                f"it to {back} by {return_by(overview.period):%d/%m/%Y}",
            )
            for f in files
            if f.suffix == ".xlsx"
        ]
    )
    recommendations = [
        (key, overview.recommendations.get(key, key), team.recommendation_scores[key])
        for key in overview.recommendations
        if key in team.recommendation_scores
    ]
    not_ran = _not_ran(overview, for_team=True)
    partly = _judged_in_part(overview)
    lines = _heading_lines(month, team.team, headline)
    if recommendations:
        lines += ["", "By recommendation:"]
        lines += [f"  ({key}) {title}: {figure(score)}" for key, title, score in recommendations]
    fix = fix_first(team)
    if fix:
        lines += ["", "Fix first:"]
        for n, item in enumerate(fix, 1):
            lines += [
                f"  {n}. Child {one_line(item.child)} ({one_line(item.worker)})"
                + (f" - {item.flag.lower()}" if item.urgent else ""),
                f"     {one_line(item.check)} ({item.rule_code}): {one_line(item.reason)}",
                "     "
                + (
                    f"Still not met since {item.since.month_name}."
                    if item.outstanding(team.period)
                    else "New this month."
                )
                + f" Checks not met for this child: {item.actions}.",
            ]
    follow = team.follow_up
    if follow is not None and follow.given:
        lines += ["", f"{follow.period.month_name}'s actions: {follow.summary}."]
        lines += [
            f"  Overdue: child {one_line(i.child)}, {one_line(i.check)}"
            + (f", due {i.due_by}" if i.due_by else "")
            for i in follow.overdue
        ]
    children = len(team.actions)
    new, outstanding = new_and_outstanding(team)
    lines += [
        "",
        f"Actions for the team: {team.action_count}"
        + (f" (for {children} {'child' if children == 1 else 'children'})" if children else "")
        + (f": {new} new this month, {outstanding} outstanding" if team.action_count else ""),
    ]
    lines += _not_ran_lines(not_ran) + _judged_in_part_lines(partly)
    lines += ["", attached, "", _CLOSED_LOOP_NOTE]
    html = TEAM_HTML.render(
        subject=subject,
        month=month,
        heading=team.team,
        overall=team.overall,
        headline=headline,
        figure=figure,
        team=team,
        fix=fix,
        new=new,
        outstanding=outstanding,
        recommendations=recommendations,
        not_ran=not_ran,
        partly=partly,
        attached=attached,
        note=_CLOSED_LOOP_NOTE,
    )
    message = _message(settings, recipients, subject, lines, html)
    _attach_html(message, page, team_page_for_email(overview, team))
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
    overall = combined(overview.rule_totals.values(), overview.thresholds)
    headline = overview_headline(overview, overall)
    in_data = {t.team for t in overview.teams}
    unknown = sorted(t for t in settings.teams if t not in in_data)
    heading = "organisation overview"
    subject = subject_for(overview.period, heading, headline)
    month = overview.period.month_name
    not_ran = _not_ran(overview, for_team=False)
    partly = _judged_in_part(overview)
    lines = _heading_lines(month, heading, headline)
    lines += ["", "Teams:"]
    for team in overview.teams:
        to = ", ".join(settings.recipients_for(team.team)) or _NOBODY
        returned = (
            f"; {team.follow_up.period.month_name}'s workbook: {team.follow_up.summary}"
            if team.follow_up
            else ""
        )
        lines.append(
            f"  {one_line(team.team)}: {figure(team.overall)}; "
            f"{team.action_count} actions{returned}; emailed to {to}"
        )
    disputed = [(t.team, i) for t in overview.teams if t.follow_up for i in t.follow_up.disputed]
    if disputed:
        lines += ["", "Actions disputed by team managers (their reasons):"]
        lines += [
            f"  {one_line(team)}: child {one_line(i.child)}, {one_line(i.check)} "
            f"({i.rule_code}): {one_line(i.comment)} [{i.now}]"
            for team, i in disputed
        ]
    if teams_without_recipients:
        lines += ["", "Teams with no recipients (their report was not emailed):"]
        lines += [f"  {one_line(t)}" for t in teams_without_recipients]
    if unknown:
        lines += ["", "Teams in the email config with no report this month (check the spelling):"]
        lines += [f"  {one_line(t)}" for t in unknown]
    lines += _not_ran_lines(not_ran) + _judged_in_part_lines(partly)
    pdf = _if_printed(month_folder / PDF_FOLDER / f"{OVERVIEW_FILE}.pdf")
    attached = (
        _attached(
            [(f"{OVERVIEW_FILE}.html", f"the organisation overview; {_HTML_NOTE}")]
            + [(f.name, _PDF_NOTE) for f in pdf]
        )
        + f" The team reports and workbooks are in the month's reports folder, {month_folder}"
        + "; collect the returned workbooks with: caseaudit collect WORKBOOK... --period "
        + overview.period.label
    )
    lines += ["", attached]
    html = OVERVIEW_HTML.render(
        subject=subject,
        month=month,
        heading=heading,
        overall=overall,
        headline=headline,
        figure=figure,
        overview=overview,
        recipients=settings.recipients_for,
        nobody=_NOBODY,
        without=list(teams_without_recipients),
        unknown=unknown,
        not_ran=not_ran,
        partly=partly,
        attached=attached,
        note=None,
    )
    message = _message(settings, settings.qa_leads, subject, lines, html)
    _attach_html(message, f"{OVERVIEW_FILE}.html", overview_for_email(overview))
    for path in pdf:
        _attach(message, path)
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


def write_outbox(folder: Path, messages: Iterable[tuple[str, EmailMessage]]) -> list[Path]:
    """Each message as ``<report key>.eml`` in an owner-only folder; nothing is sent."""
    private_dir(folder.parent)
    own_dir(folder)
    written = []
    for key, message in messages:
        path = folder / (re.sub(r"[^A-Za-z0-9._-]+", "-", key).strip("-.") + ".eml")
        with open_private(path, "wb") as fh:
            fh.write(message.as_bytes(policy=policy.SMTP))
        written.append(path)
    return written


def _message(
    settings: EmailSettings, to: Sequence[str], subject: str, lines: list[str], html: str
) -> EmailMessage:
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = settings.sender
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2])
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to this
    message.set_content("\n".join(lines) + "\n")
    message.add_alternative(html, subtype="html")
    return message


def _attach(message: EmailMessage, path: Path) -> None:
    # A link could point at another team's file; the month folder holds only real files.
    if path.is_symlink() or not path.is_file():
        raise InputError(
            f"{path} not found: write the month's reports (caseaudit run) before emailing them"
        )
    maintype, subtype = ("application", "pdf") if path.suffix == ".pdf" else XLSX_TYPE
    message.add_attachment(
        path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name
    )


def _attach_html(message: EmailMessage, name: str, page: str) -> None:
    """A page rendered for the inbox (its links stay inside it), as UTF-8 bytes."""
    message.add_attachment(
        page.encode("utf-8"),
        maintype="text",
        subtype="html",
        filename=name,
        params={"charset": "utf-8"},
    )


def _rated(score: Score) -> str:
    """``87% (amber)``."""
    return f"{score.percent} ({RAG_LABELS[score.rag].lower()})"


def _heading_lines(month: str, name: str, headline: Headline) -> list[str]:
    lines = [
        f"{PRODUCT}, {month}: {one_line(name)}",
        "",
        f"Overall compliance: {headline.line}",
        f"  {headline.scope}",
    ]
    score = headline.score
    if score.compliance is not None:
        lines.append(f"  {score.met} of {score.judged} judged records met their checks.")
    return lines


def _not_ran(overview: Overview, *, for_team: bool) -> list[NotRan]:
    """(code, title, status, reason) of each rule that did not run.

    A SKIPPED reason names tables and columns only. An ERROR reason quotes the exception,
    which can hold a value from the data (another team's child ID in a KeyError), so a
    team's message gives only the exception's type and leaves the detail to the QA leads.
    """
    out = []
    for rule in overview.not_ran:
        reason = one_line(rule.reason) if rule.reason else None
        if for_team and rule.status == ERROR and reason:
            reason = reason.split(":", 1)[0] + "; the QA leads have the details"
        out.append((rule.code, one_line(rule.title).rstrip("."), rule.status, reason))
    return out


def _not_ran_lines(rules: list[NotRan]) -> list[str]:
    if not rules:
        return []
    lines = ["", "Not checked this month:"]
    for code, title, status, reason in rules:
        lines.append(f"  {code} {title} — {status}" + (f": {reason}" if reason else ""))
    return lines


def _judged_in_part(overview: Overview) -> list[tuple[str, str, str]]:
    """(code, title, note) of each rule that ran but could judge only part of its standard
    on this input (VIS01 on Annex A: one visit date cannot show a visit late within the
    month), so the message does not let its figure pass for the whole standard."""
    return [
        (rule.code, one_line(rule.title).rstrip("."), one_line(fields_in_words(rule.reason)))
        for rule in overview.rules
        if rule.status == RAN and rule.reason
    ]


def _judged_in_part_lines(rules: list[tuple[str, str, str]]) -> list[str]:
    if not rules:
        return []
    return ["", "Checked in part this month:"] + [
        f"  {code} {title}: {note}" for code, title, note in rules
    ]
