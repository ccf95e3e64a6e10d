"""The search in one compiled call (``_kernels.usual_search``, ranking by ``rank_blocks``)
against the numpy path: the same result for every part of the fixture world."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from partsearch import Engine
from partsearch.normalize import article_key
from partsearch.ranking.order import DEFAULT_SORT, Filters
from partsearch.search._blocks import Query, answer
from partsearch.search._kernels import COLUMNS, usual_search

WORLD = Path(__file__).resolve().parents[2] / "data" / "fixtures" / "world"
NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


@pytest.mark.parametrize(("sort", "filters", "show_all", "offset", "limit", "supplier_price"), [
    (DEFAULT_SORT, Filters(), False, 0, 20, False),
    (DEFAULT_SORT, Filters(), True, 3, 2, True),
    (("price", False), Filters(), False, 1, 1, False),
    (("price", True), Filters(in_stock=True), False, 0, 20, False),
    (("quantity", True), Filters(max_delivery_hours=48), True, 0, 5, False),
    (("delivery", True), Filters(in_stock=True, max_delivery_hours=30), False, 2, 3, True),
    (DEFAULT_SORT, Filters(brands=frozenset({"MANN-FILTER", "BOSCH", "VAG"})), False, 0, 20,
     False),
    (("price", False), Filters(popular=True), True, 0, 20, False),
    (("quantity", False), Filters(pickup_point="M2"), False, 0, 20, False),
    (DEFAULT_SORT, Filters(pickup_point="Г", in_stock=True), False, 1, 4, False),
    (("code", False), Filters(), False, 0, 20, False),
    (("description", True), Filters(in_stock=True), True, 1, 3, False),
    (("note", False), Filters(), False, 0, 20, True),
    (("code", True), Filters(brands=frozenset({"MANN-FILTER", "KNECHT", "VAG"})), False, 0, 5,
     False),
    (("description", False), Filters(pickup_point="M2"), False, 0, 20, False),
])
def test_compiled_search_matches_the_numpy_path(
        world_catalog: Path, world_parts: list[tuple[str, str]], sort: tuple[str, bool],
        filters: Filters, show_all: bool, offset: int, limit: int, supplier_price: bool
) -> None:
    engine = Engine.open(world_catalog)
    state = engine._state
    if filters.popular:  # the fixture catalog names no popular brands
        config = dataclasses.replace(state.config,
                                     popular_brands=frozenset({"MANN-FILTER", "BOSCH", "KNECHT"}))
        state = dataclasses.replace(state, config=config)
    level = "retail" if "retail" in state.config.levels else state.config.default_level
    shown = found = 0
    for brand, article in world_parts:
        canonical = state.registry.canonical(brand)
        # (the OEM replacements' page apart from the analogs')
        q = Query(article, brand, level, sort, filters, show_all, offset, limit, supplier_price,
                  NOW, (offset + 1) % 3, limit + 1)
        key = article_key(article)
        fast = answer(state, q, canonical, key)
        reference = answer(state, q, canonical, key, compiled=False)
        assert fast == reference, (brand, article)
        if supplier_price:
            _check_min_order(fast)
        shown += sum(len(b.offers) for b in fast.blocks)
        found += _in_kernel(state, canonical, key)
    # the fixture world exercises the blocks, and the kernel itself answered (not a fallback)
    assert len(world_parts) > 500 and shown > 20 and found == len(world_parts)


def _check_min_order(result: Any) -> int:
    """Check each offer's ``below_min_order`` (its supplier price shown) against the README's
    rule in decimals: the smallest lot (the least quantity of at least ``min_quantity`` that
    is a multiple of ``multiplicity``) at the supplier price is below the minimum order sum.
    How many offers one piece of which is below it and whose lot is not."""
    from decimal import Decimal

    lots = 0
    for offer in (o for b in result.blocks for o in b.offers):
        assert offer.supplier_price is not None
        price, least = Decimal(offer.supplier_price), Decimal(offer.min_order_sum)
        lot = max(offer.min_quantity, 1)
        lot += -lot % max(offer.multiplicity, 1)
        assert offer.below_min_order is (price * lot < least), offer
        lots += price < least <= price * lot
    return lots


@pytest.mark.parametrize("sort", [DEFAULT_SORT, ("price", True)])
def test_below_min_order_is_the_smallest_lots_in_every_answer(
        world_catalog: Path, world_parts: list[tuple[str, str]], sort: tuple[str, bool]) -> None:
    """A part sold in pairs (DELTA's "pack" 2) was below its supplier's minimum order when one
    piece was, though it is bought two at a time; the compiled search, the numpy path and the
    compiled JSON writer now all compare the smallest lot's sum."""
    from partsearch.search._blocks import answer_json

    state = Engine.open(world_catalog)._state
    lots = 0
    for brand, article in world_parts:
        canonical = state.registry.canonical(brand)
        q = Query(article, brand, state.config.default_level, sort, Filters(), True, 0, 500,
                  True, NOW, 0, 500)
        key = article_key(article)
        fast = answer(state, q, canonical, key)
        assert fast == answer(state, q, canonical, key, compiled=False), (brand, article)
        assert answer_json(state, q, canonical, key) == fast.to_json(), (brand, article)
        lots += _check_min_order(fast)
    assert lots > 0  # (the fixture world has such offers: DELTA's pairs under its 1,500)


# a trade level by supplier and brand, with a supplier and a brand the catalog lacks
TRADE = {"rules": [{"supplier": "BETA", "percent": 8},
                   {"brand": "MANN", "max_price": 3000, "percent": 30},
                   {"brand": "BOSCH", "supplier": "ALFA", "percent": 3},
                   {"brand": "NO SUCH BRAND", "percent": 90},
                   {"supplier": "NO SUCH SUPPLIER", "percent": 90},
                   {"min_price": 2000, "percent": 15}, {"percent": 22}]}


@pytest.mark.parametrize(("sort", "filters"), [
    (DEFAULT_SORT, Filters()),
    (("price", False), Filters(in_stock=True)),
    (("description", True), Filters(brands=frozenset({"MANN-FILTER", "BOSCH", "KNECHT"}))),
])
def test_levels_by_supplier_and_brand_in_the_compiled_search(
        world_catalog: Path, world_parts: list[tuple[str, str]], sort: tuple[str, bool],
        filters: Filters) -> None:
    """A level whose rules name suppliers and brands had left the compiled search for the
    numpy path; the compiled one (values and JSON) gives the same answers."""
    from partsearch.ranking.levels import parse_levels
    from partsearch.search._blocks import _plan, answer_json

    state = Engine.open(world_catalog)._state
    levels = state.config.levels | parse_levels({"trade": TRADE}, "test")
    state = dataclasses.replace(state, config=dataclasses.replace(state.config, levels=levels))
    markups = set()
    for brand, article in world_parts:
        canonical = state.registry.canonical(brand)
        q = Query(article, brand, "trade", sort, filters, False, 0, 20, True, NOW)
        key = article_key(article)
        reference = answer(state, q, canonical, key, compiled=False)
        assert answer(state, q, canonical, key) == reference, (brand, article)
        assert answer_json(state, q, canonical, key) == reference.to_json(), (brand, article)
        markups |= {round(float(o.price) / float(o.supplier_price or 1), 2)
                    for b in reference.blocks for o in b.offers}
    assert _plan(state, q) is not None and state.config.levels["trade"].bands is None
    assert {1.08, 1.3, 1.03, 1.15, 1.22} <= markups  # every rule that can match did


def _in_kernel(state: Any, brand: str, key: str) -> bool:
    from partsearch.search._blocks import _plan
    from partsearch.search._kernels import COLUMNS, H_PART, usual_search

    q = Query("", brand, state.config.default_level, DEFAULT_SORT, Filters(), False, 0, 20,
              False, NOW)
    plan = _plan(state, q)
    assert plan is not None
    table = np.empty((64, COLUMNS), np.int64)
    n, _size = usual_search(brand.encode(), key.encode(), state.search_args.table, False,
                            state.store.text_addresses, plan.arrays.table, False, 0, 20, 0, 20,
                            table, np.empty(1 << 16, np.uint8))
    assert n > 0
    return bool(table[0, H_PART] >= 0)


def test_usual_search_of_a_part_only_in_offers(tmp_path: Path) -> None:
    """A part the cross index lacks falls back to the general path (its offers alone)."""
    from partsearch.crosses import build_index
    from partsearch.loading import load_suppliers

    load_suppliers(WORLD / "suppliers.toml", tmp_path)
    cross = tmp_path / "one.csv"
    cross.write_text("brand_a,article_a,brand_b,article_b\nNOBRAND,X1,NOBRAND,X2\n")
    build_index([cross], tmp_path)
    engine = Engine.open(tmp_path)
    r = engine.search("W 920/21", brand="MANN-FILTER")
    assert r.status == "ok" and r.requested.total >= 2 and r.analogs.total == 0


def test_parts_only_in_offers_in_the_compiled_search(tmp_path: Path) -> None:
    """A part the cross index lacks had always taken the numpy path; the compiled search now
    answers it from its own offers (values and JSON, the same answers), but where a brand
    filter or a level's brand rule needs the index's number of its brand."""
    from partsearch.crosses import build_index
    from partsearch.loading import load_suppliers, read_offers
    from partsearch.ranking.levels import parse_levels
    from partsearch.search._blocks import _plan, answer_json
    from partsearch.search._kernels import H_PART, NOT_IN_INDEX, OFFERS_ONLY

    load_suppliers(WORLD / "suppliers.toml", tmp_path)
    cross = tmp_path / "one.csv"  # an index without any offered part
    cross.write_text("brand_a,article_a,brand_b,article_b\nNOBRAND,X1,NOBRAND,X2\n")
    build_index([cross], tmp_path)
    state = Engine.open(tmp_path)._state
    levels = state.config.levels | parse_levels(
        {"trade": TRADE, "by_supplier": {"rules": [{"supplier": "BETA", "percent": 8},
                                                   {"percent": 20}]}}, "test")
    state = dataclasses.replace(state, config=dataclasses.replace(state.config, levels=levels))
    offers = read_offers(tmp_path).select(["brand", "article"]).to_pylist()
    parts = sorted({(o["brand"], o["article"]) for o in offers})
    assert len(parts) > 100
    mann = Filters(brands=frozenset({"MANN-FILTER"}))
    for level, sort, filters, compiled in [
            ("guest", DEFAULT_SORT, Filters(), True),
            ("registered", ("price", True), Filters(in_stock=True), True),
            ("by_supplier", ("description", False), Filters(pickup_point="M2"), True),
            ("guest", DEFAULT_SORT, mann, False),  # the brand filter: the numpy path
            ("trade", DEFAULT_SORT, Filters(), False)]:  # brand rules: the numpy path
        answered = 0
        for brand, article in parts:
            q = Query(article, brand, level, sort, filters, True, 0, 20, True, NOW)
            key = article_key(article)
            reference = answer(state, q, brand, key, compiled=False)
            assert reference.status == "ok"
            assert answer(state, q, brand, key) == reference, (level, brand, article)
            assert answer_json(state, q, brand, key) == reference.to_json()
            plan = _plan(state, q)
            assert plan is not None
            table = np.empty((256, COLUMNS), np.int64)
            usual_search(brand.encode(), key.encode(), state.search_args.table, False,
                         state.store.text_addresses, plan.arrays.table, True, 0, 20, 0, 20,
                         table, np.empty(1 << 16, np.uint8))
            assert table[0, H_PART] in (NOT_IN_INDEX, OFFERS_ONLY)
            answered += table[0, H_PART] == OFFERS_ONLY
        assert answered == (len(parts) if compiled else 0), level


def test_answers_that_outgrow_the_scratch_arrays(world_catalog: Path,
                                                 world_parts: list[tuple[str, str]],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The compiled call writes into per-thread arrays and asks again, grown, when an answer
    does not fit: from a one-row, one-byte start every answer still equals the numpy path's,
    and the arrays grew to the largest."""
    from partsearch.search import _blocks

    scratch = _blocks._Scratch()
    scratch.table, scratch.text = scratch.table[:1], scratch.text[:1]
    monkeypatch.setattr(_blocks, "_SCRATCH", scratch)
    state = Engine.open(world_catalog)._state
    level = state.config.default_level
    largest = 0
    for brand, article in world_parts:
        canonical = state.registry.canonical(brand)
        q = Query(article, brand, level, DEFAULT_SORT, Filters(), True, 0, 20, True, NOW)
        key = article_key(article)
        fast = answer(state, q, canonical, key)
        assert fast == answer(state, q, canonical, key, compiled=False), (brand, article)
        largest = max(largest, sum(len(b.offers) for b in fast.blocks))
    assert largest > 1 and scratch.table.shape[0] >= largest + 1 and scratch.text.size > 1


def test_searches_in_threads_keep_their_own_answers(world_catalog: Path,
                                                    world_parts: list[tuple[str, str]]) -> None:
    """The compiled call releases the GIL and writes into per-thread arrays: searches in two
    threads at once give what the same searches give one after another."""
    from concurrent.futures import ThreadPoolExecutor

    engine = Engine.open(world_catalog)
    parts = world_parts[:300]

    def run(chunk: list[tuple[str, str]]) -> list[Any]:
        return [engine.search(article, brand=brand, now=NOW, show_all=True)
                for _ in range(3) for brand, article in chunk]

    expected = run(parts[::2]), run(parts[1::2])
    with ThreadPoolExecutor(2) as pool:
        got = list(pool.map(run, (parts[::2], parts[1::2])))
    assert got == list(expected)
    assert sum(len(r.analogs.offers) for r in got[0]) > 0


def test_equal_filters_share_one_plan(world_catalog: Path) -> None:
    """A web app may build an equal ``Filters`` per request: the plan (its arrays' address
    table costs tens of microseconds to make) is found by the filters' value as well as by
    the object, and a different value gets its own."""
    from partsearch.search._blocks import _plan

    state = Engine.open(world_catalog)._state
    level = state.config.default_level

    def plan_of(filters: Filters) -> Any:
        return _plan(state, Query("W 920/21", "MANN", level, DEFAULT_SORT, filters, False, 0, 20,
                                  False, NOW))

    first = plan_of(Filters(in_stock=True, brands=frozenset({"BOSCH"})))
    assert first is not None
    assert plan_of(Filters(in_stock=True, brands=frozenset({"BOSCH"}))) is first
    assert plan_of(Filters(in_stock=True, brands=frozenset({"KNECHT"}))) is not first


def test_the_previous_plan_answers_only_its_own_level_sort_and_filters(
        world_catalog: Path) -> None:
    """``_plan`` checks the previous search's plan first: it must be taken for the same level,
    sort and filters only, whatever came before."""
    from partsearch.search._blocks import _plan

    state = Engine.open(world_catalog)._state

    def plan_of(level: str, sort: tuple[str, bool], filters: Filters) -> Any:
        return _plan(state, Query("W 920/21", "MANN", level, sort, filters, False, 0, 20, False,
                                  NOW))

    some_filters = (Filters(in_stock=True), Filters())  # the same objects in every combination
    combos = [(level, sort, filters) for level in list(state.config.levels)[:2]
              for sort in (DEFAULT_SORT, ("price", True)) for filters in some_filters]
    first = {c: plan_of(*c) for c in combos}
    assert len({id(p) for p in first.values() if p is not None}) == len(combos)
    for before in combos:  # every search right after every other, and after itself
        for c in combos:
            plan_of(*before)
            assert plan_of(*c) is first[c], (before, c)
