"""Offers table, publishing into a catalog, reading back, failed reloads, the CLI."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from partsearch import CatalogError, ProfileError
from partsearch.cli import main
from partsearch.loading import (
    OFFERS_SCHEMA,
    REJECTED_SCHEMA,
    SupplierProfile,
    load_price_file,
    load_suppliers,
    publish_offers,
    read_offers,
    read_registered_profiles,
    register_profiles,
)
from partsearch.loading import load as loading
from tests.conftest import write_catalog

TOML = """
[ALFA]
name = "Alfa"
file = "alfa.csv"
delivery_hours = 48
pickup_points = ["Г", "M1"]
min_order_sum = 500
returnable = false
prepayment = true
restrictions = "no return of electrics"
stock_accuracy = 0.93
[ALFA.columns]
brand = "Бренд"
article = "Артикул"
description = "Наименование"
price = "Цена"
quantity = "Кол-во"
delivery_days = "Срок"
multiplicity = "Кратность"

[BETA]
name = "Beta"
file = "beta.csv"
brand = "Mobil"
columns = { article = 0, price = 1 }

[ONLINE1]
name = "Online"
[ONLINE1.api]
kind = "abcp"
url = "http://127.0.0.1:8080"
login_env = "ON1_LOGIN"
password_env = "ON1_PASSWORD"
"""

ALFA = ("Бренд;Артикул;Наименование;Цена;Кол-во;Срок;Кратность\n"
        "MANN;W 712/1;Фильтр;1 234,50;>10;3-5;2\n"
        "VW;06A115561B;Фильтр VAG;800;под заказ;;\n"
        "KYB;;нет артикула;100;1;1;1\n")


def _setup(tmp_path: Path) -> Path:
    (tmp_path / "alfa.csv").write_bytes(ALFA.encode("cp1251"))
    (tmp_path / "beta.csv").write_text("155093,10\n155095,20\n")
    toml = tmp_path / "suppliers.toml"
    toml.write_text(TOML, encoding="utf-8")
    return toml


def test_offers_columns_and_terms(tmp_path: Path) -> None:
    _setup(tmp_path)
    profile = SupplierProfile(
        code="ALFA", name="Alfa", file=tmp_path / "alfa.csv", delivery_hours=48,
        pickup_points=("Г", "M1"), min_order_sum=Decimal(500), returnable=False,
        restrictions="r", stock_accuracy=0.9,
        columns={"brand": "Бренд", "article": "Артикул", "price": "Цена", "quantity": "Кол-во",
                 "delivery_days": "Срок", "multiplicity": "Кратность"})
    when = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    report = load_price_file(profile, now=when)
    assert report.offers.schema.equals(OFFERS_SCHEMA)
    assert report.rows_read == 3 == report.offers.num_rows + report.rejected.num_rows
    rows = report.offers.to_pylist()
    assert [r["brand"] for r in rows] == ["MANN-FILTER", "VAG"]
    assert rows[0]["delivery_hours"] == 72 and rows[1]["delivery_hours"] == 48
    assert rows[0]["multiplicity"] == 2 and rows[1]["multiplicity"] == 1
    assert rows[1]["quantity"] is None and rows[1]["on_order"] is True
    assert rows[0]["pickup_points"] == ["Г", "M1"]
    assert rows[0]["min_order_sum"] == Decimal("500.00")
    assert rows[0]["returnable"] is False and rows[0]["restrictions"] == "r"
    assert rows[0]["stock_accuracy"] == 0.9 and rows[0]["price_file_time"] == when
    from partsearch._hashing import part_hash

    assert rows[0]["part_hash"] == part_hash("MANN-FILTER", "W7121")
    (rej,) = report.rejected.to_pylist()
    assert rej["line"] == 4 and rej["reason"].startswith("empty article")
    assert rej["raw"] == "KYB;;нет артикула;100;1;1;1"


def test_load_publish_read_roundtrip(tmp_path: Path) -> None:
    toml = _setup(tmp_path)
    catalog = tmp_path / "catalog"
    reports = load_suppliers(toml, catalog)
    assert [(r.supplier, r.error) for r in reports] == [("ALFA", None), ("BETA", None)]
    assert all(r.published is not None and r.published.is_file() for r in reports)
    for r in reports:  # each report holds its published file (mapped), not the loaded table
        assert r.offers.equals(read_offers(catalog, r.supplier))
    beta = read_offers(catalog, "BETA")
    # published sorted by part, so the search can merge suppliers as sorted runs
    hashes = beta.column("part_hash").to_pylist()
    assert hashes == sorted(hashes)
    beta = beta.sort_by("line")
    assert beta.column("brand").to_pylist() == ["MOBIL", "MOBIL"]
    assert beta.column("price").to_pylist() == [Decimal("10.00"), Decimal("20.00")]
    both = read_offers(catalog)
    assert both.num_rows == 4 and both.schema.equals(OFFERS_SCHEMA)
    registered = read_registered_profiles(catalog)
    assert sorted(registered) == ["ALFA", "BETA", "ONLINE1"]
    assert registered["ONLINE1"].api is not None
    assert read_offers(tmp_path / "nothing").num_rows == 0


def test_failed_reload_keeps_old_offers(tmp_path: Path) -> None:
    toml = _setup(tmp_path)
    catalog = tmp_path / "catalog"
    load_suppliers(toml, catalog)
    before = read_offers(catalog, "ALFA").to_pylist()
    (tmp_path / "alfa.csv").write_bytes(b"")
    (tmp_path / "beta.csv").write_text("155093,11\n")
    reports = load_suppliers(toml, catalog)
    alfa = next(r for r in reports if r.supplier == "ALFA")
    assert alfa.error is not None and "empty file" in alfa.error
    assert read_offers(catalog, "ALFA").to_pylist() == before
    assert read_offers(catalog, "BETA").column("price").to_pylist() == [Decimal("11.00")]


@pytest.mark.parametrize(("text", "error"), [
    ("Прайс-лист\n\nБренд;Артикул;Наименование;Цена;Кол-во;Срок;Кратность\n",
     "no data rows"),
    ("Бренд;Артикул;Наименование;Цена;Кол-во;Срок;Кратность\n"
     "MANN;W 712/1;Фильтр;по запросу;>10;3-5;2\nVW;06A115561B;Фильтр;по запросу;1;;\n",
     "no offer: all 2 rows were rejected (line 2: bad price 'по запросу'; line 3: bad price"),
], ids=["header only", "every row rejected"])
def test_a_file_without_an_offer_keeps_the_old_offers(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, error: str) -> None:
    """A truncated export or a price list "on request" would withdraw every offer."""
    import json

    toml = _setup(tmp_path)
    catalog = tmp_path / "catalog"
    load_suppliers(toml, catalog)
    before = read_offers(catalog, "ALFA").to_pylist()
    registered = (catalog / "suppliers" / "ALFA.json").read_bytes()
    (tmp_path / "alfa.csv").write_bytes(text.encode("cp1251"))
    toml.write_text(TOML.replace("delivery_hours = 48", "delivery_hours = 12"), "utf-8")
    rejects = tmp_path / "rejects.csv"
    assert main(["load", str(toml), "--out", str(catalog), "--rejects", str(rejects)]) == 2
    err = capsys.readouterr().err
    assert f"ALFA: FAILED {tmp_path / 'alfa.csv'}: {error}" in err and "nothing published" in err
    assert read_offers(catalog, "ALFA").to_pylist() == before
    assert (catalog / "suppliers" / "ALFA.json").read_bytes() == registered  # (with them)
    record = json.loads((catalog / "loads" / "ALFA.json").read_text(encoding="utf-8"))
    assert error in record["error"] and record["version"] is None
    rejected = text.count("по запросу")
    assert record["rows_read"] == record["rejected"] == rejected
    assert len(rejects.read_text(encoding="utf-8").splitlines()) == 1 + rejected


def test_offers_are_withdrawn_only_by_publishing_an_empty_table(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The README's word: a supplier taken out of suppliers.toml keeps its offers published,
    and publishing an empty table withdraws them (a load that gives no offer never does)."""
    import partsearch

    toml = _setup(tmp_path)
    catalog = tmp_path / "catalog"
    load_suppliers(toml, catalog)
    toml.write_text(TOML[:TOML.index("[BETA]")], encoding="utf-8")  # (BETA taken out)
    load_suppliers(toml, catalog)
    assert read_offers(catalog, "BETA").num_rows == 2
    assert partsearch.Engine.open(catalog).search("155093").status == "ok"
    publish_offers(catalog, "BETA", OFFERS_SCHEMA.empty_table())
    assert read_offers(catalog, "BETA").num_rows == 0
    assert partsearch.Engine.open(catalog).search("155093").status == "not_found"
    assert main(["info", str(catalog)]) == 0
    assert "BETA  0 offers" in capsys.readouterr().out


def test_the_first_rejected_rows_are_the_files_first(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Rows that do not split and rows whose values are refused come in the file's order."""
    import json

    good = "MANN;W 712/1;Фильтр;100;1;1;1\n"
    text = (ALFA.splitlines(keepends=True)[0] + good * 3 + "MANN;W1;Фильтр;abc;1;1;1\n"
            + good * 5 + "MANN;W2;Фильтр;1;1;1;1;лишнее\n" + "MANN;W3;Фильтр;xyz;1;1;1\n")
    toml = _setup(tmp_path)
    (tmp_path / "alfa.csv").write_bytes(text.encode("cp1251"))
    rejects = tmp_path / "rejects.csv"
    assert main(["load", str(toml), "--out", str(tmp_path / "cat"), "--supplier", "ALFA",
                 "--rejects", str(rejects)]) == 0
    out = capsys.readouterr().out
    assert [ln.split(":")[0].strip() for ln in out.splitlines() if ln.startswith("    line")] \
        == ["line 5", "line 11", "line 12"]
    record = json.loads((tmp_path / "cat" / "loads" / "ALFA.json").read_text("utf-8"))
    assert [r[0] for r in record["first_rejected"]] == [5, 11, 12]
    assert [ln.split(",")[2] for ln in rejects.read_text("utf-8").splitlines()[1:]] \
        == ["5", "11", "12"]


def test_a_zips_skipped_members_are_in_the_load_record_and_the_summary(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json
    import zipfile

    with zipfile.ZipFile(tmp_path / "p.zip", "w") as zf:
        zf.writestr("readme.txt", "Прайс обновляется ежедневно")
        zf.writestr("msk.csv", "Бренд;Артикул;Цена\nNK;A1;1\n")
    toml = tmp_path / "s.toml"
    toml.write_text('[Z]\nfile = "p.zip"\n'
                    'columns = { brand = "Бренд", article = "Артикул", price = "Цена" }\n',
                    encoding="utf-8")
    assert main(["load", str(toml), "--out", str(tmp_path / "cat")]) == 0
    assert "    skipped readme.txt: not a price table" in capsys.readouterr().out
    record = json.loads((tmp_path / "cat" / "loads" / "Z.json").read_text(encoding="utf-8"))
    assert [m.split(":")[0] for m in record["skipped"]] == ["readme.txt"]


def test_a_zips_rejected_rows_in_the_summary_name_their_member(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Two members' line 3 are two rows: the summary names each member as --rejects does,
    and so does a load that gives no offer."""
    import zipfile

    from partsearch.loading import load_price_file
    from partsearch.loading.profiles import SupplierProfile

    text = "Бренд;Артикул;Цена\nNK;A1;1\nNK;A2;bad\n"
    with zipfile.ZipFile(tmp_path / "p.zip", "w") as zf:
        zf.writestr("p1.csv", text)
        zf.writestr("msk/p2.csv", text)
    toml = tmp_path / "s.toml"
    toml.write_text('[Z]\nfile = "p.zip"\n'
                    'columns = { brand = "Бренд", article = "Артикул", price = "Цена" }\n',
                    encoding="utf-8")
    assert main(["load", str(toml), "--out", str(tmp_path / "cat")]) == 0
    assert capsys.readouterr().out.splitlines()[1:] == [
        "    p1.csv line 3: bad price 'bad'", "    msk/p2.csv line 3: bad price 'bad'"]
    plain = tmp_path / "p.csv"
    plain.write_text(text, encoding="utf-8")
    columns = {"brand": "Бренд", "article": "Артикул", "price": "Цена"}
    assert load_price_file(SupplierProfile("Z", "Z", plain, columns=columns)
                           ).first_rejected() == ["line 3: bad price 'bad'"]
    with zipfile.ZipFile(tmp_path / "p.zip", "w") as zf:
        zf.writestr("p1.csv", "Бренд;Артикул;Цена\nNK;A2;bad\n")
        zf.writestr("p2.csv", "Бренд;Артикул;Цена\nNK;A2;bad\n")
    assert main(["load", str(toml), "--out", str(tmp_path / "cat")]) == 2
    assert "(p1.csv line 2: bad price 'bad'; p2.csv line 2: bad price 'bad')" in \
        capsys.readouterr().err


def test_a_padded_pickup_point_is_the_point(tmp_path: Path) -> None:
    """A profile's " Г " was a point no filter named but " Г ", and a search's " Г " (a web
    form's) filtered out every supplier of "Г": both are compared trimmed, an offer shows its
    points trimmed, and a profile registered before (its JSON padded) is read trimmed."""
    import json

    import partsearch
    from partsearch.loading.profiles import SupplierProfile

    catalog = write_catalog(
        tmp_path, {"r.csv": "brand;article;price\nMANN;W 920/21;100\n"},
        '[R]\nfile = "r.csv"\npickup_points = [" Г ", "M1\\u00a0"]\n'
        'columns = { brand = "brand", article = "article", price = "price" }\n')
    engine = partsearch.Engine.open(catalog)
    for point in ("Г", " Г ", "M1", "\tM1\u200b"):
        r = engine.search("W 920/21", "MANN", filters=partsearch.Filters(pickup_point=point))
        assert r.requested.total == 1, point
        assert r.requested.offers[0].pickup_points == ("Г", "M1")
    assert engine.search("W 920/21", "MANN", filters=partsearch.Filters(
        pickup_point="Г M1")).requested.total == 0
    old = json.loads(SupplierProfile(code="R", name="R").to_json())
    old["pickup_points"] = [" Г "]
    assert SupplierProfile.from_json(json.dumps(old)).pickup_points == ("Г",)


def test_a_profile_is_registered_with_its_offers(tmp_path: Path) -> None:
    import partsearch

    def setup(points: str, price_file: str) -> None:
        (tmp_path / "r.csv").write_text(price_file, encoding="utf-8")
        toml.write_text(f'[R]\nfile = "r.csv"\npickup_points = [{points}]\n'
                        'columns = { brand = "brand", article = "article", price = "price" }\n'
                        '[WEB]\napi = { kind = "abcp", url = "http://127.0.0.1:9", '
                        'login_env = "L", password_env = "P" }\n',
                        encoding="utf-8")

    def found(engine: partsearch.Engine, point: str) -> int:
        engine.reload()
        return engine.search("W 920/21", brand="MANN", filters=partsearch.Filters(
            pickup_point=point)).requested.total

    toml, catalog = tmp_path / "s.toml", tmp_path / "cat"
    setup('"A"', "")
    assert load_suppliers(toml, catalog)[0].error is not None
    # nothing published: registered at once, as the online supplier is
    assert sorted(read_registered_profiles(catalog)) == ["R", "WEB"]
    setup('"A"', "brand;article;price\nMANN;W 920/21;100\n")
    load_suppliers(toml, catalog)
    engine = partsearch.Engine.open(catalog)
    assert (found(engine, "A"), found(engine, "B")) == (1, 0)
    setup('"B"', "")  # a new pickup point and a file that fails: the old offers, old terms
    assert load_suppliers(toml, catalog)[0].error is not None
    assert read_registered_profiles(catalog)["R"].pickup_points == ("A",)
    assert (found(engine, "A"), found(engine, "B")) == (1, 0)
    setup('"B"', "brand;article;price\nMANN;W 920/21;90\n")
    load_suppliers(toml, catalog)
    assert (found(engine, "A"), found(engine, "B")) == (0, 1)


def test_publish_and_register_directly(tmp_path: Path) -> None:
    path = publish_offers(tmp_path, "X", OFFERS_SCHEMA.empty_table())
    assert path.parent == tmp_path / "offers" / "X"
    with pa.memory_map(str(path)) as source:
        assert pa.ipc.open_file(source).schema.equals(OFFERS_SCHEMA)
    p = SupplierProfile(code="X", name="X", api={"kind": "abcp"})
    register_profiles(tmp_path, [p])
    assert read_registered_profiles(tmp_path) == {"X": p}


def test_publish_takes_a_table_without_the_columns_added_later(tmp_path: Path) -> None:
    toml = _setup(tmp_path)
    catalog = tmp_path / "catalog"
    load_suppliers(toml, catalog)
    offers = read_offers(catalog, "ALFA")
    older = offers.drop_columns(["delivery_hours_max"])  # as a caller built it before
    publish_offers(catalog, "OLD", older)
    again = read_offers(catalog, "OLD")
    assert again.schema.equals(OFFERS_SCHEMA) and again.num_rows == offers.num_rows
    assert again.column("delivery_hours_max").null_count == offers.num_rows
    with pytest.raises(CatalogError, match="do not match the offers schema"):
        publish_offers(catalog, "NOPRICE", offers.drop_columns(["price"]))  # not optional


def _invalid_utf8(like: pa.ChunkedArray) -> pa.Array:
    """A column of ``like``'s type and length whose every value is the byte 0xFF (never UTF-8)."""
    n = len(like)
    offsets = np.arange(n + 1, dtype=np.int64 if like.type == pa.large_string() else np.int32)
    return pa.Array.from_buffers(like.type, n, [None, pa.py_buffer(offsets.tobytes()),
                                                pa.py_buffer(b"\xff" * n)])


def test_publish_refuses_text_that_is_not_utf8(tmp_path: Path) -> None:
    """The search reads text bytes where they lie, trusting them to be UTF-8: a table built
    from raw buffers is refused before anything is written, and the current offers stay."""
    toml = _setup(tmp_path)
    catalog = tmp_path / "catalog"
    load_suppliers(toml, catalog)
    offers = read_offers(catalog, "ALFA")
    before = offers.to_pylist()
    i = offers.schema.get_field_index("description")
    bad = offers.set_column(i, "description", _invalid_utf8(offers.column(i)))
    with pytest.raises(CatalogError, match=r"ALFA are not valid.*UTF8"):
        publish_offers(catalog, "ALFA", bad)
    assert read_offers(catalog, "ALFA").to_pylist() == before


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    toml = _setup(tmp_path)
    rejects = tmp_path / "rejects.csv"
    code = main(["load", str(toml), "--out", str(tmp_path / "cat"), "--rejects", str(rejects)])
    out = capsys.readouterr().out
    assert code == 0
    assert "ALFA: 3 rows read, 2 offers, 1 rejected" in out
    assert "line 4: empty article" in out
    text = rejects.read_text(encoding="utf-8")
    assert "нет артикула" in text and "reason" in text
    (tmp_path / "beta.csv").write_bytes(b"")
    code = main(["load", str(toml), "--out", str(tmp_path / "cat"), "--supplier", "BETA"])
    err = capsys.readouterr().err
    assert code == 2 and "beta.csv" in err and "empty file" in err


@pytest.mark.parametrize("where", ["no/such/folder/rejects.csv", "a folder", "a file/rejects.csv"])
def test_a_rejects_file_that_cannot_be_written_fails_before_the_load(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str) -> None:
    """It failed only after every supplier's offers were published; now it is exit 2 at once,
    one line naming the path and the OS's words, and the catalog is not touched."""
    import os

    toml = _setup(tmp_path)
    (tmp_path / "a folder").mkdir()
    (tmp_path / "a file").write_text("x", "utf-8")
    rejects = tmp_path / where
    catalog = tmp_path / "cat"
    assert main(["load", str(toml), "--out", str(catalog), "--rejects", str(rejects)]) == 2
    said = capsys.readouterr()
    words = {"no/such/folder/rejects.csv": os.strerror(2), "a folder": os.strerror(21),
             "a file/rejects.csv": os.strerror(20)}[where]
    assert said.err == f"partsearch: error: {rejects}: {words}\n" and said.out == ""
    assert not catalog.exists()


def test_a_rejects_file_is_written_only_by_a_load_that_ran(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """One that does not exist yet is made (and not left behind, empty, by a load that did
    not run); one that exists keeps its rows until the new ones replace them."""
    toml = _setup(tmp_path)
    rejects = tmp_path / "rejects.csv"
    bad = tmp_path / "bad.toml"
    bad.write_text("[ALFA\n", "utf-8")
    assert main(["load", str(bad), "--out", str(tmp_path / "cat"), "--rejects",
                 str(rejects)]) == 2
    assert not rejects.exists()
    rejects.write_text("old rows, a longer text than the new file holds " * 20, "utf-8")
    assert main(["load", str(bad), "--out", str(tmp_path / "cat"), "--rejects",
                 str(rejects)]) == 2
    assert rejects.read_text("utf-8").startswith("old rows")
    assert main(["load", str(toml), "--out", str(tmp_path / "cat"), "--rejects",
                 str(rejects)]) == 0
    lines = rejects.read_text("utf-8").splitlines()
    assert lines[0] == '"supplier","path","line","raw","reason"' and len(lines) == 2
    capsys.readouterr()


def test_publish_writes_the_companions(tmp_path: Path) -> None:
    """Each offers file gets its article and prefix indexes beside it, which an engine's store
    maps; a file without them gets the same indexes made, and a damaged one is named."""
    from partsearch._catalog import companion
    from partsearch.search._store import load_store

    toml = _setup(tmp_path)
    catalog = tmp_path / "catalog"
    published = [r.published for r in load_suppliers(toml, catalog)]
    offers = [p for p in published if p is not None]
    assert len(offers) == 2
    articles = [p.with_name(companion(p.name, "articles")) for p in offers]
    prefixes = [p.with_name(companion(p.name, "prefixes")) for p in offers]
    assert all(p.is_file() for p in articles + prefixes)
    mapped = load_store(catalog)
    assert all(s.article_index is not None for s in mapped.segments)
    arrays = ("article_hash", "article_seg", "article_row")
    expected = [getattr(mapped.base, a).tolist() for a in arrays]
    assert len(expected[0]) == 4 and expected[0] == sorted(expected[0])  # four parts in all
    keys = [[a.tolist() for a in s.prefixes] for s in mapped.segments]
    assert [sorted(s.prefixes.keys(np.arange(s.prefixes.off.size - 1)))
            for s in mapped.segments] == [["06A115561B", "W7121"], ["155093", "155095"]]
    for path in articles + prefixes:
        path.unlink()
    made = load_store(catalog)
    assert all(s.article_index is None for s in made.segments)
    assert [getattr(made.base, a).tolist() for a in arrays] == expected
    assert [[a.tolist() for a in s.prefixes] for s in made.segments] == keys
    articles[0].write_bytes(b"ARROW1 not really")
    with pytest.raises(CatalogError) as caught:
        load_store(catalog)
    assert str(articles[0]) in str(caught.value)
    articles[0].unlink()
    prefixes[1].write_bytes(b"ARROW1 not really")
    with pytest.raises(CatalogError) as caught:
        load_store(catalog).segments[1].prefixes  # noqa: B018 (read on first use)
    assert str(prefixes[1]) in str(caught.value)


def test_a_damaged_prefix_index_is_refused(tmp_path: Path) -> None:
    """An index whose offsets run past its keys (the compiled scoring reads them unchecked)."""
    import pyarrow as pa

    from partsearch._catalog import companion
    from partsearch.loading._companions import read_prefix_index

    path = publish_offers(tmp_path, "X", read_offers(_loaded(tmp_path), "BETA"))
    good = path.with_name(companion(path.name, "prefixes"))
    assert read_prefix_index(good) is not None
    table = pa.ipc.open_file(pa.BufferReader(good.read_bytes())).read_all()

    def damaged(name: str, change: Any) -> pa.Table:
        values = table.column(name).chunk(0).values.to_numpy().copy()
        change(values)
        return table.set_column(table.column_names.index(name), name, pa.LargeListArray
                                .from_arrays(pa.array([0, values.size], pa.int64()),
                                             pa.array(values)))

    def past_end(values: np.ndarray) -> None:
        values[-1] += 100

    def unsorted(values: np.ndarray) -> None:
        values[:] = values[::-1]

    for bad in (damaged("off", past_end), damaged("tail_key", past_end),
                damaged("tail_hash", unsorted), table.drop_columns(["tail_key"])):
        with pa.OSFile(str(good), "wb") as sink, pa.ipc.new_file(sink, bad.schema) as writer:
            writer.write_table(bad)
        with pytest.raises(CatalogError, match="damaged"):
            read_prefix_index(good)


def test_a_prefix_index_written_before_its_tails(tmp_path: Path) -> None:
    """A file published before the tail index was kept gets it made when it is read."""
    import pyarrow as pa

    from partsearch._catalog import companion
    from partsearch.loading._companions import read_prefix_index

    path = publish_offers(tmp_path, "X", read_offers(_loaded(tmp_path), "BETA"))
    prefixes = path.with_name(companion(path.name, "prefixes"))
    whole = read_prefix_index(prefixes)
    assert whole is not None and whole.tail_key.size == whole.off.size - 1 == 2
    expected = [a.tolist() for a in whole]  # (before the file it maps is written again)
    table = pa.ipc.open_file(pa.BufferReader(prefixes.read_bytes())).read_all()
    old = table.drop_columns(["tail_hash", "tail_key"])
    with pa.OSFile(str(prefixes), "wb") as sink, pa.ipc.new_file(sink, old.schema) as writer:
        writer.write_table(old)
    made = read_prefix_index(prefixes)
    assert made is not None
    assert [a.tolist() for a in made] == expected


_ART = np.array([1, 5, 5, 2**63 + 1], np.uint64)  # ascending unsigned, not as int64
_ROW = np.array([3, 0, 2, 1], np.int64)


@pytest.mark.parametrize(("art", "row", "rows", "fits"), [
    (_ART, _ROW, 4, True),
    (np.zeros(0, np.uint64), np.zeros(0, np.int64), 0, True),
    (_ART, _ROW, 3, False),  # a row past the file's end
    (_ART, np.array([3, -1, 2, 1], np.int64), 4, False),
    (np.array([1, 5, 4, 2**63 + 1], np.uint64), _ROW, 4, False),
    (_ART.astype(np.int64), _ROW, 4, False),
    (_ART, _ROW.astype(np.int32), 4, False),
])
def test_an_article_index_must_fit_its_offers_file(tmp_path: Path, art: np.ndarray,
                                                   row: np.ndarray, rows: int, fits: bool
                                                   ) -> None:
    """The search reads the offers file at the index's rows unchecked, and its hashes by
    binary search: a damaged index is named when it is read."""
    from partsearch._arrow import write_file
    from partsearch.loading._companions import read_article_index

    path = tmp_path / "x.articles"
    write_file(path, pa.table({"article_hash": art, "row": row}))
    if fits:
        got = read_article_index(path, rows)
        assert got is not None and [a.tolist() for a in got] == [art.tolist(), row.tolist()]
    else:
        with pytest.raises(CatalogError, match="does not fit"):
            read_article_index(path, rows)


def _loaded(tmp_path: Path) -> Path:
    catalog = tmp_path / "catalog"
    load_suppliers(_setup(tmp_path), catalog)
    return catalog


def test_a_catalog_that_cannot_be_written_stops_the_load(tmp_path: Path) -> None:
    """A publish's own failure is not a file's: it reaches the caller (the loads run two at a
    time; the one that failed is reported, not swallowed into a report)."""
    toml = _setup(tmp_path)
    catalog = tmp_path / "catalog"
    (catalog / "offers").mkdir(parents=True)
    (catalog / "offers" / "BETA").write_text("not a directory")
    with pytest.raises(CatalogError, match="BETA"):
        load_suppliers(toml, catalog)
    assert (catalog / "offers" / "BETA").is_file()


def test_suppliers_are_submitted_a_few_at_a_time(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Not every supplier is queued at once: at most ``_AHEAD`` loads are submitted and not
    yet reported (all nine were, before), and the reports and progress keep the profiles'
    order."""
    codes = [f"S{i}" for i in range(9)]
    for code in codes:
        (tmp_path / f"{code}.csv").write_text(f"{code}-1,10\n")
    toml = tmp_path / "suppliers.toml"
    toml.write_text("".join(f'[{c}]\nname = "{c}"\nfile = "{c}.csv"\nbrand = "Mobil"\n'
                            f"columns = {{ article = 0, price = 1 }}\n" for c in codes))
    submitted: list[str] = []

    class Counted(ThreadPoolExecutor):
        def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
            if args and isinstance(args[0], SupplierProfile):  # (not a publish's companions)
                submitted.append(args[0].code)
            return super().submit(fn, *args, **kwargs)

    monkeypatch.setattr(loading, "ThreadPoolExecutor", Counted)
    calls: list[tuple[str, int, int]] = []
    ahead: list[int] = []

    def progress(code: str, done: int, total: int) -> None:
        calls.append((code, done, total))
        ahead.append(len(submitted) - done)

    reports = load_suppliers(toml, tmp_path / "catalog", progress=progress)
    assert [r.supplier for r in reports] == codes and all(r.error is None for r in reports)
    assert calls == [(c, i, len(codes)) for i, c in enumerate(codes)] + [("", 9, 9)]
    assert submitted == codes
    assert max(ahead) == loading._AHEAD


def _tree(root: Path) -> dict[str, tuple[int, int]]:
    """Every entry under ``root`` with its size and mtime: what a refused call must not touch."""
    return {str(p.relative_to(root)): (p.lstat().st_size, p.lstat().st_mtime_ns)
            for p in sorted(root.rglob("*"))}


@pytest.mark.parametrize("code", ["..", ".", "ALFA/../BETA", "../evil", "A\x00B", "AL\x01FA",
                                  "ALFA ", "A" * 300, "", ".merged", 5, None])
def test_publish_refuses_what_suppliers_toml_refuses_before_touching_the_disk(
        tmp_path: Path, code: Any) -> None:
    """The code is the folder written: ".." wrote CURRENT into the catalog's root, whose
    clean-up deleted offers/, crosses/ and loads/ (their files older than its grace period);
    "ALFA/../BETA" withdrew BETA's offers; "../evil" wrote beside the catalog."""
    catalog = _loaded(tmp_path)
    old = datetime(2020, 1, 1).timestamp()
    for path in catalog.rglob("*"):  # (past the clean-up's grace period)
        os.utime(path, (old, old))
    before = _tree(tmp_path)
    with pytest.raises(ProfileError, match="publish_offers: invalid supplier code"):
        publish_offers(catalog, code, OFFERS_SCHEMA.empty_table())
    assert _tree(tmp_path) == before
    assert read_offers(catalog, "BETA").num_rows == 2


def test_publish_refuses_what_is_no_table(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match=r"publish_offers: offers must be a pyarrow Table.*"
                                           r"not None"):
        publish_offers(tmp_path, "ALFA", None)  # type: ignore[arg-type]
    with pytest.raises(CatalogError, match="publish_offers: catalog_dir must be"):
        publish_offers(None, "ALFA", OFFERS_SCHEMA.empty_table())  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def test_register_and_record_refuse_a_code_that_is_no_folder_name(tmp_path: Path) -> None:
    good = SupplierProfile(code="X", name="X", api={"kind": "abcp"})
    bad = SupplierProfile(code="../evil", name="X", api={"kind": "abcp"})
    with pytest.raises(ProfileError, match=r"register_profiles: invalid supplier code '\.\./evil'"):
        register_profiles(tmp_path / "cat", [good, bad])
    with pytest.raises(ProfileError, match="register_profiles: profiles must be"):
        register_profiles(tmp_path / "cat", ["X"])  # type: ignore[list-item]
    report = loading.LoadReport(
        supplier="..", path="x.csv", rows_read=0, offers=OFFERS_SCHEMA.empty_table(),
        rejected=REJECTED_SCHEMA.empty_table(), seconds=0.0)
    with pytest.raises(ProfileError, match=r"record_load: invalid supplier code '\.\.'"):
        loading.record_load(tmp_path / "cat", report)
    assert list(tmp_path.iterdir()) == []  # (nothing written: not the good profile either)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"supplier": ["ALFA"]}, "load_suppliers: supplier must be a supplier code (text) or None, "
                             "not ['ALFA']"),
    ({"progress": 5}, "load_suppliers: progress must be a callable"),
])
def test_load_suppliers_refuses_a_bad_argument_before_publishing(
        tmp_path: Path, kwargs: dict[str, Any], message: str) -> None:
    """progress=5 raised at its first call, after the first suppliers were published."""
    toml = _setup(tmp_path)
    with pytest.raises(ProfileError) as err:
        load_suppliers(toml, tmp_path / "catalog", **kwargs)
    assert message in str(err.value)
    assert not (tmp_path / "catalog").exists()


def test_load_price_file_refuses_what_is_no_profile(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="load_price_file: profile must be a SupplierProfile"):
        load_price_file(str(tmp_path / "alfa.csv"))  # type: ignore[arg-type]
