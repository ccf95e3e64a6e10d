"""A brand typed with Cyrillic look-alike letters in a Latin name (``BОSCH`` with a Cyrillic О,
as 1C operators type on a Russian layout) is the Latin brand in the price loader, the cross
build and the search, so the same maker's parts meet under one brand."""

from __future__ import annotations

import pytest

from partsearch import Engine
from tests.conftest import write_catalog

PROFILES = "".join(
    f'[{code}]\nfile = "{code}.csv"\ndelimiter = ";"\n'
    'columns = { brand = "brand", article = "article", price = "price" }\n'
    for code in ("A", "B"))
# B writes BОSCH and МАNN with a Cyrillic О, М and А
PRICES = {"A.csv": "brand;article;price\nBOSCH;0 986 424 815;100\n",
          "B.csv": "brand;article;price\nBОSCH;0 986 424 815;90\nМАNN;W 712/75;50\n"}
# the cross base writes ТRW with a Cyrillic Т and BОSCH with a Cyrillic О
CROSSES = "brand_a,article_a,brand_b,article_b\nТRW,GDB 1330,BОSCH,0 986 424 815\n"


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    return Engine.open(write_catalog(tmp_path_factory.mktemp("lookalike"), PRICES, PROFILES,
                                     CROSSES))


def test_both_suppliers_offers_are_one_brands(engine: Engine) -> None:
    """B's cheaper offer was under a brand of its own, "BОSCH", beside A's "BOSCH"."""
    assert [c.brand for c in engine.brand_choices("0986424815")] == ["BOSCH"]
    for brand in ("BOSCH", "BОSCH"):
        r = engine.search("0986424815", brand=brand)
        assert r.brand == "BOSCH"
        assert sorted(o.supplier for o in r.requested.offers) == ["A", "B"]


def test_a_price_files_mixed_script_alias_is_the_canonical_brand(engine: Engine) -> None:
    """МАNN (Cyrillic М, А) is MANN-FILTER through the MANN alias, and the offer keeps what B
    wrote as its brand as written."""
    assert engine.sql("select brand, brand_raw from offers where article_key = 'W71275'"
                      ).fetchall() == [("MANN-FILTER", "МАNN")]
    assert [c.brand for c in engine.brand_choices("W 712/75")] == ["MANN-FILTER"]


def test_the_cross_bases_mixed_script_brands_meet_the_price_files(engine: Engine) -> None:
    """The cross base's BОSCH is the offers' BOSCH, its ТRW is TRW: searched either way, the
    other side's part is the analog, with both suppliers' offers."""
    r = engine.search("GDB 1330", brand="TRW")
    assert r.brand == "TRW"
    assert sorted((o.brand, o.supplier) for o in r.analogs.offers) == [
        ("BOSCH", "A"), ("BOSCH", "B")]
    assert [c.brand for c in engine.brand_choices("GDB1330")] == ["TRW"]
