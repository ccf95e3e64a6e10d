"""A CSV's line ends: LF, CRLF or a CR alone (a classic Mac file), told by those outside quotes,
so that a line break inside a quoted cell stays in its cell whatever the rows end in."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partsearch.errors import PriceFileError
from partsearch.loading import SupplierProfile, load_price_file
from partsearch.loading._line_ends import mac_lines

COLS = {"brand": "Brand", "article": "Article", "description": "Name", "price": "Price"}
HEADER = "Brand;Article;Name;Price"


def _load(path: Path, **kw: Any) -> Any:
    report = load_price_file(SupplierProfile(code="T", name="T", file=path,
                                             **{"columns": COLS, **kw}))
    assert report.rows_read == report.offers.num_rows + report.rejected.num_rows
    return report


@pytest.mark.parametrize(("text", "mac"), [
    # a Mac Excel export: rows end in CR, a cell's line break is an LF
    (f'{HEADER}\r"MANN";W1;"a\nb";100\rMANN;W2;x;200\r', True),
    (f'{HEADER}\rMANN;W1;"a\r\nb";1\rMANN;W2;x;2\r', True),  # (a CRLF in a cell)
    (f"{HEADER}\r" + "MANN;W1;a;1\r" * 21 + "MANN;W4;y;4\n", True),  # (then an LF: rare)
    # CRs alone the more, but no rule: rows' ends among them (the files loaded right before
    # a Mac file was told, split as one, cut each row apart)
    (f"{HEADER}\rMANN;W1;a;1\rMANN;W2;c;2\rMANN;W3;x;3\nMANN;W4;y;4\n", False),
    (f"{HEADER}\nMANN;W1;a\rb\rc;1\nMANN;W2;d\re\rf;2\n", False),  # (CRs in unquoted cells)
    (f"{HEADER}\r\r\nMANN;W1;a\rb;1\r\r\nMANN;W2;b;2\r\r\n", False),  # (one CR in a cell)
    (f"{HEADER}\r\r\r\nMANN;W1;a;1\r\r\r\nMANN;W2;b;2\r\r\r\n", False),
    (f'{HEADER}\r\nMANN;W1;"a\nb";1\r\nMANN;W2;"c\nd";2\r\n', False),  # (Windows Excel)
    (f'{HEADER}\nMANN;W1;"a\rb";1\nMANN;W2;"c\rd";2\n', False),  # (a CR in a cell)
    (f"{HEADER}\nMANN;W1;a\r;1\nMANN;W2;x;2\n", False),  # (a stray CR in a cell)
    (f'{HEADER}\rMANN;W1;3/4";1\rMANN;W2;1/2";2\r', True),  # (inch marks open no quote)
    (f'"{HEADER}\rMANN;W1;x;1\r', True),  # (all in a quote left open: all line ends)
    (f"{HEADER}\nMANN;W1;x;1\n", False),
])
def test_line_ends_are_told_outside_quotes(text: str, mac: bool) -> None:
    assert mac_lines(text.encode()) is mac


@pytest.mark.parametrize("at", [1, 3, 1500])
def test_a_mac_file_with_a_line_break_in_a_cell_loads(tmp_path: Path, at: int) -> None:
    # one LF in a quoted cell, anywhere (row 1,500 of 2,000: past the 64 KiB head), made the
    # whole file one line: "missing column(s) 'Price'; closest header: [..., 'Price\r"MANN"']"
    cell = '"a\nb"'
    rows = [f"MANN;W{i};{cell if i == at else 'фильтр ' * 6};{i + 1}" for i in range(2000)]
    path = tmp_path / "mac.csv"
    path.write_bytes(("\r".join([HEADER, *rows]) + "\r").encode("cp1251"))
    report = _load(path)
    assert report.offers.num_rows == 2000
    assert report.offers.column("description")[at].as_py() == "a\nb"
    lines = report.offers.column("line").to_pylist()
    # the cell's break is a line, as in an LF file: the rows after it one line further down
    assert lines[at - 1:at + 2] == [at + 1, at + 2, at + 4]


def test_the_audits_mac_file(tmp_path: Path) -> None:
    path = tmp_path / "cr.csv"
    path.write_bytes(b'Brand;Article;Name;Price\r"MANN";W1;"a\nb";100\rMANN;W2;x;200\r')
    report = _load(path)
    assert report.offers.column("article").to_pylist() == ["W1", "W2"]
    assert report.offers.column("description").to_pylist() == ["a\nb", "x"]
    assert report.offers.column("line").to_pylist() == [2, 4]


_CELL = st.lists(st.sampled_from(["a", "бв", " ", ";", '"', "3/4", "\n", "\r", "\r\n"]),
                 max_size=8).map("".join)


@settings(max_examples=150, deadline=None)
@given(st.lists(_CELL, min_size=1, max_size=6), st.sampled_from(["\n", "\r\n", "\r"]))
def test_a_quoted_break_stays_in_its_cell(tmp_path_factory: pytest.TempPathFactory,
                                          cells: list[str], end: str) -> None:
    """Whatever the rows end in and the cells hold, each quoted cell is read back whole, on the
    line it starts on: a line break in a cell is a line, an LF (in a CR file, a CR alone too,
    which reads as an LF there, a classic Mac file's line break)."""
    def quoted(cell: str) -> str:
        return '"' + cell.replace('"', '""') + '"'

    path = tmp_path_factory.mktemp("ends") / "p.csv"
    rows = [f"MANN;A{i};{quoted(cell)};{i + 1}" for i, cell in enumerate(cells)]
    path.write_bytes((end.join([HEADER, *rows]) + end).encode())
    report = _load(path)
    as_read = [re.sub("\r(?!\n)", "\n", c) if end == "\r" else c for c in cells]
    assert report.offers.column("description").to_pylist() == [c.strip() for c in as_read]
    breaks = [c.count("\n") for c in as_read]
    assert report.offers.column("line").to_pylist() == [
        2 + i + sum(breaks[:i]) for i in range(len(cells))]



@pytest.mark.parametrize(("end", "cells"), [
    ("\r\r\n", ["a\rb", "a", "a", "a", "a"]), ("\r\r\r\n", ["a"] * 5),
    ("\n", ["a\rb\rc"] * 5), ("\r\n", ["a\rb\rc"] * 5)])
def test_a_file_of_more_lone_crs_than_line_ends_is_no_mac_file(tmp_path: Path, end: str,
                                                                cells: list[str]) -> None:
    # split as a Mac file, by a majority of its CRs, each row was cut apart and rejected
    path = tmp_path / "p.csv"
    rows = [f"MANN;W{i};{cell};{i + 1}" for i, cell in enumerate(cells)]
    path.write_bytes((end.join([HEADER, *rows]) + end).encode())
    report = _load(path)
    assert report.offers.column("article").to_pylist() == [f"W{i}" for i in range(5)]
    assert report.rejected.num_rows == 0

def test_a_mac_file_named_utf8_that_is_not_names_the_bad_bytes_line(tmp_path: Path) -> None:
    # its LF files named the right line; a CR file named line 1 whatever line the byte was on
    path = tmp_path / "e.csv"
    path.write_bytes(b'Brand;Article;Price\rMANN;W1;"1\n2"\rMANN;W2\xd4;2\r')
    with pytest.raises(PriceFileError) as err:
        load_price_file(SupplierProfile(code="T", name="T", file=path, encoding="utf-8",
                                        columns={"brand": "Brand", "article": "Article",
                                                 "price": "Price"}))
    assert err.value.line == 4 and "the file is not UTF-8" in err.value.message


def test_a_utf8_mac_file_named_cp1251_shows_its_line(tmp_path: Path) -> None:
    path = tmp_path / "u.csv"
    path.write_bytes("Brand;Article;Price\rMANN;W1;1\rMANN;Фильтр;2\r".encode())
    with pytest.raises(PriceFileError) as err:
        load_price_file(SupplierProfile(code="T", name="T", file=path, encoding="cp1251",
                                        columns={"brand": "Brand", "article": "Article",
                                                 "price": "Price"}))
    assert err.value.line == 3
    assert "as UTF-8 'MANN;Фильтр;2'" in err.value.message
