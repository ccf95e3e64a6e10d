"""Lookup and search over the fixture world, by class size; price-file parsing.

`make bench` runs these with timing; `make test` does not collect them (its pytest looks in
`tests/` only).
The large-scale figures (10M-200M crosses) come from `make bench-scale`, not from here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

WORLD = Path(__file__).resolve().parents[1] / "data" / "fixtures" / "world"


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from partsearch import Engine
    from partsearch.crosses import build_index
    from partsearch.loading import load_suppliers

    catalog = tmp_path_factory.mktemp("bench-catalog")
    load_suppliers(WORLD / "suppliers.toml", catalog)
    build_index(sorted((WORLD / "crosses").iterdir()), catalog)
    return Engine.open(catalog)


def test_lookup(benchmark: Any, engine: Any) -> None:
    idx = engine.index
    assert benchmark(idx.lookup, "MANN", "W 920/21") is not None


@pytest.mark.parametrize("brand,article", [("MANN", "W 920/21"), ("VW", "06A 115 561 B"),
                                           ("FILTRON", "PS 842")])
def test_search_story(benchmark: Any, engine: Any, brand: str, article: str) -> None:
    result = benchmark(engine.search, article, brand=brand)
    assert result.status == "ok"


@pytest.mark.parametrize("brand,article", [("MANN", "W 920/21"), ("VW", "06A 115 561 B")])
def test_search_json_story(benchmark: Any, engine: Any, brand: str, article: str) -> None:
    """The same searches answered as JSON bytes (what a web app sends on)."""
    assert benchmark(engine.search_json, article, brand=brand).startswith(b'{"article":')


@pytest.mark.parametrize("brand,article", [("MANN", "W 920/21"), ("VW", "06A 115 561 B")])
def test_search_then_to_json(benchmark: Any, engine: Any, brand: str, article: str) -> None:
    """The values' way to the same bytes: the baseline search_json is measured against."""
    assert benchmark(lambda: engine.search(article, brand=brand).to_json()).startswith(b"{")


def test_search_without_brand(benchmark: Any, engine: Any) -> None:
    """An article typed alone: the brand choice (article indexes of the crosses and offers)."""
    result = benchmark(engine.search, "OC 90")
    assert result.status == "choose_brand" and len(result.brands) >= 2


def test_search_largest_class(benchmark: Any, engine: Any) -> None:
    idx = engine.index
    sizes = [idx.class_members(p).size for p in range(idx.n_parts)]
    pid = max(range(idx.n_parts), key=sizes.__getitem__)
    result = benchmark(engine.search, idx.article(pid), brand=idx.brand(pid))
    assert result.status == "ok"


def test_parse_cp1251_csv(benchmark: Any, tmp_path: Path) -> None:
    from partsearch.loading import load_price_file, read_profiles

    rows = "\n".join(f"MANN;W {i // 100}/{i % 100:02d};Фильтр масляный;1 {i % 1000:03d},50;"
                     f"{'>10' if i % 3 else '5'};{i % 7}" for i in range(50_000))
    (tmp_path / "p.csv").write_bytes(
        ("Прайс;;;;;\nБренд;Артикул;Наименование;Цена;Кол-во;Срок\n" + rows).encode("cp1251"))
    (tmp_path / "s.toml").write_text(
        '[B]\nfile = "p.csv"\ncolumns = { brand = "Бренд", article = "Артикул", '
        'description = "Наименование", price = "Цена", quantity = "Кол-во", '
        'delivery_days = "Срок" }\n', encoding="utf-8")
    profile = read_profiles(tmp_path / "s.toml")[0]
    report = benchmark(load_price_file, profile)
    assert report.rows_read == 50_000 and report.offers.num_rows == 50_000
