"""A large XLSX worksheet parsed in two parts at once.

calamine, under fastexcel, parses a sheet on one thread. A large sheet's rows are cut at a row
tag a little before the middle into two workbooks. The first is handed out as soon as its rows
are inflated, so fastexcel parses it (releasing the GIL) while the rest is inflated; the second
is loaded skipping the rows above its first (fastexcel counts rows to skip from the sheet's
first, and a sheet's rows are in ascending order). The first part ends its sheet right after its
rows: what follows them (merged cells, page setup, ...) holds no values.

Anything unusual (a sheet that is not found through the workbook's relationships, a chart sheet
among the sheets when the sheet is asked for by index, no row number at the cut) keeps the file
as it is, in one part.
"""

from __future__ import annotations

import io
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any
from xml.etree import ElementTree

__all__ = ["MAX_CELLS", "ZIP_ERRORS", "SheetPart", "SheetTooLarge", "hidden_names", "sheet_parts"]

SPLIT_BYTES = 4 << 20  # sheet XML from which a second thread pays for itself
_FIRST_SHARE = 0.45  # of the rows go to the first part, which starts parsing earlier

_ROOT = re.compile(rb"<(\w+:)?worksheet\b")
_SHEET_DATA = re.compile(rb"<(\w+:)?sheetData\b[^>]*>")
_ROW_NUMBER = re.compile(rb"\sr=\"(\d+)\"")
_WORKSHEET = "/worksheet"
_OFFICE_DOCUMENT = "/officeDocument"


@dataclass(frozen=True)
class SheetPart:
    """A workbook holding part of the sheet's rows. Its sheet is loaded by ``sheet`` (a name in
    a part of a split sheet), skipping the ``skip`` sheet rows above the part."""

    book: bytes
    sheet: int | str
    skip: int


def sheet_parts(data: bytes, sheet: int | str) -> Iterator[SheetPart]:
    """The parts to load in place of ``data``'s sheet: two when its XML is :data:`SPLIT_BYTES`
    or more (the first handed out before the second is inflated), else ``data`` as it is.
    Raises :class:`SheetTooLarge` first when the sheet spans past :data:`MAX_CELLS`."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        found = _sheet_member(zf, sheet)
        if found is not None:
            member, name = found
            info = zf.getinfo(member)
            _check_extent(zf, data, info)
            if info.file_size < SPLIT_BYTES:
                found = None
            else:
                others = [(i, zf.read(i)) for i in zf.infolist()
                          if i.filename != member and not i.is_dir()]
    except _UNREADABLE:
        found = None  # fastexcel reads the file as it is and says what is wrong with it
    if found is None:
        yield SheetPart(data, sheet, 0)
        return
    with _open(zf, data, info) as src:
        first = src.read(int(info.file_size * _FIRST_SHARE))
        marks = _marks(first)
        cut = None if marks is None else _last_row_start(first, marks[2], marks[0])
        if marks is None or cut is None:
            yield SheetPart(data, sheet, 0)
            return
        begin, root, rows = marks
        at, number = cut
        view = memoryview(first)
        close = b"</%ssheetData></%sworksheet>" % (rows, root)
        yield SheetPart(_book(others, member, (view[:at], close)), name, 0)
        rest = src.read()
        yield SheetPart(_book(others, member, (view[:begin], view[at:], rest)), name, number - 1)


class SheetTooLarge(Exception):
    """The sheet's cells span a table past :data:`MAX_CELLS`: calamine allocates the table
    whole (32 bytes a cell) before it reads a cell, and aborts the process when it cannot (a
    single value at XFD1048576 asks for 512 GiB)."""


MAX_CELLS = 1 << 26  # 2 GiB of calamine's cells: 1M rows of 64 columns
#: what zipfile raises on a damaged archive: its own error, or that of the layer below it
ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, OSError, RuntimeError, EOFError, ValueError)
_UNREADABLE = (*ZIP_ERRORS, KeyError, ElementTree.ParseError)  # (and a part or XML missing)
_HEAD = 1 << 16  # of a sheet's XML, where its dimension is
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*?\sref=\"([A-Z]{1,3})(\d+)"
                        rb"(?::([A-Z]{1,3})(\d+))?\"")
_VALUE_CELL = re.compile(rb"<(?:\w+:)?c\b[^>/]*?\sr=\"([A-Z]{1,3})(\d+)\"[^>/]*>")


def _check_extent(zf: zipfile.ZipFile, data: bytes, info: zipfile.ZipInfo) -> None:
    """Raise :class:`SheetTooLarge` when the sheet ``info`` spans more than :data:`MAX_CELLS`:
    by its dimension, as its writer recorded it; where that is missing or past the limit, by
    its cells that are not empty (a cell of formatting alone holds no value)."""
    with _open(zf, data, info) as src:
        xml = src.read(_HEAD)
        dimension = _DIMENSION.search(xml)
        if dimension is not None and _area(*dimension.groups()) <= MAX_CELLS:
            return
        xml += src.read()
    refs = _VALUE_CELL.findall(xml)
    if not refs:
        return
    cols = [_column(c) for c, _ in refs]
    rows = [int(r) for _, r in refs]
    area = (max(rows) - min(rows) + 1) * (max(cols) - min(cols) + 1)
    if area > MAX_CELLS:
        far = max(refs, key=lambda ref: (_column(ref[0]), int(ref[1])))
        raise SheetTooLarge(
            f"its cells span {max(rows) - min(rows) + 1} rows and {max(cols) - min(cols) + 1} "
            f"columns (a value at {far[0].decode()}{far[1].decode()}?), past the "
            f"{MAX_CELLS:,} cells a sheet may span")


def _area(first_col: bytes, first_row: bytes, last_col: bytes | None,
          last_row: bytes | None) -> int:
    if last_col is None or last_row is None:
        return 1
    return ((abs(int(last_row) - int(first_row)) + 1)
            * (abs(_column(last_col) - _column(first_col)) + 1))


def _column(letters: bytes) -> int:
    """0-based column of Excel letters: A -> 0, Z -> 25, AA -> 26."""
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number - 1


def _open(zf: zipfile.ZipFile, data: bytes, info: zipfile.ZipInfo) -> IO[bytes] | _Inflated:
    """A reader of the member ``info``: a deflated one inflated by ISA-L where it is installed
    (~2.5x zlib's speed: 0.08 s against 0.2 s for a 200K-row sheet's 75 MB of XML, which the
    second part waits for), else by zipfile."""
    try:
        from isal import isal_zlib
    except ImportError:  # (a platform without its wheels: zlib, through zipfile)
        return zf.open(info)
    local = data[info.header_offset:info.header_offset + 30]
    if (info.compress_type != zipfile.ZIP_DEFLATED or info.flag_bits & 1
            or len(local) < 30 or local[:4] != b"PK\x03\x04"):
        return zf.open(info)
    name_len, extra_len = struct.unpack("<HH", local[26:30])
    start = info.header_offset + 30 + name_len + extra_len
    return _Inflated(memoryview(data)[start:start + info.compress_size], info, isal_zlib)


class _Inflated:
    """A deflated member read as it inflates, its size and CRC checked at its end (as
    zipfile checks them)."""

    def __init__(self, raw: memoryview, info: zipfile.ZipInfo, codec: Any) -> None:
        self._raw: Any = raw  # what is left to inflate; None at the end
        self._info, self._codec = info, codec
        self._inflate = codec.decompressobj(-15)
        self._size = self._crc = 0

    def __enter__(self) -> _Inflated:
        return self

    def __exit__(self, *_: object) -> None:
        self._raw = None

    def read(self, size: int = -1) -> bytes:
        if self._raw is None or size == 0:  # (zlib reads a limit of 0 as none)
            return b""
        if 0 <= size < self._info.file_size - self._size:
            out = bytes(self._inflate.decompress(self._raw, size))
            self._raw = self._inflate.unconsumed_tail
        else:
            out = bytes(self._inflate.decompress(self._raw)) + self._inflate.flush()
            self._raw = None
        self._size += len(out)
        self._crc = self._codec.crc32(out, self._crc)
        if self._raw is None and (self._size != self._info.file_size
                                  or self._crc != self._info.CRC):
            raise zipfile.BadZipFile(f"bad CRC or size of {self._info.filename}")
        return out


def _marks(head: bytes) -> tuple[int, bytes, bytes] | None:
    """(offset just after the sheetData tag, the root's and the rows' namespace prefixes) in
    the start of a sheet's XML; None without an open sheetData tag (no rows)."""
    root, data_tag = _ROOT.search(head), _SHEET_DATA.search(head)
    if root is None or data_tag is None or data_tag.group(0).endswith(b"/>"):
        return None
    return data_tag.end(), root.group(1) or b"", data_tag.group(1) or b""


def _last_row_start(xml: bytes, prefix: bytes, begin: int) -> tuple[int, int] | None:
    """(offset, sheet row) of the last row tag in ``xml`` after ``begin`` whose tag is whole;
    None when there is none or it does not say its row (a row without ``r`` is numbered by its
    place, which the second part would not know)."""
    tag = b"<" + prefix + b"row"
    at = len(xml)
    while (at := xml.rfind(tag, begin, at)) >= 0:
        after = xml[at + len(tag):at + len(tag) + 1]
        close = xml.find(b">", at)
        if after in (b" ", b">", b"\t", b"\n", b"\r") and close >= 0:
            number = _ROW_NUMBER.search(xml, at, close)
            return None if number is None else (at, int(number.group(1)))
    return None


def _book(others: list[tuple[zipfile.ZipInfo, bytes]], member: str,
          pieces: tuple[bytes | memoryview, ...]) -> bytes:
    """A workbook of ``others`` and ``member`` written from ``pieces``, stored (not deflated:
    it is read once, right away)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as book:
        for info, body in others:
            book.writestr(info.filename, body)
        size = sum(len(p) for p in pieces)
        with book.open(member, "w", force_zip64=size >= 1 << 31) as sheet:
            for piece in pieces:
                sheet.write(piece)
    return out.getvalue()


def _sheet_member(zf: zipfile.ZipFile, sheet: int | str) -> tuple[str, str] | None:
    """(zip member, sheet name) of the worksheet ``sheet`` (a name or a 0-based index in the
    workbook's order), found through the package's relationships."""
    document = next((member for member, kind in _relationships(zf, "", "_rels/.rels").values()
                     if kind.endswith(_OFFICE_DOCUMENT)), None)
    if document is None:
        return None
    folder, base = posixpath.split(document)
    rels = _relationships(zf, folder, posixpath.join(folder, "_rels", base + ".rels"))
    sheets = [(el.get("name"), rels.get(_rel_id(el) or ""))
              for el in ElementTree.fromstring(zf.read(document)).iterfind(".//{*}sheet")]
    if isinstance(sheet, str):
        chosen = [s for s in sheets if s[0] == sheet]
    elif all(rel is not None and rel[1].endswith(_WORKSHEET) for _, rel in sheets):
        chosen = sheets[sheet:sheet + 1] if sheet >= 0 else []
    else:
        # calamine counts sheets in the workbook's order; whether a chart sheet counts is its
        # own business, so an index is only trusted among worksheets.
        return None
    if len(chosen) != 1:
        return None
    name, rel = chosen[0]
    if name is None or rel is None or not rel[1].endswith(_WORKSHEET):
        return None
    return rel[0], name


def hidden_names(data: bytes) -> set[str] | None:
    """The names of the workbook's hidden (and very hidden) sheets, by their ``state`` in the
    workbook part; None when it cannot be found (fastexcel says what is wrong)."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        document = next((member for member, kind in _relationships(zf, "", "_rels/.rels")
                         .values() if kind.endswith(_OFFICE_DOCUMENT)), None)
        if document is None:
            return None
        sheets = ElementTree.fromstring(zf.read(document)).iterfind(".//{*}sheet")
        return {el.get("name", "") for el in sheets
                if el.get("state") in ("hidden", "veryHidden")}
    except _UNREADABLE:
        return None


def _rel_id(el: ElementTree.Element) -> str | None:
    return next((v for k, v in el.attrib.items() if k.endswith("}id")), None)


def _relationships(zf: zipfile.ZipFile, folder: str, part: str) -> dict[str, tuple[str, str]]:
    """Id -> (zip member, type) of the relationships part ``part`` (targets relative to
    ``folder``)."""
    out = {}
    for rel in ElementTree.fromstring(zf.read(part)).iterfind("{*}Relationship"):
        rid, target = rel.get("Id"), rel.get("Target")
        if rid is None or target is None or rel.get("TargetMode") == "External":
            continue
        member = (target.lstrip("/") if target.startswith("/")
                  else posixpath.normpath(posixpath.join(folder, target)))
        out[rid] = (member, rel.get("Type", ""))
    return out
