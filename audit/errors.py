"""Errors a user sees as one line, with the exit code the CLI returns for them."""


class CaseAuditError(Exception):
    """A problem the user can fix; the CLI prints the message alone, without a traceback."""

    exit_code = 1


class UsageError(CaseAuditError):
    """Bad command-line arguments or configuration."""

    exit_code = 2


class InputError(CaseAuditError):
    """The input files cannot be used: missing, unreadable, unsafe, or lacking required data."""

    exit_code = 3


class OutputError(CaseAuditError):
    """The machine will not let caseaudit write or use its output: a read-only or full disk,
    no permission, a log file it cannot append to, a damaged history file."""

    exit_code = 5
