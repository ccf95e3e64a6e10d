"""The search hot path's compiled pieces against plain references."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from partsearch.search._kernels import fences, gather
from partsearch.search._store import Strings, money


@given(st.lists(st.integers(0, 300), max_size=2000), st.lists(st.integers(0, 310), max_size=40))
def test_gather_matches_reference(values: list[int], queries: list[int]) -> None:
    hashes = np.array(sorted(values), dtype=np.uint64)
    q = np.array(queries, dtype=np.uint64)
    rows, which = gather(hashes, fences(hashes), q)
    ref = [(r, w) for w, h in enumerate(queries) for r, v in enumerate(sorted(values)) if v == h]
    assert list(zip(rows.tolist(), which.tolist(), strict=True)) == ref


@given(st.lists(st.one_of(st.none(), st.text(max_size=8)), max_size=30), st.booleans())
def test_strings_read_like_pyarrow(values: list[str | None], large: bool) -> None:
    arr = pa.array(values, type=pa.large_string() if large else pa.string())
    reader = Strings(pa.chunked_array([arr.slice(0, len(values) // 2),
                                       arr.slice(len(values) // 2)]))
    assert [reader[i] for i in range(len(values))] == values


@given(st.integers(-10**12, 10**12))
def test_money_is_exact(kop: int) -> None:
    from decimal import Decimal

    assert Decimal(money(kop)) == Decimal(kop) / 100


@given(st.lists(st.tuples(st.integers(0, 50), st.booleans()), max_size=60),
       st.lists(st.integers(0, 50), max_size=30))
def test_merge_plan_keeps_order_and_rows(base: list[tuple[int, bool]], new: list[int]) -> None:
    from partsearch.search._kernels import merge_plan, merge_take

    base.sort()
    base_hash = np.array([h for h, _ in base], dtype=np.uint64)
    keep = np.array([k for _, k in base], dtype=bool)
    new_hash = np.array(sorted(new), dtype=np.uint64)
    plan = merge_plan(base_hash, keep, new_hash)
    merged = merge_take(plan, base_hash, new_hash)
    expected = sorted([h for h, k in base if k] + new)
    assert merged.tolist() == expected
    ids = merge_take(plan, np.arange(len(base)), -1 - np.arange(len(new)))
    assert sorted(i for i in ids.tolist() if i >= 0) == [i for i, (_, k) in enumerate(base) if k]
