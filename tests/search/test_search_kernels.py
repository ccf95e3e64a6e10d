"""The search hot path's compiled pieces against plain references."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from partsearch.search._kernels import class_members, class_walk, fences, gather, presence
from partsearch.search._store import Strings, money

# hash values: 311 spread over 64 bits (so the presence bitmap rules most absent ones out),
# every other one a neighbour of the previous (same prefix: the bitmap cannot tell them apart)
_rng = np.random.default_rng(5)
_SPREAD = np.sort(_rng.integers(0, 2**63, 156, dtype=np.uint64) * np.uint64(2))
_VALUES = np.sort(np.concatenate([_SPREAD[:155], _SPREAD + np.uint64(1)]))


@given(st.lists(st.integers(0, 310), max_size=2000), st.lists(st.integers(0, 310), max_size=40))
def test_gather_matches_reference(values: list[int], queries: list[int]) -> None:
    hashes = _VALUES[sorted(values)]
    q = _VALUES[queries]
    rows, which = gather(hashes, fences(hashes), presence(hashes), q)
    ref = [(r, w) for w, h in enumerate(q.tolist()) for r, v in enumerate(hashes.tolist())
           if v == h]
    assert list(zip(rows.tolist(), which.tolist(), strict=True)) == ref


@given(st.lists(st.tuples(st.integers(0, 2**64 - 1), st.integers(1, 3)), max_size=1500),
       st.lists(st.integers(0, 2**64 - 1), max_size=10), st.data())
def test_gather_finds_runs_in_uneven_hashes(values: list[tuple[int, int]], absent: list[int],
                                            data: st.DataObject) -> None:
    """The interpolation inside a fence block lands far off when hashes are not spread evenly
    (clusters, huge gaps, runs of equal hashes across block edges); the steps after it still
    find every run."""
    hashes = np.sort(np.array([v for v, k in values for _ in range(k)], dtype=np.uint64))
    present = data.draw(st.lists(st.sampled_from(hashes.tolist()), max_size=20)) if values \
        else []
    q = np.array(present + absent, dtype=np.uint64)
    rows, which = gather(hashes, fences(hashes), presence(hashes), q)
    expected = [(int(r), w) for w, h in enumerate(q.tolist())
                for r in np.flatnonzero(hashes == np.uint64(h))]
    assert list(zip(rows.tolist(), which.tolist(), strict=True)) == expected


@given(st.lists(st.one_of(st.none(), st.text(max_size=8)), max_size=30), st.booleans())
def test_strings_read_like_pyarrow(values: list[str | None], large: bool) -> None:
    arr = pa.array(values, type=pa.large_string() if large else pa.string())
    reader = Strings(pa.chunked_array([arr.slice(0, len(values) // 2),
                                       arr.slice(len(values) // 2)]))
    assert [reader[i] for i in range(len(values))] == values


_TEXT = st.lists(st.one_of(st.none(), st.text(max_size=8)), min_size=1, max_size=20)


@given(st.lists(st.tuples(_TEXT, st.booleans()), min_size=1, max_size=4), st.data())
def test_shown_text_reads_like_the_reference(columns: list[tuple[list[str | None], bool]],
                                             data: st.DataObject) -> None:
    """The compiled text gather (``shown_text``) against ``Strings``, one value at a time:
    string and large_string columns, chunked and sliced (nonzero offsets), nulls as ""."""
    from partsearch.search._kernels import (
        COLUMNS,
        HASH,
        PRICE,
        ROW,
        SEG,
        SELL,
        TEXT_SEPARATOR,
        shown_text,
    )

    def reader(values: list[str | None], large: bool) -> Strings:
        arr = pa.array(values, type=pa.large_string() if large else pa.string())
        return Strings(pa.chunked_array([arr.slice(0, len(values) // 2),
                                         arr.slice(len(values) // 2)]))

    # each segment: an article column and a description column of the same length
    segments = []
    for values, large in columns:
        other = data.draw(st.lists(st.one_of(st.none(), st.text(max_size=5)),
                                   min_size=len(values), max_size=len(values)))
        segments.append((reader(values, large), reader(other, not large)))
    texts = np.array([a.addresses + d.addresses for a, d in segments], dtype=np.int64)
    picks = data.draw(st.lists(st.tuples(st.integers(0, 10**6), _KOPECKS, _KOPECKS,
                                         st.integers(-2**63, 2**63 - 1)), max_size=12))
    table = np.zeros((len(picks) + 1, COLUMNS), dtype=np.int64)
    expected = []
    for j, (pick, sell, price, part) in enumerate(picks, start=1):
        seg = pick % len(segments)
        r = pick % len(columns[seg][0])
        table[j, SEG], table[j, ROW] = seg, r
        table[j, SELL], table[j, PRICE], table[j, HASH] = sell, price, part
        article, description = segments[seg]
        expected += [article[r] or "", description[r] or "", money(sell), money(price),
                     str(part % 2**64)]
    raw = shown_text(table, texts).tobytes()
    # what _blocks._offers reads: five values per offer, each followed by the separator
    assert raw.decode("utf-8", "surrogateescape").split(TEXT_SEPARATOR) == [*expected, ""]


_KOPECKS = st.one_of(st.integers(-10**4, 10**4), st.integers(-2**62, 2**62))


@given(st.lists(st.tuples(st.lists(st.one_of(st.none(), st.text(alphabet="aAbБб1 \u00e9\U0001f600",
                                                                   max_size=4)),
                                        min_size=1, max_size=40), st.booleans()),
                min_size=1, max_size=3), st.data())
def test_text_ranks_rank_like_np_unique(columns: list[tuple[list[str | None], bool]],
                                        data: st.DataObject) -> None:
    """The compiled text sort's ranks (``text_ranks``: UTF-8 bytes compared where they lie)
    against ``np.unique`` over the Python strings, as ``ranking.order`` ranks a text sort:
    code point order, equal texts equal ranks, a null as the empty text; from one to several
    hundred candidates (the insertion-sorted runs and the merges)."""
    from partsearch.search._kernels import text_ranks

    readers = [Strings(pa.array(values, type=pa.large_string() if large else pa.string()))
               for values, large in columns]
    # the store: each segment's rows in turn; the text table has the sorted column third
    seg = np.concatenate([np.full(len(v), s, np.int32) for s, (v, _) in enumerate(columns)])
    row = np.concatenate([np.arange(len(v), dtype=np.int64) for v, _ in columns])
    texts = np.array([(0,) * 8 + r.addresses + (0,) * 4 for r in readers], dtype=np.int64)
    m = data.draw(st.integers(0, 300))
    rows = np.array(data.draw(st.lists(st.integers(0, seg.size - 1), min_size=m, max_size=m)),
                    dtype=np.int64)
    values = np.array(["" if columns[seg[r]][0][row[r]] is None else columns[seg[r]][0][row[r]]
                       for r in rows.tolist()], dtype=object)
    expected = np.unique(values.astype(str), return_inverse=True)[1] if m else np.zeros(0)
    assert text_ranks(rows, seg, row, texts, 2).tolist() == expected.tolist()


@given(st.integers(-10**12, 10**12))
def test_money_is_exact(kop: int) -> None:
    from decimal import Decimal

    assert Decimal(money(kop)) == Decimal(kop) / 100


@given(st.lists(st.tuples(st.integers(0, 50), st.integers(0, 3)), max_size=60),
       st.lists(st.integers(0, 50), max_size=30),
       st.lists(st.integers(-1, 5), min_size=4, max_size=4))
def test_merge_plan_keeps_order_and_rows(base: list[tuple[int, int]], new: list[int],
                                         renumber: list[int]) -> None:
    from partsearch.search._kernels import merge_plan, merge_take

    base.sort()
    base_hash = np.array([h for h, _ in base], dtype=np.uint64)
    base_seg = np.array([s for _, s in base], dtype=np.int32)
    remap = np.array(renumber, dtype=np.int32)  # segment -> its new number, -1: dropped
    new_hash = np.array(sorted(new), dtype=np.uint64)
    start, length = merge_plan(base_hash, base_seg, remap, new_hash)
    size = int(length.sum())
    merged = np.empty(size, dtype=np.uint64)
    merge_take(start, length, base_hash, None, new_hash, merged)
    expected = sorted([h for h, s in base if renumber[s] >= 0] + new)
    assert merged.tolist() == expected
    ids = np.empty(size, dtype=np.int64)
    merge_take(start, length, np.arange(len(base)), None, -1 - np.arange(len(new)), ids)
    kept = [i for i, (_, s) in enumerate(base) if renumber[s] >= 0]
    assert [i for i in ids.tolist() if i >= 0] == kept  # in order, base first on ties
    assert [-1 - i for i in ids.tolist() if i < 0] == list(range(len(new)))
    segs = np.empty(size, dtype=np.int32)
    merge_take(start, length, base_seg, remap, np.full(len(new), 9, np.int32), segs)
    assert segs.tolist() == [renumber[base[i][1]] if i >= 0 else 9 for i in ids.tolist()]
    # runs: no two neighbours that could have been one
    first = [s if s >= 0 else -s - 1 for s in start.tolist()]
    assert not any((start[r + 1] >= 0) == (start[r] >= 0)
                   and first[r + 1] == first[r] + length[r] for r in range(start.size - 1))


# random cross graphs: (number of parts, crosses between them); parts ids spread so the search's
# local hash table sees ids far apart and neighbours alike
walk_graphs = st.integers(1, 40).flatmap(lambda n: st.tuples(
    st.just(n), st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=90),
    st.integers(1, 1000)))


@given(walk_graphs, st.integers(0, 39), st.integers(1, 40))
def test_class_walk_and_class_members_match_the_reference(
        graph: tuple[int, list[tuple[int, int]], int], start: int, run: int) -> None:
    from partsearch.crosses._kernels import (
        bfs_local,
        class_adjacency,
        class_places,
        csr,
        group_members,
        nearest,
        union_find,
    )

    n, pairs, stride = graph
    start %= n
    pairs = [(x, y) for x, y in pairs if x != y]
    a = np.array([x for x, _ in pairs], dtype=np.int64)
    b = np.array([y for _, y in pairs], dtype=np.int64)
    keep = np.ones(a.size, dtype=bool)
    off, to, eid = csr(n, a, b, keep)
    support = (np.arange(a.size) % 3 + 1).astype(np.int16)[eid]
    _roots, labels = np.unique(union_find(n, a, b, keep), return_inverse=True)
    class_off, class_parts = group_members(labels, int(labels.max()) + 1)
    part_hash = np.arange(n, dtype=np.uint64) * np.uint64(stride) * np.uint64(2**40) + np.uint64(7)
    # the class-local arrays as the build writes them, a run of ``run`` classes at a time
    pieces, first = [], 0
    for c0 in range(0, class_off.size - 1, run):
        piece = class_adjacency(class_off, class_parts, off, to, support, part_hash, c0,
                                min(c0 + run, class_off.size - 1))
        piece[0][:] += first
        pieces.append(piece)
        first += piece[1].size
    slot_off = np.concatenate([p[0] for p in pieces] + [np.array([first])])
    local_to, local_sup, member_hash = (np.concatenate([p[k] for p in pieces])
                                        for k in (1, 2, 3))
    assert member_hash.tolist() == part_hash[class_parts].tolist()

    c = labels[start]
    lo, hi = int(class_off[c]), int(class_off[c + 1])
    members = class_parts[lo:hi].astype(np.int64)
    # each part's class stretch and place, as the search reads them instead of its class's
    places = class_places(class_off, class_parts)
    assert places.tolist() == [[class_off[labels[p]], class_off[labels[p] + 1],
                                int(np.searchsorted(class_parts[class_off[labels[p]]:
                                                                class_off[labels[p] + 1]], p))]
                               for p in range(n)]
    place = int(places[start, 2])
    ref_hops, ref_sup, _ = bfs_local(members, start, -1, off, to, eid, support)
    hops, sup = class_walk(place, lo, hi - lo, slot_off,
                           local_to, local_sup)
    assert hops.tolist() == ref_hops.tolist()
    assert sup.tolist() == ref_sup.tolist()

    # offers: every third part has one or two; part hashes ascending with the id (as in the index)
    offered = part_hash[::3]
    offer_hash = np.sort(np.concatenate([offered, offered[::2]]))
    ids, h, s, hashes = class_members(
        start, place, lo, hi, class_parts, slot_off, local_to, local_sup, member_hash)
    rows, which = gather(offer_hash, fences(offer_hash), presence(offer_hash), hashes)
    ref_ids, ref_h, ref_s = nearest(members, start, -1, off, to, eid, support)
    assert ids.tolist() == [start, *ref_ids.tolist()]
    assert h.tolist() == [0, *ref_h.tolist()] and s.tolist() == [0, *ref_s.tolist()]
    assert hashes.tolist() == part_hash[ids].tolist()
    expected = [(r, w) for w, x in enumerate(hashes.tolist())
                for r, v in enumerate(offer_hash.tolist()) if v == x]
    assert list(zip(rows.tolist(), which.tolist(), strict=True)) == expected


@given(st.lists(st.lists(st.integers(0, 20), max_size=15), max_size=9))
def test_merge_order_is_a_stable_argsort_of_sorted_runs(runs: list[list[int]]) -> None:
    from partsearch.search._kernels import merge_order

    keys = np.array([h for run in runs for h in sorted(run)], dtype=np.uint64)
    starts = np.cumsum([0] + [len(run) for run in runs], dtype=np.int64)
    assert merge_order(keys, starts).tolist() == np.argsort(keys, kind="stable").tolist()
