"""Compiled loops over the cross graph: union-find, bridges, breadth-first search.

Everything here works on flat integer arrays (edge lists, CSR adjacency), compiled by numba with an
on-disk cache, so a build over hundreds of millions of crosses has no Python loop per cross. The
slow, obvious references these are tested against live in ``tests/crosses/``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from partsearch._hash_kernels import one_pair, one_single
from partsearch._jit import njit, prefetch
from partsearch.crosses._guard import ACCEPTED

# ``source_summary``'s mark of a cross that several sources assert (source ids are below 65535)
CONFIRMED = 0xFFFF


@njit(cache=True, nogil=True)
def _find(parent: np.ndarray, x: int) -> int:
    while parent[x] != x:
        parent[x] = parent[parent[x]]  # path halving keeps trees flat without recursion
        x = parent[x]
    return x


def union_find(n: int, a: np.ndarray, b: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Component label (0..k-1, numbered by first member) of each of ``n`` nodes, joining the
    edges ``a[i]-b[i]`` where ``keep[i]``."""
    labels, _touched = _union_find(n, a, b, keep)
    return labels


# how many steps (edges, parts, mentions) ahead a loop over random places loads or
# prefetches a place it will need, so that the misses overlap
_AHEAD = 16


@njit(cache=True, nogil=True)
def _union_find(n: int, a: np.ndarray, b: np.ndarray, keep: np.ndarray) -> tuple[np.ndarray, int]:
    # Each root is its component's least node (a union links the larger root under the
    # smaller), so no size array to miss on, and the labels come in one pass: a root is met
    # before its members. Path halving keeps the trees flat. 32-bit state: at 150M parts
    # every byte per part counts.
    parent = np.arange(n, dtype=np.int32)
    m = a.size
    touched = 0
    for i in range(m):
        if i + _AHEAD < m:
            # a plain load of a node needed a few edges later: its cache miss overlaps this
            # edge's work (the sum is returned so the compiler keeps the load); 2x at 50M
            touched ^= parent[b[i + _AHEAD]]
        if not keep[i]:
            continue
        ra = _find(parent, a[i])
        rb = _find(parent, b[i])
        if ra < rb:
            parent[rb] = ra
        elif rb < ra:
            parent[ra] = rb
    out = np.empty(n, dtype=np.int32)
    k = 0
    for x in range(n):
        r = _find(parent, x)
        if r == x:
            out[x] = k
            k += 1
        else:
            out[x] = out[r]
    return out, touched


@njit(cache=True, nogil=True)
def split_classes(off: np.ndarray, to: np.ndarray, labels: np.ndarray,
                  ends: np.ndarray) -> np.ndarray:
    """The classes of the graph ``off``/``to`` (CSR) from ``labels``, its component labels
    before some edges were removed (0..k-1), and ``ends``, the removed edges' ends; ``labels``
    is relabelled in place and returned. Only the components that lost an edge are walked
    again, breadth-first from each end in turn (every piece of a split component holds an end:
    it was joined to the rest through a removed edge). Each old component's first piece keeps
    its label, each further piece takes the next one after k: labels stay 0..k'-1, and a part
    of a component that lost nothing keeps its label. Numbering every class by its least part
    instead took passes over every part with a random read each (10 s at 200M crosses)."""
    k = 0
    for v in range(labels.size):
        k = max(k, labels[v] + 1)
    kept = np.zeros(k, dtype=np.bool_)  # an old label already kept by one of its pieces
    queue = np.empty(1024, dtype=np.int32)  # every part placed, in the order placed
    tail = 0
    nxt = k
    for v in np.unique(ends):
        if labels[v] < 0:  # placed already (marked -1 - its new label until the end)
            continue
        old = labels[v]
        new = old if not kept[old] else nxt
        if new == old:
            kept[old] = True
        else:
            nxt += 1
        mark = -1 - new
        labels[v] = mark
        if tail == queue.size:
            queue = _grow(queue)
        queue[tail] = v
        head = tail
        tail += 1
        while head < tail:
            x = queue[head]
            head += 1
            for j in range(off[x], off[x + 1]):
                w = to[j]
                if labels[w] >= 0:
                    labels[w] = mark
                    if tail == queue.size:
                        queue = _grow(queue)
                    queue[tail] = w
                    tail += 1
    for i in range(tail):
        labels[queue[i]] = -1 - labels[queue[i]]
    return labels


def csr(n: int, a: np.ndarray, b: np.ndarray, keep: np.ndarray) -> tuple[np.ndarray, ...]:
    """Undirected CSR adjacency of the kept edges: (offsets[n+1], targets, edge ids). Offsets
    are int32 while the slots fit, to save 4 bytes per part on large builds."""
    slots = 2 * int(np.count_nonzero(keep))
    off = np.zeros(n + 1, dtype=np.int32 if slots < 2**31 else np.int64)
    to, eid = _csr_fill(a, b, keep, off)
    return off, to, eid


@njit(cache=True, nogil=True)
def _csr_fill(a: np.ndarray, b: np.ndarray, keep: np.ndarray,
              off: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # no cursor array: off[v] counts up while v's slots are filled, then everything shifts by one.
    # The edges come sorted by ``a``, so ``b``'s places are the random ones: prefetched some
    # edges ahead, their misses overlap (1.4x on 100M edges of 75M parts)
    n = a.size
    for i in range(n):
        if i + _AHEAD < n:
            prefetch(off, b[i + _AHEAD] + 1)
        if keep[i]:
            off[a[i] + 1] += 1
            off[b[i] + 1] += 1
    for v in range(1, off.size):
        off[v] += off[v - 1]
    m = off[-1]
    to = np.empty(m, dtype=np.int32)
    eid = np.empty(m, dtype=np.int32)  # edge ids: a cross base stays below 2**31 crosses
    for i in range(n):
        if i + _AHEAD < n:
            prefetch(off, b[i + _AHEAD])
        if i + _AHEAD // 2 < n:  # (its cursor, prefetched earlier, is in cache by now)
            y = b[i + _AHEAD // 2]
            prefetch(to, off[y])
            prefetch(eid, off[y])
        if keep[i]:
            x, y = a[i], b[i]
            to[off[x]] = y
            eid[off[x]] = i
            off[x] += 1
            to[off[y]] = x
            eid[off[y]] = i
            off[y] += 1
    for v in range(off.size - 1, 0, -1):
        off[v] = off[v - 1]
    off[0] = 0
    return to, eid


@njit(cache=True, nogil=True)
def _grow(arr: np.ndarray) -> np.ndarray:
    out = np.empty(arr.size * 2, dtype=arr.dtype)
    out[: arr.size] = arr
    return out


@njit(cache=True, nogil=True)
def bridges(off: np.ndarray, to: np.ndarray, eid: np.ndarray, skip: np.ndarray,
            roots: np.ndarray, out: np.ndarray, disc: np.ndarray, low: np.ndarray,
            sub: np.ndarray, t0: int) -> int:
    """For each edge of the components holding ``roots`` (every node when ``roots`` is empty):
    ``out[e]`` = the size of the smaller side when ``e`` is a bridge (removing it splits its
    component in two), else 0. Edges with ``skip[e]`` are not in the graph and keep their value.
    Iterative Tarjan with subtree sizes, O(nodes + edges) of the components walked. The guard's
    first walk over every component is ``first_bridges``; this one re-walks what changed.

    ``disc``/``low``/``sub`` are per-node scratch reused across calls: a node counts as visited
    when ``disc >= t0``, so a later call (after more edges are skipped) walks only the components
    it is asked about without clearing anything. Returns the next free ``t0``."""
    # the DFS stack grows on demand: its depth is a component's size, not the graph's
    cap = 1024
    stack_v = np.empty(cap, dtype=np.int32)
    stack_e = np.empty(cap, dtype=np.int32)  # the edge we arrived by
    stack_i = np.empty(cap, dtype=np.int64)  # next adjacency slot
    bridge_e = np.empty(cap, dtype=np.int32)  # bridges of the component, resolved at its end
    bridge_below = np.empty(cap, dtype=np.int32)
    t = t0
    n_roots = roots.size if roots.size else off.size - 1
    for r in range(n_roots):
        root = roots[r] if roots.size else r
        if disc[root] >= t0 or off[root] == off[root + 1]:
            continue
        top = 0
        stack_v[0] = root
        stack_e[0] = -1
        stack_i[0] = off[root]
        disc[root] = t
        low[root] = t
        sub[root] = 1
        t += 1
        count = 0
        while top >= 0:
            v = stack_v[top]
            j = stack_i[top]
            if j < off[v + 1]:
                stack_i[top] = j + 1
                e = eid[j]
                if e == stack_e[top]:
                    continue
                if skip[e]:
                    continue
                out[e] = 0
                w = to[j]
                if disc[w] < t0:
                    disc[w] = t
                    low[w] = t
                    sub[w] = 1
                    t += 1
                    top += 1
                    if top == stack_v.size:
                        stack_v, stack_e, stack_i = _grow(stack_v), _grow(stack_e), _grow(stack_i)
                    stack_v[top] = w
                    stack_e[top] = e
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
                        if count == bridge_e.size:
                            bridge_e, bridge_below = _grow(bridge_e), _grow(bridge_below)
                        bridge_e[count] = arrived
                        bridge_below[count] = sub[v]
                        count += 1
        total = sub[root]
        for k in range(count):
            below = bridge_below[k]
            out[bridge_e[k]] = min(below, total - below)
    return t


LANES = 8  # components walked at once by one thread of the first walk


@njit(cache=True, nogil=True)
def _grow_rows(arr: np.ndarray) -> np.ndarray:
    out = np.empty((arr.shape[0], arr.shape[1] * 2), dtype=arr.dtype)
    out[:, : arr.shape[1]] = arr
    return out


@njit(cache=True, nogil=True)
def first_bridges(off: np.ndarray, to: np.ndarray, eid: np.ndarray, out: np.ndarray,
                  disc: np.ndarray, low: np.ndarray, sub: np.ndarray, labels: np.ndarray,
                  part: int, parts: int, lanes: int) -> int:
    """``bridges`` over every component whose label is ``part`` modulo ``parts``, when nothing
    is skipped yet, ``out`` is zero and ``disc`` is -1 everywhere; returns the next free visit
    stamp. ``labels`` are the union-find labels of this adjacency (numbered by first member).

    Nearly every step of a walk is a cache miss on a part's state or adjacency, and each
    depends on the one before, so one walk leaves the memory system idle while it waits.
    This walks ``lanes`` components at once, a step of each in turn: their misses are
    independent and overlap. Each lane starts at its component's least part, as ``bridges``
    does, so the result is the same (stamps are shared and grow in each walk's order, which is
    all Tarjan's test compares). 1.9x faster than ``bridges`` on a 50M-cross graph."""
    cap = 256
    stack_v = np.empty((lanes, cap), np.int32)
    stack_e = np.empty((lanes, cap), np.int32)  # the edge we arrived by
    stack_i = np.empty((lanes, cap), np.int64)  # next adjacency slot
    bridge_e = np.empty((lanes, cap), np.int32)  # bridges of the lane's component
    bridge_below = np.empty((lanes, cap), np.int32)
    top = np.full(lanes, -1, np.int64)  # -1: the lane needs a component
    count = np.zeros(lanes, np.int64)
    root_of = np.zeros(lanes, np.int32)
    live = np.ones(lanes, np.bool_)
    n = off.size - 1
    r = 0
    seen = 0  # components met so far by the scan: a part whose label equals it is a first member
    t = 0
    active = lanes
    while active > 0:
        for lane in range(lanes):
            tp = top[lane]
            if tp < 0:
                if not live[lane]:
                    continue
                root = -1
                while r < n:
                    x = r
                    r += 1
                    if labels[x] == seen:
                        seen += 1
                        if off[x] != off[x + 1] and labels[x] % parts == part:
                            root = x
                            break
                if root < 0:
                    live[lane] = False
                    active -= 1
                    continue
                stack_v[lane, 0] = root
                stack_e[lane, 0] = -1
                stack_i[lane, 0] = off[root]
                disc[root] = t
                low[root] = t
                sub[root] = 1
                t += 1
                top[lane] = 0
                count[lane] = 0
                root_of[lane] = root
                continue
            v = stack_v[lane, tp]
            j = stack_i[lane, tp]
            if j < off[v + 1]:
                stack_i[lane, tp] = j + 1
                e = eid[j]
                if e == stack_e[lane, tp]:
                    continue
                w = to[j]
                if disc[w] < 0:
                    disc[w] = t
                    low[w] = t
                    sub[w] = 1
                    t += 1
                    tp += 1
                    if tp == stack_v.shape[1]:
                        stack_v, stack_e = _grow_rows(stack_v), _grow_rows(stack_e)
                        stack_i = _grow_rows(stack_i)
                    stack_v[lane, tp] = w
                    stack_e[lane, tp] = e
                    stack_i[lane, tp] = off[w]
                    top[lane] = tp
                elif disc[w] < low[v]:
                    low[v] = disc[w]
            else:
                arrived = stack_e[lane, tp]
                tp -= 1
                top[lane] = tp
                if tp >= 0:
                    p = stack_v[lane, tp]
                    sub[p] += sub[v]
                    if low[v] < low[p]:
                        low[p] = low[v]
                    if low[v] > disc[p]:
                        c = count[lane]
                        if c == bridge_e.shape[1]:
                            bridge_e, bridge_below = _grow_rows(bridge_e), _grow_rows(bridge_below)
                        bridge_e[lane, c] = arrived
                        bridge_below[lane, c] = sub[v]
                        count[lane] = c + 1
                else:  # the lane's component is done: its bridges' smaller sides
                    total = sub[root_of[lane]]
                    for c in range(count[lane]):
                        below = bridge_below[lane, c]
                        out[bridge_e[lane, c]] = min(below, total - below)
    return t


@njit(cache=True, nogil=True)
def compact(off: np.ndarray, to: np.ndarray, eid: np.ndarray, a: np.ndarray, b: np.ndarray,
            dropped: np.ndarray) -> int:
    """Drop the adjacency slots of the edges ``dropped`` (ids into ``a``/``b``), in place;
    returns the slots left. The dropped edges are few: their slots are marked from their two
    ends, so the pass that closes the gaps reads the slots in order (testing each slot's edge
    state instead is a random read per slot: 6 s at 200M crosses)."""
    for i in range(dropped.size):
        e = dropped[i]
        for v in (a[e], b[e]):
            for j in range(off[v], off[v + 1]):
                if eid[j] == e:
                    to[j] = -1
    k = 0
    start = off[0]
    for v in range(off.size - 1):
        end = off[v + 1]
        for j in range(start, end):
            if to[j] >= 0:
                to[k] = to[j]
                eid[k] = eid[j]
                k += 1
        start = end
        off[v + 1] = k
    return k


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
    return by_distance(members, hops, sup)


@njit(cache=True, nogil=True)
def by_distance(members: np.ndarray, hops: np.ndarray, sup: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The members with ``hops`` > 0 (ids, hops, support), ordered by hops, then support
    descending, then id."""
    order = distance_order(hops, sup)
    return members[order], hops[order], sup[order]


@njit(cache=True, nogil=True)
def distance_order(hops: np.ndarray, sup: np.ndarray) -> np.ndarray:
    """:func:`by_distance`'s order, as positions in the (ascending) members."""
    n = 0
    for i in range(hops.size):
        if hops[i] > 0:
            n += 1
    key = np.empty(n, dtype=np.int64)
    k = 0
    for i in range(hops.size):
        if hops[i] > 0:
            # members are ascending, so the position orders by id; support is capped so the
            # three fields pack into one sortable integer
            s = min(sup[i], (1 << 20) - 1)
            key[k] = (np.int64(hops[i]) << 52) | (np.int64((1 << 20) - 1 - s) << 32) | i
            k += 1
    key.sort()
    for k in range(n):
        key[k] &= 0xFFFFFFFF
    return key


_RUN = 1 << 18  # keys per first-pass bucket of sort_order: with their positions, in L2/L3


@njit(cache=True, nogil=True)
def sort_order(keys: np.ndarray, out: np.ndarray, sorted_keys: np.ndarray) -> None:
    """``out`` = the stable ascending order of ``keys`` (uint64); ``sorted_keys`` (when not
    empty) = the keys in that order. Hashes and part ids are spread evenly, so a most-
    significant-digit radix sort suits them: a first pass scatters keys with their positions
    into at most 4,096 buckets by the top bits (~1,000 at 200M keys: few enough output streams
    that the writes stay sequential), then each bucket of ~2^18 keys, in cache, is scattered by
    its next bits into runs of a few keys that an insertion sort finishes. Several times faster
    than ``np.argsort`` on 100M+ keys (and ``out`` may be int32 to save memory); every step is
    stable."""
    n = keys.size
    if n == 0:
        return
    bits = 0
    hi = keys.max()
    while bits < 64 and (hi >> np.uint64(bits)) > 0:
        bits += 1
    w1 = 1
    while w1 < 12 and (n >> w1) > _RUN:
        w1 += 1
    low_bits = max(bits - w1, 0)  # bits below the first digit
    shift = np.uint64(low_bits)
    counts = np.zeros((1 << w1) + 1, dtype=np.int64)
    for i in range(n):
        counts[(keys[i] >> shift) + np.uint64(1)] += 1
    for b in range(1, counts.size):
        counts[b] += counts[b - 1]
    fill = counts[:-1].copy()
    tk = sorted_keys if sorted_keys.size == n else np.empty(n, dtype=np.uint64)
    for i in range(n):
        key = keys[i]
        b = key >> shift
        p = fill[b]
        tk[p] = key
        out[p] = i
        fill[b] = p + 1
    biggest = np.max(counts[1:] - counts[:-1])
    run_keys = np.empty(biggest, dtype=np.uint64)
    run_pos = np.empty(biggest, dtype=out.dtype)
    for b in range(counts.size - 1):
        lo, hi_ = counts[b], counts[b + 1]
        m = hi_ - lo
        w2 = 0
        while w2 < 16 and w2 < low_bits and (np.int64(1) << w2) * 8 < m:
            w2 += 1
        if w2 == 0:
            _run_sort(tk, out, lo, hi_)
            continue
        shift2 = np.uint64(low_bits - w2)
        mask = np.uint64((np.int64(1) << w2) - 1)
        c2 = np.zeros((np.int64(1) << w2) + 1, dtype=np.int64)
        for i in range(lo, hi_):
            c2[((tk[i] >> shift2) & mask) + np.uint64(1)] += 1
        for d in range(1, c2.size):
            c2[d] += c2[d - 1]
        f2 = c2[:-1].copy()
        for i in range(lo, hi_):
            key = tk[i]
            d = (key >> shift2) & mask
            p = f2[d]
            run_keys[p] = key
            run_pos[p] = out[i]
            f2[d] = p + 1
        tk[lo:hi_] = run_keys[:m]
        out[lo:hi_] = run_pos[:m]
        for d in range(c2.size - 1):
            _run_sort(tk, out, lo + c2[d], lo + c2[d + 1])


@njit(cache=True, nogil=True)
def _run_sort(keys: np.ndarray, pos: np.ndarray, lo: int, hi: int) -> None:
    """Stable, in place, on ``keys[lo:hi]`` carrying ``pos``. Runs are a few keys when the
    keys are spread; a long one (keys bunched below the digits) goes to a merge sort."""
    if hi - lo > 48:
        order = np.argsort(keys[lo:hi], kind="mergesort")
        pos[lo:hi] = pos[lo:hi][order]
        keys[lo:hi] = keys[lo:hi][order]
        return
    for i in range(lo + 1, hi):
        key = keys[i]
        p = pos[i]
        j = i - 1
        while j >= lo and keys[j] > key:
            keys[j + 1] = keys[j]
            pos[j + 1] = pos[j]
            j -= 1
        keys[j + 1] = key
        pos[j + 1] = p


@njit(cache=True, nogil=True)
def intern(slots: np.ndarray, keys: np.ndarray, n: int, hashes: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray, int]:
    """Number parts in order of first appearance. ``slots`` is an open-addressing table (power
    of two, 0 = empty) of ``fingerprint << 32 | id + 1``; ``keys[id]`` is each part's hash.
    Returns each hash's id, the positions of the hashes seen for the first time, and the new
    count. The fingerprint (the hash's high half; the slot comes from its low bits) settles
    almost every probe without touching ``keys``."""
    mask = np.uint64(slots.size - 1)
    ids = np.empty(hashes.size, dtype=np.int32)
    first = np.empty(hashes.size, dtype=np.int64)
    k = 0
    m = hashes.size
    for i in range(m):
        if i + _AHEAD < m:
            # the table is gigabytes at 200M crosses, so each probe is a cache miss; started
            # some mentions early, the misses overlap instead of waiting one after another
            # (2.0-2.2x on a 110M-mention stream into a 64M-slot table)
            prefetch(slots, hashes[i + _AHEAD] & mask)
        h = hashes[i]
        fp = h >> np.uint64(32)
        j = h & mask
        while True:
            s = slots[j]
            if s == 0:
                slots[j] = (fp << np.uint64(32)) | np.uint64(n + 1)
                keys[n] = h
                ids[i] = n
                first[k] = i
                k += 1
                n += 1
                break
            if (s >> np.uint64(32)) == fp:
                pid = np.int64(s & np.uint64(0xFFFFFFFF)) - 1
                if keys[pid] == h:
                    ids[i] = pid
                    break
            j = (j + np.uint64(1)) & mask
    return ids, first[:k].copy(), n


@njit(cache=True, nogil=True)
def rehash(slots: np.ndarray, keys: np.ndarray, n: int) -> None:
    """Fill an empty table ``slots`` with the ids ``0..n-1`` of ``keys``."""
    mask = np.uint64(slots.size - 1)
    for pid in range(n):
        if pid + _AHEAD < n:
            prefetch(slots, keys[pid + _AHEAD] & mask)
        h = keys[pid]
        j = h & mask
        while slots[j] != 0:
            j = (j + np.uint64(1)) & mask
        slots[j] = ((h >> np.uint64(32)) << np.uint64(32)) | np.uint64(pid + 1)


@njit(cache=True, nogil=True)
def pair_keys(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Each cross as one sortable unordered pair, ``min << 32 | max``."""
    out = np.empty(a.size, dtype=np.uint64)
    for i in range(a.size):
        lo, hi = (a[i], b[i]) if a[i] < b[i] else (b[i], a[i])
        out[i] = (np.uint64(lo) << np.uint64(32)) | np.uint64(hi)
    return out


@njit(cache=True, nogil=True)
def source_summary(src_off: np.ndarray, src: np.ndarray, skip: np.ndarray,
                   n_src: int) -> tuple[np.ndarray, np.ndarray]:
    """Each cross's source when it has only one, else ``CONFIRMED``; and per source the number
    of crosses in the graph it asserts together with another source (confirmed by
    definition)."""
    only = np.empty(skip.size, dtype=np.uint16)
    multi = np.zeros(n_src, dtype=np.int64)
    for e in range(skip.size):
        lo, hi = src_off[e], src_off[e + 1]
        if hi - lo == 1:
            only[e] = src[lo]
        else:
            only[e] = CONFIRMED
            if not skip[e]:
                for j in range(lo, hi):
                    multi[src[j]] += 1
    return only, multi


@njit(cache=True, nogil=True)
def source_rates(only: np.ndarray, multi: np.ndarray, skip: np.ndarray,
                 side: np.ndarray, min_side: int) -> np.ndarray:
    """Per source, the share of its crosses in the graph that something else confirms (another
    source, or a cycle), Laplace-smoothed, counted over the crosses that could be confirmed.
    A single-source bridge whose smaller side is below ``min_side`` (a leaf part, or a few: how
    a class grows, never suspicious) is left out: nothing could confirm it, and it tells nothing
    against its source. Counted against the source, it made a TecDoc-like star (every cross
    to a leaf) look less trusted than a source with one cross."""
    total = multi.astype(np.float64)
    good = multi.astype(np.float64)
    for e in range(skip.size):
        if not skip[e] and only[e] != CONFIRMED:
            if side[e] == 0:
                good[only[e]] += 1.0
                total[only[e]] += 1.0
            elif side[e] >= min_side:
                total[only[e]] += 1.0
    return (good + 1.0) / (total + 2.0)


@njit(cache=True, nogil=True)
def suspicious(state: np.ndarray, only: np.ndarray, side: np.ndarray, min_side: int
               ) -> np.ndarray:
    """The accepted single-source crosses whose smaller side has ``min_side`` parts or more,
    ascending (numpy's three masks and two conjunctions took 0.6 GB at 200M crosses, at the
    guard's peak)."""
    count = 0
    for e in range(state.size):
        count += _suspect(state, only, side, min_side, e)
    out = np.empty(count + 1, dtype=np.int64)
    count = 0
    for e in range(state.size):  # (every index written, the count moved by the test)
        out[count] = e
        count += _suspect(state, only, side, min_side, e)
    return out[:count]


@njit(cache=True, nogil=True, inline="always")
def _suspect(state: np.ndarray, only: np.ndarray, side: np.ndarray, min_side: int, e: int
             ) -> int:
    # without branches (bitwise &, not ``and``): whether a cross is suspect is a coin toss to
    # the branch predictor, and the branching loop took 6.3 s a round at 200M crosses, 0.5 s
    # this way
    return int((state[e] == ACCEPTED) & (only[e] != CONFIRMED) & (side[e] >= min_side))


@njit(cache=True, nogil=True)
def find_sorted(keys: np.ndarray, h: np.uint64) -> int:
    """Position of ``h`` in the ascending ``keys``, -1 when absent. Part hashes are spread
    evenly over 64 bits, so interpolation lands within a few entries in two or three probes
    (a binary search over 150M mapped hashes touches ~27 pages); a few rounds at most, then
    plain bisection, so an uneven array costs no more than a binary search."""
    lo, hi = 0, keys.size - 1
    rounds = 0
    while lo <= hi:
        if h < keys[lo] or h > keys[hi]:
            return -1
        if rounds < 6 and hi - lo >= 32 and keys[hi] > keys[lo]:  # interpolate, then bisect
            rounds += 1
            span = float(keys[hi] - keys[lo])
            guess = min(hi, lo + int(float(h - keys[lo]) / span * (hi - lo)))
        else:
            guess = (lo + hi) >> 1
        v = keys[guess]
        if v == h:
            return guess
        if v < h:
            lo = guess + 1
        else:
            hi = guess - 1
    return -1


@njit(cache=True, nogil=True)
def find_part(brand: Any, key: Any, keys: np.ndarray) -> int:
    """:func:`find_sorted` of the part hash of ``brand`` and ``key`` (normalized, as UTF-8
    bytes): a lookup's hash and search in one compiled call, returning a plain int (the pure
    Python hash alone costs microseconds a lookup)."""
    return find_sorted(keys, one_pair(brand, key))


@njit(cache=True, nogil=True)
def equal_range(keys: np.ndarray, h: np.uint64) -> tuple[int, int]:
    """The stretch ``lo:hi`` of the ascending ``keys`` equal to ``h`` (:func:`find_sorted`,
    then steps to either end), ``(0, 0)`` when none."""
    i = find_sorted(keys, h)
    if i < 0:
        return 0, 0
    lo, hi = i, i + 1
    while lo > 0 and keys[lo - 1] == h:
        lo -= 1
    while hi < keys.size and keys[hi] == h:
        hi += 1
    return lo, hi


@njit(cache=True, nogil=True)
def find_article(key: Any, keys: np.ndarray) -> tuple[int, int]:
    """:func:`equal_range` of the article hash of ``key`` (a normalized article as UTF-8
    bytes) in the ascending article hashes ``keys``: the parts of every brand that have one
    article, in one compiled call."""
    return equal_range(keys, one_single(key))


def dedupe_sorted(keys: np.ndarray, order: np.ndarray, src: np.ndarray,
                  kind: np.ndarray) -> tuple[np.ndarray, ...]:
    """The distinct crosses of sorted pair ``keys`` (``order``: where each came from, a stable
    sort): each one's two parts, the kind of its first record, and its distinct sources
    ascending (CSR).

    The sources and kinds are first put in key order by two plain gathers, on two threads: a
    loop of independent random loads overlaps its cache misses, which the pass over the runs,
    branching on every key, would not."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        src_sorted, kind_sorted = pool.map(lambda values: take(values, order), (src, kind))
    return _dedupe_runs(keys, src_sorted, kind_sorted)


# a gather's loads are independent, so the processor overlaps some misses by itself; a
# prefetch further ahead overlaps more (1.25x on 140M random places)
_GATHER_AHEAD = 32


@njit(cache=True, nogil=True)
def renumber(ids: np.ndarray, new: np.ndarray) -> np.ndarray:
    """``ids`` replaced by ``new[ids]``, in place (no second array of the ids' size)."""
    n = ids.size
    for i in range(n):
        if i + _GATHER_AHEAD < n:
            prefetch(new, ids[i + _GATHER_AHEAD])
        ids[i] = new[ids[i]]
    return ids


@njit(cache=True, nogil=True)
def take(values: np.ndarray, order: np.ndarray) -> np.ndarray:
    """``values[order]``. Not numpy's: it first converts an int32 ``order`` to intp, a copy of
    8 bytes per element (1.6 GB per call over 200M crosses, 2.7 GB over 340M adjacency slots)."""
    out = np.empty(order.size, dtype=values.dtype)
    n = order.size
    for i in range(n):
        if i + _GATHER_AHEAD < n:
            prefetch(values, order[i + _GATHER_AHEAD])
        out[i] = values[order[i]]
    return out


@njit(cache=True, nogil=True)
def clipped_take(values: np.ndarray, order: np.ndarray, limit: int) -> np.ndarray:
    """``np.minimum(values[order], limit)`` as int16, in one pass: the support beside each
    adjacency slot, without the int32 gather (1.4 GB over 340M slots at 200M crosses) that
    would be clipped and converted after."""
    out = np.empty(order.size, dtype=np.int16)
    n = order.size
    for i in range(n):
        if i + _GATHER_AHEAD < n:
            prefetch(values, order[i + _GATHER_AHEAD])
        out[i] = min(values[order[i]], limit)
    return out


@njit(cache=True, nogil=True)
def class_places(class_off: np.ndarray, class_parts: np.ndarray) -> np.ndarray:
    """Per part, where its class lies in ``class_parts`` (from, to) and its own place there,
    as int32 triples: a search reads the three in one cache line, where the class id, then the
    class's offsets, then a search of its members are three loads that wait on each other
    (part ids are int32, so the stretch's ends fit too)."""
    out = np.empty((class_parts.size, 3), dtype=np.int32)
    for c in range(class_off.size - 1):
        lo, hi = class_off[c], class_off[c + 1]
        for i in range(lo, hi):
            p = class_parts[i]
            out[p, 0] = lo
            out[p, 1] = hi
            out[p, 2] = i - lo
    return out


@njit(cache=True, nogil=True)
def group_members(labels: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Each group's members, ascending, as CSR (offsets int64[n_groups + 1], members int32): a
    counting sort of the labels, O(n), where a general sort would first widen the labels to
    uint64 keys."""
    off = np.zeros(n_groups + 1, dtype=np.int64)
    n = labels.size
    for i in range(n):
        if i + _AHEAD < n:  # (random counters: see ``_csr_fill``; 1.2x at 75M parts)
            prefetch(off, labels[i + _AHEAD] + 1)
        off[labels[i] + 1] += 1
    for g in range(n_groups):
        off[g + 1] += off[g]
    fill = off[:-1].copy()
    members = np.empty(n, dtype=np.int32)
    for i in range(n):
        if i + _AHEAD < n:
            prefetch(fill, labels[i + _AHEAD])
        if i + _AHEAD // 2 < n:
            prefetch(members, fill[labels[i + _AHEAD // 2]])
        g = labels[i]
        members[fill[g]] = i
        fill[g] += 1
    return off, members


@njit(cache=True, nogil=True)
def class_adjacency(class_off: np.ndarray, class_parts: np.ndarray, off: np.ndarray,
                    to: np.ndarray, support: np.ndarray, part_hash: np.ndarray, c0: int, c1: int
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The class-local adjacency of classes ``c0`` to ``c1`` (exclusive), along their stretch
    of ``class_parts``: per member slot, where its crosses start in the class-local targets
    (counted from these classes' first: the caller adds where they lie in the whole), then
    those targets as positions within the class (-1 outside it) and their support, and per
    member slot its part hash. A search walks a class as one stretch of these instead of
    loads at random places of the global adjacency and hashes (``usual_search``).

    In passes, each of loads independent of one another (the members' offsets and hashes,
    then their crosses, then the targets' positions within their class), so the processor
    keeps many of the random loads in flight: one loop doing all three per member took 1.8x
    as long at 200M crosses."""
    lo, hi = class_off[c0], class_off[c1]
    n = hi - lo
    first = np.empty(n, dtype=np.int64)  # where each member's crosses start in ``to``
    slot_off = np.empty(n + 1, dtype=np.int64)  # (the last: where the classes' crosses end)
    hashes = np.empty(n, dtype=np.uint64)
    for j in range(n):
        m = class_parts[lo + j]
        first[j] = off[m]
        slot_off[j] = off[m + 1]  # (its end, for now: the same cache line)
        hashes[j] = part_hash[m]
    total = 0
    for j in range(n):
        degree = slot_off[j] - first[j]
        slot_off[j] = total
        total += degree
    slot_off[n] = total
    targets = np.empty(total, dtype=np.int32)
    weights = np.empty(total, dtype=np.int16)
    for j in range(n):
        f, s = first[j], slot_off[j]
        for t in range(slot_off[j + 1] - s):
            targets[s + t] = to[f + t]
            weights[s + t] = support[f + t]
    for c in range(c0, c1):
        a, b = class_off[c] - lo, class_off[c + 1] - lo
        stretch = class_parts[lo + a:lo + b]
        for x in range(slot_off[a], slot_off[b]):
            p = np.searchsorted(stretch, targets[x])
            targets[x] = p if p < stretch.size and stretch[p] == targets[x] else -1
    return slot_off[:n], targets, weights, hashes


@njit(cache=True, nogil=True)
def _dedupe_runs(keys: np.ndarray, src: np.ndarray, kind: np.ndarray) -> tuple[np.ndarray, ...]:
    # src and kind are in key order (private copies: each run's sources are sorted in place)
    m = keys.size
    n_edges = 0
    for i in range(m):
        if i == 0 or keys[i] != keys[i - 1]:
            n_edges += 1
    a = np.empty(n_edges, dtype=np.int32)
    b = np.empty(n_edges, dtype=np.int32)
    first_kind = np.empty(n_edges, dtype=np.uint16)
    src_off = np.empty(n_edges + 1, dtype=np.int64)
    out = np.empty(m, dtype=np.uint16)
    e = k = i = 0
    while i < m:
        key = keys[i]
        j = i + 1
        while j < m and keys[j] == key:
            j += 1
        a[e] = np.int32(key >> np.uint64(32))
        b[e] = np.int32(key & np.uint64(0xFFFFFFFF))
        first_kind[e] = kind[i]
        src_off[e] = k
        for r in range(i + 1, j):  # insertion sort: a cross has a few records
            v = src[r]
            p = r - 1
            while p >= i and src[p] > v:
                src[p + 1] = src[p]
                p -= 1
            src[p + 1] = v
        for r in range(i, j):
            if r == i or src[r] != src[r - 1]:
                out[k] = src[r]
                k += 1
        e += 1
        i = j
    src_off[n_edges] = k
    return a, b, first_kind, src_off, out[:k].copy()


@njit(cache=True, nogil=True, inline="always")
def _edge_mark(e: int, seed: int) -> np.uint64:
    # splitmix64 of the edge id: each cross's random label, computed where it is needed (no
    # array of 8 bytes a cross); the seed is fixed, so a build decides the same every time
    z = np.uint64(e) + np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))




@njit(cache=True, nogil=True)
def cut_pairs(off: np.ndarray, to: np.ndarray, eid: np.ndarray, state: np.ndarray,
              only: np.ndarray, side: np.ndarray, a: np.ndarray, labels: np.ndarray,
              walk: np.ndarray, part: int, parts: int, min_side: int, seed: int,
              disc: np.ndarray, sub: np.ndarray, lanes: int) -> tuple[np.ndarray, np.ndarray]:
    """The guard's 2-edge cuts in the graph of crosses whose ``state`` is 0: the
    single-source crosses that, with another single-source cross, cut their component in two
    pieces of ``min_side`` parts or more each, and for each the smaller piece of its most even
    such cut (``state`` is left as it was). Only the components of the union-find ``labels``
    that ``walk`` marks (``cut_classes``) and that are ``part`` modulo ``parts`` are walked,
    each from the first of its single-source crosses on a cycle (``side`` 0), so the threads
    share the classes out without a list of where to start (4 bytes a cross). ``disc`` and
    ``sub`` are per-node scratch, ``disc`` -1 everywhere (left as each component's visit
    order).

    A component of ``2 * min_side`` parts or more is walked depth first; each cross gets a
    random 64-bit mark, each tree edge the XOR of the marks of the non-tree crosses that jump
    over it (the subtree's XOR, summed on the walk's stack, no array per part). Then
    (Pritchard): a label 0 is a bridge, and two crosses with one nonzero label are a 2-edge
    cut, with probability 1 - 2**-64 a pair; the pieces' sizes come from subtree sizes
    (``_pairs``). As ``first_bridges`` does, ``lanes`` components are walked at once, a step
    of each in turn, so their cache misses overlap; a lane does not start in a class another
    lane is in (a held bridge may have split a class in components, each walked alone)."""
    cap = 256
    stack_v = np.empty((lanes, cap), np.int32)
    stack_e = np.empty((lanes, cap), np.int32)
    stack_i = np.empty((lanes, cap), np.int64)
    stack_x = np.empty((lanes, cap), np.uint64)
    c_e = np.empty((lanes, cap), np.int32)  # each lane's single-source non-bridge crosses,
    c_x = np.empty((lanes, cap), np.uint64)  # their labels,
    c_sub = np.empty((lanes, cap), np.int32)  # the subtree below (a tree edge) or -1 (not)
    top = np.full(lanes, -1, np.int64)  # -1: the lane needs a component
    count = np.zeros(lanes, np.int64)
    visits = np.zeros(lanes, np.int64)
    lane_class = np.full(lanes, -1, np.int64)
    live = np.ones(lanes, np.bool_)
    held = np.zeros(cap, dtype=np.int64)  # per candidate: 0, or the smaller piece
    out_e = np.empty(cap, dtype=np.int64)
    out_side = np.empty(cap, dtype=np.int64)
    n_out = 0
    first = 0
    active = lanes
    while active > 0:
        for lane in range(lanes):
            tp = top[lane]
            if tp < 0:
                if not live[lane]:
                    continue
                root = -1
                while first < state.size:
                    e = first
                    if state[e] != ACCEPTED or only[e] == CONFIRMED or side[e] != 0:
                        first += 1
                        continue
                    x = a[e]
                    c = labels[x]
                    if disc[x] >= 0 or not walk[c] or c % parts != part:
                        first += 1
                        continue
                    busy = False
                    for other in range(lanes):
                        busy |= top[other] >= 0 and lane_class[other] == c
                    if busy:
                        break  # (its class is being walked: this lane waits a turn)
                    first += 1
                    root = x
                    break
                if root < 0:
                    if first >= state.size:
                        live[lane] = False
                        active -= 1
                    continue
                lane_class[lane] = labels[root]
                stack_v[lane, 0] = root
                stack_e[lane, 0] = -1
                stack_i[lane, 0] = off[root]
                stack_x[lane, 0] = 0
                disc[root] = 0
                sub[root] = 1
                visits[lane] = 1
                count[lane] = 0
                top[lane] = 0
                continue
            v = stack_v[lane, tp]
            j = stack_i[lane, tp]
            if j < off[v + 1]:
                stack_i[lane, tp] = j + 1
                e = eid[j]
                if e == stack_e[lane, tp] or state[e] != ACCEPTED:
                    continue
                w = to[j]
                if disc[w] < 0:
                    disc[w] = visits[lane]
                    sub[w] = 1
                    visits[lane] += 1
                    tp += 1
                    if tp == stack_v.shape[1]:
                        stack_v, stack_e = _grow_rows(stack_v), _grow_rows(stack_e)
                        stack_i, stack_x = _grow_rows(stack_i), _grow_rows(stack_x)
                    stack_v[lane, tp] = w
                    stack_e[lane, tp] = e
                    stack_i[lane, tp] = off[w]
                    stack_x[lane, tp] = 0
                    top[lane] = tp
                else:  # a non-tree cross, met from each end: its mark goes into both
                    mark = _edge_mark(e, seed)
                    stack_x[lane, tp] ^= mark
                    if disc[w] < disc[v] and only[e] != CONFIRMED:
                        k = count[lane]
                        if k == c_e.shape[1]:
                            c_e, c_x, c_sub = _grow_rows(c_e), _grow_rows(c_x), _grow_rows(c_sub)
                        c_e[lane, k] = e
                        c_x[lane, k] = mark
                        c_sub[lane, k] = -1
                        count[lane] = k + 1
            else:
                arrived = stack_e[lane, tp]
                label = stack_x[lane, tp]
                tp -= 1
                top[lane] = tp
                if tp >= 0:
                    sub[stack_v[lane, tp]] += sub[v]
                    stack_x[lane, tp] ^= label
                    if label != 0 and only[arrived] != CONFIRMED:
                        k = count[lane]
                        if k == c_e.shape[1]:
                            c_e, c_x, c_sub = _grow_rows(c_e), _grow_rows(c_x), _grow_rows(c_sub)
                        c_e[lane, k] = arrived
                        c_x[lane, k] = label
                        c_sub[lane, k] = sub[v]
                        count[lane] = k + 1
                    continue
                # the lane's component is done
                nc = count[lane]
                total = visits[lane]
                if total < 2 * min_side or nc < 2 or not _shared_label(c_x[lane, :nc]):
                    continue
                if held.size < nc:
                    held = np.zeros(c_e.shape[1], dtype=np.int64)
                held[:nc] = 0
                _pairs(c_x[lane, :nc], c_sub[lane, :nc], total, min_side, held)
                for i in range(nc):
                    if held[i] != 0:
                        if n_out == out_e.size:
                            out_e, out_side = _grow(out_e), _grow(out_side)
                        out_e[n_out] = c_e[lane, i]
                        out_side[n_out] = held[i]
                        n_out += 1
    return out_e[:n_out].copy(), out_side[:n_out].copy()


@njit(cache=True, nogil=True)
def _shared_label(x: np.ndarray) -> bool:
    """Whether two of the labels ``x`` are equal: by comparing every two of a few (no array
    made: most classes have a few candidates and no pair, and a sort's allocations, once a
    class, were half of ``cut_pairs``' time), else by sorting."""
    k = x.size
    if k <= 24:
        for i in range(k):
            for j in range(i + 1, k):
                if x[i] == x[j]:
                    return True
        return False
    y = np.sort(x)
    return bool((y[1:] == y[:-1]).any())


@njit(cache=True, nogil=True)
def cut_classes(state: np.ndarray, only: np.ndarray, side: np.ndarray, a: np.ndarray,
                labels: np.ndarray, min_side: int) -> np.ndarray:
    """Which union-find classes ``cut_pairs`` walks: those with two or more accepted
    single-source crosses on a cycle (``side`` 0) and ``2 * min_side`` parts or more; a class
    without, most of a world's, is not walked."""
    k = 0
    for v in range(labels.size):
        k = max(k, labels[v] + 1)
    count = np.zeros(k, dtype=np.int32)
    size = np.zeros(k, dtype=np.int32)
    for v in range(labels.size):
        size[labels[v]] += 1
    for e in range(state.size):
        if state[e] == ACCEPTED and only[e] != CONFIRMED and side[e] == 0:
            count[labels[a[e]]] += 1
    walk = np.empty(k, dtype=np.bool_)
    for c in range(k):
        walk[c] = count[c] >= 2 and size[c] >= 2 * min_side
    return walk


@njit(cache=True, nogil=True)
def _pairs(x: np.ndarray, below: np.ndarray, total: int, min_side: int,
           held: np.ndarray) -> None:
    """``cut_pairs``' test over one component's candidates (labels ``x``, subtree
    sizes ``below``, -1 for a non-tree cross); ``held[i]`` becomes the smaller piece of the
    most even fit cut of candidate ``i``. A run of one label is a chain of tree edges on one
    root path (and at most one non-tree cross): cutting two of the chain leaves the
    difference of their subtrees as one piece, cutting a tree edge and the non-tree cross its
    subtree. A chain edge's fit partners (both pieces ``min_side`` or more) are a stretch of
    the chain sorted by subtree size, and the most even of them is next to where half the
    component would be: found by bisection, O(k log k) for a run of k (a ring of big groups
    joined by single crosses is one run)."""
    by = np.argsort(x)
    k = by.size
    lo = 0
    while lo < k:
        hi = lo + 1
        while hi < k and x[by[hi]] == x[by[lo]]:
            hi += 1
        if hi - lo >= 2:
            back = -1
            tree = np.empty(hi - lo, dtype=np.int64)
            nt = 0
            for i in by[lo:hi]:
                if below[i] < 0:
                    back = i
                else:
                    tree[nt] = i
                    nt += 1
            sizes = np.empty(nt, dtype=np.int64)
            for i in range(nt):
                sizes[i] = below[tree[i]]
            chain = np.argsort(sizes)
            sizes = sizes[chain]
            tree = tree[:nt][chain]
            for i in range(nt):
                s = sizes[i]
                best = 0
                # partners with a larger subtree (d = theirs - s), then with a smaller one
                for first, last, aim, sign in (
                        (s + min_side, s + total - min_side, s + total // 2, 1),
                        (s - total + min_side, s - min_side, s - total // 2, -1)):
                    a = np.searchsorted(sizes, first)
                    b = np.searchsorted(sizes, last, side="right")
                    if a >= b:
                        continue
                    c = np.searchsorted(sizes, aim)
                    for j in (c - 1, c):
                        if a <= j < b:
                            d = sign * (sizes[j] - s)
                            best = max(best, min(d, total - d))
                if back >= 0 and min_side <= s <= total - min_side:
                    piece = min(s, total - s)
                    best = max(best, piece)
                    held[back] = max(held[back], piece)
                held[tree[i]] = max(held[tree[i]], best)
        lo = hi
