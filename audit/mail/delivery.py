"""Sending each message to each of its recipients once, remembered in the delivery log.

A second run skips what was already delivered, or may have been (an ``unknown`` delivery:
the server took the message but never confirmed it); ``resend`` sends again. One refused
address does not stop the others, and a server that cannot be reached leaves nothing
recorded as sent. Talking to the server is ``smtp``'s job; this module keeps the books.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import getaddresses
from pathlib import Path
from typing import Protocol

from audit.mail.messages import write_outbox
from audit.mail.settings import EmailSettings
from audit.mail.smtp import FAILED, SENT, UNKNOWN, Sender
from audit.output import writing
from audit.period import AuditPeriod

DELIVERY_FAILED_EXIT = 4


class DeliveryLog(Protocol):
    """Where deliveries are remembered between runs (``audit.history.History``)."""

    def delivery_state(self, period: AuditPeriod, report_key: str, recipient: str) -> str | None:
        """SENT if it was delivered, UNKNOWN if it may have been, else None."""
        ...

    def record_delivery(
        self,
        period: AuditPeriod,
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
    unknown: list[Delivery] = field(default_factory=list)  # taken, never confirmed
    written: list[Path] = field(default_factory=list)  # .eml files of a dry run

    @property
    def exit_code(self) -> int:
        return DELIVERY_FAILED_EXIT if self.failed or self.unknown else 0

    def lines(self) -> list[str]:
        """A summary for the terminal, one line per recipient that was not simply sent."""
        out = [
            f"email: {len(self.sent)} sent, {len(self.skipped)} skipped, "
            f"{len(self.failed)} failed"
            + (f", {len(self.unknown)} unknown" if self.unknown else "")
            + (f", {len(self.written)} written to the outbox (dry run)" if self.written else "")
        ]
        out += [f"  skipped {d.report_key} to {d.recipient}: {d.reason}" for d in self.skipped]
        out += [f"  FAILED {d.report_key} to {d.recipient}: {d.reason}" for d in self.failed]
        out += [f"  UNKNOWN {d.report_key} to {d.recipient}: {d.reason}" for d in self.unknown]
        out += [f"  wrote {p}" for p in self.written]
        return out


def deliver(
    settings: EmailSettings,
    messages: Sequence[tuple[str, EmailMessage]],
    *,
    period: AuditPeriod,
    log: DeliveryLog,
    resend: bool = False,
    dry_run: bool = False,
    sleep: Callable[[float], None] = time.sleep,
) -> DeliveryReport:
    """Send each message to each of its recipients, one SMTP transaction per recipient."""
    report = DeliveryReport()
    if dry_run:
        outbox = settings.outbox / period.label
        with writing("the outbox", outbox):
            report.written = write_outbox(outbox, messages)
        return report
    password = settings.password()  # a missing variable stops before anything is sent
    sender = Sender(settings, password, sleep)
    try:
        for key, message in messages:
            message_id = str(message["Message-ID"] or "")
            for recipient in message_recipients(message):
                state = None if resend else log.delivery_state(period, key, recipient)
                if state is not None:
                    why = _ALREADY if state == SENT else _MAYBE
                    report.skipped.append(Delivery(key, recipient, message_id, why))
                    continue
                outcome = sender.send(message, recipient)
                log.record_delivery(
                    period, key, recipient, message_id, outcome.status, outcome.reason
                )
                done = {SENT: report.sent, FAILED: report.failed, UNKNOWN: report.unknown}
                done[outcome.status].append(Delivery(key, recipient, message_id, outcome.reason))
    finally:
        sender.close()
    return report


_ALREADY = "already delivered (use --resend)"
_MAYBE = (
    "may have been delivered: an earlier run's message was taken but never confirmed; "
    "check with the recipient, then use --resend"
)


def message_recipients(message: EmailMessage) -> list[str]:
    fields = [str(v) for name in ("To", "Cc") for v in message.get_all(name, [])]
    return [address for _name, address in getaddresses(fields) if address]
