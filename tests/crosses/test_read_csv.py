"""A CSV cross file's rows as Arrow's reader gives them, and as the exact read gives them where a
record spans lines (a quoted line break, a stray quote): each against a reading line by line."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from partsearch.brands import BrandRegistry
from partsearch.crosses import _exact, _read
from partsearch.errors import CrossFileError


def _read_file(path: Path, layout: _read.Layout | None = None
               ) -> tuple[list[str], list[int], int]:
    """The side-a articles read, the lines rejected, and the rows counted."""
    articles: list[str] = []
    lines: list[int] = []
    rows = 0
    for batch in _read.read_batches(path, layout or _read.Layout(), BrandRegistry.default(),
                                    _read.Vocabulary(), _read.Vocabulary()):
        rows += batch.rows
        articles += [] if batch.article_a is None else batch.article_a.to_pylist()
        lines += [int(re.match(r".*?:(\d+):", r).group(1)) for r in batch.rejected]
    return articles, lines, rows


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n=st.integers(1, 60), stray=st.sets(st.tuples(st.integers(0, 59), st.integers(0, 5)),
                                           max_size=4),
       odd=st.dictionaries(st.integers(0, 59), st.sampled_from(["short", "bare", "empty",
                                                                "delimiters", "blanks",
                                                                "comment", "padded",
                                                                "long", "multiline"]),
                           max_size=8),
       closed=st.booleans(), block=st.integers(60, 400), crlf=st.booleans())
# (Arrow gave the swallowed line break of a CRLF file as its "\r" alone: the row after an
# unclosed stray quote was lost inside the rejected one's text)
@example(n=47, stray={(45, 0)}, odd={}, closed=False, block=60, crlf=True)
def test_every_row_is_read_or_rejected_at_its_file_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, n: int, stray: set[tuple[int, int]],
        odd: dict[int, str], closed: bool, block: int, crlf: bool) -> None:
    monkeypatch.setattr(_read, "CSV_BLOCK_BYTES", block)
    monkeypatch.setattr(_exact, "CHUNK_BYTES", block)
    # (a quote opening the last column or one not read, never closed, swallows the lines
    # after it with the field count right; a short row, which Arrow rejects, and an empty
    # line, which it skips, shifted the lines of the rows after them; a blank line, of
    # delimiters and blanks only, is no row, on either read; one with a cell not read, is)
    rows = [["MANN", f"W {i}", "KNECHT", f"OC {i}", "s", "c"] for i in range(n)]
    bad = {i for i, _ in stray if i < n}
    odd = {i: kind for i, kind in odd.items() if i < n and i not in bad}
    for i, field in stray:
        if i < n:
            rows[i][field] = '"' + rows[i][field]
    if closed and n > 1 and n - 1 not in bad | set(odd):
        rows[-1][3] = '"OC x"'  # a later field opened with a quote closes a stray one
    text = {"short": lambda r: ";".join(r[:3]), "empty": lambda r: "",
            "bare": lambda r: ";".join([r[0], " ", *r[2:]]), "delimiters": lambda r: ";" * 5,
            "blanks": lambda r: " ;\t; ; ;;", "comment": lambda r: ";;;;;c",
            # (empty fields past the header, as 1C pads its rows: a row; text there: rejected)
            "padded": lambda r: ";".join(r) + ";; ;\t", "long": lambda r: ";".join(r) + ";;x",
            # (RFC 4180: a line break in a quoted cell of a column not read, one record)
            "multiline": lambda r: ";".join(r[:5]) + ';"c 1\nc 2"'}
    blank = {i for i, kind in odd.items() if kind in ("empty", "delimiters", "blanks")}
    read = {i for i, kind in odd.items() if kind in ("padded", "multiline")}
    lines = [text[odd[i]](r) if i in odd else ";".join(r) for i, r in enumerate(rows)]
    end = "\r\n" if crlf else "\n"
    path = tmp_path / "c.csv"
    path.write_text(end.join(["brand_a;article_a;brand_b;article_b;source;comment", *lines])
                    + end)
    articles, rejected, count = _read_file(path)
    # the reference: record by record, a line holding a stray quote rejected, a blank one
    # skipped; a record's line is the header's and the lines of the records before it
    line_of = 2 + np.cumsum([0] + [lines[i].count("\n") + 1 for i in range(n - 1)])
    assert sorted(rejected) == sorted(int(line_of[i]) for i in bad | set(odd)
                                      if i not in blank | read)
    assert sorted(articles) == sorted(r[1].strip('"') for i, r in enumerate(rows)
                                      if i not in bad and (i not in odd or i in read))
    assert count == n - len(blank)


def _rejected(path: Path) -> list[str]:
    return [r for b in _read.read_batches(path, _read.Layout(), BrandRegistry.default(),
                                          _read.Vocabulary(), _read.Vocabulary())
            for r in b.rejected]


def test_a_quoted_line_break_in_a_cell_read_is_rejected_and_later_lines_told_as_written(
        tmp_path: Path) -> None:
    # no cell read (a brand, an article) holds a line break: a record holding one in such a
    # cell is rejected at its first line, said so, and the next line read as a row
    path = tmp_path / "c.csv"
    path.write_text('brand_a,article_a,brand_b,article_b,source\n'
                    'MANN,W 920/21,KNECHT,"OC 90\nsecond line",s\n'
                    'MANN,W 712/1,KNECHT,OC 47,s\nMANN,,KNECHT,OC 48,s\nMANN,W 1,KNECHT\n')
    assert sorted(_rejected(path), key=lambda r: int(r.split(":")[1])) == [
        f"{path}:2: {_exact.WANTED_BREAK_REASON}: MANN,W 920/21,KNECHT,\"OC 90",
        f"{path}:3: expected 5 fields, found 2: second line\",s",
        f"{path}:5: no brand or article on side a: MANN,,KNECHT,OC 48",
        f"{path}:6: expected 5 fields, found 3: MANN,W 1,KNECHT"]


@pytest.mark.parametrize("column", ["source", "comment"])
def test_a_quote_opening_the_last_column_never_closed_rejects_its_line_alone(
        tmp_path: Path, column: str) -> None:
    # the field count comes out right (the rest of the file in one cell, of a column read or
    # not): the rows after it were swallowed into one accepted row, without a word
    path = tmp_path / "c.csv"
    header = ["brand_a", "article_a", "brand_b", "article_b", "source", "comment"]
    rows = [["MANN", f"W {i}", "KNECHT", f"OC {i}", "s", "c"] for i in range(20)]
    rows[5][header.index(column)] = '"' + rows[5][header.index(column)]
    width = header.index(column) + 1
    path.write_text("\n".join(";".join(r[:width]) for r in [header, *rows]) + "\n")
    articles, lines, count = _read_file(path)
    assert lines == [7] and count == 20
    assert articles == [f"W {i}" for i in range(20) if i != 5]


@pytest.mark.parametrize("encoding", ["utf8", "cp1251"])
def test_exact_read_keeps_the_text_of_either_encoding(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes('brand_a;article_a;brand_b;article_b\nЛАДА;2101-1012005;KNECHT;ОС 1\n'
                     'ЛАДА;"Ж 2;MANN;W 1\nЛАДА;Ж 3;MANN;W 2\n'.encode(encoding))
    articles, lines, _count = _read_file(path)
    assert articles == ["2101-1012005", "Ж 3"] and lines == [3]


@pytest.mark.parametrize("header", ["brand_a;article_a ;brand_b;article_b",
                                    'brand_a; "article_a" ;brand_b;article_b',
                                    "Бренд1;Артикул1 ;Бренд2;Артикул2"])
def test_a_header_cell_with_spaces_around_its_name_is_read(tmp_path: Path, header: str) -> None:
    path = tmp_path / "c.csv"
    path.write_text(f"{header}\nMANN;W 920/21;KNECHT;OC 90\n")
    layout = _read.Layout(columns={"brand_a": "Бренд1", "article_a": "Артикул1",
                                   "brand_b": "Бренд2", "article_b": "Артикул2"}) \
        if "Бренд1" in header else _read.Layout()
    assert _read_file(path, layout) == (["W 920/21"], [], 1)


def test_a_quoted_header_name_holding_the_delimiter_is_one_column(tmp_path: Path) -> None:
    # (the header was split at every delimiter, quotes or not: "missing column 'Brand;maker';
    # the file has 'Brand', 'maker', ...", where Arrow reads the name whole)
    path = tmp_path / "c.csv"
    path.write_text('"Brand;maker";Article;"Cross; brand";CrossArticle\n'
                    'MANN;W 920/21;KNECHT;OC 90\n')
    layout = _read.Layout(columns={"brand_a": "Brand;maker", "article_a": "Article",
                                   "brand_b": "Cross; brand", "article_b": "CrossArticle"})
    assert _read_file(path, layout) == (["W 920/21"], [], 1)
    _read.check_columns(path, layout)


def test_rows_after_a_rejected_row_or_a_blank_line_are_told_at_their_own_line(
        tmp_path: Path) -> None:
    # Arrow's reader drops a short row and an empty line from its batch: the rows after them
    # were numbered as if they had moved up (the empty article of line 4 told at line 3)
    path = tmp_path / "c.csv"
    path.write_text("brand_a;article_a;brand_b;article_b\nMANN;W 1;KNECHT;OC 1\nMANN;W 2\n"
                    "MANN;;KNECHT;OC 3\n\n;;;\nMANN;W 6;KNECHT;\nMANN;W 7;KNECHT;OC 7\n")
    assert sorted(_rejected(path), key=lambda r: int(r.split(":")[1])) == [
        f"{path}:3: expected 4 fields, found 2: MANN;W 2",
        f"{path}:4: no brand or article on side a: MANN;;KNECHT;OC 3",
        f"{path}:7: no brand or article on side b: MANN;W 6;KNECHT;"]
    batches = list(_read.read_batches(path, _read.Layout(), BrandRegistry.default(),
                                      _read.Vocabulary(), _read.Vocabulary()))
    assert [int(x) for b in batches if b.hash_a.size for x in b.lines()] == [2, 8]
    assert sum(b.rows for b in batches) == 5  # (the blank lines are no rows)


def test_rows_padded_with_empty_fields_past_the_header_are_read(tmp_path: Path) -> None:
    # (Arrow rejected every such row: a 1C export's whole file, "expected 4 fields, found 7")
    path = tmp_path / "c.csv"
    path.write_text("brand_a;article_a;brand_b;article_b\nMANN;W 1;KNECHT;OC 1;;;\n"
                    "MANN;W 2;KNECHT;OC 2\nMANN;W 3;KNECHT;OC 3; ;\nMANN;W 4;KNECHT;OC 4;;x\n")
    assert _read_file(path) == (["W 1", "W 2", "W 3"], [5], 4)
    assert _rejected(path) == [f"{path}:5: expected 4 fields, found 6: MANN;W 4;KNECHT;OC 4;;x"]


@pytest.mark.parametrize("tail", ["x;x", ";", "brand_a;x", "x;BRAND_A"])
def test_a_stray_quote_in_a_column_whose_name_the_header_repeats_rejects_its_line_alone(
        tmp_path: Path, tail: str) -> None:
    # Arrow fetches the first column of a name: the last one here, never closed, swallowed the
    # rows after it into its cell unseen (trailing unnamed columns, ``;;``, share the name '')
    path = tmp_path / "c.csv"
    path.write_text(f"brand_a;article_a;brand_b;article_b;{tail}\nMANN;W 1;KNECHT;OC 1;a;b\n"
                    'MANN;W 2;KNECHT;OC 2;a;"b\nMANN;W 3;KNECHT;OC 3;a;b\n')
    articles, lines, count = _read_file(path)
    assert (articles, lines, count) == (["W 1", "W 3"], [3], 3)
    brands = [b for batch in _read.read_batches(path, _read.Layout(), BrandRegistry.default(),
                                                _read.Vocabulary(), _read.Vocabulary())
              if batch.brand_a is not None for b in batch.brand_a.to_pylist()]
    assert brands == ["MANN-FILTER", "MANN-FILTER"]  # (the first column of the name read)


def test_the_columns_not_read_are_fetched_only_from_a_file_holding_a_quote(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # (fetching them, to look for a stray quote's line break, tripled a wide file's read)
    import pyarrow.csv as pcsv

    asked: list[list[str]] = []
    open_csv = pcsv.open_csv

    def spy(*args: object, convert_options: pcsv.ConvertOptions, **kw: object) -> object:
        asked.append(list(convert_options.include_columns))
        return open_csv(*args, convert_options=convert_options, **kw)

    monkeypatch.setattr(pcsv, "open_csv", spy)
    path = tmp_path / "c.csv"
    for row, fetched in [("MANN;W 1;KNECHT;OC 1;a;b", []), ('MANN;W 1;KNECHT;OC 1;"a";b', ["x"])]:
        path.write_text(f"brand_a;article_a;brand_b;article_b;source;x\n{row}\n")
        assert _read_file(path) == (["W 1"], [], 1)
        assert asked.pop() == ["brand_a", "article_a", "brand_b", "article_b", "source", *fetched]


@pytest.mark.parametrize("crlf", [False, True])
def test_a_line_break_in_a_quoted_cell_not_read_is_one_record(tmp_path: Path,
                                                                 crlf: bool) -> None:
    # RFC 4180, as oe_crosses_flat.csv has 1,464 records: two EANs in the quoted ``ean`` cell,
    # a column the build does not read; each record was rejected as two broken lines
    end = "\r\n" if crlf else "\n"
    path = tmp_path / "c.csv"
    path.write_text(end.join(["brand_a,article_a,ean,brand_b,article_b",
                              'BOSCH,0 986 424 735,"4047025050476' + end + '4047025050483",'
                              "TOYOTA,04465 02061",
                              'MANN,W 1,"x' + end + 'y' + end + 'z",KNECHT,OC 1',
                              "MANN,W 2,,KNECHT,OC 2",
                              'MANN,W 3,"open to the end,KNECHT,OC 3',
                              "MANN,W 4,,KNECHT,OC 4", ""]), newline="")
    articles, lines, count = _read_file(path)
    assert articles == ["0 986 424 735", "W 1", "W 2", "W 4"] and lines == [8]
    assert count == 5
    ends = [line for b in _read.read_batches(
        path, _read.Layout(), BrandRegistry.default(), _read.Vocabulary(), _read.Vocabulary())
        if b.article_a is not None for line in b.lines().tolist()]
    assert ends == [2, 4, 7, 9]


def test_a_stray_quote_in_a_column_not_read_does_not_swallow_the_rows_after_it(
        tmp_path: Path) -> None:
    # a quote closed lines away with the field count right: the lines inside it are rows
    path = tmp_path / "c.csv"
    path.write_text('brand_a,article_a,brand_b,article_b,note\n'
                    'MANN,W 1,KNECHT,OC 1,"stray\n'
                    'MANN,W 2,KNECHT,OC 2,x\n'
                    'MANN,W 3,KNECHT,OC 3,y"\n')
    articles, lines, _count = _read_file(path)
    assert articles == ["W 2", "W 3"] and lines == [2]


def test_a_record_spanning_lines_across_the_exact_reads_chunks_is_one_record(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a chunk ends inside the quoted cell: its record is read again with the next chunk, and a
    # quote open to the end of a chunk holding nothing else is a stray one
    rows = [f'MANN,W {i},"{i}1\n{i}2\n{i}3",KNECHT,OC {i}' for i in range(30)]
    rows[17] = 'MANN,W 17,"stray,KNECHT,OC 17'
    path = tmp_path / "c.csv"
    path.write_text("\n".join(["brand_a,article_a,ean,brand_b,article_b", *rows]) + "\n")
    for block in range(20, 300, 13):
        monkeypatch.setattr(_exact, "CHUNK_BYTES", block)
        articles, lines, _count = _read_file(path)
        assert articles == [f"W {i}" for i in range(30) if i != 17], block
        assert lines == [2 + 17 * 3], block


def _cross_rows(n: int) -> bytes:
    return ("brand_a;article_a;brand_b;article_b\n"
            + "".join(f"MANN;W {i};KNECHT;OC {i}\n" for i in range(n))).encode()


def test_a_run_of_nul_bytes_stops_the_read_naming_its_byte_and_line(tmp_path: Path) -> None:
    # a copy cut by a crash: its zeroed block was one rejected row, the rows in it lost unsaid
    data = bytearray(_cross_rows(2000))
    at = data.index(b"MANN;W 1000;")
    data[at:at + 4096] = b"\0" * 4096
    path = tmp_path / "x.csv"
    path.write_bytes(bytes(data))
    with pytest.raises(CrossFileError, match=rf"binary data at byte {at} \(4096 zero") as err:
        _read_file(path)
    assert err.value.line == 1002


def test_a_stray_nul_byte_stops_the_read_naming_its_line(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(_cross_rows(5).replace(b"W 3;", b"W\x003;"))
    with pytest.raises(CrossFileError, match="a NUL byte at byte") as err:
        _read_file(path)
    assert err.value.line == 5


@pytest.mark.parametrize("row", ["КНЕХТ,OC 9,MANN,W 9\n", "MANN,W 9,КНЕХТ,OC 9,forum,cross\n"])
def test_a_late_row_not_utf8_stops_the_read_naming_its_line_and_column(
        tmp_path: Path, row: str, capsys: pytest.CaptureFixture[str]) -> None:
    # a UTF-8 file (Cyrillic in its head) whose row past the sampled megabyte is cp1251: an
    # "Exception ignored ... UnicodeDecodeError" on stderr, then Arrow's "Row #N: Expected 6
    # columns, got 4" (or "CSV conversion error"), no line, no word of the encoding
    body = "brand_a,article_a,brand_b,article_b,source,kind\n" + "".join(
        f"MANN,W {i},КНЕХТ,OC {i},форум,cross\n" for i in range(30_000))
    path = tmp_path / "x.csv"
    path.write_bytes(body.encode() + row.encode("cp1251"))
    with pytest.raises(CrossFileError, match=r"column '(brand_a|brand_b)' holds text that is "
                       r"not valid UTF-8 \(byte 0xca\).*cp1251") as err:
        _read_file(path)
    assert err.value.line == 30_002
    assert capsys.readouterr().err == ""


def test_a_fifo_as_a_cross_file_is_refused_at_once(tmp_path: Path) -> None:
    # its read waited for a writer forever: `crosses build` hung
    import os

    os.mkfifo(tmp_path / "x.csv")
    with pytest.raises(CrossFileError, match="not a regular file"):
        _read.check_columns(tmp_path / "x.csv", _read.Layout())
    with pytest.raises(CrossFileError, match="not a regular file"):
        _read_file(tmp_path / "x.csv")
