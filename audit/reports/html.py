"""The HTML reports: ``index.html`` (the organisation) and ``teams/<slug>.html`` (one a team).

Each page is a single self-contained file: CSS inline, the chart as inline SVG, no script
and no external resource, so it works when opened from an email attachment and can leak
nothing to a network. A Content-Security-Policy in the page backs that up. Templates are
autoescaped; the only markup not written by a template is the chart (built from escaped
values in :mod:`audit.reports.svg`) and rule documentation, which :func:`doc_html`
escapes before adding its few tags.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from audit.engine.runner import compliance
from audit.output import open_private, private_dir
from audit.reports.model import Overview, Score, TeamReport, rag
from audit.reports.svg import SYMBOLS, compliance_chart

# Plain-English names for the loader's issue kinds; an unknown kind is shown as written.
KIND_LABELS = {
    "missing_required_value": "A required value is blank",
    "unparseable_required_date": "A required date is not a date",
    "duplicate_key": "Duplicates an earlier row's ID",
    "unknown_child": "No such child in the children table",
    "unparseable_date": "Not a date",
    "unmapped_value": "Not a recognised value",
    "excel_error": "Excel error value",
}


def write_html(overview: Overview, folder: Path) -> None:
    """Write ``folder/index.html`` and ``folder/teams/<slug>.html`` for every team."""
    _check_unique_slugs(overview.teams)
    env = environment()
    teams_dir = private_dir(private_dir(folder) / "teams")
    _write(folder / "index.html", render_index(env, overview))
    for team in overview.teams:
        _write(teams_dir / f"{team.slug}.html", render_team(env, overview, team))


def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("audit.reports", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html", "j2"), default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(doc_html=doc_html, doc_body=doc_body, param_value=param_value)
    env.filters["kind_label"] = kind_label
    env.globals.update(symbols=SYMBOLS, empty=Score(), pct=lambda rate: f"{rate:.0%}")
    return env


def render_index(env: Environment, overview: Overview) -> str:
    overall = combined(overview.rule_totals.values(), overview.green, overview.amber)
    return env.get_template("index.html.j2").render(
        ov=overview,
        month=month_name(overview.period),
        overall=overall,
        actions=sum(t.action_count for t in overview.teams),
    )


def render_team(env: Environment, overview: Overview, team: TeamReport) -> str:
    ran = [r.code for r in overview.ran]
    chart = compliance_chart(
        {code: team.scores.get(code, Score()) for code in ran},
        {r.code: r.title for r in overview.ran},
        overview.green,
        overview.amber,
        label=f"Compliance per check, {team.team}, {month_name(team.period)}",
    )
    return env.get_template("team.html.j2").render(
        ov=overview,
        team=team,
        month=month_name(team.period),
        chart=chart,
        recommendations=overview.used_recommendations,
        worker_totals=[
            combined(scores.values(), overview.green, overview.amber)
            for _worker, scores in team.workers
        ],
    )


def _write(path: Path, text: str) -> None:
    with open_private(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)


def _check_unique_slugs(teams: Iterable[TeamReport]) -> None:
    # Two teams sharing a file name would silently overwrite one team's report.
    clashes = Counter(t.slug for t in teams)
    same = sorted(t.team for t in teams if clashes[t.slug] > 1)
    if same:
        raise ValueError(f"teams {', '.join(same)} would share a report file name")


# ---------------------------------------------------------------- helpers for templates


def combined(scores: Iterable[Score], green: float, amber: float) -> Score:
    """One score over several: counts added, compliance recomputed from them."""
    met = not_met = na = 0
    for score in scores:
        met, not_met, na = met + score.met, not_met + score.not_met, na + score.not_applicable
    rate = compliance(met, not_met)
    return Score(met, not_met, na, rate, rag(rate, green, amber))


def month_name(label: str) -> str:
    """``2026-09`` -> ``September 2026``; anything else is shown as given."""
    try:
        return datetime.strptime(label, "%Y-%m").strftime("%B %Y")
    except ValueError:
        return label


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind.replace("_", " "))


def param_value(value: Any) -> str:
    """A parameter as it would be written in audit.toml, without the quoting."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple | list | set | frozenset):
        return ", ".join(param_value(v) for v in value) or "(none)"
    return str(value)


def doc_body(doc: str) -> str:
    """A rule docstring without its first line, which the page shows as the heading."""
    lines = doc.strip().splitlines()
    return "\n".join(lines[1:]).strip()


_INLINE = re.compile(r"`([^`\n]+)`|\*([^*\s](?:[^*\n]*[^*\s])?)\*")
_ITEM = re.compile(r"^\s*[-•]\s+")


def doc_html(text: str) -> Markup:
    """Rule documentation as HTML: escaped first, then *x* -> <em>, `x` -> <code>.

    Blank lines separate paragraphs; lines starting with "- " are list items, and an
    indented line continues the item above it.
    """
    blocks = re.split(r"\n\s*\n", text.strip())
    return Markup("\n".join(_block(b) for b in blocks if b.strip()))


def _block(block: str) -> str:
    lead: list[str] = []
    items: list[list[str]] = []
    for line in block.splitlines():
        if _ITEM.match(line):
            items.append([_ITEM.sub("", line)])
        elif items:
            items[-1].append(line.strip())
        else:
            lead.append(line.strip())
    out = f"<p>{_inline(' '.join(lead))}</p>" if lead else ""
    if items:
        out += "<ul>" + "".join(f"<li>{_inline(' '.join(i))}</li>" for i in items) + "</ul>"
    return out


def _inline(text: str) -> str:
    escaped = str(escape(text))  # every tag below wraps text that is already escaped
    return _INLINE.sub(
        lambda m: f"<code>{m[1]}</code>" if m[1] is not None else f"<em>{m[2]}</em>", escaped
    )
