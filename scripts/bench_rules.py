"""Rule throughput, rule by rule, on tables already loaded (no load in the timing).

Usage: ``python scripts/bench_rules.py [INPUT] [--period 2026-10] [--repeat 5] [--only VIS01]``
(INPUT defaults to ``bench_data/county_parquet``, which ``make bench`` writes). Loads the
input once, then times each rule's ``evaluate`` the way the engine runs it (read-only
views, the run's shared scope worked out once) and prints, per rule, the best of
``--repeat`` runs (CPU time of this process, steadier than the wall clock on a shared
machine) and its subject-rows per second, then the total. A tool for finding the
slow rule; ``make bench`` reports the figure of a real run.

Beside the best it prints the first call's wall clock, which is what a run measures (one
wall-clock call per rule, in rule order): a first call far above the best is a cost paid
once (an import, a cache filled on first use), one near it is not. On a busy shared
machine the run's single wall-clock figure can be 2-4x the best here for the same work.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from audit.engine.runner import rule_tables, unmet_requirement
from audit.loader import load
from audit.period import AuditPeriod
from audit.rulekit import AuditContext
from audit.rulekit.workdays import WorkingDayCalendar
from audit.settings import prepare

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", nargs="?", type=Path, default=ROOT / "bench_data/county_parquet")
    parser.add_argument("--period", default="2026-10")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", nargs="*", default=None, help="rule codes to time")
    args = parser.parse_args()

    settings, rules = prepare(None)
    period = AuditPeriod.parse(args.period)
    loaded = load(args.input, settings.limits, as_at=period.as_at)
    context = AuditContext(
        period,
        calendar=WorkingDayCalendar().prepare(),
        placeholders=settings.rules.placeholders,
        min_words=settings.rules.min_words,
        absent=loaded.absent,
    ).scoped(loaded.tables)
    total_seconds = 0.0
    total_first = 0.0
    total_rows = 0
    for rule in rules:
        if args.only and rule.code not in args.only:
            continue
        if unmet_requirement(rule, loaded.tables, loaded.absent):
            print(f"{rule.code} SKIPPED")
            continue
        params = settings.rules.rule_params.get(rule.code) or rule.params()
        view = rule_tables(rule, loaded.tables)
        read = set(view) | ({"children"} & set(loaded.tables))
        rows = sum(len(loaded.tables[t]) for t in read)
        best = float("inf")
        first = None
        for _ in range(args.repeat):
            start, wall = time.process_time(), time.perf_counter()
            rule.evaluate(view, params, context)
            best = min(best, time.process_time() - start)
            first = time.perf_counter() - wall if first is None else first
        assert first is not None
        total_seconds += best
        total_first += first
        total_rows += rows
        print(
            f"{rule.code} {best * 1000:8.1f} ms {rows:>9,} rows {rows / best / 1e6:6.2f} M/s"
            f"   first call {first * 1000:7.1f} ms wall"
        )
    print(
        f"total {total_seconds:.3f} s, {total_rows:,} rows, "
        f"{total_rows / total_seconds / 1e6:.2f} M/s; first calls {total_first:.3f} s wall"
    )


if __name__ == "__main__":
    main()
