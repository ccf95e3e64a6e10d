"""The ranking of a search in one compiled call: the default order or a column sort (delivery,
price, quantity; a text column by its ranks), the filters, a price level that depends on the
price only.

It does what :func:`partsearch.ranking.order.order`, :func:`filter_mask`,
:func:`requested_shown` and :meth:`PriceLevel.apply` do together for those cases (they stay the
reference, and the tests hold this kernel to them), without a dozen numpy calls of fixed cost
each on a few candidates.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from partsearch.ranking.order import DEFAULT_SORT

N_FAST = 3  # the requested block shows the three fastest offers, then the cheapest of the rest


_RUN = 16  # insertion-sorted runs; a usual search has fewer candidates than this


@njit(cache=True, nogil=True, inline="always")
def _before(a: int, b: int, k1: np.ndarray, k2: np.ndarray, k3: np.ndarray, k4: np.ndarray,
            k5: np.ndarray) -> bool:
    if k1[a] != k1[b]:
        return bool(k1[a] < k1[b])
    if k2[a] != k2[b]:
        return bool(k2[a] < k2[b])
    if k3[a] != k3[b]:
        return bool(k3[a] < k3[b])
    if k4[a] != k4[b]:
        return bool(k4[a] < k4[b])
    if k5[a] != k5[b]:
        return bool(k5[a] < k5[b])
    return a < b


@njit(cache=True, nogil=True)
def lex_order(k1: np.ndarray, k2: np.ndarray, k3: np.ndarray, k4: np.ndarray,
              k5: np.ndarray) -> np.ndarray:
    """The stable order of positions by ``(k1, k2, k3, k4, k5)``: ``np.lexsort((k5, ..., k1))``
    in one merge sort comparing the keys in turn. It replaces five stable argsorts and their
    gathers, which cost several times more (each pass allocates and walks every candidate)."""
    m = k1.size
    order = np.arange(m)
    for lo in range(0, m, _RUN):  # insertion sort of each run
        for i in range(lo + 1, min(lo + _RUN, m)):
            x = order[i]
            j = i - 1
            while j >= lo and _before(x, order[j], k1, k2, k3, k4, k5):
                order[j + 1] = order[j]
                j -= 1
            order[j + 1] = x
    if m <= _RUN:
        return order
    buf = np.empty(m, dtype=np.int64)
    width = _RUN
    while width < m:
        for lo in range(0, m, 2 * width):
            mid, hi = min(lo + width, m), min(lo + 2 * width, m)
            i, j, k = lo, mid, lo
            while i < mid and j < hi:
                # the right run's element goes first only when strictly before: stable
                if _before(order[j], order[i], k1, k2, k3, k4, k5):
                    buf[k] = order[j]
                    j += 1
                else:
                    buf[k] = order[i]
                    i += 1
                k += 1
            while i < mid:
                buf[k] = order[i]
                i += 1
                k += 1
            while j < hi:
                buf[k] = order[j]
                j += 1
                k += 1
        order, buf = buf, order
        width *= 2
    return order


# the column sorts the compiled ranking knows, as its ``sort`` argument; from TEXT_SORT on, the
# caller ranks the candidates by that text column (``text_rank``)
SORT_CODES = {"delivery": 1, "price": 2, "quantity": 3, "code": 4, "description": 5, "note": 6}
TEXT_SORT = 4


def compiled_sort(sort: tuple[str, bool]) -> int | None:
    """``rank_blocks``' sort code for a (column, descending) sort: 0 for the default sort,
    None for a column it does not know."""
    if sort == DEFAULT_SORT:
        return 0
    return SORT_CODES.get(sort[0])


@njit(cache=True, nogil=True)
def rank_blocks(which: np.ndarray, hops: np.ndarray, support: np.ndarray, oem: np.ndarray,
                rows: np.ndarray, seg: np.ndarray, row: np.ndarray, price: np.ndarray,
                delivery: np.ndarray, quantity: np.ndarray, exact: np.ndarray,
                edges: np.ndarray, factors: np.ndarray, sort: int, descending: bool,
                max_delivery: int, in_stock: bool, keep: np.ndarray, text_rank: np.ndarray,
                show_all: bool, offset: int, limit: int
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rank the candidates (offer ``rows`` of the store; ``which`` = their part's index in the
    search's part list, 0 = the requested part; ``hops``/``support`` per part; ``oem`` per
    candidate) into the three blocks.

    ``sort`` is :func:`compiled_sort`'s code (0 the default order: nearest analogs first, then
    fastest); ``max_delivery`` (-1 for none) and ``in_stock`` are the filters of that name;
    ``keep`` drops the candidates it marks False (the brand and supplier filters; empty: none);
    ``text_rank`` is each candidate's rank by the sorted text column for a text sort (equal
    texts, equal ranks; ``search._kernels.text_ranks``), empty otherwise.
    Returns (shown candidates, block 0 then 1 then 2; shown per block; total per block; sell
    price in kopecks per candidate). ``edges``/``factors`` are the level's price bands
    (:attr:`PriceLevel.bands`).
    """
    m = rows.size
    group = np.empty(m, dtype=np.int64)
    sell = np.empty(m, dtype=np.int64)
    tie = np.empty(m, dtype=np.int64)
    dly = np.empty(m, dtype=np.int64)
    first = np.empty(m, dtype=np.int64)
    totals = np.zeros(3, dtype=np.int64)
    sign = -1 if descending else 1
    for i in range(m):
        r = rows[i]
        w = which[i]
        p = price[r]
        sell[i] = -((-p * factors[np.searchsorted(edges, p, "right")]) // 10_000)
        dly[i] = delivery[r]
        tie[i] = (np.int64(seg[r]) << 32) | np.int64(row[r])
        g = 0 if w == 0 else (1 if oem[i] else 2)
        if (max_delivery >= 0 and dly[i] > max_delivery) or (keep.size and not keep[i]) or \
                (in_stock and not (exact[r] and quantity[r] > 0)):
            g = 3  # filtered out: after every block, never shown
        else:
            totals[g] += 1
        if sort == 0:
            group[i] = (np.int64(g) << 32) | np.int64(hops[w])
            first[i] = -np.int64(support[w])
        else:
            group[i] = np.int64(g) << 32
            first[i] = sign * (dly[i] if sort == 1 else sell[i] if sort == 2 else
                               np.int64(quantity[r]) if sort == 3 else text_rank[i])
    # the lexsort of ranking.order
    order = lex_order(group, first, dly, sell, tie)
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
        elif sort != 0:
            lo, hi = start, start + N_FAST + 1
        else:
            lo, hi = start, start + N_FAST
        for j in range(lo, hi):
            shown[k] = order[j]
            k += 1
        if b == 0 and sort == 0 and hi < end:
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
