"""The synthetic authority: the same seed gives the same data and the same bytes, every
contract table and column is there, the seeded defects come back at the documented rates,
and the messy copy really is messy in the ways its manifest says, no more and no less."""

from __future__ import annotations

import codecs
import csv
import io
import json
import math
import re
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from audit import sample
from audit.codes import ETHNICITY
from audit.errors import UsageError

# DATA_CONTRACT.md, written out here rather than taken from the module under test.
CONTRACT = {
    "children": [
        "child_id",
        "date_of_birth",
        "sex",
        "ethnicity",
        "first_language",
        "religion",
        "case_type",
        "allocated_team",
        "allocated_worker",
        "case_start_date",
        "case_end_date",
        "iro_id",
    ],
    "visits": [
        "visit_id",
        "child_id",
        "visit_date",
        "worker_id",
        "visit_type",
        "child_seen",
        "seen_alone",
        "not_seen_alone_reason",
        "seen_alone_commentary",
    ],
    "plans": [
        "plan_id",
        "child_id",
        "plan_type",
        "plan_date",
        "start_date",
        "end_date",
        "identity_considered",
        "identity_notes",
        "child_views",
        "views_influence",
    ],
    "assessments": [
        "assessment_id",
        "child_id",
        "assessment_type",
        "start_date",
        "completed_date",
        "worker_id",
    ],
    "events": ["event_id", "child_id", "event_date", "event_type", "description"],
    "supervisions": [
        "supervision_id",
        "supervision_date",
        "worker_id",
        "supervisor_id",
        "child_id",
        "case_discussion",
        "case_reflection",
        "worker_reflection",
        "actions",
        "notes",
    ],
    "workers": ["worker_id", "team", "worker_name", "role", "fte", "start_date", "end_date"],
    "reviews": [
        "review_id",
        "child_id",
        "review_type",
        "review_date",
        "participation_code",
        "child_views",
        "chair_id",
    ],
    "missing_episodes": [
        "episode_id",
        "child_id",
        "start_date",
        "end_date",
        "rhi_offered",
        "rhi_offered_date",
        "rhi_accepted",
        "rhi_date",
    ],
    "camhs_referrals": [
        "referral_id",
        "child_id",
        "referral_date",
        "priority",
        "outcome",
        "outcome_date",
        "first_contact_date",
    ],
}
NUMBERS = {"fte"}
DATES = {
    "date_of_birth",
    "case_start_date",
    "case_end_date",
    "visit_date",
    "plan_date",
    "start_date",
    "end_date",
    "completed_date",
    "event_date",
    "supervision_date",
    "review_date",
    "rhi_offered_date",
    "rhi_date",
    "referral_date",
    "outcome_date",
    "first_contact_date",
}
REQUIRED = {
    "children": ["child_id"],  # allocated_team is required but blank means Unallocated
    "visits": ["visit_id", "child_id", "visit_date"],
    "plans": ["plan_id", "child_id", "plan_type", "plan_date"],
    "assessments": ["assessment_id", "child_id", "assessment_type"],
    "events": ["event_id", "child_id", "event_date", "event_type"],
    "supervisions": ["supervision_id", "supervision_date", "worker_id"],
    "workers": ["worker_id", "team"],
    "reviews": ["review_id", "child_id", "review_type", "review_date"],
    "missing_episodes": ["episode_id", "child_id", "start_date"],
    "camhs_referrals": ["referral_id", "child_id", "referral_date"],
}
KEYS = {
    "children": "child_id",
    "visits": "visit_id",
    "assessments": "assessment_id",
    "events": "event_id",
    "supervisions": "supervision_id",
    "workers": "worker_id",
    "reviews": "review_id",
    "missing_episodes": "episode_id",
    "camhs_referrals": "referral_id",
}
CHILD_LINKED = {
    "visits",
    "plans",
    "assessments",
    "events",
    "reviews",
    "missing_episodes",
    "camhs_referrals",
}
PLACEHOLDERS = {
    "n/a",
    "na",
    "none",
    "nil",
    "-",
    ".",
    "see above",
    "as above",
    "see previous",
    "as before",
    "same as before",
    "same as previous",
    "tbc",
    "to follow",
    "unknown",
    "not known",
    "not recorded",
    "no views",
    "see case notes",
}
EXCEL_ERRORS = {"#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!"}
REG29 = {"refused", "age", "unable"}
END_MONTH = pd.Period("2026-10", freq="M")


def meaningful(value: object) -> bool:
    """RULES.md: not blank, not a placeholder, at least three words."""
    if not isinstance(value, str):
        return False
    text = " ".join(value.split())
    if text.casefold().strip(" .,;:!?()'\"-") in PLACEHOLDERS or text in {"-", "."}:
        return False
    return len(text.split(" ")) >= 3


def near(share: float, rate: float, n: int) -> bool:
    """Within 3.5 standard errors of the rate (never tighter than one percentage point)."""
    return abs(share - rate) <= max(0.01, 3.5 * math.sqrt(rate * (1 - rate) / n))


@pytest.fixture(scope="module")
def county() -> dict[str, pd.DataFrame]:
    return sample.generate_authority(2000, 31, end_month="2026-10")


@pytest.fixture(scope="module")
def small() -> dict[str, pd.DataFrame]:
    return sample.generate_authority(120, 7, end_month="2026-10")


# ------------------------------------------------------------------ determinism


def test_same_seed_gives_identical_frames_and_a_byte_identical_workbook(tmp_path, small):
    again = sample.generate_authority(120, 7, end_month="2026-10")
    for table, frame in small.items():
        pd.testing.assert_frame_equal(frame, again[table], check_exact=True)
    sample.write_workbook(small, tmp_path / "one.xlsx")
    sample.write_workbook(again, tmp_path / "two.xlsx")
    assert (tmp_path / "one.xlsx").read_bytes() == (tmp_path / "two.xlsx").read_bytes()


def test_a_different_seed_gives_a_different_authority(tmp_path, small):
    other = sample.generate_authority(120, 8, end_month="2026-10")
    assert not small["children"]["child_id"].equals(other["children"]["child_id"])
    assert not small["visits"]["visit_date"].equals(other["visits"]["visit_date"])
    sample.write_workbook(small, tmp_path / "seven.xlsx")
    sample.write_workbook(other, tmp_path / "eight.xlsx")
    assert (tmp_path / "seven.xlsx").read_bytes() != (tmp_path / "eight.xlsx").read_bytes()


# ------------------------------------------------------------------ shape


def test_every_contract_table_and_column_is_present_in_contract_order(small):
    assert list(small) == list(CONTRACT)
    for table, columns in CONTRACT.items():
        frame = small[table]
        assert list(frame.columns) == columns, table
        assert len(frame) > 0, table
        for column in columns:
            if column in DATES:
                assert pd.api.types.is_datetime64_any_dtype(frame[column]), (table, column)
            elif column in NUMBERS:
                assert pd.api.types.is_float_dtype(frame[column]), (table, column)
            else:
                assert pd.api.types.is_string_dtype(frame[column]), (table, column)


def test_identifiers_are_text_with_leading_zeros_and_every_link_resolves(small):
    children = small["children"]["child_id"]
    assert children.str.fullmatch(r"C\d{6}").all()
    assert children.str.startswith("C0").any()
    assert children.is_unique
    for table in CHILD_LINKED:
        assert small[table]["child_id"].isin(children).all(), table
    workers = set(small["workers"]["worker_id"])
    assert set(small["children"]["allocated_worker"].dropna()) <= workers
    assert set(small["visits"]["worker_id"].dropna()) <= workers
    assert set(small["supervisions"]["supervisor_id"].dropna()) <= workers
    for table, key in KEYS.items():
        assert small[table][key].is_unique, table


def test_four_named_teams_for_a_small_authority_and_about_one_per_250_children(small, county):
    teams = set(small["children"]["allocated_team"].dropna())
    assert teams == {
        "Referral and Assessment North",
        "Child Protection South",
        "Children in Care",
        "Leaving Care",
    }
    county_teams = county["children"]["allocated_team"].dropna().nunique()
    assert 7 <= county_teams <= 9  # 2,000 children / 250
    unallocated = county["children"]["allocated_team"].isna().mean()
    assert 0.015 <= unallocated <= 0.05


def test_the_authority_has_the_variety_a_demo_and_the_rules_need(county):
    children = county["children"]
    window_start = pd.Timestamp("2026-07-01")
    window_end = pd.Timestamp("2026-10-31")
    age = (window_end - children["date_of_birth"]).dt.days // 365.25
    assert age.min() == 0 and age.max() == 20
    assert set(children["case_type"]) == {"CIN", "CP", "CLA", "CL"}
    assert (children["case_end_date"] < window_start).sum() > 10  # closed before the audit
    assert (children["case_start_date"] >= window_start).sum() > 10  # started mid-period
    assert set(county["workers"]["role"]) == {"sw", "asye", "iro", "manager", "pa"}

    visits = county["visits"]
    # Each child's last statutory visit before the window (up to 60 days before, and maybe an
    # attempt a few days before it) is kept, so the first month has a last visit to judge.
    assert visits["visit_date"].between(window_start - pd.Timedelta(days=63), window_end).all()
    assert visits["visit_date"].lt(window_start).mean() < 0.1
    statutory = visits["visit_type"] == "statutory"
    assert 0.2 < statutory.mean() < 0.6
    assert set(visits["not_seen_alone_reason"].dropna()) >= REG29
    assert (visits["child_seen"] == "N").any() and visits["child_seen"].isna().any()

    plans = county["plans"]
    assert set(plans["plan_type"]) == {"CIN", "CP", "CLA", "PATHWAY"}
    assert plans.groupby("plan_id").size().median() >= 3  # versions share a plan_id
    assert {"single", "core", "risk", "return_home"} <= set(
        county["assessments"]["assessment_type"]
    )
    assert set(county["events"]["event_type"]) == {
        "placement_change",
        "return_home",
        "household_change",
        "legal_status_change",
        "plan_type_change",
        "other",
    }
    assert {"PN0", "PN1", "PN4", "PN7"} <= set(county["reviews"]["participation_code"].dropna())
    assert len(county["missing_episodes"]) > 50
    supervisions = county["supervisions"]
    assert supervisions["notes"].str.contains("Worker reflection:").mean() > 0.8


# ------------------------------------------------------------------ seeded rates


def test_child_level_defects_show_at_their_rates(county):
    children = county["children"]
    n = len(children)
    ethnicity = children["ethnicity"]
    language = children["first_language"]
    invalid = ethnicity.notna() & ~ethnicity.isin(ETHNICITY)
    not_obtained = language.str.casefold().isin({"not", "not obtained", "unknown"})
    observed = {
        "IDN01.ethnicity_blank": ethnicity.isna().mean(),
        "IDN01.ethnicity_not_obtained": (ethnicity == "NOBT").mean(),
        "IDN01.ethnicity_invalid_code": invalid.mean(),
        "IDN02.language_blank": language.isna().mean(),
        "IDN02.language_not_obtained": not_obtained.mean(),
    }
    for name, share in observed.items():
        assert near(share, sample.DEFECT_RATES[name], n), (name, share)


def test_seen_alone_defects_show_on_statutory_visits_of_the_month(county):
    visits = county["visits"]
    in_month = visits["visit_date"].dt.to_period("M") == END_MONTH
    statutory = visits[in_month & (visits["visit_type"] == "statutory")]
    seen = statutory["child_seen"] != "N"
    blank = statutory["seen_alone"].isna() & seen
    reason = statutory["not_seen_alone_reason"]
    justified = reason.str.strip().str.casefold().isin(REG29) | reason.map(meaningful)
    no_reason = (statutory["seen_alone"] == "N") & seen & ~justified.astype(bool)
    n = len(statutory)
    assert near(blank.mean(), sample.DEFECT_RATES["SEE01.seen_alone_not_recorded"], n)
    assert near(no_reason.mean(), sample.DEFECT_RATES["SEE01.no_reason_not_seen_alone"], n)

    # SEE02: children with a seen statutory visit this month, none of them alone.
    seen_visits = statutory[seen]
    per_child = seen_visits.groupby("child_id")
    any_alone = per_child["seen_alone"].agg(lambda s: (s == "Y").any())
    all_reg29 = per_child.apply(
        lambda g: (
            (g["seen_alone"] == "N") & g["not_seen_alone_reason"].str.casefold().isin(REG29)
        ).all()
    )
    failing = (~any_alone & ~all_reg29).mean()
    rate = sample.DEFECT_RATES["SEE02.not_seen_alone_in_period"]
    assert abs(failing - rate) < 0.03, failing


def test_views_defects_show_on_the_latest_version_of_each_active_plan(county):
    plans = county["plans"]
    as_at = END_MONTH.end_time.normalize()
    dated = plans[plans["plan_date"] <= as_at].sort_values(["plan_id", "plan_date"])
    latest = dated.groupby("plan_id").tail(1)
    active = latest["end_date"].isna() | (latest["end_date"] >= END_MONTH.start_time)
    latest = latest[active]
    n = len(latest)
    no_views = ~latest["child_views"].map(meaningful).astype(bool)
    assert near(no_views.mean(), sample.DEFECT_RATES["VOC01.views_not_recorded"], n)
    no_influence = ~no_views & ~latest["views_influence"].map(meaningful).astype(bool)
    assert near(no_influence.mean(), sample.DEFECT_RATES["VOC02.influence_not_recorded"], n)
    cin_cp = latest[latest["plan_type"].isin(["CIN", "CP"])]
    no_identity = ~cin_cp["identity_notes"].map(meaningful).astype(bool)
    rate = sample.DEFECT_RATES["IDN03.identity_not_evidenced"]
    assert near(no_identity.mean(), rate, len(cin_cp))

    # A copied-forward version repeats, word for word, a version 90+ days older.
    def folded(text: pd.Series) -> pd.Series:
        return text.str.split().str.join(" ").str.casefold()

    older = dated.assign(views=folded(dated["child_views"]))[["plan_id", "plan_date", "views"]]
    pairs = latest.assign(views=folded(latest["child_views"])).merge(
        older, on=["plan_id", "views"], suffixes=("", "_older")
    )
    old_enough = pairs["plan_date"] - pairs["plan_date_older"] >= pd.Timedelta(days=90)
    recorded = pairs["child_views"].map(meaningful).astype(bool)
    copied = pairs.loc[old_enough & recorded, "plan_id"].nunique() / n
    assert near(copied, sample.DEFECT_RATES["VOC01.views_copied_forward"], n)


def test_review_missing_episode_and_supervision_defects_show_at_their_rates(county):
    window = county["reviews"]["review_date"] >= pd.Timestamp("2026-07-01")
    reviews = county["reviews"][window]
    code = reviews["participation_code"]
    n = len(reviews)
    assert near(
        code.isin(["PN4", "PN7"]).mean(), sample.DEFECT_RATES["VOC03.views_not_conveyed"], n
    )
    not_recorded = code.isna() | ~code.str.fullmatch(r"PN[0-7]").fillna(False).astype(bool)
    rate = sample.DEFECT_RATES["VOC03.participation_not_recorded"]
    assert near(not_recorded.mean(), rate, n)

    episodes = county["missing_episodes"].dropna(subset=["end_date"])
    episodes = episodes[episodes["end_date"] >= pd.Timestamp("2026-07-01")]
    n = len(episodes)
    late = episodes["rhi_offered_date"] > episodes["end_date"] + pd.Timedelta(days=3)
    assert near(
        (episodes["rhi_offered"] == "N").mean(), sample.DEFECT_RATES["RHI01.not_offered"], n
    )
    rate = sample.DEFECT_RATES["RHI01.offer_not_recorded"]
    assert near(episodes["rhi_offered"].isna().mean(), rate, n)
    assert near(late.mean(), sample.DEFECT_RATES["RHI01.offered_late"], n)

    supervisions = county["supervisions"]
    components = ["case_discussion", "case_reflection", "worker_reflection", "actions"]
    complete = supervisions[components].map(meaningful).all(axis=1)
    rate = sample.DEFECT_RATES["SUP01.missing_components"]
    assert near((~complete).mean(), rate, len(supervisions))


def test_every_rate_is_in_a_believable_range_and_covers_every_rule():
    rules = {name.split(".")[0] for name in sample.DEFECT_RATES}
    assert rules == {
        "IDN01",
        "IDN02",
        "IDN03",
        "VIS01",
        "SUP02",
        "VOC01",
        "VOC02",
        "VOC03",
        "SUP01",
        "SEE01",
        "SEE02",
        "CHG01",
        "CHG02",
        "RHI01",
        "IRO01",
        "CAM01",
    }
    assert all(0.02 <= rate <= 0.15 for rate in sample.DEFECT_RATES.values())


# ------------------------------------------------------------------ workbook


def test_workbook_has_typed_cells_a_user_can_open(tmp_path, small):
    path = tmp_path / "authority.xlsx"
    sample.write_workbook(small, path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == list(CONTRACT)
    for table, columns in CONTRACT.items():
        sheet = book[table]
        assert [c.value for c in sheet[1]] == columns
        assert sheet.max_row == len(small[table]) + 1
    children = book["children"]
    first = small["children"].iloc[0]
    id_cell, dob_cell = children["A2"], children["B2"]
    assert id_cell.data_type == "s" and id_cell.value == first["child_id"]
    assert id_cell.value.startswith("C0")
    assert isinstance(dob_cell.value, datetime) and dob_cell.number_format == "dd/mm/yyyy"
    assert dob_cell.value.date() == first["date_of_birth"].date()
    # Blank optional values are empty cells, not "nan" or "None".
    end_column = CONTRACT["children"].index("case_end_date") + 1
    blank_rows = small["children"].index[small["children"]["case_end_date"].isna()]
    assert children.cell(row=blank_rows[0] + 2, column=end_column).value is None
    # An FTE is a number cell a spreadsheet can sum.
    fte_column = CONTRACT["workers"].index("fte") + 1
    assert isinstance(book["workers"].cell(row=2, column=fte_column).value, int | float)
    assert book.properties.created == sample.WORKBOOK_CREATED


# ------------------------------------------------------------------ messy copy


@pytest.fixture(scope="module")
def messy(tmp_path_factory) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp("messy")
    tables = sample.generate_authority(200, 2026, end_month="2026-10")
    return folder, sample.write_messy_copy(tables, folder)


def test_visits_csv_is_windows_1252_with_uk_dates_and_loose_yes_no(messy):
    folder, _ = messy
    raw = (folder / "visits.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("cp1252")
    assert "\u2019" in text and "\u00e9" in text
    assert "\r\n" in text
    for form in ("31/02/2026", " 16:45", "a) Yes", "b) No", "c) Unknown", "TRUE", "Yes"):
        assert form in text, form
    dates = [row[2] for row in csv.reader(io.StringIO(text))][1:]
    assert any(re.fullmatch(r"\d{2}/\d{2}/\d{4}", d) for d in dates)
    assert any(re.fullmatch(r"\d{4}-\d{2}-\d{2}", d) for d in dates)
    assert any(re.fullmatch(r"\d{5}", d) for d in dates)  # an Excel serial number


def test_plans_csv_is_utf8_with_a_byte_order_mark(messy):
    folder, _ = messy
    raw = (folder / "plans.csv").read_bytes()
    assert raw.startswith(codecs.BOM_UTF8)
    assert "caf\u00e9" in raw.decode("utf-8-sig")


def test_children_xlsx_has_title_rows_odd_headers_code_forms_and_error_cells(messy):
    folder, _ = messy
    sheet = openpyxl.load_workbook(folder / "children.xlsx", data_only=True)["children"]
    assert sheet["A1"].value == sample.AUTHORITY_NAME
    assert sheet["A2"].value
    headers = [c.value for c in sheet[3]]
    for header in ("Child ID ", "Date\u00a0of Birth", "ETHNICITY", "Allocated-Team"):
        assert header in headers
    cells = [c for row in sheet.iter_rows(min_row=4) for c in row]
    assert any(c.data_type == "e" and c.value == "#N/A" for c in cells)
    assert any(c.data_type == "s" and c.value == "#N/A" for c in cells)
    ethnicity = [r[headers.index("ETHNICITY")].value for r in sheet.iter_rows(min_row=4)]
    ethnicity = [e for e in ethnicity if e]
    assert any(re.fullmatch(r"[a-t]\) [A-Z]{4}", e) for e in ethnicity)
    assert any(re.fullmatch(r"[A-Z]{4} - .+", e) for e in ethnicity)
    assert any(e in ETHNICITY.values() for e in ethnicity)
    ids = [r[0] for r in sheet.iter_rows(min_row=4)]
    assert any(c.data_type == "s" and re.fullmatch(r"0\d{5}", c.value or "") for c in ids)
    assert any(c.data_type == "n" for c in ids)  # an id typed as a number


def _read_messy(folder: Path, entry: dict) -> list[dict[str, object]]:
    """The data rows of one messy file as {contract column: cell}, matching headers the way
    the contract says (case, spaces, '-', '_' and non-breaking spaces ignored)."""
    path = folder / entry["file"]
    if entry["format"] == "xlsx":
        sheet = openpyxl.load_workbook(path, data_only=True)[entry["sheet"]]
        grid = [[c.value for c in row] for row in sheet.iter_rows()]
    else:
        grid = list(csv.reader(io.StringIO(path.read_bytes().decode(entry["encoding"]))))
    header = grid[entry["header_row"] - 1]
    names = [re.sub(r"[\s_\-]+", "", str(h or "")).casefold() for h in header]
    rows = []
    for cells in grid[entry["header_row"] :]:
        record = {}
        for name, value in zip(names, cells, strict=False):
            for column in DATES | {c for cols in CONTRACT.values() for c in cols}:
                if column.replace("_", "") == name:
                    record[column] = value.strip() if isinstance(value, str) else value
        rows.append(record)
    return rows


def _blank(value: object) -> bool:
    return value is None or value == ""


def _is_date(value: object) -> bool:
    if isinstance(value, datetime | date | int):
        return True
    text = str(value)
    if re.fullmatch(r"\d{4,6}", text):
        return True
    for pattern, order in ((r"(\d{2})/(\d{2})/(\d{4})( \d{1,2}:\d{2})?", "dmy"),
                           (r"(\d{4})-(\d{2})-(\d{2})", "ymd")):  # fmt: skip
        match = re.fullmatch(pattern, text)
        if match:
            a, b, c = (int(x) for x in match.groups()[:3])
            day, month, year = (a, b, c) if order == "dmy" else (c, b, a)
            try:
                date(year, month, day)
            except ValueError:
                return False
            return True
    return False


def _ethnicity_maps(value: str) -> bool:
    bare = re.sub(r"^[A-Za-z]{1,2}\)\s*", "", value).strip()
    head = re.split(r"\s+-\s+", bare)[0].upper()
    return head in ETHNICITY or bare.casefold() in {d.casefold() for d in ETHNICITY.values()}


def test_the_manifest_says_exactly_what_is_in_the_files(messy):
    """Re-derive, from the files alone, what a correct loader must reject and report."""
    folder, manifest = messy
    assert json.loads((folder / "manifest.json").read_text(encoding="utf-8")) == manifest
    child_ids = {
        str(r["child_id"]).strip()
        for r in _read_messy(folder, manifest["tables"]["children"])
        if not _blank(r["child_id"])
    }
    for table, entry in manifest["tables"].items():
        rows = _read_messy(folder, entry)
        first = entry["first_data_row"]
        assert entry["rows_written"] == len(rows), table
        rejected: dict[int, str] = {}
        seen_keys: set[object] = set()
        for number, row in enumerate(rows, start=first):
            if any(_blank(row.get(c)) for c in REQUIRED[table]):
                rejected[number] = "missing_required_value"
            elif any(c in DATES and not _is_date(row[c]) for c in REQUIRED[table]):
                rejected[number] = "unparseable_required_date"
            elif table in KEYS and str(row[KEYS[table]]) in seen_keys:
                rejected[number] = "duplicate_key"
            elif table in CHILD_LINKED and str(row["child_id"]).strip() not in child_ids:
                rejected[number] = "unknown_child"
            if number not in rejected and table in KEYS:
                seen_keys.add(str(row[KEYS[table]]))
        listed = {r["row"]: r["reason"] for r in entry["rejected_rows"]}
        assert listed == rejected, table
        assert entry["rows_rejected"] == len(rejected)
        for reason in set(rejected.values()):
            assert entry["rejected"][reason] == list(rejected.values()).count(reason)

        findings: set[tuple[int, str, str]] = set()
        for number, row in enumerate(rows, start=first):
            if number in rejected:
                continue
            for column, value in row.items():
                if column in REQUIRED[table] or _blank(value):
                    continue
                if str(value).upper() in EXCEL_ERRORS:
                    findings.add((number, column, "excel_error"))
                elif column in DATES and not _is_date(value):
                    findings.add((number, column, "unparseable_date"))
                elif column == "ethnicity" and not _ethnicity_maps(str(value)):
                    findings.add((number, column, "unmapped_value"))
                elif table == "supervisions" and column == "child_id" and value not in child_ids:
                    findings.add((number, column, "unknown_child"))
        listed_findings = {(f["row"], f["column"], f["kind"]) for f in entry["finding_cells"]}
        assert listed_findings == findings, table
        assert sum(entry["findings"].values()) == len(findings), table


def test_the_messy_copy_has_problems_in_at_least_the_promised_places(messy):
    _, manifest = messy
    tables = manifest["tables"]
    duplicated = [t for t, e in tables.items() if e["rejected"]["duplicate_key"]]
    assert len(duplicated) >= 2
    assert tables["visits"]["rejected"] == {
        "duplicate_key": 1,
        "missing_required_value": 1,
        "unparseable_required_date": 1,
        "unknown_child": 1,
    }
    assert tables["children"]["findings"]["unmapped_value"] == 1
    assert tables["children"]["findings"]["excel_error"] == 2
    assert manifest["children"] == sample.MESSY_CHILDREN
    assert tables["children"]["rows_written"] == sample.MESSY_CHILDREN + 2


# ------------------------------------------------------------------ sample cases, errors, speed


def test_sample_cases_regenerate_the_committed_files(tmp_path):
    written = sample.write_sample_cases(tmp_path)
    folder = tmp_path / "sample_cases"
    workbook = folder / "authority.xlsx"
    assert written["workbook"] == workbook
    assert workbook.stat().st_size < 1_000_000
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert "synthetic" in readme.lower()
    assert "caseaudit sample --children 200 --seed 2026 --out sample_cases" in readme
    assert (folder / "messy" / "manifest.json").is_file()

    committed = Path(__file__).resolve().parents[1] / "sample_cases"
    assert (committed / "authority.xlsx").read_bytes() == workbook.read_bytes(), (
        "sample_cases/ is stale: run audit.sample.write_sample_cases(Path('.'))"
    )
    for path in sorted((folder / "messy").iterdir()):
        assert (committed / "messy" / path.name).read_bytes() == path.read_bytes(), path.name


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: sample.generate_authority(0, 1), "at least 1"),
        (lambda: sample.generate_authority(10, 1, end_month="2026-13"), "YYYY-MM"),
        (lambda: sample.generate_authority(10, 1, end_month="Oct 2026"), "YYYY-MM"),
    ],
)
def test_bad_arguments_give_a_one_line_usage_error(call, message):
    with pytest.raises(UsageError, match=message):
        call()


def test_a_messy_copy_of_too_few_children_is_refused_clearly(tmp_path):
    tiny = sample.generate_authority(5, 1)
    with pytest.raises(UsageError, match="at least 9 rows in children"):
        sample.write_messy_copy(tiny, tmp_path)


def test_a_county_sized_authority_has_the_benchmark_shape():
    # Generation time is measured by scripts/bench.py, never asserted here.
    county = sample.generate_authority(10_000, 1, end_month="2026-10")
    assert len(county["children"]) == 10_000
    assert len(county["visits"]) > 120_000
