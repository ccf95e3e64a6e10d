"""A real ABCP-like HTTP server on loopback, with behaviours chosen by the first path segment.

``{base}/{behaviour}/{tag}/search/articles``: ``tag`` separates counters between tests.
Behaviours: fast, slow (0.5 s), never (holds the request until teardown), http500, badjson,
notlist, errorcode, noresults (404 with ABCP's error 301), forbidden (403 with an error code),
mixed (malformed items among good ones), hold (0.15 s, counts in-flight).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

LOGIN = "s3cr3t-login"
PASSWORD = "s3cr3t-pw"

GOOD: list[dict[str, Any]] = [
    {"brand": "MANN", "number": "W 920/21", "numberFix": "W92021", "description": "Oil filter",
     "availability": 5, "packing": 1, "deliveryPeriod": 24, "deliveryPeriodMax": 48,
     "price": "512.30", "supplierCode": "77", "itemKey": "k1", "noReturn": False,
     "lastUpdateTime": "2024-05-01 10:00:00", "deliveryProbability": 97},
    # Analogs: other brands and numbers, as ABCP answers from its own cross base.
    {"brand": "Filtron", "number": "OP520", "availability": -2, "packing": 2,
     "deliveryPeriod": 0, "price": 300, "noReturn": "1", "deliveryProbability": "85.5"},
    {"brand": "BOSCH", "number": "0 451 103 316", "availability": -10, "price": 401.5,
     "deliveryPeriod": 240, "deliveryPeriodMax": 0},
    {"brand": "KNECHT", "number": "OC 90", "availability": -3, "price": "1 234,50",
     "deliveryPeriod": 72, "deliveryPeriodMax": 48},
    {"brand": "Mahle", "number": "OC90", "availability": -7, "price": "99", "packing": "x"},
]  # fmt: skip
BAD: list[Any] = [
    {"brand": "MANN", "price": 10},
    {"number": "X1", "price": 10},
    {"brand": "MANN", "number": "Z1", "price": "abc"},
    {"brand": "MANN", "number": "Z2", "price": 0},
    "not an object",
]


class State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: Counter[str] = Counter()
        self.in_flight: Counter[str] = Counter()
        self.max_in_flight: Counter[str] = Counter()
        self.queries: list[dict[str, list[str]]] = []
        self.stop = threading.Event()


def _handler(state: State) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _send(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            parts = url.path.strip("/").split("/")
            behaviour, key = parts[0], "/".join(parts[:2])
            with state.lock:
                state.requests[key] += 1
                state.in_flight[key] += 1
                state.max_in_flight[key] = max(state.max_in_flight[key], state.in_flight[key])
                state.queries.append(parse_qs(url.query))
            try:
                self._behave(behaviour)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client cancelled: expected for slow behaviours
            finally:
                with state.lock:
                    state.in_flight[key] -= 1

        def _behave(self, behaviour: str) -> None:
            good = json.dumps(GOOD).encode()
            if behaviour == "fast":
                self._send(200, good)
            elif behaviour == "slow":
                time.sleep(0.5)
                self._send(200, good)
            elif behaviour == "hold":
                time.sleep(0.15)
                self._send(200, good)
            elif behaviour == "never":
                state.stop.wait(60)  # far past any deadline; released at teardown
            elif behaviour == "http500":
                self._send(500, b"oops userpsw=" + PASSWORD.encode())
            elif behaviour == "badjson":
                self._send(200, b"<html>not json")
            elif behaviour == "notlist":
                self._send(200, b'{"items": []}')
            elif behaviour == "errorcode":
                msg = f"Invalid login {LOGIN} or password {PASSWORD}"
                self._send(200, json.dumps({"errorCode": 1, "errorMessage": msg}).encode())
            elif behaviour == "noresults":  # ABCP's "nothing for this article"
                self._send(404, json.dumps({"errorCode": 301, "errorMessage": "No results"}
                                           ).encode())
            elif behaviour == "forbidden":
                msg = f"Invalid login {LOGIN} or password {PASSWORD}"
                self._send(403, json.dumps({"errorCode": 102, "errorMessage": msg}).encode())
            elif behaviour == "mixed":
                self._send(200, json.dumps(GOOD + BAD).encode())
            else:
                self._send(404, b"{}")

    return Handler


class AbcpServer:
    def __init__(self) -> None:
        self.state = State()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.state))
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False  # teardown must not wait for held requests
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, behaviour: str, tag: str = "t") -> str:
        return f"{self.base}/{behaviour}/{tag}"

    def requests(self, behaviour: str, tag: str = "t") -> int:
        with self.state.lock:
            return self.state.requests[f"{behaviour}/{tag}"]

    def max_in_flight(self, behaviour: str, tag: str = "t") -> int:
        with self.state.lock:
            return self.state.max_in_flight[f"{behaviour}/{tag}"]

    def close(self) -> None:
        self.state.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="session")
def server() -> Iterator[AbcpServer]:
    srv = AbcpServer()
    yield srv
    srv.close()


@pytest.fixture(scope="session")
def closed_port() -> str:
    """A loopback URL nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture(autouse=True, scope="session")
def _tls_context_loaded() -> None:
    """Load the process's TLS context (the CA bundle, 20-40 ms, more on a busy machine) before
    the deadline tests: their timings start before the first client is built."""
    from partsearch.online.live import _tls_context

    _tls_context()
