"""The ranking of a search in one compiled call: the default order or a column sort (delivery,
price, quantity; a text column by its ranks), the filters, a price level (its price bands, or
its rules by supplier, brand and price as a table: :func:`rule_table`).

It does what :func:`partsearch.ranking.order.order`, :func:`filter_mask`,
:func:`requested_shown` and :meth:`PriceLevel.apply` do together for those cases (they stay the
reference, and the tests hold this kernel to them), without a dozen numpy calls of fixed cost
each on a few candidates.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from partsearch._jit import njit
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


# a rule table (:func:`rule_table`): per rule, these five int64s in a row
RULE_SEG, RULE_BRAND, RULE_MIN, RULE_MAX, RULE_FACTOR = range(5)
RULE_WIDTH = 5
ANY = -1  # a rule without that condition
NONE = -2  # a supplier or brand the catalog has no number for: the rule matches no offer
NO_RULES = np.zeros(0, dtype=np.int64)  # a level of price bands


def rule_table(level: Any, segment_of: Mapping[str, int], brand_of: Mapping[str, int]
               ) -> np.ndarray:
    """A level's rules for :func:`rank_blocks`, flat (:data:`RULE_WIDTH` int64s a rule): the
    segment of the offers of its supplier (``segment_of``: supplier code -> the store's
    segment), the brand number of its brand (``brand_of``: canonical brand -> the index's
    number), its price bounds in kopecks (from, inclusive; to, exclusive; open: int64's
    ends) and its factor (in hundredths of a percent: 10,000 is no markup); the first rule
    that matches an offer prices it, as :meth:`PriceLevel.apply` does.

    >>> from partsearch.ranking.levels import parse_levels
    >>> level = parse_levels({"w": {"rules": [{"supplier": "GAMMA", "percent": 8},
    ...                                       {"percent": 12}]}}, "x")["w"]
    >>> rule_table(level, {"GAMMA": 2}, {}).reshape(-1, RULE_WIDTH)[:, [0, 1, 4]].tolist()
    [[2, -1, 10800], [-1, -1, 11200]]
    """
    low, high = np.iinfo(np.int64).min, np.iinfo(np.int64).max
    rows = [(ANY if r.supplier is None else segment_of.get(r.supplier, NONE),
             ANY if r.brand is None else brand_of.get(r.brand, NONE),
             low if r.min_kop is None else r.min_kop, high if r.max_kop is None else r.max_kop,
             f) for r, f in zip(level.rules, level.factors, strict=True)]
    return np.array(rows, dtype=np.int64).ravel()


@njit(cache=True, nogil=True)
def names_brand(rules: np.ndarray) -> bool:
    """Whether a rule of ``rules`` (:func:`rule_table`) has a brand condition."""
    for k in range(RULE_BRAND, rules.size, RULE_WIDTH):  # noqa: SIM110 (numba: no generators)
        if rules[k] != ANY:
            return True
    return False


@njit(cache=True, nogil=True, inline="always")
def _rule_factor(rules: np.ndarray, seg: int, brand: int, price: int) -> int:
    """The factor of the first rule of ``rules`` that matches the offer (the level's last
    rule matches every offer: the parse of levels checks it)."""
    k = 0
    while k + RULE_WIDTH < rules.size:
        s, b = rules[k + RULE_SEG], rules[k + RULE_BRAND]
        # (comparisons, not `in` a tuple: numba's tuples of mixed integer types have no `in`)
        if (s == ANY or s == seg) and (b == ANY or b == brand) and \
                rules[k + RULE_MIN] <= price < rules[k + RULE_MAX]:  # noqa: SIM109
            break
        k += RULE_WIDTH
    return int(rules[k + RULE_FACTOR])


@njit(cache=True, nogil=True)
def rank_blocks(which: np.ndarray, hops: np.ndarray, support: np.ndarray, oem: np.ndarray,
                brand: np.ndarray, rows: np.ndarray, seg: np.ndarray, row: np.ndarray,
                price: np.ndarray, delivery: np.ndarray, quantity: np.ndarray,
                edges: np.ndarray, factors: np.ndarray, rules: np.ndarray,
                sort: int, descending: bool, max_delivery: int, in_stock: bool,
                keep: np.ndarray, text_rank: np.ndarray, show_all: bool, offset: int,
                limit: int, oem_offset: int, oem_limit: int
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rank the candidates (offer ``rows`` of the store; ``which`` = their part's index in the
    search's part list, 0 = the requested part; ``hops``/``support`` per part; ``oem`` per
    candidate; ``brand``, each one's brand number, read only by a level's rules) into the
    three blocks.

    ``sort`` is :func:`compiled_sort`'s code (0 the default order: nearest analogs first, then
    fastest); ``max_delivery`` (-1 for none) and ``in_stock`` are the filters of that name;
    ``keep`` drops the candidates it marks False (the brand and supplier filters; empty: none);
    ``text_rank`` is each candidate's rank by the sorted text column for a text sort (equal
    texts, equal ranks; ``search._kernels.text_ranks``), empty otherwise. The analogs show
    ``limit`` from ``offset``, the OEM replacements ``oem_limit`` from ``oem_offset``.
    Returns (shown candidates, block 0 then 1 then 2; shown per block; total per block; sell
    price in kopecks per candidate). ``edges``/``factors`` are the level's price bands
    (:attr:`PriceLevel.bands`), or, for a level with supplier or brand rules, ``rules`` its
    :func:`rule_table` (empty for a level of bands).
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
        f = _rule_factor(rules, seg[r], brand[i], p) if rules.size else \
            factors[np.searchsorted(edges, p, "right")]
        sell[i] = -((-p * f) // 10_000)
        dly[i] = delivery[r]
        tie[i] = (np.int64(seg[r]) << 32) | np.int64(row[r])
        g = 0 if w == 0 else (1 if oem[i] else 2)
        if (max_delivery >= 0 and dly[i] > max_delivery) or (keep.size and not keep[i]) or \
                (in_stock and quantity[r] <= 0):  # (unknown: -1)
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
            skip, size = (oem_offset, oem_limit) if b == 1 else (offset, limit)
            lo, hi = min(start + skip, end), min(start + skip + size, end)
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
