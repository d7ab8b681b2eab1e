"""The SSD tables and fields this profile reads, and what the SSD never holds.

The table and field names are the published ones (``shared/formats/ssd.md``); a sheet or
file is recognised by its table name in any case, with or without a file extension.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePath

from audit.normalise import header_key

SSD = "the Standard Safeguarding Dataset"
_EXTENSIONS = (".csv", ".xlsx", ".xlsm", ".parquet")

# The published field names of the tables this profile reads (ssd.md). ``clae_cla_id`` and
# ``clap_cla_id`` are in the SSD scripts, not ssd.md; they are used when present.
SSD_FIELDS: dict[str, tuple[str, ...]] = {
    "ssd_person": (
        "pers_person_id",
        "pers_sex",
        "pers_gender",
        "pers_ethnicity",
        "pers_dob",
        "pers_expected_dob",
        "pers_death_date",
        "pers_nationality",
    ),
    "ssd_cin_visits": (
        "cinv_cin_visit_id",
        "cinv_person_id",
        "cinv_cin_visit_date",
        "cinv_cin_visit_seen",
        "cinv_cin_visit_seen_alone",
        "cinv_cin_visit_bedroom",
    ),
    "ssd_cp_visits": (
        "cppv_cp_visit_id",
        "cppv_person_id",
        "cppv_cp_plan_id",
        "cppv_cp_visit_date",
        "cppv_cp_visit_seen",
        "cppv_cp_visit_seen_alone",
        "cppv_cp_visit_bedroom",
    ),
    "ssd_cla_visits": (
        "clav_cla_visit_id",
        "clav_cla_id",
        "clav_person_id",
        "clav_cla_visit_date",
        "clav_cla_visit_seen",
        "clav_cla_visit_seen_alone",
    ),
    "ssd_cin_plans": (
        "cinp_cin_plan_id",
        "cinp_person_id",
        "cinp_cin_plan_start_date",
        "cinp_cin_plan_end_date",
        "cinp_cin_plan_team",
        "cinp_cin_plan_worker_id",
    ),
    "ssd_cp_plans": (
        "cppl_cp_plan_id",
        "cppl_person_id",
        "cppl_cp_plan_start_date",
        "cppl_cp_plan_end_date",
        "cppl_cp_plan_initial_category",
        "cppl_cp_plan_latest_category",
    ),
    "ssd_cla_care_plan": (
        "lacp_table_id",
        "lacp_person_id",
        "lacp_cla_care_plan_start_date",
        "lacp_cla_care_plan_end_date",
        "lacp_cla_care_plan_json",
    ),
    "ssd_cin_assessments": (
        "cina_assessment_id",
        "cina_person_id",
        "cina_assessment_start_date",
        "cina_assessment_child_seen",
        "cina_assessment_auth_date",
        "cina_assessment_team",
        "cina_assessment_worker_id",
    ),
    "ssd_cla_episodes": (
        "clae_cla_episode_id",
        "clae_person_id",
        "clae_cla_episode_start_date",
        "clae_cla_episode_start_reason",
        "clae_cla_episode_ceased_date",
        "clae_cla_episode_ceased_reason",
        "clae_cla_placement_id",
        "clae_cla_last_iro_contact_date",
        "clae_cla_id",
    ),
    "ssd_cla_placement": (
        "clap_cla_placement_id",
        "clap_person_id",
        "clap_cla_id",
        "clap_cla_placement_start_date",
        "clap_cla_placement_end_date",
        "clap_cla_placement_type",
        "clap_cla_placement_change_reason",
    ),
    "ssd_cla_reviews": (
        "clar_cla_review_id",
        "clar_cla_id",
        "clar_cla_review_due_date",
        "clar_cla_review_date",
        "clar_cla_review_cancelled",
        "clar_cla_review_participation",
    ),
    "ssd_cp_reviews": (
        "cppr_cp_review_id",
        "cppr_person_id",
        "cppr_cp_plan_id",
        "cppr_cp_review_due",
        "cppr_cp_review_date",
        "cppr_cp_review_participation",
    ),
    "ssd_missing": (
        "miss_table_id",
        "miss_person_id",
        "miss_missing_episode_start_date",
        "miss_missing_episode_type",
        "miss_missing_episode_end_date",
        "miss_missing_rhi_offered",
        "miss_missing_rhi_accepted",
    ),
    "ssd_involvements": (
        "invo_involvements_id",
        "invo_professional_id",
        "invo_professional_role_id",
        "invo_professional_team",
        "invo_involvement_start_date",
        "invo_involvement_end_date",
        "invo_person_id",
    ),
    "ssd_professionals": (
        "prof_professional_id",
        "prof_staff_id",
        "prof_professional_name",
        "prof_professional_job_title",
        "prof_professional_caseload",
        "prof_professional_department",
        "prof_full_time_equivalency",
    ),
    "ssd_department": (
        "dept_team_id",
        "dept_team_name",
        "dept_team_parent_id",
        "dept_team_parent_name",
    ),
}
_BY_KEY = {header_key(name): name for name in SSD_FIELDS}

# What the SSD never holds, whatever the extract: "table" or "table.column" -> reason.
ALWAYS_ABSENT: dict[str, str] = {
    "children.first_language": f"{SSD} has no first-language field",
    "children.religion": f"{SSD} has no religion field",
    "plans.identity_notes": f"{SSD} holds no plan text (its plan tables carry dates only)",
    "plans.identity_considered": (
        f"{SSD} holds no plan text or identity tick-box (its plan tables carry dates only)"
    ),
    "plans.child_views": f"{SSD} holds no plan text, so no recorded views of the child",
    "plans.views_influence": f"{SSD} holds no plan text, so no record of how views shaped it",
    "supervisions": f"{SSD} holds no supervision records",
    "camhs_referrals": f"{SSD} has no CAMHS referrals table",
    "visits.worker_id": f"{SSD} visit tables do not name the visiting worker",
    "visits.not_seen_alone_reason": (
        f"{SSD} records whether the child was seen alone, not why they were not"
    ),
    "visits.seen_alone_commentary": f"{SSD} holds no visit commentary",
    "missing_episodes.rhi_offered_date": (
        f"{SSD} records whether a return interview was offered, not when"
    ),
    "missing_episodes.rhi_date": f"{SSD} does not record when a return interview took place",
    "reviews.child_views": f"{SSD} holds no review text",
}


def table_name(name: str) -> str | None:
    """The SSD table a sheet or file name holds (``SSD_Person.csv`` -> ``ssd_person``)."""
    text = str(name).strip()
    if text.lower().endswith(_EXTENSIONS):
        text = PurePath(text).stem
    return _BY_KEY.get(header_key(text))


def recognise(names: Sequence[str]) -> bool:
    """True when the sheet or file names include ``ssd_person`` (any case, any extension)."""
    return any(table_name(name) == "ssd_person" for name in names)
