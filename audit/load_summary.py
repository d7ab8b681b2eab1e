"""The per-table load summary that ``caseaudit check`` prints."""

from __future__ import annotations

from audit.loader import LoadResult
from audit.profiles import PROFILE_NAMES


def format_load_summary(result: LoadResult) -> str:
    header = ("table", "source", "read", "loaded", "rejected", "findings")
    rows = [
        (
            load.table,
            load.source + (f" ({load.encoding})" if load.encoding else ""),
            str(load.rows_read),
            str(load.rows_loaded),
            str(load.rows_rejected),
            str(len(load.findings)),
        )
        for load in result.loads.values()
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: tuple[str, ...]) -> str:
        text = [
            c.ljust(w) if i < 2 else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(text).rstrip()

    out = [
        f"Loaded {result.input_path} as {PROFILE_NAMES.get(result.profile, result.profile)}",
        *(f"  note: {note}" for note in result.notes),
        line(header),
        *(line(r) for r in rows),
    ]
    issues = result.issues()
    for action, title in (
        ("rejected", "Rejected rows by reason"),
        ("kept", "Data-quality findings by kind"),
    ):
        part = issues[issues["action"] == action]
        if len(part):
            counts = part.groupby(["table", "kind"]).size()
            out.append(f"{title}:")
            out += [f"  {table}: {kind} {n}" for (table, kind), n in counts.items()]
    absent = [
        f"  {load.table}: {', '.join(load.absent_columns)}"
        for load in result.loads.values()
        if load.absent_columns
    ]
    if absent:
        out += [
            "Optional columns not in the input (rules that need them will be skipped):",
            *absent,
        ]
    unmapped = issues[issues["kind"] == "unmapped_value"]
    if len(unmapped):
        out.append("Most common values that map to no code (map them in audit.toml [values]):")
        top = unmapped.groupby(["table", "column", "value"]).size().sort_values(ascending=False)
        out += [f"  {t}.{c}: '{v}' x{n}" for (t, c, v), n in top.head(10).items()]
    if result.absent:
        out.append("Not in this source (rules that need it will be skipped):")
        out += [f"  {what}: {why}" for what, why in result.absent.items()]
    if result.unrecognised:
        out.append("Ignored (not a contract table): " + ", ".join(result.unrecognised))
    return "\n".join(out)
