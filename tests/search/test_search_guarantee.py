"""The guaranteed delivery: from a range in the delivery column or a column of its own, to the
shown offers as values and as JSON; a file published before it existed shows none."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from partsearch import Engine
from partsearch.loading import load_suppliers

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)

_PROFILES = (
    '[ALFA]\nfile = "alfa.csv"\ncolumns = { brand = "Бренд", article = "Артикул", '
    'price = "Цена", delivery_days = "Срок" }\n'
    '[BETA]\nfile = "beta.csv"\ncolumns = { brand = "Brand", article = "Part", price = "Price", '
    'delivery_hours = "Hours", delivery_hours_max = "Guaranteed" }\n'
)


def _catalog(tmp_path: Path) -> Path:
    (tmp_path / "alfa.csv").write_text(
        "Бренд;Артикул;Цена;Срок\nMANN;W 712/1;100;2-4\nMANN;W 712/1;90;3\nMANN;W 712/1;80;5-3\n",
        encoding="utf-8")
    (tmp_path / "beta.csv").write_text(
        "Brand;Part;Price;Hours;Guaranteed\nMANN;W 712/1;110;4;8\nMANN;W 712/1;120;4;\n"
        "MANN;W 712/1;130;4;2 дн.\nMANN;W 712/1;140;4;x\nMANN;W 712/1;150;6;5\n",
        encoding="utf-8")
    (tmp_path / "s.toml").write_text(_PROFILES, encoding="utf-8")
    catalog = tmp_path / "cat"
    reports = load_suppliers(tmp_path / "s.toml", catalog)
    beta = next(r for r in reports if r.supplier == "BETA")
    assert beta.rejected.column("reason").to_pylist() == ["bad delivery_hours_max 'x'"]
    return catalog


def _shown(engine: Engine) -> list[tuple[str, int, int | None]]:
    r = engine.search("W7121", brand="MANN", show_all=True, now=NOW)
    assert engine.search_json("W7121", "MANN", show_all=True, now=NOW) == r.to_json()
    return sorted(((o.supplier, o.delivery_hours, o.delivery_hours_max)
                   for o in r.requested.offers), key=lambda t: (t[0], t[1], t[2] or 0))


def test_the_guarantee_is_shown_as_values_and_as_json(tmp_path: Path) -> None:
    engine = Engine.open(_catalog(tmp_path))
    assert _shown(engine) == [
        ("ALFA", 48, 96), ("ALFA", 72, None),
        ("ALFA", 120, None),  # "5-3": a guarantee before the expected time is none
        ("BETA", 4, None), ("BETA", 4, 8), ("BETA", 4, 48), ("BETA", 6, None)]  # "5" < 6
    answer = json.loads(engine.search_json("W7121", "MANN", show_all=True, now=NOW))
    offers = answer["blocks"]["requested"]["offers"]
    assert {o["delivery_hours_max"] for o in offers} == {None, 8, 48, 96}


def test_a_file_published_before_the_guarantee_shows_none(tmp_path: Path) -> None:
    catalog = _catalog(tmp_path)
    for path in (catalog / "offers").glob("*/*.arrow"):
        old = pa.ipc.open_file(path.read_bytes()).read_all().drop_columns(
            ["delivery_hours_max"])
        with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, old.schema) as writer:
            writer.write_table(old)
    engine = Engine.open(catalog)
    assert [m for _, _, m in _shown(engine)] == [None] * 7


def test_a_reloaded_engine_shows_the_new_files_guarantees(tmp_path: Path) -> None:
    catalog = _catalog(tmp_path)
    engine = Engine.open(catalog)
    (tmp_path / "beta.csv").write_text("Brand;Part;Price;Hours;Guaranteed\nMANN;W 712/1;115;3;9\n",
                                       encoding="utf-8")
    load_suppliers(tmp_path / "s.toml", catalog, supplier="BETA")
    engine.reload()
    assert _shown(engine) == [("ALFA", 48, 96), ("ALFA", 72, None), ("ALFA", 120, None),
                              ("BETA", 3, 9)]


def test_read_offers_brings_older_files_to_todays_schema(tmp_path: Path) -> None:
    from partsearch.loading import OFFERS_SCHEMA, read_offers

    catalog = _catalog(tmp_path)
    path = next((catalog / "offers" / "ALFA").glob("*.arrow"))
    old = pa.ipc.open_file(path.read_bytes()).read_all().drop_columns(["delivery_hours_max"])
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, old.schema) as writer:
        writer.write_table(old)
    offers = read_offers(catalog)
    assert offers.schema.equals(OFFERS_SCHEMA) and offers.num_rows == 7
    by_supplier = offers.group_by("supplier").aggregate([("delivery_hours_max", "count")])
    assert dict(zip(*by_supplier.to_pydict().values(), strict=True)) == {"ALFA": 0, "BETA": 2}
