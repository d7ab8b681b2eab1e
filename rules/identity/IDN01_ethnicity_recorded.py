"""Ethnicity recorded for every open child.

*Standard*: Ofsted recommendation i — ethnicity, culture, race and language actively
considered; Children Act 1989 s.22(5)(c) (due consideration to racial origin and cultural
background). Ethnicity uses the DfE codes of the CIN census and SSDA903.

*Why it matters*: a plan cannot consider a child's identity when nobody has recorded who
the child is, and the authority cannot see whether its services reach every community.

*Met when*: the child's ethnicity is one of the 20 DfE codes other than NOBT. REFU counts
as recorded: the family's refusal is on file.

*Not met when*:
- `ethnicity_blank` — nothing is recorded;
- `ethnicity_not_obtained` — recorded as NOBT (information not yet obtained);
- `ethnicity_invalid_code` — a value that is not a DfE code (the detail shows it).

*Missing data*: subjects are the open children of the audit month. An Annex A form such as
`a) WBRI` or the description `White British` is read as the code by the loader. Without
an ethnicity column the rule is skipped, never reported as compliant.

Bad: `ethnicity` blank, `NOBT`, or `Mixed`. Good: `WBRI`, `BAFR`, `REFU`.
"""

from __future__ import annotations

from audit.codes import ETHNICITY
from audit.lazy import pd
from audit.rulekit import NOT_MET, AuditContext, Case, NoParams, Rule, Tables, judge


def evaluate(tables: Tables, params: NoParams, ctx: AuditContext) -> pd.DataFrame:
    children = tables["children"]
    open_kids = children[ctx.is_open_child(children["child_id"])]
    ethnicity = open_kids["ethnicity"]
    return judge(
        open_kids,
        source_table="children",
        subject_id=open_kids["child_id"],
        child_id=open_kids["child_id"],
        cases=[
            Case(ethnicity.isna(), NOT_MET, "ethnicity_blank", "Ethnicity is not recorded"),
            Case(
                ethnicity == "NOBT",
                NOT_MET,
                "ethnicity_not_obtained",
                "Ethnicity recorded as NOBT (information not yet obtained)",
            ),
            Case(
                ~ethnicity.isin(ETHNICITY.keys()),
                NOT_MET,
                "ethnicity_invalid_code",
                "Ethnicity '" + ethnicity + "' is not a DfE ethnicity code",
            ),
        ],
    )


RULE = Rule(
    code="IDN01",
    name="ethnicity_recorded",
    recommendation="i",
    subject_type="child",
    requires=("children.ethnicity",),
    evaluate=evaluate,
)
