"""LiveSuppliers against a real loopback server: deadlines, streaming, breaker, cache, limits."""

from __future__ import annotations

import asyncio
import gc
import json
import math
import time
import weakref
from contextlib import aclosing
from decimal import Decimal
from typing import Any

import httpx
import numpy as np
import pytest

from partsearch.errors import SearchError, SupplierError
from partsearch.online import AbcpConnector, LiveOffer, LiveSuppliers, SupplierOutcome

LOGIN, PASSWORD = "s3cr3t-login", "s3cr3t-pw"


def _conn(code: str, url: str, deadline_s: float = 1.0, **kw: Any) -> AbcpConnector:
    return AbcpConnector(code, url, LOGIN, PASSWORD, deadline_s=deadline_s, **kw)


def _ask_all(live: LiveSuppliers, article: str = "W 920/21", brand: str | None = "MANN",
             deadline_s: float | None = None) -> list[SupplierOutcome]:  # fmt: skip
    async def go() -> list[SupplierOutcome]:
        try:
            return await live.ask_all(article, brand, deadline_s=deadline_s)
        finally:
            await live.aclose()

    return asyncio.run(go())


def _assert_no_secrets(outcome: SupplierOutcome) -> None:
    for text in (repr(outcome), json.dumps(outcome.to_dict()), outcome.error or ""):
        assert PASSWORD not in text and LOGIN not in text, text


def test_statuses_per_supplier(server: Any, closed_port: str) -> None:
    # each supplier's own deadline, not only the ask's, gets slack: CI is busy
    d = 2.0
    live = LiveSuppliers([
        _conn("fast", server.url("fast", "st"), d),
        _conn("slow", server.url("slow", "st"), d),
        _conn("never", server.url("never", "st"), d),
        _conn("http500", server.url("http500", "st"), d),
        _conn("badjson", server.url("badjson", "st"), d),
        _conn("errorcode", server.url("errorcode", "st"), d),
        _conn("mixed", server.url("mixed", "st"), d),
        _conn("closed", closed_port, d),
    ])  # fmt: skip
    outcomes = {o.supplier: o for o in _ask_all(live, deadline_s=d)}
    status = {code: o.status for code, o in outcomes.items()}
    assert status == {
        "fast": "answered", "slow": "answered", "never": "timed_out", "http500": "failed",
        "badjson": "failed", "errorcode": "failed", "mixed": "answered", "closed": "failed",
    }  # fmt: skip
    assert outcomes["http500"].error == "HTTP 500"
    assert "malformed answer" in (outcomes["badjson"].error or "")
    assert "supplier error 1" in (outcomes["errorcode"].error or "")
    assert "network error" in (outcomes["closed"].error or "")
    assert len(outcomes["fast"].offers) == 5 and not outcomes["fast"].from_cache
    assert len(outcomes["mixed"].offers) == 5 and len(outcomes["mixed"].rejected) == 5
    assert outcomes["slow"].seconds >= 0.45
    for outcome in outcomes.values():
        _assert_no_secrets(outcome)
        json.dumps(outcome.to_dict())  # JSON-friendly


def test_never_answering_supplier_does_not_hold_the_search(server: Any) -> None:
    live = LiveSuppliers([_conn("never", server.url("never", "dl"), deadline_s=5.0),
                          _conn("fast", server.url("fast", "dl"))])  # fmt: skip
    start = time.perf_counter()
    outcomes = _ask_all(live, deadline_s=0.2)
    elapsed = time.perf_counter() - start
    assert [o.status for o in outcomes] == ["answered", "timed_out"]
    # (the search's 0.2 s, not the supplier's own 5 s; the margin is a busy CI machine's,
    # where 0.05 s was one scheduler hiccup from a failure)
    assert elapsed < 0.2 + 1.0, elapsed


def test_building_the_client_does_not_eat_the_suppliers_deadline(server: Any) -> None:
    """The first ask builds the HTTP client; a slow build (a cold TLS context on a busy machine)
    must not time out a supplier that answers at once."""
    def slow_client() -> httpx.AsyncClient:
        time.sleep(0.3)
        return httpx.AsyncClient()

    live = LiveSuppliers([_conn("fast", server.url("fast", "cl"), deadline_s=0.25)],
                         client_factory=slow_client)
    [outcome] = _ask_all(live)
    assert outcome.status == "answered", outcome


def test_own_deadline_applies_without_a_search_deadline(server: Any) -> None:
    live = LiveSuppliers([_conn("never", server.url("never", "own"), deadline_s=0.15)])
    start = time.perf_counter()
    [outcome] = _ask_all(live)
    # (a supplier that never answers, cut at its own 0.15 s: the margin is a busy CI
    # machine's, where 50 ms was one scheduler hiccup from a failure)
    assert outcome.status == "timed_out" and time.perf_counter() - start < 0.15 + 1.0


def test_outcomes_arrive_incrementally(server: Any) -> None:
    live = LiveSuppliers([_conn("slow", server.url("slow", "inc"), deadline_s=2.0),
                          _conn("fast", server.url("fast", "inc"), deadline_s=2.0)])  # fmt: skip
    arrivals: list[tuple[str, float]] = []

    async def go() -> None:
        start = time.perf_counter()
        async for outcome in live.ask("W 920/21", "MANN"):
            arrivals.append((outcome.supplier, time.perf_counter() - start))
        await live.aclose()

    asyncio.run(go())
    assert [code for code, _ in arrivals] == ["fast", "slow"]
    # (the fast one as it came, not when the slow one's 0.5 s were up)
    assert arrivals[0][1] < arrivals[1][1] - 0.1 and arrivals[1][1] >= 0.45


def test_breaking_out_early_cancels_the_rest(server: Any) -> None:
    live = LiveSuppliers([_conn("never", server.url("never", "brk"), deadline_s=5.0),
                          _conn("fast", server.url("fast", "brk"), deadline_s=5.0)])  # fmt: skip

    async def go() -> float:
        start = time.perf_counter()
        async with aclosing(live.ask("W 920/21", None)) as stream:
            async for outcome in stream:
                assert outcome.supplier == "fast"
                break
        await live.aclose()
        return time.perf_counter() - start

    assert asyncio.run(go()) < 1.0
    assert live.breakers["never"].state == "closed"  # abandoned, not failed


def test_circuit_opens_and_half_opens(server: Any) -> None:
    now = [0.0]
    live = LiveSuppliers([_conn("bad", server.url("http500", "cb"))], failure_threshold=2,
                         reset_after_s=10.0, clock=lambda: now[0])  # fmt: skip
    statuses = [_ask_all(live)[0].status for _ in range(3)]
    assert statuses == ["failed", "failed", "skipped"]
    assert server.requests("http500", "cb") == 2
    now[0] = 10.0  # half-open: one probe goes through, fails, circuit opens again
    assert _ask_all(live)[0].status == "failed"
    assert server.requests("http500", "cb") == 3
    assert _ask_all(live)[0].status == "skipped"
    assert live.breakers["bad"].state == "open"


def test_timeouts_count_as_failures(server: Any) -> None:
    live = LiveSuppliers([_conn("never", server.url("never", "cbt"), deadline_s=0.05)],
                         failure_threshold=2)  # fmt: skip
    assert [_ask_all(live)[0].status for _ in range(3)] == ["timed_out", "timed_out", "skipped"]


def test_cache_hit_avoids_a_second_request(server: Any) -> None:
    now = [0.0]
    live = LiveSuppliers([_conn("abc", server.url("fast", "cache"))], cache_ttl_s=60.0,
                         clock=lambda: now[0])  # fmt: skip
    first = _ask_all(live, "W 920/21", "MANN")[0]
    second = _ask_all(live, "w920-21", "Mann & Hummel")[0]  # same keys, other spelling
    assert (first.from_cache, second.from_cache) == (False, True)
    assert second.status == "answered" and second.offers == first.offers
    assert server.requests("fast", "cache") == 1
    _ask_all(live, "W 920/21", None)  # another brand key: not the same question
    assert server.requests("fast", "cache") == 2
    now[0] = 61.0
    assert not _ask_all(live, "W 920/21", "MANN")[0].from_cache
    assert server.requests("fast", "cache") == 3


def test_semaphore_limits_requests_in_flight(server: Any) -> None:
    live = LiveSuppliers([_conn("abc", server.url("hold", "sem"), deadline_s=3.0,
                                max_concurrency=2)])  # fmt: skip

    async def go() -> list[list[SupplierOutcome]]:
        try:
            return await asyncio.gather(*(live.ask_all(f"OC {i}", None) for i in range(6)))
        finally:
            await live.aclose()

    results = asyncio.run(go())
    assert all(r[0].status == "answered" for r in results)
    assert server.requests("hold", "sem") == 6
    assert server.max_in_flight("hold", "sem") == 2


class _Raising:
    code, deadline_s, max_concurrency = "boom", 1.0, 1

    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    async def search(
        self, client: httpx.AsyncClient, article: str, brand: str | None
    ) -> list[LiveOffer]:
        raise self.exc


def test_connector_exceptions_never_escape_nor_leak() -> None:
    for exc, expected in [
        (RuntimeError(f"GET http://x/?userpsw={PASSWORD}"), "unexpected RuntimeError"),
        (SupplierError(f"bad url http://x/?userlogin={LOGIN}&userpsw={PASSWORD}"), "bad url"),
        (KeyError("price"), "unexpected KeyError"),
    ]:
        [outcome] = _ask_all(LiveSuppliers([_Raising(exc)]))
        assert outcome.status == "failed" and expected in (outcome.error or "")
        _assert_no_secrets(outcome)


def test_default_clients_verify_tls_with_one_shared_context() -> None:
    """The default client keeps httpx's certificate checks; its TLS context is made once per
    process, not once per event loop."""
    import ssl

    from partsearch.online.live import _default_client, _tls_context

    ctx = _tls_context()
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname
    assert ctx.get_ca_certs()  # the CA bundle is loaded
    assert _tls_context() is ctx
    first, second = _default_client(), _default_client()
    assert first is not second
    asyncio.run(first.aclose())
    asyncio.run(second.aclose())


class _Returning:
    code, deadline_s, max_concurrency = "odd", 1.0, 1

    def __init__(self, answer: Any) -> None:
        self.answer = answer

    async def search(self, client: httpx.AsyncClient, article: str, brand: str | None) -> Any:
        return self.answer


def test_a_connector_returning_anything_but_offers_fails() -> None:
    good = LiveOffer("odd", "MANN-FILTER", "MANN", "W 920/21", "W92021", "", Decimal("1"))
    for answer, expected in [(None, "connector returned NoneType, not a list of offers"),
                             ({"offers": []}, "connector returned dict, not a list of offers"),
                             ([good, {"price": 1}], "connector returned a dict among its offers")]:
        [outcome] = _ask_all(LiveSuppliers([_Returning(answer)]))
        assert (outcome.status, outcome.error) == ("failed", expected)
    [outcome] = _ask_all(LiveSuppliers([_Returning((good,))]))
    assert (outcome.status, outcome.offers) == ("answered", (good,))


def test_a_shops_offers_are_checked_by_the_rule_abcps_are() -> None:
    """A shop's connector is checked where every connector is: a brand of None raised
    AttributeError out of every live search (and its cached answer raised again), ``"-"`` was
    placed as a supplier's cross, 0.004 roubles shown as 0.00, ``"false"`` as returnable, and a
    ``Decimal`` probability was "not within 0..1"."""
    from dataclasses import replace

    good = LiveOffer("odd", "MANN-FILTER", "MANN", "W 920/21", "W92021", "", Decimal("100"))
    odd = [replace(good, brand=None, brand_raw=None), replace(good, brand_raw=None),
           replace(good, brand=7), replace(good, brand="", brand_raw=""),
           replace(good, brand="-", brand_raw="-"), replace(good, price=Decimal("0.004")),
           replace(good, price=Decimal("1e-9")), replace(good, price=12.5),
           replace(good, returnable="false"), replace(good, on_order="no"),
           replace(good, quantity_exact=1), replace(good, probability="0.5"),
           replace(good, probability=Decimal("1.5"))]
    kept = [replace(good, probability=Decimal("0.5")), replace(good, returnable=np.False_)]
    [outcome] = _ask_all(LiveSuppliers([_Returning([*odd, *kept])]))
    assert outcome.rejected == (
        "item 0: bad brand_raw NoneType", "item 1: bad brand_raw NoneType",
        "item 2: bad brand int", "item 3: brand '' is empty",
        "item 4: brand '-' has no letters or digits", "item 5: zero price '0.004'",
        "item 6: zero price '1E-9'", "item 7: bad price 12.5",
        "item 8: bad returnable 'false': not True or False",
        "item 9: bad on_order 'no': not True or False",
        "item 10: bad quantity_exact 1: not True or False",
        "item 11: bad probability '0.5': not a number",
        "item 12: bad probability Decimal('1.5'): not within 0..1")
    # (a Decimal probability as a float, numpy's bool as Python's: JSON-ready)
    assert [(o.probability, o.returnable) for o in outcome.offers] == [(0.5, True), (None, False)]
    assert type(outcome.offers[0].probability) is float
    assert json.loads(json.dumps(outcome.to_dict()))["offers"][1]["returnable"] is False


def test_a_shops_offer_is_settled_as_a_price_files_row() -> None:
    """Its price to the kopeck, half up (512.305 was 512.30 to the search, which rounded half
    to even, and the level's rules applied to that); a guarantee shorter than the expected
    delivery none, as a file's and ABCP's; numpy's numbers Python's, so the outcome and the
    search's result are JSON (an ``np.int64`` quantity made ``to_json`` raise)."""
    from dataclasses import replace

    good = LiveOffer("odd", "MANN-FILTER", "MANN", "W 920/21", "W92021", "", Decimal("100"))
    answer = [replace(good, price=Decimal("512.305")), replace(good, price=Decimal("1E+3")),
              replace(good, delivery_hours=48, delivery_hours_max=12),
              replace(good, delivery_hours=48, delivery_hours_max=48),
              replace(good, quantity=np.int64(5), multiplicity=np.int32(2),
                      delivery_hours=np.int64(3), probability=np.float32(0.5))]
    [outcome] = _ask_all(LiveSuppliers([_Returning(answer)]))
    assert [str(o.price) for o in outcome.offers] == ["512.31", "1000.00", "100.00", "100.00",
                                                      "100.00"]
    assert [o.delivery_hours_max for o in outcome.offers][2:4] == [None, 48]
    settled = outcome.offers[4]
    assert (settled.quantity, settled.multiplicity, settled.delivery_hours,
            settled.probability) == (5, 2, 3, 0.5)
    assert json.loads(json.dumps(outcome.to_dict()))["offers"][4]["quantity"] == 5


def test_unavailable_suppliers_are_reported_failed_each_ask() -> None:
    live = LiveSuppliers([], unavailable={"nopw": "environment variable X_PW is not set",
                                          "leaky": f"bad url http://x/?userpsw={PASSWORD}"})
    for _ in range(2):
        outcomes = {o.supplier: o for o in _ask_all(live)}
        assert {c: o.status for c, o in outcomes.items()} == {"nopw": "failed", "leaky": "failed"}
        assert outcomes["nopw"].error == "environment variable X_PW is not set"
        _assert_no_secrets(outcomes["leaky"])


def test_credentials_never_reach_the_logs(server: Any, caplog: Any) -> None:
    """httpx logs each request's URL; the query's credentials are masked, at every level."""
    import logging

    caplog.set_level(logging.DEBUG)
    outcomes = _ask_all(LiveSuppliers([_conn("fast", server.url("fast", "logs")),
                                       _conn("http500", server.url("http500", "logs"))]))
    assert {o.status for o in outcomes} == {"answered", "failed"}
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "/search/articles" in text and "userpsw=***" in text and "userlogin=***" in text
    assert LOGIN not in text and PASSWORD not in text


def test_no_results_answers_keep_the_circuit_closed(server: Any) -> None:
    live = LiveSuppliers([_conn("none", server.url("noresults", "nr"))], failure_threshold=2)
    for article in ("A1", "A2", "A3"):
        [outcome] = _ask_all(live, article)
        assert (outcome.status, outcome.offers) == ("answered", ())
    assert live.breakers["none"].state == "closed"


def test_threads_each_running_a_loop_share_one_instance(server: Any) -> None:
    """Engine.search_live_sync runs a loop per call, from whatever thread calls it: one thread
    closing its loop's client must not close the one another thread's request is using."""
    import threading

    live = LiveSuppliers([_conn("slow", server.url("slow", "threads"), 3.0)])
    results: dict[str, SupplierOutcome] = {}

    def search(name: str, article: str) -> None:
        [results[name]] = _ask_all(live, article)  # (ask, then aclose, in a loop of its own)

    first = threading.Thread(target=search, args=("first", "A1"))
    second = threading.Thread(target=search, args=("second", "A2"))
    first.start()
    time.sleep(0.2)  # the first is waiting for its answer (0.5 s) when the second asks
    second.start()
    first.join()
    second.join()
    assert {n: o.status for n, o in results.items()} == {"first": "answered",
                                                         "second": "answered"}


def test_the_limit_in_flight_holds_across_threads_each_running_a_loop(server: Any) -> None:
    """max_concurrency is per supplier, not per event loop: six threads each asking in a loop
    of its own (as Engine.search_live_sync does) put six requests in flight to a supplier of
    max_concurrency 2."""
    import threading

    live = LiveSuppliers([_conn("abc", server.url("hold", "threads-sem"), deadline_s=3.0,
                                max_concurrency=2)])  # fmt: skip
    statuses: list[str] = []
    threads = [threading.Thread(target=lambda i=i: statuses.extend(
        o.status for o in _ask_all(live, f"OC {i}"))) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == ["answered"] * 6
    assert server.requests("hold", "threads-sem") == 6
    assert server.max_in_flight("hold", "threads-sem") == 2


def test_a_request_waiting_in_one_thread_for_a_slot_held_in_another_is_no_failure() -> None:
    """One slot, held by a request in another thread's loop: the waiting request times out
    and is not counted; the one in flight is."""
    import threading

    live = LiveSuppliers([_Hanging()], failure_threshold=2)
    first: list[SupplierOutcome] = []
    holder = threading.Thread(target=lambda: first.extend(_ask_all(live, "A1", None, 0.4)))
    holder.start()
    time.sleep(0.1)  # (the first holds the slot)
    second = _ask_all(live, "A2", None, deadline_s=0.1)
    holder.join()
    assert [o.status for o in first + second] == ["timed_out", "timed_out"]
    assert live.breakers["hang"].state == "closed"  # one failure of two
    assert [o.status for o in _ask_all(live, deadline_s=0.05)] == ["timed_out"]
    assert live.breakers["hang"].state == "open"


class _SlowToLeave:
    """A supplier that never answers and, cancelled, needs a few more turns of its loop to
    leave (httpx closing its connection)."""

    code, deadline_s, max_concurrency = "slow", 0.1, 2

    def __init__(self) -> None:
        self.calls = 0

    async def search(
        self, client: httpx.AsyncClient, article: str, brand: str | None
    ) -> list[LiveOffer]:
        self.calls += 1
        try:
            await asyncio.Event().wait()
        finally:
            await asyncio.sleep(0.01)
        return []


@pytest.mark.filterwarnings("ignore::ResourceWarning")  # (the unclosed loops, on purpose)
def test_a_slot_held_in_a_loop_dropped_unclosed_comes_back() -> None:
    """A caller running each search in a new loop it never closes: the cancelled request still
    held its slot when ``run_until_complete`` returned, and the limit held its loop, so it was
    never collected and the slot never came back; after ``max_concurrency`` such searches no
    request ever reached the supplier again, and waiting for a slot was not counted."""
    conn = _SlowToLeave()
    live = LiveSuppliers([conn], failure_threshold=100)
    gone = []
    for i in range(4):
        loop = asyncio.new_event_loop()
        outcomes = loop.run_until_complete(live.ask_all(f"A{i}", None))
        assert [o.status for o in outcomes] == ["timed_out"]
        gone.append(weakref.ref(loop))
        del loop
        gc.collect()
    assert conn.calls == 4  # (each search's request went out: a slot was free)
    assert all(ref() is None for ref in gone)  # (nothing holds a dropped loop)
    assert [o.status for o in _ask_all(live, "B", None)] == ["timed_out"]
    assert conn.calls == 5 and live.breakers["slow"]._failures == 5


class _Limited:
    """A shop's own connector with the given deadline_s and max_concurrency."""

    code = "mine"

    def __init__(self, deadline_s: Any, max_concurrency: Any) -> None:
        self.deadline_s, self.max_concurrency = deadline_s, max_concurrency

    async def search(
        self, client: httpx.AsyncClient, article: str, brand: str | None
    ) -> list[LiveOffer]:
        return []


@pytest.mark.parametrize(("deadline_s", "max_concurrency", "error"), [
    (math.nan, 1, "deadline_s must be a positive number of seconds, at most 60, not nan"),
    (1e9, 1, "deadline_s must be a positive number of seconds, at most 60, not 1000000000.0"),
    (math.inf, 1, "deadline_s must be a positive number of seconds, at most 60, not inf"),
    (0, 1, "deadline_s must be a positive number of seconds, at most 60, not 0"),
    (60.5, 1, "deadline_s must be a positive number of seconds, at most 60, not 60.5"),
    ("2", 1, "deadline_s must be a positive number of seconds, at most 60, not '2'"),
    (True, 1, "deadline_s must be a positive number of seconds, at most 60, not True"),
    (2.0, 0, "max_concurrency must be a whole number >= 1, not 0"),
    (2.0, 2.5, "max_concurrency must be a whole number >= 1, not 2.5"),
    (2.0, None, "max_concurrency must be a whole number >= 1, not None"),
])
def test_a_connector_whose_limits_no_profile_could_give_is_refused(
        deadline_s: Any, max_concurrency: Any, error: str) -> None:
    """The 60 s cap and the whole-number limit held only a profile's api table: a shop's own
    connector with deadline_s 1e9 or NaN was waited for for good when it never answered, and
    max_concurrency 0 was taken for 1. LiveSuppliers refuses it as it is built, naming it,
    by the profile's rule."""
    with pytest.raises(SupplierError) as caught:
        LiveSuppliers([_Limited(deadline_s, max_concurrency)])
    assert caught.value.message == f"LiveSuppliers: connector 0 ('mine'): {error}"


def test_a_connectors_limits_may_be_any_numbers_in_range() -> None:
    """(numpy's, an int deadline, the cap itself)"""
    for deadline_s, max_concurrency in ((60, 1), (np.float64(0.5), np.int64(3)), (1e-3, 10)):
        live = LiveSuppliers([_Limited(deadline_s, max_concurrency)])
        assert live._slots["mine"].limit == max_concurrency


def test_an_article_or_brand_that_is_not_text_is_refused(server: Any) -> None:
    """As Engine.search: None raised AttributeError, a number was asked for as its text."""
    live = LiveSuppliers([_conn("fast", server.url("fast", "dz"))])
    for article, brand in ((None, "MANN"), (5, "MANN"), (b"W92021", None), ("W 920/21", 5)):
        with pytest.raises(SearchError, match=r"cannot search .*(an article|a brand) is text"):
            _ask_all(live, article, brand, deadline_s=2.0)  # type: ignore[arg-type]
    assert server.requests("fast", "dz") == 0


def test_a_deadline_that_is_not_a_positive_number_is_refused(server: Any) -> None:
    """Zero or less would cancel every request before it goes out (and open healthy suppliers'
    circuits); NaN would cap nothing."""
    live = LiveSuppliers([_conn("fast", server.url("fast", "dz"))], failure_threshold=1)
    for bad in (0, 0.0, -1.0, math.nan, math.inf, "3", True, np.float64("nan"), np.int64(0),
                10**400):
        with pytest.raises(SearchError, match="deadline_s must be a positive number"):
            _ask_all(live, deadline_s=bad)  # type: ignore[arg-type]
    assert server.requests("fast", "dz") == 0
    assert live.breakers["fast"].state == "closed"
    assert _ask_all(live, deadline_s=2.0)[0].status == "answered"
    # a numpy number is a number of seconds (it capped the suppliers before the check)
    live.cache.clear()
    assert _ask_all(live, deadline_s=np.int64(2))[0].status == "answered"  # type: ignore


def test_a_request_cancelled_before_it_went_out_is_no_failure(server: Any) -> None:
    """A deadline so short that the request never leaves is our doing, not the supplier's."""
    live = LiveSuppliers([_conn("fast", server.url("fast", "unsent"))], failure_threshold=1)
    for _ in range(3):
        assert _ask_all(live, deadline_s=1e-9)[0].status == "timed_out"
    assert server.requests("fast", "unsent") == 0
    assert live.breakers["fast"].state == "closed"
    assert _ask_all(live, deadline_s=2.0)[0].status == "answered"


class _Hanging:
    """A supplier that takes every request and never answers."""

    code, deadline_s, max_concurrency = "hang", 5.0, 1

    async def search(
        self, client: httpx.AsyncClient, article: str, brand: str | None
    ) -> list[LiveOffer]:
        await asyncio.Event().wait()
        return []


def test_a_request_waiting_for_a_slot_at_its_deadline_is_no_failure() -> None:
    """Two asks, one slot: the request in flight times out and counts; the one that waited for
    the slot never reached the supplier and does not."""
    live = LiveSuppliers([_Hanging()], failure_threshold=2)

    async def go() -> list[list[SupplierOutcome]]:
        try:
            first = asyncio.ensure_future(live.ask_all("A1", None, deadline_s=0.2))
            await asyncio.sleep(0.01)  # (the first holds the slot)
            second = await live.ask_all("A2", None, deadline_s=0.05)
            return [await first, second]
        finally:
            await live.aclose()

    results = asyncio.run(go())
    assert [r[0].status for r in results] == ["timed_out", "timed_out"]
    assert live.breakers["hang"].state == "closed"  # one failure of two
    assert [o.status for o in _ask_all(live, deadline_s=0.05)] == ["timed_out"]
    assert live.breakers["hang"].state == "open"


class _Blocking:
    """A shop's connector that blocks the event loop (a synchronous client inside ``async
    search``) and then never answers."""

    code, deadline_s, max_concurrency = "blocking", 0.2, 1

    async def search(
        self, client: httpx.AsyncClient, article: str, brand: str | None
    ) -> list[LiveOffer]:
        time.sleep(0.5)
        await asyncio.Event().wait()
        return []


def test_a_connector_that_blocks_the_loop_is_timed_out_and_counted() -> None:
    """A connector that blocks the loop past its deadline is no excuse for itself nor for the
    others: its timeout counts, its circuit opens and the next search skips it at once (where
    a blocked loop's timeouts went uncounted, it blocked every later search for good), and a
    silent supplier timed out during the block counts as well."""
    live = LiveSuppliers([_Blocking(), _Hanging()], failure_threshold=1)
    outcomes = {o.supplier: o for o in _ask_all(live, deadline_s=0.3)}
    assert {o.status for o in outcomes.values()} == {"timed_out"}
    assert {o.error for o in outcomes.values()} == {"no answer by the deadline"}
    assert live.breakers["blocking"].state == live.breakers["hang"].state == "open"
    started = time.perf_counter()
    outcomes = {o.supplier: o for o in _ask_all(live, deadline_s=0.3)}
    assert outcomes["blocking"].status == "skipped"
    assert time.perf_counter() - started < 0.3


class _Appending(AbcpConnector):
    """An ABCP connector that sends the article with ``extra`` after it (a shop's own, adding
    its suffix), or the brand in a header too (``header``: httpx encodes a header as ASCII)."""

    extra = ""
    header = False

    async def search(self, client: httpx.AsyncClient, article: str, brand: str | None
                     ) -> list[LiveOffer]:
        if self.header:  # (the request is made, and refused, before anything goes out)
            client.build_request("GET", self.url, headers={"X-Brand": brand or ""})
        return await super().search(client, article + self.extra, brand)


def test_a_request_that_cannot_carry_the_querys_text_is_not_the_suppliers_failure(
        server: Any) -> None:
    """A buyer's brand this supplier's request cannot carry (a shop's connector sending it in
    a header, which httpx encodes as ASCII) fails that search, not the supplier: another
    buyer's query goes out. Counted, three such buyer searches opened its circuit for every
    buyer."""
    now = [0.0]
    conn = _Appending("odd", server.url("fast", "query-text"), LOGIN, PASSWORD, deadline_s=2.0)
    conn.header = True
    live = LiveSuppliers([conn], failure_threshold=1, reset_after_s=10, clock=lambda: now[0],
                         cache_ttl_s=0)
    for _ in range(3):
        [outcome] = _ask_all(live, brand="МАНН")
        assert outcome.status == "failed", outcome
        assert outcome.error == ("the request could not be made: UnicodeEncodeError of the "
                                 "query's text (not counted against the supplier)")
        assert live.breakers["odd"].state == "closed"
        [outcome] = _ask_all(live)
        assert outcome.status == "answered", outcome
    assert server.requests("fast", "query-text") == 3  # (only the good ones went out)
    # the probe of an open circuit that cannot be sent gives no verdict: the next one probes
    conn.url = server.url("http500", "query-text")
    assert _ask_all(live)[0].error == "HTTP 500" and live.breakers["odd"].state == "open"
    now[0] = 10.0
    assert _ask_all(live, brand="МАНН")[0].status == "failed"
    conn.url = server.url("fast", "query-text")
    [outcome] = _ask_all(live)
    assert outcome.status == "answered" and live.breakers["odd"].state == "closed"


@pytest.mark.parametrize("extra, why", [("\ud800", "UnicodeEncodeError"),
                                        ("W" * 70_000, "InvalidURL")])
def test_a_request_the_connector_cannot_make_is_the_suppliers_failure(
        server: Any, extra: str, why: str) -> None:
    """What a connector adds of its own (a suffix no URL can carry, or too long) fails every
    search, whoever searches: the supplier's failure, said neutrally. It was "the query could
    not be sent ... (not counted against the supplier)", every search, and the operator looked
    at the buyers' queries."""
    conn = _Appending("odd", server.url("fast", f"own-{why}"), LOGIN, PASSWORD, deadline_s=2.0)
    conn.extra = extra
    live = LiveSuppliers([conn], failure_threshold=2, cache_ttl_s=0)
    for state in ("closed", "open"):
        [outcome] = _ask_all(live)
        assert (outcome.status, outcome.error) == (
            "failed", f"the request could not be made: {why}"), outcome
        assert live.breakers["odd"].state == state
    assert server.requests("fast", f"own-{why}") == 0


@pytest.mark.parametrize("url, why", [
    ("https://exa\u00a0mple.com", r"url 'https://exa\\xa0mple.com' cannot be requested: "
                                   r"Invalid IDNA hostname"),
    ("https://[::1", r"url 'https://\[::1' cannot be requested: Invalid port"),
    ("https://", r"url 'https:' is no http\(s\) URL with a host"),
    ("https://x.example/\ud800", r"url 'https://x.example/\\ud800' cannot be requested: "
                                 r"'utf-8' codec can't encode"),
])
def test_an_abcp_url_no_request_can_be_made_of_is_refused_when_built(url: str, why: str) -> None:
    """A misconfigured URL failed every search at the request, as the query's fault."""
    api = {"kind": "abcp", "url": url, "login_env": "L", "password_env": "P"}
    with pytest.raises(SupplierError, match=f"^supplier X: {why}"):
        AbcpConnector.from_api_config("X", api, {"L": LOGIN, "P": PASSWORD})
    with pytest.raises(SupplierError, match=f"^supplier X: {why}"):
        _conn("X", url)


def test_abcp_credentials_no_url_can_carry_are_refused_when_built() -> None:
    """A lone surrogate (os.environ's reading of bytes that are not UTF-8) in a credential,
    or credentials that with the longest query pass httpx's URL length, failed every
    search; the message never quotes them."""
    api = {"kind": "abcp", "url": "https://x.example", "login_env": "L", "password_env": "P"}
    for login, why in (("me\udcff", "no text"), ("m" * 60_000, "longer than httpx takes")):
        with pytest.raises(SupplierError, match=why) as err:
            AbcpConnector.from_api_config("X", api, {"L": login, "P": PASSWORD})
        assert login not in str(err.value) and PASSWORD not in str(err.value)
    assert AbcpConnector.from_api_config("X", api, {"L": "m" * 50_000, "P": PASSWORD})


@pytest.mark.parametrize("article, brand, why", [
    ("W\ud80092", "MANN", r"article 'W\\ud80092' holds '\\ud800' at character 1, a lone "
                          r"surrogate"),
    ("W 920/21", "MANN\udc80", r"brand 'MANN\\udc80' holds '\\udc80' at character 4, a lone "
                               r"surrogate"),
    ("W" * 100_000, "MANN", r"article 'WWWW.*…\(100000 characters\) is longer than the "
                            r"256 characters sent"),
    ("W 920/21", "M" * 257, r"brand 'MMMM.*…\(257 characters\) is longer")])
def test_a_query_no_supplier_can_be_sent_is_refused_before_any_is_asked(
        server: Any, article: str, brand: str, why: str) -> None:
    live = LiveSuppliers([_conn("fast", server.url("fast", "refused"))])
    asked = server.requests("fast", "refused")
    with pytest.raises(SearchError, match=f"cannot ask the suppliers: {why}") as err:
        _ask_all(live, article, brand)
    assert len(str(err.value)) < 300
    assert server.requests("fast", "refused") == asked
    assert live.breakers["fast"].state == "closed"
    [outcome] = _ask_all(live, "W" * 256, "M" * 256)  # (as long as a query sent may be)
    assert outcome.status == "answered"


def test_a_shops_prices_are_read_whatever_the_callers_decimal_context() -> None:
    """The ask's tasks inherit the caller's decimal context: at 6 digits, or with Inexact
    trapped, a shop's 99999.99 raised InvalidOperation, failing its whole answer."""
    from dataclasses import replace
    from decimal import Inexact, localcontext

    good = LiveOffer("odd", "MANN-FILTER", "MANN", "W 920/21", "W92021", "", Decimal("99999.99"))
    for precision, inexact in ((6, False), (28, True), (6, True)):
        with localcontext() as context:
            context.prec = precision
            context.traps[Inexact] = inexact
            [outcome] = _ask_all(LiveSuppliers([_Returning([
                good, replace(good, price=Decimal("999999999999.995")),
                replace(good, price=Decimal("512.305"))])]))
        assert (outcome.status, [str(o.price) for o in outcome.offers], outcome.rejected) == (
            "answered", ["99999.99", "512.31"],
            ("item 1: price too large '999999999999.995'",)), (precision, inexact)


def test_an_offers_values_json_cannot_carry_are_rejected_or_settled() -> None:
    """A signalling NaN probability raised ValueError (float() of it), failing the whole
    answer; an ``np.int64`` item_key, a ``datetime`` updated passed the checks and made the
    outcome's ``to_dict()`` no JSON. An integer item_key is its text, a date or datetime
    updated its ISO 8601 text; what has no such reading is that offer's rejection."""
    from dataclasses import replace
    from datetime import date, datetime, timedelta, timezone

    good = LiveOffer("odd", "MANN-FILTER", "MANN", "W 920/21", "W92021", "", Decimal("100"))
    odd = [replace(good, probability=Decimal("sNaN")), replace(good, item_key=7.5),
           replace(good, item_key=2**70), replace(good, updated=1714557600),
           replace(good, updated=["yesterday"]), replace(good, supplier_class=1),
           replace(good, item_key=True)]
    msk = timezone(timedelta(hours=3))
    kept = [replace(good, item_key=np.int64(7)), replace(good, item_key=-3),
            replace(good, updated=datetime(2024, 5, 1, 10)),
            replace(good, updated=datetime(2024, 5, 1, 10, tzinfo=msk)),
            replace(good, updated=date(2024, 5, 1)), replace(good, supplier_class="analog")]
    [outcome] = _ask_all(LiveSuppliers([_Returning([*odd, *kept])]))
    assert (outcome.status, outcome.rejected) == ("answered", (
        "item 0: bad probability Decimal('sNaN'): not within 0..1", "item 1: bad item_key float",
        "item 2: item_key too large: more than 9223372036854775807", "item 3: bad updated int",
        "item 4: bad updated list", "item 5: bad supplier_class int",
        "item 6: bad item_key bool"))
    offers = json.loads(json.dumps(outcome.to_dict()))["offers"]
    assert [(o["item_key"], o["updated"], o["supplier_class"]) for o in offers] == [
        ("7", None, None), ("-3", None, None), (None, "2024-05-01T10:00:00", None),
        (None, "2024-05-01T10:00:00+03:00", None), (None, "2024-05-01", None),
        (None, None, "analog")]


def test_an_offer_on_order_has_no_quantity() -> None:
    """As README says and a price file's row on order has none: 5 on order passed the
    search's in-stock filter, and sorted by quantity, as 5 in stock."""
    good = LiveOffer("odd", "MANN-FILTER", "MANN", "W 920/21", "W92021", "", Decimal("100"),
                     quantity=np.int64(5), quantity_exact=True, on_order=np.True_)
    [outcome] = _ask_all(LiveSuppliers([_Returning([good])]))
    [offer] = outcome.offers
    assert (offer.quantity, offer.quantity_exact, offer.on_order) == (None, False, True)


class _Abcp:
    """A connector reading a canned ABCP answer, as its ``search`` would; ``extra`` is appended
    to the parsed list, under ``code`` (a shop wrapping ABCP's connector)."""

    deadline_s, max_concurrency = 1.0, 1

    def __init__(self, body: bytes, code: str = "abc", extra: tuple[LiveOffer, ...] = ()) -> None:
        self.code, self.body, self.extra = code, body, extra
        self.inner = AbcpConnector("abc", "http://x.example", LOGIN, PASSWORD)

    async def search(self, client: httpx.AsyncClient, article: str, brand: str | None) -> Any:
        offers = self.inner.parse(self.body)
        offers.extend(self.extra)
        return offers


def test_abcps_items_are_checked_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """ABCP's connector checks and settles each item as it reads it (naming the answer's
    item); the ask checked and settled each again: half an answer's event-loop time (5000
    items, ~50 us each where ~25 us once). A list it returned that was added to since is
    checked whole, and every offer's supplier is still checked (a shop's wrapper of ABCP's
    connector under another code)."""
    from partsearch.online import abcp, live

    calls = {"abcp": 0, "live": 0}

    def counted(where: str, check: Any) -> Any:
        def count(offer: LiveOffer) -> str | None:
            calls[where] += 1
            return check(offer)
        return count

    monkeypatch.setattr(abcp, "offer_problem", counted("abcp", abcp.offer_problem))
    monkeypatch.setattr(live, "offer_problem", counted("live", live.offer_problem))
    items = [{"brand": "MANN", "number": "W 920/21", "price": "512.30", "itemKey": str(i)}
             for i in range(3)]
    body = json.dumps([*items, {"brand": "MANN", "number": "X", "price": 0}]).encode()
    [outcome] = _ask_all(LiveSuppliers([_Abcp(body)]))
    assert (outcome.offer_count, outcome.rejected, calls) == (
        3, ("item 3: zero price '0'",), {"abcp": 3, "live": 0})
    odd = LiveOffer("abc", "MANN-FILTER", "MANN", "W 920/21", "W92021", "", Decimal("0.001"))
    [outcome] = _ask_all(LiveSuppliers([_Abcp(body, extra=(odd,))]))
    assert (outcome.offer_count, outcome.rejected, calls["live"]) == (
        3, ("item 3: zero price '0'", "item 3: zero price '0.001'"), 4)
    [outcome] = _ask_all(LiveSuppliers([_Abcp(body, code="MINE")]))
    assert (outcome.offer_count, outcome.rejected[1:]) == (
        0, tuple(f"item {i}: supplier 'abc', not 'MINE'" for i in range(3)))
