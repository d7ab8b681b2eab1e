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

_AS_AT = re.compile(r"\bat the as-at date (\d{2}/\d{2}/\d{4})")
_AS_AT_LEFT = re.compile(r"\bthe as-at date\b")
_REG_29 = re.compile(r"\ba reg 29 code(?: \(refused, age, unable\))?")
# A code not already followed by its description in brackets.
_PN = re.compile(r"\b(PN[0-7])\b(?! \()")


REG_29 = (
    "regulation 29 allows a child not to be seen alone if they refuse, are too young, "
    "or the worker is unable"
)


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
