"""Row accounting on the committed messy sample: every row read is loaded or rejected with
its reason, exact numbers pinned (and matching the generator's manifest)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audit.loader import load

MESSY = Path(__file__).resolve().parents[1] / "sample_cases" / "messy"

# table: (read, loaded, rejected, data-quality findings)
EXPECTED = {
    "children": (32, 30, 2, 4),
    "visits": (540, 536, 4, 1),
    "plans": (218, 217, 1, 2),
    "assessments": (26, 25, 1, 1),
    "events": (11, 11, 0, 0),
    "supervisions": (127, 127, 0, 1),
    "workers": (27, 27, 0, 0),
    "reviews": (25, 25, 0, 0),
    "missing_episodes": (5, 5, 0, 1),
}
REJECTED = {
    ("children", 19, "missing_required_value"),
    ("children", 35, "duplicate_key"),
    ("visits", 180, "missing_required_value"),
    ("visits", 271, "unparseable_required_date"),
    ("visits", 361, "unknown_child"),
    ("visits", 541, "duplicate_key"),
    ("plans", 110, "missing_required_value"),
    ("assessments", 27, "duplicate_key"),
}


@pytest.fixture(scope="module")
def loaded():
    return load(MESSY)


def test_every_row_read_is_loaded_or_rejected_with_exact_counts(loaded):
    counts = {
        name: (t.rows_read, t.rows_loaded, t.rows_rejected, len(t.findings))
        for name, t in loaded.loads.items()
    }
    assert counts == EXPECTED
    for read, kept, rejected, _ in counts.values():
        assert read == kept + rejected


def test_each_rejected_row_is_listed_with_its_row_and_reason(loaded):
    issues = loaded.issues()
    rejected = issues[issues["action"] == "rejected"]
    assert set(zip(rejected["table"], rejected["source_row"], rejected["kind"], strict=True)) == (
        REJECTED
    )


def test_the_accounting_matches_the_generators_manifest(loaded):
    manifest = json.loads((MESSY / "manifest.json").read_text(encoding="utf-8"))
    for name, table in manifest["tables"].items():
        load_ = loaded.loads[name]
        assert (load_.rows_read, load_.rows_rejected, len(load_.findings)) == (
            table["rows_written"],
            table["rows_rejected"],
            sum(table["findings"].values()),
        ), name
        assert load_.header_row == table["header_row"], name
