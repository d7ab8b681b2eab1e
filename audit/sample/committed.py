"""``write_sample_cases``: regenerate the sample committed under ``sample_cases/``, with the
README that says how it was made."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from audit.sample.authority import generate_authority
from audit.sample.dates import make_window
from audit.sample.messy import MESSY_CHILDREN, write_messy_copy
from audit.sample.names import AUTHORITY_NAME
from audit.sample.workbook import write_workbook

_README = """\
# Sample cases (synthetic data)

Everything in this folder is **fictional**. The authority is
"{authority}"; no record describes a real child, family or worker.
Staff names come from a short invented list, children have no names, and all free text
is written from templates.

## authority.xlsx

A canonical workbook (one sheet per table of `DATA_CONTRACT.md`) for {children} children in
{teams} teams, with visits, plan versions, assessments, events, supervisions, reviews and
missing episodes over the four months up to {end_month}. Generated with:

    caseaudit sample --children {children} --seed {seed} --out sample_cases

which calls `audit.sample.generate_authority({children}, {seed}, end_month="{end_month}")` and
`audit.sample.write_workbook`. The same command always writes a byte-identical file.

Defects are seeded on purpose for every rule, at the rates in `audit.sample.DEFECT_RATES`
(between 2% and 15%), so `caseaudit run sample_cases/authority.xlsx --period {end_month}`
shows realistic, imperfect compliance. Try any month from {first_month} to {end_month}.

## messy/

The same kind of data for {messy_children} of those children, written the way councils
really send it, to exercise the loader's normalisation. `messy/manifest.json` lists, per
file, the rows written, each row a correct loader must reject (with its row number and
reason) and each kept cell it must report. It exercises:

- `children.xlsx`: two title rows above the header; headers `Child ID ` (trailing space),
  `Date<non-breaking space>of Birth`, `ETHNICITY`, `Allocated-Team` and a column outside
  the contract; ethnicity as `WBRI`, `a) WBRI`, `WBRI - White British`, `White British`
  and one unmappable value; ids with leading zeros as text and one typed as a number;
  `#N/A` as a real error cell and as text; an impossible date of birth; a blank id; a
  duplicate id.
- `visits.csv`: Windows-1252 with CRLF line ends and a curly apostrophe and `é`; dates
  day-first, ISO, as an Excel serial number and with a time; the impossible `31/02/2026`;
  Y/N as `a) Yes`, `b) No`, `Yes`, `TRUE`, `0`, `c) Unknown`...; a duplicate visit id; a
  blank visit date; a visit of a child who is not in `children`; `#N/A` typed as text.
- `plans.csv`: UTF-8 with a byte-order mark; an impossible optional end date; `#REF!` as
  text; a version with a blank plan type.
- `assessments.xlsx`: date cells and plain serial numbers; a `#VALUE!` error cell; a
  duplicate id.
- `events.csv`, `reviews.csv`, `missing_episodes.csv`, `supervisions.csv`, `workers.csv`:
  plain UTF-8 with loosely written codes and Y/N, an impossible optional date, and a
  supervision naming an unknown child.

`caseaudit sample --children {children} --seed {seed} --out sample_cases --messy` writes
both `authority.xlsx` and `messy/` exactly as committed;
`audit.sample.write_sample_cases(Path("."))` also rewrites this README.
`tests/test_sample.py` fails if the committed files go stale.
"""


def write_sample_cases(
    root: str | Path,
    children: int = 200,
    seed: int = 2026,
    end_month: str = "2026-10",
    messy_children: int = MESSY_CHILDREN,
) -> dict[str, Any]:
    """Regenerate ``root/sample_cases/``: authority.xlsx, messy/ and README.md.

    Returns the paths written and the messy copy's manifest.
    """
    folder = Path(root) / "sample_cases"
    folder.mkdir(parents=True, exist_ok=True)
    tables = generate_authority(children, seed, end_month=end_month)
    workbook = folder / "authority.xlsx"
    write_workbook(tables, workbook)
    manifest = write_messy_copy(tables, folder / "messy", children=messy_children)
    first_month = str(make_window(end_month).month_starts[0])[:7]
    readme = folder / "README.md"
    readme.write_text(
        _README.format(
            authority=AUTHORITY_NAME,
            children=children,
            teams=tables["children"]["allocated_team"].nunique(),
            seed=seed,
            end_month=end_month,
            first_month=first_month,
            messy_children=manifest["children"],
        ),
        encoding="utf-8",
    )
    return {"workbook": workbook, "messy": folder / "messy", "readme": readme, "manifest": manifest}
