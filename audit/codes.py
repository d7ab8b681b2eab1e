"""Official code lists and their descriptions, as the data contract names them.

Used by the loader to reduce ``a) WBRI``, ``WBRI - White British`` and ``White British``
to ``WBRI``, and by rules to tell a valid code from an invalid one.
"""

from __future__ import annotations

# DfE ethnicity codes (CIN census, SSDA903) with their official descriptions.
ETHNICITY: dict[str, str] = {
    "WBRI": "White British",
    "WIRI": "White Irish",
    "WIRT": "Traveller of Irish heritage",
    "WOTH": "Any other White background",
    "WROM": "Gypsy/Roma",
    "MWBC": "White and Black Caribbean",
    "MWBA": "White and Black African",
    "MWAS": "White and Asian",
    "MOTH": "Any other mixed background",
    "AIND": "Indian",
    "APKN": "Pakistani",
    "ABAN": "Bangladeshi",
    "AOTH": "Any other Asian background",
    "BCRB": "Caribbean",
    "BAFR": "African",
    "BOTH": "Any other Black background",
    "CHNE": "Chinese",
    "OOTH": "Any other ethnic group",
    "REFU": "Refused",
    "NOBT": "Information not yet obtained",
}

# DfE school census summary codes for first language. Specific language codes and names
# also count as recorded, so this list is not closed.
FIRST_LANGUAGE: dict[str, str] = {
    "ENG": "English",
    "ENB": "Believed to be English",
    "OTH": "Other than English",
    "OTB": "Believed to be other than English",
    "NOT": "Not obtained",
    "REF": "Refused",
}

SEX: dict[str, str] = {"M": "Male", "F": "Female", "U": "Not stated/recorded"}

CASE_TYPE: dict[str, str] = {
    "CIN": "Child in need",
    "CP": "Child protection",
    "CLA": "Child looked after",
    "CL": "Care leaver",
}

PLAN_TYPE: dict[str, str] = {
    "CIN": "Child in need plan",
    "CP": "Child protection plan",
    "CLA": "Care plan",
    "PATHWAY": "Pathway plan",
}

REVIEW_TYPE: dict[str, str] = {"CLA": "Looked after review", "CP": "Child protection review"}

# SSDA903 review participation codes.
PARTICIPATION: dict[str, str] = {
    "PN0": "Child aged under 4 at the time of the review",
    "PN1": "Child physically attends and speaks for him or herself",
    "PN2": "Child physically attends and an advocate speaks on his or her behalf",
    "PN3": "Child attends and conveys his or her view symbolically (non-verbally)",
    "PN4": "Child physically attends but does not speak or convey his or her views",
    "PN5": "Child does not attend physically but briefs an advocate to speak for him or her",
    "PN6": "Child does not attend but conveys his or her feelings by another medium",
    "PN7": "Child does not attend nor are his or her views conveyed to the review",
}

# Other words councils' systems use for the same codes; matched like descriptions.
_SYNONYMS: dict[str, dict[str, str]] = {
    "sex": {"male": "M", "female": "F", "unknown": "U", "indeterminate": "U", "not stated": "U"},
    "case_type": {
        "child in need": "CIN",
        "cin": "CIN",
        "child protection plan": "CP",
        "looked after": "CLA",
        "looked after child": "CLA",
        "child in care": "CLA",
        "children in care": "CLA",
        "care leaver": "CL",
    },
    "plan_type": {"cin plan": "CIN", "cp plan": "CP", "care plan": "CLA", "cla": "CLA"},
}

# Which code list each coded column is checked against. A column listed with a closed
# list gets a data-quality finding for a value outside it; first_language is open.
CODE_LISTS: dict[str, dict[str, str]] = {
    "ethnicity": ETHNICITY,
    "first_language": FIRST_LANGUAGE,
    "sex": SEX,
    "case_type": CASE_TYPE,
    "plan_type": PLAN_TYPE,
    "review_type": REVIEW_TYPE,
    "participation_code": PARTICIPATION,
}
OPEN_CODE_LISTS = frozenset({"first_language"})


def description_lookup(column: str) -> dict[str, str]:
    """Lower-cased description or synonym -> code, for one coded column."""
    codes = CODE_LISTS.get(column, {})
    lookup = {desc.lower(): code for code, desc in codes.items()}
    lookup.update(_SYNONYMS.get(column, {}))
    return lookup
