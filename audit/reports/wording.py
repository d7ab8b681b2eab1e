"""Plain English for what a manager reads: the checks' reasons without the audit's terms.

The checks write their reasons for the QA lead and the findings file ("overdue at the
as-at date 31/10/2026", "a reg 29 code", "PN7"). A team manager reads them on the team page,
in the email and in the workbook, so there the audit's terms are put in words: the as-at
date is the date itself, regulation 29 and the SSDA903 participation codes are explained
beside the code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from audit.contract import TABLES

# SSDA903 review participation codes (DATA_CONTRACT.md), as a manager would say them.
PARTICIPATION = {
    "PN0": "child under 4 at the review",
    "PN1": "attended and spoke for themselves",
    "PN2": "attended, an advocate spoke for them",
    "PN3": "attended and conveyed their views non-verbally",
    "PN4": "attended but did not contribute",
    "PN5": "did not attend, briefed an advocate",
    "PN6": "did not attend, conveyed their views another way",
    "PN7": "did not attend, views not conveyed",
}

_AS_AT = re.compile(r"\bat\s+the\s+as-at\s+date\s+(\d{2}/\d{2}/\d{4})")
# "the as-at date", across a line break too, and its own gloss when the text gives one.
_AS_AT_LEFT = re.compile(r"\bthe\s+as-at\s+date\b(?:\s+\(the end of the audit month\))?")
_REG_29 = re.compile(r"\ba reg 29 code(?: \(refused, age, unable\))?")
# A code not already followed by its description in brackets.
_PN = re.compile(r"\b(PN[0-7])\b(?! \()")


REG_29 = (
    "regulation 29 allows a child not to be seen alone if they refuse, are too young, "
    "or the worker is unable"
)


# Cached: a team's reasons repeat (the same check, the same few dates), and every page,
# workbook and email of the month puts the same texts in words.
@lru_cache(maxsize=65_536)
def plain(text: str, explain: bool = True) -> str:
    """``text`` with the audit's terms in words; anything else is left as written.

    ``explain=False`` leaves regulation 29 and the participation codes as codes, for a long
    list that explains them once underneath (:func:`explained`) rather than on every line.
    """
    text = _AS_AT.sub(r"on \1", text)
    text = _AS_AT_LEFT.sub("the end of the audit month", text)
    if not explain:
        return text
    text = _REG_29.sub(
        "a reason regulation 29 allows (child refused, too young, worker unable)",
        text,
    )
    return _PN.sub(lambda m: f"{m[1]} ({PARTICIPATION[m[1]]})", text)


def explained(texts: Iterable[str]) -> list[str]:
    """One line per term used in ``texts`` (reg 29, each PN code), in words."""
    seen = " ".join(texts)
    lines = [f"reg 29: {REG_29}"] if "reg 29" in seen else []
    return lines + [f"{code}: {words}" for code, words in PARTICIPATION.items() if code in seen]


def column_words(column: str) -> str:
    """A column of the export in words: ``seen_alone`` -> ``Seen alone``."""
    words = column.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


# The export's tables as a manager would name them.
TABLE_WORDS = {
    "camhs_referrals": "CAMHS referrals",
    "missing_episodes": "missing episodes",
}
# The contract's columns and tables, so a field name in a reason or a check's documentation
# can be put in words ("needs visits.seen_alone" -> "needs whether the child was seen alone
# (visits)") while any other word with an underscore, a setting's name say, is left alone.
_COLUMNS = frozenset(c.name for columns in TABLES.values() for c in columns)
_FIELD = re.compile(
    r"\b(?P<table>[a-z][a-z_]*)\.(?:\{(?P<list>[a-z_, ]+)\}|(?P<column>[a-z][a-z0-9_]*))"
)
_BARE = re.compile(r"`?\b([a-z][a-z0-9]*(?:_[a-z0-9]+)+|[a-z]+)\b`?")


def table_words(table: str) -> str:
    return TABLE_WORDS.get(table, table.replace("_", " "))


def field_words(column: str) -> str:
    """``first_contact_date`` -> ``first contact date``; ``iro_id`` -> ``IRO ID``."""
    words = column.replace("_", " ")
    return re.sub(r"\b(iro|camhs|rhi|fte|id)\b", lambda m: m[1].upper(), words)


@lru_cache(maxsize=4096)  # the checks' documentation and reasons, the same for every team
def fields_in_words(text: str) -> str:
    """``text`` with the contract's field names in words and "as-at" said plainly.

    ``table.column`` (or ``table.{a, b}``) becomes "column in words (table)"; a column name
    on its own, backticked or not, becomes its words; the as-at date is the end of the month.
    """

    def field(m: re.Match[str]) -> str:
        table = m["table"]
        if table not in TABLES:
            return m[0]
        columns = [c.strip() for c in (m["list"] or m["column"]).split(",")]
        return f"{', '.join(field_words(c) for c in columns)} in the {table_words(table)} table"

    def bare(m: re.Match[str]) -> str:
        name = m[1]
        if "_" not in name:
            return m[0]
        if name in TABLES:
            return table_words(name)
        return field_words(name) if name in _COLUMNS else m[0]

    text = _FIELD.sub(field, text)
    text = _BARE.sub(bare, text)
    return plain(text, explain=False)


def reason_for(status: str, reason: str | None, *, for_team: bool) -> str:
    """Why a check did not run, in words. An error's message can quote a value from the
    data (another team's child ID in a KeyError), so for a team only its kind is given."""
    if not reason:
        return "no reason recorded"
    if for_team and status == "ERROR":
        return reason.split(":", 1)[0] + "; the QA leads have the details"
    return fields_in_words(reason)
