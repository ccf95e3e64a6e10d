"""Live search: the file-based result at once, online suppliers' answers merged as they come.

An online offer is placed by its part: the searched part goes to ``requested``; a part of the
searched part's class goes to its usual block; a part our cross index does not link is the
supplier's own cross and goes to ``analogs`` tagged ``supplier_cross`` (and is listed in
``result.supplier_crosses`` so a manager can check it and search it directly). Arriving offers
are appended after what is already shown, so nothing a buyer sees moves.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import numpy as np

from partsearch.result import Block, Offer, SearchResult, SupplierCrossPart
from partsearch.search._store import money

if TYPE_CHECKING:
    from partsearch.online import LiveOffer, SupplierOutcome
    from partsearch.search.engine import Engine


async def iter_live(engine: Engine, article: str, brand: str | None, *,
                    deadline_s: float | None = None, **options: Any
                    ) -> AsyncIterator[SearchResult]:
    """The file-based result first, then the result again each time an online supplier's
    outcome arrives (answered, timed out, failed or skipped); the last one is final."""
    from contextlib import aclosing

    result = engine.search(article, brand, **options)
    yield result
    state = engine._state
    if result.status != "ok" or not any(p.api for p in state.profiles.values()):
        return
    live = engine._live_suppliers()
    placer = _Placer(engine, result)
    outcomes: list[SupplierOutcome] = []
    # (the article as read: a query naming its brand beside it is asked as that brand's)
    async with aclosing(live.ask(result.article, result.brand, deadline_s=deadline_s)) as stream:
        async for outcome in stream:
            outcomes.append(outcome)
            if outcome.status == "answered" and outcome.offers:
                result = placer.add(result, outcome.offers)
            result = result._replace(online=tuple(outcomes))
            yield result


async def search_live(engine: Engine, article: str, brand: str | None, *,
                      deadline_s: float | None = None,
                      on_update: Callable[[SearchResult], Any] | None = None,
                      **options: Any) -> SearchResult:
    result: SearchResult | None = None
    first = True
    async for result in iter_live(engine, article, brand, deadline_s=deadline_s, **options):
        if on_update is not None and not first:
            on_update(result)
        first = False
    assert result is not None
    return result


class _Placer:
    """Knows the searched part and its class; turns online offers into placed offers."""

    def __init__(self, engine: Engine, result: SearchResult):
        from partsearch._hashing import part_hash
        from partsearch.normalize import article_key

        state = engine._state
        self.state = state
        self.level = state.config.levels[result.level]
        self.show_supplier_price = any(o.supplier_price is not None for b in result.blocks
                                       for o in b.offers)
        brand = result.brand or ""
        self.searched = part_hash(brand, article_key(result.article))
        self.searched_oem = state.registry.is_oem(brand)
        self.hops: dict[int, tuple[int, int]] = {}
        idx = state.index
        if idx is not None:
            pid = idx.lookup_hashes(np.array([self.searched], dtype=np.uint64))[0]
            if pid >= 0:
                nb = idx.neighbors(int(pid))
                for h, hop, sup in zip(idx.hashes(nb.ids).tolist(), nb.hops.tolist(),
                                       nb.support.tolist(), strict=True):
                    self.hops[int(h)] = (hop, sup)

    def add(self, result: SearchResult, offers: tuple[LiveOffer, ...]) -> SearchResult:
        from partsearch._hashing import part_hash

        placed: dict[str, list[Offer]] = {"requested": [], "oem_replacements": [], "analogs": []}
        crosses: list[SupplierCrossPart] = list(result.supplier_crosses)
        for lo in sorted(offers, key=lambda o: (o.delivery_hours, o.price)):
            h = part_hash(lo.brand, lo.article_key)
            if h == self.searched:
                block, why, hop, sup = "requested", "requested", 0, 0
            elif h in self.hops:
                hop, sup = self.hops[h]
                oem = self.searched_oem and self.state.registry.is_oem(lo.brand)
                block, why = ("oem_replacements", "oem_replacement") if oem else \
                    ("analogs", "analog")
            else:
                block, why, hop, sup = "analogs", "supplier_cross", -1, 0
                part = SupplierCrossPart(lo.supplier, lo.brand, lo.article)
                if part not in crosses:
                    crosses.append(part)
            placed[block].append(self._offer(lo, block, why, hop, sup, h))
        blocks = {}
        for b in result.blocks:
            extra = tuple(placed[b.name])
            blocks[b.name] = Block(b.name, b.offers + extra, b.total + len(extra), b.offset)
        return result._replace(requested=blocks["requested"],
                                   oem_replacements=blocks["oem_replacements"],
                                   analogs=blocks["analogs"], supplier_crosses=tuple(crosses))

    def _offer(self, lo: LiveOffer, block: str, why: str, hops: int, support: int,
               h: int) -> Offer:
        profile = self.state.profiles.get(lo.supplier)
        kop = int((lo.price * 100).to_integral_value())
        sell = int(self.level.apply(np.array([kop]), np.array([lo.supplier], dtype=object),
                                    np.array([lo.brand], dtype=object))[0])
        min_sum = Decimal(profile.min_order_sum) if profile else Decimal(0)
        updated = lo.updated
        return Offer(
            block=block, why=why, brand=lo.brand, article=lo.article,
            description=lo.description, supplier=lo.supplier,
            pickup_points=tuple(profile.pickup_points) if profile else (),
            min_order_sum=str(min_sum.quantize(Decimal("0.01"))), returnable=lo.returnable,
            prepayment=bool(profile.prepayment) if profile else False,
            restrictions=profile.restrictions if profile else None, quantity=lo.quantity,
            quantity_exact=lo.quantity_exact, on_order=lo.on_order,
            multiplicity=lo.multiplicity, min_quantity=1, delivery_hours=lo.delivery_hours,
            delivery_hours_max=lo.delivery_hours_max,
            price=money(sell), supplier_price=money(kop) if self.show_supplier_price else None,
            below_min_order=lo.price < min_sum,
            price_file_time=updated or datetime.now(UTC).isoformat(timespec="seconds"),
            age_hours=0.0, stale=False,
            stock_accuracy=float(lo.probability if lo.probability is not None else
                                 (profile.stock_accuracy if profile else 1.0)),
            hops=hops, support=support, part_hash=str(h),
        )


