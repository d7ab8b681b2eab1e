"""Keep a month's report content beside its files, so ``caseaudit send`` can email the
month later without re-running the audit (whose input may have changed since)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import orjson

from audit.output import open_private
from audit.period import AuditPeriod
from audit.reports.model import (
    Action,
    ChildActions,
    DataQualityRow,
    FollowItem,
    FollowUp,
    IroCaseload,
    IroContact,
    IroContactSummary,
    Overview,
    RuleInfo,
    Score,
    TeamReport,
    TrendPoint,
)
from audit.results import Thresholds

OVERVIEW_FILE = "overview.json"


def save_overview(overview: Overview, folder: Path) -> Path:
    path = folder / OVERVIEW_FILE
    # orjson writes the same JSON as the standard library's encoder in about a fifth of the
    # time (402 teams: 1.2 s -> 0.24 s, in the process that meanwhile shares the cores with
    # the report workers). Dataclasses and datetimes still go through _plain, so a month
    # stays its label and a datetime its str(), as the file has always held them; they are
    # turned into dicts as the encoder meets them, not by asdict's deep copy.
    data = orjson.dumps(
        overview,
        default=_plain,
        option=orjson.OPT_PASSTHROUGH_DATACLASS
        | orjson.OPT_PASSTHROUGH_DATETIME
        | orjson.OPT_NON_STR_KEYS,
    )
    with open_private(path, "wb") as fh:
        fh.write(data)
    return path


def _plain(value: Any) -> Any:
    # A month is kept as its label ("2026-09"), as the file has always held it.
    if isinstance(value, AuditPeriod):
        return value.label
    names = _field_names(type(value))
    if names is None:
        return str(value)
    # A dataclass's own attribute dict when it holds exactly its fields, in their order
    # (as __init__ sets them): no copy for each of a region's hundreds of thousands.
    attributes = getattr(value, "__dict__", None)
    if attributes is not None and tuple(attributes) == names:
        return attributes
    return {name: getattr(value, name) for name in names}


# Class -> its dataclass fields (None: not a dataclass), worked out once per class: a
# region's overview holds hundreds of thousands of actions of a few classes.
_FIELD_NAMES: dict[type, tuple[str, ...] | None] = {}


def _field_names(cls: type) -> tuple[str, ...] | None:
    if cls not in _FIELD_NAMES:
        _FIELD_NAMES[cls] = (
            tuple(f.name for f in dataclasses.fields(cls))
            if dataclasses.is_dataclass(cls)
            else None
        )
    return _FIELD_NAMES[cls]


def load_overview(folder: Path) -> Overview:
    data = json.loads((folder / OVERVIEW_FILE).read_text(encoding="utf-8"))
    # Months written before the thresholds travelled together hold green and amber apart.
    rag = data.pop("thresholds", None) or {
        k: data.pop(k) for k in ("green", "amber", "min_judged") if k in data
    }
    return Overview(
        **{
            **data,
            "period": _month(data["period"]),
            "teams": [_team(t) for t in data["teams"]],
            "rules": [_rule(r) for r in data["rules"]],
            "rule_totals": _scores(data["rule_totals"]),
            "recommendation_totals": _scores(data["recommendation_totals"]),
            "rejection_reasons": [tuple(r) for r in data["rejection_reasons"]],
            "thresholds": Thresholds(**rag),
            "org_trends": _trends(data["org_trends"]),
            "previous_overall": _maybe_point(data.get("previous_overall")),
            "iro_caseloads": [IroCaseload(**i) for i in data.get("iro_caseloads", [])],
            "iro_contacts": _listed(IroContactSummary, data.get("iro_contacts")),
        }
    )


def _month(label: str) -> AuditPeriod:
    return AuditPeriod.parse(label)


def _since(label: str | None) -> AuditPeriod | None:
    return _month(label) if label else None


def _scores(raw: dict[str, Any]) -> dict[str, Score]:
    return {key: Score(**value) for key, value in raw.items()}


def _point(raw: dict[str, Any]) -> TrendPoint:
    return TrendPoint(_month(raw["period"]), Score(**raw["score"]) if raw["score"] else None)


def _maybe_point(raw: dict[str, Any] | None) -> TrendPoint | None:
    return None if raw is None else _point(raw)


def _trends(raw: dict[str, Any]) -> dict[str, list[TrendPoint]]:
    return {key: [_point(p) for p in points] for key, points in raw.items()}


def _rule(raw: dict[str, Any]) -> RuleInfo:
    return RuleInfo(
        **{**raw, "params": tuple(tuple(p) for p in raw["params"]), "fed_by": tuple(raw["fed_by"])}
    )


def _team(raw: dict[str, Any]) -> TeamReport:
    return TeamReport(
        **{
            **raw,
            "period": _month(raw["period"]),
            "scores": _scores(raw["scores"]),
            "recommendation_scores": _scores(raw["recommendation_scores"]),
            "overall": Score(**raw["overall"]),
            "workers": [(name, _scores(scores)) for name, scores in raw["workers"]],
            "actions": [
                ChildActions(
                    c["child"],
                    tuple(Action(**{**a, "since": _since(a["since"])}) for a in c["actions"]),
                )
                for c in raw["actions"]
            ],
            "data_quality": [DataQualityRow(**d) for d in raw["data_quality"]],
            "trends": _trends(raw["trends"]),
            "changes": {k: (_month(v[0]), v[1]) if v else None for k, v in raw["changes"].items()},
            "previous_overall": _maybe_point(raw.get("previous_overall")),
            "follow_up": _follow_up(raw.get("follow_up")),
            "iro_contacts": _listed(IroContact, raw.get("iro_contacts")),
        }
    )


def _listed(kind: Any, raw: list[dict[str, Any]] | None) -> Any:
    return None if raw is None else [kind(**item) for item in raw]


def _follow_up(raw: dict[str, Any] | None) -> FollowUp | None:
    if raw is None:
        return None
    items = {k: [FollowItem(**i) for i in raw[k]] for k in ("done", "disputed", "overdue")}
    return FollowUp(**{**raw, **items, "period": _month(raw["period"])})
