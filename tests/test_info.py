"""``catalog_info`` and ``partsearch info``: what a catalog holds, and each supplier's last load."""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from partsearch import CatalogError, CrossIndex, catalog_info
from partsearch.cli import main
from partsearch.crosses import build_index
from partsearch.errors import SnapshotError
from partsearch.loading import load_suppliers
from tests.conftest import write_catalog

_PROFILES = (
    '[ALFA]\nname = "Alfa"\nfile = "alfa.csv"\ncolumns = { brand = "Бренд", article = "Артикул", '
    'price = "Цена", quantity = "Кол-во" }\n'
    '[BETA]\nname = "Beta"\nfile = "beta.csv"\ncolumns = { brand = "b", article = "a", '
    'price = "p" }\n'
    '[WEB]\nname = "Web"\napi = { kind = "abcp", url = "http://127.0.0.1:9", '
    'login_env = "WEB_LOGIN", password_env = "WEB_PASSWORD" }\n'
)


@pytest.fixture()
def catalog(tmp_path: Path) -> Path:
    return write_catalog(tmp_path, {
        "alfa.csv": "Бренд;Артикул;Цена;Кол-во\nMANN;W 712/1;100;1\nMANN;W 920/21;90;2\n"
                    "KNECHT;OC 90;80;3\nKNECHT;OC 91;0;1\nKNECHT;OC 92;0,00;1\n"
                    "MANN;W 1;5;звоните\n",
        "beta.csv": "b;a;p\nBOSCH;0 986 424 815;120\n"}, _PROFILES,
        "brand_a,article_a,brand_b,article_b\nMANN,W 920/21,KNECHT,OC 90\n")


def test_suppliers_offers_brands_and_last_loads(catalog: Path) -> None:
    info = catalog_info(catalog)
    by_code = {s.code: s for s in info.suppliers}
    assert list(by_code) == ["ALFA", "BETA", "WEB"]
    alfa = by_code["ALFA"]
    assert (alfa.kind, alfa.offers, alfa.brands) == ("file", 3, (("MANN-FILTER", 2),
                                                                 ("KNECHT", 1)))
    assert alfa.last_load is not None
    load = alfa.last_load
    assert (load.rows_read, load.offers, load.rejected, load.error) == (6, 3, 3, None)
    assert load.reasons == (("zero price", 2), ("bad quantity", 1))
    assert load.first_rejected[0] == (5, "zero price '0'", "KNECHT;OC 91;0;1")
    assert load.version == (catalog / "offers" / "ALFA" / "CURRENT").read_text().strip()
    assert not alfa.stale and alfa.age_hours is not None
    web = by_code["WEB"]
    assert (web.kind, web.offers, web.last_load, web.api) == (
        "online", 0, None, ("abcp", "http://127.0.0.1:9"))
    index = CrossIndex.open(catalog)
    assert info.crosses is not None
    assert (info.crosses.parts, info.crosses.classes, info.crosses.held_back) == (
        index.n_parts, index.n_classes, 0)
    assert json.loads(info.to_json())["suppliers"][0]["last_load"]["reasons"] == [
        ["zero price", 2], ["bad quantity", 1]]


def test_a_failed_load_is_recorded_and_the_old_offers_stay(catalog: Path, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]
                                                           ) -> None:
    (tmp_path / "beta.csv").write_bytes(b"")  # an empty file cannot be read
    load_suppliers(tmp_path / "s.toml", catalog, supplier="BETA")
    beta = {s.code: s for s in catalog_info(catalog).suppliers}["BETA"]
    assert beta.offers == 1  # published before: still current
    assert beta.last_load is not None and beta.last_load.error is not None
    assert "beta.csv" in beta.last_load.error and beta.last_load.version is None
    assert main(["info", str(catalog)]) == 1
    assert "FAILED" in capsys.readouterr().out
    assert main(["info", str(catalog), "--json"]) == 1
    answer = json.loads(capsys.readouterr().out)
    assert answer["suppliers"][1]["last_load"]["error"] == beta.last_load.error
    assert "WEB_PASSWORD" not in json.dumps(answer)  # names of secrets are not shown either


def test_ages_and_staleness_follow_the_time_asked(catalog: Path) -> None:
    later = datetime.now(UTC) + timedelta(hours=100)  # past the default 72 hours
    alfa = catalog_info(catalog, now=later).suppliers[0]
    assert alfa.stale and alfa.age_hours is not None and alfa.age_hours >= 99.9
    # a naive time is UTC, as a search reads it; what is no datetime is the function's error,
    # where each raised TypeError from the first age taken
    naive = catalog_info(catalog, now=later.replace(tzinfo=None)).suppliers[0]
    assert naive.age_hours == alfa.age_hours and naive.stale
    for bad in ("x", 5, later.date(), later.isoformat()):
        with pytest.raises(CatalogError, match=r"^now must be a datetime, not "):
            catalog_info(catalog, now=bad)  # type: ignore[arg-type]


def test_a_catalog_without_loads_or_crosses(tmp_path: Path) -> None:
    """A catalog being set up (its catalog.toml, nothing loaded yet), as Engine.open opens it."""
    (tmp_path / "cat").mkdir()
    (tmp_path / "cat" / "catalog.toml").write_text("stale_after_hours = 48\n", encoding="utf-8")
    info = catalog_info(tmp_path / "cat")
    assert info.suppliers == () and info.crosses is None and info.stale_after_hours == 48
    with pytest.raises(CatalogError, match=r"catalog directory not found$"):
        catalog_info(tmp_path / "missing")


def test_a_directory_that_is_not_a_catalog_is_told_as_engine_open_tells_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """``/tmp``, an empty folder or one of price files was an empty catalog ("crosses: none
    built", exit 0), where ``Engine.open`` raises "not a catalog"."""
    from partsearch import Engine

    prices = tmp_path / "prices"
    prices.mkdir()
    (prices / "alfa.csv").write_text("brand;article;price\nMANN;W 712/1;100\n", "utf-8")
    empty = tmp_path / "empty"
    empty.mkdir()
    afile = prices / "alfa.csv"
    for folder, why in ((empty, "not a catalog: "), (prices, "not a catalog: "),
                        (afile, "not a directory"), (tmp_path / "gone", "catalog directory not "
                                                                        "found")):
        with pytest.raises(CatalogError, match=why) as engine_says:
            Engine.open(folder)
        with pytest.raises(CatalogError, match=why) as info_says:
            catalog_info(folder)
        assert info_says.value.message == engine_says.value.message
        assert info_says.value.path == str(folder)
        for args in (["info", str(folder)], ["info", str(folder), "--json"]):
            assert main(args) == 2
            out = capsys.readouterr()
            assert out.out == "" and why in out.err and len(out.err.strip().splitlines()) == 1
    monkeypatch.chdir(empty)  # ("" was the current directory: Path("") is ".")
    with pytest.raises(CatalogError, match="catalog_info: catalog is empty"):
        catalog_info("")


def test_held_back_crosses_are_the_guards(tmp_path: Path) -> None:
    world = Path(__file__).resolve().parents[1] / "data" / "fixtures" / "world"
    build_index(sorted((world / "crosses").iterdir()), tmp_path)
    crosses = catalog_info(tmp_path).crosses
    assert crosses is not None
    assert crosses.held_back == CrossIndex.open(tmp_path).held_back().height > 0


@pytest.mark.parametrize("n", [-1, -2])
def test_a_negative_brand_count_is_refused(catalog: Path, n: int,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    """``--brands -1`` was read as a slice: every brand but the last one, exit 0."""
    with pytest.raises(CatalogError, match=rf"brands must be a count of 0 or more, not {n}"):
        catalog_info(catalog, brands=n)
    with pytest.raises(SystemExit) as exit_:
        main(["info", str(catalog), "--brands", str(n)])
    assert exit_.value.code == 2
    assert f"--brands: must be 0 or more, not '{n}'" in capsys.readouterr().err
    assert main(["info", str(catalog), "--brands", "0"]) == 0
    assert "brands:" not in capsys.readouterr().out


def test_a_reader_that_stops_early_is_no_error(catalog: Path) -> None:
    """``partsearch info CATALOG | head -1``: exit 0, nothing on stderr."""
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "partsearch", "info", str(catalog)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # before it writes a byte
    assert proc.wait(timeout=60) == 0
    assert proc.stderr.read() == b""


def test_merges_on_disk_are_listed_with_whether_they_are_current(catalog: Path,
                                                                 tmp_path: Path) -> None:
    from partsearch import Engine
    from partsearch.search._merged import wait

    assert catalog_info(catalog).merges == ()
    Engine.open(catalog)
    wait()  # (the first engine writes the merge of the current files on a thread)
    (merge,) = catalog_info(catalog).merges
    assert (merge.files, merge.rows, merge.current) == (2, 4, True) and merge.bytes > 0
    (tmp_path / "beta.csv").write_text("b;a;p\nBOSCH;0 986 424 816;130\n", encoding="utf-8")
    load_suppliers(tmp_path / "s.toml", catalog, supplier="BETA")
    assert [m.current for m in catalog_info(catalog).merges] == [False]


@pytest.mark.parametrize(("damage", "why"), [
    (lambda s: (s / "edge_a.npy").unlink(), "edge_a.npy: snapshot file is missing"),
    (lambda s: (s / "part_hash.npy").write_bytes(b"\x93NUMPY"), "part_hash.npy: snapshot file "
                                                                "is damaged"),
    (lambda s: (s / "held_back.csv").unlink(), "held_back.csv: snapshot file is missing"),
    (lambda s: (s / "manifest.json").write_text("[1]"), "manifest is not a JSON object"),
])
def test_a_damaged_snapshot_is_shown_damaged_and_fails(catalog: Path, damage: Any, why: str,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    """``info`` opens the snapshot as search does: it had shown one that search, explain and
    verify refuse as healthy, exit 0."""
    snapshot = catalog / "crosses" / (catalog / "crosses" / "CURRENT").read_text().strip()
    damage(snapshot)
    with pytest.raises(SnapshotError):
        CrossIndex.open(catalog)
    crosses = catalog_info(catalog).crosses
    assert crosses is not None and crosses.version == snapshot.name
    assert crosses.error is not None and why in crosses.error
    assert main(["info", str(catalog)]) == 1
    assert f"crosses {snapshot.name}: DAMAGED" in capsys.readouterr().out
    assert main(["info", str(catalog), "--json"]) == 1
    assert why in json.loads(capsys.readouterr().out)["crosses"]["error"]


def test_a_snapshot_left_unpublished_is_not_none_built(catalog: Path,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    """Snapshots without ``crosses/CURRENT`` (deleted, or a first build killed between its
    rename and its pointer): search runs without analogs, which "none built" hid."""
    version = (catalog / "crosses" / "CURRENT").read_text().strip()
    before = catalog_info(catalog).crosses
    assert before is not None and before.error is None
    (catalog / "crosses" / "CURRENT").unlink()
    crosses = catalog_info(catalog).crosses
    assert crosses is not None and crosses.version is None and crosses.error is not None
    assert "CURRENT: missing" in crosses.error and version in crosses.error
    assert main(["info", str(catalog)]) == 1
    assert "crosses: UNUSABLE" in capsys.readouterr().out


def _age(path: Path, minutes: float) -> None:
    """Set back the change time of ``path`` and of everything below it."""
    then = time.time() - minutes * 60
    for p in [path, *path.rglob("*")]:
        os.utime(p, (then, then))


def test_old_versions_and_leftovers_with_their_size(catalog: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """``info`` shows what the garbage collection has not removed yet, by stat calls, and
    marks removable exactly what the next load or build of the area removes."""
    from partsearch._catalog import collect_garbage
    from partsearch.loading import publish_offers, read_offers

    alfa = catalog / "offers" / "ALFA"
    first = (alfa / "CURRENT").read_text().strip()
    for _ in range(2):
        publish_offers(catalog, "ALFA", read_offers(catalog, "ALFA"))
    leftover = catalog / "crosses" / ".v20260101T000000000000-abcdef.tmp"
    (leftover / "work").mkdir(parents=True)
    (leftover / "work" / "a.i32").write_bytes(b"\0" * 1000)
    assert not any(v.removable for v in catalog_info(catalog).old_versions)  # all young
    for p in alfa.iterdir():
        if p.name != "CURRENT":
            _age(p, 11)
    old = catalog_info(catalog).old_versions
    assert [(v.area, v.temporary, v.files, v.removable) for v in old] == [
        ("offers/ALFA", False, 3, True), ("offers/ALFA", False, 3, False),
        ("crosses", True, 1, False)]
    assert old[0].name == first.split(".")[0] and old[2].name == leftover.name[1:-4]
    assert old[0].bytes == sum(p.stat().st_size for p in alfa.glob(f"{old[0].name}.*"))
    assert old[2].bytes == 1000 and old[0].age_minutes >= 11 > old[2].age_minutes
    assert main(["info", str(catalog)]) == 0
    out = capsys.readouterr().out
    assert "old versions on disk: 3 (" in out and ", 1 of them removed by the next load" in out
    assert "  offers/ALFA: 2 superseded (" in out
    assert "  crosses: 1 left by failed or killed writes (0.0 MiB)" in out
    assert main(["info", str(catalog), "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)["old_versions"]
    assert answer[2] == {"area": "crosses", "name": leftover.name[1:-4], "temporary": True,
                         "files": 1, "bytes": 1000, "age_minutes": old[2].age_minutes,
                         "removable": False}
    _age(leftover, 11)
    assert all(v.removable == (v.name != old[1].name) for v in catalog_info(catalog).old_versions)
    collect_garbage(alfa)
    collect_garbage(catalog / "crosses")
    assert [v.name for v in catalog_info(catalog).old_versions] == [old[1].name]


def test_an_offers_pointer_deleted_is_unusable_in_info_and_noted_by_every_search(
        catalog: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``offers/ALFA/CURRENT`` deleted, its versions on disk: info said "0 offers" (exit 0)
    and search showed ALFA with nothing, where a missing crosses pointer is UNUSABLE."""
    from partsearch import Engine

    version = (catalog / "offers" / "ALFA" / "CURRENT").read_text().split(".")[0]
    (catalog / "offers" / "ALFA" / "CURRENT").unlink()
    alfa = {s.code: s for s in catalog_info(catalog).suppliers}["ALFA"]
    assert alfa.offers == 0 and alfa.error is not None
    assert "ALFA/CURRENT: missing" in alfa.error and version in alfa.error
    assert main(["info", str(catalog)]) == 1
    assert "ALFA  offers UNUSABLE" in capsys.readouterr().out
    engine = Engine.open(catalog)
    for result in (engine.search("W 920/21", "MANN"),
                   json.loads(engine.search_json("W 920/21", "MANN"))):
        notes = result.notes if not isinstance(result, dict) else result["notes"]
        assert any("no offers of ALFA are published" in n for n in notes)
    # a load publishes it anew: the note goes with the next reload
    load_suppliers(catalog.parent / "s.toml", catalog, supplier="ALFA")
    engine.reload()
    assert engine.search("W 920/21", "MANN").notes == ()


def test_an_emptied_offers_pointer_is_repaired_by_a_load(catalog: Path) -> None:
    """A 0-byte ``CURRENT`` (a crash's): the load that would publish it anew refused to run
    ("pointer names an invalid version ''")."""
    (catalog / "offers" / "ALFA" / "CURRENT").write_bytes(b"")
    alfa = {s.code: s for s in catalog_info(catalog).suppliers}["ALFA"]
    assert alfa.error is not None and "invalid version" in alfa.error
    [report] = load_suppliers(catalog.parent / "s.toml", catalog, supplier="ALFA")
    assert report.error is None
    assert (catalog / "offers" / "ALFA" / "CURRENT").read_text().strip() == \
        report.published.name
    alfa = {s.code: s for s in catalog_info(catalog).suppliers}["ALFA"]
    assert alfa.error is None and alfa.offers == report.offers.num_rows


def test_a_damaged_load_record_is_shown_damaged_and_the_rest_goes_on(
        catalog: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A truncated ``loads/ALFA.json``: info and catalog_info() refused the whole catalog
    (exit 2) with a JSONDecodeError's repr."""
    record = catalog / "loads" / "ALFA.json"
    os.truncate(record, record.stat().st_size // 2)
    by_code = {s.code: s for s in catalog_info(catalog).suppliers}
    assert by_code["ALFA"].last_load is None and by_code["ALFA"].offers > 0
    assert by_code["ALFA"].damaged is not None and "damaged" in by_code["ALFA"].damaged
    assert "JSONDecodeError" not in by_code["ALFA"].damaged
    assert by_code["BETA"].last_load is not None
    assert main(["info", str(catalog)]) == 0
    assert "last load: record DAMAGED" in capsys.readouterr().out
