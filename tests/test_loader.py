"""Loading real files: workbooks, folders of CSV/xlsx/parquet, and row accounting."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.arrow import repeated
from audit.errors import InputError
from audit.loader import load
from tests.workbooks import workbook

CHILDREN = [
    ["child_id", "allocated_team", "ethnicity"],
    ["C1", "North", "WBRI"],
    ["C2", "South", "BAFR"],
]


def test_header_row_is_found_below_title_rows_and_rows_keep_spreadsheet_numbers(tmp_path):
    path = workbook(
        tmp_path / "a.xlsx",
        {
            "Children": [
                ["Fictional Borough Council (synthetic)"],
                [],
                ["Child ID ", "Allocated Team"],
                ["C1", "North"],
                ["C2", None],
            ],
        },
    )
    loaded = load(path).loads["children"]
    assert loaded.header_row == 3
    assert loaded.frame["child_id"].tolist() == ["C1", "C2"]
    assert loaded.frame["source_row"].tolist() == [4, 5]
    assert loaded.frame["allocated_team"].tolist() == ["North", "Unallocated"]


def test_excel_error_cells_become_blank_and_are_counted(tmp_path):
    path = workbook(
        tmp_path / "a.xlsx",
        {
            "children": [
                ["child_id", "allocated_team", "ethnicity"],
                ["C1", "North", "#N/A"],
                ["C2", "North", "#REF!"],
                ["C3", "North", "WBRI"],
            ],
        },
    )
    loaded = load(path).loads["children"]
    assert loaded.frame["ethnicity"].isna().tolist() == [True, True, False]
    assert loaded.findings["kind"].tolist() == ["excel_error", "excel_error"]
    assert loaded.findings["source_row"].tolist() == [2, 3]


def test_duplicate_keys_keep_the_first_and_reject_later_rows_naming_the_first(tmp_path):
    path = workbook(
        tmp_path / "a.xlsx",
        {
            "children": [*CHILDREN, ["C1", "East", "WBRI"]],
        },
    )
    loaded = load(path).loads["children"]
    assert loaded.frame["allocated_team"].tolist() == ["North", "South"]
    assert loaded.rejected[["source_row", "kind"]].values.tolist() == [[4, "duplicate_key"]]
    assert loaded.rejected["detail"].iloc[0] == "duplicates the child_id of row 2"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from(["C1", "C2", "c1", "C1 ", "é"])), max_size=12))
def test_a_key_repeats_exactly_where_pandas_says_a_value_is_duplicated(keys):
    # The loader finds repeated keys from Arrow's numbering of the values, not pandas'
    # duplicated(); both must mark the same rows, in one chunk or several.
    column = pd.Series(keys, dtype="string")
    expected = column.duplicated(keep="first").tolist()
    assert repeated(column).tolist() == expected
    half = len(keys) // 2
    pieces = pa.chunked_array([keys[:half], keys[half:]], pa.large_string())
    assert repeated(pd.Series(pd.array(pieces, dtype="string"))).tolist() == expected


def test_rows_of_linked_tables_with_unknown_children_are_rejected(tmp_path):
    path = workbook(
        tmp_path / "a.xlsx",
        {
            "children": CHILDREN,
            "visits": [
                ["visit_id", "child_id", "visit_date"],
                ["V1", "C1", "01/09/2026"],
                ["V2", "C9", "02/09/2026"],
                ["V3", "C2", "31/02/2026"],
                ["V4", None, "x"],
            ],
        },
    )
    loaded = load(path).loads["visits"]
    assert loaded.frame["visit_id"].tolist() == ["V1"]
    assert loaded.rows_read == loaded.rows_loaded + loaded.rows_rejected == 4
    reasons = dict(zip(loaded.rejected["source_row"], loaded.rejected["kind"], strict=True))
    # One reason per row, the first that applies in column order: child_id before visit_date.
    assert reasons == {
        3: "unknown_child",
        4: "unparseable_required_date",
        5: "missing_required_value",
    }


def test_unknown_child_on_supervision_is_a_finding_not_a_rejection(tmp_path):
    path = workbook(
        tmp_path / "a.xlsx",
        {
            "children": CHILDREN,
            "supervisions": [
                ["supervision_id", "supervision_date", "worker_id", "child_id"],
                ["S1", dt.date(2026, 9, 1), "W1", "C9"],
            ],
        },
    )
    loaded = load(path).loads["supervisions"]
    assert loaded.rows_loaded == 1
    assert loaded.findings["kind"].tolist() == ["unknown_child"]


def test_fte_that_is_not_a_number_is_a_finding_and_reads_as_blank(tmp_path):
    path = workbook(
        tmp_path / "a.xlsx",
        {
            "children": CHILDREN,
            "workers": [
                ["worker_id", "team", "role", "FTE", "start_date"],
                ["W1", "North", "IRO", 0.5, "14/09/2026"],
                ["W2", "North", "iro", "half", None],
                ["W3", "North", "sw", " 0,8 ", None],
                ["W4", "North", "sw", None, None],
                ["W5", "North", "iro", 0, None],
                ["W6", "North", "iro", "1.6", None],
            ],
        },
    )
    loaded = load(path).loads["workers"]
    fte = loaded.frame["fte"]
    assert fte.iloc[0] == 0.5 and fte.iloc[2] == 0.8
    assert fte.isna().tolist() == [False, True, False, True, False, False]
    assert loaded.frame["role"].tolist() == ["iro", "iro", "sw", "sw", "iro", "iro"]
    assert loaded.frame["start_date"].iloc[0] == pd.Timestamp("2026-09-14")
    # Zero and 1.6 are numbers, kept, but no one works them: data-quality findings too.
    assert loaded.findings[["source_row", "column", "kind"]].values.tolist() == [
        [3, "fte", "not_a_number"],
        [6, "fte", "implausible_number"],
        [7, "fte", "implausible_number"],
    ]


def test_camhs_referrals_of_unknown_children_are_rejected(tmp_path):
    path = workbook(
        tmp_path / "a.xlsx",
        {
            "children": CHILDREN,
            "CAMHS Referrals": [
                ["referral_id", "child_id", "referral_date", "priority", "outcome"],
                ["R1", "C1", "01/09/2026", "Urgent", "Declined"],
                ["R2", "C9", "02/09/2026", None, None],
            ],
        },
    )
    loaded = load(path).loads["camhs_referrals"]
    assert loaded.frame[["referral_id", "priority", "outcome"]].values.tolist() == [
        ["R1", "urgent", "declined"]
    ]
    assert loaded.rejected[["source_row", "kind"]].values.tolist() == [[3, "unknown_child"]]


def test_a_missing_required_column_names_the_column_sheet_and_closest_header(tmp_path):
    path = workbook(
        tmp_path / "a.xlsx",
        {
            "children": CHILDREN,
            "visits": [["visit id", "child_id", "Visit Dte"]],
        },
    )
    with pytest.raises(InputError) as err:
        load(path)
    message = str(err.value)
    assert "'visit_date'" in message and "sheet visits" in message and "'Visit Dte'" in message


def test_garbage_collection_resumes_after_a_load_whether_it_succeeds_or_fails(tmp_path):
    # The collector is paused while a workbook's rows load; left paused, every later cycle
    # (a scheduled job's next month, the reports) would never be freed.
    import gc

    good = workbook(tmp_path / "good.xlsx", {"children": CHILDREN})
    assert load(good).loads["children"].rows_loaded > 0
    assert gc.isenabled()
    bad = workbook(tmp_path / "bad.xlsx", {"children": CHILDREN, "visits": [["visit id"]]})
    with pytest.raises(InputError):
        load(bad)
    assert gc.isenabled()


def test_no_children_table_is_a_clear_error_listing_what_was_found(tmp_path):
    path = workbook(tmp_path / "a.xlsx", {"Visits": [["visit_id"]], "Notes": [["x"]]})
    with pytest.raises(InputError, match=r"not recognised as case records\. Found: Visits, Notes"):
        load(path)
    # Told it is caseaudit's own layout, the message names the missing table.
    with pytest.raises(InputError, match=r"no 'children' table.*Found: Visits, Notes"):
        load(path, profile="canonical")


def test_folder_of_csv_in_each_encoding_and_parquet(tmp_path):
    (tmp_path / "Children.csv").write_bytes(
        "\ufeffchild_id,allocated_team,religion\n007,North,Café Church\n".encode()
    )
    (tmp_path / "visits.csv").write_bytes(
        "visit_id,child_id,visit_date,seen_alone_commentary\n"
        "V1,007,03/04/2026,Child’s room was tidy\n".encode("cp1252")
    )
    pd.DataFrame(
        {
            "event_id": ["E1"],
            "child_id": ["007"],
            "event_date": ["2026-04-03"],
            "event_type": ["Placement Change"],
        }
    ).to_parquet(tmp_path / "events.parquet")
    result = load(tmp_path)
    assert result.loads["children"].encoding == "utf-8-sig"
    assert result.tables["children"]["religion"].tolist() == ["Café Church"]
    assert result.loads["visits"].encoding == "cp1252"
    assert result.tables["visits"]["seen_alone_commentary"].tolist() == ["Child’s room was tidy"]
    assert result.tables["visits"]["visit_date"].tolist() == [pd.Timestamp("2026-04-03")]
    assert result.tables["events"]["event_type"].tolist() == ["placement_change"]
    assert result.tables["children"]["child_id"].tolist() == ["007"]


def test_two_files_for_one_table_are_refused(tmp_path):
    (tmp_path / "children.csv").write_text("child_id,allocated_team\nC1,N\n")
    workbook(tmp_path / "Children.xlsx", {"children": CHILDREN})
    with pytest.raises(InputError, match="hold the same table"):
        load(tmp_path)


def test_sheets_outside_the_contract_are_listed_not_loaded(tmp_path):
    path = workbook(tmp_path / "a.xlsx", {"children": CHILDREN, "Lookups": [["a"]]})
    result = load(path)
    assert result.unrecognised == ("Lookups",)
    assert set(result.loads) == {"children"}


def test_wholly_blank_rows_are_not_records(tmp_path):
    path = workbook(tmp_path / "a.xlsx", {"children": [*CHILDREN, [None, None], ["C3", "N"]]})
    loaded = load(path).loads["children"]
    assert loaded.rows_read == 3
    assert loaded.frame["source_row"].tolist() == [2, 3, 5]


def test_an_excel_error_in_allocated_team_is_unallocated_and_reported(tmp_path):
    path = workbook(
        tmp_path / "a.xlsx",
        {
            "children": [["child_id", "allocated_team"], ["C1", "#N/A"], ["C2", "North"]],
        },
    )
    loaded = load(path).loads["children"]
    assert loaded.frame["allocated_team"].tolist() == ["Unallocated", "North"]
    assert loaded.findings[["source_row", "kind", "column"]].values.tolist() == [
        [2, "excel_error", "allocated_team"]
    ]


def test_a_source_that_fits_two_profiles_asks_for_one(tmp_path):
    path = workbook(
        tmp_path / "a.xlsx",
        {
            "List 6": [["Child Unique ID"]],
            "List 7": [["Child Unique ID"]],
            "ssd_person": [["pers_person_id"]],
        },
    )
    with pytest.raises(
        InputError, match=r"more than one kind of source \(annex-a, ssd\).*--profile"
    ):
        load(path)


def test_an_unknown_profile_name_is_a_usage_error(tmp_path):
    from audit.errors import UsageError

    path = workbook(tmp_path / "a.xlsx", {"children": CHILDREN})
    with pytest.raises(UsageError, match="--profile must be one of auto, canonical, annex-a, ssd"):
        load(path, profile="annexa")


def test_parquet_with_nullable_columns_loads_blanks_as_blank(tmp_path):
    # pandas and pyarrow write missing values in string and date columns as nulls, which
    # come back as pd.NA / NaT: they are blanks, not a crash.
    pd.DataFrame(
        {
            "child_id": pd.array(["C1", "C2"], dtype="string"),
            "allocated_team": pd.array(["North", None], dtype="string"),
            "date_of_birth": pd.to_datetime(["2015-02-01", None]),
            "ethnicity": pd.array([None, "WBRI"], dtype="string[pyarrow]"),
        }
    ).to_parquet(tmp_path / "children.parquet")
    result = load(tmp_path)
    children = result.tables["children"]
    assert children["allocated_team"].tolist() == ["North", "Unallocated"]
    assert children["date_of_birth"].isna().tolist() == [False, True]
    assert children["ethnicity"].isna().tolist() == [True, False]
    assert result.loads["children"].rows_rejected == 0


def test_a_parquet_file_written_in_many_row_groups_loads_as_one_piece_per_column(tmp_path):
    """A file read in pieces loads whole and in order, each text column in one Arrow chunk:
    Arrow's take, behind every row filter a rule makes, would otherwise copy each column of
    case notes whole on every cut (140 MB of identity notes at 100,000 children)."""
    import pyarrow.parquet as pq

    n = 2_500
    plans = pa.table(
        {
            "plan_id": [f"P{i}" for i in range(n)],
            "child_id": [f"C{i % 40}" for i in range(n)],
            "plan_type": ["CP"] * n,
            "plan_date": ["2026-09-01"] * n,
            "identity_notes": [f"Synthetic note {i} about faith and heritage." for i in range(n)],
        }
    )
    pq.write_table(plans, tmp_path / "plans.parquet", row_group_size=100)
    assert pq.ParquetFile(tmp_path / "plans.parquet").num_row_groups == 25
    pd.DataFrame({"child_id": [f"C{i}" for i in range(40)], "allocated_team": "North"}).to_parquet(
        tmp_path / "children.parquet"
    )
    loaded = load(tmp_path).tables["plans"]
    assert loaded["plan_id"].tolist() == [f"P{i}" for i in range(n)]
    assert loaded["identity_notes"].iloc[-1] == f"Synthetic note {n - 1} about faith and heritage."
    for column in ("plan_id", "child_id", "identity_notes"):
        arrow = pa.array(loaded[column].array)  # one chunk comes back as a plain array
        assert getattr(arrow, "num_chunks", 1) == 1, column


def test_large_tables_load_first_and_one_at_a_time(tmp_path, monkeypatch):
    """What a table holds while it loads comes on top of every table loaded before it, so a
    folder's large tables load one at a time, before the others: at 100,000 children that
    keeps the run under 1 GB. The tables, and the order they are listed in, are as ever."""
    import threading
    import time

    import audit.loader as loader

    n = 3_000
    note = "Synthetic visit note, long enough to make this table large. " * 3
    visits = {
        "visit_id": [f"V{i}" for i in range(n)],
        "child_id": [f"C{i % 50}" for i in range(n)],
        "visit_date": ["2026-09-01"] * n,
        "seen_alone_commentary": [f"{note}{i}" for i in range(n)],
    }
    plans = {
        "plan_id": [f"P{i}" for i in range(n)],
        "child_id": [f"C{i % 50}" for i in range(n)],
        "plan_type": ["CP"] * n,
        "plan_date": ["2026-09-01"] * n,
        "identity_notes": [f"{note}{i}" for i in range(n)],
    }
    pd.DataFrame(visits).to_parquet(tmp_path / "visits.parquet")
    pd.DataFrame(plans).to_parquet(tmp_path / "plans.parquet")
    children = {"child_id": [f"C{i}" for i in range(50)], "allocated_team": "North"}
    pd.DataFrame(children).to_parquet(tmp_path / "children.parquet")
    events = {"event_id": ["E1"], "child_id": ["C1"], "event_type": ["X"]}
    events["event_date"] = ["2026-09-02"]
    pd.DataFrame(events).to_parquet(tmp_path / "events.parquet")

    spans: dict[str, list[float]] = {}
    lock = threading.Lock()
    real = loader.load_table

    def timed_load_table(spec, *args, **kwargs):
        started = time.perf_counter()
        time.sleep(0.05)  # long enough that tables allowed side by side would overlap
        loaded = real(spec, *args, **kwargs)
        with lock:
            spans[spec.name] = [started, time.perf_counter()]
        return loaded

    monkeypatch.setattr(loader, "load_table", timed_load_table)
    result = load(tmp_path)
    assert list(result.loads) == ["children", "events", "plans", "visits"]
    (plans_start, plans_end), (visits_start, visits_end) = spans["plans"], spans["visits"]
    assert plans_end <= visits_start or visits_end <= plans_start  # never side by side
    assert spans["events"][0] >= max(plans_end, visits_end)  # the small one after them


def test_sql_null_is_blank_in_every_column_and_a_null_required_value_is_missing(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "children.csv").write_text(
        "child_id,allocated_team,ethnicity,date_of_birth,case_end_date\n"
        "C1,NULL,NULL,NULL,null\n"
        "C2,North,WBRI,01/02/2015,NULL\n"
    )
    (folder / "visits.csv").write_text(
        "visit_id,child_id,visit_date,seen_alone\nV1,C1,NULL,Y\nV2,C2,02/09/2026,NULL\n"
    )
    result = load(folder)
    children = result.loads["children"]
    assert children.frame["allocated_team"].tolist() == ["Unallocated", "North"]
    assert children.frame["ethnicity"].isna().tolist() == [True, False]
    assert children.frame["date_of_birth"].isna().tolist() == [True, False]
    assert children.frame["case_end_date"].isna().all()
    assert children.findings.empty  # no "not a date", no "invalid code"
    visits = result.loads["visits"]
    assert visits.frame["visit_id"].tolist() == ["V2"]
    assert visits.frame["seen_alone"].isna().tolist() == [True]
    assert visits.rejected[["source_row", "kind", "detail"]].values.tolist() == [
        [2, "missing_required_value", "visit_date is blank"]
    ]


@pytest.mark.parametrize("source", ["authority.xlsx", "messy"])
def test_every_loaded_table_satisfies_the_contracts_pandera_schema(source):
    # The loader checks its own tables with a few direct tests (pandera's first validation
    # costs every command a second of imports); the contract's schema still holds them here.
    from audit.contract import schema

    sample = Path(__file__).resolve().parents[1] / "sample_cases" / source
    for name, table in load(sample).loads.items():
        schema(name).validate(table.frame, lazy=True)
