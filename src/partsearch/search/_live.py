"""Live search: the file-based result at once, online suppliers' answers merged as they come.

An online offer is placed by its part: the searched part goes to ``requested``; a part of the
searched part's class goes to its usual block; a part at the other end of a cross of the
searched part's that the guard held back goes to ``analogs`` tagged ``held_back``, as the file
search shows it; a part our cross index does not link otherwise is the
supplier's own cross and goes to ``analogs`` tagged ``supplier_cross`` (and is listed in
``result.supplier_crosses`` so a manager can check it and search it directly). Arriving offers
are appended after what is already shown, so nothing a buyer sees moves; one answer's offers
come among themselves in the search's sort, by the file offers' rule.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Unpack

import numpy as np

from partsearch._hashing import part_hash
from partsearch._money import kopecks_of, price_of
from partsearch.errors import NormalizationError
from partsearch.normalize import article_key
from partsearch.result import BLOCKS, Block, Offer, SearchResult, SupplierCrossPart
from partsearch.search._json import age_tenths, below_min_order
from partsearch.search._store import money

if TYPE_CHECKING:
    from partsearch.online import LiveOffer, SupplierOutcome
    from partsearch.search._options import SearchOptions
    from partsearch.search.engine import Engine, _State


_FAR = 1 << 30  # (the distance sorted after every real one: a supplier's own cross)


def _key(article: str, keeps_cyrillic: bool, fallback: str | None) -> str:
    """An article's key as the file search keys the brand's (its Cyrillic kept or folded)."""
    if fallback is not None and not keeps_cyrillic:
        return fallback
    try:
        return article_key(article, keep_cyrillic=keeps_cyrillic)
    except NormalizationError:
        return fallback if fallback is not None else article.strip().upper()


async def iter_live(engine: Engine, article: str, brand: str | None, *,
                    deadline_s: float | None = None, **options: Unpack[SearchOptions]
                    ) -> AsyncIterator[SearchResult]:
    """The file-based result first, then the result again each time an online supplier's
    outcome arrives (answered, timed out, failed or skipped); the last one is final.

    Suppliers are asked for a brand's article: the one searched, or the one the query named
    (``MANN W 920/21``), found in files or not. A search without a brand that the files cannot
    settle (``choose_brand``, or ``not_found``) asks nobody: the buyer chooses the brand first;
    nor does one whose article or brand no supplier can be sent (``online.live.unsendable``),
    which a note says.
    """
    from contextlib import aclosing

    from partsearch.online.live import check_deadline, unsendable

    check_deadline(deadline_s)  # (before the file search: a bad request answers nothing)
    pinned = engine._pinned()
    result = pinned.search(article, brand, **options)
    state = pinned._state
    if (not result.brand or result.status == "choose_brand"
            or not any(p.api for p in state.profiles.values())):
        yield result
        return
    # a query no supplier can be sent (a lone surrogate, a 100,000-character article) is the
    # buyer's, answered from the files as the search answers it; sent, it failed each
    # supplier's request, and three such searches opened every supplier's circuit
    why = unsendable(result.article, result.brand)
    if why is not None:
        yield result._replace(notes=(*result.notes, f"online suppliers not asked: {why}"))
        return
    yield result
    live = engine._live_suppliers()
    placer = _Placer(state, result, options)
    outcomes: list[SupplierOutcome] = []
    # (the article as read: a query naming its brand beside it is asked as that brand's)
    try:
        async with aclosing(live.ask(result.article, result.brand,
                                     deadline_s=deadline_s)) as stream:
            async for outcome in stream:
                if outcome.status == "answered" and outcome.offers:
                    result = placer.add(result, outcome.offers)
                # the result reports how many offers came, not the offers: theirs are purchase
                # prices, shown (if at all) only as the placed offers' supplier_price
                outcomes.append(replace(outcome, offers=()))
                result = result._replace(online=tuple(outcomes))
                yield result
    finally:
        if engine._live is not live:
            # a reload during the search replaced the suppliers: nobody else closes this
            # loop's client of theirs (its pooled connections would be left open)
            await live.aclose()


async def search_live(engine: Engine, article: str, brand: str | None, *,
                      deadline_s: float | None = None,
                      on_update: Callable[[SearchResult], object] | None = None,
                      **options: Unpack[SearchOptions]) -> SearchResult:
    result: SearchResult | None = None
    first = True
    async for result in iter_live(engine, article, brand, deadline_s=deadline_s, **options):
        if on_update is not None and not first:
            on_update(result)
        first = False
    assert result is not None
    return result


def warm(engine: Engine) -> None:
    """Make a live search's first calls once, ahead of it, on a part of the engine's catalog
    (one with crosses, else the first): the file search and the placing of an online offer.
    The first of each in a process paid its lazy imports and numba's load of each kernel's
    cached machine code (the compiled search's, the class walk's, the ranking's: 0.05-0.15 s
    together), which a first live search spent inside its suppliers' deadline. Nothing here
    changes what a search shows; ``Engine.open``'s warm-up thread runs it."""
    from partsearch.online import LiveOffer

    state = engine._state
    idx = state.index
    code = next((p.code for p in state.profiles.values() if p.api), None)
    if idx is None or code is None or idx.n_parts == 0:
        return
    # (each part's class: lo, hi, place; of the first parts only: at 200M crosses the whole
    # table is 1.8 GB, which the warm-up would read and copy for one part)
    places = idx.search_arrays[1][:3 * 4096].reshape(-1, 3)
    linked = np.flatnonzero(places[:, 1] - places[:, 0] > 1)[:1]
    pid = int(linked[0]) if linked.size else 0
    brand, article = idx.brand(pid), idx.article(pid)
    result = engine.search(article, brand)
    offer = LiveOffer(code, brand, brand, article, idx.article_key(pid), "", Decimal(1),
                      quantity=1, quantity_exact=True)
    _Placer(state, result, {}).add(result, (offer,))


class _Placer:
    """Knows the searched part, its class and the search's options (filters, level, supplier
    price, the pages of OEM replacements and of analogs); turns online offers into placed
    offers as the file offers are."""

    def __init__(self, state: _State, result: SearchResult, options: Mapping[str, Any]):
        from partsearch.ranking.order import Filters
        from partsearch.search.engine import _canonical_filters, _page

        self.state = state
        self.level = state.config.levels[result.level]
        # brands as the file search reads them: any spelling or alias of the catalog's
        filters: Filters = options.get("filters") or Filters()
        self.filters = _canonical_filters(state, filters) if filters.brands else filters
        # each paged block's page, (offset, limit): the OEM replacements have their own, as in
        # Engine.search (the defaults and bounds of its)
        self.pages = {block: (_page(int(options.get(f"{name}_offset", 0)), 0),
                              _page(int(options.get(f"{name}_limit", 20)), 1))
                      for block, name in (("oem_replacements", "oem"), ("analogs", "analogs"))}
        self.sort = result.sort  # (as the file offers are sorted: checked by the search)
        # the search's time, the file offers' ages are as of (its ``now``, checked by the
        # search; None: the clock's, read as each answer is placed)
        now = options.get("now")
        self.second = None if now is None else int(now.timestamp() // 1)
        self.show_supplier_price = (bool(options.get("show_supplier_price"))
                                    and self.level.supplier_price)
        # the searched part keyed as the file search keys it: the catalog's brand registry
        # (its aliases) and the brand's Cyrillic setting
        brand, keeps, self.searched_oem = self._facts(result.brand or "", None)
        self.searched = part_hash(brand, _key(result.article, keeps, None))
        # the file offers of each block; the online ones accepted so far follow them, in
        # arrival order (so a page of analogs shows the online ones that fall on it)
        self.file_total = {b.name: b.total for b in result.blocks}
        self.online = dict.fromkeys(BLOCKS, 0)
        self.hops: dict[int, tuple[int, int]] = {}
        self.held: dict[int, int] = {}  # held-back partner's hash -> the cross's sources
        idx = state.index
        if idx is not None:
            pid = idx.lookup_hashes(np.array([self.searched], dtype=np.uint64))[0]
            if pid >= 0:
                nb = idx.neighbors(int(pid))
                for h, hop, sup in zip(idx.hashes(nb.ids).tolist(), nb.hops.tolist(),
                                       nb.support.tolist(), strict=True):
                    self.hops[int(h)] = (hop, sup)
                # the parts of its crosses the guard held back: analogs as the file search
                # shows them (``_blocks._with_held``), not a supplier's own cross
                if int(pid) in state.held_parts:
                    partners, sources = idx.held_partners(int(pid))
                    for h, sup in zip(idx.hashes(partners).tolist(), sources.tolist(),
                                      strict=True):
                        self.held.setdefault(int(h), sup)

    def _facts(self, spelling: str, fallback: str | None) -> tuple[str, bool, bool]:
        """(canonical brand, keeps Cyrillic, is OEM) by the catalog's registry."""
        try:
            return self.state.registry.facts(spelling)
        except NormalizationError:
            brand = fallback if fallback is not None else spelling
            return brand, False, self.state.registry.is_oem(brand)

    def _passing(self, offers: list[LiveOffer], brands: list[str]) -> list[bool]:
        """Which of ``offers`` (of ``brands``, canonical) pass the search's filters: the file
        offers' own rule, ``ranking.order.filter_mask``."""
        from partsearch.ranking.order import filter_mask

        columns = {
            "price": np.array([lo.price for lo in offers], dtype=object),
            "brand": np.array(brands, dtype=object),
            "delivery_hours": np.array([lo.delivery_hours for lo in offers], dtype=np.int64),
            "quantity": np.array([lo.quantity or 0 for lo in offers], dtype=np.int64),
            "supplier": np.array([lo.supplier for lo in offers], dtype=object)}
        keep: list[bool] = filter_mask(columns, self.filters, self.state.config.popular_brands,
                                       self.state.pickup).tolist()
        return keep

    def _order(self, kept: list[tuple[LiveOffer, str, str, str, int, int, int, str]],
               sells: np.ndarray) -> list[int]:
        """The kept offers of one answer in the search's sort, by the file offers' own rule
        (``ranking.order.order``, sell prices, nearer analogs first under the default sort);
        ties keep the supplier's order."""
        from partsearch.ranking.order import order

        n = len(kept)
        profile = self.state.profiles.get(kept[0][0].supplier) if kept else None
        columns = {
            "row": np.arange(n, dtype=np.int64), "seg": np.zeros(n, dtype=np.int64),
            "price": sells, "delivery_hours": np.array([k[0].delivery_hours for k in kept],
                                                        dtype=np.int64),
            # a supplier's own cross has no distance in our index, and a held-back one is
            # none of the class's: after every linked part
            "hops": np.array([_FAR if k[4] < 0 or k[3] == "held_back" else k[4]
                              for k in kept], dtype=np.int64),
            "support": np.array([k[5] for k in kept], dtype=np.int64),
            "article_key": np.array([k[7] for k in kept], dtype=object),
            "description": np.array([k[0].description for k in kept], dtype=object),
            "restrictions": np.array([(profile.restrictions if profile else None) or ""] * n,
                                     dtype=object),
            "quantity": np.array([-1 if k[0].quantity is None else k[0].quantity
                                  for k in kept], dtype=np.int64)}
        ordered: list[int] = order(columns, self.sort, by_distance=True).tolist()
        return ordered

    def add(self, result: SearchResult, offers: tuple[LiveOffer, ...]) -> SearchResult:
        placed: dict[str, list[Offer]] = {name: [] for name in BLOCKS}
        crosses: list[SupplierCrossPart] = list(result.supplier_crosses)
        kept: list[tuple[LiveOffer, str, str, str, int, int, int, str]] = []
        facts = [self._facts(lo.brand_raw, lo.brand) for lo in offers]
        passing = self._passing(list(offers), [brand for brand, _, _ in facts])
        for lo, (brand, keeps, oem_brand), ok in zip(offers, facts, passing, strict=True):
            if not ok:
                continue
            key = _key(lo.article, keeps, lo.article_key)
            h = part_hash(brand, key)
            if h == self.searched:
                block, why, hop, sup = "requested", "requested", 0, 0
            elif h in self.hops:
                hop, sup = self.hops[h]
                block, why = ("oem_replacements", "oem_replacement") \
                    if self.searched_oem and oem_brand else ("analogs", "analog")
            elif h in self.held:
                block, why, hop, sup = "analogs", "held_back", 1, self.held[h]
            else:
                block, why, hop, sup = "analogs", "supplier_cross", -1, 0
                part = SupplierCrossPart(lo.supplier, brand, lo.article)
                if part not in crosses:
                    crosses.append(part)
            kept.append((lo, brand, block, why, hop, sup, h, key))
        if not kept:
            return result._replace(supplier_crosses=tuple(crosses))
        # one call of the level's rules for the whole answer
        # (in the library's own decimal context, never the caller's: one of 6 digits rounded
        # 99999.99, and one trapping Inexact failed the search)
        kops = np.array([kopecks_of(k[0].price) for k in kept], np.int64)
        sells = self.level.apply(kops, np.array([k[0].supplier for k in kept], dtype=object),
                                 np.array([k[1] for k in kept], dtype=object))
        for i in self._order(kept, sells):
            lo, brand, block, why, hop, sup, h, _ = kept[i]
            kop, sell = int(kops[i]), int(sells[i])
            place = self.file_total[block] + self.online[block]
            self.online[block] += 1
            # requested shows every online offer of the part; the other blocks come in pages
            if block == "requested" or \
                    self.pages[block][0] <= place < self.pages[block][0] + self.pages[block][1]:
                placed[block].append(self._offer(lo, brand, block, why, hop, sup, h, kop,
                                                 sell))
        # (each paged block at its page's offset: a not_found result's empty blocks say 0)
        blocks = {b.name: Block(b.name, b.offers + tuple(placed[b.name]),
                                self.file_total[b.name] + self.online[b.name],
                                self.pages[b.name][0] if b.name in self.pages else b.offset)
                  for b in result.blocks}
        result = result._replace(requested=blocks["requested"],
                                 oem_replacements=blocks["oem_replacements"],
                                 analogs=blocks["analogs"], supplier_crosses=tuple(crosses))
        if result.status == "not_found":  # a part the files lack, found online
            result = result._replace(status="ok", brands=(), suggestions=())
        return result

    def _updated(self, updated: str | None) -> tuple[str | None, float | None, bool]:
        """An online offer's ``price_file_time``, ``age_hours`` and ``stale`` as a file offer's
        (UTC ISO time; age in tenths of an hour from its whole second; stale past the catalog's
        ``stale_after_hours``): an offer without a time is as of now, one whose time is no
        ISO 8601 time has none. Ages are as of the search's ``now`` when it has one, as the
        file offers' are."""
        now = int(time.time()) if self.second is None else self.second
        if updated is None:
            return datetime.fromtimestamp(now, UTC).isoformat(), 0.0, False
        try:
            when = datetime.fromisoformat(str(updated).strip())  # (a connector's own: any)
            if when.tzinfo is None:  # (LiveOffer.updated: UTC unless it says otherwise)
                when = when.replace(tzinfo=UTC)
            when = when.astimezone(UTC).replace(microsecond=0)
        except (ValueError, OverflowError):  # (no time, or one beyond datetime's years)
            return None, None, False
        # (a supplier's clock ahead of ours is no negative age)
        age = max(age_tenths(now, int(when.timestamp())), 0) / 10
        return when.isoformat(), age, age > self.state.config.stale_after_hours

    def _offer(self, lo: LiveOffer, brand: str, block: str, why: str, hops: int, support: int,
               h: int, kop: int, sell: int) -> Offer:
        profile = self.state.profiles.get(lo.supplier)
        min_kop = kopecks_of(Decimal(profile.min_order_sum)) if profile else 0
        file_time, age, stale = self._updated(lo.updated)
        return Offer(
            block=block, why=why, brand=brand, article=lo.article,
            description=lo.description, supplier=lo.supplier,
            pickup_points=tuple(profile.pickup_points) if profile else (),
            min_order_sum=str(price_of(min_kop)),
            # an item may forbid its return (ABCP's noReturn), never allow one the supplier's
            # terms forbid: a profile's returnable = false was shown as returnable
            returnable=lo.returnable and (profile is None or bool(profile.returnable)),
            prepayment=bool(profile.prepayment) if profile else False,
            restrictions=profile.restrictions if profile else None, quantity=lo.quantity,
            quantity_exact=lo.quantity_exact, on_order=lo.on_order,
            multiplicity=lo.multiplicity, min_quantity=1, delivery_hours=lo.delivery_hours,
            delivery_hours_max=lo.delivery_hours_max,
            price=money(sell), supplier_price=money(kop) if self.show_supplier_price else None,
            # (as a file offer's: the smallest lot at the supplier price; an online item
            # states no minimum quantity)
            below_min_order=below_min_order(kop, min_kop, lo.multiplicity, 1),
            price_file_time=file_time, age_hours=age, stale=stale,
            stock_accuracy=float(lo.probability if lo.probability is not None else
                                 (profile.stock_accuracy if profile else 1.0)),
            hops=hops, support=support, part_hash=str(h),
        )


