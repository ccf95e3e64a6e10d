"""The usual search answered as JSON bytes in one compiled call (``Engine.search_json``).

A web app sends each answer on as JSON. Building the result's Python values, then ``to_dict()``
and ``json.dumps``, costs several times the search itself (per shown offer a tuple of 27 values
and then a dict of them); here the compiled search writes the bytes ``SearchResult.to_json()``
would give straight from its table. What is fixed for a catalog state (brand names, each
supplier file's terms as JSON) is written once per state (:func:`json_tables`); what is fixed
for a level, sort and filters (the answer's head) comes with the search's plan.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from partsearch._jit import njit
from partsearch.result import compact_json
from partsearch.search._addresses import Addresses, address_view, copy_bytes, view
from partsearch.search._kernels import (
    BRAND,
    DELIVERY,
    DELIVERY_MAX,
    EXACT,
    H_PART,
    H_SHOWN,
    H_TOTAL,
    HASH,
    HOPS,
    MIN_QUANTITY,
    MULTIPLICITY,
    NOT_IN_INDEX,
    ON_ORDER,
    PRICE,
    QUANTITY,
    ROW,
    SEG,
    SELL,
    SUPPORT,
    _put_digits,
    _put_money,
    _text_bounds,
    usual_table,
)

# the fixed pieces of the answer, in one byte array (P_* index them)
_PIECES = (
    '{"article":', ',"brand":', ",", ',"blocks":{', "},", ',"offset":', ',"shown":',
    ',"has_more":', ',"offers":[', "]}", '"brands":[],"suggestions":[],"online":{},'
    '"supplier_crosses":[],"notes":[]}', "true", "false", "null", ',"article":', ',"description":',
    ',"quantity":', ',"quantity_exact":', ',"on_order":', ',"multiplicity":', ',"min_quantity":',
    ',"delivery_hours":', ',"delivery_hours_max":', ',"price":"', '","supplier_price":',
    ',"below_min_order":',
    ',"price_file_time":', ',"age_hours":', ',"stale":', ',"stock_accuracy":', ',"hops":',
    ',"support":', ',"part_hash":"', '"}', '"',
    # per block: its opening, then an offer's opening
    '"requested":{"name":"requested","total":',
    '"oem_replacements":{"name":"oem_replacements","total":',
    '"analogs":{"name":"analogs","total":',
    '{"block":"requested","why":"requested","brand":',
    '{"block":"oem_replacements","why":"oem_replacement","brand":',
    '{"block":"analogs","why":"analog","brand":',
)
(P_ARTICLE, P_BRAND, P_COMMA, P_BLOCKS, P_BLOCKS_END, P_OFFSET, P_SHOWN, P_HAS_MORE, P_OFFERS,
 P_BLOCK_END, P_TAIL, P_TRUE, P_FALSE, P_NULL, P_O_ARTICLE, P_O_DESCRIPTION, P_O_QUANTITY,
 P_O_EXACT, P_O_ON_ORDER, P_O_MULTIPLICITY, P_O_MIN_QUANTITY, P_O_DELIVERY, P_O_DELIVERY_MAX,
 P_O_PRICE, P_O_SUPPLIER_PRICE, P_O_BELOW, P_O_FILE_TIME, P_O_AGE, P_O_STALE, P_O_ACCURACY,
 P_O_HOPS, P_O_SUPPORT, P_O_HASH, P_O_END, P_QUOTE, P_BLOCK, _, _, P_OFFER, _, _) = \
    range(len(_PIECES))
_PIECE_BYTES = np.frombuffer("".join(_PIECES).encode(), dtype=np.uint8).copy()
_PIECE_OFF = np.cumsum([0] + [len(p.encode()) for p in _PIECES]).astype(np.int64)
_LONGEST_PIECE = int(np.diff(_PIECE_OFF).max())
# bytes an offer may take beyond its brand, texts and its file's terms: the pieces, eight
# integers of at most 20 bytes, two prices of 23, a hash of 20, an age of 22
_OFFER_FIXED = sum(len(p) for p in _PIECES[P_O_ARTICLE:P_QUOTE + 1]) + len(_PIECES[-1]) + 300

# the arrays of a catalog state the JSON answer reads, in their address table's order
# (:func:`json_tables`): the brand names as JSON strings and their offsets; each supplier
# file's terms as three JSON pieces (``supplier`` to ``restrictions``, ``price_file_time``,
# ``stock_accuracy``) and their offsets; each file's second (NO_TIME when unknown) and minimum
# order in kopecks; the hours after which a file is stale
JSON_DTYPES = (np.uint8, np.int64, np.uint8, np.int64, np.int64, np.int64, np.float64)
NO_TIME = np.iinfo(np.int64).min


def json_tables(index: Any, store: Any, stale_after_hours: float) -> Addresses:
    """The address table of :data:`JSON_DTYPES` for a catalog state."""
    names = [compact_json(n) for n in (index.brand_names if index is not None else [])]
    pieces: list[bytes] = []
    seconds, min_kop = [], []
    for segment in store.segments:
        terms, kop, second, file_time, accuracy = segment.shown
        head = compact_json(dict(zip(_TERM_FIELDS, terms, strict=True)))[1:-1]
        pieces += [head, compact_json(file_time), compact_json(accuracy)]
        seconds.append(NO_TIME if second is None else second)
        min_kop.append(kop)
    return Addresses(
        (*_joined(names), *_joined(pieces), np.array(seconds, dtype=np.int64),
         np.array(min_kop, dtype=np.int64), np.array([stale_after_hours], dtype=np.float64)),
        JSON_DTYPES)


_TERM_FIELDS = ("supplier", "pickup_points", "min_order_sum", "returnable", "prepayment",
                "restrictions")


def _joined(items: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    data = np.frombuffer(b"".join(items), dtype=np.uint8).copy()
    return data, np.cumsum([0] + [len(b) for b in items]).astype(np.int64)


def age_tenths(second: int, file_second: int) -> int:
    """A file's age in tenths of an hour at ``second``, half a tenth rounded up (integers, so
    the compiled answer and Python's agree to the bit)."""
    return (10 * (second - file_second) + 1800) // 3600


_age_tenths = njit(cache=True, nogil=True, inline="always")(age_tenths)


def below_min_order(price_kop: int, min_kop: int, multiplicity: int, min_quantity: int
                    ) -> bool:
    """Whether an offer's smallest lot at its supplier price (``price_kop``) stays below the
    supplier's minimum order sum (``min_kop``), both in kopecks: the least quantity that is at
    least ``min_quantity`` and a multiple of ``multiplicity`` (each 1 when below). A part sold
    in pairs (brake discs) or from a minimum quantity is never bought as one piece: a 995.50
    disc in pairs is a lot of 1,991, not below 1,500. Integers only, and no product that could
    pass int64 (a lot of 2**31 pieces at 10**14 kopecks), so the compiled answer and Python's
    agree to the bit."""
    if price_kop >= min_kop:  # (the usual case: one piece reaches it, or there is none)
        return False
    step = max(multiplicity, 1)
    lot = (max(min_quantity, 1) + step - 1) // step * step
    # price * lot < min  <=>  price <= (min - 1) // lot, for whole numbers and lot >= 1
    return price_kop <= (min_kop - 1) // lot


_below_min_order = njit(cache=True, nogil=True, inline="always")(below_min_order)


@njit(cache=True, nogil=True)
def usual_json(brand: Any, key: Any, article: Any, arrays: np.ndarray, want_oem: bool,
               texts: np.ndarray, plan: np.ndarray, show_all: bool, offset: int, limit: int,
               oem_offset: int, oem_limit: int, supplier_price: bool, second: int,
               tables: np.ndarray, out: np.ndarray) -> tuple[int, int]:
    """:func:`_kernels.usual_search`'s answer as ``SearchResult.to_json()`` bytes at the start
    of ``out``: how many, and the header's part (``H_PART``: the caller answers a part with
    guard-held crosses from values, ``_blocks.answer_json``); 0 when it does not answer (the
    index lacks the part, and the compiled search does not answer it from its offers: the
    caller answers from values), or minus the bytes needed when they do not fit (the caller
    grows ``out`` and asks again). ``article`` is the query as typed (UTF-8), ``second`` the
    time of the search, ``tables`` :func:`json_tables`'."""
    table = usual_table(brand, key, arrays, want_oem, texts, plan, show_all, offset, limit,
                        oem_offset, oem_limit)
    if table[0, H_PART] == NOT_IN_INDEX:
        return 0, NOT_IN_INDEX
    return write_json(table, brand, article, texts, plan, offset, oem_offset, supplier_price,
                      second, tables, out), table[0, H_PART]


@njit(cache=True, nogil=True)
def write_json(table: np.ndarray, brand: Any, article: Any, texts: np.ndarray, plan: np.ndarray,
               offset: int, oem_offset: int, supplier_price: bool, second: int,
               tables: np.ndarray, out: np.ndarray) -> int:
    """:func:`usual_json`'s bytes for the usual search's ``table``: how many, or minus the
    bytes needed when they do not fit."""
    need = _json_size(table, texts, brand, article, plan, tables)
    if need > out.size:
        return -need
    brand_json, brand_off = view(tables, 0, np.uint8), view(tables, 1, np.int64)
    seg_json, seg_off = view(tables, 2, np.uint8), view(tables, 3, np.int64)
    seg_second, seg_min_kop = view(tables, 4, np.int64), view(tables, 5, np.int64)
    stale_after = view(tables, 6, np.float64)[0]
    k = _piece(out, 0, P_ARTICLE)
    k = _escaped(out, k, article, 0, len(article))
    k = _piece(out, k, P_BRAND)
    k = _escaped(out, k, brand, 0, len(brand))
    k = _piece(out, k, P_COMMA)
    head = view(plan, 5, np.uint8)
    k = _copy(out, k, head, 0, head.size)
    k = _piece(out, k, P_BLOCKS)
    j = 1
    for b in range(3):
        shown, total = table[0, H_SHOWN + b], table[0, H_TOTAL + b]
        start = 0 if b == 0 else oem_offset if b == 1 else offset
        if b:
            k = _piece(out, k, P_COMMA)
        k = _piece(out, k, P_BLOCK + b)
        k = _put_int(out, k, total)
        k = _piece(out, k, P_OFFSET)
        k = _put_int(out, k, start)
        k = _piece(out, k, P_SHOWN)
        k = _put_int(out, k, shown)
        k = _piece(out, k, P_HAS_MORE)
        k = _piece(out, k, P_TRUE if start + shown < total else P_FALSE)
        k = _piece(out, k, P_OFFERS)
        for i in range(shown):
            o = table[j]
            j += 1
            if i:
                k = _piece(out, k, P_COMMA)
            k = _piece(out, k, P_OFFER + b)
            if o[BRAND] < 0:
                k = _escaped(out, k, brand, 0, len(brand))
            else:
                k = _copy(out, k, brand_json, brand_off[o[BRAND]], brand_off[o[BRAND] + 1])
            s = o[SEG]
            for column in range(2):
                k = _piece(out, k, P_O_ARTICLE if column == 0 else P_O_DESCRIPTION)
                lo, hi = _text_bounds(texts, s, column, o[ROW])
                k = _escaped(out, k, address_view(texts[s, 4 * column + 2] + lo, hi - lo,
                                                  np.uint8), 0, hi - lo)
            k = _piece(out, k, P_COMMA)
            k = _copy(out, k, seg_json, seg_off[3 * s], seg_off[3 * s + 1])
            k = _piece(out, k, P_O_QUANTITY)
            k = _piece(out, k, P_NULL) if o[QUANTITY] < 0 else _put_int(out, k, o[QUANTITY])
            k = _piece(out, k, P_O_EXACT)
            k = _piece(out, k, P_TRUE if o[EXACT] == 1 else P_FALSE)
            k = _piece(out, k, P_O_ON_ORDER)
            k = _piece(out, k, P_TRUE if o[ON_ORDER] == 1 else P_FALSE)
            k = _piece(out, k, P_O_MULTIPLICITY)
            k = _put_int(out, k, o[MULTIPLICITY])
            k = _piece(out, k, P_O_MIN_QUANTITY)
            k = _put_int(out, k, o[MIN_QUANTITY])
            k = _piece(out, k, P_O_DELIVERY)
            k = _put_int(out, k, o[DELIVERY])
            k = _piece(out, k, P_O_DELIVERY_MAX)
            k = _piece(out, k, P_NULL) if o[DELIVERY_MAX] < 0 else \
                _put_int(out, k, o[DELIVERY_MAX])
            k = _piece(out, k, P_O_PRICE)
            k = _put_money(out, k, o[SELL])
            k = _piece(out, k, P_O_SUPPLIER_PRICE)
            if supplier_price:
                k = _piece(out, k, P_QUOTE)
                k = _put_money(out, k, o[PRICE])
                k = _piece(out, k, P_QUOTE)
            else:
                k = _piece(out, k, P_NULL)
            k = _piece(out, k, P_O_BELOW)
            k = _piece(out, k, P_TRUE if _below_min_order(o[PRICE], seg_min_kop[s],
                                                          o[MULTIPLICITY], o[MIN_QUANTITY])
                       else P_FALSE)
            k = _piece(out, k, P_O_FILE_TIME)
            k = _copy(out, k, seg_json, seg_off[3 * s + 1], seg_off[3 * s + 2])
            k = _piece(out, k, P_O_AGE)
            stale = False
            if seg_second[s] == NO_TIME:
                k = _piece(out, k, P_NULL)
            else:
                tenths = _age_tenths(second, seg_second[s])
                k = _put_tenths(out, k, tenths)
                stale = tenths / 10 > stale_after
            k = _piece(out, k, P_O_STALE)
            k = _piece(out, k, P_TRUE if stale else P_FALSE)
            k = _piece(out, k, P_O_ACCURACY)
            k = _copy(out, k, seg_json, seg_off[3 * s + 2], seg_off[3 * s + 3])
            k = _piece(out, k, P_O_HOPS)
            k = _put_int(out, k, o[HOPS])
            k = _piece(out, k, P_O_SUPPORT)
            k = _put_int(out, k, o[SUPPORT])
            k = _piece(out, k, P_O_HASH)
            k = _put_digits(out, k, np.uint64(o[HASH]), 1)
            k = _piece(out, k, P_O_END)
        k = _piece(out, k, P_BLOCK_END)
    k = _piece(out, k, P_BLOCKS_END)
    return _piece(out, k, P_TAIL)


@njit(cache=True, nogil=True)
def _json_size(table: np.ndarray, texts: np.ndarray, brand: Any, article: Any,
               plan: np.ndarray, tables: np.ndarray) -> int:
    """At least the bytes :func:`usual_json` writes for ``table`` (a text may grow sixfold
    escaped; numba does not check the bounds of the writes)."""
    brand_off, seg_off = view(tables, 1, np.int64), view(tables, 3, np.int64)
    total: int = 6 * (len(brand) + len(article)) + view(plan, 5, np.uint8).size + 30 * \
        _LONGEST_PIECE + 200
    for j in range(1, table.shape[0]):
        total += _OFFER_FIXED + 6 * len(brand)
        b, s = table[j, BRAND], table[j, SEG]
        if b >= 0:
            total += brand_off[b + 1] - brand_off[b]
        total += seg_off[3 * s + 3] - seg_off[3 * s]
        for column in range(2):
            lo, hi = _text_bounds(texts, s, column, table[j, ROW])
            total += 6 * int(hi - lo)
    return total


@njit(cache=True, nogil=True, inline="always")
def _copy(out: np.ndarray, k: int, src: Any, lo: int, hi: int) -> int:
    copy_bytes(out, k, src, lo, hi - lo)
    return k + hi - lo


@njit(cache=True, nogil=True, inline="always")
def _piece(out: np.ndarray, k: int, piece: int) -> int:
    return _copy(out, k, _PIECE_BYTES, _PIECE_OFF[piece], _PIECE_OFF[piece + 1])


_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8).copy()
# the escapes json.dumps writes for these control characters; the others as \u00XX
_SHORT = np.zeros(32, dtype=np.uint8)
for _code, _letter in ((8, "b"), (9, "t"), (10, "n"), (12, "f"), (13, "r")):
    _SHORT[_code] = ord(_letter)


@njit(cache=True, nogil=True)
def _escaped(out: np.ndarray, k: int, src: Any, lo: int, hi: int) -> int:
    """UTF-8 bytes ``src[lo:hi]`` as a JSON string, escaped as ``json.dumps(...,
    ensure_ascii=False)`` escapes: quote, backslash and control characters, nothing else. The
    runs between escapes are copied whole."""
    out[k] = 34
    k += 1
    run = lo
    for i in range(lo, hi):
        c = src[i]
        if c >= 32 and c != 34 and c != 92:
            continue
        k = _copy(out, k, src, run, i)
        run = i + 1
        out[k] = 92
        if c >= 32:  # quote or backslash
            out[k + 1] = c
            k += 2
        elif _SHORT[c]:
            out[k + 1] = _SHORT[c]
            k += 2
        else:
            out[k + 1] = 117  # "u00"
            out[k + 2] = 48
            out[k + 3] = 48
            out[k + 4] = _HEX[c >> 4]
            out[k + 5] = _HEX[c & 15]
            k += 6
    k = _copy(out, k, src, run, hi)
    out[k] = 34
    return k + 1


@njit(cache=True, nogil=True, inline="always")
def _put_int(out: np.ndarray, k: int, value: int) -> int:
    if value < 0:
        out[k] = 45  # "-"
        return _put_digits(out, k + 1, np.uint64(-value), 1)
    return _put_digits(out, k, np.uint64(value), 1)


@njit(cache=True, nogil=True, inline="always")
def _put_tenths(out: np.ndarray, k: int, tenths: int) -> int:
    """``tenths / 10`` as Python's ``repr`` writes it ("-1.5", "0.0", "12.3")."""
    if tenths < 0:
        out[k] = 45
        k += 1
        tenths = -tenths
    k = _put_digits(out, k, np.uint64(tenths // 10), 1)
    out[k] = 46  # "."
    out[k + 1] = 48 + tenths % 10
    return k + 2

