"""An HTML table's rows (a ".xls" that is really HTML): spans placed, a nested table its
cell's text."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partsearch.errors import PriceFileError
from partsearch.loading import SupplierProfile, load_price_file
from partsearch.loading._html import table_rows
from partsearch.loading._readers import declared_charset
from partsearch.loading.draft import draft_profile

COLUMNS = {"brand": "Бренд", "article": "Артикул", "description": "Наименование",
           "price": "Цена"}


def _load(tmp_path: Path, html: str) -> list[tuple[int, str, str]]:
    path = tmp_path / "price.xls"
    path.write_text(html, encoding="utf-8")
    report = load_price_file(SupplierProfile("H", "H", path, columns=COLUMNS))
    assert report.rejected.num_rows == 0, report.rejected.to_pylist()
    return list(zip(report.offers.column("line").to_pylist(),
                    report.offers.column("article").to_pylist(),
                    report.offers.column("description").to_pylist(), strict=True))


_HEADER = "<tr><td>Бренд</td><td>Артикул</td><td>Наименование</td><td>Цена</td></tr>"
_ROWS = ("<tr><td>MANN</td><td>W 712/75</td><td>Фильтр</td><td>350,00</td></tr>"
         "<tr><td>KNECHT</td><td>OC 90</td><td>Фильтр <table><tr><td>D</td><td>76 мм</td></tr>"
         "<tr><td>H</td><td>79 мм</td></tr></table></td><td>300,00</td></tr>"
         "<tr><td>SACHS</td><td>313595</td><td>Амортизатор</td><td>2 500,00</td></tr>")


def test_a_table_nested_in_a_cell_is_its_text(tmp_path: Path) -> None:
    """Its rows are not rows of the price: no row cut in three, no junk rows, no line moved."""
    assert _load(tmp_path, f"<html><body><table>{_HEADER}{_ROWS}</table></body></html>") == [
        (2, "W 712/75", "Фильтр"), (3, "OC 90", "Фильтр D 76 мм H 79 мм"),
        (4, "313595", "Амортизатор")]


def test_a_price_inside_a_layout_table_is_read_as_rows(tmp_path: Path) -> None:
    """A page's layout table around the price (a title row, the price in a cell): the price is
    the larger table, its rows are rows."""
    html = (f"<table><tr><td>ООО Альфа, прайс</td></tr><tr><td><table>{_HEADER}{_ROWS}"
            "</table></td></tr></table>")
    assert [article for _, article, _ in _load(tmp_path, html)] == [
        "W 712/75", "OC 90", "313595"]
    assert table_rows(html)[0] == ["ООО Альфа, прайс"]


class _Flat(HTMLParser):
    """The reader before nested tables were told apart, for tables without nesting."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._span = (1, 1)
        self._below: dict[int, int] = {}
        self._covered: set[int] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.close_row()
            self._open_row()
        elif tag in ("td", "th"):
            self._close_cell()
            if self._row is None:
                self._open_row()
            self._cell = []
            spans = dict(attrs)
            self._span = (int(spans.get("colspan") or 1), int(spans.get("rowspan") or 1))
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th"):
            self._close_cell()
        elif tag in ("tr", "table"):
            self.close_row()

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def _open_row(self) -> None:
        self._row = []
        self._covered = {c for c, n in self._below.items() if n > 0}

    def _skip_covered(self) -> None:
        assert self._row is not None
        while len(self._row) in self._covered:
            self._row.append("")

    def _close_cell(self) -> None:
        if self._cell is not None and self._row is not None:
            self._skip_covered()
            columns, rows = self._span
            start = len(self._row)
            self._row.append(" ".join("".join(self._cell).split()))
            self._row.extend([""] * (columns - 1))
            if rows > 1:
                for c in range(start, start + columns):
                    self._below[c] = rows
        self._cell = None

    def close_row(self) -> None:
        self._close_cell()
        if self._row is not None:
            self._skip_covered()
            self.rows.append(self._row)
            self._below = {c: n - 1 for c, n in self._below.items() if n > 1}
        self._row = None


_CELL = st.tuples(st.sampled_from(["td", "th"]), st.text("ab <>&;", max_size=4),
                  st.integers(1, 3), st.integers(1, 3), st.booleans())
_TABLE = st.lists(st.tuples(st.booleans(), st.lists(_CELL, max_size=4)), max_size=6)


@settings(max_examples=200, deadline=None)
@given(table=_TABLE, wrapped=st.booleans())
def test_a_table_without_nesting_reads_as_before(
        table: list[tuple[bool, list[tuple[str, str, int, int, bool]]]], wrapped: bool) -> None:
    """Spans, cells without ``<tr>``, unclosed tags, ``<br>``: as the flat reader read them."""
    from html import escape

    html = "".join(
        ("<tr>" if tr else "") + "".join(
            f"<{tag} colspan={cs} rowspan={rs}>{escape(text)}<br>x" + (f"</{tag}>" if close else "")
            for tag, text, cs, rs, close in cells)
        for tr, cells in table)
    html = f"<table>{html}</table>" if wrapped else html
    flat = _Flat()
    flat.feed(html)
    flat.close()
    flat.close_row()
    assert table_rows(html) == flat.rows


_KOI8 = ("<table><tr><td>Бренд</td><td>Артикул</td><td>Наименование</td><td>Цена</td></tr>"
         "<tr><td>MANN</td><td>W 712/75</td><td>Фильтр</td><td>350,50</td></tr></table>")


@pytest.mark.parametrize("meta", ['<meta charset="koi8-r">', "<META CHARSET=KOI8-R>",
                                  '<meta http-equiv="Content-Type" '
                                  'content="text/html; charset=koi8-r">'])
def test_a_declared_charset_is_read(tmp_path: Path, meta: str) -> None:
    """A short KOI8-R file, which its letters alone would leave cp1251, says what it is."""
    html = f"<html><head>{meta}</head><body>{_KOI8}</body></html>"
    path = tmp_path / "price.xls"
    path.write_bytes(html.encode("koi8-r"))
    report = load_price_file(SupplierProfile("H", "H", path, columns=COLUMNS))
    assert report.offers.column("description").to_pylist() == ["Фильтр"]
    assert report.encoding == "koi8-r"
    draft = draft_profile(path)
    assert draft.profile.encoding == "koi8-r" and draft.profile.columns["price"] == "Цена"
    # the profile's encoding wins over the file's word
    with pytest.raises(PriceFileError, match="missing column"):
        load_price_file(SupplierProfile("H", "H", path, columns=COLUMNS, encoding="cp1251"))


def test_a_declaration_the_bytes_do_not_bear_out_is_passed_over(tmp_path: Path) -> None:
    """A UTF-8 file from a template still declaring windows-1251 is UTF-8."""
    path = tmp_path / "price.xls"
    path.write_bytes(f'<meta charset="windows-1251">{_KOI8}'.encode())
    report = load_price_file(SupplierProfile("H", "H", path, columns=COLUMNS))
    assert report.offers.column("description").to_pylist() == ["Фильтр"]
    assert report.encoding is None
    assert declared_charset(b'<meta charset="windows-1251">\xd4') == "cp1251"
    assert declared_charset(b'<meta charset="utf-8">\xd4') is None
    assert declared_charset(b'<meta charset="no-such">\xd4') is None
    assert declared_charset(b"<table>\xd4") is None
