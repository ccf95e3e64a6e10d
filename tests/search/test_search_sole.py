"""The compiled sole-brand finder of a search without a brand, against the brand choice."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from partsearch import Engine, StaleKeysWarning
from partsearch.crosses import build_index
from partsearch.loading import load_suppliers
from partsearch.search._sole import sole_brand


@pytest.fixture(scope="module")
def engine(world_catalog: Path) -> Engine:
    return Engine.open(world_catalog)


def _expected(engine: Engine, article: str) -> str | None:
    choices = engine.brand_choices(article)
    return choices[0].brand if len(choices) == 1 else None


def test_sole_brand_is_the_brand_choice_of_one(engine: Engine,
                                               world_parts: list[tuple[str, str]]) -> None:
    """Every article of the fixture world's crosses and offers, and spellings of them that no
    brand has: the finder names the brand exactly where the brand choice has one."""
    offered = {a for s in engine._state.store.segments
               for a in s.table.column("article").to_pylist()}
    articles = sorted({a for _, a in world_parts} | offered)
    articles += [a + "9" for a in articles[::7]]  # unknown articles
    kinds = {"none": 0, "one": 0, "several": 0}  # (one brand only in offers: the tests below)
    for article in articles:
        want = _expected(engine, article)
        assert sole_brand(engine._state, article) == want, article
        choices = engine.brand_choices(article)
        kinds["none" if not choices else "one" if len(choices) == 1 else "several"] += 1
    assert all(kinds.values()), kinds  # every case met


def test_search_without_brand_is_the_sole_brands_search(engine: Engine,
                                                       world_parts: list[tuple[str, str]]
                                                       ) -> None:
    # one moment for both searches: an offer's age, to a tenth of an hour, could otherwise
    # tick between them (a first search compiling its kernels takes seconds)
    now = datetime.now(UTC)
    shown = 0
    for _, article in world_parts[::5]:
        brand = _expected(engine, article)
        if brand is None:
            continue
        by_brand = engine.search(article, brand=brand, now=now)
        assert engine.search(article, now=now) == by_brand
        assert engine.search_json(article, now=now) == engine.search_json(article, brand=brand,
                                                                          now=now)
        shown += by_brand.status == "ok"
    assert shown > 20


def _catalog(tmp_path: Path, price: str, crosses: str | None = None) -> Engine:
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "p.csv").write_text(price, encoding="utf-8")
    (tmp_path / "s.toml").write_text(
        '[ALFA]\nfile = "p.csv"\ndelivery_hours = 24\n'
        'columns = { brand = "Бренд", article = "Артикул", price = "Цена", '
        'quantity = "Кол-во", delivery_days = "Срок" }\n', encoding="utf-8")
    catalog = tmp_path / "cat"
    load_suppliers(tmp_path / "s.toml", catalog)
    if crosses is not None:
        (tmp_path / "x.csv").write_text(crosses, encoding="utf-8")
        build_index([tmp_path / "x.csv"], catalog)
    return Engine.open(catalog)


def test_cyrillic_articles_count_by_brand(tmp_path: Path) -> None:
    """ЗМЗ writes РК-15 in Cyrillic (its key keeps the letters), KNECHT's PK 15 folds to the
    same Latin key: typed in Cyrillic, two brands have the article, in Latin letters KNECHT
    alone; with KNECHT's offer gone, ЗМЗ alone."""
    price = "Бренд;Артикул;Цена;Кол-во;Срок\nЗМЗ;РК-15;100,00;1;1\nЗМЗ;РК-15;110,00;1;1\n"
    both = _catalog(tmp_path / "both", price + "KNECHT;PK 15;90,00;2;1\n")
    assert sole_brand(both._state, "РК-15") is None  # both keys: both makers
    assert both.search("РК-15").status == "choose_brand"
    assert sole_brand(both._state, "PK15") == _expected(both, "PK15") == "KNECHT"
    one = _catalog(tmp_path / "one", price + "MANN;W 712/1;1,00;1;1\n")
    assert sole_brand(one._state, "РК 15") == "ЗМЗ"
    now = datetime.now(UTC)
    assert one.search("РК 15", now=now) == one.search("РК 15", brand="ЗМЗ", now=now)
    assert one.search("РК 15").requested.total == 2


def test_a_cyrillic_makers_part_in_the_index_and_a_latin_one_in_offers(tmp_path: Path) -> None:
    """The index files ЗМЗ's РК-15 under its Cyrillic key; the article typed in Latin letters
    names KNECHT's offer alone, typed in Cyrillic both makers."""
    engine = _catalog(tmp_path, "Бренд;Артикул;Цена;Кол-во;Срок\nKNECHT;PK 15;90,00;2;1\n",
                      "brand_a,article_a,brand_b,article_b\nЗМЗ,РК-15,ЗМЗ,РК-16\n")
    assert engine.brand_choices("PK15") != [] and engine.brand_choices("РК15") != []
    for typed in ("PK15", "РК15", "РК-16", "PK16"):
        assert sole_brand(engine._state, typed) == _expected(engine, typed), typed


def test_without_a_cross_index(tmp_path: Path) -> None:
    engine = _catalog(tmp_path, "Бренд;Артикул;Цена;Кол-во;Срок\nMANN;W 712/1;1,00;1;1\n"
                      "MANN;W 712/1;2,00;1;1\nKNECHT;W 712/1;3,00;1;1\nBOSCH;0 451 103 316;"
                      "4,00;1;1\n")
    assert engine.index is None
    assert sole_brand(engine._state, "W712/1") is None
    assert sole_brand(engine._state, "0451103316") == "BOSCH"
    assert sole_brand(engine._state, "0451103317") is None


@pytest.mark.parametrize("with_index", [True, False])
def test_a_shared_article_hash_is_not_a_shared_article(tmp_path: Path, with_index: bool) -> None:
    """Keys of one article hash (a 64-bit collision, simulated: every part and offer filed
    under the searched key's hash) are told apart: in the index by the part hash of the brand
    and the key, in offers by the row's article key, a prefix of it included (W712 against
    W7121)."""
    import numpy as np

    from partsearch._hashing import article_hash
    from partsearch.search._addresses import Addresses
    from partsearch.search._sole import ARTICLE_DTYPES, article_tables, sole_part

    engine = _catalog(tmp_path, "Бренд;Артикул;Цена;Кол-во;Срок\nMANN;W 712/1;1,00;1;1\n"
                      "KNECHT;W 712;2,00;1;1\nFILTRON;W 713/1;3,00;1;1\n",
                      "brand_a,article_a,brand_b,article_b\nMANN,W 712/1,KNECHT,W 712\n"
                      "MANN,W 712/1,FILTRON,W 713/1\n" if with_index else None)
    state = engine._state
    for key, brand in ((b"W7121", "MANN-FILTER"), (b"W712", "KNECHT"), (b"W7131", "FILTRON")):
        arrays = list(article_tables(state.index, state.store).arrays)
        shared = np.uint64(article_hash(key.decode()))
        arrays[0] = np.full_like(arrays[0], shared)  # the index's article hashes
        arrays[6] = np.full_like(arrays[6], shared)  # the offers'
        table = Addresses(arrays, ARTICLE_DTYPES).table
        count, number, seg, row = sole_part(key, b"", table, state.store.text_addresses)
        assert count == 1, key
        found = state.index.brand_names[number] if number >= 0 else \
            state.store.segments[seg].brand.get(row)
        assert found == brand
        assert (number >= 0) == with_index


def test_one_brand_under_two_part_hashes_is_still_one_brand(tmp_path: Path) -> None:
    """NEWCO's offers were loaded while it folded Cyrillic (key PK15), then the catalog's
    registry marked it as a maker that keeps Cyrillic and the crosses were built (key РК15):
    two parts of one brand. The finder counts parts and declines; the brand choice holds one
    brand, and the search goes on with it rather than asking which."""
    _catalog(tmp_path, "Бренд;Артикул;Цена;Кол-во;Срок\nNEWCO;РК-15;90,00;2;1\n")
    catalog = tmp_path / "cat"
    (catalog / "brands.toml").write_text('["NEWCO"]\nkeep_cyrillic = true\n', encoding="utf-8")
    (tmp_path / "x.csv").write_text("brand_a,article_a,brand_b,article_b\nNEWCO,РК-15,NEWCO,"
                                    "РК-16\n", encoding="utf-8")
    build_index([tmp_path / "x.csv"], catalog)
    with pytest.warns(StaleKeysWarning, match=r": the offers of \w+ were keyed with another "
                                              r"brand registry"):  # (as it is: told at open)
        engine = Engine.open(catalog)
    assert sole_brand(engine._state, "РК-15") is None
    assert [c.brand for c in engine.brand_choices("РК-15")] == ["NEWCO"]
    result = engine.search("РК-15")
    assert result.status == "ok" and result.brand == "NEWCO"
