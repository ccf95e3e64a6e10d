"""Shared fixtures: paths to the committed fixtures and to the read-only real data."""

from __future__ import annotations

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
