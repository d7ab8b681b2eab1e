"""``caseaudit run``: read the settings, load the input, run the rules once.

The month's files (``findings.csv``, ``data_quality.csv``, ``run.json`` and the reports)
are written by :func:`audit.publish.write_run`, which puts the month in place whole.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from audit.database import resolve_input
from audit.engine.runner import FINDINGS_COLUMNS, run_rules
from audit.loader import load, require_children
from audit.memory import hand_back_freed_memory
from audit.output import open_private, write_csv
from audit.period import AuditPeriod
from audit.progress import Progress, no_progress
from audit.results import AuditRun
from audit.rulekit import AuditContext, Rule
from audit.rulekit.workdays import WorkingDayCalendar
from audit.settings import Settings, prepare


@contextmanager
def timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    timings[stage] = round(time.perf_counter() - start, 4)


def audit(
    input_path: Path | str,
    period: AuditPeriod,
    config_path: Path | None = None,
    profile: str | None = None,
) -> AuditRun:
    """Read the config, load the input and run the selected rules for one month.

    ``input_path`` is a workbook or folder, a database URL, or a connection's name.
    Nothing is written: :func:`audit.publish.write_run` writes the month.
    """
    timings: dict[str, float] = {}
    with timed(timings, "config"):
        settings, rules = prepare(config_path)
    return audit_with(settings, rules, input_path, period, profile, timings)


def audit_with(
    settings: Settings,
    rules: Sequence[Rule],
    input_path: Path | str,
    period: AuditPeriod,
    profile: str | None = None,
    timings: dict[str, float] | None = None,
    progress: Progress = no_progress,
) -> AuditRun:
    """Load the input and run ``rules`` for one month, with settings already read."""
    timings = {} if timings is None else timings
    with timed(timings, "load"):
        loaded = load(
            resolve_input(input_path, settings.connections),
            settings.limits,
            profile=profile or settings.profile,
            mapping=settings.mapping,
            as_at=period.as_at,
            progress=progress,
        )
        require_children(loaded)
        hand_back_freed_memory()
    context = AuditContext(
        period,
        calendar=WorkingDayCalendar().prepare(),
        placeholders=settings.rules.placeholders,
        min_words=settings.rules.min_words,
        absent=loaded.absent,
    )
    with timed(timings, "rules"):
        # The month's files need only who and where; the rules get the whole tables, and
        # each column is let go of once the last rule that reads it has run.
        tables, loaded = loaded.tables, loaded.after_rules()
        findings, statuses = run_rules(
            rules,
            settings.rules.rule_params,
            tables,
            context,
            loaded.absent,
            progress,
            hand_over=True,
        )
        del tables
        hand_back_freed_memory()
    return AuditRun(
        period,
        settings.rules,
        list(rules),
        loaded,
        findings,
        statuses,
        thresholds=settings.thresholds,
        show_names=settings.show_names,
        settings_record=settings.effective(rules),
        timings=timings,
    )


# ---------------------------------------------------------------- writing


def write_findings(findings: pd.DataFrame, path: Path) -> None:
    write_csv(findings_rows(findings), path)


def findings_rows(findings: pd.DataFrame) -> pd.DataFrame:
    """The findings as ``findings.csv`` has them: its columns in order, each evidence date
    written 2026-09-30, source rows as whole numbers."""
    # Not a deep copy: only the two columns replaced below are new (pandas copies on write).
    out = findings.loc[:, list(FINDINGS_COLUMNS)]
    out["evidence_date"] = _iso_dates(out["evidence_date"])
    out["source_row"] = out["source_row"].astype("Int64")
    return out


def _iso_dates(values: pd.Series) -> pd.Series:
    """Each date as ``.dt.strftime("%Y-%m-%d")`` gives it (missing stays missing), formatted
    once per distinct date: a county's 80,000 findings have about 500."""
    codes, distinct = pd.factorize(pd.to_datetime(values))
    text = pa.array(list(pd.DatetimeIndex(distinct).strftime("%Y-%m-%d")), pa.large_string())
    dates = text.take(pa.array(codes, mask=codes < 0))
    return pd.Series(pd.array(dates, dtype="str"), index=values.index)


def write_json(record: dict[str, Any], path: Path) -> None:
    with open_private(path, "w", encoding="utf-8") as fh:
        json.dump(record, fh, indent=2, default=str)
        fh.write("\n")
