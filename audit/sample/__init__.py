"""Synthetic case records: a whole fictional local authority, for demos, tests and timing.

Why it exists: the audit engine has to be shown, tested and benchmarked without a single
real child's record. ``generate_authority`` fabricates a children's social care export -
children, visits, plan versions, assessments, events, supervision records, workers,
reviews and missing episodes - in the canonical vocabulary of ``DATA_CONTRACT.md``:
every table, every column (required and optional), dates as ``datetime64``, identifiers
and text as strings, blanks as missing values.

Every rule in ``RULES.md`` has defects seeded on purpose, at the rates in
``DEFECT_RATES``, so a quality-assurance lead sees believable figures (mostly compliant,
never perfect) and a test can check that the findings come back at those rates. A rate is
the probability that one *subject* of the rule, as RULES.md defines its subjects, gets
that defect; so the draw is made on the rows the rule judges (see ``rates``).

``write_workbook`` writes the canonical tables as one workbook, byte-identical for the
same input. ``write_messy_copy`` writes a small authority the way councils really send
it - title rows, odd headers, Windows-1252 CSVs, day-first dates, serial numbers,
``a) Yes``, Excel errors, duplicates, orphan rows - together with a manifest of exactly
what a correct loader must reject or report. ``write_sample_cases`` regenerates the sample
committed under ``sample_cases/``.

All of it is fiction: the authority is "Fictional Borough Council (synthetic data)", staff
names come from a short invented list, children have no names, and every sentence is
written from templates. Everything random comes from ``numpy.random.default_rng`` seeded
from the caller's seed, so the same arguments always give the same data. Nothing here
prints: the CLI reports.

The modules, in the order the data is made:

- ``rates``: the defect rates; ``population``, ``names``, ``phrases``: what draws are made
  from; ``draws``, ``dates``: seeded draws and day arithmetic over whole arrays.
- ``authority``: ``generate_authority``, calling one module per table (``children``,
  ``staff``, ``visits``, ``plans`` with ``plan_text``, ``events``, ``assessments``,
  ``reviews``, ``missing``, ``supervisions``) and shaping each to ``tables``.
- ``workbook`` and ``excel``: the canonical workbook. ``messy``, with ``messy_tables`` and
  ``messy_files``: the messy copy and its manifest. ``committed``: ``sample_cases/``.
"""

from __future__ import annotations

from audit.sample.authority import generate_authority
from audit.sample.committed import write_sample_cases
from audit.sample.dates import AUDIT_MONTHS
from audit.sample.excel import WORKBOOK_CREATED
from audit.sample.messy import MESSY_CHILDREN, write_messy_copy
from audit.sample.messy_files import (
    FINDING_BAD_DATE,
    FINDING_EXCEL_ERROR,
    FINDING_KINDS,
    FINDING_UNKNOWN_CHILD,
    FINDING_UNMAPPED,
    REJECT_BAD_DATE,
    REJECT_DUPLICATE,
    REJECT_MISSING,
    REJECT_REASONS,
    REJECT_UNKNOWN_CHILD,
)
from audit.sample.names import AUTHORITY_NAME, IRO_TEAM
from audit.sample.rates import DEFECT_RATES
from audit.sample.staff import CHILDREN_PER_TEAM, MIN_TEAMS
from audit.sample.tables import CONTRACT_COLUMNS, DATE_COLUMNS
from audit.sample.workbook import TooManyRowsForExcel, write_parquet_folder, write_workbook

__all__ = [
    "AUDIT_MONTHS",
    "AUTHORITY_NAME",
    "CHILDREN_PER_TEAM",
    "CONTRACT_COLUMNS",
    "DATE_COLUMNS",
    "DEFECT_RATES",
    "FINDING_BAD_DATE",
    "FINDING_EXCEL_ERROR",
    "FINDING_KINDS",
    "FINDING_UNKNOWN_CHILD",
    "FINDING_UNMAPPED",
    "IRO_TEAM",
    "MESSY_CHILDREN",
    "MIN_TEAMS",
    "REJECT_BAD_DATE",
    "REJECT_DUPLICATE",
    "REJECT_MISSING",
    "REJECT_REASONS",
    "REJECT_UNKNOWN_CHILD",
    "WORKBOOK_CREATED",
    "TooManyRowsForExcel",
    "generate_authority",
    "write_messy_copy",
    "write_parquet_folder",
    "write_sample_cases",
    "write_workbook",
]
