"""Progress on long work: "Loading visits (3/9)", "Running checks (4/20)", "Writing teams".

The pipeline reports each step through a :data:`Progress` callback, so no lower layer
knows where the lines go. :class:`ProgressLines` is the callback the command line passes:
on a terminal one line per stage, rewritten in place; in a file or under cron (no
terminal) a plain line per step, which reads well in a mail from cron; and each step
also as a plain line in the log, if there is one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TextIO

# (stage, done, total): e.g. ("Loading visits", 3, 9) once the third of nine tables is in.
Progress = Callable[[str, int, int], None]


def no_progress(stage: str, done: int, total: int) -> None:
    """The default callback: report nothing (library use, tests)."""


class ProgressLines:
    """Write each step to ``stream``: in place on a terminal, plain lines otherwise."""

    def __init__(
        self,
        stream: TextIO,
        *,
        on_terminal: bool | None = None,
        log: logging.Logger | None = None,
        clean: Callable[[str], str] = str,
    ) -> None:
        self.stream = stream
        self.clean = clean  # stage texts hold names from the data: made printable here
        self.on_terminal = stream.isatty() if on_terminal is None else on_terminal
        self.log = log
        self._open = False  # a terminal line written without its newline yet

    def __call__(self, stage: str, done: int, total: int) -> None:
        text = self.clean(f"{stage} ({done}/{total})")
        if self.log is not None:
            self.log.info("%s", text)
        if self.on_terminal:
            # \r back to the start, \x1b[K clear what a longer earlier line left behind.
            end = "\n" if done >= total else ""
            self.stream.write(f"\r\x1b[K{text}{'' if end else '…'}{end}")
            self._open = not end
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        """End a line left open (a stage stopped early by an error) so messages start clean."""
        if self._open:
            self.stream.write("\n")
            self.stream.flush()
            self._open = False
