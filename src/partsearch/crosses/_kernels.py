"""Compiled loops over the cross graph: union-find, bridges, breadth-first search.

Everything here works on flat integer arrays (edge lists, CSR adjacency), compiled by numba with an
on-disk cache, so a build over hundreds of millions of crosses has no Python loop per cross. The
slow, obvious references these are tested against live in ``tests/crosses/``.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def _find(parent: np.ndarray, x: int) -> int:
    while parent[x] != x:
        parent[x] = parent[parent[x]]  # path halving keeps trees flat without recursion
        x = parent[x]
    return x


@njit(cache=True, nogil=True)
def union_find(n: int, a: np.ndarray, b: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Component label (0..k-1, numbered by first member) of each of ``n`` nodes, joining the
    edges ``a[i]-b[i]`` where ``keep[i]``."""
    # 32-bit state: part ids are int32 already, and at 150M parts every byte per part counts
    parent = np.arange(n, dtype=np.int32)
    size = np.ones(n, dtype=np.int32)
    for i in range(a.size):
        if not keep[i]:
            continue
        ra = _find(parent, a[i])
        rb = _find(parent, b[i])
        if ra == rb:
            continue
        if size[ra] < size[rb]:  # union by size bounds the depth at log n
            ra, rb = rb, ra
        parent[rb] = ra
        size[ra] += size[rb]
    label = np.full(n, -1, dtype=np.int32)
    out = np.empty(n, dtype=np.int32)
    k = 0
    for x in range(n):
        r = _find(parent, x)
        if label[r] < 0:
            label[r] = k
            k += 1
        out[x] = label[r]
    return out


@njit(cache=True, nogil=True)
def csr(n: int, a: np.ndarray, b: np.ndarray, keep: np.ndarray) -> tuple[np.ndarray, ...]:
    """Undirected CSR adjacency of the kept edges: (offsets[n+1], targets, edge ids)."""
    deg = np.zeros(n + 1, dtype=np.int64)
    for i in range(a.size):
        if keep[i]:
            deg[a[i] + 1] += 1
            deg[b[i] + 1] += 1
    off = np.cumsum(deg)
    fill = off[:-1].copy()
    m = off[-1]
    to = np.empty(m, dtype=np.int32)
    eid = np.empty(m, dtype=np.int32)  # edge ids: a cross base stays below 2**31 crosses
    for i in range(a.size):
        if keep[i]:
            to[fill[a[i]]] = b[i]
            eid[fill[a[i]]] = i
            fill[a[i]] += 1
            to[fill[b[i]]] = a[i]
            eid[fill[b[i]]] = i
            fill[b[i]] += 1
    return off, to, eid


@njit(cache=True, nogil=True)
def bridge_sides(n: int, n_edges: int, off: np.ndarray, to: np.ndarray,
                 eid: np.ndarray) -> np.ndarray:
    """For each edge: the size of the smaller side when it is a bridge (removing it splits its
    component in two), 0 when it lies on a cycle or is not in the graph. Iterative Tarjan with
    subtree sizes, O(nodes + edges)."""
    # 32-bit where the values are part or edge numbers (below 2**31), to halve the memory
    disc = np.full(n, -1, dtype=np.int32)
    low = np.zeros(n, dtype=np.int32)
    sub = np.ones(n, dtype=np.int32)
    out = np.zeros(n_edges, dtype=np.int32)
    stack_v = np.empty(n, dtype=np.int32)
    stack_e = np.empty(n, dtype=np.int32)  # the edge we arrived by
    stack_i = np.empty(n, dtype=np.int64)  # next adjacency slot (up to 2x the crosses)
    bridge_e = np.empty(n, dtype=np.int32)  # bridges of the current component, resolved at its end
    bridge_below = np.empty(n, dtype=np.int32)
    t = 0
    for root in range(n):
        if disc[root] >= 0 or off[root] == off[root + 1]:
            continue
        top = 0
        stack_v[0] = root
        stack_e[0] = -1
        stack_i[0] = off[root]
        disc[root] = t
        low[root] = t
        t += 1
        count = 0
        while top >= 0:
            v = stack_v[top]
            j = stack_i[top]
            if j < off[v + 1]:
                stack_i[top] = j + 1
                w = to[j]
                if eid[j] == stack_e[top]:
                    continue
                if disc[w] < 0:
                    disc[w] = t
                    low[w] = t
                    t += 1
                    top += 1
                    stack_v[top] = w
                    stack_e[top] = eid[j]
                    stack_i[top] = off[w]
                elif disc[w] < low[v]:
                    low[v] = disc[w]
            else:
                arrived = stack_e[top]
                top -= 1
                if top >= 0:
                    p = stack_v[top]
                    sub[p] += sub[v]
                    if low[v] < low[p]:
                        low[p] = low[v]
                    if low[v] > disc[p]:
                        bridge_e[count] = arrived
                        bridge_below[count] = sub[v]
                        count += 1
        total = sub[root]
        for k in range(count):
            below = bridge_below[k]
            out[bridge_e[k]] = min(below, total - below)
    return out


@njit(cache=True, nogil=True)
def bfs_local(members: np.ndarray, start: int, max_hops: int, off: np.ndarray, to: np.ndarray,
              eid: np.ndarray, support: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hops from ``start`` to every member of its class (sorted ``members``), and for each the
    summed support of the crosses that reach it from the previous hop; the parent edge of each
    (for ``explain``). ``support`` is per adjacency slot (parallel to ``to``), so the walk reads
    memory in order. Local arrays only: a search never touches memory the size of the index."""
    k = members.size
    hops = np.full(k, -1, dtype=np.int32)
    sup = np.zeros(k, dtype=np.int32)
    parent_edge = np.full(k, -1, dtype=np.int64)
    queue = np.empty(k, dtype=np.int64)
    s = np.searchsorted(members, start)
    hops[s] = 0
    queue[0] = s
    head, tail = 0, 1
    while head < tail:
        u = queue[head]
        head += 1
        h = hops[u]
        if max_hops >= 0 and h >= max_hops:
            continue
        node = members[u]
        for j in range(off[node], off[node + 1]):
            w = np.searchsorted(members, to[j])
            if hops[w] < 0:
                hops[w] = h + 1
                parent_edge[w] = eid[j]
                sup[w] = support[j]
                queue[tail] = w
                tail += 1
            elif hops[w] == h + 1:
                sup[w] += support[j]
    return hops, sup, parent_edge


@njit(cache=True, nogil=True)
def nearest(members: np.ndarray, start: int, max_hops: int, off: np.ndarray, to: np.ndarray,
            eid: np.ndarray, support: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The class members reachable from ``start`` (itself excluded), ordered by hops, then
    support descending, then part id: what a search shows first. One compiled call, so a small
    class costs microseconds."""
    hops, sup, _parents = bfs_local(members, start, max_hops, off, to, eid, support)
    n = 0
    for i in range(members.size):
        if hops[i] > 0:
            n += 1
    key = np.empty(n, dtype=np.int64)
    k = 0
    for i in range(members.size):
        if hops[i] > 0:
            # members are ascending, so the local index orders by id; support is capped so the
            # three fields pack into one sortable integer
            s = min(sup[i], (1 << 20) - 1)
            key[k] = (np.int64(hops[i]) << 52) | (np.int64((1 << 20) - 1 - s) << 32) | i
            k += 1
    key.sort()
    ids = np.empty(n, dtype=np.int64)
    out_h = np.empty(n, dtype=np.int32)
    out_s = np.empty(n, dtype=np.int32)
    for k in range(n):
        i = key[k] & 0xFFFFFFFF
        ids[k] = members[i]
        out_h[k] = hops[i]
        out_s[k] = sup[i]
    return ids, out_h, out_s


@njit(cache=True, nogil=True)
def distinct_sources(starts: np.ndarray, n: int, src: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Per run ``[starts[i], starts[i+1])`` of one cross's records: its distinct sources,
    ascending (CSR: offsets, sources)."""
    runs = starts.size
    off = np.zeros(runs + 1, dtype=np.int64)
    out = np.empty(n, dtype=np.uint16)
    k = 0
    for r in range(runs):
        lo = starts[r]
        hi = starts[r + 1] if r + 1 < runs else n
        run = np.sort(src[lo:hi])
        for j in range(run.size):
            if j == 0 or run[j] != run[j - 1]:
                out[k] = run[j]
                k += 1
        off[r + 1] = k
    return off, out[:k].copy()
