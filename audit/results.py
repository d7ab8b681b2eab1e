"""The results of one audit run: statuses, counts, compliance, RAG bands and the run record.

Everything a month's figures are made of is computed here, once, from what the engine
returned: ``run.json``, the history and the reports all read these objects rather than
counting the findings again, so they cannot disagree.
"""

from __future__ import annotations

import hashlib
import json
import math
import platform
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audit import __version__
from audit.database import DatabaseSource
from audit.engine.config import RuleConfig
from audit.engine.runner import ERROR, SKIPPED, RuleStatus
from audit.lazy import pd
from audit.period import AuditPeriod
from audit.reader import SPREADSHEET_SUFFIXES
from audit.rulekit import MET, NOT_APPLICABLE, NOT_MET, Rule

if TYPE_CHECKING:  # the loader brings pandera and the readers; listing rules needs neither
    from audit.loader import LoadResult

# What a month's run says about its rules, as the history records it.
RUN_COMPLETE = "complete"  # every selected rule ran
RUN_INCOMPLETE = "incomplete"  # some rule was skipped (its data was missing), none failed
RUN_ERROR = "error"  # some rule raised or returned something malformed

RAG_LABELS = {"green": "Green", "amber": "Amber", "red": "Red", None: "No data"}
TOO_FEW_LABEL = "Too few to rate"
_OUTCOMES = [MET, NOT_MET, NOT_APPLICABLE]


def compliance(met: int, not_met: int) -> float | None:
    """met / (met + not met); None when nothing was judged (never shown as 100 %)."""
    return met / (met + not_met) if met + not_met else None


def whole_percent(rate: float) -> int:
    """The percentage a reader sees, rounded half up (0.895 -> 90).

    The RAG band is decided on this same figure, so "90%" is never shown as Amber beside
    another "90%" shown as Green. Rounding to 6 places first undoes the binary error in
    values such as 179/200 * 100 = 89.49999999999999.
    """
    return math.floor(round(rate * 100, 6) + 0.5)


@dataclass(frozen=True)
class Thresholds:
    """The RAG bands: green at or above ``green``, amber at or above ``amber``, else red;
    no band on fewer than ``min_judged`` judged records ("too few to rate").

    The defaults here are the only place the bands are written; ``[rag]`` in ``audit.toml``
    overrides them.
    """

    green: float = 0.90
    amber: float = 0.80
    min_judged: int = 5

    def __post_init__(self) -> None:
        if not 0 <= self.amber <= self.green <= 1:
            raise ValueError("[rag] needs 0 <= amber <= green <= 1 (fractions, e.g. green = 0.9)")
        if self.min_judged < 0:
            raise ValueError("[rag] min_judged must be 0 or more (records judged before a band)")

    def band(self, rate: float | None, judged: int) -> str | None:
        """The band of the figure as printed; None with no data or too few judged records."""
        if rate is None or judged < self.min_judged:
            return None
        shown = whole_percent(rate)
        if shown >= round(self.green * 100, 6):
            return "green"
        return "amber" if shown >= round(self.amber * 100, 6) else "red"


@dataclass(frozen=True)
class Score:
    """Counts and compliance for one rule, team, worker or recommendation."""

    met: int = 0
    not_met: int = 0
    not_applicable: int = 0
    compliance: float | None = None
    rag: str | None = None

    @classmethod
    def of(cls, met: int, not_met: int, not_applicable: int, thresholds: Thresholds) -> Score:
        """The score for these counts: compliance and its band computed here."""
        rate = compliance(met, not_met)
        return cls(met, not_met, not_applicable, rate, thresholds.band(rate, met + not_met))

    @property
    def judged(self) -> int:
        return self.met + self.not_met

    @property
    def too_few(self) -> bool:
        """A figure exists but on too few records to be given a band."""
        return self.compliance is not None and self.rag is None

    @property
    def rag_label(self) -> str:
        return TOO_FEW_LABEL if self.too_few else RAG_LABELS[self.rag]

    @property
    def whole(self) -> int | None:
        return None if self.compliance is None else whole_percent(self.compliance)

    @property
    def percent(self) -> str:
        return "–" if self.compliance is None else f"{whole_percent(self.compliance)}%"


def combined(scores: Iterable[Score], thresholds: Thresholds) -> Score:
    """One score over several (e.g. a worker's rules): counts added, compliance recomputed."""
    met = not_met = na = 0
    for score in scores:
        met, not_met, na = met + score.met, not_met + score.not_met, na + score.not_applicable
    return Score.of(met, not_met, na, thresholds)


@dataclass(frozen=True)
class TrendPoint:
    """One audited month of a trend; ``score`` None means no data that month (a gap)."""

    period: AuditPeriod
    score: Score | None


class Tally:
    """Met / not met / n/a counts for any grouping of findings, each grouping counted once."""

    def __init__(self, findings: pd.DataFrame, thresholds: Thresholds) -> None:
        self.findings = findings
        self.thresholds = thresholds
        self._cache: dict[tuple[str, ...], pd.DataFrame] = {}
        self._nested_cache: dict[tuple[str, str], dict[str, dict[str, Score]]] = {}
        self._scores: dict[tuple[int, int, int], Score] = {}

    def counts(self, keys: tuple[str, ...]) -> pd.DataFrame:
        """One row per combination of ``keys``: columns met, not_met, not_applicable."""
        if keys not in self._cache:
            if self.findings.empty:
                counts = pd.DataFrame(columns=_OUTCOMES)
            else:
                counts = (
                    self.findings.groupby([*keys, "outcome"], observed=True)
                    .size()
                    .unstack("outcome", fill_value=0)
                    .reindex(columns=_OUTCOMES, fill_value=0)
                )
            self._cache[keys] = counts
        return self._cache[keys]

    def score(self, met: int, not_met: int, not_applicable: int) -> Score:
        # Each distinct set of counts scored once (a Score is frozen, so one can be shared):
        # a region's hundreds of thousands of team, worker and rule cells have a few
        # thousand distinct counts between them.
        key = (met, not_met, not_applicable)
        found = self._scores.get(key)
        if found is None:
            found = self._scores[key] = Score.of(met, not_met, not_applicable, self.thresholds)
        return found

    def _rows(self, counts: pd.DataFrame) -> dict[Any, Score]:
        return {
            key: self.score(int(m), int(n), int(a))
            for key, m, n, a in zip(
                counts.index, counts[MET], counts[NOT_MET], counts[NOT_APPLICABLE], strict=True
            )
        }

    def scores(self, where: tuple[str, str] | None, by: str) -> dict[str, Score]:
        """Scores per ``by`` value, for all findings or those where ``column == value``."""
        if where is None:
            return {str(k): v for k, v in self._rows(self.counts((by,))).items()}
        column, value = where
        # Split once per grouping, not searched once per value: a region has hundreds of teams.
        if (column, by) not in self._nested_cache:
            self._nested_cache[(column, by)] = self.nested(column, by)
        return dict(self._nested_cache[(column, by)].get(str(value), {}))

    def total(self, where: tuple[str, str]) -> Score:
        """The score over every finding where ``column == value``."""
        column, value = where
        counts = self.counts((column,))
        if value not in counts.index:
            return self.score(0, 0, 0)
        row = counts.loc[value]
        return self.score(int(row[MET]), int(row[NOT_MET]), int(row[NOT_APPLICABLE]))

    def nested(self, outer: str, inner: str) -> dict[str, dict[str, Score]]:
        """``{outer value: {inner value: score}}`` from one count, e.g. team then rule."""
        nested: dict[str, dict[str, Score]] = {}
        for (o, i), score in self._rows(self.counts((outer, inner))).items():
            nested.setdefault(str(o), {})[str(i)] = score
        return nested


@dataclass
class AuditRun:
    """Everything one audit produced: what the history, the reports and run.json read."""

    period: AuditPeriod
    rule_config: RuleConfig
    rules: list[Rule]
    loaded: LoadResult
    findings: pd.DataFrame
    statuses: list[RuleStatus]
    thresholds: Thresholds = field(default_factory=Thresholds)
    show_names: bool = False  # child and worker names in the reports
    # The configuration in force as run.json records it (the application's settings and
    # the rules' parameters); its hash tells whether two months are comparable.
    settings_record: Mapping[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    started: datetime = field(default_factory=lambda: datetime.now(UTC))

    @cached_property
    def tally(self) -> Tally:
        """The findings' counts, shared by every reader of this run."""
        return Tally(self.findings, self.thresholds)

    def team_rule_scores(self) -> dict[str, dict[str, Score]]:
        """Per team, per rule that produced findings for it: counts and compliance."""
        return self.tally.nested("team", "rule_code")

    def authority_of(self, team: str) -> str:
        """The team's authority: "" for one authority's run (a region's run says which)."""
        return ""

    def rule_score(self, status: RuleStatus) -> Score:
        """A rule's own counts over every team, as the runner counted them."""
        return self.tally.score(
            status.counts[MET], status.counts[NOT_MET], status.counts[NOT_APPLICABLE]
        )

    @property
    def status(self) -> str:
        """complete, incomplete (a rule was skipped) or error (a rule failed)."""
        statuses = {s.status for s in self.statuses}
        if ERROR in statuses:
            return RUN_ERROR
        return RUN_INCOMPLETE if SKIPPED in statuses else RUN_COMPLETE

    @cached_property
    def inputs(self) -> list[dict[str, Any]]:
        """Each input file with its size and checksum (hashed once per run)."""
        return input_files(self.loaded)

    def config_hash(self) -> str:
        """sha256 of the canonical JSON of the configuration in force.

        The config file's own path is left out: moving ``audit.toml`` does not change what
        was audited, and the hash is there to tell whether two months are comparable.
        """
        effective = dict(self.settings_record)
        effective.pop("config_file", None)
        canonical = json.dumps(
            effective, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def fed_by(status: RuleStatus, loaded: LoadResult) -> list[str]:
    """Where the data a rule read came from (empty for a rule that did not run)."""
    return [loaded.fed_by.get(t, loaded.loads[t].source) for t in status.tables]


def period_record(period: AuditPeriod) -> dict[str, str]:
    """The audited month as run.json gives it (a single authority's and a region's)."""
    return {
        "label": period.label,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "as_at": period.as_at.isoformat(),
    }


def score_record(score: Score) -> dict[str, Any]:
    """One team's figures for one rule in run.json."""
    return {
        "met": score.met,
        "not_met": score.not_met,
        "not_applicable": score.not_applicable,
        "compliance": score.compliance,
    }


def rule_record(status: RuleStatus, score: Score) -> dict[str, Any]:
    """One rule's line in run.json: its status, counts, figure, time and rows read."""
    return {
        "code": status.code,
        "name": status.name,
        "status": status.status,
        "reason": status.reason,
        "met": status.counts[MET],
        "not_met": status.counts[NOT_MET],
        "not_applicable": status.counts[NOT_APPLICABLE],
        "compliance": score.compliance,
        "seconds": round(status.seconds, 4),
        "input_rows": status.subject_rows,
    }


def run_record(run: AuditRun) -> dict[str, Any]:
    """What run.json holds: enough to reproduce and explain the month's figures."""
    return {
        "caseaudit_version": __version__,
        "started_at": run.started.isoformat(timespec="seconds"),
        "period": period_record(run.period),
        "inputs": run.inputs,
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
            rule_record(s, run.rule_score(s)) | {"fed_by": fed_by(s, run.loaded)}
            for s in run.statuses
        ],
        "teams": {
            team: {code: score_record(score) for code, score in rules.items()}
            for team, rules in run.team_rule_scores().items()
        },
        "timings_seconds": run.timings,
        "versions": versions(),
        "config": dict(run.settings_record),
    }


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
    for package in ("pandas", "numpy", "pyarrow", "python-calamine", "openpyxl", "holidays"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "not installed"
    return found
