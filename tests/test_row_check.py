"""The check of an index of offer rows against the same test in numpy."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from partsearch._row_check import rows_fit


@given(st.lists(st.tuples(st.integers(0, 9), st.integers(-1, 3), st.integers(-1, 6)),
                max_size=12), st.lists(st.integers(0, 5), min_size=1, max_size=4))
def test_rows_fit_checks_like_numpy(rows: list[tuple[int, int, int]], sizes: list[int]) -> None:
    first = np.array([f for f, _, _ in rows], dtype=np.uint64)
    seg = np.array([s for _, s, _ in rows], dtype=np.int32)
    row = np.array([r for _, _, r in rows], dtype=np.int64)
    size = np.array(sizes, dtype=np.int64)
    inside = (seg >= 0) & (seg < size.size)
    ascending = bool(np.all(first[1:] >= first[:-1]))
    expected = bool(inside.all() and (row >= 0).all()
                    and (row < size[np.where(inside, seg, 0)]).all() and ascending)
    assert rows_fit(first, seg, row, size) == expected
    # without segments: every row of one file, sizes[0] rows long
    one_file = bool((row >= 0).all() and (row < size[0]).all() and ascending)
    assert rows_fit(first, None, row, size[:1]) == one_file


def test_rows_fit_wants_one_index_of_the_right_types() -> None:
    first, seg, row = np.arange(3, dtype=np.uint64), np.zeros(3, np.int32), np.arange(3)
    sizes = np.array([3], dtype=np.int64)
    assert rows_fit(first, seg, row, sizes) and rows_fit(first, None, row, sizes)
    assert not rows_fit(first.astype(np.int64), seg, row, sizes)
    assert not rows_fit(first, seg.astype(np.int64), row, sizes)
    assert not rows_fit(first, seg, row.astype(np.int32), sizes)
    assert not rows_fit(first[:2], seg, row, sizes)
    assert not rows_fit(first, seg[:2], row, sizes)
    assert not rows_fit(first[:2], None, row, sizes)
