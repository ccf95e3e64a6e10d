"""The compiled graph kernels against slow, obvious references."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from partsearch.crosses import _kernels as k

graphs = st.integers(2, 30).flatmap(
    lambda n: st.tuples(
        st.just(n),
        st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=60),
    )
)


def _edges(n: int, pairs: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    uniq = sorted({(min(a, b), max(a, b)) for a, b in pairs if a != b})
    a = np.array([p[0] for p in uniq], dtype=np.int32)
    b = np.array([p[1] for p in uniq], dtype=np.int32)
    return a, b


def _components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    m = coo_matrix((np.ones(a.size), (a, b)), shape=(n, n))
    return connected_components(m, directed=False)[1]


def _same_partition(x: np.ndarray, y: np.ndarray) -> bool:
    pairs = set(zip(x.tolist(), y.tolist(), strict=True))
    return len(pairs) == len(set(x.tolist())) == len(set(y.tolist()))


@given(graphs)
def test_union_find_matches_scipy(graph: tuple[int, list[tuple[int, int]]]) -> None:
    n, pairs = graph
    a, b = _edges(n, pairs)
    labels = k.union_find(n, a, b, np.ones(a.size, dtype=bool))
    assert _same_partition(labels, _components(n, a, b))
    # labels are numbered by first member, so they are deterministic
    firsts = [int(labels[i]) for i in range(n) if labels[i] not in labels[:i]]
    assert firsts == list(range(len(firsts)))


def _bridge_sides(n: int, n_edges: int, off: np.ndarray, to: np.ndarray,
                  eid: np.ndarray) -> np.ndarray:
    """Every edge's smaller side when it is a bridge of the whole graph, else 0 (one call of
    the kernel over every component, with fresh scratch)."""
    out = np.zeros(n_edges, dtype=np.int32)
    disc = np.full(n, -1, dtype=np.int32)
    scratch = np.empty(n, dtype=np.int32), np.empty(n, dtype=np.int32)
    none = np.zeros(0, dtype=np.int32)
    k.bridges(off, to, eid, np.zeros(n_edges, dtype=np.bool_), none, out, disc, *scratch, 0)
    return out


@given(graphs)
def test_bridge_sides_match_removal_reference(graph: tuple[int, list[tuple[int, int]]]) -> None:
    n, pairs = graph
    a, b = _edges(n, pairs)
    off, to, eid = k.csr(n, a, b, np.ones(a.size, dtype=bool))
    sides = _bridge_sides(n, a.size, off, to, eid)
    base = _components(n, a, b)
    for e in range(a.size):
        keep = np.arange(a.size) != e
        after = _components(n, a[keep], b[keep])
        if after[a[e]] == after[b[e]]:
            assert sides[e] == 0
        else:
            side_a = int((after == after[a[e]]).sum())
            side_b = int((after == after[b[e]]).sum())
            assert sides[e] == min(side_a, side_b)
            assert side_a + side_b == int((base == base[a[e]]).sum())


def _class_of(graph: tuple[int, list[tuple[int, int]]], start: int) -> tuple[Any, ...]:
    """A random graph's CSR, the class of ``start`` (ascending) and its edges' count."""
    n, pairs = graph
    a, b = _edges(n, pairs)
    start %= n
    off, to, eid = k.csr(n, a, b, np.ones(a.size, dtype=bool))
    labels = _components(n, a, b)
    members = np.flatnonzero(labels == labels[start]).astype(np.int64)
    return start, off, to, eid, members, a.size


@given(graphs, st.integers(0, 29))
def test_bfs_hops_match_reference(graph: tuple[int, list[tuple[int, int]]], start: int) -> None:
    start, off, to, eid, members, n_edges = _class_of(graph, start)
    support = np.ones(n_edges, dtype=np.int32)[eid]  # per adjacency slot
    hops, sup, _parents = k.bfs_local(members, start, -1, off, to, eid, support)
    # reference: plain BFS distances and count of shortest-path predecessors
    dist = {start: 0}
    frontier = [start]
    while frontier:
        nxt = []
        for u in frontier:
            for v in [int(x) for x in to[off[u]:off[u + 1]]]:
                if v not in dist:
                    dist[v] = dist[u] + 1
                    nxt.append(v)
        frontier = nxt
    for i, m in enumerate(members):
        assert hops[i] == dist[int(m)]
        preds = [int(x) for x in to[off[m]:off[m + 1]] if dist.get(int(x)) == dist[int(m)] - 1]
        assert sup[i] == (len(preds) if m != start else 0)


@given(graphs, st.integers(0, 29))
def test_nearest_orders_like_lexsort(graph: tuple[int, list[tuple[int, int]]], start: int) -> None:
    start, off, to, eid, members, n_edges = _class_of(graph, start)
    support = (np.arange(n_edges) % 3 + 1).astype(np.int32)[eid]
    hops, sup, _ = k.bfs_local(members, start, -1, off, to, eid, support)
    ids, h, s = k.nearest(members, start, -1, off, to, eid, support)
    ref = sorted((int(hops[i]), -int(sup[i]), int(members[i])) for i in range(members.size)
                 if hops[i] > 0)
    assert list(zip(h.tolist(), (-s).tolist(), ids.tolist(), strict=True)) == ref


def _shaped(keys: np.ndarray, shape: str) -> np.ndarray:
    if shape == "narrow":  # few distinct values: long runs of equal keys keep their input order
        return keys % np.uint64(7)
    if shape == "bunched":  # one huge key, the rest below the digits: long runs, merge-sorted
        keys = keys % np.uint64(1000)
        keys[:1] = np.uint64(2**63)
        return keys
    return keys


@given(st.lists(st.integers(0, 2**64 - 1), max_size=300),
       st.sampled_from(["spread", "narrow", "bunched"]), st.booleans())
def test_sort_order_is_a_stable_argsort(values: list[int], shape: str, with_keys: bool) -> None:
    keys = _shaped(np.array(values, dtype=np.uint64), shape)
    out = np.empty(keys.size, dtype=np.int32)
    sorted_keys = np.empty_like(keys) if with_keys else np.zeros(0, np.uint64)
    k.sort_order(keys, out, sorted_keys)
    assert out.tolist() == np.argsort(keys, kind="stable").tolist()
    if with_keys:
        assert sorted_keys.tolist() == sorted(keys.tolist())


@pytest.mark.parametrize("shape", ["spread", "narrow", "bunched", "dense"])
def test_sort_order_at_scale(shape: str) -> None:
    """Enough keys for several first-pass buckets and second-pass digits (what a build sorts:
    hashes, pair keys, class ids)."""
    rng = np.random.default_rng(3)
    n = 1_300_000
    keys = rng.integers(0, 2**64 - 1, n, dtype=np.uint64, endpoint=True)
    keys = rng.integers(0, 40_000, n).astype(np.uint64) if shape == "dense" else \
        _shaped(keys, shape)
    out = np.empty(n, dtype=np.int64)
    sorted_keys = np.empty_like(keys)
    k.sort_order(keys, out, sorted_keys)
    want = np.argsort(keys, kind="stable")
    assert np.array_equal(out, want) and np.array_equal(sorted_keys, keys[want])


@given(st.lists(st.lists(st.integers(1, 40), max_size=50), max_size=6))
def test_intern_numbers_parts_by_first_appearance(batches: list[list[int]]) -> None:
    # tiny table and small hashes: many collisions on the home slot, and rehashes as it fills
    from partsearch.crosses._parts import _MAX_LOAD

    slots = np.zeros(8, dtype=np.uint64)
    keys = np.empty(0, dtype=np.uint64)
    n = 0
    seen: dict[int, int] = {}
    for values in batches:
        hashes = np.array(values, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        if n + hashes.size > keys.size:
            keys = np.concatenate([keys, np.empty(n + hashes.size, np.uint64)])
        while n + hashes.size > _MAX_LOAD * slots.size:
            slots = np.zeros(slots.size * 2, dtype=np.uint64)
            k.rehash(slots, keys, n)
        ids, first, n = k.intern(slots, keys, n, hashes)
        want, new = [], []
        for i, h in enumerate(hashes.tolist()):
            if h not in seen:
                seen[h] = len(seen)
                new.append(i)
            want.append(seen[h])
        assert ids.tolist() == want
        assert first.tolist() == new
    assert n == len(seen)
    assert keys[:n].tolist() == list(seen)


@given(graphs, st.lists(st.integers(0, 59), max_size=8), st.integers(1, 5))
def test_bridges_rewalk_only_what_changed(graph: tuple[int, list[tuple[int, int]]],
                                          drops: list[int], lanes: int) -> None:
    """The first walk (components in lanes, shared out between threads by label) gives the
    plain walk's answer; skipping edges and
    re-walking only their components gives what a fresh walk of the smaller graph gives; a
    skipped edge keeps its last value; compact drops its slots."""
    n, pairs = graph
    a, b = _edges(n, pairs)
    state = np.zeros(a.size, dtype=np.uint8)
    off, to, eid = k.csr(n, a, b, state == 0)
    side = np.zeros(a.size, dtype=np.int32)
    disc = np.full(n, -1, dtype=np.int32)
    low, sub = np.empty(n, dtype=np.int32), np.empty(n, dtype=np.int32)
    # the first walk in two shares of the components, as two threads do it in the guard
    labels = k.union_find(n, a, b, state == 0)
    t = max(k.first_bridges(off, to, eid, side, disc, low, sub, labels, part, 2, lanes)
            for part in range(2))
    assert side.tolist() == _bridge_sides(n, a.size, off, to, eid).tolist()
    held = sorted({d % a.size for d in drops}) if a.size else []
    before = side[held].copy()
    state[held] = 1
    roots = np.unique(np.concatenate([a[held], b[held]])).astype(np.int32)
    k.bridges(off, to, eid, state, roots, side, disc, low, sub, t)
    kept = state == 0
    fresh = _bridge_sides(n, a.size, *k.csr(n, a, b, kept))
    assert side[kept].tolist() == fresh[kept].tolist()
    assert side[held].tolist() == before.tolist()
    m = k.compact(off, to, eid, a, b, np.flatnonzero(state == 1))
    ref_off, ref_to, ref_eid = k.csr(n, a, b, kept)
    assert off.tolist() == ref_off.tolist()
    def slots(off: np.ndarray, to: np.ndarray, eid: np.ndarray, v: int) -> list[tuple[int, int]]:
        lo, hi = off[v], off[v + 1]
        return sorted(zip(to[lo:hi].tolist(), eid[lo:hi].tolist(), strict=True))

    for v in range(n):  # same neighbours per node (the order within a node may differ)
        assert slots(off, to, eid, v) == slots(ref_off, ref_to, ref_eid, v)
    assert m == ref_to.size


@given(st.lists(st.integers(0, 2**64 - 1), max_size=400, unique=True),
       st.lists(st.integers(0, 2**64 - 1), max_size=20), st.booleans())
def test_find_sorted_matches_searchsorted(values: list[int], probes: list[int],
                                          skewed: bool) -> None:
    keys = np.array(sorted(values), dtype=np.uint64)
    if skewed:  # most keys crowded at the bottom: interpolation guesses badly
        keys = np.unique(keys >> np.uint64(50))
    wanted = [*keys[::7].tolist(), *probes]
    for h in wanted:
        pos = int(np.searchsorted(keys, np.uint64(h)))
        expect = pos if pos < keys.size and int(keys[pos]) == h else -1
        assert k.find_sorted(keys, np.uint64(h)) == expect


def test_first_walk_grows_its_stacks_on_long_chains() -> None:
    """Components deeper and with more bridges than the lanes' first stack rows: a chain of
    1,500 parts (every cross a bridge), a ring of 600 (none) and small pieces between."""
    chain = [(i, i + 1) for i in range(1_499)]
    ring = [(1_500 + i, 1_500 + (i + 1) % 600) for i in range(600)]
    small = [(2_100 + 3 * i, 2_101 + 3 * i) for i in range(50)]
    n = 2_300
    a, b = _edges(n, chain + ring + small)
    keep = np.ones(a.size, dtype=bool)
    off, to, eid = k.csr(n, a, b, keep)
    labels = k.union_find(n, a, b, keep)
    for lanes in (1, 3, 8):
        side = np.zeros(a.size, dtype=np.int32)
        disc = np.full(n, -1, dtype=np.int32)
        low, sub = np.empty(n, dtype=np.int32), np.empty(n, dtype=np.int32)
        k.first_bridges(off, to, eid, side, disc, low, sub, labels, 0, 1, lanes)
        assert side.tolist() == _bridge_sides(n, a.size, off, to, eid).tolist()
    on_chain = (a < 1_500)
    assert side[on_chain].min() > 0 and side[(a >= 1_500) & (a < 2_100)].max() == 0


@given(graphs, st.lists(st.integers(0, 59), max_size=8))
def test_split_classes_gives_the_union_find_of_what_is_left(
        graph: tuple[int, list[tuple[int, int]]], drops: list[int]) -> None:
    n, pairs = graph
    a, b = _edges(n, pairs)
    keep = np.ones(a.size, dtype=bool)
    before = k.union_find(n, a, b, keep)
    held = sorted({d % a.size for d in drops}) if a.size else []
    keep[held] = False
    off, to, _eid = k.csr(n, a, b, keep)
    ends = np.concatenate([a[held], b[held]]).astype(np.int32)
    split = k.split_classes(off, to, before.copy(), ends)
    assert _same_partition(split, k.union_find(n, a, b, keep))
    # labels 0..k'-1; a part whose class lost no cross keeps its label
    assert sorted(set(split.tolist())) == list(range(np.unique(split).size))
    touched = np.isin(before, before[ends])
    assert np.array_equal(split[~touched], before[~touched])


def test_split_classes_walks_components_larger_than_its_first_queue() -> None:
    n = 3_000
    a, b = _edges(n, [(i, i + 1) for i in range(n - 1)] + [(0, n - 1)])
    keep = np.ones(a.size, dtype=bool)
    before = k.union_find(n, a, b, keep)
    keep[[10, 2_000]] = False  # the ring cut twice: two classes
    off, to, _eid = k.csr(n, a, b, keep)
    ends = np.concatenate([a[~keep], b[~keep]]).astype(np.int32)
    split = k.split_classes(off, to, before, ends)
    assert _same_partition(split, k.union_find(n, a, b, keep))
    assert sorted(np.unique(split).tolist()) == [0, 1]


@pytest.mark.parametrize("dtype", [np.uint16, np.int32, np.uint32, np.int64])
def test_take_is_numpy_fancy_indexing(dtype: type) -> None:
    rng = np.random.default_rng(5)
    values = rng.integers(0, 30_000, 1_000).astype(dtype)
    order = rng.integers(0, 1_000, 5_000).astype(np.int32)
    assert np.array_equal(k.take(values, order), values[order])
    assert k.take(values, order[:0]).size == 0


def test_clipped_take_is_gather_clip_and_int16() -> None:
    rng = np.random.default_rng(7)
    support = rng.integers(1, 70_000, 1_000).astype(np.int32)
    order = rng.integers(0, 1_000, 5_000).astype(np.int32)
    got = k.clipped_take(support, order, 32_767)
    assert got.dtype == np.int16
    assert np.array_equal(got, np.minimum(support[order], 32_767))
    assert (got == 32_767).any() and (got < 32_767).any()


@given(st.lists(st.integers(0, 9), max_size=200), st.integers(0, 3))
def test_group_members_is_a_stable_argsort_in_csr(labels: list[int], extra: int) -> None:
    lab = np.array(labels, dtype=np.int32)
    groups = (int(lab.max()) + 1 if lab.size else 0) + extra  # empty groups at the end
    off, members = k.group_members(lab, groups)
    assert off.tolist() == [0, *np.cumsum(np.bincount(lab, minlength=groups)).tolist()]
    assert members.tolist() == np.argsort(lab, kind="stable").tolist()


def test_renumber_in_place() -> None:
    rng = np.random.default_rng(6)
    new = rng.permutation(500).astype(np.int32)
    ids = rng.integers(0, 500, 2_000).astype(np.int32)
    want = new[ids]
    got = k.renumber(ids, new)
    assert got is ids and np.array_equal(ids, want)


@given(st.lists(st.tuples(st.integers(0, 2), st.sampled_from([0, 3, k.CONFIRMED]),
                          st.integers(0, 6)), max_size=200), st.integers(1, 5))
def test_suspicious_is_numpys_masks(rows: list[tuple[int, int, int]], min_side: int) -> None:
    state = np.array([r[0] for r in rows], dtype=np.uint8)
    only = np.array([r[1] for r in rows], dtype=np.uint16)
    side = np.array([r[2] for r in rows], dtype=np.int32)
    want = np.flatnonzero((state == 0) & (only != k.CONFIRMED) & (side >= min_side))
    assert np.array_equal(k.suspicious(state, only, side, min_side), want)


def test_source_summary_marks_crosses_several_sources_assert() -> None:
    # crosses: one source (2), two sources (0, 1; blacklisted), three (0, 1, 2), one (1)
    src_off = np.array([0, 1, 3, 6, 7])
    src = np.array([2, 0, 1, 0, 1, 2, 1], dtype=np.uint16)
    skip = np.array([0, 2, 0, 0], dtype=np.uint8)
    only, multi = k.source_summary(src_off, src, skip, 4)
    assert only.tolist() == [2, k.CONFIRMED, k.CONFIRMED, 1]
    assert multi.tolist() == [1, 1, 1, 0]  # the blacklisted cross confirms nothing


def test_source_rates_leave_out_crosses_to_a_leaf() -> None:
    # source 0: a star, eight crosses to leaf parts (side 1) and two bridges to large sides;
    # source 1: one bridge to a large side; source 2: two crosses on cycles, one it shares
    only = np.array([0] * 10 + [1, 2, 2, k.CONFIRMED], dtype=np.uint16)
    side = np.array([1] * 8 + [29, 31, 30, 0, 0, 0], dtype=np.int32)
    skip = np.zeros(only.size, dtype=np.uint8)
    rate = k.source_rates(only, np.array([0, 0, 1], dtype=np.int64), skip, side, 3)
    # 0 of 2, 0 of 1, 3 of 3 confirmed (Laplace-smoothed): the leaves count neither way
    assert rate.tolist() == [1 / 4, 1 / 3, 4 / 5]


def test_source_rates_count_a_bridge_whose_smaller_side_is_min_side() -> None:
    """The bound is the guard's own (``suspicious``: a smaller side of ``min_side`` parts or
    more): such a bridge could be confirmed, so it counts against its source; one part fewer
    is a leaf's and counts neither way (a strict bound left the first out unseen)."""
    only = np.array([0, 1], dtype=np.uint16)
    side = np.array([3, 2], dtype=np.int32)
    rate = k.source_rates(only, np.zeros(2, dtype=np.int64), np.zeros(2, dtype=np.uint8), side,
                          3)
    assert rate.tolist() == [1 / 3, 1 / 2]
    assert k.suspicious(np.zeros(2, dtype=np.uint8), only, side, 3).tolist() == [0]
