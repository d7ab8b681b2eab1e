"""Team reports and workbooks rendered on every core are the very files one process writes.

The sample authority is audited once; its reports are written one team after another and
again by forked workers, and every file must match byte for byte, owner-only. The workers
are real processes: the tests see their process IDs.
"""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from audit.period import AuditPeriod
from audit.reports import parallel
from audit.reports.build import build_overview
from audit.reports.html import write_html
from audit.reports.model import Overview
from audit.reports.parallel import rendered_in_order
from audit.reports.workbook import write_workbooks
from audit.run import audit

SAMPLE = Path(__file__).resolve().parent.parent / "sample_cases" / "authority.xlsx"


def _can_fork_workers() -> None:
    # The pool is used only with two cores or more and no other thread running (see
    # audit/reports/parallel.py); without them these tests would prove nothing.
    if parallel._workers(parallel.MIN_PARALLEL_ITEMS) < 2:
        pytest.skip("one core, no fork, or another thread is running: rendering stays serial")


@pytest.fixture(scope="module")
def overview() -> Overview:
    run = audit(SAMPLE, AuditPeriod.parse("2026-10"), None)
    return build_overview(run, None)


def _write_all(overview: Overview, folder: Path) -> dict[str, tuple[bytes, int]]:
    write_html(overview, folder)
    write_workbooks(overview, folder)
    return {
        str(p.relative_to(folder)): (p.read_bytes(), stat.S_IMODE(p.stat().st_mode))
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_parallel_rendering_writes_the_same_bytes_as_serial(
    overview: Overview, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _can_fork_workers()
    assert len(overview.teams) >= 2
    monkeypatch.setattr(parallel, "MIN_PARALLEL_ITEMS", 10**9)
    serial = _write_all(overview, tmp_path / "serial")
    monkeypatch.setattr(parallel, "MIN_PARALLEL_ITEMS", 1)
    forked = _write_all(overview, tmp_path / "forked")

    names = {name for t in overview.teams for name in (t.page, t.workbook)}
    assert names <= set(serial)
    assert sorted(forked) == sorted(serial)
    for name, (content, mode) in serial.items():
        assert forked[name][0] == content, f"{name} differs when rendered in parallel"
        assert mode == forked[name][1] == 0o600


def test_each_item_is_rendered_by_a_worker_process_and_comes_back_in_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _can_fork_workers()
    monkeypatch.setattr(parallel, "MIN_PARALLEL_ITEMS", 1)
    items = list(range(40))
    results = list(rendered_in_order(lambda i: (i, os.getpid()), items))
    assert [i for i, _pid in results] == items
    assert os.getpid() not in {pid for _i, pid in results}


def test_a_worker_error_reaches_the_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    _can_fork_workers()
    monkeypatch.setattr(parallel, "MIN_PARALLEL_ITEMS", 1)

    def render(i: int) -> int:
        if i == 7:
            raise ValueError("team 7 could not be rendered")
        return i

    with pytest.raises(ValueError, match="team 7"):
        list(rendered_in_order(render, range(20)))


def test_with_another_thread_running_it_renders_here_without_forking(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A fork copies only this thread; a lock the other one held would stay locked forever.
    monkeypatch.setattr(parallel, "MIN_PARALLEL_ITEMS", 1)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        pids = {pid for _i, pid in rendered_in_order(lambda i: (i, os.getpid()), range(20))}
    finally:
        stop.set()
        other.join()
    assert pids == {os.getpid()}


@pytest.mark.parametrize("forked", [True, False])
def test_the_callers_own_work_is_done_here_once_after_the_workers_are_forked(
    forked: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The overview page and overview.json are written this way while the team pages and
    # workbooks are rendered: once, by this process, and never before the fork (no thread
    # of the pool may be running when it forks).
    if forked:
        _can_fork_workers()
    monkeypatch.setattr(parallel, "MIN_PARALLEL_ITEMS", 1 if forked else 10**9)
    done: list[int] = []
    results = list(
        rendered_in_order(
            lambda i: (i, len(done)), range(40), meanwhile=lambda: done.append(os.getpid())
        )
    )
    assert done == [os.getpid()]
    assert [i for i, _seen in results] == list(range(40))
    # Forked workers started before it ran and so never see its work; here it ran first.
    assert {seen for _i, seen in results} == ({0} if forked else {1})


def test_a_run_writes_its_csv_files_beside_the_overview_and_still_forks_the_reports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # findings.csv and data_quality.csv are written on a thread while the overview is built;
    # that thread must be gone before the reports choose their workers, or every team's
    # page and workbook would be rendered on one core.
    _can_fork_workers()
    from audit.cli import main

    monkeypatch.setattr(parallel, "MIN_PARALLEL_ITEMS", 1)
    chosen: list[int] = []
    real = parallel._workers
    monkeypatch.setattr(
        parallel, "_workers", lambda count: chosen.append(real(count)) or chosen[-1]
    )
    out = tmp_path / "out"
    assert main(["run", str(SAMPLE), "--period", "2026-10", "--out", str(out)]) == 0
    assert chosen and min(chosen) >= 2
    month = out / "2026-10"
    findings = (month / "findings.csv").read_text(encoding="utf-8").splitlines()
    assert findings[0].startswith("rule_code,") and len(findings) > 100
    assert (month / "data_quality.csv").read_text(encoding="utf-8").startswith("table,")


def test_what_a_run_set_aside_from_the_collector_is_collectable_again_after_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # While the month is written the run and its overview are frozen out of full
    # collections (gc.freeze). A process that runs again (a region, a scheduler, the tests)
    # would otherwise keep every earlier month's garbage cycles for good, failed runs too.
    import gc

    from audit import publish
    from audit.cli import main

    out = tmp_path / "out"
    assert main(["run", str(SAMPLE), "--period", "2026-10", "--out", str(out)]) == 0
    assert gc.get_freeze_count() == 0

    def full_disk(*_args: object, **_kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(publish, "write_report_files", full_disk)
    assert main(["run", str(SAMPLE), "--period", "2026-10", "--out", str(out)]) != 0
    assert gc.get_freeze_count() == 0


def test_the_collector_runs_again_after_the_reports_are_built_even_when_the_build_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The collector is paused while the overview is built (an object per action, no
    # cycles); left paused, a scheduler's next month would never free a cycle again.
    import gc

    from audit import publish
    from audit.cli import main

    out = tmp_path / "out"
    assert main(["run", str(SAMPLE), "--period", "2026-10", "--out", str(out)]) == 0
    assert gc.isenabled()

    def broken_build(*_args: object, **_kwargs: object) -> None:
        assert not gc.isenabled()  # the pause is in force while the build runs
        raise RuntimeError("a fault while building the overview")

    monkeypatch.setattr(publish, "build_overview", broken_build)
    assert main(["run", str(SAMPLE), "--period", "2026-10", "--out", str(out)]) != 0
    assert gc.isenabled()
