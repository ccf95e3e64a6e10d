"""The publish's order (``_order.sorted_by_part``) against Arrow's two-key sort and take."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partsearch.loading._order import _constant, sorted_by_part


def _reference(table: pa.Table) -> pa.Table:
    order = pc.sort_indices(table, [("part_hash", "ascending"), ("line", "ascending")])
    return table.take(order)


@st.composite
def _tables(draw: st.DrawFn) -> pa.Table:
    n = draw(st.integers(0, 60))
    hashes = draw(st.lists(st.integers(0, 5), min_size=n, max_size=n))
    lines = draw(st.one_of(st.just(list(range(1, n + 1))),  # a loaded file: in line order
                           st.lists(st.integers(1, 9), min_size=n, max_size=n)))
    words = st.sampled_from(["", "a", "bb", "Жж"])
    return pa.table({
        "part_hash": pa.array(hashes, pa.uint64()),
        "brand": pa.array(draw(st.lists(words, min_size=n, max_size=n)), pa.string()),
        "supplier": pa.array(["S"] * n, pa.string()),
        "points": pa.array([draw(st.sampled_from([["M", "K"], ["M"]]))] * n
                           if draw(st.booleans()) else
                           draw(st.lists(st.sampled_from([["M", "K"], ["M"], [], ["K", "M"]]),
                                         min_size=n, max_size=n)),
                           pa.list_(pa.string())),
        "restrictions": pa.array([None] * n, pa.string()),
        "quantity": pa.array(draw(st.lists(st.one_of(st.none(), st.integers(0, 3)),
                                           min_size=n, max_size=n)), pa.int64()),
        "line": pa.array(lines, pa.int64()),
    })


@settings(max_examples=200, deadline=None)
@given(table=_tables())
def test_the_order_is_arrows_two_key_sort(table: pa.Table) -> None:
    assert sorted_by_part(table).equals(_reference(table))


def test_constant_columns() -> None:
    assert _constant(pa.chunked_array([["x", "x"], ["x"]]))
    assert not _constant(pa.array(["x", "y", "x"]))
    assert not _constant(pa.array(["x", "x", "y", "x", "x"]))  # not found by the quick looks
    assert _constant(pa.array([None, None], pa.string()))
    assert not _constant(pa.array(["x", None]))
    assert _constant(pa.array([["a", "b"], ["a", "b"]]))
    assert not _constant(pa.array([["a", "b"], ["a", "c"]]))
    assert not _constant(pa.array([["a"], ["a", "b"]]))


def test_bad_text_and_null_keys_are_refused() -> None:
    good = pa.table({"part_hash": pa.array([2, 1], pa.uint64()), "line": [1, 2],
                     "brand": ["a", "b"]})
    bad_utf8 = pa.Array.from_buffers(pa.string(), 2, [None, pa.py_buffer(
        pa.array([0, 1, 2], pa.int32()).buffers()[1]), pa.py_buffer(b"a\xff")])
    with pytest.raises(pa.ArrowInvalid):
        sorted_by_part(good.set_column(2, "brand", bad_utf8))
    with pytest.raises(pa.ArrowInvalid, match="part_hash holds nulls"):
        sorted_by_part(good.set_column(0, "part_hash", pa.array([1, None], pa.uint64())))
