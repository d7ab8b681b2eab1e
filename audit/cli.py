"""The ``caseaudit`` command line.

The top of the layers: it parses the arguments (``--period`` into an ``AuditPeriod``) and
calls the pipeline (``audit.run``, ``audit.publish``), the settings, the loader or mail.
Each command imports what it uses when it runs: the application imports pandas and
pyarrow, which take seconds on a busy machine, and ``--help``, ``--version`` or an
argument error need none of it. Those deferred imports are marked ``# start-up``.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from audit import __version__
from audit.console import one_line, printable_console, tidy_path
from audit.errors import CaseAuditError, InputError, UsageError
from audit.memory import use_returning_allocator
from audit.sheet_parse import forget_early, start_early

if TYPE_CHECKING:
    from audit.history import History
    from audit.period import AuditPeriod
    from audit.progress import ProgressLines
    from audit.region_folder import RegionFolder
    from audit.reports.model import Overview
    from audit.settings import Settings

# What --help shows: plain text, no markup (the module docstring above is for developers).
DESCRIPTION = (
    "Audit children's social-care case records against recording-quality checks, "
    "and write per-team compliance reports."
)

log = logging.getLogger("caseaudit")
log.addHandler(logging.NullHandler())  # stderr gets our one-line message, not a log record


class RunLocked(CaseAuditError):
    """Another scheduled run holds the lock on the output folder."""

    exit_code = 6  # not 1: a scheduler can tell "try later" from a failure


@contextmanager
def run_lock(out: Path) -> Iterator[None]:
    """One run at a time per output folder, so two scheduled runs can never overlap."""
    from filelock import FileLock, Timeout  # start-up

    from audit.output import cannot_write, private_dir, writing
    from audit.publish import clear_leftovers

    lock_path = out / ".caseaudit.lock"
    with writing("the output folder", out):
        private_dir(out)
    lock = FileLock(lock_path, timeout=0, mode=0o600)
    try:
        lock.acquire()
    except Timeout as exc:  # a TimeoutError, hence an OSError: caught first
        raise RunLocked(
            f"another caseaudit run is using {out} (lock file {lock_path}); try again when it ends"
        ) from exc
    except OSError as exc:
        raise cannot_write("the output folder", out, exc) from exc
    try:
        with writing("the output folder", out):
            clear_leftovers(out)  # what killed runs left; nobody else is writing now
        yield
    finally:
        lock.release()


def first_working_day(day: date) -> date:
    """The first working day (England and Wales) of ``day``'s month."""
    from audit.rulekit.workdays import WorkingDayCalendar  # start-up

    last_of_previous = day.replace(day=1) - timedelta(days=1)
    return WorkingDayCalendar().add_working_days_to(last_of_previous, 1)


def _setup_log(path: Path | None) -> None:
    if path is None:
        return
    from audit.console import PrintableFormatter  # start-up
    from audit.output import open_log

    handler = logging.StreamHandler(open_log(path))
    handler.set_name(_LOG_HANDLER)
    handler.setFormatter(PrintableFormatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)


def _close_log() -> None:
    """Close the ``--log`` file, so a second ``main`` in one process writes only its own."""
    for handler in [h for h in log.handlers if h.get_name() == _LOG_HANDLER]:
        log.removeHandler(handler)
        handler.close()


_LOG_HANDLER = "caseaudit-log-file"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # self.prog is "caseaudit" for the program, "caseaudit run" for a subcommand.
        raise UsageError(f"{message} (see '{self.prog} --help')")


def _path(text: str) -> Path:
    """A path as given on the command line, tidied for messages (``output.tidy_path``)."""
    return tidy_path(Path(text))


def _common_options(parser: argparse.ArgumentParser, default: object) -> None:
    """--debug and --log, accepted before or after the subcommand.

    The subcommands' copies default to SUPPRESS so they never undo one given earlier.
    """
    parser.add_argument(
        "--debug", action="store_true", default=default, help="show full tracebacks"
    )
    parser.add_argument(
        "--log",
        type=_path,
        default=None if default is False else default,
        help="also append progress and errors to this file",
    )


INPUT_HELP = "a workbook, a folder of per-table files, a database URL or a connection name"


def _input(text: str) -> Path | str:
    """A database URL stays text (a Path would fold its '//'); anything else is a path."""
    from audit.database import is_url  # start-up

    return text if is_url(text) else _path(text)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="caseaudit", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"caseaudit {__version__}")
    _common_options(parser, False)
    after = _Parser(add_help=False)
    _common_options(after, argparse.SUPPRESS)
    commands = parser.add_subparsers(
        dest="command", required=True, parser_class=_Parser, metavar="COMMAND"
    )
    add = commands.add_parser

    def command(name: str, help: str) -> argparse.ArgumentParser:
        return add(name, help=help, description=help[0].upper() + help[1:] + ".", parents=[after])

    check = command("check", help="load an export and report what was read")
    check.add_argument("input", type=_input, help=INPUT_HELP)
    check.add_argument(
        "--csv",
        type=_path,
        default=Path("reports/data_quality.csv"),
        help="where to write rejected rows and data-quality findings",
    )
    check.add_argument("--config", type=_path, help="audit.toml (for a mapped export)")
    _profile_option(check)
    check.set_defaults(handler=_check)

    sample = command("sample", help="generate a fictional authority's case records")
    sample.add_argument("--children", type=int, default=200)
    sample.add_argument("--seed", type=int, default=2026)
    sample.add_argument("--end-month", default="2026-10", help="last month of activity")
    sample.add_argument("--out", type=_path, required=True, help="folder to write into")
    sample.add_argument(
        "--messy", action="store_true", help="also write a messy copy in OUT/messy/"
    )
    sample.add_argument(
        "--format",
        choices=("xlsx", "parquet"),
        default="xlsx",
        help="one workbook OUT/authority.xlsx (default; up to Excel's 1,048,575 rows a "
        "table) or a folder of parquet files OUT/authority/",
    )
    sample.set_defaults(handler=_sample)
    run = command("run", help="audit an export for one month and write findings")
    run.add_argument("input", type=_input, help=INPUT_HELP)
    run.add_argument(
        "--period", required=True, help="the audit month: YYYY-MM, last-month or this-month"
    )
    run.add_argument("--config", type=_path, help="audit.toml (default: ./audit.toml if present)")
    run.add_argument("--out", type=_path, default=Path("reports"), help="output folder")
    _profile_option(run)
    run.add_argument("--email", action="store_true", help="then email each team its report")
    run.add_argument(
        "--only-on-first-working-day",
        action="store_true",
        help="do nothing unless today is the month's first working day (for schedulers)",
    )
    _delivery_options(run)
    run.set_defaults(handler=_run)

    send = command("send", help="email a written month's reports to each team")
    send.add_argument(
        "--period", required=True, help="the audit month: YYYY-MM, last-month or this-month"
    )
    send.add_argument("--config", type=_path, help="audit.toml with the [email] section")
    send.add_argument("--out", type=_path, default=Path("reports"), help="the reports folder")
    _delivery_options(send)
    send.set_defaults(handler=_send)

    collect = command(
        "collect", help="read the team managers' returned action workbooks into the history"
    )
    collect.add_argument("workbooks", type=_path, nargs="+", help="returned teams/*.xlsx files")
    collect.add_argument(
        "--period", required=True, help="the month the workbooks were written for: YYYY-MM"
    )
    collect.add_argument("--config", type=_path, help="audit.toml (for the history's place)")
    collect.add_argument("--out", type=_path, default=Path("reports"), help="the reports folder")
    collect.add_argument(
        "--replace", action="store_true", help="take new answers over ones already collected"
    )
    collect.set_defaults(handler=_collect)

    rules = command("rules", help="list the rules and their parameters")
    rules.add_argument("--config", type=_path, help="audit.toml whose parameters to show")
    rules.add_argument(
        "--markdown",
        nargs="?",
        const=Path("docs/rules.md"),
        type=_path,
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


def _profile_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--profile",
        choices=("auto", "canonical", "annex-a", "ssd", "ssda903"),
        help="how to read the input (default: the config's profile, else auto)",
    )


def _delivery_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--dry-run", action="store_true", help="write .eml files to the outbox; send nothing"
    )
    command.add_argument(
        "--resend", action="store_true", help="send again what was already delivered"
    )


def _open_history(config: Settings, out: Path) -> History | None:
    from audit.history import History  # start-up

    return History.open(config.history_file(out)) if config.history_enabled else None


def _run(args: argparse.Namespace) -> int:
    today = date.today()
    if args.only_on_first_working_day and today != first_working_day(today):
        print(f"{today:%d/%m/%Y} is not the first working day of the month: nothing to do")
        return 0
    start_early(args.input)  # the workbook's sheets parse while the imports below run
    use_returning_allocator()
    from audit.period import AuditPeriod  # start-up
    from audit.period_warnings import period_warnings
    from audit.publish import write_run
    from audit.region_folder import find_region
    from audit.reports.store import load_overview
    from audit.run import audit_with, timed
    from audit.settings import prepare

    period = AuditPeriod.from_argument(args.period, today)
    log.info("audit of %s for %s started", _shown(args.input), period.label)
    region = find_region(args.input)
    if region is not None:  # a folder of authorities, audited as one region
        return _run_region(args, region, period)
    with run_lock(args.out):
        timings: dict[str, float] = {}
        with timed(timings, "config"):
            settings, rules = prepare(_default_config(args.config))
        if args.email and settings.email is None:
            raise UsageError("--email needs an [email] section in the config file")
        with _progress_lines() as progress:
            try:
                result = audit_with(
                    settings, rules, args.input, period, args.profile, timings, progress
                )
            finally:
                forget_early()  # no parsing thread left when the reports fork their workers
        history = _open_history(settings, args.out)
        try:
            with _progress_lines() as progress:
                folder = write_run(result, args.out, history, progress)
            delivered = 0
            if args.email:
                delivered = _deliver(settings, load_overview(folder), folder, history, args)
        finally:
            if history is not None:
                history.close()
    log.info("audit of %s for %s written to %s", _shown(args.input), period.label, folder)
    print(_read_as(args.input, result.loaded.profile, args.profile, settings.profile))
    for warning in period_warnings(result.loaded, period, today):
        log.warning("%s", warning)
        print(f"caseaudit: warning: {warning}", file=sys.stderr)
    for status in result.statuses:
        if status.status == "RAN":
            rate = result.rule_score(status).compliance
            shown = f"{rate:.0%}" if rate is not None else "n/a"
            counts = status.counts
            print(
                f"{status.code} {status.name}: {shown} "
                f"({counts['met']} met, {counts['not_met']} not met, "
                f"{counts['not_applicable']} n/a)"
            )
        else:
            print(f"{status.code} {status.name}: {status.status} - {one_line(status.reason or '')}")
    rejected = sum(t.rows_rejected for t in result.loaded.loads.values())
    print(f"Rows rejected while loading: {rejected} (see data_quality.csv)")
    print(
        f"Wrote {folder}: index.html, checks.html, teams/, findings.csv, data_quality.csv "
        "and run.json"
    )
    return delivered


def _run_region(args: argparse.Namespace, region: RegionFolder, period: AuditPeriod) -> int:
    """``caseaudit run REGION``: every authority's folder audited as one region."""
    from audit.region import region_summary, region_warnings, run_region  # start-up
    from audit.reports.store import load_overview
    from audit.settings import prepare

    with run_lock(args.out):
        settings, rules = prepare(_default_config(args.config))
        if args.email and settings.email is None:
            raise UsageError("--email needs an [email] section in the config file")
        history = _open_history(settings, args.out)
        try:
            with _progress_lines() as progress:
                result, folder = run_region(
                    settings, rules, region, period, args.out, history, args.profile, progress
                )
            delivered = 0
            if args.email:
                delivered = _deliver(settings, load_overview(folder), folder, history, args)
        finally:
            if history is not None:
                history.close()
    log.info("audit of region %s for %s written to %s", args.input, period.label, folder)
    for line in region_summary(result, region, args.input, folder):
        print(line)
    for warning in region_warnings(result):
        log.warning("%s", warning)
        print(f"caseaudit: warning: {warning}", file=sys.stderr)
    return delivered


def _read_as(given: Path | str, profile: str, asked: str | None, configured: str) -> str:
    """Which profile read the input, and why: the user's choice or what auto recognised."""
    from audit.profiles import PROFILE_NAMES

    name = PROFILE_NAMES.get(profile, profile)
    if asked not in (None, "auto"):
        why = "--profile"
    elif asked is None and configured != "auto":
        why = "profile in the config"
    else:
        why = "recognised automatically"
    return f"Read {_shown(given)} as {name} ({why})"


@contextmanager
def _progress_lines() -> Iterator[ProgressLines]:
    """Progress lines, and in the --log file.

    On a terminal they go to stderr, rewritten in place, so a pipe of stdout gets only the
    results. Without one (cron, a file) they are plain lines on stdout, which cron mails
    with the results, while stderr keeps its one-line error for scripts to read.
    """
    from audit.console import beneath
    from audit.progress import ProgressLines

    stream = sys.stderr if sys.stderr.isatty() else sys.stdout
    # Beneath the printable console, so the carriage return and clear-line codes pass;
    # one_line keeps a team name from the data from steering the terminal all the same.
    lines = ProgressLines(beneath(stream), log=log, clean=one_line)
    try:
        yield lines
    finally:
        lines.close()


def _shown(given: Path | str) -> str:
    """An input as it may be logged: a database URL's secrets masked."""
    from audit.database import redact  # start-up

    return redact(str(given))


def _send(args: argparse.Namespace) -> int:
    from audit.period import AuditPeriod  # start-up
    from audit.reports.store import OVERVIEW_FILE, load_overview
    from audit.settings import prepare

    period = AuditPeriod.from_argument(args.period, date.today())
    config, _rules = prepare(_default_config(args.config))
    if config.email is None:
        raise UsageError("caseaudit send needs an [email] section in the config file")
    folder = args.out / period.label
    if not (folder / OVERVIEW_FILE).is_file():
        raise UsageError(f"no reports for {period.label} in {args.out}: run the audit first")
    with run_lock(args.out):
        history = _open_history(config, args.out)
        try:
            return _deliver(config, load_overview(folder), folder, history, args)
        finally:
            if history is not None:
                history.close()


def _collect(args: argparse.Namespace) -> int:
    from audit.collect import collect
    from audit.period import AuditPeriod
    from audit.run import prepare

    period = AuditPeriod.from_argument(args.period, date.today())
    config, _rules = prepare(_default_config(args.config))
    for path in args.workbooks:
        if not path.is_file():
            raise InputError(f"{path} not found: name the returned workbook files")
    with run_lock(args.out):
        history = _open_history(config, args.out)
        if history is None:
            raise UsageError("collect needs the audit history ([history] enabled = true)")
        try:
            done = collect(args.workbooks, period, history, replace=args.replace)
        finally:
            history.close()
    teams = ", ".join(sorted(done.teams)) or "none"
    print(
        f"Collected for {period.label}: {done.added} new, {done.replaced} replaced, "
        f"{done.unchanged} unchanged (teams: {teams})"
    )
    for line in done.conflicts:
        print(f"Not overwritten: {line}")
    for line in done.rejected:
        print(f"Rejected: {line}")
    return 0 if done.clean else 3


def _deliver(
    config: Settings,
    overview: Overview,
    folder: Path,
    history: History | None,
    args: argparse.Namespace,
) -> int:
    """Email the month; prints one line per delivery; exit code 4 when any failed."""
    from audit.mail import deliver, month_messages  # start-up
    from audit.reports.pdf import email_pdfs, find_browser

    assert config.email is not None
    if history is None and not args.dry_run:
        raise UsageError("sending needs the history (its send log stops repeats): enable it")
    for problem in email_pdfs(
        overview,
        folder,
        [t for t in overview.teams if config.email.recipients_for(t.team)],
        find_browser(),
    ):
        log.warning("%s", problem)
        print(f"caseaudit: warning: {problem}", file=sys.stderr)
    messages, without = month_messages(config.email, overview, folder)
    report = deliver(
        config.email,
        messages,
        period=overview.period,
        log=history or _NO_LOG,
        resend=args.resend,
        dry_run=args.dry_run,
    )
    for line in report.lines():
        print(line)
    if without:
        names = ", ".join(one_line(t) for t in without)
        print(f"Teams with no recipients (listed in the QA leads' message): {names}")
    if report.exit_code:
        log.error("email delivery for %s: %d failed", overview.period, len(report.failed))
    return report.exit_code


class _NoLog:
    """A dry run sends nothing, so it neither reads nor writes the send log."""

    def delivery_state(self, period: AuditPeriod, report_key: str, recipient: str) -> str | None:
        return None

    def record_delivery(self, *args: object, **kwargs: object) -> None:
        return None


_NO_LOG = _NoLog()


def _rules(args: argparse.Namespace) -> int:
    from audit.engine.docs import rules_markdown, rules_table  # start-up
    from audit.settings import prepare

    config, rules = prepare(_default_config(args.config))
    if args.markdown is not None:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(rules_markdown(rules), encoding="utf-8")
        print(f"Wrote {args.markdown} ({len(rules)} rules)")
    else:
        print(rules_table(rules, dict(config.rules.rule_params)))
    return 0


def _check(args: argparse.Namespace) -> int:
    start_early(args.input)  # the workbook's sheets parse while the imports below run
    use_returning_allocator()
    from audit.database import resolve_input  # start-up
    from audit.load_summary import format_load_summary
    from audit.loader import load
    from audit.output import write_csv, writing
    from audit.region_folder import find_region
    from audit.settings import prepare

    region = find_region(args.input)
    if region is not None:  # check loads one export; a region is checked one authority at a time
        first = region.authorities[0].path
        raise UsageError(
            f"{args.input} is a region of {len(region.authorities)} authorities: check one "
            f"authority's folder at a time (caseaudit check {first}), or audit them all with "
            "caseaudit run"
        )
    config, _rules = prepare(_default_config(args.config))
    with _progress_lines() as progress:
        result = load(
            resolve_input(args.input, config.connections),
            config.limits,
            profile=args.profile or config.profile,
            mapping=config.mapping,
            progress=progress,
        )
    print(format_load_summary(result))
    with writing("the data-quality CSV", args.csv):
        path = write_csv(result.issues(), args.csv)
    print(f"Wrote {len(result.issues())} rejected rows and findings to {path}")
    return 0


def _sample(args: argparse.Namespace) -> int:
    from audit import sample  # start-up

    if args.children < 1:
        raise UsageError("--children must be at least 1")
    tables = sample.generate_authority(args.children, args.seed, end_month=args.end_month)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.format == "parquet":
        path = sample.write_parquet_folder(tables, args.out / "authority")
    else:
        path = args.out / "authority.xlsx"
        try:
            sample.write_workbook(tables, path)
        except sample.TooManyRowsForExcel as exc:
            raise UsageError(f"{exc} (add --format parquet)") from exc
    print(f"Wrote {path} ({args.children} fictional children, seed {args.seed})")
    if args.messy:
        sample.write_messy_copy(tables, args.out / "messy")
        print(f"Wrote a messy copy to {args.out / 'messy'}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    with printable_console():  # names and values from the data cannot steer the terminal
        return _main(argv, debug)


def _main(argv: list[str], debug: bool) -> int:
    parser = build_parser()
    if not argv:  # what the program does, rather than an error about a missing argument
        print(parser.format_help(), end="", file=sys.stderr)
        return UsageError.exit_code
    try:
        args = parser.parse_args(argv)
        _setup_log(args.log)
        code = int(args.handler(args))
        sys.stdout.flush()  # a closed pipe shows here, not after main has returned
        return code
    except BrokenPipeError:
        # `caseaudit rules | head -1`: the reader has all it wants. Quiet, as Unix tools are.
        _silence_stdout()
        return 128 + signal.SIGPIPE
    except CaseAuditError as exc:
        log.error("%s", exc)
        if debug:
            raise
        print(f"caseaudit: error: {one_line(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("caseaudit: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        log.exception("internal error")
        if debug:
            raise
        print(
            f"caseaudit: internal error: {type(exc).__name__}: {one_line(str(exc))} "
            "(run again with --debug for details, and report it)",
            file=sys.stderr,
        )
        return 1
    finally:
        forget_early()  # a command that stopped before loading leaves nothing running
        _close_log()


def _silence_stdout() -> None:
    """Point stdout at /dev/null so Python's flush at exit does not complain again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is no real file (under a test's capture)
        pass


if __name__ == "__main__":
    sys.exit(main())
