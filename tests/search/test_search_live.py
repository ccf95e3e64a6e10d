"""Live search against real HTTP servers on loopback playing online suppliers."""

from __future__ import annotations

import inspect
import json
import re
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from partsearch import Engine
from tests.conftest import write_catalog

ANSWER = [
    {"brand": "MANN", "number": "W 920/21", "price": "510.00", "availability": 4,
     "deliveryPeriod": 2, "deliveryPeriodMax": 5, "packing": 1},
    {"brand": "FILTRON", "number": "OP 520", "price": "300", "availability": -2,
     "deliveryPeriod": 24},
    # the supplier's own cross: a part our index does not link to W 920/21
    {"brand": "FILTRON", "number": "OP 520/1T", "price": "280", "availability": 7,
     "deliveryPeriod": 48},
]


# more answers, by name: ``{base}/answer/{name}/search/articles``
ANSWERS: dict[str, list[dict[str, Any]]] = {
    # an item stating no delivery, and one stating a malformed one (test_abcp_delivery_...)
    "noperiod": [{"brand": "MANN", "number": "W 920/21", "price": "210", "availability": 1},
                 {"brand": "MANN", "number": "W 920/21", "price": "220", "availability": 1,
                  "deliveryPeriod": "abc"}],
    # only this supplier has ZZTOP ZZ-999
    "zz": [{"brand": "ZZTOP", "number": "ZZ-999", "price": "100", "availability": 3,
            "deliveryPeriod": 24}],
    # offers each search option keeps or drops (see test_online_offers_follow_the_options)
    "options": [
        {"brand": "MANN", "number": "W 920/21", "price": "510.00", "availability": 4,
         "deliveryPeriod": 2},
        {"brand": "MANN", "number": "W 920/21", "price": "490.00", "availability": -10,
         "deliveryPeriod": 30},
        {"brand": "MANN", "number": "W 920/21", "price": "480.00", "availability": 2,
         "deliveryPeriod": 500},
        {"brand": "FILTRON", "number": "OP 520", "price": "300", "availability": 5,
         "deliveryPeriod": 24},
        {"brand": "FILTRON", "number": "OP 520/1T", "price": "280", "availability": "+",
         "deliveryPeriod": 48},  # (at least one: in stock too)
    ],
    # an OEM replacement and an analog of VAG 06A 000 000 (test_online_oem_replacements_...)
    "oem": [{"brand": "VAG", "number": "06A 100 001", "price": "700", "availability": 1,
             "deliveryPeriod": 24},
            {"brand": "MANN", "number": "W 1/1", "price": "200", "availability": 1,
             "deliveryPeriod": 24}],
    # offers whose order by delivery, by price and by distance differ (test_online_offers_...)
    "sorted": [
        {"brand": "MANN", "number": "W 920/21", "price": "600", "availability": 1,
         "deliveryPeriod": 2},
        {"brand": "MANN", "number": "W 920/21", "price": "500", "availability": 9,
         "deliveryPeriod": 48},
        {"brand": "MANN", "number": "W 920/21", "price": "550", "availability": 3,
         "deliveryPeriod": 24},
        {"brand": "FILTRON", "number": "OP 520/1T", "price": "100", "availability": 1,
         "deliveryPeriod": 1},
        {"brand": "FILTRON", "number": "OP 520", "price": "300", "availability": 1,
         "deliveryPeriod": 24},
    ],
    # the same part updated at different times, in ABCP's Moscow time (test_online_offers_...)
    "times": [
        {"brand": "MANN", "number": "W 920/21", "price": "601", "availability": 1,
         "lastUpdateTime": "2026-11-01 10:00:00"},
        {"brand": "MANN", "number": "W 920/21", "price": "602", "availability": 1,
         "lastUpdateTime": (datetime.now(UTC) + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M:%S")},
        {"brand": "MANN", "number": "W 920/21", "price": "603", "availability": 1,
         "lastUpdateTime": "yesterday"},
        {"brand": "MANN", "number": "W 920/21", "price": "604", "availability": 1},
    ],
    # an item that may be returned and one that may not (test_an_online_offer_is_returnable_...)
    "returns": [{"brand": "MANN", "number": "W 920/21", "price": "510", "availability": 1,
                 "noReturn": False, "itemKey": "may"},
                {"brand": "MANN", "number": "W 920/21", "price": "520", "availability": 1,
                 "noReturn": True, "itemKey": "may not"}],
    # the parts of ТРЕК РК15's class, one by a catalog alias, and ТРЕК РК15 itself
    "cyr": [{"brand": "ТРЕК", "number": "РК15", "price": "70", "availability": 1},
            {"brand": "FEBI", "number": "12345", "price": "80", "availability": 1},
            {"brand": "MYBR", "number": "777", "price": "90", "availability": 1}],
}


class _Handler(BaseHTTPRequestHandler):
    asked: ClassVar[list[str]] = []  # the paths asked of the fast supplier, with their queries
    count: ClassVar[dict[str, int]] = {}  # requests per behaviour

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        behaviour = self.path.split("/")[1]
        self.count[behaviour] = self.count.get(behaviour, 0) + 1
        if behaviour == "fast":
            self.asked.append(self.path)
        if behaviour == "answer":
            self._json(200, ANSWERS[self.path.split("/")[2]])
            return
        if behaviour == "never":
            time.sleep(5)
            return
        if behaviour == "fail":
            self.send_response(500)
            self.end_headers()
            return
        self._json(200, ANSWER)

    def _json(self, status: int, value: Any) -> None:
        body = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """The login and password every test's ABCP suppliers name (L, P)."""
    monkeypatch.setenv("L", "login-secret")
    monkeypatch.setenv("P", "pw-secret")


@pytest.fixture()
def catalog(tmp_path: Path, base_url: str) -> Path:
    suppliers = ['[FILE]\nfile = "p.csv"\ncolumns = { brand = "brand", article = "article", '
                 'price = "price" }\n']
    for code, behaviour in (("FAST", "fast"), ("NEVER", "never"), ("FAIL", "fail")):
        suppliers.append(f'[{code}]\npickup_points = ["A"]\napi = {{ kind = "abcp", url = '
                         f'"{base_url}/{behaviour}", login_env = "L", password_env = "P", '
                         'deadline_s = 0.5 }\n')
    return write_catalog(
        tmp_path, {"p.csv": "brand;article;price\nMANN;W 920/21;500,00\n"
                            "FILTRON;OP 520/1T;250,00\n"}, "\n".join(suppliers),
        "brand_a,article_a,brand_b,article_b\nMANN,W 920/21,FILTRON,OP 520\n")


def test_live_search_merges_and_reports_each_supplier(catalog: Path) -> None:
    engine = Engine.open(catalog)
    updates: list[int] = []
    shown: list[list[list[tuple[str, str, str]]]] = []

    def seen(res: Any) -> None:
        updates.append(res.requested.total)
        shown.append([[(o.brand, o.article, o.supplier) for o in b.offers] for b in res.blocks])

    first = engine.search("W 920/21", "MANN")  # also compiles or loads the search kernels
    # a first live search imports and sets up the online side (httpx, the connectors): the
    # deadline below is about waiting for suppliers, not about a process's first imports
    engine.search_live_sync("W 920/21", "MANN", deadline_s=0.2)
    started = time.perf_counter()
    r = engine.search_live_sync("W 920/21", "MANN", deadline_s=0.5, on_update=seen)
    elapsed = time.perf_counter() - started
    assert elapsed < 0.5 + 0.4  # the supplier that never answers does not hold the search
    status = {o.supplier: o.status for o in r.online}
    assert status == {"FAST": "answered", "NEVER": "timed_out", "FAIL": "failed"}
    assert "HTTP 500" in (next(o for o in r.online if o.supplier == "FAIL").error or "")
    # the file offer stays first; the online one is appended after it, with its guarantee
    assert [(o.supplier, o.delivery_hours_max) for o in r.requested.offers] == [
        ("FILE", None), ("FAST", 5)]
    whys = {(o.brand, o.article, o.supplier): o.why for o in r.analogs.offers}
    assert whys[("FILTRON", "OP 520", "FAST")] == "analog"
    assert whys[("FILTRON", "OP 520/1T", "FAST")] == "supplier_cross"
    # the price-file supplier stocking OP 520/1T is not shown: our base does not know that part
    assert ("FILTRON", "OP 520/1T", "FILE") not in whys
    assert [(p.supplier, p.brand, p.article) for p in r.supplier_crosses] == [
        ("FAST", "FILTRON", "OP 520/1T")]
    assert updates and updates[-1] == 2
    # online offers' prices are written as the file offers' are: roubles with two decimals
    prices = [o.price for b in r.blocks for o in b.offers]
    assert len(prices) > 2 and all(re.fullmatch(r"\d+\.\d\d", p) for p in prices), prices
    # offers already shown never move: every update extends the previous one's blocks
    before = [[(o.brand, o.article, o.supplier) for o in b.offers] for b in first.blocks]
    for now in shown:
        for old_block, new_block in zip(before, now, strict=True):
            assert new_block[: len(old_block)] == old_block
        before = now
    text = json.dumps(r.to_dict())
    assert "pw-secret" not in text and "login-secret" not in text
    assert r.to_dict()["online"]["NEVER"]["status"] == "timed_out"


def test_cli_live_json(catalog: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from partsearch.cli import main

    assert main(["search", str(catalog), "W 920/21", "--brand", "MANN", "--live",
                 "--deadline", "0.3", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["online"]["FAST"]["status"] == "answered"
    assert data["online"]["NEVER"]["status"] == "timed_out"
    assert data["online"]["FAIL"]["status"] == "failed"


def test_a_deadline_that_is_no_positive_number_is_refused(
        catalog: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Zero or less cancelled every request unsent and opened healthy suppliers' circuits;
    NaN fell back to each supplier's own deadline."""
    from partsearch.cli import main
    from partsearch.errors import SearchError

    engine = Engine.open(catalog)
    asked = _Handler.count.get("fast", 0)
    for bad in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(SearchError, match="deadline_s must be a positive number"):
            engine.search_live_sync("W 920/21", "MANN", deadline_s=bad)
    # (a web app's query string passed on: "false" was true, and showed purchase prices)
    with pytest.raises(SearchError, match="show_supplier_price must be True or False"):
        engine.search_live_sync("W 920/21", "MANN", show_supplier_price="false")
    for bad in ("0", "-1", "nan", "inf", "soon"):
        with pytest.raises(SystemExit) as exit_:
            main(["search", str(catalog), "W 920/21", "--brand", "MANN", "--live",
                  "--deadline", bad])
        assert exit_.value.code == 2
        assert "--deadline" in capsys.readouterr().err
    assert _Handler.count.get("fast", 0) == asked
    r = engine.search_live_sync("W 920/21", "MANN", deadline_s=0.3)
    assert {o.supplier: o.status for o in r.online}["FAST"] == "answered"


def test_a_deadline_without_live_is_a_usage_error(
        catalog: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """It was accepted and ignored: a search of the files only, the user believing the online
    suppliers were asked."""
    from partsearch.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["search", str(catalog), "W 920/21", "--brand", "MANN", "--deadline", "2"])
    assert exit_.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "error: argument --deadline: only with --live" in captured.err
    assert main(["search", str(catalog), "W 920/21", "--brand", "MANN"]) == 0


def test_iter_live_yields_file_result_first_then_each_outcome(catalog: Path) -> None:
    import asyncio

    engine = Engine.open(catalog)

    async def collect() -> list[Any]:
        try:
            return [r async for r in engine.iter_live("W 920/21", "MANN", deadline_s=0.4)]
        finally:
            if engine._live is not None:
                await engine._live.aclose()

    results = asyncio.run(collect())
    assert results[0].online == () and [o.supplier for o in results[0].requested.offers] == [
        "FILE"]
    assert [len(r.online) for r in results[1:]] == [1, 2, 3]
    assert {o.status for o in results[-1].online} == {"answered", "timed_out", "failed"}


def test_live_search_of_a_brand_typed_beside_the_article(catalog: Path) -> None:
    """Online suppliers are asked for the article as the search read it, with its brand."""
    from urllib.parse import parse_qs, urlsplit

    engine = Engine.open(catalog)
    _Handler.asked.clear()
    r = engine.search_live_sync("MANN W 920/21", deadline_s=0.5)
    assert (r.status, r.article, r.brand) == ("ok", "W 920/21", "MANN-FILTER")
    assert {o.supplier for o in r.requested.offers} == {"FILE", "FAST"}
    query = parse_qs(urlsplit(_Handler.asked[-1]).query)
    assert (query["number"], query["brand"]) == (["W 920/21"], ["MANN-FILTER"])


def _online(code: str, url: str, extra: str = "", deadline_s: float = 1.0) -> str:
    """A suppliers.toml table of an ABCP supplier with credentials in L and P."""
    return (f'[{code}]\npickup_points = ["A"]\napi = {{ kind = "abcp", url = "{url}", '
            f'login_env = "L", password_env = "P", deadline_s = {deadline_s}{extra} }}\n')


_FILE = ('[FILE]\nfile = "p.csv"\ncolumns = { brand = "brand", article = "article", '
         'price = "price" }\n')


def test_a_part_only_an_online_supplier_has_is_found_with_its_brand(
        tmp_path: Path, base_url: str) -> None:
    catalog = write_catalog(tmp_path, {"p.csv": "brand;article;price\nMANN;W 920/21;500,00\n"},
                            _FILE + _online("ZZ", f"{base_url}/answer/zz"))
    engine = Engine.open(catalog)
    assert engine.search("ZZ-999", "ZZTOP").status == "not_found"
    r = engine.search_live_sync("ZZ-999", "ZZTOP", deadline_s=2.0)
    assert r.status == "ok" and r.to_dict()["online"]["ZZ"]["status"] == "answered"
    assert [(o.brand, o.article, o.supplier, o.why) for o in r.requested.offers] == [
        ("ZZTOP", "ZZ-999", "ZZ", "requested")]
    # without a brand the files cannot settle, nobody is asked (README: choose the brand)
    r = engine.search_live_sync("ZZ-999", deadline_s=2.0)
    assert (r.status, r.online) == ("not_found", ())
    # (an empty brand box is no brand, where it raised NormalizationError)
    assert engine.search_live_sync("ZZ-999", " ", deadline_s=2.0) == r


def test_a_catalog_of_online_suppliers_only(tmp_path: Path, base_url: str) -> None:
    catalog = write_catalog(tmp_path, {}, _online("ZZ", f"{base_url}/answer/zz"))
    r = Engine.open(catalog).search_live_sync("ZZ-999", "ZZTOP", deadline_s=2.0)
    assert r.status == "ok" and [o.supplier for o in r.requested.offers] == ["ZZ"]


def test_a_connector_that_cannot_be_built_is_a_failed_outcome(
        tmp_path: Path, base_url: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("UNSET_PW", raising=False)
    profiles = (_FILE + _online("FAST", f"{base_url}/fast")
                + _online("NOPW", f"{base_url}/fast").replace('password_env = "P"',
                                                             'password_env = "UNSET_PW"')
                + _online("ODD", f"{base_url}/fast").replace('"abcp"', '"nosuchkind"')
                + _online("NBSP", "https://exa\\u00a0mple.com"))
    catalog = write_catalog(tmp_path, {"p.csv": "brand;article;price\nMANN;W 920/21;500,00\n"},
                            profiles)
    engine = Engine.open(catalog)
    r = engine.search_live_sync("W 920/21", "MANN", deadline_s=2.0)
    online = r.to_dict()["online"]
    assert {c: o["status"] for c, o in online.items()} == {
        "FAST": "answered", "NOPW": "failed", "ODD": "failed", "NBSP": "failed"}
    assert "UNSET_PW is not set" in online["NOPW"]["error"]
    assert "unknown api kind 'nosuchkind'" in online["ODD"]["error"]
    # (a URL no request can be made of: the profile's, said as the connector is built)
    assert online["NBSP"]["error"] == ("supplier NBSP: url 'https://exa\\xa0mple.com' cannot "
                                       "be requested: Invalid IDNA hostname: 'exa\\xa0mple.com'")
    assert [o.supplier for o in r.requested.offers] == ["FILE", "FAST"]
    from partsearch.cli import main

    assert main(["search", str(catalog), "W 920/21", "--brand", "MANN", "--live", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["online"]["NOPW"]["status"] == "failed"


def test_sync_searches_keep_the_breaker_and_the_cache(tmp_path: Path, base_url: str) -> None:
    catalog = write_catalog(
        tmp_path, {"p.csv": "brand;article;price\nMANN;W 920/21;500,00\n"},
        _FILE + _online("NEVER", f"{base_url}/never/keep") + _online("FAST", f"{base_url}/fast"))
    engine = Engine.open(catalog)
    seen = []
    for _ in range(4):
        # (a second's deadline: the loopback supplier answers at once, but a first search made
        # at once after the open shares the machine with the open's warm-up thread)
        r = engine.search_live_sync("W 920/21", "MANN", deadline_s=1.0)
        seen.append({o.supplier: (o.status, o.from_cache) for o in r.online})
    assert [s["NEVER"][0] for s in seen] == ["timed_out"] * 3 + ["skipped"]  # circuit open
    assert [s["FAST"] for s in seen] == [("answered", False)] + [("answered", True)] * 3
    started = time.perf_counter()
    engine.search_live_sync("W 920/21", "MANN", deadline_s=0.5)
    assert time.perf_counter() - started < 0.3  # nothing waits for the rested supplier


def test_a_reload_during_a_live_search_closes_the_replaced_client(
        tmp_path: Path, base_url: str) -> None:
    """A reload mid-search gives the next search new suppliers (no breaker or cache of the
    old catalog's) and closes the replaced ones' HTTP client, which nobody else would."""
    catalog = write_catalog(tmp_path, {"p.csv": "brand;article;price\nMANN;W 920/21;500,00\n"},
                            _FILE + _online("FAST", f"{base_url}/fast"))
    engine = Engine.open(catalog)
    clients = []

    def reload(result: Any) -> None:
        live = engine._live
        assert live is not None
        clients.extend(b.client for b in live._bound.values())
        (catalog / "catalog.toml").write_text("stale_after_hours = 5\n", encoding="utf-8")
        assert engine.reload() and engine._live is None

    r = engine.search_live_sync("W 920/21", "MANN", deadline_s=2.0, on_update=reload)
    assert r.online[0].status == "answered"
    assert len(clients) == 1 and clients[0].is_closed
    r = engine.search_live_sync("W 920/21", "MANN", deadline_s=2.0)
    assert (r.online[0].status, r.online[0].from_cache) == ("answered", False)
    # the cache is the engine's: a second engine of the catalog asks again
    assert engine.search_live_sync("W 920/21", "MANN", deadline_s=2.0).online[0].from_cache
    r = Engine.open(catalog).search_live_sync("W 920/21", "MANN", deadline_s=2.0)
    assert (r.online[0].status, r.online[0].from_cache) == ("answered", False)


def test_online_offers_follow_the_search_options(tmp_path: Path, base_url: str) -> None:
    from partsearch import Filters

    catalog = write_catalog(
        tmp_path, {"p.csv": "brand;article;price\nMANN;W 920/21;500,00\n"},
        _FILE + _online("ON", f"{base_url}/answer/options"),
        "brand_a,article_a,brand_b,article_b\nMANN,W 920/21,FILTRON,OP 520\n")
    engine = Engine.open(catalog)

    def online(**options: Any) -> list[tuple[str, str, int, str, str | None]]:
        r = engine.search_live_sync("W 920/21", "MANN", deadline_s=2.0, **options)
        return [(o.article, o.why, o.delivery_hours, o.price, o.supplier_price)
                for b in r.blocks for o in b.offers if o.supplier == "ON"]

    everything = online()
    assert len(everything) == 5 and all(sp is None for *_, sp in everything)
    # in stock within 60 h ("+" too): not the one on order, not the one at 500 h
    assert [(a, h) for a, _, h, _, _ in online(filters=Filters(in_stock=True,
                                                              max_delivery_hours=60))] == [
        ("W 920/21", 2), ("OP 520", 24), ("OP 520/1T", 48)]
    assert {a for a, *_ in online(filters=Filters(brands=frozenset({"FILTRON"})))} == {
        "OP 520", "OP 520/1T"}
    # a brand filter by another spelling, read as the file search reads it
    assert {a for a, *_ in online(filters=Filters(brands="Mann & Hummel"))} == {"W 920/21"}
    assert online(filters=Filters(pickup_point="ELSEWHERE")) == []
    assert online(filters=Filters(popular=True, brands=frozenset({"FILTRON"}))) == []
    # the level's price and its supplier price rule, as for file offers
    registered = online(level="registered", show_supplier_price=True)
    assert ("W 920/21", "requested", 2, "688.50", "510.00") in registered  # +35 % under 1000
    assert all(sp is None for *_, sp in online(level="guest", show_supplier_price=True))
    # a level not named guest that catalog.toml does not let show the supplier price
    (catalog / "catalog.toml").write_text(
        "[levels.retail]\nrules = [{ percent = 10 }]\n", encoding="utf-8")
    engine.reload()
    retail = online(level="retail", show_supplier_price=True)
    assert retail and all(sp is None for *_, sp in retail)
    (catalog / "catalog.toml").unlink()
    engine.reload()
    # pages of analogs: the online ones follow the file ones, each on its own page
    pages = []
    for offset in (0, 1, 2):
        r = engine.search_live_sync("W 920/21", "MANN", deadline_s=2.0, analogs_offset=offset,
                                    analogs_limit=1)
        pages.append(([o.article for o in r.analogs.offers], r.analogs.total))
    assert pages == [(["OP 520"], 2), (["OP 520/1T"], 2), ([], 2)]
    r = engine.search_live_sync("W 920/21", "MANN", deadline_s=2.0, analogs_limit=0)
    assert [o.article for o in r.analogs.offers] == ["OP 520"]  # at least 1, as Engine.search


def test_online_oem_replacements_fall_on_their_own_pages(tmp_path: Path,
                                                         base_url: str) -> None:
    """An online OEM replacement is paged by ``oem_offset``/``oem_limit`` as the file ones
    are, not by the analogs' page."""
    catalog = write_catalog(
        tmp_path, {"p.csv": "brand;article;price\nVAG;06A 000 000;900,00\n"
                            "VAG;06A 100 000;800,00\n"},
        _FILE + _online("ON", f"{base_url}/answer/oem"),
        "brand_a,article_a,brand_b,article_b\nVAG,06A 000 000,VAG,06A 100 000\n"
        "VAG,06A 000 000,VAG,06A 100 001\nVAG,06A 000 000,MANN,W 1/1\n")
    engine = Engine.open(catalog)

    def shown(**options: Any) -> tuple[tuple[list[str], int], tuple[list[str], int]]:
        r = engine.search_live_sync("06A 000 000", "VAG", deadline_s=2.0, **options)
        return tuple((sorted(o.article for o in b.offers), b.total)  # type: ignore[return-value]
                     for b in (r.oem_replacements, r.analogs))

    assert shown() == ((["06A 100 000", "06A 100 001"], 2), (["W 1/1"], 1))
    # the online one is the second OEM replacement: not on a first page of one
    assert shown(oem_limit=1) == ((["06A 100 000"], 2), (["W 1/1"], 1))
    assert shown(oem_offset=1, oem_limit=1) == ((["06A 100 001"], 2), (["W 1/1"], 1))
    # an analogs page past the analogs leaves the OEM replacements at their first page
    assert shown(analogs_offset=5) == ((["06A 100 000", "06A 100 001"], 2), ([], 1))
    # a part the files lack: the online offers are the supplier's crosses, on the page asked,
    # which the result's blocks name (not the 0 of the file search's empty blocks)
    r = engine.search_live_sync("06A 999 999", "VAG", deadline_s=2.0, analogs_offset=1,
                                analogs_limit=1, oem_offset=3)
    assert r.status == "ok" and [o.article for o in r.analogs.offers] == ["06A 100 001"]
    assert [(b.offset, b.total, b.has_more) for b in r.blocks[1:]] == [(3, 0, False),
                                                                     (1, 2, False)]


def test_outcomes_in_a_result_carry_no_supplier_prices(catalog: Path) -> None:
    r = Engine.open(catalog).search_live_sync("W 920/21", "MANN", deadline_s=0.5)
    fast = r.to_dict()["online"]["FAST"]
    assert (fast["offers"], fast["offer_count"]) == ([], 3)
    shown = {o.price for b in r.blocks for o in b.offers if o.supplier == "FAST"}
    assert "510.00" not in shown  # (the guest price is marked up)
    text = r.to_json().decode()
    for raw in ('"510.00"', '"300"', '"280"', '"300.00"', '"280.00"'):
        assert raw not in text


def test_supplier_offers_are_placed_by_the_catalogs_registry(
        tmp_path: Path, base_url: str) -> None:
    (tmp_path / "cat").mkdir()
    (tmp_path / "cat" / "brands.toml").write_text('[MYBRAND]\naliases = ["MYBR"]\n',
                                                  encoding="utf-8")
    catalog = write_catalog(
        tmp_path, {"p.csv": "brand;article;price\nFEBI;12345;50,00\n"},
        _FILE + _online("ON", f"{base_url}/answer/cyr"),
        "brand_a,article_a,brand_b,article_b\nТРЕК,РК15,FEBI,12345\nТРЕК,РК15,MYBRAND,777\n")
    r = Engine.open(catalog).search_live_sync("РК15", "ТРЕК", deadline_s=2.0)
    placed = {(o.brand, o.article, o.supplier): o.why for b in r.blocks for o in b.offers}
    assert placed == {("ТРЕК", "РК15", "ON"): "requested",
                      ("FEBI BILSTEIN", "12345", "FILE"): "analog",
                      ("FEBI BILSTEIN", "12345", "ON"): "analog",
                      ("MYBRAND", "777", "ON"): "analog"}
    assert r.supplier_crosses == ()


def test_an_online_offer_is_returnable_only_when_its_supplier_and_item_allow_it(
        tmp_path: Path, base_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """An online offer takes its supplier's terms from the profile (prepayment, restrictions,
    pickup points, minimum sum), but its ``returnable`` came from the item alone: a supplier
    whose terms forbid returns (``returnable = false``) showed ``returnable: true``. Now the
    profile's AND the item's own (ABCP ``noReturn``): an item may forbid a return, not allow
    one its supplier's terms forbid."""
    from decimal import Decimal

    from partsearch.cli import main
    from partsearch.online import LiveOffer

    class Own:  # a shop's own connector, whose offers say nothing of returns (the default)
        code, deadline_s, max_concurrency = "OWN", 2.0, 1

        async def search(self, client: Any, article: str, brand: str | None) -> list[LiveOffer]:
            return [LiveOffer("OWN", "MANN", "MANN", "W 920/21", "W92021", "", Decimal(530),
                              quantity=1)]

    url = f"{base_url}/answer/returns"
    catalog = write_catalog(
        tmp_path, {"p.csv": "brand;article;price\nMANN;W 920/21;500,00\n"},
        _FILE + _online("MAY", url) + _online("NR", url).replace(
            "api =", "returnable = false\nprepayment = true\napi =")
        + '[OWN]\nreturnable = false\napi = { kind = "own" }\n')
    engine = Engine.open(catalog, connectors={"own": lambda code, api, env: Own()})
    r = engine.search_live_sync("W 920/21", "MANN", deadline_s=2.0)
    assert {o.supplier: o.status for o in r.online} == dict.fromkeys(("MAY", "NR", "OWN"),
                                                                     "answered")
    got = sorted((o.supplier, o.price, o.returnable, o.prepayment) for o in r.requested.offers)
    assert got == [("FILE", "725.00", True, False),
                   ("MAY", "739.50", True, False), ("MAY", "754.00", False, False),
                   ("NR", "739.50", False, True), ("NR", "754.00", False, True),
                   ("OWN", "768.50", False, False)]
    assert main(["search", str(catalog), "W 920/21", "--brand", "MANN", "--live", "--json",
                 "--deadline", "2"]) == 0
    offers = json.loads(capsys.readouterr().out)["blocks"]["requested"]["offers"]
    # (the CLI knows no "own" connector: OWN failed there)
    assert sorted((o["supplier"], o["returnable"]) for o in offers) == [
        ("FILE", True), ("MAY", False), ("MAY", True), ("NR", False), ("NR", False)]


def test_an_online_offer_is_below_the_minimum_order_by_its_smallest_lot(
        tmp_path: Path, base_url: str) -> None:
    """As a file offer's: an online item sold in pairs (ABCP ``packing`` 2) at 995.50 is a lot
    of 1,991, not below a minimum order of 1,500; at 300 (600) it is; one piece at 1,499.99 is
    (the flag compared one piece's price)."""
    from decimal import Decimal

    from partsearch.online import LiveOffer

    class Pairs:
        code, deadline_s, max_concurrency = "PAIRS", 2.0, 1

        async def search(self, client: Any, article: str, brand: str | None) -> list[LiveOffer]:
            return [LiveOffer("PAIRS", "MANN", "MANN", "W 920/21", "W92021", "", Decimal(price),
                              quantity=4, multiplicity=pack, item_key=price)
                    for price, pack in (("995.50", 2), ("300", 2), ("1499.99", 1),
                                        ("1500", 1))]

    catalog = write_catalog(
        tmp_path, {"p.csv": "brand;article;price\nMANN;W 920/21;500,00\n"},
        _FILE + '[PAIRS]\nmin_order_sum = 1500\napi = { kind = "pairs" }\n')
    engine = Engine.open(catalog, connectors={"pairs": lambda code, api, env: Pairs()})
    r = engine.search_live_sync("W 920/21", "MANN", deadline_s=2.0, level="wholesale",
                                show_supplier_price=True)
    assert sorted((o.supplier_price, o.multiplicity, o.below_min_order)
                  for o in r.requested.offers if o.supplier == "PAIRS") == [
        ("1499.99", 1, True), ("1500.00", 1, False), ("300.00", 2, True),
        ("995.50", 2, False)]


def test_a_shops_own_connector_kind(tmp_path: Path, base_url: str) -> None:
    from decimal import Decimal

    from partsearch.online import LiveOffer

    class Mine:
        max_concurrency = 2

        def __init__(self, code: str, url: str) -> None:
            self.code, self.url, self.deadline_s = code, url, 2.0

        async def search(self, client: Any, article: str, brand: str | None) -> list[LiveOffer]:
            rows = (await client.get(f"{self.url}/search/articles")).json()
            return [LiveOffer(self.code, row["brand"], row["brand"], row["number"],
                              row["number"].replace(" ", "").replace("/", ""), "",
                              Decimal(row["price"]), quantity=row["availability"])
                    for row in rows]

    catalog = write_catalog(
        tmp_path, {"p.csv": "brand;article;price\nMANN;W 920/21;500,00\n"},
        _FILE + f'[MINE]\napi = {{ kind = "myshop", url = "{base_url}/fast" }}\n')
    engine = Engine.open(catalog, connectors={"myshop": lambda code, api, env: Mine(
        code, api["url"])})
    r = engine.search_live_sync("W 920/21", "MANN", deadline_s=2.0)
    assert r.to_dict()["online"]["MINE"]["status"] == "answered"
    assert [o.supplier for o in r.requested.offers] == ["FILE", "MINE"]
    # without the factory, the kind is unknown: a failed outcome, the file offers as usual
    r = Engine.open(catalog).search_live_sync("W 920/21", "MANN", deadline_s=2.0)
    assert r.online[0].status == "failed" and "unknown api kind 'myshop'" in (
        r.online[0].error or "")


def test_opening_a_catalog_with_online_suppliers_warms_the_http_stack(catalog: Path) -> None:
    """The first live search does not import httpx nor build its TLS context inside its
    deadline, nor make the file search's first call: opening the engine starts them in a
    thread (a fresh interpreter shows it)."""
    import os
    import subprocess
    import sys

    import partsearch

    code = f"""
import sys
from partsearch import Engine
import partsearch.search.engine as engine
Engine.open({str(catalog)!r})
engine._warm_online().join()
from partsearch.online.live import _tls_context
assert _tls_context.cache_info().currsize == 1
assert "httpx" in sys.modules and "anyio._backends._asyncio" in sys.modules
# the file search and the placing made once: numba loaded their kernels' machine code (the
# first live search of a process spent 0.05-0.15 s of its deadline on it)
from partsearch.search import _kernels
from partsearch.crosses._kernels import nearest
assert _kernels.usual_search.signatures and nearest.signatures
print("warm")
"""
    src = str(Path(partsearch.__file__).resolve().parents[1])
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": src}, timeout=120)
    assert out.stdout.strip() == "warm", out.stderr


def test_a_fork_waits_for_the_warm_up(catalog: Path) -> None:
    """A process forked while the warm-up thread held numba's compiler lock (or an import's)
    inherited that lock held by no thread: its first search waited forever (a pre-forking web
    server's workers, ``gunicorn --preload``, forked just after ``Engine.open``). A slow
    warm-up shows the fork waits for it: the child finds it done."""
    import os
    import subprocess
    import sys

    import partsearch

    code = f"""
import os, time
import partsearch.search._live as live
done = []
def slow(engine):
    time.sleep(0.5)
    done.append(True)
live.warm = slow
from partsearch import Engine
engine = Engine.open({str(catalog)!r})
pid = os.fork()
if pid == 0:
    os._exit(0 if done and engine.search("W 920/21", "MANN").status == "ok" else 3)
print(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
"""
    src = str(Path(partsearch.__file__).resolve().parents[1])
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": src}, timeout=120)
    assert out.stdout.strip() == "0", out.stderr


@pytest.mark.parametrize("missing", ["httpx", "anyio", "partsearch.online.live"])
def test_the_warm_up_is_silent_when_the_http_stack_is_missing(catalog: Path,
                                                              missing: str) -> None:
    """Opening a catalog with online suppliers prints nothing and raises nothing when the
    warm-up thread cannot import what it warms (a fresh interpreter, the module blocked)."""
    import os
    import subprocess
    import sys

    import partsearch

    code = f"""
import sys
sys.modules[{missing!r}] = None
from partsearch import Engine
import partsearch.search.engine as engine
e = Engine.open({str(catalog)!r})
engine._warm_online().join()
print(e.search("W 920/21", "MANN").status)
"""
    src = str(Path(partsearch.__file__).resolve().parents[1])
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": src}, timeout=120)
    assert (out.returncode, out.stdout.strip(), out.stderr) == (0, "ok", "")


def test_a_connector_built_under_another_code_is_failed(tmp_path: Path, base_url: str) -> None:
    """Its offers would be placed under a code no profile has: the supplier's terms lost."""
    from decimal import Decimal

    from partsearch.online import LiveOffer

    class Fixed:
        code, deadline_s, max_concurrency = "mine", 2.0, 1

        async def search(self, client: Any, article: str, brand: str | None) -> list[LiveOffer]:
            return [LiveOffer("mine", "MANN", "MANN", "W 920/21", "W92021", "", Decimal(1))]

    catalog = write_catalog(
        tmp_path, {"p.csv": "brand;article;price\nMANN;W 920/21;500,00\n"},
        _FILE + '[MINE]\napi = { kind = "myshop" }\n')
    engine = Engine.open(catalog, connectors={"myshop": lambda code, api, env: Fixed()})
    r = engine.search_live_sync("W 920/21", "MANN", deadline_s=2.0)
    assert [(o.supplier, o.status, o.error) for o in r.online] == [
        ("MINE", "failed", "connector's code 'mine' is not the supplier's 'MINE'")]
    assert [o.supplier for o in r.requested.offers] == ["FILE"]


class _Unbounded:
    """A shop's connector that never answers, with a deadline no profile could give it."""

    code, max_concurrency = "MINE", 1

    def __init__(self, deadline_s: float) -> None:
        self.deadline_s = deadline_s

    async def search(self, client: Any, article: str, brand: str | None) -> list[Any]:
        import asyncio

        await asyncio.Event().wait()
        return []


class _Halfway:
    """A shop's factory's object with a code and nothing else."""

    code = "MINE"


@pytest.mark.parametrize(("conn", "error"), [
    (_Unbounded(float("nan")),
     "connector's deadline_s must be a positive number of seconds, at most 60, not nan"),
    (_Unbounded(1e9), "connector's deadline_s must be a positive number of seconds, at most "
                      "60, not 1000000000.0"),
    (_Halfway(), "connector not built: a _Halfway is no connector (a code, deadline_s, "
                 "max_concurrency and an async search)")], ids=["nan", "1e9", "no-search"])
def test_a_factorys_connector_no_profile_could_give_is_failed(
        tmp_path: Path, conn: Any, error: str) -> None:
    """A shop factory's connector whose deadline_s is NaN held every live search for good,
    the search's own deadline too (min(nan, 2.0) is NaN), and one of 1e9 every search without
    a deadline; one that is no connector raised SupplierError out of every live search. Each
    is its supplier's failed outcome now, the file offers as usual."""
    catalog = write_catalog(
        tmp_path, {"p.csv": "brand;article;price\nMANN;W 920/21;500,00\n"},
        _FILE + '[MINE]\napi = { kind = "myshop" }\n')
    engine = Engine.open(catalog, connectors={"myshop": lambda code, api, env: conn})
    started = time.perf_counter()
    r = engine.search_live_sync("W 920/21", "MANN", deadline_s=2.0)
    assert time.perf_counter() - started < 2.0
    assert [(o.supplier, o.status, o.error) for o in r.online] == [("MINE", "failed", error)]
    assert [o.supplier for o in r.requested.offers] == ["FILE"]


def test_offers_under_another_code_than_their_connectors_are_rejected() -> None:
    import asyncio
    from decimal import Decimal

    from partsearch.online import LiveOffer, LiveSuppliers

    class Mixed:
        code, deadline_s, max_concurrency = "MINE", 2.0, 1

        async def search(self, client: Any, article: str, brand: str | None) -> list[LiveOffer]:
            return [LiveOffer(code, "MANN", "MANN", "W 920/21", "W92021", "", Decimal(1))
                    for code in ("MINE", "mine")]

    live = LiveSuppliers([Mixed()])

    async def ask() -> Any:
        try:
            return await live.ask_all("W 920/21", "MANN")
        finally:
            await live.aclose()

    [outcome] = asyncio.run(ask())
    assert [o.supplier for o in outcome.offers] == ["MINE"]
    assert outcome.rejected == ("item 1: supplier 'mine', not 'MINE'",)


def test_a_connectors_offers_no_price_file_could_carry_are_rejected(tmp_path: Path) -> None:
    """A shop's own connector is not checked by the ABCP one's parser: 10**30 in stock raised
    OverflowError out of the live search, losing the file offers and every other answer."""
    from dataclasses import replace
    from decimal import Decimal

    from partsearch.online import LiveOffer

    good = LiveOffer("MINE", "MANN", "MANN", "W 920/21", "W92021", "", Decimal(1), quantity=3)

    class Huge:
        code, deadline_s, max_concurrency = "MINE", 2.0, 1

        async def search(self, client: Any, article: str, brand: str | None) -> list[LiveOffer]:
            return [replace(good, quantity=10**30), replace(good, delivery_hours=10**12),
                    replace(good, multiplicity=10**20), replace(good, price=Decimal("1e20")),
                    replace(good, price=Decimal("NaN")), replace(good, quantity=-2), good]

    catalog = write_catalog(
        tmp_path, {"p.csv": "brand;article;price\nMANN;W 920/21;500,00\n"},
        _FILE + '[MINE]\napi = { kind = "myshop" }\n')
    engine = Engine.open(catalog, connectors={"myshop": lambda code, api, env: Huge()})
    r = engine.search_live_sync("W 920/21", "MANN", deadline_s=2.0)
    [outcome] = r.online
    assert (outcome.status, outcome.offer_count) == ("answered", 1)
    assert outcome.rejected == (
        "item 0: quantity too large: more than 999999999999999",
        "item 1: delivery too large: more than 2147483647",
        "item 2: multiplicity too large: more than 999999999",
        "item 3: price too large '1E+20'",
        "item 4: bad price 'NaN'", "item 5: bad quantity -2")
    assert [(o.supplier, o.quantity) for o in r.requested.offers] == [("FILE", None),
                                                                      ("MINE", 3)]


def test_a_row_sent_again_whole_is_shown_once(tmp_path: Path) -> None:
    """A supplier that sent one row five times showed five identical offers; a row that differs
    in any field (here its itemKey) is another offer."""
    from dataclasses import replace
    from decimal import Decimal

    from partsearch.online import LiveOffer

    row = LiveOffer("MINE", "MANN", "MANN", "W 920/21", "W92021", "", Decimal(1), quantity=3,
                    item_key="k1")

    class Repeating:
        code, deadline_s, max_concurrency = "MINE", 2.0, 1

        async def search(self, client: Any, article: str, brand: str | None) -> list[LiveOffer]:
            return [row, replace(row), row, replace(row, item_key="k2"), replace(row)]

    catalog = write_catalog(
        tmp_path, {"p.csv": "brand;article;price\nMANN;W 920/21;500,00\n"},
        _FILE + '[MINE]\napi = { kind = "myshop" }\n')
    engine = Engine.open(catalog, connectors={"myshop": lambda code, api, env: Repeating()})
    r = engine.search_live_sync("W 920/21", "MANN", deadline_s=2.0)
    assert (r.online[0].offer_count, r.online[0].rejected) == (2, ())
    assert [o.supplier for o in r.requested.offers] == ["FILE", "MINE", "MINE"]


def test_the_readmes_connector_example_works_as_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's "Writing your own connector", run as written against a stand-in of the
    shop's API: its offers come under the profile's code, with the profile's terms."""
    import httpx

    from partsearch import Filters

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Writing your own connector", 1)[1].split("\n### ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.DOTALL)
    assert len(blocks) == 2
    catalog = write_catalog(tmp_path, {"p.csv": "brand;article;price\nMANN;W 920/21;500,00\n"},
                            _FILE + '[MYSHOP]\npickup_points = ["A"]\n'
                                    'api = { kind = "myshop", token_env = "MYSHOP_TOKEN" }\n')
    (tmp_path / "catalog").symlink_to(catalog)  # (the example opens "catalog")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MYSHOP_TOKEN", "t0k3n")
    names: dict[str, Any] = {}
    exec(blocks[0], names)  # the connector
    exec(blocks[1], names)  # the factory and Engine.open("catalog", ...)
    engine: Engine = names["engine"]
    # annotated whole, as `mypy --strict` wants a shop's code (checked by hand: a mypy run
    # here costs ~13 s cold); its search and factory had none
    for function in (names["MyShopConnector"].__init__, names["MyShopConnector"].search,
                     names["myshop"]):
        signature = inspect.signature(function)
        assert signature.return_annotation is not inspect.Signature.empty, function
        assert all(p.annotation is not inspect.Parameter.empty
                   for p in signature.parameters.values() if p.name != "self"), function

    def shop(request: httpx.Request) -> httpx.Response:
        assert request.headers["X-Token"] == "t0k3n"
        return httpx.Response(200, json=[{"maker": "MANN", "code": "W 920/21",
                                          "name": "Oil filter", "price": 450, "qty": 3}])

    engine._live_suppliers()._client_factory = lambda: httpx.AsyncClient(
        transport=httpx.MockTransport(shop))
    r = engine.search_live_sync("W 920/21", "MANN", deadline_s=2.0,
                                filters=Filters(pickup_point="A"))
    assert [(o.supplier, o.status) for o in r.online] == [("MYSHOP", "answered")]
    assert [(o.supplier, o.pickup_points) for o in r.requested.offers] == [("MYSHOP", ("A",))]


def test_cli_text_shows_the_online_outcomes_of_a_part_nobody_has(
        tmp_path: Path, base_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A bare "Nothing found." hid that every supplier failed (the JSON said so)."""
    from partsearch.cli import main

    catalog = write_catalog(
        tmp_path, {"p.csv": "brand;article;price\nMANN;W 920/21;500,00\n"},
        _FILE + _online("FAIL", f"{base_url}/fail") + _online("NEVER", f"{base_url}/never/txt",
                                                              deadline_s=0.2))
    assert main(["search", str(catalog), "ZZ-1", "--brand", "ZZTOP", "--live"]) == 1
    out = capsys.readouterr().out
    assert "Nothing found." in out
    assert "online FAIL: failed (HTTP 500)" in out
    assert "online NEVER: timed_out (no answer by the deadline)" in out


def test_online_offers_follow_the_searchs_sort(tmp_path: Path, base_url: str) -> None:
    """Within one answer, online offers come in the order file offers would: by the chosen
    sort, or under the default one nearer analogs first, then by delivery."""
    catalog = write_catalog(
        tmp_path, {"p.csv": "brand;article;price\nMANN;W 920/21;500,00\n"},
        _FILE + _online("ON", f"{base_url}/answer/sorted"),
        "brand_a,article_a,brand_b,article_b\nMANN,W 920/21,FILTRON,OP 520\n")
    engine = Engine.open(catalog)

    def online(**options: Any) -> dict[str, list[str]]:
        r = engine.search_live_sync("W 920/21", "MANN", deadline_s=2.0, level="registered",
                                    show_supplier_price=True, **options)
        return {b.name: [f"{o.article} {o.supplier_price}" for o in b.offers
                         if o.supplier == "ON"] for b in r.blocks if b.name != "oem_replacements"}

    assert online() == {"requested": ["W 920/21 600.00", "W 920/21 550.00", "W 920/21 500.00"],
                        "analogs": ["OP 520 300.00", "OP 520/1T 100.00"]}
    assert online(sort=("price", False)) == {
        "requested": ["W 920/21 500.00", "W 920/21 550.00", "W 920/21 600.00"],
        "analogs": ["OP 520/1T 100.00", "OP 520 300.00"]}
    assert online(sort=("price", True)) == {
        "requested": ["W 920/21 600.00", "W 920/21 550.00", "W 920/21 500.00"],
        "analogs": ["OP 520 300.00", "OP 520/1T 100.00"]}
    assert online(sort=("quantity", True))["requested"] == [
        "W 920/21 500.00", "W 920/21 550.00", "W 920/21 600.00"]
    assert online(sort=("code", False))["analogs"] == ["OP 520 300.00", "OP 520/1T 100.00"]


def test_online_offers_carry_their_update_time_as_file_offers_do(
        tmp_path: Path, base_url: str) -> None:
    """An online offer's price_file_time is UTC ISO, with its age and staleness, as a file
    offer's; a time that is no time is none; an offer without one is as of its answer."""
    catalog = write_catalog(tmp_path, {"p.csv": "brand;article;price\nMANN;W 920/21;500,00\n"},
                            _FILE + _online("ON", f"{base_url}/answer/times"))
    r = Engine.open(catalog).search_live_sync("W 920/21", "MANN", deadline_s=2.0,
                                              level="registered", show_supplier_price=True)
    offers = {o.supplier_price: o for o in r.requested.offers if o.supplier == "ON"}
    old = offers["601.00"]
    assert old.price_file_time == "2026-11-01T07:00:00+00:00"  # 10:00 Moscow time
    assert old.age_hours is not None and old.age_hours > 72 and old.stale
    fresh = offers["602.00"]  # an hour ago, in Moscow time
    assert fresh.price_file_time is not None and fresh.price_file_time.endswith("+00:00")
    assert fresh.age_hours is not None and 0.9 <= fresh.age_hours <= 1.2 and not fresh.stale
    assert (offers["603.00"].price_file_time, offers["603.00"].age_hours,
            offers["603.00"].stale) == (None, None, False)
    now = offers["604.00"]
    assert now.price_file_time is not None and now.price_file_time.endswith("+00:00")
    assert (now.age_hours, now.stale) == (0.0, False)
    assert all(o.price_file_time is None or datetime.fromisoformat(o.price_file_time).tzinfo
               == UTC for o in r.requested.offers)


def test_online_offers_are_aged_as_of_the_searchs_now(tmp_path: Path, base_url: str) -> None:
    """A search given ``now`` ages its file offers as of then: its online offers too, where
    they were aged by the clock beside file offers aged by ``now``."""
    catalog = write_catalog(tmp_path, {"p.csv": "brand;article;price\nMANN;W 920/21;500,00\n"},
                            _FILE + _online("ON", f"{base_url}/answer/times"))
    from partsearch.search._json import age_tenths

    when = datetime(2026, 11, 2, 7, 0, tzinfo=UTC)
    r = Engine.open(catalog).search_live_sync("W 920/21", "MANN", deadline_s=2.0, now=when,
                                              level="registered", show_supplier_price=True)
    offers = {o.supplier_price: o for o in r.requested.offers if o.supplier == "ON"}
    assert (offers["601.00"].age_hours, offers["601.00"].stale) == (24.0, False)
    assert offers["604.00"].price_file_time == "2026-11-02T07:00:00+00:00"  # (no time: now)
    assert offers["604.00"].age_hours == 0.0
    file_offer = next(o for o in r.requested.offers if o.supplier != "ON")  # (as of now too)
    assert file_offer.price_file_time is not None and file_offer.age_hours == age_tenths(
        int(when.timestamp()), int(datetime.fromisoformat(file_offer.price_file_time)
                                   .timestamp())) / 10


def test_an_update_time_is_text_or_a_date(tmp_path: Path) -> None:
    """A shop's ``updated`` of a ``datetime`` is its ISO 8601 time (naive: UTC), of text that
    is no time none; one of another type (a list) is that offer's rejection, where it passed
    and made the outcome's ``to_dict()`` no JSON."""
    from datetime import datetime
    from decimal import Decimal

    from partsearch.online import LiveOffer

    class Odd:
        code, deadline_s, max_concurrency = "MINE", 2.0, 1

        async def search(self, client: Any, article: str, brand: str | None) -> list[LiveOffer]:
            return [LiveOffer("MINE", "MANN", "MANN", "W 920/21", "W92021", "", Decimal(p),
                              updated=when)  # type: ignore[arg-type]
                    for p, when in ((1, ["yesterday"]), (2, "yesterday"),
                                    (3, datetime(2026, 11, 1, 10)))]

    catalog = write_catalog(
        tmp_path, {"p.csv": "brand;article;price\nMANN;W 920/21;500,00\n"},
        _FILE + '[MINE]\napi = { kind = "myshop" }\n')
    r = Engine.open(catalog, connectors={"myshop": lambda code, api, env: Odd()}
                    ).search_live_sync("W 920/21", "MANN", deadline_s=2.0, level="wholesale",
                                       show_supplier_price=True)
    assert r.online[0].rejected == ("item 0: bad updated list",)
    assert {o.supplier_price: o.price_file_time for o in r.requested.offers
            if o.supplier == "MINE"} == {"2.00": None, "3.00": "2026-11-01T10:00:00+00:00"}
    json.loads(r.to_json())


def test_a_live_search_is_priced_whatever_the_callers_decimal_context(tmp_path: Path) -> None:
    """The search's tasks inherit the caller's decimal context: at 6 digits, with Inexact
    trapped, a shop's 99999.99 failed its answer, and its placing raised out of the search
    (a minimum order sum of 1234567.89 too)."""
    from decimal import Decimal, Inexact, localcontext

    from partsearch.online import LiveOffer

    class Dear:
        code, deadline_s, max_concurrency = "MINE", 2.0, 1

        async def search(self, client: Any, article: str, brand: str | None) -> list[LiveOffer]:
            return [LiveOffer("MINE", "MANN", "MANN", "W 920/21", "W92021", "",
                              Decimal("99999.99"), quantity=1)]

    catalog = write_catalog(
        tmp_path, {"p.csv": "brand;article;price\nMANN;W 920/21;500,00\n"},
        _FILE + '[MINE]\nmin_order_sum = 1234567.89\napi = { kind = "myshop" }\n')
    engine = Engine.open(catalog, connectors={"myshop": lambda code, api, env: Dear()})
    with localcontext() as context:
        context.prec = 6
        context.traps[Inexact] = True
        r = engine.search_live_sync("W 920/21", "MANN", deadline_s=2.0, level="wholesale",
                                    show_supplier_price=True)
    [mine] = [o for o in r.requested.offers if o.supplier == "MINE"]
    assert (r.online[0].status, mine.supplier_price, mine.min_order_sum,
            mine.below_min_order) == ("answered", "99999.99", "1234567.89", True)


class _CancelledInside:
    """A connector awaiting a task of its own that something else cancels (a shared session
    torn down): the CancelledError comes out of its ``search``, not from the caller."""

    code, deadline_s, max_concurrency = "MINE", 2.0, 1

    async def search(self, client: Any, article: str, brand: str | None) -> list[Any]:
        import asyncio

        inner = asyncio.get_running_loop().create_task(asyncio.sleep(10))
        asyncio.get_running_loop().call_later(0.01, inner.cancel)
        await inner
        return []


def test_a_cancellation_inside_a_connector_is_its_failure(tmp_path: Path) -> None:
    """It escaped search_live, search_live_sync and iter_live (after its file result), losing
    the file offers and every other supplier's answer."""
    import asyncio

    catalog = write_catalog(
        tmp_path, {"p.csv": "brand;article;price\nMANN;W 920/21;500,00\n"},
        _FILE + '[MINE]\napi = { kind = "myshop" }\n')
    engine = Engine.open(catalog, connectors={"myshop": lambda code, api, env: (
        _CancelledInside())})

    def check(r: Any) -> None:
        assert [o.supplier for o in r.requested.offers] == ["FILE"]
        assert [(o.status, o.error) for o in r.online] == [
            ("failed", "unexpected CancelledError")]

    check(engine.search_live_sync("W 920/21", "MANN", deadline_s=2.0))

    async def both() -> tuple[Any, list[Any]]:
        found = await engine.search_live("W 920/21", "MANN", deadline_s=2.0)
        return found, [r async for r in engine.iter_live("W 920/21", "MANN", deadline_s=2.0)]

    found, stream = asyncio.run(both())
    check(found)
    check(stream[-1])
    assert len(stream) == 2


def test_a_cancellation_of_the_callers_task_still_propagates(tmp_path: Path) -> None:
    import asyncio

    class Slow:
        code, deadline_s, max_concurrency = "MINE", 5.0, 1

        async def search(self, client: Any, article: str, brand: str | None) -> list[Any]:
            await asyncio.sleep(5)
            return []

    catalog = write_catalog(
        tmp_path, {"p.csv": "brand;article;price\nMANN;W 920/21;500,00\n"},
        _FILE + '[MINE]\napi = { kind = "myshop" }\n')
    engine = Engine.open(catalog, connectors={"myshop": lambda code, api, env: Slow()})

    async def cancelled() -> float:
        task = asyncio.create_task(engine.search_live("W 920/21", "MANN", deadline_s=5.0))
        await asyncio.sleep(0.2)
        start = time.perf_counter()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return time.perf_counter() - start

    assert asyncio.run(cancelled()) < 1.0


def test_a_shops_offer_of_no_brand_never_raises_into_the_search(tmp_path: Path) -> None:
    """A shop's offer of brand None raised AttributeError out of every live search (the
    search's brand lookup), losing the file offers, and again from the cache for the next
    minute; one of brand "-" was placed as a supplier's cross. Each is rejected, as an ABCP
    item is, and the rest placed."""
    from dataclasses import replace
    from decimal import Decimal

    from partsearch.online import LiveOffer

    good = LiveOffer("MINE", "MANN", "MANN", "W 920/21", "W92021", "", Decimal(1), quantity=3)

    class NoBrand:
        code, deadline_s, max_concurrency = "MINE", 2.0, 1

        async def search(self, client: Any, article: str, brand: str | None) -> list[LiveOffer]:
            return [replace(good, brand=None, brand_raw=None),  # type: ignore[arg-type]
                    replace(good, brand="-", brand_raw="-"), good]

    catalog = write_catalog(
        tmp_path, {"p.csv": "brand;article;price\nMANN;W 920/21;500,00\n"},
        _FILE + '[MINE]\napi = { kind = "myshop" }\n')
    engine = Engine.open(catalog, connectors={"myshop": lambda code, api, env: NoBrand()})
    for cached in (False, True):
        r = engine.search_live_sync("W 920/21", "MANN", deadline_s=2.0)
        [outcome] = r.online
        assert (outcome.from_cache, outcome.offer_count) == (cached, 1)
        assert outcome.rejected == ("item 0: bad brand_raw NoneType",
                                    "item 1: brand '-' has no letters or digits")
        assert [o.supplier for o in r.requested.offers] == ["FILE", "MINE"]
        assert (r.supplier_crosses, r.analogs.offers) == ((), ())


def test_a_shops_price_is_to_the_kopeck_half_up_before_the_level(tmp_path: Path) -> None:
    """512.305 roubles was 51230 kopecks to the search (half to even), the level's rules
    applied to that; it is 512.31, as a price file's 512,305 is."""
    from decimal import Decimal

    from partsearch.online import LiveOffer

    class Half:
        code, deadline_s, max_concurrency = "MINE", 2.0, 1

        async def search(self, client: Any, article: str, brand: str | None) -> list[LiveOffer]:
            return [LiveOffer("MINE", "MANN", "MANN", "W 920/21", "W92021", "", Decimal(p),
                              quantity=1, item_key=p) for p in ("512.305", "512.31")]

    catalog = write_catalog(
        tmp_path, {"p.csv": "brand;article;price\nMANN;W 920/21;512,305\n"},
        _FILE + '[MINE]\napi = { kind = "myshop" }\n')
    engine = Engine.open(catalog, connectors={"myshop": lambda code, api, env: Half()})
    r = engine.search_live_sync("W 920/21", "MANN", deadline_s=2.0, level="wholesale",
                                show_supplier_price=True)
    shown = {(o.supplier, o.supplier_price, o.price) for o in r.requested.offers}
    assert len(shown) == 2 and {s[1] for s in shown} == {"512.31"}
    assert len({s[2] for s in shown}) == 1  # (the file's, the online ones')


def test_threads_searching_at_once_keep_a_suppliers_limit_in_flight(tmp_path: Path) -> None:
    """Six threads' first live searches at once, on a fresh engine: each made its own online
    suppliers (the connectors take a while to build), and each loop its own limit, so a
    supplier of max_concurrency 2 had six requests in flight."""
    import asyncio

    lock, in_flight, peak = threading.Lock(), [0], [0]

    class Counting:
        code, deadline_s, max_concurrency = "MINE", 5.0, 2

        async def search(self, client: Any, article: str, brand: str | None) -> list[Any]:
            with lock:
                in_flight[0] += 1
                peak[0] = max(peak[0], in_flight[0])
            try:
                await asyncio.sleep(0.1)
            finally:
                with lock:
                    in_flight[0] -= 1
            return []

    def built(code: str, api: Any, env: Any) -> Counting:
        time.sleep(0.05)  # (a connector reading its keys, say: threads overlap here)
        return Counting()

    catalog = write_catalog(
        tmp_path, {"p.csv": "brand;article;price\nMANN;W 920/21;500,00\n"},
        _FILE + '[MINE]\napi = { kind = "myshop" }\n')
    engine = Engine.open(catalog, connectors={"myshop": built})
    engine.search("W 920/21", "MANN")  # (the file search's first call, outside the timing)
    start, statuses = threading.Barrier(6), []

    def search() -> None:
        start.wait()
        r = engine.search_live_sync("W 920/21", "MANN", deadline_s=3.0)
        statuses.extend(o.status for o in r.online)

    threads = [threading.Thread(target=search) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == ["answered"] * 6
    assert peak[0] == 2


def test_a_connectors_offer_is_keyed_by_its_article(tmp_path: Path) -> None:
    """A shop's connector that gave a key unlike its article's (lower-cased, unnormalized, a
    typo) put the searched part among its own crosses, "check, then search" it; an offer with no
    article was shown with a null one, a probability of 95 (percent, not 0..1) kept."""
    from dataclasses import replace
    from decimal import Decimal

    from partsearch.online import LiveOffer

    good = LiveOffer("MINE", "MANN", "MANN", "W 920/21", "W92021", "", Decimal(1), quantity=3)

    class Keys:
        code, deadline_s, max_concurrency = "MINE", 2.0, 1

        async def search(self, client: Any, article: str, brand: str | None) -> list[LiveOffer]:
            return [replace(good, article_key=k, item_key=k)
                    for k in ("w92021", "W 920/21", "W92O21")] + [
                replace(good, article=None), replace(good, article=""),  # type: ignore[arg-type]
                replace(good, article="-/-"), replace(good, probability=95.0),
                replace(good, probability=float("nan")),
                replace(good, description=None, probability=0.5)]  # type: ignore[arg-type]

    catalog = write_catalog(
        tmp_path, {"p.csv": "brand;article;price\nMANN;W 920/21;500,00\n"},
        _FILE + '[MINE]\napi = { kind = "myshop" }\n')
    engine = Engine.open(catalog, connectors={"myshop": lambda code, api, env: Keys()})
    r = engine.search_live_sync("W 920/21", "MANN", deadline_s=2.0)
    [outcome] = r.online
    assert outcome.rejected == (
        "item 3: bad article NoneType", "item 4: empty article ''", "item 5: empty article '-/-'",
        "item 6: bad probability 95.0: not within 0..1",
        "item 7: bad probability nan: not within 0..1")
    assert (r.supplier_crosses, r.analogs.offers) == ((), ())
    mine = [o for o in r.requested.offers if o.supplier == "MINE"]
    assert len(mine) == 4 and {(o.article, o.description) for o in mine} == {("W 920/21", "")}
    assert json.loads(r.to_json())["blocks"]["requested"]["offers"][-1]["stock_accuracy"] == 0.5


def test_abcp_delivery_not_stated_is_the_profiles(tmp_path: Path, base_url: str) -> None:
    """An ABCP item without deliveryPeriod (or a malformed one) ranked as delivered at once."""
    catalog = write_catalog(
        tmp_path, {"p.csv": "brand;article;price\nMANN;W 920/21;500,00\n"},
        _FILE + _online("ZZ", f"{base_url}/answer/noperiod") + "delivery_hours = 36\n")
    r = Engine.open(catalog).search_live_sync("W 920/21", "MANN", deadline_s=2.0)
    assert [(o.supplier, o.delivery_hours) for o in r.requested.offers] == [
        ("FILE", 24), ("ZZ", 36)]
    assert r.online[0].rejected == ("item 1: bad delivery 'abc'",)


def test_a_query_no_supplier_can_be_sent_asks_nobody(tmp_path: Path, base_url: str) -> None:
    """A lone surrogate (json.loads of a web request's body gives one) or an article of 100,000
    characters failed each supplier's request, counted as its failure: three such searches
    opened its circuit and every buyer's live search then had it ``skipped``. The files answer
    it as the search does; no supplier is asked, and a note says why."""
    catalog = write_catalog(tmp_path, {"p.csv": "brand;article;price\nMANN;W 920/21;500,00\n"},
                            _FILE + _online("FAST", f"{base_url}/fast"))
    engine = Engine.open(catalog)
    asked = _Handler.count.get("fast", 0)
    for article, brand, status in (("W 920/21\udc80", "MANN", "ok"),
                                   ("W\ud80092", "MANN", "not_found"),
                                   ("W" * 100_000, "MANN", "not_found"),
                                   ("W 920/21", "M" * 300, "not_found")):
        for _ in range(4):
            r = engine.search_live_sync(article, brand, deadline_s=2.0)
            assert (r.status, r.online) == (status, ())
            note = r.notes[-1]  # (after the catalog's own: it has no cross index)
            assert note.startswith("online suppliers not asked: ") and len(note) < 300
            assert r.status == engine.search(article, brand).status
    assert _Handler.count.get("fast", 0) == asked
    r = engine.search_live_sync("W 920/21", "MANN", deadline_s=2.0)
    assert {o.supplier: o.status for o in r.online} == {"FAST": "answered"}
    assert not any(n.startswith("online suppliers not asked") for n in r.notes)


def test_no_text_searched_live_counts_against_a_suppliers_circuit(tmp_path: Path,
                                                                   base_url: str) -> None:
    """Whatever a buyer types (any text, a lone surrogate, far too long), a supplier that
    answers is never counted as failing."""
    from hypothesis import given
    from hypothesis import strategies as st

    from partsearch.errors import SearchError

    catalog = write_catalog(tmp_path, {"p.csv": "brand;article;price\nMANN;W 920/21;500,00\n"},
                            _FILE + _online("FAST", f"{base_url}/fast"))
    engine = Engine.open(catalog)
    surrogates = st.sampled_from("\ud800\udc80\udfff")
    texts = st.one_of(st.text(), st.text(st.one_of(st.characters(), surrogates)),
                      st.text(min_size=250, max_size=300), st.just("W" * 100_000))

    @given(texts, st.one_of(st.just("MANN"), texts))
    def check(article: str, brand: str) -> None:
        try:
            r = engine.search_live_sync(article, brand, deadline_s=2.0)
        except SearchError:  # (an article of no letters or digits: the search's own word)
            return
        assert all(o.status != "skipped" for o in r.online), r.online
        live = engine._live
        assert live is None or live.breakers["FAST"]._failures == 0

    check()


def test_a_reload_during_a_live_search_mixes_no_two_cross_indexes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A live search's file search and its placing of the online offers read one state: a
    reload landing between them (another request thread's, by chance) answered the file
    offers from the old cross index and placed the online ones by the new, so KNECHT K 1 was
    an analog from the files and a supplier cross from the supplier in one answer, MAHLE M 1
    an analog beside them (an outside audit saw 1-2 in 8,000 live searches, reloads every
    50 ms)."""
    from decimal import Decimal

    from partsearch.crosses import build_index
    from partsearch.online import LiveOffer

    class Own:  # a supplier whose own crosses know both of the part's analogs
        code, deadline_s, max_concurrency = "OWN", 2.0, 1

        async def search(self, client: Any, article: str, brand: str | None) -> list[LiveOffer]:
            return [LiveOffer("OWN", b, b, a, a.replace(" ", ""), "", Decimal(100), quantity=1)
                    for b, a in (("MANN", "W 1"), ("KNECHT", "K 1"), ("MAHLE", "M 1"))]

    catalog = write_catalog(
        tmp_path, {"p.csv": "brand;article;price\nMANN;W 1;100\nKNECHT;K 1;100\nMAHLE;M 1;100\n"},
        _FILE + '[OWN]\napi = { kind = "own" }\n', "brand_a,article_a,brand_b,article_b\n"
        "MANN,W 1,KNECHT,K 1\n")
    engine = Engine.open(catalog, connectors={"own": lambda code, api, env: Own()})
    (tmp_path / "new.csv").write_text("brand_a,article_a,brand_b,article_b\nMANN,W 1,MAHLE,M 1\n")
    build_index([tmp_path / "new.csv"], catalog)
    search, reloaded = engine.search, []

    def search_then_reload(*args: Any, **kwargs: Any) -> Any:
        result = search(*args, **kwargs)
        reloaded.append(engine.reload())
        return result

    monkeypatch.setattr(engine, "search", search_then_reload)
    r = engine.search_live_sync("W 1", "MANN", deadline_s=2.0)
    assert reloaded == [True]
    assert sorted((o.supplier, o.brand, o.why) for o in r.analogs.offers) == [
        ("FILE", "KNECHT", "analog"), ("OWN", "KNECHT", "analog"),
        ("OWN", "MAHLE", "supplier_cross")]  # all of the old state's
    after = engine.search_live_sync("W 1", "MANN", deadline_s=2.0)
    assert sorted((o.supplier, o.brand, o.why) for o in after.analogs.offers) == [
        ("FILE", "MAHLE", "analog"), ("OWN", "KNECHT", "supplier_cross"),
        ("OWN", "MAHLE", "analog")]  # all of the new one's


def test_online_analogs_are_paged_by_twenty_without_a_limit(tmp_path: Path) -> None:
    """Without ``analogs_limit`` a live search's page is 20 analogs, as ``Engine.search``'s:
    an online analog placed 21st falls on the second page (a default of 21 in the placer
    showed it on the first, a page of 21, and every test passed)."""
    from decimal import Decimal

    from partsearch.online import LiveOffer
    from partsearch.search._live import _Placer

    analogs = [f"A {i}" for i in range(21)]
    catalog = write_catalog(
        tmp_path, {"p.csv": "brand;article;price\nMANN;W 1;100,00\n" + "".join(
            f"BOSCH;{a};{200 + i},00\n" for i, a in enumerate(analogs[:20]))},
        _FILE, "brand_a,article_a,brand_b,article_b\n" + "".join(
            f"MANN,W 1,BOSCH,{a}\n" for a in analogs))
    engine = Engine.open(catalog)
    result = engine.search("W 1", "MANN")
    assert (len(result.analogs.offers), result.analogs.total) == (20, 20)
    online = (LiveOffer("NET", "BOSCH", "BOSCH", "A 20", "A20", "", Decimal(50), quantity=1,
                        quantity_exact=True),)
    for options, shown in (({}, 20), ({"analogs_offset": 20}, 1), ({"analogs_limit": 21}, 21)):
        first = engine.search("W 1", "MANN", **options)
        placed = _Placer(engine._state, first, options).add(first, online)
        assert (len(placed.analogs.offers), placed.analogs.total) == (shown, 21), options


def test_an_online_offer_of_a_car_makers_part_is_an_analog_of_a_makers_part(
        tmp_path: Path) -> None:
    """OEM replacements are a car maker's search's block: searching MANN's W 1/1, an online
    offer of the VAG number in its class is an analog, as that number's file offer is (the
    placer sent it to ``oem_replacements`` by its brand alone and passed every test)."""
    from decimal import Decimal

    from partsearch.online import LiveOffer
    from partsearch.search._live import _Placer

    catalog = write_catalog(
        tmp_path, {"p.csv": "brand;article;price\nMANN;W 1/1;100,00\nVAG;06A 100 000;800,00\n"},
        _FILE, "brand_a,article_a,brand_b,article_b\nMANN,W 1/1,VAG,06A 100 000\n")
    engine = Engine.open(catalog)
    online = (LiveOffer("NET", "VAG", "VAG", "06A 100 000", "06A100000", "", Decimal(700),
                        quantity=1, quantity_exact=True),)
    result = engine.search("W 1/1", "MANN")
    placed = _Placer(engine._state, result, {}).add(result, online)
    assert placed.oem_replacements.total == 0
    assert [(o.article, o.block, o.why) for o in placed.analogs.offers] == [
        ("06A 100 000", "analogs", "analog")] * 2
    # from the car maker's side, its own number's online offer is requested, no replacement
    vag = engine.search("06A 100 000", "VAG")
    placed = _Placer(engine._state, vag, {}).add(vag, online)
    assert [o.why for o in placed.requested.offers] == ["requested", "requested"]
    assert placed.oem_replacements.total == 0


def test_a_supplier_cross_is_listed_once(tmp_path: Path) -> None:
    """A supplier's own cross offered twice (two warehouses), and again in a later answer, is
    one part for the manager to check: ``supplier_crosses`` lists it once, while both offers
    are shown (the list took each offer's part and passed every test)."""
    from decimal import Decimal

    from partsearch import SupplierCrossPart
    from partsearch.online import LiveOffer
    from partsearch.search._live import _Placer

    catalog = write_catalog(
        tmp_path, {"p.csv": "brand;article;price\nMANN;W 1/1;100,00\n"}, _FILE,
        "brand_a,article_a,brand_b,article_b\nMANN,W 1/1,BOSCH,A 1\n")
    engine = Engine.open(catalog)
    result = engine.search("W 1/1", "MANN")
    cross = [LiveOffer("NET", "FILTRON", "FILTRON", "PS 842", "PS842", "", Decimal(price),
                       quantity=1, quantity_exact=True) for price in (40, 45)]
    placer = _Placer(engine._state, result, {})
    placed = placer.add(placer.add(result, tuple(cross)), (cross[0],))
    assert placed.supplier_crosses == (SupplierCrossPart("NET", "FILTRON", "PS 842"),)
    assert [o.why for o in placed.analogs.offers] == ["supplier_cross"] * 3
