"""Emailing the month's reports: each team manager gets their own team's report, and nothing else.

A team's message is addressed only to the addresses configured for that team and carries
only that team's files (its page, rendered to link only within itself, the page as PDF when
a browser printed one, and ``teams/<slug>.xlsx``); its body holds figures and the team's own
Fix-first children. The QA leads get the organisation overview (``overview.html`` and PDF)
and the list of teams that have nobody to send to, so a missing or misspelt team in the
config is seen rather than silently leaving a team without its report.

Sending is per recipient and recorded in the delivery log, so a second run skips what was
already delivered (``resend`` sends again), one refused address does not stop the others,
and a server that cannot be reached leaves nothing recorded as sent. Connections are
encrypted and the server's certificate verified; the password is read from the environment
variable the config names, never from the config itself.

The modules, in the order a month's email flows through them:

- ``settings``: the ``[email]`` table of ``audit.toml``, checked (every key is listed there);
- ``messages``: each team's message and the QA leads' overview, or the dry run's outbox;
- ``templates``: the HTML bodies of those messages;
- ``delivery``: sending each message to each recipient once, remembered in the delivery log;
- ``smtp``: one encrypted SMTP connection, with retries for what may pass;
- ``text``: keeping control characters out of headers and lines.
"""

from audit.mail.delivery import deliver
from audit.mail.messages import (
    OVERVIEW_KEY,
    month_messages,
    subject_for,
    team_key,
    team_message,
)
from audit.mail.settings import EmailSettings

__all__ = [
    "OVERVIEW_KEY",
    "EmailSettings",
    "deliver",
    "month_messages",
    "subject_for",
    "team_key",
    "team_message",
]
