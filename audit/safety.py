"""Safety checks that every input file passes before any reader opens it.

Council exports arrive by email and shared drives, so a file may be renamed, damaged, encrypted,
or deliberately hostile (zip bombs, XML entity expansion). These checks look only at the file's
size, its first bytes and, for workbooks, the zip directory and the start of each XML part, so they
are cheap and never unpack a whole workbook. Every problem becomes a one-line InputError that
names the file and says what to do.
"""

import os
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, NoReturn

from audit.errors import CaseAuditError, InputError
from audit.lazy import msoffcrypto

MiB = 1024 * 1024
GiB = 1024 * MiB


@dataclass(frozen=True)
class SafetyLimits:
    """Size limits for input files; each field can be set in the config file's [limits] section."""

    max_file_bytes: int = 512 * MiB
    """Largest input file accepted, in bytes on disk."""

    max_uncompressed_bytes: int = 2 * GiB
    """Largest total size of a workbook's zip members once unpacked, in bytes."""

    max_compression_ratio: float = 200
    """Largest unpacked-to-packed size ratio, per zip member and for the whole workbook."""


# The readers downstream understand these; both Excel extensions are the same zip format.
_KINDS = {".xlsx": "xlsx", ".xlsm": "xlsx", ".csv": "csv", ".parquet": "parquet"}
_SUPPORTED = ".xlsx, .xlsm, .csv or .parquet"
_EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")

_OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")  # OLE2/CFB: legacy .xls, or an encrypted .xlsx
_PARQUET_MAGIC = b"PAR1"  # at both the start and the end of every Parquet file

_SNIFF_BYTES = 64 * 1024  # how much of a file, or of one XML part, the checks read
_RATIO_MIN_BYTES = 1 * MiB  # below this, compression ratios say nothing about bombs
# Excel writes only these; others (bzip2, lzma) can expand hugely from a small read.
_EXCEL_COMPRESSION = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
# What zipfile and zlib raise for a damaged archive (RuntimeError: a zip-level password).
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    ValueError,
    NotImplementedError,
    RuntimeError,
)


def check_input_file(path: Path, limits: SafetyLimits = SafetyLimits()) -> str:
    """Check that `path` is a safe, supported input file and return its kind.

    The kind is "xlsx" (also for .xlsm), "csv" or "parquet". Raises InputError otherwise.
    """
    name = _display_name(path)
    size = _regular_file_size(path, name)
    suffix = path.suffix.lower()
    kind = _KINDS.get(suffix)
    if kind is None and suffix != ".xls":
        shown = suffix or "no extension"
        raise InputError(
            f"{name}: is not a supported file type ({shown}). "
            f"Use a spreadsheet saved as {_SUPPORTED}."
        )
    if size > limits.max_file_bytes:
        raise InputError(
            f"{name}: is {_megabytes(size)}, over the {_megabytes(limits.max_file_bytes)} "
            f"limit. If the file is genuine, raise max_file_bytes in the [limits] section "
            f"of the config file."
        )
    if size == 0:
        raise InputError(
            f"{name}: is empty (0 bytes). Export it again from the case-management system."
        )

    try:
        with path.open("rb") as f:
            head = f.read(_SNIFF_BYTES)
            # An OLE2 container with an Excel name is an encrypted workbook or a legacy .xls.
            if head.startswith(_OLE_MAGIC) and suffix in _EXCEL_SUFFIXES:
                _reject_ole_workbook(f, name)
            if kind is None:  # .xls: not OLE2 either, e.g. an HTML page saved as .xls
                raise InputError(_legacy_xls_message(name))
            if kind == "xlsx":
                _check_workbook(f, head, name, limits)
            elif kind == "csv":
                _check_csv(head, name)
            else:
                _check_parquet(f, head, size, name)
    except OSError as exc:
        raise InputError(
            f"{name}: cannot be opened ({exc.strerror or type(exc).__name__}). Check you have "
            f"permission to read it and that no other program is locking it, then run again."
        ) from exc
    return kind


def require_defusedxml() -> None:
    """Stop with a clear message if defusedxml is not installed.

    openpyxl switches all of its XML parsing to defusedxml automatically when defusedxml can be
    imported (unless the OPENPYXL_DEFUSEDXML environment variable is set to something other than
    "True"), and silently uses the unprotected standard-library parser when it cannot. So its
    presence is what protects workbook reads, and check_input_file needs it for its DTD scan.
    """
    try:
        import defusedxml  # noqa: F401
    except ImportError as exc:
        raise CaseAuditError(
            "defusedxml is not installed, and caseaudit needs it to read Excel files safely. "
            "Ask IT to reinstall caseaudit with its dependencies, then run again."
        ) from exc


def _display_name(path: Path) -> str:
    """The file name for messages, with control characters (e.g. newlines) made harmless."""
    return printable(path.name or str(path))


def printable(text: str) -> str:
    """`text` with every non-printable character replaced, so a message stays on one line."""
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def _megabytes(n: float) -> str:
    return f"{n / MiB:,.0f} MB" if n >= 10 * MiB else f"{n / MiB:.1f} MB"


def _regular_file_size(path: Path, name: str) -> int:
    """Size of `path`, which must exist and be a regular file (stat only; pipes would block)."""
    try:
        st = path.stat()
    except (FileNotFoundError, NotADirectoryError) as exc:
        folder = printable(str(path.parent.absolute()))
        raise InputError(
            f"{name}: file not found (looked in {folder}). "
            f"Check the file name and folder are correct, then run again."
        ) from exc
    except OSError as exc:
        raise InputError(
            f"{name}: cannot be opened ({exc.strerror or type(exc).__name__}). "
            f"Check you have permission to read it, then run again."
        ) from exc
    if stat.S_ISDIR(st.st_mode):
        raise InputError(
            f"{name}: is a folder, not a file. Give the path of the spreadsheet file itself."
        )
    if not stat.S_ISREG(st.st_mode):
        raise InputError(
            f"{name}: is not an ordinary file (it may be a device or a pipe). "
            f"Save the export as a normal file and run again."
        )
    return st.st_size


def _legacy_xls_message(name: str) -> str:
    return f"{name}: is an old-format .xls workbook. Open it in Excel and save as .xlsx."


def _reject_ole_workbook(f: BinaryIO, name: str) -> NoReturn:
    """Explain an OLE2 file with an Excel name: Excel wraps encrypted .xlsx files in OLE2."""
    if _is_encrypted(f):
        raise InputError(
            f"{name}: is password-protected. Remove the password in Excel (File > Info > "
            f"Protect Workbook > Encrypt with Password, clear it), save, and run again."
        )
    raise InputError(_legacy_xls_message(name))


def _is_encrypted(f: BinaryIO) -> bool:
    try:
        return bool(msoffcrypto.OfficeFile(f).is_encrypted())
    except Exception:
        # msoffcrypto raises assorted errors (FileFormatError, ParseError, even AssertionError)
        # for OLE2 files it cannot classify, e.g. Excel 95 books; those are legacy files.
        return False


def _check_workbook(f: BinaryIO, head: bytes, name: str, limits: SafetyLimits) -> None:
    if not head.startswith(b"PK"):
        raise InputError(
            f"{name}: is not an Excel workbook (it may be another kind of file, such as a PDF, "
            f"renamed to .xlsx). Open it in Excel and save as .xlsx, or export it again."
        )
    damaged = (
        f"{name}: is damaged (not a readable Excel file). "
        f"Export it again from the case-management system."
    )
    try:
        with zipfile.ZipFile(f) as archive:
            members = archive.infolist()
            # Sizes come from the central directory, so a bomb is caught before any unpacking.
            _check_unpacked_sizes(members, name, limits)
            if any(m.compress_type not in _EXCEL_COMPRESSION for m in members):
                raise InputError(damaged)
            if not any(m.filename.lower() == "xl/workbook.xml" for m in members):
                raise InputError(
                    f"{name}: is a zip file but not an Excel workbook. Check you chose the right "
                    f"file, or export it again from the case-management system."
                )
            _check_xml_parts(archive, members, name)
    except _ZIP_ERRORS as exc:
        raise InputError(damaged) from exc


def _check_unpacked_sizes(members: list[zipfile.ZipInfo], name: str, limits: SafetyLimits) -> None:
    """Reject zip bombs using only the sizes the zip directory declares."""
    unpacked = sum(m.file_size for m in members)
    packed = sum(m.compress_size for m in members)
    if unpacked > limits.max_uncompressed_bytes:
        raise InputError(
            f"{name}: would unpack to {_megabytes(unpacked)}, over the "
            f"{_megabytes(limits.max_uncompressed_bytes)} limit; it may be a zip bomb, so it was "
            f"not read. If it is a genuine export, raise max_uncompressed_bytes in the [limits] "
            f"section of the config file."
        )
    # Readers unpack with the same code whatever the member, so the ratio limit applies to each
    # one and, to catch many small members together, to the whole archive.
    sized = [(m.file_size, m.compress_size, f"part {printable(m.filename)}") for m in members]
    sized.append((unpacked, packed, "whole file"))
    for size, compressed, where in sized:
        ratio = size / max(compressed, 1)
        if size >= _RATIO_MIN_BYTES and ratio > limits.max_compression_ratio:
            raise InputError(
                f"{name}: is compressed {ratio:,.0f} times ({where}), over the limit of "
                f"{limits.max_compression_ratio:,.0f}; it may be a zip bomb, so it was not read. "
                f"If it is a genuine export, raise max_compression_ratio in the [limits] section "
                f"of the config file."
            )


def _check_xml_parts(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], name: str) -> None:
    require_defusedxml()
    for member in members:
        if member.filename.lower().endswith((".xml", ".rels")):
            with archive.open(member) as part:
                prefix = part.read(_SNIFF_BYTES)  # bounded: inflates only about this much
            _check_xml_prolog(prefix, name, printable(member.filename))


class _RootReached(Exception):
    """Raised by _StopAtRoot: the prolog, the only place a DTD can be, is over."""


class _StopAtRoot:
    """Parser target that stops parsing at the root element's start tag."""

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        raise _RootReached


def _check_xml_prolog(prefix: bytes, name: str, part: str) -> None:
    """Reject an XML part whose prolog holds a DTD (entity bombs, external entities)."""
    from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
    from defusedxml.ElementTree import DefusedXMLParser, ParseError

    parser = DefusedXMLParser(
        target=_StopAtRoot(), forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    try:
        parser.feed(prefix)
    except _RootReached:
        return
    except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden) as exc:
        raise InputError(
            f"{name}: contains an XML document type declaration (DTD) in {part}, which Excel "
            f"never writes; it may be an attack (XML entity expansion). The file was not read. "
            f"Export it again from the case-management system, or ask IT to check it."
        ) from exc
    except ParseError:
        return  # malformed XML cannot hide a DTD from a parser; the reader will report it
    if len(prefix) == _SNIFF_BYTES:
        # Excel puts the root element within the first few hundred bytes. A prolog this long is
        # padding (comments, whitespace) that could push a DTD past what we read.
        raise InputError(
            f"{name}: has an XML part ({part}) with over 64 KB before its first element, which "
            f"Excel never writes; it may be an attack. The file was not read. "
            f"Export it again from the case-management system, or ask IT to check it."
        )


def _check_csv(head: bytes, name: str) -> None:
    # Excel's "Unicode Text" export is UTF-16; its ASCII characters contain NUL bytes too.
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(
            f"{name}: is saved as UTF-16 ('Unicode Text'), which caseaudit cannot read. "
            f"Open it in Excel, save as 'CSV UTF-8', and run again."
        )
    if b"\x00" in head:
        raise InputError(
            f"{name}: is not a text CSV file (it contains binary data; it may be a workbook or "
            f"another file renamed to .csv). Open it in Excel, save as 'CSV UTF-8', and run again."
        )


def _check_parquet(f: BinaryIO, head: bytes, size: int, name: str) -> None:
    if not head.startswith(_PARQUET_MAGIC):
        raise InputError(
            f"{name}: is not a Parquet file (it does not start with the Parquet marker). "
            f"Check you chose the right file, or export it again."
        )
    # The footer (schema and row groups) is at the end; a cut-short copy loses its closing marker.
    # Smallest possible file: start marker, footer length, end marker.
    if size >= 3 * len(_PARQUET_MAGIC):
        f.seek(-len(_PARQUET_MAGIC), os.SEEK_END)
    if size < 3 * len(_PARQUET_MAGIC) or f.read() != _PARQUET_MAGIC:
        raise InputError(
            f"{name}: is damaged (the Parquet file is incomplete). "
            f"Export it again from the system that produced it."
        )
