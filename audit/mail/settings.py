"""The ``[email]`` table of ``audit.toml``, checked before anything is built or sent.

Every key::

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
    timeout_seconds = 30            # default 30: the longest wait for any one answer
    delivery_deadline_seconds = 120 # default 120: the longest one delivery may take, with
                                    # its connection, tries and pauses
    send_deadline_seconds = 1800    # default 1800: the longest the whole send may take;
                                    # what is left then is failed, for the next run
    outbox = "reports/outbox"       # where --dry-run writes .eml files
    cafile = "certs/relay-ca.pem"   # optional: trust this CA instead of the system's

    [email.teams]
    "Referral and Assessment North" = ["ra.north.manager@example.gov.uk"]
"""

from __future__ import annotations

import ipaddress
import os
import re
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from audit.console import tidy_path
from audit.errors import UsageError
from audit.mail.text import is_control

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
    "delivery_deadline_seconds",
    "send_deadline_seconds",
    "outbox",
    "cafile",
)
SECURITY_MODES = ("starttls", "tls", "none")

_VALID_KEYS = f"Valid keys: {', '.join(EMAIL_KEYS)}"
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# A bare address: no display name, no white space or control characters, one "@".
_ADDRESS = re.compile(r"[^@\s<>()\[\],;:\"\\\x00-\x1f\x7f]+@[^@\s<>()\[\],;:\"\\\x00-\x1f\x7f]+")


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
    delivery_deadline_seconds: float = 120.0
    send_deadline_seconds: float = 1800.0
    outbox: Path = Path("reports/outbox")
    cafile: Path | None = None

    @classmethod
    def from_config(cls, raw: Mapping[str, Any], base: Path | None = None) -> EmailSettings:
        """Settings from the whole parsed config file (its ``[email]`` table).

        ``base`` is the folder relative ``outbox`` and ``cafile`` paths are read from (the
        config file's folder); without it they are relative to the working directory.
        """
        table = _email_table(raw)

        def path(key: str, value: Any) -> Path:
            p = Path(_text(key, value))
            return tidy_path(base / p) if base is not None and not p.is_absolute() else p

        # A key left out takes the field's default above, so each default is written once.
        host = _text("host", table["host"])
        security = _text("security", table.get("security", cls.security))
        if security not in SECURITY_MODES:
            raise UsageError(
                f"email.security must be one of {', '.join(SECURITY_MODES)}, got {security!r}"
            )
        if security == "none" and not is_loopback(host):
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
            port=_int("port", table.get("port", cls.port), 1, 65535),
            security=security,
            username=username,
            password_env=password_env,
            retries=_int("retries", table.get("retries", cls.retries), 0, 10),
            backoff_seconds=_number(
                "backoff_seconds", table.get("backoff_seconds", cls.backoff_seconds), 0.0
            ),
            timeout_seconds=_number(
                "timeout_seconds", table.get("timeout_seconds", cls.timeout_seconds), 0.001
            ),
            delivery_deadline_seconds=_number(
                "delivery_deadline_seconds",
                table.get("delivery_deadline_seconds", cls.delivery_deadline_seconds),
                0.001,
            ),
            send_deadline_seconds=_number(
                "send_deadline_seconds",
                table.get("send_deadline_seconds", cls.send_deadline_seconds),
                0.001,
            ),
            outbox=path("outbox", table.get("outbox", str(cls.outbox))),
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


def is_loopback(host: str) -> bool:
    """``localhost`` or a literal loopback address (127.0.0.0/8, ::1). Nothing is looked up:
    a name such as ``127.0.0.1.evil.example`` is a name, and names can point anywhere."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _email_table(raw: Mapping[str, Any]) -> Mapping[str, Any]:
    """The ``[email]`` table, with only known keys, the required ones, and no password."""
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
            raise UsageError(f"[email]: unknown key '{key}'. {_VALID_KEYS}")
    for key in ("host", "sender", "qa_leads"):
        if key not in table:
            raise UsageError(f"[email]: '{key}' is required. {_VALID_KEYS}")
    return table


def _text(key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise UsageError(f"email.{key} must be text, got {value!r}")
    if any(is_control(c) for c in value):
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
