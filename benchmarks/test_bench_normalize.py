"""Normalization throughput, against DuckDB doing the same work in SQL (the standing baseline)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from partsearch import article_keys, brand_keys
from partsearch._hashing import part_hashes

N = 1_000_000


@pytest.fixture(scope="module")
def columns() -> tuple[pa.Array, pa.Array]:
    rng = np.random.default_rng(7)
    prefix = np.array(["W ", "OC-", "0 986 ", "HU ", "06A 115 ", "СU "])[rng.integers(0, 6, N)]
    numbers = rng.integers(10, 99999, N).astype(str)
    suffix = np.array(["", "/21", " x", ".3", "-B"])[rng.integers(0, 5, N)]
    written = np.char.add(np.char.add(prefix, numbers), suffix)
    articles = pa.array(written.tolist(), pa.large_string())
    names = np.array(["MANN", "Mann & Hummel", "BOSCH", "vw", "FEBI", "KYB", "ACME parts"])
    brands = pa.array(names[rng.integers(0, len(names), N)].tolist(), pa.large_string())
    return articles, brands


def test_article_keys(benchmark, columns) -> None:  # type: ignore[no-untyped-def]
    articles, _ = columns
    out = benchmark(article_keys, articles)
    assert len(out) == N


def test_article_keys_duckdb_baseline(benchmark, columns) -> None:  # type: ignore[no-untyped-def]
    import duckdb

    articles, _ = columns
    con = duckdb.connect()
    con.register("t", pa.table({"a": articles}))
    sql = "SELECT regexp_replace(upper(a), '[^0-9A-ZА-ЯЁ]', '', 'g') FROM t"
    out = benchmark(lambda: con.sql(sql).to_arrow_table())
    assert out.num_rows == N


def test_brand_keys(benchmark, columns) -> None:  # type: ignore[no-untyped-def]
    _, brands = columns
    out = benchmark(brand_keys, brands)
    assert len(out) == N


def test_part_hashes(benchmark, columns) -> None:  # type: ignore[no-untyped-def]
    articles, brands = columns
    keys = article_keys(articles)
    canon = brand_keys(brands)
    out = benchmark(part_hashes, canon, keys)
    assert len(out) == N


def test_part_hashes_duckdb_baseline(benchmark, columns) -> None:  # type: ignore[no-untyped-def]
    import duckdb

    articles, brands = columns
    con = duckdb.connect()
    con.register("t", pa.table({"a": article_keys(articles), "b": brand_keys(brands)}))
    out = benchmark(lambda: con.sql("SELECT hash(b || chr(31) || a) FROM t").to_arrow_table())
    assert out.num_rows == N
