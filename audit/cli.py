"""The ``caseaudit`` command line."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from audit import __version__
from audit.errors import CaseAuditError, UsageError

log = logging.getLogger("caseaudit")
log.addHandler(logging.NullHandler())  # stderr gets our one-line message, not a log record


class RunLocked(CaseAuditError):
    """Another scheduled run holds the lock on the output folder."""


@contextmanager
def run_lock(out: Path) -> Iterator[None]:
    """One run at a time per output folder, so two scheduled runs can never overlap."""
    from filelock import FileLock, Timeout

    from audit.output import private_dir

    lock_path = private_dir(out) / ".caseaudit.lock"
    try:
        with FileLock(lock_path, timeout=0):
            yield
    except Timeout as exc:
        raise RunLocked(
            f"another caseaudit run is using {out} (lock file {lock_path}); try again when it ends"
        ) from exc


def _setup_log(path: Path | None) -> None:
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see 'caseaudit {self.prog.split()[-1]} --help')")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="caseaudit", description=__doc__)
    parser.add_argument("--version", action="version", version=f"caseaudit {__version__}")
    parser.add_argument("--debug", action="store_true", help="show full tracebacks")
    parser.add_argument("--log", type=Path, help="also append progress and errors to this file")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    check = commands.add_parser("check", help="load an export and report what was read")
    check.add_argument("input", type=Path, help="a workbook, or a folder of per-table files")
    check.add_argument(
        "--csv",
        type=Path,
        default=Path("reports/data_quality.csv"),
        help="where to write rejected rows and data-quality findings",
    )
    check.set_defaults(handler=_check)

    sample = commands.add_parser("sample", help="generate a fictional authority's case records")
    sample.add_argument("--children", type=int, default=200)
    sample.add_argument("--seed", type=int, default=2026)
    sample.add_argument("--end-month", default="2026-10", help="last month of activity")
    sample.add_argument("--out", type=Path, required=True, help="folder to write into")
    sample.add_argument(
        "--messy", action="store_true", help="also write a messy copy in OUT/messy/"
    )
    sample.set_defaults(handler=_sample)
    run = commands.add_parser("run", help="audit an export for one month and write findings")
    run.add_argument("input", type=Path, help="a workbook, or a folder of per-table files")
    run.add_argument(
        "--period", required=True, help="the audit month: YYYY-MM, last-month or this-month"
    )
    run.add_argument("--config", type=Path, help="audit.toml (default: ./audit.toml if present)")
    run.add_argument("--out", type=Path, default=Path("reports"), help="output folder")
    run.set_defaults(handler=_run)

    rules = commands.add_parser("rules", help="list the rules and their parameters")
    rules.add_argument("--config", type=Path, help="audit.toml whose parameters to show")
    rules.add_argument(
        "--markdown",
        nargs="?",
        const=Path("docs/rules.md"),
        type=Path,
        metavar="FILE",
        help="write the rule reference as Markdown (default docs/rules.md)",
    )
    rules.set_defaults(handler=_rules)
    return parser


def _default_config(path: Path | None) -> Path | None:
    if path is not None:
        return path
    local = Path("audit.toml")
    return local if local.is_file() else None


def _run(args: argparse.Namespace) -> int:
    from audit.period import AuditPeriod
    from audit.run import audit, write_run

    period = AuditPeriod.from_argument(args.period, date.today())
    log.info("audit of %s for %s started", args.input, period.label)
    with run_lock(args.out):
        result = audit(args.input, period, _default_config(args.config))
        folder = write_run(result, args.out)
    log.info("audit of %s for %s written to %s", args.input, period.label, folder)
    for status in result.statuses:
        if status.status == "RAN":
            rate = status.compliance
            shown = f"{rate:.0%}" if rate is not None else "n/a"
            counts = status.counts
            print(
                f"{status.code} {status.name}: {shown} "
                f"({counts['met']} met, {counts['not_met']} not met, "
                f"{counts['not_applicable']} n/a)"
            )
        else:
            print(f"{status.code} {status.name}: {status.status} - {status.reason}")
    rejected = sum(t.rows_rejected for t in result.loaded.loads.values())
    print(f"Rows rejected while loading: {rejected} (see data_quality.csv)")
    print(f"Wrote {folder}/findings.csv, data_quality.csv and run.json")
    return 0


def _rules(args: argparse.Namespace) -> int:
    from audit.engine.docs import rules_markdown, rules_table
    from audit.run import prepare

    config, rules = prepare(_default_config(args.config))
    if args.markdown is not None:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(rules_markdown(rules), encoding="utf-8")
        print(f"Wrote {args.markdown} ({len(rules)} rules)")
    else:
        print(rules_table(rules, dict(config.rule_params)))
    return 0


def _check(args: argparse.Namespace) -> int:
    from audit.load_summary import format_load_summary
    from audit.loader import load
    from audit.output import write_csv

    result = load(args.input)
    print(format_load_summary(result))
    path = write_csv(result.issues(), args.csv)
    print(f"Wrote {len(result.issues())} rejected rows and findings to {path}")
    return 0


def _sample(args: argparse.Namespace) -> int:
    from audit import sample

    if args.children < 1:
        raise UsageError("--children must be at least 1")
    tables = sample.generate_authority(args.children, args.seed, end_month=args.end_month)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "authority.xlsx"
    sample.write_workbook(tables, path)
    print(f"Wrote {path} ({args.children} fictional children, seed {args.seed})")
    if args.messy:
        sample.write_messy_copy(tables, args.out / "messy")
        print(f"Wrote a messy copy to {args.out / 'messy'}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    try:
        args = build_parser().parse_args(argv)
        _setup_log(args.log)
        return int(args.handler(args))
    except CaseAuditError as exc:
        log.error("%s", exc)
        if debug:
            raise
        print(f"caseaudit: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("caseaudit: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        log.exception("internal error")
        if debug:
            raise
        print(
            f"caseaudit: internal error: {type(exc).__name__}: {exc} "
            "(run again with --debug for details, and report it)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
