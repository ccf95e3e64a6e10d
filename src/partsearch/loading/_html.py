"""The rare ".xls" that is really an HTML table: its cells, with the standard library only.

A cell spanning columns or rows (``colspan``, ``rowspan``: an exported sheet's merged cells)
keeps the cells after it in their columns: its text is in its first row and column, and the
rest of its span is empty, as a merged cell reads in a spreadsheet."""

from __future__ import annotations

from html.parser import HTMLParser

__all__ = ["table_rows"]

_MAX_SPAN = 1000  # (a span past any price list's width or length is a broken attribute)


class _Cells(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._span = (1, 1)  # the open cell's (columns, rows)
        self._below: dict[int, int] = {}  # column -> rows below still covered by a span
        self._covered: set[int] = set()  # columns of the open row covered from above

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self._close_row()
            self._open_row()
        elif tag in ("td", "th"):
            self._close_cell()
            if self._row is None:
                self._open_row()
            self._cell = []
            self._span = (_span(attrs, "colspan"), _span(attrs, "rowspan"))
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th"):
            self._close_cell()
        elif tag in ("tr", "table"):
            self._close_row()

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
                    self._below[c] = rows  # (this row counts: one less when it closes)
        self._cell = None

    def _close_row(self) -> None:
        self._close_cell()
        if self._row is not None:
            self._skip_covered()  # (columns covered from above at the row's end)
            self.rows.append(self._row)
            self._below = {c: n - 1 for c, n in self._below.items() if n > 1}
        self._row = None


def _span(attrs: list[tuple[str, str | None]], name: str) -> int:
    value = dict(attrs).get(name) or "1"
    return min(int(value), _MAX_SPAN) if value.strip().isdigit() and int(value) > 0 else 1


def table_rows(text: str) -> list[list[str]]:
    """Rows of cells of every ``<tr>`` in ``text``.

    >>> table_rows("<table><tr><td>a</td><td> b </td></tr></table>")
    [['a', 'b']]
    >>> table_rows("<tr><td rowspan=2>a</td><td colspan=2>b</td></tr><tr><td>c</td></tr>")
    [['a', 'b', ''], ['', 'c']]
    """
    parser = _Cells()
    parser.feed(text)
    parser.close()
    parser._close_row()
    return parser.rows
