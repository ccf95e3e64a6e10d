"""The CSV split on two threads against the same split in one pass; a stray quote."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from partsearch.loading._csv_kernel import UNCLOSED, split_records


def _records(text: bytes, halves_from: int, start: int = 0, width: int = -1,
             min_width: int = -1) -> list[Any]:
    """Each record as (line, raw bytes, field count, wanted fields' bytes)."""
    buf = np.frombuffer(text, dtype=np.uint8)
    slot_of_col = np.array([0, -1, 1], np.int64)  # the first and third columns wanted
    line, rec_start, rec_end, fields, f_start, f_end, out, n = split_records(
        buf, start, ord(";"), ord('"'), 7, slot_of_col, 2, width=width, min_width=min_width,
        halves_from=halves_from)
    return [(int(line[r]), text[rec_start[r]:rec_end[r]], int(fields[r]),
             [None if f_start[r, s] < 0 else out[f_start[r, s]:f_end[r, s]].tobytes()
              for s in range(2)]) for r in range(n)]


_PIECES = st.lists(st.sampled_from(["a", "bc", ";", '"', '""', "\n", "\r\n", " ", "д"]),
                   max_size=60)


@settings(max_examples=300)
@given(_PIECES, st.integers(0, 5), st.sampled_from([(-1, -1), (1, 1), (3, 3), (4, 3)]))
def test_halves_split_as_one_pass(pieces: list[str], start: int, widths: tuple[int, int]
                                  ) -> None:
    # halves_from=0 splits every text at its middle, wherever quotes leave it
    text = "".join(pieces).encode("utf-8")
    start = min(start, len(text))
    assert _records(text, 0, start, *widths) == _records(text, 1 << 30, start, *widths)


@settings(max_examples=300)
@given(_PIECES)
def test_a_record_of_another_width_is_one_line(pieces: list[str]) -> None:
    # given the width, a quoted line break is kept only in a record of that width; one of
    # another is cut at its first line, and every line is in one record (or blank)
    text = "".join(pieces).encode("utf-8")
    records = _records(text, 1 << 30, width=3)
    for line, raw, fields, _ in records:
        assert fields == 3 or b"\n" not in raw, (line, raw, fields)
        if fields == UNCLOSED:
            assert b'"' in raw and b"\n" not in raw
    lines = text.split(b"\n")
    cover = [line + k for line, raw, _, _ in records for k in range(raw.count(b"\n") + 1)]
    assert cover == sorted(set(cover))  # (each line in one record at most, in order)
    blank = {7 + i for i, ln in enumerate(lines) if ln.strip(b"; \r") == b""}
    assert set(range(7, 7 + len(lines))) - set(cover) <= blank


def test_a_stray_quote_rejects_its_line_alone() -> None:
    text = b'a;b;c\nd;"e;f\ng;h;i\nj;k;l\n'
    assert _records(text, 1 << 30, width=3) == [
        (7, b"a;b;c", 3, [b"a", b"c"]), (8, b'd;"e;f', UNCLOSED, [None, None]),
        (9, b"g;h;i", 3, [b"g", b"i"]), (10, b"j;k;l", 3, [b"j", b"l"])]
    # unknown width: as before, the quote runs to the end of the text
    assert [r[0] for r in _records(text, 1 << 30)] == [7, 8]
    # the next quote closes it: one more field's opening quote, with text after it
    text = b'a;b;c\nd;"e;f\ng;"h";i\nj;k;l\n'
    assert [r[:3] for r in _records(text, 1 << 30, width=3)] == [
        (7, b"a;b;c", 3), (8, b'd;"e;f', UNCLOSED), (9, b'g;"h";i', 3), (10, b"j;k;l", 3)]
    # a quoted line break in a row of the width stays (a space after its quote too)
    text = b'a;"b\nc" ;"d"\n'
    assert [r[:3] for r in _records(text, 1 << 30, width=3)] == [(7, text[:-1], 3)]


def test_a_line_of_delimiters_and_blanks_is_no_record() -> None:
    # an empty sheet row as Excel exports it, a line of spaces: spacing, as a blank line is
    text = b'a;b;c\n;;\n \t; \r\nd;e;f\n;"";\n;;g\n'
    assert [r[:3] for r in _records(text, 1 << 30, width=3)] == [
        (7, b"a;b;c", 3), (10, b"d;e;f", 3), (11, b';"";', 3), (12, b";;g", 3)]


def test_blank_fields_past_the_width_count_the_width() -> None:
    # a 1C export padding its rows with ";;;": the columns are not in doubt; text past the
    # width (or a quote, or a quote left open) leaves the count as it is
    text = b'a;b;c;;\t; \nd;"e\nf";g;;\nh;i;j;;k\nl;m;n;"";\no;p;q\nr;s;t;"u;;'
    assert [r[:3] for r in _records(text, 1 << 30, width=3)] == [
        (7, b"a;b;c;;\t; ", 3), (8, b'd;"e\nf";g;;', 3), (10, b"h;i;j;;k", 5),
        (11, b'l;m;n;"";', 5), (12, b"o;p;q", 3), (13, b'r;s;t;"u;;', 4)]
    # unknown width: counted as ever
    assert [r[2] for r in _records(text, 1 << 30)][:2] == [6, 5]
    # a header ending in an unnamed column: rows of 3 or 4 fields, a quoted break kept in both
    text = b'a;"b\nc";d\ne;"f\ng";h;\ni;"j\nk"\n'
    assert [r[:3] for r in _records(text, 1 << 30, width=4, min_width=3)] == [
        (7, b'a;"b\nc";d', 3), (9, b'e;"f\ng";h;', 4), (11, b'i;"j', UNCLOSED), (12, b'k"', 1)]


def test_a_quoted_line_break_across_the_middle() -> None:
    text = 'a;b;c\n"x\n' + "y\n" * 20 + 'z";q;r\ns;t;u\n'
    whole = _records(text.encode(), 1 << 30)
    assert _records(text.encode(), 0) == whole
    assert [r[0] for r in whole] == [7, 8, 30]  # each record's first line
    assert whole[1][3][0] == ("x\n" + "y\n" * 20 + "z").encode()


def test_text_after_another_fields_quote_keeps_a_quoted_line_break() -> None:
    # a sloppy '"Super" wiper' (text after its closing quote, on its own line) in a row whose
    # other field holds a quoted line break: the row stays whole, as it was before the rule
    for text in (b'"Super"x;"b\nc";d\n', b'a;"b\nc";"Super"x\n'):
        assert [r[:3] for r in _records(text, 1 << 30, width=3)] == [(7, text[:-1], 3)]
