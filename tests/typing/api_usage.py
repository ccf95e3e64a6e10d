"""A web app's use of the public API as README documents it, for ``mypy --strict`` (run by
``tests/test_typing.py``; never imported): every call here must pass, and every ``assert_type``
holds, so an annotation that refuses a documented call, or a field or return that turns to
``Any``, fails the test."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, assert_type

import duckdb
import numpy as np
import polars as pl

import partsearch
from partsearch import (
    Block,
    BrandChoice,
    CrossStep,
    Engine,
    FilterItem,
    Filters,
    Offer,
    SearchOptions,
    SearchResult,
    SortSpec,
    SupplierCrossPart,
    SupplierOutcome,
)


def documented_arguments(engine: Engine, echo: dict[str, Any]) -> None:
    # "a two-item list is read as the tuple", and so is the result's JSON echo
    result = engine.search("W 920/21", "MANN", sort=("price", False))
    engine.search("W 920/21", "MANN", sort=["price", True])
    engine.search("W 920/21", "MANN", sort={"column": "price", "descending": False})
    engine.search("W 920/21", "MANN", sort=result.to_dict()["sort"])
    engine.search_json("W 920/21", "MANN", sort=echo["sort"])
    kept: SortSpec = result.sort
    engine.search("W 920/21", "MANN", sort=kept)
    # "numpy's integers and bools count as Python's"
    engine.search("W 920/21", "MANN", analogs_limit=np.int64(20), show_all=np.True_,
                  analogs_offset=np.int32(0), show_supplier_price=np.False_,
                  oem_offset=np.int64(20), oem_limit=np.uint8(20))
    engine.search_json("W 920/21", "MANN", oem_offset=np.int64(20), show_all=np.bool_(True))
    engine.search("W 920/21", "MANN", sort=("price", np.True_))
    filters = Filters(in_stock=np.True_, max_delivery_hours=np.int64(48), popular=np.False_)
    # what a Filters keeps is Python's, whatever it was given
    assert_type(filters.in_stock, bool)
    assert_type(filters.max_delivery_hours, int | None)


def precise_results(engine: Engine, result: SearchResult) -> None:
    assert_type(result.sort, tuple[str, bool])
    assert_type(result.blocks, tuple[Block, Block, Block])
    assert_type(result.requested.offers, tuple[Offer, ...])
    assert_type(result.brands, tuple[BrandChoice, ...])
    assert_type(result.online, tuple[SupplierOutcome, ...])
    assert_type(result.supplier_crosses, tuple[SupplierCrossPart, ...])
    assert_type(result.filters, tuple[FilterItem, ...])
    name, value = result.filters[0]
    assert_type(name, str)
    assert_type(value, str | int | bool | tuple[str, ...])
    outcome = result.online[0]
    assert_type(outcome.offer_count, int)  # (None only as the constructor's default)
    assert_type(SupplierOutcome("ABC", "timed_out", offer_count=None).offer_count, int)
    assert_type(engine.explain("MANN", "W 920/21", "KNECHT", "OC 90"), list[CrossStep])
    assert_type(engine.sql("select 1"), duckdb.DuckDBPyRelation)
    assert_type(engine.sql("select 1").fetchall(), list[tuple[Any, ...]])
    if engine.index is not None:
        assert_type(engine.index.held_back(), pl.DataFrame)
    assert_type(engine.brand_choices("OC90"), list[BrandChoice])


async def live(engine: Engine) -> None:
    def on_update(result: SearchResult) -> None:
        print(result.status)

    options: SearchOptions = {"level": "guest", "sort": ("price", False),
                              "filters": Filters(in_stock=True), "analogs_limit": np.int64(20)}
    result = await engine.search_live("W 920/21", "MANN", deadline_s=3.0, on_update=on_update,
                                      level="guest", show_all=True)
    assert_type(result, SearchResult)
    async for update in engine.iter_live("W 920/21", "MANN", deadline_s=3.0, **options):
        assert_type(update.online, tuple[SupplierOutcome, ...])
    synced = engine.search_live_sync("W 920/21", "MANN", deadline_s=3.0, on_update=print,
                                     analogs_offset=20, now=datetime.now(UTC))
    assert_type(synced, SearchResult)


def exported() -> None:
    # what a user must name is exported where README says: partsearch's __all__
    assert_type(partsearch.SupplierOutcome, type[SupplierOutcome])
    assert_type(partsearch.SupplierCrossPart, type[SupplierCrossPart])
