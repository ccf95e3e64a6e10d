"""The ABCP connector against a real loopback server: mapping, errors, config, redaction."""

from __future__ import annotations

import asyncio
import json
import math
from decimal import Decimal
from typing import Any

import httpx
import pytest

from partsearch.brands import brand_key
from partsearch.errors import SupplierError
from partsearch.online import AbcpConnector, Connector, OfferList, connector_from_api

LOGIN, PASSWORD = "s3cr3t-login", "s3cr3t-pw"


def _search(conn: AbcpConnector, article: str = "W 920/21", brand: str | None = "MANN") -> Any:
    async def go() -> Any:
        async with httpx.AsyncClient(timeout=5) as client:
            return await conn.search(client, article, brand)

    return asyncio.run(go())


def _conn(url: str, **kw: Any) -> AbcpConnector:
    return AbcpConnector("abc", url, LOGIN, PASSWORD, **kw)


def test_is_a_connector() -> None:
    assert isinstance(_conn("http://x.example"), Connector)


def test_mapping_of_a_good_answer(server: Any) -> None:
    offers = _search(_conn(server.url("fast", "map")))
    assert isinstance(offers, OfferList) and offers.rejected == ()
    by_article = {o.article: o for o in offers}
    mann = by_article["W 920/21"]
    assert mann.brand == brand_key("MANN") and mann.brand_raw == "MANN"
    assert mann.article_key == "W92021" and mann.supplier == "abc"
    assert mann.price == Decimal("512.30") and mann.description == "Oil filter"
    assert (mann.quantity, mann.quantity_exact, mann.on_order) == (5, True, False)
    assert (mann.delivery_hours, mann.delivery_hours_max) == (24, 48)
    assert mann.returnable and mann.item_key == "k1"
    assert mann.updated == "2024-05-01T10:00:00+03:00"  # (ABCP's Moscow time, its offset named)
    assert mann.probability == pytest.approx(0.97) and mann.supplier_class is None
    op = by_article["OP520"]  # an analog of another brand: "++", packed in pairs, no return
    assert op.brand == brand_key("Filtron")
    assert (op.quantity, op.quantity_exact, op.multiplicity) == (10, False, 2)
    assert not op.returnable and op.probability == pytest.approx(0.855)
    assert op.price == Decimal(300)
    bosch = by_article["0 451 103 316"]  # -10: on order
    assert (bosch.quantity, bosch.on_order, bosch.quantity_exact) == (None, True, False)
    assert bosch.delivery_hours_max is None and bosch.probability is None
    knecht = by_article["OC 90"]  # "+++", price with a space and a decimal comma
    assert (knecht.quantity, knecht.quantity_exact) == (100, False)
    assert knecht.price == Decimal("1234.50")
    # a guarantee before the expected time is none, as in price files
    assert (knecht.delivery_hours, knecht.delivery_hours_max) == (72, None)
    mahle = by_article["OC90"]  # unknown negative code: inexact 1; bad packing -> 1
    assert (mahle.quantity, mahle.quantity_exact, mahle.multiplicity) == (1, False, 1)


def test_request_parameters(server: Any) -> None:
    state = server.state
    _search(_conn(server.url("fast", "q1"), use_online_stocks=False), "OC 90", None)
    q = state.queries[-1]
    assert q["userlogin"] == [LOGIN] and q["userpsw"] == [PASSWORD]  # sent as given
    assert q["number"] == ["OC 90"] and q["useOnlineStocks"] == ["0"] and "brand" not in q
    _search(_conn(server.url("fast", "q2")), "OC 90", "KNECHT")
    q = state.queries[-1]
    assert q["brand"] == ["KNECHT"] and q["useOnlineStocks"] == ["1"]


def test_malformed_items_are_dropped_with_reasons(server: Any) -> None:
    offers = _search(_conn(server.url("mixed")))
    assert len(offers) == 5 and len(offers.rejected) == 5
    text = " ".join(offers.rejected)
    assert "no number" in text and "no brand" in text and "bad price" in text
    assert "not an object" in text


@pytest.mark.parametrize(
    ("behaviour", "expected"),
    [
        ("http500", "HTTP 500"),
        ("badjson", "malformed answer"),
        ("notlist", "malformed answer"),
        ("errorcode", "supplier error 1"),
    ],
)
def test_failures_raise_supplier_error(server: Any, behaviour: str, expected: str) -> None:
    with pytest.raises(SupplierError) as info:
        _search(_conn(server.url(behaviour)))
    assert expected in str(info.value)
    assert PASSWORD not in str(info.value) and LOGIN not in str(info.value)


def test_connection_error_is_redacted(closed_port: str) -> None:
    with pytest.raises(SupplierError, match="network error") as info:
        _search(_conn(closed_port))
    assert PASSWORD not in str(info.value) and LOGIN not in str(info.value)


def test_redact_strips_credentials_from_url_text() -> None:
    conn = _conn("http://x.example")
    text = f"Server error for url 'http://x/search/articles?userlogin={LOGIN}&userpsw={PASSWORD}'"
    out = conn._redact(text)
    assert PASSWORD not in out and LOGIN not in out and "userpsw=***" in out


def test_repr_hides_credentials() -> None:
    text = repr(_conn("http://x.example")) + str(vars(_conn("http://x.example")).keys())
    assert PASSWORD not in repr(_conn("http://x.example")) and LOGIN not in text


def test_from_api_config_reads_env_by_name() -> None:
    api = {"kind": "abcp", "url": "https://x.example/", "login_env": "X_LOGIN",
           "password_env": "X_PASSWORD", "deadline_s": 2.5, "max_concurrency": 2}  # fmt: skip
    conn = connector_from_api("x", api, {"X_LOGIN": LOGIN, "X_PASSWORD": PASSWORD})
    assert isinstance(conn, AbcpConnector)
    assert (conn.code, conn.url, conn.deadline_s, conn.max_concurrency) == (
        "x", "https://x.example", 2.5, 2)  # fmt: skip
    with pytest.raises(SupplierError, match="X_PASSWORD") as info:
        AbcpConnector.from_api_config("x", api, {"X_LOGIN": LOGIN})
    assert LOGIN not in str(info.value)


def test_a_shops_factory_is_chosen_by_its_kind_in_any_case() -> None:
    mine = AbcpConnector("x", "https://mine.example", "l", "p")
    kinds = {"ABCP": lambda code, api, env: mine, "MyShop": lambda code, api, env: mine}
    # a profile's kind is read in any case: the shop's "ABCP" replaces the shipped abcp
    for kind in ("abcp", "ABCP", "myshop", "MYSHOP"):
        assert connector_from_api("x", {"kind": kind}, {}, kinds=kinds) is mine
    exact = {"myshop": lambda code, api, env: mine, "MYSHOP": lambda code, api, env: None}
    assert connector_from_api("x", {"kind": "myshop"}, {}, kinds=exact) is mine  # exact first
    with pytest.raises(SupplierError, match="unknown api kind 'emex'"):
        connector_from_api("x", {"kind": "emex"}, {}, kinds=kinds)


@pytest.mark.parametrize(
    "api",
    [
        {"kind": "abcp", "url": "ftp://x", "login_env": "A", "password_env": "B"},
        {"kind": "abcp", "url": "https://x", "password_env": "B"},
        {"kind": "abcp", "url": "https://x", "login_env": "A", "password_env": "B",
         "deadline_s": 0},
        {"kind": "abcp", "url": "https://x", "login_env": "A", "password_env": "B",
         "deadline_s": "soon"},
        *({"kind": "abcp", "url": "https://x", "login_env": "A", "password_env": "B",
           "deadline_s": bad} for bad in (1e9, 60.5, math.inf, math.nan)),
        {"kind": "emex"},
    ],
)  # fmt: skip
def test_bad_api_configs(api: dict[str, Any]) -> None:
    with pytest.raises(SupplierError):
        connector_from_api("x", api, {"A": "a", "B": "b"})


def test_errors_sent_with_4xx_keep_their_code_and_message(server: Any) -> None:
    assert _search(_conn(server.url("noresults"))) == []  # "No results" is an answer
    with pytest.raises(SupplierError) as info:
        _search(_conn(server.url("forbidden")))
    text = str(info.value)
    assert "HTTP 403: supplier error 102: Invalid login *** or password ***" in text
    assert PASSWORD not in text and LOGIN not in text


def test_prices_are_read_to_the_kopeck_within_the_loaders_limits() -> None:
    items = [{"brand": "MANN", "number": f"N{i}", "price": price} for i, price in
             enumerate(["1e400", "0.001", "1000000000000", "0.005", "512.304", 401.5])]
    offers = _conn("http://x.example").parse(json.dumps(items))
    assert [str(o.price) for o in offers] == ["0.01", "512.30", "401.50"]
    assert offers.rejected == ("item 0: bad price '1e400'", "item 1: zero price '0.001'",
                               "item 2: price too large '1000000000000'")  # (13 digits)


def test_a_json_number_is_the_price_it_is() -> None:
    """A JSON number has one spelling: ``1e3`` is 1000.00 (where a price file's text "1e3" is
    no price), ``1e30`` too large, ``1e-05`` zero, by the rule a shop's ``Decimal`` is read by;
    they were read as the number's text, which made ``1e30`` and ``1e-05`` "bad price"."""
    body = '[{"brand": "MANN", "number": "N%d", "price": %s}]'
    prices = ["1e3", "512.305", "1e30", "1e-05", "-1.5", "1E+2"]
    found = [_conn("http://x.example").parse(body % (i, p)) for i, p in enumerate(prices)]
    assert [(str(o[0].price) if o else None, o.rejected) for o in found] == [
        ("1000.00", ()), ("512.31", ()), (None, ("item 0: price too large '1e+30'",)),
        (None, ("item 0: zero price '1e-05'",)), (None, ("item 0: negative price '-1.5'",)),
        ("100.00", ())]


def test_a_probability_outside_its_percentage_is_rejected() -> None:
    """``deliveryProbability`` is a percentage: outside 0..100 % it is outside 0..1, which any
    connector's offer is rejected for (150 % was capped to a sure delivery, -5 % to none)."""
    items = [{"brand": "MANN", "number": "W 920/21", "price": 10, "deliveryProbability": p}
             for p in (150, -5, 100, "0", "n/a")]
    offers = _conn("http://x.example").parse(json.dumps(items))
    assert offers.rejected == ("item 0: bad probability 1.5: not within 0..1",
                               "item 1: bad probability -0.05: not within 0..1")
    assert [o.probability for o in offers] == [1.0, 0.0, None]


# the texts of DOMAIN.md's price files, and what the loader makes of numbers written otherwise
PRICE_TEXTS = ["1 234,50", "1\u00a0298,00", "1.234,56", "12,345.67", "850 руб.", "1e3", "-5",
               "99999999999999", "0,004", "1'250.00", "₽", "1 234,505", "0x10", "NaN", "1.2.3"]


@pytest.mark.parametrize("text", PRICE_TEXTS)
def test_a_price_is_read_as_the_loader_reads_it(text: str) -> None:
    """The same text gives the same kopecks, or is rejected for the same reason, online and in
    a price file (the loader's vectorized parser itself)."""
    import pyarrow as pa

    from partsearch.loading._values import parse_price

    [(kopecks, reason)] = parse_price(pa.array([text])).rows()
    offers = _conn("http://x.example").parse(json.dumps(
        [{"brand": "MANN", "number": "N1", "price": text}]))
    if reason is None:
        assert [o.price * 100 for o in offers] == [kopecks] and not offers.rejected
    else:
        assert (list(offers), offers.rejected) == ([], (f"item 0: {reason}",))


def test_values_no_price_file_could_carry_are_rejected_not_raised() -> None:
    """10**30 in stock raised OverflowError in the search's int64 columns; such a row is
    rejected as a price file's would be (15 digits of quantity, 9 of multiplicity, int32 hours),
    and a value at the limit kept."""
    row = {"brand": "MANN", "number": "W 920/21", "price": 124.0}
    items = [dict(row, availability=10**30), dict(row, deliveryPeriod=10**12),
             dict(row, packing=10**20), dict(row, deliveryPeriodMax=2**31),
             dict(row, availability=10**15 - 1, packing=10**9 - 1, deliveryPeriod=2**31 - 1)]
    offers = _conn("http://x.example").parse(json.dumps(items))
    assert offers.rejected == (
        "item 0: quantity too large: more than 999999999999999",
        "item 1: delivery too large: more than 2147483647",
        "item 2: multiplicity too large: more than 999999999",
        "item 3: guaranteed delivery too large: more than 2147483647")
    [(quantity, multiplicity, hours)] = [(o.quantity, o.multiplicity, o.delivery_hours)
                                         for o in offers]
    assert (quantity, multiplicity, hours) == (10**15 - 1, 10**9 - 1, 2**31 - 1)


def test_the_limits_are_the_loaders() -> None:
    import pyarrow as pa

    from partsearch._limits import MAX_HOURS, MAX_MULTIPLICITY, MAX_QUANTITY
    from partsearch.loading._values import parse_int_default, parse_quantity
    from partsearch.ranking.order import MAX_DELIVERY_HOURS

    quantities = parse_quantity(pa.array([str(MAX_QUANTITY), str(MAX_QUANTITY + 1)]))
    assert quantities.get_column("quantity").to_list()[0] == MAX_QUANTITY
    assert quantities.get_column("reason").to_list()[1] is not None
    packs = parse_int_default(pa.array([str(MAX_MULTIPLICITY), str(MAX_MULTIPLICITY + 1)]),
                              what="multiplicity")
    assert packs.get_column("value").to_list()[0] == MAX_MULTIPLICITY
    assert packs.get_column("reason").to_list()[1] is not None
    assert MAX_HOURS == MAX_DELIVERY_HOURS


@pytest.mark.parametrize(("login", "password"), [("a", "b"), ("1", "e"), ("no", "price")])
def test_short_credentials_do_not_garble_the_reasons(login: str, password: str) -> None:
    """A login "a" made "negative price" "neg***tive price": a credential is masked where it
    stands as a whole token (and as a URL's parameter), never inside another word."""
    items = [{"brand": "MANN", "number": "N1", "price": "-5"},
             {"brand": "MANN", "number": "N2", "price": None},
             {"number": "N3", "price": 1}, "x", {"brand": "MANN", "number": "N5",
                                                 "price": f"{password} руб."}]
    reasons = ("item 0: negative price '-5'", "item 1: bad price None", "item 2: no brand",
               "item 3: not an object", "item 4: bad price '*** руб.'")
    conn = AbcpConnector("abc", "http://x.example", login, password)
    assert conn.parse(json.dumps(items)).rejected == reasons
    answer = {"errorCode": 102, "errorMessage": f"Wrong login {login}, password {password}: "
              f"userlogin={login}&userpsw={password} (a{login}{password}1 kept)"}
    with pytest.raises(SupplierError) as info:
        conn.parse(json.dumps(answer))
    assert str(info.value) == ("supplier error 102: Wrong login ***, password ***: "
                               f"userlogin=***&userpsw=*** (a{login}{password}1 kept)")


# quantities as price files write them, and text that is none
QUANTITY_TEXTS = ["1 000", "12", ">10", "10+", "<5", "4-7", "++", "+++", "есть", "нет", "-",
                  "под заказ", "5 шт.", "2.0", "1\u00a0200", "1,5", "lots", "9" * 16, "1 0000",
                  ">0", "<1", "<0"]


@pytest.mark.parametrize("text", QUANTITY_TEXTS)
def test_an_availability_text_is_read_as_the_loader_reads_a_quantity(text: str) -> None:
    """"1 000" was an unknown quantity, silently, while the same row's "1 000,50" was read as a
    price file's price: the same text gives the same quantity online and in a price file (the
    loader's vectorized parser itself), or is rejected for the same reason."""
    import pyarrow as pa

    from partsearch.loading._values import parse_quantity

    [(quantity, exact, on_order, reason)] = parse_quantity(pa.array([text])).rows()
    offers = _conn("http://x.example").parse(json.dumps(
        [{"brand": "MANN", "number": "N1", "price": 100, "availability": text}]))
    if reason is None:
        assert [(o.quantity, o.quantity_exact, o.on_order) for o in offers] == [
            (quantity, exact, on_order)] and not offers.rejected
    else:
        assert (list(offers), offers.rejected) == ([], (f"item 0: {reason}",))


def test_an_availability_of_more_than_none_is_stock_and_of_fewer_than_one_none() -> None:
    """">0" was 0 (hidden by in_stock), "<1" and "<0" were 1 (kept), as in a price file."""
    items = [{"brand": "MANN", "number": f"N{i}", "price": 100, "availability": v}
             for i, v in enumerate([">0", "<1", "<0", "<5"])]
    offers = _conn("http://x.example").parse(json.dumps(items))
    assert [(o.quantity, o.quantity_exact) for o in offers] == [
        (1, False), (0, False), (0, False), (1, False)]


def test_availability_codes_and_numbers() -> None:
    """ABCP's codes, as numbers or as text; a fraction or an object is no count of parts."""
    values = [7, 7.0, "-1", -2, "-3", -10, "-10", -5, None, "", 2.5, float("nan"), {"n": 1}]
    items = [{"brand": "MANN", "number": f"N{i}", "price": 100, "availability": v}
             for i, v in enumerate(values)]
    offers = _conn("http://x.example").parse(json.dumps(items))
    assert [(o.quantity, o.quantity_exact, o.on_order) for o in offers] == [
        (7, True, False), (7, True, False), (1, False, False), (10, False, False),
        (100, False, False), (None, False, True), (None, False, True), (1, False, False),
        (None, False, False), (None, False, False)]
    assert offers.rejected == ("item 10: bad quantity 2.5", "item 11: bad quantity nan",
                               "item 12: bad quantity {'n': 1}")


def test_a_delivery_period_is_read_as_the_loader_reads_a_delivery() -> None:
    """A malformed, negative, null or missing deliveryPeriod was read as 0 hours (and a fraction
    cut): the offer ranked as the fastest. None stated is the profile's delivery_hours; one that
    a price file's delivery cell could not hold is rejected as the loader rejects that cell."""
    row = {"brand": "MANN", "number": "W 920/21", "price": 124.0}
    periods: list[Any] = ["abc", -5, 2.7, "-1", None, "", " ", "48", 48.0, "72,0", 0, True]
    items = [dict(row, deliveryPeriod=p) for p in periods] + [
        row, dict(row, deliveryPeriod=24, deliveryPeriodMax=-1),
        dict(row, deliveryPeriod=24, deliveryPeriodMax="x"),
        dict(row, deliveryPeriod=24, deliveryPeriodMax=None)]
    offers = _conn("http://x.example", delivery_hours=36).parse(json.dumps(items))
    assert offers.rejected == (
        "item 0: bad delivery 'abc'", "item 1: bad delivery -5", "item 2: bad delivery 2.7",
        "item 3: bad delivery '-1'", "item 11: bad delivery True",
        "item 13: bad guaranteed delivery -1", "item 14: bad guaranteed delivery 'x'")
    assert [(o.delivery_hours, o.delivery_hours_max) for o in offers] == [
        (36, None), (36, None), (36, None), (48, None), (48, None), (72, None), (0, None),
        (36, None), (24, None)]
    assert _conn("http://x.example").parse(json.dumps([row]))[0].delivery_hours == 24


def test_a_profiles_delivery_hours_reaches_its_abcp_connector() -> None:
    api = {"kind": "abcp", "url": "https://x.example", "login_env": "L", "password_env": "P"}
    conn = connector_from_api("x", api, {"L": "me", "P": "pw"}, delivery_hours=36)
    assert isinstance(conn, AbcpConnector) and conn.delivery_hours == 36


def test_prices_are_read_whatever_the_callers_decimal_context() -> None:
    """A live search's tasks inherit their caller's decimal context: at 6 digits, or with
    Inexact trapped, 99999.99 raised InvalidOperation out of ``parse``, failing the whole
    answer (and counting against the supplier)."""
    from decimal import Inexact, localcontext

    items = [{"brand": "MANN", "number": f"N{i}", "price": price} for i, price in
             enumerate(["99999.99", 99999.99, "999999999999.99", "512.305"])]
    with localcontext() as context:
        context.prec = 6
        context.traps[Inexact] = True
        offers = _conn("http://x.example").parse(json.dumps(items))
    assert ([str(o.price) for o in offers], offers.rejected) == (
        ["99999.99", "99999.99", "999999999999.99", "512.31"], ())
