"""The generator's two output forms: a workbook up to Excel's row limit, parquet beyond it.

A workbook silently cut at 1,048,576 rows would give believable wrong figures, so the
generator refuses it; the parquet folder holds the same records and loads to the same
tables as the workbook.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from audit import sample
from audit.cli import main
from audit.loader import load


def test_a_table_past_excels_row_limit_is_refused_before_anything_is_written(tmp_path):
    visits = pd.DataFrame({"visit_id": [f"V{i}" for i in range(1_048_576)]})
    path = tmp_path / "big.xlsx"
    with pytest.raises(sample.TooManyRowsForExcel, match=r"visits table has 1,048,576 rows"):
        sample.write_workbook({"visits": visits}, path)
    assert not path.exists()


def test_parquet_sample_loads_to_the_same_tables_as_the_workbook(tmp_path: Path, capsys):
    args = ["--children", "40", "--seed", "11"]
    assert main(["sample", *args, "--out", str(tmp_path / "x")]) == 0
    assert main(["sample", *args, "--format", "parquet", "--out", str(tmp_path / "p")]) == 0
    assert "Wrote " + str(tmp_path / "p" / "authority") in capsys.readouterr().out

    from_xlsx = load(tmp_path / "x" / "authority.xlsx")
    from_parquet = load(tmp_path / "p" / "authority")
    assert set(from_parquet.tables) == set(from_xlsx.tables)
    for name, frame in from_xlsx.tables.items():
        contract = [c for c in frame.columns if not c.startswith("source_")]
        theirs = from_parquet.tables[name]
        assert from_parquet.loads[name].rows_rejected == from_xlsx.loads[name].rows_rejected
        pd.testing.assert_frame_equal(
            theirs[contract].reset_index(drop=True),
            frame[contract].reset_index(drop=True),
            check_dtype=False,
            obj=name,
        )
