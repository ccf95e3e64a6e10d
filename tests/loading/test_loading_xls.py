"""Legacy XLS sheets (BIFF8, and Excel 95's BIFF5 in cp1251) read from A1, as XLSX ones are: a
row's line is its sheet row and a position counts from column A, whatever rows and columns above
and left of the table are empty.

The workbooks are written here, record by record, into a compound file: a writer of legacy XLS
that is kept up is not to be had in Python, and a few records are all a price sheet needs."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from partsearch.loading import SupplierProfile, load_price_file
from partsearch.loading._sheets import _sheet_frame


class XlsError(int):
    """An error cell's BIFF code (0x07 #DIV/0!, 0x2A #N/A...), written as a BoolErr record."""


Cell = str | float | XlsError
Cells = dict[tuple[int, int], Cell]  # (0-based row, 0-based column) -> value

_END, _FREE, _FAT, _NONE = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF


def _record(kind: int, body: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(body)) + body


def _bof(kind: int, biff5: bool) -> bytes:  # 0x0005 the workbook globals, 0x0010 a worksheet
    if biff5:
        return _record(0x0809, struct.pack("<HHHH", 0x0500, kind, 0x0DBB, 0x07CC))
    return _record(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0, 6))


def _text(value: str, biff5: bool, width: str) -> bytes:
    """A string as BIFF writes it: its length, then (BIFF8) a flags byte and UTF-16, or
    (BIFF5) the workbook's code page, here cp1251."""
    if biff5:
        return struct.pack(f"<{width}", len(value)) + value.encode("cp1251")
    return struct.pack(f"<{width}B", len(value), 1) + value.encode("utf-16-le")


def _sheet(cells: Cells, biff5: bool) -> bytes:
    """A worksheet's records: a formatted empty A1 (a MulBlank, which is no value), its
    dimensions, then its cells in row order, as labels and numbers."""
    rows = [r for r, _ in cells] or [0]
    cols = [c for _, c in cells] or [0]
    bounds = (min(rows), max(rows) + 1, min(cols), max(cols) + 1, 0)
    out = [_bof(0x0010, biff5),
           _record(0x0200, struct.pack("<HHHHH" if biff5 else "<IIHHH", *bounds)),
           _record(0x00BE, struct.pack("<HHHHH", 0, 0, 15, 15, 1))]
    for (r, c), value in sorted(cells.items()):
        if isinstance(value, str):
            out.append(_record(0x0204, struct.pack("<HHH", r, c, 15) + _text(value, biff5, "H")))
        elif isinstance(value, XlsError):
            out.append(_record(0x0205, struct.pack("<HHHBB", r, c, 15, value, 1)))
        else:
            out.append(_record(0x0203, struct.pack("<HHHd", r, c, 15, value)))
    return b"".join(out) + _record(0x000A)


def _workbook(sheets: dict[str, Cells], biff5: bool, extra: bytes = b"",
              hidden: frozenset[str] = frozenset()) -> bytes:
    """The workbook stream: globals naming each sheet (``hidden`` ones so) and where its
    records start (and ``extra`` records)."""
    def bound(name: str, at: int) -> bytes:
        return _record(0x0085, struct.pack("<IBB", at, name in hidden, 0)
                       + _text(name, biff5, "B"))

    bodies = [_sheet(cells, biff5) for cells in sheets.values()]
    head = (_bof(0x0005, biff5) + _record(0x0042, struct.pack("<H", 1251 if biff5 else 1200))
            + extra)
    at = len(head) + sum(len(bound(n, 0)) for n in sheets) + 4
    bounds = []
    for name, body in zip(sheets, bodies, strict=True):
        bounds.append(bound(name, at))
        at += len(body)
    return head + b"".join(bounds) + _record(0x000A) + b"".join(bodies)


def _xls(sheets: dict[str, Cells], *, biff5: bool = False, extra: bytes = b"",
         hidden: frozenset[str] = frozenset()) -> bytes:
    """A compound file (version 3, 512-byte sectors) holding the one stream ``Workbook``
    (``Book`` in BIFF5), padded to 4 KiB at least so that it lives in ordinary sectors, not
    the mini stream."""
    stream = _workbook(sheets, biff5, extra, hidden)
    stream += b"\0" * (max(4096, -(-len(stream) // 512) * 512) - len(stream))
    n = len(stream) // 512
    fats = 1
    while n + fats + 1 > fats * 128:
        fats += 1
    fat = [*range(1, n), _END, *[_FAT] * fats, _END]
    fat += [_FREE] * (fats * 128 - len(fat))

    def entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
        encoded = (name + "\0").encode("utf-16-le")
        return struct.pack("<64sHBBIII16sIQQIQ", encoded, len(encoded), kind, 1, _NONE, _NONE,
                           child, b"", 0, 0, 0, start, size)

    name = "Book" if biff5 else "Workbook"
    directory = (entry("Root Entry", 5, 1, _END, 0) + entry(name, 2, _NONE, 0, len(stream))
                 + b"\0" * 256)
    header = struct.pack("<8s16sHHHHH6sIIIIIIIII", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"",
                         0x3E, 3, 0xFFFE, 9, 6, b"", 0, fats, n + fats, 0, 4096, _END, 0, _END, 0)
    difat = [*range(n, n + fats)] + [_FREE] * (109 - fats)
    return (header + struct.pack("<109I", *difat) + stream
            + struct.pack(f"<{len(fat)}I", *fat) + directory)


def _cells_of(frame: object) -> Cells:
    """The non-null cells of a sheet frame, keyed by (sheet row - 1, column)."""
    import polars as pl

    assert isinstance(frame, pl.DataFrame)
    names = [c for c in frame.columns if c != "__line"]
    lines = frame.get_column("__line").to_list()
    return {(line - 1, j): v for j, name in enumerate(names)
            for line, v in zip(lines, frame.get_column(name).to_list(), strict=True)
            if v is not None}


_TEXT = st.text(alphabet="AZaz09 -/.ЖжЁ", min_size=1, max_size=12).filter(
    lambda s: s.strip() == s and s != "")
_GRIDS = st.dictionaries(st.tuples(st.integers(0, 60), st.integers(0, 7)), _TEXT, min_size=1,
                         max_size=80)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cells=_GRIDS, before=st.integers(0, 2), biff5=st.booleans())
def test_the_written_cells_come_back_at_their_sheet_rows_and_columns(
        cells: Cells, before: int, biff5: bool) -> None:
    sheets: dict[str, Cells] = {f"Лист{i}": {(i, i): f"other {i}"} for i in range(before)}
    data = _xls({**sheets, "Прайс": cells}, biff5=biff5)
    assert _cells_of(_sheet_frame(data, before)) == cells
    assert _cells_of(_sheet_frame(data, "Прайс")) == cells
    if before:
        assert _cells_of(_sheet_frame(data, 0)) == {(0, 0): "other 0"}


def test_fastexcel_alone_would_count_from_the_first_used_cell() -> None:
    """What the reader corrects: the table of a sheet whose first value is at C4."""
    import fastexcel

    data = _xls({"Прайс": {(3, 2): "Бренд", (4, 3): "W 712"}})
    plain = fastexcel.read_excel(data).load_sheet(0, header_row=None, dtypes="string")
    assert plain.to_polars().rows() == [("Бренд", None), (None, "W 712")]


@pytest.mark.parametrize("biff5", [False, True])
def test_positions_and_lines_count_from_a1(tmp_path: Path, biff5: bool) -> None:
    path = tmp_path / "price.xls"
    header = {(2, 2): "Бренд", (2, 3): "Артикул", (2, 4): "Цена"}  # C3: rows 1-2, A-B empty
    rows = {(3, 2): "MANN", (3, 3): "W 712", (3, 4): 100.0,
            (5, 2): "Febi", (5, 3): "12345", (5, 4): 200.5,
            (6, 2): "Febi", (6, 3): "777", (6, 4): "по запросу"}
    path.write_bytes(_xls({"Прайс": header | rows}, biff5=biff5))
    named = SupplierProfile(code="T", name="T", file=path,
                            columns={"brand": "Бренд", "article": "Артикул", "price": "Цена"})
    report = load_price_file(named)
    assert report.offers.column("line").to_pylist() == [4, 6]
    assert report.rejected.column("line").to_pylist() == [7]
    positional = SupplierProfile(code="T", name="T", file=path, skip_rows=3,
                                 columns={"brand": 2, "article": 3, "price": 4})
    offers = load_price_file(positional).offers
    assert offers.column("article").to_pylist() == ["W 712", "12345"]
    assert [str(p) for p in offers.column("price").to_pylist()] == ["100.00", "200.50"]
    assert offers.column("line").to_pylist() == [4, 6]


@pytest.mark.parametrize("sheet", ["Нет такого", 3])
def test_a_missing_sheet_names_the_file(tmp_path: Path, sheet: int | str) -> None:
    path = tmp_path / "price.xls"
    path.write_bytes(_xls({"Прайс": {(0, 0): "Бренд", (0, 1): "Артикул", (0, 2): "Цена"}}))
    profile = SupplierProfile(code="T", name="T", file=path, sheet=sheet,
                              columns={"brand": 0, "article": 1, "price": 2})
    from partsearch.errors import PriceFileError

    with pytest.raises(PriceFileError, match="cannot read spreadsheet") as err:
        load_price_file(profile)
    assert str(path) in str(err.value)


def _xls_in_mini_stream(sheets: dict[str, Cells]) -> bytes:
    """A compound file whose small workbook stream (under 4 KiB) lives in the mini stream:
    64-byte sectors inside the root entry's stream, chained by the mini FAT."""
    stream = _workbook(sheets, False)
    assert len(stream) < 4096
    mini = stream + b"\0" * (-len(stream) % 64)
    container = mini + b"\0" * (-len(mini) % 512)
    n = len(container) // 512  # sectors 0..n-1; then the mini FAT, the FAT, the directory
    fat = [*range(1, n), _END, _END, _FAT, _END]
    minifat = [*range(1, len(mini) // 64), _END]

    def entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
        encoded = (name + "\0").encode("utf-16-le")
        return struct.pack("<64sHBBIII16sIQQIQ", encoded, len(encoded), kind, 1, _NONE, _NONE,
                           child, b"", 0, 0, 0, start, size)

    directory = (entry("Root Entry", 5, 1, 0, len(mini))
                 + entry("Workbook", 2, _NONE, 0, len(stream)) + b"\0" * 256)
    header = struct.pack("<8s16sHHHHH6sIIIIIIIII", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"",
                         0x3E, 3, 0xFFFE, 9, 6, b"", 0, 1, n + 2, 0, 4096, n, 1, _END, 0)
    return (header + struct.pack("<109I", n + 1, *[_FREE] * 108) + container
            + struct.pack("<128I", *minifat, *[_FREE] * (128 - len(minifat)))
            + struct.pack("<128I", *fat, *[_FREE] * (128 - len(fat))) + directory)


_PRICE: Cells = {(0, 0): "Бренд", (0, 1): "Артикул", (0, 2): "Цена", (1, 0): "NK", (1, 1): "A1",
                 (1, 2): 5.0}


def _damaged(damage: str) -> bytes:
    """A workbook with one thing it declares past what it holds (calamine, handed any of them,
    allocates it first: a damaged 6 KB file asked it for 14 GB and the process aborted)."""
    sst = _record(0x00FC, struct.pack("<II", 1, 10**9))  # a billion strings in a few bytes
    data = bytearray(_xls({"Прайс": _PRICE}, extra=sst if damage == "sst" else b""))
    stream_end = 512 + 4096  # the stream, padded to 4 KiB; then the sector table, the directory
    dimensions = data.find(struct.pack("<HH", 0x0200, 14)) + 4
    if damage == "mini FAT":
        struct.pack_into("<I", data, 0x40, 10**7)
    elif damage == "stream size":
        struct.pack_into("<I", data, len(data) - 512 + 128 + 0x78, 2**31)
    elif damage == "sector table":
        struct.pack_into("<I", data, stream_end, 10**6)
    elif damage == "rows":
        struct.pack_into("<I", data, dimensions + 4, 2**31)
    elif damage == "reversed rows":
        struct.pack_into("<II", data, dimensions, 9, 3)
    elif damage == "index loop":  # the last stream sector, a DIFAT sector naming itself next
        last = struct.unpack_from("<I", data, 0x4C)[0] - 1  # (the FAT's sector follows it)
        struct.pack_into("<I", data, 512 + (last + 1) * 512 - 4, last)
        struct.pack_into("<II", data, 0x44, last, 1)
    elif damage == "column":  # the price's number record, moved to column 32767
        struct.pack_into("<H", data, data.find(struct.pack("<HHHH", 0x0203, 14, 1, 2)) + 6,
                         0x7FFF)
    return bytes(data)


@pytest.mark.parametrize(("damage", "message"), [
    ("mini FAT", "declares 10000000 mini FAT sectors; the file holds 10"),
    ("stream size", "a compound file stream declares 2147483648 bytes"),
    ("sector table", "the sector table names sector 1000000"),
    ("rows", "a sheet declares rows 0 to 2147483648"),
    ("reversed rows", "a sheet declares rows 9 to 3"),
    ("sst", "the workbook declares 1000000000 shared strings"),
    ("column", "a cell names column 32767; a legacy XLS has 256"),
    ("index loop", "the compound file's sector index loops"),
])
def test_a_workbook_declaring_more_than_it_holds_is_refused_unread(
        tmp_path: Path, damage: str, message: str) -> None:
    from partsearch.errors import PriceFileError

    path = tmp_path / "price.xls"
    path.write_bytes(_damaged(damage))
    profile = SupplierProfile(code="T", name="T", file=path,
                              columns={"brand": "Бренд", "article": "Артикул", "price": "Цена"})
    with pytest.raises(PriceFileError, match="cannot read spreadsheet") as err:
        load_price_file(profile)
    assert message in str(err.value) and str(path) in str(err.value)


def test_the_guard_passes_a_whole_workbook() -> None:
    from partsearch.loading._xls_guard import xls_problem

    assert xls_problem(_damaged("none")) is None
    assert xls_problem(_xls({"Прайс": _PRICE}, biff5=True)) is None
    small = _xls_in_mini_stream({"Прайс": _PRICE})
    assert xls_problem(small) is None
    assert _cells_of(_sheet_frame(small, 0)) == {k: str(v).removesuffix(".0")
                                                 for k, v in _PRICE.items()}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cells=_GRIDS, before=st.integers(0, 2), biff5=st.booleans())
def test_the_widest_column_is_the_one_written(cells: Cells, before: int, biff5: bool) -> None:
    """The compiled walk of every sheet's records finds the rightmost cell of any sheet."""
    from partsearch.loading._xls_guard import _globals_starts
    from partsearch.loading._xls_kernel import widest_column

    sheets: dict[str, Cells] = {f"Лист{i}": {(i, 3 * i): f"other {i}"} for i in range(before)}
    stream = _workbook({**sheets, "Прайс": cells}, biff5)
    starts = _globals_starts(stream)
    assert len(starts) == before + 1
    expected = max(c for sheet in [*sheets.values(), cells] for _, c in sheet)
    assert widest_column(np.frombuffer(stream, dtype=np.uint8),
                         np.array(starts, dtype=np.int64)) == expected


#: BIFF's error codes and the text Excel shows for them
_ERRORS = {0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!", 0x1D: "#NAME?",
           0x24: "#NUM!", 0x2A: "#N/A"}


def test_an_error_cell_reads_as_the_text_excel_shows(tmp_path: Path) -> None:
    """An error is no value: not unknown stock, the default delivery or an empty price, but
    a row rejected as the same text in a CSV is."""
    header = {(0, 0): "Бренд", (0, 1): "Артикул", (0, 2): "Цена", (0, 3): "Кол-во",
              (0, 4): "Срок"}
    good: list[Cell] = ["MANN", "W1", 100.0, 5.0, 2.0]
    rows: Cells = {(r, c): v for r in (1, 5) for c, v in enumerate(good)}
    for row, (col, code) in enumerate([(2, 0x2A), (3, 0x07), (4, 0x17)], start=2):
        rows |= {(row, c): v for c, v in enumerate(good)} | {(row, col): XlsError(code)}
    path = tmp_path / "price.xls"
    path.write_bytes(_xls({"Прайс": header | rows}))
    cells = _cells_of(_sheet_frame(path.read_bytes(), 0, error_text=True))
    assert {k: v for k, v in cells.items() if str(v).startswith("#")} == {
        (2, 2): "#N/A", (3, 3): "#DIV/0!", (4, 4): "#REF!"}
    profile = SupplierProfile(code="T", name="T", file=path, columns={
        "brand": "Бренд", "article": "Артикул", "price": "Цена", "quantity": "Кол-во",
        "delivery_days": "Срок"})
    report = load_price_file(profile)
    assert report.offers.column("line").to_pylist() == [2, 6]
    assert report.rejected.column("reason").to_pylist() == [
        "bad price '#N/A'", "bad quantity '#DIV/0!'", "bad delivery '#REF!'"]


def test_every_error_code_reads_as_its_text() -> None:
    cells: Cells = {(0, c): XlsError(code) for c, code in enumerate(_ERRORS)}
    assert _cells_of(_sheet_frame(_xls({"Прайс": cells}), 0, error_text=True)) == {
        (0, c): text for c, text in enumerate(_ERRORS.values())}


@pytest.mark.parametrize("biff5", [False, True])
def test_a_hidden_sheet_is_read_only_when_named(tmp_path: Path, biff5: bool) -> None:
    """Without ``sheet``, the first visible sheet with the header: a hidden old price before
    it (kept for lookups) is not the price Excel shows."""
    header = {(0, 0): "Бренд", (0, 1): "Артикул", (0, 2): "Цена"}
    path = tmp_path / "price.xls"
    path.write_bytes(_xls({"Старый": header | {(1, 0): "MANN", (1, 1): "W1", (1, 2): 100.0},
                           "Прайс": header | {(1, 0): "MANN", (1, 1): "W1", (1, 2): 150.0}},
                          biff5=biff5, hidden=frozenset({"Старый"})))
    columns = {"brand": "Бренд", "article": "Артикул", "price": "Цена"}

    def prices(**kw: object) -> list[str]:
        report = load_price_file(SupplierProfile("T", "T", path, columns=columns, **kw))  # type: ignore[arg-type]
        return [str(p) for p in report.offers.column("price").to_pylist()]

    assert prices() == ["150.00"]
    assert prices(sheet="Старый") == prices(sheet=0) == ["100.00"]
