"""One search: find the part and its class, gather the candidate offers, rank them into blocks.

The candidates of a search are a few arrays (one entry per offer of the part and of its class);
filtering, pricing and ordering work on them with numpy, and only the offers a block shows become
:class:`~partsearch.result.Offer` values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import numpy as np

from partsearch.ranking.order import DEFAULT_SORT, Filters, filter_mask, order, requested_shown
from partsearch.result import Block, BrandChoice, Offer, SearchResult
from partsearch.search._store import age_hours

_EMPTY_I = np.zeros(0, np.int64)


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


def answer(state: Any, q: Query, brand: str, key: str) -> SearchResult:
    from partsearch._hashing import part_hash
    from partsearch.normalize import article_key

    reg = state.registry
    if reg.keeps_cyrillic(brand):
        key = article_key(q.article, keep_cyrillic=True)
    h = part_hash(brand, key)
    idx = state.index
    pid = None
    if idx is not None:
        found = idx.lookup_hashes(np.array([h], dtype=np.uint64))[0]
        pid = None if found < 0 else int(found)
    if pid is None and state.store.count(h) == 0:
        return _not_found(state, q, brand)
    # candidate parts: the requested one, then its class nearest first
    part_hashes = np.array([h], dtype=np.uint64)
    hops = np.zeros(1, np.int32)
    support = np.zeros(1, np.int32)
    ids = np.full(1, -1 if pid is None else pid, np.int64)
    if pid is not None:
        nb = idx.neighbors(pid)
        if nb.ids.size:
            part_hashes = np.concatenate([part_hashes, idx.hashes(nb.ids)])
            hops = np.concatenate([hops, nb.hops])
            support = np.concatenate([support, nb.support])
            ids = np.concatenate([ids, nb.ids])
    rows, which = state.store.rows_for(part_hashes)
    part_brand = [brand] + ([idx.brand(int(i)) for i in ids[1:]] if ids.size > 1 else [])
    cands = _candidates(state, q, rows, which, np.array(part_brand, dtype=object), hops, support)
    searched_oem = reg.is_oem(brand)
    is_oem = np.array([reg.is_oem(b) for b in part_brand], dtype=bool)[which] if which.size \
        else np.zeros(0, bool)
    block_of = np.where(which == 0, 0, np.where(searched_oem & is_oem, 1, 2))
    keep = filter_mask(cands, q.filters, state.config.popular_brands, _pickup(state))
    blocks = []
    for b, name in enumerate(("requested", "oem_replacements", "analogs")):
        sel = np.flatnonzero(keep & (block_of == b))
        sub = {k: v[sel] for k, v in cands.items()}
        ordered = sel[order(sub, q.sort, by_distance=b > 0)] if sel.size else _EMPTY_I
        offset = 0
        if b == 0:
            shown = ordered if q.show_all else \
                requested_shown({k: v for k, v in cands.items()}, ordered, q.sort)
        else:
            offset = q.analogs_offset
            shown = ordered[offset: offset + q.analogs_limit]
        offers = _materialize(state, q, cands, shown, name, ids, which)
        blocks.append(Block(name, offers, int(sel.size), offset))
    return SearchResult(q.article, brand, "ok", q.level, q.sort, blocks[0], blocks[1], blocks[2],
                        filters=q.filters.items())


def _candidates(state: Any, q: Query, rows: np.ndarray, which: np.ndarray,
                part_brand: np.ndarray, hops: np.ndarray, support: np.ndarray
                ) -> dict[str, np.ndarray]:
    store = state.store
    codes = np.array([s.supplier for s in store.segments] or [""], dtype=object)
    seg = store.seg[rows]
    supplier = codes[seg]
    brand = part_brand[which] if which.size else np.zeros(0, object)
    level = state.config.levels[q.level]
    price = store.price[rows]
    return {
        "row": store.row[rows], "seg": seg, "supplier": supplier, "brand": brand,
        "supplier_price": price, "price": level.apply(price, supplier, brand),
        "delivery_hours": store.delivery[rows], "quantity": store.quantity[rows],
        "quantity_exact": store.exact[rows], "hops": hops[which], "support": support[which],
        "which": which, "merged": rows,
        # text sort keys are read only when a text sort is asked for
        **(_text_keys(store, seg, store.row[rows]) if q.sort[0] in
           ("code", "description", "note") else {}),
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


def _pickup(state: Any) -> dict[str, frozenset[str]]:
    out = {s.supplier: frozenset(s.terms.get("pickup_points") or ()) for s in
           state.store.segments}
    out.update({c: frozenset(p.pickup_points) for c, p in state.profiles.items()})
    return out


def _money(kop: int) -> str:
    return str(Decimal(int(kop)) / 100)


def _materialize(state: Any, q: Query, c: dict[str, np.ndarray], shown: np.ndarray,
                 block: str, ids: np.ndarray, which: np.ndarray) -> tuple[Offer, ...]:
    if shown.size == 0:
        return ()
    store = state.store
    why = {"requested": "requested", "oem_replacements": "oem_replacement",
           "analogs": "analog"}[block]
    texts: dict[int, tuple[list[Any], list[Any]]] = {}
    seg = c["seg"][shown]
    rows = c["row"][shown]
    for s in np.unique(seg):
        segment = store.segments[int(s)]
        take = rows[seg == s]
        texts[int(s)] = (segment.text["article"].take(take).to_pylist(),
                         segment.text["description"].take(take).to_pylist())
    cursor = {s: 0 for s in texts}
    stale_limit = state.config.stale_after_hours
    out = []
    for i in shown.tolist():
        s = int(c["seg"][i])
        segment = store.segments[s]
        k = cursor[s]
        cursor[s] = k + 1
        article, description = texts[s][0][k], texts[s][1][k]
        terms = segment.terms
        merged = int(c["merged"][i])
        age = age_hours(segment.file_time, q.now)
        min_sum = terms.get("min_order_sum")
        min_sum_kop = int(min_sum * 100) if min_sum is not None else 0
        qty = int(c["quantity"][i])
        out.append(Offer(
            block=block, why=why, brand=str(c["brand"][i]), article=article,
            description=description or "", supplier=segment.supplier,
            pickup_points=tuple(terms.get("pickup_points") or ()),
            min_order_sum=_money(min_sum_kop), returnable=bool(terms.get("returnable", True)),
            prepayment=bool(terms.get("prepayment", False)),
            restrictions=terms.get("restrictions"), quantity=None if qty < 0 else qty,
            quantity_exact=bool(c["quantity_exact"][i]), on_order=bool(store.on_order[merged]),
            multiplicity=int(store.multiplicity[merged]),
            min_quantity=int(store.min_quantity[merged]),
            delivery_hours=int(c["delivery_hours"][i]), price=_money(c["price"][i]),
            supplier_price=_money(c["supplier_price"][i]) if q.supplier_price else None,
            below_min_order=bool(c["supplier_price"][i] < min_sum_kop),
            price_file_time=segment.file_time.isoformat() if segment.file_time else None,
            age_hours=age, stale=age is not None and age > stale_limit,
            stock_accuracy=float(terms.get("stock_accuracy", 1.0)),
            hops=int(c["hops"][i]), support=int(c["support"][i]),
            part_hash=str(int(store.hash[merged])),
        ))
    return tuple(out)


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
