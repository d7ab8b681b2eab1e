"""The child's views reached each review.

*Standard*: Ofsted recommendation ii — records show how the child's views are taken
forward in planning and acted upon; Children Act 1989 s.22(4)-(5) and s.17(4A) (ascertain
the child's wishes and feelings and give them due consideration). Participation is
recorded with the SSDA903 review participation codes PN0-PN7.

*Why it matters*: a review that goes ahead without the child's voice plans around the
child rather than with them. PN4 and PN7 say in the authority's own return that the
child's views did not reach the review; PN0 is only an answer for a child under 4.

*Met when*: the review's `participation_code` is one of `conveyed_codes` (default PN1,
PN2, PN3, PN5, PN6), or is PN0 for a child under `pn0_under_age` (default 4) on the review
date.

*Not met when*:
- `views_not_conveyed` — a code in the not-conveyed list (default PN4: attends without
  contributing; PN7: absent and views not conveyed);
- `pn0_aged_4_or_over` — PN0 recorded for a child aged 4 (the PN0 age limit) or over on
  the review date (the detail gives the age);
- `pn0_age_unknown` — PN0 recorded and the child's date of birth is not recorded;
- `participation_not_recorded` — no participation code, or a value that is not one of
  the codes above (the detail shows it).

*Missing data*: subjects are the reviews dated in the audit month for open children. Age
is in whole years on the review date: a child is 4 on their 4th birthday, and a child born
on 29 February has their birthday on 1 March in a year that is not a leap year. Without a
`date_of_birth` column every PN0 is `pn0_age_unknown`. Without a `participation_code`
column the rule is skipped.

*Worker*: when the input has `reviews.chair_id`, the review's chair (the IRO or conference
chair; trimmed) is the finding's worker, so the "by worker" tables show participation per
chair; a review with a blank chair has no worker (it is not put on the child's social
worker). Without the column, the worker is the child's allocated worker.

*Interpretation*: a date of birth after the review date (a pre-birth conference) gives an
age under 4, so PN0 is met. A code in neither list (e.g. one a council removed from
`conveyed_codes`) is `participation_not_recorded`.

Bad: PN7, PN4, or PN0 for a 9-year-old. Good: PN1, PN6, or PN0 for a 2-year-old.
"""

from __future__ import annotations

from dataclasses import dataclass

from audit.codes import PARTICIPATION
from audit.lazy import pd
from audit.rulekit import (
    MET,
    NOT_MET,
    AuditContext,
    Case,
    Params,
    Rule,
    Tables,
    always,
    codes,
    has_column,
    judge,
    param,
    workers_as_given,
)
from audit.rulekit.scope import in_period
from audit.rulekit.wording import uk_date

PN0 = "PN0"


@dataclass(frozen=True)
class ReviewParticipationParams(Params):
    conveyed_codes: tuple[str, ...] = codes(
        "reviews.participation_code",
        ("PN1", "PN2", "PN3", "PN5", "PN6"),
        "Participation codes showing the child's views reached the review",
    )
    not_conveyed_codes: tuple[str, ...] = codes(
        "reviews.participation_code",
        ("PN4", "PN7"),
        "Participation codes showing the child's views did not reach the review",
    )
    pn0_under_age: int = param(4, "PN0 (under 4 at the review) is met for a child under this age")


def _age_in_years(birth: pd.Series, on: pd.Series) -> pd.Series:
    """Whole years from ``birth`` to ``on``: the birthday itself counts; <NA> when unknown.

    Comparing (month, day) pairs puts a 29 February birthday after 28 February, so in a
    year without 29 February the birthday is reached on 1 March.
    """
    years = on.dt.year - birth.dt.year
    before_birthday = (on.dt.month < birth.dt.month) | (
        (on.dt.month == birth.dt.month) & (on.dt.day < birth.dt.day)
    )
    return (years - before_birthday.astype("Int64")).astype("Int64")


def evaluate(tables: Tables, params: ReviewParticipationParams, ctx: AuditContext) -> pd.DataFrame:
    children = tables["children"]

    reviews = tables["reviews"]
    chosen = ctx.is_open_child(reviews["child_id"]) & in_period(reviews["review_date"], ctx.period)
    subjects = reviews[chosen]
    review_date = pd.to_datetime(subjects["review_date"])
    recorded = subjects["participation_code"].astype("string")
    code = recorded.str.strip().str.upper()

    if has_column(children, "date_of_birth"):
        birth_by_child = pd.to_datetime(
            children.drop_duplicates("child_id").set_index("child_id")["date_of_birth"]
        )
        birth = pd.to_datetime(subjects["child_id"].map(birth_by_child))
    else:
        birth = pd.Series(pd.NaT, index=subjects.index, dtype="datetime64[ns]")
    age = _age_in_years(birth, review_date)

    is_pn0 = code.eq(PN0).fillna(False)
    described = (" (" + code.map(PARTICIPATION).astype("string") + ")").fillna("")
    what = "Review on " + uk_date(review_date) + ": "
    chair = (
        subjects["chair_id"].astype("string").str.strip().replace("", pd.NA)
        if has_column(subjects, "chair_id")
        else None
    )
    result = judge(
        subjects,
        source_table="reviews",
        subject_id=subjects["review_id"],
        child_id=subjects["child_id"],
        worker_id=chair,
        evidence_date=review_date,
        cases=[
            Case(
                code.isin(params.not_conveyed_codes),
                NOT_MET,
                "views_not_conveyed",
                what + code + described + ": the child's views did not reach the review",
            ),
            Case(code.isin(params.conveyed_codes), MET, None, what + code + described),
            Case(
                is_pn0 & (birth > review_date),
                MET,
                None,
                what + "PN0, child born " + uk_date(birth) + ", after the review",
            ),
            Case(
                is_pn0 & age.lt(params.pn0_under_age),
                MET,
                None,
                what + "PN0, child aged " + age.astype("string") + " at the review",
            ),
            Case(
                is_pn0 & age.ge(params.pn0_under_age),
                NOT_MET,
                "pn0_aged_4_or_over",
                what
                + "PN0 (under "
                + str(params.pn0_under_age)
                + ") recorded but the child was "
                + age.astype("string")
                + " at the review",
            ),
            Case(
                is_pn0,
                NOT_MET,
                "pn0_age_unknown",
                what
                + "PN0 (under "
                + str(params.pn0_under_age)
                + ") recorded but the child's date of birth is not recorded",
            ),
            Case(
                code.isna(),
                NOT_MET,
                "participation_not_recorded",
                what + "the child's participation is not recorded",
            ),
        ],
        otherwise=always(
            NOT_MET,
            "participation_not_recorded",
            what
            + "participation recorded as '"
            + recorded
            + "', not a recognised participation code",
        ),
    )
    return workers_as_given(result) if chair is not None else result


RULE = Rule(
    code="VOC03",
    name="review_participation",
    recommendation="ii",
    subject_type="review",
    requires=("reviews.review_date", "reviews.participation_code"),
    uses=("children.date_of_birth", "reviews.chair_id"),
    params=ReviewParticipationParams,
    evaluate=evaluate,
)
