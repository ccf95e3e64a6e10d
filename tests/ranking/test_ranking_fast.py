"""The compiled default ranking against the numpy reference (order, requested_shown, levels)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from partsearch.ranking._fast import (
    NO_RULES,
    SORT_CODES,
    TEXT_SORT,
    compiled_sort,
    rank_blocks,
    rule_table,
)
from partsearch.ranking.levels import DEFAULT_LEVELS, parse_levels
from partsearch.ranking.order import (
    DEFAULT_SORT,
    SORTS,
    Filters,
    filter_mask,
    order,
    requested_shown,
)

# the default levels (price bands), and levels whose rules name suppliers and brands: one the
# catalog lacks (never matches), conditions together, a price range, a catch-all last
LEVELS = parse_levels(DEFAULT_LEVELS | {
    "by_supplier": {"rules": [{"supplier": "S1", "percent": 8},
                              {"supplier": "S9", "percent": 99},
                              {"min_price": 1000, "max_price": 50_000, "percent": 30},
                              {"percent": 12}]},
    "by_brand": {"rules": [{"brand": "mann", "supplier": "S2", "percent": 7},
                           {"brand": "BOSCH", "max_price": 1000, "percent": 40},
                           {"brand": "Mann", "percent": 15}, {"brand": "NOBRAND", "percent": 1},
                           {"percent": 25.5}]}}, "test")
SUPPLIERS = np.array(["S0", "S1", "S2", "S3"], dtype=object)  # segment -> supplier code
BRANDS = np.array(["BOSCH", "MANN-FILTER", "KNECHT", "FEBI BILSTEIN"], dtype=object)

# a store of offers: (segment, row, supplier price in kopecks, delivery hours, quantity (-1
# unknown), exact); few distinct values, so ties are common and the tie-break decides
store_rows = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 1000),
                                st.sampled_from([0, 99_900, 100_000, 100_001, 5_000_000, 777]),
                                st.sampled_from([0, 24, 48, 24 * 30]),
                                st.sampled_from([-1, 0, 1, 5, 100]), st.booleans()),
                      min_size=1, max_size=60, unique_by=lambda r: (r[0], r[1]))
sorts = st.sampled_from([DEFAULT_SORT, *((c, d) for c in SORT_CODES for d in (False, True))])
filters = st.builds(Filters, max_delivery_hours=st.sampled_from([None, 0, 24, 48]),
                    in_stock=st.booleans())


@settings(max_examples=400)
@given(store_rows, st.data(), st.sampled_from(sorted(LEVELS)), sorts, filters, st.booleans(),
       st.integers(0, 5), st.integers(1, 6), st.integers(0, 5), st.integers(1, 6))
def test_rank_blocks_match_the_reference(rows: list[tuple[int, int, int, int, int, bool]],
                                         data: st.DataObject, level: str,
                                         sort: tuple[str, bool], f: Filters, show_all: bool,
                                         offset: int, limit: int, oem_offset: int,
                                         oem_limit: int) -> None:
    seg = np.array([r[0] for r in rows], dtype=np.int16)
    row = np.array([r[1] for r in rows], dtype=np.int32)
    price = np.array([r[2] for r in rows], dtype=np.int64)
    delivery = np.array([r[3] for r in rows], dtype=np.int32)
    quantity = np.array([r[4] for r in rows], dtype=np.int64)
    exact = np.array([r[5] for r in rows], dtype=bool)
    n_parts = data.draw(st.integers(1, 6))
    others = st.lists(st.integers(1, 4), min_size=n_parts - 1, max_size=n_parts - 1)
    hops = np.array([0, *data.draw(others)], dtype=np.int32)  # the requested part is 0, 0
    support = np.array([0, *data.draw(others)], dtype=np.int32)
    m = data.draw(st.integers(0, len(rows)))
    cand_rows = np.array(data.draw(st.permutations(range(len(rows))))[:m], dtype=np.int64)
    which = np.array(data.draw(st.lists(st.integers(0, n_parts - 1), min_size=m, max_size=m)),
                     dtype=np.int64)
    oem = np.array(data.draw(st.lists(st.booleans(), min_size=m, max_size=m)), dtype=bool)
    brand = np.array(data.draw(st.lists(st.integers(0, 3), min_size=m, max_size=m)),
                     dtype=np.int64)  # each candidate's brand number
    lvl = LEVELS[level]
    edges, factors = lvl.bands if lvl.bands is not None else (NO_RULES, NO_RULES)
    rules = NO_RULES if lvl.bands is not None else rule_table(
        lvl, {c: i for i, c in enumerate(SUPPLIERS)}, {b: i for i, b in enumerate(BRANDS)})
    code = compiled_sort(sort)
    assert code is not None
    max_delivery = -1 if f.max_delivery_hours is None else f.max_delivery_hours

    # the brand and supplier filters arrive as a mask over the candidates (or none)
    keep = np.array(data.draw(st.one_of(st.just([]), st.lists(st.booleans(), min_size=m,
                                                              max_size=m))), dtype=bool)
    # a text sort's column: a few texts, so equal texts (equal ranks) are common; the caller
    # ranks the candidates as np.unique does (search._kernels.text_ranks, tested apart)
    text = np.array(data.draw(st.lists(st.sampled_from(["", "A1", "a1", "B", "Б2", "A10"]),
                                       min_size=m, max_size=m)), dtype=object)
    ranks = np.unique(text.astype(str), return_inverse=True)[1].astype(np.int64) \
        if code >= TEXT_SORT and m else np.zeros(0, np.int64)

    shown, n_shown, totals, sell = rank_blocks(
        which, hops, support, oem, brand, cand_rows, seg, row, price, delivery, quantity, edges,
        factors, rules, code, sort[1], max_delivery, f.in_stock, keep, ranks, show_all,
        offset, limit, oem_offset, oem_limit)

    ref_sell = lvl.apply(price[cand_rows], SUPPLIERS[seg[cand_rows]], BRANDS[brand])
    assert sell.tolist() == ref_sell.tolist()
    cands = {"price": ref_sell, "delivery_hours": delivery[cand_rows], "seg": seg[cand_rows],
             "row": row[cand_rows], "hops": hops[which], "support": support[which],
             "quantity": quantity[cand_rows], "quantity_exact": exact[cand_rows],
             **{SORTS[c]: text for c in ("code", "description", "note")}}
    group = np.where(which == 0, 0, np.where(oem, 1, 2))
    mask = filter_mask(cands, f, frozenset(), {})
    if keep.size:
        mask &= keep
    kept = np.flatnonzero(mask)
    sub = {k: v[kept] for k, v in cands.items()}
    ordered_all = kept[order(sub, sort, by_distance=True, group=group[kept])]
    expected: list[int] = []
    for b in range(3):
        ordered = ordered_all[group[ordered_all] == b]
        assert totals[b] == ordered.size
        if b == 0:
            page = ordered if show_all else requested_shown(cands, ordered, sort)
        else:  # each block its own page
            skip, size = (oem_offset, oem_limit) if b == 1 else (offset, limit)
            page = ordered[skip: skip + size]
        assert n_shown[b] == page.size
        expected += page.tolist()
    assert shown.tolist() == expected


def test_sort_codes() -> None:
    assert compiled_sort(DEFAULT_SORT) == 0 and compiled_sort(("delivery", True)) == 1
    assert compiled_sort(("description", False)) == compiled_sort(("description", True)) >= \
        TEXT_SORT and compiled_sort(("code", True)) >= TEXT_SORT
    assert compiled_sort(("supplier", False)) is None


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
