"""The compiled default ranking against the numpy reference (order, requested_shown, levels)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from partsearch.ranking._fast import default_blocks
from partsearch.ranking.levels import DEFAULT_LEVELS, parse_levels
from partsearch.ranking.order import DEFAULT_SORT, order, requested_shown

LEVELS = parse_levels(DEFAULT_LEVELS, "test")

# a store of offers: (segment, row, supplier price in kopecks, delivery hours); few distinct
# prices and deliveries, so ties are common and the tie-break decides
store_rows = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 1000),
                                st.sampled_from([0, 99_900, 100_000, 100_001, 5_000_000, 777]),
                                st.sampled_from([0, 24, 48, 24 * 30])),
                      min_size=1, max_size=60, unique_by=lambda r: (r[0], r[1]))


@settings(max_examples=300)
@given(store_rows, st.data(), st.sampled_from(sorted(LEVELS)), st.booleans(),
       st.integers(0, 5), st.integers(1, 6))
def test_default_blocks_match_the_reference(rows: list[tuple[int, int, int, int]],
                                            data: st.DataObject, level: str, show_all: bool,
                                            offset: int, limit: int) -> None:
    seg = np.array([r[0] for r in rows], dtype=np.int16)
    row = np.array([r[1] for r in rows], dtype=np.int32)
    price = np.array([r[2] for r in rows], dtype=np.int64)
    delivery = np.array([r[3] for r in rows], dtype=np.int32)
    n_parts = data.draw(st.integers(1, 6))
    others = st.lists(st.integers(1, 4), min_size=n_parts - 1, max_size=n_parts - 1)
    hops = np.array([0, *data.draw(others)], dtype=np.int32)  # the requested part is 0, 0
    support = np.array([0, *data.draw(others)], dtype=np.int32)
    m = data.draw(st.integers(0, len(rows)))
    cand_rows = np.array(data.draw(st.permutations(range(len(rows))))[:m], dtype=np.int64)
    which = np.array(data.draw(st.lists(st.integers(0, n_parts - 1), min_size=m, max_size=m)),
                     dtype=np.int64)
    oem = np.array(data.draw(st.lists(st.booleans(), min_size=m, max_size=m)), dtype=bool)
    lvl = LEVELS[level]
    assert lvl.bands is not None

    shown, n_shown, totals, sell = default_blocks(
        which, hops, support, oem, cand_rows, seg, row, price, delivery, *lvl.bands, show_all,
        offset, limit)

    ref_sell = lvl.apply(price[cand_rows], np.zeros(m, dtype=object), np.zeros(m, dtype=object))
    assert sell.tolist() == ref_sell.tolist()
    cands = {"price": ref_sell, "delivery_hours": delivery[cand_rows], "seg": seg[cand_rows],
             "row": row[cand_rows], "hops": hops[which], "support": support[which]}
    group = np.where(which == 0, 0, np.where(oem, 1, 2))
    ordered_all = order(cands, DEFAULT_SORT, by_distance=True, group=group)
    expected: list[int] = []
    for b in range(3):
        ordered = ordered_all[group[ordered_all] == b]
        assert totals[b] == ordered.size
        if b == 0:
            page = ordered if show_all else requested_shown(cands, ordered, DEFAULT_SORT)
        else:
            page = ordered[offset: offset + limit]
        assert n_shown[b] == page.size
        expected += page.tolist()
    assert shown.tolist() == expected


@settings(max_examples=200)
@given(st.integers(0, 300).flatmap(lambda m: st.tuples(*(
    st.lists(st.integers(0, 3), min_size=m, max_size=m) for _ in range(5)))))
def test_lex_order_is_a_stable_lexsort(keys: tuple[list[int], ...]) -> None:
    """Few distinct values per key, so every key and the final position decide somewhere;
    lengths across the insertion-sorted runs and several merge rounds."""
    from partsearch.ranking._fast import lex_order

    arrays = [np.array(k, dtype=np.int64) for k in keys]
    expected = np.lexsort(arrays[::-1]) if arrays[0].size else np.zeros(0, np.int64)
    assert lex_order(*arrays).tolist() == expected.tolist()
