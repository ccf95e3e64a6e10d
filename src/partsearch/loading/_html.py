"""The rare ".xls" that is really an HTML table: its cells, with the standard library only."""

from __future__ import annotations

from html.parser import HTMLParser

__all__ = ["table_rows"]


class _Cells(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self._close_row()
            self._row = []
        elif tag in ("td", "th"):
            self._close_cell()
            if self._row is None:
                self._row = []
            self._cell = []
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

    def _close_cell(self) -> None:
        if self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
        self._cell = None

    def _close_row(self) -> None:
        self._close_cell()
        if self._row is not None:
            self.rows.append(self._row)
        self._row = None


def table_rows(text: str) -> list[list[str]]:
    """Rows of cells of every ``<tr>`` in ``text``.

    >>> table_rows("<table><tr><td>a</td><td> b </td></tr></table>")
    [['a', 'b']]
    """
    parser = _Cells()
    parser.feed(text)
    parser.close()
    parser._close_row()
    return parser.rows
