"""A catalog built from the committed fixture world, and the world's parts, shared by the
search tests."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from partsearch.crosses import build_index
from partsearch.loading import load_suppliers

WORLD = Path(__file__).resolve().parents[2] / "data" / "fixtures" / "world"


@pytest.fixture(scope="session")
def world_catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    catalog = tmp_path_factory.mktemp("catalog")
    reports = load_suppliers(WORLD / "suppliers.toml", catalog)
    assert all(r.error is None for r in reports)
    build_index(sorted((WORLD / "crosses").iterdir()), catalog)
    return catalog


@pytest.fixture(scope="session")
def world_parts() -> list[tuple[str, str]]:
    """Every (brand, article) the fixture world's crosses name, sorted."""
    out = set()
    for path in (WORLD / "crosses").iterdir():
        with path.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                out.add((row["brand_a"], row["article_a"]))
                out.add((row["brand_b"], row["article_b"]))
    return sorted(out)
