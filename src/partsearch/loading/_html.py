"""The rare ".xls" that is really an HTML table: its cells, with the standard library only.

A cell spanning columns or rows (``colspan``, ``rowspan``: an exported sheet's merged cells)
keeps the cells after it in their columns: its text is in its first row and column, and the
rest of its span is empty, as a merged cell reads in a spreadsheet.

A table nested in a cell (a description's small table of sizes) is that cell's text, its
cells' texts in order: its rows are no rows of the price. A nested table with as many rows as
the table around it or more, or the document's largest, is the price itself inside a page's
layout table: its rows are rows, and the outer cells around it rows of their own (as before
nesting was told apart)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

__all__ = ["table_rows"]

_MAX_SPAN = 1000  # (a span past any price list's width or length is a broken attribute)


@dataclass
class _Cell:
    columns: int
    rows: int
    pieces: list[str | _Table] = field(default_factory=list)  # text, and tables nested in it


@dataclass
class _Table:
    rows: list[list[_Cell | _Table]] = field(default_factory=list)  # (a table between cells)
    open_row: bool = False  # whether its last row is still open for cells


class _Tree(HTMLParser):
    """The document's tables as a tree: the document itself is the outermost (rows outside
    any ``<table>`` are its rows)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Table()
        self._tables = [self.root]  # open tables, innermost last
        self._cells: list[_Cell | None] = [None]  # each open table's open cell

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        table = self._tables[-1]
        if tag == "table":
            new = _Table()
            cell = self._cells[-1]
            if cell is not None:
                cell.pieces.append(new)
            else:  # (a table between rows or cells: no cell's text)
                self._row(table).append(new)
            self._tables.append(new)
            self._cells.append(None)
        elif tag == "tr":
            self._cells[-1] = None
            table.rows.append([])
            table.open_row = True
        elif tag in ("td", "th"):
            cell = _Cell(_span(attrs, "colspan"), _span(attrs, "rowspan"))
            self._row(table).append(cell)
            self._cells[-1] = cell
        elif tag == "br" and (cell := self._cells[-1]) is not None:
            cell.pieces.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th"):
            self._cells[-1] = None
        elif tag == "tr":
            self._cells[-1] = None
            self._tables[-1].open_row = False
        elif tag == "table" and len(self._tables) > 1:
            self._tables.pop()
            self._cells.pop()

    def handle_data(self, data: str) -> None:
        if (cell := self._cells[-1]) is not None:
            cell.pieces.append(data)

    @staticmethod
    def _row(table: _Table) -> list[_Cell | _Table]:
        if not table.open_row:  # (a cell without a ``<tr>`` opens a row)
            table.rows.append([])
            table.open_row = True
        return table.rows[-1]


def _span(attrs: list[tuple[str, str | None]], name: str) -> int:
    value = dict(attrs).get(name) or "1"
    return min(int(value), _MAX_SPAN) if value.strip().isdigit() and int(value) > 0 else 1


def _largest(table: _Table) -> int:
    """The most rows of any table in ``table`` (itself included)."""
    nested = [_largest(t) for row in table.rows for item in row
              for t in ([item] if isinstance(item, _Table) else
                        [p for p in item.pieces if isinstance(p, _Table)])]
    return max([len(table.rows), *nested])


class _Flatten:
    """A tree's rows of cells, spans placed; a nested table folded into its cell's text or,
    the price inside a layout, read as rows."""

    def __init__(self, largest: int) -> None:
        self.rows: list[list[str]] = []
        self._largest = largest

    def table(self, table: _Table) -> None:
        below: dict[int, int] = {}  # column -> rows below still covered by a span
        for row in table.rows:
            out: list[str] = []
            covered = {c for c, n in below.items() if n > 0}
            split = False  # (a table's rows came between this row's cells)
            for item in row:
                if isinstance(item, _Table):
                    out, split = self._rows_of(item, out, covered, below), True
                    covered = {c for c, n in below.items() if n > 0}
                    continue
                text: list[str] = []
                inside = False
                for piece in item.pieces:
                    if isinstance(piece, str):
                        text.append(piece)
                    elif len(piece.rows) < len(table.rows) and len(piece.rows) < self._largest:
                        text.append(f" {_text(piece)} ")
                    else:
                        # the price in a layout's cell: the cell so far is a row of its own
                        self._place(out, covered, below, item, text)
                        out, split, inside = self._rows_of(piece, out, covered, below), True, True
                        text = []
                        covered = {c for c, n in below.items() if n > 0}
                if not inside or "".join(text).strip():
                    self._place(out, covered, below, item, text)
            if out or not split:
                self._close(out, covered, below)

    def _place(self, out: list[str], covered: set[int], below: dict[int, int], cell: _Cell,
               text: list[str]) -> None:
        while len(out) in covered:
            out.append("")
        start = len(out)
        out.append(" ".join("".join(text).split()))
        out.extend([""] * (cell.columns - 1))
        if cell.rows > 1:
            for c in range(start, start + cell.columns):
                below[c] = cell.rows  # (this row counts: one less when it closes)

    def _close(self, out: list[str], covered: set[int], below: dict[int, int]) -> None:
        while len(out) in covered:  # (columns covered from above at the row's end)
            out.append("")
        self.rows.append(out)
        left = {c: n - 1 for c, n in below.items() if n > 1}
        below.clear()
        below.update(left)

    def _rows_of(self, nested: _Table, out: list[str], covered: set[int],
                 below: dict[int, int]) -> list[str]:
        """Close the open row ``out`` (when it has cells), add ``nested``'s rows, and open
        the next."""
        if out:
            self._close(out, covered, below)
        self.table(nested)
        return []


def _text(table: _Table) -> str:
    """A nested table as its cell's text: its cells' texts in order, spaces between."""
    flat = _Flatten(len(table.rows) + 1)  # (nothing in it is a price)
    flat.table(table)
    return " ".join(cell for row in flat.rows for cell in row if cell)


def table_rows(text: str) -> list[list[str]]:
    """Rows of cells of every ``<tr>`` in ``text``, a table nested in a cell its text.

    >>> table_rows("<table><tr><td>a</td><td> b </td></tr></table>")
    [['a', 'b']]
    >>> table_rows("<tr><td rowspan=2>a</td><td colspan=2>b</td></tr><tr><td>c</td></tr>")
    [['a', 'b', ''], ['', 'c']]
    >>> table_rows("<table><tr><td>a</td><td>b</td></tr><tr><td>c <table><tr><td>d</td>"
    ...            "<td>e</td></tr></table></td><td>f</td></tr></table>")
    [['a', 'b'], ['c d e', 'f']]
    """
    tree = _Tree()
    tree.feed(text)
    tree.close()
    flat = _Flatten(_largest(tree.root))
    flat.table(tree.root)
    return flat.rows
