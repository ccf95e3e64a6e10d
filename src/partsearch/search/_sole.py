"""The one brand that has an article, for a search without a brand, in one compiled call.

A search typed without a brand first asks which brands have the article; most articles belong
to one brand, and the answer is then that brand's search. :func:`_blocks.brand_choices` answers
the general question with offer counts and the registry's descriptions, a Python step per
candidate part (~11 us a search); the brand choice those feed is shown only when two or more
brands (or none) have the article. :func:`sole_brand` answers "exactly one, and which" from the
same two article indexes (the cross index's and the offer store's), with the same checks:
the brands of an article are its distinct part hashes, since a part hash is its brand's and
its article key's, and a brand files an article under one key form.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from partsearch._hash_kernels import one_pair, one_single
from partsearch._jit import njit
from partsearch.crosses._kernels import equal_range
from partsearch.normalize import _key_forms, article_key
from partsearch.search._addresses import Addresses, address_view, view
from partsearch.search._kernels import _text_bounds, compare_bytes, store_segment
from partsearch.search._store import TEXT_COLUMNS

_KEY_COLUMN = TEXT_COLUMNS.index("article_key")

# the arrays sole_part reads, in its address table's order (article_tables): the cross index's
# article hashes and the part of each, every part's hash and brand number, the brand names
# (UTF-8, joined) and their offsets; the offer store's article hashes, segment and row of
# each and segment map of its base (``_store.Level``), then of its delta, and the address of
# each segment's part hash column
ARTICLE_DTYPES = (np.uint64, np.int32, np.uint64, np.uint16, np.uint8, np.int64,
                  np.uint64, np.int32, np.int64, np.int32, np.uint64, np.int32, np.int64,
                  np.int32, np.int64)


def article_tables(index: Any, store: Any) -> Addresses:
    """The address table of :data:`ARTICLE_DTYPES` for a catalog state. The segments' part hash
    columns are read through their addresses: each segment keeps its column (a cached view of
    its mapped file), and the state that holds the store outlives every search."""
    if index is None:
        cross: tuple[np.ndarray, ...] = (
            np.zeros(0, np.uint64), np.zeros(0, np.int32), np.zeros(0, np.uint64),
            np.zeros(0, np.uint16), np.zeros(0, np.uint8), np.zeros(1, np.int64))
    else:
        names = [n.encode() for n in index.brand_names]
        cross = (*index.article_arrays, index.part_hash_array, index.part_brand_array,
                 np.frombuffer(b"".join(names), dtype=np.uint8).copy(),
                 np.cumsum([0] + [len(n) for n in names]).astype(np.int64))
    hashes = np.array([s.part_hash.ctypes.data for s in store.segments], dtype=np.int64)
    levels = tuple(a for lv in (store.base, store.delta)
                   for a in (lv.article_hash, lv.article_seg, lv.article_row, lv.segmap))
    return Addresses((*cross, *levels, hashes), ARTICLE_DTYPES)


def sole_brand(state: Any, article: str, folded: str | None = None) -> str | None:
    """The brand that has ``article`` (in the cross index or in offers), when exactly one
    does; None when none or several do (:func:`_blocks.brand_choices` says which). ``folded``
    is its ``article_key`` when the caller has it. Raises :class:`NormalizationError` as
    ``article_key`` does."""
    keys = _key_forms(article, article_key(article) if folded is None else folded)
    count, brand, seg, row = sole_part(keys[0].encode(), keys[-1].encode() if len(keys) > 1
                                       else b"", state.article_tables.table,
                                       state.store.text_addresses)
    if count != 1:
        return None
    if brand >= 0:
        name: str = state.index.brand_names[brand]
        return name
    return state.store.segments[seg].brand.get(row) or ""


@njit(cache=True, nogil=True)
def sole_part(folded: Any, kept: Any, arrays: np.ndarray, texts: np.ndarray
              ) -> tuple[int, int, int, int]:
    """How many parts have the article whose keys are ``folded`` and ``kept`` (UTF-8; ``kept``
    empty when the article has one key form), counting to 2; for the first found, its brand
    number (-1 when the index lacks it) and, when found in offers, the segment and row that
    name it. A part of the index counts when its brand and the key hash to its part hash (not
    another key of the same article hash, nor the folded key of an article the part's brand
    writes in Cyrillic), a part in offers when its row's article key is the key (as
    ``OfferStore.article_offers`` checks). ``arrays`` is :func:`article_tables`' table,
    ``texts`` the store's ``text_addresses``."""
    art_hash, art_order = view(arrays, 0, np.uint64), view(arrays, 1, np.int32)
    part_hash, part_brand = view(arrays, 2, np.uint64), view(arrays, 3, np.uint16)
    names, name_off = view(arrays, 4, np.uint8), view(arrays, 5, np.int64)
    seg_hash = view(arrays, 14, np.int64)
    count, first, brand, seg, row = 0, np.uint64(0), -1, -1, -1
    for form in range(2 if len(kept) else 1):
        key = folded if form == 0 else kept
        a = one_single(key)
        lo, hi = equal_range(art_hash, a)
        for j in range(lo, hi):
            pid = art_order[j]
            b = part_brand[pid]
            h = one_pair(names[name_off[b]:name_off[b + 1]], key)
            if h != part_hash[pid]:
                continue
            if count == 0:
                count, first, brand = 1, h, int(b)
            elif h != first:
                return 2, brand, seg, row
        for at in (6, 10):  # the offer store's base, then its delta
            offer_art, offer_seg = view(arrays, at, np.uint64), view(arrays, at + 1, np.int32)
            offer_row, segmap = view(arrays, at + 2, np.int64), view(arrays, at + 3, np.int32)
            lo, hi = equal_range(offer_art, a)
            for j in range(lo, hi):
                s = store_segment(segmap, offer_seg[j])
                if s < 0:
                    continue  # its file was replaced or removed
                r = offer_row[j]
                h = address_view(seg_hash[s] + 8 * r, 1, np.uint64)[0]
                if count and h == first:
                    continue  # the part counted already (mostly from the index): key unread
                start, end = _text_bounds(texts, s, _KEY_COLUMN, r)
                if end - start != len(key):
                    continue
                text = address_view(texts[s, 4 * _KEY_COLUMN + 2] + start, end - start,
                                    np.uint8)
                if compare_bytes(text, key) != 0:
                    continue
                if count == 0:
                    count, first, seg, row = 1, h, int(s), int(r)
                elif h != first:
                    return 2, brand, seg, row
    return count, brand, seg, row
