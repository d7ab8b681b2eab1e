"""The manager's headline: the band agrees with the printed figure, small numbers are not
rated, the change is the difference of the printed figures, and the scope is said."""

from __future__ import annotations

import pytest

from audit.period import AuditPeriod
from audit.reports.headline import compare, scope_words
from audit.reports.model import RuleInfo, Score, Thresholds, TrendPoint

SEPTEMBER = AuditPeriod.parse("2026-09")


def _score(met: int, not_met: int, min_judged: int = 5) -> Score:
    return Score.of(met, not_met, 0, Thresholds(green=0.9, amber=0.8, min_judged=min_judged))


@pytest.mark.parametrize(
    ("met", "not_met", "shown", "band"),
    [
        (179, 21, "90%", "green"),  # 89.5% prints as 90%: Green like every other "90%"
        (9, 1, "90%", "green"),
        (1791, 209, "90%", "green"),  # 89.55%
        (1789, 211, "89%", "amber"),  # 89.45%
        (159, 41, "80%", "amber"),  # 79.5%
        (158, 42, "79%", "red"),
    ],
)
def test_the_band_is_decided_on_the_figure_as_printed(met, not_met, shown, band):
    score = _score(met, not_met)
    assert (score.percent, score.rag) == (shown, band)


def test_fewer_judged_records_than_the_minimum_are_not_rated():
    four = _score(4, 0)
    assert four.too_few and four.rag is None and four.rag_label == "Too few to rate"
    assert _score(5, 0).rag == "green"
    assert _score(1, 0, min_judged=1).rag == "green"
    nothing = _score(0, 0)
    assert not nothing.too_few and nothing.rag_label == "No data"


def test_the_change_is_between_printed_figures_and_needs_enough_records():
    before = TrendPoint(SEPTEMBER, _score(92, 8))
    assert compare(_score(88, 12), before, 5) == ("↓", "down 4 points since September 2026")
    # 89.5% -> 90% and 90.4% -> 90%: printed the same, so no change, whatever the decimals.
    assert compare(_score(904, 96), TrendPoint(SEPTEMBER, _score(179, 21)), 5) == (
        "",
        "no change since September 2026",
    )
    assert compare(_score(2, 0), before, 5) == (
        "",
        "not compared with September 2026: too few records judged",
    )
    assert compare(_score(8, 2), TrendPoint(SEPTEMBER, None), 5)[1] == (
        "nothing judged in September 2026 to compare with"
    )
    assert compare(_score(8, 2), None, 5)[1] == "no earlier audited month to compare with"


def _rule(code: str, status: str) -> RuleInfo:
    return RuleInfo(code, code.lower(), code, "i", status, None, "", ())


def test_the_scope_says_how_many_checks_the_figure_covers():
    rules = [_rule("A", "RAN"), *(_rule(f"S{n}", "SKIPPED") for n in range(9)), _rule("B", "RAN")]
    ran = [r for r in rules if r.status == "RAN"]
    assert scope_words(ran, rules) == (
        "across the 2 checks your data supports (9 of 11 could not be run)"
    )
    assert scope_words(ran, ran) == "across all 2 checks"
