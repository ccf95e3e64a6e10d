"""One search: find the part and its class, gather the candidate offers, rank them into blocks.

The candidates of a search are a few arrays (one entry per offer of the part and of its class);
filtering, pricing and ordering work on them with numpy, and only the offers a block shows become
:class:`~partsearch.result.Offer` values.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime
from time import time
from typing import Any, NamedTuple

import numpy as np

from partsearch._hashing import part_hash
from partsearch.errors import NormalizationError, SearchError
from partsearch.normalize import article_key, article_key_forms
from partsearch.ranking import _fast
from partsearch.ranking.order import (
    DEFAULT_SORT,
    SORTS,
    Filters,
    filter_mask,
    order,
    requested_shown,
)
from partsearch.result import Block, BrandChoice, Offer, SearchResult, compact_json
from partsearch.search import _json, _kernels
from partsearch.search._addresses import Addresses
from partsearch.search._store import TEXT_COLUMNS, Hits

below_min_order = _json.below_min_order
# numba's dispatcher type does not carry the compiled kernel's signature
class_members: Any = _kernels.class_members
rank_blocks: Any = _fast.rank_blocks
usual_search: Any = _kernels.usual_search
usual_json: Any = _json.usual_json
shown_table: Any = _kernels.shown_table
shown_text: Any = _kernels.shown_text
text_ranks: Any = _kernels.text_ranks


class Query(NamedTuple):
    """What a search asks for (a named tuple: it is built on every search)."""

    article: str
    brand: str | None
    level: str
    sort: tuple[str, bool]
    filters: Filters
    show_all: bool
    analogs_offset: int
    analogs_limit: int
    supplier_price: bool
    now: datetime | None  # None: the time of the search
    oem_offset: int = 0  # the OEM replacements' page (the analogs' is analogs_*)
    oem_limit: int = 20


def empty_result(q: Query, status: str, *, brands: tuple[BrandChoice, ...] = (),
                 suggestions: tuple[str, ...] = ()) -> SearchResult:
    return _new(SearchResult, (q.article, q.brand, status, q.level, q.sort, _EMPTY[0],
                               _EMPTY[1], _EMPTY[2], brands, suggestions, q.filters.items(),
                               (), (), ()))


BLOCKS = ("requested", "oem_replacements", "analogs")
_EMPTY = tuple(Block(name, (), 0) for name in BLOCKS)  # the blocks of a result without offers
_WHY = {"requested": "requested", "oem_replacements": "oem_replacement", "analogs": "analog"}


def answer(state: Any, q: Query, spelling: str, key: str, *, compiled: bool = True
           ) -> SearchResult:
    """The blocks of ``q`` for the part (brand ``spelling``, ``key``). A search of a part the
    index has whose sort, filters and level the compiled ranking knows (:func:`_compiled`) is
    one compiled call (:func:`_kernels.usual_search`); ``compiled=False`` takes the numpy path
    for every search, the reference the tests hold the compiled ones to."""
    brand, keeps_cyrillic, oem_brand = state.registry.facts(spelling)
    if keeps_cyrillic:
        key = article_key(q.article, keep_cyrillic=True)
    plan = _plan(state, q) if compiled else None
    idx = state.index
    store = state.store
    if plan is not None and (args := state.search_args) is not None:
        out_table, out_text = _SCRATCH.table, _SCRATCH.text
        while True:
            n, size = usual_search(brand.encode(), key.encode(), args.table, oem_brand,
                                   store.text_addresses, plan.arrays.table, q.show_all,
                                   q.analogs_offset, q.analogs_limit, q.oem_offset, q.oem_limit,
                                   out_table, out_text)
            if n > 0:
                break
            out_table, out_text = _SCRATCH.grow(-n, -size)  # the answer did not fit
        rows = out_table[:n].tolist()  # a list's item costs less than an array's
        pid = rows[0][_kernels.H_PART]
        # (one set lookup: the compiled search knows no held-back cross, and the 0.1% of
        # parts with one take the path below)
        if pid != _kernels.NOT_IN_INDEX and pid not in state.held_parts:
            return _result(state, q, brand, rows, out_text[:size].tobytes())
        h = rows[0][_kernels.H_HASH] & _MASK
        if pid == _kernels.NOT_IN_INDEX:
            pid = None
    else:
        h = part_hash(brand, key)
        pid = idx.lookup_hash(h) if idx is not None else None
    # candidate parts: the requested one, then its class nearest first, with their offers
    if pid is not None:
        _h, _c, class_parts, slot_off, to, slot_support, member_hash, _b = idx.search_arrays
        lo, hi, place = idx.class_place(pid)
        ids, hops, support, hashes = class_members(pid, place, lo, hi, class_parts, slot_off,
                                                   to, slot_support, member_hash)
        linked = ids.size
        if pid in state.held_parts:
            ids, hops, support, hashes = _with_held(idx, pid, ids, hops, support, hashes)
        hits = store.hits(hashes)
        # brands of the offered parts only (a class can hold thousands of parts without offers)
        oem = idx.brand_flags(ids[hits.which], state.registry.is_oem) if oem_brand else \
            np.zeros(hits.which.size, dtype=bool)
        if ids.size > linked:  # a held-back partner is an analog, never an OEM replacement
            oem &= hits.which < linked
    else:
        hits = store.hits(np.array([h], dtype=np.uint64))
        if hits.rows.size == 0:
            return _not_found(state, q, brand)
        ids = np.full(1, -1, np.int64)
        hops = support = np.zeros(1, np.int32)
        oem = np.zeros(hits.which.size, dtype=bool)
        linked = 1
    rows, which = hits.rows, hits.which
    # held-back partners rank after every linked analog under the default sort (as an online
    # supplier's own cross does, ``_live._FAR``), and show as one cross away
    far = hops
    if ids.size > linked:
        far = hops.copy()
        far[linked:] = _FAR
    rules = plan.ranking[2] if plan is not None else _fast.NO_RULES
    # (a part only in offers has its brand's name, which the rules' brand numbers may lack)
    if plan is not None and not _by_name(q.filters) and (pid is not None or not rules.size):
        ranks = text_ranks(rows, hits.seg, hits.row, store.text_addresses,
                           plan.text_column) if plan.text_column >= 0 else _NO_RANKS
        brand_of = idx.part_brand_array[ids[which]].astype(np.int64) if rules.size else \
            _fast.NO_RULES
        shown, n_shown, totals, sell = rank_blocks(
            which, far, support, oem, brand_of, rows, hits.seg, hits.row, hits.price,
            hits.delivery, hits.quantity, *plan.ranking, _NONE, ranks,
            q.show_all, q.analogs_offset, q.analogs_limit, q.oem_offset, q.oem_limit)
    else:
        shown, n_shown, totals, sell = _ranked(state, q, state.config.levels[q.level], ids,
                                               brand, hits, far, support, oem)
    part_brand = idx.part_brand_array if idx is not None else _NO_BRANDS
    table = shown_table(-1 if pid is None else pid, np.uint64(h), shown, n_shown, totals, sell,
                        rows, which, ids, hops, support, part_brand, hits.seg, hits.row,
                        hits.quantity, hits.exact, hits.delivery, hits.price, hits.on_order,
                        hits.multiplicity, hits.min_quantity, hits.hash,
                        store.text_addresses)
    text = shown_text(table, store.text_addresses)
    result = _result(state, q, brand, table.tolist(), text.tobytes())
    if ids.size > linked:
        result = _held_back(result, idx.hashes(ids[linked:]))
    return result


def _with_held(idx: Any, pid: int, ids: np.ndarray, hops: np.ndarray, support: np.ndarray,
               hashes: np.ndarray) -> tuple[np.ndarray, ...]:
    """The candidate parts of ``pid``'s search with, after its class, the parts the guard's
    held-back crosses link to it directly (hops 1, support the cross's sources): the maker's
    catalogue names them (an OE number of two filter variants), and a buyer of the OE part saw
    no analog at all. Their own classes are not added (that is the merge the guard refused),
    nor a partner already in the class (linked another way)."""
    partners, sources = idx.held_partners(pid)
    keep = ~np.isin(partners, ids)
    partners, sources = partners[keep], sources[keep]
    return (np.concatenate([ids, partners]),
            np.concatenate([hops, np.ones(partners.size, hops.dtype)]),
            np.concatenate([support, sources.astype(support.dtype)]),
            np.concatenate([hashes, idx.hashes(partners)]))


def _held_back(result: SearchResult, hashes: np.ndarray) -> SearchResult:
    """``result`` with the analogs of the parts of ``hashes`` (held-back partners) saying
    ``why="held_back"``."""
    held = {str(h) for h in hashes.tolist()}
    analogs = result.analogs
    offers = tuple(o._replace(why="held_back") if o.part_hash in held else o
                   for o in analogs.offers)
    return result._replace(analogs=analogs._replace(offers=offers))


class _Scratch(threading.local):
    """Per thread, the table and text arrays :func:`_kernels.usual_search` writes its answer
    into: an array numba returns costs over a microsecond to hand back, and an answer is
    turned into Python values at once. Grown when an answer does not fit (``show_all`` of a
    part with many offers)."""

    def __init__(self) -> None:
        self.table = np.empty((64, _kernels.COLUMNS), dtype=np.int64)
        self.text = np.empty(1 << 16, dtype=np.uint8)
        self.json = np.empty(1 << 17, dtype=np.uint8)  # usual_json's answer

    def grow(self, rows: int, size: int) -> tuple[np.ndarray, np.ndarray]:
        if rows > self.table.shape[0]:
            self.table = np.empty((max(rows, 2 * self.table.shape[0]), _kernels.COLUMNS),
                                  dtype=np.int64)
        if size > self.text.size:
            self.text = np.empty(max(size, 2 * self.text.size), dtype=np.uint8)
        return self.table, self.text

    def grow_json(self, size: int) -> np.ndarray:
        self.json = np.empty(max(size, 2 * self.json.size), dtype=np.uint8)
        return self.json


_SCRATCH = _Scratch()


def answer_json(state: Any, q: Query, spelling: str, key: str) -> bytes:
    """:func:`answer`'s result as ``SearchResult.to_json()`` bytes: written by the compiled
    search (:func:`_json.usual_json`) when :func:`answer` would take its compiled path, else
    from the values."""
    brand, keeps_cyrillic, oem_brand = state.registry.facts(spelling)
    plan = _plan(state, q)
    args = state.search_args
    try:
        article = q.article.encode()
    except UnicodeEncodeError:  # a lone surrogate: to_json writes it as "?"
        plan = None
    if plan is not None and args is not None:
        part_key = article_key(q.article, keep_cyrillic=True) if keeps_cyrillic else key
        second = _second(q)
        out = _SCRATCH.json
        while True:
            n, pid = usual_json(brand.encode(), part_key.encode(), article, args.table,
                                oem_brand, state.store.text_addresses, plan.arrays.table,
                                q.show_all, q.analogs_offset, q.analogs_limit, q.oem_offset,
                                q.oem_limit, q.supplier_price, second, state.json_tables.table,
                                out)
            if n >= 0:
                break
            out = _SCRATCH.grow_json(-n)
        # (a part with guard-held crosses: its held-back partners come from the values)
        if n and pid not in state.held_parts:
            return out[:n].tobytes()
    return answer(state, q, spelling, key).to_json()


def search_args(index: Any, store: Any, registry: Any) -> Addresses | None:
    """The arrays :func:`_kernels.usual_search` reads, as one address table: fixed for a
    catalog state, so a search passes them on as one argument. None without a cross index, or
    for a snapshot whose arrays are not the dtypes the compiled search reads (the general path
    answers then)."""
    if index is None:
        return None
    try:
        return Addresses(_kernels.search_arrays(index, store, index.brand_table(registry.is_oem)),
                         _kernels.SEARCH_DTYPES)
    except TypeError:
        return None


class _Plan(NamedTuple):
    """How the compiled ranking answers one level, sort and filters (:func:`_plan`)."""

    ranking: tuple[Any, ...]  # rank_blocks' arguments from the price bands to in_stock
    text_column: int  # :func:`_text_column`
    arrays: Addresses  # usual_search's plan: ``_kernels.plan_arrays`` as an address table


def _plan(state: Any, q: Query) -> _Plan | None:
    """The compiled search's arguments for ``q``'s level, sort and filters (:func:`_compiled`'s,
    :func:`_text_column`'s and :func:`_filter_tables`'), or None when it cannot answer them;
    remembered per catalog state (a search's Python around the compiled call is most of its
    time, and these three rarely change) by level, sort and the filters object itself, then by
    the filters' value (hashing a ``Filters`` costs ~0.5 us; a web app may build an equal one
    per request, and building a plan costs tens of microseconds). The compiled call takes
    them as one address table: numba pays for each argument it unboxes. The previous
    search's plan is checked first: a web app's searches mostly share one level, sort and
    filters, and comparing them costs less than hashing a key."""
    level, sort, filters = q.level, q.sort, q.filters
    last = state.last_plan[0]  # (level, sort, filters, plan) of the previous search
    if last[2] is filters and last[0] == level and last[1] == sort:
        plan: _Plan | None = last[3]
        return plan
    memo = state.plans
    key = (level, sort, id(filters))
    hit = memo.get(key)
    if hit is not None and hit[0] is filters:  # the memo holds the filters: the id is theirs
        plan = hit[1]
    else:
        by_value = state.plans_by_value
        value_key = (level, sort, filters)
        if value_key in by_value:
            plan = by_value[value_key]
        else:
            plan = _new_plan(state, q)
            if len(by_value) >= 256:
                by_value.clear()
            by_value[value_key] = plan
        if len(memo) >= 256:
            memo.clear()
        memo[key] = (filters, plan)
    state.last_plan[0] = (level, sort, filters, plan)  # one store: a reader sees all or none
    return plan


def _new_plan(state: Any, q: Query) -> _Plan | None:
    ranking = _compiled(state, q, state.config.levels[q.level])
    if ranking is None:
        return None
    column = _text_column(q)
    arrays = Addresses(_kernels.plan_arrays(ranking, column, *_filter_tables(state, q.filters),
                                            _json_head(q)), _kernels.PLAN_DTYPES)
    return _Plan(ranking, column, arrays)


def _json_head(q: Query) -> bytes:
    """A JSON answer's fields from "status" to "filters" (``SearchResult.to_json``'s), the same
    for every search of one level, sort and filters: the compiled JSON answer
    (``_json.usual_json``) copies them from the plan."""
    head = {"status": "ok", "level": q.level,
            "sort": {"column": q.sort[0], "descending": q.sort[1]},
            "filters": dict(q.filters.items())}
    return compact_json(head)[1:-1]


def _compiled(state: Any, q: Query, level: Any) -> tuple[Any, ...] | None:
    """``rank_blocks``' arguments from the level's price bands to ``in_stock``, when it can
    answer ``q`` (the default order or a column sort), else None. A level with supplier or
    brand rules comes as its rule table, by this catalog state's segments and brand numbers
    (its bands empty); without a cross index there are no brand numbers, and its searches
    take the numpy path."""
    sort = _fast.compiled_sort(q.sort)
    if sort is None:
        return None
    if level.bands is not None:
        (edges, factors), rules = level.bands, _fast.NO_RULES
    elif state.index is None:
        return None
    else:
        segment_of = {code: i for i, code in enumerate(state.store.codes.tolist())}
        brand_of = {name: i for i, name in enumerate(state.index.brand_names)}
        edges = factors = _fast.NO_RULES
        rules = _fast.rule_table(level, segment_of, brand_of)
    f = q.filters
    max_delivery = -1 if f.max_delivery_hours is None else f.max_delivery_hours
    return (edges, factors, rules, sort, q.sort[1], max_delivery, f.in_stock)


def _text_column(q: Query) -> int:
    """The text column (its position in ``_store.TEXT_COLUMNS``) a text sort orders by, or -1."""
    return _TEXT_SORT_COLUMN.get(q.sort[0], -1)


# the text sorts (``_fast.SORT_CODES`` from TEXT_SORT on) and the column each orders by
_TEXT_SORT_COLUMN = {sort: TEXT_COLUMNS.index(SORTS[sort]) for sort, code in
                     _fast.SORT_CODES.items() if code >= _fast.TEXT_SORT}
_NONE = np.zeros(0, dtype=bool)  # a filter table that filters nothing
_FAR = 1 << 30  # a held-back partner's distance in the ranking (``_live._FAR``)
_NO_RANKS = np.zeros(0, dtype=np.int64)  # no text sort
_NO_BRANDS = np.zeros(0, dtype=np.int32)  # part brands without a cross index


def _by_name(f: Filters) -> bool:
    """Whether ``f`` filters by brand or supplier name (the compiled call does it by table)."""
    return bool(f.brands or f.popular or f.pickup_point)


def _filter_tables(state: Any, f: Filters) -> tuple[np.ndarray, np.ndarray]:
    """(keep per brand number of the index, keep per segment of the store) for the brand,
    popular-brand and pickup-point filters; empty where a filter is off. Built once per
    filter value and catalog state: a brand table is a pass over every brand of the index."""
    if not _by_name(f):
        return _NONE, _NONE
    key = (f.brands, f.popular, f.pickup_point)
    cache = state.filter_tables
    tables: tuple[np.ndarray, np.ndarray] | None = cache.get(key)
    if tables is None:
        brand_keep = seg_keep = _NONE
        # (without a cross index there are no brand numbers: a search answers brand filters
        # on the numpy path then, by name, and the compiled call never reads this table)
        if (f.brands or f.popular) and state.index is not None:
            popular = state.config.popular_brands
            brand_keep = np.array([(not f.brands or b in f.brands) and
                                   (not f.popular or b in popular)
                                   for b in state.index.brand_names] or [False], dtype=bool)
        if f.pickup_point:
            ok = {s for s, points in state.pickup.items() if f.pickup_point in points}
            seg_keep = np.array([c in ok for c in state.store.codes], dtype=bool)
        if len(cache) >= 256:
            cache.clear()
        tables = cache[key] = (brand_keep, seg_keep)
    return tables


def _ranked(state: Any, q: Query, level: Any, ids: np.ndarray, brand: str, hits: Hits,
            hops: np.ndarray, support: np.ndarray, oem: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Any sort, filters and level, on numpy arrays of the candidates (and the reference the
    compiled ``rank_blocks`` is tested against): shown candidates block after block, shown
    and total per block, sell price per candidate."""
    which = hits.which
    cand_brand = state.index.brands_of(ids[which]) if ids[0] >= 0 else \
        np.full(which.size, brand, dtype=object)
    cands = _candidates(state, q, level, hits, cand_brand, hops, support)
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
    if block == 1:
        return ordered[q.oem_offset: q.oem_offset + q.oem_limit]
    return ordered[q.analogs_offset: q.analogs_offset + q.analogs_limit]


def _candidates(state: Any, q: Query, level: Any, hits: Hits, brand: np.ndarray,
                hops: np.ndarray, support: np.ndarray) -> dict[str, np.ndarray]:
    store, rows, which = state.store, hits.rows, hits.which
    seg, row = hits.seg[rows], hits.row[rows]
    supplier = store.codes[seg]
    return {
        "row": row, "seg": seg, "supplier": supplier, "brand": brand,
        "price": level.apply(hits.price[rows], supplier, brand),
        "delivery_hours": hits.delivery[rows], "quantity": hits.quantity[rows],
        "quantity_exact": hits.exact[rows], "hops": hops[which], "support": support[which],
        # a text sort's column is read only when that sort is asked for
        **(_text_key(store, SORTS[q.sort[0]], seg, row) if q.sort[0] in _TEXT_SORT_COLUMN
           else {}),
    }


def _text_key(store: Any, name: str, seg: np.ndarray, row: np.ndarray
              ) -> dict[str, np.ndarray]:
    """``{name: text}`` of the candidates from their supplier files (a null as "")."""
    out = np.empty(seg.size, dtype=object)
    for s in np.unique(seg):
        mask = seg == s
        values = store.segments[int(s)].table.column(name).take(row[mask]).to_pylist()
        out[mask] = ["" if v is None else v for v in values]
    return {name: out}


def _result(state: Any, q: Query, brand: str, table: list[list[int]], text: bytes
            ) -> SearchResult:
    """The result from :func:`_kernels.shown_table`'s table (the header, then a row of numbers
    per shown offer) and :func:`_kernels.shown_text`'s text; an offer's brand is its part's in
    the index (``brand`` for a part only in offers)."""
    # the header's columns (_kernels.H_*) unpacked by position, as slices cost more; another
    # layout fails the block totals of tests/search/test_search_engine.py
    _pid, _h, n0, n1, n2, t0, t1, t2, *_ = table[0]
    offers = _offers(state, q, table[1:], text, brand, (n0, n1, n2)) if len(table) > 1 else \
        _NO_OFFERS
    # SearchResult's fields in order (see Query: named tuples built without their __new__)
    return _new(SearchResult, (q.article, brand, "ok", q.level, q.sort,
                               _new(Block, ("requested", offers[0], t0, 0)),
                               _new(Block, ("oem_replacements", offers[1], t1, q.oem_offset)),
                               _new(Block, ("analogs", offers[2], t2, q.analogs_offset)),
                               (), (), q.filters.items(), (), (), ()))


_NO_OFFERS: tuple[tuple[Offer, ...], ...] = ((), (), ())
_MASK = (1 << 64) - 1  # a part hash travels as int64; its text is the unsigned value
_new = tuple.__new__  # builds an Offer without the named tuple's Python-level __new__


def _offers(state: Any, q: Query, fields: list[list[int]], text: bytes, brand: str,
            n_shown: tuple[int, int, int]) -> Sequence[tuple[Offer, ...]]:
    """The shown offers of the three blocks as values (``n_shown`` of each, one block after
    the other) from their numbers (``fields``, columns as in :mod:`._kernels`) and text (five
    values per offer, see ``_kernels.shown_text``); the terms come from the offer's segment
    (:func:`_segment_head`), the brand from the index (``brand`` for a part the index
    lacks)."""
    segments = state.store.segments
    names = state.index.brand_names if state.index is not None else []
    show_sp = q.supplier_price
    second = _second(q)
    heads = _heads(state, second)
    # one decode and one split for all the text, then each offer takes its five values
    texts = text.decode("utf-8", "surrogateescape").split(_kernels.TEXT_SEPARATOR)
    if len(texts) != 5 * len(fields) + 1:  # the separator inside a value: never valid UTF-8
        raise SearchError("a supplier file's text is not valid UTF-8: "
                          f"{sorted({segments[f[0]].supplier for f in fields})}")
    blocks: list[tuple[Offer, ...]] = []
    t = k = 0
    for name, count in zip(BLOCKS, n_shown, strict=True):
        if not count:  # (most searches show one or two of the three blocks)
            blocks.append(())
            continue
        why = _WHY[name]
        out = []
        for (seg, _row, q_k, exact, delivery, sp, on_order, mult, min_q, _h, _sell, hops, sup,
             b, longest) in fields[k:k + count]:
            head = heads.get(seg)
            if head is None:
                head = heads[seg] = _segment_head(segments[seg], second,
                                                  state.config.stale_after_hours)
            supplier, points, min_sum, returnable, prepay, notes, min_kop, file_time, age, \
                stale, accuracy = head
            # a flat tuple display in Offer's field order: a starred one costs twice as much
            out.append(_new(Offer, (name, why, brand if b < 0 else names[b], texts[t],
                                    texts[t + 1], supplier, points, min_sum, returnable, prepay,
                                    notes, None if q_k < 0 else q_k, exact == 1,
                                    on_order == 1, mult, min_q, delivery,
                                    None if longest < 0 else longest, texts[t + 2],
                                    texts[t + 3] if show_sp else None,
                                    sp < min_kop and below_min_order(sp, min_kop, mult, min_q),
                                    file_time, age, stale, accuracy, hops, sup, texts[t + 4])))
            t += 5
        k += count
        blocks.append(tuple(out))
    return blocks


def _second(q: Query) -> int:
    """The Unix second the search's time falls in: the offers' ages are as of it, in the
    values and in the JSON answer alike."""
    if q.now is None:
        return int(time())  # (the clock is past 1970: truncation is the floor, and quicker)
    return int(q.now.timestamp() // 1)


def _heads(state: Any, second: int) -> dict[int, tuple[Any, ...]]:
    """The :func:`_segment_head` s made for ``second`` so far, remembered per catalog state:
    the searches of one second share them (rounding an age alone costs about a microsecond,
    and a search shows offers of a few suppliers)."""
    memo = state.segment_heads
    heads: dict[int, tuple[Any, ...]] | None = memo.get(second)
    if heads is None:
        memo.clear()
        heads = memo[second] = {}
    return heads


def _segment_head(segment: Any, second: int, stale_limit: float) -> tuple[Any, ...]:
    """What every offer of one supplier file shows alike, for a search in ``second``: Offer's
    fields ``supplier`` to ``restrictions``, the minimum order in kopecks, then
    ``price_file_time`` to ``stock_accuracy`` (the file's age to a tenth of an hour as of that
    second)."""
    terms, min_kop, file_second, file_time, accuracy = segment.shown
    age = None if file_second is None else _json.age_tenths(second, file_second) / 10
    return (*terms, min_kop, file_time, age, age is not None and age > stale_limit, accuracy)


def brand_choices(state: Any, article: str, filters: Filters | None = None
                  ) -> list[BrandChoice]:
    """The brands that have ``article`` in the cross index or in offers, with offer counts:
    searches of the article index of each, so the cost grows with the brands that have the
    article, not with the brands a catalog holds. Under ``filters`` (their brands canonical,
    as ``engine._canonical_filters`` gives them) a brand's count is of the offers they keep:
    what the requested block of that brand's search totals under them."""
    keys = article_key_forms(article)
    in_index = {b for b, _ in state.index.brands_for_keys(keys)} if state.index else set()
    if filters is None or filters == _NO_FILTERS:
        counts = state.store.article_offers(keys)
    else:
        counts = _kept_offers(state, state.store.article_parts(keys), filters)
    out = []
    for name in sorted(set(counts) | in_index):
        info = state.registry.get(name)
        out.append(BrandChoice(name, (info.description if info else "") or "",
                               counts.get(name, 0), name in in_index))
    return out


def _kept_offers(state: Any, parts: dict[int, str], f: Filters) -> dict[str, int]:
    """How many offers of ``parts`` (part hash -> brand) each brand has that ``f`` keeps; a
    brand whose offers it all drops is 0, not left out (the article is still the brand's)."""
    hashes = np.fromiter(parts, dtype=np.uint64, count=len(parts))
    hits = state.store.hits(hashes)
    rows = hits.rows
    names = np.array(list(parts.values()) or [""], dtype=object)
    cands = {"price": hits.price[rows], "brand": names[hits.which],
             "supplier": state.store.codes[hits.seg[rows]],
             "delivery_hours": hits.delivery[rows], "quantity": hits.quantity[rows]}
    keep = filter_mask(cands, f, state.config.popular_brands, state.pickup)
    per_part = np.bincount(hits.which[keep], minlength=hashes.size).tolist()
    counts = dict.fromkeys(parts.values(), 0)
    for brand, n in zip(parts.values(), per_part, strict=True):
        counts[brand] += n
    return counts


_NO_FILTERS = Filters()


def _not_found(state: Any, q: Query, brand: str) -> SearchResult:
    """An unknown (brand, article): the brand's article as the query may have meant it, when
    the brand has that: with the brand typed in it too (``MANN W 920/21``), or as the keys
    typed read with the Latin layout (``Ц920.21``: ``W920.21``); else suggest the brands that
    do have the article, closest spelling first; failing that, registry brands close to the
    one typed and similar articles."""
    from rapidfuzz import fuzz, process

    from partsearch.search._suggest import brand_in_query, latin_layout, similar_articles

    read = brand_in_query(state, q.article)  # (each reading is shorter: the recursion ends)
    if read is not None and state.registry.canonical(read[1]) == brand:
        return answer(state, q._replace(article=read[0]), brand, article_key(read[0]))
    latin = latin_layout(q.article)
    if latin != q.article:  # (no Cyrillic letter is left in it: one step deep)
        try:
            as_latin = answer(state, q._replace(article=latin), brand, article_key(latin))
        except NormalizationError:  # (punctuation only, as those keys read)
            as_latin = None
        if as_latin is not None and as_latin.status == "ok":
            return as_latin

    choices = tuple(brand_choices(state, q.article, q.filters))
    have = [c.brand for c in choices]
    typed = q.brand or brand
    ranked = [m[0] for m in process.extract(typed, have, scorer=fuzz.WRatio, limit=5)]
    if not ranked:  # (the key as the brand writes it: a Cyrillic-keeping maker's as typed)
        key = article_key(q.article, keep_cyrillic=state.registry.keeps_cyrillic(brand))
        # brands spelled like the one typed only when it is no brand the registry knows: a
        # known one (MANN) would fill the list with its look-alikes (ACKERMANN, WEIDEMANN)
        # ahead of the articles the buyer may have meant
        near = [] if state.registry.get(typed) is not None else state.registry.suggest(typed)
        ranked = near + similar_articles(state.store, key)
    return empty_result(q, "not_found", brands=choices, suggestions=tuple(ranked))


__all__ = ["DEFAULT_SORT", "Query", "answer", "answer_json", "brand_choices", "empty_result",
           "search_args"]
