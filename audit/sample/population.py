"""Who the fictional borough's children are: the proportions every draw is made from.

Case mix, ethnicity, first language and religion, with the wrongly recorded values the
identity rules (IDN01, IDN02) look for. Code lists themselves come from ``audit.codes``.
"""

from __future__ import annotations

CASE_TYPES = ("CIN", "CP", "CLA", "CL")
CASE_MIX = (0.42, 0.18, 0.28, 0.12)
PLAN_TYPE_OF_CASE = {"CIN": "CIN", "CP": "CP", "CLA": "CLA", "CL": "PATHWAY"}

# A mix like a diverse English borough; REFU is a recorded refusal, so it is not a defect.
ETHNICITY_MIX = {
    "WBRI": 0.52,
    "WIRI": 0.01,
    "WIRT": 0.01,
    "WOTH": 0.07,
    "WROM": 0.01,
    "MWBC": 0.04,
    "MWBA": 0.02,
    "MWAS": 0.02,
    "MOTH": 0.04,
    "AIND": 0.03,
    "APKN": 0.05,
    "ABAN": 0.03,
    "AOTH": 0.02,
    "BCRB": 0.03,
    "BAFR": 0.05,
    "BOTH": 0.01,
    "CHNE": 0.01,
    "OOTH": 0.02,
    "REFU": 0.01,
}
# Values that are no DfE code and no official description (a loader keeps them as written).
INVALID_ETHNICITY = ("WBR", "BRIT", "W1", "XX", "White Brit", "Mixed")

# Codes, and a few names written out, as case systems hold them.
LANGUAGE_MIX = {
    "ENG": 0.70,
    "ENB": 0.03,
    "POL": 0.04,
    "Polish": 0.02,
    "SOM": 0.03,
    "URD": 0.03,
    "PAN": 0.02,
    "ARA": 0.02,
    "Arabic": 0.01,
    "BSL": 0.01,
    "OTH": 0.02,
    "OTB": 0.01,
    "REF": 0.02,
    "RUM": 0.01,
    "Romanian": 0.01,
    "TIR": 0.01,
    "BEN": 0.01,
}
# "NOT" twice: the code is the commonest way of writing it.
LANGUAGE_NOT_OBTAINED = ("NOT", "Not obtained", "unknown", "NOT")

# "" becomes a blank religion: no rule judges religion on its own, so it is no defect.
RELIGIONS = {
    "Christian": 0.28,
    "No religion": 0.30,
    "Muslim": 0.15,
    "Roman Catholic": 0.06,
    "Hindu": 0.03,
    "Sikh": 0.02,
    "Jewish": 0.01,
    "Buddhist": 0.01,
    "Declined to say": 0.04,
    "": 0.10,
}
