"""XLSX sheets read from A1, a large one in two parts (``_xlsx``): the parts together give the
cells that were written, at their sheet rows and columns, whether the sheet is split or not."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from partsearch.errors import PriceFileError
from partsearch.loading import SupplierProfile, _sheets, _xlsx, load_price_file
from partsearch.loading._sheets import _sheet_frame

Cells = dict[tuple[int, int], str]  # (0-based row, 0-based column) -> text


def _book(cells: Cells, *, inline: bool = False, sheets: tuple[str, ...] = ("Price",),
          chart_first: bool = False) -> bytes:
    """An XLSX whose sheet ``sheets[-1]`` holds ``cells`` (the others hold one cell each);
    ``inline`` writes strings inline (as streaming writers do) instead of shared."""
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": not inline, "constant_memory": inline})
    if chart_first:
        chart = book.add_chart({"type": "line"})
        chart.add_series({"values": f"={sheets[0]}!$A$1:$A$2"})
        book.add_chartsheet("Chart").set_chart(chart)
    for name in sheets[:-1]:
        book.add_worksheet(name).write(0, 0, f"other sheet {name}")
    sheet = book.add_worksheet(sheets[-1])
    for (r, c), text in sorted(cells.items()):  # constant_memory writes rows in order
        sheet.write_string(r, c, text)
    book.close()
    return out.getvalue()


def _cells_of(frame: pl.DataFrame) -> Cells:
    """The non-null cells of a sheet frame, keyed by (sheet row - 1, column)."""
    names = [c for c in frame.columns if c != "__line"]
    lines = frame.get_column("__line").to_list()
    return {(line - 1, j): v for j, name in enumerate(names)
            for line, v in zip(lines, frame.get_column(name).to_list(), strict=True)
            if v is not None}


def _frame(data: bytes, sheet: int | str = 0, *, split: bool, error_text: bool = False
           ) -> pl.DataFrame:
    """The sheet's frame, split into two parts when ``split`` (the cut target is 45 % of the
    XML, so a sheet of a few rows still has rows on both sides)."""
    saved = _xlsx.SPLIT_BYTES
    _xlsx.SPLIT_BYTES = 1 if split else 1 << 40
    try:
        return _sheet_frame(data, sheet, error_text=error_text)
    finally:
        _xlsx.SPLIT_BYTES = saved


def _parts(data: bytes, sheet: int | str = 0) -> list[_xlsx.SheetPart]:
    saved = _xlsx.SPLIT_BYTES
    _xlsx.SPLIT_BYTES = 1
    try:
        return list(_xlsx.sheet_parts(data, sheet))
    finally:
        _xlsx.SPLIT_BYTES = saved


_TEXT = st.text(alphabet="AZaz09 -/.<>&\"'ЖжЁ", min_size=1, max_size=12).filter(
    lambda s: s.strip() == s and s != "")
_GRIDS = st.dictionaries(st.tuples(st.integers(0, 80), st.integers(0, 7)), _TEXT, min_size=1,
                         max_size=120)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cells=_GRIDS, inline=st.booleans(), filler=st.booleans())
def test_split_and_whole_give_the_written_cells(cells: Cells, inline: bool,
                                                filler: bool) -> None:
    if filler:  # rows enough below the drawn ones for the cut to fall among the sheet's rows
        cells = {**cells, **{(r, 9): f"f{r}" for r in range(90, 300)}}
    data = _book(cells, inline=inline)
    if filler:
        assert len(_parts(data)) == 2
    whole, halves = _frame(data, split=False), _frame(data, split=True)
    assert _cells_of(whole) == cells
    assert _cells_of(halves) == cells
    # fastexcel on the file as it is: the same cells, counted from the first used one
    import fastexcel

    plain = fastexcel.read_excel(data).load_sheet(0, header_row=None, dtypes="string")
    top, left = min(r for r, _ in cells), min(c for _, c in cells)
    frame = plain.to_polars()
    shifted = {(r + top, c + left): v for (r, c), v in _cells_of(
        frame.with_columns(pl.int_range(1, frame.height + 1).alias("__line"))).items()}
    assert shifted == cells


def test_a_small_sheet_is_loaded_from_the_file_as_it_is() -> None:
    cells = {(r + 3, 2): f"v{r}" for r in range(50)}
    data = _book(cells)
    assert [(p.book is data, p.sheet, p.skip) for p in _xlsx.sheet_parts(data, 0)] == [
        (True, 0, 0)]
    assert _cells_of(_frame(data, split=False)) == cells


def test_a_large_sheet_is_read_in_two_parts() -> None:
    cells = {(r, c): f"r{r}c{c}" for r in range(3, 400) for c in range(1, 4)}
    data = _book(cells)
    parts = _parts(data)
    assert len(parts) == 2 and parts[0].skip == 0 and parts[1].skip > 100
    assert all(p.sheet == "Price" for p in parts)
    assert _cells_of(_frame(data, split=True)) == cells


def test_positions_and_lines_count_from_a1(tmp_path: Path) -> None:
    import xlsxwriter

    path = tmp_path / "p.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(2, 2, ["Бренд", "Артикул", "Цена"])  # C3: nothing in rows 1-2, columns A-B
    sheet.write_row(3, 2, ["MANN", "W 712", "100"])
    sheet.write_row(5, 2, ["Febi", "12345", "200"])
    book.close()
    named = SupplierProfile(code="T", name="T", file=path,
                            columns={"brand": "Бренд", "article": "Артикул", "price": "Цена"})
    report = load_price_file(named)
    assert report.offers.column("line").to_pylist() == [4, 6]
    positional = SupplierProfile(code="T", name="T", file=path, skip_rows=3,
                                 columns={"brand": 2, "article": 3, "price": 4})
    offers = load_price_file(positional).offers
    assert offers.column("article").to_pylist() == ["W 712", "12345"]
    assert offers.column("line").to_pylist() == [4, 6]


@pytest.mark.parametrize("sheet", ["Price", 2])
def test_the_asked_sheet_is_the_one_split(sheet: int | str) -> None:
    cells = {(r, 0): f"v{r}" for r in range(200)}
    data = _book(cells, sheets=("First", "Second", "Price"))
    parts = _parts(data, sheet)
    assert len(parts) == 2 and {p.sheet for p in parts} == {"Price"}
    assert _cells_of(_frame(data, sheet, split=True)) == cells
    assert _cells_of(_frame(data, "Second", split=True)) == {(0, 0): "other sheet Second"}


def test_an_index_among_chart_sheets_reads_the_file_as_it_is() -> None:
    cells = {(r + 2, 1): f"v{r}" for r in range(50)}
    data = _book(cells, sheets=("Data",), chart_first=True)
    parts = _parts(data, 0)
    assert len(parts) == 1 and parts[0].book is data
    assert len(_parts(data, "Data")) == 2  # by name, the sheet is found for sure


def _rewrite_sheet(data: bytes, edit: Any) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            dst.writestr(info.filename, edit(body) if "worksheets/" in info.filename else body)
    return out.getvalue()


def test_a_prefixed_sheet_is_split_too() -> None:
    cells = {(r, c): f"{r}-{c}" for r in range(1, 120) for c in range(3)}

    def prefix(xml: bytes) -> bytes:
        xml = xml.replace(b"<worksheet xmlns=", b"<x:worksheet xmlns:x=")
        return re.sub(rb"<(/?)(worksheet|dimension|sheetViews|sheetView|selection|"
                      rb"sheetFormatPr|sheetData|row|c|v|is|t|pageMargins)\b", rb"<\1x:\2", xml)

    data = _rewrite_sheet(_book(cells, inline=True), prefix)
    assert len(_parts(data)) == 2
    assert _cells_of(_frame(data, split=True)) == cells


def test_rows_without_numbers_are_read_in_one_part() -> None:
    cells = {(r, c): f"{r}-{c}" for r in range(120) for c in range(2)}
    data = _rewrite_sheet(_book(cells), lambda xml: re.sub(rb'<row r="\d+"', b"<row", xml))
    assert len(_parts(data)) == 1
    assert _cells_of(_frame(data, split=True)) == cells


def test_a_corrupt_second_part_names_the_file(tmp_path: Path) -> None:
    cells = {(r, c): f"{r}-{c}" for r in range(1, 3000) for c in range(3)}
    cells[(0, 0)], cells[(0, 1)], cells[(0, 2)] = "Бренд", "Артикул", "Цена"
    data = bytearray(_book(cells))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/worksheets/sheet1.xml")
    # the local header is 30 bytes plus the name and the extra field; break the stream among
    # the second part's rows (the first part is handed out by then)
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    at = start + info.compress_size * 7 // 10
    data[at:at + 8] = b"\x00" * 8
    path = tmp_path / "broken.xlsx"
    path.write_bytes(bytes(data))
    profile = SupplierProfile(code="T", name="T", file=path,
                              columns={"brand": "Бренд", "article": "Артикул", "price": "Цена"})
    saved = _xlsx.SPLIT_BYTES
    _xlsx.SPLIT_BYTES = 1
    try:
        with pytest.raises(PriceFileError, match="cannot read spreadsheet") as err:
            load_price_file(profile)
    finally:
        _xlsx.SPLIT_BYTES = saved
    assert str(path) in str(err.value)


def test_an_empty_sheet_is_named_so(tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    path.write_bytes(_book({}, sheets=("Price",)))
    profile = SupplierProfile(code="T", name="T", file=path, columns={"article": 0, "price": 1})
    with pytest.raises(PriceFileError, match="empty sheet"):
        load_price_file(profile)


def test_a_rewrite_fastexcel_refuses_falls_back_to_the_file_as_it_is(
        monkeypatch: pytest.MonkeyPatch) -> None:
    cells = {(r, 2): f"v{r}" for r in range(3, 10)}
    data = _book(cells)

    def broken(data: bytes, sheet: int | str) -> Any:
        yield _xlsx.SheetPart(b"PK\x03\x04 not a workbook", "Price", 0)

    monkeypatch.setattr(_xlsx, "sheet_parts", broken)
    frame = _sheet_frame(data, 0)
    # read as it is, and still from A1: fastexcel counts the rows to skip from the sheet's first
    # and tells where its first used column is
    assert _cells_of(frame) == cells


@pytest.mark.parametrize("sheet", ["Nope", 3])
def test_a_sheet_fastexcel_refuses_as_it_is_is_loaded_once(
        sheet: int | str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A sheet that is not there cannot be split: its part is the file as it is, and
    fastexcel's refusal of it is the answer, not a reason to load the file again."""
    data = _book({(0, 0): "x"})
    assert [part.book is data for part in _parts(data, sheet)] == [True]
    loads: list[_xlsx.SheetPart] = []
    load_part = _sheets._load_part

    def counted(part: _xlsx.SheetPart, error_text: bool = False) -> pl.DataFrame:
        loads.append(part)
        return load_part(part, error_text)

    monkeypatch.setattr(_sheets, "_load_part", counted)
    with pytest.raises(Exception, match="not found"):
        _sheet_frame(data, sheet)
    assert len(loads) == 1


def _member(data: bytes) -> tuple[zipfile.ZipFile, zipfile.ZipInfo]:
    zf = zipfile.ZipFile(io.BytesIO(data))
    return zf, zf.getinfo("xl/worksheets/sheet1.xml")


def test_the_inflated_member_is_zipfiles_and_its_crc_is_checked() -> None:
    cells = {(r, c): f"{r}-{c}" for r in range(300) for c in range(3)}
    data = _book(cells)
    zf, info = _member(data)
    whole = zf.read(info)
    with _xlsx._open(zf, data, info) as src:
        assert isinstance(src, _xlsx._Inflated)  # (isal is a dependency)
        assert src.read(0) == b""
        parts = [src.read(1000), src.read(777), src.read()]
        assert src.read() == b""
    assert b"".join(parts) == whole and len(parts[0]) == 1000
    wrong = zipfile.ZipInfo(info.filename)
    for field in ("compress_type", "header_offset", "compress_size", "file_size", "flag_bits"):
        setattr(wrong, field, getattr(info, field))
    wrong.CRC = info.CRC ^ 1
    with _xlsx._open(zf, data, wrong) as src:
        src.read(1000)
        with pytest.raises(zipfile.BadZipFile, match="CRC"):
            src.read()


def test_without_isal_zipfile_inflates(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    cells = {(r, c): f"{r}-{c}" for r in range(1, 200) for c in range(3)}
    data = _book(cells)
    monkeypatch.setitem(sys.modules, "isal", None)  # import isal raises ImportError
    zf, info = _member(data)
    assert not isinstance(_xlsx._open(zf, data, info), _xlsx._Inflated)
    assert len(_parts(data)) == 2
    assert _cells_of(_frame(data, split=True)) == cells


def test_a_value_far_from_the_table_is_refused_before_calamine_allocates(
        tmp_path: Path) -> None:
    """calamine allocates a sheet's whole span first: a stray value at XFD1048576 asked it for
    512 GiB and aborted the process."""
    import xlsxwriter

    path = tmp_path / "far.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["Бренд", "Артикул", "Цена"])
    sheet.write_row(1, 0, ["MANN", "W 712", 100])
    sheet.write(1048575, 16383, "забыли здесь")
    book.close()
    profile = SupplierProfile(code="T", name="T", file=path,
                              columns={"brand": "Бренд", "article": "Артикул", "price": "Цена"})
    with pytest.raises(PriceFileError, match="a value at XFD1048576") as err:
        load_price_file(profile)
    assert str(path) in str(err.value)


def test_a_wide_dimension_or_a_far_formatted_cell_is_not_a_wide_sheet(tmp_path: Path) -> None:
    """The dimension its writer recorded is trusted when small; past the limit, the sheet's
    cells that hold a value decide (a cell of formatting alone holds none)."""
    import xlsxwriter

    path = tmp_path / "wide.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["Бренд", "Артикул", "Цена"])
    sheet.write_row(1, 0, ["MANN", "W 712", 100])
    sheet.write_blank(1048575, 16383, None, book.add_format({"bold": True}))
    book.close()
    data = _rewrite_sheet(path.read_bytes(), lambda xml: re.sub(
        rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', xml))
    xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert b'ref="A1:XFD1048576"' in xml and b'<c r="XFD1048576" s="1"/>' in xml
    assert [p.book is data for p in _xlsx.sheet_parts(data, 0)] == [True]  # no error
    assert _cells_of(_frame(data, split=False)) == {
        (0, 0): "Бренд", (0, 1): "Артикул", (0, 2): "Цена", (1, 0): "MANN", (1, 1): "W 712",
        (1, 2): "100"}


def test_loading_a_workbook_that_opens_with_a_readme_sheet(tmp_path: Path) -> None:
    """A profile without ``sheet``: the first sheet that has its header, named in the rows'
    path; a workbook none of whose sheets has it fails as before, naming the columns."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(tmp_path / "p.xlsx"))
    book.add_worksheet("Readme").write(0, 0, "Prices of Beta, December")
    moscow = book.add_worksheet("Moscow")
    moscow.write_row(0, 0, ["Brand", "Part No", "Price"])
    moscow.write_row(1, 0, ["MANN", "W 712/1", 100.5])
    moscow.write_row(2, 0, ["MANN", "W 713", 0])
    book.close()
    columns = {"brand": "Brand", "article": "Part No", "price": "Price"}
    report = load_price_file(SupplierProfile("B", "B", tmp_path / "p.xlsx", columns=columns))
    assert report.offers.num_rows == 1 and report.rejected.column("path").to_pylist() == [
        f"{tmp_path / 'p.xlsx'}!Moscow"]
    with pytest.raises(PriceFileError, match="missing column"):
        load_price_file(SupplierProfile("B", "B", tmp_path / "p.xlsx",
                                        columns=columns | {"quantity": "Stock"}))


def _zeros_book(path: Path) -> None:
    """Bosch numbers typed as numbers in a zeros format (Excel shows 0451103316), after a
    title; the format is on a text cell, a fraction and a price too, which it does not pad."""
    import xlsxwriter

    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Прайс")
    zeros = book.add_format({"num_format": "0000000000"})
    sheet.write(0, 0, "Прайс на 01.12")
    sheet.write_row(2, 0, ["Бренд", "Артикул", "Цена"])
    rows = [(451103316, 350), ("123", 90), (986424815.5, 120), (12, 7)]
    rows += [(k, 10) for k in range(1000, 1100)]  # (rows enough on both sides of a split)
    for i, (article, price) in enumerate(rows, start=3):
        sheet.write(i, 0, "BOSCH")
        sheet.write(i, 1, article, zeros)
        sheet.write_number(i, 2, price, zeros)
    book.close()


@pytest.mark.parametrize("split", [False, True])
def test_a_number_in_a_zeros_format_is_the_article_the_supplier_sees(
        tmp_path: Path, split: bool) -> None:
    path = tmp_path / "p.xlsx"
    _zeros_book(path)
    saved = _xlsx.SPLIT_BYTES
    _xlsx.SPLIT_BYTES = 1 if split else 1 << 40
    try:
        offers = load_price_file(SupplierProfile("B", "B", path, columns={
            "brand": "Бренд", "article": "Артикул", "price": "Цена"})).offers
    finally:
        _xlsx.SPLIT_BYTES = saved
    by_line = dict(zip(offers.column("line").to_pylist(), offers.column("article").to_pylist(),
                       strict=True))
    assert [by_line[line] for line in (4, 5, 6, 7, 8, 107)] == [
        "0451103316", "123", "986424815.5", "0000000012", "0000001000", "0000001099"]
    key = offers.column("article_key").to_pylist()[offers.column("line").to_pylist().index(4)]
    assert key == "0451103316"
    assert offers.num_rows == 104
    assert sorted(float(p) for p in offers.column("price").to_pylist())[-2:] == [120, 350]


def test_a_workbook_without_a_zeros_format_is_not_looked_into(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from partsearch.loading import _xlsx_zeros

    data = _book({(0, 0): "Бренд", (0, 1): "Артикул", (1, 0): "BOSCH", (1, 1): "00123"})
    monkeypatch.setattr(_xlsx_zeros, "_sheet_member", None)  # (would raise if called)
    assert _xlsx_zeros.zero_padded(data, 0) is None


_ERRORS = ("#N/A", "#DIV/0!", "#REF!", "#VALUE!", "#NAME?", "#NUM!", "#NULL!")


def _error_book() -> bytes:
    """A price whose every column has an error cell in some row (a broken VLOOKUP or
    formula, as Excel shows it), each error in turn; two good rows around them."""
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("Price")
    sheet.write_row(0, 0, ["Brand", "Part No", "Price", "Stock", "Days"])
    sheet.write_row(1, 0, ["MANN", "W1", 100, 5, 2])
    good = ["MANN", "W2", 100, 5, 2]
    for i, error in enumerate(_ERRORS):
        row, col = 2 + i, i % 5
        sheet.write_row(row, 0, good)
        sheet.write_formula(row, col, "=1/0", None, error)
    sheet.write_row(2 + len(_ERRORS), 0, ["MANN", "W9", 100, 5, 2])
    book.close()
    return out.getvalue()


@pytest.mark.parametrize("split", [False, True])
def test_an_error_cell_reads_as_the_text_excel_shows(split: bool) -> None:
    cells = _cells_of(_frame(_error_book(), split=split, error_text=True))
    assert {(r, c): v for (r, c), v in cells.items() if v.startswith("#")} == {
        (2 + i, i % 5): error for i, error in enumerate(_ERRORS)}
    # (a cross file's side with an error has no number: empty, and the row rejected)
    assert not any(v.startswith("#") for v in _cells_of(_frame(_error_book(), split=split))
                   .values())


def test_an_error_cell_rejects_its_row_as_the_same_text_in_a_csv_does(tmp_path: Path) -> None:
    """An error is no value: not unknown stock, the default delivery or an empty price."""
    data = _error_book()
    (tmp_path / "p.xlsx").write_bytes(data)
    frame = _frame(data, split=False, error_text=True)
    (tmp_path / "p.csv").write_text("\n".join(
        ";".join("" if v is None else v for v in row)
        for row in frame.drop("__line").rows()) + "\n")
    columns = {"brand": "Brand", "article": "Part No", "price": "Price", "quantity": "Stock",
               "delivery_days": "Days"}
    reports = [load_price_file(SupplierProfile("E", "E", tmp_path / name, columns=columns))
               for name in ("p.xlsx", "p.csv")]
    sheet, text = ([(line, reason) for line, reason in zip(
        r.rejected.column("line").to_pylist(), r.rejected.column("reason").to_pylist(),
        strict=True)] for r in reports)
    assert sheet == text and len(sheet) >= 3
    assert {reason.split(" '")[0] for _, reason in sheet} >= {
        "bad price", "bad quantity", "bad delivery"}
    assert all(re.search(r"'#[A-Z/0!?]+'", reason) for _, reason in sheet if "bad" in reason)
    assert reports[0].offers.column("article").to_pylist() == \
        reports[1].offers.column("article").to_pylist()
    # (an error for a brand or an article is none, where #N/A was the part NA of brand ...)
    assert {reason.split(" '")[0] for _, reason in sheet} >= {"empty article", "empty brand"}
    for report in reports:
        assert not {"NA", "REF", "NUM", "VALUE", "NAME", "NULL", "DIV0"} & set(
            report.offers.column("article_key").to_pylist() +
            report.offers.column("brand").to_pylist())


def test_a_hidden_sheet_is_read_only_when_named(tmp_path: Path) -> None:
    """Without ``sheet``, the first VISIBLE sheet that has the header: a hidden old price list
    before it (kept for lookups, which Excel does not show) is skipped; named, it is read; a
    header on hidden sheets only says so."""
    import xlsxwriter

    path = tmp_path / "p.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheets = [book.add_worksheet(name) for name in ("Old", "Readme", "Current")]
    sheets[1].write(0, 0, "Prices of Beta, December")
    for sheet, price in ((sheets[0], 100), (sheets[2], 150)):
        sheet.write_row(0, 0, ["Brand", "Part No", "Price"])
        sheet.write_row(1, 0, ["MANN", "W 712/1", price])
    sheets[0].hide()
    sheets[2].activate()
    book.close()
    columns = {"brand": "Brand", "article": "Part No", "price": "Price"}

    def prices(**kw: Any) -> list[str]:
        report = load_price_file(SupplierProfile("B", "B", path, columns=columns, **kw))
        return [str(p) for p in report.offers.column("price").to_pylist()]

    assert prices() == ["150.00"]
    assert prices(sheet="Old") == prices(sheet=0) == ["100.00"]
    data = path.read_bytes()
    from partsearch.loading._sheets import hidden_sheets, sheet_names

    assert hidden_sheets(data) == ({0}, sheet_names(data))
    sheets_only_hidden = tmp_path / "q.xlsx"
    book = xlsxwriter.Workbook(str(sheets_only_hidden))
    readme, old = book.add_worksheet("Readme"), book.add_worksheet("Old")
    readme.write(0, 0, "Prices of Beta, December")
    old.write_row(0, 0, ["Brand", "Part No", "Price"])
    old.write_row(1, 0, ["MANN", "W 712/1", 100])
    old.hide()
    book.close()
    with pytest.raises(PriceFileError, match=r"missing column.*only the hidden sheet 'Old' "
                                             r"has the header.*sheet = \"Old\""):
        load_price_file(SupplierProfile("B", "B", sheets_only_hidden, columns=columns))
