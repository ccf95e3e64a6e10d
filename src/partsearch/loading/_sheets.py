"""A spreadsheet (XLSX, XLS, ODS through fastexcel) or an HTML table price file read into rows:
the sheet that has the profile's header (the first visible one unless the profile names one),
Excel's error cells as Excel shows them, and the header found as a CSV's is."""

from __future__ import annotations

import codecs
import re
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from partsearch.errors import PriceFileError
from partsearch.loading._csv import UTF8, detected_encoding, stray_reason, to_utf8
from partsearch.loading._header import HEAD_LINES, check_positions, locate
from partsearch.loading._readers import COMPOUND_FILE, RawRows

if TYPE_CHECKING:
    import fastexcel
    import polars as pl

    from partsearch.loading._xlsx import SheetPart
    from partsearch.loading.profiles import SupplierProfile

__all__ = ["declared_charset", "hidden_sheets", "read_html", "read_sheet", "sheet_cells",
           "sheet_names"]


def read_sheet(data: bytes, profile: SupplierProfile, label: str) -> RawRows:
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
    elif data[:8] == COMPOUND_FILE:
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

    if data[:8] == COMPOUND_FILE and xls_problem(data) is not None:
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

    if data[:8] == COMPOUND_FILE and _ENCRYPTED in data:
        # (an encrypted XLSX is a compound file: "calamine error: Cannot detect file format")
        raise PriceFileError("the workbook is password-protected: save it without a password",
                             path=label)
    problem = xls_problem(data) if data[:8] == COMPOUND_FILE else None
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


def read_html(data: bytes, profile: SupplierProfile, label: str) -> RawRows:
    import polars as pl

    from partsearch.loading._html import table_rows

    text, stray, charset = to_utf8(data, profile.encoding or declared_charset(data), label)
    if stray.size:  # (stray bytes as U+FFFD, which marks the rows to reject)
        text = data.removeprefix(b"\xef\xbb\xbf").decode(
            "utf-8" if charset == UTF8 else charset, "replace").encode()
    rows = table_rows(bytes(text).decode("utf-8"))
    if not rows:
        raise PriceFileError("no table in the HTML file", path=label)
    width = max(len(r) for r in rows)
    padded = [r + [""] * (width - len(r)) for r in rows]
    frame = pl.DataFrame(padded, schema=[f"c{i}" for i in range(width)], orient="row")
    if stray.size:
        frame = frame.with_columns(__bad=pl.any_horizontal(pl.all().str.contains("\ufffd")))
    read = _from_frame(frame.with_row_index("__line", offset=1), profile, label,
                       stray_reason(charset))
    return replace(read, encoding=detected_encoding(profile, charset))


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
    lines = frame.get_column("__line").head(HEAD_LINES).to_list()
    head = [["" if c is None else c for c in r]
            for r in frame.select(names).head(HEAD_LINES).rows()]
    idx, cols = locate(head, profile, label, lines)
    check_positions(cols, len(names), label)
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
