"""``Engine.sql``: ad-hoc SQL over a catalog's offers, suppliers, parts and crosses."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from partsearch import Engine, SearchError
from partsearch.loading import load_suppliers, read_offers
from tests.conftest import write_catalog


@pytest.fixture(scope="module")
def engine(world_catalog: Path) -> Engine:
    return Engine.open(world_catalog)


def test_offers_answer_which_suppliers_carry_a_brand_and_how_old_their_files_are(
        engine: Engine, world_catalog: Path) -> None:
    offers = read_offers(world_catalog).to_pylist()
    assert engine.sql("select count(*) from offers").fetchall() == [(len(offers),)]
    carry = engine.sql("select supplier, count(*) from offers where brand = 'MANN-FILTER' "
                       "group by 1 order by 1").fetchall()
    assert carry == sorted(Counter(o["supplier"] for o in offers
                                   if o["brand"] == "MANN-FILTER").items())
    ages = dict(engine.sql("select supplier, max(price_file_time) from offers group by 1")
                .fetchall())
    assert ages == {s: max(o["price_file_time"] for o in offers if o["supplier"] == s)
                    for s in {o["supplier"] for o in offers}}


def test_suppliers_are_the_registered_profiles(engine: Engine) -> None:
    rows = engine.sql("select code, kind, pickup_points, min_order_sum from suppliers "
                      "order by code").fetchall()
    assert [(r[0], r[1]) for r in rows] == sorted(
        (c, "online" if p.is_online else "file") for c, p in engine.profiles.items())
    alfa = next(r for r in rows if r[0] == "ALFA")
    assert alfa[2] == ["Г", "M1"] and alfa[3] == 500


def test_brands_are_the_registry(engine: Engine) -> None:
    from partsearch import BrandRegistry

    shipped = BrandRegistry.default()
    assert engine.sql("select count(*) from brands").fetchall() == [(len(shipped.brands),)]
    oem = {name for (name,) in engine.sql("select name from brands where oem").fetchall()}
    assert oem == {b.name for b in shipped.brands.values() if b.oem} and "VAG" in oem
    assert engine.sql("select aliases from brands where name = 'MANN-FILTER'").fetchall()[0][0] \
        == list(shipped.brands["MANN-FILTER"].aliases)


def test_parts_and_crosses_are_the_cross_index(engine: Engine) -> None:
    idx = engine.index
    assert idx is not None
    sample = np.linspace(0, idx.n_parts - 1, 50).astype(int).tolist()
    got = engine.sql(f"select part, brand, article, class from parts where part in "
                     f"({', '.join(map(str, sample))}) order by part").fetchall()
    assert got == [(p, idx.brand(p), idx.article(p), int(idx.class_ids(np.array([p]))[0]))
                   for p in sample]  # the slow way, a part at a time
    assert engine.sql("select count(*) from parts").fetchall() == [(idx.n_parts,)]
    states = dict(engine.sql("select state, count(*) from crosses group by 1").fetchall())
    manifest = idx.manifest
    assert sum(states.values()) == manifest["crosses"]
    assert states["accepted"] == manifest["accepted"] and states["held_back"] > 0
    # a held-back cross's parts and sources, as explain names the cross held between them
    part_a, part_b, sources = engine.sql(
        "select part_a, part_b, sources from crosses where state = 'held_back' "
        "order by part_a, part_b limit 1").fetchall()[0]
    held = idx.held_between(part_a, part_b)
    assert held and sorted(held[0][0].sources) == sorted(sources)
    why = engine.sql("select brand_a, article_a, reason, smaller_side from held_back "
                     "order by all").fetchall()
    assert why == sorted((r["brand_a"], r["article_a"], r["reason"], int(r["smaller_side"]))
                         for r in idx.held_back().to_dicts())
    assert len(why) == states["held_back"] + states.get("blacklisted", 0)


def test_offers_join_parts_by_part_hash(engine: Engine) -> None:
    rows = engine.sql("select p.brand, article(p.part), o.brand, o.article_key "
                      "from offers o join parts p using (part_hash) limit 20").fetchall()
    assert len(rows) == 20
    from partsearch import article_key
    assert all(b == ob and article_key(a) == key for b, a, ob, key in rows)


_ONE_SUPPLIER = ('[A]\nfile = "p.csv"\ncolumns = { brand = "brand", article = "article", '
                 'price = "price" }\n')


def test_a_catalog_without_crosses_and_bad_sql(tmp_path: Path) -> None:
    engine = Engine.open(write_catalog(
        tmp_path, {"p.csv": "brand;article;price\nMANN;W 712/1;100\n"}, _ONE_SUPPLIER))
    assert engine.sql("select brand, article from offers").fetchall() == [
        ("MANN-FILTER", "W 712/1")]
    assert engine.sql("select count(*) from parts").fetchall() == [(0,)]
    assert engine.sql("select count(*) from crosses").fetchall() == [(0,)]
    assert engine.sql("select count(*) from held_back").fetchall() == [(0,)]
    with pytest.raises(SearchError, match=r"sql: .*nothing"):
        engine.sql("select * from nothing")


def test_a_query_that_fails_as_it_runs_or_holds_nothing_raises_search_error(
        engine: Engine) -> None:
    """DuckDB's relation runs when it is read: a query that binds but fails as it runs (a
    brand cast to a number, ``error()``) raised DuckDB's own exception from ``.fetchall()``,
    out of ``sql``'s reach; an empty query gave None."""
    for query in ("select brand::int from offers", "select error('boom')"):
        with pytest.raises(SearchError, match=r"sql: .*(Could not convert string|boom)"):
            engine.sql(query)
    for query in ("", ";", " -- a comment\n"):
        with pytest.raises(SearchError, match=r"sql: the query holds no statement"):
            engine.sql(query)
    for query in (123, None, b"select 1"):  # (DuckDB's TypeError, no PartsearchError)
        with pytest.raises(SearchError, match=r"sql: a query is text, not"):
            engine.sql(query)  # type: ignore[arg-type]
    # a lone surrogate, as json.loads of a web request's body gives: DuckDB's TypeError
    for query in ("select '\ud800'", "select 1 -- \udc80"):
        with pytest.raises(SearchError, match=r"sql: the query holds '\\ud[8c][08]0' at "
                                              r"character \d+, a lone surrogate"):
            engine.sql(query)
    # DuckDB quotes the token it cannot read whole: a 100,000-character message
    with pytest.raises(SearchError, match=r"sql: Binder Error: Referenced column") as err:
        engine.sql("select " + "W" * 100_000 + " W")
    assert len(str(err.value)) < 500 and str(err.value).endswith(" characters)")
    answer = engine.sql("select supplier, count(*) from offers group by 1 order by 1")
    assert answer.fetchall() == answer.fetchall()  # (held: read twice, the same rows)
    assert answer.arrow().read_all().column_names == ["supplier", "count_star()"]
    assert answer.pl().height == len(answer.fetchall())


def test_pivot_without_an_in_list_is_refused_in_words_with_one_answered(engine: Engine
                                                                        ) -> None:
    """Without an ``IN`` list DuckDB parses a PIVOT as a ``CREATE TYPE`` and the select, which
    was refused as "not MULTI"."""
    with pytest.raises(SearchError, match=r"not PIVOT without an IN list .*IN \('A', 'B'\)"):
        engine.sql("pivot (select supplier from offers) on supplier using count(*)")
    n = engine.sql("select count(*) from offers where supplier = 'ALFA'").fetchall()[0][0]
    assert engine.sql("pivot (select supplier from offers) on supplier in ('ALFA') "
                      "using count(*)").fetchall() == [(n,)]

_WRITES = {
    "COPY": "copy (select 1 as a) to '{cat}/offers/A/CURRENT' (format csv)",
    "ATTACH": "attach '{cat}/evil.duckdb' as ev",
    "EXPORT": "export database '{cat}/exp'",
    "CREATE": "create view offers2 as select 1",
    "DROP": "drop view crosses",
    "INSERT": "insert into offers select * from offers",
    "SET": "set enable_external_access = true",
    "PRAGMA": "pragma version",
    "LOAD": "install httpfs",
    "CALL": "checkpoint",
    "EXPLAIN": "explain analyze copy (select 1) to '{cat}/x.csv'",
    "DELETE": "delete from offers",
}


@pytest.mark.parametrize("kind", sorted(_WRITES))
def test_sql_answers_a_select_and_refuses_every_write(tmp_path: Path, kind: str) -> None:
    """A question can neither write a file (a ``COPY`` over ``offers/A/CURRENT`` broke the
    catalog) nor change the relations (``drop view offers`` did, until a reload)."""
    catalog = write_catalog(tmp_path, {"p.csv": "brand;article;price\nMANN;W 712/1;100\n"},
                            _ONE_SUPPLIER)
    engine = Engine.open(catalog)
    current = (catalog / "offers" / "A" / "CURRENT").read_bytes()
    with pytest.raises(SearchError, match=rf"sql: only a select is answered, not {kind}\b"):
        engine.sql(_WRITES[kind].format(cat=catalog))
    with pytest.raises(SearchError, match=r"not CREATE, DROP"):  # (each statement is checked)
        engine.sql("select 1; create table t (a int); drop view offers")
    assert (catalog / "offers" / "A" / "CURRENT").read_bytes() == current
    assert not any((catalog / name).exists() for name in ("evil.duckdb", "exp", "x.csv"))
    for relation, n in (("offers", 1), ("suppliers", 1), ("parts", 0), ("crosses", 0)):
        assert engine.sql(f"select count(*) from {relation}").fetchall() == [(n,)]
    assert engine.sql("with o as (select brand from offers) from o").fetchall() == [
        ("MANN-FILTER",)]
    assert Engine.open(catalog).sql("select article from offers").fetchall() == [("W 712/1",)]


def test_each_thread_asks_its_own_connection_and_a_reload_a_new_one(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    engine = Engine.open(write_catalog(
        tmp_path, {"p.csv": "brand;article;price\nMANN;W 712/1;100\n"}, _ONE_SUPPLIER))
    count = "select count(*) from offers"
    with ThreadPoolExecutor(4) as pool:
        assert set(pool.map(lambda _: engine.sql(count).fetchall()[0][0], range(40))) == {1}
    (tmp_path / "p.csv").write_text("brand;article;price\nMANN;W 712/1;100\nMANN;W 713;90\n",
                                    encoding="utf-8")
    load_suppliers(tmp_path / "s.toml", tmp_path / "cat")
    assert engine.sql(count).fetchall() == [(1,)]  # the state it has open
    assert engine.reload() and engine.sql(count).fetchall() == [(2,)]


def test_a_snapshot_garbage_collected_under_an_open_engine_still_answers(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An engine (or an index) that has not reloaded, two builds and 10 minutes on: its
    snapshot's folder is removed; every sql(), offers alone too, raised an IOException naming
    the removed held_back.csv (the view over it is bound when the connection is made), and
    held_back() a FileNotFoundError. They read the file through the handle opened with it."""
    import gc
    import os
    import time

    from partsearch import SnapshotError
    from partsearch.crosses import CrossIndex, build_index

    crosses = "brand_a,article_a,brand_b,article_b\nMANN,W 712/1,KNECHT,OC 90\n"
    catalog = write_catalog(tmp_path, {"p.csv": "brand;article;price\nMANN;W 712/1;100\n"},
                            _ONE_SUPPLIER, crosses)
    (tmp_path / "black.csv").write_text("brand_a,article_a,brand_b,article_b\n"
                                        "MANN,W 712/1,KNECHT,OC 90\n", encoding="utf-8")

    def build() -> None:
        build_index([tmp_path / "x.csv"], catalog, blacklist=tmp_path / "black.csv")

    build()
    engine, stale, idx = Engine.open(catalog), Engine.open(catalog), CrossIndex.open(catalog)
    first = idx.path
    build()
    build()
    old = time.time() - 660  # (the 10 minutes' grace, passed)
    for path in (catalog / "crosses").iterdir():
        os.utime(path, (old, old))
    build()
    assert not first.exists()
    assert engine.sql("select count(*) from offers").fetchall() == [(1,)]
    assert engine.sql("select brand_a, article_b, reason from held_back").fetchall() == [
        ("KNECHT", "W 712/1", "blacklisted")]
    assert idx.held_back().select("brand_a", "reason").rows() == [("KNECHT", "blacklisted")]
    # a relation made before a reload keeps its snapshot's open file, as its connection does
    before = engine.sql("select reason from held_back")
    assert engine.reload() and engine.sql("select count(*) from held_back").fetchall() == [(1,)]
    gc.collect()
    assert before.fetchall() == [("blacklisted",)]
    # without /proc, the file is read by its path: gone, the error says to reload
    monkeypatch.setattr("partsearch.crosses.index._FDS", str(tmp_path / "no-proc"))
    with pytest.raises(SnapshotError, match=r"held_back.csv: .* replaced .*; reload"):
        idx.held_back()
    with pytest.raises(SnapshotError, match=r"held_back.csv: .* replaced .*; reload"):
        stale.sql("select count(*) from offers")  # (its first connection, made now)
    assert Engine.open(catalog).sql("select count(*) from held_back").fetchall() == [(1,)]


def test_cli_sql(world_catalog: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from partsearch.cli import main

    assert main(["sql", str(world_catalog), "select supplier, count(*) as n from offers "
                 "group by 1 order by 1", "--csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == '"supplier","n"' and lines[1].startswith('"ALFA",')
    assert main(["sql", str(world_catalog), "select code from suppliers"]) == 0
    assert "ONLINE1" in capsys.readouterr().out
    assert main(["sql", str(world_catalog), "select nothing"]) == 2
    capsys.readouterr()
    # (a query that fails as it runs: a traceback and exit 1 before)
    assert main(["sql", str(world_catalog), "select brand::int from offers"]) == 2
    assert capsys.readouterr().err.startswith("partsearch: error: sql: Conversion Error")
    assert main(["sql", str(world_catalog), ""]) == 2  # (exit 0, nothing said, before)
    assert capsys.readouterr().err == "partsearch: error: sql: the query holds no statement\n"
    assert main(["sql", str(world_catalog), "attach 'evil.duckdb' as ev"]) == 2
    assert "not ATTACH" in capsys.readouterr().err


def test_cli_sql_csv_writes_a_list_as_json(world_catalog: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    """The README's own example: ``pickup_points`` (and every list, struct or map) in a CSV."""
    import csv
    import json

    from partsearch.cli import main

    assert main(["sql", str(world_catalog), "select code, kind, pickup_points, {'a': 1} as s "
                 "from suppliers order by code", "--csv"]) == 0
    rows = list(csv.reader(capsys.readouterr().out.splitlines()))
    assert rows[0] == ["code", "kind", "pickup_points", "s"]
    alfa = next(r for r in rows if r[0] == "ALFA")
    assert json.loads(alfa[2]) == ["Г", "M1"] and json.loads(alfa[3]) == {"a": 1}
    assert main(["sql", str(world_catalog), "select * from offers limit 3", "--csv"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 4
    assert main(["sql", str(world_catalog), "select name, aliases from brands", "--csv"]) == 0
    assert '"MANN-FILTER"' in capsys.readouterr().out


def test_cli_sql_csv_writes_an_interval_and_bytes_as_text(
        world_catalog: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A price file's age (an interval) and bytes that are not UTF-8, which Arrow's CSV writer
    refuses (a traceback), as DuckDB's text of them."""
    import csv

    from partsearch.cli import main

    assert main(["sql", str(world_catalog), "select supplier, interval 1 day as i, "
                 "'\\xFF'::blob as b, max(now() - price_file_time) as age from offers "
                 "group by 1 order by 1", "--csv"]) == 0
    rows = list(csv.reader(capsys.readouterr().out.splitlines()))
    assert rows[0] == ["supplier", "i", "b", "age"] and rows[1][:3] == ["ALFA", "1 day", "\\xFF"]
