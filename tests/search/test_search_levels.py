"""An engine reloaded into two levels (a base with replaced and removed files, and a delta of the
files published since) answers every search as an engine opened afresh on the same files."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from partsearch import Engine, Filters
from partsearch.loading import load_suppliers, publish_offers, read_offers
from partsearch.search import _blocks, _store
from partsearch.search._merged import MERGED, wait
from partsearch.search._sole import sole_brand

NOW = datetime(2026, 11, 25, tzinfo=UTC)
_OPTIONS = [
    {},
    {"show_all": True, "analogs_offset": 1, "analogs_limit": 3, "level": "wholesale"},
    {"sort": ("description", False), "filters": Filters(pickup_point="Г")},
    {"sort": ("price", True), "filters": Filters(in_stock=True), "show_supplier_price": True},
]


@pytest.fixture()
def engines(world_catalog: Path, tmp_path: Path,
            monkeypatch: pytest.MonkeyPatch) -> tuple[Engine, Engine, str]:
    """(an engine reloaded after three changes, without compaction; one opened after them;
    the supplier removed)."""
    import pyarrow.compute as pc

    catalog = tmp_path / "catalog"
    shutil.copytree(world_catalog, catalog, ignore=shutil.ignore_patterns(MERGED))
    reloaded = Engine.open(catalog)
    suppliers = [s.supplier for s in reloaded._state.store.segments]
    assert len(suppliers) >= 3
    first, second, last = suppliers[0], suppliers[1], suppliers[-1]
    # the first supplier: every other offer, dearer; the second: removed; a new one: the last's
    # offers again, cheaper (so equal parts come from the base and the delta at once)
    offers = read_offers(catalog, first)
    offers = offers.filter(pc.equal(pc.bit_wise_and(pc.cast(offers.column("line"), "int64"), 1),
                                    0))
    publish_offers(catalog, first, offers.set_column(
        offers.schema.get_field_index("price"), "price",
        pc.multiply(offers.column("price"), 2).cast(offers.schema.field("price").type)))
    shutil.rmtree(catalog / "offers" / second)
    publish_offers(catalog, "ZETA", read_offers(catalog, last))
    # and one more: a part no other file offers, nor the index knows
    (tmp_path / "eta.csv").write_text("Бренд;Артикул;Цена\nKNECHT;ZZ 777;10,00\n", "utf-8")
    (tmp_path / "eta.toml").write_text(
        '[ETA]\nfile = "eta.csv"\ncolumns = { brand = "Бренд", article = "Артикул", '
        'price = "Цена" }\n', "utf-8")
    assert load_suppliers(tmp_path / "eta.toml", catalog)[0].error is None
    monkeypatch.setattr(_store, "_COMPACT", 0)  # the delta stays a delta
    reloaded.reload()
    store = reloaded._state.store
    assert store.delta.size and store.base.segmap.size and (store.base.segmap < 0).any()
    assert reloaded._state.search_args is not None  # the compiled search reads both levels
    wait()
    shutil.rmtree(catalog / "offers" / MERGED)  # (else the fresh one would map the first's)
    return reloaded, Engine.open(catalog), second


def test_a_reloaded_engine_answers_as_a_fresh_one(engines: tuple[Engine, Engine, str],
                                                   world_parts: list[tuple[str, str]],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    reloaded, fresh, removed = engines
    assert fresh._state.store.delta.size == 0
    shown, seen = 0, set()
    for options in _OPTIONS:
        for brand, article in world_parts:
            expected = fresh.search(article, brand, now=NOW, **options)
            assert reloaded.search(article, brand, now=NOW, **options) == expected
            assert reloaded.search_json(article, brand, now=NOW, **options) == \
                fresh.search_json(article, brand, now=NOW, **options)
            offers = [o for b in (expected.requested, expected.analogs) for o in b.offers]
            shown += len(offers)
            seen |= {o.supplier for o in offers}
    for state in (reloaded._state, fresh._state):  # a part in the delta alone
        assert sole_brand(state, "ZZ-777") == "KNECHT"
        assert state.store.article_offers(["ZZ777"]) == {"KNECHT": 1}
    assert reloaded.search("ZZ777", now=NOW) == fresh.search("ZZ777", now=NOW)
    assert reloaded.search("ZZ777", now=NOW).requested.offers[0].supplier == "ETA"
    for _brand, article in world_parts:  # without a brand: the sole-brand finder, the choices
        assert reloaded.search(article, now=NOW) == fresh.search(article, now=NOW)
        assert reloaded.brand_choices(article) == fresh.brand_choices(article)
    # the numpy path (each search's hits copied from both levels) answers alike
    monkeypatch.setattr(_blocks, "_compiled", lambda state, q, level: None)
    for brand, article in world_parts:
        assert reloaded.search(article, brand, now=NOW) == fresh.search(article, brand, now=NOW)
    assert shown > 200
    assert "ZETA" in seen and removed not in seen  # the delta's offers in, the removed out
