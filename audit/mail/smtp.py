"""One SMTP connection, encrypted and verified, with retries for what may pass, and deadlines.

A 4xx answer, a dropped connection or a timeout is tried again after a pause that doubles
each time. A login the server refuses, a certificate that does not verify or a server without
STARTTLS will not get better by retrying, and neither will a server that stays out of reach:
after any of these, nothing more is sent in this run.

A socket timeout alone does not bound a delivery: a server that sends one byte a second
never lets it fire. So each delivery (its connection, its tries and their pauses) has an
overall deadline, ``delivery_deadline_seconds``, and the whole send one more,
``send_deadline_seconds``; at the deadline a watchdog cuts the connection. A server that
hangs past the deadline is given up like one out of reach.

Once the message itself has gone out, a server that drops the connection or says nothing
may have delivered it: that delivery is ``unknown``, never retried (the recipient would get
it twice or three times), and left for the QA lead to check before ``--resend``.
"""

from __future__ import annotations

import contextlib
import smtplib
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from audit.mail.settings import EmailSettings
from audit.mail.text import one_line

SENT, FAILED, UNKNOWN = "sent", "failed", "unknown"


@dataclass(frozen=True)
class Outcome:
    """What became of one message for one recipient: SENT, FAILED or UNKNOWN, and why."""

    status: str
    reason: str | None = None


class _Unreachable(Exception):
    """The server could not be reached or would not let us in: nobody else can be sent to."""


class _Transient(Exception):
    """Worth another try after a pause."""


class _NoConnection(_Transient):
    """Connecting failed in a way that may pass; if it does not, the server is unreachable."""


class _Tracking:
    """Knows whether the message itself has gone out in the current DATA: after that, a
    dropped connection or silence means the server may have delivered it."""

    body_sent = False
    _data_sends = 0

    def data(self, msg: Any) -> Any:
        self.body_sent, self._data_sends = False, 0
        self._in_data = True
        try:
            return super().data(msg)  # type: ignore[misc]
        finally:
            self._in_data = False

    def send(self, s: Any) -> None:
        super().send(s)  # type: ignore[misc]
        if getattr(self, "_in_data", False):
            self._data_sends += 1  # the DATA command, then the message with its final dot
            self.body_sent = self._data_sends >= 2


class _SMTP(_Tracking, smtplib.SMTP):
    pass


class _SMTPSSL(_Tracking, smtplib.SMTP_SSL):
    pass


class Sender:
    """One SMTP connection reused across messages, reopened when it drops."""

    def __init__(
        self, settings: EmailSettings, password: str | None, sleep: Callable[[float], None]
    ) -> None:
        self.settings = settings
        self.password = password
        self.sleep = sleep
        self.smtp: smtplib.SMTP | None = None
        self._opening: smtplib.SMTP | None = None  # the connection being opened, for the watchdog
        self.unreachable: str | None = None
        self.context = settings.ssl_context() if settings.security != "none" else None
        self.send_deadline = time.monotonic() + settings.send_deadline_seconds
        self.expired = False

    def send(self, message: EmailMessage, recipient: str) -> Outcome:
        """Whether the server accepted the message for ``recipient``, and if not, why."""
        if self.unreachable is not None:
            return Outcome(FAILED, f"not sent: {self.unreachable}")
        now = time.monotonic()
        if now >= self.send_deadline:
            return Outcome(FAILED, f"not sent: {self._send_deadline_passed()}")
        deadline = min(now + self.settings.delivery_deadline_seconds, self.send_deadline)
        attempts = self.settings.retries + 1
        for attempt in range(attempts):
            try:
                with self._watchdog(deadline):
                    return self._send_once(message, recipient)
            except _Unreachable as exc:
                self.unreachable = str(exc)
                return Outcome(FAILED, str(exc))
            except _Transient as exc:
                pause = self.settings.backoff_seconds * 2**attempt
                if attempt + 1 == attempts or time.monotonic() + pause >= deadline:
                    tries = f"{attempt + 1} {'try' if attempt == 0 else 'tries'}"
                    reason = f"{exc} (gave up after {tries})"
                    if isinstance(exc, _NoConnection):
                        self.unreachable = reason
                    return Outcome(FAILED, reason)
                self.sleep(pause)
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        if self.smtp is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self.smtp.quit()
        self._drop()

    @contextlib.contextmanager
    def _watchdog(self, deadline: float) -> Iterator[None]:
        """Within: the connection is cut at ``deadline``, and what failed then is put down
        to the deadline (the server stopped answering in time)."""
        self.expired = False
        timer = threading.Timer(max(deadline - time.monotonic(), 0.0), self._expire)
        timer.daemon = True
        timer.start()
        try:
            yield
        except (_Transient, _Unreachable) as exc:
            if not self.expired:
                raise
            self._drop()
            raise _Unreachable(self._deadline_passed(deadline)) from exc
        finally:
            timer.cancel()
            if self.expired:
                self._drop()  # cut, whatever came of the try

    def _expire(self) -> None:
        self.expired = True
        for smtp in (self._opening, self.smtp):
            sock = getattr(smtp, "sock", None)
            if sock is not None:
                with contextlib.suppress(OSError):  # the plain socket's, even under TLS
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)

    def _deadline_passed(self, deadline: float) -> str:
        if deadline >= self.send_deadline:
            return self._send_deadline_passed()
        return (
            f"no answer from {self._where()} within the delivery deadline of "
            f"{self.settings.delivery_deadline_seconds:g} s"
        )

    def _send_deadline_passed(self) -> str:
        return (
            f"the send deadline of {self.settings.send_deadline_seconds:g} s passed "
            f"before {self._where()} had everything"
        )

    def _send_once(self, message: EmailMessage, recipient: str) -> Outcome:
        smtp = self._connection()
        try:
            refused = smtp.send_message(message, self.settings.sender, [recipient])
        except smtplib.SMTPRecipientsRefused as exc:
            return self._refused(exc.recipients.get(recipient))
        except smtplib.SMTPResponseException as exc:  # MAIL FROM or DATA answered with an error
            reason = f"the server answered {exc.smtp_code} {_said(exc.smtp_error)}"
            if _temporary(exc.smtp_code):
                self._drop()  # 421 closes the connection; a fresh one is cheap either way
                raise _Transient(reason) from exc
            return Outcome(FAILED, reason)
        except (OSError, smtplib.SMTPException) as exc:  # dropped connection, timeout
            self._drop()
            if getattr(smtp, "body_sent", False):
                return Outcome(UNKNOWN, self._unanswered(exc))
            raise _Transient(f"connection to {self._where()} lost: {_describe(exc)}") from exc
        if recipient in refused:
            return self._refused(refused[recipient])
        return Outcome(SENT)

    def _unanswered(self, exc: BaseException) -> str:
        why = "the deadline passed" if self.expired else _describe(exc)
        return (
            f"{self._where()} took the message but never confirmed it ({why}): it may have "
            "been delivered; check with the recipient, then send again with --resend"
        )

    def _refused(self, answer: tuple[int, bytes] | None) -> Outcome:
        code, said = answer if answer is not None else (0, b"")
        reason = f"recipient refused: {code} {_said(said)}"
        if _temporary(code):
            raise _Transient(reason)
        return Outcome(FAILED, reason)

    def _connection(self) -> smtplib.SMTP:
        if self.smtp is not None:
            return self.smtp
        settings = self.settings
        smtp: smtplib.SMTP | None = None
        try:
            # Made first, connected second, so the watchdog can cut a greeting that never ends.
            if settings.security == "tls":
                smtp = _SMTPSSL(timeout=settings.timeout_seconds, context=self.context)
            else:
                smtp = _SMTP(timeout=settings.timeout_seconds)
            self._opening = smtp
            # What the constructor keeps when it connects itself: TLS checks this name.
            smtp._host = settings.host  # type: ignore[union-attr]
            smtp.connect(settings.host, settings.port)
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
        except (_Unreachable, OSError, smtplib.SMTPException) as exc:
            _close(smtp)
            failure = self._connect_failure(exc)
            if failure is exc:
                raise
            raise failure from exc
        finally:
            self._opening = None
        self.smtp = smtp
        return smtp

    def _connect_failure(self, exc: Exception) -> Exception:
        """Why connecting failed: _Unreachable to give up on the server, _NoConnection to retry."""
        where = self._where()
        if isinstance(exc, _Unreachable):
            return exc
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            return _Unreachable(
                f"{where} refused the login for {self.settings.username!r}: "
                f"{exc.smtp_code} {_said(exc.smtp_error)}"
            )
        if isinstance(exc, ssl.SSLError):  # an unverified certificate does not get better
            return _Unreachable(f"TLS with {where} failed: {_describe(exc)}")
        if isinstance(exc, smtplib.SMTPResponseException):
            reason = f"{where} answered {exc.smtp_code} {_said(exc.smtp_error)}"
            return _NoConnection(reason) if _temporary(exc.smtp_code) else _Unreachable(reason)
        # refused, timed out, dropped
        return _NoConnection(f"could not connect to {where}: {_describe(exc)}")

    def _where(self) -> str:
        return f"{self.settings.host}:{self.settings.port}"

    def _drop(self) -> None:
        _close(self.smtp)
        self.smtp = None


def _temporary(code: int) -> bool:
    """A 4xx answer: the server asks us to try again later."""
    return 400 <= code < 500


def _close(smtp: smtplib.SMTP | None) -> None:
    if smtp is not None:
        with contextlib.suppress(OSError):
            smtp.close()


def _said(text: bytes | str) -> str:
    value = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return one_line(value)


def _describe(exc: BaseException) -> str:
    return one_line(str(exc)) or type(exc).__name__
