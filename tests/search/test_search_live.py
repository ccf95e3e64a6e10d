"""Live search against real HTTP servers on loopback playing online suppliers."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
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


class _Handler(BaseHTTPRequestHandler):
    asked: ClassVar[list[str]] = []  # the paths asked of the fast supplier, with their queries

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        behaviour = self.path.split("/")[1]
        if behaviour == "fast":
            self.asked.append(self.path)
        if behaviour == "never":
            time.sleep(5)
            return
        if behaviour == "fail":
            self.send_response(500)
            self.end_headers()
            return
        body = json.dumps(ANSWER).encode()
        self.send_response(200)
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


@pytest.fixture()
def catalog(tmp_path: Path, base_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("L", "login-secret")
    monkeypatch.setenv("P", "pw-secret")
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
