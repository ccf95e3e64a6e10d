"""Read a price file into string columns plus the 1-based source line of every row.

Formats are sniffed from the first bytes, not the extension (a ".xls" is often CSV or HTML):
``PK`` is an XLSX, an OpenDocument spreadsheet or a zip archive, ``D0 CF 11 E0`` a legacy XLS,
``<`` an HTML table, anything else CSV. Nothing is lost: a row that cannot be split into the
header's number of fields comes back as a rejected row with its line and raw text; a file that
cannot be read at all raises :class:`~partsearch.errors.PriceFileError` naming the file (and the
line, when there is one).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from partsearch.errors import PriceFileError
from partsearch.loading._xlsx import ZIP_ERRORS

if TYPE_CHECKING:
    from pathlib import Path

    import fastexcel
    import polars as pl

    from partsearch.loading._xlsx import SheetPart
    from partsearch.loading.profiles import SupplierProfile

__all__ = ["RawRows", "read_rows"]

_HEAD_LINES = 60
DELIMITERS = (";", "\t", ",", "|")
QUOTES = ('"', "'")


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
        return _gather(self.raw_buf, self.raw_start[index], self.raw_end[index])


def _gather(buf: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> pa.Array:
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
    read = {"sheet": _read_sheet, "html": _read_html, "csv": _read_csv}[kind]
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
    if data[:8] == _COMPOUND_FILE:
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
    lines = data[: 1 << 16].decode("utf-8", "replace").splitlines()[:_HEAD_LINES]
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


# -- header detection -------------------------------------------------------------------------

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


def header_key(cell: object) -> str:
    """A header cell as headers are matched: case, spacing and a BOM aside."""
    text = "" if cell is None else str(cell)
    return re.sub(r"\s+", " ", text.replace("\ufeff", "")).strip().casefold()


def _named(profile: SupplierProfile) -> dict[str, str]:
    return {f: header_key(v) for f, v in profile.columns.items() if isinstance(v, str)}


def _match_header(cells: list[str], profile: SupplierProfile) -> dict[str, int] | None:
    """field -> column index when ``cells`` names every mapped header, else None."""
    names = [header_key(c) for c in cells]
    found: dict[str, int] = {}
    for fld, want in _named(profile).items():
        if want not in names:
            return None
        found[fld] = names.index(want)
    for fld, pos in profile.columns.items():
        if isinstance(pos, int):
            found[fld] = pos
    return found


def _locate(rows: list[list[str]], profile: SupplierProfile, label: str,
            line_of: list[int]) -> tuple[int | None, dict[str, int]]:
    """(index of the header row or None, field -> column) among the first rows."""
    named = _named(profile)
    if not named:  # positional only: no header row, data after skip_rows
        cols = {f: int(v) for f, v in profile.columns.items()}
        skip = profile.skip_rows if profile.skip_rows is not None else _preamble(rows, cols)
        return (skip - 1 if skip else None), cols
    candidates = range(len(rows)) if profile.skip_rows is None else [profile.skip_rows]
    filled = len(rows)  # (up to the last row holding text: a CSV's head ends in "")
    while filled and not any(c.strip() for c in rows[filled - 1]):
        filled -= 1
    if profile.skip_rows is not None and profile.skip_rows >= filled:
        # ("missing column(s) ; closest header: [...]" named every column, found or not)
        raise PriceFileError(
            f"skip_rows = {profile.skip_rows} skips the whole file ({filled} rows)"
            if len(rows) < _HEAD_LINES else f"skip_rows = {profile.skip_rows} skips past the "
            f"first {len(rows)} rows, where the header is looked for", path=label)
    for i in candidates:
        if i < len(rows) and (found := _match_header(rows[i], profile)) is not None:
            _refuse_twice(rows[i], profile, label, line_of[i] if line_of else None)
            return i, found
    # Name what is missing against the most similar row, so the error is actionable; of rows
    # naming none, the first with the most cells (a header row, not the title above it).
    best = max(rows, key=lambda r: (len({header_key(c) for c in r} & set(named.values())),
                                    sum(1 for c in r if c.strip())), default=[])
    have = {header_key(c) for c in best}
    missing = [profile.columns[f] for f, v in named.items() if v not in have]
    where = line_of[rows.index(best)] if best in rows and line_of else None
    if not missing and profile.skip_rows is not None:
        # (a row naming every column, but not the one skip_rows points at: "missing column(s)
        # ;" named none)
        at = rows.index(best)
        raise PriceFileError(
            f"skip_rows = {profile.skip_rows} "
            f"{'skips the header' if at < profile.skip_rows else 'stops short of the header'}"
            f" (after {at} row(s)): make skip_rows {at}, or leave it out to find the header",
            path=label, line=where)
    raise PriceFileError(
        f"missing column(s) {', '.join(map(repr, missing))}; "
        f"closest header: [{excerpt([c for c in best if c])}]"
        + "".join(f"; {hint}" for hint in _wrapped_hints(rows, missing)), path=label, line=where)


def _wrapped_hints(rows: list[list[str]], missing: list[Any]) -> list[str]:
    """The remedy where a missing name is the first line of a wrapped header cell: a profile
    `partsearch profile` drafted when a CSV's header was cut at the break (``price =
    "Цена,"`` for ``"Цена,\\nруб."``), which the whole cell, one header, now fails."""
    want = {header_key(name) for name in missing}
    wrapped = dict.fromkeys(c for row in rows for c in row if "\n" in c)
    return [f"the header cell {cell!r} is wrapped: name it {' '.join(cell.split())!r}"
            for cell in wrapped if header_key(cell.split("\n", 1)[0]) in want]


def excerpt(cells: list[str], cell: int = 30, whole: int = 100) -> str:
    """``cells`` for an error, quoted and joined by commas, each cut at ``cell`` characters and
    the whole at about ``whole``: a file whose header is not found may have any text for it (a
    binary file's garbled bytes: kilobytes, stored with the load's report and shown by
    ``info``). The price loader's and the cross reader's missing columns say so."""
    cut = [c if len(c) <= cell else c[:cell - 1] + "…" for c in cells]
    text = ", ".join(map(repr, cut))
    return text if len(text) <= whole else text[:whole - 1] + "…"


def _refuse_twice(cells: list[str], profile: SupplierProfile, label: str,
                  line: int | None) -> None:
    """Raise :class:`PriceFileError` when a header the profile maps names two columns or more
    (wholesale and retail both "Цена"): which one the supplier's price is, the name cannot say.
    A duplicated header no field maps is no matter."""
    for fld, at in named_twice(cells, _named(profile)).items():
        ones = ", ".join(str(j + 1) for j in at[:-1]) + f" and {at[-1] + 1}"
        chosen = " or ".join(f"{fld} = {j}" for j in at)
        raise PriceFileError(
            f"header {profile.columns[fld]!r} appears in columns {ones}: map {fld} by "
            f"position ({chosen}, counting from 0; the other fields may keep their names)",
            path=label, line=line)


def named_twice(cells: list[str], named: dict[str, str]) -> dict[str, list[int]]:
    """field -> the columns of ``cells`` its header names (``named``: field -> its header as
    :func:`header_key` gives it), of the fields whose header names two columns or more: the
    load refuses such a name, a profile's draft leaves it out."""
    keys = [header_key(c) for c in cells]
    return {fld: at for fld, want in named.items()
            if len(at := [j for j, key in enumerate(keys) if key == want]) > 1}


def _preamble(rows: list[list[str]], cols: dict[str, int]) -> int:
    """How many of a file's first rows come before its data, when a profile mapping columns by
    position does not say (``skip_rows``): the rows before the first that has the commonest
    number of fields and a number at the price's position (a title, a date, a header row: each
    would be rejected on every load). None such: no row is skipped."""
    import polars as pl

    from partsearch.loading._values import parse_price

    filled = [r for r in rows if any(c.strip() for c in r)]
    if not filled or "price" not in cols:
        return 0
    lengths = [len(r) for r in filled]
    width = max(set(lengths), key=lambda w: (lengths.count(w), w))
    at = cols["price"]
    prices = parse_price(pa.array([r[at] if at < len(r) else None for r in rows],
                                  pa.large_string()))
    # a zero, negative or huge price is a number still: a data row, rejected as such
    number = prices.select(pl.col("kopecks").is_not_null() | pl.col("reason").str.contains(
        "^(zero|negative) price|^price too large")).to_series().to_list()
    first = next((i for i, r in enumerate(rows) if len(r) == width and number[i]), 0)
    # Only a title or a date (few of the mapped cells filled) or the header (the row just
    # before the data, naming the price: a word, not a number) is preamble: a data row whose
    # price is no number ("on request"), whose stray quote cut it short or whose width is
    # another (MANN;W712;100;5;;; above rows without the padding) is rejected or read as
    # ever, never dropped without a word.
    for i in range(first):
        cells = sum(1 for c in cols.values() if c < len(rows[i]) and rows[i][c].strip())
        header = i == first - 1 and at < len(rows[i]) and rows[i][at].strip() and not number[i]
        if 2 * cells > len(cols) and not header:
            return i
    return first


def _check_positions(cols: dict[str, int], width: int | None, label: str) -> None:
    if width is not None:
        for fld, pos in cols.items():
            if pos >= width:
                raise PriceFileError(f"column {fld}={pos} is beyond the {width} columns",
                                     path=label)


# -- CSV --------------------------------------------------------------------------------------

def to_utf8(data: bytes, encoding: str | None, label: str
             ) -> tuple[bytes | np.ndarray, np.ndarray, str]:
    """The file as UTF-8 bytes (a uint8 array from cp1251): strict UTF-8 (BOM dropped), else
    cp1251, KOI8-R or cp866 (the one whose letters read most like Russian, see ``_encoding``;
    cp1251 unless another is clearly so), one codec call each; UTF-16 by its BOM, or without
    one by its NULs; the positions of the stray bytes, each replaced by "?" (the rows holding
    them are rejected): bytes that were not UTF-8 in a file that is UTF-8 but for them, or the
    byte cp1251 leaves undefined; and which encoding the file was read as.

    A file is taken for UTF-8 with stray bytes when its valid multi-byte characters outnumber
    its bad bytes eightfold: a cp1251 file's Cyrillic is almost never valid UTF-8 (a bad byte
    or two a letter), and reading a UTF-8 file with one stray byte as cp1251 had garbled every
    Cyrillic text in it. A file named UTF-8 that does not look so is refused at its first bad
    byte's line."""
    from partsearch.loading._encoding import SAMPLE, single_byte
    from partsearch.loading._transcode import utf8_errors

    named = _codec(encoding) if encoding is not None else None
    utf16 = utf16_codec(data)
    if utf16 is not None and named is not None and not named.startswith("utf16") \
            and b"\0" in data[:_UTF16_HEAD]:  # (a cp1251 file may open with "яю", no NUL)
        # (read as UTF-8 its NULs are valid: its header would just not be found)
        raise PriceFileError(f"the profile names encoding {encoding!r}, but the file is "
                             f"UTF-16 ({utf16[1]}); drop the profile's encoding (it is "
                             "detected)", path=label)
    if encoding is not None and named is not None and named not in ("utf8", "utf8sig"):
        return _decode_named(data, encoding, named, label)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif utf16 is not None and named is None:
        # Excel's "Unicode text": UTF-16 with its BOM (the codec reads the BOM's byte order),
        # or without one (a script's export), as its NULs tell
        codec, why = utf16
        try:
            return (data.decode(codec).encode("utf-8"), _NO_BYTES,
                    "UTF-16" if codec == "utf-16" else codec)
        except UnicodeDecodeError as exc:
            raise PriceFileError(f"not {codec} ({why}): {exc}", path=label) from exc
    try:
        data.decode("utf-8")
        return data, _NO_BYTES, _UTF8
    except UnicodeDecodeError as exc:
        error = exc
    bad, multi = utf8_errors(data, give_up=256)
    if multi >= 8 * bad.size:
        text = np.frombuffer(data, dtype=np.uint8).copy()
        text[bad] = ord("?")
        return text, bad, _UTF8
    if named is not None:
        from partsearch.loading._line_ends import line_at

        guess = single_byte(data[error.start:error.start + SAMPLE])
        byte = data[error.start]
        # (was Python's codec words: "'utf-8' codec can't decode byte 0xc1 in position 0")
        raise PriceFileError(f"the profile names encoding {encoding!r}, but the file is not "
                             f"UTF-8 (byte 0x{byte:02x} is no UTF-8 text; it reads as {guess}): "
                             f"drop the profile's encoding (it is detected) or make it "
                             f"\"{guess}\"", path=label,
                             line=line_at(data, error.start)) from error
    # (from its first bad byte: the head of a file is often all ASCII)
    guessed = single_byte(data[error.start:error.start + SAMPLE])
    if guessed != "cp1251":
        return _decode_named(data, guessed, guessed, label)
    try:
        return (*_from_cp1251(data), "cp1251")
    except UnicodeDecodeError as exc:
        raise PriceFileError("cannot detect the encoding (neither utf-8 nor cp1251)",
                             path=label) from exc


def _decode_named(data: bytes, encoding: str, named: str, label: str
                  ) -> tuple[bytes | np.ndarray, np.ndarray, str]:
    """The file as UTF-8 bytes from single-byte ``encoding`` (``named``: its codec's name, as
    :func:`_codec` gives it), which a profile named or the file's letters told."""
    try:
        _refuse_utf8(data, encoding, label)
        if named == "cp1251":
            return (*_from_cp1251(data), "cp1251")
        return data.decode(encoding).encode("utf-8"), _NO_BYTES, encoding
    except UnicodeDecodeError as exc:
        raise PriceFileError(f"not {encoding}: {exc}", path=label) from exc
    except LookupError as exc:  # (a profile made in Python, not read from a TOML file)
        raise PriceFileError(f"unknown encoding {encoding!r}", path=label) from exc


def utf16_codec(data: bytes) -> tuple[str, str] | None:
    """The codec of ``data`` when it is UTF-16, and what tells so: its BOM, or its NULs."""
    from partsearch.loading._encoding import utf16_order

    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16", "as its BOM says"
    order = utf16_order(data[:_UTF16_HEAD])
    return None if order is None else (order, "no BOM, but a NUL every other byte")


_UTF16_HEAD = 4096  # of a file's bytes, where its NULs would show it UTF-16


def csv_text(data: bytes, encoding: str | None, label: str, quote: str | None = None
             ) -> tuple[bytes | np.ndarray, np.ndarray, str]:
    """:func:`to_utf8`, with a DOS end-of-file mark (``\\x1a``, an old exporter's last byte)
    dropped: a row of its own otherwise, rejected on every load; and a classic Mac file's line
    ends (``_line_ends.mac_lines``; its cells' quotes are ``quote``, '"' when not given), a CR
    alone, read as LF (the same length: the same lines), where its whole text was one line,
    its header not found."""
    from partsearch.loading._line_ends import lone_cr_to_lf, mac_lines

    text, stray, charset = to_utf8(data, encoding, label)
    end = len(text)
    while end and text[end - 1] == 0x1A:
        end -= 1
    if end < len(text):
        text = text[:end]
    buf = np.frombuffer(text, dtype=np.uint8) if isinstance(text, bytes) else text
    if mac_lines(buf, quote):
        text = lone_cr_to_lf(buf)
    return text, stray, charset


def _codec(encoding: str) -> str:
    """The codec ``encoding`` names, as Python names it, without dashes: ``utf-8``, ``UTF8``,
    ``utf_8`` and ``U8`` are all ``utf8``, ``windows-1251`` and ``1251`` are ``cp1251`` (a
    profile may spell its encoding any way Python reads; an alias of UTF-8 taken for another
    encoding had a UTF-8 file refused as "UTF-8 named otherwise"); one Python does not know as
    written, lower-cased (the decoding then names it unknown)."""
    try:
        name = codecs.lookup(encoding).name
    except (LookupError, ValueError):  # (ValueError: a name holding "\0")
        name = encoding.lower()
    return name.replace("-", "")


def _refuse_utf8(data: bytes, encoding: str, label: str) -> None:
    """Raise when a file a profile names in a single-byte ``encoding`` (cp1251) is UTF-8, as its
    head tells (its multi-byte characters outnumber its bad bytes eightfold, as when the
    encoding is detected; a cp1251 text's Cyrillic is almost never valid UTF-8): read so, every
    Cyrillic text would be garbled, its header not found ("missing column(s)") or its
    descriptions published as "РџСЂР°Р№СЃ". Names the line of its first such character."""
    from partsearch.loading._line_ends import line_at
    from partsearch.loading._transcode import utf8_errors

    head = data[:_SNIFF].removeprefix(b"\xef\xbb\xbf")
    bad, multi = utf8_errors(head, give_up=256)
    if not multi or multi < 8 * bad.size:
        return
    at = int(np.argmax(np.frombuffer(head, dtype=np.uint8) >= 0x80))  # (multi: there is one)
    start = max(head.rfind(b"\n", 0, at), head.rfind(b"\r", 0, at)) + 1
    text = re.split(b"[\r\n]", head[start:start + 120])[0]
    raise PriceFileError(
        f"the profile names encoding {encoding!r}, but the file is UTF-8: read as "
        f"{encoding} this line is {text.decode(encoding, 'replace')[:40]!r}, as UTF-8 "
        f"{text.decode('utf-8', 'replace')[:40]!r}; drop the profile's encoding (it is "
        "detected) or make it \"utf-8\"", path=label, line=line_at(head, at))


_SNIFF = 1 << 20  # of a file's bytes, enough to tell UTF-8 by


def _from_cp1251(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """cp1251 as UTF-8, and where its stray bytes are (as "?"): a byte cp1251 leaves undefined
    rejects the rows holding it, as a stray byte does in UTF-8, when such bytes are rare (one
    in eight of the file's non-ASCII bytes at most, as for UTF-8's stray bytes; its Cyrillic
    text makes the rest); more, and the file is not cp1251 (UnicodeDecodeError at the
    first)."""
    from partsearch.loading._transcode import cp1251_strays

    text, strays = cp1251_strays(data)
    if strays.size and 8 * strays.size > np.count_nonzero(
            np.frombuffer(data, dtype=np.uint8) >= 0x80):
        first = data.index(b"\x98")
        raise UnicodeDecodeError("cp1251", data, first, first + 1,
                                 "character maps to <undefined>")
    return text, strays


_NO_BYTES = np.zeros(0, dtype=np.int64)
_UTF8 = "UTF-8"


def _stray_reason(charset: str) -> str:
    """Why a row holding a stray byte is rejected: ``not valid UTF-8 (its bad bytes shown
    as ?)``, or cp1251."""
    return f"not valid {charset} (its bad bytes shown as ?)"


def split_head(lines: list[str], delimiter: str, quote: str) -> list[list[str]]:
    """The fields of each head line, where the header row is looked for. A line the csv
    module refuses (a quoted value the head's line split cut at a carriage return) is split at
    the delimiter: it is a data row, and the records themselves are split quote-aware."""
    out = []
    for ln in lines:
        try:
            out.append(next(csv.reader([ln], delimiter=delimiter, quotechar=quote), []))
        except csv.Error:
            out.append(ln.split(delimiter))
    return out


def head_records(lines: list[str], delimiter: str, quote: str
                 ) -> tuple[list[list[str]], list[int]]:
    """:func:`split_head`'s rows, each line's the record that starts on it, and how many lines
    each spans: a quoted field holding a line break (a header cell whose text Excel wraps,
    ``"Цена,\\nруб."``) is one cell, as the records below the header are split, so long as its
    quote closes within :data:`_RECORD_LINES` lines, followed by a delimiter or the line's
    end, no cell holding a line break holds the delimiter (a wrapped header cell never does;
    a stray quote's swallowed row does), and most records after it fit its width, trailing
    empty fields aside (1C's trailing ``;``), or there are none; else it is taken for a stray
    quote's, and the line alone is the row, as :func:`split_head` gives it: a stray quote in
    a header swallows no data row. The lines after such a record give their own rows still:
    the header is looked for on every line."""
    rows = split_head(lines, delimiter, quote)
    spans = [1] * len(lines)
    for i, ln in enumerate(lines):
        # (a line of closed quotes, most, has an even number of them: no scan)
        if ln.count(quote) % 2 == 0 or (span := _record_span(lines, i, delimiter, quote,
                                                             len(rows[i]))) == 1:
            continue
        try:
            record = next(csv.reader([x + "\n" for x in lines[i:i + span]],
                                     delimiter=delimiter, quotechar=quote))
        except (csv.Error, StopIteration):  # (a NUL byte)
            continue
        if any("\n" in cell and delimiter in cell for cell in record) or not _fit(
                record, lines[i + span:], delimiter, quote):
            continue
        rows[i], spans[i] = record, span
    return rows, spans


def _fit(record: list[str], after: list[str], delim: str, quote: str) -> bool:
    """Whether a multi-line head ``record`` is as wide as most records ``after`` it (or there
    are none), each ignoring its trailing empty fields: two rows are as wide when one may be
    cut or padded with empty fields to the other (1C ends each row, its header's or not, in
    ``;``; a header's last cell may be left to a sub-header row, a row's last cells empty)."""
    try:
        rows = list(csv.reader([ln + "\n" for ln in after], delimiter=delim, quotechar=quote))
    except csv.Error:  # (a NUL byte)
        rows = split_head(after, delim, quote)
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    least, most = _filled(record), len(record)
    return not rows or 2 * sum(max(least, _filled(row)) <= min(most, len(row))
                               for row in rows) >= len(rows)


def _filled(row: list[str]) -> int:
    """A row's fields up to its last one holding text."""
    n = len(row)
    while n and not row[n - 1].strip():
        n -= 1
    return n


def _records(lines: list[str], delimiter: str, quote: str) -> list[list[str]]:
    """The head's records (:func:`head_records`), each once: the lines a record holding a
    quoted line break spans give no rows of their own."""
    rows, spans = head_records(lines, delimiter, quote)
    out, i = [], 0
    while i < len(rows):
        out.append(rows[i])
        i += spans[i]
    return out


_RECORD_LINES = 10  # of a head record's lines at most: a header cell's wrapped text


def _record_span(lines: list[str], i: int, delim: str, quote: str, width: int) -> int:
    """How many lines the record starting on line ``i`` spans (:func:`head_records`), 1 when
    its quoted line break is likely a stray quote's: the quote closes followed by more text,
    or a line inside it holds ``width`` - 1 delimiters (a row swallowed; ``width``: the
    fields of line ``i`` alone), as the split tells a stray quote."""
    in_quotes, opened = False, i
    for k in range(i, min(len(lines), i + _RECORD_LINES)):
        ln, j, at_field_start, inside = lines[k], 0, not in_quotes, 0
        while j < len(ln):
            c = ln[j]
            if in_quotes and c == quote:
                if ln[j + 1:j + 2] == quote:
                    j += 2
                    continue
                in_quotes = False
                # (a space after it is sloppy)
                if opened < k and ln[j + 1:j + 2] not in ("", delim, " "):
                    return 1
            elif in_quotes and c == delim and opened < k:
                inside += 1
                if 0 < width - 1 <= inside:
                    return 1
            elif not in_quotes and c == quote and at_field_start:
                in_quotes, opened = True, k
            at_field_start = not in_quotes and c == delim
            j += 1
        if not in_quotes:
            return k - i + 1
    return 1


def detect_format(lines: list[str], delimiters: Sequence[str] = DELIMITERS
                  ) -> tuple[str, str]:
    """(delimiter, quote) of the pairs of ``delimiters`` and :data:`QUOTES` that splits the
    head's ``lines`` the steadiest: the most records (a quoted field's line break, a wrapped
    header cell's, inside one: :func:`head_records`) into one number of fields; on a tie '"',
    then the delimiter listed first. A quote other than '"' that splits no line otherwise
    than no quote does is none of the file's: it wins no pair (a stray '"' in a '"'-quoted
    file's head makes '"' unsteady, and "'" would reject each of its quoted fields)."""
    def score(dq: tuple[str, str]) -> tuple[int, int]:
        if dq[1] != '"' and all(r == ln.split(dq[0]) for r, ln in zip(
                split_head(lines, *dq), lines, strict=True) if ln):
            return (-1, 0)
        return steadiness(_records(lines, *dq))
    return max(((d, q) for q in QUOTES for d in delimiters), key=score)


def steadiness(rows: list[list[str]]) -> tuple[int, int]:
    """How many rows have the commonest number of fields (above one), and that number."""
    widths = [len(row) for row in rows if any(cell.strip() for cell in row)]
    common = max(set(widths), key=lambda w: (widths.count(w), w), default=0)
    return (widths.count(common), common) if common > 1 else (0, 0)


def _read_csv(data: bytes, profile: SupplierProfile, label: str) -> RawRows:
    """:func:`_split_csv`; a file it cannot read that is no text (a gzip saved as ``.csv``, a
    corrupted download) is named for what it is, where it was "missing column(s)" with its
    garbled bytes for a header. Looked at on failure only: a file read pays nothing."""
    try:
        return _split_csv(data, profile, label)
    except PriceFileError as exc:
        from partsearch.loading._binary import not_text

        kind = not_text(data, utf16=utf16_codec(data) is not None)
        if kind is None or exc.message.startswith("not a text file"):  # (said already)
            raise
        raise PriceFileError(f"not a text file: {kind} (a price file is CSV, XLSX, XLS, ODS, "
                             "HTML or a zip of them)", path=label) from exc


def _split_csv(data: bytes, profile: SupplierProfile, label: str) -> RawRows:
    from partsearch.loading import _csv_kernel as kern

    text, stray, charset = csv_text(data, profile.encoding, label, profile.quote)
    # a NUL byte (none in a text): a crash's zeroed run fails the file, a stray one rejects its
    # row; looked for at memory speed (the file's own bytes where ``text`` is a cp1251 copy)
    nuls = _NO_BYTES
    if (text if isinstance(text, bytes) else data).find(b"\0") >= 0:
        from partsearch.loading._binary import nul_bytes

        nuls = nul_bytes(data, text, label)
    first = bytes(text[: 1 << 16])  # the file's head: the header is looked for here
    head = [ln.decode("utf-8", "replace").rstrip("\r")
            for ln in first.split(b"\n")[:_HEAD_LINES]]
    line_of = list(range(1, len(head) + 1))
    delims = [profile.delimiter] if profile.delimiter else list(DELIMITERS)
    # a quote not given is the file's own, as `partsearch profile` finds it: a "'"-quoted
    # file read with '"' splits each quoted ";" apart and rejects every row
    steadiest, found = detect_format(head, delims)
    quote = profile.quote or found
    if not _named(profile) and not profile.delimiter:
        delims = [_guess_delimiter(head)]
    errors: dict[str, PriceFileError] = {}
    for delim in delims:
        # a header is one record, a cell's wrapped text in it (columns by position: lines)
        rows, spans = head_records(head, delim, quote) if _named(profile) else (
            split_head(head, delim, quote), [1] * len(head))
        try:
            idx, cols = _locate(rows, profile, label, line_of)
            break
        except PriceFileError as exc:
            errors[delim] = exc
    else:
        # what is missing as the file splits: its closest header is the file's own
        raise errors.get(steadiest, errors[delims[0]])
    header = rows[idx] if idx is not None and _named(profile) else None
    width = None if header is None else len(header)
    _check_positions(cols, width, label)
    # (the header's last line, the data's first line after it)
    last = None if idx is None else idx + spans[idx] - 1
    start = _after_line(text, first, last) if last is not None else 0
    used = sorted(set(cols.values()))
    # a header ending in unnamed columns (``Бренд;Артикул;Цена;;;``, a 1C export's): its rows
    # may stop before them (``least`` fields), as such a file's rows do
    least = width if header is None else max(
        [i + 1 for i, cell in enumerate(header) if header_key(cell)] + [max(used) + 1])
    slot_of_col = np.full(max(used) + 1, -1, np.int64)
    for s, c in enumerate(used):
        slot_of_col[c] = s
    buf = np.frombuffer(text, dtype=np.uint8)

    def records(width: int) -> tuple[Any, ...]:
        records: tuple[Any, ...] = kern.split_records(
            buf, start, ord(delim), ord(quote), (last + 2) if last is not None else 1,
            slot_of_col, len(used), width=width, min_width=width if least is None else least)
        return records

    # a file without a header row: its rows' commonest width, guessed from its head for the
    # split (which needs it to tell a stray quote), and split again in the rare file whose
    # rows say otherwise
    if width is not None:
        guess, split_as = width, records(width)
    else:
        # the head split record by record (a description spanning two lines is one row's,
        # not two pieces of another width) and line by line (a stray quote at its start
        # swallows no rows): of two guesses, the one whose split gives more rows that width
        body = head[0 if last is None else last + 1:]
        whole, lines = _head_width(body, delim, quote), steadiness(
            split_head(body, delim, quote))[1] or -1
        guess, split_as = whole, records(whole)
        if lines != whole:
            other = records(lines)
            if np.count_nonzero(other[3] == lines) > np.count_nonzero(split_as[3] == whole):
                guess, split_as = lines, other
    rec_line, rec_start, rec_end, rec_fields, f_start, f_end, out, n = split_as
    if width is None:
        width = _commonest(rec_fields, max(used) + 1)
        if width != guess:
            # a wrong guess cuts right records into pieces, whose widths are no evidence:
            # the rows' width is the commonest of the records split whole, as ever
            width = _commonest(records(-1)[3], max(used) + 1)
        if width <= max(used):
            raise PriceFileError(f"rows have {width} fields, fewer than the mapped columns",
                                 path=label)
        if width != guess:
            rec_line, rec_start, rec_end, rec_fields, f_start, f_end, out, n = records(width)
            rec_fields = rec_fields[:n]
        least = width
    assert least is not None
    good = (rec_fields >= least) & (rec_fields <= width)
    split = good.copy()  # (the rows whose fields split right, UTF-8 or not)
    if stray.size:
        rec_start, rec_end = rec_start[:n], rec_end[:n]
        good &= np.searchsorted(stray, rec_start) == np.searchsorted(stray, rec_end)
    nul = np.zeros(0, bool)
    if nuls.size:
        rec_start, rec_end = rec_start[:n], rec_end[:n]
        nul = np.searchsorted(nuls, rec_start) != np.searchsorted(nuls, rec_end)
        good &= ~nul
    bad = np.flatnonzero(~good)
    def column(col: int) -> pa.Array:
        slot = int(slot_of_col[col])
        return _gather(out, f_start[:n, slot][good], f_end[:n, slot][good])

    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:  # the gather kernel releases the GIL
        columns = dict(zip(cols, pool.map(column, cols.values()), strict=True))
    from partsearch.loading._binary import NUL_REASON

    nul_bad = nul[bad].tolist() if nul.size else [False] * bad.size
    bad_reason = pa.array([NUL_REASON if has_nul else _stray_reason(charset) if ok else
                           f"expected {width} fields; {_UNCLOSED}" if k == kern.UNCLOSED else
                           f"expected {least if k < least else width} fields, found {int(k)}"
                           for k, ok, has_nul in zip(rec_fields[bad].tolist(),
                                                     split[bad].tolist(), nul_bad, strict=True)],
                          type=pa.large_string())
    bad_raw = _gather(buf, rec_start[:n][bad], rec_end[:n][bad])
    if nuls.size:  # (shown as a stray byte is)
        import pyarrow.compute as pc

        bad_raw = pc.replace_substring(bad_raw, "\0", "?")
    return RawRows(
        path=label, columns=columns, line=rec_line[:n][good], raw_buf=buf,
        raw_start=rec_start[:n][good], raw_end=rec_end[:n][good], bad_line=rec_line[:n][bad],
        bad_raw=bad_raw, bad_reason=bad_reason,
        encoding=_detected(profile, charset))


def _detected(profile: SupplierProfile, charset: str) -> str | None:
    """The encoding a text file was read as, when detected: its profile names none, and it is
    not UTF-8."""
    return None if profile.encoding is not None or charset == _UTF8 else charset


_UNCLOSED = "a quote opened here is not closed on this line"


def _head_width(lines: list[str], delim: str, quote: str) -> int:
    """The commonest width of the head's records (-1: none above one field), split as the
    kernel splits them: a quoted field holding a line break is one record's, where splitting
    line by line gives two pieces, and a file whose every description spans two lines would be
    guessed the pieces' width."""
    try:
        rows = list(csv.reader([ln + "\n" for ln in lines], delimiter=delim, quotechar=quote))
    except csv.Error:  # (a NUL byte)
        rows = split_head(lines, delim, quote)
    return steadiness(rows)[1] or -1


def _commonest(fields: np.ndarray, default: int) -> int:
    """The commonest of the records' field counts (cut records, :data:`UNCLOSED`, left out)."""
    whole = fields[fields >= 0]
    return int(np.bincount(whole).argmax()) if whole.size else default


def _after_line(text: bytes | np.ndarray, head: bytes, idx: int) -> int:
    """Byte offset just after the 0-based line ``idx`` (the header) of ``text``, looked for in
    its ``head`` (in the whole text only when the line ends past the head)."""
    pos = _newline(head, idx)
    if pos < 0 and len(head) < len(text):
        pos = _newline(bytes(text), idx)
    return len(text) if pos < 0 else pos + 1


def _newline(data: bytes, idx: int) -> int:
    """Position of the ``idx``-th newline of ``data`` (0-based), -1 when it has fewer."""
    pos = -1
    for _ in range(idx + 1):
        pos = data.find(b"\n", pos + 1)
        if pos < 0:
            return -1
    return pos


def _guess_delimiter(lines: list[str]) -> str:
    """The candidate that splits the most lines into the same (largest) number of fields."""
    def score(d: str) -> tuple[int, int]:
        counts = [ln.count(d) for ln in lines if ln.strip()]
        if not counts or max(counts) == 0:
            return (0, 0)
        mode = max(set(counts), key=counts.count)
        return (counts.count(mode) if mode else 0, mode)
    return max(DELIMITERS, key=score)


# -- spreadsheets and HTML --------------------------------------------------------------------

def _read_sheet(data: bytes, profile: SupplierProfile, label: str) -> RawRows:
    if profile.sheet is not None:  # (a hidden sheet too: it is named)
        return _from_frame(_sheet_rows(data, profile.sheet, label), profile, label)
    # The first visible sheet that has the profile's header (a profile naming none reads the
    # first visible): a workbook may open with a readme or a title sheet, or keep a hidden
    # old price list (for lookups) before the one Excel shows. A sheet but the first is named
    # in its rows' path.
    hidden, names = hidden_sheets(data)
    first: PriceFileError | None = None
    index = 0
    while True:
        if index not in hidden:
            where = label if index == 0 else f"{label}!{names[index]}"
            try:
                return _from_frame(_sheet_rows(data, index, label), profile, where)
            except PriceFileError as exc:
                if first is None and "missing column" not in exc.message:
                    raise  # (a later sheet that cannot be read is no price: the next is tried)
                first = first or exc
        names = names or sheet_names(data)  # (read only when the first sheet is not the one)
        index += 1
        if index >= len(names):
            break
    if first is None:  # (every sheet hidden, as Excel does not let a workbook be)
        return _from_frame(_sheet_rows(data, 0, label), profile, label)
    for index in sorted(hidden):
        try:
            _from_frame(_sheet_rows(data, index, label), profile, label)
        except PriceFileError:
            continue
        raise PriceFileError(
            f"{first.message}; only the hidden sheet {names[index]!r} has the header: "
            f"name it to load it (sheet = {_toml_text(names[index])})", path=label)
    raise first


def _toml_text(value: str) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


def hidden_sheets(data: bytes) -> tuple[set[int], list[str]]:
    """(the indices of the workbook's hidden (or very hidden) sheets: an old price kept for
    lookups, which Excel does not show; its sheets' names, as :func:`sheet_names` gives
    them, when one is hidden, else none: the names cost a read of the workbook, its shared
    strings too). An ODS's sheets, or a workbook's that does not say, are all visible."""
    if data[:2] == b"PK":
        from partsearch.loading._xlsx import hidden_names

        if hidden := hidden_names(data):
            names = sheet_names(data)
            return {i for i, name in enumerate(names) if name in hidden}, names
    elif data[:8] == _COMPOUND_FILE:
        from partsearch.loading._xls_guard import hidden_sheets as states

        if any(flags := states(data) or []):
            names = sheet_names(data)
            if len(flags) == len(names):
                return {i for i, flag in enumerate(flags) if flag}, names
    return set(), []


def _sheet_rows(data: bytes, sheet: int | str, label: str) -> pl.DataFrame:
    """:func:`sheet_cells`, and an XLSX's ``__pad<i>`` columns: the width to which a number
    in column i is shown padded with zeros (see ``_xlsx_zeros``)."""
    from partsearch.loading._xlsx_zeros import zero_padded

    frame = sheet_cells(data, sheet, label, error_text=True)
    pads = zero_padded(data, sheet) if data[:2] == b"PK" else None
    if pads is None:
        return frame
    return frame.join(pads, on="__line", how="left", maintain_order="left")


def sheet_names(data: bytes) -> list[str]:
    """A spreadsheet's sheets, in order (none when fastexcel cannot tell, or a legacy XLS
    would have it allocate past reason: the first sheet's read says what is wrong)."""
    import fastexcel

    from partsearch.loading._xls_guard import xls_problem

    if data[:8] == _COMPOUND_FILE and xls_problem(data) is not None:
        return []
    try:
        return list(fastexcel.read_excel(data).sheet_names)
    except Exception:  # (fastexcel raises its own error classes for every problem)
        return []


def sheet_cells(data: bytes, sheet: int | str, label: str, *,
                error_text: bool = False) -> pl.DataFrame:
    """A spreadsheet's (XLSX, legacy XLS or ODS) sheet as string columns c0, c1, ... from
    column A, and each row's sheet row, ``__line``; a file that cannot be read, or that the
    reader below would have to allocate past reason for, raises :class:`PriceFileError`.
    An error cell (``#N/A``) is its text with ``error_text`` (a price's value that cannot be
    read, rejected), else empty (a cross file's side with no number, rejected: its text
    would be a part number, ``NA``)."""
    from partsearch.loading._xls_guard import xls_problem

    if data[:8] == _COMPOUND_FILE and _ENCRYPTED in data:
        # (an encrypted XLSX is a compound file: "calamine error: Cannot detect file format")
        raise PriceFileError("the workbook is password-protected: save it without a password",
                             path=label)
    problem = xls_problem(data) if data[:8] == _COMPOUND_FILE else None
    if problem is not None:
        raise PriceFileError(f"cannot read spreadsheet: {problem}", path=label)
    try:
        return _sheet_frame(data, sheet, error_text=error_text)
    except Exception as exc:  # fastexcel raises its own error classes for every problem
        raise PriceFileError(f"cannot read spreadsheet: {exc}", path=label) from exc
    except BaseException as exc:
        if type(exc).__name__ != "PanicException":  # (calamine's panic, through pyo3)
            raise
        raise PriceFileError(f"cannot read spreadsheet: {exc}", path=label) from exc


_COMPOUND_FILE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a legacy XLS
#: the stream a password-protected Office file holds (its directory's name, UTF-16)
_ENCRYPTED = "EncryptionInfo".encode("utf-16-le")


def _sheet_frame(data: bytes, sheet: int | str, *, error_text: bool = False) -> pl.DataFrame:
    """A sheet's cells (XLSX or legacy XLS) as string columns c0, c1, ... from column A, and
    each row's sheet row, ``__line``; a large XLSX sheet parsed in two parts at once (see
    ``_xlsx``)."""
    from concurrent.futures import ThreadPoolExecutor

    import polars as pl

    from partsearch.loading._xlsx import SheetPart, SheetTooLarge, sheet_parts

    as_is = SheetPart(data, sheet, 0)
    xlsx = data[:2] == b"PK"  # (else a legacy XLS)
    tried: list[SheetPart] = []
    try:
        # Each part parses on a worker (fastexcel releases the GIL) while the next is inflated.
        with ThreadPoolExecutor(2) as pool:
            loads = []
            for part in sheet_parts(data, sheet) if xlsx else [as_is]:
                tried.append(part)
                loads.append(pool.submit(_load_part, part, error_text))
            frames = [load.result() for load in loads]
    except SheetTooLarge:
        raise  # (not the file as it is either: calamine would allocate its span)
    except Exception:
        if any(part.book is data for part in tried):
            raise  # the file as it is was refused: once is enough
        # a rewritten workbook that fastexcel refuses: the file as it is, or fastexcel's
        # own word on what is wrong with it
        frames = [_load_part(as_is, error_text)]
    return frames[0] if len(frames) == 1 else pl.concat(frames, how="diagonal")


def _load_part(part: SheetPart, error_text: bool = False) -> pl.DataFrame:
    """A part's rows as string columns c0, c1, ... from column A, and their 1-based sheet rows,
    ``__line``. Given a number of rows to skip, fastexcel counts them from the sheet's first
    row, used or not; its columns start at the first used one, which ``absolute_index`` tells."""
    import fastexcel
    import polars as pl

    sheet = fastexcel.read_excel(part.book).load_sheet(
        part.sheet, header_row=None, dtypes="string", skip_rows=part.skip)
    used = sheet.available_columns()
    left = used[0].absolute_index if used else 0
    batch, errors = sheet.to_arrow_with_errors()
    frame = pl.DataFrame(batch)
    if error_text and errors is not None:
        frame = _with_error_cells(frame, errors)
    return frame.select(
        *(pl.lit(None, pl.String).alias(f"c{i}") for i in range(left)),
        *(pl.col(name).alias(f"c{left + i}") for i, name in enumerate(frame.columns)),
        pl.int_range(part.skip + 1, part.skip + 1 + frame.height, dtype=pl.Int64)
        .alias("__line"))


def _with_error_cells(frame: pl.DataFrame, errors: fastexcel.CellErrors) -> pl.DataFrame:
    """``frame`` with its error cells (a broken formula: ``#N/A``, ``#DIV/0!``, ``#REF!``...)
    as the text Excel shows, where fastexcel leaves them empty and reports them apart: an
    empty quantity is unknown stock, an empty delivery the profile's default, so an error
    must be read as a value that cannot be read, as the same text in a CSV is."""
    import polars as pl

    by_column: dict[int, tuple[list[int], list[str]]] = {}
    for error in errors.errors:
        found = _ERROR_DETAIL.search(error.detail)
        if found is None:  # (not an error cell: no text to show for it)
            continue
        row, col = error.offset_position
        rows, texts = by_column.setdefault(col, ([], []))
        rows.append(row)
        texts.append(_ERROR_TEXT.get(found.group(1), f"#{found.group(1).upper()}"))
    columns = frame.get_columns()
    for col, (rows, texts) in by_column.items():
        if col < len(columns):
            columns[col] = columns[col].cast(pl.String).scatter(rows, texts)
    return pl.DataFrame(columns)


#: calamine's error kinds as Excel shows them
_ERROR_TEXT = {"Div0": "#DIV/0!", "NA": "#N/A", "Name": "#NAME?", "Null": "#NULL!",
               "Num": "#NUM!", "Ref": "#REF!", "Value": "#VALUE!",
               "GettingData": "#GETTING_DATA"}
_ERROR_DETAIL = re.compile(r"got 'Error\((\w+)\)'")


def _read_html(data: bytes, profile: SupplierProfile, label: str) -> RawRows:
    import polars as pl

    from partsearch.loading._html import table_rows

    text, stray, charset = to_utf8(data, profile.encoding or declared_charset(data), label)
    if stray.size:  # (stray bytes as U+FFFD, which marks the rows to reject)
        text = data.removeprefix(b"\xef\xbb\xbf").decode(
            "utf-8" if charset == _UTF8 else charset, "replace").encode()
    rows = table_rows(bytes(text).decode("utf-8"))
    if not rows:
        raise PriceFileError("no table in the HTML file", path=label)
    width = max(len(r) for r in rows)
    padded = [r + [""] * (width - len(r)) for r in rows]
    frame = pl.DataFrame(padded, schema=[f"c{i}" for i in range(width)], orient="row")
    if stray.size:
        frame = frame.with_columns(__bad=pl.any_horizontal(pl.all().str.contains("\ufffd")))
    read = _from_frame(frame.with_row_index("__line", offset=1), profile, label,
                       _stray_reason(charset))
    return replace(read, encoding=_detected(profile, charset))


def declared_charset(data: bytes) -> str | None:
    """The one-byte Cyrillic encoding (cp1251, KOI8-R, cp866) an HTML file declares in its
    head (``<meta charset=koi8-r>``, or ``http-equiv`` ``content="text/html;
    charset=koi8-r"``), as a browser or Excel reads it, when the file's bytes decode in it;
    None when it declares none or another (UTF-8 and UTF-16 are detected as such; a Latin one
    is a template's stale header, as is any in a file that is valid UTF-8)."""
    found = _META_CHARSET.search(data[:_META_HEAD])
    if found is None:
        return None
    declared = found.group(1).decode("ascii")
    try:
        name = codecs.lookup(declared).name
    except LookupError:
        return None
    if name not in _DECLARABLE:
        # (UTF-8/16 are detected as such; a Latin one, iso-8859-1 or windows-1252, is a
        # Russian supplier's template left as it was: a cp1251 file so declared was read
        # garbled, where the letters' detection reads it right)
        return None
    try:
        data.decode("utf-8")
        if not data.isascii():
            return None
    except UnicodeDecodeError:
        pass
    try:
        data.decode(name)
    except UnicodeDecodeError:
        return None
    return name


#: the declarations believed: the one-byte Cyrillic encodings the letters' detection chooses
#: among (``_encoding``), which a short file's few letters may not tell apart
_DECLARABLE = frozenset({"cp1251", "koi8-r", "cp866"})
_META_HEAD = 4096  # (the HTML standard's prescan reads 1024 bytes; Excel's exports run longer)
_META_CHARSET = re.compile(rb"<meta\b[^>]*?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)",
                           re.IGNORECASE)


def _from_frame(frame: pl.DataFrame, profile: SupplierProfile, label: str,
                stray_reason: str = "") -> RawRows:
    """Rows of a sheet (string columns and their 1-based lines, ``__line``; rows marked in a
    ``__bad`` column, if any, are rejected for ``stray_reason``)."""
    import polars as pl
    import pyarrow.compute as pc

    from partsearch._arrow import large_text, string_buffers

    names = [c for c in frame.columns if not c.startswith("__")]
    if frame.height == 0 or all(frame.get_column(c).null_count() == frame.height
                                for c in names):
        raise PriceFileError("empty sheet", path=label)
    frame = frame.with_columns(pl.col(names).cast(pl.String))
    lines = frame.get_column("__line").head(_HEAD_LINES).to_list()
    head = [["" if c is None else c for c in r]
            for r in frame.select(names).head(_HEAD_LINES).rows()]
    idx, cols = _locate(head, profile, label, lines)
    _check_positions(cols, len(names), label)
    body = frame.slice(0 if idx is None else idx + 1)
    pad = f"__pad{cols.get('article')}"
    if pad in body.columns:
        # a number formatted with zeros (0000000000) is the article the supplier sees
        article = pl.col(names[cols["article"]])
        body = body.with_columns(pl.when(pl.col(pad).is_not_null()
                                         & article.str.contains(r"^[0-9]+$"))
                                 .then(article.str.zfill(pl.col(pad))).otherwise(article))
    # Entirely empty rows are spacing, not rows (as blank lines in a CSV).
    body = body.filter(~pl.all_horizontal(pl.col(names).is_null() | (pl.col(names) == "")))
    bad = body.filter(pl.col("__bad")) if "__bad" in body.columns else body.clear()
    body = body.filter(~pl.col("__bad")) if "__bad" in body.columns else body

    def raw_of(rows: pl.DataFrame) -> pa.Array:
        return large_text(rows.select(pl.concat_str(pl.col(names).fill_null(""), separator="\t"))
                          .to_series().to_arrow())

    columns = {f: large_text(body.get_column(names[c]).fill_null("").to_arrow())
               for f, c in cols.items()}
    offsets, raw_buf = string_buffers(raw_of(body))
    return RawRows(
        path=label, columns=columns, line=body.get_column("__line").to_numpy().astype(np.int64),
        raw_buf=raw_buf, raw_start=offsets[:-1], raw_end=offsets[1:],
        bad_line=bad.get_column("__line").to_numpy().astype(np.int64),
        bad_raw=pc.replace_substring(raw_of(bad), "\ufffd", "?"),  # (as a CSV row shows them)
        bad_reason=pa.array([stray_reason] * bad.height, pa.large_string()))
