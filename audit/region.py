"""A region: a folder of authorities, one folder each, audited as one run.

``caseaudit run REGION`` where ``REGION/<authority>/`` holds each authority's export (its
per-table files or one workbook) writes one month for the whole region: an overview with
every authority and its teams, one report and action workbook per team, and a history
and ``run.json`` with the authority as the level above the team.

Keeping authorities apart (the design, and why):

- Each authority is loaded with :func:`audit.loader.load` and judged by the rules on its
  own tables only, and its teams' reports are cut from its own tables only, exactly as a
  single authority's run is. Councils number children and staff independently, so child
  ``C0001`` of one authority and ``C0001`` of another are different children: because no
  rule, join or lookup ever sees two authorities' tables together, no identifier can join
  one authority's child to another's records. Identifiers are never rewritten; every
  output shows the authority's own.
- A team in a region is named ``<authority> / <team>`` (:func:`region_team`): two
  councils' "Children in Care North" stay two teams, with two reports
  (``teams/<authority>--<team>.html``), two workbooks and two entries in the history and
  the email settings. The authority is also kept as its own field (``TeamReport.authority``,
  the history's ``authority`` column, ``run.json``'s ``authorities``), so nothing ever
  parses a team's name to find its authority. An authority's name is its folder's name.
- Memory and cores: authorities are shared out between forked workers, one per core
  (``audit.reports.parallel``; one after another below 8 authorities), each holding one
  authority's tables at a time. What comes back from each is its teams' report content and
  a slim copy of its findings (the columns the region's figures, history and follow-up
  read, as categories); the worker writes the authority's full findings and data-quality
  rows to files of its own, joined in the region's order at the end.

What a region folder may hold: one folder per authority, and nothing else that looks like
data. A table file beside the authority folders stops the run (it belongs in an
authority's folder, and auditing without it would be wrong); any other file (a README) is
ignored and named in the run's output; hidden files are ignored. A folder with no table
file in it is not an authority and stops the run. An authority's folder holds its table
files or one workbook (:func:`audit.region_folder.authority_export`), audited as
``caseaudit run`` audits that workbook alone.
"""

from __future__ import annotations

import gc
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property, partial
from pathlib import Path
from typing import Any

import pandas as pd

from audit import __version__
from audit.contract import UNALLOCATED_TEAM
from audit.engine.runner import ERROR, FINDINGS_COLUMNS, RAN, SKIPPED, RuleStatus
from audit.history import History
from audit.loader import ISSUE_COLUMNS, LoadResult
from audit.memory import collector_paused
from audit.output import (
    DIR_MODE,
    cannot_write,
    csv_header,
    open_private,
    private_dir,
    write_csv_rows,
    writing,
)
from audit.period import AuditPeriod
from audit.period_warnings import period_warnings
from audit.progress import Progress, no_progress
from audit.publish import collectable_again_after, publish
from audit.region_folder import Authority, RegionFolder, authority_export
from audit.reports import write_report_files
from audit.reports.build import add_trends, iro_contact_summaries, overview_of_run
from audit.reports.fix_first import prioritise
from audit.reports.follow_up import add_follow_up
from audit.reports.model import (
    Overview,
    RuleInfo,
    TeamReport,
    action_records,
    region_team,
    slug,
)
from audit.reports.parallel import rendered_in_order
from audit.results import (
    AuditRun,
    input_files,
    period_record,
    rule_record,
    score_record,
    versions,
)
from audit.rulekit import MET, NOT_APPLICABLE, NOT_MET, OUTCOMES, Rule
from audit.run import audit_with, findings_rows, timed, write_json
from audit.settings import Settings

# Between the authority's and the team's part of a team's file name: a slug never holds
# two hyphens in a row, so "a--b" cannot be any single authority's team.
SLUG_SEPARATOR = "--"
# The findings' columns the region keeps in memory (figures, history, follow-up).
_SLIM = ("authority", "team", "rule_code", "recommendation", "subject_id", "outcome")


def _filed(region: RegionFolder) -> RegionFolder:
    """The region with each authority's file-name part: its name's slug, kept apart from
    another authority's with the same slug ("North Shire" and "north-shire")."""
    authorities, taken = [], set()
    for authority in region.authorities:
        name = slug(authority.name)
        if name in taken:
            name = next(f"{name}-{n}" for n in range(2, 10_000) if f"{name}-{n}" not in taken)
        taken.add(name)
        authorities.append(replace(authority, slug=name))
    return RegionFolder(authorities, region.ignored)


@dataclass
class AuthorityRecord:
    """What the region keeps of one authority once its tables are gone."""

    name: str
    path: Path
    profile: str
    notes: tuple[str, ...]
    inputs: list[dict[str, Any]]
    tables: dict[str, dict[str, Any]]  # run.json's per-table row accounting
    teams: dict[str, str]  # the region's team name -> the authority's own team name
    rows_rejected: int
    warnings: list[str]  # reasons to doubt its month's figures (audit.period_warnings)
    timings: dict[str, float] = field(default_factory=dict)


@dataclass
class RegionRun(AuditRun):
    """A region's month: an :class:`AuditRun` whose findings are the slim pooled findings
    (``team`` holds the region's team name) and which knows each team's authority."""

    authorities: list[AuthorityRecord] = field(default_factory=list)
    folder: Path = Path()

    @cached_property
    def team_authority(self) -> dict[str, str]:
        return {team: a.name for a in self.authorities for team in a.teams}

    def authority_of(self, team: str) -> str:
        return self.team_authority.get(team, "")

    @cached_property
    def inputs(self) -> list[dict[str, Any]]:  # type: ignore[override]
        return [f for a in self.authorities for f in a.inputs]


@collectable_again_after
def run_region(
    settings: Settings,
    rules: Sequence[Rule],
    region: RegionFolder,
    period: AuditPeriod,
    out_root: Path,
    history: History | None,
    profile: str | None = None,
    progress: Progress = no_progress,
) -> tuple[RegionRun, Path]:
    """Audit every authority of ``region`` for ``period`` and write the region's month
    into ``out_root`` in one step (as :func:`audit.publish.write_run` does for one
    authority); the month is recorded in the history once every file is in place."""
    region = _filed(region)
    final = out_root / period.label
    with writing("the month", final):
        private_dir(out_root)
        staging = Path(tempfile.mkdtemp(prefix=f".{period.label}.staging-", dir=out_root))
    try:
        run, overview = _audit_into(settings, rules, region, period, staging, profile, progress)
        gc.freeze()  # the region's run and overview, kept until the month is written
        with timed(run.timings, "reports"):
            with collector_paused():
                if history is not None:
                    add_trends(overview, history, period)
                prioritise(overview, history)
                if history is not None:
                    add_follow_up(overview, run, history)
            gc.freeze()  # the actions prioritise and add_follow_up rebuilt, likewise
            write_report_files(overview, staging, progress)
        write_json(region_record(run), staging / "run.json")
        os.chmod(staging, DIR_MODE)
        publish(staging, final)
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, OSError):
            raise cannot_write("the month", final, exc) from exc
        raise
    if history is not None:
        history.record(run, action_records(overview))
    return run, final


@dataclass
class _Audited:
    """What one authority leaves the region once its tables are gone (small enough to
    come back from a worker process)."""

    part: Overview  # its teams' report content, named and filed as the region's
    slim: pd.DataFrame
    record: AuthorityRecord
    statuses: list[RuleStatus]
    settings_record: dict[str, Any]


def _audit_authority(
    settings: Settings,
    rules: Sequence[Rule],
    period: AuditPeriod,
    profile: str | None,
    staging: Path,
    authority: Authority,
) -> _Audited:
    """One authority alone, as a single authority's run: load, rules, its teams' report
    content; its findings and data-quality rows go to files of its own in ``staging``."""
    own: dict[str, float] = {}
    export = authority_export(authority.path, settings.mapping)
    run = audit_with(settings, rules, export, period, profile, own)
    with timed(own, "overview"), collector_paused():  # objects by the thousand, no cycles
        part = overview_of_run(run)
    for team in part.teams:
        _claim(team, authority)
    part.iro_caseloads = [
        replace(c, team=region_team(authority.name, c.team)) for c in part.iro_caseloads
    ]
    with timed(own, "write"):
        for name, rows in _csv_parts(run, authority.name).items():
            path = _part_path(staging, name, authority)
            with open_private(path, "wb") as fh:
                write_csv_rows(rows, fh, header=False)
    return _Audited(
        part,
        _slim(run.findings, authority.name),
        _record(run, authority, part.teams, own),
        run.statuses,
        dict(run.settings_record),
    )


_CSV_FILES = ("findings.csv", "data_quality.csv")


def _csv_parts(run: AuditRun, authority: str) -> dict[str, pd.DataFrame]:
    return {
        "findings.csv": _findings_rows(run, authority),
        "data_quality.csv": _issue_rows(run.loaded, authority),
    }


def _part_path(staging: Path, name: str, authority: Authority) -> Path:
    return staging / f".{authority.slug}.{name}"


def _join_parts(staging: Path, region: RegionFolder) -> None:
    """Each CSV as one file: the header, then every authority's rows in the region's order."""
    headers = {
        "findings.csv": csv_header(["authority", *FINDINGS_COLUMNS]),
        "data_quality.csv": csv_header(["authority", *ISSUE_COLUMNS]),
    }
    for name in _CSV_FILES:
        with open_private(staging / name, "wb") as out:
            out.write(headers[name])
            for authority in region.authorities:
                part = _part_path(staging, name, authority)
                with part.open("rb") as rows:
                    shutil.copyfileobj(rows, out)
                part.unlink()


def _audit_into(
    settings: Settings,
    rules: Sequence[Rule],
    region: RegionFolder,
    period: AuditPeriod,
    staging: Path,
    profile: str | None,
    progress: Progress,
) -> tuple[RegionRun, Overview]:
    """Every authority on its own (one per core when there are enough of them, each in a
    forked worker that holds one authority's tables at a time); then the region's run and
    overview from what each left."""
    timings: dict[str, float] = {}
    done: list[_Audited] = []
    job = partial(_audit_authority, settings, rules, period, profile, staging)
    for count, audited in enumerate(rendered_in_order(job, region.authorities), 1):
        progress(f"Audited {audited.record.name}", count, len(region.authorities))
        done.append(audited)
        # What each authority left is kept for the whole run: set aside from full
        # collections, which would otherwise walk every earlier authority's report content
        # again and again (33 authorities: 1.4 M objects, 12 s of collections in all).
        gc.freeze()
        for stage, seconds in audited.record.timings.items():
            timings[stage] = round(timings.get(stage, 0.0) + seconds, 4)
    with timed(timings, "join"):  # "write" is the authorities' own, summed above
        _join_parts(staging, region)
    records = [d.record for d in done]
    findings = _categories(pd.concat([d.slim for d in done], ignore_index=True))
    for audited in done:
        audited.slim = findings.iloc[:0]  # the pooled copy is the one kept
    region_run = RegionRun(
        period,
        settings.rules,
        list(rules),
        LoadResult(region.authorities[0].path.parent, {}, profile=_profiles(records)),
        findings,
        _merged_statuses([d.statuses for d in done], [a.name for a in region.authorities]),
        thresholds=settings.thresholds,
        show_names=settings.show_names,
        settings_record=done[0].settings_record,
        timings=timings,
        authorities=records,
        folder=region.authorities[0].path.parent,
    )
    parts = [d.part for d in done]
    return region_run, _overview(region_run, parts, [t for p in parts for t in p.teams])


def _claim(team: TeamReport, authority: Authority) -> None:
    """One authority's team report, named and filed as the region's."""
    team.authority = authority.name
    team.team = region_team(authority.name, team.team)
    team.slug = f"{authority.slug}{SLUG_SEPARATOR}{team.slug}"


def _findings_rows(run: AuditRun, authority: str) -> pd.DataFrame:
    out = findings_rows(run.findings)
    out.insert(0, "authority", authority)
    return out


def _issue_rows(loaded: LoadResult, authority: str) -> pd.DataFrame:
    issues = loaded.issues()
    issues.insert(0, "authority", authority)
    return issues


def _slim(findings: pd.DataFrame, authority: str) -> pd.DataFrame:
    out = findings.loc[:, [c for c in _SLIM if c != "authority"]].copy()
    out["team"] = region_team(authority, "") + out["team"].astype("string").fillna(UNALLOCATED_TEAM)
    out.insert(0, "authority", authority)
    return _categories(out)


def _categories(frame: pd.DataFrame) -> pd.DataFrame:
    """Few distinct values, many rows: categories hold each value once."""
    return frame.astype({c: "category" for c in _SLIM if c != "subject_id"})


def _record(
    run: AuditRun, authority: Authority, teams: list[TeamReport], timings: dict[str, float]
) -> AuthorityRecord:
    loaded = run.loaded
    prefix = len(region_team(authority.name, ""))
    return AuthorityRecord(
        name=authority.name,
        path=authority.path,
        profile=loaded.profile,
        notes=tuple(loaded.notes),
        inputs=input_files(loaded),
        tables={
            name: {
                "source": t.source,
                "rows_read": t.rows_read,
                "rows_loaded": t.rows_loaded,
                "rows_rejected": t.rows_rejected,
                "findings": len(t.findings),
                "absent_columns": list(t.absent_columns),
            }
            for name, t in loaded.loads.items()
        },
        teams={t.team: t.team[prefix:] for t in teams},
        rows_rejected=sum(t.rows_rejected for t in loaded.loads.values()),
        warnings=period_warnings(loaded, run.period, date.today()),
        timings=timings,
    )


def _profiles(records: list[AuthorityRecord]) -> str:
    return ", ".join(dict.fromkeys(r.profile for r in records))


def _merged_statuses(per_authority: list[list[RuleStatus]], names: list[str]) -> list[RuleStatus]:
    """Each rule once for the region: its counts added up; ERROR if it failed in any
    authority, else SKIPPED if it was skipped in any (never shown as if it had run
    everywhere), the reason naming the authorities."""
    merged: list[RuleStatus] = []
    for index, first in enumerate(per_authority[0]):
        each = [statuses[index] for statuses in per_authority]
        worst = ERROR if any(s.status == ERROR for s in each) else None
        worst = worst or (SKIPPED if any(s.status == SKIPPED for s in each) else RAN)
        reasons = [f"{n}: {s.reason}" for n, s in zip(names, each, strict=True) if s.reason]
        merged.append(
            RuleStatus(
                first.code,
                first.name,
                worst,
                "; ".join(reasons) or None,
                {o: sum(s.counts[o] for s in each) for o in OUTCOMES},
                seconds=sum(s.seconds for s in each),
                subject_rows=sum(s.subject_rows for s in each),
                tables=list(dict.fromkeys(t for s in each for t in s.tables)),
            )
        )
    return merged


def _overview(run: RegionRun, parts: list[Overview], teams: list[TeamReport]) -> Overview:
    """The region's overview: every authority's teams, figures over the whole region."""
    first = parts[0]
    status = {s.code: s for s in run.statuses}
    rules = [
        RuleInfo(
            **{
                **r.__dict__,
                "status": status[r.code].status,
                "reason": status[r.code].reason,
                "fed_by": tuple(dict.fromkeys(f for p in parts for f in p.rule(r.code).fed_by)),
            }
        )
        for r in first.rules
    ]
    counter = run.tally
    return Overview(
        period=run.period,
        teams=teams,
        rules=rules,
        rule_totals=counter.scores(None, "rule_code"),
        recommendation_totals=counter.scores(None, "recommendation"),
        recommendations=first.recommendations,
        load_summary=[
            {**row, "table": f"{a.name}: {row['table']}"}
            for a, p in zip(run.authorities, parts, strict=True)
            for row in p.load_summary
        ],
        rejection_reasons=[
            (f"{a.name}: {table}", kind, rows)
            for a, p in zip(run.authorities, parts, strict=True)
            for table, kind, rows in p.rejection_reasons
        ],
        thresholds=run.thresholds,
        show_names=run.show_names,
        return_to=first.return_to,
        generated=first.generated,
        source=", ".join(dict.fromkeys(p.source for p in parts)),
        iro_caseloads=sorted(
            (c for p in parts for c in p.iro_caseloads),
            key=lambda c: (-float(c.per_fte or 0), c.team, c.iro),
        ),
        # Summed up again from the teams, now named and filed as the region's.
        iro_contacts=None
        if all(p.iro_contacts is None for p in parts)
        else iro_contact_summaries(teams),
        authorities=[a.name for a in run.authorities],
    )


# ---------------------------------------------------------------- run.json


def region_record(run: RegionRun) -> dict[str, Any]:
    """run.json for a region: the authority as the level above the team."""
    nested = run.tally.nested("team", "rule_code")
    return {
        "caseaudit_version": __version__,
        "started_at": run.started.isoformat(timespec="seconds"),
        "period": period_record(run.period),
        "region": str(run.folder),
        "rules": [rule_record(s, run.rule_score(s)) for s in run.statuses],
        "authorities": {
            a.name: {
                "folder": str(a.path),
                "inputs": a.inputs,
                "profile": a.profile,
                "profile_notes": list(a.notes),
                "tables": a.tables,
                "teams": {
                    own: {code: score_record(score) for code, score in nested.get(team, {}).items()}
                    for team, own in a.teams.items()
                },
                "timings_seconds": a.timings,
            }
            for a in run.authorities
        },
        "timings_seconds": run.timings,
        "versions": versions(),
        "config": dict(run.settings_record),
    }


# ---------------------------------------------------------------- the console


def region_summary(run: RegionRun, region: RegionFolder, given: Path, folder: Path) -> list[str]:
    """What ``caseaudit run REGION`` prints: the authorities read, each rule's figure over
    the region, rows rejected, files ignored and what was written."""
    names = ", ".join(a.name for a in run.authorities)
    lines = [f"Read {given} as a region of {len(run.authorities)} authorities: {names}"]
    lines += [f"Ignored {name} in {given}: not an authority folder" for name in region.ignored]
    for a in run.authorities:
        children = a.tables.get("children", {}).get("rows_loaded", 0)
        lines.append(
            f"{a.name}: {children} children, {len(a.teams)} teams, "
            f"{a.rows_rejected} rows rejected (read as {a.profile})"
        )
    for status in run.statuses:
        counts = status.counts
        if status.status == RAN:
            rate = run.rule_score(status).compliance
            shown = f"{rate:.0%}" if rate is not None else "n/a"
            lines.append(
                f"{status.code} {status.name}: {shown} ({counts[MET]} met, "
                f"{counts[NOT_MET]} not met, {counts[NOT_APPLICABLE]} n/a)"
            )
        else:
            lines.append(f"{status.code} {status.name}: {status.status} - {status.reason or ''}")
    rejected = sum(a.rows_rejected for a in run.authorities)
    lines.append(f"Rows rejected while loading: {rejected} (see data_quality.csv)")
    lines.append(
        f"Wrote {folder}: index.html, checks.html, teams/ (one report per authority's team), "
        "findings.csv, data_quality.csv and run.json"
    )
    return lines


def region_warnings(run: RegionRun) -> list[str]:
    """Each reason to doubt the month's figures once: for the region when every authority
    has it (the month is not over), else naming the authorities it concerns."""
    concerns: dict[str, list[str]] = {}
    for authority in run.authorities:
        for warning in authority.warnings:
            concerns.setdefault(warning, []).append(authority.name)
    everyone = len(run.authorities)
    return [
        warning if len(names) == everyone else f"{', '.join(names)}: {warning}"
        for warning, names in concerns.items()
    ]
