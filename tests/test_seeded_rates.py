"""The generator's seeded defect rates show up in the audit's findings: the sample data
really exercises every rule, and the rules find what was planted."""

from __future__ import annotations

import pytest

from audit.period import AuditPeriod
from audit.run import audit
from audit.sample import DEFECT_RATES, generate_authority, write_workbook

# Rules with many subjects in a 2,000-child month; the others (a few dozen events, reviews
# or missing episodes a month) are checked on the committed sample's snapshot instead.
# VIS01 and SUP02 seed an exact count of defects per month, so even SUP02's hundred-odd
# workers show its rates.
WELL_POPULATED = (
    "IDN01",
    "IDN02",
    "IDN03",
    "VOC01",
    "VOC02",
    "SUP01",
    "SEE01",
    "IRO01",
    "VIS01",
    "SUP02",
)


@pytest.fixture(scope="module")
def findings(tmp_path_factory):
    path = tmp_path_factory.mktemp("rates") / "authority.xlsx"
    write_workbook(generate_authority(2000, seed=11, end_month="2026-10"), path)
    return audit(path, AuditPeriod.parse("2026-10")).findings


@pytest.mark.parametrize(
    "key", [k for k in DEFECT_RATES if k.split(".")[0] in WELL_POPULATED], ids=str
)
def test_seeded_rate_shows_up_in_the_findings(findings, key):
    code, reason = key.split(".")
    subjects = findings[findings["rule_code"] == code]
    observed = (subjects["reason_code"] == reason).sum() / len(subjects)
    expected = DEFECT_RATES[key]
    # Generous enough for sampling noise at a few hundred subjects, tight enough to catch
    # a rule that stops finding a defect (or finds it everywhere).
    assert abs(observed - expected) <= max(0.03, expected * 0.5), (
        f"{key}: seeded {expected:.3f}, found {observed:.3f} of {len(subjects)} subjects"
    )


def test_seeded_camhs_delays_show_up(findings):
    """A few dozen referrals fall due a month: too few for a rate (declined and withdrawn
    ones may not occur at all), enough for each kind of delay and a mostly timely service."""
    camhs = findings[findings["rule_code"] == "CAM01"]
    assert len(camhs) >= 15
    assert {"first_contact_late", "no_first_contact"} <= set(camhs["reason_code"].dropna())
    assert (camhs["outcome"] == "met").mean() > 0.6


def test_the_part_time_iro_covering_a_vacancy_is_the_one_above_the_caseload_range(findings):
    iro = findings[findings["rule_code"] == "IRO02"]
    above = iro[iro["reason_code"] == "caseload_above_range"]
    assert len(iro) > 5
    assert len(above) == 1 and "FTE 0.4" in above["detail"].iloc[0]


def test_visits_and_supervisions_otherwise_keep_to_the_statutory_rhythm(findings):
    """Apart from the seeded defects every child is visited and every worker supervised on
    time: a believable authority, where the not-met children are the ones to chase."""
    for code in ("VIS01", "SUP02"):
        judged = findings[findings["rule_code"] == code]
        seeded = sum(rate for key, rate in DEFECT_RATES.items() if key.startswith(code + "."))
        met = (judged["outcome"] == "met").mean()
        assert abs((1 - met) - seeded) <= 0.03, (code, met, seeded)
