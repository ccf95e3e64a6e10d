"""The offer store's merge: any sequence of publishes and removals, merged one step at a time
(into the delta, or compacted into the base), holds the offers and article index a fresh merge
of the same files holds, and finds the offers of any part as a scan of them does."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partsearch._hashing import part_hashes
from partsearch.search import _store
from partsearch.search._store import TEXT_COLUMNS, OfferStore, Segment, Strings, _merge, flatten

_BRANDS = ["KNECHT", "MAHLE", "MANN-FILTER", "ЗМЗ"]
_ARTICLES = ["OC90", "W92021", "РК15", "PK15", "1", "0451103316"]


def _segment(supplier: str, version: int, rows: list[tuple[int, int, int]]) -> Segment:
    """A supplier file as the loader writes it (sorted by part hash) with the columns the
    store reads: rows of (brand, article, price in kopecks) by index into the lists above."""
    brand = [_BRANDS[b] for b, _, _ in rows]
    key = [_ARTICLES[a] for _, a, _ in rows]
    h = part_hashes(brand, key)
    order = np.argsort(h, kind="stable")
    n = len(rows)
    table = pa.table({
        "brand": pa.array(brand, pa.string()).take(order),
        "article": pa.array(key, pa.string()).take(order),
        "description": pa.array([""] * n, pa.string()),
        "article_key": pa.array(key, pa.string()).take(order),
        "restrictions": pa.array([None] * n, pa.string()),
        "part_hash": pa.array(h[order], pa.uint64()),
        "price": pa.array([Decimal(p) / 100 for _, _, p in rows], pa.decimal128(14, 2))
        .take(order),
        "delivery_hours": pa.array([24] * n, pa.int32()),
        "quantity": pa.array([1] * n, pa.int64()),
        "quantity_exact": pa.array([True] * n, pa.bool_()),
        "on_order": pa.array([False] * n, pa.bool_()),
        "multiplicity": pa.array([1] * n, pa.int32()),
        "min_quantity": pa.array([1] * n, pa.int32()),
    })
    return Segment(supplier, f"v{version}", table, None, {},
                   {c: Strings(table.column(c)) for c in TEXT_COLUMNS})


def _offers(store: OfferStore) -> list[tuple[object, ...]]:
    flat = flatten(store)
    return sorted(zip(flat.hash.tolist(), store.codes[flat.seg].tolist(), flat.row.tolist(),
                      flat.price.tolist(), strict=True))


def _articles(store: OfferStore) -> list[tuple[object, ...]]:
    flat = flatten(store)
    return sorted(zip(flat.article_hash.tolist(), store.codes[flat.article_seg].tolist(),
                      flat.article_row.tolist(), strict=True))


def _hits_match_a_scan(store: OfferStore, segments: tuple[Segment, ...]) -> None:
    """Every offer of each part hash (and of one no file has), found by ``hits``: the ones a
    scan of the files finds, with their columns, in the order of the hashes asked."""
    scan = [(h, seg, row, p) for seg, s in enumerate(segments)
            for row, (h, p) in enumerate(zip(s.part_hash.tolist(),
                                             _store._kopecks(s.table.column("price")).tolist(),
                                             strict=True))]
    asked = sorted({h for h, *_ in scan} | {12345}, reverse=True)
    hits = store.hits(np.array(asked, dtype=np.uint64))
    r = hits.rows
    found = list(zip(hits.which.tolist(), hits.hash[r].tolist(), hits.seg[r].tolist(),
                     hits.row[r].tolist(), hits.price[r].tolist(), strict=True))
    assert hits.which.tolist() == sorted(hits.which.tolist())
    assert sorted(found) == sorted((asked.index(h), h, seg, row, p) for h, seg, row, p in scan)
    assert store.size == len(scan)


_ROWS = st.lists(st.tuples(st.integers(0, len(_BRANDS) - 1), st.integers(0, len(_ARTICLES) - 1),
                           st.integers(-100, 10**6)), max_size=12)
# a step: publish supplier S (a new version of its file) or remove it
_STEPS = st.lists(st.tuples(st.sampled_from("ABC"), st.one_of(st.none(), _ROWS)), min_size=1,
                  max_size=8)


# how often a reload compacts: never, as the store does, or at every reload
@pytest.mark.parametrize("compact", [0, _store._COMPACT, 10**9])
@settings(max_examples=60, deadline=None)
@given(steps=_STEPS)
def test_incremental_merges_equal_a_fresh_merge(steps: list[tuple[str, object]], compact: int
                                                ) -> None:
    files: dict[str, Segment] = {}
    store: OfferStore | None = None
    for version, (supplier, rows) in enumerate(steps):
        if rows is None:
            files.pop(supplier, None)
        else:
            files[supplier] = _segment(supplier, version, rows)  # type: ignore[arg-type]
        segments = tuple(files[s] for s in sorted(files))
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(_store, "_COMPACT", compact)
            store = _merge(segments, store.prior if store else None)
        fresh = _merge(segments)
        assert _offers(store) == _offers(fresh)
        assert _articles(store) == _articles(fresh)
        for level in (store.base, store.delta):
            assert level.hash.tolist() == sorted(level.hash.tolist())
            assert level.article_hash.tolist() == sorted(level.article_hash.tolist())
        _hits_match_a_scan(store, segments)
        # brand choice from the index: each brand's offers of each article, counted by a scan
        for article in _ARTICLES:
            expected: dict[str, int] = {}
            for s in segments:
                for b, k in zip(s.table.column("brand").to_pylist(),
                                s.table.column("article_key").to_pylist(), strict=True):
                    if k == article:
                        expected[b] = expected.get(b, 0) + 1
            assert store.article_offers([article]) == expected, article


def test_a_reload_compacts_when_the_delta_and_replaced_rows_pass_an_eighth() -> None:
    big = [(i % 4, i % 6, 100 + i) for i in range(40)]
    store = _merge((_segment("A", 0, big), _segment("B", 1, [(0, 0, 1)] * 2)))
    # B republished: 2 rows replaced, 2 added, (2 + 2) * 8 under the base's 42: a delta
    step = (store.segments[0], _segment("B", 2, [(1, 1, 2)] * 2))
    kept = _merge(step, store.prior)
    assert kept.base.hash is store.base.hash and kept.delta.size == 2 and kept.size == 42
    assert kept.base.segmap.tolist() == [0, -1]  # B's old rows skipped
    assert _offers(kept) == _offers(_merge(step))
    # A republished with one row: 1 row added, but 40 of the base's replaced: compacted
    step = (_segment("A", 3, [(2, 2, 3)]), step[1])
    compacted = _merge(step, kept.prior)
    assert compacted.delta.size == 0 and compacted.base.segmap.size == 0
    assert compacted.size == compacted.base.size == 3
    assert _offers(compacted) == _offers(_merge(step))
