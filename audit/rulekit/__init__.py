"""What a rule module imports: the rule declaration, its parameters and outcome helpers.

A rule module (``rules/<area>/<CODE>_<name>.py``) holds a docstring for a practice lead,
a frozen parameters class, and ``RULE = Rule(...)`` naming one vectorised ``evaluate``
function. The engine finds ``RULE``, checks ``requires``, hands the rule read-only tables
and attaches team and worker to what it returns. Shared logic lives in this package's
modules (``text``, ``workdays``, ``scope``, ``plans``, ``visits``), never in another rule.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from audit.contract import SOURCE_ROW, SOURCE_SHEET
from audit.lazy import np, pa, pc, pd
from audit.period import AuditPeriod
from audit.rulekit.columns import (
    WITHHELD,
    UndeclaredColumn,
    Withheld,
    column_or_blank,
    has_column,
    is_no,
    is_yes,
)
from audit.rulekit.parameters import codes, normalise_code_fields
from audit.rulekit.scope import is_in, open_children
from audit.rulekit.shared import SharedWork, bools
from audit.rulekit.text import DEFAULT_MIN_WORDS, DEFAULT_PLACEHOLDERS, is_meaningful
from audit.rulekit.wording import Words, words
from audit.rulekit.workdays import WorkingDayCalendar

__all__ = [
    "FIGURES",
    "MET",
    "NOTE",
    "NOT_APPLICABLE",
    "NOT_MET",
    "OUTCOMES",
    "RESULT_COLUMNS",
    "WITHHELD",
    "WORKERS_AS_GIVEN",
    "AnyOf",
    "AuditContext",
    "Case",
    "NoParams",
    "Outcome",
    "Params",
    "Recommendation",
    "Requirement",
    "Rule",
    "Tables",
    "UndeclaredColumn",
    "always",
    "codes",
    "column_or_blank",
    "has_column",
    "is_no",
    "is_yes",
    "judge",
    "param",
    "recommendation_titles",
    "with_figures",
    "with_note",
    "words",
    "workers_as_given",
]


class Outcome(StrEnum):
    """What a rule decides for one subject; compliance is met / (met + not met)."""

    MET = "met"
    NOT_MET = "not_met"
    NOT_APPLICABLE = "not_applicable"


MET, NOT_MET, NOT_APPLICABLE = Outcome.MET, Outcome.NOT_MET, Outcome.NOT_APPLICABLE
OUTCOMES = tuple(Outcome)
NOTE = "note"  # DataFrame.attrs key: the rule's note for its report line (see with_note)
# DataFrame.attrs key: the figures behind each subject's outcome (see with_figures).
FIGURES = "figures"
# DataFrame.attrs key: the rule's worker_id is final, a blank included (see workers_as_given).
WORKERS_AS_GIVEN = "workers_as_given"

# What evaluate() returns, one row per subject; the engine adds the rest of the findings
# columns (rule, team, worker where blank).
RESULT_COLUMNS = (
    "subject_id",
    "child_id",
    "worker_id",
    "outcome",
    "reason_code",
    "detail",
    "evidence_date",
    "source_table",
    "source_row",
)


def param(default: Any, doc: str) -> Any:
    """A parameter field: its default and the one line the rule reference shows."""
    if isinstance(default, list | dict | set):
        raise TypeError("parameter defaults must be immutable: use a tuple")
    return field(default=default, metadata={"doc": doc})


@dataclass(frozen=True)
class Params:
    """Base of every rule's parameters class (a frozen dataclass of typed fields).

    Code parameters (declared with :func:`codes`) are normalised when the object is made.
    """

    def __post_init__(self) -> None:
        normalise_code_fields(self)


@dataclass(frozen=True)
class NoParams(Params):
    pass


P = TypeVar("P", bound=Params)


@dataclass(frozen=True, init=False)
class AnyOf:
    """A requirement met by any one of its options; an option is one or more columns."""

    options: tuple[tuple[str, ...], ...]

    def __init__(self, *options: str | tuple[str, ...]) -> None:
        normalised = tuple((o,) if isinstance(o, str) else tuple(o) for o in options)
        object.__setattr__(self, "options", normalised)

    def __str__(self) -> str:
        return " or ".join(_columns_text(option) for option in self.options)


def _columns_text(refs: tuple[str, ...]) -> str:
    """``visits.a`` alone, or ``visits.{a, b}`` for several columns of one table."""
    tables = {r.partition(".")[0] for r in refs}
    if len(refs) > 1 and len(tables) == 1:
        return f"{tables.pop()}.{{{', '.join(r.partition('.')[2] for r in refs)}}}"
    return " and ".join(refs)


Requirement = str | AnyOf  # "table" or "table.column", or AnyOf(...)

_ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}


@dataclass(frozen=True)
class Recommendation:
    """One entry of the recommendation catalogue: what a rule's ``recommendation`` names.

    ``code`` is the recommendation's number as the inspection report gives it (``"xi"``),
    ``title`` the few words the reports show beside it, ``wording`` what it asks for.
    A rule pack lists its entries in a module-level ``RECOMMENDATIONS`` tuple; the built-in
    catalogue is ``rules/recommendations.py``.
    """

    code: str
    title: str
    wording: str

    @property
    def sort_key(self) -> tuple[int, str]:
        """Roman numerals in number order (i, ii, … ix, x, xi), any other code after them."""
        values = [_ROMAN.get(c) for c in self.code.lower()]
        if not self.code or None in values:
            return (10**6, self.code)
        numbers = [v for v in values if v is not None]
        total = sum(-v if v < w else v for v, w in zip(numbers, [*numbers[1:], 0], strict=True))
        return (total, self.code)


@dataclass(frozen=True)
class AuditContext:
    """Everything about the audit run a rule may read; frozen so no rule can change it."""

    period: AuditPeriod
    calendar: WorkingDayCalendar = field(default_factory=WorkingDayCalendar)
    placeholders: tuple[str, ...] = DEFAULT_PLACEHOLDERS
    min_words: int = DEFAULT_MIN_WORDS
    # "table[.column]" -> why the input's source (e.g. Annex A) cannot hold it at all.
    absent: Mapping[str, str] = field(default_factory=dict)
    # child_id of every open child at the period (docs/rules.md, "Open child"), computed once per
    # run from the whole children table by :meth:`scoped`, so no rule declares case dates.
    open_child_ids: pd.Index | None = field(default=None, compare=False)
    # Work several rules need (open children, active latest plans), done once per run from
    # the engine's tables (see audit.rulekit.shared); filled in by :meth:`scoped`.
    shared: SharedWork = field(default_factory=SharedWork, compare=False, repr=False)

    def scoped(self, tables: Mapping[str, pd.DataFrame]) -> AuditContext:
        """This context with the run's shared scope (the open children) worked out."""
        if self.open_child_ids is not None:
            return self
        children = tables.get("children")
        if children is None:
            ids = pd.Index([], dtype="string")
        else:
            ids = pd.Index(children.loc[open_children(children, self.period), "child_id"])
        return dataclasses.replace(self, open_child_ids=ids, shared=SharedWork(tables))

    def is_open_child(self, child_id: pd.Series) -> pd.Series:
        """True where ``child_id`` is an open child in the period; a ``bool`` Series."""
        open_ids = self.open_child_ids
        if open_ids is None:
            raise RuntimeError("the audit context has no scope: the engine calls scoped()")
        found = self.shared.get(
            "open child", lambda: is_in(child_id, open_ids.to_series()).to_numpy(), [child_id]
        )
        return bools(found, child_id.index)

    def source_lacks(self, ref: str) -> str | None:
        """Why the source cannot provide ``ref`` ("Annex A does not record …"), or None."""
        return self.absent.get(ref) or self.absent.get(ref.partition(".")[0])

    @property
    def as_at(self) -> pd.Timestamp:
        return self.period.end_ts

    def meaningful(self, text: pd.Series) -> pd.Series:
        """Meaningful text (docs/rules.md, "Shared definitions"), with this run's placeholders."""
        return is_meaningful(text, self.placeholders, self.min_words)


class Tables(Mapping[str, "pd.DataFrame"]):  # quoted: no pandas to import rulekit
    """The tables a rule declared, read-only: each access is the engine's copy-on-write view.

    Writing into a frame a rule gets never reaches the engine's tables or another rule.
    Each frame holds the columns the rule declared (plus identifiers and source rows);
    asking for a table or column the input has but the rule did not declare raises
    :class:`UndeclaredColumn` (through :meth:`has`, :func:`has_column` and the rulekit
    helpers; a plain ``frame["column"]`` raises ``KeyError``, which the engine reports the
    same way).
    """

    def __init__(
        self,
        frames: Mapping[str, pd.DataFrame],
        *,
        rule: str = "the rule",
        undeclared_tables: frozenset[str] = frozenset(),
    ) -> None:
        self._frames = dict(frames)
        self._rule = rule
        self._undeclared_tables = undeclared_tables

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._frames:
            if name in self._undeclared_tables:
                raise UndeclaredColumn(self._rule, f"the {name} table")
            raise KeyError(f"table '{name}' was not declared in requires/uses or is absent")
        return self._frames[name].copy(deep=False)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._frames)

    def __len__(self) -> int:
        return len(self._frames)

    def has(self, table: str, column: str | None = None) -> bool:
        """Whether the input has the table (and column): for optional columns in ``uses``.

        Raises :class:`UndeclaredColumn` for a table or column the input has but the rule
        did not declare.
        """
        frame = self._frames.get(table)
        if frame is None:
            if table in self._undeclared_tables:
                raise UndeclaredColumn(self._rule, f"the {table} table")
            return False
        return column is None or has_column(frame, column)

    def withheld(self) -> dict[str, str]:
        """Column name -> ``table.column`` for every column present but not declared."""
        found: dict[str, str] = {}
        for table, frame in self._frames.items():
            attrs = frame.attrs.get(WITHHELD)
            for column in attrs.columns if isinstance(attrs, Withheld) else ():
                found.setdefault(column, f"{table}.{column}")
        return found


Evaluate = Callable[[Tables, Any, AuditContext], "pd.DataFrame"]


@dataclass(frozen=True)
class Rule:
    """One recording-quality standard, declared.

    ``requires``: what must be present or the rule is SKIPPED. ``uses``: optional columns
    the rule reads when present. Both are written ``table`` or ``table.column``.
    """

    code: str
    name: str
    recommendation: str
    subject_type: str
    requires: tuple[Requirement, ...]
    evaluate: Evaluate
    params: type[Params] = NoParams
    uses: tuple[str, ...] = ()
    doc: str = ""  # the module docstring; the registry fills it in
    module: str = ""
    # The catalogue entry of ``recommendation``; the registry fills it in, and refuses a
    # rule whose recommendation is not in the catalogue.
    recommendation_entry: Recommendation | None = None

    def __post_init__(self) -> None:
        # ("visits.visit_type") without its comma is a string, which would read as a
        # declaration of single letters: refuse it where the rule is written.
        for name in ("requires", "uses"):
            value = getattr(self, name)
            if not isinstance(value, tuple) or not all(
                isinstance(r, str | AnyOf) and r for r in value
            ):
                raise TypeError(
                    f"rule {self.code}: {name} must be a tuple of 'table' or 'table.column' "
                    f"names (or AnyOf), got {value!r}; a single one needs a trailing comma"
                )

    @property
    def title(self) -> str:
        return self.doc.strip().splitlines()[0] if self.doc.strip() else self.name

    def param_docs(self) -> list[tuple[str, str, Any, str]]:
        """(name, type, default, description) for each parameter."""
        return [
            (f.name, _type_name(f.type), f.default, f.metadata.get("doc", ""))
            for f in dataclasses.fields(self.params)
        ]


def _type_name(annotation: Any) -> str:
    return annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")


# ---------------------------------------------------------------- building outcomes


@dataclass(frozen=True)
class Case:
    """Where ``when`` holds (and no earlier case did), the subject gets this outcome."""

    when: pd.Series | None  # None: every subject (see :func:`always`)
    outcome: Outcome
    reason_code: str | None = None
    # Text, a text Series on the subjects' index, or words built for this case's subjects.
    detail: str | pd.Series | Words | None = None


def always(
    outcome: Outcome,
    reason_code: str | None = None,
    detail: str | pd.Series | Words | None = None,
) -> Case:
    """The case for every subject no earlier case decided: ``otherwise=always(MET, None,
    detail)`` to say why a subject is met, or a last not-met reason."""
    return Case(None, outcome, reason_code, detail)


def judge(
    subjects: pd.DataFrame,
    *,
    source_table: str | None,
    subject_id: pd.Series,
    cases: Sequence[Case],
    otherwise: Case | None = None,
    child_id: pd.Series | None = None,
    worker_id: pd.Series | None = None,
    evidence_date: pd.Series | None = None,
) -> pd.DataFrame:
    """One result row per subject: the first case that holds decides, else ``otherwise``.

    ``otherwise`` defaults to met. All series share ``subjects``' index.
    """
    index = subjects.index
    otherwise = otherwise or always(MET)
    every = (*cases, otherwise)
    undecided = len(every)
    # choice[i] = the first case that holds for subject i (or `undecided`).
    choice = np.full(len(index), undecided, dtype=np.int16)
    for number, case in enumerate(every):
        if case.when is None:
            holds = np.ones(len(index), dtype=bool)
        else:
            holds = case.when.reindex(index).fillna(False).to_numpy(dtype=bool)
        choice[(choice == undecided) & holds] = number
    # Outcome, reason and detail as Arrow text: each case's text lands on its own
    # subjects in one kernel call, however many subjects there are.
    outcome = _text([str(c.outcome) for c in every] + [None]).take(choice)
    reason = _text([c.reason_code for c in every] + [None]).take(choice)
    detail = pa.nulls(len(index), pa.large_string())
    for number, case in enumerate(every):
        chosen = choice == number
        if case.detail is None or not chosen.any():
            continue
        if isinstance(case.detail, Words):
            # Put together for this case's subjects alone.
            detail = pc.replace_with_mask(
                detail, chosen, case.detail.on(np.flatnonzero(chosen), index)
            )
            continue
        if isinstance(case.detail, pd.Series):
            text = pa.array(case.detail.reindex(index).astype("string"), type=pa.large_string())
        else:
            text = pa.scalar(case.detail, pa.large_string())
        detail = pc.if_else(chosen, text, detail)
    has_rows = SOURCE_ROW in subjects.columns and source_table is not None
    # Cite the sheet each row really came from ("List 7", "Case Notes - Visits"), so a
    # manager can open it; the contract table's name only when the sheet is unknown.
    table = (
        subjects[SOURCE_SHEET].astype("string").fillna(source_table)
        if has_rows and SOURCE_SHEET in subjects.columns
        else source_table
    )
    columns = {
        "subject_id": subject_id.astype("string"),
        "child_id": _or_blank(child_id, index),
        "worker_id": _or_blank(worker_id, index),
        "outcome": _strings(outcome, index),
        "reason_code": _strings(reason, index),
        "detail": _strings(detail, index),
        "evidence_date": (
            pd.to_datetime(evidence_date)
            if evidence_date is not None
            else pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
        ),
        "source_table": table,
        "source_row": subjects[SOURCE_ROW].astype("Int64")
        if has_rows
        else pd.Series(pd.NA, index=index, dtype="Int64"),
    }
    # Every column is new and on ``index``: nothing to align or copy (copy-on-write).
    return pd.DataFrame(columns, index=index, copy=False)


def with_note(result: pd.DataFrame, note: str | None) -> pd.DataFrame:
    """The rule's result carrying a note for its report line (what the input let it judge,
    e.g. "late within the month cannot be judged from one date"); None leaves no note."""
    if note:
        result.attrs[NOTE] = note
    return result


def with_figures(result: pd.DataFrame, **figures: pd.Series) -> pd.DataFrame:
    """The result carrying the numbers each outcome was judged on, one column per figure
    and one row per subject (``subject_id`` first), so a report can show them as numbers
    instead of reading them back out of the detail text (IRO02's caseload per FTE). Each
    series is on the result's index; the findings themselves are unchanged."""
    table = pd.DataFrame({name: values.reindex(result.index) for name, values in figures.items()})
    table.insert(0, "subject_id", result["subject_id"])
    result.attrs[FIGURES] = table.reset_index(drop=True)
    return result


def workers_as_given(result: pd.DataFrame) -> pd.DataFrame:
    """The result's ``worker_id`` is the rule's whole answer (VOC03's review chair): a blank
    stays blank instead of becoming the child's allocated worker."""
    result.attrs[WORKERS_AS_GIVEN] = True
    return result


def _text(values: list[str | None]) -> pa.Array:
    return pa.array(values, type=pa.large_string())


def _strings(values: pa.Array, index: pd.Index) -> pd.Series:
    """Arrow text as the ``string`` Series a result holds."""
    return pd.Series(pd.array(values, dtype="string"), index=index)


def _or_blank(values: pd.Series | None, index: pd.Index) -> pd.Series:
    if values is None:
        return pd.Series(pd.NA, index=index, dtype="string")
    return values.reindex(index).astype("string")


def recommendation_titles(rules: Sequence[Rule]) -> dict[str, str]:
    """Code -> title of the recommendations these rules check, in catalogue order."""
    # A rule built by hand rather than found by the registry has no entry: its code stands.
    entries = {r.recommendation_entry or Recommendation(r.recommendation, "", "") for r in rules}
    return {e.code: e.title or e.code for e in sorted(entries, key=lambda e: e.sort_key)}
