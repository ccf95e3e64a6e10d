"""A catalog's own brand registry (its ``brands.toml``) names brands everywhere a search takes
a brand: price-level rules, popular brands, the brand filter."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from partsearch import Engine, Filters, SearchError
from partsearch.cli import main
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


@pytest.mark.parametrize("brands", [
    frozenset({"FILTRON"}), {"FILTRON"}, ["FILTRON"], "FILTRON", ("filtron",), "Filtron",
    frozenset({"Filtron"})])
def test_the_brand_filter_takes_any_collection_and_spelling(tmp_path: Path,
                                                            brands: object) -> None:
    engine = Engine.open(_catalog(tmp_path, CROSSES))
    f = Filters(brands=brands)  # type: ignore[arg-type]
    r = engine.search("W 920/21", brand="MANN", filters=f)
    assert [o.brand for o in r.analogs.offers] == ["FILTRON"] and r.requested.total == 0
    assert r.filters == (("brands", ("FILTRON",)),)
    assert r.to_dict()["filters"] == {"brands": ["FILTRON"]}
    assert engine.search_json("W 920/21", brand="MANN", filters=f) == r.to_json()
    # a string is one brand, not the brands it is part of
    assert engine.search("W 920/21", brand="MANN", filters=Filters(brands="FILT")
                         ).analogs.total == 0


@pytest.mark.parametrize("blank", ["", "  ", ["", " "], ("FILTRON", "")])
def test_a_blank_brand_filter_chooses_no_brand(tmp_path: Path, blank: object) -> None:
    """A web form's empty "only this brand" box: no brand chosen (it raised "brand '' is
    empty"), as a blank pickup point and a blank search brand are none."""
    engine = Engine.open(_catalog(tmp_path, CROSSES))
    f = Filters(brands=blank)  # type: ignore[arg-type]
    expected = Filters(brands="FILTRON") if isinstance(blank, tuple) else Filters()
    assert f == expected
    assert engine.search("W 920/21", brand="MANN", filters=f) == \
        engine.search("W 920/21", brand="MANN", filters=expected)


def test_the_brand_filter_and_popular_brands_know_the_catalogs_aliases(
        engine: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    for f in (Filters(brands={"ЗЗБ"}), Filters(brands="zzb00"), Filters(popular=True)):
        r = engine.search("ZB 777", brand="ZZB-GROUP", filters=f)
        assert r.requested.total == 1, f
        if engine.index is not None:
            mann = engine.search("W 920/21", brand="MANN", filters=f)
            assert [o.brand for o in mann.analogs.offers] == ["ZZB-GROUP"]
            assert engine.search_json("W 920/21", brand="MANN", filters=f) == mann.to_json()
    assert main(["search", str(engine.catalog), "ZB 777", "--brand", "ЗЗБ", "--only-brand",
                 "ЗЗБ", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["filters"] == {"brands": ["ZZB-GROUP"]}
    assert data["blocks"]["requested"]["total"] == 1


def test_filters_brands_are_brand_names() -> None:
    assert Filters(brands=[]) == Filters() and Filters(brands=set()).brands is None
    assert hash(Filters(brands=["A", "B"])) == hash(Filters(brands={"B", "A"}))
    for bad in ([1], 5, [["MANN"]], frozenset({2})):
        with pytest.raises(SearchError, match=r"Filters\.brands holds brand names"):
            Filters(brands=bad)  # type: ignore[arg-type]
