"""Live ask with one never-answering supplier: how far past the deadline does ``ask`` return?

The contract is deadline + 10 ms, checked here at the median (`make bench`); the test suite
only checks that a silent supplier does not hold a search (within a second: CI machines are
noisy). Prints the median and worst overshoot in milliseconds; a bare pytest (benchmarks
disabled) runs one cold ask and reports nothing.
"""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from partsearch.online import AbcpConnector, LiveSuppliers

DEADLINE_S = 0.2


@pytest.fixture(scope="module")
def silent_url() -> Iterator[str]:
    """A loopback server that accepts requests and never answers them."""
    stop = threading.Event()

    class Silent(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            stop.wait(60)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Silent)
    httpd.daemon_threads = True
    httpd.block_on_close = False
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    stop.set()
    httpd.shutdown()
    httpd.server_close()


def test_live_ask_deadline_overshoot(benchmark, silent_url) -> None:  # type: ignore[no-untyped-def]
    overshoots_ms: list[float] = []

    def one_ask() -> None:
        live = LiveSuppliers([AbcpConnector("silent", silent_url, "me", "pw", deadline_s=5.0)])

        async def go() -> None:
            start = time.perf_counter()
            outcomes = await live.ask_all("W 920/21", "MANN", deadline_s=DEADLINE_S)
            overshoots_ms.append((time.perf_counter() - start - DEADLINE_S) * 1000)
            assert outcomes[0].status == "timed_out"
            await live.aclose()

        asyncio.run(go())

    # the warm-up ask makes the process's TLS context (the CA bundle, 20-40 ms, once per process)
    benchmark.pedantic(one_ask, rounds=10, iterations=1, warmup_rounds=1)
    if benchmark.disabled:
        # (a bare pytest runs it once, cold, TLS context and all: no figure to report)
        return
    del overshoots_ms[0]
    median, worst = statistics.median(overshoots_ms), max(overshoots_ms)
    print(f"\ndeadline overshoot over {len(overshoots_ms)} asks: "
          f"median {median:.2f} ms, worst {worst:.2f} ms")  # fmt: skip
    benchmark.extra_info["overshoot_ms_median"] = median
    benchmark.extra_info["overshoot_ms_worst"] = worst
    # (the median: on a busy two-core machine one ask in ten can wait 20 ms for the CPU, which
    # says nothing of the code; a regression such as a per-loop CA bundle load moves them all)
    assert median < 10.0, f"ask overshot its deadline by {median:.2f} ms at the median"
