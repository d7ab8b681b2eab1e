"""Benchmark: a region of fictional authorities from parquet, audited as one run.

Usage: ``python scripts/bench_region.py [--authorities 33] [--children 10000] [--seed 2026]
[--repeat 1]`` (``make bench-region``).

The region of issue 14: 33 authorities of 10,000 children each, every one shaped like the
county of ``scripts/bench.py`` (150,000 visits, 40,000 plan versions, ...), about 330,000
children, 4.95 M visits and 7.6 M rows in all, written as one parquet folder per authority
under ``bench_data/`` (git-ignored, kept between runs: generating takes minutes). Child and
worker IDs collide across authorities and team names partly overlap
(``audit.sample.region``), as they do between real councils.

``caseaudit run REGION`` runs in its own process; printed are its wall time, its peak
resident memory (the largest single process, from the kernel, and the process with its
forked workers together, sampled twice a second), the stages as
``run.json`` timed them, the floor beside it (pyarrow reading every parquet file of the
region, measured in the same run) and the machine's cores and load. Target (issue 14,
read by a person, never by a timed unit test): at most 60 s and 3 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import PERIOD, ROOT, resize  # the county's shape
from measured import finish, start

TARGET_SECONDS, TARGET_GB = 60.0, 3.0


def region_folder(authorities: int, children: int, seed: int) -> Path:
    """The region's parquet folders, generated once for these arguments."""
    from audit.sample.region import write_region

    folder = ROOT / "bench_data" / f"region-{authorities}x{children}-seed{seed}"
    done = folder / ".complete"
    if not done.exists():
        print(f"Generating {authorities} authorities of {children:,} children in {folder} ...")
        start = time.perf_counter()
        write_region(folder, authorities, children, seed, end_month=PERIOD, reshape=resize)
        done.write_text("generated\n", encoding="utf-8")
        print(f"  generated in {time.perf_counter() - start:.0f} s")
    return folder


def rows_by_table(folder: Path) -> dict[str, int]:
    rows: dict[str, int] = {}
    for path in sorted(folder.glob("*/*.parquet")):
        rows[path.stem] = rows.get(path.stem, 0) + pq.ParquetFile(path).metadata.num_rows
    return rows


def raw_read(folder: Path) -> float:
    """The floor: pyarrow's own read of every parquet file of the region, one by one."""
    start = time.perf_counter()
    for path in sorted(folder.glob("*/*.parquet")):
        pq.read_table(path)
    return time.perf_counter() - start


def tree_rss_mb(root: int) -> float:
    """Resident memory of ``root`` and every process below it (its forked workers), MB."""
    parent: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            parent[int(entry.name)] = int(fields[1])
            rss[int(entry.name)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):  # the process ended meanwhile
            continue
    tree, grown = {root}, True
    while grown:
        below = {pid for pid, ppid in parent.items() if ppid in tree} - tree
        grown = bool(below)
        tree |= below
    return sum(rss.get(pid, 0) for pid in tree) / 2**20


def run_sampled(*args: str) -> tuple[float, float, float]:
    """``caseaudit`` in its own process: wall seconds, the largest single process's peak
    RSS (MB, from the kernel) and the largest RSS of the process and its workers together
    (MB, sampled twice a second; shared pages of forked workers are counted in each)."""
    launcher = start([sys.executable, "-m", "audit.cli", *args])
    peak_tree = 0.0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak_tree
        while not stop.wait(0.5):
            peak_tree = max(peak_tree, tree_rss_mb(launcher.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    done = finish(launcher)
    stop.set()
    sampler.join()
    return done.wall, done.peak_mb, peak_tree


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--authorities", type=int, default=33)
    parser.add_argument("--children", type=int, default=10_000, help="per authority")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=1, help="runs of caseaudit to time")
    args = parser.parse_args()

    folder = region_folder(args.authorities, args.children, args.seed)
    rows = rows_by_table(folder)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(
        f"Machine: {cores} cores usable ({os.cpu_count()} in all), Python {sys.version.split()[0]}"
    )
    print("Load average before: " + " ".join(f"{v:.2f}" for v in os.getloadavg()))
    print(
        f"Region: {args.authorities} authorities, {rows.get('children', 0):,} children, "
        f"{rows.get('visits', 0):,} visits, {sum(rows.values()):,} rows in all"
    )
    floor = min(raw_read(folder) for _ in range(2))
    print(f"Floor (pyarrow read of every parquet file): {floor:.2f} s")

    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "audit.toml"
        config.write_text("", encoding="utf-8")
        for attempt in range(1, args.repeat + 1):
            out = Path(tmp) / f"out{attempt}"
            seconds, peak_mb, tree_mb = run_sampled(
                "run", str(folder), "--period", PERIOD, "--out", str(out), "--config", str(config)
            )
            record = json.loads((out / PERIOD / "run.json").read_text(encoding="utf-8"))
            stages = ", ".join(f"{k} {v:.1f} s" for k, v in record["timings_seconds"].items())
            teams = sum(len(a["teams"]) for a in record["authorities"].values())
            print(
                f"caseaudit run (region, run {attempt}): {seconds:.1f} s wall "
                f"({seconds / floor:.1f}x the floor), peak RSS {peak_mb / 1024:.2f} GB "
                f"(one process; {tree_mb / 1024:.2f} GB with its workers, sampled); "
                f"{len(record['authorities'])} authorities, {teams} team reports"
            )
            print(
                "  stages (load, rules, overview and write summed over the authorities, which "
                f"workers audit side by side): {stages}"
            )
    print("Load average after: " + " ".join(f"{v:.2f}" for v in os.getloadavg()))
    print(
        f"\nAgainst the target (issue 14; {cores} cores): at most {TARGET_SECONDS:.0f} s and "
        f"{TARGET_GB:.0f} GB peak RSS for the whole region from parquet"
    )


if __name__ == "__main__":
    main()
