"""The compliance bar chart and the trend sparklines, as inline SVG a report carries inside.

No script, no external font or stylesheet: the charts must draw when the report is opened
from an email attachment. Every piece of text is escaped here, so a rule title from a
local rule pack cannot inject markup. RAG is never shown by colour alone: each bar has a
fill pattern and its value text carries the band's symbol and name. A sparkline is never
the only place its figures are: the page shows them as text beside it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from markupsafe import Markup, escape

from audit.period import AuditPeriod
from audit.results import Score, Thresholds, TrendPoint

# Band -> (symbol, fill). Amber and red also get a hatch pattern, defined once per chart.
SYMBOLS = {"green": "✓", "amber": "▲", "red": "✗", None: "–"}
_FILLS = {"green": "#1d6b33", "amber": "url(#{p}-amber)", "red": "url(#{p}-red)"}

_WIDTH = 760
_LABEL_W = 330  # room for "SEE01 Each statutory visit records whether…"
_BAR_X = _LABEL_W + 10
_BAR_W = 280
_ROW_H = 30
_BAR_H = 18
_TOP = 34
_TITLE_CHARS = 42


def compliance_chart(
    scores: Mapping[str, Score],
    titles: Mapping[str, str],
    thresholds: Thresholds,
    *,
    label: str = "Compliance per check",
    id_prefix: str = "chart",
) -> Markup:
    """A horizontal bar per rule code, longest bar 100 %, with the RAG thresholds marked."""
    green, amber = thresholds.green, thresholds.amber
    codes = list(scores)
    height = _TOP + _ROW_H * max(len(codes), 1) + 56
    p = str(escape(id_prefix))
    parts = [
        f'<svg class="chart" viewBox="0 0 {_WIDTH} {height}" width="100%" role="img" '
        f'aria-labelledby="{p}-t {p}-d" font-size="13">',
        f'<title id="{p}-t">{escape(label)}</title>',
        f'<desc id="{p}-d">{escape(_description(scores, titles, green, amber))}</desc>',
        _patterns(p),
        *_axis(len(codes), green, amber),
    ]
    for i, code in enumerate(codes):
        parts.append(_row(i, code, scores[code], titles.get(code, ""), p))
    if not codes:
        parts.append(f'<text x="{_BAR_X}" y="{_TOP + 20}">No checks ran.</text>')
    parts.append(_legend(height - 22, green, amber, p))
    parts.append("</svg>")
    return Markup("".join(parts))


def _description(
    scores: Mapping[str, Score], titles: Mapping[str, str], green: float, amber: float
) -> str:
    items = [
        f"{code} {titles.get(code, '')}: {_value_text(s)}"
        + (f", {s.met} of {s.met + s.not_met} met" if s.compliance is not None else "")
        for code, s in scores.items()
    ]
    return (
        f"Share of judged records that met each check. Green at {green:.0%} or more, "
        f"amber at {amber:.0%} or more, red below. " + "; ".join(items) + "."
    )


def _value_text(score: Score) -> str:
    if score.compliance is None:
        return "No data"
    if score.too_few:
        return f"{score.met} of {score.judged} met, too few to rate"
    return f"{score.percent} {SYMBOLS[score.rag]} {score.rag_label}"


def _patterns(p: str) -> str:
    return (
        "<defs>"
        f'<pattern id="{p}-amber" width="8" height="8" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="8" height="8" fill="#f5c36b"/>'
        '<rect width="3" height="8" fill="#8a4b00"/></pattern>'
        f'<pattern id="{p}-red" width="8" height="8" patternUnits="userSpaceOnUse">'
        '<rect width="8" height="8" fill="#f2a7a2"/>'
        '<path d="M0 0L8 8M8 0L0 8" stroke="#9b1c1c" stroke-width="2"/></pattern>'
        "</defs>"
    )


def _x(rate: float) -> float:
    return _BAR_X + _BAR_W * max(0.0, min(1.0, rate))


def _axis(rows: int, green: float, amber: float) -> list[str]:
    bottom = _TOP + _ROW_H * max(rows, 1)
    out = []
    for tick in (0, 0.25, 0.5, 0.75, 1):
        x = _x(tick)
        out.append(
            f'<line x1="{x:.1f}" y1="{_TOP - 4}" x2="{x:.1f}" y2="{bottom}" stroke="#d0d0d0"/>'
            f'<text x="{x:.1f}" y="{bottom + 16}" text-anchor="middle" fill="#333">'
            f"{tick:.0%}</text>"
        )
    for rate, name, anchor in ((amber, "amber", "end"), (green, "green", "start")):
        x = _x(rate)
        nudge = -3 if anchor == "end" else 3
        out.append(
            f'<line x1="{x:.1f}" y1="{_TOP - 8}" x2="{x:.1f}" y2="{bottom}" stroke="#0b0c0c" '
            'stroke-dasharray="4 3"/>'
            f'<text x="{x + nudge:.1f}" y="{_TOP - 12}" text-anchor="{anchor}" fill="#0b0c0c">'
            f"{rate:.0%} {name}</text>"
        )
    return out


def _row(i: int, code: str, score: Score, title: str, p: str) -> str:
    y = _TOP + _ROW_H * i
    mid = y + _ROW_H / 2 + 4
    short = title if len(title) <= _TITLE_CHARS else title[: _TITLE_CHARS - 1].rstrip() + "…"
    label = (
        f'<text x="0" y="{mid:.1f}" fill="#0b0c0c"><tspan font-weight="bold">{escape(code)}'
        f"</tspan> {escape(short)}</text>"
    )
    if score.compliance is None:
        return label + (
            f'<text x="{_BAR_X + 4}" y="{mid:.1f}" fill="#333">– No data (nothing judged)</text>'
        )
    width = _x(score.compliance) - _BAR_X
    fill = "#d9d9d9" if score.too_few else _FILLS[score.rag or "red"].format(p=p)
    bar_y = y + (_ROW_H - _BAR_H) / 2
    bar = (
        f'<rect x="{_BAR_X}" y="{bar_y:.1f}" width="{width:.1f}" height="{_BAR_H}" '
        f'fill="{fill}" stroke="#0b0c0c"/>'
        if width > 0
        else ""
    )
    value = (
        f'<text x="{_BAR_X + _BAR_W + 8}" y="{mid:.1f}" fill="#0b0c0c">'
        f"{escape(_value_text(score))}</text>"
    )
    return label + bar + value


def _legend(y: float, green: float, amber: float, p: str) -> str:
    items = (
        ("green", f"Green: {green:.0%} or more"),
        ("amber", f"Amber: {amber:.0%} to under {green:.0%}"),
        ("red", f"Red: under {amber:.0%}"),
    )
    out = []
    for i, (band, text) in enumerate(items):
        x = i * 250
        out.append(
            f'<rect x="{x}" y="{y - 11}" width="22" height="14" '
            f'fill="{_FILLS[band].format(p=p)}" stroke="#0b0c0c"/>'
            f'<text x="{x + 28}" y="{y}" fill="#0b0c0c">{SYMBOLS[band]} {escape(text)}</text>'
        )
    return "".join(out)


# ---------------------------------------------------------------- sparklines

_SPARK_W = 150
_SPARK_H = 40
_SPARK_PAD = 5  # room for the point markers at 0 % and 100 %
_SPARK_LINE = "#1d4f91"  # 8:1 on white, well over the 3:1 a graphic needs


def sparkline(points: Sequence[TrendPoint], *, label: str) -> Markup:
    """A small line of compliance by month, oldest first, on a fixed 0-100 % scale.

    A month with no data (no score, or nothing judged) is a gap: the line stops before it
    and starts again after it, and nothing is drawn there, so it can never read as 0 %. A
    month with data between two gaps is a lone dot. The scale is fixed rather than fitted
    to the figures, so a move of two points looks like two points. ``label`` names the
    image; its ``desc`` lists each month's figure, which the page also shows as text.
    """
    step = (_SPARK_W - 2 * _SPARK_PAD) / max(len(points) - 1, 1)
    top, bottom = _SPARK_PAD, _SPARK_H - _SPARK_PAD
    xy: list[tuple[float, float] | None] = [
        None
        if (rate := _rate(p)) is None
        else (_SPARK_PAD + step * i, bottom - (bottom - top) * max(0.0, min(1.0, rate)))
        for i, p in enumerate(points)
    ]
    # One sub-path per run of consecutive months with data; a gap starts a new "M".
    runs: list[list[tuple[float, float]]] = []
    previous: tuple[float, float] | None = None
    for here in xy:
        if here is not None:
            if previous is None:
                runs.append([])
            runs[-1].append(here)
        previous = here
    d = "".join(
        "".join(f"{'M' if i == 0 else 'L'}{x:.1f} {y:.1f}" for i, (x, y) in enumerate(run))
        for run in runs
        if len(run) > 1
    )
    parts = [
        f'<svg class="spark" viewBox="0 0 {_SPARK_W} {_SPARK_H}" width="{_SPARK_W}" '
        f'height="{_SPARK_H}" role="img" focusable="false">',
        f"<title>{escape(label)}</title>",
        f"<desc>{escape(spark_text(points))}</desc>",
        # Faint guides at 100 % and 0 %: decoration, so the figures need no contrast here.
        f'<path d="M0 {top}H{_SPARK_W}M0 {bottom}H{_SPARK_W}" stroke="#d0d0d0" '
        'stroke-dasharray="2 2" fill="none"/>',
    ]
    if d:
        parts.append(
            f'<path class="trend" d="{d}" fill="none" stroke="{_SPARK_LINE}" '
            'stroke-width="2" stroke-linejoin="round" stroke-linecap="round"/>'
        )
    last = len(points) - 1
    for i, here in enumerate(xy):
        if here is not None:
            # This month is the larger, darker dot, so the line has an end to read from.
            r, fill = (3.5, "#0b0c0c") if i == last else (2.5, _SPARK_LINE)
            parts.append(f'<circle cx="{here[0]:.1f}" cy="{here[1]:.1f}" r="{r}" fill="{fill}"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


def spark_text(points: Sequence[TrendPoint]) -> str:
    """The sparkline's figures in words: ``May 2026 no data, June 2026 82%, ...``."""
    return ", ".join(f"{month_name(p.period)} {_figure(p)}" for p in points)


def month_name(period: AuditPeriod) -> str:
    """``September 2026``: also the templates' ``month_name`` filter."""
    return period.month_name


def _rate(point: TrendPoint) -> float | None:
    return None if point.score is None else point.score.compliance


def _figure(point: TrendPoint) -> str:
    return (
        "no data" if point.score is None or point.score.compliance is None else point.score.percent
    )
