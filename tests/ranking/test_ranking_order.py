"""Ranking invariants, against slow references."""

from __future__ import annotations

import unicodedata
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from partsearch import SearchError
from partsearch.ranking.levels import parse_levels
from partsearch.ranking.order import (
    DEFAULT_SORT,
    MAX_DELIVERY_HOURS,
    SORTS,
    Filters,
    check_sort,
    filter_mask,
    order,
    requested_shown,
)
from tests.conftest import first_matches

offers = st.lists(
    st.tuples(st.integers(1, 50_000), st.integers(0, 300), st.sampled_from("ABC"),
              st.integers(0, 3), st.integers(1, 4)),
    min_size=0, max_size=40,
)


def _cands(rows: list[tuple[int, int, str, int, int]]) -> dict[str, np.ndarray]:
    return {
        "price": np.array([r[0] for r in rows], dtype=np.int64),
        "delivery_hours": np.array([r[1] for r in rows], dtype=np.int32),
        "supplier": np.array([r[2] for r in rows], dtype=object),
        "hops": np.array([r[3] for r in rows], dtype=np.int32),
        "support": np.array([r[4] for r in rows], dtype=np.int32),
        "row": np.arange(len(rows), dtype=np.int64),
        "quantity": np.zeros(len(rows), dtype=np.int64),
    }


@given(offers)
def test_requested_block_rule(rows: list[tuple[int, int, str, int, int]]) -> None:
    c = _cands(rows)
    ordered = order(c, DEFAULT_SORT, by_distance=False)
    shown = requested_shown(c, ordered, DEFAULT_SORT)
    ref = sorted(range(len(rows)), key=lambda i: (rows[i][1], rows[i][0], rows[i][2], i))
    assert ordered.tolist() == ref
    if len(rows) <= 4:
        assert shown.tolist() == ref
        return
    assert shown[:3].tolist() == ref[:3]
    rest = ref[3:]
    cheapest = min(rest, key=lambda i: (rows[i][0], rest.index(i)))
    assert shown[3] == cheapest


@given(offers)
def test_analogs_nearer_first(rows: list[tuple[int, int, str, int, int]]) -> None:
    c = _cands(rows)
    got = order(c, DEFAULT_SORT, by_distance=True).tolist()
    ref = sorted(range(len(rows)), key=lambda i: (rows[i][3], -rows[i][4], rows[i][1],
                                                  rows[i][0], rows[i][2], i))
    assert got == ref


@given(offers, st.booleans())
def test_price_sort_is_a_sorted_permutation(rows: list[tuple[int, int, str, int, int]],
                                            desc: bool) -> None:
    c = _cands(rows)
    got = order(c, ("price", desc), by_distance=True)
    assert sorted(got.tolist()) == list(range(len(rows)))
    prices = c["price"][got].tolist()
    assert prices == sorted(prices, reverse=desc)


@given(st.lists(st.integers(1, 10_000_000), min_size=1, max_size=50))
def test_markup_rules_first_match_wins(prices: list[int]) -> None:
    level = parse_levels({"x": {"rules": [
        {"supplier": "S", "percent": 5}, {"max_price": 1000, "percent": 50},
        {"percent": 20}]}}, "test")["x"]
    kop = np.array(prices, dtype=np.int64)
    supplier = np.array(["S" if p % 2 else "T" for p in prices], dtype=object)
    out = level.apply(kop, supplier, np.array(["B"] * len(prices), dtype=object))
    for p, s, o in zip(prices, supplier, out.tolist(), strict=True):
        pct = 5 if s == "S" else (50 if p < 100_000 else 20)
        assert o == -(-p * (100 + pct) // 100)  # rounded up to the kopeck
        assert o >= p


@given(offers, st.sampled_from([DEFAULT_SORT, ("price", True), ("quantity", False)]))
def test_shown_is_a_subset_of_show_all(rows: list[tuple[int, int, str, int, int]],
                                       sort: tuple[str, bool]) -> None:
    c = _cands(rows)
    ordered = order(c, sort, by_distance=False)
    shown = requested_shown(c, ordered, sort)
    assert len(shown) == min(4, len(rows))
    assert set(shown.tolist()) <= set(ordered.tolist())
    assert len(set(shown.tolist())) == len(shown)  # no offer twice


@given(offers)
def test_order_is_total_and_stable_under_input_order(
        rows: list[tuple[int, int, str, int, int]]) -> None:
    # the same offers listed in another order come out in the same order (ties fully broken)
    c = _cands(rows)
    first = [rows[i] + (i,) for i in order(c, DEFAULT_SORT, by_distance=True).tolist()]
    perm = list(reversed(range(len(rows))))
    c2 = _cands([rows[i] for i in perm])
    c2["row"] = np.array(perm, dtype=np.int64)  # the row (file line) travels with the offer
    second = [rows[perm[i]] + (perm[i],) for i in
              order(c2, DEFAULT_SORT, by_distance=True).tolist()]
    assert first == second


band = st.tuples(st.one_of(st.none(), st.integers(0, 5000)),
                 st.one_of(st.none(), st.integers(0, 5000)), st.integers(0, 200))


@given(st.lists(band, max_size=5), st.integers(1, 200),
       st.lists(st.integers(1, 700_000), min_size=1, max_size=30))
def test_price_band_table_matches_first_match(rules: list[tuple[int | None, int | None, int]],
                                              last: int, prices: list[int]) -> None:
    # (a band from above its end matches nothing: the parse refuses it)
    raw = [{k: v for k, v in (("min_price", lo), ("max_price", hi), ("percent", pct))
            if v is not None} for lo, hi, pct in rules
           if lo is None or hi is None or lo < hi] + [{"percent": last}]
    # (a band earlier ones cover matches nothing either, the parse refuses it; so does a level
    # whose bands cover every price before its catch-all)
    meet = first_matches(raw)
    assume(len(raw) - 1 in meet)
    raw = [r for i, r in enumerate(raw) if i in meet]
    level = parse_levels({"x": {"rules": raw}}, "test")["x"]
    kop = np.array(prices, dtype=np.int64)
    none = np.array([""] * len(prices), dtype=object)
    got = level.apply(kop, none, none).tolist()
    for p, o in zip(prices, got, strict=True):
        pct = next(r["percent"] for r in raw
                   if r.get("min_price", -1) * 100 <= p < r.get("max_price", 10**9) * 100)
        assert o == -(-p * (100 + pct) // 100)


_anything = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(),
                      st.text(max_size=12), st.sampled_from(list(SORTS)),
                      st.lists(st.integers(), max_size=2))


@given(st.one_of(_anything, st.tuples(_anything), st.tuples(_anything, _anything),
                 st.lists(st.one_of(st.sampled_from(list(SORTS)), st.booleans()),
                          max_size=3),
                 st.tuples(st.sampled_from(list(SORTS)), _anything)))
def test_a_sort_is_a_known_column_and_a_bool_or_a_search_error(sort: Any) -> None:
    try:
        got = check_sort(sort)
    except SearchError:
        return
    assert got == DEFAULT_SORT if sort is None else got == tuple(sort)
    assert type(got) is tuple and got[0] in SORTS and type(got[1]) is bool


@pytest.mark.parametrize(("sort", "message"), [
    ("price", r"\(column, descending\).*not the text 'price'"),
    (("price",), r"\(column, descending\).*not \('price',\)"),
    (("price", "yes"), r"descending must be True or False, not 'yes'"),
    (("price", 1), r"descending must be True or False, not 1"),
    ((["price"], True), r"unknown sort column \['price'\]"),
    (("colour", False), r"unknown sort column 'colour'; choose one of code")])
def test_a_bad_sort_is_a_search_error_naming_it(sort: Any, message: str) -> None:
    with pytest.raises(SearchError, match=message):
        check_sort(sort)


def test_a_two_item_list_sort_is_the_tuple() -> None:
    assert check_sort(["price", True]) == ("price", True)
    assert check_sort(("code", False)) == ("code", False)


def test_a_sorts_json_echo_is_the_sort() -> None:
    """A web app keeps the result's JSON sort for the next search: its keys were read as
    the column and the direction ("unknown sort column 'column'")."""
    assert check_sort({"column": "price", "descending": True}) == ("price", True)
    with pytest.raises(SearchError, match=r"descending must be True or False, not 'yes'"):
        check_sort({"column": "price", "descending": "yes"})
    for bad in ({"column": "price"}, {"price": True}, {}):
        with pytest.raises(SearchError, match=r"sort must be \(column, descending\)"):
            check_sort(bad)  # type: ignore[arg-type]


@given(st.one_of(_anything, st.integers(-5, 2**40)), st.sampled_from(
    ["max_delivery_hours", "in_stock", "popular", "pickup_point"]))
@example("0\r", "pickup_point")  # (a padded point was expected kept as given; CI found it)
@example(" \u200b Г\u00ad ", "pickup_point")
def test_a_filter_value_of_another_type_or_range_is_a_search_error(value: Any,
                                                                    name: str) -> None:
    try:
        f = Filters(**{name: value})
    except SearchError:
        assert not _valid(name, value)
        return
    assert _valid(name, value)
    if name == "pickup_point" and value is not None:
        # (padded: compared trimmed; blank: none chosen)
        shown = _without_padding(value)
        assert f.pickup_point == (shown or None) and (shown or f == Filters())
    else:
        assert getattr(f, name) == value
    hash(f)  # (the search remembers its plans by it)


def _without_padding(text: str) -> str:
    """The slow reference of the pickup point's trimming: white space and invisible format
    characters off both ends, one at a time."""
    def padding(c: str) -> bool:
        return c.isspace() or unicodedata.category(c) == "Cf"
    while text and padding(text[0]):
        text = text[1:]
    while text and padding(text[-1]):
        text = text[:-1]
    return text


def _valid(name: str, value: Any) -> bool:
    if name == "max_delivery_hours":
        return value is None or (type(value) is int and 0 <= value <= MAX_DELIVERY_HOURS)
    if name == "pickup_point":
        return value is None or isinstance(value, str)
    return type(value) is bool


def test_both_delivery_filters_agree_and_negative_hours_are_refused() -> None:
    """The file search read -1 hours as no filter and the online offers' filter_mask as none
    passing: a negative number is refused where a Filters is made, so neither reads it."""
    with pytest.raises(SearchError, match=r"max_delivery_hours must be 0 to 2147483647 hours, "
                                          r"not -1"):
        Filters(max_delivery_hours=-1)
    with pytest.raises(SearchError, match=r"max_delivery_hours must be a whole number, not "
                                          r"True"):
        Filters(max_delivery_hours=True)
    assert Filters(max_delivery_hours=np.int64(48)) == Filters(max_delivery_hours=48)
    c = {"price": np.array([100, 100]), "delivery_hours": np.array([0, 72], np.int32)}
    assert filter_mask(c, Filters(max_delivery_hours=0), frozenset(), {}).tolist() == \
        [True, False]


@given(st.text(alphabet=" \t\n\r\u00a0\u2009\u3000\u200b\ufeff\u00ad", max_size=6),
       st.sampled_from(["", "M1", "Г"]))
def test_a_blank_pickup_point_is_none_chosen(blank: str, point: str) -> None:
    """A pickup point of white space (and invisible characters) only, as a web form's empty box
    sends it, filtered for a point called " " and kept no offer; now it is no filter, as "" is
    (and as a blank brand is): None, so equal filters share one plan and echo nothing."""
    f = Filters(pickup_point=blank)
    assert f.pickup_point is None and f == Filters() and f.items() == ()
    keep = filter_mask(_cands([(100, 5, "A", 0, 1), (200, 5, "B", 0, 1)]), f, frozenset(),
                       {"A": frozenset({"M1"}), "B": frozenset()})
    assert keep.tolist() == [True, True]
    # a visible point is kept trimmed: " M1 " from a web form filtered out every supplier but
    # one of a point called " M1 "
    named = Filters(pickup_point=blank + point + blank)
    assert named.pickup_point == (point or None)
    if point:
        assert named == Filters(pickup_point=point)
        keep = filter_mask(_cands([(100, 5, "A", 0, 1), (200, 5, "B", 0, 1)]), named,
                           frozenset(), {"A": frozenset({point}), "B": frozenset()})
        assert keep.tolist() == [True, False]


def test_numpy_bools_are_bools() -> None:
    """A web app's flags read from numpy or pandas are numpy bools: they filtered before the
    arguments were checked, and still do, kept as Python's (a result echoes them)."""
    f = Filters(in_stock=np.True_, popular=np.False_)
    assert f == Filters(in_stock=True) and type(f.in_stock) is bool and type(f.popular) is bool
    hash(f)
    got = check_sort((np.str_("price"), np.True_))
    assert got == ("price", True) and type(got[0]) is str and type(got[1]) is bool
    for bad in (1, "no", None):
        with pytest.raises(SearchError, match=r"Filters.in_stock must be True or False"):
            Filters(in_stock=bad)
