"""How often each rule's defect is seeded: the one place the generator's rates are set.

Each rate is the probability that one subject of the rule (RULES.md) gets that defect.
Where the subject is a row of the data (a child, a plan version, a visit, a review, an
episode, a supervision record, an event) the defect is drawn on every such row, so the
rate holds whichever month is audited:

- IDN01/IDN02: each child row.
- IDN03: each version of a CIN or CP plan (whichever version is latest at an as-at date
  is the subject, and every version carries the same chance).
- VOC01/VOC02: each plan version of any type. "copied forward" can only happen to a
  version dated 90+ days after the plan's first version, so it is drawn on those more
  often to keep the overall share at the rate. VOC02 counts all VOC01 subjects, including
  those not applicable because no views were recorded.
- SEE01: each statutory visit (including those where the child was not seen, which are
  subjects that come out not applicable).
- SEE02: each child-month with a statutory visit where the child was seen. Approximate:
  a month whose only visits carry SEE01 defects fails on its own; the deliberate share is
  topped up so the total comes to about the rate.
- CHG01: each change event (event_type other than "other"), judged in the month its due
  date falls in. CHG02: each return_home event, in the month of the event.
- VOC03: each review. RHI01: each missing episode with an end date.
- SUP01: each supervision record.
- IRO01: each looked-after child. IRO02 has a handful of subjects (the IROs): its defect
  is one part-time IRO (0.4 FTE) covering a vacancy as well as a full share, not a rate.
- CAM01: each CAMHS referral (of any child: the referrals of children who are not looked
  after are not judged, but carry the same chances).
- VIS01: each child-month of a CLA, CP or CIN child (see ``rhythm``). Statutory visits
  keep to the case type's interval; ``no_visit_recorded`` is drawn per child (their visits
  are recorded under another visit type), ``visit_overdue`` per child-month among those
  where it can happen, topped up to the rate; the month after an overdue one is a late
  month, and ``visit_late_in_period`` is topped up to its rate including those.
- SUP02: each social worker-month (``sw``, ``asye``), overdue and late as for VIS01.
  ``no_supervision_recorded`` is not seeded: every worker in post has a supervision within
  their first interval; it occurs only where a new starter's start date is set back.
"""

from __future__ import annotations

DEFECT_RATES: dict[str, float] = {
    "IDN01.ethnicity_blank": 0.04,
    "IDN01.ethnicity_not_obtained": 0.03,
    "IDN01.ethnicity_invalid_code": 0.02,
    "IDN02.language_blank": 0.03,
    "IDN02.language_not_obtained": 0.02,
    "IDN03.identity_not_evidenced": 0.12,
    "VOC01.views_not_recorded": 0.08,
    "VOC01.views_copied_forward": 0.06,
    "VOC02.influence_not_recorded": 0.10,
    "SUP01.missing_components": 0.15,
    "SEE01.seen_alone_not_recorded": 0.05,
    "SEE01.no_reason_not_seen_alone": 0.04,
    "SEE02.not_seen_alone_in_period": 0.10,
    "CHG01.not_updated": 0.10,
    "CHG01.updated_late": 0.08,
    "CHG02.no_risk_assessment": 0.12,
    "CHG02.risk_assessment_after_return": 0.05,
    "CHG02.risk_assessment_not_completed": 0.05,
    "VOC03.views_not_conveyed": 0.06,
    "VOC03.participation_not_recorded": 0.04,
    "VOC03.pn0_aged_4_or_over": 0.02,
    "RHI01.not_offered": 0.05,
    "RHI01.offer_not_recorded": 0.04,
    "RHI01.offered_late": 0.08,
    "IRO01.no_iro_allocated": 0.04,
    "IRO01.iro_not_found": 0.02,
    "CAM01.referral_declined": 0.08,
    "CAM01.referral_withdrawn": 0.04,
    "CAM01.first_contact_late": 0.12,
    "CAM01.no_first_contact": 0.06,
    "VIS01.no_visit_recorded": 0.02,
    "VIS01.visit_overdue": 0.04,
    "VIS01.visit_late_in_period": 0.07,
    "SUP02.supervision_overdue": 0.05,
    "SUP02.supervision_late_in_period": 0.08,
}
