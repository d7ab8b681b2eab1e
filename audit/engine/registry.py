"""Find rules: the built-in ``rules`` package, installed rule packs, and configured folders.

Rule packs register a package, a module (or ``Rule`` objects, or lists of them) under the
entry-point group ``caseaudit.rules``; a package is searched like the built-in one, every
module in it. A module's ``RECOMMENDATIONS`` (a tuple of ``Recommendation``) adds to the
recommendation catalogue, which every rule's ``recommendation`` must be in.

Each of these stops the run with an error naming the file, because a silently missing
rule would look compliant: a rule module that fails to import; two rules sharing a code
or a name; a folder of rule modules without ``__init__.py`` (Python would skip it); a rule
whose recommendation is not in the catalogue; one code catalogued twice, differently.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import sys
from collections.abc import Iterable, Sequence
from dataclasses import replace
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType

from audit.errors import UsageError
from audit.rulekit import Recommendation, Rule

ENTRY_POINT_GROUP = "caseaudit.rules"
BUILTIN_PACKAGE = "rules"


class RuleLoadError(UsageError):
    """A rule could not be loaded, or clashes with another rule."""


def discover_rules(
    rule_dirs: Sequence[Path] = (), *, builtin: bool = True, entry_point_packs: bool = True
) -> list[Rule]:
    """Every rule, sorted by code, each with its recommendation's catalogue entry."""
    found = _Found()
    if builtin:
        found.package(_import(BUILTIN_PACKAGE))
    if entry_point_packs:
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            try:
                loaded = ep.load()
            except Exception as exc:
                raise RuleLoadError(
                    f"rule pack '{ep.name}' ({ep.value}) failed to load: "
                    f"{type(exc).__name__}: {exc}"
                ) from exc
            if isinstance(loaded, ModuleType) and hasattr(loaded, "__path__"):
                found.package(loaded)
            else:
                found.offered(loaded, ep.value)
    for folder in rule_dirs:
        found.folder(folder)
    _refuse_duplicates(found.rules)
    rules = [_with_entry(rule, found.catalogue) for rule in found.rules]
    return sorted(rules, key=lambda r: r.code)


class _Found:
    """The rules and the recommendation catalogue gathered so far."""

    def __init__(self) -> None:
        self.rules: list[Rule] = []
        self.catalogue: dict[str, Recommendation] = {}
        self._catalogued_in: dict[str, str] = {}

    def package(self, package: ModuleType) -> None:
        """Every module of a package of rules, its sub-packages included."""
        for path in package.__path__:
            _refuse_folders_without_init(Path(path))
        self.module(package, package.__name__)
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{package.__name__}."):
            if not info.ispkg:
                self.module(_import(info.name), info.name)

    def folder(self, folder: Path) -> None:
        if not folder.is_dir():
            raise RuleLoadError(f"rule folder {folder} does not exist (rule_dirs in the config)")
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
            self.module(module, str(file))

    def module(self, module: ModuleType, where: str) -> None:
        """A module's RULE (if any) and RECOMMENDATIONS (if any)."""
        self.recommendations(getattr(module, "RECOMMENDATIONS", ()), _file_of(module, where))
        rule = getattr(module, "RULE", None)
        if rule is None:
            return
        if not isinstance(rule, Rule):
            raise RuleLoadError(f"{_file_of(module, where)}: RULE is not a caseaudit Rule")
        self.rules.append(_with_doc(rule, module))

    def offered(self, obj: object, where: str) -> None:
        """What an entry point offers: a module, a Rule, or a list of Rules and
        Recommendations."""
        if isinstance(obj, ModuleType):
            if getattr(obj, "RULE", None) is None and not hasattr(obj, "RECOMMENDATIONS"):
                raise RuleLoadError(f"{where}: offers no caseaudit rules (expected RULE)")
            self.module(obj, where)
            return
        items = [obj] if isinstance(obj, Rule | Recommendation) else None
        if items is None and isinstance(obj, Iterable) and not isinstance(obj, str):
            items = list(obj)
        if not items or not all(isinstance(i, Rule | Recommendation) for i in items):
            raise RuleLoadError(
                f"{where}: offers no caseaudit rules (expected a package, a module with RULE, "
                "a Rule or a list of Rules)"
            )
        self.rules += [i for i in items if isinstance(i, Rule)]
        self.recommendations([i for i in items if isinstance(i, Recommendation)], where)

    def recommendations(self, entries: object, where: str) -> None:
        if not isinstance(entries, Iterable) or not all(
            isinstance(e, Recommendation) for e in entries
        ):
            raise RuleLoadError(f"{where}: RECOMMENDATIONS must be a tuple of Recommendation")
        for entry in entries:
            known = self.catalogue.get(entry.code)
            if known is not None and known != entry:
                raise RuleLoadError(
                    f"{where}: recommendation '{entry.code}' is already in the catalogue "
                    f"({self._catalogued_in[entry.code]}) with a different title or wording"
                )
            self.catalogue[entry.code] = entry
            self._catalogued_in.setdefault(entry.code, where)


def _refuse_folders_without_init(root: Path) -> None:
    """A folder of rule modules without ``__init__.py`` is never searched: refuse it."""
    for folder in sorted(p for p in root.rglob("*") if p.is_dir()):
        if folder.name == "__pycache__" or "__pycache__" in folder.parts:
            continue
        if any(folder.glob("*.py")) and not (folder / "__init__.py").is_file():
            raise RuleLoadError(
                f"{folder} holds rule modules but no __init__.py, so its rules would never "
                f"run: add an empty {folder / '__init__.py'}"
            )


def _file_of(module: ModuleType, where: str) -> str:
    return getattr(module, "__file__", None) or where


def _with_entry(rule: Rule, catalogue: dict[str, Recommendation]) -> Rule:
    entry = catalogue.get(rule.recommendation)
    if entry is None:
        module = sys.modules.get(rule.module)
        where = _file_of(module, rule.module) if module is not None else rule.module or rule.code
        known = ", ".join(e.code for e in sorted(catalogue.values(), key=lambda e: e.sort_key))
        raise RuleLoadError(
            f"{where}: rule {rule.code} names recommendation '{rule.recommendation}', which "
            f"is not in the recommendation catalogue ({known or 'empty'}). Use one of those, "
            "or add it to the rule pack's RECOMMENDATIONS."
        )
    return replace(rule, recommendation_entry=entry)


def _import(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except Exception as exc:
        raise RuleLoadError(
            f"rule module {name} failed to import: {type(exc).__name__}: {exc}"
        ) from exc


def _with_doc(rule: Rule, module: ModuleType) -> Rule:
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
