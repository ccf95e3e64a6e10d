"""One search: find the part and its class, gather the candidate offers, rank them into blocks.

The candidates of a search are a few arrays (one entry per offer of the part and of its class);
filtering, pricing and ordering work on them with numpy, and only the offers a block shows become
:class:`~partsearch.result.Offer` values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from partsearch._hashing import part_hash
from partsearch.normalize import article_key
from partsearch.ranking import _fast
from partsearch.ranking.order import DEFAULT_SORT, Filters, filter_mask, order, requested_shown
from partsearch.result import Block, BrandChoice, Offer, SearchResult
from partsearch.search import _kernels
from partsearch.search._store import money

# numba's dispatcher type does not carry the compiled kernel's signature
class_offers: Any = _kernels.class_offers
default_blocks: Any = _fast.default_blocks


@dataclass(frozen=True)
class Query:
    article: str
    brand: str | None
    level: str
    sort: tuple[str, bool]
    filters: Filters
    show_all: bool
    analogs_offset: int
    analogs_limit: int
    supplier_price: bool
    now: datetime


def empty_result(q: Query, status: str, *, brands: tuple[BrandChoice, ...] = (),
                 suggestions: tuple[str, ...] = ()) -> SearchResult:
    return SearchResult(q.article, q.brand, status, q.level, q.sort, Block("requested", (), 0),
                        Block("oem_replacements", (), 0), Block("analogs", (), 0), brands,
                        suggestions, q.filters.items())


BLOCKS = ("requested", "oem_replacements", "analogs")
_WHY = {"requested": "requested", "oem_replacements": "oem_replacement", "analogs": "analog"}


def answer(state: Any, q: Query, brand: str, key: str) -> SearchResult:
    reg = state.registry
    if reg.keeps_cyrillic(brand):
        key = article_key(q.article, keep_cyrillic=True)
    h = part_hash(brand, key)
    idx = state.index
    store = state.store
    pid = idx.lookup_hash(h) if idx is not None else None
    if pid is None and store.count(h) == 0:
        return _not_found(state, q, brand)
    # candidate parts: the requested one, then its class nearest first, with their offers
    if pid is not None:
        off, to, _eid, slot_support = idx.adjacency
        ids, hops, support, _hashes, rows, which = class_offers(
            idx.class_members(pid), pid, off, to, slot_support, idx.part_hash_array, store.hash,
            store.fence, store.present)
        # brands of the offered parts only (a class can hold thousands of parts without offers)
        oem = idx.brand_flags(ids[which], reg.is_oem) if reg.is_oem(brand) else \
            np.zeros(which.size, dtype=bool)
    else:
        ids = np.full(1, -1, np.int64)
        hops = support = np.zeros(1, np.int32)
        rows, which = store.rows_for(np.array([h], dtype=np.uint64))
        oem = np.zeros(which.size, dtype=bool)
    level = state.config.levels[q.level]
    bands = _compiled_bands(q, level)
    if bands is not None:
        shown, n_shown, totals, sell = default_blocks(
            which, hops, support, oem, rows, store.seg, store.row, store.price, store.delivery,
            *bands, q.show_all, q.analogs_offset, q.analogs_limit)
    else:
        shown, n_shown, totals, sell = _ranked(state, q, level, ids, brand, rows, which, hops,
                                               support, oem)
    part = which[shown]
    brands = idx.brands_of(ids[part]) if pid is not None else \
        np.full(shown.size, brand, dtype=object)
    offers = _materialize(state, q, rows[shown], brands, sell[shown], hops[part], support[part],
                          n_shown.tolist())
    blocks = [Block(name, offers[b], int(totals[b]), q.analogs_offset if b else 0)
              for b, name in enumerate(BLOCKS)]
    return SearchResult(q.article, brand, "ok", q.level, q.sort, blocks[0], blocks[1], blocks[2],
                        filters=q.filters.items())


def _compiled_bands(q: Query, level: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """The level's price bands when the compiled ranking can answer ``q`` (the usual search:
    default sort, no filters, prices marked up by price alone), else None."""
    if q.sort != DEFAULT_SORT or q.filters.items():
        return None
    bands: tuple[np.ndarray, np.ndarray] | None = level.bands
    return bands


def _ranked(state: Any, q: Query, level: Any, ids: np.ndarray, brand: str, rows: np.ndarray,
            which: np.ndarray, hops: np.ndarray, support: np.ndarray, oem: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Any sort, filters and level, on numpy arrays of the candidates (and the reference the
    compiled ``default_blocks`` is tested against): shown candidates block after block, shown
    and total per block, sell price per candidate."""
    cand_brand = state.index.brands_of(ids[which]) if ids[0] >= 0 else \
        np.full(which.size, brand, dtype=object)
    cands = _candidates(state, q, level, rows, which, cand_brand, hops, support)
    block_of = np.where(which == 0, 0, np.where(oem, 1, 2))
    # one sort for all blocks; distance keys are 0 for the requested part, so harmless there
    needed = ("row", "seg", "price", "delivery_hours", "support", "hops", "article_key",
              "description", "restrictions", "quantity")
    sel = np.flatnonzero(filter_mask(cands, q.filters, state.config.popular_brands,
                                     state.pickup))
    sub = {k: cands[k][sel] for k in needed if k in cands}
    ordered_all = sel[order(sub, q.sort, by_distance=True, group=block_of[sel])]
    block_sorted = block_of[ordered_all]
    shown, n_shown, totals = [], [], []
    for b in range(len(BLOCKS)):
        ordered = ordered_all[block_sorted == b]
        page = _page(q, cands["price"], ordered, b)
        shown.append(page)
        n_shown.append(page.size)
        totals.append(ordered.size)
    return (np.concatenate(shown).astype(np.int64), np.array(n_shown), np.array(totals),
            cands["price"])


def _page(q: Query, price: np.ndarray, ordered: np.ndarray, block: int) -> np.ndarray:
    """The offers a block shows."""
    if block == 0:
        if q.show_all:
            return ordered
        return requested_shown({"price": price}, ordered, q.sort)
    return ordered[q.analogs_offset: q.analogs_offset + q.analogs_limit]


def _candidates(state: Any, q: Query, level: Any, rows: np.ndarray, which: np.ndarray,
                brand: np.ndarray, hops: np.ndarray, support: np.ndarray
                ) -> dict[str, np.ndarray]:
    store = state.store
    seg, row = store.seg[rows], store.row[rows]
    supplier = store.codes[seg]
    return {
        "row": row, "seg": seg, "supplier": supplier, "brand": brand,
        "price": level.apply(store.price[rows], supplier, brand),
        "delivery_hours": store.delivery[rows], "quantity": store.quantity[rows],
        "quantity_exact": store.exact[rows], "hops": hops[which], "support": support[which],
        # text sort keys are read only when a text sort is asked for
        **(_text_keys(store, seg, row) if q.sort[0] in ("code", "description", "note")
           else {}),
    }


def _text_keys(store: Any, seg: np.ndarray, row: np.ndarray) -> dict[str, np.ndarray]:
    out = {n: np.empty(seg.size, dtype=object) for n in ("article_key", "description",
                                                          "restrictions")}
    for s in np.unique(seg):
        mask = seg == s
        segment = store.segments[int(s)]
        take = row[mask]
        for name in out:
            values = segment.table.column(name).take(take).to_pylist()
            out[name][mask] = ["" if v is None else v for v in values]
    return out


def _materialize(state: Any, q: Query, merged: np.ndarray, brand: np.ndarray,
                 price: np.ndarray, hops: np.ndarray, support: np.ndarray,
                 n_shown: list[int]) -> list[tuple[Offer, ...]]:
    """The shown offers of the three blocks as values (``n_shown`` of each, one block after
    the other): ``merged`` are their rows in the store; the rest is what the search computed
    for each (brand, sell price, hops, support). One gather per column for all blocks."""
    if merged.size == 0:
        return [(), (), ()]
    store = state.store
    stale_limit = state.config.stale_after_hours
    now_ts = q.now.timestamp()
    seg, row, qty, exact, delivery, supplier_price, on_order, multiplicity, min_quantity, \
        part_hashes = (getattr(store, name)[merged].tolist() for name in (
            "seg", "row", "quantity", "exact", "delivery", "price", "on_order", "multiplicity",
            "min_quantity", "hash"))
    brand, price, hops, support = brand.tolist(), price.tolist(), hops.tolist(), support.tolist()
    show_sp = q.supplier_price
    blocks: list[tuple[Offer, ...]] = []
    start = 0
    for name, count in zip(BLOCKS, n_shown, strict=True):
        why = _WHY[name]
        out = []
        for k in range(start, start + count):
            segment = store.segments[seg[k]]
            t = segment.terms
            file_ts = t["file_ts"]
            age = None if file_ts is None else round((now_ts - file_ts) / 3600.0, 1)
            q_k, sp, r = qty[k], supplier_price[k], row[k]
            text = segment.text
            out.append(Offer(
                name, why, brand[k], text["article"][r] or "", text["description"][r] or "",
                segment.supplier, t["pickup_points"], t["min_order_sum"], t["returnable"],
                t["prepayment"], t["restrictions"], None if q_k < 0 else q_k, exact[k],
                on_order[k], multiplicity[k], min_quantity[k], delivery[k], money(price[k]),
                money(sp) if show_sp else None, sp < t["min_order_kop"], t["file_time_iso"],
                age, age is not None and age > stale_limit, t["stock_accuracy"], hops[k],
                support[k], str(part_hashes[k]),
            ))
        start += count
        blocks.append(tuple(out))
    return blocks


def brand_choices(state: Any, article: str) -> list[BrandChoice]:
    """The brands that have ``article`` in the cross index or in offers, with offer counts."""
    from partsearch._hashing import part_hashes
    from partsearch.normalize import article_key

    key = article_key(article)
    in_index = {b for b, _ in state.index.brands_for_article(article)} if state.index else set()
    names = sorted(set(state.store.brands) | in_index)
    counts: dict[str, int] = {}
    if names:
        hashes = part_hashes(names, [key] * len(names))
        lo = np.searchsorted(state.store.hash, hashes, "left")
        hi = np.searchsorted(state.store.hash, hashes, "right")
        counts = {n: int(c) for n, c in zip(names, hi - lo, strict=True) if c}
    out = []
    for name in sorted(set(counts) | in_index):
        info = state.registry.get(name)
        out.append(BrandChoice(name, (info.description if info else "") or "",
                               counts.get(name, 0), name in in_index))
    return out


def _not_found(state: Any, q: Query, brand: str) -> SearchResult:
    """An unknown (brand, article): suggest the brands that do have the article, closest
    spelling first; failing that, registry brands close to the one typed and similar articles."""
    from rapidfuzz import fuzz, process

    from partsearch.normalize import article_key
    from partsearch.search._suggest import similar_articles

    choices = tuple(brand_choices(state, q.article))
    have = [c.brand for c in choices]
    typed = q.brand or brand
    ranked = [m[0] for m in process.extract(typed, have, scorer=fuzz.WRatio, limit=5)]
    if not ranked:
        ranked = state.registry.suggest(typed) + similar_articles(state.store,
                                                                  article_key(q.article))
    return empty_result(q, "not_found", brands=choices, suggestions=tuple(ranked))


__all__ = ["DEFAULT_SORT", "Query", "answer", "brand_choices", "empty_result"]
