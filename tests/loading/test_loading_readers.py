"""Price-file readers through load_price_file: formats, encodings, preambles, broken files."""

from __future__ import annotations

import gzip
import io
import random
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partsearch.errors import PriceFileError
from partsearch.loading import OFFERS_SCHEMA, LoadReport, SupplierProfile, load_price_file

COLS = {"brand": "Бренд", "article": "Артикул", "price": "Цена", "quantity": "Кол-во"}


def _profile(path: Path, **kw: Any) -> SupplierProfile:
    kw.setdefault("columns", COLS)
    return SupplierProfile(code="T", name="T", file=path, **kw)


def _load(path: Path, **kw: Any) -> LoadReport:
    report = load_price_file(_profile(path, **kw))
    assert report.offers.schema.equals(OFFERS_SCHEMA)
    assert report.rows_read == report.offers.num_rows + report.rejected.num_rows
    return report


def _col(report: LoadReport, name: str) -> list[Any]:
    values: list[Any] = report.offers.column(name).to_pylist()
    return values


def test_cp1251_semicolon_preamble(tmp_path: Path) -> None:
    text = ("Прайс-лист ООО Альфа\nДата: 01.02.2024\n\n"
            "Бренд;Артикул;Наименование;Цена;Кол-во\n"
            "MANN;W 712/1;Фильтр масляный;1 234,50;>10\n"
            "Febi;12345;Колодки;850,00;5\n")
    path = tmp_path / "alfa.csv"
    path.write_bytes(text.encode("cp1251"))
    report = _load(path)
    assert _col(report, "brand") == ["MANN-FILTER", "FEBI BILSTEIN"]
    assert _col(report, "brand_raw") == ["MANN", "Febi"]
    assert _col(report, "article") == ["W 712/1", "12345"]
    assert _col(report, "article_key") == ["W7121", "12345"]
    assert _col(report, "price") == [Decimal("1234.50"), Decimal("850.00")]
    assert _col(report, "quantity") == [10, 5]
    assert _col(report, "quantity_exact") == [False, True]
    assert _col(report, "line") == [5, 6]


def test_utf8_bom_tab(tmp_path: Path) -> None:
    path = tmp_path / "p.txt"
    path.write_bytes("\ufeffБренд\tАртикул\tЦена\tКол-во\r\nKYB\t334302\t2500\t2\r\n"
                     .encode("utf-8"))
    report = _load(path)
    assert _col(report, "brand_raw") == ["KYB"]
    assert _col(report, "price") == [Decimal("2500.00")]
    assert _col(report, "quantity") == [2]


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_with_bom(tmp_path: Path, codec: str) -> None:
    # Excel's "Unicode text": UTF-16 with a BOM, tab separated
    path = tmp_path / "p.txt"
    bom = "\ufeff".encode(codec)
    path.write_bytes(bom + "Бренд\tАртикул\tЦена\tКол-во\r\nKYB\t334302\t2 500,00\t2\r\n"
                     "МАНН\tW 7\t10\t1\r\n".encode(codec))
    report = _load(path)
    assert _col(report, "brand_raw") == ["KYB", "МАНН"]
    assert _col(report, "price") == [Decimal("2500.00"), Decimal("10.00")]
    path.write_bytes(bom + "Бренд\tАртикул".encode(codec) + b"\x00")  # an odd byte out
    with pytest.raises(PriceFileError, match="not utf-16"):
        _load(path)


def test_single_quote_holds_delimiter(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_text("Бренд;Артикул;Цена;Кол-во;Кроссы\nNK;SA1;10,5;1;'A;B;C'\n"
                    "NK;SA2;11;2;'it''s'\n", encoding="utf-8")
    report = _load(path, quote="'")
    assert _col(report, "article") == ["SA1", "SA2"]
    assert report.rejected.num_rows == 0


@pytest.mark.parametrize("delimiter", [None, ";"])
def test_a_quote_not_given_is_detected(tmp_path: Path, delimiter: str | None) -> None:
    # as loadFile.csv: "'" quotes hold ";" (and a doubled "'" inside is one)
    path = tmp_path / "q.csv"
    path.write_text("Бренд;Артикул;Цена;Кол-во;Кроссы\nNK;SA1;10,5;1;'A;B;C'\n"
                    "NK;SA2;11;2;'it''s;x'\nNK;SA3;12;3;D\n", encoding="utf-8")
    report = _load(path, delimiter=delimiter)
    assert _col(report, "article") == ["SA1", "SA2", "SA3"]
    assert report.rejected.num_rows == 0


def test_a_double_quoted_file_keeps_its_quote(tmp_path: Path) -> None:
    # an apostrophe in a text is no quote: '"' stays the quote when "'" splits no steadier
    path = tmp_path / "q.csv"
    path.write_text('Бренд;Артикул;Цена;Кол-во;Имя\nNK;SA1;10;1;"A;B"\n'
                    "NK;SA2;11;2;'O'Neil\nNK;SA3;12;3;\"x\"\n", encoding="utf-8")
    report = _load(path)
    assert _col(report, "article") == ["SA1", "SA2", "SA3"]


def test_a_stray_double_quote_in_the_head_keeps_double_quotes(tmp_path: Path) -> None:
    # the stray '"' makes '"' split the head unsteadily, but "'" is nowhere in the file: '"'
    # stays the quote, and the quoted "Filter, oil" past the head splits as one field (read
    # with "'" each was rejected, where they had loaded)
    path = tmp_path / "q.csv"
    path.write_text("Бренд,Артикул,Цена,Кол-во\nMANN,W0,\"5 inch,1\n" + "".join(
        f"MANN,W{i},{i}0,1\n" for i in range(1, 70)) + '"MANN, FILTER",W70,700,1\n',
                    encoding="utf-8")
    report = _load(path)
    assert _col(report, "article")[-1] == "W70" and report.offers.num_rows == 70
    assert report.rejected.column("line").to_pylist() == [2]


@pytest.mark.parametrize("columns", [None, {"brand": 0, "article": 1, "price": 2}])
def test_a_stray_quote_rejects_its_line_alone(tmp_path: Path,
                                              columns: dict[str, int] | None) -> None:
    path = tmp_path / "s.csv"
    header = "" if columns else "Бренд;Артикул;Цена;Кол-во\n"
    path.write_text(header + "MANN;W1;10;1\nMANN;W2;20;2\nMANN;W3;30;3\n"
                    'MANN;W4;"unterminated;40\nMANN;W5;50;5\nMANN;W6;"60";6\nMANN;W7;70;7\n',
                    encoding="utf-8")
    report = _load(path, quote='"', **({"columns": columns} if columns else {}))
    assert _col(report, "article") == ["W1", "W2", "W3", "W5", "W6", "W7"]
    line = 4 if columns else 5
    assert _col(report, "line") == [line - 3, line - 2, line - 1, line + 1, line + 2, line + 3]
    assert report.rejected.select(["line", "raw", "reason"]).to_pylist() == [
        {"line": line, "raw": 'MANN;W4;"unterminated;40',
         "reason": "expected 4 fields; a quote opened here is not closed on this line"}]


@pytest.mark.parametrize("every", [1, 2])
def test_positional_rows_with_quoted_line_breaks_load(tmp_path: Path, every: int) -> None:
    # no header: the rows' width is not taken from the head's lines one by one, where a
    # description spanning two lines is two pieces of another width (which had failed the
    # file as "rows have 3 fields", or cut every such row as a stray quote)
    path = tmp_path / "n.csv"
    rows = [f'MANN;W{i};"Filter\r\noil";{i}0;{i}' if i % every == 0 else f"MANN;W{i};x;{i}0;{i}"
            for i in range(1, 7)]
    path.write_bytes("\r\n".join(rows).encode())
    report = _load(path, columns={"brand": 0, "article": 1, "description": 2, "price": 3})
    assert _col(report, "article") == [f"W{i}" for i in range(1, 7)]
    assert _col(report, "line") == ([1, 3, 5, 7, 9, 11] if every == 1 else [1, 2, 4, 5, 7, 8])
    assert report.rejected.num_rows == 0


def test_ragged_row_is_rejected_with_line(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("Бренд;Артикул;Цена;Кол-во\nNK;A1;10;1\nNK;A2;10;1;extra\n\nNK;A3\n"
                    "NK;A4;0,00;1\nNK;--;5;1\n;A6;5;1\nNK;A7;5;звоните\n", encoding="utf-8")
    report = _load(path)
    assert _col(report, "article") == ["A1"]
    rej = {r["line"]: (r["raw"], r["reason"]) for r in report.rejected.to_pylist()}
    assert rej[3] == ("NK;A2;10;1;extra", "expected 4 fields, found 5")
    assert rej[5] == ("NK;A3", "expected 4 fields, found 2")
    assert rej[6][1] == "zero price '0,00'"
    assert rej[7][1].startswith("empty article")
    assert rej[8][1] == "empty brand"
    assert rej[9][1] == "bad quantity 'звоните'"
    assert report.rows_read == 7  # the blank line is not a row


@pytest.mark.parametrize(("header", "rows"), [
    ("Бренд;Артикул;Цена;Кол-во", ["NK;A1;10;1;;;", "NK;A2;10;1; \t;"]),  # padded rows
    ("Бренд;Артикул;Цена;Кол-во;;;", ["NK;A1;10;1", "NK;A2;10;1"]),  # a padded header
    ("Бренд;Артикул;Цена;Кол-во;;;", ["NK;A1;10;1;", "NK;A2;10;1;;;;;"]),
    ("Бренд;Артикул;Цена;Кол-во", ["NK;A1;10;1", "NK;A2;10;1;"]),  # one row's extra ";"
    ("Бренд;Артикул;Цена;Кол-во;", ["NK;A1;10;1;note", "NK;A2;10;1"]),  # an unnamed column
])
def test_blank_fields_past_the_header_are_no_columns(tmp_path: Path, header: str,
                                                     rows: list[str]) -> None:
    # 1C and script exports pad their rows, or their header, with empty fields: the columns
    # are not in doubt, where every row was rejected and the supplier's file failed
    path = tmp_path / "p.csv"
    path.write_bytes("\n".join([header, *rows, ""]).encode("cp1251"))
    report = _load(path)
    assert _col(report, "article") == ["A1", "A2"]
    assert _col(report, "line") == [2, 3]


def test_text_past_the_header_or_too_few_fields_still_reject(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes("Бренд;Артикул;Цена;Кол-во;;\nNK;A1;10;1;;x\nNK;A2;10\nNK;A3;10;1;;\n"
                     "NK;A4;10;1;;;x\n".encode("cp1251"))
    report = _load(path)
    # the text in the header's unnamed column is the row's own: it loads (A1), as before
    assert _col(report, "article") == ["A1", "A3"]
    rej = {r["line"]: r["reason"] for r in report.rejected.to_pylist()}
    assert rej == {3: "expected 4 fields, found 3", 5: "expected 6 fields, found 7"}


def test_padded_positional_rows_load(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes(b"NK;A1;10\nNK;A2;20;\nNK;A3;30;;\nNK;A4;40\n")
    report = _load(path, columns={"brand": 0, "article": 1, "price": 2})
    assert _col(report, "article") == ["A1", "A2", "A3", "A4"]


@pytest.mark.parametrize("title", ["", "Прайс на 01.12;;;\n"])
def test_a_padded_first_data_row_is_no_header(tmp_path: Path, title: str) -> None:
    # its padding gave it another width than the rows below: it was taken for their header
    # (a row with a price, just above the data) and dropped, neither read nor rejected
    path = tmp_path / "p.csv"
    path.write_bytes(f"{title}NK;A1;10;5;;;\nNK;A2;20;5\nNK;A3;30;5\n".encode())
    report = _load(path, columns={"brand": 0, "article": 1, "price": 2, "quantity": 3})
    assert _col(report, "article") == ["A1", "A2", "A3"]


@pytest.mark.parametrize("encoding", ["cp1251", "utf-8"])
def test_classic_mac_line_ends_are_lines(tmp_path: Path, encoding: str) -> None:
    # a CR alone ends each line (no LF anywhere): the whole was one line, its header not found
    path = tmp_path / "mac.csv"
    path.write_bytes("Бренд;Артикул;Цена;Кол-во\rNK;A1;10;1\r\rNK;A2;нет;1\rNK;A3;30;2\r"
                     .encode(encoding))
    report = _load(path)
    assert _col(report, "article") == ["A1", "A3"]
    assert _col(report, "line") == [2, 5]
    assert report.rejected.to_pylist()[0]["line"] == 4
    assert report.rejected.to_pylist()[0]["raw"] == "NK;A2;нет;1"


def test_empty_rows_and_a_dos_end_of_file_are_spacing(tmp_path: Path) -> None:
    # Excel saves an empty sheet row as ";;;", as the same sheet saved as XLSX has none; a
    # line of blanks and an old exporter's end-of-file mark (\x1a) are no rows either
    path = tmp_path / "s.csv"
    path.write_bytes("Бренд;Артикул;Цена;Кол-во\r\n;;;\r\nNK;A1;10;1\r\n  \t \r\n;;;\r\n"
                     "NK;A2;10;1\r\n\x1a".encode("cp1251"))
    report = _load(path)
    assert _col(report, "line") == [3, 6]
    assert report.rows_read == 2
    assert report.rejected.num_rows == 0


@pytest.mark.parametrize("encoding", [None, "utf-8"])
def test_stray_byte_in_a_utf8_file_rejects_its_row_only(tmp_path: Path,
                                                        encoding: str | None) -> None:
    """Read as cp1251 for one stray byte, the whole file's Cyrillic had come out garbled (or,
    named UTF-8, the file was refused); now only the row holding it is rejected."""
    rows = ["Бренд;Артикул;Наименование;Цена;Кол-во"] + \
        [f"MANN;W {i};Фильтр масляный;{100 + i},50;{i % 7}" for i in range(40)]
    data = "\n".join(rows).encode() + b"\nKNECHT;OC 90;\xd0\xa4\xff\xd0;300;5\nNK;A1;\xd0\x9a;5;1\n"
    path = tmp_path / "u.csv"
    path.write_bytes(data)
    report = _load(path, encoding=encoding, columns=COLS | {"description": "Наименование"})
    assert set(_col(report, "description")) == {"Фильтр масляный", "К"}
    assert _col(report, "line")[-1] == 43
    assert [(r["line"], r["raw"], r["reason"]) for r in report.rejected.to_pylist()] == [
        (42, "KNECHT;OC 90;Ф??;300;5", "not valid UTF-8 (its bad bytes shown as ?)")]


@pytest.mark.parametrize("encoding", [None, "cp1251"])
def test_the_byte_cp1251_lacks_rejects_its_row_only(tmp_path: Path,
                                                    encoding: str | None) -> None:
    """0x98 is the one byte cp1251 leaves undefined: one of them had the whole file refused
    ("cannot detect the encoding"); as a stray byte in UTF-8, it now rejects its row."""
    rows = ["Бренд;Артикул;Наименование;Цена;Кол-во"] + \
        [f"MANN;W {i};Фильтр масляный;{100 + i},50;{i % 7}" for i in range(40)]
    data = "\n".join(rows).encode("cp1251") + b"\nKNECHT;OC 90;\xd4\x98;300;5\n" + \
        "NK;A1;Ф;5;1\n".encode("cp1251")
    path = tmp_path / "c.csv"
    path.write_bytes(data)
    report = _load(path, encoding=encoding, columns=COLS | {"description": "Наименование"})
    assert set(_col(report, "description")) == {"Фильтр масляный", "Ф"}
    assert [(r["line"], r["raw"], r["reason"]) for r in report.rejected.to_pylist()] == [
        (42, "KNECHT;OC 90;Ф?;300;5", "not valid cp1251 (its bad bytes shown as ?)")]
    html = tmp_path / "c.xls"  # the same in a ".xls" that is an HTML table
    html.write_bytes("<table><tr><th>Бренд</th><th>Артикул</th><th>Наименование</th>"
                     "<th>Цена</th><th>Кол-во</th></tr><tr><td>NK</td><td>A1</td><td>Ф</td>"
                     "<td>5</td><td>1</td></tr>".encode("cp1251") + b"<tr><td>NK</td><td>B1"
                     b"</td><td>\xd4\x98</td><td>5</td><td>2</td></tr></table>")
    report = _load(html, encoding=encoding, columns=COLS | {"description": "Наименование"})
    assert _col(report, "description") == ["Ф"]
    assert [(r["line"], r["raw"], r["reason"]) for r in report.rejected.to_pylist()] == [
        (3, "NK\tB1\tФ?\t5\t2", "not valid cp1251 (its bad bytes shown as ?)")]


def test_a_file_of_many_bytes_cp1251_lacks_is_neither_encoding(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_bytes("Бренд;Артикул;Цена;Кол-во\n".encode("cp1251") + b"\x98\xff" * 20)
    with pytest.raises(PriceFileError, match="cannot detect the encoding"):
        _load(path)


def test_cp1251_file_named_utf8_is_refused_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes("Бренд;Артикул;Цена;Кол-во\nNK;A1;5;1\n".encode("cp1251"))
    assert _col(_load(path), "brand_raw") == ["NK"]  # detected: cp1251
    # (it said Python's codec words: "'utf-8' codec can't decode byte 0xc1 in position 0")
    with pytest.raises(PriceFileError, match=r"c\.csv:1: the profile names encoding 'utf-8', "
                       r"but the file is not UTF-8 \(byte 0xc1 .*make it \"cp1251\""):
        load_price_file(_profile(path, encoding="utf-8"))


def test_text_columns_are_trimmed_and_reasons_ordered(tmp_path: Path) -> None:
    """Brand, article and description lose the whitespace str.strip() drops (no-break space
    too); an article a spreadsheet wrote as "155093.0" is the integer; a row that fails
    several checks gives the first in order: article, brand, price, quantity."""
    path = tmp_path / "t.csv"
    path.write_text("Бренд;Артикул;Цена;Кол-во;Описание\n"
                    "\u00a0 NK ;\t155093.0 ;10;1; Фильтр\u00a0\n"
                    "NK;1.50;10;1;\n"
                    "NK; -- ;x;y;d\n"
                    " ;A4;x;y;d\n"
                    "NK;A5;x;y;d\n", encoding="utf-8")
    report = _load(path, columns={**COLS, "description": "Описание"})
    assert _col(report, "brand_raw") == ["NK", "NK"]
    assert _col(report, "article") == ["155093", "1.50"]
    assert _col(report, "description") == ["Фильтр", ""]
    reasons = [r["reason"] for r in report.rejected.to_pylist()]
    assert reasons == ["empty article '--'", "empty brand", "bad price 'x'"]


def test_a_brand_of_no_letters_is_an_empty_brand(tmp_path: Path) -> None:
    """A brand cell of "-", "—", "?" or a soft hyphen alone loaded as a brand of its own (an
    invisible one offered in the brand choice), where a no-break space alone was rejected."""
    path = tmp_path / "t.csv"
    path.write_text("Бренд;Артикул;Цена;Кол-во\n-;OC 90;1;1\n\u2014;OC 90;1;1\n"
                    "\u00ad;OC 90;1;1\n?;OC 90;1;1\nKNE\u00adCHT;OC 90;1;1\n", encoding="utf-8")
    report = _load(path)
    assert _col(report, "brand") == ["KNECHT"]
    assert [r["reason"] for r in report.rejected.to_pylist()] == ["empty brand"] * 4


def test_quoted_newline_keeps_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "n.csv"
    path.write_text('Бренд;Артикул;Цена;Кол-во;Описание\nNK;A1;1;1;"two\nlines"\nNK;A2;2;2;x\n')
    report = _load(path, columns={**COLS, "description": "Описание"})
    assert _col(report, "line") == [2, 4]
    assert _col(report, "description") == ["two\nlines", "x"]


def test_quoted_carriage_return_in_the_head(tmp_path: Path) -> None:
    """A quoted value with a line break, then a carriage return, among the lines the header
    is looked for in (the csv module refuses the line the break leaves unquoted) loads as it
    stands."""
    path = tmp_path / "r.csv"
    path.write_bytes('Бренд;Артикул;Цена;Кол-во;Описание\nNK;A1;1;1;"one\ntwo\rthree"\n'
                     'NK;A2;2;2;x\n'.encode())
    report = _load(path, columns={**COLS, "description": "Описание"})
    assert _col(report, "description") == ["one\ntwo\rthree", "x"]


@pytest.mark.parametrize("end", ["\r\n", "\n", "\r"])
def test_a_header_cell_holding_a_line_break_is_one_cell(tmp_path: Path, end: str) -> None:
    # Excel's wrapped header text, quoted as one cell: the header was cut at its break
    # ("missing column(s) 'Цена, руб.'"), as an unmapped column's cut off the first data row
    path = tmp_path / "h.csv"
    path.write_bytes(end.join(['Бренд;Артикул;"Цена,\r\nруб.";"Кол-во,\nшт.";"Примечание,',
                               'доп."', "NK;A1;100;5;x", "NK;A2;200;6;y", ""]).encode("cp1251"))
    report = _load(path, columns={**COLS, "price": "Цена, руб.", "quantity": "кол-во, шт."})
    assert _col(report, "article") == ["A1", "A2"]
    assert _col(report, "line") == [5, 6] if end == "\r" else [4, 5]
    assert report.rejected.num_rows == 0



def test_a_profile_naming_a_wrapped_header_cells_first_line_is_told_the_remedy(
        tmp_path: Path) -> None:
    # `partsearch profile` drafted price = "Price," when the header was cut at the break
    path = tmp_path / "h.csv"
    path.write_bytes('Brand;Article;"Price,\r\nруб."\r\nNK;A1;10\r\n'.encode("cp1251"))
    with pytest.raises(PriceFileError, match=r"missing column\(s\) 'Price,'; .*; the header "
                       r"cell 'Price,\\nруб\.' is wrapped: name it 'Price, руб\.'$"):
        _load(path, columns={"brand": "Brand", "article": "Article", "price": "Price,"})

def test_a_stray_quote_in_a_header_swallows_no_row(tmp_path: Path) -> None:
    # its quote closes at the next row's inch mark: the two lines are no header record, the
    # header's line alone is (as it was)
    path = tmp_path / "h.csv"
    path.write_text('Бренд;Артикул;Цена;"Кол-во\nNK;A1;10;1/2"\nNK;A2;20;3\n',
                    encoding="utf-8")
    report = _load(path, columns={"brand": "Бренд", "article": "Артикул", "price": "Цена"})
    assert _col(report, "article") == ["A1", "A2"]



@pytest.mark.parametrize(("text", "articles"), [
    # 1C's trailing ";": the quote's two lines split as wide as the rows with theirs
    ('Бренд;Артикул;Наименование;Цена;"Кол-во\nNK;A1;шланг 1/2";10;1;\nNK;A2;x;20;3;\n'
     'NK;A3;y;30;4;\n', ["A1", "A2", "A3"]),
    ('Бренд;Артикул;Наименование;Цена;"Кол-во\nNK;A1;шланг 1/2";10;1;\n', ["A1"]),  # one row
    ('Бренд\tАртикул\tНаименование\t"Цена\t\r\nNK\tA1\tшланг 3/4"\t100\t\r\n'
     'NK\tA2\tx\t101\t\r\n', ["A1", "A2"]),  # (a mapped cell's quote, trailing tabs)
])
def test_a_stray_header_quote_closed_by_an_inch_mark_below_swallows_no_row(
        tmp_path: Path, text: str, articles: list[str]) -> None:
    # the quote's text holds the delimiter, as a wrapped header cell's never does: it is a
    # stray quote's, and the header's line alone is the header (all rows were swallowed, or
    # the load failed "missing column(s)")
    path = tmp_path / "h.csv"
    path.write_text(text, encoding="utf-8")
    report = _load(path, columns={"brand": "Бренд", "article": "Артикул", "price": "Цена"})
    assert _col(report, "article") == articles


@settings(max_examples=60, deadline=None)
@given(delim=st.sampled_from([";", ",", "\t"]), end=st.sampled_from(["\n", "\r\n", "\r"]),
       stray=st.sampled_from(['"Остаток', 'Остаток;"']), trail=st.booleans(),
       names=st.lists(st.sampled_from(['шланг 3/4"', "фильтр", 'кольцо 1"', '"""Евро"""', "x"]),
                      min_size=1, max_size=6))
def test_a_stray_header_quote_loses_no_row(tmp_path_factory: pytest.TempPathFactory,
                                           delim: str, end: str, stray: str, trail: bool,
                                           names: list[str]) -> None:
    # a stray quote opening a header's last cell, or after it, whatever inch marks the rows
    # below hold: every row loads, as when the header was its line alone
    header = delim.join(["Бренд", "Артикул", "Наименование", "Цена", stray.replace(";", delim)])
    rows = [delim.join(["NK", f"A{i}", name, str(100 + i), "5"]) + (delim if trail else "")
            for i, name in enumerate(names)]
    path = tmp_path_factory.mktemp("h") / "h.csv"
    path.write_bytes(end.join([header, *rows, ""]).encode("cp1251"))
    report = _load(path, columns={"brand": "Бренд", "article": "Артикул", "price": "Цена"})
    assert _col(report, "article") == [f"A{i}" for i in range(len(names))]

def test_xlsx_preamble_numeric_articles(tmp_path: Path) -> None:
    import xlsxwriter

    path = tmp_path / "p.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Price")
    sheet.write_row(0, 0, ["Прайс-лист"])
    sheet.write_row(1, 0, ["Дата:", "2024-01-01"])
    sheet.write_row(3, 0, ["Бренд", "Артикул", "Цена", "Кол-во"])
    sheet.write_row(4, 0, ["Mobil", 155093, 1662.5, 3])
    sheet.write_row(5, 0, ["Mobil", "0451103", 99, ">10"])
    book.close()
    report = _load(path)
    assert _col(report, "article") == ["155093", "0451103"]
    assert _col(report, "article_key") == ["155093", "0451103"]
    assert _col(report, "price") == [Decimal("1662.50"), Decimal("99.00")]
    assert _col(report, "quantity") == [3, 10]
    assert _col(report, "line") == [5, 6]


def test_zip_with_two_csvs_and_readme(tmp_path: Path) -> None:
    path = tmp_path / "prices.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "Прайс обновляется ежедневно")
        zf.writestr("msk.csv", "Бренд;Артикул;Цена;Кол-во\nNK;A1;1;1\n".encode("cp1251"))
        zf.writestr("spb.csv", "Бренд;Артикул;Цена;Кол-во\nNK;A2;2;2\nNK;A3;x;2\n")
    report = _load(path)
    assert _col(report, "article") == ["A1", "A2"]
    assert report.rejected.column("path").to_pylist() == [f"{path}!spb.csv"]


def test_a_zip_lists_the_members_it_skipped(tmp_path: Path) -> None:
    path = tmp_path / "prices.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "Прайс обновляется ежедневно.\nЗвоните: 8-800, доб. 1")
        zf.writestr("__MACOSX/._msk.csv", b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X")
        zf.writestr("msk.csv", "Бренд;Артикул;Цена;Кол-во\nNK;A1;1;1\n")
        zf.writestr("contract.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
        zf.writestr("spb.csv", b"")  # (a warehouse's empty file: no offers to lose)
    report = _load(path)
    assert _col(report, "article") == ["A1"]
    assert [m.split(":")[0] for m in report.skipped] == [
        "readme.txt", "__MACOSX/._msk.csv", "contract.pdf", "spb.csv"]


def _zip_named(path: Path, name: bytes, text: str) -> None:
    """A zip of a readme and ``text`` under ``name``'s bytes as they are, not flagged UTF-8."""
    stand_in = b"X" * len(name)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("readme.pdf", b"%PDF-1.4")
        zf.writestr(stand_in.decode(), text)
    assert buf.getvalue().count(stand_in) == 2  # (the local header's and the directory's)
    path.write_bytes(buf.getvalue().replace(stand_in, name))


@pytest.mark.parametrize(("name", "raw"), [
    ("Прайс/Москва.csv", "Прайс/Москва.csv".encode("cp866")),  # Windows' archivers
    ("Прайс/Москва.csv", "Прайс/Москва.csv".encode()),  # macOS's
    ("Preis/Köln.csv", "Preis/Köln.csv".encode("cp437")),  # (cp437's own: no word)
    ("Preis/Straße.csv", "Preis/Straße.csv".encode("cp437")),
    # cp437's own, whose letters cp866 reads as Cyrillic, two in a row: a word mixing them
    # with Latin letters is no Russian (they were GrФсe.csv, PrВВminent, MБller_SФhne)
    ("Größe.csv", "Größe.csv".encode("cp437")),
    ("Prééminent.csv", "Prééminent.csv".encode("cp437")),
    ("Müller_Söhne.csv", "Müller_Söhne.csv".encode("cp437")),
    ("Прайс_NGK/Москва 2024.csv", "Прайс_NGK/Москва 2024.csv".encode("cp866")),
    ("price/msk.csv", b"price/msk.csv"),
])
def test_a_zip_members_name_is_its_archivers(tmp_path: Path, name: str, raw: bytes) -> None:
    # a name not flagged UTF-8 is cp437 by the zip format, and was read so whatever its
    # archiver wrote: a rejected row's path, an error, `skipped` named 'Åαá⌐ß/î«ß¬ó.csv'
    path = tmp_path / "prices.zip"
    _zip_named(path, raw, "Бренд;Артикул;Цена;Кол-во\nNK;A1;1;1\nNK;A2;x;1\n")
    report = _load(path)
    assert report.rejected.column("path").to_pylist() == [f"{path}!{name}"]
    assert [m.split(":")[0] for m in report.skipped] == ["readme.pdf"]
    _zip_named(path, raw, "Бренд;Артикул;Стоимость\nNK;A1;1\n")
    with pytest.raises(PriceFileError) as caught:
        load_price_file(_profile(path))
    assert caught.value.path == f"{path}!{name}"


def test_a_zip_members_utf8_flagged_name_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "prices.zip"
    with zipfile.ZipFile(path, "w") as zf:  # (zipfile flags a name it writes in UTF-8)
        zf.writestr("Прайс/Köln.csv", "Бренд;Артикул;Цена;Кол-во\nNK;A2;x;1\nNK;A1;1;1\n")
    assert zipfile.ZipFile(path).infolist()[0].flag_bits & 0x800
    assert _load(path).rejected.column("path").to_pylist() == [f"{path}!Прайс/Köln.csv"]


@pytest.mark.parametrize("readme", [
    "Уважаемые клиенты, прайс обновляется ежедневно.\nЦены указаны в рублях, с НДС.\n"
    "По вопросам звоните, пишите на почту.\n",
    "Dear customers; prices are updated daily.\nPrices in RUB; VAT included.\n",
    "Менеджер: Иван\tтел. 8 800 555 35 35\nСклад: Петр\tтел. 8 800 555 35 36\n",
])
def test_a_zips_readme_in_prose_is_skipped(tmp_path: Path, readme: str) -> None:
    # prose splits steadily at its commas, but is no table: the archive loads, as it did
    path = tmp_path / "prices.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("msk.csv", "Бренд;Артикул;Цена;Кол-во\nNK;A1;1;1\n")
        zf.writestr("README", readme)
    report = _load(path)
    assert _col(report, "article") == ["A1"]
    assert [m.split(":")[0] for m in report.skipped] == ["README"]


@pytest.mark.parametrize(("name", "text", "why"), [
    ("spb.csv", "Бренд;Артикул;Стоимость;Кол-во\nNK;A2;2;2\n", "missing column(s) 'Цена'"),
    ("spb.txt", "Бренд\tАртикул\tСтоимость\nNK\tA2\t2\nNK\tA3\t3\n",
     "missing column(s) 'Цена', 'Кол-во'"),
    ("spb.xlsx", b"PK\x03\x04 a damaged workbook", "corrupt zip/xlsx"),
])
def test_a_zip_member_that_is_a_price_table_and_fails_fails_the_load(
        tmp_path: Path, name: str, text: str | bytes, why: str) -> None:
    # its offers would be lost silently, the archive's others loaded as if they were all
    path = tmp_path / "prices.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("msk.csv", "Бренд;Артикул;Цена;Кол-во\nNK;A1;1;1\n")
        zf.writestr(name, text)
    with pytest.raises(PriceFileError) as caught:
        load_price_file(_profile(path))
    assert caught.value.path == f"{path}!{name}"
    assert why in caught.value.message


def test_xls_that_is_csv(tmp_path: Path) -> None:
    path = tmp_path / "price.xls"
    path.write_bytes("Бренд;Артикул;Цена;Кол-во\nNK;A1;1;1\n".encode("cp1251"))
    assert _col(_load(path), "article") == ["A1"]


def test_xls_that_is_html(tmp_path: Path) -> None:
    path = tmp_path / "price.xls"
    path.write_text("<html><body><table><tr><th>Бренд</th><th>Артикул</th><th>Цена</th>"
                    "<th>Кол-во</th></tr><tr><td>NK</td><td>A 1</td><td>1 200,00</td>"
                    "<td>есть</td></tr></table></body></html>", encoding="utf-8")
    report = _load(path)
    assert _col(report, "article") == ["A 1"]
    assert _col(report, "price") == [Decimal("1200.00")]


def _ods(cells: dict[tuple[int, int], str | float], sheet: str = "Прайс") -> bytes:
    """An OpenDocument spreadsheet (as LibreOffice writes one: the ``mimetype`` member first
    and stored) whose one sheet holds ``cells``, (row, column) from A1."""
    from xml.sax.saxutils import escape

    def cell(value: str | float | None) -> str:
        if value is None:
            return "<table:table-cell/>"
        if isinstance(value, str):
            return (f'<table:table-cell office:value-type="string"><text:p>{escape(value)}'
                    "</text:p></table:table-cell>")
        return (f'<table:table-cell office:value-type="float" office:value="{value}">'
                f"<text:p>{value}</text:p></table:table-cell>")

    height = max(r for r, _ in cells) + 1
    width = max(c for _, c in cells) + 1
    rows = "".join("<table:table-row>" + "".join(cell(cells.get((r, c))) for c in range(width))
                   + "</table:table-row>" for r in range(height))
    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns} '
               f'office:version="1.2"><office:body><office:spreadsheet>'
               f'<table:table table:name="{sheet}">{rows}</table:table>'
               "</office:spreadsheet></office:body></office:document-content>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
                '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" manifest:media-type='
                '"application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry '
                'manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                "</manifest:manifest>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet",
                    compress_type=zipfile.ZIP_STORED)
        zf.writestr("META-INF/manifest.xml", manifest)
        zf.writestr("content.xml", content)
    return out.getvalue()


def test_ods_spreadsheet_read_from_a1(tmp_path: Path) -> None:
    path = tmp_path / "price.ods"
    path.write_bytes(_ods({(0, 1): "Прайс-лист", (2, 1): "Бренд", (2, 2): "Артикул",
                           (2, 3): "Цена", (2, 4): "Кол-во", (3, 1): "MANN", (3, 2): "W 712",
                           (3, 3): 1234.5, (3, 4): 5, (5, 1): "KNECHT", (5, 2): "OC 90",
                           (5, 3): "по запросу", (5, 4): 1}))
    report = _load(path)
    assert _col(report, "article") == ["W 712"] and _col(report, "line") == [4]
    assert _col(report, "price") == [Decimal("1234.50")]
    assert report.rejected.column("line").to_pylist() == [6]
    positional = _load(path, skip_rows=3, columns={"brand": 1, "article": 2, "price": 3})
    assert _col(positional, "article") == ["W 712"]


def test_xls_that_is_html_with_merged_cells(tmp_path: Path) -> None:
    """Spanned cells (an exported sheet's merged ones) keep the cells after them in their
    columns: the text in the span's first cell, the rest empty, as a spreadsheet reads it."""
    path = tmp_path / "price.xls"
    path.write_text(
        "<table><tr><td colspan=5>Прайс-лист на 01.12.2026</td></tr>"
        "<tr><th>Бренд</th><th>Артикул</th><th colspan=2>Описание</th><th>Цена</th>"
        "<th>Кол-во</th></tr>"
        "<tr><td rowspan=2>MANN</td><td>W 712</td><td colspan=2>Фильтр масляный</td>"
        "<td>100</td><td>5</td></tr>"
        "<tr><td>W 713</td><td>Фильтр</td><td>масляный</td><td>110</td><td>2</td></tr>"
        "<tr><td>KNECHT</td><td rowspan=2>OC 90</td><td>Фильтр</td><td></td><td>90</td>"
        "<td rowspan=2>3</td></tr>"
        "<tr><td>MAHLE</td><td colspan=2>Фильтр масляный</td><td>95</td></tr>"
        "</table>", encoding="utf-8")
    report = _load(path, columns=COLS | {"description": "Описание"})
    assert _col(report, "article") == ["W 712", "OC 90"]
    assert _col(report, "description") == ["Фильтр масляный", "Фильтр"]
    assert _col(report, "price") == [Decimal("100.00"), Decimal("90.00")]
    assert _col(report, "line") == [3, 5]
    # a merged brand or article reads as empty below its first row, as in a spreadsheet
    assert [(r["line"], r["reason"].split(" ")[:2]) for r in report.rejected.to_pylist()] == [
        (4, ["empty", "brand"]), (6, ["empty", "article"])]


def test_xls_that_is_html_with_a_stray_byte(tmp_path: Path) -> None:
    """As in a CSV file: the row holding it is rejected, the others keep their Cyrillic."""
    rows = "".join(f"<tr><td>NK</td><td>A{i}</td><td>Фильтр</td><td>10</td><td>1</td></tr>"
                   for i in range(20))
    path = tmp_path / "price.xls"
    path.write_bytes(("<table><tr><th>Бренд</th><th>Артикул</th><th>Наименование</th>"
                      "<th>Цена</th><th>Кол-во</th></tr>" + rows).encode()
                     + "<tr><td>NK</td><td>B1</td><td>Ф".encode() + b"\xff</td><td>5</td>"
                     + b"<td>2</td></tr></table>")
    report = _load(path, columns=COLS | {"description": "Наименование"})
    assert len(_col(report, "article")) == 20 and set(_col(report, "description")) == {"Фильтр"}
    assert [(r["line"], r["raw"], r["reason"]) for r in report.rejected.to_pylist()] == [
        (22, "NK\tB1\tФ?\t5\t2", "not valid UTF-8 (its bad bytes shown as ?)")]


def test_positional_columns(tmp_path: Path) -> None:
    path = tmp_path / "pos.csv"
    path.write_text("NK,A1,10.5,3\nNK,A2,11,4\n")
    report = _load(path, columns={"brand": 0, "article": 1, "price": 2, "quantity": 3})
    assert _col(report, "price") == [Decimal("10.50"), Decimal("11.00")]


@pytest.mark.parametrize("kind", ["csv", "ods"])
def test_positional_columns_find_their_first_data_row(tmp_path: Path, kind: str) -> None:
    # no skip_rows: the title, the date and the header row are a preamble, not rows to reject;
    # the first data row, with a zero price, is a row (rejected as one)
    rows = [["ООО Гамма Импорт"], ["Цены на 01.02.2024"], [], ["Бренд", "Номер", "Цена", "Кол-во"],
            ["NK", "A0", "0,00", "1"], ["NK", "A1", "10,50", "3"], ["MANN", "W 7", "1 200", "4"]]
    if kind == "csv":
        path = tmp_path / "pos.csv"
        path.write_text("".join(";".join(r) + "\n" for r in rows), encoding="utf-8")
    else:
        path = tmp_path / "pos.ods"
        path.write_bytes(_ods({(i, j): v for i, r in enumerate(rows) for j, v in enumerate(r)}))
    report = _load(path, columns={"brand": 0, "article": 1, "price": 2, "quantity": 3})
    assert _col(report, "article") == ["A1", "W 7"]
    assert _col(report, "line") == [6, 7]
    assert report.rejected.select(["line", "reason"]).to_pylist() == [
        {"line": 5, "reason": "zero price '0,00'"}]
    # skip_rows given: taken as it is
    report = _load(path, columns={"brand": 0, "article": 1, "price": 2}, skip_rows=5)
    assert _col(report, "line") == [6, 7] and report.rejected.num_rows == 0


@pytest.mark.parametrize("kind", ["csv", "ods"])
def test_positional_data_rows_before_the_first_priced_one_are_rejected(tmp_path: Path,
                                                                       kind: str) -> None:
    # no skip_rows: rows filled as data rows are, whose price is no number or which a stray
    # quote cut short, are rows to reject, not a preamble to drop without a word
    rows = [["ООО Гамма Импорт"], ["NK", "A0", "по запросу", "1"], ["NK", "A1", "звоните", "2"],
            ["NK", "A2", "10,50", "3"]]
    if kind == "csv":
        path = tmp_path / "pos.csv"
        path.write_text("".join(";".join(r) + "\n" for r in rows) + 'NK;A3;"cut;4\n'
                        "NK;A4;12;5\n", encoding="utf-8")  # (A3: a stray quote)
        report = _load(path, columns={"brand": 0, "article": 1, "price": 2, "quantity": 3},
                       quote='"')
        assert _col(report, "article") == ["A2", "A4"]
        assert sorted(report.rejected.column("line").to_pylist()) == [2, 3, 5]
    else:
        path = tmp_path / "pos.ods"
        path.write_bytes(_ods({(i, j): v for i, r in enumerate(rows) for j, v in enumerate(r)}))
        report = _load(path, columns={"brand": 0, "article": 1, "price": 2, "quantity": 3})
        assert _col(report, "article") == ["A2"]
    assert "bad price 'по запросу'" in report.rejected.column("reason").to_pylist()
    assert {2, 3} <= set(report.rejected.column("line").to_pylist())


def test_a_positional_file_opening_with_a_stray_quote_rejects_that_row(tmp_path: Path) -> None:
    path = tmp_path / "pos.csv"
    path.write_text('MANN;W0;"cut;5;1\n' + "".join(f"MANN;W{i};x;{i}0;{i}\n"
                                                    for i in range(1, 6)), encoding="utf-8")
    report = _load(path, columns={"brand": 0, "article": 1, "price": 3}, quote='"')
    assert _col(report, "article") == ["W1", "W2", "W3", "W4", "W5"]
    assert report.rejected.column("line").to_pylist() == [1]


@pytest.mark.parametrize(("name", "content", "message"), [
    ("empty.csv", b"", "empty file"),
    ("blank.csv", b" \r\n\t\n", "empty file"),
    ("bad.zip", b"PK\x03\x04garbage", "corrupt zip"),
    ("bad.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1garbage", "cannot read spreadsheet"),
    ("nocol.csv", "Бренд;Артикул;Кол-во\nNK;A1;1\n".encode(), "missing column(s) 'Цена'"),
    ("enc.csv", b"\xd0\xd0\x98\x98;;\n", "cannot detect the encoding"),
])
def test_unreadable_files(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(PriceFileError) as err:
        load_price_file(_profile(path))
    assert message in str(err.value)
    assert str(path) in str(err.value)


def test_a_utf8_file_named_cp1251_is_refused_as_utf8(tmp_path: Path) -> None:
    """Read as cp1251, its header is mojibake: "missing column(s)" at its title said nothing of
    what was wrong; and a file whose header is Latin would load with every text garbled."""
    path = tmp_path / "p.csv"
    path.write_text("Прайс-лист ООО \"Фильтр\"\n\nBrand;Article;Price;Описание\n"
                    "MANN;W 712/1;100;Фильтр\n", encoding="utf-8")
    with pytest.raises(PriceFileError) as err:
        load_price_file(_profile(path, encoding="cp1251", columns={
            "brand": "Brand", "article": "Article", "price": "Price"}))
    assert err.value.path == str(path) and err.value.line == 1
    assert "names encoding 'cp1251', but the file is UTF-8" in err.value.message
    assert "'РџСЂР°Р№СЃ-Р»РёСЃС‚" in err.value.message and "'Прайс-лист" in err.value.message
    report = _load(path, encoding="utf-8", columns={
        "brand": "Brand", "article": "Article", "price": "Price", "description": "Описание"})
    assert _col(report, "description") == ["Фильтр"]


def test_a_cp1251_file_named_so_loads_whatever_its_first_lines_hold(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    # ("Р»" is a valid UTF-8 pair: a cp1251 text holds a few, among many that are not)
    path.write_bytes("Бренд;Артикул;Цена;Кол-во\nMANN;W 712/1;100;Р»\n".encode("cp1251"))
    report = _load(path, encoding="cp1251")
    assert _col(report, "article") == [] and report.rejected.column("reason").to_pylist() == [
        "bad quantity 'Р»'"]


@pytest.mark.parametrize("encoding", ["utf_8", "U8", "utf_8_sig", "cp65001", "UTF8"])
def test_a_utf8_file_named_by_an_alias_of_utf8_loads(tmp_path: Path, encoding: str) -> None:
    """Python's other names of UTF-8 are UTF-8: a file so named is no "UTF-8 file named
    otherwise", as a profile written for Python's codecs spells it."""
    path = tmp_path / "p.csv"
    path.write_text("Бренд;Артикул;Цена;Кол-во;Описание\nMANN;W 712/1;100;1;Фильтр\n",
                    encoding="utf-8")
    report = _load(path, encoding=encoding, columns={**COLS, "description": "Описание"})
    assert _col(report, "description") == ["Фильтр"]


@pytest.mark.parametrize("encoding", ["windows_1251", "Windows-1251", "1251"])
def test_a_cp1251_file_named_by_an_alias_of_cp1251_loads_as_cp1251(tmp_path: Path,
                                                                  encoding: str) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes("Бренд;Артикул;Цена;Кол-во;Описание\nMANN;W 712/1;100;1;Фильтр\n"
                     .encode("cp1251") + b"MANN;W 712/2;100;1;\x98\n")
    report = _load(path, encoding=encoding, columns={**COLS, "description": "Описание"})
    assert _col(report, "description") == ["Фильтр"]
    # (the byte cp1251 leaves undefined rejects its row, as in a file named "cp1251")
    assert report.rejected.column("line").to_pylist() == [3]


def test_missing_columns_name_the_header_row_not_the_title(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("Прайс-лист\nДата: 01.12.2026\n\nMaker;Part;Cost;Qty\nMANN;W1;1;1\n",
                    encoding="utf-8")
    with pytest.raises(PriceFileError, match="missing column") as err:
        load_price_file(_profile(path))
    assert err.value.line == 4 and "closest header: ['Maker', 'Part'" in err.value.message


@pytest.mark.parametrize(("content", "kind"), [
    (gzip.compress("Бренд;Артикул;Цена;Кол-во\nNK;A1;1;1\n".encode("cp1251"), mtime=0),
     "gzip data"),
    (random.Random(3).randbytes(20000), "binary data at byte "),
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\n", "pdf document"),
    (b"Rar!\x1a\x07\x01\x00" + bytes(range(256)), "rar archive"),
])
@pytest.mark.parametrize("encoding", [None, "cp1251", "utf-8"])
def test_a_binary_file_is_named_for_what_it_is(tmp_path: Path, content: bytes, kind: str,
                                                encoding: str | None) -> None:
    """A compressed export saved as ``.csv`` or a corrupted download failed as "missing
    column(s)" with kilobytes of its garbled bytes for a header, stored with the load's report
    and shown by ``info`` at every run."""
    path = tmp_path / "p.csv"
    path.write_bytes(content)
    with pytest.raises(PriceFileError) as err:
        load_price_file(_profile(path, encoding=encoding))
    assert err.value.path == str(path)
    assert err.value.message.startswith(f"not a text file: {kind}")
    assert len(err.value.message) < 120


def test_a_text_whose_header_is_missing_is_no_binary_file(tmp_path: Path) -> None:
    """A stray control byte, or UTF-16's NULs, leave a text a text: its header is missing."""
    path = tmp_path / "p.csv"
    path.write_bytes("Прайс\x00\nBrand;Art;Цена;Кол-во\nNK;A1;1;1\n".encode("cp1251"))
    with pytest.raises(PriceFileError, match=r"missing column\(s\) 'Бренд', 'Артикул'"):
        load_price_file(_profile(path))
    path.write_bytes("Brand\tArt\tЦена\tКол-во\nNK\tA1\t1\t1\n".encode("utf-16"))
    with pytest.raises(PriceFileError, match=r"missing column\(s\) 'Бренд', 'Артикул'"):
        load_price_file(_profile(path))


def test_the_closest_header_of_missing_columns_is_cut_short(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("Brand;" + "Артикул поставщика " * 20 + ";Цена;" + ";".join(
        f"Склад {i}" for i in range(50)) + "\nNK;A1;1\n", encoding="utf-8")
    with pytest.raises(PriceFileError, match="missing column") as err:
        load_price_file(_profile(path))
    header = err.value.message.split("closest header: ")[1]
    assert header.startswith("['Brand', 'Артикул поставщика Артикул по…', 'Цена', 'Склад 0'")
    assert len(header) == 102 and header.endswith("…]")


def test_an_unknown_encoding_of_a_profile_made_in_python_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("Бренд;Артикул;Цена\nNK;A1;1\n", encoding="utf-8")
    with pytest.raises(PriceFileError, match="unknown encoding 'win-1251'") as err:
        load_price_file(_profile(path, encoding="win-1251"))
    assert str(path) in str(err.value)


def test_zip_without_price_file(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("readme.txt", "nothing here")
    path = tmp_path / "x.zip"
    path.write_bytes(buf.getvalue())
    with pytest.raises(PriceFileError, match="no price file in the archive"):
        load_price_file(_profile(path))


def test_after_line_looks_past_the_head_only_when_it_must() -> None:
    """The header's end is found in the file's head, or in the whole file when the header line
    runs past the head; a text with fewer lines ends at its end."""
    import numpy as np

    from partsearch.loading._csv import _after_line

    raw = b"preamble\n" + b"x" * 100 + b"\nbody\n"
    for text in (raw, np.frombuffer(raw, dtype=np.uint8)):
        assert _after_line(text, raw[:64], 0) == 9
        assert _after_line(text, raw[:64], 1) == 110  # the line ends past the 64-byte head
        assert _after_line(text, raw[:64], 5) == len(raw)


def test_a_delivery_date_counts_from_the_price_file(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    path = tmp_path / "dates.csv"
    path.write_text("Бренд;Артикул;Цена;Поставка\nNK;A1;10;15.12.2026\nNK;A2;10;2\n"
                    "NK;A3;10;30.02.2026\n", encoding="utf-8")
    report = load_price_file(_profile(path, columns={"brand": "Бренд", "article": "Артикул",
                                                     "price": "Цена",
                                                     "delivery_days": "Поставка"}),
                             now=datetime(2026, 12, 3, 7, 0, tzinfo=UTC))  # 10:00 in Moscow
    assert _col(report, "delivery_hours") == [278, 48]
    assert report.rejected.column("reason").to_pylist() == ["bad delivery '30.02.2026'"]


def test_words_and_units_of_stock_and_delivery_load(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    path = tmp_path / "words.csv"
    path.write_text("Бренд;Артикул;Цена;Кол-во;Срок\nNK;A1;10;нет;2 раб. дн.\nNK;A2;10;много;36 ч\n"
                    "NK;A3;10;-;послезавтра\nNK;A4;10;звоните;1\n", encoding="utf-8")
    report = load_price_file(_profile(path, columns={"brand": "Бренд", "article": "Артикул",
                                                     "price": "Цена", "quantity": "Кол-во",
                                                     "delivery_days": "Срок"}),
                             now=datetime(2026, 12, 4, 9, 0, tzinfo=UTC))  # a Friday
    assert _col(report, "quantity") == [0, 1, 0]
    assert _col(report, "quantity_exact") == [True, False, True]
    assert _col(report, "delivery_hours") == [96, 36, 48]  # Tuesday; hours as written
    assert report.rejected.column("reason").to_pylist() == ["bad quantity 'звоните'"]


def test_a_date_cell_in_a_sheets_delivery_column(tmp_path: Path) -> None:
    """A spreadsheet's date cell reads as "2026-12-15 00:00:00": a delivery date, not a bad
    value."""
    from datetime import UTC, datetime

    import xlsxwriter

    path = tmp_path / "d.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["Бренд", "Артикул", "Цена", "Срок"])
    sheet.write_row(1, 0, ["NK", "A1", 10])
    day = book.add_format({"num_format": "dd.mm.yyyy"})
    sheet.write_datetime(1, 3, datetime(2026, 12, 15), day)
    sheet.write_row(2, 0, ["NK", "A2", 10, 3])
    book.close()
    report = load_price_file(_profile(path, columns={"brand": "Бренд", "article": "Артикул",
                                                     "price": "Цена", "delivery_days": "Срок"}),
                             now=datetime(2026, 12, 3, 7, 0, tzinfo=UTC))  # 10:00 in Moscow
    assert _col(report, "delivery_hours") == [278, 72] and report.rejected.num_rows == 0


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_mapped_header_naming_two_columns_is_refused(tmp_path: Path, suffix: str) -> None:
    # wholesale and retail both "Цена": the first taken without a word would be a wrong price
    rows = [["Прайс"], [], ["Бренд", "Артикул", "Цена", "Цена", "Кол-во", "Кол-во"],
            ["MANN", "W712/75", "100", "200", "5", "6"]]
    path = tmp_path / f"dup{suffix}"
    if suffix == ".csv":
        path.write_text("\n".join(";".join(r) for r in rows) + "\n", encoding="cp1251")
    else:
        import xlsxwriter

        with xlsxwriter.Workbook(path) as book:
            sheet = book.add_worksheet()
            for i, row in enumerate(rows):
                sheet.write_row(i, 0, row)
    with pytest.raises(PriceFileError) as err:
        _load(path, columns={**COLS, "quantity": 4})
    assert err.value.message == (
        "header 'Цена' appears in columns 3 and 4: map price by position (price = 2 or "
        "price = 3, counting from 0; the other fields may keep their names)")
    assert err.value.line == 3 and str(path) in str(err.value)
    # a position beside the names takes the column meant; "Кол-во" twice, mapped by none, is
    # no matter
    report = _load(path, columns={**COLS, "price": 3, "quantity": 5})
    assert _col(report, "price") == [Decimal("200.00")] and _col(report, "quantity") == [6]


def _rows(n: int) -> str:
    return "".join(f"MANN;W {i};{100 + i},50;5\n" for i in range(n))


@pytest.mark.parametrize("encoding", ["utf-8", "cp1251"])
def test_nul_run_mid_file_fails_naming_byte_and_line(tmp_path: Path, encoding: str) -> None:
    # a copy cut by a crash: 4 KiB of its middle zeroed, ~80 rows gone; the load published
    # the rest with one row rejected for its field count and the NULs named nowhere
    data = bytearray(("Бренд;Артикул;Цена;Кол-во\n" + _rows(400)).encode(encoding))
    at = data.index(b"W 100;")
    data[at:at + 4096] = b"\0" * 4096
    path = tmp_path / "alfa.csv"
    path.write_bytes(bytes(data))
    with pytest.raises(PriceFileError, match=rf"binary data at byte {at} \(4096 zero bytes") \
            as err:
        load_price_file(_profile(path))
    assert err.value.line == 102


def test_stray_nul_rejects_its_row(tmp_path: Path) -> None:
    path = tmp_path / "alfa.csv"
    path.write_bytes(("Бренд;Артикул;Цена;Кол-во\n" + _rows(3)).replace(
        "W 1;", "W\0 1;").encode("cp1251"))
    report = _load(path)
    assert _col(report, "article") == ["W 0", "W 2"]
    assert report.rejected.column("line").to_pylist() == [3]
    assert report.rejected.column("reason").to_pylist() == ["NUL bytes in the row (a damaged "
                                                            "file?)"]
    assert "\0" not in report.rejected.column("raw")[0].as_py()


def test_an_empty_zip_and_a_utf32_file_are_told_as_such(tmp_path: Path) -> None:
    # "not a text file: binary data at byte 2", and a missing header of "\x00Б\x00р..."
    empty = io.BytesIO()
    zipfile.ZipFile(empty, "w").close()
    path = tmp_path / "alfa.zip"
    path.write_bytes(empty.getvalue())
    with pytest.raises(PriceFileError, match="the zip is empty"):
        load_price_file(_profile(path))
    path = tmp_path / "alfa.csv"
    path.write_bytes(("Бренд;Артикул;Цена;Кол-во\n" + _rows(3)).encode("utf-32"))
    with pytest.raises(PriceFileError, match="UTF-32 text: save it as UTF-8"):
        load_price_file(_profile(path))


def test_a_password_protected_zip_member_is_told_as_such(tmp_path: Path) -> None:
    import shutil
    import subprocess

    if shutil.which("zip") is None:
        pytest.skip("no zip command to make an encrypted archive")
    (tmp_path / "alfa.csv").write_text("Бренд;Артикул;Цена;Кол-во\n" + _rows(3))
    subprocess.run(["zip", "-q", "-j", "-P", "secret", str(tmp_path / "p.zip"),
                    str(tmp_path / "alfa.csv")], check=True)
    with pytest.raises(PriceFileError, match=r"alfa\.csv: the zip is password-protected"):
        load_price_file(_profile(tmp_path / "p.zip"))


def test_skip_rows_past_the_end_says_so(tmp_path: Path) -> None:
    # "missing column(s) ; closest header: [...every mapped column...]"
    path = tmp_path / "alfa.csv"
    path.write_text("Бренд;Артикул;Цена;Кол-во\n" + _rows(29))
    with pytest.raises(PriceFileError, match=r"skip_rows = 40 skips the whole file \(30 rows\)"):
        load_price_file(_profile(path, skip_rows=40))


def test_skip_rows_that_misses_the_header_says_where_it_is(tmp_path: Path) -> None:
    """skip_rows on a data row (the header above) or a title (the header below) failed
    "missing column(s) ; closest header: [...]", naming no column: every one is there."""
    path = tmp_path / "alfa.csv"
    path.write_text("Прайс\n\nБренд;Артикул;Цена;Кол-во\n" + _rows(29))
    for skip, why in ((5, "skips the header"), (1, "stops short of the header")):
        with pytest.raises(PriceFileError, match=rf"skip_rows = {skip} {why} \(after 2 row\(s\)\)"
                                                 r": make skip_rows 2") as err:
            load_price_file(_profile(path, skip_rows=skip))
        assert err.value.line == 3
    assert load_price_file(_profile(path, skip_rows=2)).offers.num_rows == 29


def test_a_password_protected_workbook_is_told_as_such(tmp_path: Path) -> None:
    # (an encrypted XLSX is a compound file holding an EncryptionInfo stream: calamine said
    # "Cannot detect file format"; its directory entry, as such a file has it)
    path = tmp_path / "alfa.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
                     + "\x06DataSpaces".encode("utf-16-le") + bytes(100)
                     + "EncryptionInfo".encode("utf-16-le") + bytes(4000))
    with pytest.raises(PriceFileError, match="password-protected: save it without a password"):
        load_price_file(_profile(path))


def test_an_excel_error_is_no_article_nor_brand(tmp_path: Path) -> None:
    """A CSV exported from a workbook whose lookups failed holds #N/A for the article or the
    brand: its key NA made a part of the maker's (or a brand NA), where the cell held none."""
    path = tmp_path / "p.csv"
    path.write_text("Бренд;Артикул;Цена;Кол-во\nMANN;#N/A;100;1\n#REF!;W 2;100;1\n"
                    "MANN;W 3;100;1\nMANN;#NA;100;1\nMANN;#VALUE!;100;1\n", encoding="utf-8")
    report = _load(path)
    assert report.offers.column("article").to_pylist() == ["W 3", "#NA"]  # (#NA is no error)
    assert list(zip(report.rejected.column("line").to_pylist(),
                    report.rejected.column("reason").to_pylist(), strict=True)) == [
        (2, "empty article '#N/A'"), (3, "empty brand"), (6, "empty article '#VALUE!'")]
