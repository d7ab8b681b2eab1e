"""Building what the reports show from an audit run, once: scores, actions, trends.

Everything a team sees is cut to that team here, in one place, so isolation does not
depend on each template remembering to filter: a team report holds only its own children,
and a worker from another team is shown as such, never by ID or name.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from audit.contract import LAST_IRO_CONTACT, LOOKED_AFTER, UNALLOCATED_TEAM
from audit.engine.runner import RuleStatus
from audit.history import History
from audit.period import AuditPeriod
from audit.profiles import PROFILE_NAMES
from audit.reports.fix_first import prioritise
from audit.reports.follow_up import add_follow_up
from audit.reports.model import (
    CASELOAD_RULE,
    OTHER_TEAM_CHILD,
    OTHER_TEAM_WORKER,
    SUPERVISION_RULE,
    SUPERVISION_WORDS,
    TREND_MONTHS,
    Action,
    ChildActions,
    DataQualityRow,
    IroCaseload,
    IroContact,
    IroContactSummary,
    Overview,
    RuleInfo,
    TeamReport,
    points_change,
    slug,
)
from audit.results import AuditRun, Score, Tally, Thresholds, TrendPoint, fed_by
from audit.rulekit import MET, NOT_APPLICABLE, NOT_MET, recommendation_titles
from audit.rulekit.scope import open_children
from audit.rulekit.wording import uk_date


def build_overview(run: AuditRun, history: History | None = None) -> Overview:
    """The reports' content; with a history, each team's and the organisation's trends."""
    overview = overview_of_run(run)
    if history is not None:
        add_trends(overview, history, run.period)
    prioritise(overview, history)
    if history is not None:
        add_follow_up(overview, run, history)
    return overview


def add_trends(overview: Overview, history: History, period: AuditPeriod) -> None:
    """Earlier months from the history, this month from the run in hand; the history bands
    its counts with this report's thresholds, so every month is rated alike."""
    previous = period.previous()
    thresholds = overview.thresholds

    for team in overview.teams:
        for code, score in team.scores.items():
            earlier = history.team_trend(
                team.team, code, previous, TREND_MONTHS - 1, thresholds=thresholds
            )
            team.trends[code] = [*earlier, TrendPoint(overview.period, score)]
            before = history.previous_score(team.team, code, period, thresholds=thresholds)
            if before is not None:
                change = points_change(score, before.score, overview.min_judged)
                if change is not None:
                    team.changes[code] = (before.period, change)
        team.previous_overall = history.previous_total(team.team, period, thresholds=thresholds)
    overview.previous_overall = history.previous_total(None, period, thresholds=thresholds)
    rec_of = {r.code: r.recommendation for r in overview.rules}
    earlier_org = history.org_trend(rec_of, previous, TREND_MONTHS - 1, thresholds=thresholds)
    for rec, score in overview.recommendation_totals.items():
        overview.org_trends[rec] = [
            *earlier_org.get(rec, []),
            TrendPoint(overview.period, score),
        ]


def overview_of_run(run: AuditRun) -> Overview:
    """The month's report content from the run alone: no trends, priorities or follow-up
    (:func:`build_overview` adds those from the history). A region builds one per
    authority and joins them (:mod:`audit.region`)."""
    rules = [_rule_info(run, status) for status in run.statuses]
    findings = _labelled(run)
    counter = run.tally
    workers = _workers_by_team(findings, run.thresholds)

    teams_present = set(findings["team"].dropna().unique())
    teams_present |= set(run.loaded.tables["children"]["allocated_team"].dropna().unique())
    actions = _actions_by_team(findings, rules, run.period)
    data_quality = _data_quality_by_team(run)
    supervision = _supervision_by_team(findings)
    contacts = _iro_contacts(run)
    teams = []
    for team, name in _team_slugs(teams_present):
        teams.append(
            TeamReport(
                team=team,
                slug=name,
                period=run.period,
                scores=counter.scores(("team", team), "rule_code"),
                recommendation_scores=counter.scores(("team", team), "recommendation"),
                overall=counter.total(("team", team)),
                workers=workers.get(team, []),
                actions=actions.get(team, []),
                data_quality=data_quality.get(team, []),
                supervision=supervision.get(team, {}),
                iro_contacts=None if contacts is None else contacts.get(team, []),
            )
        )
    issues = run.loaded.issues()
    rejected = issues[issues["action"] == "rejected"]
    reasons = (
        [
            (str(t), str(k), int(n))
            for (t, k), n in rejected.groupby(["table", "kind"]).size().items()
        ]
        if len(rejected)
        else []
    )
    return Overview(
        period=run.period,
        teams=teams,
        rules=rules,
        rule_totals=counter.scores(None, "rule_code"),
        recommendation_totals=counter.scores(None, "recommendation"),
        recommendations=recommendation_titles(run.rules),
        load_summary=[
            {
                "table": name,
                "source": t.source,
                "read": t.rows_read,
                "loaded": t.rows_loaded,
                "rejected": t.rows_rejected,
                "findings": len(t.findings),
            }
            for name, t in run.loaded.loads.items()
        ],
        rejection_reasons=reasons,
        thresholds=run.thresholds,
        show_names=run.show_names,
        return_to=", ".join((run.settings_record.get("email") or {}).get("qa_leads", [])),
        generated=run.started.strftime("%d/%m/%Y %H:%M UTC"),
        source=PROFILE_NAMES.get(run.loaded.profile, run.loaded.profile),
        iro_caseloads=_iro_caseloads(findings, run.statuses),
        iro_contacts=None if contacts is None else iro_contact_summaries(teams),
    )


def _supervision_by_team(findings: pd.DataFrame) -> dict[str, dict[str, str]]:
    """Per team, each of its own supervised workers' supervision status in words (SUP02
    judges a worker in their own team, so the label is never another team's worker)."""
    sup = findings[findings["rule_code"] == SUPERVISION_RULE]
    status = sup["reason_code"].where(sup["outcome"] == NOT_MET, "met").map(SUPERVISION_WORDS)
    out: dict[str, dict[str, str]] = {}
    for team, worker, words in zip(sup["team"], sup["worker_label"], status, strict=True):
        out.setdefault(str(team), {})[str(worker)] = str(words) if pd.notna(words) else "–"
    return out


def _iro_caseloads(findings: pd.DataFrame, statuses: Sequence[RuleStatus]) -> list[IroCaseload]:
    """Each IRO's caseload as IRO02 judged it, the busiest first, from the figures the check
    gave with its findings (never read back out of its words). IROs carry no child's
    details, so the overview may list them all."""
    rows = findings[findings["rule_code"] == CASELOAD_RULE]
    given = next((s.figures for s in statuses if s.code == CASELOAD_RULE), None)
    figures = (
        given.drop_duplicates("subject_id").set_index("subject_id")
        if given is not None
        else pd.DataFrame(columns=["children", "fte", "fte_recorded", "per_fte", "limit"])
    )
    out = []
    for iro, team, subject, outcome, detail in zip(
        rows["worker_label"],
        rows["team"],
        rows["subject_id"],
        rows["outcome"],
        rows["detail"],
        strict=True,
    ):
        text = "" if pd.isna(detail) else str(detail)
        known = subject in figures.index
        if outcome == NOT_APPLICABLE or not known:
            shown = {"children": "0" if outcome == NOT_APPLICABLE else ""}
            shown |= {"fte": "", "per_fte": "", "limit": ""}
            note = text  # why there are no figures, in the check's words
        else:
            row = figures.loc[subject]
            shown = {
                "children": f"{int(row['children'])}",
                "fte": f"{row['fte']:g}",
                "per_fte": f"{row['per_fte']:.1f}",
                "limit": f"{row['limit']:g}",
            }
            recorded = row["fte_recorded"]
            note = (
                f"FTE recorded as {recorded}, judged at {row['fte']:.1f}"
                if pd.notna(recorded) and recorded != row["fte"]
                else ""
            )
        out.append(IroCaseload(str(iro), str(team), above=outcome == NOT_MET, note=note, **shown))
    return sorted(out, key=lambda c: (-float(c.per_fte or 0), c.iro))


def _iro_contacts(run: AuditRun) -> dict[str, list[IroContact]] | None:
    """Per team, each open looked-after child's last IRO contact date, no date first, then the
    longest ago; None when the input records no such date. Shown for information only: no
    check judges it, so nothing here is met or not met."""
    children = run.loaded.tables["children"]
    if LAST_IRO_CONTACT not in children:
        return None
    kind = children.get("case_type", pd.Series(pd.NA, index=children.index))
    looked_after = kind.astype("string").str.strip().str.upper().eq(LOOKED_AFTER).fillna(False)
    chosen = children[open_children(children, run.period) & looked_after.astype(bool)]
    when = pd.to_datetime(chosen[LAST_IRO_CONTACT])
    days = (run.period.end_ts - when).dt.days
    table = pd.DataFrame(
        {
            "team": chosen["allocated_team"].astype("string").fillna(UNALLOCATED_TEAM),
            "child": chosen["child_id"].astype("string"),
            "last_contact": when.dt.strftime("%d/%m/%Y").fillna(""),
            "days": days.where(days >= 0).astype("Int64"),
            "_order": when.fillna(pd.Timestamp.min),
        }
    ).sort_values(["team", "_order", "child"])
    out: dict[str, list[IroContact]] = {}
    for team, child, last, since in table[["team", "child", "last_contact", "days"]].itertuples(
        index=False, name=None
    ):
        out.setdefault(str(team), []).append(
            IroContact(str(child), str(last), None if pd.isna(since) else int(since))
        )
    return out


def iro_contact_summaries(teams: Sequence[TeamReport]) -> list[IroContactSummary]:
    """Per team with looked-after children, how many have no date and the longest ago (the
    overview's IRO contact summary; a region's is made from all its authorities' teams)."""
    out = []
    for team in teams:
        contacts = team.iro_contacts or []
        if not contacts:
            continue
        dated = [c for c in contacts if c.last_contact]
        first = dated[0] if dated else None
        out.append(
            IroContactSummary(
                team.team,
                len(contacts),
                len(contacts) - len(dated),
                first.last_contact if first else "",
                first.days if first else None,
                team.page,
            )
        )
    return out


def _team_slugs(teams: set[str]) -> list[tuple[str, str]]:
    """Each team with its file name; two teams never share one ("Team A" and "team-a")."""
    out: list[tuple[str, str]] = []
    taken: set[str] = set()
    for team in sorted(teams, key=lambda t: (t == UNALLOCATED_TEAM, t)):
        name = slug(team)
        if name in taken:
            name = next(f"{name}-{n}" for n in range(2, 10_000) if f"{name}-{n}" not in taken)
        taken.add(name)
        out.append((team, name))
    return out


def _labelled(run: AuditRun) -> pd.DataFrame:
    """The findings with the worker and child as their team may see them (another team's
    worker or child is never named)."""
    # In Arrow compute, each ID looked up once: a region's findings repeat a few thousand
    # IDs hundreds of thousands of times, and pandas' masks and fills on text columns cost
    # several times Arrow's own kernels.
    # Shallow: the two label columns are added to this frame alone (pandas copies on
    # write), and a deep copy of a region's findings added 200 MB to the run's peak.
    findings = run.findings.copy(deep=False)
    team = _arrow_text(findings["team"])
    worker = _arrow_text(findings["worker_id"])
    names = _worker_names(run) if run.show_names else {}
    foreign_worker = _differs(_looked_up(worker, _worker_teams(run)), team)
    label = pc.coalesce(_looked_up(worker, names), worker)
    label = pc.if_else(foreign_worker, OTHER_TEAM_WORKER, label)
    findings["worker_label"] = _text_series(pc.coalesce(label, "Unallocated"), findings.index)
    children = run.loaded.tables["children"]
    child_team = dict(
        zip(children["child_id"].tolist(), children["allocated_team"].tolist(), strict=True)
    )
    # A supervision record takes its worker's team but may name another team's child.
    child = _arrow_text(findings["child_id"])
    foreign_child = _differs(_looked_up(child, child_team), team)
    child_label = pc.if_else(foreign_child, OTHER_TEAM_CHILD, child)
    findings["child_label"] = _text_series(pc.coalesce(child_label, ""), findings.index)
    return findings


def _arrow_text(values: pd.Series) -> pa.Array:
    arrow = pa.array(values.astype("string").array)
    if isinstance(arrow, pa.ChunkedArray):
        arrow = arrow.combine_chunks()
    return arrow.cast(pa.large_string())


def _looked_up(values: pa.Array, mapping: dict[str, str]) -> pa.Array:
    """Each value's entry in ``mapping`` (null where missing), each distinct value once."""
    encoded = values.dictionary_encode()
    found = [mapping.get(v) for v in encoded.dictionary.to_pylist()]
    distinct = pa.array([f if isinstance(f, str) else None for f in found], pa.large_string())
    return distinct.take(encoded.indices)


def _differs(home: pa.Array, team: pa.Array) -> pa.Array:
    """Known to be another team's: both teams known and not the same."""
    return pc.fill_null(pc.not_equal(home, team), False)


def _text_series(values: pa.Array, index: pd.Index) -> pd.Series:
    return pd.Series(pd.arrays.ArrowStringArray(values), index=index)


def _workers_by_team(
    findings: pd.DataFrame, thresholds: Thresholds
) -> dict[str, list[tuple[str, dict[str, Score]]]]:
    """Per team, each worker (as the team may see them) with a score per rule."""
    tally = Tally(findings, thresholds)
    counts = tally.counts(("team", "worker_label", "rule_code"))
    if counts.empty:
        return {}
    # Each level and count as a list whole: walking the index made a tuple per row (a
    # third of a second at 100,000 children).
    keys = [counts.index.get_level_values(level).astype(str).tolist() for level in range(3)]
    figures = [counts[outcome].astype(int).tolist() for outcome in (MET, NOT_MET, NOT_APPLICABLE)]
    nested: dict[str, dict[str, dict[str, Score]]] = {}
    for team, label, code, m, n, a in zip(*keys, *figures, strict=True):
        nested.setdefault(team, {}).setdefault(label, {})[code] = tally.score(m, n, a)
    return {team: sorted(workers.items()) for team, workers in nested.items()}


def _actions_by_team(
    findings: pd.DataFrame, rules: Sequence[RuleInfo], period: AuditPeriod
) -> dict[str, list[ChildActions]]:
    """Every not-met finding as an action, grouped by team and then by child; each first
    seen this month until :func:`~audit.reports.fix_first.prioritise` finds it earlier."""
    not_met = findings[findings["outcome"] == NOT_MET]
    if not_met.empty:
        return {}
    titles = {r.code: r.title for r in rules}
    not_met = not_met.sort_values(
        ["team", "child_label", "rule_code", "evidence_date"], na_position="last"
    )
    where = (
        not_met["source_table"].astype("string")
        + ", row "
        + not_met["source_row"].astype("Int64").astype("string")
    ).fillna(not_met["source_table"].astype("string"))
    records = pd.DataFrame(
        {
            "team": not_met["team"],
            "child": not_met["child_label"].replace("", "(no child)"),
            "worker": not_met["worker_label"],
            "rule_code": not_met["rule_code"],
            "rule_title": not_met["rule_code"].map(titles).fillna(not_met["rule_code"]),
            "reason": not_met["detail"].fillna(not_met["reason_code"]),
            "reason_code": not_met["reason_code"],
            "evidence_date": uk_date(not_met["evidence_date"]).fillna(""),
            "where": where.fillna(""),
            "subject_id": not_met["subject_id"].astype("string").fillna(""),
        }
    )
    # One pass over the sorted rows: dicts keep the order, teams then children. Columns
    # become Python lists whole (Arrow's own conversion), not cell by cell.
    columns = [records[name].astype(str).tolist() for name in records.columns]
    grouped: dict[str, dict[str, list[Action]]] = {}
    for team, child, worker, code, title, reason, reason_code, dated, where, subject in zip(
        *columns, strict=True
    ):
        grouped.setdefault(team, {}).setdefault(child, []).append(
            Action(child, worker, code, title, reason, reason_code, dated, where, subject, period)
        )
    return {
        team: [ChildActions(child, tuple(actions)) for child, actions in children.items()]
        for team, children in grouped.items()
    }


def _rule_info(run: AuditRun, status: RuleStatus) -> RuleInfo:
    rule = next(r for r in run.rules if r.code == status.code)
    params = run.rule_config.params_for(rule)
    return RuleInfo(
        code=rule.code,
        name=rule.name,
        title=rule.title,
        recommendation=rule.recommendation,
        status=status.status,
        reason=status.reason,
        doc=rule.doc,
        params=tuple(
            (n, _as_kept(getattr(params, n)), d) for n, _t, _default, d in rule.param_docs()
        ),
        fed_by=tuple(fed_by(status, run.loaded)),
    )


def _as_kept(value: Any) -> Any:
    """A setting's value as overview.json can keep it: text, numbers, true/false and lists
    of them as they are; anything else (an interval, a table of intervals) as the text the
    page shows for it, so the page rebuilt from overview.json for an email shows
    ``sw = "31 calendar days"`` as the run's page does, not the value's fields."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, tuple | list):
        return tuple(_as_kept(v) for v in value)
    return str(value)


def _worker_teams(run: AuditRun) -> dict[str, str]:
    workers = run.loaded.tables.get("workers")
    if workers is None:
        return {}
    return dict(zip(workers["worker_id"].tolist(), workers["team"].tolist(), strict=True))


def _worker_names(run: AuditRun) -> dict[str, str]:
    workers = run.loaded.tables.get("workers")
    if workers is None or "worker_name" not in workers:
        return {}
    named = workers.dropna(subset=["worker_name"])
    return dict(zip(named["worker_id"].tolist(), named["worker_name"].tolist(), strict=True))


def _data_quality_by_team(run: AuditRun) -> dict[str, list[DataQualityRow]]:
    """Kept-row findings on each team's children; rejected rows go to the overview only."""
    children = run.loaded.tables["children"]
    child_team = pd.Series(
        children["allocated_team"].to_numpy(), index=children["child_id"].to_numpy()
    )
    by_team: dict[str, list[DataQualityRow]] = {}
    for load in run.loaded.loads.values():
        if load.findings.empty or "child_id" not in load.frame:
            continue
        rows = load.frame[["source_sheet", "source_row", "child_id"]].rename(
            columns={"source_sheet": "sheet"}
        )
        found = load.findings.astype({"sheet": "string"}).merge(
            rows.astype({"sheet": "string"}), on=["sheet", "source_row"], how="inner"
        )
        found["team"] = found["child_id"].map(child_team)
        found = found[found["team"].notna()]
        for row in found.itertuples(index=False):
            by_team.setdefault(str(row.team), []).append(
                DataQualityRow(
                    load.table,
                    str(row.source),
                    int(row.source_row),
                    str(row.kind),
                    str(row.column),
                    str(row.detail),
                    "" if pd.isna(row.value) else str(row.value),
                    str(row.child_id),
                )
            )
    return by_team
