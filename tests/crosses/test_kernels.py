"""The compiled graph kernels against slow, obvious references."""

from __future__ import annotations

from typing import Any

import numpy as np
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


@given(graphs)
def test_bridge_sides_match_removal_reference(graph: tuple[int, list[tuple[int, int]]]) -> None:
    n, pairs = graph
    a, b = _edges(n, pairs)
    off, to, eid = k.csr(n, a, b, np.ones(a.size, dtype=bool))
    sides = k.bridge_sides(n, a.size, off, to, eid)
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
