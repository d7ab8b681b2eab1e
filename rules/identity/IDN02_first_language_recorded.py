"""First language recorded for every open child.

*Standard*: Ofsted recommendation i — ethnicity, culture, race and language actively
considered; Children Act 1989 s.22(5)(c) (due consideration to the child's linguistic
background). First language uses the DfE school census codes (ENG, ENB, OTH, OTB, NOT,
REF), a specific language code (POL, SOM, BSL ...) or a language name.

*Why it matters*: a worker who does not know the child's first language cannot plan how
to hear the child, arrange an interpreter, or meet the child's linguistic needs.

*Met when*: the child's first language is recorded: any code or language name other than
a "not obtained" value. REF counts as recorded: the family's refusal is on file. A
language name such as `Polish` counts as recorded.

*Not met when*:
- `language_blank` — nothing is recorded;
- `language_not_obtained` — recorded as a "not obtained" value (parameter
  not_obtained_values; default: the code `NOT`, "not obtained", "unknown"; compared
  ignoring case and extra spaces; the detail shows the value).

*Missing data*: subjects are the open children of the audit month. An Annex A form such as
`a) ENG` or the description `Not obtained` is read as the code by the loader. Without a
first_language column the rule is skipped, never reported as compliant.

*Interpretation*: a "not obtained" value must be the whole entry, so `Unknown dialect of
Kurdish` counts as recorded. Other wordings (such as "not known") count as recorded unless
the council adds them to the parameter.

Bad: `first_language` blank, `NOT`, or `Unknown`. Good: `ENG`, `OTH`, `Polish`, `REF`.
"""

from __future__ import annotations

from dataclasses import dataclass

from audit.lazy import pd
from audit.rulekit import NOT_MET, AuditContext, Case, Params, Rule, Tables, judge, param
from audit.rulekit.scope import is_in
from audit.rulekit.text import comparable_text


@dataclass(frozen=True)
class FirstLanguageParams(Params):
    not_obtained_values: tuple[str, ...] = param(
        ("NOT", "not obtained", "unknown"),
        "values meaning nobody has obtained the first language (any case)",
    )


def evaluate(tables: Tables, params: FirstLanguageParams, ctx: AuditContext) -> pd.DataFrame:
    children = tables["children"]
    open_kids = children[ctx.is_open_child(children["child_id"])]
    language = open_kids["first_language"]
    # Both sides in the one comparable form, so "Not  Obtained" matches "not obtained".
    not_obtained_keys = comparable_text(pd.Series(params.not_obtained_values, dtype="string"))
    not_obtained = is_in(comparable_text(language), not_obtained_keys)
    return judge(
        open_kids,
        source_table="children",
        subject_id=open_kids["child_id"],
        child_id=open_kids["child_id"],
        cases=[
            Case(language.isna(), NOT_MET, "language_blank", "First language is not recorded"),
            Case(
                not_obtained,
                NOT_MET,
                "language_not_obtained",
                "First language recorded as '" + language + "' (not obtained)",
            ),
        ],
    )


RULE = Rule(
    code="IDN02",
    name="first_language_recorded",
    recommendation="i",
    subject_type="child",
    requires=("children.first_language",),
    params=FirstLanguageParams,
    evaluate=evaluate,
)
