"""What a caller gives wrong: every public function answers with its own ``PartsearchError``
subclass, whose message quotes the value cut short (``_inputs.shown``), never a raw
``TypeError``, ``ValueError`` or ``OSError`` from inside, nor a 200 kB message."""

from __future__ import annotations

import asyncio
import errno
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

import partsearch
from partsearch import (
    BrandRegistry,
    CatalogError,
    CrossFileError,
    CrossIndex,
    Engine,
    Filters,
    NormalizationError,
    PartsearchError,
    PriceFileError,
    ProfileError,
    SearchError,
    SnapshotError,
    SupplierError,
)
from partsearch._inputs import SHOWN, is_column, lone_surrogate, shown, user_path
from partsearch.online import LiveSuppliers, connector_from_api
from tests.conftest import write_catalog

HUGE = "W" * 100_000
PUNCT = "-" * 100_000


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("inputs")
    yield write_catalog(
        folder, {"p.csv": "brand;article;price\nMANN;W 920/21;500,00\nKNECHT;OC 90;300\n"},
        '[FILE]\nfile = "p.csv"\ncolumns = { brand = "brand", article = "article", '
        'price = "price" }\n', "brand_a,article_a,brand_b,article_b\nMANN,W 920/21,KNECHT,OC 90\n")


@pytest.fixture(scope="module")
def engine(catalog: Path) -> Engine:
    return Engine.open(catalog)


_values = st.one_of(st.text(), st.text(min_size=70, max_size=3000), st.binary(max_size=3000),
                    st.text(st.sampled_from("\x00\ud800\U000e0001\n'\"\\")),
                    st.lists(st.text(max_size=500), max_size=50), st.integers(),
                    st.floats(), st.none(), st.dictionaries(st.text(), st.integers()))


@given(_values)
def test_a_value_is_shown_short_and_says_how_long_it_was(value: Any) -> None:
    """Text by its characters (bytes by theirs), a list or dict by its items, not by the
    length of reprlib's repr, cut already ("(246 characters)" of a list of three 1,000-letter
    texts); on one line."""
    text = shown(value)
    assert len(text) <= SHOWN + 30 and "\n" not in text
    if isinstance(value, str | bytes) and text != repr(value):
        unit = "bytes" if isinstance(value, bytes) else "characters"
        assert text.endswith(f"…({len(value)} {unit})")
    if isinstance(value, list | dict) and len(value) > 1 and (
            len(repr(value)) > SHOWN + 2 or len(value) > (6 if isinstance(value, list) else 4)):
        # (cut: reprlib gives a list's first 6 items, a dict's first 4; one item is its own)
        assert text.endswith(f"({len(value)} items)")


def test_a_numpy_array_is_shown_short_and_right() -> None:
    """reprlib cut an array's repr in its middle, with numpy's line break in the message:
    'array([     0,      1,      2, ..., 99...99998, 999999],\\n      shape=(1000000,))'."""
    assert shown(np.arange(10**6)) == "array of shape (1000000,), int64"
    assert shown(np.zeros((3, 4, 5))) == "array of shape (3, 4, 5), float64"
    assert shown(np.array([HUGE])) == "array of shape (1,), <U100000"
    assert shown(np.arange(3)) == "array([0, 1, 2])"
    assert shown(np.arange(4).reshape(2, 2)) == "array([[0, 1], [2, 3]])"  # (one line)
    assert shown(["x" * 1000] * 3).endswith("…(3 items)")
    assert shown(list(range(7))) == "[0, 1, 2, 3, 4, 5, ...](7 items)"
    assert shown({i: i for i in range(100)}) == "{0: 0, 1: 1, 2: 2, 3: 3, ...}(100 items)"
    assert shown(pa.array(["a"] * 1000)).endswith("…(1000 items)")


def _live_ask(article: Any, brand: Any) -> Any:
    async def go() -> Any:
        live = LiveSuppliers([])
        try:
            return await live.ask_all(article, brand)
        finally:
            await live.aclose()

    return asyncio.run(go())


def _paths(engine: Engine, catalog: Path) -> dict[str, Callable[[], Any]]:
    """The calls whose messages quoted a user's value whole (README, Errors), with 100,000
    characters in them."""
    mann = ("W 920/21", "MANN")
    return {
        "search(article)": lambda: engine.search(PUNCT),
        "search_json(article)": lambda: engine.search_json(PUNCT, "MANN"),
        "search(article=[...])": lambda: engine.search([HUGE]),
        "search(brand=[...])": lambda: engine.search("W 920/21", [HUGE]),
        "brand_choices": lambda: engine.brand_choices(PUNCT),
        "level": lambda: engine.search(*mann, level=HUGE),
        "sort text": lambda: engine.search(*mann, sort=HUGE),
        "sort column": lambda: engine.search(*mann, sort=(HUGE, False)),
        "sort descending": lambda: engine.search(*mann, sort=("price", HUGE)),
        "sort list": lambda: engine.search(*mann, sort=[HUGE] * 3),
        "filters": lambda: engine.search(*mann, filters=HUGE),
        "analogs_offset": lambda: engine.search(*mann, analogs_offset=HUGE),
        "analogs_limit": lambda: engine.search(*mann, analogs_limit=HUGE),
        "oem_offset": lambda: engine.search(*mann, oem_offset=HUGE),
        "oem_limit": lambda: engine.search(*mann, oem_limit=[HUGE]),
        "show_all": lambda: engine.search(*mann, show_all=HUGE),
        "now": lambda: engine.search(*mann, now=HUGE),
        "explain brand": lambda: engine.explain(PUNCT, "W 920/21", "KNECHT", "OC 90"),
        "explain article": lambda: engine.explain("MANN", PUNCT, "KNECHT", "OC 90"),
        "explain article=[...]": lambda: engine.explain("MANN", [HUGE], "KNECHT", "OC 90"),
        "sql": lambda: engine.sql("select " + HUGE + " x"),
        "article_key": lambda: partsearch.article_key(PUNCT),
        "article_key([...])": lambda: partsearch.article_key([HUGE]),
        "brand_key": lambda: partsearch.brand_key(PUNCT),
        "brand_key([...])": lambda: partsearch.brand_key([HUGE]),
        "article_keys(text)": lambda: partsearch.article_keys(HUGE),
        "Filters.max_delivery_hours": lambda: Filters(max_delivery_hours=HUGE),
        "Filters.max_delivery_hours int": lambda: Filters(max_delivery_hours=10**5000),
        "Filters.in_stock": lambda: Filters(in_stock=HUGE),
        "Filters.popular": lambda: Filters(popular=HUGE),
        "Filters.brands": lambda: Filters(brands=[HUGE.encode()]),
        "Filters.pickup_point": lambda: Filters(pickup_point=[HUGE]),
        "catalog_info(brands=)": lambda: partsearch.catalog_info(catalog, brands=HUGE),
        "catalog_info": lambda: partsearch.catalog_info(HUGE),
        "Engine.open": lambda: Engine.open(HUGE),
        "read_profiles": lambda: partsearch.read_profiles(HUGE),
        "deadline_s": lambda: engine.search_live_sync(*mann, deadline_s=HUGE),
        "LiveSuppliers.ask": lambda: _live_ask([HUGE], "MANN"),
        "connector_from_api kind": lambda: connector_from_api("X", {"kind": HUGE}),
        "connector_from_api api": lambda: connector_from_api("X", HUGE),
    }


def test_a_message_quotes_a_100k_value_cut_short(engine: Engine, catalog: Path) -> None:
    """``e.search("-" * 100000)`` was a SearchError of 200,053 characters (the article quoted
    twice), and so on for ~35 calls."""
    for name, call in _paths(engine, catalog).items():
        with pytest.raises(PartsearchError) as err:
            call()
        assert len(str(err.value)) < 500, (name, len(str(err.value)))


_CROSSES = Path(__file__).parents[1] / "data" / "fixtures" / "world" / "crosses" / "crosses-000.csv"
_BAD_PATHS = {"None": None, "bytes": b"catalog", "a number": 5, "a float": 2.5,
              "a list": ["catalog"], "empty": "", "NUL": "cat\x00alog", "surrogate": "cat\ud800",
              "a 300-byte name": "W" * 300, "100k": HUGE, "a long path": "x/" * 3000}


@pytest.mark.parametrize("call, error, name", [
    (lambda p: Engine.open(p), CatalogError, "Engine.open: catalog"),
    (lambda p: partsearch.catalog_info(p), CatalogError, "catalog_info: catalog"),
    (lambda p: CrossIndex.open(p), SnapshotError, "CrossIndex.open: path"),
    (lambda p: partsearch.read_profiles(p), ProfileError, "read_profiles: path"),
    (lambda p: partsearch.load_suppliers(p, "nowhere"), ProfileError,
     "load_suppliers: toml_path"),
    (lambda p: partsearch.load_suppliers(__file__, p), CatalogError,
     "load_suppliers: catalog_dir"),
    (lambda p: partsearch.draft_profile(p), PriceFileError, "draft_profile: file"),
    (lambda p: BrandRegistry.load(p), ProfileError, "BrandRegistry.load: path"),
    (lambda p: partsearch.build_index([p], "nowhere"), CrossFileError,
     "build_index: a cross file"),
    (lambda p: partsearch.build_index([__file__], p), CatalogError,
     "build_index: catalog_dir"),
    (lambda p: partsearch.build_index([_CROSSES], "nowhere", blacklist=p), CrossFileError,
     "build_index: blacklist"),
], ids=["Engine.open", "catalog_info", "CrossIndex.open", "read_profiles", "load_suppliers",
        "load_suppliers_catalog", "draft_profile", "BrandRegistry.load", "build_index",
        "build_index_catalog", "build_index_blacklist"])
def test_a_path_no_file_can_have_is_the_functions_own_error(
        call: Callable[[Any], Any], error: type[PartsearchError], name: str,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """None, bytes or a number raised TypeError; a NUL ValueError; a lone surrogate
    UnicodeEncodeError; a name longer than the file system takes OSError ENAMETOOLONG, each
    from pathlib or the OS: now the function's own error, naming the argument, the path cut
    short and why."""
    monkeypatch.chdir(tmp_path)  # (nothing is written: each is refused before)
    why = {"None": "must be ", "bytes": "must be ", "a number": "must be ", "a float": "must be ",
           "a list": "must be ", "empty": "is empty", "NUL": "a NUL character",
           "surrogate": "a lone surrogate", "a 300-byte name": "file name too long",
           "100k": "file name too long", "a long path": "file name too long"}
    for label, value in _BAD_PATHS.items():
        if value is None and name == "build_index: blacklist":
            continue  # (no blacklist)
        with pytest.raises(error) as err:
            call(value)
        message = str(err.value)
        assert message.startswith(name) and why[label] in message, (label, message)
        assert len(message) < 400, (label, len(message))
    assert os.listdir(tmp_path) == []


def test_a_name_is_as_long_as_its_file_system_takes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """NTFS, exFAT, vfat, SMB and HFS+ count a name in UTF-16 units: a 200-letter Cyrillic
    name (400 UTF-8 bytes) is theirs to take, and was refused by a count of 255 bytes. The
    file system says, and its refusal (ext4's, here) is the function's error."""
    name = "Ж" * 200
    with pytest.raises(CatalogError, match=r"catalog directory not found$"):
        Engine.open(tmp_path / "nowhere" / name)  # (no directory to ask: it is not there)
    with pytest.raises(CatalogError, match="file name too long"):
        Engine.open(tmp_path / name)
    real = os.stat

    def ntfs(path: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        """What the OS answers on a file system of UTF-16 names: no such file."""
        if os.fspath(path).endswith(name):
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), path)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", ntfs)
    assert user_path(tmp_path / name, CatalogError, "x") == tmp_path / name


@pytest.mark.parametrize("args", [
    ["info", ""], ["search", "", "W 920/21"], ["sql", "", "select 1"], ["profile", ""],
    ["crosses", "explain", "", "MANN", "W 920/21", "KNECHT", "OC 90"], ["crosses", "verify", ""],
    ["crosses", "build", "", "--out", "cat"], ["crosses", "build", "x.csv", "--out", ""],
    ["crosses", "build", "x.csv", "--out", "cat", "--blacklist", ""],
    ["load", "", "--out", "cat"], ["load", "suppliers.toml", "--out", ""]],
    ids=lambda args: " ".join(a or "''" for a in args))
def test_the_cli_refuses_an_empty_path(args: list[str], tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    """``partsearch info ""`` (a script's unset ``$CATALOG``) opened the current directory,
    and ``--out ""`` wrote into it, where ``Engine.open("")`` is refused."""
    from partsearch.cli import main

    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_:
        main(args)
    assert exit_.value.code == 2
    assert "an empty path (the current directory is '.')" in capsys.readouterr().err
    assert os.listdir(tmp_path) == []


def test_a_path_of_bytes_that_are_not_utf8_is_refused_before_anything_is_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file name of bytes that are not UTF-8 (a cp1251 name from a Windows share) reaches
    Python as surrogate escapes, which Arrow, DuckDB, fastexcel and the catalog's records
    cannot take as text: a load published its profiles, then failed with a raw
    UnicodeEncodeError, and a profile's draft failed with one. Each is the function's own
    error naming the byte, in the name or in the folder a relative name is read in."""
    odd = tmp_path / "d\udcff"
    odd.mkdir()
    (odd / "suppliers.toml").write_text("", encoding="utf-8")
    (odd / "x.csv").write_text("Бренд;Артикул\nMANN;W 920/21\n", encoding="utf-8")
    said = (r": the name '(d|x)\\udcff(.csv)?' in its path holds the byte 0xFF, which is not "
            r"UTF-8; partsearch opens files by UTF-8 names \(rename it\)$")
    with pytest.raises(CatalogError, match=said):
        Engine.open(odd)
    with pytest.raises(CatalogError, match=said):
        partsearch.load_suppliers(tmp_path / "s.toml", odd / "catalog")
    with pytest.raises(PriceFileError, match=said):
        partsearch.draft_profile(odd / "x.csv")
    with pytest.raises(CrossFileError, match=said):
        partsearch.build_index([odd / "x.csv"], tmp_path / "catalog")
    monkeypatch.chdir(odd)
    with pytest.raises(ProfileError, match=r"toml_path 'suppliers.toml': the name 'd\\udcff' in"):
        partsearch.load_suppliers("suppliers.toml", tmp_path / "catalog")
    assert sorted(os.listdir(tmp_path)) == ["d\udcff"] and not (odd / "catalog").exists()


def test_a_lone_surrogate_is_told_alike_everywhere(engine: Engine) -> None:
    """Engine.sql, a live search and a path argument each looked for a lone surrogate their
    own way and told it three ways ("a path cannot hold '\\ud800' (a lone surrogate)"): one
    helper, one wording, saying where."""
    said = "holds '\\ud800' at character 3, a lone surrogate, which is no text"
    with pytest.raises(SearchError) as sql:
        engine.sql("sel\ud800ect 1")
    with pytest.raises(SearchError) as live:
        _live_ask("W 9\ud80020/21", "MANN")
    with pytest.raises(CatalogError) as path:
        Engine.open("cat\ud800")
    for err in (sql, live, path):
        assert said in str(err.value), str(err.value)
    assert lone_surrogate("cat\udcff", path=True) is None  # (a byte that is not UTF-8)


@pytest.mark.parametrize("one", ["W 920/21", b"x.csv", bytearray(b"x.csv"), Path("x.csv"), None,
                                 5], ids=repr)
def test_one_value_where_a_column_is_wanted_is_refused_alike(one: Any, catalog: Path) -> None:
    """The vectorized keys, LiveSuppliers and build_index each told a column from one value
    their own way: a bytearray was LiveSuppliers' "connector 0 is no connector: 120" and
    build_index's cross file 120, a text's or bytes' items."""
    with pytest.raises(NormalizationError, match=r"keys a column .*, not one value"):
        partsearch.article_keys(one)
    with pytest.raises(SupplierError, match="connectors must be a list of connectors, not"):
        LiveSuppliers(one)
    with pytest.raises(CrossFileError, match="files must be a list of cross files' paths, not"):
        partsearch.build_index(one, catalog)
    assert is_column(["x"]) and is_column(np.array(["x"])) and is_column(pa.array(["x"]))


def test_the_vectorized_keys_refuse_one_value() -> None:
    """``article_keys("W 920/21")`` keyed each character, ``article_keys(b"AB")`` each byte
    (['65', '66']), ``article_keys(None)`` was [None] where ``brand_keys(None)`` raised
    TypeError."""
    for keys, scalar in ((partsearch.article_keys, "article_key"),
                         (partsearch.brand_keys, "brand_key")):
        for one in ("W 920/21", b"AB", bytearray(b"AB"), None, 5, 2.5, True):
            with pytest.raises(NormalizationError, match=rf"use {scalar} for one"):
                keys(one)
        for column in (["W 920/21", None], ("W 920/21",), pa.array(["W 920/21"]),
                       np.array(["W 920/21"], dtype=object)):
            assert keys(column).to_pylist()[0] in ("W92021", "W 920/21")
        assert len(keys(iter(["W 920/21", "OC 90"]))) == 2  # (any iterable of values)


def test_an_index_answers_a_number_as_lookup_does(catalog: Path) -> None:
    """``brands_for_article(5)`` raised AttributeError where ``lookup(brand, 5)`` gives None:
    a number is its digits to both, and what is no article finds nothing."""
    index = CrossIndex.open(catalog)
    for article in (5, 2.5, 920.0, None, b"W 920/21", ["W 920/21"], object(), "", "--"):
        assert index.brands_for_article(article) == []  # type: ignore[arg-type]
        assert index.lookup("MANN", article) is None  # type: ignore[arg-type]
    assert index.brands_for_article("W 920/21") == [("MANN-FILTER", index.lookup("MANN",
                                                                                 "W 920/21"))]


def test_wrong_types_are_the_functions_own_errors(engine: Engine, catalog: Path) -> None:
    registry = BrandRegistry.default()
    for name in (None, 5, b"MANN", ["MANN"], {"a": 1}):
        with pytest.raises(NormalizationError, match="not a brand: "):
            registry.suggest(name)  # type: ignore[arg-type]
    assert registry.suggest("") == []
    for api in (None, "abcp", 5, ["kind"]):
        with pytest.raises(SupplierError, match="supplier X: api must be a table"):
            connector_from_api("X", api)  # type: ignore[arg-type]
    for connectors in (None, 5, "abc"):
        with pytest.raises(SupplierError, match="connectors must be a list of connectors"):
            LiveSuppliers(connectors)  # type: ignore[arg-type]
    for connector in (1, None, "abc", object()):
        with pytest.raises(SupplierError, match="connector 0 is no connector"):
            LiveSuppliers([connector])  # type: ignore[list-item]

    class Twice:
        code, deadline_s, max_concurrency = "X", 1.0, 1

        async def search(self, client: Any, article: str, brand: str | None) -> list[Any]:
            return []

    with pytest.raises(SupplierError, match="two connectors share the supplier code 'X'"):
        LiveSuppliers([Twice(), Twice()])
    for files in (None, 5, "x.csv", b"x.csv", Path("x.csv")):
        with pytest.raises(CrossFileError, match="files must be a list of cross files"):
            partsearch.build_index(files, catalog)  # type: ignore[arg-type]
    for level in (np.array([1, 2]), ["guest"], 5, b"guest"):
        with pytest.raises(SearchError, match="unknown price level"):
            engine.search("W 920/21", "MANN", level=level)  # type: ignore[arg-type]
    # (an empty level box is the default level, as before)
    assert engine.search("W 920/21", "MANN", level="").level == engine.search("W 920/21").level
