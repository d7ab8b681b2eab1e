"""Benchmark: a county-sized authority, loaded and audited, with the figures printed.

Usage: ``python scripts/bench.py [--children 10000] [--seed 7] [--keep]`` (``make bench``).

Prints the bare ``pandas.read_excel(engine="calamine")`` time beside caseaudit's, for the
150,000-row visits sheet alone and for the whole workbook; the whole ``caseaudit run`` time
per stage and per rule; rule throughput in subject-rows per second; and peak memory.
Targets (checked by a person reading the output, never by a timed unit test): loading
visits within 1.5x the bare read; the whole run within 2x the bare read of the workbook;
rules at 1,000,000 subject-rows/s or more; peak memory under 2 GB. The data is generated
under ``bench_data/`` (git-ignored) and never committed.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

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


def load_visits(path: Path) -> tuple[int, float]:
    """caseaudit's load of the visits sheet alone (children loaded first, not timed)."""
    from audit.contract import table_spec
    from audit.loader import load_table
    from audit.reader import read_grid

    children = load_table(table_spec("children"), read_grid(path, "children")).frame
    start = time.perf_counter()
    visits = load_table(table_spec("visits"), read_grid(path, "visits"), children["child_id"])
    return visits.rows_loaded, time.perf_counter() - start


def run_audit(path: Path, out: Path) -> tuple[float, int]:
    """Time ``caseaudit run`` in a child process; return seconds and its peak RSS in KB."""
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "audit.cli",
            "run",
            str(path),
            "--period",
            PERIOD,
            "--out",
            str(out),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    elapsed = time.perf_counter() - start
    return elapsed, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=TARGET_ROWS["children"])
    parser.add_argument("--seed", type=int, default=7)
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

    bare_visits = best_of(
        3, lambda: pd.read_excel(workbook, sheet_name="visits", engine="calamine")
    )
    ours = [load_visits(workbook) for _ in range(3)]
    ours_visits = min(t for _, t in ours)
    print("\nLoading the visits sheet")
    print(f"  bare pandas.read_excel(engine='calamine'): {bare_visits:.2f} s")
    print(
        f"  caseaudit load (read, normalise, account): {ours_visits:.2f} s "
        f"({ours[0][0]} rows loaded)"
    )
    print(f"  ratio: {ours_visits / bare_visits:.2f}x (target: at most 1.5x)")

    bare_book = best_of(2, lambda: pd.read_excel(workbook, sheet_name=None, engine="calamine"))
    run_seconds, peak_kb = run_audit(workbook, data / "reports")
    record = json.loads((data / "reports" / PERIOD / "run.json").read_text())
    print("\nWhole audit (caseaudit run, in its own process)")
    print(f"  bare read of the whole workbook: {bare_book:.2f} s")
    print(
        f"  caseaudit run, wall clock incl. start-up: {run_seconds:.2f} s "
        f"({run_seconds / bare_book:.2f}x the bare read; target: at most 2x)"
    )
    audit_only = run_seconds - record["timings_seconds"].get("reports", 0.0)
    print(
        f"  without the reports stage (the engine issue's measure): {audit_only:.2f} s "
        f"({audit_only / bare_book:.2f}x the bare read; target: at most 2x)"
    )
    for stage, seconds in record["timings_seconds"].items():
        print(f"    {stage:<8} {seconds:8.3f} s")
    print("  per rule:")
    for rule in record["rules"]:
        judged = rule["met"] + rule["not_met"] + rule["not_applicable"]
        print(
            f"    {rule['code']} {rule['status']:<7} {rule['seconds']:7.3f} s "
            f"{rule['input_rows']:>9,} input rows  {judged:>7,} subjects judged"
        )
    rule_seconds = sum(r["seconds"] for r in record["rules"])
    input_rows = sum(r["input_rows"] for r in record["rules"])
    print(
        f"  rule evaluation: {rule_seconds:.3f} s for {len(record['rules'])} rules over "
        f"{input_rows:,} subject-rows (the rows of each rule's tables): "
        f"{input_rows / rule_seconds:,.0f} subject-rows/s (target: 1,000,000/s or more)"
    )
    print(f"  peak memory: {peak_kb / 1024:.0f} MB (target: under 2048 MB)")

    timings = record["timings_seconds"]
    before_reports = sum(v for k, v in timings.items() if k != "reports")
    pages = sorted((data / "reports" / PERIOD / "teams").glob("*.html"))
    largest = max(pages, key=lambda p: p.stat().st_size)
    print("\nReports")
    print(
        f"  rendering {len(pages)} team reports, workbooks and the overview: "
        f"{timings['reports']:.2f} s, {timings['reports'] / before_reports:.0%} of the rest "
        "of the run (target: at most 50%)"
    )
    print(
        f"  largest team report: {largest.name}, {largest.stat().st_size / 1e6:.2f} MB "
        "(target: under 2 MB)"
    )


if __name__ == "__main__":
    main()
