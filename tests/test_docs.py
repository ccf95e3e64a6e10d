"""The docstrings' examples run as written: each module's doctests (``doctest.testmod``), so an
example that drifts from the code (a wrong answer, a directive mistyped as ``# +SKIP``) fails
here rather than in a reader's session."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import partsearch

MODULES = sorted(m.name for m in pkgutil.walk_packages(partsearch.__path__, "partsearch.")
                 if not m.name.endswith("__main__"))  # (runs the CLI when imported)


def test_every_module_is_collected() -> None:
    assert {"partsearch.loading.load", "partsearch.loading.profiles",
            "partsearch.search.engine", "partsearch.normalize"} <= set(MODULES)


@pytest.mark.parametrize("name", ["partsearch", *MODULES])
def test_a_modules_doctests_pass(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, report=False)
    assert result.failed == 0, f"{name}: {result.failed} of {result.attempted} examples failed"
