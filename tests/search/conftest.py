"""A catalog built from the committed fixture world, shared by the search tests."""

from __future__ import annotations

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
