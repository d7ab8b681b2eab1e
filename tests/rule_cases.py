"""Build tables from a YAML case and run one rule on them through the real engine.

Each case's tables go through the real loader (header matching, normalisation, row
rejection), so a case sees exactly what a rule sees on a council's export. A children
row without ``allocated_team`` gets "Team A", to keep the cases short. ``source_lacks``
maps "table.column" to why the input's source cannot hold it, as an input profile does.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from audit.contract import table_spec
from audit.engine.config import make_params
from audit.engine.runner import run_rule
from audit.loader import load_table
from audit.period import AuditPeriod
from audit.reader import Grid
from audit.rulekit import AuditContext, Rule

DEFAULT_PERIOD = "2026-09"
DEFAULT_TEAM = "Team A"


@dataclass(frozen=True)
class RuleCase:
    file: Path
    rule_code: str
    name: str
    body: dict[str, Any]

    @property
    def id(self) -> str:
        return f"{self.rule_code}::{self.name}"


def collect_cases(root: Path) -> list[RuleCase]:
    cases: list[RuleCase] = []
    for file in sorted(root.rglob("*.cases.yml")):
        doc = yaml.safe_load(file.read_text(encoding="utf-8"))
        for case in doc["cases"]:
            cases.append(RuleCase(file, doc["rule"], case["name"], case))
    return cases


def grid_from_records(table: str, records: list[dict[str, Any]]) -> Grid:
    if table == "children":
        records = [{"allocated_team": DEFAULT_TEAM, **r} for r in records]
    header: list[str] = []
    for record in records:
        header += [k for k in record if k not in header]
    rows = [header, *[[r.get(k) for k in header] for r in records]]
    cells = pd.DataFrame(rows, dtype=object)
    cells.index = pd.RangeIndex(1, len(rows) + 1)
    return Grid(f"case table {table}", cells, sheet=table)


def load_case_tables(tables: dict[str, list[dict[str, Any]]]) -> dict[str, pd.DataFrame]:
    loaded: dict[str, pd.DataFrame] = {}
    for name in sorted(tables, key=lambda t: t != "children"):
        child_ids = loaded["children"]["child_id"] if "children" in loaded else None
        grid = grid_from_records(name, tables[name] or [])
        loaded[name] = load_table(table_spec(name), grid, child_ids).frame
    return loaded


def run_case(rule: Rule, case: RuleCase):
    body = case.body
    period = AuditPeriod.parse(str(body.get("period", DEFAULT_PERIOD)))
    params = make_params(rule, body.get("params", {}))
    tables = load_case_tables(body["tables"])
    # What the input's source cannot hold at all (as an Annex A or SSD profile declares).
    absent = {str(k): str(v) for k, v in (body.get("source_lacks") or {}).items()}
    return run_rule(rule, params, tables, AuditContext(period, absent=absent), absent)
