"""The findings and data-quality CSVs keep the exact bytes they always had (issue 14).

They are written by Arrow kernels now, not by ``DataFrame.to_csv``; a manager's spreadsheet,
a council's import script or a diff against last month must not see a difference. Each
test holds the new writer's bytes to what pandas writes for the same (neutralised) frame:
quoting only where a comma, quote or line break needs it, quotes doubled, missing values as
empty fields, integers without a decimal point, and cells that could run as a formula given
a leading apostrophe.
"""

from __future__ import annotations

import io
import stat
from pathlib import Path

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.engine.runner import FINDINGS_COLUMNS
from audit.output import csv_header, neutralise, write_csv, write_csv_rows
from audit.run import findings_rows

# Characters that change how a cell is written: separators, quotes, line ends, formula
# starts, spaces, and text beyond ASCII.
_CELL = st.lists(
    st.sampled_from([*"ab,\"'\n\r\t =+-@é", "\u00a0", "\u2019", "NULL", "#N/A"]), max_size=8
).map("".join)
_TEXT_DTYPES = ("string", "string[pyarrow]", "str", object)


@st.composite
def frames(draw: st.DrawFn) -> pd.DataFrame:
    rows = draw(st.integers(0, 12))
    columns: dict[str, pd.Series] = {}
    for number in range(draw(st.integers(2, 5))):
        if draw(st.booleans()):
            values = draw(st.lists(st.one_of(st.none(), _CELL), min_size=rows, max_size=rows))
            dtype = draw(st.sampled_from(_TEXT_DTYPES))
            columns[f"text{number}"] = pd.Series(values, dtype=dtype)
        else:
            ints = st.integers(-(2**40), 2**40)
            values = draw(st.lists(st.one_of(st.none(), ints), min_size=rows, max_size=rows))
            columns[f"number{number}"] = pd.Series(values, dtype="Int64")
    frame = pd.DataFrame(columns)
    if draw(st.booleans()):  # as findings are: concatenated, so Arrow columns are chunked
        frame = pd.concat([frame, frame.iloc[::-1]], ignore_index=True)
    return frame


def _written(frame: pd.DataFrame, header: bool = True) -> bytes:
    out = io.BytesIO()
    write_csv_rows(frame, out, header=header)
    return out.getvalue()


def _by_pandas(frame: pd.DataFrame, header: bool = True) -> bytes:
    return neutralise(frame).to_csv(index=False, header=header).encode("utf-8")


@settings(max_examples=300, deadline=None)
@given(frames(), st.booleans())
def test_any_text_and_numbers_are_written_as_pandas_writes_them(frame, header):
    assert _written(frame, header) == _by_pandas(frame, header)


def test_formula_cells_are_neutralised_and_awkward_ones_quoted_as_before(tmp_path: Path):
    frame = pd.DataFrame(
        {
            "child_id": pd.Series(["=HYPERLINK(1)", "+44 1234", "-3", "@x", "\tC1", "C2"]),
            "detail": pd.Series(['said "no", then', "two\nlines", "cr\rinside", "", None, "é"]),
            "source_row": pd.Series([2, 3, None, 5, 6, 7], dtype="Int64"),
        }
    )
    path = write_csv(frame, tmp_path / "findings.csv")
    assert path.read_bytes() == (
        b"child_id,detail,source_row\n"
        b'\'=HYPERLINK(1),"said ""no"", then",2\n'
        b'\'+44 1234,"two\nlines",3\n'
        b"'-3,cr\rinside,\n"
        b"'@x,,5\n"
        b"'\tC1,,6\n"
        b"C2,\xc3\xa9,7\n"
    )
    assert path.read_bytes() == _by_pandas(frame)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_frames_of_other_columns_are_still_written_by_pandas():
    # Dates, decimals and one-column frames (a blank row there is written "") take pandas'
    # own path, so they are written as before too.
    frame = pd.DataFrame(
        {
            "when": pd.to_datetime(["2026-09-30", None]),
            "rate": [0.5, None],
            "team": ["=North", None],
        }
    )
    assert _written(frame) == _by_pandas(frame)
    assert _written(frame[["team"]]) == _by_pandas(frame[["team"]]) == b'team\n\'=North\n""\n'


def test_a_header_is_the_line_pandas_writes():
    names = ["authority", "a,b", 'say "x"', "=formula"]
    assert csv_header(names) == pd.DataFrame(columns=names).to_csv(index=False).encode()
    assert csv_header(names) == b'authority,"a,b","say ""x""",=formula\n'


def test_large_frames_are_written_in_batches_with_the_same_bytes():
    rows = 250_001  # more than two batches of 100,000
    frame = pd.DataFrame(
        {
            "team": pd.Series(["North", "South, East", "=West"] * (rows // 3) + ["N"] * (rows % 3)),
            "source_row": pd.Series(range(rows), dtype="Int64"),
        }
    )
    assert _written(frame) == _by_pandas(frame)


def test_evidence_dates_are_written_as_days_as_before():
    # Formatted once per distinct date now; the text is what .dt.strftime gave.
    days = ["2026-09-30", None, "2026-09-30 16:45", "1900-01-01", None, "2026-10-01"]
    dates = pd.Series([pd.Timestamp(d) if d else pd.NaT for d in days], dtype="datetime64[ns]")
    findings = pd.DataFrame({column: "x" for column in FINDINGS_COLUMNS}, index=dates.index)
    findings["evidence_date"] = dates
    findings["source_row"] = [2, None, 4, 5, 6, 7]
    rows = findings_rows(findings)
    assert list(rows.columns) == list(FINDINGS_COLUMNS)
    before = findings.assign(
        evidence_date=dates.dt.strftime("%Y-%m-%d"),
        source_row=findings["source_row"].astype("Int64"),
    )
    written = _written(rows)
    assert written == _by_pandas(before)
    assert b",2026-09-30,x,2\n" in written and b",,x,\n" in written
    assert b",2026-09-30,x,4\n" in written and b",1900-01-01,x,5\n" in written
