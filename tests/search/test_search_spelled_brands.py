"""An unknown maker written two ways (``MEAT & DORIA`` in the cross base, ``MEAT&DORIA`` in a
price file; ``ÜRO Parts`` and ``URO PARTS``) is one brand in the price loader, the cross build
and the search, as a registered one always was: the price file's offers have their analogs. So is
a foreign maker a Russian price file writes in Cyrillic (``МАНН`` is MANN-FILTER)."""

from __future__ import annotations

import pytest

from partsearch import Engine
from tests.conftest import write_catalog

PROFILES = "".join(
    f'[{code}]\nfile = "{code}.csv"\ndelimiter = ";"\n'
    'columns = { brand = "brand", article = "article", price = "price" }\n'
    for code in ("A", "B"))
PRICES = {"A.csv": "brand;article;price\nMEAT&DORIA;231763;100\nURO PARTS;N90813202;70\n"
                   "KNECHT;OX 188D;40\nMANN-FILTER;W 920/21;300\n",
          "B.csv": "brand;article;price\nMeat & Doria;231763;90\nHERTH + BUSS JAKOPARTS;"
                   "J4902085;80\nМАНН;W 920/21;280\n"}
CROSSES = ("brand_a,article_a,brand_b,article_b\nMEAT & DORIA,231763,KNECHT,OX 188D\n"
           "HERTH+BUSS JAKOPARTS,J4902085,KNECHT,OX 188D\nÜRO Parts,N90813202,KNECHT,OX 188D\n"
           "MANN-FILTER,W 920/21,KNECHT,OX 188D\n")


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    return Engine.open(write_catalog(tmp_path_factory.mktemp("spelled"), PRICES, PROFILES,
                                     CROSSES))


@pytest.mark.parametrize(("brand", "article"), [("MEAT&DORIA", "231763"),
                                                ("HERTH + BUSS JAKOPARTS", "J4902085"),
                                                ("URO PARTS", "N90813202")])
def test_a_price_files_spelling_is_the_cross_bases_brand(engine: Engine, brand: str,
                                                         article: str) -> None:
    """The audit's repro: 231763 offered a choice of MEAT & DORIA and MEAT&DORIA, and the price
    file's spelling had no analogs."""
    assert len(engine.brand_choices(article)) == 1
    r = engine.search(article, brand=brand)
    assert r.status == "ok"
    assert ("KNECHT", "OX 188D") in [(o.brand, o.article) for o in r.analogs.offers]


def test_both_suppliers_offers_are_one_brands(engine: Engine) -> None:
    r = engine.search("231763")
    assert r.status == "ok" and r.brand == "MEAT&DORIA"
    assert sorted(o.supplier for o in r.requested.offers) == ["A", "B"]
    assert engine.sql("select distinct brand from offers where article_key = '231763'"
                      ).fetchall() == [("MEAT&DORIA",)]


def test_a_foreign_maker_written_in_cyrillic_is_its_brand(engine: Engine) -> None:
    """The audit's repro: one price row ``МАНН;W 920/21`` made the plain search a choice of
    MANN-FILTER and МАНН, and that supplier's offer had no analogs."""
    assert [c.brand for c in engine.brand_choices("W 920/21")] == ["MANN-FILTER"]
    r = engine.search("W 920/21")
    assert r.status == "ok" and r.brand == "MANN-FILTER"
    assert sorted(o.supplier for o in r.requested.offers) == ["A", "B"]
    assert ("KNECHT", "OX 188D") in [(o.brand, o.article) for o in r.analogs.offers]
    assert engine.search("W 920/21", brand="Манн") == r
