"""Find rules: the built-in ``rules`` package, installed rule packs, and configured folders.

Rule packs register modules (or ``Rule`` objects, or lists of them) under the entry-point
group ``caseaudit.rules``. A rule module that fails to import, or two rules sharing a code
or a name, stop the run with a clear error: a silently missing rule would look compliant.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import sys
from collections.abc import Iterable, Sequence
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType

from audit.errors import UsageError
from audit.rulekit import Rule

ENTRY_POINT_GROUP = "caseaudit.rules"
BUILTIN_PACKAGE = "rules"


class RuleLoadError(UsageError):
    """A rule could not be loaded, or clashes with another rule."""


def discover_rules(
    rule_dirs: Sequence[Path] = (), *, builtin: bool = True, entry_point_packs: bool = True
) -> list[Rule]:
    found: list[Rule] = []
    if builtin:
        found += _from_package(BUILTIN_PACKAGE)
    if entry_point_packs:
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            try:
                loaded = ep.load()
            except Exception as exc:
                raise RuleLoadError(
                    f"rule pack '{ep.name}' ({ep.value}) failed to load: "
                    f"{type(exc).__name__}: {exc}"
                ) from exc
            found += _rules_in(loaded, ep.value)
    for folder in rule_dirs:
        found += _from_folder(folder)
    _refuse_duplicates(found)
    return sorted(found, key=lambda r: r.code)


def _from_package(package_name: str) -> list[Rule]:
    package = _import(package_name)
    found: list[Rule] = []
    for info in pkgutil.walk_packages(package.__path__, prefix=f"{package_name}."):
        if not info.ispkg:
            found += _rules_in(_import(info.name), info.name)
    return found


def _from_folder(folder: Path) -> list[Rule]:
    if not folder.is_dir():
        raise RuleLoadError(f"rule folder {folder} does not exist (rule_dirs in the config)")
    found: list[Rule] = []
    for file in sorted(folder.rglob("*.py")):
        name = f"caseaudit_local_rules.{file.stem}"
        spec = importlib.util.spec_from_file_location(name, file)
        if spec is None or spec.loader is None:
            raise RuleLoadError(f"rule file {file} cannot be imported")
        module = importlib.util.module_from_spec(spec)
        try:
            sys.modules[name] = module
            spec.loader.exec_module(module)
        except Exception as exc:
            raise RuleLoadError(
                f"rule file {file} failed to import: {type(exc).__name__}: {exc}"
            ) from exc
        found += _rules_in(module, str(file))
    return found


def _import(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except Exception as exc:
        raise RuleLoadError(
            f"rule module {name} failed to import: {type(exc).__name__}: {exc}"
        ) from exc


def _rules_in(obj: object, where: str) -> list[Rule]:
    """The rules an imported thing offers: a module's RULE, a Rule, or a list of Rules."""
    if isinstance(obj, Rule):
        return [obj]
    if isinstance(obj, ModuleType):
        rule = getattr(obj, "RULE", None)
        if rule is None:
            return []
        if not isinstance(rule, Rule):
            raise RuleLoadError(f"{where}: RULE is not a caseaudit Rule")
        return [_with_doc(rule, obj)]
    if isinstance(obj, Iterable):
        rules = list(obj)
        if all(isinstance(r, Rule) for r in rules):
            return rules
    raise RuleLoadError(f"{where}: offers no caseaudit rules (expected a module with RULE)")


def _with_doc(rule: Rule, module: ModuleType) -> Rule:
    from dataclasses import replace

    return replace(rule, doc=rule.doc or (module.__doc__ or ""), module=module.__name__)


def _refuse_duplicates(rules: list[Rule]) -> None:
    for attribute in ("code", "name"):
        seen: dict[str, Rule] = {}
        for rule in rules:
            key = getattr(rule, attribute)
            if key in seen:
                raise RuleLoadError(
                    f"two rules share the {attribute} '{key}': {seen[key].module or '?'} and "
                    f"{rule.module or '?'}. Rename one of them."
                )
            seen[key] = rule
