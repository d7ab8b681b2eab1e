"""The optional ``audit.toml``: read, validated against the rules, made effective.

Every key is checked at start-up. An unknown rule, an unknown key or a value of the wrong
type stops the run with a message naming the valid choices, so a typo never quietly
turns a check off.

Example::

    select = ["IDN01", "seen_alone_recorded"]   # codes or names; default: every rule
    exclude = []
    show_names = false                          # child and worker names in reports
    rule_dirs = ["local_rules"]                 # extra folders of rule modules

    [rag]
    green = 0.90                                # compliance at or above: green
    amber = 0.80                                # at or above: amber; below: red
    min_judged = 5                              # fewer judged records: "too few to rate"

    [text]
    placeholders = ["n/a", "see above"]         # replaces the default list
    min_words = 3

    [limits]
    max_uncompressed_bytes = 2147483648

    [rules.seen_alone_recorded]                 # parameters, keyed by rule name
    require_commentary = true

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
import tomllib
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from audit.database import Connection
from audit.errors import UsageError
from audit.mail import EmailSettings
from audit.profiles import PROFILES
from audit.profiles.mapping import SourceMapping
from audit.rulekit import Params, Rule
from audit.rulekit.text import DEFAULT_MIN_WORDS, DEFAULT_PLACEHOLDERS
from audit.safety import SafetyLimits

TOP_LEVEL_KEYS = (
    "select",
    "exclude",
    "show_names",
    "rule_dirs",
    "rag",
    "text",
    "limits",
    "rules",
    "history",
    "email",
    "profile",
    "tables",
    "mapping",
    "values",
    "connections",
)


@dataclass(frozen=True)
class AuditConfig:
    source: Path | None = None
    select: tuple[str, ...] | None = None
    exclude: tuple[str, ...] = ()
    show_names: bool = False
    rule_dirs: tuple[Path, ...] = ()
    green: float = 0.90
    amber: float = 0.80
    min_judged: int = 5
    placeholders: tuple[str, ...] = DEFAULT_PLACEHOLDERS
    min_words: int = DEFAULT_MIN_WORDS
    limits: SafetyLimits = field(default_factory=SafetyLimits)
    rule_params: Mapping[str, Params] = field(default_factory=dict)  # by rule code
    profile: str = "auto"  # how to read the input: auto, canonical, annex-a, ssd
    mapping: SourceMapping = field(default_factory=SourceMapping)  # a council's own export
    history_enabled: bool = True
    history_path: Path | None = None  # None: history.sqlite in the output folder
    email: EmailSettings | None = None
    connections: Mapping[str, Connection] = field(default_factory=dict)  # named databases

    def history_file(self, out: Path) -> Path:
        return self.history_path or out / "history.sqlite"

    def params_for(self, rule: Rule) -> Params:
        return self.rule_params.get(rule.code) or rule.params()

    def selected(self, rules: Sequence[Rule]) -> list[Rule]:
        chosen = [r for r in rules if self.select is None or {r.code, r.name} & set(self.select)]
        return [r for r in chosen if not {r.code, r.name} & set(self.exclude)]

    def effective(self, rules: Sequence[Rule]) -> dict[str, Any]:
        """The configuration in force, defaults included, as it goes into run.json."""
        return {
            "config_file": str(self.source) if self.source else None,
            "select": list(self.select) if self.select is not None else None,
            "exclude": list(self.exclude),
            "show_names": self.show_names,
            "rule_dirs": [str(p) for p in self.rule_dirs],
            "rag": {"green": self.green, "amber": self.amber, "min_judged": self.min_judged},
            "text": {"placeholders": list(self.placeholders), "min_words": self.min_words},
            "limits": dataclasses.asdict(self.limits),
            "rules": {r.name: _jsonable(dataclasses.asdict(self.params_for(r))) for r in rules},
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


def read_toml(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    if not path.is_file():
        raise UsageError(f"config file {path} not found")
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"config file {path} is not valid TOML: {exc}") from exc


def rule_dirs_of(raw: Mapping[str, Any], path: Path | None) -> tuple[Path, ...]:
    """The rule folders named in the config, relative to the config file."""
    dirs = _typed(raw.get("rule_dirs", []), tuple[str, ...], "rule_dirs")
    base = path.parent if path else Path.cwd()
    return tuple(base / d for d in dirs)


def build_config(raw: Mapping[str, Any], path: Path | None, rules: Sequence[Rule]) -> AuditConfig:
    _no_unknown(raw, TOP_LEVEL_KEYS, "the config file")
    names = {r.code for r in rules} | {r.name for r in rules}
    choices = ", ".join(sorted(r.name for r in rules))

    def rule_list(key: str) -> tuple[str, ...]:
        values = _typed(raw.get(key, []), tuple[str, ...], key)
        for value in values:
            if value not in names:
                raise UsageError(f"{key}: unknown rule '{value}'. Valid rules: {choices}")
        return values

    rag = raw.get("rag", {})
    _no_unknown(rag, ("green", "amber", "min_judged"), "[rag]")
    green = _typed(rag.get("green", 0.90), float, "rag.green")
    amber = _typed(rag.get("amber", 0.80), float, "rag.amber")
    if not 0 <= amber <= green <= 1:
        raise UsageError("[rag] needs 0 <= amber <= green <= 1 (fractions, e.g. green = 0.9)")
    min_judged = _typed(rag.get("min_judged", 5), int, "rag.min_judged")
    if min_judged < 0:
        raise UsageError("[rag] min_judged must be 0 or more (records judged before a band)")

    text = raw.get("text", {})
    _no_unknown(text, ("placeholders", "min_words"), "[text]")
    limits_raw = raw.get("limits", {})
    limit_fields = {f.name: f for f in dataclasses.fields(SafetyLimits)}
    _no_unknown(limits_raw, tuple(limit_fields), "[limits]")
    limits = SafetyLimits(**{k: _typed(v, int, f"limits.{k}") for k, v in limits_raw.items()})

    by_key = {r.name: r for r in rules} | {r.code: r for r in rules}
    rule_params: dict[str, Params] = {}
    for key, values in raw.get("rules", {}).items():
        if key not in by_key:
            raise UsageError(f"[rules.{key}]: unknown rule. Valid rules: {choices}")
        rule_params[by_key[key].code] = make_params(by_key[key], values)

    history = raw.get("history", {})
    _no_unknown(history, ("path", "enabled"), "[history]")
    base = path.parent if path else Path.cwd()
    history_path = (
        base / _typed(history["path"], str, "history.path") if "path" in history else None
    )

    return AuditConfig(
        source=path,
        select=rule_list("select") if "select" in raw else None,
        exclude=rule_list("exclude"),
        show_names=_typed(raw.get("show_names", False), bool, "show_names"),
        rule_dirs=rule_dirs_of(raw, path),
        green=green,
        amber=amber,
        min_judged=min_judged,
        placeholders=_typed(
            text.get("placeholders", DEFAULT_PLACEHOLDERS), tuple[str, ...], "text.placeholders"
        ),
        min_words=_typed(text.get("min_words", DEFAULT_MIN_WORDS), int, "text.min_words"),
        limits=limits,
        rule_params=rule_params,
        profile=_profile(raw.get("profile", "auto")),
        mapping=SourceMapping.from_config(raw),
        history_enabled=_typed(history.get("enabled", True), bool, "history.enabled"),
        history_path=history_path,
        email=EmailSettings.from_config(raw, base) if "email" in raw else None,
        connections=Connection.all_from_config(raw),
    )


def make_params(rule: Rule, values: Mapping[str, Any]) -> Params:
    """The rule's parameters class with ``values`` applied, each checked against its type."""
    hints = typing.get_type_hints(rule.params)
    fields = [f.name for f in dataclasses.fields(rule.params)]
    if not isinstance(values, Mapping):
        raise UsageError(f"[rules.{rule.name}] must be a table of parameters")
    _no_unknown(values, tuple(fields), f"[rules.{rule.name}]")
    typed = {k: _typed(v, hints[k], f"{rule.name}.{k}") for k, v in values.items()}
    return rule.params(**typed)


def _no_unknown(values: Mapping[str, Any], allowed: Sequence[str], where: str) -> None:
    if not isinstance(values, Mapping):
        raise UsageError(f"{where} must be a table")
    for key in values:
        if key not in allowed:
            valid = ", ".join(allowed) if allowed else "none (this rule has no parameters)"
            raise UsageError(f"{where}: unknown key '{key}'. Valid keys: {valid}")


def _typed(value: Any, expected: Any, where: str) -> Any:
    """``value`` converted to ``expected`` (TOML lists become tuples), or a clear error."""
    origin = typing.get_origin(expected)
    if origin is tuple:
        (item_type, *_rest) = typing.get_args(expected)
        if isinstance(value, list | tuple):
            return tuple(_typed(v, item_type, f"{where}[]") for v in value)
        raise UsageError(f"{where} must be a list, got {value!r}")
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if expected is int and isinstance(value, bool):
        raise UsageError(f"{where} must be a whole number, got {value!r}")
    if isinstance(expected, type) and isinstance(value, expected):
        return value
    name = getattr(expected, "__name__", str(expected))
    kind = {
        "int": "a whole number",
        "float": "a number",
        "bool": "true or false",
        "str": "text",
    }.get(name, name)
    raise UsageError(f"{where} must be {kind}, got {value!r}")


def _profile(value: Any) -> str:
    if isinstance(value, Mapping) and len(value) == 1:
        value = next(iter(value))  # [profile.ssda903] team = …: that profile, with settings
    if value not in PROFILES:
        raise UsageError(f"profile must be one of {', '.join(PROFILES)}; got {value!r}")
    return str(value)


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


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}
