"""One SMTP connection, encrypted and verified, with retries for what may pass.

A 4xx answer, a dropped connection or a timeout is tried again after a pause that doubles
each time. A login the server refuses, a certificate that does not verify or a server without
STARTTLS will not get better by retrying, and neither will a server that stays out of reach:
after any of these, nothing more is sent in this run.
"""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from collections.abc import Callable
from email.message import EmailMessage

from audit.mail.settings import EmailSettings
from audit.mail.text import one_line


class _Unreachable(Exception):
    """The server could not be reached or would not let us in: nobody else can be sent to."""


class _Transient(Exception):
    """Worth another try after a pause."""


class _NoConnection(_Transient):
    """Connecting failed in a way that may pass; if it does not, the server is unreachable."""


class Sender:
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

    def close(self) -> None:
        if self.smtp is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self.smtp.quit()
        self._drop()

    def _send_once(self, message: EmailMessage, recipient: str) -> str | None:
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
        if _temporary(code):
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
        except (_Unreachable, OSError, smtplib.SMTPException) as exc:
            _close(smtp)
            failure = self._connect_failure(exc)
            if failure is exc:
                raise
            raise failure from exc
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
