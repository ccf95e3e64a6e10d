"""Price levels from a catalog config: malformed rules are errors naming the file, the level and
the rule; a rule's brand is read through the catalog's registry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from partsearch import CatalogError, Engine
from partsearch.brands import BrandRegistry, default_registry
from partsearch.cli import main
from partsearch.ranking.levels import parse_levels
from tests.conftest import first_matches


@pytest.mark.parametrize(("rules", "message"), [
    ([5], r"level 'w' rule 1: must be a table"),
    ([{"percent": "abc"}], r"level 'w' rule 1: percent must be a number, not 'abc'"),
    ([{"percent": True}], r"rule 1: percent must be a number"),
    ([{"percent": float("nan")}], r"rule 1: percent must be a number"),
    ([{"max_price": "x", "percent": 5}, {"percent": 1}],
     r"level 'w' rule 1: max_price must be a number, not 'x'"),
    ([{"percent": -150}], r"rule 1: percent must be above -100, not -150"),
    ([{"percent": -100}], r"rule 1: percent must be above -100"),
    # (above -100, but 0.00 % of the price in the hundredths a factor keeps)
    ([{"percent": -99.999}], r"rule 1: percent -99.999 makes every price 0.00"),
    ([{"percent": 5}, {"percent": -99.995}], r"level 'w' rule 2: percent -99.995 makes every"),
    ([{"min_price": -5, "percent": 5}, {"percent": 1}], r"rule 1: min_price must not be negative"),
    ([{"min_price": 500, "max_price": 100, "percent": 5}, {"percent": 1}],
     r"rule 1: min_price 500 must be below max_price 100"),
    ([{"supplier": 7, "percent": 5}, {"percent": 1}], r"rule 1: supplier must be a non-empty"),
    ([{"percent": 5}, {"brand": " ", "percent": 5}], r"rule 2: brand must be a non-empty"),
    ([{"percent": 5, "markup": 1}], r"rule 1: unknown keys \['markup'\]$"),
    ([{"percnt": 5}], r"rule 1: needs 'percent', unknown keys \['percnt'\]$"),
    ([{"brand": "BOSCH"}, {"percent": 1}], r"rule 1: needs 'percent'$"),
    # (the ranking's int64 kopecks: 823 % of the largest price a file may hold wraps negative)
    ([{"percent": 823}], r"rule 1: percent 823 on prices up to 999,999,999,999.99 goes past"),
    ([{"percent": 5}, {"min_price": 10, "percent": 1e300}], r"rule 2: percent 1e\+300 on"),
])
def test_a_malformed_rule_is_an_error_naming_file_level_and_rule(
        rules: list[Any], message: str) -> None:
    with pytest.raises(CatalogError, match=message) as err:
        parse_levels({"w": {"rules": rules}}, "cat/catalog.toml")
    assert err.value.path == "cat/catalog.toml"


def test_a_discount_above_minus_100_percent_keeps_prices_positive() -> None:
    level = parse_levels({"w": {"rules": [{"percent": -99.99}]}}, "x")["w"]
    out = level.apply(np.array([1, 100, 10**9]), np.array(["S"] * 3, dtype=object),
                      np.array(["B"] * 3, dtype=object))
    assert (out > 0).all()


def test_a_percent_is_kept_to_hundredths() -> None:
    level = parse_levels({"w": {"rules": [{"percent": 33.333}]}}, "x")["w"]
    one = np.array(["S"], dtype=object)
    assert level.apply(np.array([100_000]), one, one).tolist() == [133_330]  # as 33.33 %
    deepest = parse_levels({"w": {"rules": [{"percent": -99.99}]}}, "x")["w"]
    assert deepest.apply(np.array([100]), one, one).tolist() == [1]


def test_percents_and_price_bounds_round_half_up_as_written() -> None:
    """A percent with a third decimal of 5 goes up, as every price does: ``round(x * 100)`` of
    the binary float made 1.005 % 1.00 % and 2.675 % 2.68 %. A band's bounds are exact: a
    price is below ``max_price = 10.005`` up to 10.00 (it ended at 9.99), at least
    ``min_price = 10.001`` from 10.01 (10.00 matched)."""
    one = np.array(["S"], dtype=object)
    for percent, sold in ((1.005, 100_000 + 1_010), (2.675, 100_000 + 2_680), (0.015, 100_020)):
        level = parse_levels({"w": {"rules": [{"percent": percent}]}}, "x")["w"]
        assert level.apply(np.array([100_000]), one, one).tolist() == [sold], percent
    three = np.array(["S"] * 3, dtype=object)
    for band, sold in (({"max_price": 10.005}, [1_500, 1_001, 1_002]),
                       ({"min_price": 10.001}, [1_000, 1_502, 1_503])):
        banded = parse_levels({"w": {"rules": [band | {"percent": 50}, {"percent": 0}]}},
                              "x")["w"]
        assert banded.apply(np.array([1_000, 1_001, 1_002]), three, three).tolist() == sold
    with pytest.raises(CatalogError, match="deepest discount"):
        parse_levels({"w": {"rules": [{"percent": -99.995}]}}, "x")
    # (a band with no whole kopeck in it matched nothing and was taken in silence)
    with pytest.raises(CatalogError, match="by a kopeck at least"):
        parse_levels({"w": {"rules": [{"min_price": 10.001, "max_price": 10.009, "percent": 5},
                                      {"percent": 0}]}}, "x")


def test_a_large_markup_is_exact_up_to_the_largest_price_its_rule_applies_to() -> None:
    from partsearch._money import MAX_KOPECKS

    one = np.array(["S"], dtype=object)
    top = parse_levels({"w": {"rules": [{"percent": 822}]}}, "x")["w"]
    assert top.apply(np.array([MAX_KOPECKS]), one, one).tolist() == \
        [-(-MAX_KOPECKS * 92_200 // 10_000)]
    # a band caps the price a large markup meets, so it may go far higher
    cheap = parse_levels({"w": {"rules": [{"max_price": 100, "percent": 5000},
                                          {"percent": 20}]}}, "x")["w"]
    assert cheap.apply(np.array([9_999, 10_000]), np.array(["S"] * 2, dtype=object),
                       np.array(["B"] * 2, dtype=object)).tolist() == [509_949, 12_000]


def test_a_rules_brand_is_read_through_the_given_registry(tmp_path: Path) -> None:
    (tmp_path / "brands.toml").write_text('["ZZB-GROUP"]\naliases = ["ЗЗБ"]\n', encoding="utf-8")
    registry = BrandRegistry.load(tmp_path / "brands.toml", base=default_registry())
    raw = {"w": {"rules": [{"brand": "ЗЗБ", "percent": 500}, {"percent": 1}]}}
    assert parse_levels(raw, "x", registry)["w"].rules[0].brand == "ZZB-GROUP"
    assert parse_levels(raw, "x")["w"].rules[0].brand == "ЗЗБ"  # the shipped registry's


def test_the_cli_reports_a_malformed_config_with_exit_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    catalog = tmp_path / "cat"
    catalog.mkdir()
    (catalog / "catalog.toml").write_text('[levels.retail]\nrules = [{ percent = "abc" }]\n',
                                          encoding="utf-8")
    with pytest.raises(CatalogError, match=r"catalog.toml: level 'retail' rule 1: percent"):
        Engine.open(catalog)
    assert main(["search", str(catalog), "W 712/1", "--brand", "MANN"]) == 2
    assert "level 'retail' rule 1: percent must be a number" in capsys.readouterr().err
    for text, message in (("levels = {}\n", "'levels' must be a table"),
                          ("default_level = 5\n", "default_level 5 is not a level"),
                          ("popular_brands = [1]\n", "popular_brands must be a list of brand"),
                          # (a negative or zero limit marks every file's offer stale)
                          ("stale_after_hours = -5\n", "stale_after_hours must be above 0, not -5"),
                          ("stale_after_hours = 0\n", "stale_after_hours must be above 0, not 0"),
                          ("stale_after_hours = nan\n", "stale_after_hours must be a number, "
                                                         "not nan"),
                          ("stale_after_hours = true\n", "stale_after_hours must be a number")):
        (catalog / "catalog.toml").write_text(text, encoding="utf-8")
        with pytest.raises(CatalogError, match=message):
            Engine.open(catalog)


def test_a_level_shows_the_supplier_price_only_where_its_table_says_so(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.conftest import write_catalog

    catalog = write_catalog(tmp_path, {"p.csv": "brand;article;price\nMANN;W 712/1;100,00\n"},
                            '[S]\nfile = "p.csv"\ndelimiter = ";"\ncolumns = { brand = "brand", '
                            'article = "article", price = "price" }\n')
    (catalog / "catalog.toml").write_text(
        'default_level = "retail"\n[levels.retail]\nrules = [ { percent = 40 } ]\n'
        '[levels.trade]\nsupplier_price = true\nrules = [ { percent = 10 } ]\n',
        encoding="utf-8")
    engine = Engine.open(catalog)
    for level, shown in ((None, None), ("retail", None), ("trade", "100.00")):
        r = engine.search("W 712/1", brand="MANN", level=level, show_supplier_price=True)
        assert [o.supplier_price for o in r.requested.offers] == [shown], level
        assert engine.search_json("W 712/1", brand="MANN", level=level,
                                  show_supplier_price=True) == r.to_json()
    assert main(["search", str(catalog), "W 712/1", "--brand", "MANN", "--supplier-price",
                 "--json"]) == 0
    assert '"supplier_price": null' in capsys.readouterr().out
    assert main(["search", str(catalog), "W 712/1", "--brand", "MANN", "--supplier-price"]) == 0
    assert "100.00" not in capsys.readouterr().out  # the table: 140.00 only
    assert main(["search", str(catalog), "W 712/1", "--brand", "MANN", "--supplier-price",
                 "--level", "trade"]) == 0
    assert "(100.00)" in capsys.readouterr().out


@pytest.mark.parametrize(("body", "message"), [
    ({"rules": [{"percent": 5}], "supplier_price": True}, r"'guest'.*never shows"),
    ({"rules": [{"percent": 5}], "supplier_price": "yes"}, r"supplier_price must be true or"),
    ({"rules": [{"percent": 5}], "markup": 5}, r"unknown keys \['markup'\]")])
def test_a_levels_supplier_price_setting_is_checked(body: dict[str, Any], message: str) -> None:
    with pytest.raises(CatalogError, match=message):
        parse_levels({"guest": body}, "catalog.toml")


@pytest.mark.parametrize(("rules", "message"), [
    # a wider band first: the narrower one after it never applies
    ([{"max_price": 10000, "percent": 35}, {"max_price": 1000, "percent": 45}, {"percent": 25}],
     r"level 'w' rule 2 \{ max_price = 1000, percent = 45 \} can never match: rule 1 "
     r"\{ max_price = 10000, percent = 35 \} matches every offer it does"),
    # anything after a catch-all, the level's last rule too
    ([{"percent": 10}, {"brand": "BOSCH", "percent": 5}, {"percent": 12}],
     r"rule 2 \{ brand = \"BOSCH\", percent = 5 \} can never match: rule 1 \{ percent = 10 \}"),
    ([{"percent": 10}, {"percent": 12}], r"rule 2 \{ percent = 12 \} can never match"),
    # two bands together, with the same supplier (or none) and any brand
    ([{"supplier": "S", "max_price": 500, "percent": 1}, {"min_price": 400, "percent": 2},
      {"supplier": "S", "brand": "mann", "max_price": 900, "percent": 3}, {"percent": 4}],
     r"rule 3 .* can never match: rules 1 \{ supplier = \"S\", max_price = 500, percent = 1 \} "
     r"and 2 \{ min_price = 400, percent = 2 \} match every offer it does"),
    # a brand read through the registry: two spellings of one brand are one condition
    ([{"brand": "Mann & Hummel", "percent": 1}, {"brand": "MANN", "max_price": 9, "percent": 2},
      {"percent": 3}], r"rule 2 .* can never match: rule 1"),
])
def test_a_rule_an_earlier_one_shadows_is_an_error_naming_both(
        rules: list[Any], message: str) -> None:
    with pytest.raises(CatalogError, match=message) as err:
        parse_levels({"w": {"rules": rules}}, "cat/catalog.toml")
    assert err.value.path == "cat/catalog.toml"


@pytest.mark.parametrize("rules", [
    # overlapping bands: the first match wins on the overlap, each still has offers of its own
    [{"max_price": 1000, "percent": 45}, {"min_price": 400, "max_price": 2000, "percent": 5},
     {"percent": 25}],
    # a wider condition does not cover a narrower one of another kind, nor a gap between bands
    [{"supplier": "S", "percent": 1}, {"brand": "BOSCH", "percent": 2}, {"percent": 3}],
    [{"supplier": "S", "brand": "BOSCH", "percent": 1}, {"supplier": "S", "percent": 2},
     {"percent": 3}],
    [{"max_price": 500, "percent": 1}, {"min_price": 501, "percent": 2}, {"percent": 4}],
    # bands that cover every price before the catch-all a level must end with (without it
    # the level is refused; with it, it was refused as never matching)
    [{"max_price": 1000, "percent": 45}, {"min_price": 1000, "percent": 30}, {"percent": 25}],
])
def test_rules_each_with_offers_of_their_own_are_accepted(rules: list[Any]) -> None:
    assert len(parse_levels({"w": {"rules": rules}}, "x")["w"].rules) == len(rules)


shadow_rule = st.builds(
    lambda supplier, brand, low, width, percent: {
        k: v for k, v in (("supplier", supplier), ("brand", brand), ("min_price", low),
                          ("max_price", None if width is None else (low or 0) + width + 1),
                          ("percent", percent))
        if v is not None},
    st.sampled_from([None, "A", "B"]), st.sampled_from([None, "QQA", "QQB"]),
    st.one_of(st.none(), st.integers(0, 20)), st.one_of(st.none(), st.integers(0, 20)),
    st.integers(0, 50))


@given(st.lists(shadow_rule, max_size=6), st.sampled_from([[], [{"percent": 7}]]))
def test_a_level_is_refused_exactly_when_a_rule_is_the_first_match_of_no_offer(
        rules: list[dict[str, Any]], ends: list[dict[str, Any]]) -> None:
    rules = [*rules, *ends, {"percent": 9}]
    never = sorted(set(range(len(rules))) - first_matches(rules))
    if never and never[-1] == len(rules) - 1 and not any(r.keys() == {"percent"}
                                                         for r in rules[:-1]):
        never.pop()  # (the catch-all a level must end with, which bands may leave no price)
    if not never:
        assert len(parse_levels({"w": {"rules": rules}}, "x")["w"].rules) == len(rules)
    else:
        with pytest.raises(CatalogError, match=rf"level 'w' rule {never[0] + 1} .* can never"):
            parse_levels({"w": {"rules": rules}}, "x")


def test_readme_states_the_default_levels() -> None:
    """README's table of the levels a catalog without a ``catalog.toml`` has is DEFAULT_LEVELS,
    rule for rule (it once said only that defaults apply, and a reader of its example took
    ``registered`` for a flat 20 %)."""
    import tomllib

    from partsearch.ranking import DEFAULT_LEVELS

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    start = readme.index("defaults apply, `guest` the default level")
    opened = readme.index("```toml\n", start) + 8
    assert tomllib.loads(readme[opened:readme.index("```", opened)])["levels"] == DEFAULT_LEVELS
