"""What each plan version says: identity notes, the child's views and how they shaped the
plan, with the IDN03, VOC01 and VOC02 defects seeded in."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from audit.sample.children import Kids
from audit.sample.dates import ONE_DAY, Window, days, long_dates
from audit.sample.draws import bands, concat, pick, stream
from audit.sample.phrases import (
    HERITAGE,
    IDENTITY_MISSING,
    IDENTITY_SUPPORT,
    INFLUENCE,
    INFLUENCE_MISSING,
    LANGUAGE_NAMES,
    VIEWS_CHILD,
    VIEWS_LEAVER,
    VIEWS_MISSING,
    VIEWS_OPENERS,
    VIEWS_PREVERBAL,
    VIEWS_TEEN,
)
from audit.sample.rates import DEFECT_RATES


def plan_text(seed: int, plans: pd.DataFrame, kids: Kids, window: Window) -> pd.DataFrame:
    """Fill identity notes, views and influence on every version, seeding IDN03 and VOC01-02."""
    rng = stream(seed, "plan-text")
    n = len(plans)
    child = plans["child"].to_numpy()
    day = plans["plan_date"].to_numpy(dtype="datetime64[D]")
    age = kids.age_on(child, day)
    views = _child_views_text(rng, day, age, kids.sex[child])

    first_day = (
        plans.groupby("plan_id")["plan_date"].transform("min").to_numpy(dtype="datetime64[D]")
    )
    is_first = day == first_day
    can_copy = (day - first_day) // ONE_DAY >= 90
    # Copying forward is only possible on versions 90+ days into a plan; draw it more often
    # there so that among the versions audited in the window the share is the rate.
    audited = (day >= window.start - days(90)) & (day <= window.end)
    eligible_share = can_copy[audited].mean() if audited.any() else 1.0
    not_recorded = DEFECT_RATES["VOC01.views_not_recorded"]
    copy_rate = min(DEFECT_RATES["VOC01.views_copied_forward"] / max(eligible_share, 0.05), 0.5)
    band = bands(rng.random(n), not_recorded, np.where(can_copy, copy_rate, 0.0))
    missing_views, copied = band == 0, band == 1

    plan_ids = plans["plan_id"].to_numpy()
    source = pd.Series(views[is_first], index=plan_ids[is_first])
    copied_text = source.reindex(plan_ids[copied]).to_numpy(dtype=object)
    # Some copies differ only in case or spacing: still word-for-word the same (RULES.md).
    tweak = rng.random(len(copied_text))
    copies = pd.Series(copied_text, dtype=object)
    copies = copies.mask(tweak < 0.2, copies.str.lower())
    copies = copies.mask((tweak >= 0.2) & (tweak < 0.35), copies.str.replace(" ", "  ", n=1))
    copied_text = copies.to_numpy(dtype=object)
    views[copied] = copied_text
    # A copy's source must keep its text, or the copy would not be a copy.
    sources = pd.Series(plan_ids).isin(set(plan_ids[copied])).to_numpy() & is_first
    missing_views &= ~sources
    views[missing_views] = pick(rng, VIEWS_MISSING, int(missing_views.sum()))

    influence = pick(rng, INFLUENCE, n)
    share = DEFECT_RATES["VOC02.influence_not_recorded"] / (1 - not_recorded)
    no_influence = ~missing_views & (rng.random(n) < share)
    influence[no_influence] = pick(rng, INFLUENCE_MISSING, int(no_influence.sum()))
    influence[missing_views & (rng.random(n) < 0.6)] = None  # nothing to say without views

    identity = _identity_text(rng, kids, child)
    no_identity = rng.random(n) < DEFECT_RATES["IDN03.identity_not_evidenced"]
    identity[no_identity] = pick(rng, IDENTITY_MISSING, int(no_identity.sum()))
    considered = np.full(n, None, dtype=object)
    considered[rng.random(n) < 0.92] = "Y"
    considered[no_identity] = pick(rng, ("Y", "Y", "N", None), int(no_identity.sum()))

    return plans.assign(
        identity_considered=considered,
        identity_notes=identity,
        child_views=views,
        views_influence=influence,
    )


def _pronouns(sex: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(subject, possessive) pronouns; 'they' where sex is not recorded as F or M."""
    subject = np.select([sex == "F", sex == "M"], ["she", "he"], "they").astype(object)
    possessive = np.select([sex == "F", sex == "M"], ["Her", "His"], "Their").astype(object)
    return subject, possessive


def _child_views_text(
    rng: np.random.Generator, day: np.ndarray, age: np.ndarray, sex: np.ndarray
) -> np.ndarray:
    """Views unique to each version (they carry its date), so only a deliberate copy repeats."""
    n = len(day)
    when = long_dates(day)
    subject, _ = _pronouns(sex)
    opener = pick(rng, VIEWS_OPENERS, n)
    opener = np.array(
        [o.format(d=d, p=p) for o, d, p in zip(opener, when, subject, strict=True)], dtype=object
    )
    quote = np.select(
        [age < 12, age < 18],
        [pick(rng, VIEWS_CHILD, n), pick(rng, VIEWS_TEEN, n)],
        pick(rng, VIEWS_LEAVER, n),
    ).astype(object)
    text = concat(opener, quote)
    preverbal = age < 3
    templates = pick(rng, VIEWS_PREVERBAL, int(preverbal.sum()))
    text[preverbal] = [t.format(d=d) for t, d in zip(templates, when[preverbal], strict=True)]
    return text


def _language_clause(code: Any) -> str:
    if not isinstance(code, str) or code.upper() in ("NOT", "NOT OBTAINED", "UNKNOWN"):
        return "the family's first language is still to be confirmed with them"
    if code in ("ENG", "ENB"):
        return "English is spoken at home"
    if code in ("OTH", "OTB"):
        return "a language other than English is spoken at home and an interpreter is offered"
    if code == "REF":
        return "the family chose not to share their first language"
    name = LANGUAGE_NAMES.get(code, code)
    return f"{name} is spoken at home and an interpreter is booked for meetings"


def _identity_text(rng: np.random.Generator, kids: Kids, child: np.ndarray) -> np.ndarray:
    n = len(child)
    _, possessive = _pronouns(kids.sex[child])
    ethnicity = kids.ethnicity[child]
    heritage = np.array(
        [HERITAGE.get(e, "cultural") if isinstance(e, str) else "cultural" for e in ethnicity],
        dtype=object,
    )
    spoken = np.array([_language_clause(c) for c in kids.language[child]], dtype=object)
    religion = kids.religion[child]
    faith = np.array(
        [
            f"the family's {r} faith is respected in daily routines"
            if isinstance(r, str) and r not in ("No religion", "Declined to say")
            else "the family do not follow a religion and this has been checked with them"
            for r in religion
        ],
        dtype=object,
    )
    return concat(
        possessive,
        " ",
        heritage,
        " heritage ",
        pick(rng, IDENTITY_SUPPORT, n),
        "; ",
        spoken,
        "; ",
        faith,
        ".",
    )
