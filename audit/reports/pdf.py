"""The reports as PDF, printed from the same HTML by headless Chromium.

Mail filters often block HTML attachments, so each emailed page also goes as a PDF. The
PDF is Chromium's print of the page, the same engine the browser tests measure the printed
report with: landscape A4, "Confidential" and "Page n of N" on every page (the page's
``@page`` rules), and a team page in at most three pages. WeasyPrint was measured too and
not chosen; the README's reports section has the figures.

Chromium is found on the PATH (``chromium``, ``chromium-browser``, ``google-chrome``,
``microsoft-edge``) or named by ``CASEAUDIT_BROWSER``; ``CASEAUDIT_BROWSER=none`` turns PDF
off. Without one, :func:`find_browser` says so in one line and the caller sends HTML only.
Chromium runs with no network of its own, a throwaway profile, and a time limit; a PDF it
could not make is reported, never sent half-written.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from audit.output import FILE_MODE, open_private, own_dir
from audit.reports.html import overview_for_email, team_page_for_email
from audit.reports.model import Overview, TeamReport

PDF_FOLDER = "pdf"  # in the month's folder: the PDFs printed for the latest send
OVERVIEW_PDF = "overview.pdf"
BROWSER_ENV = "CASEAUDIT_BROWSER"
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "microsoft-edge", "msedge")
TIMEOUT_SECONDS = 120
# No network, no first-run or crash reporting, no extensions: it only prints a local file.
_FLAGS = (
    "--headless",
    "--no-sandbox",  # root in a container has no user namespace for the sandbox
    "--disable-gpu",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-extensions",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-breakpad",
    "--no-pdf-header-footer",  # the page's own margin boxes, not the browser's URL and date
    "--proxy-server=127.0.0.1:9",  # belt and braces: the page loads nothing, and may not
)


@dataclass(frozen=True)
class Browser:
    """A browser that prints, or the one-line reason there is none."""

    path: Path | None
    why_not: str = ""


def find_browser() -> Browser:
    named = os.environ.get(BROWSER_ENV)
    if named is not None:
        if named.strip().lower() in ("", "none", "off"):
            return Browser(None, f"PDF turned off ({BROWSER_ENV}={named})")
        found = shutil.which(named)
        if found is None:
            return Browser(None, f"{BROWSER_ENV}={named} is not a program that can be run")
        return Browser(Path(found))
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found is not None:
            return Browser(Path(found))
    return Browser(
        None,
        "no Chromium found to print PDFs (install chromium, or name a Chrome or Edge in "
        f"{BROWSER_ENV})",
    )


class PdfError(Exception):
    """One page could not be printed; the message is one line."""


def print_pdf(browser: Path, page: Path, pdf: Path, timeout: float = TIMEOUT_SECONDS) -> Path:
    """Print the HTML file ``page`` to ``pdf`` (owner-only), or raise :class:`PdfError`."""
    with tempfile.TemporaryDirectory(prefix="caseaudit-print-") as work:
        out = Path(work) / "page.pdf"
        command = [
            str(browser),
            *_FLAGS,
            f"--user-data-dir={Path(work) / 'profile'}",
            f"--print-to-pdf={out}",
            page.resolve().as_uri(),
        ]
        try:
            done = subprocess.run(
                command, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL
            )
        except subprocess.TimeoutExpired as exc:
            raise PdfError(f"{page.name}: the browser did not finish in {timeout:.0f} s") from exc
        except OSError as exc:
            raise PdfError(f"{page.name}: the browser could not start: {exc.strerror}") from exc
        # Chromium can exit 0 having written nothing (a page it could not load).
        if not out.is_file() or out.read_bytes()[:5] != b"%PDF-":
            last = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
            raise PdfError(
                f"{page.name}: the browser made no PDF (exit {done.returncode}: {last[0][:200]})"
            )
        with open_private(pdf, "wb") as fh:
            fh.write(out.read_bytes())
    os.chmod(pdf, FILE_MODE)
    return pdf


def print_pdfs(
    browser: Path, jobs: Iterable[tuple[Path, Path]], workers: int = 2
) -> list[tuple[Path, Path | PdfError]]:
    """Each (page, pdf) printed, a few at once; per page the PDF or why it is missing."""

    def one(job: tuple[Path, Path]) -> tuple[Path, Path | PdfError]:
        page, pdf = job
        try:
            return page, print_pdf(browser, page, pdf)
        except PdfError as exc:
            return page, exc

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return list(pool.map(one, list(jobs)))


def email_pdfs(
    overview: Overview, month_folder: Path, teams: Iterable[TeamReport], browser: Browser
) -> list[str]:
    """Print the pages the month's emails attach (each team's, the overview) to
    ``month_folder/pdf/``, from the same HTML the emails attach. Returns one line per
    problem: none, one (no browser) or one per page that failed; those go HTML only.

    The folder is emptied first, so a PDF from an earlier send is never attached to this one.
    """
    folder = month_folder / PDF_FOLDER
    if folder.is_dir() and not folder.is_symlink():
        shutil.rmtree(folder)
    if browser.path is None:
        return [f"PDF not attached: {browser.why_not}; the emails carry the HTML report only"]
    own_dir(folder)
    problems = []
    with tempfile.TemporaryDirectory(prefix="caseaudit-pages-") as temp:
        work = Path(temp)
        pages = {work / "overview.html": (folder / OVERVIEW_PDF, overview_for_email(overview))}
        for team in teams:
            page = team_page_for_email(overview, team)
            pages[work / f"{team.slug}.html"] = (folder / f"{team.slug}.pdf", page)
        for path, (_pdf, text) in pages.items():
            with open_private(path, "w", encoding="utf-8") as fh:
                fh.write(text)
        jobs = [(path, pdf) for path, (pdf, _text) in pages.items()]
        for _page, result in print_pdfs(browser.path, jobs):
            if isinstance(result, PdfError):
                problems.append(f"PDF not attached: {result}")
    return problems
