"""The search answered as JSON bytes by the compiled call (``Engine.search_json``, written by
``_json.usual_json``) against the reference: ``Engine.search(...).to_json()``, byte for byte."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from partsearch import Engine
from partsearch.ranking.order import DEFAULT_SORT, Filters
from partsearch.search import _blocks, _json

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
LATER = datetime(2030, 1, 1, tzinfo=UTC)  # every file stale
BEFORE_THE_FILES = datetime(2020, 5, 5, tzinfo=UTC)  # negative ages


@pytest.fixture
def fallbacks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The searches ``answer_json`` answered from values instead of the compiled writer."""
    from partsearch.search.engine import _blocks as engine_blocks

    engine_blocks()  # Engine.search keeps the unpatched answer (it holds the first import's)
    seen: list[str] = []
    values_answer = _blocks.answer

    def counted(state: Any, q: Any, spelling: str, key: str, **kw: Any) -> Any:
        seen.append(q.article)
        return values_answer(state, q, spelling, key, **kw)

    monkeypatch.setattr(_blocks, "answer", counted)
    return seen


@pytest.mark.parametrize(("options", "now"), [
    ({}, NOW),
    ({"show_supplier_price": True, "level": "registered"}, NOW),
    ({"show_all": True, "analogs_offset": 3, "analogs_limit": 2}, LATER),
    ({"oem_offset": 1, "oem_limit": 2, "analogs_limit": 3}, NOW),
    ({"sort": ("price", True), "filters": Filters(in_stock=True)}, BEFORE_THE_FILES),
    ({"sort": ("description", False), "filters": Filters(pickup_point="Г")}, NOW),
    ({"sort": ("code", True), "level": "guest", "show_supplier_price": True,
      "filters": Filters(brands=frozenset({"MANN-FILTER", "KNECHT", "VAG"}),
                         max_delivery_hours=48)}, NOW),
])
def test_json_answer_is_to_json_of_the_values_answer(
        world_catalog: Path, world_parts: list[tuple[str, str]], fallbacks: list[str],
        options: dict[str, Any], now: datetime) -> None:
    engine = Engine.open(world_catalog)
    offers = 0
    for brand, article in world_parts:
        fast = engine.search_json(article, brand, now=now, **options)
        assert fast == engine.search(article, brand, now=now, **options).to_json(), \
            (brand, article)
        offers += sum(len(b["offers"]) for b in json.loads(fast)["blocks"].values())
    # every part is in the index: the compiled writer answered them all, with offers to write,
    # but those with crosses the guard held back (their partners come from the values)
    idx = engine.index
    assert idx is not None
    held = [(b, a) for b, a in world_parts if idx.lookup(b, a) in idx.held_parts()]
    assert sorted(set(fallbacks)) == sorted({a for _, a in held}) and offers > 50
    assert len(held) < len(world_parts) // 20  # (parts left alone by the guard: few, or none)


def test_answers_the_writer_leaves_to_values(world_catalog: Path, fallbacks: list[str]
                                             ) -> None:
    """Not found, a brand to choose, and the general path all come back as ``to_json``."""
    engine = Engine.open(world_catalog)
    for article, brand in (("NO SUCH PART 1", "MANN"), ("W 920/21", "NO SUCH BRAND"),
                           ("W 920/21", None), ("OC 90", None)):
        result = engine.search(article, brand, now=NOW)
        assert engine.search_json(article, brand, now=NOW) == result.to_json()
    assert {json.loads(engine.search_json(a, None))["status"] for a in ("W 920/21", "XQ-0")} \
        <= {"ok", "choose_brand", "not_found"}
    odd = engine.search_json("W 920/21\udc80", "MANN", now=NOW)  # a lone surrogate
    assert json.loads(odd)["article"] == "W 920/21?"


def test_outgrown_scratch(world_catalog: Path, world_parts: list[tuple[str, str]],
                          monkeypatch: pytest.MonkeyPatch) -> None:
    """From a one-byte start the writer asks again, grown, and the answers stay exact."""
    scratch = _blocks._Scratch()
    scratch.json = scratch.json[:1]
    monkeypatch.setattr(_blocks, "_SCRATCH", scratch)
    engine = Engine.open(world_catalog)
    for brand, article in world_parts[:200]:
        assert engine.search_json(article, brand, now=NOW, show_all=True) == \
            engine.search(article, brand, now=NOW, show_all=True).to_json()
    assert scratch.json.size > 1000


ODD_TEXTS = ['Filter "super" \\ back\\slash', "tab\there", "Фильтр масляный 🚗", "ctl\x01\x1fend",
             "", "line\nbreak and \r return", "plain"]


def test_texts_are_escaped_as_json_dumps_escapes(tmp_path: Path, fallbacks: list[str]) -> None:
    """Quotes, backslashes, control characters, Cyrillic and emoji in a supplier's texts
    and terms: the writer's bytes equal json.dumps's."""
    from partsearch.crosses import GuardConfig, build_index
    from partsearch.loading import load_suppliers

    with (tmp_path / "odd.csv").open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, delimiter=";")
        out.writerow(["brand", "article", "description", "price", "qty"])
        for i, text in enumerate(ODD_TEXTS):
            out.writerow(["MANN" if i % 2 else 'BR"AND\\', f"ODD-{i}", text, f"{100 + i},5", i])
    (tmp_path / "suppliers.toml").write_text(
        '[ODD]\nname = "Odd \\"quoted\\" \\\\ supplier"\nfile = "odd.csv"\n'
        'encoding = "utf-8"\ndelimiter = ";"\ndelivery_hours = 24\n'
        'pickup_points = ["A\\\\B", "Г"]\nmin_order_sum = 103\n'
        'restrictions = "line1\\nline2 \\"q\\""\nstock_accuracy = 0.5\n'
        'columns = { brand = "brand", article = "article", description = "description", '
        'price = "price", quantity = "qty" }\n', encoding="utf-8")
    catalog = tmp_path / "catalog"
    reports = load_suppliers(tmp_path / "suppliers.toml", catalog)
    assert all(r.error is None for r in reports), reports
    crosses = tmp_path / "crosses.csv"
    with crosses.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["brand_a", "article_a", "brand_b", "article_b"])
        for i in range(len(ODD_TEXTS) - 1):
            out.writerow(["MANN" if i % 2 else 'BR"AND\\', f"ODD-{i}",
                          "MANN" if (i + 1) % 2 else 'BR"AND\\', f"ODD-{i + 1}"])
    # (a chain of one source: the guard would hold its middle back, and those parts' searches
    # come from the values, ``test_search_held_back.py``)
    build_index([crosses], catalog, guard=GuardConfig(enabled=False))
    engine = Engine.open(catalog)
    answers = []
    for i in range(len(ODD_TEXTS)):
        brand = "MANN" if i % 2 else 'BR"AND\\'
        for sp in (False, True):
            fast = engine.search_json(f"ODD-{i}", brand, now=NOW, show_supplier_price=sp,
                                      level="wholesale" if sp else None)
            assert fast == engine.search(f"ODD-{i}", brand, now=NOW, show_supplier_price=sp,
                                         level="wholesale" if sp else None).to_json()
            answers.append(fast)
    everything = b"".join(answers)
    assert not fallbacks
    for escaped in (b'BR\\"AND\\\\', b'\\"super\\"', b"tab\\there", b"ctl\\u0001\\u001fend",
                    b"line\\nbreak and \\r return", "масляный 🚗".encode(),
                    b'"A\\\\B"', b'"line1\\nline2 \\"q\\""'):
        assert escaped in everything, escaped


@given(st.text())
def test_escaped_is_json_dumps(text: str) -> None:
    raw = np.frombuffer(text.encode("utf-8", "surrogatepass"), dtype=np.uint8)
    out = np.zeros(6 * raw.size + 2, dtype=np.uint8)
    n = _json._escaped(out, 0, raw, 0, raw.size)
    expected = json.dumps(text, ensure_ascii=False).encode("utf-8", "surrogatepass")
    assert out[:n].tobytes() == expected


@given(st.integers(-10**9, 10**9), st.integers(0, 2 * 10**9))
def test_ages_in_tenths_agree(second: int, file_second: int) -> None:
    """The age the values show and the one the writer writes: the same integer of tenths,
    written as Python writes ``tenths / 10``."""
    tenths = _json.age_tenths(second, file_second)
    assert tenths == _json._age_tenths(second, file_second)
    assert abs(tenths / 10 - (second - file_second) / 3600) <= 0.05 + 1e-9
    out = np.zeros(32, dtype=np.uint8)
    assert out[:_json._put_tenths(out, 0, tenths)].tobytes() == repr(tenths / 10).encode()


def _smallest_lot(multiplicity: int, min_quantity: int) -> int:
    """The least quantity of at least ``min_quantity`` (1 if none) that is a multiple of
    ``multiplicity`` (1 if none), counted up one by one: the slow reference."""
    lot = max(min_quantity, 1)
    while lot % max(multiplicity, 1):
        lot += 1
    return lot


@given(st.integers(1, 10**14 - 1), st.integers(0, 10**14 - 1), st.integers(0, 1000),
       st.integers(0, 1000))
def test_below_min_order_compares_the_smallest_lot(price: int, least: int, multiplicity: int,
                                                   min_quantity: int) -> None:
    """An offer is below its supplier's minimum order when the smallest lot it is sold in, not
    one piece, stays below it (brake discs in pairs: 995.50 is a lot of 1,991, not below
    1,500); the values and the compiled writer agree."""
    expected = price * _smallest_lot(multiplicity, min_quantity) < least
    assert _json.below_min_order(price, least, multiplicity, min_quantity) is expected
    assert _json._below_min_order(price, least, multiplicity, min_quantity) is expected


def test_below_min_order_of_the_largest_lots_does_not_overflow() -> None:
    """A lot of 2**31 pieces at the largest price passes int64 as a product: the rule never
    forms it."""
    top, pieces = 10**14 - 1, 2**31 - 1
    for args, expected in [((top // 2, top, pieces, pieces), False), ((1, top, pieces, 1), True),
                           ((99_550, 150_000, 2, 1), False), ((99_550, 150_000, 1, 1), True),
                           ((40_000, 150_000, 2, 3), False), ((30_000, 150_000, 2, 3), True),
                           ((74_999, 150_000, 1, 2), True), ((75_000, 150_000, 1, 2), False)]:
        assert _json.below_min_order(*args) is expected, args
        assert _json._below_min_order(*args) is expected, args


def test_the_json_head_of_a_plan() -> None:
    """The head a plan carries is what to_json writes between "brand" and "blocks"."""
    head = _blocks._json_head(_blocks.Query("x", "y", "retail", DEFAULT_SORT,
                                            Filters(in_stock=True, pickup_point="Г"), False, 0,
                                            20, False, None))
    assert json.loads(b"{" + head + b"}") == {
        "status": "ok", "level": "retail", "sort": {"column": "delivery", "descending": False},
        "filters": {"in_stock": True, "pickup_point": "Г"}}


def test_json_answers_in_threads_keep_their_own_bytes(world_catalog: Path,
                                                      world_parts: list[tuple[str, str]]
                                                      ) -> None:
    """The writer releases the GIL and writes into a per-thread scratch: two threads at once
    give what the same searches give one after another."""
    from concurrent.futures import ThreadPoolExecutor

    engine = Engine.open(world_catalog)
    halves = world_parts[:300:2], world_parts[1:300:2]

    def run(chunk: list[tuple[str, str]]) -> list[bytes]:
        return [engine.search_json(article, brand, now=NOW, show_all=True)
                for _ in range(3) for brand, article in chunk]

    expected = [run(h) for h in halves]
    with ThreadPoolExecutor(2) as pool:
        assert list(pool.map(run, halves)) == expected
    assert expected[0] != expected[1] and sum(a.count(b'{"block":') for a in expected[0]) > 100


def test_half_a_tenth_of_age_rounds_up_and_stale_is_past_the_limit(tmp_path: Path) -> None:
    """README: an offer's age is in tenths of an hour, half a tenth (180 s) rounded up, and it
    is ``stale`` beyond ``stale_after_hours``, not at it (rounding half down, or stale at
    the limit, passed every test: the draws never land on the half)."""
    from datetime import timedelta

    from tests.conftest import write_catalog

    assert [_json.age_tenths(s, 0) for s in (179, 180, 539, 540)] == [0, 1, 1, 2]
    catalog = write_catalog(tmp_path, {"p.csv": "brand;article;price\nMANN;W 1/1;100,00\n"},
                            '[ALFA]\nfile = "p.csv"\ncolumns = { brand = "brand", article = '
                            '"article", price = "price" }\n')
    engine = Engine.open(catalog)
    (offer,) = engine.search("W 1/1", "MANN").requested.offers
    assert offer.price_file_time is not None
    file_second = int(datetime.fromisoformat(offer.price_file_time).timestamp())
    for seconds, age, stale in ((72 * 3600, 72.0, False), (72 * 3600 + 179, 72.0, False),
                                (72 * 3600 + 180, 72.1, True)):
        now = datetime.fromtimestamp(file_second, UTC) + timedelta(seconds=seconds)
        r = engine.search("W 1/1", "MANN", now=now)
        assert (r.requested.offers[0].age_hours, r.requested.offers[0].stale) == (age, stale)
        assert engine.search_json("W 1/1", "MANN", now=now) == r.to_json()
