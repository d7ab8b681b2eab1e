"""The SSDA903 profile: the DfE's children-looked-after return read from its CSV files.

The fictional return below uses the published file and field names
(``shared/formats/ssda903.md``) and codes, audited for September 2026:

* 101 in care since 01/04/2025: two episodes joined by X1; two reviews on one date with
  different codes, and one line repeated exactly; a missing and an away episode;
* 102 came into care on 15/08/2026 (section 20), ethnicity not recorded, PN0 at 17;
* 103 returned home (E4A) on 31/05/2026: not open in September;
* 104 is in the header with no episode: never looked after in the year;
* 105 comes into care on 15/10/2026: not open in September.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from audit.errors import InputError, UsageError
from audit.loader import load
from audit.period import AuditPeriod
from audit.profiles import ssda903
from audit.profiles.mapping import SourceMapping
from audit.run import audit
from audit.settings import build_settings

RETURN: dict[str, list[list[str]]] = {
    "header": [
        ["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"],
        ["101", "1", "04/03/2012", "WBRI", "A123456789012", "", ""],
        ["102", "2", "10/06/2009", "", "UN1", "", ""],
        ["103", "1", "21/11/2015", "BAFR", "UN2", "", ""],
        ["104", "2", "01/01/2010", "MWBC", "UN3", "", ""],
        ["105", "1", "02/02/2014", "WIRI", "UN4", "", ""],
    ],
    "episodes": [
        [
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
        ],
        ["101", "01/04/2025", "S", "C2", "N1", "U1", "PR1", "31/03/2026", "X1", "", "", "", ""],
        ["101", "01/04/2026", "P", "C2", "N1", "U3", "PR1", "", "", "CARPL", "", "", ""],
        ["102", "15/08/2026", "S", "V2", "N4", "U4", "PR2", "", "", "", "", "", ""],
        ["103", "01/02/2025", "S", "C1", "N1", "U1", "PR1", "31/05/2026", "E4A", "", "", "", ""],
        ["105", "15/10/2026", "S", "V2", "N2", "U1", "PR1", "", "", "", "", "", ""],
    ],
    "reviews": [
        ["CHILD", "DOB", "REVIEW", "REVIEW_CODE"],
        ["101", "04/03/2012", "10/09/2026", "PN1"],
        ["101", "04/03/2012", "10/09/2026", "PN7"],
        ["101", "04/03/2012", "10/09/2026", "PN1"],  # the same line again
        ["102", "10/06/2009", "20/09/2026", "PN0"],
        ["103", "21/11/2015", "05/04/2026", "PN3"],
    ],
    "missing": [
        ["CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"],
        ["101", "04/03/2012", "M", "05/09/2026", "06/09/2026"],
        ["101", "04/03/2012", "A", "12/09/2026", "12/09/2026"],
    ],
    "uasc": [["CHILD", "SEX", "DOB", "DUC"], ["102", "2", "10/06/2009", "10/06/2027"]],
}
AS_AT = dt.date(2026, 9, 30)


def write_return(folder: Path, files: dict[str, list[list[str]]] = RETURN) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in files.items():
        with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows(rows)
    return folder


def team_config(tmp_path: Path, team: str = "Children in Care") -> Path:
    path = tmp_path / "audit.toml"
    path.write_text(f'[profile.ssda903]\nteam = "{team}"\n')
    return path


def test_the_return_is_recognised_by_its_file_names():
    assert ssda903.recognise(["header.csv", "Episodes_2026.csv", "reviews.csv"])
    assert ssda903.recognise(["Header 2025-26", "episodes"])
    assert not ssda903.recognise(["header", "reviews"])  # no episodes: not the return
    assert not ssda903.recognise(["children", "visits"])


def test_children_are_open_only_while_an_episode_covers_the_period(tmp_path):
    result = load(
        write_return(tmp_path / "return"),
        as_at=AS_AT,
        mapping=SourceMapping(settings={"ssda903": {"team": "Children in Care"}}),
    )
    assert result.profile == "ssda903"
    children = result.loads["children"]
    frame = children.frame.set_index("child_id")
    assert sorted(frame.index) == ["101", "102", "103", "105"]
    assert frame.loc["101", "sex"] == "M" and frame.loc["102", "sex"] == "F"
    assert set(frame["case_type"]) == {"CLA"}
    assert set(frame["allocated_team"]) == {"Children in Care"}
    # Two episodes joined by X1 are one period of care, still open.
    assert frame.loc["101", "case_start_date"] == dt.datetime(2025, 4, 1)
    assert (
        frame.loc["101", "case_end_date"] is None or str(frame.loc["101", "case_end_date"]) == "NaT"
    )
    assert frame.loc["103", "case_end_date"] == dt.datetime(2026, 5, 31)
    assert frame.loc["105", "case_start_date"] == dt.datetime(2026, 10, 15)
    # 104 has no episode: counted, and listed as left out with the reason.
    assert (children.rows_read, children.rows_loaded, children.rows_rejected) == (5, 4, 1)
    never = children.rejected.iloc[0]
    assert (never["kind"], never["source_row"], never["value"]) == ("left_out", 5, "104")
    assert "not looked after in the year" in never["detail"]


def test_reviews_get_stable_ids_from_child_date_and_code(tmp_path):
    result = load(write_return(tmp_path / "return"), as_at=AS_AT)
    reviews = result.loads["reviews"]
    assert sorted(reviews.frame["review_id"]) == [
        "REV-101-2026-09-10-PN1",
        "REV-101-2026-09-10-PN7",
        "REV-102-2026-09-20-PN0",
        "REV-103-2026-04-05-PN3",
    ]
    assert set(reviews.frame["review_type"]) == {"CLA"}
    dup = reviews.rejected.iloc[0]
    assert (dup["kind"], dup["source_row"], dup["detail"]) == (
        "duplicate_key",
        4,
        "duplicates the review_id of reviews.csv row 2",
    )
    assert reviews.rows_read == reviews.rows_loaded + reviews.rows_rejected == 5


def test_every_missing_row_is_counted_and_the_away_one_listed(tmp_path):
    result = load(write_return(tmp_path / "return"), as_at=AS_AT)
    missing = result.loads["missing_episodes"]
    assert missing.frame["episode_id"].tolist() == ["MIS-101-2026-09-05"]
    assert (missing.rows_read, missing.rows_rejected) == (2, 1)
    assert missing.rejected.iloc[0]["kind"] == "left_out"
    assert result.absent["missing_episodes.rhi_offered"] == (
        "the SSDA903 return holds no return-interview fields"
    )
    events = result.loads["events"].frame
    assert events[["event_id", "event_type"]].values.tolist() == [
        ["RETURN-103-2026-05-31", "return_home"]
    ]
    assert "uasc.csv" in result.unrecognised
    assert "episodes.csv" not in result.unrecognised  # read for case dates


def test_a_folder_of_the_return_is_audited_with_what_it_holds(tmp_path):
    run = audit(
        write_return(tmp_path / "return"),
        AuditPeriod.parse("2026-09"),
        team_config(tmp_path),
    )
    assert run.loaded.profile == "ssda903"
    status = {s.code: s for s in run.statuses}
    ran = {code: s.counts for code, s in status.items() if s.status == "RAN"}
    assert ran == {
        # Open in September: 101 (WBRI) and 102 (ethnicity blank).
        "IDN01": {"met": 1, "not_met": 1, "not_applicable": 0},
        # 101 PN1 met, 101 PN7 not met, 102 PN0 at 17 not met; 103's April review is out.
        "VOC03": {"met": 1, "not_met": 2, "not_applicable": 0},
    }
    skipped = {code: s.reason for code, s in status.items() if s.status == "SKIPPED"}
    assert set(skipped) == set(status) - set(ran)
    assert skipped["RHI01"].endswith("the SSDA903 return holds no return-interview fields")
    for code, reason in skipped.items():
        assert "SSDA903 return" in reason, (code, reason)
    idn01 = run.findings[run.findings["rule_code"] == "IDN01"]
    assert set(idn01["team"]) == {"Children in Care"}
    assert set(idn01["source_table"]) == {"header.csv"}


def test_without_a_team_every_child_is_unallocated_and_the_notes_say_how_to_set_one(tmp_path):
    result = load(write_return(tmp_path / "return"), as_at=AS_AT)
    assert set(result.loads["children"].frame["allocated_team"]) == {"Unallocated"}
    assert any('[profile.ssda903] team = "Children in Care"' in n for n in result.notes)


def test_profile_settings_are_checked_at_start_up():
    config = build_settings({"profile": {"ssda903": {"team": "Leaving Care"}}}, None, [])
    assert config.profile == "ssda903"
    assert config.mapping.settings == {"ssda903": {"team": "Leaving Care"}}
    assert config.mapping.is_empty  # settings map no export: auto-detection still runs
    with pytest.raises(UsageError, match=r"\[profile.ssda903\]: unknown key 'teams'"):
        build_settings({"profile": {"ssda903": {"teams": "x"}}}, None, [])
    with pytest.raises(UsageError, match=r"\[profile.ssd\]: no settings for this profile"):
        build_settings({"profile": {"ssd": {"team": "x"}}}, None, [])


def test_a_return_without_its_episodes_file_is_a_clear_error(tmp_path):
    files = {k: v for k, v in RETURN.items() if k != "episodes"}
    with pytest.raises(InputError, match="no episodes file"):
        load(write_return(tmp_path / "return", files), profile="ssda903", as_at=AS_AT)


def test_a_team_column_the_council_added_to_the_header_gives_each_child_their_team(tmp_path):
    teams_column = ["TEAM", "CiC North", "", "CiC South", "", ""]
    files = dict(RETURN)
    files["header"] = [
        [*row, team] for row, team in zip(RETURN["header"], teams_column, strict=True)
    ]
    mapping = SourceMapping(
        settings={"ssda903": {"team": "Children in Care", "team_column": "TEAM"}}
    )
    result = load(write_return(tmp_path / "return", files), as_at=AS_AT, mapping=mapping)
    teams = result.loads["children"].frame.set_index("child_id")["allocated_team"].to_dict()
    assert teams == {
        "101": "CiC North",
        "102": "Children in Care",  # blank in the column: the configured team
        "103": "CiC South",
        "105": "Children in Care",
    }
    wrong = SourceMapping(settings={"ssda903": {"team_column": "Team Name"}})
    with pytest.raises(InputError, match=r"header.csv: no column 'Team Name' \(named in"):
        load(write_return(tmp_path / "again", files), as_at=AS_AT, mapping=wrong)
