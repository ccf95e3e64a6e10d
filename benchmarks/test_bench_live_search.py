"""Live search overheads: a supplier that never answers, and a supplier whose circuit is open.

Issue targets: returns within the deadline + 10 ms; an open circuit adds under 1 ms to a
file-only search. The figures print with `make bench`.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest


class _Never(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        time.sleep(30)


@pytest.fixture(scope="module")
def never_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Never)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory, never_url: str) -> Any:
    import os

    from partsearch import Engine
    from partsearch.loading import load_suppliers

    os.environ.setdefault("BENCH_L", "l")
    os.environ.setdefault("BENCH_P", "p")
    tmp = tmp_path_factory.mktemp("live")
    (tmp / "p.csv").write_text("brand;article;price\nMANN;W 920/21;500,00\n", encoding="utf-8")
    (tmp / "s.toml").write_text(
        '[FILE]\nfile = "p.csv"\ncolumns = { brand = "brand", article = "article", '
        'price = "price" }\n\n[NEVER]\napi = { kind = "abcp", url = "' + never_url +
        '", login_env = "BENCH_L", password_env = "BENCH_P", deadline_s = 0.2 }\n',
        encoding="utf-8")
    load_suppliers(tmp / "s.toml", tmp / "cat")
    return Engine.open(Path(tmp / "cat"))


def test_never_answering_supplier_overshoot(benchmark: Any, engine: Any) -> None:
    overshoots: list[float] = []

    async def once() -> None:
        t = time.perf_counter()
        r = await engine.search_live("W 920/21", "MANN", deadline_s=0.2)
        overshoots.append((time.perf_counter() - t - 0.2) * 1e3)
        assert {o.supplier: o.status for o in r.online} == {"NEVER": "timed_out"}
        engine._live.breakers["NEVER"].record_success()  # keep the circuit closed

    loop = asyncio.new_event_loop()
    loop.run_until_complete(once())  # warm-up: imports httpx, opens the client
    overshoots.clear()
    benchmark.pedantic(lambda: loop.run_until_complete(once()), rounds=10, iterations=1)
    loop.close()
    overshoots.sort()
    benchmark.extra_info["overshoot_ms_median"] = overshoots[len(overshoots) // 2]
    print(f"\ndeadline overshoot: median {overshoots[len(overshoots) // 2]:.2f} ms, "
          f"max {overshoots[-1]:.2f} ms")
    assert overshoots[len(overshoots) // 2] < 10.0


def test_open_circuit_overhead(benchmark: Any, engine: Any) -> None:
    loop = asyncio.new_event_loop()
    live = engine._live_suppliers()
    for _ in range(5):
        live.breakers["NEVER"].record_failure()
    assert live.breakers["NEVER"].state == "open"

    def file_only() -> Any:
        return engine.search("W 920/21", "MANN")

    def with_open_circuit() -> Any:
        return loop.run_until_complete(engine.search_live("W 920/21", "MANN"))

    n = 300
    for fn in (file_only, with_open_circuit):
        fn()
    t = time.perf_counter()
    for _ in range(n):
        file_only()
    base = (time.perf_counter() - t) / n
    r = benchmark(with_open_circuit)
    assert {o.supplier: o.status for o in r.online} == {"NEVER": "skipped"}
    t = time.perf_counter()
    for _ in range(n):
        with_open_circuit()
    live_s = (time.perf_counter() - t) / n
    benchmark.extra_info["added_ms"] = (live_s - base) * 1e3
    print(f"\nopen circuit adds {(live_s - base) * 1e3:.3f} ms to a file-only search "
          f"({base * 1e6:.0f} us)")
    loop.close()
    assert live_s - base < 1e-3
