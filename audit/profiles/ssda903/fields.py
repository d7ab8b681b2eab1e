"""The SSDA903 return's files and fields this profile reads, and what the return never holds.

Names as published in the DfE's guidance (``shared/formats/ssda903.md``). A file is
recognised by its name in any case, ``-``/``_``/spaces ignored, optionally followed by a
year (``episodes_2026.csv``, ``Header 2025-26.csv``), as data teams keep them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import PurePath

from audit.normalise import header_key

RETURN = "the SSDA903 return"
_EXTENSIONS = (".csv", ".xlsx", ".xlsm", ".parquet")

FIELDS: dict[str, tuple[str, ...]] = {
    "header": ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"),
    "episodes": (
        "CHILD",
        "DECOM",
        "RNE",
        "LS",
        "CIN",
        "PLACE",
        "PLACE_PROVIDER",
        "DEC",
        "REC",
        "REASON_PLACE_CHANGE",
        "HOME_POST",
        "PL_POST",
        "URN",
    ),
    "reviews": ("CHILD", "DOB", "REVIEW", "REVIEW_CODE"),
    "missing": ("CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"),
}
# The return's other files: recognised as part of it, not read by any current rule.
OTHER_FILES = ("uasc", "oc2", "oc3", "ad1", "placed_for_adoption", "prev_perm", "sbh")

_NAME = re.compile(
    r"^(" + "|".join(header_key(n) for n in (*FIELDS, *OTHER_FILES)) + r")(?:\d{2,4}(?:\d{2,4})?)?$"
)

ABSENT: dict[str, str] = {
    "children.first_language": f"{RETURN} has no first-language field",
    "children.religion": f"{RETURN} has no religion field",
    "children.allocated_worker": f"{RETURN} names no allocated worker",
    "visits": f"{RETURN} holds no visits",
    "plans": f"{RETURN} holds no care plans",
    "assessments": f"{RETURN} holds no assessments",
    "supervisions": f"{RETURN} holds no supervision records",
    "workers": f"{RETURN} holds no records of workers or teams",
    "missing_episodes.rhi_offered": f"{RETURN} holds no return-interview fields",
    "missing_episodes.rhi_offered_date": f"{RETURN} holds no return-interview fields",
    "missing_episodes.rhi_accepted": f"{RETURN} holds no return-interview fields",
    "missing_episodes.rhi_date": f"{RETURN} holds no return-interview fields",
    "reviews.child_views": f"{RETURN} holds no review text, only the participation code",
    "reviews.chair_id": f"{RETURN} does not name the review's chair",
    "children.iro_id": f"{RETURN} does not name the child's independent reviewing officer",
    "camhs_referrals": f"{RETURN} holds no CAMHS referrals",
}


def file_name(name: str) -> str | None:
    """The return's file a sheet or file name holds (``Episodes_2026.csv`` -> ``episodes``)."""
    text = str(name).strip()
    if text.lower().endswith(_EXTENSIONS):
        text = PurePath(text).stem
    match = _NAME.match(re.sub(r"[\W_]+", "", header_key(text)))
    if match is None:
        return None
    key = match.group(1)
    return next(n for n in (*FIELDS, *OTHER_FILES) if header_key(n) == key)


def recognise(names: Sequence[str]) -> bool:
    """A source holding both the return's header and episodes files."""
    found = {file_name(n) for n in names}
    return {"header", "episodes"} <= found
