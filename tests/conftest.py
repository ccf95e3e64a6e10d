"""Shared fixtures: paths to the committed fixtures and to the read-only real data; a small
catalog made from text (:func:`write_catalog`)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "data" / "fixtures"
REALDATA = ROOT.parent / "shared" / "realdata"

settings.register_profile(
    "ci", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("ci")


@pytest.fixture(scope="session")
def realdata() -> Path:
    """``../shared/realdata``; tests that need it skip cleanly when it is absent."""
    if not REALDATA.is_dir():
        pytest.skip("../shared/realdata is not present")
    return REALDATA


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


def write_catalog(folder: Path, files: Mapping[str, str], profiles: str,
                  crosses: str | None = None) -> Path:
    """``folder/cat``, a catalog of the price files ``files`` (name -> text) loaded with the
    ``suppliers.toml`` text ``profiles``, and the cross index of the CSV text ``crosses``."""
    from partsearch.crosses import build_index
    from partsearch.loading import load_suppliers

    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "s.toml").write_text(profiles, encoding="utf-8")
    catalog = folder / "cat"
    load_suppliers(folder / "s.toml", catalog)
    if crosses is not None:
        (folder / "x.csv").write_text(crosses, encoding="utf-8")
        build_index([folder / "x.csv"], catalog)
    return catalog
