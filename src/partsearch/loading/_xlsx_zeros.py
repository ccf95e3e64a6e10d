"""XLSX number cells whose format pads them with zeros: the supplier sees ``0451103316``.

A Bosch, Sachs or Febi number with a leading zero is often typed into Excel as a number and
given a custom format of zeros only (``0000000000``) so that it shows whole. The cell holds
451103316, which calamine reads; the article is what the supplier sees. The workbook's styles
are looked at once (most have no such format: nothing more is read); where one is there, one
regex pass over the sheet's XML finds the number cells styled with it, their sheet rows and
the format's width each, for the reader to pad the article column's text to (``zfill``).

Formats with literals (``000\\-000``) or decimals are left as they are.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from typing import TYPE_CHECKING
from xml.etree import ElementTree

from partsearch.loading._xlsx import (
    _OFFICE_DOCUMENT,
    _UNREADABLE,
    _column,
    _open,
    _relationships,
    _sheet_member,
)

if TYPE_CHECKING:
    import polars as pl

__all__ = ["zero_padded"]

_STYLES = "/styles"
_ZEROS = re.compile(rb"formatCode=\"0{2,}\"")  # (the cheap look, before the styles are parsed)


def zero_padded(data: bytes, sheet: int | str) -> pl.DataFrame | None:
    """``__line`` (sheet row) and ``__pad<i>`` (for column i from A: the width its zeros
    format pads the row's number to, else null) of the XLSX ``data``'s ``sheet``; None when no
    cell of it is formatted so (or the workbook cannot be looked into: it is read as it is)."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        widths = _zero_styles(zf)
        if not widths:
            return None
        found = _sheet_member(zf, sheet)
        if found is None:
            return None
        info = zf.getinfo(found[0])
        with _open(zf, data, info) as src:
            xml = src.read()
    except _UNREADABLE:
        return None
    ids = b"|".join(str(s).encode() for s in widths)
    cells = re.findall(rb"<(?:\w+:)?c(\s[^>]*?\bs=\"(?:" + ids + rb")\"[^>]*)>", xml)
    return _widths(cells, widths) if cells else None


def _zero_styles(zf: zipfile.ZipFile) -> dict[int, int]:
    """Cell style index -> width, of the workbook's styles whose number format is zeros only."""
    document = next((member for member, kind in _relationships(zf, "", "_rels/.rels").values()
                     if kind.endswith(_OFFICE_DOCUMENT)), None)
    if document is None:
        return {}
    folder, base = posixpath.split(document)
    rels = _relationships(zf, folder, posixpath.join(folder, "_rels", base + ".rels"))
    styles = next((member for member, kind in rels.values() if kind.endswith(_STYLES)), None)
    if styles is None:
        return {}
    xml = zf.read(styles)
    if _ZEROS.search(xml) is None:
        return {}
    root = ElementTree.fromstring(xml)
    formats = {el.get("numFmtId"): len(code)
               for el in root.iterfind("{*}numFmts/{*}numFmt")
               if (code := el.get("formatCode", "")) and code.strip("0") == ""
               and len(code) >= 2}
    return {i: formats[xf.get("numFmtId")]
            for i, xf in enumerate(root.iterfind("{*}cellXfs/{*}xf"))
            if xf.get("numFmtId") in formats}


def _widths(cells: list[bytes], widths: dict[int, int]) -> pl.DataFrame | None:
    """The rows and widths of the styled cells (their attributes ``cells``) that hold numbers:
    a text cell (``t="s"``, ``"str"``, ``"inlineStr"``) shows as it is, whatever its format;
    a cell that does not say where it is (no ``r``) is left as it is."""
    import polars as pl

    attrs = pl.Series("a", cells, dtype=pl.Binary).cast(pl.String)
    found = pl.DataFrame([attrs]).select(
        letters=pl.col("a").str.extract(r"\br=\"([A-Z]{1,3})[0-9]+\""),
        __line=pl.col("a").str.extract(r"\br=\"[A-Z]{1,3}([0-9]+)\"").cast(pl.Int64),
        width=pl.col("a").str.extract(r"\bs=\"([0-9]+)\"").cast(pl.Int64)
        .replace_strict(widths, return_dtype=pl.Int64),
        number=pl.col("a").str.extract(r"\bt=\"(\w+)\"").fill_null("n") == "n",
    ).filter(pl.col("letters").is_not_null() & pl.col("number"))
    if found.height == 0:
        return None
    letters = found.get_column("letters").unique().to_list()  # (a few columns, not rows)
    column = {text: f"__pad{_column(text.encode())}" for text in letters}
    return found.with_columns(pl.col("letters").replace_strict(column)).pivot(
        "letters", index="__line", values="width", aggregate_function="first")

