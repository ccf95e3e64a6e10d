"""The key rules' stamp: a catalog loaded or built by a partsearch with other key rules (an older
release) opens and searches, with one ``StaleKeysWarning`` naming what and the remedy, and
``partsearch info`` says so; a catalog loaded and built by this one, or again since, does not."""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import pyarrow as pa
import pytest

import partsearch
from partsearch import (
    CrossIndex,
    Engine,
    PartsearchWarning,
    StaleKeysWarning,
    catalog_info,
)
from partsearch.cli import main
from partsearch.crosses import build_index
from partsearch.loading import load_suppliers, publish_offers, read_offers
from partsearch.normalize import KEY_RULES
from tests.conftest import write_catalog

_PROFILES = (
    '[ALFA]\nname = "Alfa"\nfile = "alfa.csv"\ncolumns = { brand = "b", article = "a", '
    'price = "p" }\n'
    '[BETA]\nname = "Beta"\nfile = "beta.csv"\ncolumns = { brand = "b", article = "a", '
    'price = "p" }\n'
)
_REMEDY = "load the price files again and rebuild the crosses"


@pytest.fixture()
def catalog(tmp_path: Path) -> Path:
    return write_catalog(tmp_path, {
        "alfa.csv": "b;a;p\nMANN;W 920/21;90\nLESJÖFORS;4056855;300\n",
        "beta.csv": "b;a;p\nKNECHT;OC 90;80\n"}, _PROFILES,
        "brand_a,article_a,brand_b,article_b\nMANN,W 920/21,KNECHT,OC 90\n")


def _current(area: Path) -> Path:
    return area / (area / "CURRENT").read_text().strip()


def _stamp_crosses(catalog: Path, stamp: int | None) -> None:
    """The current snapshot's manifest as a build with key rules ``stamp`` wrote it (None:
    before there was a stamp)."""
    path = _current(catalog / "crosses") / "manifest.json"
    manifest = json.loads(path.read_bytes())
    manifest.pop("key_rules", None)
    if stamp is not None:
        manifest["key_rules"] = stamp
    path.write_text(json.dumps(manifest))


def _stamp_offers(catalog: Path, supplier: str, stamp: int | None) -> None:
    """The supplier's current offers file as a publish with key rules ``stamp`` wrote it."""
    path = _current(catalog / "offers" / supplier)
    table = pa.ipc.open_file(pa.py_buffer(path.read_bytes())).read_all()
    schema = table.schema.remove_metadata() if stamp is None else \
        table.schema.with_metadata({b"partsearch.key_rules": str(stamp).encode()})
    tmp = path.with_name(".stamp.tmp")
    with pa.OSFile(str(tmp), "wb") as sink, pa.ipc.new_file(sink, schema) as writer:
        writer.write_table(table.replace_schema_metadata(schema.metadata))
    os.replace(tmp, path)


def test_a_fresh_catalog_is_stamped_and_opens_without_a_warning(catalog: Path) -> None:
    manifest = json.loads((_current(catalog / "crosses") / "manifest.json").read_bytes())
    assert manifest["key_rules"] == KEY_RULES
    assert read_offers(catalog, "ALFA").schema.metadata == {
        b"partsearch.key_rules": str(KEY_RULES).encode()}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        engine = Engine.open(catalog)
        CrossIndex.open(catalog)
        assert not engine.reload()
    assert catalog_info(catalog).stale_keys is None


@pytest.mark.parametrize("stamp", [None, KEY_RULES - 1, KEY_RULES + 1])
def test_a_catalog_of_other_key_rules_warns_once_and_still_searches(
        catalog: Path, stamp: int | None, capsys: pytest.CaptureFixture[str]) -> None:
    _stamp_crosses(catalog, stamp)
    _stamp_offers(catalog, "ALFA", stamp)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        engine = Engine.open(catalog)
    assert [w.category for w in caught] == [StaleKeysWarning]
    assert issubclass(StaleKeysWarning, PartsearchWarning)
    assert issubclass(PartsearchWarning, UserWarning)
    said = str(caught[0].message)
    assert said.startswith(f"{catalog}: the cross snapshot and the offers of ALFA were keyed")
    assert "BETA" not in said and said.endswith(_REMEDY)
    assert caught[0].filename == __file__  # (told at the caller's line)
    # the shop is not down: most keys are the same
    result = engine.search("W 920/21", brand="MANN")
    assert [o.supplier for o in result.requested.offers] == ["ALFA"]
    assert [o.article for o in result.analogs.offers] == ["OC 90"]
    with warnings.catch_warnings():  # (told once: a reload of nothing new is silent)
        warnings.simplefilter("error")
        assert not engine.reload()

    info = catalog_info(catalog)
    assert info.stale_keys is not None
    assert (info.stale_keys.crosses, info.stale_keys.suppliers) == (True, ("ALFA",))
    assert said == f"{catalog}: {info.stale_keys.message}"
    assert main(["info", str(catalog)]) == 0  # (it opens and searches: not a failure)
    assert f"STALE KEYS: {info.stale_keys.message}" in capsys.readouterr().out
    assert main(["info", str(catalog), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["stale_keys"] == {
        "crosses": True, "suppliers": ["ALFA"], "message": info.stale_keys.message}


def test_the_remedy_names_only_what_is_stale(catalog: Path) -> None:
    _stamp_crosses(catalog, None)
    with pytest.warns(StaleKeysWarning, match=r"the cross snapshot was keyed .*; "
                                              r"rebuild the crosses$") as caught:
        CrossIndex.open(catalog)
    assert len(caught) == 1 and str(caught[0].message).startswith(f"{catalog}: ")
    _stamp_crosses(catalog, KEY_RULES)
    _stamp_offers(catalog, "BETA", None)
    with pytest.warns(StaleKeysWarning, match=r": the offers of BETA were keyed .*; "
                                              r"load the price files again$"):
        Engine.open(catalog)
    stale = catalog_info(catalog).stale_keys
    assert stale is not None and (stale.crosses, stale.suppliers) == (False, ("BETA",))


def test_loaded_and_built_again_the_warning_is_gone(catalog: Path) -> None:
    _stamp_crosses(catalog, None)
    _stamp_offers(catalog, "ALFA", None)
    _stamp_offers(catalog, "BETA", None)
    with pytest.warns(StaleKeysWarning, match=r"offers of ALFA, BETA"):
        engine = Engine.open(catalog)
    folder = catalog.parent
    load_suppliers(folder / "s.toml", catalog)
    build_index([folder / "x.csv"], catalog)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert engine.reload()
        Engine.open(catalog)
        CrossIndex.open(catalog)
    assert catalog_info(catalog).stale_keys is None


def test_a_reload_warns_of_what_became_stale(catalog: Path) -> None:
    """An offers file published since by a partsearch of other rules (a worker not yet
    upgraded) is told at the reload that picks it up."""
    engine = Engine.open(catalog)
    publish_offers(catalog, "BETA", read_offers(catalog, "BETA"))
    _stamp_offers(catalog, "BETA", KEY_RULES - 1)
    with pytest.warns(StaleKeysWarning, match=r": the offers of BETA were keyed") as caught:
        assert engine.reload()
    assert caught[0].filename == __file__


def test_many_suppliers_are_counted_past_ten_and_empty_files_are_not_stale() -> None:
    from partsearch._stamp import offers_metadata, stale_keys

    offers = [(f"S{i:02d}", 5, None) for i in range(12)]
    offers += [("EMPTY", 0, None), ("NEW", 5, offers_metadata())]
    stale = stale_keys({"key_rules": KEY_RULES}, offers)
    assert stale is not None and stale.suppliers == tuple(f"S{i:02d}" for i in range(12))
    assert stale.message.startswith("the offers of S00, S01, S02, S03, S04, S05, S06, S07, "
                                    "S08, S09 and 2 more were keyed")
    assert stale_keys({"key_rules": KEY_RULES}, offers[-2:]) is None
    assert stale_keys(None, ()) is None


def test_the_warning_is_public() -> None:
    assert {"PartsearchWarning", "StaleKeysWarning"} <= set(partsearch.__all__)
