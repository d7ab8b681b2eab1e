"""``caseaudit run``: load, run the rules once, write the month's findings.

Writes ``findings.csv``, ``data_quality.csv`` and ``run.json`` into ``OUT/YYYY-MM/``
(``audit.publish`` puts the month in place whole).
"""

from __future__ import annotations

import hashlib
import json
import platform
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from audit import __version__
from audit.database import DatabaseSource, resolve_input
from audit.engine.config import AuditConfig, build_config, read_toml, rule_dirs_of
from audit.engine.registry import discover_rules
from audit.engine.runner import FINDINGS_COLUMNS, RuleStatus, compliance, run_rules
from audit.loader import LoadResult, load, require_children
from audit.output import open_private, write_csv
from audit.period import AuditPeriod
from audit.reader import SPREADSHEET_SUFFIXES
from audit.rulekit import MET, NOT_APPLICABLE, NOT_MET, AuditContext, Rule
from audit.rulekit.workdays import WorkingDayCalendar

if TYPE_CHECKING:
    from audit.reports.model import Overview


@dataclass
class AuditRun:
    """Everything one audit produced, for writers and reports."""

    period: AuditPeriod
    config: AuditConfig
    rules: list[Rule]
    loaded: LoadResult
    findings: pd.DataFrame
    statuses: list[RuleStatus]
    timings: dict[str, float] = field(default_factory=dict)
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    overview: Overview | None = None  # the reports' content, once written


@contextmanager
def _timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    timings[stage] = round(time.perf_counter() - start, 4)


def prepare(config_path: Path | None) -> tuple[AuditConfig, list[Rule]]:
    """Read and validate the config against the rules it can see; select the rules."""
    raw = read_toml(config_path)
    rules = discover_rules(rule_dirs_of(raw, config_path))
    config = build_config(raw, config_path, rules)
    return config, config.selected(rules)


def audit(
    input_path: Path | str,
    period: AuditPeriod,
    config_path: Path | None = None,
    profile: str | None = None,
) -> AuditRun:
    """Load the input and run the selected rules for one month (nothing written).

    ``input_path`` is a workbook or folder, a database URL, or a connection's name."""
    timings: dict[str, float] = {}
    with _timed(timings, "config"):
        config, rules = prepare(config_path)
    with _timed(timings, "load"):
        loaded = load(
            resolve_input(input_path, config.connections),
            config.limits,
            profile=profile or config.profile,
            mapping=config.mapping,
            as_at=period.as_at,
        )
        require_children(loaded)
    context = AuditContext(
        period,
        calendar=WorkingDayCalendar().prepare(),
        placeholders=config.placeholders,
        min_words=config.min_words,
        absent=loaded.absent,
    )
    with _timed(timings, "rules"):
        findings, statuses = run_rules(
            rules, config.rule_params, loaded.tables, context, loaded.absent
        )
    return AuditRun(period, config, rules, loaded, findings, statuses, timings)


# ---------------------------------------------------------------- writing


def write_findings(findings: pd.DataFrame, path: Path) -> None:
    out = findings.loc[:, list(FINDINGS_COLUMNS)].copy()
    out["evidence_date"] = pd.to_datetime(out["evidence_date"]).dt.strftime("%Y-%m-%d")
    out["source_row"] = out["source_row"].astype("Int64")
    write_csv(out, path)


def _write_json(record: dict[str, Any], path: Path) -> None:
    with open_private(path, "w", encoding="utf-8") as fh:
        json.dump(record, fh, indent=2, default=str)
        fh.write("\n")


def run_record(run: AuditRun) -> dict[str, Any]:
    """What run.json holds: enough to reproduce and explain the month's figures."""
    return {
        "caseaudit_version": __version__,
        "started_at": run.started.isoformat(timespec="seconds"),
        "period": {
            "label": run.period.label,
            "start": run.period.start.isoformat(),
            "end": run.period.end.isoformat(),
            "as_at": run.period.as_at.isoformat(),
        },
        "inputs": input_files(run.loaded),
        "profile": run.loaded.profile,
        "profile_notes": list(run.loaded.notes),
        "tables": {
            name: {
                "source": t.source,
                "rows_read": t.rows_read,
                "rows_loaded": t.rows_loaded,
                "rows_rejected": t.rows_rejected,
                "findings": len(t.findings),
                "absent_columns": list(t.absent_columns),
            }
            for name, t in run.loaded.loads.items()
        },
        "rules": [
            {
                "code": s.code,
                "name": s.name,
                "status": s.status,
                "reason": s.reason,
                "met": s.counts[MET],
                "not_met": s.counts[NOT_MET],
                "not_applicable": s.counts[NOT_APPLICABLE],
                "compliance": s.compliance,
                "seconds": round(s.seconds, 4),
                "input_rows": s.subject_rows,
                "fed_by": fed_by(s, run.loaded),
            }
            for s in run.statuses
        ],
        "teams": team_compliance(run.findings),
        "timings_seconds": run.timings,
        "versions": versions(),
        "config": run.config.effective(run.rules),
    }


def fed_by(status: RuleStatus, loaded: LoadResult) -> list[str]:
    """Where the data a rule read came from (empty for a rule that did not run)."""
    return [loaded.fed_by.get(t, loaded.loads[t].source) for t in status.tables]


def team_compliance(findings: pd.DataFrame) -> dict[str, dict[str, dict[str, Any]]]:
    """Per team, per rule: met / not met / not applicable and compliance."""
    if findings.empty:
        return {}
    counts = (
        findings.groupby(["team", "rule_code", "outcome"], observed=True)
        .size()
        .unstack("outcome", fill_value=0)
        .reindex(columns=[MET, NOT_MET, NOT_APPLICABLE], fill_value=0)
    )
    teams: dict[str, dict[str, dict[str, Any]]] = {}
    for (team, code), row in counts.iterrows():
        met, not_met, na = (int(row[MET]), int(row[NOT_MET]), int(row[NOT_APPLICABLE]))
        teams.setdefault(str(team), {})[str(code)] = {
            "met": met,
            "not_met": not_met,
            "not_applicable": na,
            "compliance": compliance(met, not_met),
        }
    return teams


def input_files(loaded: LoadResult) -> list[dict[str, Any]]:
    path = loaded.input_path
    if isinstance(path, DatabaseSource):  # per table: rows read and a checksum of them
        return list(path.read_log)
    if not isinstance(path, Path):
        return []
    files: Sequence[Path] = (
        sorted(p for p in path.iterdir() if p.suffix.lower() in SPREADSHEET_SUFFIXES)
        if path.is_dir()
        else [path]
    )
    return [{"path": str(p), "bytes": p.stat().st_size, "sha256": sha256(p)} for p in files]


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def versions() -> dict[str, str]:
    found = {"python": platform.python_version(), "caseaudit": __version__}
    for package in ("pandas", "numpy", "pandera", "python-calamine", "openpyxl", "holidays"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "not installed"
    return found
