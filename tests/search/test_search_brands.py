"""A catalog's own brand registry (its ``brands.toml``) names brands everywhere a search takes
a brand: price-level rules, popular brands, the brand filter."""

from __future__ import annotations

from pathlib import Path

import pytest

from partsearch import Engine
from tests.conftest import write_catalog

PROFILES = ('[S1]\nfile = "s1.csv"\ndelimiter = ";"\npickup_points = ["A"]\n'
            'columns = { brand = "brand", article = "article", price = "price", '
            'delivery_hours = "hours" }\n')
PRICES = ("brand;article;price;hours\nMANN;W 920/21;100,00;24\nЗЗБ;ZB 777;50,00;12\n"
          "FILTRON;OP 520;80,00;12\n")
CROSSES = ("brand_a,article_a,brand_b,article_b\nMANN,W 920/21,ZZB00,ZB 777\n"
           "MANN,W 920/21,FILTRON,OP 520\n")
CONFIG = ('popular_brands = ["ЗЗБ"]\n[levels.guest]\nrules = [ { percent = 10 } ]\n'
          '[levels.wholesale]\nrules = [ { brand = "ЗЗБ", percent = 500 }, { percent = 1 } ]\n')


def _catalog(folder: Path, crosses: str | None) -> Path:
    catalog = folder / "cat"
    catalog.mkdir()
    (catalog / "brands.toml").write_text('["ZZB-GROUP"]\naliases = ["ZZB00", "ЗЗБ"]\n',
                                         encoding="utf-8")
    (catalog / "catalog.toml").write_text(CONFIG, encoding="utf-8")
    return write_catalog(folder, {"s1.csv": PRICES}, PROFILES, crosses)


@pytest.fixture(params=["crosses", "offers only"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Engine:
    return Engine.open(_catalog(tmp_path, CROSSES if request.param == "crosses" else None))


def test_a_level_rule_names_a_brand_by_the_catalogs_alias(engine: Engine) -> None:
    r = engine.search("ZB 777", brand="ЗЗБ", level="wholesale")
    assert r.brand == "ZZB-GROUP"
    assert [o.price for o in r.requested.offers] == ["300.00"]  # +500 %, not the 1 % rule
    assert engine.search_json("ZB 777", brand="ЗЗБ", level="wholesale") == r.to_json()
    if engine.index is not None:  # as an analog, on the compiled path and the numpy one
        for sort in (None, ("code", False)):
            mann = engine.search("W 920/21", brand="MANN", level="wholesale", sort=sort)
            assert {o.brand: o.price for o in mann.analogs.offers} == {
                "ZZB-GROUP": "300.00", "FILTRON": "80.80"}
            assert engine.search_json("W 920/21", brand="MANN", level="wholesale",
                                      sort=sort) == mann.to_json()
