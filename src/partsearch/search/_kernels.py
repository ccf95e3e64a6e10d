"""Compiled helpers of the search hot path (numba, cached on disk)."""

from __future__ import annotations

from typing import Any

import numpy as np

from partsearch._hash_kernels import one_pair
from partsearch._jit import njit
from partsearch.crosses._kernels import distance_order, find_sorted
from partsearch.ranking._fast import names_brand, rank_blocks
from partsearch.search._addresses import address_view, view
from partsearch.search._store import TEXT_COLUMNS

FENCE = 256  # one fence per 256 hashes: the fences of 20M offers fit in the CPU cache


def fences(sorted_hashes: np.ndarray) -> np.ndarray:
    """Every FENCE-th hash: a small, cache-resident index over the sorted hashes."""
    return np.ascontiguousarray(sorted_hashes[::FENCE])


def presence(sorted_hashes: np.ndarray) -> np.ndarray:
    """A bitmap over the top bits of the hashes, about 8 bits per hash (2^20 to 2^30 bits): a
    clear bit proves a hash absent with one memory access. Most parts of a class have no
    offers, and this spares each of them a search."""
    bits = 20
    while (1 << bits) < 8 * sorted_hashes.size and bits < 30:
        bits += 1
    out = np.zeros(1 << (bits - 3), dtype=np.uint8)
    _set_bits(sorted_hashes, out, 64 - bits)
    return out


@njit(cache=True, nogil=True)
def _set_bits(hashes: np.ndarray, out: np.ndarray, shift: int) -> None:
    for h in hashes:
        b = h >> np.uint64(shift)
        out[b >> np.uint64(3)] |= np.uint8(1 << (b & np.uint64(7)))


@njit(cache=True, nogil=True, inline="always")
def _shift_of(present: np.ndarray) -> np.uint64:
    bits = 3
    while (1 << bits) < present.size * 8:
        bits += 1
    return np.uint64(64 - bits)


@njit(cache=True, nogil=True)
def gather(sorted_hashes: np.ndarray, fence: np.ndarray, present: np.ndarray,
           hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows of ``sorted_hashes`` equal to each of ``hashes`` (runs of equal values), and the
    position in ``hashes`` each row answers: all offers of a class in one pass. ``fence`` and
    ``present`` are :func:`fences` and :func:`presence` of ``sorted_hashes``.

    Hashes the bitmap rules out cost one access. Each other search first finds its 256-entry
    block in the fences (cache-resident), then interpolates within it and steps to the first
    equal hash: the searches of different hashes do not wait on each other, so the processor
    overlaps their memory misses (a class of thousands of parts is thousands of misses)."""
    n = sorted_hashes.size
    m = hashes.size
    lo = np.empty(m, dtype=np.int64)
    width = np.empty(m, dtype=np.int64)
    shift = _shift_of(present)
    for i in range(m):
        b = hashes[i] >> shift
        if (present[b >> np.uint64(3)] >> (b & np.uint64(7))) & 1 == 0:
            lo[i] = width[i] = -1
            continue
        f = np.searchsorted(fence, hashes[i])
        a = 0 if f == 0 else (f - 1) * FENCE + 1
        lo[i] = a
        width[i] = 0 if f == 0 else min(f * FENCE, n) - a
    total = 0
    for i in range(m):
        if width[i] < 0:
            lo[i] = width[i] = 0
            continue
        h = hashes[i]
        a = lo[i]
        w = width[i]
        base = a
        if w > 0:
            # the hashes are spread evenly, so the block's two fences place h within a few
            # entries: one or two cache lines to read instead of a bisection's five
            f = (a - 1) // FENCE + 1  # the block lies between fence f - 1 and fence f
            f0 = fence[f - 1]
            f1 = fence[f] if f < fence.size else sorted_hashes[n - 1]
            # (the fraction capped before the conversion: past the last hash it can be huge)
            frac = min(float(h - f0) / (float(f1 - f0) + 1.0), 1.0) if f1 > f0 else 0.0
            base = min(a + int(frac * w), a + w - 1)
            while base > a and sorted_hashes[base - 1] >= h:
                base -= 1
            while base < a + w and sorted_hashes[base] < h:
                base += 1
        lo[i] = base
        j = base
        while j < n and sorted_hashes[j] == h:
            j += 1
        width[i] = j - base
        total += j - base
    rows = np.empty(total, dtype=np.int64)
    which = np.empty(total, dtype=np.int64)
    k = 0
    for i in range(m):
        for j in range(lo[i], lo[i] + width[i]):
            rows[k] = j
            which[k] = i
            k += 1
    return rows, which


@njit(cache=True, nogil=True)
def class_walk(start: int, lo: int, k: int, slot_off: np.ndarray, to: np.ndarray,
               support: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hops from member ``start`` (a position within its class) to every member of the class
    whose stretch of ``class_parts`` is ``lo`` to ``lo + k``, and the summed support of the
    crosses reaching each from the previous hop, by position within the class: ``bfs_local``
    without parent edges, for the search, on the class-local adjacency (``slot_off``, ``to``,
    ``support``: the snapshot's ``class_adj_*``), which lies in one stretch per class, so the
    walk reads it in order rather than at random places of the global adjacency."""
    hops = np.full(k, -1, dtype=np.int32)
    sup = np.zeros(k, dtype=np.int32)
    queue = np.empty(k, dtype=np.int64)
    hops[start] = 0
    queue[0] = start
    head, tail = 0, 1
    while head < tail:  # first in, first out: a level is done before the next is reached
        u = queue[head]
        head += 1
        nxt = hops[u] + 1
        for p in range(slot_off[lo + u], slot_off[lo + u + 1]):
            w = to[p]
            if w < 0:
                continue
            if hops[w] < 0:
                hops[w] = nxt
                sup[w] = support[p]
                queue[tail] = w
                tail += 1
            elif hops[w] == nxt:
                sup[w] += support[p]
    return hops, sup


@njit(cache=True, nogil=True)
def class_members(start: int, s0: int, lo: int, hi: int, class_parts: np.ndarray,
                  slot_off: np.ndarray, to: np.ndarray, support: np.ndarray,
                  member_hash: np.ndarray) -> tuple[np.ndarray, ...]:
    """A search's candidate parts in one compiled call: the searched part ``start``, whose
    place is ``s0`` among the members of its class (``class_parts[lo:hi]``, with the
    class-local adjacency and member hashes along them), and those members nearest first
    (ids, hops, support; the searched part first with 0, 0), and their hashes
    (:func:`offer_hits` finds their offers)."""
    members = class_parts[lo:hi]
    hops_local, sup_local = class_walk(s0, lo, hi - lo, slot_off, to, support)
    order = distance_order(hops_local, sup_local)
    n = order.size + 1
    all_ids = np.empty(n, dtype=np.int64)
    all_hops = np.zeros(n, dtype=np.int32)
    all_sup = np.zeros(n, dtype=np.int32)
    hashes = np.empty(n, dtype=np.uint64)
    all_ids[0] = start
    hashes[0] = member_hash[lo + s0]
    for p in range(order.size):
        i = order[p]
        all_ids[p + 1] = members[i]
        all_hops[p + 1] = hops_local[i]
        all_sup[p + 1] = sup_local[i]
        hashes[p + 1] = member_hash[lo + i]
    return all_ids, all_hops, all_sup, hashes


# the arrays of one level of the offer store (``_store.Level``), in the order of an address
# table: hash, fences, presence bitmap, segment map, then the offer columns
LEVEL_DTYPES = (np.uint64, np.uint64, np.uint8, np.int32,
                np.int32, np.int64, np.int64, np.int32, np.int64, np.bool_, np.bool_, np.int32,
                np.int32)
LEVEL = len(LEVEL_DTYPES)


@njit(cache=True, nogil=True)
def offer_hits(hashes: np.ndarray, arrays: np.ndarray, at: int) -> tuple[np.ndarray, ...]:
    """The offers of ``hashes`` in the offer store whose two levels' arrays
    (:data:`LEVEL_DTYPES`, the base's then the delta's) start at entry ``at`` of the address
    table ``arrays``: rows, the position in ``hashes`` each answers (ascending), and the
    columns seg (the store's segment numbers), row, price, delivery, quantity, exact,
    on_order, multiplicity, min_quantity and hash, which the rows index.

    A store as opened is its base alone, numbered as the store is: the rows are the base's
    and the columns its arrays. After a reload, a base row whose file was replaced or removed
    is dropped, the others renumbered by the base's segment map, and the delta's rows (the
    files published since) merged in by position: the columns are then the offers' own,
    copied, and the rows 0, 1, ... (``_store.flatten`` is the reference); unless every hit
    is a base row kept under its own number, answered as from a base alone."""
    seg, row = view(arrays, at + 4, np.int32), view(arrays, at + 5, np.int64)
    price, delivery = view(arrays, at + 6, np.int64), view(arrays, at + 7, np.int32)
    quantity, exact = view(arrays, at + 8, np.int64), view(arrays, at + 9, np.bool_)
    on_order, multiplicity = view(arrays, at + 10, np.bool_), view(arrays, at + 11, np.int32)
    min_quantity, offer_hash = view(arrays, at + 12, np.int32), view(arrays, at, np.uint64)
    segmap = view(arrays, at + 3, np.int32)
    rows, which = gather(offer_hash, view(arrays, at + 1, np.uint64),
                         view(arrays, at + 2, np.uint8), hashes)
    as_base = (rows, which, seg, row, price, delivery, quantity, exact, on_order, multiplicity,
               min_quantity, offer_hash)
    d = at + LEVEL
    d_hash = view(arrays, d, np.uint64)
    if segmap.size == 0 and d_hash.size == 0:
        return as_base
    d_rows, d_which = gather(d_hash, view(arrays, d + 1, np.uint64),
                             view(arrays, d + 2, np.uint8), hashes)
    d_seg = view(arrays, d + 4, np.int32)
    n = d_rows.size
    same = n == 0  # no hit in the delta, and every base hit kept under its own number
    for i in range(rows.size):
        s = store_segment(segmap, seg[rows[i]])
        if s >= 0:  # not replaced nor removed
            n += 1
        same = same and s == seg[rows[i]]
    if same:
        return as_base
    # the hits' columns, carved from one allocation (numba pays for each)
    m = np.empty((_HIT_ROWS, n), dtype=np.int64)
    src = m[0]  # where each kept offer comes from: its base row, or minus one minus its delta's
    out_which, out_rows = m[1], m[2]
    out_seg = m[3].view(np.int32)[:n]
    i = j = k = 0
    while k < n:
        if j == d_rows.size or (i < rows.size and which[i] <= d_which[j]):
            r = rows[i]
            s = store_segment(segmap, seg[r])
            w = which[i]
            i += 1
            if s < 0:
                continue
            src[k] = r
        else:
            r = d_rows[j]
            s = d_seg[r]
            w = d_which[j]
            j += 1
            src[k] = -1 - r
        out_which[k] = w
        out_seg[k] = s
        out_rows[k] = k
        k += 1
    return (out_rows, out_which, out_seg,
            _pick(src, row, view(arrays, d + 5, np.int64), m[4]),
            _pick(src, price, view(arrays, d + 6, np.int64), m[5]),
            _pick(src, delivery, view(arrays, d + 7, np.int32), m[6].view(np.int32)[:n]),
            _pick(src, quantity, view(arrays, d + 8, np.int64), m[7]),
            _pick(src, exact, view(arrays, d + 9, np.bool_), m[8].view(np.bool_)[:n]),
            _pick(src, on_order, view(arrays, d + 10, np.bool_), m[9].view(np.bool_)[:n]),
            _pick(src, multiplicity, view(arrays, d + 11, np.int32),
                  m[10].view(np.int32)[:n]),
            _pick(src, min_quantity, view(arrays, d + 12, np.int32),
                  m[11].view(np.int32)[:n]),
            _pick(src, offer_hash, d_hash, m[12].view(np.uint64)))


_HIT_ROWS = 13  # offer_hits' one allocation: a row per column (and its sources)


@njit(cache=True, nogil=True, inline="always")
def store_segment(segmap: np.ndarray, s: int) -> int:
    """The store's number of a level's segment ``s`` through its ``segmap`` (``_store.Level``;
    empty: the same number), -1 for a file replaced or removed since."""
    return s if segmap.size == 0 else segmap[s]


@njit(cache=True, nogil=True, inline="always")
def _pick(src: np.ndarray, base: np.ndarray, delta: np.ndarray, out: np.ndarray
          ) -> np.ndarray:
    """``out[k]``: ``base[r]`` for each ``r`` >= 0 of ``src``, ``delta[-1 - r]`` for the
    others."""
    for k in range(src.size):
        r = src[k]
        out[k] = base[r] if r >= 0 else delta[-1 - r]
    return out


# the columns of usual_search's answer, one row per shown offer (row 0 is the header)
SEG, ROW, QUANTITY, EXACT, DELIVERY, PRICE, ON_ORDER, MULTIPLICITY, MIN_QUANTITY, HASH, SELL, \
    HOPS, SUPPORT, BRAND, DELIVERY_MAX = range(15)
COLUMNS = 15
NO_GUARANTEE = -1  # DELIVERY_MAX of an offer whose file states no guaranteed time
# the text that comes with the table: per shown offer its article, description, sell price,
# supplier price (roubles, as ``_store.money`` writes them) and part hash (unsigned decimal),
# each followed by SEPARATOR, a byte valid UTF-8 never holds: the caller decodes it once with
# "surrogateescape" (SEPARATOR becomes TEXT_SEPARATOR) and splits it in one call
SEPARATOR = 0xFF
TEXT_SEPARATOR = "\udcff"
# the header: the part id (NOT_IN_INDEX when the index lacks the part and the call did not
# answer, OFFERS_ONLY when it answered from the part's own offers) and its hash, then shown and
# total offers of each block
H_PART, H_HASH, H_SHOWN, H_TOTAL = 0, 1, 2, 5
NOT_IN_INDEX, OFFERS_ONLY = -1, -2

# the arrays usual_search reads, in the order of its address table (``search_arrays``): the
# cross index's, OEM per brand number, then the offer store's two levels (LEVEL_DTYPES each)
SEARCH_DTYPES = (np.uint64, np.int32, np.int32, np.int64, np.int32, np.int16,
                 np.uint64, np.uint16, np.bool_, *LEVEL_DTYPES, *LEVEL_DTYPES)
_OFFERS_AT = 9  # the first of the offer store's arrays in SEARCH_DTYPES


def search_arrays(index: Any, store: Any, brand_oem: np.ndarray) -> tuple[np.ndarray, ...]:
    """The arrays of :data:`SEARCH_DTYPES`, for :class:`._addresses.Addresses`."""
    return (*index.search_arrays, brand_oem, *store.level_arrays)


# the arrays of a plan (the level, sort and filters of a search; ``plan_arrays``): the level's
# price band edges and factors, the keep tables of the brand and supplier filters, PLAN_*, the
# JSON answer's fields from "status" to "filters" (``_blocks._json_head``), and the level's
# rule table (``ranking._fast.rule_table``; empty for a level of price bands)
PLAN_DTYPES = (np.int64, np.int64, np.bool_, np.bool_, np.int64, np.uint8, np.int64)
PLAN_SORT, PLAN_DESCENDING, PLAN_MAX_DELIVERY, PLAN_IN_STOCK, PLAN_TEXT_COLUMN = range(5)


def plan_arrays(ranking: tuple[Any, ...], text_column: int, brand_keep: np.ndarray,
                seg_keep: np.ndarray, json_head: bytes) -> tuple[np.ndarray, ...]:
    """The arrays of :data:`PLAN_DTYPES` for :func:`usual_search`'s ``plan`` (an
    :class:`._addresses.Addresses` table) from ``rank_blocks``' arguments ``edges`` to
    ``in_stock`` (``ranking``), the text sort's column, the filters' keep tables and the JSON
    answer's head."""
    edges, factors, rules, sort, descending, max_delivery, in_stock = ranking
    params = np.array([sort, descending, max_delivery, in_stock, text_column], dtype=np.int64)
    return (edges, factors, brand_keep, seg_keep, params, np.frombuffer(json_head, np.uint8),
            rules)


@njit(cache=True, nogil=True)
def usual_search(brand: Any, key: Any, arrays: np.ndarray, want_oem: bool, texts: np.ndarray,
                 plan: np.ndarray, show_all: bool, offset: int, limit: int, oem_offset: int,
                 oem_limit: int, out_table: np.ndarray, out_text: np.ndarray
                 ) -> tuple[int, int]:
    """The usual search of a part (of the cross index, or only in offers: below), from its
    brand and article keys (UTF-8 bytes) to the numbers and text of every shown offer, in one
    compiled call: hash, lookup, class walk, offer gather, OEM flags, the compiled ranking
    (``rank_blocks``, with the level, sort and filters of ``plan``, the address table of
    :func:`plan_arrays`: the column of ``texts`` a text sort orders by, or -1; the keep
    tables per brand number and per segment of the brand and supplier filters, empty when
    off; the level's rule table, empty for price bands), the shown offers' columns gathered
    into one int64 table (the columns above; row 0 is the header) and their text
    (:func:`shown_text`), written into ``out_table`` and ``out_text``; returns the rows and
    bytes written, or both negated when the answer does not fit (the caller grows them to
    that and asks again). ``arrays`` is the address table of :func:`search_arrays`, ``texts``
    the store's ``text_addresses``.

    Each numba call costs a microsecond or two of argument and result handling (a returned
    array over a microsecond of it), and a median search shows a handful of offers: one call
    with a few arguments, writing into the caller's arrays, is most of the saving. A part the
    index lacks is answered from its own offers (part OFFERS_ONLY), unless it has none or a
    brand filter or a level's rule names brands (the part's brand has no number in the index):
    then the header says so (part NOT_IN_INDEX, with its hash) and the caller takes the
    general path."""
    table = usual_table(brand, key, arrays, want_oem, texts, plan, show_all, offset, limit,
                        oem_offset, oem_limit)
    if table[0, H_PART] == NOT_IN_INDEX:
        out_table[0] = table[0]  # the caller's table always has a row
        return 1, 0
    n, need = table.shape[0], _text_size(table, texts)
    if n > out_table.shape[0] or need > out_text.size:
        return -n, -need
    out_table[:n] = table
    return n, _write_text(table, texts, out_text)


@njit(cache=True, nogil=True)
def usual_table(brand: Any, key: Any, arrays: np.ndarray, want_oem: bool, texts: np.ndarray,
                plan: np.ndarray, show_all: bool, offset: int, limit: int, oem_offset: int,
                oem_limit: int) -> np.ndarray:
    """:func:`usual_search`'s table (the header, then the shown offers), allocated; a header
    alone with part NOT_IN_INDEX when it does not answer. What the answers as values and as
    JSON (``_json.usual_json``) share."""
    part_hash = view(arrays, 0, np.uint64)
    h = one_pair(brand, key)
    pid = find_sorted(part_hash, h)
    # the arrays in SEARCH_DTYPES' order, each as its dtype there (Addresses checked them; a
    # wrong index here would read garbage, which the compiled-vs-numpy tests catch)
    part_class, class_parts = view(arrays, 1, np.int32), view(arrays, 2, np.int32)
    slot_off, to = view(arrays, 3, np.int64), view(arrays, 4, np.int32)
    slot_support, member_hash = view(arrays, 5, np.int16), view(arrays, 6, np.uint64)
    part_brand, brand_oem = view(arrays, 7, np.uint16), view(arrays, 8, np.bool_)
    edges, factors = view(plan, 0, np.int64), view(plan, 1, np.int64)
    brand_keep, seg_keep = view(plan, 2, np.bool_), view(plan, 3, np.bool_)
    params, rules = view(plan, 4, np.int64), view(plan, 6, np.int64)
    text_column = params[PLAN_TEXT_COLUMN]
    if pid >= 0:
        # the part's class stretch and place in it: one cache line (``class_places``)
        lo, hi, place = part_class[3 * pid], part_class[3 * pid + 1], part_class[3 * pid + 2]
        ids, hops, sup, hashes = class_members(pid, place, lo, hi, class_parts, slot_off, to,
                                               slot_support, member_hash)
    else:  # a part only in offers: its own, ranked as the general path ranks them
        ids = np.full(1, -1, dtype=np.int64)
        hops, sup = np.zeros(1, dtype=np.int32), np.zeros(1, dtype=np.int32)
        hashes = np.full(1, h, dtype=np.uint64)
    rows, which, seg, row, price, delivery, quantity, exact, on_order, multiplicity, \
        min_quantity, offer_hash = offer_hits(hashes, arrays, _OFFERS_AT)
    if pid < 0:
        if rows.size == 0 or brand_keep.size or names_brand(rules):
            out = np.zeros((1, COLUMNS), dtype=np.int64)
            out[0, H_PART] = NOT_IN_INDEX
            out[0, H_HASH] = np.int64(h)
            return out
        pid = OFFERS_ONLY
    # each candidate's brand number, where something reads it (the OEM flags, the brand
    # filter, a level's rules): one pass of loads at random; -1 for a part only in offers
    brand_of = np.full(rows.size if want_oem or brand_keep.size or rules.size else 0, -1,
                       dtype=np.int64)
    for i in range(brand_of.size if ids[0] >= 0 else 0):
        brand_of[i] = part_brand[ids[which[i]]]
    oem = np.zeros(rows.size, dtype=np.bool_)
    if want_oem and ids[0] >= 0:
        for i in range(rows.size):
            oem[i] = brand_oem[brand_of[i]]
    keep = np.ones(rows.size if brand_keep.size or seg_keep.size else 0, dtype=np.bool_)
    for i in range(keep.size):
        keep[i] = (brand_keep.size == 0 or brand_keep[brand_of[i]]) and \
            (seg_keep.size == 0 or seg_keep[seg[rows[i]]])
    ranks = text_ranks(rows, seg, row, texts, text_column) if text_column >= 0 else \
        np.zeros(0, dtype=np.int64)
    shown, n_shown, totals, sell = rank_blocks(
        which, hops, sup, oem, brand_of, rows, seg, row, price, delivery, quantity, edges,
        factors, rules, params[PLAN_SORT], params[PLAN_DESCENDING] != 0,
        params[PLAN_MAX_DELIVERY], params[PLAN_IN_STOCK] != 0, keep, ranks, show_all, offset,
        limit, oem_offset, oem_limit)
    return shown_table(pid, h, shown, n_shown, totals, sell, rows, which, ids, hops, sup,
                        part_brand, seg, row, quantity, exact, delivery, price, on_order,
                        multiplicity, min_quantity, offer_hash, texts)


@njit(cache=True, nogil=True)
def shown_table(pid: int, h: Any, shown: np.ndarray, n_shown: np.ndarray, totals: np.ndarray,
                sell: np.ndarray, rows: np.ndarray, which: np.ndarray, ids: np.ndarray,
                hops: np.ndarray, sup: np.ndarray, part_brand: np.ndarray, seg: np.ndarray,
                row: np.ndarray, quantity: np.ndarray, exact: np.ndarray,
                delivery: np.ndarray, price: np.ndarray, on_order: np.ndarray,
                multiplicity: np.ndarray, min_quantity: np.ndarray, offer_hash: np.ndarray,
                texts: np.ndarray) -> np.ndarray:
    """The ranking's shown candidates (``rank_blocks``' answer) as :func:`usual_search`'s
    table: the header, then the columns above for each, gathered from the store's arrays (the
    guaranteed delivery from the offer's file, through ``texts``). The brand number is -1 for
    a part the index lacks (``ids`` -1, or no ``part_brand``)."""
    out = np.zeros((shown.size + 1, COLUMNS), dtype=np.int64)
    out[0, H_PART] = pid
    out[0, H_HASH] = np.int64(h)
    for b in range(3):
        out[0, H_SHOWN + b] = n_shown[b]
        out[0, H_TOTAL + b] = totals[b]
    for j in range(shown.size):
        i = shown[j]
        r = rows[i]
        p = which[i]
        o = out[j + 1]
        o[SEG] = seg[r]
        o[ROW] = row[r]
        o[QUANTITY] = quantity[r]
        o[EXACT] = exact[r]
        o[DELIVERY] = delivery[r]
        o[PRICE] = price[r]
        o[ON_ORDER] = on_order[r]
        o[MULTIPLICITY] = multiplicity[r]
        o[MIN_QUANTITY] = min_quantity[r]
        o[HASH] = np.int64(offer_hash[r])
        o[SELL] = sell[i]
        o[HOPS] = hops[p]
        o[SUPPORT] = sup[p]
        o[BRAND] = part_brand[ids[p]] if ids[p] >= 0 and part_brand.size else -1
        o[DELIVERY_MAX] = _guarantee(texts, o[SEG], o[ROW])
    return out


_GUARANTEE = 4 * len(TEXT_COLUMNS)  # where a segment's row of ``texts`` has the guarantees


@njit(cache=True, nogil=True, inline="always")
def _guarantee(texts: np.ndarray, seg: int, r: int) -> int:
    """Row ``r``'s guaranteed delivery hours in a supplier file (NO_GUARANTEE for none): its
    int32 column's address follows the text columns' in ``texts``, 0 when the file has
    none."""
    at = texts[seg, _GUARANTEE]
    return NO_GUARANTEE if at == 0 else int(address_view(at + 4 * r, 1, np.int32)[0])


@njit(cache=True, nogil=True, inline="always")
def _text_bounds(texts: np.ndarray, seg: int, column: int, r: int) -> tuple[Any, Any]:
    """Byte range of row ``r``'s value in a supplier file's text column (``column``: its
    position in ``_store.TEXT_COLUMNS``); an empty range for a null."""
    base = 4 * column
    valid = texts[seg, base + 3]
    if valid != 0 and not address_view(valid + r, 1, np.bool_)[0]:
        return 0, 0
    if texts[seg, base + 1] == 4:
        o32 = address_view(texts[seg, base] + 4 * r, 2, np.int32)
        return np.int64(o32[0]), np.int64(o32[1])
    o64 = address_view(texts[seg, base] + 8 * r, 2, np.int64)
    return o64[0], o64[1]


@njit(cache=True, nogil=True)
def shown_text(table: np.ndarray, texts: np.ndarray) -> np.ndarray:
    """The text of each offer of a :func:`shown_table` table (``TEXT_SEPARATOR`` above): its
    article and description read from its supplier file (``texts``:
    ``OfferStore.text_addresses``; a null as empty), then its prices and part hash formatted.
    Compiled, the reads of different offers overlap their cache misses, and the numbers cost
    a few nanoseconds each where Python's formatting and a decode per value cost a
    microsecond an offer."""
    out = np.empty(_text_size(table, texts), dtype=np.uint8)
    return out[:_write_text(table, texts, out)]


@njit(cache=True, nogil=True)
def _text_size(table: np.ndarray, texts: np.ndarray) -> int:
    """The bytes :func:`_write_text` may need for ``table``'s offers: their articles and
    descriptions, and per offer two separators, two prices of at most 25 bytes each ("-", 20
    digits, ".", 2 digits, separator) and a hash of at most 21 (numba does not check the
    bounds of the writes)."""
    total: int = 73 * (table.shape[0] - 1)
    for j in range(1, table.shape[0]):
        for column in range(2):
            lo, hi = _text_bounds(texts, table[j, SEG], column, table[j, ROW])
            total += int(hi - lo)
    return total


@njit(cache=True, nogil=True)
def _write_text(table: np.ndarray, texts: np.ndarray, out: np.ndarray) -> int:
    """:func:`shown_text`'s bytes at the start of ``out`` (:func:`_text_size` of them at
    most); how many it wrote."""
    k = 0
    for j in range(1, table.shape[0]):
        seg = table[j, SEG]
        for column in range(2):
            lo, hi = _text_bounds(texts, seg, column, table[j, ROW])
            if hi > lo:
                out[k:k + hi - lo] = address_view(texts[seg, 4 * column + 2] + lo, hi - lo,
                                                  np.uint8)
                k += hi - lo
            out[k] = SEPARATOR
            k += 1
        for kop in (table[j, SELL], table[j, PRICE]):
            k = _put_money(out, k, kop)
            out[k] = SEPARATOR
            k += 1
        k = _put_digits(out, k, np.uint64(table[j, HASH]), 1)
        out[k] = SEPARATOR
        k += 1
    return k


@njit(cache=True, nogil=True, inline="always")
def _put_digits(out: np.ndarray, k: int, value: Any, least: int) -> int:
    """``value`` (uint64) in decimal, at least ``least`` digits (zero-padded), at ``out[k:]``;
    the position after it."""
    n = 0
    v = value
    while v > np.uint64(0) or n < least:
        v //= np.uint64(10)
        n += 1
    v = value
    for i in range(n - 1, -1, -1):
        out[k + i] = np.uint8(48) + np.uint8(v % np.uint64(10))
        v //= np.uint64(10)
    return k + n


@njit(cache=True, nogil=True, inline="always")
def _put_money(out: np.ndarray, k: int, kop: int) -> int:
    """Kopecks as ``_store.money`` writes them ("-12.05") at ``out[k:]``; the position after."""
    if kop < 0:
        out[k] = 45  # "-"
        k += 1
        kop = -kop
    k = _put_digits(out, k, np.uint64(kop // 100), 1)
    out[k] = 46  # "."
    return _put_digits(out, k + 1, np.uint64(kop % 100), 2)


@njit(cache=True, nogil=True, inline="always")
def compare_bytes(x: Any, y: Any) -> int:
    """-1, 0 or 1 as ``x`` sorts before ``y``, equals it or sorts after it (UTF-8 bytes,
    arrays or ``bytes``, compared in turn: the order of their code points, Python's string
    order)."""
    for i in range(min(len(x), len(y))):
        if x[i] != y[i]:
            return -1 if x[i] < y[i] else 1
    if len(x) != len(y):
        return -1 if len(x) < len(y) else 1
    return 0


@njit(cache=True, nogil=True, inline="always")
def _text_before(a: int, b: int, start: np.ndarray, length: np.ndarray) -> bool:
    """Whether text ``a`` sorts before text ``b`` (:func:`compare_bytes`); equal texts by
    position, so a sort is stable."""
    order = compare_bytes(address_view(start[a], length[a], np.uint8),
                          address_view(start[b], length[b], np.uint8))
    return order < 0 if order != 0 else a < b


@njit(cache=True, nogil=True, inline="always")
def _same_text(a: int, b: int, start: np.ndarray, length: np.ndarray) -> bool:
    return length[a] == length[b] and compare_bytes(
        address_view(start[a], length[a], np.uint8),
        address_view(start[b], length[b], np.uint8)) == 0


@njit(cache=True, nogil=True)
def text_ranks(rows: np.ndarray, seg: np.ndarray, row: np.ndarray, texts: np.ndarray,
               column: int) -> np.ndarray:
    """Each candidate's rank by its text in ``column`` (see :func:`_text_bounds`): 0 for the
    first text in code point order, equal texts equal ranks, a null as the empty text; what
    ``ranking.order`` ranks with ``np.unique`` for a text sort. A merge sort of the candidates
    (insertion-sorted runs of 16) comparing their bytes where they lie in the supplier files."""
    m = rows.size
    start = np.empty(m, dtype=np.int64)
    length = np.empty(m, dtype=np.int64)
    for i in range(m):
        r = rows[i]
        s = seg[r]
        lo, hi = _text_bounds(texts, s, column, row[r])
        start[i] = texts[s, 4 * column + 2] + lo
        length[i] = hi - lo
    order = np.arange(m)
    for lo in range(0, m, 16):
        for i in range(lo + 1, min(lo + 16, m)):
            x = order[i]
            j = i - 1
            while j >= lo and _text_before(x, order[j], start, length):
                order[j + 1] = order[j]
                j -= 1
            order[j + 1] = x
    buf = np.empty(m, dtype=np.int64)
    width = 16
    while width < m:
        for lo in range(0, m, 2 * width):
            mid, hi = min(lo + width, m), min(lo + 2 * width, m)
            i, j, k = lo, mid, lo
            while k < hi:
                if j >= hi or (i < mid and not _text_before(order[j], order[i], start, length)):
                    buf[k] = order[i]
                    i += 1
                else:
                    buf[k] = order[j]
                    j += 1
                k += 1
        order, buf = buf, order
        width *= 2
    ranks = np.empty(m, dtype=np.int64)
    rank = 0
    for k in range(m):
        if k > 0 and not _same_text(order[k - 1], order[k], start, length):
            rank += 1
        ranks[order[k]] = rank
    return ranks


@njit(cache=True, nogil=True)
def merge_plan(base_hash: np.ndarray, base_seg: np.ndarray, remap: np.ndarray,
               new_hash: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """How to merge a sorted base's kept rows (those whose segment ``remap`` maps to >= 0) with
    new sorted rows, base first on equal hashes, in one linear pass: runs of consecutive source
    rows, each a start (a base index >= 0, or ``-(new index + 1)``) and a length.

    Runs, not one entry per output row: a reload merges one supplier's file into ~20M rows, so
    its plan holds a few runs per new row, and each column is copied a run at a time. The
    arrays are allocated at their bound and only their first runs are ever touched."""
    nb, m = base_hash.size, new_hash.size
    start = np.empty(nb + m + 1, dtype=np.int64)
    length = np.empty(nb + m + 1, dtype=np.int64)
    r = -1
    i = j = 0
    while True:
        while i < nb and remap[base_seg[i]] < 0:
            i += 1
        if i >= nb and j >= m:
            break
        if j >= m or (i < nb and base_hash[i] <= new_hash[j]):
            if r >= 0 and start[r] >= 0 and start[r] + length[r] == i:
                length[r] += 1
            else:
                r += 1
                start[r] = i
                length[r] = 1
            i += 1
        else:
            if r >= 0 and start[r] < 0 and -start[r] - 1 + length[r] == j:
                length[r] += 1
            else:
                r += 1
                start[r] = -(j + 1)
                length[r] = 1
            j += 1
    return start[:r + 1], length[:r + 1]


@njit(cache=True, nogil=True)
def merge_take(start: np.ndarray, length: np.ndarray, base: np.ndarray,
               remap: np.ndarray | None, new: np.ndarray, out: np.ndarray) -> None:
    """One column merged by ``merge_plan``'s runs, into ``out`` (the caller allocates it: numpy
    asks the kernel for huge pages for a large array, numba's allocator does not, and a search
    reads the merged columns at random). With ``remap``, the segment column: the base's numbers
    renumbered by it on the way. (None is a type of its own to numba: ``remap is None`` is
    settled when each kind is compiled, and no run tests it.)"""
    k = 0
    for r in range(start.size):  # (loops, not slices: most runs are a row or two long)
        s, n = start[r], length[r]
        if s < 0:
            for t in range(n):
                out[k + t] = new[-s - 1 + t]
        elif remap is None:
            for t in range(n):
                out[k + t] = base[s + t]
        else:
            for t in range(n):
                out[k + t] = remap[base[s + t]]
        k += n


@njit(cache=True, nogil=True)
def merge_order(keys: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """The order that merges runs of ``keys``, each sorted, that lie one after another (run
    ``r`` is ``keys[starts[r]:starts[r + 1]]``): what a stable argsort of ``keys`` gives, in
    one pass with a heap of the runs' heads (equal keys by run, then position)."""
    k = starts.size - 1
    head = np.empty(k, dtype=keys.dtype)  # the heap: each run's next key, and the run
    run = np.empty(k, dtype=np.int64)
    pos = starts[:-1].copy()
    size = 0
    for r in range(k):
        if starts[r] < starts[r + 1]:
            head[size] = keys[starts[r]]
            run[size] = r
            size += 1
            j = size - 1
            while j > 0:  # sift up
                p = (j - 1) // 2
                if head[p] < head[j] or (head[p] == head[j] and run[p] < run[j]):
                    break
                head[p], head[j] = head[j], head[p]
                run[p], run[j] = run[j], run[p]
                j = p
    out = np.empty(keys.size, dtype=np.int64)
    for i in range(keys.size):
        r = run[0]
        out[i] = pos[r]
        pos[r] += 1
        if pos[r] < starts[r + 1]:
            head[0] = keys[pos[r]]
        else:
            size -= 1
            head[0] = head[size]
            run[0] = run[size]
        j = 0
        while True:  # sift down
            c = 2 * j + 1
            if c >= size:
                break
            if c + 1 < size and (head[c + 1] < head[c]
                                 or (head[c + 1] == head[c] and run[c + 1] < run[c])):
                c += 1
            if head[j] < head[c] or (head[j] == head[c] and run[j] < run[c]):
                break
            head[j], head[c] = head[c], head[j]
            run[j], run[c] = run[c], run[j]
            j = c
    return out


@njit(cache=True, nogil=True)
def take_into(order: np.ndarray, column: np.ndarray, out: np.ndarray) -> None:
    """``out[:] = column[order]`` without the checks, the GIL released (two columns are
    gathered at once); the caller allocates ``out`` (see :func:`merge_take`)."""
    for i in range(order.size):
        out[i] = column[order[i]]
