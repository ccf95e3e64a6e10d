"""The usual search's ranking in one compiled call: default sort, no filters, a price level
that depends on the price only.

It does what :func:`partsearch.ranking.order.order`, :func:`requested_shown` and
:meth:`PriceLevel.apply` do together for that case (they stay the reference, and the tests hold
this kernel to them), without a dozen numpy calls of fixed cost each on a few candidates.
"""

from __future__ import annotations

import numpy as np
from numba import njit

N_FAST = 3  # the requested block shows the three fastest offers, then the cheapest of the rest


@njit(cache=True, nogil=True)
def _stable_by(order: np.ndarray, key: np.ndarray) -> np.ndarray:
    return order[np.argsort(key[order], kind="mergesort")]


@njit(cache=True, nogil=True)
def default_blocks(which: np.ndarray, hops: np.ndarray, support: np.ndarray, oem: np.ndarray,
                   rows: np.ndarray, seg: np.ndarray, row: np.ndarray, price: np.ndarray,
                   delivery: np.ndarray, edges: np.ndarray, factors: np.ndarray,
                   show_all: bool, offset: int, limit: int
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rank the candidates (offer ``rows`` of the store; ``which`` = their part's index in the
    search's part list, 0 = the requested part; ``hops``/``support`` per part; ``oem`` per
    candidate) into the three blocks.

    Returns (shown candidates, block 0 then 1 then 2; shown per block; total per block; sell
    price in kopecks per candidate). ``edges``/``factors`` are the level's price bands
    (:attr:`PriceLevel.bands`).
    """
    m = rows.size
    group = np.empty(m, dtype=np.int64)
    sell = np.empty(m, dtype=np.int64)
    tie = np.empty(m, dtype=np.int64)
    dly = np.empty(m, dtype=np.int64)
    near = np.empty(m, dtype=np.int64)
    totals = np.zeros(3, dtype=np.int64)
    for i in range(m):
        r = rows[i]
        w = which[i]
        g = 0 if w == 0 else (1 if oem[i] else 2)
        totals[g] += 1
        group[i] = (np.int64(g) << 32) | np.int64(hops[w])
        near[i] = -np.int64(support[w])
        p = price[r]
        sell[i] = -((-p * factors[np.searchsorted(edges, p, "right")]) // 10_000)
        dly[i] = delivery[r]
        tie[i] = (np.int64(seg[r]) << 32) | np.int64(row[r])
    # least significant key first, each pass stable: the lexsort of ranking.order
    order = np.argsort(tie, kind="mergesort")
    order = _stable_by(order, sell)
    order = _stable_by(order, dly)
    order = _stable_by(order, near)
    order = _stable_by(order, group)
    shown = np.empty(m, dtype=np.int64)
    n_shown = np.zeros(3, dtype=np.int64)
    k = 0
    start = 0
    for b in range(3):
        end = start + totals[b]
        before = k
        if b > 0:
            lo, hi = min(start + offset, end), min(start + offset + limit, end)
        elif show_all or totals[0] <= N_FAST + 1:
            lo, hi = start, end
        else:
            lo, hi = start, start + N_FAST
        for j in range(lo, hi):
            shown[k] = order[j]
            k += 1
        if b == 0 and hi < end:
            # the three fastest are shown: then the cheapest of the rest, on equal prices the
            # first in display order
            best = hi
            for j in range(hi + 1, end):
                if sell[order[j]] < sell[order[best]]:
                    best = j
            shown[k] = order[best]
            k += 1
        n_shown[b] = k - before
        start = end
    return shown[:k], n_shown, totals, sell
