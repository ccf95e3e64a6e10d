"""A search without a brand whose article several brands have: the brand choice under the
search's filters (a brand filter narrows or settles it, the others make its offer counts)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partsearch import Engine, Filters

# the fixture world's articles that two brands have (KNECHT and MAHLE), as typed
SHARED = ("OC-90", "OC 20", "LX20", "LX 104", "LX34", "HE121", "KL69")


@pytest.fixture(scope="module")
def engine(world_catalog: Path, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """The fixture world with KNECHT its one popular brand (named by an alias's spelling)."""
    catalog = tmp_path_factory.mktemp("choice") / "cat"
    shutil.copytree(world_catalog, catalog)
    (catalog / "catalog.toml").write_text('popular_brands = ["Knecht"]\n', encoding="utf-8")
    return Engine.open(catalog)


def _counts(engine: Engine, article: str, filters: Filters | None) -> dict[str, int]:
    r = engine.search(article, filters=filters)
    assert r.status == "choose_brand", (article, filters)
    return {b.brand: b.offers for b in r.brands}


def test_each_filter_counts_only_the_offers_it_keeps(engine: Engine) -> None:
    """Where each count stayed the brand's every offer, whatever the filters (finding 2):
    OC 90 listed 2 and 2 at a pickup point none of them delivers to."""
    assert _counts(engine, "OC-90", None) == {"KNECHT": 2, "MAHLE": 2}
    for f in (Filters(pickup_point="M1"), Filters(pickup_point="Г"), Filters(pickup_point="XX"),
              Filters(in_stock=True), Filters(max_delivery_hours=0), Filters(popular=True)):
        counts = _counts(engine, "OC-90", f)
        assert set(counts) == {"KNECHT", "MAHLE"}, f  # a brand left with none stays, with 0
        for brand, n in counts.items():
            assert n == engine.search("OC-90", brand, filters=f).requested.total, (f, brand)
    assert _counts(engine, "OC-90", Filters(pickup_point="XX")) == {"KNECHT": 0, "MAHLE": 0}
    assert _counts(engine, "OC-90", Filters(popular=True))["MAHLE"] == 0
    assert _counts(engine, "OC-90", Filters(popular=True))["KNECHT"] == 2
    # the brands a not-found brand's search suggests count the same way
    f = Filters(in_stock=True)
    lacking = engine.search("OC-90", "BOSCH", filters=f)
    assert lacking.status == "not_found"
    assert {b.brand: b.offers for b in lacking.brands} == _counts(engine, "OC-90", f)
    assert engine.search_json("OC-90", "BOSCH", filters=f) == lacking.to_json()


@settings(max_examples=60, deadline=None)
@given(article=st.sampled_from(SHARED),
       hours=st.none() | st.integers(0, 120),
       in_stock=st.booleans(),
       point=st.sampled_from([None, "M1", "M2", "Г", "XX"]),
       popular=st.booleans())
def test_a_count_is_what_the_brands_search_shows_under_the_filters(
        engine: Engine, article: str, hours: int | None, in_stock: bool, point: str | None,
        popular: bool) -> None:
    f = Filters(max_delivery_hours=hours, in_stock=in_stock, pickup_point=point,
                popular=popular)
    r = engine.search(article, filters=f)
    assert r.status == "choose_brand"
    assert [b.brand for b in r.brands] == [b.brand for b in engine.search(article).brands]
    for choice in r.brands:
        assert choice.offers == engine.search(article, choice.brand, filters=f,
                                              show_all=True).requested.total
    assert engine.search_json(article, filters=f) == r.to_json()
    assert engine.brand_choices(article, f) == list(r.brands)


def test_a_brand_filter_settles_or_narrows_the_choice(engine: Engine) -> None:
    """Where a brand filter left every brand listed, and choosing one it rejects showed
    nothing."""
    for named in ("KNECHT", "knecht", {"KNECHT", "BOSCH"}):  # (any spelling of it)
        f = Filters(brands=named)
        r = engine.search("OC-90", filters=f)
        chosen = engine.search("OC-90", "KNECHT", filters=f)
        assert (r.status, r.brand) == ("ok", "KNECHT"), named
        assert r.requested == chosen.requested and r.analogs == chosen.analogs
        assert r.requested.total == 2
        assert engine.search_json("OC-90", filters=f) == r.to_json()
        with_more = Filters(brands=named, in_stock=True)
        assert engine.search("OC-90", filters=with_more).requested == engine.search(
            "OC-90", "KNECHT", filters=with_more).requested
    both = Filters(brands=["KNECHT", "MAHLE", "BOSCH"])
    assert _counts(engine, "OC-90", both) == {"KNECHT": 2, "MAHLE": 2}
    # naming none of them, it cannot settle which part is meant: the choice is whole, and
    # each count is of the offers the filter keeps (none of the brand's own)
    none = Filters(brands="BOSCH")
    r = engine.search("OC-90", filters=none)
    assert _counts(engine, "OC-90", none) == {"KNECHT": 0, "MAHLE": 0}
    assert engine.search_json("OC-90", filters=none) == r.to_json()


def test_the_settled_brand_goes_on_to_the_live_search(engine: Engine) -> None:
    f = Filters(brands="MAHLE", pickup_point="M1")
    live = engine.search_live_sync("OC-90", filters=f, deadline_s=0.5)
    r = engine.search("OC-90", filters=f)
    assert (live.status, live.brand, r.brand) == ("ok", "MAHLE", "MAHLE")
    assert live.requested.total >= r.requested.total
    in_stock = Filters(in_stock=True)
    choice = engine.search_live_sync("OC-90", filters=in_stock, deadline_s=0.5)
    assert choice.status == "choose_brand"
    assert choice.brands == engine.search("OC-90", filters=in_stock).brands
