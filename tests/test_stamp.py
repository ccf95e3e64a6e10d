"""The key rules' stamp: a catalog loaded or built by a partsearch with other key rules (an older
release), or with another brand registry than it opens with (its ``brands.toml`` edited since),
opens and searches, with one ``StaleKeysWarning`` naming what, why and the remedy, and
``partsearch info`` says so; a catalog loaded and built by this one with its registry as it is,
or again since, does not."""

from __future__ import annotations

import json
import os
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import partsearch
from partsearch import (
    CrossIndex,
    Engine,
    PartsearchWarning,
    StaleKeysWarning,
    catalog_info,
)
from partsearch.brands import BrandRegistry, catalog_registry, default_registry
from partsearch.cli import main
from partsearch.crosses import build_index
from partsearch.loading import (
    OFFERS_SCHEMA,
    load_price_file,
    load_suppliers,
    publish_offers,
    read_offers,
    read_profiles,
)
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
    """The current snapshot's manifest as a build with key rules ``stamp`` (and the
    catalog's brand registry) wrote it (None: before there was a stamp)."""
    path = _current(catalog / "crosses") / "manifest.json"
    manifest = json.loads(path.read_bytes())
    manifest.pop("key_rules", None)
    manifest.pop("brand_registry", None)
    if stamp is not None:
        manifest["key_rules"] = stamp
        manifest["brand_registry"] = catalog_registry(catalog).key_fingerprint
    path.write_text(json.dumps(manifest))


def _stamp_offers(catalog: Path, supplier: str, stamp: int | None) -> None:
    """The supplier's current offers file as a publish with key rules ``stamp`` (and the
    catalog's brand registry) wrote it (None: before there was a stamp)."""
    path = _current(catalog / "offers" / supplier)
    table = pa.ipc.open_file(pa.py_buffer(path.read_bytes())).read_all()
    schema = table.schema.remove_metadata() if stamp is None else table.schema.with_metadata({
        b"partsearch.key_rules": str(stamp).encode(),
        b"partsearch.brand_registry": catalog_registry(catalog).key_fingerprint.encode()})
    tmp = path.with_name(".stamp.tmp")
    with pa.OSFile(str(tmp), "wb") as sink, pa.ipc.new_file(sink, schema) as writer:
        writer.write_table(table.replace_schema_metadata(schema.metadata))
    os.replace(tmp, path)


def test_a_fresh_catalog_is_stamped_and_opens_without_a_warning(catalog: Path) -> None:
    manifest = json.loads((_current(catalog / "crosses") / "manifest.json").read_bytes())
    shipped = default_registry().key_fingerprint
    assert (manifest["key_rules"], manifest["brand_registry"]) == (KEY_RULES, shipped)
    assert read_offers(catalog, "ALFA").schema.metadata == {
        b"partsearch.key_rules": str(KEY_RULES).encode(),
        b"partsearch.brand_registry": shipped.encode()}
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
    _reloaded_and_rebuilt(engine, catalog)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
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


def test_info_maps_each_offers_file_once_and_tells_every_suppliers(
        catalog: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``info`` mapped each offers file again, and read the snapshot's manifest again, for the
    stale keys; it reads them once, and still tells the offers of a supplier published by the
    API alone (no profile registered), which an engine searches too."""
    import partsearch.loading.load as loading

    publish_offers(catalog, "GAMMA", read_offers(catalog, "BETA"))
    _stamp_offers(catalog, "GAMMA", KEY_RULES - 1)
    _stamp_crosses(catalog, KEY_RULES - 1)
    mapped: list[str] = []
    real = loading.read_offers

    def read(root: Path, code: str) -> pa.Table:
        mapped.append(code)
        return real(root, code)

    monkeypatch.setattr(loading, "read_offers", read)
    stale = catalog_info(catalog).stale_keys
    assert stale is not None and (stale.crosses, stale.suppliers) == (True, ("GAMMA",))
    assert sorted(mapped) == ["ALFA", "BETA", "GAMMA"]
    with pytest.warns(StaleKeysWarning) as caught:
        Engine.open(catalog)
    assert str(caught[0].message) == f"{catalog}: {stale.message}"


def test_many_suppliers_are_counted_past_ten_and_empty_files_are_not_stale() -> None:
    from partsearch._stamp import offers_metadata, stale_keys

    offers: list[tuple[str, int, dict[bytes, bytes] | None]] = [
        (f"S{i:02d}", 5, None) for i in range(12)]
    offers += [("EMPTY", 0, None), ("NEW", 5, offers_metadata(default_registry()))]
    current = {"key_rules": KEY_RULES, "brand_registry": default_registry().key_fingerprint}
    stale = stale_keys(current, offers, default_registry())
    assert stale is not None and stale.suppliers == tuple(f"S{i:02d}" for i in range(12))
    assert stale.message.startswith("the offers of S00, S01, S02, S03, S04, S05, S06, S07, "
                                    "S08, S09 and 2 more were keyed")
    assert stale_keys(current, offers[-2:], default_registry()) is None
    assert stale_keys(None, (), default_registry()) is None


def test_the_warning_is_public() -> None:
    assert {"PartsearchWarning", "StaleKeysWarning"} <= set(partsearch.__all__)
    # (help() tells both causes: it named another release's rules alone)
    doc = " ".join((StaleKeysWarning.__doc__ or "").split())
    assert "other rules" in doc and "another brand registry" in doc and "brands.toml" in doc


# -- the brand registry: part of the stamp -------------------------------------------------------

_BRANDS_STALE = "keyed with another brand registry than the catalog's now"


def _silent(catalog: Path) -> None:
    """The catalog opens, as an engine and as an index, without a warning; info tells none."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Engine.open(catalog)
        CrossIndex.open(catalog)
    assert catalog_info(catalog).stale_keys is None


def _lesjofors(engine: Engine) -> list[str]:
    return [o.supplier for o in engine.search("4056855", brand="LESJÖFORS").requested.offers]


def test_an_edited_brands_toml_warns_until_loaded_and_built_again(
        catalog: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A brand added to a catalog's ``brands.toml`` with a spelling its price file writes (the
    offers keyed under LESJOFORS, now searched as LF): its offers are not found until the price
    files are loaded again, and the open, the reload and info now say so."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        engine = Engine.open(catalog)
    assert _lesjofors(engine) == ["ALFA"]
    (catalog / "brands.toml").write_text('["LF"]\naliases = ["LESJÖFORS"]\n', encoding="utf-8")
    with pytest.warns(StaleKeysWarning) as caught:
        assert engine.reload()
    said = str(caught[0].message)
    assert len(caught) == 1 and caught[0].filename == __file__
    assert said == (
        f"{catalog}: the cross snapshot and the offers of ALFA, BETA were keyed with another "
        "brand registry than the catalog's now (its brands.toml edited since, or another "
        "release's shipped one), so a part whose brand the registry now reads otherwise (a "
        "spelling given as an alias since, or a brand added) is not found by its own number; "
        f"{_REMEDY}")
    assert _lesjofors(engine) == []  # (what the warning is about)
    with pytest.warns(StaleKeysWarning, match=_BRANDS_STALE):
        Engine.open(catalog)
    with pytest.warns(StaleKeysWarning, match=r"the cross snapshot was keyed with another"):
        CrossIndex.open(catalog)
    info = catalog_info(catalog).stale_keys
    assert info is not None and (info.crosses, info.suppliers) == (True, ("ALFA", "BETA"))
    assert said == f"{catalog}: {info.message}"
    assert main(["info", str(catalog)]) == 0
    assert f"STALE KEYS: {info.message}" in capsys.readouterr().out

    _reloaded_and_rebuilt(engine, catalog)
    _silent(catalog)


def test_a_reload_whose_warning_is_an_error_installs_the_state_whole(catalog: Path) -> None:
    """A deploy check makes the warning an error: the reload installed the new state, then
    raised before its fingerprint was kept, so the next reload read it again, True, and told
    nothing (the state it compared with was the one the failed reload installed). Now the
    state is installed and complete, then the warning raised: the next reload is False."""
    engine = Engine.open(catalog)
    assert _lesjofors(engine) == ["ALFA"]
    (catalog / "brands.toml").write_text('["LF"]\naliases = ["LESJÖFORS"]\n', encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error", StaleKeysWarning)
        with pytest.raises(StaleKeysWarning, match=_BRANDS_STALE):
            engine.reload()
    assert _lesjofors(engine) == []  # (the new registry's state: the catalog did change)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not engine.reload()
    _reloaded_and_rebuilt(engine, catalog)


@pytest.mark.parametrize("brands", [
    '["MANN-FILTER"]\naliases = ["MANN AG"]\n',          # an alias
    '["LF"]\naliases = ["LF AB"]\n',                     # a brand
    '["KNECHT"]\nkeep_cyrillic = true\n',                # its articles keyed otherwise
])
def test_an_edit_that_changes_keys_warns(catalog: Path, brands: str) -> None:
    (catalog / "brands.toml").write_text(brands, encoding="utf-8")
    with pytest.warns(StaleKeysWarning, match=_BRANDS_STALE):
        Engine.open(catalog)
    stale = catalog_info(catalog).stale_keys
    assert stale is not None and (stale.crosses, stale.suppliers) == (True, ("ALFA", "BETA"))


@pytest.mark.parametrize("brands", [
    '["MANN-FILTER"]\ndescription = "MANN+HUMMEL filters"\n',
    '["KNECHT"]\noem = true\n',                # (read from the registry at each search)
    '["MANN-FILTER"]\naliases = ["Mann"]\n',   # (MANN's spelling already: no key changes)
])
def test_an_edit_that_changes_no_key_is_silent(catalog: Path, brands: str) -> None:
    (catalog / "brands.toml").write_text(brands, encoding="utf-8")
    _silent(catalog)


def test_a_catalog_with_its_own_brands_toml_is_silent(tmp_path: Path) -> None:
    (tmp_path / "cat").mkdir()
    (tmp_path / "cat" / "brands.toml").write_text(
        '["LF"]\naliases = ["LESJÖFORS"]\n["KNECHT"]\nkeep_cyrillic = true\n', encoding="utf-8")
    catalog = write_catalog(tmp_path, {"alfa.csv": "b;a;p\nLESJÖFORS;4056855;300\n",
                                       "beta.csv": "b;a;p\nKNECHT;OC 90;80\n"}, _PROFILES,
                            "brand_a,article_a,brand_b,article_b\nLF,4056855,KNECHT,OC 90\n")
    _silent(catalog)
    manifest = json.loads((_current(catalog / "crosses") / "manifest.json").read_bytes())
    assert manifest["brand_registry"] == catalog_registry(catalog).key_fingerprint != \
        default_registry().key_fingerprint


def test_a_publish_stamps_the_registry_the_table_was_keyed_with(catalog: Path) -> None:
    """``load_price_file`` without the catalog's registry keys brands with the shipped one: its
    table, published into a catalog whose ``brands.toml`` reads them otherwise, is stale, and
    says so; with the catalog's registry, or a table that says none (the catalog's assumed),
    it is not."""
    (catalog / "brands.toml").write_text('["LF"]\naliases = ["LESJÖFORS"]\n', encoding="utf-8")
    folder = catalog.parent
    load_suppliers(folder / "s.toml", catalog)
    build_index([folder / "x.csv"], catalog)
    _silent(catalog)
    alfa = read_profiles(folder / "s.toml")[0]
    publish_offers(catalog, "ALFA", load_price_file(alfa).offers)
    with pytest.warns(StaleKeysWarning, match=rf": the offers of ALFA were {_BRANDS_STALE}"):
        Engine.open(catalog)
    publish_offers(catalog, "ALFA", load_price_file(alfa, registry=catalog_registry(catalog))
                   .offers)
    _silent(catalog)
    publish_offers(catalog, "ALFA", read_offers(catalog, "ALFA").replace_schema_metadata(None))
    _silent(catalog)
    publish_offers(catalog, "BETA", OFFERS_SCHEMA.empty_table())
    _silent(catalog)


def test_a_brands_toml_that_cannot_be_read_is_told_where_it_is_read(catalog: Path) -> None:
    """Not at ``CrossIndex.open`` (``crosses verify`` needs no brand): the rules alone are
    compared there; a lookup, ``Engine.open`` and info raise as before."""
    (catalog / "brands.toml").write_text('["MANN-FILTER"\n', encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        index = CrossIndex.open(catalog)
    with pytest.raises(partsearch.ProfileError, match="brand registry"):
        catalog_info(catalog)
    with pytest.raises(partsearch.ProfileError, match="brand registry"):
        index.lookup("MANN", "W 920/21")
    # a supplier's offers withdrawn (no rows, so no keys) need no registry to be stamped
    publish_offers(catalog, "BETA", OFFERS_SCHEMA.empty_table())
    assert read_offers(catalog, "BETA").num_rows == 0
    with pytest.raises(partsearch.ProfileError, match="brand registry"):
        Engine.open(catalog)


def test_a_stamp_of_no_registry_is_stale() -> None:
    """A stamp of the rules alone (before the registry was in it) is another registry's."""
    from partsearch._stamp import stale_keys

    reg = default_registry()
    stale = stale_keys({"key_rules": KEY_RULES}, [("A", 1, {b"partsearch.key_rules": b"1"})],
                       reg)
    assert stale is not None and (stale.crosses, stale.suppliers) == (True, ("A",))
    assert _BRANDS_STALE in stale.message
    # (a brands.toml that cannot be read: the rules alone are compared, info says no more)
    assert stale_keys({"key_rules": KEY_RULES}, (), None) is None


@settings(max_examples=50, deadline=None)
@given(description=st.text(), oem=st.booleans(), brand=st.sampled_from(["MANN-FILTER", "VAG"]))
def test_the_fingerprint_is_of_what_makes_keys(description: str, oem: bool, brand: str) -> None:
    base = default_registry()
    assert base.key_fingerprint is base.key_fingerprint  # (made once per registry)

    def edited(**change: Any) -> str:
        brands = dict(base.brands)
        brands[brand] = replace(brands[brand], **change)
        return BrandRegistry.from_brands(brands).key_fingerprint

    assert edited(description=description, oem=oem) == base.key_fingerprint
    assert edited(keep_cyrillic=True) != base.key_fingerprint
    assert edited(aliases=(*base.brands[brand].aliases, f"{brand} {description} X1")) != \
        base.key_fingerprint


def _reloaded_and_rebuilt(engine: Engine, catalog: Path) -> None:
    """The remedy the warning names: the price files loaded again and the crosses rebuilt, then
    a reload that takes them, silent."""
    folder = catalog.parent
    load_suppliers(folder / "s.toml", catalog)
    build_index([folder / "x.csv"], catalog)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert engine.reload()
    assert _lesjofors(engine) == ["ALFA"]


def test_an_index_whose_registry_files_are_unchanged_opens_parsing_none(
        catalog: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The snapshot keeps the digest of the registry's files as its build read them: an open
    that finds the same bytes knows the keys current without parsing the registry (~14 ms of
    the shipped one's TOML); other bytes (a description edited) send it to compare what the
    registry keys, which says current; an alias added, stale."""
    parsed: list[Path] = []
    load = BrandRegistry.load.__func__  # type: ignore[attr-defined]

    def counted(cls: type[BrandRegistry], path: Path, **kw: Any) -> BrandRegistry:
        parsed.append(Path(path))
        return load(cls, path, **kw)  # type: ignore[no-any-return]

    monkeypatch.setattr(BrandRegistry, "load", classmethod(counted))
    default_registry.cache_clear()
    (catalog / "brands.toml").write_text('["LF"]\naliases = ["LESJÖFORS"]\n', encoding="utf-8")
    build_index([catalog.parent / "x.csv"], catalog)
    parsed.clear()
    default_registry.cache_clear()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        CrossIndex.open(catalog)
    assert parsed == []
    (catalog / "brands.toml").write_text('["LF"]\naliases = ["LESJÖFORS"]\n'
                                         'description = "springs"\n', encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        CrossIndex.open(catalog)
    assert catalog / "brands.toml" in parsed
    (catalog / "brands.toml").write_text('["LF"]\naliases = ["LESJÖFORS", "LF AB"]\n',
                                         encoding="utf-8")
    with pytest.warns(StaleKeysWarning, match="the cross snapshot was keyed with another"):
        CrossIndex.open(catalog)
