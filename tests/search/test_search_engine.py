"""Engine.search over the fixture world and over small hand-made catalogs."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from partsearch import CatalogError, Engine, Filters, SearchError
from partsearch.cli import main
from partsearch.loading import load_suppliers
from partsearch.search.engine import NO_CROSS_INDEX


@pytest.fixture(scope="module")
def engine(world_catalog: Path) -> Engine:
    return Engine.open(world_catalog)


def _names(block) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [(o.brand, o.article) for o in block.offers]


def test_story_blocks(engine: Engine) -> None:
    r = engine.search("W 920/21", brand="Mann & Hummel")
    assert r.status == "ok" and r.brand == "MANN-FILTER"
    assert r.requested.total >= 2
    assert {(o.brand, o.article, o.why) for o in r.requested.offers} == {
        ("MANN-FILTER", "W 920/21", "requested")}
    analogs = _names(r.analogs)
    assert ("FILTRON", "OP 520") in analogs and ("KNECHT", "OC 90") in analogs
    # the fuel filter came only through a wrong cross, which the guard held back
    assert ("FILTRON", "PS 842") not in analogs
    hops = [o.hops for o in r.analogs.offers]
    assert hops == sorted(hops) and hops[0] == 1
    assert r.oem_replacements.total == 0  # MANN is not an OEM maker: VAG numbers are analogs
    assert ("VAG", "06A 115 561 B") in analogs
    assert all(o.why == "analog" for o in r.analogs.offers)


def test_oem_search_has_oem_replacements(engine: Engine) -> None:
    r = engine.search("06A115561B", brand="VW")
    assert r.brand == "VAG"
    assert _names(r.oem_replacements) and all(
        b == "VAG" for b, _ in _names(r.oem_replacements))
    assert all(o.why == "oem_replacement" for o in r.oem_replacements.offers)
    assert all(b != "VAG" for b, _ in _names(r.analogs))


def test_brand_choice_without_brand(engine: Engine) -> None:
    r = engine.search("OC-90")
    assert r.status == "choose_brand"
    assert [b.brand for b in r.brands] == ["KNECHT", "MAHLE"]
    assert all(b.offers > 0 and b.description for b in r.brands)
    single = engine.search("W92021")  # only MANN has it: the search goes on
    assert single.status == "ok" and single.brand == "MANN-FILTER"


def _reference_choices(engine: Engine, article: str) -> list[tuple[str, int, bool]]:
    """Brand choice the slow way: every offer row of every supplier file read, counted by
    brand where its article key is the article's (folded, or as written in Cyrillic)."""
    from collections import Counter

    from partsearch import article_key

    keys = {article_key(article), article_key(article, keep_cyrillic=True)}
    counts: Counter[str] = Counter()
    for segment in engine._state.store.segments:
        for row in segment.table.select(["brand", "article_key"]).to_pylist():
            if row["article_key"] in keys:
                counts[row["brand"]] += 1
    index = engine.index
    in_index = {b for b, _ in index.brands_for_article(article)} if index else set()
    return [(b, counts[b], b in in_index) for b in sorted(set(counts) | in_index)]


def test_a_brand_typed_beside_the_article(engine: Engine) -> None:
    """A query naming its brand before or after the article, as buyers paste it, is that
    brand's search; the result says how it was read."""
    plain = engine.search("W 920/21", brand="MANN")
    for query, article in [("MANN W 920/21", "W 920/21"), ("W920/21 mann", "W920/21"),
                           ("Mann & Hummel W 920/21", "W 920/21"),
                           ("MANN FILTER W 920/21", "W 920/21")]:
        r = engine.search(query)
        assert (r.status, r.article, r.brand) == ("ok", article, "MANN-FILTER"), query
        assert r.requested == plain.requested and r.analogs == plain.analogs
        assert engine.search_json(query) == r.to_json()
    with_brand = engine.search("MANN W 920/21", brand="MANN")  # typed in both places
    assert (with_brand.status, with_brand.article) == ("ok", "W 920/21")
    assert with_brand.requested == plain.requested
    assert engine.search_json("MANN W 920/21", brand="MANN") == with_brand.to_json()
    assert engine.search("MANN W 920/21", brand="KNECHT").status == "not_found"
    # a brand that lacks the rest as an article, or an article nobody has: not found
    for query in ("KNECHT W 920/21", "MANN W 920/22", "MANN"):
        assert engine.search(query).status == "not_found", query


def test_a_brand_the_catalog_does_not_know_typed_beside_the_article(engine: Engine) -> None:
    """A misspelled or Cyrillic brand beside an article the catalog has ("Bosh 0 986 452
    041", "Манн W 920/21") was "Nothing found." with no suggestion, where --brand Bosh offers
    the article's brands: it is now read as that brand's search, the same answer."""
    for query, article, brand in [("Bosh W 920/21", "W 920/21", "Bosh"),
                                  ("MANN-FLTER W 920/21", "W 920/21", "MANN-FLTER"),
                                  ("Мнн W 920/21", "W 920/21", "Мнн"),
                                  ("Bosh OC 90", "OC 90", "Bosh")]:
        r = engine.search(query)
        as_brand = engine.search(article, brand=brand)
        assert (r.status, r.article, r.brand) == ("not_found", article, brand), query
        assert r.suggestions and r.suggestions == as_brand.suggestions, query
        assert r.brands == as_brand.brands and r.brands, query
        assert engine.search_json(query) == r.to_json() == as_brand.to_json(), query
    assert engine.search("Bosh OC 90").suggestions == ("KNECHT", "MAHLE")
    # a Cyrillic spelling the registry gives as an alias is that brand: found
    r = engine.search("Манн W 920/21")
    assert (r.status, r.article, r.brand) == ("ok", "W 920/21", "MANN-FILTER")
    # a mistyped article keeps its own suggestions (after it, a brand's letters read as the
    # article's: suggested as the article alone); an article nobody has is not found
    for query in ("W 920/2l", "W 920/21 Mannn"):
        assert engine.search(query).suggestions == ("W92021",), query
    assert engine.search("Bosh W 920/22").suggestions == ()


def test_a_query_typed_with_the_russian_layout_on(engine: Engine) -> None:
    """The keys of W920/21 with the keyboard on Russian give "Ц920.21": searched as the Latin
    keys read (the result says so); with the brand typed beside it too; a reading nobody has
    either lends its suggestions."""
    r = engine.search("Ц920.21")
    assert (r.status, r.article, r.brand) == ("ok", "W920.21", "MANN-FILTER")
    assert r.requested == engine.search("W 920/21", brand="MANN").requested
    assert engine.search_json("Ц920.21") == r.to_json()
    both = engine.search("ьфтт ц 920.21")
    assert (both.status, both.article, both.brand) == ("ok", "W 920.21", "MANN-FILTER")
    choice = engine.search("ЩС90")  # OC90: several makers
    assert choice.status == "choose_brand" and choice.article == "OC90"
    typo = engine.search("ЩС 91")
    assert (typo.status, typo.article) == ("not_found", "ЩС 91") and "OC90" in typo.suggestions
    assert engine.search("ЪЪ").status == "not_found"  # "]]": nothing to search
    branded = engine.search("Ц920.21", brand="MANN")  # with its brand, too
    assert (branded.status, branded.article) == ("ok", "W920.21")
    assert branded.requested == r.requested
    assert engine.search_json("Ц920.21", brand="MANN") == branded.to_json()
    assert engine.search("Ц920.21", brand="KNECHT").status == "not_found"


@given(st.text(max_size=12))
def test_latin_layout_leaves_no_russian_letter(text: str) -> None:
    from partsearch.search._suggest import latin_layout

    latin = latin_layout(text)
    assert len(latin) == len(text) and latin_layout(latin) == latin
    assert not any("а" <= ch.lower() <= "я" or ch.lower() == "ё" for ch in latin)
    assert [a for a, b in zip(text, latin, strict=True) if a == b] == [
        a for a in text if not ("а" <= a.lower() <= "я" or a.lower() == "ё")]


def test_a_query_found_whole_is_not_split(tmp_path: Path) -> None:
    engine = Engine.open(_catalog(tmp_path, "Бренд;Артикул;Цена;Кол-во;Срок\n"
                                  "FEBI;AB 12;100,00;1;1\nAB;12;50,00;1;1\n"))
    assert engine.search("AB 12").brand == "FEBI BILSTEIN"  # its own article, whole
    assert engine.search("12 AB").brand == "AB"  # nobody's whole: AB's 12


def test_brand_choices_match_a_scan_of_every_offer(engine: Engine,
                                                   world_parts: list[tuple[str, str]]) -> None:
    articles = sorted({a for _, a in world_parts} | {
        a for s in engine._state.store.segments for a in s.table.column("article").to_pylist()})
    assert len(articles) > 100
    several = 0
    for article in articles:
        got = [(c.brand, c.offers, c.in_cross_index) for c in engine.brand_choices(article)]
        assert got == _reference_choices(engine, article), article
        several += sum(1 for _, n, _ in got if n) > 1
    assert several  # articles that several makers offer: the counts are per brand


def test_brand_choice_finds_cyrillic_articles_in_offers(tmp_path: Path) -> None:
    """A maker that writes real Cyrillic articles (ЗМЗ) offered under its Cyrillic key, beside
    a maker whose look-alike letters fold to Latin: without a brand, both come up."""
    engine = Engine.open(_catalog(tmp_path, "Бренд;Артикул;Цена;Кол-во;Срок\n"
                                  "ЗМЗ;РК-15;100,00;1;1\nЗМЗ;РК-15;110,00;1;1\n"
                                  "KNECHT;PK 15;90,00;2;1\nMANN;W 712/1;1,00;1;1\n"))
    got = [(c.brand, c.offers) for c in engine.brand_choices("РК15")]
    assert got == [(b, n) for b, n, _ in _reference_choices(engine, "РК15")]
    assert got == [("KNECHT", 1), ("ЗМЗ", 2)]
    assert engine.search("РК-15", brand="ЗМЗ").requested.total == 2


def test_misspelled_brand_and_unknown_article(engine: Engine) -> None:
    r = engine.search("W 920/21", brand="MANNN")
    assert r.status == "not_found" and r.suggestions[0] == "MANN-FILTER"
    r = engine.search("W 920/22")
    assert r.status == "not_found" and "W92021" in r.suggestions
    # a brand the registry knows, with an article nobody has: the articles it may have
    # meant, not MANN's look-alikes (ACKERMANN, WEIDEMANN filled four of five places)
    r = engine.search("W 920/22", brand="MANN")
    assert r.status == "not_found" and r.suggestions[0] == "W92021"
    assert not set(r.suggestions) & set(engine._state.registry.suggest("MANN"))
    with pytest.raises(SearchError):
        engine.search("--")


def test_filters(engine: Engine) -> None:
    base = engine.search("W 920/21", brand="MANN")
    stock = engine.search("W 920/21", brand="MANN", filters=Filters(in_stock=True))
    assert all((o.quantity or 0) > 0
               for b in stock.blocks for o in b.offers)
    # (every offer of this part has stock, most of it a lower bound: "10+", "много")
    assert stock.analogs == base.analogs
    assert any(not o.quantity_exact for o in stock.analogs.offers)
    fast = engine.search("W 920/21", brand="MANN", filters=Filters(max_delivery_hours=48))
    assert fast.analogs.total and all(o.delivery_hours <= 48 for o in fast.analogs.offers)
    m2 = engine.search("W 920/21", brand="MANN", filters=Filters(pickup_point="M2"))
    assert m2.analogs.total and {o.supplier for o in m2.analogs.offers} == {"BETA"}
    knecht = engine.search("W 920/21", brand="MANN", filters=Filters(brands=frozenset({"KNECHT"})))
    assert {o.brand for o in knecht.analogs.offers} == {"KNECHT"}
    assert dict(knecht.filters)["brands"] == ("KNECHT",)  # (immutable, as the result)
    assert knecht.to_dict()["filters"]["brands"] == ["KNECHT"]


def test_sorts(engine: Engine) -> None:
    r = engine.search("W 920/21", brand="MANN", sort=("price", True))
    prices = [float(o.price) for o in r.analogs.offers]
    assert prices == sorted(prices, reverse=True)
    assert r.sort == ("price", True)
    default = engine.search("W 920/21", brand="MANN")
    assert default.sort == ("delivery", False)
    with pytest.raises(SearchError, match="unknown sort"):
        engine.search("W 920/21", brand="MANN", sort=("colour", False))


@pytest.mark.parametrize(("options", "message"), [
    ({"sort": ("price",)}, r"sort must be \(column, descending\)"),
    ({"sort": "price"}, r"not the text 'price'"),
    ({"sort": ("price", 1)}, r"descending must be True or False, not 1"),
    ({"filters": {"in_stock": True}}, r"filters must be a partsearch.Filters, not \{"),
    ({"analogs_offset": "20"}, r"analogs_offset must be a whole number, not '20'"),
    ({"analogs_offset": None}, r"analogs_offset must be a whole number, not None"),
    ({"analogs_limit": 2.5}, r"analogs_limit must be a whole number, not 2.5"),
    ({"oem_offset": True}, r"oem_offset must be a whole number, not True"),
    ({"oem_limit": "1"}, r"oem_limit must be a whole number, not '1'"),
    ({"level": ["guest"]}, r"unknown price level \['guest'\]; the catalog has guest"),
    ({"now": "2026-12-01"}, r"now must be a datetime, not '2026-12-01'"),
    ({"show_all": "false"}, r"show_all must be True or False, not 'false'"),
    ({"show_all": 1}, r"show_all must be True or False, not 1"),
    ({"show_supplier_price": "false"}, r"show_supplier_price must be True or False, not 'f"),
    ({"show_supplier_price": 0}, r"show_supplier_price must be True or False, not 0"),
    ({"show_supplier_price": None}, r"show_supplier_price must be True or False, not None")])
def test_a_bad_search_argument_is_a_search_error(engine: Engine, options: dict[str, Any],
                                                 message: str) -> None:
    """A caller needs one ``except PartsearchError``: these escaped as IndexError, TypeError,
    AttributeError or numba's TypingError."""
    for search in (engine.search, engine.search_json):
        with pytest.raises(SearchError, match=message):
            search("W 920/21", "MANN", **options)


def test_a_search_reads_its_arguments_as_given(engine: Engine) -> None:
    listed = engine.search("W 920/21", "MANN", sort=["price", True])  # type: ignore[arg-type]
    assert listed == engine.search("W 920/21", "MANN", sort=("price", True))
    assert listed.sort == ("price", True)
    echo = json.loads(engine.search_json("W 920/21", "MANN", sort=("price", True)))["sort"]
    assert engine.search("W 920/21", "MANN", sort=echo) == listed  # (kept for the next one)
    numpy_page = engine.search("W 920/21", "MANN", analogs_limit=np.int64(2))  # type: ignore
    assert numpy_page == engine.search("W 920/21", "MANN", analogs_limit=2)
    numpy_all = engine.search("W 920/21", "MANN", show_all=np.True_)  # type: ignore[arg-type]
    assert numpy_all == engine.search("W 920/21", "MANN", show_all=True)
    for article in (155093, None, b"W92021"):
        with pytest.raises(SearchError, match=r"cannot search .*: an article is text"):
            engine.search(article, "MANN")  # type: ignore[arg-type]
        with pytest.raises(SearchError, match=r"an article is text"):
            engine.search_json(article)  # type: ignore[arg-type]
    # a brand not text: NormalizationError of the registry's, where README says SearchError
    for brand in (5, b"MANN", ["MANN"]):
        for search in (engine.search, engine.search_json, engine.search_live_sync):
            with pytest.raises(SearchError, match=r"cannot search 'W 920/21': a brand is text"):
                search("W 920/21", brand)  # type: ignore[operator]


def test_an_empty_brand_is_no_brand(engine: Engine) -> None:
    """A web form's empty brand box, as the empty article box, is no brand, where it raised
    NormalizationError."""
    for blank in ("", "  ", "-", "\u00ad"):  # ("-" and a soft hyphen alone raised)
        assert engine.search("W 920/21", blank) == engine.search("W 920/21")
        assert engine.search_json("W 920/21", blank) == engine.search_json("W 920/21")
        assert engine.search("OC-90", blank).status == "choose_brand"


def test_a_blank_pickup_point_level_or_sort_is_none_chosen(
        engine: Engine, world_catalog: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """README: a blank ``pickup_point`` is no filter. " " or a tab filtered for a point called
    " ", emptied every block and noted "pickup point ' ': no supplier delivers there"; a blank
    level was an unknown level and a blank ``--sort`` an unknown column, where an empty one is
    the default. The library, its JSON and the CLI agree."""
    plain = engine.search("W 920/21", "MANN")
    assert plain.requested.total > 0 and plain.analogs.total > 0
    for blank in ("", " ", "\t", "\u00a0", " \u200b\n"):
        for options in ({"filters": Filters(pickup_point=blank)}, {"level": blank}):
            r = engine.search("W 920/21", "MANN", **options)
            assert r == plain and r.notes == () and r.level == "guest", (blank, options)
            answer = engine.search_json("W 920/21", "MANN", **options)
            assert answer == plain.to_json()
            assert json.loads(answer)["filters"] == {} and json.loads(answer)["notes"] == []
            live = engine.search_live_sync("W 920/21", "MANN", deadline_s=0.01, **options)
            assert [b.total for b in live.blocks] == [b.total for b in plain.blocks]
    with pytest.raises(SearchError, match=r"unknown price level 'nope'"):
        engine.search("W 920/21", "MANN", level="nope")
    outputs = []
    for options in ([], ["--pickup", " ", "--level", "\t", "--sort", " "],
                    ["--pickup", "", "--level", "", "--sort", ""],
                    ["--pickup", "\u200b", "--level", "\ufeff", "--sort", " \u200b"]):
        assert main(["search", str(world_catalog), "W 920/21", "--brand", "MANN", "--json",
                     *options]) == 0
        outputs.append(json.loads(capsys.readouterr().out))
    assert outputs[1] == outputs[0] == outputs[2] == outputs[3]
    assert outputs[1]["filters"] == {} and outputs[1]["notes"] == []
    assert outputs[1]["blocks"]["requested"]["total"] == plain.requested.total


def test_a_limit_below_one_is_one_and_popular_without_popular_brands_keeps_none(
        engine: Engine) -> None:
    """As the README says: a page's limit is at least 1; ``popular`` with no
    ``popular_brands`` in catalog.toml (the fixture world has none) keeps no offer."""
    assert not engine._state.config.popular_brands
    for limit in (0, -3):
        r = engine.search("W 920/21", "MANN", analogs_limit=limit, oem_limit=limit)
        assert len(r.analogs.offers) == 1 and r.analogs.has_more
    r = engine.search("W 920/21", "MANN", filters=Filters(popular=True))
    assert r.status == "ok" and all(b.total == 0 for b in r.blocks)


def test_price_levels_and_supplier_price(engine: Engine) -> None:
    guest = engine.search("W 920/21", brand="MANN", show_supplier_price=True)
    assert all(o.supplier_price is None for b in guest.blocks for o in b.offers)
    whole = engine.search("W 920/21", brand="MANN", level="wholesale", show_supplier_price=True)
    for o in whole.requested.offers:
        assert o.supplier_price is not None and float(o.price) > float(o.supplier_price)
    g = {o.supplier: float(o.price) for o in guest.requested.offers}
    w = {o.supplier: float(o.price) for o in whole.requested.offers}
    assert all(g[s] > w[s] for s in w)
    with pytest.raises(SearchError, match="unknown price level"):
        engine.search("W 920/21", brand="MANN", level="vip")


def test_paging_and_json(engine: Engine) -> None:
    first = engine.search("W 920/21", brand="MANN", analogs_limit=5)
    assert len(first.analogs.offers) == 5 and first.analogs.has_more
    second = engine.search("W 920/21", brand="MANN", analogs_limit=5, analogs_offset=5)
    assert second.analogs.offset == 5
    assert not set(map(id, first.analogs.offers)) & set(map(id, second.analogs.offers))
    full = engine.search("W 920/21", brand="MANN")
    assert [o.to_dict() for o in full.analogs.offers[5:10]] == \
        [o.to_dict() for o in second.analogs.offers]
    data = json.loads(json.dumps(full.to_dict()))
    assert set(data["blocks"]) == {"requested", "oem_replacements", "analogs"}
    assert data["blocks"]["analogs"]["total"] == full.analogs.total


def test_results_are_immutable_values(engine: Engine) -> None:
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    result = engine.search("W 920/21", brand="MANN", now=now)
    for value in (result, result.analogs, result.analogs.offers[0]):
        with pytest.raises(AttributeError):
            value.status = "changed"  # type: ignore[misc,union-attr]
    # the same search gives an equal value; a derived copy leaves the original as it was
    assert result == engine.search("W 920/21", brand="MANN", now=now)
    moved = result._replace(status="not_found")
    assert moved.status == "not_found" and result.status == "ok"
    assert moved.analogs is result.analogs


def test_stale_prices_are_flagged(engine: Engine) -> None:
    later = datetime.now(UTC) + timedelta(days=10)
    r = engine.search("W 920/21", brand="MANN", now=later)
    assert all(o.stale and (o.age_hours or 0) > 72 for o in r.requested.offers)
    assert not any(o.stale for o in engine.search("W 920/21", brand="MANN").requested.offers)



def test_price_ages_follow_each_searchs_time(engine: Engine) -> None:
    # the shown terms are remembered per second of the search's time: searches at other times,
    # and again at the first, each get their own ages
    first = datetime.now(UTC) + timedelta(days=1)

    def ages(now: datetime) -> list[float | None]:
        offers = engine.search("W 920/21", brand="MANN", now=now).requested.offers
        assert offers and all(o.age_hours is not None for o in offers)
        return [o.age_hours for o in offers]

    base = ages(first)
    for later, hours in ((timedelta(hours=10), 10.0), (timedelta(minutes=30), 0.5)):
        # (a tenth of an hour each way: each age is rounded on its own)
        assert all(abs(b - a - hours) <= 0.1 + 1e-9 for a, b in
                   zip(base, ages(first + later), strict=True) if a is not None and b is not None)
    assert ages(first) == base


PRICE = """Бренд;Артикул;Цена;Кол-во;Срок
MANN;W 712/1;500,00;5;5
MANN;W 712/1;400,00;5;4
MANN;W 712/1;300,00;5;3
MANN;W 712/1;900,00;5;1
MANN;W 712/1;100,00;5;9
MANN;W 712/1;50,00;5;10
"""


def _catalog(tmp_path: Path, price: str = PRICE, extra: str = "") -> Path:
    (tmp_path / "p.csv").write_text(price, encoding="utf-8")
    (tmp_path / "s.toml").write_text(
        '[ALFA]\nfile = "p.csv"\ndelivery_hours = 24\npickup_points = ["A"]\n'
        'columns = { brand = "Бренд", article = "Артикул", price = "Цена", '
        'quantity = "Кол-во", delivery_days = "Срок" }\n' + extra, encoding="utf-8")
    catalog = tmp_path / "cat"
    load_suppliers(tmp_path / "s.toml", catalog)
    return catalog


def test_in_stock_keeps_a_lower_bound_above_zero(tmp_path: Path) -> None:
    """A supplier writing ">10", "10+" or "много" has stock: in_stock hid them all (exact
    quantities only); an unknown quantity, one on order and 0 stay out."""
    rows = ["5", ">10", "10+", "много", "под заказ", "0", ""]
    catalog = _catalog(tmp_path, PRICE.splitlines()[0] + "\n" + "".join(
        f"MANN;W 712/1;{100 + i},00;{q};{i}\n" for i, q in enumerate(rows)))
    engine = Engine.open(catalog)
    stock = Filters(in_stock=True)
    r = engine.search("W 712/1", brand="MANN", filters=stock, show_all=True)
    assert sorted((o.quantity, o.quantity_exact) for o in r.requested.offers) == [
        (1, False), (5, True), (10, False), (10, False)]
    assert engine.search_json("W 712/1", brand="MANN", filters=stock, show_all=True
                              ) == r.to_json()
    assert [c.offers for c in engine.brand_choices("W 712/1", stock)] == [4]


def test_in_stock_reads_more_than_none_as_stock_and_fewer_than_one_as_none(
        tmp_path: Path) -> None:
    """">0" (more than none) was read as 0 and hidden by in_stock, "<1" and "<0" (fewer than
    one: none, or a fraction of a unit) as 1 and kept; "<5" is some, at least one, and kept.
    The compiled search, its JSON and the numpy reference agree."""
    from partsearch.search._blocks import Query, answer

    rows = [">0", "больше 0", "0>", "<1", "<0", "≤0", "меньше 1", "<5", "0+"]
    catalog = _catalog(tmp_path, PRICE.splitlines()[0] + "\n" + "".join(
        f"MANN;W 712/1;{100 + i},00;{q};{i}\n" for i, q in enumerate(rows)))
    engine = Engine.open(catalog)
    stock = Filters(in_stock=True)
    r = engine.search("W 712/1", brand="MANN", filters=stock, show_all=True)
    # (row i is delivered in i days)
    assert sorted(o.delivery_hours for o in r.requested.offers) == [0, 24, 48, 168]
    assert {(o.quantity, o.quantity_exact) for o in r.requested.offers} == {(1, False)}
    every = engine.search("W 712/1", brand="MANN", show_all=True).requested.offers
    assert [o.quantity for o in sorted(every, key=lambda o: o.delivery_hours)] == [
        1, 1, 1, 0, 0, 0, 0, 1, 0]
    assert engine.search_json("W 712/1", brand="MANN", filters=stock, show_all=True
                              ) == r.to_json()
    for sort in (("delivery", False), ("quantity", True)):
        q = Query("W 712/1", "MANN", "guest", sort, stock, True, 0, 20, False, None)
        reference = answer(engine._state, q, "MANN-FILTER", "W7121", compiled=False)
        compiled = engine.search("W 712/1", brand="MANN", filters=stock, show_all=True,
                                 sort=sort)
        assert reference.requested.offers == compiled.requested.offers
        assert len(compiled.requested.offers) == 4


def test_requested_shows_three_fastest_then_cheapest(tmp_path: Path) -> None:
    engine = Engine.open(_catalog(tmp_path))  # offers but no crosses: still searchable
    r = engine.search("W7121", brand="MANN")
    assert [o.delivery_hours for o in r.requested.offers] == [24, 72, 96, 240]
    assert r.requested.total == 6 and r.requested.has_more
    every = engine.search("W7121", brand="MANN", show_all=True)
    assert [o.delivery_hours for o in every.requested.offers] == [24, 72, 96, 120, 216, 240]
    assert r.analogs.total == 0


def test_every_filter_over_offers_without_crosses(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """A catalog of offers alone answers every filter, as values, as JSON and in the CLI (the
    brand filters read the cross index's brand numbers, which it lacks)."""
    catalog = _catalog(tmp_path, PRICE + "BOSCH;0 451 103 079;70,00;0;1\n")
    (catalog / "catalog.toml").write_text('popular_brands = ["Mann & Hummel"]\n',
                                          encoding="utf-8")
    engine = Engine.open(catalog)
    cases = [(Filters(brands=frozenset({"MANN-FILTER"})), 6),
             (Filters(brands=frozenset({"BOSCH"})), 0), (Filters(popular=True), 6),
             (Filters(pickup_point="A"), 6), (Filters(pickup_point="B"), 0),
             (Filters(in_stock=True), 6), (Filters(max_delivery_hours=100), 3),
             (Filters(brands=frozenset({"MANN-FILTER"}), popular=True, pickup_point="A",
                      in_stock=True, max_delivery_hours=100), 3)]
    for level in ("guest", "wholesale"):
        for filters, total in cases:
            r = engine.search("W 712/1", brand="MANN", filters=filters, level=level)
            assert r.status == "ok" and r.requested.total == total, filters
            assert engine.search_json("W 712/1", brand="MANN", filters=filters,
                                      level=level) == r.to_json()
    assert main(["search", str(catalog), "W 712/1", "--brand", "MANN", "--only-brand", "MANN",
                 "--popular", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["blocks"]["requested"]["total"] == 6


@pytest.mark.parametrize("crosses", ["never built", "CURRENT missing", "built"])
def test_a_catalog_without_a_cross_index_says_so_in_every_result(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], crosses: str) -> None:
    """Offers and no published snapshot: every search answered without analogs or OEM
    replacements, silently, as a part that has none; now each result's notes say why (the
    values, the JSON, the brand choice, the CLI's line), and a catalog with one has none."""
    from partsearch.crosses import build_index

    catalog = _catalog(tmp_path, PRICE + "KNECHT;OC 90;70,00;1;1\nMAHLE;OC 90;70,00;1;1\n")
    if crosses != "never built":
        (tmp_path / "x.csv").write_text("brand_a,article_a,brand_b,article_b\n"
                                        "MANN,W 712/1,KNECHT,OC 90\n", encoding="utf-8")
        build_index([tmp_path / "x.csv"], catalog)
    if crosses == "CURRENT missing":
        (catalog / "crosses" / "CURRENT").unlink()
    engine = Engine.open(catalog)
    want = () if crosses == "built" else NO_CROSS_INDEX
    for article, brand, status in (("W 712/1", "MANN", "ok"), ("W 712/1", None, "ok"),
                                   ("OC 90", None, "choose_brand"),
                                   ("Q 999", "MANN", "not_found")):
        for filters in (None, Filters(in_stock=True), Filters(pickup_point="A")):
            r = engine.search(article, brand=brand, filters=filters)
            assert (r.status, r.notes) == (status, want), (article, brand, filters)
            assert engine.search_json(article, brand=brand, filters=filters) == r.to_json()
    assert engine.search("W 712/1", brand="MANN").analogs.total == (crosses == "built")
    capsys.readouterr()
    assert main(["search", str(catalog), "W 712/1", "--brand", "MANN"]) == 0
    out = capsys.readouterr().out
    assert (f"note: {NO_CROSS_INDEX[0]}" in out) == (crosses != "built")


def test_a_filter_that_matches_nothing_the_catalog_has_is_told(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A misspelt brand filter or a pickup point no supplier lists gave an empty page that read
    as "nothing in stock" (status ok, no suggestion); now ``notes`` say why, with the closest
    brand or the points there are. A brand the offers alone have is known."""
    catalog = _catalog(tmp_path, PRICE + "ZZTOP;Q 1;70,00;1;1\n")
    engine = Engine.open(catalog)
    cases = [(Filters(brands=frozenset({"Knehct"})),
              ("brand filter 'Knehct': no brand of this catalog is called so; did you mean "
               "KNECHT?",)),
             (Filters(pickup_point="NOWHERE"),
              ("pickup point 'NOWHERE': no supplier delivers there (their points: A)",)),
             (Filters(brands=frozenset({"BOSCH"})), ()), (Filters(brands=frozenset({"ZZTOP"})), ()),
             (Filters(pickup_point="A"), ()), (Filters(brands=frozenset({"Mann & Hummel"})), ())]
    for filters, notes in cases:
        for brand in ("MANN", None):
            r = engine.search("W 712/1", brand=brand, filters=filters)
            assert r.notes == NO_CROSS_INDEX + notes, filters  # (offers alone: said first)
            assert engine.search_json("W 712/1", brand=brand, filters=filters) == r.to_json()
            assert json.loads(r.to_json())["notes"] == list(NO_CROSS_INDEX + notes)
    assert engine.search("Q 999", brand="MANN", filters=cases[0][0]).notes == \
        NO_CROSS_INDEX + cases[0][1]
    assert main(["search", str(catalog), "W 712/1", "--brand", "MANN", "--only-brand",
                 "Knehct"]) == 0
    assert "note: brand filter 'Knehct': no brand of this catalog is called so; did you mean " \
        "KNECHT?" in capsys.readouterr().out


def test_under_a_chosen_sort_blocks_follow_it_and_equals_go_by_delivery_then_price(
        tmp_path: Path) -> None:
    """README, Blocks: a chosen sort's first four in ``requested``, analogs in its order (not
    nearest first), and offers equal on its column by delivery, then price; the compiled ranking
    and the reference agree."""
    from partsearch.crosses import build_index
    from partsearch.search._blocks import Query, answer

    catalog = _catalog(tmp_path, "Бренд;Артикул;Цена;Кол-во;Срок\n"
                       "MANN;W 712/1;300,00;5;2\nMANN;W 712/1;100,00;5;2\n"
                       "MANN;W 712/1;200,00;5;1\nMANN;W 712/1;50,00;9;4\n"
                       "MANN;W 712/1;10,00;1;5\nBOSCH;A 1;500,00;5;1\nFILTRON;B 2;50,00;5;1\n")
    (tmp_path / "x.csv").write_text("brand_a,article_a,brand_b,article_b\n"
                                    "MANN,W 712/1,BOSCH,A 1\nBOSCH,A 1,FILTRON,B 2\n",
                                    encoding="utf-8")
    build_index([tmp_path / "x.csv"], catalog)
    engine = Engine.open(catalog)
    def shown(offers: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        return [(o.quantity, o.delivery_hours, Decimal(o.price)) for o in offers]

    r = engine.search("W 712/1", brand="MANN", sort=("quantity", False))
    # quantity 1, then the three of 5 by delivery and, at 48 h, price; not 3 fastest + cheapest
    got = shown(r.requested.offers)
    assert [x[:2] for x in got] == [(1, 120), (5, 24), (5, 48), (5, 48)]
    assert got[2][2] < got[3][2]
    default = shown(engine.search("W 712/1", brand="MANN").requested.offers)
    assert [x[:2] for x in default] == [(5, 24), (5, 48), (5, 48), (1, 120)]
    assert default[1][2] < default[2][2]
    default_analogs = engine.search("W 712/1", brand="MANN").analogs.offers
    assert [o.article for o in default_analogs] == ["A 1", "B 2"]  # nearest first
    by_price = engine.search("W 712/1", brand="MANN", sort=("price", False))
    assert [o.article for o in by_price.analogs.offers] == ["B 2", "A 1"]
    for sort, shown in [(("quantity", False), r), (("price", False), by_price)]:
        q = Query("W 712/1", "MANN", "guest", sort, Filters(), False, 0, 20, False, None)
        reference = answer(engine._state, q, "MANN-FILTER", "W7121", compiled=False)
        assert reference.requested.offers == shown.requested.offers
        assert reference.analogs.offers == shown.analogs.offers


def test_ties_go_by_supplier_then_part_hash_then_line(tmp_path: Path) -> None:
    """Offers equal in every sort key: by supplier code, then by their place in the supplier's
    published offers, which is by part hash and then line (README, ``ranking/order.py``);
    the compiled ranking and the reference agree."""
    from partsearch._hashing import part_hash
    from partsearch.crosses import build_index
    from partsearch.search._blocks import Query, answer

    analogs = [f"A-{i}" for i in range(10)]
    # each analog twice, told apart by quantity (no sort key of the default order): line
    # 3 + 2i has 5, line 4 + 2i has 6
    lines = ["MANN;W 712/1;100,00;5;1"] + [f"BOSCH;{a};100,00;{q};1" for a in analogs
                                            for q in (5, 6)]
    catalog = _catalog(tmp_path, "Бренд;Артикул;Цена;Кол-во;Срок\n" + "\n".join(lines) + "\n")
    # the same offers from a second supplier, whose code comes first
    (tmp_path / "p.csv").rename(tmp_path / "q.csv")
    (tmp_path / "s.toml").write_text((tmp_path / "s.toml").read_text("utf-8").replace(
        "[ALFA]", "[AAA]").replace("p.csv", "q.csv"), encoding="utf-8")
    load_suppliers(tmp_path / "s.toml", catalog)
    (tmp_path / "x.csv").write_text("brand_a,article_a,brand_b,article_b\n" + "".join(
        f"MANN,W 712/1,BOSCH,{a}\n" for a in analogs), encoding="utf-8")
    build_index([tmp_path / "x.csv"], catalog)
    engine = Engine.open(catalog)
    by_hash = sorted(analogs, key=lambda a: part_hash("BOSCH", a.replace("-", "")))
    assert by_hash != analogs  # the hashes' order is not the lines': the test tells them apart
    expected = [(s, a, q) for s in ("AAA", "ALFA") for a in by_hash for q in (5, 6)]
    r = engine.search("W 712/1", brand="MANN", analogs_limit=40)
    got = [(o.supplier, o.article, o.quantity) for o in r.analogs.offers]
    assert got == expected
    q = Query("W 712/1", "MANN", "guest", ("delivery", False), Filters(), False, 0, 40, False,
              None)
    reference = answer(engine._state, q, "MANN-FILTER", "W7121", compiled=False)
    assert [(o.supplier, o.article, o.quantity) for o in reference.analogs.offers] == got


def test_text_that_is_not_utf8_is_an_error_not_shifted_offers(tmp_path: Path) -> None:
    """``publish_offers`` refuses text that is not UTF-8; a file written around it (by hand,
    or damaged) holding the byte the search separates values with is a clear error, never
    offers whose fields slid into each other's places."""
    import numpy as np
    import pyarrow as pa

    catalog = _catalog(tmp_path)
    path = next((catalog / "offers" / "ALFA").glob("*.arrow"))
    table = pa.ipc.open_file(path.read_bytes()).read_all()  # a copy: the file is rewritten
    i = table.schema.get_field_index("description")
    n, kind = table.num_rows, table.schema.field(i).type
    offsets = np.arange(n + 1, dtype=np.int64 if kind == pa.large_string() else np.int32)
    bad = pa.Array.from_buffers(kind, n, [None, pa.py_buffer(offsets.tobytes()),
                                          pa.py_buffer(b"\xff" * n)])
    table = table.set_column(i, table.schema.field(i), bad)
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    with pytest.raises(SearchError, match=r"not valid UTF-8.*ALFA"):
        Engine.open(catalog).search("W7121", brand="MANN")


def test_a_directory_that_is_not_a_catalog_does_not_open(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An empty folder or a folder of price files opened, and every search was not_found."""
    prices = tmp_path / "prices"
    prices.mkdir()
    (prices / "offers.parquet").write_bytes(b"PAR1")
    (prices / "alfa.csv").write_text(PRICE, encoding="utf-8")
    empty = tmp_path / "empty"
    empty.mkdir()
    for folder in (empty, prices):
        with pytest.raises(CatalogError, match=r"not a catalog: no offers, no cross") as err:
            Engine.open(folder)
        assert err.value.path == str(folder)
        assert main(["search", str(folder), "W 712/1", "--brand", "MANN"]) == 2
        assert "not a catalog" in capsys.readouterr().err
    # a catalog being set up: its price levels, nothing loaded yet
    (empty / "catalog.toml").write_text('default_level = "wholesale"\n', encoding="utf-8")
    assert Engine.open(empty).search("W 712/1", brand="MANN").status == "not_found"


def test_a_bad_open_argument_is_a_catalog_error(engine: Engine, tmp_path: Path) -> None:
    """A caller needs one ``except PartsearchError``: these raised TypeError or ValueError,
    and a file was "not found"."""
    for bad in (None, str(engine.catalog).encode(), 5):
        with pytest.raises(CatalogError, match=r"catalog must be a directory's path .*, not "):
            Engine.open(bad)  # type: ignore[arg-type]
    afile = tmp_path / "afile"
    afile.write_text("x", encoding="utf-8")
    with pytest.raises(CatalogError, match=r"afile: not a directory$"):
        Engine.open(afile)
    with pytest.raises(CatalogError, match=r"catalog directory not found$"):
        Engine.open(tmp_path / "nothing")
    for connectors in (["x"], 5):
        with pytest.raises(CatalogError, match=r"connectors must map each api kind"):
            Engine.open(engine.catalog, connectors=connectors)  # type: ignore[arg-type]
    # the first wrong entry named, where the mapping's repr was cut before it
    own = lambda code, api, env: None  # noqa: E731
    for connectors, why in (({"abcp": own, "mine": own, "theirs": "pkg:F"},
                             "api kind 'theirs' maps to 'pkg:F', which is no callable"),
                            ({"abcp": own, 1: Engine}, "api kind 1 is no text (a profile's "
                                                       "api.kind)"),
                            ({"x": 5}, "api kind 'x' maps to 5, which is no callable")):
        with pytest.raises(CatalogError) as err:
            Engine.open(engine.catalog, connectors=connectors)  # type: ignore[arg-type]
        assert str(err.value) == f"Engine.open: connectors: {why}"


def test_explain_and_brand_choices_refuse_what_search_refuses(engine: Engine) -> None:
    """``explain`` of a part named by nothing answered [], as "not linked"; ``brand_choices``
    of a number raised AttributeError."""
    assert engine.explain("MANN", "W 920/21", "KNECHT", "OC 90")
    assert engine.explain("MANN", "W 920/21", "NOSUCH", "X1") == []  # (a part, not indexed)
    for parts, message in (((None, None, None, None), r"cannot explain None: an article is"),
                           (("MANN", 5, "KNECHT", "OC 90"), r"cannot explain 5: an article is"),
                           ((1, "W 920/21", "KNECHT", "OC 90"), r"not a brand: 1"),
                           (("MANN", "W 920/21", " ", "OC 90"), r"brand ' ' is empty"),
                           (("MANN", "", "KNECHT", "OC 90"), r"article '' has no letters"),
                           (("MANN", "W 920/21", "KNECHT", "---"), r"'---' has no letters")):
        with pytest.raises(SearchError, match=message):
            engine.explain(*parts)
    for article in (5, None):
        with pytest.raises(SearchError, match=r"cannot search .*: an article is text"):
            engine.brand_choices(article)  # type: ignore[arg-type]
    for article in ("", "---"):  # (a NormalizationError, where search raises SearchError)
        with pytest.raises(SearchError, match=rf"cannot search '{article}': article "
                                              rf"'{article}' has no letters or digits"):
            engine.brand_choices(article)
    with pytest.raises(SearchError, match=r"filters must be a partsearch.Filters"):
        engine.brand_choices("W 920/21", {"in_stock": True})  # type: ignore[arg-type]


def test_catalog_levels_from_toml(tmp_path: Path) -> None:
    catalog = _catalog(tmp_path)
    (catalog / "catalog.toml").write_text(
        'default_level = "retail"\n[levels.retail]\n'
        'rules = [{ max_price = 200, percent = 100 }, { percent = 10 }]\n', encoding="utf-8")
    engine = Engine.open(catalog)
    r = engine.search("W7121", brand="MANN", show_all=True)
    prices = sorted(float(o.price) for o in r.requested.offers)
    assert prices == [100.0, 200.0, 330.0, 440.0, 550.0, 990.0]
    (catalog / "catalog.toml").write_text('[levels.x]\nrules = [{ supplier = "A", percent = 1 }]')
    with pytest.raises(CatalogError, match="must end with a rule"):
        Engine.open(catalog)


def test_reload_sees_new_offers_and_old_state_keeps_working(tmp_path: Path) -> None:
    catalog = _catalog(tmp_path)
    engine = Engine.open(catalog)
    old_state = engine._state
    (tmp_path / "p.csv").write_text(PRICE.splitlines()[0] + "\nMANN;W 712/1;10,00;1;0\n",
                                    encoding="utf-8")
    load_suppliers(tmp_path / "s.toml", catalog)
    assert engine.search("W7121", brand="MANN").requested.total == 6  # not reloaded yet
    assert engine.reload()
    assert engine.search("W7121", brand="MANN").requested.total == 1
    assert old_state.store.size == 6  # a search that started before keeps its snapshot


def test_a_reload_of_a_catalog_gone_or_empty_raises_and_keeps_the_state(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A deploy switches the catalog's symlink (``ln -s new live.new && mv -T live.new
    live``) through a target not there yet or empty: reload swapped in an empty state and
    every search was not_found; an engine opened with a relative path read the catalog
    relative to the directory of the moment, and a chdir emptied it."""
    catalog = _catalog(tmp_path)
    live, empty, gone = tmp_path / "live", tmp_path / "empty", tmp_path / "gone"
    empty.mkdir()

    def switch(target: Path) -> None:
        (tmp_path / "live.new").symlink_to(target)
        (tmp_path / "live.new").replace(live)

    switch(catalog)
    engine = Engine.open(live)
    state = engine._state
    for target, why in ((gone, "catalog directory not found"), (empty, "not a catalog")):
        switch(target)
        with pytest.raises(CatalogError, match=why):
            engine.reload()
        assert engine._state is state
        assert engine.search("W7121", brand="MANN").requested.total == 6
    # the symlink is followed, not resolved once: a new catalog behind it is read
    (tmp_path / "other").mkdir()
    other = _catalog(tmp_path / "other", PRICE.splitlines()[0] + "\nMANN;W 712/1;1,00;1;0\n")
    switch(other)
    assert engine.reload() and engine.search("W7121", brand="MANN").requested.total == 1
    switch(catalog)
    assert engine.reload() and engine.search("W7121", brand="MANN").requested.total == 6
    # a relative path is the catalog of the directory at open, after a chdir too
    monkeypatch.chdir(tmp_path)
    engine = Engine.open("cat")
    monkeypatch.chdir(empty)
    from partsearch.search import _merged

    _merged.wait()  # (the merge the open writes on a thread is a change a reload sees)
    engine.reload()
    assert not engine.reload()
    (tmp_path / "p.csv").write_text(PRICE.splitlines()[0] + "\nMANN;W 712/1;10,00;1;0\n",
                                    encoding="utf-8")
    load_suppliers(tmp_path / "s.toml", catalog)
    assert engine.reload() and engine.search("W7121", brand="MANN").requested.total == 1
    assert engine.sql("select count(*) from offers").fetchall() == [(1,)]


def test_overlapping_reloads_never_install_the_older_catalog(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A web app's request threads each call reload(): where two overlapped, the slower one
    (a compaction, a slow disk) installed the catalog it read over the newer one the other had
    installed, beside a fingerprint that made later reloads return False on stale data."""
    import threading

    from partsearch.search import _merged
    from partsearch.search import engine as engine_module

    def publish(rows: int) -> None:
        (tmp_path / "p.csv").write_text(
            PRICE.splitlines()[0] + "\n" + "MANN;W 712/1;10,00;1;0\n" * rows, encoding="utf-8")
        load_suppliers(tmp_path / "s.toml", catalog)

    catalog = _catalog(tmp_path)
    engine = Engine.open(catalog)
    _merged.wait()
    engine.reload()  # (the open's own merge landing)
    real, read, go = engine_module._load_state, threading.Event(), threading.Event()

    def slow_first(*args: Any) -> Any:  # thread A: reads publish 1, then waits
        state = real(*args)
        if not read.is_set():
            read.set()
            assert go.wait(10)
        return state

    monkeypatch.setattr(engine_module, "_load_state", slow_first)
    publish(1)
    a = threading.Thread(target=engine.reload)
    a.start()
    assert read.wait(10)
    publish(2)
    b = threading.Thread(target=engine.reload)
    b.start()
    b.join(1.0)  # (unserialized, B installs publish 2 in this time; serialized, it waits)
    go.set()
    a.join(10)
    b.join(10)
    assert engine.search("W7121", brand="MANN").requested.total == 2


def test_a_reload_with_nothing_changed_keeps_the_state(tmp_path: Path) -> None:
    """A web app may call reload() every second: it reads nothing unless a publish, a build,
    a registration, a merge on disk or an edited config changed the catalog."""
    import time

    from partsearch.crosses import build_index
    from partsearch.search import _merged

    def landed() -> None:
        # the merge an open or a reload writes for the next engines, on a thread of its own,
        # is mapped by the next reload in place of the engine's copy, once it has landed: no
        # news (False), where the first reload after an open said True with nothing published
        _merged.wait()
        state = engine._state
        assert not engine.reload() and engine._state is not state

    catalog = _catalog(tmp_path)
    engine = Engine.open(catalog)
    landed()
    state = engine._state
    assert not engine.reload() and engine._state is state
    load_suppliers(tmp_path / "s.toml", catalog)  # the same file again: a new version
    assert engine.reload() and engine._state is not state
    landed()
    state = engine._state
    # a publish right after a reload is seen: a pointer is a new file, even within a tick
    load_suppliers(tmp_path / "s.toml", catalog)
    assert engine.reload() and engine._state is not state
    landed()
    assert not engine.reload()
    (tmp_path / "x.csv").write_text("brand_a,article_a,brand_b,article_b\n"
                                    "MANN,W 712/1,KNECHT,OC 90\n", encoding="utf-8")
    build_index([tmp_path / "x.csv"], catalog)
    assert engine.reload() and engine.index is not None
    (catalog / "catalog.toml").write_text("stale_after_hours = 5\n", encoding="utf-8")
    assert engine.reload() and engine._state.config.stale_after_hours == 5
    time.sleep(0.01)
    assert not engine.reload()


def test_cli_search_json_and_exit_codes(world_catalog: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", str(world_catalog), "W 920/21", "--brand", "MANN", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["status"] == "ok" and data["blocks"]["requested"]["total"] >= 2
    assert main(["search", str(world_catalog), "OC90"]) == 1
    assert "KNECHT" in capsys.readouterr().out
    assert main(["search", str(world_catalog), "W 920/21", "--brand", "MANN",
                 "--level", "nope"]) == 2
    # a descending sort starts with "-", which argparse would take for an option
    assert main(["search", str(world_catalog), "OC 90", "--brand", "KNECHT", "--sort", "-price",
                 "--in-stock", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["sort"] == {"column": "price", "descending": True}
    assert data["filters"] == {"in_stock": True}
    prices = [float(o["price"]) for o in data["blocks"]["analogs"]["offers"]]
    assert len(prices) >= 2 and prices == sorted(prices, reverse=True)
    assert main(["search", str(world_catalog), "OC 90", "--brand", "KNECHT", "--sort",
                 "-nope"]) == 2


def test_cli_table_shows_minimum_quantity_and_stock_accuracy(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    catalog = _catalog(tmp_path, "Бренд;Артикул;Цена;Кол-во;Срок;Мин\nMANN;W 712/1;500,00;5;5;4\n",
                       "stock_accuracy = 0.83\n")
    profile = (tmp_path / "s.toml").read_text("utf-8")
    (tmp_path / "s.toml").write_text(profile.replace('delivery_days = "Срок" }',
                                                     'delivery_days = "Срок", '
                                                     'min_quantity = "Мин" }'), "utf-8")
    load_suppliers(tmp_path / "s.toml", catalog)
    assert main(["search", str(catalog), "W 712/1", "--brand", "MANN"]) == 0
    lines = capsys.readouterr().out.splitlines()
    header = next(line for line in lines if "accuracy" in line)
    row = next(line for line in lines if "W 712/1" in line and "ALFA" in line)
    cells = [c.strip() for c in row.split("│")]
    names = [c.strip() for c in header.split("┃")]
    assert cells[names.index("min")] == "4" and cells[names.index("accuracy")] == "83%"


@pytest.mark.parametrize(("points", "least", "shown"), [
    (("Г", "M1"), "1500.00", "Г, M1; min 1 500 ₽"), (("Г",), "0.00", "Г"),
    ((), "500.00", "min 500 ₽"), ((), "0.00", ""), (("A",), "1234567.50", "A; min 1 234 567.50 ₽")])
def test_terms_are_the_pickup_points_then_the_minimum_order_in_roubles(
        points: tuple[str, ...], least: str, shown: str) -> None:
    from partsearch.cli._tables import supplier_terms

    assert supplier_terms(points, least) == shown


def test_cli_table_shows_the_terms_readably(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """``Г/M1/1.5`` was the minimum order in thousands, with no unit, glued to the points."""
    catalog = _catalog(tmp_path, "Бренд;Артикул;Цена;Кол-во;Срок\nMANN;W 712/1;500,00;5;5\n",
                       "min_order_sum = 1500\n")
    assert main(["search", str(catalog), "W 712/1", "--brand", "MANN"]) == 0
    lines = capsys.readouterr().out.splitlines()
    names = [c.strip() for c in next(line for line in lines if "terms" in line).split("┃")]
    row = next(line for line in lines if "W 712/1" in line and "ALFA" in line)
    assert [c.strip() for c in row.split("│")][names.index("terms")] == "A; min 1 500 ₽"


# price, multiplicity, minimum quantity -> below a minimum order of 1,500 (README)
LOTS = [("995,50", "2", "", False),  # brake discs in pairs: a lot of 1,991
        ("300,00", "2", "", True),  # 600
        ("700,00", "", "3", False),  # 2,100
        ("400,00", "2", "3", False),  # at least 3 in pairs: 4, 1,600
        ("370,00", "2", "3", True),  # 1,480
        ("749,99", "", "2", True),  # 1,499.98
        ("1499,99", "", "", True), ("1500,00", "", "", False), ("150,00", "10", "", False)]


def test_below_min_order_compares_the_smallest_lot(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``below_min_order`` compared one piece's price with the supplier's minimum order sum; a
    part sold in multiples or from a minimum quantity is bought at least in its smallest lot
    (the least quantity of at least the minimum that is a multiple), so that lot's sum at the
    supplier price is compared: in the values, the numpy path, the JSON and the CLI alike."""
    from partsearch.search._blocks import Query, answer
    from tests.conftest import write_catalog

    rows = "".join(f"{brand};{article};{price};4;{pack};{least}\n"
                   for brand, article in (("MANN", "W 712/1"), ("KNECHT", "OC 90"))
                   for price, pack, least, _ in LOTS)
    catalog = write_catalog(
        tmp_path, {"p.csv": "brand;article;price;qty;pack;min\n" + rows},
        '[S]\nfile = "p.csv"\nmin_order_sum = 1500\ncolumns = { brand = "brand", '
        'article = "article", price = "price", quantity = "qty", multiplicity = "pack", '
        'min_quantity = "min" }\n',
        "brand_a,article_a,brand_b,article_b\nMANN,W 712/1,KNECHT,OC 90\n")
    engine = Engine.open(catalog)
    expected = {price.replace(",", "."): below for price, _, _, below in LOTS}
    for sort in (None, ("price", True)):
        r = engine.search("W 712/1", "MANN", show_all=True, sort=sort, level="wholesale",
                          show_supplier_price=True)
        offers = r.requested.offers + r.analogs.offers
        assert len(offers) == 2 * len(LOTS)
        for block in (r.requested, r.analogs):
            assert {o.supplier_price: o.below_min_order for o in block.offers} == expected
        assert engine.search_json("W 712/1", "MANN", show_all=True, sort=sort,
                                  level="wholesale", show_supplier_price=True) == r.to_json()
        q = Query("W 712/1", "MANN", "wholesale", sort or ("delivery", False), Filters(), True,
                  0, 20, True, None)
        state = engine._state
        reference = answer(state, q, "MANN-FILTER", "W7121", compiled=False)
        assert [o.below_min_order for o in reference.requested.offers] == [
            o.below_min_order for o in r.requested.offers]
    assert main(["search", str(catalog), "W 712/1", "--brand", "MANN", "--all", "--json",
                 "--level", "wholesale", "--supplier-price"]) == 0
    shown = json.loads(capsys.readouterr().out)["blocks"]["requested"]["offers"]
    assert {o["supplier_price"]: o["below_min_order"] for o in shown} == expected


def test_crosses_without_offers_and_big_class(tmp_path: Path) -> None:
    from partsearch.crosses import build_index

    # a class of 2,001 parts: one OEM number crossed to 1,500 analogs, 500 more one hop further
    rows = ["brand_a,article_a,brand_b,article_b,source"]
    rows += [f"VAG,06A 115 561 B,MANN,W {i}/1,tecdoc" for i in range(1500)]
    rows += [f"MANN,W {i}/1,BOSCH,0 451 {i:06d},emex" for i in range(500)]
    (tmp_path / "x.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    catalog = tmp_path / "cat"
    build_index([tmp_path / "x.csv"], catalog)
    only_crosses = Engine.open(catalog).search("W 7/1", brand="MANN")
    assert only_crosses.status == "ok"
    assert [b.total for b in only_crosses.blocks] == [0, 0, 0]
    # now offers for every part of the class
    price = ["brand;article;price;days"]
    price += [f"MANN;W {i}/1;{100 + i},00;{i % 5}" for i in range(1500)]
    price += [f"BOSCH;0 451 {i:06d};{50 + i},00;{i % 3}" for i in range(500)]
    price += ["VAG;06A115561B;900,00;1"]
    (tmp_path / "p.csv").write_text("\n".join(price) + "\n", encoding="utf-8")
    (tmp_path / "s.toml").write_text(
        '[S]\nfile = "p.csv"\ncolumns = { brand = "brand", article = "article", '
        'price = "price", delivery_days = "days" }\n', encoding="utf-8")
    load_suppliers(tmp_path / "s.toml", catalog)
    engine = Engine.open(catalog)
    r = engine.search("W 7/1", brand="MANN")
    assert r.analogs.total == 2000 and len(r.analogs.offers) == 20 and r.analogs.has_more
    # nearest first: BOSCH 0 451 000007 (1 hop, via W 7/1) and VAG (1 hop) before 2-hop parts
    hops = [o.hops for o in r.analogs.offers]
    assert hops[:2] == [1, 1] and hops[2:] == [2] * 18
    assert {o.brand for o in r.analogs.offers[:2]} == {"VAG", "BOSCH"}
    # among equals, delivery then price
    rest = [(o.delivery_hours, float(o.price)) for o in r.analogs.offers[2:]]
    assert rest == sorted(rest)
    last = engine.search("W 7/1", brand="MANN", analogs_offset=1980)
    assert len(last.analogs.offers) == 20 and not last.analogs.has_more


def test_oem_replacements_have_their_own_page(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """OEM replacements are paged apart from the analogs (``oem_offset``/``oem_limit``,
    ``--oem-page``): an analogs page leaves them at their first page."""
    from partsearch.crosses import build_index

    oem = [f"06A 100 {i:03d}" for i in range(25)]
    analogs = [f"W {i}/1" for i in range(5)]
    (tmp_path / "x.csv").write_text("brand_a,article_a,brand_b,article_b\n" + "".join(
        f"VAG,06A 000 000,{b},{a}\n" for b, group in (("VAG", oem), ("MANN", analogs))
        for a in group), encoding="utf-8")
    catalog = _catalog(tmp_path, "Бренд;Артикул;Цена;Кол-во;Срок\nVAG;06A 000 000;900,00;1;1\n"
                       + "".join(f"VAG;{a};{500 + i},00;1;1\n" for i, a in enumerate(oem))
                       + "".join(f"MANN;{a};{100 + i},00;1;1\n" for i, a in enumerate(analogs)))
    build_index([tmp_path / "x.csv"], catalog)
    engine = Engine.open(catalog)

    def page(**options: Any) -> tuple[tuple[int, int, bool, list[str]], ...]:
        r = engine.search("06A 000 000", brand="VAG", **options)
        assert engine.search_json("06A 000 000", brand="VAG", **options) == r.to_json()
        return tuple((b.total, b.offset, b.has_more, [o.article for o in b.offers])
                     for b in (r.oem_replacements, r.analogs))

    first = page()
    assert first == ((25, 0, True, oem[:20]), (5, 0, False, analogs))
    assert page(analogs_offset=20) == (first[0], (5, 20, False, []))
    assert page(oem_offset=20) == ((25, 20, False, oem[20:]), first[1])
    assert page(oem_offset=3, oem_limit=2, analogs_limit=1) == (
        (25, 3, True, oem[3:5]), (5, 0, True, analogs[:1]))
    # the numpy reference the compiled search is held to pages them alike (one offer too
    # many on its OEM page passed every test: no catalog reaches its OEM paging otherwise)
    from partsearch.search._blocks import Query, answer

    now = datetime(2026, 12, 1, tzinfo=UTC)
    for skip, size in ((0, 20), (3, 2), (20, 20), (24, 1)):
        q = Query("06A 000 000", "VAG", "guest", ("delivery", False), Filters(), False, 0, 20,
                  False, now, skip, size)
        reference = answer(engine._state, q, "VAG", "06A000000", compiled=False)
        assert [o.article for o in reference.oem_replacements.offers] == oem[skip:skip + size]
        assert reference == engine.search("06A 000 000", brand="VAG", now=now,
                                          oem_offset=skip, oem_limit=size)
    assert main(["search", str(catalog), "06A 000 000", "--brand", "VAG", "--oem-page", "2",
                 "--json"]) == 0
    blocks = json.loads(capsys.readouterr().out)["blocks"]
    assert blocks["oem_replacements"]["offset"] == 20
    assert [o["article"] for o in blocks["oem_replacements"]["offers"]] == oem[20:]
    assert blocks["analogs"]["offset"] == 0 and len(blocks["analogs"]["offers"]) == 5
    # --analogs-page N is the analogs' offset 20 (N - 1), the OEM page left at its first
    assert main(["search", str(catalog), "06A 000 000", "--brand", "VAG", "--analogs-page",
                 "2", "--json"]) == 0
    blocks = json.loads(capsys.readouterr().out)["blocks"]
    assert (blocks["analogs"]["offset"], blocks["analogs"]["offers"]) == (20, [])
    assert blocks["oem_replacements"]["offset"] == 0


def test_pages_past_int64_are_the_last_page(world_catalog: Path) -> None:
    """An offset or limit a web app passes on from a buyer, however large, is an empty or
    whole page: the compiled ranking adds them in int64, where 2**62 + 2**62 wrapped negative
    (a crash), and 2**64 did not convert (OverflowError)."""
    engine = Engine.open(world_catalog)
    whole = [o.part_hash for o in engine.search("W 920/21", "MANN").analogs.offers]
    assert 1 < len(whole) < 20
    for options, shown in (({"analogs_offset": 2**62, "analogs_limit": 2**62}, []),
                           ({"analogs_offset": 1, "analogs_limit": 2**63 - 1,
                             "show_all": True}, whole[1:]),
                           ({"oem_offset": 2**64, "oem_limit": 2**70,
                             "analogs_limit": 10**30}, whole)):
        r = engine.search("W 920/21", "MANN", **options)
        assert engine.search_json("W 920/21", "MANN", **options) == r.to_json()
        assert [o.part_hash for o in r.analogs.offers] == shown
    assert main(["search", str(world_catalog), "W 920/21", "--brand", "MANN",
                 "--analogs-page", str(10**18), "--oem-page", str(10**18), "--json"]) == 0


@pytest.mark.parametrize("option", ["--analogs-page", "--oem-page"])
@pytest.mark.parametrize("bad", ["0", "-1", "two"])
def test_cli_pages_count_from_one(world_catalog: Path, option: str, bad: str,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    """Page 0 or -1 was read as the first page without a word."""
    from partsearch.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["search", str(world_catalog), "W 920/21", "--brand", "MANN", option, bad])
    assert exit_.value.code == 2 and option in capsys.readouterr().err


def test_popular_filter_and_text_sorts(tmp_path: Path) -> None:
    from partsearch.crosses import build_index

    (tmp_path / "x.csv").write_text(
        "brand_a,article_a,brand_b,article_b\nMANN,W 712/1,BOSCH,0 451 103 079\n"
        "MANN,W 712/1,KNECHT,OC 21\nMANN,W 712/1,FILTRON,OP 526\n", encoding="utf-8")
    catalog = _catalog(tmp_path, "Бренд;Артикул;Цена;Кол-во;Срок\nMANN;W 712/1;300,00;1;1\n"
                       "BOSCH;0451103079;250,00;3;2\nKNECHT;OC21;240,00;12;1\n"
                       "FILTRON;OP526;260,00;>5;1\n")
    build_index([tmp_path / "x.csv"], catalog)
    (catalog / "catalog.toml").write_text('popular_brands = ["Bosch", "knecht"]\n',
                                          encoding="utf-8")
    engine = Engine.open(catalog)
    popular = engine.search("W 712/1", brand="MANN", filters=Filters(popular=True))
    assert {o.brand for o in popular.analogs.offers} == {"BOSCH", "KNECHT"}
    by_code = engine.search("W 712/1", brand="MANN", sort=("code", False))
    assert [o.article for o in by_code.analogs.offers] == ["0451103079", "OC21", "OP526"]
    by_qty = engine.search("W 712/1", brand="MANN", sort=("quantity", True))
    assert [o.quantity for o in by_qty.analogs.offers] == [12, 5, 3]


def test_incremental_reload_equals_a_fresh_merge(tmp_path: Path) -> None:
    from partsearch.search._merged import wait
    from partsearch.search._store import flatten, load_store

    (tmp_path / "b.csv").write_text("Бренд;Артикул;Цена\nMANN;W 712/1;99,00\nBOSCH;X 1;5,00\n",
                                    encoding="utf-8")
    catalog = _catalog(tmp_path, extra='\n[BETA]\nfile = "b.csv"\ncolumns = { brand = "Бренд", '
                       'article = "Артикул", price = "Цена" }\n')
    before = load_store(catalog)
    # republish one supplier with other offers; the other stays as it was
    (tmp_path / "b.csv").write_text("Бренд;Артикул;Цена\nKYB;333114;10,00\nMANN;W 712/1;1,00\n"
                                    "MANN;W 712/1;2,00\n", encoding="utf-8")
    load_suppliers(tmp_path / "s.toml", catalog, supplier="BETA")
    incremental = load_store(catalog, before)
    fresh = load_store(catalog)
    assert incremental.segments[0] is before.segments[0]  # ALFA reused, not reopened

    def rows(store):  # type: ignore[no-untyped-def]
        flat = flatten(store)
        return sorted(zip(flat.hash.tolist(), store.codes[flat.seg].tolist(),
                          flat.row.tolist(), flat.price.tolist(), strict=True))

    assert rows(incremental) == rows(fresh)
    for level in (incremental.base, incremental.delta):
        assert level.hash.tolist() == sorted(level.hash.tolist())

    def articles(store):  # type: ignore[no-untyped-def]
        flat = flatten(store)
        return sorted(zip(flat.article_hash.tolist(), store.codes[flat.article_seg].tolist(),
                          flat.article_row.tolist(), strict=True))

    assert articles(incremental) == articles(fresh)  # BETA's old parts gone, its new ones in
    for level in (incremental.base, incremental.delta):
        assert level.article_hash.tolist() == sorted(level.article_hash.tolist())
    assert incremental.article_offers(["X1"]) == {}  # BETA no longer offers it
    assert incremental.article_offers(["333114", "W7121"]) == {"KAYABA": 1, "MANN-FILTER": 8}
    # nothing new: the merge of its files, which its compaction wrote, then that same store
    wait()
    shared = load_store(catalog, incremental)
    assert shared.shared and rows(shared) == rows(incremental)
    assert load_store(catalog, shared) is shared


def test_compiled_ranking_answers_like_the_reference(engine: Engine,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Every part of the fixture world, at every level and paging, searched through the compiled
    ranking and through the numpy reference: the same result."""
    import polars as pl

    from partsearch.search import _blocks

    parts = pl.read_parquet(Path(__file__).resolve().parents[2] / "data" / "fixtures" / "world"
                            / "truth" / "parts-000.parquet")
    now = datetime(2026, 11, 25, tzinfo=UTC)
    queries = [(a, b, lvl, show_all, offset)
               for b, a in zip(parts["brand"].to_list(), parts["article"].to_list(), strict=True)
               for lvl, show_all, offset in (("guest", False, 0), ("wholesale", True, 1))]

    def run() -> list[dict[str, object]]:
        return [engine.search(a, brand=b, level=lvl, show_all=show_all, analogs_offset=offset,
                              analogs_limit=3, now=now).to_dict() for a, b, lvl, show_all, offset
                in queries]

    fast = run()
    monkeypatch.setattr(_blocks, "_compiled", lambda q, level: None)
    reference = run()
    assert fast == reference
    assert sum(len(r["blocks"]["analogs"]["offers"]) for r in fast) > 50  # type: ignore[index]


def test_brand_spellings_are_remembered_per_state(engine: Engine) -> None:
    """A spelling's canonical brand and flags are looked up once per registry (the catalog
    state's) and then answer the same as the registry's own lookups (``BrandRegistry.facts``)."""
    state = engine._state
    reg = state.registry
    for spelling in ("Mann & Hummel", "vw", "  acme  parts ", "VAG"):
        brand = reg.canonical(spelling)
        expected = (brand, reg.keeps_cyrillic(brand), reg.is_oem(brand))
        assert reg.facts(spelling) == expected
        assert reg._facts[spelling] == expected  # the second search reads the memo
        assert reg.facts(spelling) == expected
    assert reg.facts("vw")[2] is True  # VAG is an OEM maker
    for bad in (["MANN"], 5):  # not a str: refused before the registry, nothing kept
        with pytest.raises(SearchError):
            engine.search("W 920/21", brand=bad)  # type: ignore[arg-type]
    assert 5 not in reg._facts
    engine.search("W 920/21", brand="  ")  # (no brand: test_an_empty_brand_is_no_brand)
    assert "  " not in reg._facts
    from datetime import UTC, datetime

    now = datetime(2026, 12, 1, tzinfo=UTC)
    first = engine.search("W 920/21", brand="Mann & Hummel", now=now)
    assert first.brand == "MANN-FILTER" and first.requested.total >= 2
    assert engine.search("W 920/21", brand="Mann & Hummel", now=now) == first


def test_min_order_sum_whatever_the_callers_decimal_context(tmp_path: Path) -> None:
    """The supplier's minimum order sum is read, loaded and shown in the library's own decimal
    context: a caller's thread with four digits raised InvalidOperation from the profile's
    quantize (and from the offers' and the store's ``* 100``), and its half-even rounding made
    1500.005 1500.00 where every price of the library rounds half up."""
    import decimal

    from tests.conftest import write_catalog

    def build() -> Path:
        return write_catalog(
            tmp_path, {"p.csv": "brand;article;price;qty\nMANN;W 712/1;1500,00;4\n"},
            '[S]\nfile = "p.csv"\nmin_order_sum = "1500.005"\ncolumns = { brand = "brand", '
            'article = "article", price = "price", quantity = "qty" }\n',
            "brand_a,article_a,brand_b,article_b\nMANN,W 712/1,KNECHT,OC 90\n")

    with decimal.localcontext(prec=4, rounding=decimal.ROUND_HALF_EVEN,
                              traps=[decimal.Inexact, decimal.InvalidOperation]):
        catalog = build()
        r = Engine.open(catalog).search("W 712/1", "MANN", level="wholesale",
                                       show_supplier_price=True)
    (offer,) = r.requested.offers
    assert (offer.min_order_sum, offer.supplier_price, offer.below_min_order) == (
        "1500.01", "1500.00", True)


def test_a_suppliers_terms_are_those_its_published_offers_carry(tmp_path: Path) -> None:
    """A load publishes a supplier's offers, then registers its profile. A load killed between
    the two (or a reload reading the offers before the publish and the profile after it) left
    the new offers under the old profile: a filter on the new pickup point found nothing and
    noted that nobody delivers there, ``sql``'s suppliers said the old point (an outside
    audit). The terms a search applies are now the ones the offers were loaded with."""
    from tests.conftest import write_catalog

    def profile(point: str) -> str:
        return (f'[S1]\nfile = "p.csv"\npickup_points = ["{point}"]\nmin_order_sum = 700\n'
                'columns = { brand = "brand", article = "article", price = "price" }\n')

    catalog = write_catalog(tmp_path, {"p.csv": "brand;article;price\nMANN;W 1;100\n"},
                            profile("P1"),
                            "brand_a,article_a,brand_b,article_b\nMANN,W 1,KNECHT,K 1\n")
    old = (catalog / "suppliers" / "S1.json").read_bytes()
    (tmp_path / "p.csv").write_text("brand;article;price\nMANN;W 1;200\n", encoding="utf-8")
    (tmp_path / "s.toml").write_text(profile("P2").replace("700", "800"), encoding="utf-8")
    load_suppliers(tmp_path / "s.toml", catalog)
    (catalog / "suppliers" / "S1.json").write_bytes(old)  # killed before the registration
    engine = Engine.open(catalog)
    found = engine.search("W 1", "MANN", level="wholesale", show_supplier_price=True,
                          filters=Filters(pickup_point="P2"))
    assert ([(o.supplier_price, o.pickup_points, o.min_order_sum) for o in
             found.requested.offers], found.notes) == ([("200.00", ("P2",), "800.00")], ())
    gone = engine.search("W 1", "MANN", filters=Filters(pickup_point="P1"))
    assert gone.requested.total == 0 and "no supplier delivers there" in gone.notes[0]
    assert engine.sql("select pickup_points, min_order_sum from suppliers").fetchall() == [
        (["P2"], Decimal("800.00"))]
    assert engine.profiles["S1"].pickup_points == ("P2",)
