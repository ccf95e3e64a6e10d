"""The docstrings' examples run as written: each module's doctests (``doctest.testmod``), and
those marked ``# doctest: +SKIP`` (they need a catalog on disk) in a folder built from the
fixture world, so an example that drifts from the code (a wrong answer, a directive mistyped as
``# +SKIP``) fails here rather than in a reader's session."""

from __future__ import annotations

import doctest
import importlib
import os
import pkgutil
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

import partsearch

ROOT = Path(__file__).resolve().parents[1]

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


# The examples marked ``# doctest: +SKIP`` need a catalog on disk, so testmod passes them over;
# these tests run every one of them for real, in a folder laid out as they assume. Only those
# that cannot run in a test are named here, with why: any other skipped example is run.
KEEP_SKIPPED = {
    "partsearch._memory.keep_freed_memory":
        "tunes the C allocator of the whole process it runs in (and answers False off glibc)",
}
WORLD = ROOT / "data" / "fixtures" / "world"
# (the price files' time, so ages are as the examples show whatever day the tests run)
FILE_TIME = datetime(2026, 3, 2, 6, 0, tzinfo=UTC).timestamp()


def _skipped(module: str) -> list[doctest.DocTest]:
    return [t for t in doctest.DocTestFinder().find(importlib.import_module(module))
            if any(e.options.get(doctest.SKIP) for e in t.examples)]


SKIPPED = sorted((t.name, m) for m in ["partsearch", *MODULES] for t in _skipped(m))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder the skipped examples work in: the fixture world's ``suppliers.toml``,
    ``prices/`` and ``truth/``; its crosses as ``crosses.csv``; a new supplier's file
    ``prices/new.csv`` (Alfa's); and ``catalog``, loaded and indexed from them, its merged
    offers written (as after a first search, so a reload sees no change)."""
    from partsearch import Engine
    from partsearch.crosses import build_index
    from partsearch.loading import load_suppliers
    from partsearch.search._merged import wait

    root = tmp_path_factory.mktemp("world")
    shutil.copytree(WORLD, root, dirs_exist_ok=True, ignore=shutil.ignore_patterns("crosses"))
    shutil.copy(WORLD / "crosses" / "crosses-000.csv", root / "crosses.csv")
    shutil.copy(WORLD / "prices" / "alfa.csv", root / "prices" / "new.csv")
    for path in (root / "prices").iterdir():
        os.utime(path, (FILE_TIME, FILE_TIME))
    assert all(r.error is None for r in load_suppliers(root / "suppliers.toml", root / "catalog"))
    build_index([root / "crosses.csv"], root / "catalog")
    Engine.open(root / "catalog")
    wait()
    return root


def test_the_skipped_examples_are_found() -> None:
    names = {name for name, _module in SKIPPED}
    assert {"partsearch.search.engine", "partsearch.info", "partsearch.crosses.build",
            "partsearch.loading.load.load_suppliers"} <= names
    assert set(KEEP_SKIPPED) <= names  # (an exception for an example no longer there goes)


@pytest.mark.parametrize(("name", "module"), SKIPPED, ids=[name for name, _m in SKIPPED])
def test_a_skipped_example_runs_in_the_fixture_world(
        name: str, module: str, world: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from partsearch import Engine
    from partsearch.search._merged import wait

    if name in KEEP_SKIPPED:
        pytest.skip(KEEP_SKIPPED[name])
    (test,) = [t for t in _skipped(module) if t.name == name]
    for example in test.examples:
        example.options.pop(doctest.SKIP, None)
    shutil.copytree(world, tmp_path, dirs_exist_ok=True)  # (examples load and build again)
    monkeypatch.chdir(tmp_path)
    test.globs["engine"] = Engine.open("catalog")
    out: list[str] = []
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    try:
        result = runner.run(test, out=out.append)
    finally:
        wait()  # (an engine's merge is written on a thread: done before the folder goes)
    assert result.failed == 0, "".join(out)


# public names whose example is their module's docstring (a class that says "see the module
# docstring", a module of one function); an error's or warning's subclass is caught as its
# base's example shows
MODULE_EXAMPLE = {"Engine", "CrossIndex", "CatalogInfo", "build_index", "draft_profile"}


def test_every_public_class_and_function_shows_an_example() -> None:
    import inspect

    missing = []
    for name in partsearch.__all__:
        value = getattr(partsearch, name)
        if not (inspect.isclass(value) or inspect.isfunction(value)):
            continue  # (a version, a type alias: no docstring of their own)
        if inspect.isclass(value) and value not in (
                partsearch.PartsearchError, partsearch.PartsearchWarning) and issubclass(
                value, partsearch.PartsearchError | partsearch.PartsearchWarning):
            continue
        doc = inspect.getdoc(value) or ""
        if name in MODULE_EXAMPLE:
            doc = importlib.import_module(value.__module__).__doc__ or ""
        if ">>>" not in doc:
            missing.append(name)
    assert missing == []
