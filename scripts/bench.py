"""Benchmark: a county-sized authority, loaded and audited, with the figures printed.

Usage: ``python scripts/bench.py [--children 10000] [--seed 7] [--keep] [--database]
[--no-scale]`` (``make bench``). ``--database`` adds the SSD loaded from PostgreSQL against
parquet; the reports at 100,000 children (``scripts/bench_reports.py``) come last unless
``--no-scale``.

The floor every measure is compared against, in the same run: a raw python-calamine read
of every sheet (``CalamineWorkbook`` then ``to_python()`` per sheet), the least any tool
reading this workbook pays. Prints that floor beside ``caseaudit check`` (load only),
``caseaudit run`` on the workbook and on the same tables as parquet, each in its own
process; the run's time per stage and per rule; rule throughput in subject-rows per
second; peak memory; and the machine's core count. Targets (issue 14; checked by a person
reading the output, never by a timed unit test): run at most 1.5x the floor, check at most
1.0x, the parquet run at most 0.7x, rules at 3,000,000 subject-rows/s or more. The data is
generated under ``bench_data/`` (git-ignored) and never committed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
from measured import measured

ROOT = Path(__file__).resolve().parents[1]
PERIOD = "2026-10"
# The county-sized authority of the engine issue: rows per table.
TARGET_ROWS = {
    "children": 10_000,
    "visits": 150_000,
    "plans": 40_000,
    "assessments": 15_000,
    "events": 8_000,
    "supervisions": 6_000,
}


def best_of(runs: int, action) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def resize(tables: dict[str, pd.DataFrame], seed: int) -> dict[str, pd.DataFrame]:
    """Sample each table up or down to the target row count, keys kept unique."""
    out = dict(tables)
    for name, target in TARGET_ROWS.items():
        frame = tables[name]
        if name == "children" or len(frame) == target or frame.empty:
            continue
        picked = frame.sample(n=target, replace=len(frame) < target, random_state=seed)
        picked = picked.reset_index(drop=True)
        key = {
            "visits": "visit_id",
            "assessments": "assessment_id",
            "events": "event_id",
            "supervisions": "supervision_id",
            "plans": None,
        }[name]
        if key:
            picked[key] = [f"{name[0].upper()}{i:07d}" for i in range(len(picked))]
        out[name] = picked
    return out


def generate(path: Path, children: int, seed: int) -> dict[str, int]:
    from audit.sample import generate_authority, write_workbook

    tables = resize(generate_authority(children, seed, end_month=PERIOD), seed)
    path.parent.mkdir(exist_ok=True)
    write_workbook(tables, path)
    return {name: len(frame) for name, frame in tables.items()}


def raw_read(path: Path, sheets: list[str] | None = None) -> int:
    """The floor: python-calamine's own read of every sheet into Python rows, no typing."""
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    cells = 0
    for name in sheets or book.sheet_names:
        rows = book.get_sheet_by_name(name).to_python()
        cells += len(rows)
    return cells


def write_parquet(workbook: Path, folder: Path, tables: list[str]) -> None:
    """The same tables as the workbook, one parquet file per table (caseaudit's own load of
    the workbook, so both inputs hold exactly the same values)."""
    from audit.contract import table_spec
    from audit.loader import load_table
    from audit.reader import read_grid

    folder.mkdir(parents=True, exist_ok=True)
    children = None
    for name in ["children", *(t for t in tables if t != "children")]:
        kept = load_table(
            table_spec(name), read_grid(workbook, name), None if children is None else children
        ).frame
        if name == "children":
            children = kept["child_id"]
        kept = kept[[c for c in kept.columns if not c.startswith("source_")]]
        kept.to_parquet(folder / f"{name}.parquet", index=False)


def load_visits(path: Path) -> tuple[int, float]:
    """caseaudit's load of the visits sheet alone (children loaded first, not timed)."""
    from audit.contract import table_spec
    from audit.loader import load_table
    from audit.reader import read_grid

    children = load_table(table_spec("children"), read_grid(path, "children")).frame
    start = time.perf_counter()
    visits = load_table(table_spec("visits"), read_grid(path, "visits"), children["child_id"])
    return visits.rows_loaded, time.perf_counter() - start


def caseaudit(*args: str) -> tuple[float, float]:
    """Run one ``caseaudit`` command in its own process; its wall seconds and peak RSS (MB)."""
    done = measured([sys.executable, "-m", "audit.cli", *args])
    return done.wall, done.peak_mb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=TARGET_ROWS["children"])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--no-scale",
        action="store_true",
        help="skip the reports at 100,000 children (scripts/bench_reports.py)",
    )
    parser.add_argument(
        "--database",
        action="store_true",
        help="also load a county-sized SSD from a throwaway PostgreSQL (scripts/bench_database.py)",
    )
    args = parser.parse_args()

    data = ROOT / "bench_data"
    workbook = data / "county.xlsx"
    started = time.perf_counter()
    counts = generate(workbook, args.children, args.seed)
    print(
        f"Generated {workbook} in {time.perf_counter() - started:.1f} s "
        f"({workbook.stat().st_size / 1e6:.1f} MB): "
        + ", ".join(f"{n} {t}" for t, n in counts.items())
    )
    parquet = data / "county_parquet"
    write_parquet(workbook, parquet, list(counts))
    print(f"Wrote the same tables as parquet to {parquet}")
    print(f"Machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")

    floor = best_of(3, lambda: raw_read(workbook))
    floor_visits = best_of(3, lambda: raw_read(workbook, ["visits"]))
    pandas_book = best_of(2, lambda: pd.read_excel(workbook, sheet_name=None, engine="calamine"))
    print("\nThe floor: a raw python-calamine read of every sheet")
    print(
        f"  raw read of the whole workbook: {floor:.2f} s (visits sheet alone {floor_visits:.2f} s)"
    )
    print(f"  for reference, pandas.read_excel(engine='calamine'): {pandas_book:.2f} s")

    ours = [load_visits(workbook) for _ in range(3)]
    ours_visits = min(t for _, t in ours)
    print("\nLoading the visits sheet (in this process)")
    print(
        f"  caseaudit load (read, normalise, account): {ours_visits:.2f} s "
        f"({ours[0][0]} rows loaded), {ours_visits / floor_visits:.2f}x the raw read"
    )

    check_seconds, check_mb = caseaudit("check", str(workbook), "--csv", str(data / "dq.csv"))
    check_parquet_seconds, check_parquet_mb = caseaudit("check", str(parquet))
    run_seconds, peak_mb = caseaudit(
        "run", str(workbook), "--period", PERIOD, "--out", str(data / "reports")
    )
    record = json.loads((data / "reports" / PERIOD / "run.json").read_text())
    parquet_seconds, parquet_mb = caseaudit(
        "run", str(parquet), "--period", PERIOD, "--out", str(data / "reports_parquet")
    )
    rules_seconds = best_of(3, lambda: caseaudit("rules"))
    help_seconds = best_of(3, lambda: caseaudit("--help"))

    print("\nWhole commands, each in its own process (wall clock incl. start-up)")
    print(f"  caseaudit check (load only): {check_seconds:.2f} s, peak {check_mb:.0f} MB")
    print(
        f"  caseaudit check, parquet:    {check_parquet_seconds:.2f} s, "
        f"peak {check_parquet_mb:.0f} MB ({check_parquet_seconds / floor:.2f}x the raw xlsx read)"
    )
    print(f"  caseaudit run, workbook:     {run_seconds:.2f} s, peak {peak_mb:.0f} MB")
    print(f"  caseaudit run, parquet:      {parquet_seconds:.2f} s, peak {parquet_mb:.0f} MB")
    print(f"  caseaudit rules:             {rules_seconds:.2f} s")
    print(f"  caseaudit --help:            {help_seconds:.2f} s")
    print("  stages of the workbook run:")
    for stage, seconds in record["timings_seconds"].items():
        print(f"    {stage:<8} {seconds:8.3f} s")
    print("  per rule:")
    for rule in record["rules"]:
        judged = rule["met"] + rule["not_met"] + rule["not_applicable"]
        print(
            f"    {rule['code']} {rule['status']:<7} {rule['seconds']:7.3f} s "
            f"{rule['input_rows']:>9,} input rows  {judged:>7,} subjects judged"
        )
    ran = [r for r in record["rules"] if r["status"] == "RAN"]
    rule_seconds = sum(r["seconds"] for r in ran)
    input_rows = sum(r["input_rows"] for r in ran)
    throughput = input_rows / rule_seconds if rule_seconds else float("nan")
    print(
        f"  rule evaluation: {rule_seconds:.3f} s for {len(ran)} rules over "
        f"{input_rows:,} subject-rows (the rows of each rule's tables): "
        f"{throughput:,.0f} subject-rows/s"
    )

    timings = record["timings_seconds"]
    before_reports = sum(v for k, v in timings.items() if k != "reports")
    pages = sorted((data / "reports" / PERIOD / "teams").glob("*.html"))
    largest = max(pages, key=lambda p: p.stat().st_size)
    print("\nReports")
    print(
        f"  rendering {len(pages)} team reports, workbooks and the overview: "
        f"{timings['reports']:.2f} s, {timings['reports'] / before_reports:.0%} of the rest "
        "of the run"
    )
    print(f"  per team: {timings['reports'] / len(pages) * 1000:.1f} ms")
    print(f"  largest team report: {largest.name}, {largest.stat().st_size / 1e6:.2f} MB")

    print(f"\nAgainst the targets (issue 14; {os.cpu_count()} cores; ratios to the floor above)")
    rows = [
        ("county run / raw read", run_seconds / floor, "x", 1.5, "at most"),
        ("county check / raw read", check_seconds / floor, "x", 1.0, "at most"),
        ("county run from parquet / raw read", parquet_seconds / floor, "x", 0.7, "at most"),
        ("rule evaluation, M subject-rows/s", throughput / 1e6, "", 3.0, "at least"),
        ("caseaudit rules, s", rules_seconds, "", 0.4, "at most"),
        ("peak memory of the run, MB", peak_mb, "", 2048, "at most"),
    ]
    for label, value, unit, target, sense in rows:
        ok = value <= target if sense == "at most" else value >= target
        verdict = "meets" if ok else "MISSES"
        print(f"  {label:<38} {value:8.2f}{unit:<2} target {sense} {target:g}: {verdict}")

    if not args.no_scale:  # the reports target is set at 402 teams, not the county's 42
        subprocess.run([sys.executable, str(ROOT / "scripts" / "bench_reports.py")], check=True)
    if args.database:  # optional: starting and filling a server takes a minute or two
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "scripts" / "bench_database.py"),
                "--children",
                str(args.children),
            ],
            check=True,
        )


if __name__ == "__main__":
    main()
