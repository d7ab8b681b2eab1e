"""The engine around the rules: discovery, config validation, SKIPPED and ERROR."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from audit.engine.config import make_params
from audit.engine.registry import RuleLoadError, discover_rules
from audit.engine.runner import run_rule, run_rules
from audit.errors import UsageError
from audit.period import AuditPeriod
from audit.rulekit import (
    MET,
    NOT_MET,
    AuditContext,
    Case,
    Recommendation,
    Rule,
    judge,
    recommendation_titles,
)
from audit.settings import build_settings
from tests.rule_cases import load_case_tables

CONTEXT = AuditContext(AuditPeriod.parse("2026-09"))
RULES = discover_rules()


def _blank_ethnicity(tables, params, ctx):
    children = tables["children"]
    return judge(
        children,
        source_table="children",
        subject_id=children["child_id"],
        child_id=children["child_id"],
        cases=[Case(children["ethnicity"].isna(), NOT_MET, "blank", "blank")],
    )


def _raises(tables, params, ctx):
    raise ZeroDivisionError("division by zero")


def test_builtin_rules_are_the_catalogue():
    codes = {r.code for r in RULES}
    assert {"IDN01"} <= codes
    assert all(r.doc.strip() for r in RULES), "every rule needs its docstring"


def test_a_rule_whose_column_is_missing_is_skipped_with_the_reason():
    rule = Rule("TST01", "test_rule", "i", "child", ("children.ethnicity",), _blank_ethnicity)
    tables = load_case_tables({"children": [{"child_id": "C1"}]})
    findings, status = run_rule(rule, rule.params(), tables, CONTEXT)
    assert findings is None
    assert status.status == "SKIPPED"
    assert status.reason == "needs children.ethnicity: the children table has no ethnicity column"


def test_a_rule_whose_table_is_absent_is_skipped_naming_the_table():
    rule = Rule("TST01", "test_rule", "i", "visit", ("visits.seen_alone",), _blank_ethnicity)
    tables = load_case_tables({"children": [{"child_id": "C1"}]})
    _, status = run_rule(rule, rule.params(), tables, CONTEXT)
    assert (status.status, status.reason) == (
        "SKIPPED",
        "needs visits.seen_alone: the input has no visits table",
    )


def test_a_rule_that_raises_is_an_error_and_the_others_still_run():
    broken = Rule("TST01", "broken", "i", "child", ("children",), _raises)
    working = Rule("TST02", "working", "i", "child", ("children.ethnicity",), _blank_ethnicity)
    tables = load_case_tables({"children": [{"child_id": "C1", "ethnicity": None}]})
    findings, statuses = run_rules([broken, working], {}, tables, CONTEXT)
    assert [(s.code, s.status) for s in statuses] == [("TST01", "ERROR"), ("TST02", "RAN")]
    assert statuses[0].reason == "raised ZeroDivisionError: division by zero"
    assert findings["rule_code"].tolist() == ["TST02"]


def test_a_rule_returning_a_met_with_a_reason_is_an_error():
    def sloppy(tables, params, ctx):
        c = tables["children"]
        return judge(
            c,
            source_table="children",
            subject_id=c["child_id"],
            cases=[],
            otherwise=Case(pd.Series(True, index=c.index), MET, "oops"),
        )

    rule = Rule("TST01", "sloppy", "i", "child", ("children",), sloppy)
    _, status = run_rule(
        rule, rule.params(), load_case_tables({"children": [{"child_id": "C1"}]}), CONTEXT
    )
    assert (status.status, status.reason) == ("ERROR", "returned a met outcome with a reason code")


def test_rules_get_only_declared_columns_and_cannot_change_the_engines_tables():
    seen = {}

    def peek(tables, params, ctx):
        children = tables["children"]
        seen["columns"] = sorted(children.columns)
        children.loc[:, "ethnicity"] = "XXXX"
        return _blank_ethnicity(tables, params, ctx)

    rule = Rule("TST01", "peek", "i", "child", ("children.ethnicity",), peek)
    tables = load_case_tables(
        {"children": [{"child_id": "C1", "ethnicity": "WBRI", "religion": "none"}]}
    )
    run_rule(rule, rule.params(), tables, CONTEXT)
    assert seen["columns"] == ["child_id", "ethnicity", "source_row", "source_sheet"]
    assert tables["children"]["ethnicity"].tolist() == ["WBRI"]


def test_team_comes_from_the_child_and_blank_worker_from_the_allocation():
    rule = Rule("TST01", "t", "i", "child", ("children.ethnicity",), _blank_ethnicity)
    tables = load_case_tables(
        {
            "children": [
                {
                    "child_id": "C1",
                    "ethnicity": None,
                    "allocated_team": "North",
                    "allocated_worker": "W1",
                },
                {"child_id": "C2", "ethnicity": None, "allocated_team": None},
            ]
        }
    )
    findings, _ = run_rule(rule, rule.params(), tables, CONTEXT)
    assert findings["team"].tolist() == ["North", "Unallocated"]
    assert findings["worker_id"].fillna("(none)").tolist() == ["W1", "(none)"]


def test_duplicate_rule_codes_are_a_loud_error(tmp_path):
    (tmp_path / "mine.py").write_text(
        "from audit.rulekit import Rule\n"
        "RULE = Rule('IDN01', 'my_rule', 'i', 'child', ('children',), lambda t, p, c: None)\n"
    )
    with pytest.raises(RuleLoadError, match="two rules share the code 'IDN01'"):
        discover_rules([tmp_path])


def test_a_rule_file_that_fails_to_import_is_a_loud_error(tmp_path):
    (tmp_path / "broken.py").write_text("import not_a_module_anywhere\n")
    with pytest.raises(RuleLoadError, match=r"broken\.py failed to import: ModuleNotFoundError"):
        discover_rules([tmp_path])


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            {"selct": ["IDN01"]},
            "top level: unknown key 'selct'. Did you mean 'select'[?] Valid keys: select, exclude",
        ),
        (
            {"select": ["IDN99"]},
            r"select: unknown rule 'IDN99'. Valid rules: [A-Z]{3}\d\d [a-z_]+, ",
        ),
        (
            {"select": ["ethnicity_recordd"]},
            "unknown rule 'ethnicity_recordd'. Did you mean 'ethnicity_recorded'[?] Valid rules",
        ),
        (
            {"exclude": ["seen_alone_recorde"]},
            "unknown rule 'seen_alone_recorde'. Did you mean 'seen_alone_recorded'[?]",
        ),
        ({"rules": {"no_such_rule": {}}}, r"\[rules.no_such_rule\]: unknown rule"),
        (
            {"rules": {"seen_alone_recorded": {"require_comentary": True}}},
            "unknown key 'require_comentary'. Did you mean 'require_commentary'[?]",
        ),
        ({"rag": {"green": "high"}}, "rag.green must be a number"),
        ({"rag": {"amber": float("nan")}}, "rag.amber must be a finite number, got nan"),
        ({"rag": {"green": 0.7, "amber": 0.8}}, "amber <= green"),
        ({"show_names": "yes"}, "show_names must be true or false"),
        ({"text": {"min_words": 2.5}}, "text.min_words must be a whole number"),
    ],
)
def test_config_errors_name_the_valid_choices(raw, message):
    with pytest.raises(UsageError, match=message):
        build_settings(raw, None, RULES)


def test_config_selects_rules_by_code_or_name_and_excludes():
    config = build_settings({"select": ["IDN01", "ethnicity_recorded"]}, None, RULES)
    assert [r.code for r in config.rules.selected(RULES)] == ["IDN01"]
    config = build_settings({"exclude": ["ethnicity_recorded"]}, None, RULES)
    assert "IDN01" not in [r.code for r in config.rules.selected(RULES)]


def test_a_rule_parameter_of_inf_is_refused_as_no_limit_anyone_means():
    from dataclasses import dataclass

    from audit.rulekit import Params, param

    @dataclass(frozen=True)
    class P(Params):
        max_per_fte: float = param(70.0, "children per full-time IRO")

    rule = Rule("TST01", "t", "i", "child", ("children",), _raises, params=P)
    assert make_params(rule, {"max_per_fte": 65}) == P(65.0)
    with pytest.raises(UsageError, match=r"t\.max_per_fte must be a finite number, got inf"):
        make_params(rule, {"max_per_fte": float("inf")})


def test_rule_parameters_are_type_checked_against_the_params_class():
    from dataclasses import dataclass

    from audit.rulekit import Params, param

    @dataclass(frozen=True)
    class P(Params):
        days: int = param(90, "days")
        kinds: tuple[str, ...] = param(("a",), "kinds")

    rule = Rule("TST01", "t", "i", "child", ("children",), _raises, params=P)
    assert make_params(rule, {"days": 30, "kinds": ["x", "y"]}) == P(30, ("x", "y"))
    with pytest.raises(UsageError, match=r"t\.days must be a whole number"):
        make_params(rule, {"days": "thirty"})
    with pytest.raises(
        UsageError,
        match=r"\[rules.t\]: unknown key 'dayz'. Did you mean 'days'[?] Valid keys: days, kinds",
    ):
        make_params(rule, {"dayz": 1})


def _package(root: Path, name: str, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = root / name / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


_PACK_RULE = (
    "from audit.rulekit import Rule\n"
    "RULE = Rule('{code}', '{name}', '{rec}', 'child', ('children',), lambda t, p, c: None)\n"
)


def test_an_area_folder_without_init_is_a_load_error_naming_it(tmp_path, monkeypatch):
    """Python would skip the folder, and its rule would vanish from every report."""
    _package(
        tmp_path,
        "pack_no_init",
        {
            "__init__.py": "",
            "visits/__init__.py": "",
            "newarea/ZZZ01_new_rule.py": _PACK_RULE.format(code="ZZZ01", name="new", rec="i"),
        },
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr("audit.engine.registry.BUILTIN_PACKAGE", "pack_no_init")
    with pytest.raises(RuleLoadError) as raised:
        discover_rules(entry_point_packs=False)
    assert str(raised.value) == (
        f"{tmp_path / 'pack_no_init' / 'newarea'} holds rule modules but no __init__.py, so "
        f"its rules would never run: add an empty {tmp_path / 'pack_no_init/newarea/__init__.py'}"
    )


def test_a_rule_whose_recommendation_is_not_catalogued_is_a_load_error_naming_it(tmp_path):
    (tmp_path / "mine.py").write_text(_PACK_RULE.format(code="ZZZ01", name="mine", rec="xii"))
    with pytest.raises(RuleLoadError) as raised:
        discover_rules([tmp_path])
    assert str(raised.value) == (
        f"{tmp_path / 'mine.py'}: rule ZZZ01 names recommendation 'xii', which is not in the "
        "recommendation catalogue (i, ii, iii, v, vii, ix, x, xi). Use one of those, or add "
        "it to the rule pack's RECOMMENDATIONS."
    )


def test_a_rule_pack_brings_its_own_recommendations(tmp_path, monkeypatch):
    _package(
        tmp_path,
        "pack_own",
        {
            "__init__.py": "",
            "recommendations.py": (
                "from audit.rulekit import Recommendation\n"
                "RECOMMENDATIONS = (Recommendation('LA1', 'Local priority', 'Local words.'),)\n"
            ),
            "area/__init__.py": "",
            "area/ZZZ01_local.py": _PACK_RULE.format(code="ZZZ01", name="local", rec="LA1"),
        },
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr("audit.engine.registry.BUILTIN_PACKAGE", "pack_own")
    (rule,) = discover_rules(entry_point_packs=False)
    assert rule.recommendation_entry == Recommendation("LA1", "Local priority", "Local words.")
    assert recommendation_titles([rule]) == {"LA1": "Local priority"}


def test_the_catalogue_orders_recommendations_as_the_report_numbers_them():
    titles = recommendation_titles(RULES)
    assert list(titles) == ["i", "ii", "iii", "v", "vii", "ix", "x", "xi"]
    assert titles["xi"] == "Children seen alone, and the record says so"


@pytest.mark.parametrize(
    ("rule_code", "values", "ready"),
    [
        ("CHG01", {"change_types": ["Placement Change", " return-home "]}, "placement_change"),
        ("VOC03", {"conveyed_codes": [" pn3 "]}, "PN3"),
        ("IDN03", {"plan_types": ["cla", "Child protection plan"]}, "CLA"),
        ("SEE01", {"reg29_reasons": [" Refused "]}, "refused"),
    ],
)
def test_code_parameters_are_normalised_once_as_the_loader_reads_their_column(
    rule_code, values, ready
):
    """A council may write codes as people do; the rule gets them in the data's form."""
    rule = next(r for r in RULES if r.code == rule_code)
    (name, _), = values.items()  # fmt: skip
    assert getattr(make_params(rule, values), name)[0] == ready


def test_plan_type_descriptions_in_the_config_are_read_as_their_codes():
    rule = next(r for r in RULES if r.code == "IDN03")
    params = make_params(rule, {"plan_types": ["Child protection plan", " cin "]})
    assert params.plan_types == ("CP", "CIN")


def test_an_installed_rule_pack_is_found_through_its_entry_point(tmp_path, monkeypatch):
    """A real distribution on the path, as pip would install it: its package is searched."""
    _package(
        tmp_path,
        "pack_installed",
        {
            "__init__.py": "",
            "area/__init__.py": "",
            "area/ZZZ02_installed.py": _PACK_RULE.format(code="ZZZ02", name="inst", rec="xi"),
        },
    )
    info = tmp_path / "pack_installed-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: pack-installed\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[caseaudit.rules]\npack = pack_installed\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    found = {r.code: r for r in discover_rules()}
    assert found["ZZZ02"].module == "pack_installed.area.ZZZ02_installed"
    assert found["ZZZ02"].recommendation_entry is not None
    assert {"IDN01", "ZZZ02"} <= set(found)
