"""The CSV split on two threads against the same split in one pass."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from partsearch.loading._csv_kernel import split_records


def _records(text: bytes, halves_from: int, start: int = 0) -> list[Any]:
    """Each record as (line, raw bytes, field count, wanted fields' bytes)."""
    buf = np.frombuffer(text, dtype=np.uint8)
    slot_of_col = np.array([0, -1, 1], np.int64)  # the first and third columns wanted
    line, rec_start, rec_end, fields, f_start, f_end, out, n = split_records(
        buf, start, ord(";"), ord('"'), 7, slot_of_col, 2, halves_from=halves_from)
    return [(int(line[r]), text[rec_start[r]:rec_end[r]], int(fields[r]),
             [None if f_start[r, s] < 0 else out[f_start[r, s]:f_end[r, s]].tobytes()
              for s in range(2)]) for r in range(n)]


@settings(max_examples=300)
@given(st.lists(st.sampled_from(["a", "bc", ";", '"', '""', "\n", "\r\n", " ", "д"]),
                max_size=60), st.integers(0, 5))
def test_halves_split_as_one_pass(pieces: list[str], start: int) -> None:
    # halves_from=0 splits every text at its middle, wherever quotes leave it
    text = "".join(pieces).encode("utf-8")
    start = min(start, len(text))
    assert _records(text, 0, start) == _records(text, 1 << 30, start)


def test_a_quoted_line_break_across_the_middle() -> None:
    text = 'a;b;c\n"x\n' + "y\n" * 20 + 'z";q;r\ns;t;u\n'
    whole = _records(text.encode(), 1 << 30)
    assert _records(text.encode(), 0) == whole
    assert [r[0] for r in whole] == [7, 8, 30]  # each record's first line
    assert whole[1][3][0] == ("x\n" + "y\n" * 20 + "z").encode()
