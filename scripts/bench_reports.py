"""Reports at region scale: 100,000 children in 402 teams, the issue 14 targets of 6 s for
the reports and 20 s and 1 GB for the whole run.

Usage: ``python scripts/bench_reports.py [--children 100000] [--seed 2026]`` (``make bench``
runs it last). Generates the fictional authority once as parquet under
``bench_data/reports_<children>_<seed>/`` (git-ignored; reused by later runs, since
generating takes about a minute), runs ``caseaudit run`` on it in its own process and
prints the reports stage from the run's own ``run.json`` timings: seconds in all, per team,
and against the target. Also prints the other stages, the process's CPU seconds (its
worker processes included, steadier than the wall clock on a shared machine) and its peak
resident memory (the largest of the process and its report workers).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from measured import measured

ROOT = Path(__file__).resolve().parents[1]
PERIOD = "2026-10"
TARGET_SECONDS = 6.0
RUN_TARGET_SECONDS, RUN_TARGET_MB = 20.0, 1024.0


def generate(folder: Path, children: int, seed: int) -> Path:
    """The authority as a folder of parquet files, generated once per size and seed."""
    authority = folder / "authority"
    if not (authority / "children.parquet").exists():
        from audit import sample

        tables = sample.generate_authority(children, seed, end_month=PERIOD)
        folder.mkdir(parents=True, exist_ok=True)
        sample.write_parquet_folder(tables, authority)
    return authority


def run(authority: Path, out: Path) -> tuple[float, float, float]:
    """``caseaudit run`` in its own process: wall seconds, CPU seconds (workers included) and
    peak RSS in MB (Linux reports the largest of the process and its waited-for workers)."""
    command = [sys.executable, "-m", "audit.cli", "run", str(authority), "--period", PERIOD]
    done = measured([*command, "--out", str(out)])
    return done.wall, done.cpu, done.peak_mb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    folder = ROOT / "bench_data" / f"reports_{args.children}_{args.seed}"
    started = time.perf_counter()
    authority = generate(folder, args.children, args.seed)
    print(
        f"\nReports at scale: {args.children:,} fictional children in {authority} "
        f"(ready in {time.perf_counter() - started:.0f} s)"
    )
    out = folder / "reports"
    wall, cpu, peak_mb = run(authority, out)
    record = json.loads((out / PERIOD / "run.json").read_text())
    teams = len(list((out / PERIOD / "teams").glob("*.html")))
    timings = record["timings_seconds"]
    reports = timings["reports"]
    print(
        f"  caseaudit run: {wall:.1f} s wall, {cpu:.1f} s CPU (workers included), "
        f"peak {peak_mb:.0f} MB; "
        f"target at most {RUN_TARGET_SECONDS:g} s and {RUN_TARGET_MB:.0f} MB: "
        + ("meets" if wall <= RUN_TARGET_SECONDS and peak_mb <= RUN_TARGET_MB else "MISSES")
    )
    print("  stages: " + ", ".join(f"{k} {v:.2f} s" for k, v in timings.items()))
    print(
        f"  reports for {teams} teams: {reports:.2f} s, {reports / teams * 1000:.1f} ms per team; "
        f"target at most {TARGET_SECONDS:g} s ({os.cpu_count()} cores): "
        + ("meets" if reports <= TARGET_SECONDS else "MISSES")
    )


if __name__ == "__main__":
    main()
