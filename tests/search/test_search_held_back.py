"""The analogs a search shows across a cross the guard held back: an OE number a maker lists for
two filters of different groups (primary and secondary air filter) is held back on both sides,
and without this its buyer saw no analog at all (README, "The guard")."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from partsearch import Engine, Filters
from partsearch.cli import main
from partsearch.crosses import build_index
from partsearch.loading import load_suppliers
from partsearch.normalize import article_key
from partsearch.search._blocks import Query, answer, answer_json

NOW = datetime(2026, 12, 1, tzinfo=UTC)
# two groups, each a star two sources confirm; the OE part KAMAZ 728 is crossed once to a leaf of
# each (the maker's own catalogue, one source): both bridges are held back, and 728 is left
# alone in its class. Its cross to FILTRON Z 9 is blacklisted
CROSSES = "brand_a,article_a,brand_b,article_b,source\n" + "".join(
    f"MANN,{hub},FILTRON,{leaf} {n},{source}\n" for source in ("tecdoc", "filtron")
    for hub, leaf in (("C 1", "A"), ("CF 1", "B")) for n in (1, 2, 3)) + """\
KAMAZ,728,FILTRON,A 1,mann
KAMAZ,728,FILTRON,B 1,mann
KAMAZ,728,FILTRON,Z 9,forum
"""
PRICES = """brand;article;price;delivery
KAMAZ;728;100;24
FILTRON;A 1;200;24
FILTRON;B 1;300;24
FILTRON;B 1;310;48
FILTRON;A 2;250;24
MANN;C 1;400;24
MANN;CF 1;410;24
FILTRON;Z 9;150;24
"""


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("held")
    (folder / "x.csv").write_text(CROSSES, encoding="utf-8")
    (folder / "black.csv").write_text("brand_a,article_a,brand_b,article_b\n"
                                      "KAMAZ,728,FILTRON,Z 9\n", encoding="utf-8")
    (folder / "p.csv").write_text(PRICES, encoding="utf-8")
    (folder / "s.toml").write_text(
        '[ALFA]\nfile = "p.csv"\ncolumns = { brand = "brand", article = "article", '
        'price = "price", delivery_hours = "delivery" }\n', encoding="utf-8")
    cat = folder / "cat"
    assert all(r.error is None for r in load_suppliers(folder / "s.toml", cat))
    build_index([folder / "x.csv"], cat, blacklist=folder / "black.csv")
    return cat


@pytest.fixture(scope="module")
def engine(catalog: Path) -> Engine:
    return Engine.open(catalog)


def _analogs(result: object) -> list[tuple[str, str, str, int, int]]:
    return [(o.brand, o.article, o.why, o.hops, o.support)
            for o in result.analogs.offers]  # type: ignore[attr-defined]


def test_the_guard_holds_back_both_bridges(engine: Engine) -> None:
    idx = engine.index
    assert idx is not None
    held = {(frozenset((r["article_a"], r["article_b"])), r["reason"])
            for r in idx.held_back().iter_rows(named=True)}
    assert (frozenset(("728", "A 1")), "single-source bridge between groups") in held
    assert (frozenset(("728", "B 1")), "single-source bridge between groups") in held
    assert (frozenset(("728", "Z 9")), "blacklisted") in held
    oe = idx.lookup("KAMAZ", "728")
    assert oe is not None and oe in idx.held_parts()
    partners, sources = idx.held_partners(oe)
    assert sorted(idx.article(int(p)) for p in partners) == ["A 1", "B 1"]
    assert sources.tolist() == [1, 1]
    assert idx.lookup("FILTRON", "Z 9") not in idx.held_parts()  # (blacklisted: never)
    # A 1 has a held-back cross too, but a class of its own group: it is no part left alone
    assert idx.lookup("FILTRON", "A 1") not in idx.held_parts()


def test_an_oe_part_left_alone_shows_its_held_back_partners(
        engine: Engine) -> None:
    r = engine.search("728", "KAMAZ", now=NOW)
    # both partners: hops 1, support 1; not the blacklisted Z 9, not the partners' classes
    # (C 1, A 2, CF 1: the merge the guard refused)
    assert _analogs(r) == [("FILTRON", "A 1", "held_back", 1, 1),
                           ("FILTRON", "B 1", "held_back", 1, 1),
                           ("FILTRON", "B 1", "held_back", 1, 1)]
    assert r.analogs.total == 3 and r.oem_replacements.total == 0
    # a column sort orders them as it says, as every analog
    by_price = engine.search("728", "KAMAZ", sort=("price", True), now=NOW)
    prices = [Decimal(o.price) for o in by_price.analogs.offers]
    assert len(prices) == 3 and prices == sorted(prices, reverse=True)
    # from the other end, a part in a group: its group only, never the held-back cross's far
    # end (a wrong record's partner is what the guard keeps from a buyer)
    a1 = engine.search("A 1", "FILTRON", now=NOW)
    assert a1.analogs.total and {w for _, _, w, _, _ in _analogs(a1)} == {"analog"}


def test_filters_and_pages_count_them(engine: Engine) -> None:
    r = engine.search("728", "KAMAZ", now=NOW, analogs_offset=1, analogs_limit=1)
    assert [o.article for o in r.analogs.offers] == ["B 1"]
    assert (r.analogs.total, r.analogs.offset, r.analogs.has_more) == (3, 1, True)
    fast = engine.search("728", "KAMAZ", now=NOW, filters=Filters(max_delivery_hours=24))
    assert [(o.article, o.why) for o in fast.analogs.offers] == [("A 1", "held_back"),
                                                                ("B 1", "held_back")]
    assert fast.analogs.total == 2
    mann = engine.search("728", "KAMAZ", now=NOW, filters=Filters(brands="MANN"))
    assert mann.analogs.total == 0


@pytest.mark.parametrize("options", [
    {}, {"sort": ("price", True)}, {"analogs_offset": 2, "analogs_limit": 1},
    {"filters": Filters(brands=["FILTRON"])}, {"show_supplier_price": True, "show_all": True},
    {"sort": ("description", False), "filters": Filters(in_stock=True)}])
@pytest.mark.parametrize("part", [("KAMAZ", "728"), ("FILTRON", "A 1"), ("FILTRON", "A 2"),
                                  ("FILTRON", "B 2"), ("MANN", "CF 1")])
def test_json_and_reference_agree(engine: Engine, part: tuple[str, str],
                                  options: dict[str, object]) -> None:
    brand, article = part
    result = engine.search(article, brand, now=NOW, **options)  # type: ignore[arg-type]
    assert engine.search_json(article, brand, now=NOW, **options) == result.to_json()  # type: ignore[arg-type]
    state = engine._state
    q = Query(article, brand, state.config.default_level, options.get("sort", ("delivery", False)),  # type: ignore[arg-type]
              options.get("filters", Filters()), bool(options.get("show_all")),  # type: ignore[arg-type]
              int(options.get("analogs_offset", 0)), int(options.get("analogs_limit", 20)),  # type: ignore[call-overload]
              False, NOW)
    canonical, key = state.registry.canonical(brand), article_key(article)
    reference = answer(state, q, canonical, key, compiled=False)
    assert answer(state, q, canonical, key) == reference
    assert answer_json(state, q, canonical, key) == reference.to_json()


def test_a_part_without_held_crosses_is_answered_by_the_compiled_search(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """One set lookup, then the compiled answer: the numpy path is never taken."""
    from partsearch.search import _blocks

    state = engine._state
    idx = engine.index
    assert idx is not None
    assert idx.lookup("FILTRON", "A 2") not in state.held_parts
    expected = engine.search("A 2", "FILTRON", now=NOW)
    monkeypatch.setattr(_blocks, "class_members", None)  # (the numpy path's first call)
    assert engine.search("A 2", "FILTRON", now=NOW) == expected
    assert engine.search_json("A 2", "FILTRON", now=NOW) == expected.to_json()
    assert {o.why for o in expected.analogs.offers} == {"analog"}
    with pytest.raises(TypeError):  # (and a held part does take it)
        engine.search("728", "KAMAZ", now=NOW)


def test_a_partner_in_the_class_is_shown_once(engine: Engine,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A held-back cross's partner in the class (here the part itself, its class's one
    member) is not shown again as held back."""
    import numpy as np

    idx = engine.index
    assert idx is not None
    oe = idx.lookup("KAMAZ", "728")
    partners, sources = idx.held_partners(oe)  # type: ignore[arg-type]
    monkeypatch.setattr(idx, "held_partners", lambda pid: (
        np.append(partners, oe), np.append(sources, 1)))
    r = engine.search("728", "KAMAZ", now=NOW)
    assert [(o.article, o.why) for o in r.requested.offers] == [("728", "requested")]
    assert [(o.article, o.why) for o in r.analogs.offers] == [
        ("A 1", "held_back"), ("B 1", "held_back"), ("B 1", "held_back")]


def test_an_online_offer_of_a_held_back_partner_is_held_back(engine: Engine) -> None:
    from partsearch.online import LiveOffer
    from partsearch.search._live import _Placer

    result = engine.search("728", "KAMAZ", now=NOW)
    offers = (LiveOffer("NET", "FILTRON", "FILTRON", "B 1", "B1", "", Decimal(50),
                        quantity=1, quantity_exact=True),
              LiveOffer("NET", "FILTRON", "FILTRON", "Z 9", "Z9", "", Decimal(40),
                        quantity=1, quantity_exact=True))
    placed = _Placer(engine._state, result, {"now": NOW}).add(result, offers)
    online = [(o.article, o.why, o.hops, o.support) for o in placed.analogs.offers[3:]]
    # (a held-back partner before a supplier's own cross: both after every linked analog)
    assert online == [("B 1", "held_back", 1, 1), ("Z 9", "supplier_cross", -1, 0)]
    assert [p.article for p in placed.supplier_crosses] == ["Z 9"]


def test_the_table_and_explain_say_held_back(catalog: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", str(catalog), "728", "--brand", "KAMAZ"]) == 0
    out = capsys.readouterr().out
    assert out.count("held back") == 3
    assert main(["crosses", "explain", str(catalog), "KAMAZ", "728", "FILTRON", "B 1"]) == 1
    out = capsys.readouterr().out
    assert "held back (guard: single-source bridge between groups)" in out and "mann" in out


def test_a_reload_keeps_the_held_parts_of_the_same_snapshot(catalog: Path) -> None:
    engine = Engine.open(catalog)
    idx = engine.index
    assert idx is not None
    held = idx.held_parts()
    (catalog / "catalog.toml").write_text("stale_after_hours = 100\n", encoding="utf-8")
    try:
        assert engine.reload()
        assert engine.index is not idx and engine.index is not None
        assert engine.index.held_ready and engine.index.held_parts() is held
    finally:
        (catalog / "catalog.toml").unlink()


def test_a_held_back_partner_of_a_car_maker_is_an_analog_not_an_oem_replacement(
        tmp_path: Path) -> None:
    """A car maker's part searched (KAMAZ), its held-back partner another car maker's (TOYOTA):
    the partner is shown as the held-back analog it is, never among the OEM replacements,
    which are the OE numbers of the searched part's own class (dropping that rule moved
    TOYOTA B 1 to ``oem_replacements`` as a plain replacement, and every test passed)."""
    folder = tmp_path
    (folder / "x.csv").write_text(CROSSES.replace("FILTRON,B ", "TOYOTA,B "), encoding="utf-8")
    (folder / "black.csv").write_text("brand_a,article_a,brand_b,article_b\n"
                                      "KAMAZ,728,FILTRON,Z 9\n", encoding="utf-8")
    (folder / "p.csv").write_text(PRICES.replace("FILTRON;B ", "TOYOTA;B "), encoding="utf-8")
    (folder / "s.toml").write_text(
        '[ALFA]\nfile = "p.csv"\ncolumns = { brand = "brand", article = "article", '
        'price = "price", delivery_hours = "delivery" }\n', encoding="utf-8")
    cat = folder / "cat"
    assert all(r.error is None for r in load_suppliers(folder / "s.toml", cat))
    build_index([folder / "x.csv"], cat, blacklist=folder / "black.csv")
    engine = Engine.open(cat)
    assert engine._state.registry.is_oem("KAMAZ") and engine._state.registry.is_oem("TOYOTA")
    for options in ({}, {"sort": ("price", False)}, {"filters": Filters(brands="TOYOTA")}):
        r = engine.search("728", "KAMAZ", now=NOW, **options)  # type: ignore[arg-type]
        assert r.oem_replacements.total == 0 and r.oem_replacements.offers == ()
        assert sorted(_analogs(r)) == sorted(
            [("FILTRON", "A 1", "held_back", 1, 1), ("TOYOTA", "B 1", "held_back", 1, 1),
             ("TOYOTA", "B 1", "held_back", 1, 1)][1 if options.get("filters") else 0:])
        assert engine.search_json("728", "KAMAZ", now=NOW, **options) == r.to_json()  # type: ignore[arg-type]
