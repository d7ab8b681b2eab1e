"""The rules' part of ``audit.toml``: which rules run, their parameters and the text policy.

Every key is checked at start-up. An unknown rule, an unknown key or a value of the wrong
type stops the run with a message naming the valid choices, so a typo never quietly
turns a check off. The application's own settings (RAG, limits, profile, history, email)
are read by :mod:`audit.settings`, which holds one of these.

The keys read here::

    select = ["IDN01", "seen_alone_recorded"]   # codes or names; default: every rule
    exclude = []
    rule_dirs = ["local_rules"]                 # extra folders of rule modules

    [text]
    placeholders = ["n/a", "see above"]         # replaces the default list
    min_words = 3

    [rules.seen_alone_recorded]                 # parameters, keyed by rule name
    require_commentary = true
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import tomllib
import typing
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from audit.errors import UsageError
from audit.rulekit import Params, Rule
from audit.rulekit.text import DEFAULT_MIN_WORDS, DEFAULT_PLACEHOLDERS

# The top-level keys this module reads (the settings read the rest).
RULE_KEYS = ("select", "exclude", "rule_dirs", "text", "rules")


@dataclass(frozen=True)
class RuleConfig:
    """Which rules run, with which parameters, and what counts as meaningful text."""

    select: tuple[str, ...] | None = None
    exclude: tuple[str, ...] = ()
    rule_dirs: tuple[Path, ...] = ()
    placeholders: tuple[str, ...] = DEFAULT_PLACEHOLDERS
    min_words: int = DEFAULT_MIN_WORDS
    rule_params: Mapping[str, Params] = field(default_factory=dict)  # by rule code

    def params_for(self, rule: Rule) -> Params:
        return self.rule_params.get(rule.code) or rule.params()

    def selected(self, rules: Sequence[Rule]) -> list[Rule]:
        chosen = [r for r in rules if self.select is None or {r.code, r.name} & set(self.select)]
        return [r for r in chosen if not {r.code, r.name} & set(self.exclude)]

    def text(self) -> dict[str, Any]:
        """The text policy in force, as run.json records it."""
        return {"placeholders": list(self.placeholders), "min_words": self.min_words}

    def parameters(self, rules: Sequence[Rule]) -> dict[str, Any]:
        """Each rule's parameters in force, defaults included, keyed by rule name."""
        return {r.name: _jsonable(self.params_for(r)) for r in rules}


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
    dirs = checked(raw.get("rule_dirs", []), tuple[str, ...], "rule_dirs")
    base = path.parent if path else Path.cwd()
    return tuple(base / d for d in dirs)


def build_rule_config(
    raw: Mapping[str, Any], path: Path | None, rules: Sequence[Rule]
) -> RuleConfig:
    """The rules' part of the parsed config file, checked against the rules found."""
    names = {r.code for r in rules} | {r.name for r in rules}
    # Codes and names are both accepted, so the error lists both ("IDN01 child_id_valid").
    choices = ", ".join(f"{r.code} {r.name}" for r in sorted(rules, key=lambda r: r.code))

    def rule_list(key: str) -> tuple[str, ...]:
        values = checked(raw.get(key, []), tuple[str, ...], key)
        for value in values:
            if value not in names:
                raise UsageError(
                    f"{key}: unknown rule '{value}'.{did_you_mean(value, names)} "
                    f"Valid rules: {choices}"
                )
        return values

    text = raw.get("text", {})
    no_unknown(text, ("placeholders", "min_words"), "[text]")

    by_key = {r.name: r for r in rules} | {r.code: r for r in rules}
    rule_params: dict[str, Params] = {}
    for key, values in raw.get("rules", {}).items():
        if key not in by_key:
            raise UsageError(
                f"[rules.{key}]: unknown rule.{did_you_mean(key, by_key)} Valid rules: {choices}"
            )
        rule_params[by_key[key].code] = make_params(by_key[key], values)

    return RuleConfig(
        select=rule_list("select") if "select" in raw else None,
        exclude=rule_list("exclude"),
        rule_dirs=rule_dirs_of(raw, path),
        placeholders=checked(
            text.get("placeholders", DEFAULT_PLACEHOLDERS), tuple[str, ...], "text.placeholders"
        ),
        min_words=checked(text.get("min_words", DEFAULT_MIN_WORDS), int, "text.min_words"),
        rule_params=rule_params,
    )


def make_params(rule: Rule, values: Mapping[str, Any]) -> Params:
    """The rule's parameters class with ``values`` applied, each checked against its type."""
    hints = typing.get_type_hints(rule.params)
    fields = [f.name for f in dataclasses.fields(rule.params)]
    if not isinstance(values, Mapping):
        raise UsageError(f"[rules.{rule.name}] must be a table of parameters")
    no_unknown(values, tuple(fields), f"[rules.{rule.name}]")
    typed = {k: checked(v, hints[k], f"{rule.name}.{k}") for k, v in values.items()}
    return rule.params(**typed)


def no_unknown(values: Mapping[str, Any], allowed: Sequence[str], where: str) -> None:
    if not isinstance(values, Mapping):
        raise UsageError(f"{where} must be a table")
    for key in values:
        if key not in allowed:
            valid = ", ".join(allowed) if allowed else "none (this rule has no parameters)"
            raise UsageError(
                f"{where}: unknown key '{key}'.{did_you_mean(key, allowed)} Valid keys: {valid}"
            )


def did_you_mean(given: object, valid: Iterable[str]) -> str:
    """ " Did you mean 'x'?" for the valid choice closest to a typo (any case), else ""."""
    folded = {v.casefold(): v for v in valid}
    close = difflib.get_close_matches(str(given).casefold(), list(folded), n=1, cutoff=0.75)
    return f" Did you mean '{folded[close[0]]}'?" if close else ""


def checked(value: Any, expected: Any, where: str) -> Any:
    """``value`` converted to ``expected`` (TOML lists become tuples), or a clear error."""
    origin = typing.get_origin(expected)
    if origin is tuple:
        (item_type, *_rest) = typing.get_args(expected)
        if isinstance(value, list | tuple):
            return tuple(checked(v, item_type, f"{where}[]") for v in value)
        raise UsageError(f"{where} must be a list, got {value!r}")
    # A typed value written as text in config (an interval: "42 calendar days") knows how
    # to read itself; its complaint names the expected form.
    if isinstance(expected, type) and hasattr(expected, "from_config"):
        try:
            return expected.from_config(value)
        except ValueError as exc:
            raise UsageError(f"{where}: {exc}") from None
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    # TOML reads inf and nan as numbers; neither is a threshold or a limit anyone means, and
    # overview.json (which rebuilds an emailed page) could not keep them.
    if expected is float and isinstance(value, float) and not math.isfinite(value):
        raise UsageError(f"{where} must be a finite number, got {value!r}")
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


def _jsonable(params: Params) -> dict[str, Any]:
    return {f.name: _config_value(getattr(params, f.name)) for f in dataclasses.fields(params)}


def _config_value(value: Any) -> Any:
    """A parameter as config would write it: lists for tuples, text for an interval."""
    if hasattr(value, "to_config"):
        return value.to_config()
    return [_config_value(v) for v in value] if isinstance(value, tuple) else value
