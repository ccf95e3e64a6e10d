"""The public API as a type checker reads it: ``mypy --strict`` (the project's configuration)
over ``tests/typing/``, a web app's documented calls that must pass and a user's mistakes that
must fail (each marked with the error it gives), against this checkout's ``src``."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_the_public_api_types_documented_calls_and_catches_mistakes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from mypy import api

    # (this checkout's package before an installed one; the project's cache, so a run after
    # `make test`'s mypy reads src from it: ~3 s, against ~25 s cold)
    monkeypatch.setenv("MYPYPATH", str(ROOT / "src"))
    out, err, status = api.run([
        "--config-file", str(ROOT / "pyproject.toml"), "--cache-dir", str(ROOT / ".mypy_cache"),
        "--no-error-summary", "--show-error-codes",
        str(ROOT / "tests" / "typing" / "api_usage.py"),
        str(ROOT / "tests" / "typing" / "api_mistakes.py")])
    assert status == 0, out + err


def test_the_types_a_result_holds_are_exported() -> None:
    import partsearch
    import partsearch.result
    from partsearch.online import SupplierOutcome

    # (a user annotates a result's parts: each by the name partsearch gives it)
    assert partsearch.SupplierOutcome is SupplierOutcome
    assert partsearch.SupplierCrossPart is partsearch.result.SupplierCrossPart
    assert set(partsearch.result.__all__) <= set(partsearch.__all__)
    assert all(getattr(partsearch, name) is not None for name in partsearch.__all__)


def test_the_search_options_types_are_read_at_run_time() -> None:
    """A web app validates a request's options by their types (``typing.get_type_hints``,
    pydantic): they were imported for the type checker alone, and reading them was a
    NameError. ``import partsearch`` still imports no numpy: only the first use does."""
    import os
    import subprocess
    import sys
    import typing
    from datetime import datetime

    import numpy as np

    from partsearch import Filters, SearchOptions, SortSpec

    hints = typing.get_type_hints(SearchOptions)
    assert hints["sort"] == SortSpec | None and hints["filters"] == Filters | None
    assert hints["show_all"] == bool | np.bool_ and hints["now"] == datetime | None
    assert set(hints) == SearchOptions.__optional_keys__
    light = subprocess.run(
        [sys.executable, "-c", "import sys, partsearch; print('numpy' in sys.modules)"],
        capture_output=True, text=True, check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert light.stdout == "False\n"
