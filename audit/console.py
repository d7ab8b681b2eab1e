"""Keeping values from the data from steering the terminal or forging lines of the log.

Team and worker names, file names and cell values reach the console and the ``--log`` file
in summaries and error messages. A carriage return or line feed in one could forge a line
("... ERROR ..."), an escape sequence could clear the screen or retitle the window. Every
line printed or logged passes through here: control characters (C0 but line feed and tab,
DEL, C1) and the Unicode controls that reorder text become ``?``; a value that must stay on
its line, such as an error message, has its line breaks replaced too.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

# C0 controls but tab and line feed, DEL, C1 controls, and the bidirectional overrides and
# isolates that make text display in another order than it reads.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAKS = re.compile("[\n\u2028\u2029\u0085]")


def printable(text: str) -> str:
    """``text`` with control characters shown as ``?``; line feeds and tabs are kept."""
    return _CONTROLS.sub("?", text)


def one_line(text: str) -> str:
    """``text`` as one printable line: line breaks become spaces too."""
    return printable(_LINE_BREAKS.sub(" ", text))


class _Printable:
    """A text stream that writes only printable text to the one it wraps."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(printable(text))

    def __getattr__(self, name: str) -> Any:  # flush, fileno, encoding, isatty...
        return getattr(self._stream, name)


def beneath(stream: TextIO) -> TextIO:
    """The stream a printable wrapper writes to, for a writer that cleans its own text but
    must send control codes (progress rewritten in place with a carriage return)."""
    return stream._stream if isinstance(stream, _Printable) else stream


@contextmanager
def printable_console() -> Iterator[None]:
    """Within: whatever is printed to stdout or stderr has its control characters replaced."""
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Printable(out), _Printable(err)  # type: ignore[assignment]
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err


class PrintableFormatter(logging.Formatter):
    """Each log record's message on its own line, printable; a traceback keeps its lines."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = one_line(record.message)
        return super().formatMessage(record)

    def formatException(self, ei: Any) -> str:
        return printable(super().formatException(ei))


def tidy_path(given: Path) -> Path:
    """``given`` with 'sample_cases/../' folded away, so messages show it cleanly.

    The folder is resolved as the system would walk it (a textual fold of '..' can be
    wrong after a linked folder); the last name is kept as given, so a symbolic link there
    is still seen, and refused, by the code that writes. A relative path stays relative to
    the working folder when it is inside it; an absolute one stays absolute.
    """
    given = given.expanduser()
    if given.name in ("", ".", ".."):
        resolved = given.resolve()
    else:
        resolved = given.parent.resolve() / given.name
    if given.is_absolute():
        return resolved
    try:
        return resolved.relative_to(Path.cwd().resolve())
    except ValueError:
        return resolved
