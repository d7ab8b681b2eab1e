"""Tests for audit.safety: every hostile or broken file is built here, in tmp_path."""

import os
import struct
import zipfile
from pathlib import Path

import msoffcrypto
import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import xlsxwriter
from msoffcrypto.format.ooxml import OOXMLFile

from audit.errors import InputError
from audit.safety import MiB, SafetyLimits, check_input_file

SHEET = "xl/worksheets/sheet1.xml"
SHEET_ROOT = (
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
    b"</sheetData></worksheet>"
)


# --- builders -----------------------------------------------------------------------------------


def write_xlsx(path: Path, rows: int = 3) -> Path:
    """A real workbook written by xlsxwriter, with a few columns of case-record-like data."""
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("Visits")
    sheet.write_row(0, 0, ["child_id", "visit_date", "worker", "notes"])
    for row in range(1, rows + 1):
        sheet.write_row(row, 0, [f"C{row:06d}", "2024-03-01", f"Worker {row % 40}", f"Note {row}"])
    workbook.close()
    return path


def rebuild_xlsx(
    tmp_path: Path, name: str, replace: dict[str, bytes], omit: tuple[str, ...] = ()
) -> Path:
    """A real workbook's zip members, some replaced or left out, rewritten under `name`."""
    source = write_xlsx(tmp_path / "source.xlsx")
    target = tmp_path / name
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for member in src.namelist():
            if member not in omit:
                dst.writestr(member, replace.get(member, src.read(member)))
    return target


def write_zeros_member(archive: zipfile.ZipFile, member: str, size: int, prefix: bytes = b""):
    """Stream `size` zero bytes into a deflated member, so memory and disk stay small."""
    chunk = bytes(MiB)
    with archive.open(member, "w") as out:
        out.write(prefix)
        for _ in range(size // MiB):
            out.write(chunk)


def write_legacy_xls(path: Path) -> Path:
    """A minimal pre-2007 .xls: an OLE2 (CFB v3) container holding a BIFF8 'Workbook' stream.

    Layout (512-byte sectors after the header): 0 = FAT, 1 = directory, 2-9 = Workbook stream.
    """
    free, end_of_chain, fat_sector, no_stream = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    # BIFF8 BOF record (workbook globals, BIFF8 version) then EOF; padded to 4096 bytes so the
    # stream lives in ordinary sectors rather than the mini stream.
    bof = struct.pack("<HH", 0x0809, 16) + struct.pack("<HHHHII", 0x0600, 0x0005, 0, 0, 0, 0)
    workbook = (bof + struct.pack("<HH", 0x000A, 0)).ljust(4096, b"\0")

    fat = [fat_sector, end_of_chain, *range(3, 10), end_of_chain]
    fat += [free] * (128 - len(fat))

    def entry(name: str, kind: int, child: int = no_stream, start: int = 0, size: int = 0):
        raw = name.encode("utf-16-le") + b"\0\0" if name else b""
        return struct.pack(
            "<64sHBBIII16sIQQIQ",
            raw, len(raw), kind, 1, no_stream, no_stream, child, b"", 0, 0, 0, start, size,
        )  # fmt: skip

    directory = (
        entry("Root Entry", 5, child=1, start=end_of_chain)
        + entry("Workbook", 2, start=2, size=len(workbook))
        + entry("", 0) * 2
    )
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        bytes.fromhex("D0CF11E0A1B11AE1"), b"", 0x3E, 3, 0xFFFE, 9, 6, b"",
        0, 1, 1, 0, 4096, end_of_chain, 0, end_of_chain, 0,
    ) + struct.pack("<109I", 0, *[free] * 108)  # fmt: skip
    path.write_bytes(header + struct.pack("<128I", *fat) + directory + workbook)
    return path


def billion_laughs(root: bytes = SHEET_ROOT) -> bytes:
    """An XML part whose DTD defines entities that expand to 10**9 copies of 'lol'."""
    entities = [b'<!ENTITY lol "lol">']
    for level in range(1, 10):
        previous = b"lol" if level == 1 else b"lol%d" % (level - 1)
        entities.append(b'<!ENTITY lol%d "%s">' % (level, (b"&%s;" % previous) * 10))
    return b'<?xml version="1.0"?>\n<!DOCTYPE lolz [' + b"".join(entities) + b"]>\n" + root


def rejected(path: Path, limits: SafetyLimits = SafetyLimits()) -> str:  # noqa: B008
    """The error message check_input_file gives for `path`, checked to be one line naming it."""
    with pytest.raises(InputError) as caught:
        check_input_file(path, limits)
    message = str(caught.value)
    assert "\n" not in message and "\r" not in message
    assert message.startswith(f"{path.name}: ")
    assert caught.value.exit_code == 3
    return message


# --- files that pass ----------------------------------------------------------------------------


def test_real_xlsx_passes(tmp_path: Path) -> None:
    assert check_input_file(write_xlsx(tmp_path / "visits.xlsx")) == "xlsx"


def test_xlsm_and_upper_case_extension_are_workbooks(tmp_path: Path) -> None:
    assert check_input_file(write_xlsx(tmp_path / "visits.xlsm")) == "xlsx"
    assert check_input_file(write_xlsx(tmp_path / "VISITS.XLSX")) == "xlsx"


def test_large_sheet_passes_although_its_xml_is_cut_at_64_kib(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "county.xlsx", rows=5000)
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo(SHEET).file_size > 64 * 1024
    assert check_input_file(path) == "xlsx"


def test_real_csv_passes(tmp_path: Path) -> None:
    path = tmp_path / "visits.csv"
    path.write_text("child_id,visit_date\nC000001,2024-03-01\n", encoding="utf-8-sig")
    assert check_input_file(path) == "csv"


def test_real_parquet_passes(tmp_path: Path) -> None:
    path = tmp_path / "visits.parquet"
    pq.write_table(pa.table({"child_id": ["C000001"], "visit_date": ["2024-03-01"]}), path)
    assert check_input_file(path) == "parquet"


# --- missing, odd and unsupported paths ---------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    message = rejected(tmp_path / "visits.xlsx")
    assert "not found" in message and str(tmp_path) in message


def test_folder_is_not_a_file(tmp_path: Path) -> None:
    folder = tmp_path / "exports.xlsx"
    folder.mkdir()
    assert "is a folder" in rejected(folder)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need POSIX")
def test_pipe_is_not_an_ordinary_file(tmp_path: Path) -> None:
    pipe = tmp_path / "visits.csv"
    os.mkfifo(pipe)
    assert "not an ordinary file" in rejected(pipe)


@pytest.mark.parametrize("name", ["report.pdf", "letter.docx", "notes.txt", "data.json", "README"])
def test_unsupported_extension_lists_supported_ones(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"%PDF-1.4\n")
    message = rejected(path)
    assert "not a supported file type" in message
    assert ".xlsx, .xlsm, .csv or .parquet" in message


def test_control_characters_in_file_name_stay_on_one_line(tmp_path: Path) -> None:
    path = tmp_path / "visits\nexport.pdf"
    path.write_bytes(b"x")
    with pytest.raises(InputError) as caught:
        check_input_file(path)
    assert str(caught.value).startswith("visits?export.pdf: ")


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "visits.csv"
    path.touch()
    assert "is empty" in rejected(path)


def test_file_over_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "visits.csv"
    path.write_text("child_id\n" + "C000001\n" * 200)
    message = rejected(path, SafetyLimits(max_file_bytes=1000))
    assert "max_file_bytes" in message and "[limits]" in message


# --- not really a workbook ----------------------------------------------------------------------


def test_pdf_renamed_to_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "visits.xlsx"
    path.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")
    assert "is not an Excel workbook" in rejected(path)


def test_zip_without_workbook_xml(tmp_path: Path) -> None:
    path = tmp_path / "visits.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("visits.csv", "child_id\nC000001\n")
    assert "is a zip file but not an Excel workbook" in rejected(path)


def test_truncated_xlsx_is_damaged(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "visits.xlsx", rows=500)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert "is damaged (not a readable Excel file)" in rejected(path)


def test_unusual_zip_compression_is_damaged(tmp_path: Path) -> None:
    path = tmp_path / "visits.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_BZIP2) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    assert "is damaged" in rejected(path)


@pytest.mark.parametrize("name", ["visits.xlsx", "visits.xlsm", "visits.xls"])
def test_encrypted_workbook(tmp_path: Path, name: str) -> None:
    plain = write_xlsx(tmp_path / "plain.xlsx")
    path = tmp_path / name
    with plain.open("rb") as source, path.open("wb") as out:
        OOXMLFile(source).encrypt("Secret123", out)
    with path.open("rb") as f:  # the fixture really is what Excel writes for a password
        assert msoffcrypto.OfficeFile(f).is_encrypted()
    message = rejected(path)
    assert "is password-protected" in message and "Encrypt with Password" in message


@pytest.mark.parametrize("name", ["visits.xls", "visits.xlsx"])
def test_legacy_xls(tmp_path: Path, name: str) -> None:
    path = write_legacy_xls(tmp_path / name)
    with path.open("rb") as f:  # msoffcrypto recognises the fixture as an unencrypted .xls
        assert not msoffcrypto.OfficeFile(f).is_encrypted()
    assert "is an old-format .xls workbook" in rejected(path)


def test_xls_extension_is_legacy_whatever_it_holds(tmp_path: Path) -> None:
    # Case-management systems often export HTML tables named .xls.
    path = tmp_path / "visits.xls"
    path.write_text("<html><body><table><tr><td>C000001</td></tr></table></body></html>")
    assert "is an old-format .xls workbook" in rejected(path)


# --- zip bombs ----------------------------------------------------------------------------------


def test_total_unpacked_size_over_limit(tmp_path: Path) -> None:
    path = rebuild_xlsx(tmp_path, "visits.xlsx", {})
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        write_zeros_member(archive, "xl/media/padding.bin", 20 * MiB)
    message = rejected(path, SafetyLimits(max_uncompressed_bytes=10 * MiB))
    assert "zip bomb" in message and "max_uncompressed_bytes" in message


def test_highly_compressed_member_is_a_bomb_caught_before_unpacking(tmp_path: Path) -> None:
    # The bomb is the sheet itself and starts with a DTD: the size check must win, showing
    # the decision came from the zip directory before any of the part was inflated.
    path = rebuild_xlsx(tmp_path, "visits.xlsx", {}, omit=(SHEET,))
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        write_zeros_member(archive, SHEET, 20 * MiB, prefix=billion_laughs(b""))
    message = rejected(path)
    assert "zip bomb" in message and "max_compression_ratio" in message
    assert SHEET in message and "DTD" not in message


def test_many_small_compressed_members_add_up_to_a_bomb(tmp_path: Path) -> None:
    path = rebuild_xlsx(tmp_path, "visits.xlsx", {})
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        for n in range(30):  # each under the 1 MiB floor for per-member ratios
            archive.writestr(f"xl/media/image{n}.bin", bytes(MiB - 1))
    message = rejected(path)
    assert "whole file" in message and "max_compression_ratio" in message


# --- XML entity attacks -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("part", "content"),
    [
        (SHEET, billion_laughs()),
        (
            "_rels/.rels",
            b'<?xml version="1.0"?><!DOCTYPE r SYSTEM "http://attacker.example/x.dtd">'
            b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>',
        ),
        (
            "[Content_Types].xml",
            b'<?xml version="1.0"?><!DOCTYPE t [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b"<Types>&x;</Types>",
        ),
    ],
)
def test_dtd_in_any_xml_part_is_rejected_before_reading(
    tmp_path: Path, part: str, content: bytes
) -> None:
    path = rebuild_xlsx(tmp_path, "visits.xlsx", {part: content})
    message = rejected(path)
    assert "document type declaration (DTD)" in message and "entity" in message
    assert part in message


def test_billion_laughs_never_reaches_a_reader(tmp_path: Path) -> None:
    path = rebuild_xlsx(tmp_path, "visits.xlsx", {SHEET: billion_laughs()})
    # The pipeline order: check first, read only if the check passed. Expanding &lol9; would
    # need gigabytes, so finishing at all shows the check did not expand the entities.
    with pytest.raises(InputError, match="DTD"):
        check_input_file(path)
        openpyxl.load_workbook(path)  # never reached


def test_dtd_hidden_behind_a_long_prolog_is_rejected(tmp_path: Path) -> None:
    declaration = b'<?xml version="1.0"?>'
    padding = b"<!--" + b" " * (70 * 1024) + b"-->"  # comments may come before a DTD
    padded = billion_laughs().replace(declaration, declaration + padding, 1)
    path = rebuild_xlsx(tmp_path, "visits.xlsx", {SHEET: padded})
    assert "before its first element" in rejected(path)


# --- CSV and Parquet that are not what they claim -----------------------------------------------


def test_csv_with_nul_bytes_is_binary(tmp_path: Path) -> None:
    path = tmp_path / "visits.csv"
    path.write_bytes(b"child_id,visit_date\nC000001,\x00\x00\x00\x01\x02\n")
    assert "not a text CSV file" in rejected(path)


def test_workbook_renamed_to_csv_is_binary(tmp_path: Path) -> None:
    path = tmp_path / "visits.csv"
    path.write_bytes(write_xlsx(tmp_path / "visits.xlsx").read_bytes())
    assert "not a text CSV file" in rejected(path)


def test_utf16_csv_is_explained(tmp_path: Path) -> None:
    path = tmp_path / "visits.csv"
    path.write_text("child_id\tvisit_date\nC000001\t2024-03-01\n", encoding="utf-16")
    assert "UTF-16" in rejected(path)


def test_parquet_without_magic(tmp_path: Path) -> None:
    path = tmp_path / "visits.parquet"
    path.write_text("child_id,visit_date\nC000001,2024-03-01\n")
    assert "is not a Parquet file" in rejected(path)


def test_truncated_parquet_is_damaged(tmp_path: Path) -> None:
    path = tmp_path / "visits.parquet"
    pq.write_table(pa.table({"child_id": [f"C{n:06d}" for n in range(1000)]}), path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert "is damaged" in rejected(path)
