"""The optional ``audit.toml``: the application's settings, read and checked at start-up.

Every key is checked before anything is read or written. An unknown key or a value of the
wrong type stops the run with a message naming the valid choices. The rules' part (which
rules run, their parameters, the text policy) is read by :mod:`audit.engine.config`; this
module reads the rest and holds both.

Example::

    select = ["IDN01", "seen_alone_recorded"]   # rules: see audit/engine/config.py
    show_names = false                          # child and worker names in reports
    profile = "auto"                            # how to read the input

    [rag]
    green = 0.90                                # compliance at or above: green
    amber = 0.80                                # at or above: amber; below: red
    min_judged = 5                              # fewer judged records: "too few to rate"

    [limits]
    max_uncompressed_bytes = 2147483648

    [history]
    path = "reports/history.sqlite"             # default: history.sqlite in the output folder
    enabled = true

    [connections.reporting]                     # a database: caseaudit run reporting
    url = "postgresql://auditor@reporting.example/ssd"
    password_env = "SSD_DB_PASSWORD"            # the password only ever in the environment

    [email]                                     # see audit/mail/settings.py for every key
    host = "smtp.example.org"
    sender = "case-audit@example.org"
    qa_leads = ["qa-lead@example.org"]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audit.database import Connection
from audit.engine.config import (
    RULE_KEYS,
    RuleConfig,
    build_rule_config,
    checked,
    no_unknown,
    read_toml,
    rule_dirs_of,
)
from audit.engine.registry import discover_rules
from audit.errors import UsageError
from audit.profiles import PROFILES
from audit.profiles.mapping import SourceMapping
from audit.results import Thresholds
from audit.rulekit import Rule
from audit.safety import SafetyLimits

if TYPE_CHECKING:
    from audit.mail import EmailSettings

TOP_LEVEL_KEYS = (
    *RULE_KEYS,
    "show_names",
    "rag",
    "limits",
    "history",
    "email",
    "profile",
    "tables",
    "mapping",
    "values",
    "connections",
)


@dataclass(frozen=True)
class Settings:
    """The whole ``audit.toml``: the rules' config and the application's settings."""

    source: Path | None = None
    rules: RuleConfig = field(default_factory=RuleConfig)
    show_names: bool = False
    thresholds: Thresholds = field(default_factory=Thresholds)
    limits: SafetyLimits = field(default_factory=SafetyLimits)
    profile: str = "auto"  # how to read the input: auto, canonical, annex-a, ssd
    mapping: SourceMapping = field(default_factory=SourceMapping)  # a council's own export
    history_enabled: bool = True
    history_path: Path | None = None  # None: history.sqlite in the output folder
    email: EmailSettings | None = None
    connections: Mapping[str, Connection] = field(default_factory=dict)  # named databases

    def history_file(self, out: Path) -> Path:
        return self.history_path or out / "history.sqlite"

    def effective(self, rules: Sequence[Rule]) -> dict[str, Any]:
        """The configuration in force, defaults included, as it goes into run.json."""
        return {
            "config_file": str(self.source) if self.source else None,
            "select": list(self.rules.select) if self.rules.select is not None else None,
            "exclude": list(self.rules.exclude),
            "show_names": self.show_names,
            "rule_dirs": [str(p) for p in self.rules.rule_dirs],
            "rag": dataclasses.asdict(self.thresholds),
            "text": self.rules.text(),
            "limits": dataclasses.asdict(self.limits),
            "rules": self.rules.parameters(rules),
            "profile": self.profile,
            "tables": dict(self.mapping.tables),
            "mapping": self.mapping.columns_in_force(),
            "profile_settings": {p: dict(v) for p, v in self.mapping.settings.items()},
            "values": {
                t: {c: dict(v) for c, v in cols.items()} for t, cols in self.mapping.values.items()
            },
            "history": {
                "enabled": self.history_enabled,
                "path": str(self.history_path) if self.history_path else None,
            },
            # Addresses and server, never a password (it only ever lives in the environment).
            "email": _email_summary(self.email),
            # Masked URLs and the variables holding passwords, never a password.
            "connections": {n: c.summary() for n, c in self.connections.items()},
        }


def prepare(config_path: Path | None) -> tuple[Settings, list[Rule]]:
    """Read and check the config against the rules it can see; the rules it selects."""
    raw = read_toml(config_path)
    try:
        rules = discover_rules(rule_dirs_of(raw, config_path))
        settings = build_settings(raw, config_path, rules)
    except UsageError as exc:  # every mistake in the file names the file
        if config_path is None:
            raise
        exc.args = (f"{config_path}: {exc}",)  # same error class, so the same exit code
        raise
    return settings, settings.rules.selected(rules)


def build_settings(raw: Mapping[str, Any], path: Path | None, rules: Sequence[Rule]) -> Settings:
    no_unknown(raw, TOP_LEVEL_KEYS, "top level")
    rule_config = build_rule_config(raw, path, rules)

    rag = raw.get("rag", {})
    rag_types = {"green": float, "amber": float, "min_judged": int}
    no_unknown(rag, tuple(rag_types), "[rag]")
    try:
        thresholds = Thresholds(**{k: checked(v, rag_types[k], f"rag.{k}") for k, v in rag.items()})
    except ValueError as exc:  # the bands out of order, or a negative min_judged
        raise UsageError(str(exc)) from exc

    limits_raw = raw.get("limits", {})
    limit_fields = {f.name: f for f in dataclasses.fields(SafetyLimits)}
    no_unknown(limits_raw, tuple(limit_fields), "[limits]")
    limits = SafetyLimits(**{k: checked(v, int, f"limits.{k}") for k, v in limits_raw.items()})

    history = raw.get("history", {})
    no_unknown(history, ("path", "enabled"), "[history]")
    base = path.parent if path else Path.cwd()
    history_path = (
        base / checked(history["path"], str, "history.path") if "path" in history else None
    )

    return Settings(
        source=path,
        rules=rule_config,
        show_names=checked(raw.get("show_names", Settings.show_names), bool, "show_names"),
        thresholds=thresholds,
        limits=limits,
        profile=_profile(raw.get("profile", Settings.profile)),
        mapping=SourceMapping.from_config(raw),
        history_enabled=checked(
            history.get("enabled", Settings.history_enabled), bool, "history.enabled"
        ),
        history_path=history_path,
        email=_email(raw, base) if "email" in raw else None,
        connections=Connection.all_from_config(raw),
    )


def _profile(value: Any) -> str:
    if isinstance(value, Mapping) and len(value) == 1:
        value = next(iter(value))  # [profile.ssda903] team = …: that profile, with settings
    if value not in PROFILES:
        raise UsageError(f"profile must be one of {', '.join(PROFILES)}; got {value!r}")
    return str(value)


def _email(raw: Mapping[str, Any], base: Path) -> EmailSettings:
    # Deferred for start-up time: the mail package brings the report renderers with it.
    from audit.mail import EmailSettings

    return EmailSettings.from_config(raw, base)


def _email_summary(email: EmailSettings | None) -> dict[str, Any] | None:
    if email is None:
        return None
    return {
        "host": email.host,
        "port": email.port,
        "security": email.security,
        "sender": email.sender,
        "qa_leads": list(email.qa_leads),
        "teams": {team: list(to) for team, to in email.teams.items()},
    }
