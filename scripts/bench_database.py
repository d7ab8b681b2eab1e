"""Benchmark: one county-sized SSD loaded from PostgreSQL against the same data as parquet.

Usage: ``python scripts/bench_database.py [--children 10000]`` (or ``scripts/bench.py
--database``). Needs the distribution's PostgreSQL server (as the tests do): it starts a
throwaway cluster, fills it with the SSD test extract of ``tests/test_profile_ssd.py``
repeated until it holds the wanted number of children (each with its visits, plans,
involvements …), writes the same typed tables as parquet, and prints:

* the raw fetch of every SSD table the profile reads, through each driver considered:
  ADBC (``adbc-driver-postgresql``, what caseaudit uses), SQLAlchemy + psycopg rows, and
  connectorx when installed; and parquet files read by pandas;
* caseaudit's whole SSD load (read, map to the contract, normalise, account for every
  row) from PostgreSQL and from the parquet folder, best of three, in this process.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from audit.database import DatabaseSource, _fetch_rows  # noqa: E402
from audit.loader import load  # noqa: E402
from audit.profiles.ssd.fields import SSD_FIELDS  # noqa: E402
from tests import postgres  # noqa: E402
from tests.test_database import is_date_field, ssd_frames  # noqa: E402
from tests.test_profile_ssd import AS_AT  # noqa: E402

SHARED = ("ssd_department", "ssd_professionals")  # one council's teams and staff
VISIT_TABLES = ("ssd_cin_visits", "ssd_cp_visits", "ssd_cla_visits")
VISITS_PER_VISIT = 6  # each test visit becomes six, so a child has a year's visits
# Fields naming staff or teams stay as they are; every other id is made unique per copy.
_SHARED_IDS = ("professional", "worker", "team", "staff", "dept", "role")


def best_of(runs: int, action: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def county(children: int) -> dict[str, pa.Table]:
    """The test extract repeated to ``children`` children, as typed Arrow tables."""
    base = ssd_frames()
    copies = max(1, children // len(base["ssd_person"]))
    tables = {}
    for name, frame in base.items():
        if name in SHARED:
            tables[name] = _typed(frame)
            continue
        repeat = copies * (VISITS_PER_VISIT if name in VISIT_TABLES else 1)
        big = pd.concat([frame] * repeat, ignore_index=True)
        copy = pd.Series(range(len(big))) // len(frame)  # which repeat each row belongs to
        child_copy = copy // (VISITS_PER_VISIT if name in VISIT_TABLES else 1)
        for field in big.columns:
            if field.endswith("_id") and not any(s in field for s in _SHARED_IDS):
                is_key = field == SSD_FIELDS[name][0]
                suffix = (copy if is_key else child_copy).map("{:06d}".format)
                big[field] = (big[field].astype("string") + suffix).astype(object)
                big[field] = big[field].where(frame[field].notna().tolist() * repeat, None)
        tables[name] = _typed(big)
    return tables


def _typed(frame: pd.DataFrame) -> pa.Table:
    columns = {}
    for field in frame.columns:
        if is_date_field(field):
            from audit.profiles.ssd import cells

            columns[field] = pa.array(cells.dates(frame[field]).dt.date, pa.date32())
        else:
            columns[field] = pa.array(frame[field], pa.string())
    return pa.table(columns)


def fill(server: postgres.Server, tables: dict[str, pa.Table]) -> None:
    import adbc_driver_postgresql.dbapi as adbc

    owner = DatabaseSource(server.url("owner"), password_env=None)
    uri = owner._url().set(password=postgres.OWNER_PASSWORD, drivername="postgresql")
    with adbc.connect(uri.render_as_string(hide_password=False)) as conn:
        with conn.cursor() as cursor:
            for name, table in tables.items():
                cursor.adbc_ingest(name, table, mode="create")
        conn.commit()


def write_parquet(folder: Path, tables: dict[str, pa.Table]) -> None:
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        pq.write_table(table, folder / f"{name}.parquet")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=10_000)
    args = parser.parse_args()
    missing = postgres.missing()
    if missing:
        raise SystemExit(f"no database measure: {missing}")

    tables = county(args.children)
    rows = {n: t.num_rows for n, t in tables.items()}
    visits = sum(rows[t] for t in VISIT_TABLES)
    print(
        f"\nSSD from a database: {rows['ssd_person']:,} children, {visits:,} visits, "
        f"{sum(rows.values()):,} rows in {len(rows)} tables"
    )
    with tempfile.TemporaryDirectory() as tmp, postgres.running_server() as server:
        fill(server, tables)
        parquet = Path(tmp) / "ssd_parquet"
        write_parquet(parquet, tables)
        import os

        os.environ["CASEAUDIT_DB_PASSWORD"] = postgres.AUDITOR_PASSWORD
        source = DatabaseSource(server.url())
        _drivers(source, parquet)
        from_db = best_of(3, lambda: load(DatabaseSource(server.url()), profile="ssd", as_at=AS_AT))
        from_parquet = best_of(3, lambda: load(parquet, profile="ssd", as_at=AS_AT))
        result = load(source, profile="ssd", as_at=AS_AT)
        loaded = sum(t.rows_loaded for t in result.loads.values())
        print("  caseaudit's whole SSD load (read, map, normalise, account), best of 3:")
        print(f"    from PostgreSQL (ADBC): {from_db:.2f} s ({loaded:,} contract rows loaded)")
        print(f"    from parquet files:     {from_parquet:.2f} s")


def _drivers(source: DatabaseSource, parquet: Path) -> None:
    """The raw fetch of every table the profile reads, per driver, best of 3."""
    engine = source._engine()
    with engine.connect() as conn:
        found = source._find_tables(conn, list(SSD_FIELDS))
        selects = {t: source._select(conn, t, r, SSD_FIELDS[t]) for t, r in found.items()}
        sqls = {t: str(s.compile(dialect=engine.dialect)) for t, s in selects.items()}
        measured = {
            "ADBC (adbc-driver-postgresql)": best_of(
                3, lambda: source._fetch_adbc(engine, selects)
            ),
            "SQLAlchemy + psycopg rows": best_of(
                3, lambda: [_fetch_rows(conn, s) for s in selects.values()]
            ),
        }
    engine.dispose()
    try:
        import connectorx as cx

        uri = source._url().set(drivername="postgresql").render_as_string(hide_password=False)
        measured["connectorx"] = best_of(
            3, lambda: [cx.read_sql(uri, sql, return_type="arrow") for sql in sqls.values()]
        )
    except ImportError:
        measured["connectorx"] = float("nan")
    measured["parquet files (pandas.read_parquet)"] = best_of(
        3, lambda: [pd.read_parquet(p) for p in sorted(parquet.glob("*.parquet"))]
    )
    print("  raw fetch of the 16 SSD tables, best of 3:")
    for name, seconds in measured.items():
        shown = f"{seconds:.3f} s" if seconds == seconds else "not installed"
        print(f"    {name:<38} {shown}")


if __name__ == "__main__":
    main()
