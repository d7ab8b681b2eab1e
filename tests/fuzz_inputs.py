"""Attacks on input files, for the fuzzing harness (tests/test_fuzz_inputs.py, `make fuzz`).

Every attack starts from a committed sample (sample_cases/authority.xlsx, the files of
sample_cases/messy/) and damages it the way a council's file can be damaged: bytes flipped
in transit, a zip cut short, XML written by a broken tool, a CSV saved by hand with a stray
quote or in the wrong encoding. ``run_check`` runs ``caseaudit check`` in-process on the
result and ``problems`` says what broke a promise: an exit code other than 0, 2 or 3, a
traceback, an error of more than one line or naming no file, or a table whose rows read are
not its rows loaded plus rejected.

Run the long fuzz with ``python -m tests.fuzz_inputs --cases 2000`` (``make fuzz``).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import multiprocessing
import os
import random
import re
import shutil
import subprocess
import sys
import time
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORKBOOK = ROOT / "sample_cases" / "authority.xlsx"
MESSY = ROOT / "sample_cases" / "messy"
MESSY_CSVS = tuple(sorted(MESSY.glob("*.csv")))
# The small workbook of the messy sample: shared strings, error cells, title rows.
SMALL_WORKBOOK = MESSY / "children.xlsx"

# A data row of every messy CSV starts with its record ID (V0000018, S000002, ...), and no
# line inside a quoted note does: counting these lines counts the records the file holds
# without asking the CSV parser.
RECORD_START = re.compile(rb"^[EMPRSVW]\d{5,7},", re.MULTILINE)

# A row of the load summary `caseaudit check` prints: table, source, read, loaded,
# rejected, findings.
_SUMMARY_ROW = re.compile(r"^(\w+)\s+\S.*?\s(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$")


# ---------------------------------------------------------------- running the CLI


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str
    seconds: float = 0.0
    counts: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # read/loaded/rej


def run_check(target: Path, csv_out: Path) -> Outcome:
    """``caseaudit check TARGET`` in this process, with what it printed and its counts."""
    from audit.cli import main

    out, err = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["check", str(target), "--csv", str(csv_out)])
    seconds = time.perf_counter() - start
    counts = {}
    for line in out.getvalue().splitlines():
        if match := _SUMMARY_ROW.match(line):
            name, read, loaded, rejected, _findings = match.groups()
            counts[name] = (int(read), int(loaded), int(rejected))
    return Outcome(code, out.getvalue(), err.getvalue(), seconds, counts)


def problems(outcome: Outcome, file_name: str) -> list[str]:
    """The promises an outcome broke (empty when it kept them all)."""
    found = []
    if outcome.code not in (0, 2, 3):
        found.append(f"exit {outcome.code}: {outcome.stderr.strip()[:300]}")
    if "Traceback" in outcome.stdout + outcome.stderr:
        found.append("printed a traceback")
    if outcome.code != 0:
        lines = outcome.stderr.strip().splitlines()
        if len(lines) != 1 or not lines[0].startswith("caseaudit: error: "):
            found.append(f"error is not one line: {outcome.stderr[:300]!r}")
        elif file_name not in lines[0]:
            found.append(f"error does not name {file_name}: {lines[0][:300]}")
    else:
        if not outcome.counts:
            found.append("exit 0 without a load summary")
        for table, (read, loaded, rejected) in outcome.counts.items():
            if read != loaded + rejected:
                found.append(f"{table}: read {read} != loaded {loaded} + rejected {rejected}")
    return found


# ---------------------------------------------------------------- zip and XML surgery


def zip_members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def write_zip(path: Path, members: dict[str, bytes], stored: tuple[str, ...] = ()) -> Path:
    """A zip of ``members`` in order; those named in ``stored`` are not compressed."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            kind = zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED
            zf.writestr(name, data, compress_type=kind)
    return path


def edit_members(src: Path, dst: Path, edit: Callable[[dict[str, bytes]], None]) -> Path:
    members = zip_members(src)
    edit(members)
    return write_zip(dst, members)


def member_data_span(path: Path, member: str) -> tuple[int, int]:
    """(offset, length) of a member's compressed bytes within the zip file."""
    raw = path.read_bytes()
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(member)
    start = info.header_offset
    name_len = int.from_bytes(raw[start + 26 : start + 28], "little")
    extra_len = int.from_bytes(raw[start + 28 : start + 30], "little")
    return start + 30 + name_len + extra_len, info.compress_size


def flip_member_byte(src: Path, dst: Path, member: str, fraction: float, mask: int = 0x55) -> Path:
    """Flip bits of one byte at ``fraction`` of the way through a member's stored bytes."""
    offset, length = member_data_span(src, member)
    raw = bytearray(src.read_bytes())
    raw[offset + min(length - 1, int(length * fraction))] ^= mask
    dst.write_bytes(bytes(raw))
    return dst


def sheet_part(members: dict[str, bytes], sheet: str) -> str:
    """The zip member holding ``sheet``, found through the workbook's relationships."""
    workbook = members["xl/workbook.xml"].decode()
    rel_id = re.search(rf'<sheet name="{re.escape(sheet)}"[^>]*r:id="(\w+)"', workbook)
    assert rel_id, sheet
    rels = members["xl/_rels/workbook.xml.rels"].decode()
    target = re.search(rf'Id="{rel_id.group(1)}"[^>]*Target="([^"]+)"', rels)
    assert target, rel_id.group(1)
    return "xl/" + target.group(1).lstrip("/").removeprefix("xl/")


# ---------------------------------------------------------------- named attacks (issue 11)


def late_flip_in_deflate(dst: Path) -> Path:
    """A byte flipped late in the deflate stream of the visits sheet (the children sheet,
    read first, is intact)."""
    part = sheet_part(zip_members(WORKBOOK), "visits")
    return flip_member_byte(WORKBOOK, dst, part, 0.9)


def bad_crc(dst: Path) -> Path:
    """The visits sheet stored uncompressed with one digit changed after the CRC was taken:
    the XML is well formed, only the checksum says the file is damaged."""
    members = zip_members(WORKBOOK)
    part = sheet_part(members, "visits")
    write_zip(dst, members, stored=(part,))
    offset, length = member_data_span(dst, part)
    raw = bytearray(dst.read_bytes())
    at = raw.index(b"<v>4", offset + length // 2) + 3  # a date serial late in the sheet
    raw[at] = ord("5")
    dst.write_bytes(bytes(raw))
    return dst


def _cut_xml(part_of: Callable[[dict[str, bytes]], str], keep: float) -> Callable[[Path], Path]:
    def attack(dst: Path) -> Path:
        def edit(members: dict[str, bytes]) -> None:
            part = part_of(members)
            members[part] = members[part][: int(len(members[part]) * keep)]

        return edit_members(WORKBOOK, dst, edit)

    return attack


ill_formed_sheet = _cut_xml(lambda m: sheet_part(m, "visits"), 0.6)
ill_formed_workbook = _cut_xml(lambda m: "xl/workbook.xml", 0.8)
ill_formed_rels = _cut_xml(lambda m: "xl/_rels/workbook.xml.rels", 0.7)


def nul_in_cell(dst: Path) -> Path:
    """``&#0;`` (a NUL character, which XML forbids) inside a child's ID."""

    def edit(members: dict[str, bytes]) -> None:
        part = sheet_part(members, "children")
        members[part] = members[part].replace(b"<t>C000019</t>", b"<t>C000&#0;019</t>", 1)

    return edit_members(WORKBOOK, dst, edit)


def shared_string_past_table(dst: Path) -> Path:
    """A shared-string cell whose index is past the end of the shared-string table."""

    def edit(members: dict[str, bytes]) -> None:
        sheet = members["xl/worksheets/sheet1.xml"]
        members["xl/worksheets/sheet1.xml"] = re.sub(
            rb'(<c r="A4" t="s"><v>)\d+(</v>)', rb"\g<1>99999\g<2>", sheet
        )

    return edit_members(SMALL_WORKBOOK, dst, edit)


def no_shared_strings(dst: Path) -> Path:
    """Shared-string cells, but the sharedStrings part is gone."""
    return edit_members(SMALL_WORKBOOK, dst, lambda m: m.pop("xl/sharedStrings.xml"))


def missing_sheet_part(dst: Path) -> Path:
    """The workbook lists the visits sheet but its part is not in the zip."""
    return edit_members(WORKBOOK, dst, lambda m: m.pop(sheet_part(m, "visits")))


# Each names the workbook attack, the file the error must name, and the sheet it must name.
WORKBOOK_ATTACKS: dict[str, tuple[Callable[[Path], Path], str]] = {
    "late_flip_in_deflate": (late_flip_in_deflate, "visits"),
    "bad_crc": (bad_crc, "visits"),
    "ill_formed_sheet": (ill_formed_sheet, "visits"),
    "ill_formed_workbook": (ill_formed_workbook, ""),
    "ill_formed_rels": (ill_formed_rels, ""),
    "nul_in_cell": (nul_in_cell, "children"),
    "shared_string_past_table": (shared_string_past_table, ""),
    "no_shared_strings": (no_shared_strings, ""),
    "missing_sheet_part": (missing_sheet_part, "visits"),
}


# ---------------------------------------------------------------- seeded random mutation

# Fragments a broken tool or an attacker might put into XML.
_XML_TOKENS = (
    b"<",
    b">",
    b"&",
    b"&#0;",
    b"&#x1F;",
    b"&bogus;",
    b"]]>",
    b'"',
    b"</row>",
    b"<row>",
    b'<c r="A1" t="s"><v>999999</v></c>',
    b'<c r="XFD1048576"><v>1</v></c>',
    b'<c r="A2" t="e"><v>#N/A</v></c>',
    b'<c r="B2" t="n"><v>1e309</v></c>',
    b'<c r="B3" t="d"><v>not a date</v></c>',
    b'<c r="C2" t="b"><v>7</v></c>',
    b'<?xml version="1.0"?>',
    b"<!-- -->",
    b"\x00",
    b"\xff\xfe",
)

# Fragments a hand-edited or badly exported CSV might hold.
_CSV_TOKENS = (
    b'"',
    b'""',
    b',"',
    b'",',
    b"\n",
    b"\r",
    b"\r\n",
    b",",
    b",,,,,,,,,,,,",
    b"\xef\xbb\xbf",
    b"\x92",
    b"\xe9\x80",
    b"\x00",
    b"=HYPERLINK(1)",
    b"#N/A",
    b"31/02/2026",
)


def _mutate_bytes(data: bytes, rng: random.Random, tokens: tuple[bytes, ...]) -> bytes:
    """One to three random edits: flip, insert a token, delete or repeat a span, cut."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(max(len(out), 1))
        kind = rng.choice(("flip", "token", "token", "delete", "repeat", "cut"))
        if kind == "flip" and out:
            out[at] ^= 1 << rng.randrange(8)
        elif kind == "token":
            out[at:at] = rng.choice(tokens)
        elif kind == "delete":
            del out[at : at + rng.randint(1, 64)]
        elif kind == "repeat":
            out[at:at] = out[at : at + rng.randint(1, 400)] * rng.randint(1, 3)
        elif kind == "cut" and rng.random() < 0.3:
            del out[at:]
    return bytes(out)


def _long_field(data: bytes, rng: random.Random) -> bytes:
    """A value of over 131,072 characters (the csv module's default field limit) in a row."""
    lines = data.split(b"\n")
    row = rng.randrange(1, max(len(lines) - 1, 2))
    cells = lines[row].split(b",")
    cells[-1] = cells[-1] + b"x" * rng.choice((131_073, 200_000))
    lines[row] = b",".join(cells)
    return b"\n".join(lines)


def mutate_csv(source: Path, dst: Path, rng: random.Random) -> Path:
    data = source.read_bytes()
    choice = rng.random()
    if choice < 0.08:
        data = _long_field(data, rng)
    elif choice < 0.14:  # a UTF-8 marker, then text saved as Windows-1252
        data = b"\xef\xbb\xbf" + data.replace(b"\xef\xbb\xbf", b"") + "Ł’é\n".encode("cp1250")
    elif choice < 0.18:  # many times the rows: a large but honest file
        head, _, body = data.partition(b"\n")
        data = head + b"\n" + body * rng.randint(20, 60)
    else:
        data = _mutate_bytes(data, rng, _CSV_TOKENS)
    dst.write_bytes(data)
    return dst


def mutate_workbook(source: Path, dst: Path, rng: random.Random) -> Path:
    """Byte-level damage to the zip, or XML-level damage to one of its parts."""
    if rng.random() < 0.35:
        if rng.random() < 0.5:
            dst.write_bytes(_mutate_bytes(source.read_bytes(), rng, (b"PK", b"\x00" * 8)))
            return dst
        members = zip_members(source)
        part = rng.choice(list(members))
        return flip_member_byte(source, dst, part, rng.random(), 1 << rng.randrange(8))

    def edit(members: dict[str, bytes]) -> None:
        xml = [name for name in members if name.endswith((".xml", ".rels"))]
        # Mostly the parts a reader parses: sheets, workbook, relationships, strings.
        weighted = [n for n in xml if "sheet" in n or "workbook" in n or "rels" in n or "str" in n]
        part = rng.choice(weighted if rng.random() < 0.85 else xml)
        if rng.random() < 0.1:
            members.pop(part)
        else:
            members[part] = _mutate_bytes(members[part], rng, _XML_TOKENS)

    return edit_members(source, dst, edit)


@dataclass(frozen=True)
class Case:
    """One fuzz case: the input to check, and the file its error must name."""

    seed: int
    kind: str
    target: Path
    file_name: str


def make_case(seed: int, work: Path) -> Case:
    """The seed-th case: a damaged copy of a committed sample, written under ``work``."""
    rng = random.Random(seed)
    work.mkdir(parents=True, exist_ok=True)
    roll = rng.random()
    if roll < 0.15:
        dst = mutate_workbook(WORKBOOK, work / "authority.xlsx", rng)
        return Case(seed, "authority.xlsx", dst, dst.name)
    folder = work / "messy"
    folder.mkdir(exist_ok=True)
    shutil.copy(SMALL_WORKBOOK, folder / SMALL_WORKBOOK.name)
    if roll < 0.4:
        mutate_workbook(SMALL_WORKBOOK, folder / SMALL_WORKBOOK.name, rng)
        return Case(seed, "children.xlsx", folder, SMALL_WORKBOOK.name)
    source = rng.choice(MESSY_CSVS)
    mutate_csv(source, folder / source.name, rng)
    return Case(seed, source.name, folder, source.name)


def check_case(case: Case, csv_out: Path) -> tuple[Outcome, list[str]]:
    outcome = run_check(case.target, csv_out)
    found = problems(outcome, case.file_name)
    if outcome.code == 0 and case.file_name.endswith(".csv"):
        found += record_shortfall(outcome, case.target / case.file_name)
    return outcome, found


def record_shortfall(outcome: Outcome, csv_file: Path) -> list[str]:
    """A CSV must never yield fewer rows than the record starts counted in its bytes."""
    table = csv_file.stem
    starts = len(RECORD_START.findall(csv_file.read_bytes().replace(b"\r", b"\n")))
    read = outcome.counts.get(table, (0, 0, 0))[0]
    return [f"{table}: read {read} rows of a file with {starts} records"] if read < starts else []


# ---------------------------------------------------------------- the long run


def fuzz(cases: int, first_seed: int, work: Path, jobs: int = 1) -> int:
    """Run ``cases`` seeded cases; print counts by outcome, the slowest and largest case.

    ``jobs`` worker processes share the seeds. Every 100 cases a progress line gives the
    counts so far. Peak memory is measured afterwards for the slowest and the largest case
    alone, each in a fresh process (its maximum resident size), so the many cases run at
    full speed and the figure includes what the Rust and Arrow readers allocate outside
    Python's heap.
    """
    outcomes: Counter[str] = Counter()
    failures = 0
    slowest: tuple[float, int] = (0.0, first_seed)
    largest: tuple[int, float, int] = (0, 0.0, first_seed)
    seeds = range(first_seed, first_seed + cases)
    with multiprocessing.get_context("spawn").Pool(jobs, _warm_up, (work,)) as pool:
        results = pool.imap_unordered(_run_seed, [(seed, work) for seed in seeds])
        for done, (seed, kind, code, seconds, size, found) in enumerate(results, 1):
            outcomes[f"exit {code}"] += 1
            if found:
                failures += 1
                print(f"FAILED seed {seed} ({kind}): {'; '.join(found)}", flush=True)
            slowest = max(slowest, (seconds, seed))
            largest = max(largest, (size, seconds, seed))
            if done % 100 == 0:
                print(
                    f"... {done} cases: {', '.join(sorted_counts(outcomes))}; "
                    f"slowest seed {slowest[1]} {slowest[0]:.2f} s; "
                    f"largest seed {largest[2]} {largest[0] / 1e6:.2f} MB {largest[1]:.2f} s",
                    flush=True,
                )
    print(f"{cases} cases from seed {first_seed}: " + ", ".join(sorted_counts(outcomes)))
    print(f"failed: {failures}")
    seconds, seed = slowest
    print(f"slowest: {describe(seed, work)}: {seconds:.2f} s, {peak_memory(seed, work)}")
    size, seconds, seed = largest
    print(
        f"largest: {describe(seed, work)}: {size / 1e6:.2f} MB of input, {seconds:.2f} s, "
        f"{peak_memory(seed, work)}"
    )
    return 1 if failures else 0


def _warm_up(work: Path) -> None:
    """Check the undamaged small workbook once in each new worker, so its first timed case
    is not charged with importing pandas and the readers."""
    folder = work / f"warm{os.getpid()}"
    folder.mkdir(parents=True)
    shutil.copy(SMALL_WORKBOOK, folder / SMALL_WORKBOOK.name)
    run_check(folder, folder / "dq.csv")
    shutil.rmtree(folder)


def _run_seed(job: tuple[int, Path]) -> tuple[int, str, int, float, int, list[str]]:
    """One case in a worker: (seed, kind, exit code, seconds, input bytes, problems)."""
    seed, work = job
    case_dir = work / f"case{seed}"
    case = make_case(seed, case_dir)
    size = sum(p.stat().st_size for p in case_dir.rglob("*") if p.is_file())
    outcome, found = check_case(case, case_dir / "dq.csv")
    shutil.rmtree(case_dir)
    return seed, case.kind, outcome.code, outcome.seconds, size, found


def describe(seed: int, work: Path) -> str:
    case = make_case(seed, work / "describe")
    shutil.rmtree(work / "describe")
    return f"seed {seed} ({case.kind})"


def peak_memory(seed: int, work: Path) -> str:
    """The peak resident memory of checking one case in a fresh process."""
    script = (
        "import resource, sys; from pathlib import Path; "
        "from tests.fuzz_inputs import make_case, run_check; "
        f"case = make_case({seed}, Path(sys.argv[1])); "
        "run_check(case.target, Path(sys.argv[1]) / 'dq.csv'); "
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    folder = work / f"peak{seed}"
    done = subprocess.run(
        [sys.executable, "-c", script, str(folder)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    shutil.rmtree(folder)
    return f"peak {int(done.stdout.split()[-1]) / 1024:.0f} MiB resident"


def sorted_counts(counts: Counter[str]) -> list[str]:
    return [f"{key}: {n}" for key, n in sorted(counts.items())]


if __name__ == "__main__":
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=1, help="worker processes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="caseaudit-fuzz-") as tmp:
        sys.exit(fuzz(args.cases, args.seed, Path(tmp), args.jobs))
