"""Read a price file into string columns plus the 1-based source line of every row.

Formats are sniffed from the first bytes, not the extension (a ".xls" is often CSV or HTML):
``PK`` is an XLSX, an OpenDocument spreadsheet or a zip archive, ``D0 CF 11 E0`` a legacy XLS,
``<`` an HTML table, anything else CSV. Nothing is lost: a row that cannot be split into the
header's number of fields comes back as a rejected row with its line and raw text; a file that
cannot be read at all raises :class:`~partsearch.errors.PriceFileError` naming the file (and the
line, when there is one).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from partsearch.errors import PriceFileError
from partsearch.loading._xlsx import ZIP_ERRORS

if TYPE_CHECKING:
    from pathlib import Path

    from partsearch.loading.profiles import SupplierProfile

__all__ = ["RawRows", "read_rows"]

COMPOUND_FILE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a legacy XLS


@dataclass(frozen=True)
class RawRows:
    """Rows of one source file: good rows as string columns, badly split rows apart."""

    path: str
    columns: Mapping[str, pa.Array]  # field -> large_string, one entry per good row
    line: np.ndarray  # int64, 1-based source line of each good row
    raw_buf: np.ndarray  # uint8 bytes; raw text of good row i is raw_buf[raw_start[i]:raw_end[i]]
    raw_start: np.ndarray
    raw_end: np.ndarray
    bad_line: np.ndarray  # rows that could not be split: their lines, raw texts and reasons
    bad_raw: pa.Array
    bad_reason: pa.Array
    # the encoding a text file was read as, where its profile names none and it is not UTF-8
    # (cp1251, koi8-r, cp866, UTF-16: detected), for the load's summary to say
    encoding: str | None = None

    @property
    def rows_read(self) -> int:
        return len(self.line) + len(self.bad_line)

    def raw_for(self, index: np.ndarray) -> pa.Array:
        """Raw source text of the good rows at ``index`` (for rejected rows)."""
        return gather_raw(self.raw_buf, self.raw_start[index], self.raw_end[index])


def gather_raw(buf: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> pa.Array:
    from partsearch.loading import _csv_kernel as kern

    offsets, chars, _valid = kern.gather(buf, starts.astype(np.int64), ends.astype(np.int64))
    return pa.LargeStringArray.from_buffers(len(starts), pa.py_buffer(offsets),
                                            pa.py_buffer(chars))


def read_rows(data: bytes, profile: SupplierProfile, label: str,
              skipped: list[str] | None = None) -> list[RawRows]:
    """Sniff the format of ``data`` and read it; a zip archive gives one entry per price file,
    and adds to ``skipped`` each member it did not read as one (``name: why``)."""
    kind, zf = file_kind(data, label)
    if kind == "zip":
        assert zf is not None
        return _read_zip(zf, profile, label, [] if skipped is None else skipped)
    from partsearch.loading._csv import read_csv
    from partsearch.loading._sheets import read_html, read_sheet

    read = {"sheet": read_sheet, "html": read_html, "csv": read_csv}[kind]
    return [read(data, profile, label)]


def _only_bom(data: bytes) -> bool:
    """Whether ``data`` is a BOM (UTF-8's or UTF-16's) and nothing but blanks: an empty
    export, which would otherwise be missing every column."""
    if len(data) > 64 or not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return False
    rest = data[3:] if data[0] == 0xEF else data[2:].replace(b"\0", b"")
    return not rest or rest.isspace()


def file_kind(data: bytes, label: str) -> tuple[str, zipfile.ZipFile | None]:
    """What ``data`` is: ``sheet`` (XLSX, ODS or a legacy XLS), ``zip`` (an archive, given
    opened), ``html`` (a ".xls" that is an HTML table) or ``csv``; an empty file or a damaged
    zip raises :class:`PriceFileError`."""
    if not data or data.isspace() or _only_bom(data):  # (strip() would copy the whole file)
        raise PriceFileError("empty file", path=label)
    if data[:4] == b"PK\x05\x06":  # (an archive's end record alone: no member before it)
        raise PriceFileError("the zip is empty: it holds no file", path=label)
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):  # (before UTF-16's BOM)
        raise PriceFileError("the file is UTF-32 text: save it as UTF-8 (or cp1251, UTF-16)",
                             path=label)
    if data[:4] == b"PK\x03\x04":
        try:
            zf = zipfile.ZipFile(io.BytesIO(data))
            names = zf.namelist()
        except ZIP_ERRORS as exc:
            raise PriceFileError(f"corrupt zip/xlsx: {exc}", path=label) from exc
        if "[Content_Types].xml" in names or _is_ods(zf, names):
            return "sheet", None
        return "zip", zf
    if data[:8] == COMPOUND_FILE:
        return "sheet", None
    if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<":
        return "html", None
    return "csv", None


def _is_ods(zf: zipfile.ZipFile, names: list[str]) -> bool:
    """Whether the zip is an OpenDocument spreadsheet (LibreOffice's ``.ods``), which fastexcel
    reads as it reads an XLSX."""
    try:
        return "mimetype" in names and zf.read("mimetype").startswith(_ODS)
    except ZIP_ERRORS:
        return False


_ODS = b"application/vnd.oasis.opendocument.spreadsheet"


def _read_zip(zf: zipfile.ZipFile, profile: SupplierProfile, label: str,
              skipped: list[str]) -> list[RawRows]:
    """The price files of an archive. A member that is a price table (:func:`is_table`) and
    cannot be read or mapped fails the whole: its offers would be lost silently; any other
    (a readme, a scan of the contract) is added to ``skipped`` with why."""
    out: list[RawRows] = []
    passed: list[str] = []
    for name, inner, data in zip_members(zf, label, passed):
        try:
            out.extend(read_rows(data, profile, inner, skipped))
        except PriceFileError as exc:
            if is_table(name, data):
                raise
            passed.append(f"{name}: not a price table ({exc.message})")
    if not out:
        detail = "; ".join(passed) or "archive is empty"
        raise PriceFileError(f"no price file in the archive ({detail})", path=label)
    skipped += passed
    return out


def zip_members(zf: zipfile.ZipFile, label: str, passed: list[str]
                ) -> Iterator[tuple[str, str, bytes]]:
    """Each file of an archive, in order, as (its name, ``label!name``, its bytes); an
    archiver's metadata is passed over, noted in ``passed``, and a member that cannot be
    read raises :class:`PriceFileError` naming it. The load and a profile's draft walk an
    archive alike."""
    for info in zf.infolist():
        if info.is_dir():
            continue
        name = member_name(info)
        inner = f"{label}!{name}"
        if _is_metadata(name):
            passed.append(f"{name}: an archiver's metadata, not a file")
            continue
        try:
            data = zf.read(info)
        except ZIP_ERRORS as exc:
            if info.flag_bits & 0x1:  # (said as "File <ZipInfo ...> is encrypted")
                raise PriceFileError("the zip is password-protected: zip it again without a "
                                     "password", path=inner) from exc
            raise PriceFileError(f"corrupt zip member: {exc}", path=inner) from exc
        yield name, inner, data


def member_name(info: zipfile.ZipInfo) -> str:
    """An archive member's name as its archiver wrote it. A name not flagged UTF-8 (bit 11)
    is cp437 by the zip format, and zipfile reads it so; but Windows' archivers write the
    system's DOS code page (cp866 in Russia: ``Прайс/Москва.csv`` read as ``Åαá⌐ß/î«ß¬ó.csv``)
    and macOS's UTF-8, unflagged. Such a name is read as UTF-8 when it is that and holds a
    Cyrillic letter (cp866's letters are never valid UTF-8 that reads as Cyrillic), else as
    cp866 when all its letters past ASCII are then Cyrillic, two in a row at least, and no
    word (a run of letters) mixes them with Latin ones: cp437's ``Köln`` would be ``KФln``,
    ``Größe`` ``GrФсe``; an ASCII name is the same in all of them."""
    name = info.filename
    if info.flag_bits & 0x800 or name.isascii():
        return name
    try:
        raw = name.encode("cp437")
    except UnicodeEncodeError:  # (a name zipfile read otherwise: its metadata_encoding)
        return name
    try:
        if _CYRILLIC.search(utf8 := raw.decode("utf-8")):
            return utf8
    except UnicodeDecodeError:
        pass
    dos = raw.decode("cp866")
    return dos if _ALL_CYRILLIC.fullmatch(dos) and _CYRILLIC_WORD.search(dos) and not any(
        _CYRILLIC.search(w) and _LATIN.search(w) for w in _WORD.findall(dos)) else name


_CYRILLIC = re.compile("[а-яёА-ЯЁ]")
_ALL_CYRILLIC = re.compile("[\x00-\x7f№а-яёА-ЯЁ]*")
_CYRILLIC_WORD = re.compile("[а-яёА-ЯЁ]{2}")
_LATIN = re.compile("[a-zA-Z]")
_WORD = re.compile(r"[^\W\d_]+")


#: a member named so is a price table, whatever is wrong with it
_TABLE_SUFFIXES = (".csv", ".tsv", ".xls", ".xlsx", ".xlsm", ".xlsb", ".ods", ".htm", ".html")
#: a member named so is a text, a table when its head splits as one
_TEXT_SUFFIXES = ("", ".txt", ".dat", ".prn")


def is_table(name: str, data: bytes) -> bool:
    """Whether an archive member is a price table: named as one, or a text (``.txt``, no
    suffix) that is a spreadsheet or splits steadily (two rows or more, most of its first
    rows, into one number of fields, three or more, most of them with a number for a cell),
    as a CSV does and a readme does not."""
    if not data or data.isspace():
        return False  # (an empty file, whatever its name: it holds no offers to lose)
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in _TABLE_SUFFIXES:
        return True
    if suffix not in _TEXT_SUFFIXES:
        return False  # (a readme.pdf, a contract.docx, a logo.png)
    kind = file_kind(data, name)[0]
    if kind != "csv":
        return kind == "sheet"
    from partsearch.loading._csv import detect_format, split_head, steadiness
    from partsearch.loading._header import HEAD_LINES

    lines = data[: 1 << 16].decode("utf-8", "replace").splitlines()[:HEAD_LINES]
    rows = split_head(lines, *detect_format(lines))
    count, width = steadiness(rows)
    # prose splits steadily too, at its commas ("Prices in RUB, VAT included."): a table has
    # three columns or more, and a number for a whole cell (a price) in most of its rows
    numeric = sum(1 for r in rows if len(r) == width and any(_NUMBER.match(c) for c in r))
    return count >= 2 and 2 * count >= sum(1 for ln in lines if ln.strip()) and width >= 3 \
        and 2 * numeric >= count


_NUMBER = re.compile(r"^\s*[-+]?\d[\d\s]*([.,]\d+)?\s*$")


def _is_metadata(name: str) -> bool:
    """An archiver's own member: macOS's ``__MACOSX/`` folder and ``._name`` resource forks."""
    path = PurePosixPath(name)
    return path.parts[:1] == ("__MACOSX",) or path.name.startswith("._")



def unreadable(exc: OSError, path: Path) -> PriceFileError:
    """The error of price file ``path`` that cannot be read, as the OS says, a folder as a
    profile's ``file`` is told."""
    from partsearch.loading.profiles import NOT_A_FILE

    return PriceFileError(NOT_A_FILE if isinstance(exc, IsADirectoryError)
                          else f"cannot read: {exc.strerror or exc}", path=path)


def price_bytes(path: Path) -> tuple[bytes, float]:
    """The bytes of price file ``path`` and its modification time; a FIFO, a device such as
    /dev/null or a socket refused at once, as a profile's ``file`` is (a FIFO's read waited
    for ever under ``partsearch profile`` and ``load_price_file``)."""
    import stat

    from partsearch.loading.profiles import NOT_REGULAR

    try:
        status = path.stat()
        if not stat.S_ISREG(status.st_mode) and not stat.S_ISDIR(status.st_mode):
            raise PriceFileError(NOT_REGULAR, path=path)
        return path.read_bytes(), status.st_mtime
    except OSError as exc:
        raise unreadable(exc, path) from exc
