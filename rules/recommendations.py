"""The recommendation catalogue: the Ofsted recommendations the built-in rules check.

The recommendations of an Ofsted inspection of safeguarding and looked-after children
services (2011), section "Areas for improvement", numbered as the report numbers them.
Every rule's ``recommendation`` must be one of these codes (or of a rule pack's own
``RECOMMENDATIONS``): the registry refuses a rule naming any other, so a typo can never
drop a rule from the reports' recommendation tables. The reports show the title beside
the code; ``wording`` says what the recommendation asks of the records.
"""

from __future__ import annotations

from audit.rulekit import Recommendation

RECOMMENDATIONS = (
    Recommendation(
        "i",
        "Ethnicity, culture, race and language considered",
        "Ethnicity, culture, race and language are actively considered in children in need "
        "and child protection plans.",
    ),
    Recommendation(
        "ii",
        "The child's views taken forward and acted upon",
        "Records show how the child's views are taken forward in planning and acted upon.",
    ),
    Recommendation(
        "iii",
        "Supervision with case and worker reflection",
        "Supervision records include all the components of effective supervision, including "
        "case and worker reflection.",
    ),
    Recommendation(
        "v",
        "Return interviews after missing episodes",
        "A child who has been missing is offered an independent return interview each time "
        "they come back, and the record shows it.",
    ),
    Recommendation(
        "vii",
        "IRO workloads that leave room to involve children and families",
        "Independent reviewing officers' workloads give them the capacity to involve "
        "children and families in reviews.",
    ),
    Recommendation(
        "ix",
        "Assessments and plans updated after significant change",
        "Core assessments and care plans are updated after significant changes in a child's "
        "circumstances, and risk assessments are fully documented for looked-after children "
        "returning home.",
    ),
    Recommendation(
        "x",
        "Timely, accessible CAMHS for looked-after children",
        "Referrals of looked-after children to child and adolescent mental health services "
        "are prioritised, and the services are accessible and timely.",
    ),
    Recommendation(
        "xi",
        "Children seen alone, and the record says so",
        "Records of social worker visits comment regularly on whether the child was seen alone.",
    ),
)
